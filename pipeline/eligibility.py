"""Automatic eligibility checks of an application against its fund's investment policy.

Each check is a pure-ish function of the application returning a `CheckResult` (pass / warning / fail, a
Dutch reason and the numbers behind it). `run_checks` evaluates them all; the service
`pipeline.services.eligibility_run` stores the results as a new run and audits it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.money import round_to, to_cents
from fund.models import Instrument, SocialLabelStatus

from .models import OPEN_STATUSES, Application, CheckOutcome

CONCENTRATION_WARNING_SHARE = Decimal("0.8")  # warn from 80 % of the limit
LABEL_GRACE_DAYS = 365  # the seeds: an enterprise may get a year to obtain a social label

CHECK_LABELS = {
    "region": gettext_lazy("Gevestigd in de regio van het fonds"),
    "theme": gettext_lazy("Thema binnen de thema's van het fonds"),
    "ticket": gettext_lazy("Bedrag binnen de ticketgrenzen"),
    "instrument": gettext_lazy("Instrument toegestaan"),
    "term": gettext_lazy("Looptijd binnen het beleid"),
    "concentration": gettext_lazy("Concentratie per onderneming"),
    "social_label": gettext_lazy("Sociaal keurmerk"),
    "open_application": gettext_lazy("Geen andere open aanvraag bij dit fonds"),
}


@dataclass
class CheckResult:
    code: str
    outcome: str
    reason: str
    numbers: dict = field(default_factory=dict)


def _eur(value: Decimal) -> str:
    from core.formats import format_eur

    return format_eur(value)


def check_region(application: Application) -> CheckResult:
    municipality = application.enterprise.organisation.municipality
    region = list(application.fund.region.all())
    numbers = {
        "municipality": municipality.cbs_code if municipality else "",
        "region": [m.cbs_code for m in region],
    }
    if municipality is None:
        return CheckResult(
            "region", CheckOutcome.FAIL, _("De vestigingsgemeente van de onderneming is onbekend."), numbers
        )
    if municipality in region:
        return CheckResult(
            "region",
            CheckOutcome.PASS,
            _("%(municipality)s hoort bij de regio van het fonds.") % {"municipality": municipality},
            numbers,
        )
    return CheckResult(
        "region",
        CheckOutcome.FAIL,
        _("%(municipality)s hoort niet bij de regio van het fonds (%(region)s).")
        % {"municipality": municipality, "region": ", ".join(m.name for m in region)},
        numbers,
    )


def check_theme(application: Application) -> CheckResult:
    chosen = set(application.themes.all())
    fund_themes = set(application.fund.themes.all())
    numbers = {"application": sorted(t.name for t in chosen), "fund": sorted(t.name for t in fund_themes)}
    inside, outside = chosen & fund_themes, chosen - fund_themes
    if not chosen:
        return CheckResult("theme", CheckOutcome.FAIL, _("De aanvraag noemt geen thema."), numbers)
    if not inside:
        return CheckResult(
            "theme",
            CheckOutcome.FAIL,
            _("Geen van de thema's (%(chosen)s) valt binnen de thema's van het fonds (%(fund)s).")
            % {"chosen": ", ".join(numbers["application"]), "fund": ", ".join(numbers["fund"])},
            numbers,
        )
    if outside:
        return CheckResult(
            "theme",
            CheckOutcome.WARNING,
            _("%(inside)s past bij het fonds; %(outside)s niet.")
            % {
                "inside": ", ".join(sorted(t.name for t in inside)),
                "outside": ", ".join(sorted(t.name for t in outside)),
            },
            numbers,
        )
    return CheckResult(
        "theme",
        CheckOutcome.PASS,
        _("Alle thema's vallen binnen het fonds: %(inside)s.")
        % {"inside": ", ".join(numbers["application"])},
        numbers,
    )


def check_ticket(application: Application) -> CheckResult:
    fund = application.fund
    low, high = fund.min_ticket.amount, fund.max_ticket.amount
    if application.requested_amount is None:
        return CheckResult(
            "ticket", CheckOutcome.FAIL, _("Er is geen bedrag gevraagd."), {"min": low, "max": high}
        )
    amount = application.requested_amount.amount
    numbers = {"requested": amount, "min": low, "max": high}
    params = {"amount": _eur(amount), "low": _eur(low), "high": _eur(high)}
    if amount < low:
        return CheckResult(
            "ticket",
            CheckOutcome.FAIL,
            _("%(amount)s is minder dan het minimale ticket van %(low)s.") % params,
            numbers,
        )
    if amount > high:
        return CheckResult(
            "ticket",
            CheckOutcome.FAIL,
            _("%(amount)s is meer dan het maximale ticket van %(high)s.") % params,
            numbers,
        )
    return CheckResult(
        "ticket", CheckOutcome.PASS, _("%(amount)s ligt tussen %(low)s en %(high)s.") % params, numbers
    )


def check_instrument(application: Application) -> CheckResult:
    allowed = application.fund.allowed_instruments
    numbers = {"instrument": application.instrument, "allowed": allowed}
    labels = ", ".join(application.fund.allowed_instrument_labels)
    if not application.instrument:
        return CheckResult("instrument", CheckOutcome.FAIL, _("Er is geen instrument gekozen."), numbers)
    label = Instrument(application.instrument).label
    if application.instrument in allowed:
        return CheckResult(
            "instrument",
            CheckOutcome.PASS,
            _("%(instrument)s is toegestaan.") % {"instrument": label},
            numbers,
        )
    return CheckResult(
        "instrument",
        CheckOutcome.FAIL,
        _("%(instrument)s is niet toegestaan; het fonds verstrekt: %(allowed)s.")
        % {"instrument": label, "allowed": labels},
        numbers,
    )


def check_term(application: Application) -> CheckResult:
    limit = application.fund.max_term_months
    numbers = {"term_months": application.term_months, "max_term_months": limit}
    if not application.term_months:
        return CheckResult("term", CheckOutcome.FAIL, _("Er is geen looptijd opgegeven."), numbers)
    params = {"term": application.term_months, "max": limit}
    if application.term_months > limit:
        return CheckResult(
            "term",
            CheckOutcome.FAIL,
            _("Een looptijd van %(term)s maanden is langer dan het maximum van %(max)s maanden.") % params,
            numbers,
        )
    return CheckResult(
        "term",
        CheckOutcome.PASS,
        _("%(term)s maanden, binnen het maximum van %(max)s maanden.") % params,
        numbers,
    )


def existing_exposure(application: Application) -> Decimal:
    """The fund's current exposure to the enterprise: outstanding principal of its contracts at this fund,
    plus the full principal of contracts not yet disbursed (draft). Uses the portfolio's ledger selector."""
    from portfolio.models import Contract, ContractStatus
    from portfolio.selectors import outstanding_principal_by_contract

    contracts = list(
        Contract.objects.filter(
            fund=application.fund,
            enterprise=application.enterprise,
            status__in=[ContractStatus.DRAFT, ContractStatus.ACTIVE],
        ).exclude(pk=application.contract_id or 0)
    )
    if not contracts:
        return Decimal("0.00")
    outstanding = outstanding_principal_by_contract(fund=application.fund)
    total = Decimal("0.00")
    for contract in contracts:
        if contract.status == ContractStatus.DRAFT:
            total += contract.principal.amount
        else:
            total += outstanding.get(contract.pk, Decimal("0.00"))
    return to_cents(total)


