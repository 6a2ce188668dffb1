"""Writes for funds, organisations and memberships: each in one transaction, each with an audit record."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from djmoney.money import Money

from core.errors import ApplicationError, PermissionDeniedError, TransitionError

from .audit import audit_record, field_changes
from .models import (
    MAX_FUND_THEMES,
    Commitment,
    Enterprise,
    EnterpriseRelation,
    Fund,
    FundManager,
    FundStatus,
    FundTheme,
    Instrument,
    Investor,
    Membership,
    Municipality,
    Organisation,
    ReferralPartner,
    Role,
    SocialLabel,
    SocialLabelStatus,
    Theme,
    User,
)
from .validators import normalise_iban, normalise_postcode

# Messages that tests and callers rely on.
MSG_TOO_MANY_THEMES = gettext_noop("Een fonds heeft maximaal %(max)d thema's; u koos er %(count)d.")
MSG_NO_THEMES = gettext_noop("Kies ten minste één thema.")
MSG_EMPTY_REGION = gettext_noop("Kies ten minste één gemeente voor de regio van het fonds.")
MSG_DUPLICATE_KVK = gettext_noop("Er bestaat al een organisatie met KvK-nummer %(kvk)s.")
MSG_DUPLICATE_NAME = gettext_noop("Er bestaat al een organisatie met de naam '%(name)s'.")
MSG_KVK_REQUIRED = gettext_noop("Een impactonderneming moet een KvK-nummer hebben.")
MSG_UNKNOWN_INSTRUMENT = gettext_noop("Onbekend instrument: %(value)s.")
MSG_NO_INSTRUMENTS = gettext_noop("Kies ten minste één toegestaan instrument.")
MSG_TICKET_RANGE = gettext_noop("Het minimale ticket mag niet groter zijn dan het maximale ticket.")
MSG_INTEREST_RANGE = gettext_noop("De minimale rente mag niet hoger zijn dan de maximale rente.")
MSG_NOT_EUR = gettext_noop("Bedragen zijn in euro's.")

FUND_TRANSITIONS: dict[str, list[str]] = {
    FundStatus.SETTING_UP: [FundStatus.INVESTING, FundStatus.CLOSED],
    FundStatus.INVESTING: [FundStatus.DIVESTING],
    FundStatus.DIVESTING: [FundStatus.INVESTING, FundStatus.CLOSED],
    FundStatus.CLOSED: [],
}


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


def model_update(*, instance: models.Model, fields: list[str], data: dict[str, Any]) -> dict[str, Any]:
    """Set whitelisted fields from `data`, validate, save; return {field: {from, to}} of what changed."""
    before = _snapshot(instance, fields)
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])
    instance.full_clean()
    changes = field_changes(before, _snapshot(instance, fields))
    if changes:
        instance.save()
    return changes


def _full_clean(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _check_organisation_unique(*, name: str, kvk_number: str, exclude_pk: int | None = None) -> None:
    errors: dict[str, list[str]] = {}
    others = Organisation.objects.exclude(pk=exclude_pk) if exclude_pk else Organisation.objects.all()
    if kvk_number and others.filter(kvk_number=kvk_number).exists():
        errors["kvk_number"] = [_(MSG_DUPLICATE_KVK) % {"kvk": kvk_number}]
    if name and others.filter(name__iexact=name.strip()).exists():
        errors["name"] = [_(MSG_DUPLICATE_NAME) % {"name": name.strip()}]
    if errors:
        raise ValidationError(errors)


def _save_unique(instance: models.Model) -> None:
    """Save; a unique violation that slipped past the check (a concurrent insert) becomes a field error."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        text = str(exc).lower()
        if "kvk" in text:
            raise ValidationError(
                {"kvk_number": [_(MSG_DUPLICATE_KVK) % {"kvk": getattr(instance, "kvk_number", "")}]}
            ) from exc
        if "name" in text:
            raise ValidationError(
                {"name": [_(MSG_DUPLICATE_NAME) % {"name": getattr(instance, "name", "")}]}
            ) from exc
        raise


