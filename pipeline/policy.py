"""The fund's limits as an entrepreneur reads them before applying, and the warnings for a request that falls
outside them. Warnings, not refusals: a draft may be saved anyway (the fund manager decides at screening,
with the eligibility checks in `eligibility.py`, which these warnings reuse on an unsaved application)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from djmoney.money import Money

from core.formats import format_eur
from fund.models import Enterprise, Fund, Instrument

from .eligibility import check_instrument, check_region, check_ticket
from .models import Application, CheckOutcome


def fund_limits(fund: Fund) -> dict:
    """What the fund finances, for the panel beside the application form and its live warnings."""
    themes = list(fund.themes.all())
    return {
        "fund": fund.pk,
        "name": fund.name,
        "min": str(fund.min_ticket.amount),
        "max": str(fund.max_ticket.amount),
        "min_display": format_eur(fund.min_ticket.amount, decimals=0),
        "max_display": format_eur(fund.max_ticket.amount, decimals=0),
        "instruments": list(fund.allowed_instruments),
        "instrument_labels": fund.allowed_instrument_labels,
        "max_term": fund.max_term_months,
        "themes": [t.pk for t in themes],
        "theme_names": [t.name for t in themes],
        "region": [m.name for m in fund.region.order_by("name")],
    }


def limit_warnings(
    *,
    fund: Fund,
    enterprise: Enterprise | None = None,
    amount: Decimal | None = None,
    instrument: str = "",
    themes=(),
) -> dict[str, str]:
    """{field: warning} for what falls outside the fund's limits ("" as field: the enterprise's region)."""
    probe = Application(
        fund=fund,
        enterprise=enterprise,
        requested_amount=Money(amount, "EUR") if amount is not None else None,
        instrument=instrument or "",
    )
    warnings = {}
    if amount is not None and check_ticket(probe).outcome == CheckOutcome.FAIL:
        warnings["requested_amount"] = _(
            "Dit fonds financiert van %(low)s tot %(high)s; u vraagt %(amount)s."
        ) % {
            "low": format_eur(fund.min_ticket.amount, decimals=0),
            "high": format_eur(fund.max_ticket.amount, decimals=0),
            "amount": format_eur(amount),
        }
    if instrument and check_instrument(probe).outcome == CheckOutcome.FAIL:
        warnings["instrument"] = _("Dit fonds verstrekt geen %(instrument)s, wel: %(allowed)s.") % {
            "instrument": str(Instrument(instrument).label).lower(),
            "allowed": ", ".join(str(label).lower() for label in fund.allowed_instrument_labels),
        }
    fund_themes = set(fund.themes.all())
    outside = [t.name for t in themes if t not in fund_themes]
    if outside:
        warnings["themes"] = _("Buiten de thema's van dit fonds (%(fund)s): %(outside)s.") % {
            "fund": ", ".join(sorted(t.name for t in fund_themes)),
            "outside": ", ".join(sorted(outside)),
        }
    if enterprise is not None and check_region(probe).outcome == CheckOutcome.FAIL:
        warnings[""] = check_region(probe).reason
    return warnings


def application_warnings(application: Application) -> dict[str, str]:
    money = application.requested_amount
    return limit_warnings(
        fund=application.fund,
        enterprise=application.enterprise,
        amount=money.amount if money is not None else None,
        instrument=application.instrument,
        themes=list(application.themes.all()) if application.pk else [],
    )