def check_concentration(application: Application) -> CheckResult:
    fund = application.fund
    requested = application.requested_amount.amount if application.requested_amount else Decimal("0.00")
    existing = existing_exposure(application)
    total = existing + requested
    size = fund.target_size.amount
    limit = to_cents(size * fund.max_exposure_pct / 100)
    share = round_to(total * 100 / size, 2) if size else Decimal("0")
    numbers = {
        "existing": existing,
        "requested": requested,
        "total": total,
        "fund_size": size,
        "max_pct": fund.max_exposure_pct,
        "limit": limit,
        "pct": share,
    }
    params = {
        "existing": _eur(existing),
        "requested": _eur(requested),
        "total": _eur(total),
        "pct": f"{share:f}".replace(".", ","),
        "max_pct": f"{fund.max_exposure_pct.normalize():f}".replace(".", ","),
        "limit": _eur(limit),
    }
    text = (
        _(
            "Bestaande blootstelling %(existing)s + gevraagd %(requested)s = %(total)s, "
            "%(pct)s %% van de fondsomvang; maximum %(max_pct)s %% (%(limit)s)."
        )
        % params
    )
    if total > limit:
        return CheckResult("concentration", CheckOutcome.FAIL, text, numbers)
    if total > limit * CONCENTRATION_WARNING_SHARE:
        return CheckResult(
            "concentration", CheckOutcome.WARNING, text + " " + _("Dicht bij de grens."), numbers
        )
    return CheckResult("concentration", CheckOutcome.PASS, text, numbers)