def _build_organisation(
    *,
    name: str,
    kvk_number: str = "",
    iban: str = "",
    street_address: str = "",
    postcode: str = "",
    city: str = "",
    municipality: Municipality | None = None,
    municipality_government: Municipality | None = None,
    website: str = "",
    email: str = "",
) -> Organisation:
    kvk_number = (kvk_number or "").replace(" ", "").strip()
    organisation = Organisation(
        name=(name or "").strip(),
        kvk_number=kvk_number,
        iban=iban.strip().upper() if iban else "",
        street_address=street_address,
        postcode=postcode,
        city=city,
        municipality=municipality,
        municipality_government=municipality_government,
        website=website,
        email=email,
    )
    _full_clean(organisation)
    organisation.iban = normalise_iban(organisation.iban)
    organisation.postcode = normalise_postcode(organisation.postcode)
    _check_organisation_unique(name=organisation.name, kvk_number=kvk_number)
    return organisation


ORGANISATION_FIELDS = [
    "name",
    "kvk_number",
    "iban",
    "street_address",
    "postcode",
    "city",
    "municipality",
    "website",
    "email",
]
ENTERPRISE_FIELDS = ["legal_form", "founded_on", "mission"]


# --------------------------------------------------------------------------------------------------
# Organisations
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def enterprise_create(
    *,
    actor: User | None,
    fund: Fund | None,
    name: str,
    kvk_number: str,
    legal_form: str,
    municipality: Municipality | None,
    street_address: str = "",
    postcode: str = "",
    city: str = "",
    founded_on: datetime.date | None = None,
    mission: str = "",
    iban: str = "",
    website: str = "",
    email: str = "",
    themes: Iterable[Theme] = (),
    referred_by: ReferralPartner | None = None,
) -> Enterprise:
    """Register an impact enterprise; with a fund, the fund starts a relation with it."""
    if not (kvk_number or "").strip():
        raise ValidationError({"kvk_number": [_(MSG_KVK_REQUIRED)]})
    organisation = _build_organisation(
        name=name,
        kvk_number=kvk_number,
        iban=iban,
        street_address=street_address,
        postcode=postcode,
        city=city,
        municipality=municipality,
        website=website,
        email=email,
    )
    enterprise = Enterprise(legal_form=legal_form, founded_on=founded_on, mission=mission)
    _full_clean(enterprise, exclude=["organisation"])
    _save_unique(organisation)
    enterprise.organisation = organisation
    enterprise.save()
    enterprise.themes.set(list(themes))
    if fund is not None:
        enterprise_relation_add(actor=actor, fund=fund, enterprise=enterprise, referred_by=referred_by)
    audit_record(
        actor=actor,
        obj=enterprise,
        action="enterprise_created",
        data={"organisation": _snapshot(organisation, ORGANISATION_FIELDS), "fund": fund},
    )
    return enterprise


@transaction.atomic
def enterprise_update(*, actor: User | None, enterprise: Enterprise, data: dict[str, Any]) -> Enterprise:
    organisation = enterprise.organisation
    if "kvk_number" in data and not (data["kvk_number"] or "").strip():
        raise ValidationError({"kvk_number": [_(MSG_KVK_REQUIRED)]})
    data = dict(data)
    if "iban" in data:
        data["iban"] = normalise_iban(data["iban"] or "") if data["iban"] else ""
    _check_organisation_unique(
        name=data.get("name", organisation.name),
        kvk_number=data.get("kvk_number", organisation.kvk_number),
        exclude_pk=organisation.pk,
    )
    changes = model_update(instance=organisation, fields=ORGANISATION_FIELDS, data=data)
    if organisation.postcode != normalise_postcode(organisation.postcode):
        organisation.postcode = normalise_postcode(organisation.postcode)
        organisation.save(update_fields=["postcode"])
    changes |= model_update(instance=enterprise, fields=ENTERPRISE_FIELDS, data=data)
    if "themes" in data:
        before = sorted(t.name for t in enterprise.themes.all())
        enterprise.themes.set(list(data["themes"]))
        after = sorted(t.name for t in enterprise.themes.all())
        if before != after:
            changes["themes"] = {"from": before, "to": after}
    if changes:
        audit_record(actor=actor, obj=enterprise, action="enterprise_updated", data={"changes": changes})
    return enterprise


