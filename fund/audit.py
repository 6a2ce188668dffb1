"""The one way to write the audit trail. Services call it inside the transaction of the change."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from djmoney.money import Money

from .models import AuditEvent, User


def _jsonable(value: Any) -> Any:
    if isinstance(value, Money):
        return f"{value.amount} {value.currency}"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "name") and hasattr(value, "url"):  # FieldFile
        return value.name or ""
    return value


def audit_record(
    *,
    actor: User | None,
    obj: models.Model,
    action: str,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=_jsonable(data or {}),
    )


def audit_record_many(
    *, actor: User | None, records: list[tuple[models.Model, str, dict[str, Any]]]
) -> list[AuditEvent]:
    """Record the changes of one bulk service at once: (object, action, data), as `audit_record` would."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record_many must run inside the transaction of the changes it records")
    who = actor if actor is not None and actor.is_authenticated else None
    types: dict[type, ContentType] = {}
    events = []
    for obj, action, data in records:
        model = type(obj)
        if model not in types:
            types[model] = ContentType.objects.get_for_model(obj)
        events.append(
            AuditEvent(
                actor=who,
                content_type=types[model],
                object_id=str(obj.pk),
                object_repr=str(obj)[:255],
                action=action,
                data=_jsonable(data or {}),
            )
        )
    return AuditEvent.objects.bulk_create(events, batch_size=2000)


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"from": old, "to": new}} for the fields whose value changed."""
    return {
        name: {"from": _jsonable(before.get(name)), "to": _jsonable(value)}
        for name, value in after.items()
        if _jsonable(before.get(name)) != _jsonable(value)
    }


# Other apps add the Dutch names of their own actions here (from their AppConfig.ready), so that the shared
# history table (templates/includes/history.html) never shows a raw code; fund knows none of their actions.
_LABEL_PROVIDERS: list = []


def register_action_labels(provider) -> None:
    """`provider()` returns {action: translated label}; called when shown, so it follows the language."""
    _LABEL_PROVIDERS.append(provider)


def action_label(action: str) -> str:
    """The Dutch (translatable) name of an audit action, for history tables."""
    from django.utils.translation import gettext as _

    labels = {
        "fund_created": _("Fonds aangemaakt"),
        "fund_updated": _("Fonds gewijzigd"),
        "fund_status_changed": _("Status gewijzigd"),
        "commitment_created": _("Toezegging vastgelegd"),
        "enterprise_created": _("Onderneming geregistreerd"),
        "enterprise_updated": _("Onderneming gewijzigd"),
        "enterprise_relation_added": _("Onderneming aan fonds gekoppeld"),
        "social_label_added": _("Keurmerk toegevoegd"),
        "social_label_verified": _("Keurmerk geverifieerd"),
        "api_token_created": _("API-sleutel aangemaakt"),
        "api_token_revoked": _("API-sleutel ingetrokken"),
        "investor_created": _("Investeerder geregistreerd"),
        "municipality_government_created": _("Gemeente geregistreerd"),
        "fund_manager_created": _("Fondsbeheerder geregistreerd"),
        "referral_partner_created": _("Verwijzende partner geregistreerd"),
        "membership_granted": _("Rol toegekend"),
        "membership_revoked": _("Rol ingetrokken"),
        "admin_created": _("Aangemaakt via beheer"),
        "admin_changed": _("Gewijzigd via beheer"),
        "admin_deleted": _("Verwijderd via beheer"),
    }
    if action in labels:
        return labels[action]
    for provider in _LABEL_PROVIDERS:
        label = provider().get(action)
        if label:
            return label
    return action


# Other apps add the choices whose codes appear as audit states (from their AppConfig.ready).
_STATE_CHOICES: list = []


def register_state_choices(*choices) -> None:
    """Make the codes of these TextChoices show by their label in history tables."""
    _STATE_CHOICES.extend(c for c in choices if c not in _STATE_CHOICES)


def state_label(state: str) -> str:
    """Known state codes (fund status, roles, registered choices) by their label; others as they are."""
    from .models import FundStatus, Role

    for choices in (FundStatus, Role, *_STATE_CHOICES):
        if state in choices.values:
            return str(choices(state).label)
    return state