def check_social_label(application: Application, *, today: datetime.date | None = None) -> CheckResult:
    today = today or timezone.localdate()
    labels = list(
        application.enterprise.labels.filter(valid_from__lte=today).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=today)
        )
    )
    certified = [
        label for label in labels if label.status == SocialLabelStatus.CERTIFIED and label.is_verified
    ]
    claimed = [
        label for label in labels if label.status == SocialLabelStatus.CERTIFIED and not label.is_verified
    ]
    if certified:
        return CheckResult(
            "social_label",
            CheckOutcome.PASS,
            _("Keurmerk aanwezig: %(labels)s.") % {"labels": ", ".join(str(label) for label in certified)},
            {"labels": [str(label) for label in certified]},
        )
    if claimed:
        return CheckResult(
            "social_label",
            CheckOutcome.WARNING,
            _("Keurmerk opgegeven door de onderneming, nog niet geverifieerd door het fonds: %(labels)s.")
            % {"labels": ", ".join(str(label) for label in claimed)},
            {"labels": [str(label) for label in claimed], "verified": False},
        )
    applied = [label for label in labels if label.status == SocialLabelStatus.APPLIED]
    if applied:
        label = min(applied, key=lambda lab: lab.valid_from)
        deadline = label.valid_from + datetime.timedelta(days=LABEL_GRACE_DAYS)
        numbers = {"label": str(label), "applied_on": label.valid_from, "deadline": deadline}
        params = {
            "label": label,
            "applied": label.valid_from.strftime("%d-%m-%Y"),
            "deadline": deadline.strftime("%d-%m-%Y"),
        }
        if today <= deadline:
            return CheckResult(
                "social_label",
                CheckOutcome.WARNING,
                _("%(label)s aangevraagd op %(applied)s; moet uiterlijk %(deadline)s behaald zijn.") % params,
                numbers,
            )
        return CheckResult(
            "social_label",
            CheckOutcome.FAIL,
            _(
                "%(label)s aangevraagd op %(applied)s maar niet binnen een jaar behaald "
                "(uiterlijk %(deadline)s)."
            )
            % params,
            numbers,
        )
    return CheckResult(
        "social_label",
        CheckOutcome.FAIL,
        _("De onderneming heeft geen geldig sociaal keurmerk en heeft er ook geen aangevraagd."),
        {"labels": []},
    )


def check_open_application(application: Application) -> CheckResult:
    others = (
        Application.objects.filter(
            fund=application.fund, enterprise=application.enterprise, status__in=OPEN_STATUSES
        )
        .exclude(pk=application.pk)
        .order_by("pk")
    )
    numbers = {"open": [other.number for other in others]}
    if numbers["open"]:
        return CheckResult(
            "open_application",
            CheckOutcome.FAIL,
            _("De onderneming heeft bij dit fonds al een open aanvraag: %(numbers)s.")
            % {"numbers": ", ".join(numbers["open"])},
            numbers,
        )
    return CheckResult(
        "open_application", CheckOutcome.PASS, _("Geen andere open aanvraag bij dit fonds."), numbers
    )


CHECKS = [
    check_region,
    check_theme,
    check_ticket,
    check_instrument,
    check_term,
    check_concentration,
    check_social_label,
    check_open_application,
]


def run_checks(application: Application) -> list[CheckResult]:
    return [check(application) for check in CHECKS]