@transaction.atomic
def enterprise_relation_add(
    *,
    actor: User | None,
    fund: Fund,
    enterprise: Enterprise,
    referred_by: ReferralPartner | None = None,
    since: datetime.date | None = None,
) -> EnterpriseRelation:
    relation, created = EnterpriseRelation.objects.get_or_create(
        fund=fund,
        enterprise=enterprise,
        defaults={"referred_by": referred_by, "since": since or timezone.localdate()},
    )
    if created:
        audit_record(
            actor=actor,
            obj=fund,
            action="enterprise_relation_added",
            data={"enterprise": enterprise, "referred_by": referred_by},
        )
    return relation


def _may_verify_labels(actor: User | None, enterprise: Enterprise) -> bool:
    """The system (demo, imports: actor None), an administrator or a manager of the enterprise's fund."""
    return actor is None or actor.has_perm("fund.verify_sociallabel", enterprise)


@transaction.atomic
def social_label_add(
    *,
    actor: User | None,
    enterprise: Enterprise,
    label_type: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    pso_level: str = "",
    other_name: str = "",
    status: str = "certified",
    certificate=None,
) -> SocialLabel:
    """Add a label. Entered by the enterprise itself it is a claim, to be verified by the fund manager."""
    verified = _may_verify_labels(actor, enterprise)
    label = SocialLabel(
        enterprise=enterprise,
        label_type=label_type,
        pso_level=pso_level or "",
        other_name=other_name or "",
        status=status,
        valid_from=valid_from,
        valid_to=valid_to,
        verified_at=timezone.now() if verified else None,
        verified_by=actor if verified else None,
    )
    if not verified and status == SocialLabelStatus.CERTIFIED and not certificate:
        raise ValidationError(
            {
                "certificate": [
                    _(
                        "Voeg het certificaat toe als bewijs; het fonds controleert het en verifieert "
                        "het keurmerk."
                    )
                ]
            }
        )
    if certificate:
        label.certificate = certificate
    label.full_clean()
    label.save()
    audit_record(
        actor=actor,
        obj=enterprise,
        action="social_label_added",
        to_state="verified" if verified else "claimed",
        data={"label": str(label), "status": status, "valid_from": valid_from, "valid_to": valid_to},
    )
    return label


@transaction.atomic
def social_label_verify(*, actor: User, label: SocialLabel, reason: str = "") -> SocialLabel:
    """A fund manager has checked the certificate: the label now counts in screening."""
    label = SocialLabel.objects.select_for_update().get(pk=label.pk)
    if not actor.has_perm("fund.verify_sociallabel", label.enterprise):
        raise PermissionDeniedError(
            _("Alleen de fondsmanager van deze onderneming kan een keurmerk verifiëren.")
        )
    if label.is_verified:
        raise TransitionError(
            obj_label=str(_("Keurmerk %(label)s") % {"label": label}),
            from_state=str(_("geverifieerd")),
            to_state=str(_("geverifieerd")),
            allowed=[],
        )
    if label.status == SocialLabelStatus.CERTIFIED and not label.certificate:
        raise ApplicationError(
            _("Er is geen certificaat om te controleren; vraag de onderneming het toe te voegen.")
        )
    label.verified_at = timezone.now()
    label.verified_by = actor
    label.save(update_fields=["verified_at", "verified_by"])
    audit_record(
        actor=actor,
        obj=label.enterprise,
        action="social_label_verified",
        from_state="claimed",
        to_state="verified",
        reason=reason,
        data={"label": str(label)},
    )
    return label


