"""Template tags for the outcome menu item and dashboard panel."""

from django import template

from fund import selectors as fund_selectors
from fund.models import Role

from .. import selectors

register = template.Library()

PANEL_ROLES = {Role.MUNICIPAL_OFFICIAL, Role.INVESTEE, Role.FUND_MANAGER, Role.ADMINISTRATOR}


@register.simple_tag
def outcomes_visible(user) -> bool:
    """The menu item shows for officials, investees, fund managers and administrators."""
    return bool(
        fund_selectors.is_administrator(user)
        or fund_selectors.official_organisation_ids(user)
        or fund_selectors.own_enterprise_organisation_ids(user)
        or fund_selectors.managed_fund_ids(user)
    )


@register.simple_tag
def outcomes_panel(user, role) -> dict | None:
    if role not in PANEL_ROLES:
        return None
    # the panel names the payer and the provider, nothing more of the contract's relations
    contracts = list(
        selectors.contracts_for(user)
        .select_related(None)
        .select_related("payer", "provider__organisation")
        .order_by("reference")[:10]
    )
    if not contracts:
        return None
    panel = {"contracts": contracts}
    if role == Role.MUNICIPAL_OFFICIAL:
        panel["pending"] = selectors.pending_for_official(user)
    return panel


@register.filter
def outcome_action_label(action: str) -> str:
    """This app's audit actions are registered with fund's labels (apps.py); one lookup for all apps."""
    from fund.audit import action_label

    return action_label(action)


@register.filter
def outcome_field_label(name: str) -> str:
    """The label of a field named in a history entry's changes (the model's verbose name)."""
    from django.core.exceptions import FieldDoesNotExist
    from django.utils.translation import gettext as _

    from ..models import Claim, OutcomeContract, Participant, Payment, PaymentProposal

    extra = {
        "approvals": _("goedkeuringen"),
        "claims": _("claims"),
        "payment": _("betaling"),
        "proposal": _("betaalvoorstel"),
        "bank_booking_date": _("boekdatum op het bankafschrift"),
        "sepa_version": _("versie betaalbestand"),
    }
    if name.isdigit():
        return _("begroting %(year)s") % {"year": name}
    if name in extra:
        return extra[name]
    for model in (Claim, PaymentProposal, Payment, Participant, OutcomeContract):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            continue
    return name


@register.filter
def outcome_state_label(state: str) -> str:
    from fund.audit import state_label

    from ..models import ClaimState, ContractStatus, ProposalState

    for choices in (ClaimState, ProposalState, ContractStatus):
        if state in choices.values:
            return str(choices(state).label)
    return state_label(state)