@transaction.atomic
def investor_create(
    *,
    actor: User | None,
    name: str,
    investor_type: str,
    kvk_number: str = "",
    iban: str = "",
    municipality: Municipality | None = None,
    municipality_government: Municipality | None = None,
    organisation: Organisation | None = None,
) -> Investor:
    """Register an investor, as a new organisation or as a new role of an existing one."""
    if organisation is None:
        organisation = _build_organisation(
            name=name,
            kvk_number=kvk_number,
            iban=iban,
            municipality=municipality,
            municipality_government=municipality_government,
        )
        _save_unique(organisation)
    investor = Investor(organisation=organisation, investor_type=investor_type)
    investor.full_clean(validate_unique=False)
    investor.save()
    audit_record(actor=actor, obj=investor, action="investor_created", data={"type": investor_type})
    return investor


@transaction.atomic
def municipality_government_create(
    *, actor: User | None, municipality: Municipality, kvk_number: str = "", iban: str = ""
) -> Organisation:
    """The municipality as an organisation: its officials log in under it, it pays outcome contracts."""
    organisation = _build_organisation(
        name=f"Gemeente {municipality.name}",
        kvk_number=kvk_number,
        iban=iban,
        municipality=municipality,
        municipality_government=municipality,
    )
    _save_unique(organisation)
    audit_record(actor=actor, obj=organisation, action="municipality_government_created")
    return organisation


@transaction.atomic
def fund_manager_create(*, actor: User | None, name: str, kvk_number: str = "", **fields) -> FundManager:
    organisation = _build_organisation(name=name, kvk_number=kvk_number, **fields)
    _save_unique(organisation)
    manager = FundManager.objects.create(organisation=organisation)
    audit_record(actor=actor, obj=manager, action="fund_manager_created")
    return manager


@transaction.atomic
def referral_partner_create(
    *,
    actor: User | None,
    name: str,
    partner_type: str,
    on_behalf_of: Municipality | None = None,
    kvk_number: str = "",
) -> ReferralPartner:
    organisation = _build_organisation(name=name, kvk_number=kvk_number)
    partner = ReferralPartner(partner_type=partner_type, on_behalf_of=on_behalf_of)
    if partner_type == "makelaar" and on_behalf_of is None:
        raise ValidationError(
            {"on_behalf_of": [_("Een makelaar met mandaat werkt namens een gemeente: kies de gemeente.")]}
        )
    _full_clean(partner, exclude=["organisation"])
    _save_unique(organisation)
    partner.organisation = organisation
    partner.save()
    audit_record(actor=actor, obj=partner, action="referral_partner_created")
    return partner


# --------------------------------------------------------------------------------------------------
# Funds
# --------------------------------------------------------------------------------------------------


def _validate_fund_choices(
    *,
    themes: list[Theme],
    region: list[Municipality],
    allowed_instruments: list[str],
    min_ticket: Money,
    max_ticket: Money,
    target_size: Money,
    interest_rate_min: Decimal,
    interest_rate_max: Decimal,
) -> None:
    errors: dict[str, list[str]] = {}
    if len(themes) > MAX_FUND_THEMES:
        errors["themes"] = [_(MSG_TOO_MANY_THEMES) % {"max": MAX_FUND_THEMES, "count": len(themes)}]
    elif not themes:
        errors["themes"] = [_(MSG_NO_THEMES)]
    if not region:
        errors["region"] = [_(MSG_EMPTY_REGION)]
    unknown = [i for i in allowed_instruments if i not in Instrument.values]
    if unknown:
        errors["allowed_instruments"] = [_(MSG_UNKNOWN_INSTRUMENT) % {"value": ", ".join(map(str, unknown))}]
    elif not allowed_instruments:
        errors["allowed_instruments"] = [_(MSG_NO_INSTRUMENTS)]
    for field, money in (
        ("min_ticket", min_ticket),
        ("max_ticket", max_ticket),
        ("target_size", target_size),
    ):
        if money is not None and str(money.currency) != "EUR":
            errors[field] = [_(MSG_NOT_EUR)]
    if min_ticket is not None and max_ticket is not None and min_ticket.amount > max_ticket.amount:
        errors.setdefault("min_ticket", []).append(_(MSG_TICKET_RANGE))
    if (
        interest_rate_min is not None
        and interest_rate_max is not None
        and interest_rate_min > interest_rate_max
    ):
        errors.setdefault("interest_rate_min", []).append(_(MSG_INTEREST_RANGE))
    if errors:
        raise ValidationError(errors)


def _set_fund_themes(fund: Fund, themes: list[Theme]) -> None:
    FundTheme.objects.filter(fund=fund).delete()
    FundTheme.objects.bulk_create(
        [FundTheme(fund=fund, theme=theme, position=i) for i, theme in enumerate(themes, start=1)]
    )


FUND_FIELDS = [
    "name",
    "code",
    "manager",
    "vintage_year",
    "target_size",
    "min_ticket",
    "max_ticket",
    "allowed_instruments",
    "max_exposure_pct",
    "interest_rate_min",
    "interest_rate_max",
    "max_term_months",
]


@transaction.atomic
def fund_create(
    *,
    actor: User | None,
    name: str,
    code: str,
    manager: FundManager,
    vintage_year: int,
    target_size: Money,
    region: Iterable[Municipality],
    themes: Iterable[Theme],
    min_ticket: Money,
    max_ticket: Money,
    allowed_instruments: list[str],
    max_exposure_pct: Decimal,
    interest_rate_min: Decimal,
    interest_rate_max: Decimal,
    max_term_months: int = 84,
) -> Fund:
    region, themes = list(region), list(dict.fromkeys(themes))
    _validate_fund_choices(
        themes=themes,
        region=region,
        allowed_instruments=allowed_instruments,
        min_ticket=min_ticket,
        max_ticket=max_ticket,
        target_size=target_size,
        interest_rate_min=interest_rate_min,
        interest_rate_max=interest_rate_max,
    )
    fund = Fund(
        name=name.strip(),
        code=code.strip().upper(),
        manager=manager,
        vintage_year=vintage_year,
        target_size=target_size,
        min_ticket=min_ticket,
        max_ticket=max_ticket,
        allowed_instruments=list(allowed_instruments),
        max_exposure_pct=max_exposure_pct,
        interest_rate_min=interest_rate_min,
        interest_rate_max=interest_rate_max,
        max_term_months=max_term_months,
    )
    fund.full_clean()
    fund.save()
    fund.region.set(region)
    _set_fund_themes(fund, themes)
    audit_record(
        actor=actor,
        obj=fund,
        action="fund_created",
        to_state=fund.status,
        data={
            **_snapshot(fund, FUND_FIELDS),
            "region": sorted(m.cbs_code for m in region),
            "themes": [t.name for t in themes],
        },
    )
    return fund


@transaction.atomic
def fund_update(*, actor: User | None, fund: Fund, data: dict[str, Any]) -> Fund:
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    region = list(data["region"]) if "region" in data else list(fund.region.all())
    themes = list(dict.fromkeys(data["themes"])) if "themes" in data else list(fund.themes.all())
    merged = {name: data.get(name, getattr(fund, name)) for name in FUND_FIELDS}
    _validate_fund_choices(
        themes=themes,
        region=region,
        allowed_instruments=merged["allowed_instruments"],
        min_ticket=merged["min_ticket"],
        max_ticket=merged["max_ticket"],
        target_size=merged["target_size"],
        interest_rate_min=merged["interest_rate_min"],
        interest_rate_max=merged["interest_rate_max"],
    )
    if "code" in data:
        data = {**data, "code": data["code"].strip().upper()}
    changes = model_update(instance=fund, fields=FUND_FIELDS, data=data)
    before_region = sorted(fund.region.values_list("cbs_code", flat=True))
    after_region = sorted(m.cbs_code for m in region)
    if before_region != after_region:
        fund.region.set(region)
        changes["region"] = {"from": before_region, "to": after_region}
    before_themes = [ft.theme.name for ft in fund.fund_themes.select_related("theme")]
    after_themes = [t.name for t in themes]
    if before_themes != after_themes:
        _set_fund_themes(fund, themes)
        changes["themes"] = {"from": before_themes, "to": after_themes}
    if changes:
        audit_record(actor=actor, obj=fund, action="fund_updated", data={"changes": changes})
    return fund


@transaction.atomic
def fund_change_status(*, actor: User | None, fund: Fund, to_status: str, reason: str) -> Fund:
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    from_status = fund.status
    allowed = FUND_TRANSITIONS.get(from_status, [])
    if to_status not in allowed:
        raise TransitionError(
            obj_label=_("Fonds %(name)s") % {"name": fund.name},
            from_state=FundStatus(from_status).label,
            to_state=FundStatus(to_status).label if to_status in FundStatus.values else to_status,
            allowed=[str(FundStatus(s).label) for s in allowed],
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Geef een reden voor de statuswijziging.")]})
    fund.status = to_status
    fund.save(update_fields=["status"])
    audit_record(
        actor=actor,
        obj=fund,
        action="fund_status_changed",
        from_state=from_status,
        to_state=to_status,
        reason=reason.strip(),
    )
    return fund


@transaction.atomic
def commitment_create(
    *, actor: User | None, fund: Fund, investor: Investor, amount: Money, committed_on: datetime.date
) -> Commitment:
    commitment = Commitment(fund=fund, investor=investor, amount=amount, committed_on=committed_on)
    commitment.full_clean()
    commitment.save()
    audit_record(
        actor=actor, obj=fund, action="commitment_created", data={"investor": investor, "amount": amount}
    )
    return commitment


# --------------------------------------------------------------------------------------------------
# Memberships
# --------------------------------------------------------------------------------------------------


def _check_membership_scope(*, role: str, fund: Fund | None, organisation: Organisation | None) -> None:
    if role in (Role.FUND_MANAGER, Role.COMMITTEE_MEMBER):
        if fund is None or organisation is not None:
            raise ValidationError({"fund": [_("Deze rol hoort bij één fonds: kies het fonds.")]})
        return
    if role == Role.ADMINISTRATOR:
        if fund is not None or organisation is not None:
            raise ValidationError({"role": [_("Een beheerder hoort niet bij een fonds of organisatie.")]})
        return
    if organisation is None or fund is not None:
        raise ValidationError(
            {"organisation": [_("Deze rol hoort bij één organisatie: kies de organisatie.")]}
        )
    if role == Role.INVESTEE and not hasattr(organisation, "enterprise"):
        raise ValidationError({"organisation": [_("Een impactondernemer hoort bij een impactonderneming.")]})
    if role == Role.INVESTOR and not hasattr(organisation, "investor"):
        raise ValidationError(
            {"organisation": [_("Een investeerder hoort bij een investeerdersorganisatie.")]}
        )
    if role == Role.MUNICIPAL_OFFICIAL and not organisation.municipality_government_id:
        raise ValidationError({"organisation": [_("Een gemeenteambtenaar hoort bij een gemeente.")]})


@transaction.atomic
def membership_grant(
    *,
    actor: User | None,
    user: User,
    role: str,
    fund: Fund | None = None,
    organisation: Organisation | None = None,
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": [_("Onbekende rol: %(role)s.") % {"role": role}]})
    _check_membership_scope(role=role, fund=fund, organisation=organisation)
    membership, created = Membership.objects.get_or_create(
        user=user, role=role, fund=fund, organisation=organisation, defaults={"is_active": True}
    )
    if not created and membership.is_active:
        return membership
    if not created:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    if role == Role.ADMINISTRATOR and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    audit_record(
        actor=actor,
        obj=user,
        action="membership_granted",
        to_state=role,
        data={"fund": fund, "organisation": organisation},
    )
    user.__dict__.pop("_active_memberships", None)
    return membership


@transaction.atomic
def membership_revoke(*, actor: User | None, membership: Membership, reason: str) -> Membership:
    if actor is not None and actor.pk == membership.user_id and membership.role == Role.ADMINISTRATOR:
        raise PermissionDeniedError(_("U kunt uw eigen beheerdersrol niet intrekken."))
    if not membership.is_active:
        return membership
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        obj=membership.user,
        action="membership_revoked",
        from_state=membership.role,
        reason=reason,
        data={"fund": membership.fund, "organisation": membership.organisation},
    )
    return membership


# --------------------------------------------------------------------------------------------------
# Security notices: the user hears of a changed password or a new 2FA device (ASVS 2.2.3, 2.5.x)
# --------------------------------------------------------------------------------------------------

SECURITY_NOTICE_SUBJECTS = {
    "password_changed": gettext_noop("Uw wachtwoord voor Impactfonds is gewijzigd"),
    "two_factor_confirmed": gettext_noop("Nieuwe authenticator-app gekoppeld aan uw Impactfonds-account"),
}
SECURITY_NOTICE_WHAT = {
    "password_changed": gettext_noop("Het wachtwoord van uw Impactfonds-account (%(email)s) is gewijzigd"),
    "two_factor_confirmed": gettext_noop(
        "Er is een nieuwe authenticator-app (twee-factorauthenticatie) gekoppeld aan uw Impactfonds-account "
        "(%(email)s)"
    ),
}


def _security_notice(*, user: User, event: str, when: datetime.datetime) -> None:
    """The Dutch e-mail to the user: what changed, when (Amsterdam time), and what to do if it was not them.
    Sent once the transaction commits; never contains a password, code or link with a token."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.urls import reverse
    from django.utils import translation

    from core.formats import format_datetime

    with translation.override("nl"):
        subject = _(SECURITY_NOTICE_SUBJECTS[event])
        body = "\n\n".join(
            [
                _("Beste %(name)s,") % {"name": user.get_full_name() or user.email},
                _("%(what)s op %(when)s (Nederlandse tijd).")
                % {
                    "what": _(SECURITY_NOTICE_WHAT[event]) % {"email": user.email},
                    "when": format_datetime(when),
                },
                _("Was u dit zelf? Dan hoeft u niets te doen."),
                _(
                    "Was u dit niet? Stel dan direct een nieuw wachtwoord in via %(reset_url)s en neem "
                    "contact op met de beheerder van uw fonds, zodat uw account kan worden geblokkeerd en "
                    "nagekeken."
                )
                % {"reset_url": settings.SITE_URL + reverse("password_reset")},
                _("Dit is een automatisch bericht van Impactfonds; u kunt er niet op antwoorden."),
            ]
        )
    recipient = user.email
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient], fail_silently=False)
    )


@transaction.atomic
def user_password_changed(*, user: User) -> None:
    """Record a password change and tell the user by e-mail (called by User.save after set_password, so it
    covers the change form, the reset link, the admin and `manage.py changepassword` alike)."""
    now = timezone.now()
    audit_record(actor=None, obj=user, action="password_changed")
    _security_notice(user=user, event="password_changed", when=now)


@transaction.atomic
def two_factor_device_confirm(*, user: User, device) -> None:
    """Confirm a new TOTP device of the user (the code checked by the view), record it and tell the user."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=user, obj=user, action="two_factor_confirmed", data={"device": device.name})
    _security_notice(user=user, event="two_factor_confirmed", when=timezone.now())
