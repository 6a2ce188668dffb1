"""Financial analysis of an application: solvency, current ratio, DSCR, and the projected schedule.

All figures are `Decimal`; a ratio is rounded ROUND_HALF_UP to two places. Where data is missing the ratio
is `None` with a reason ("n.v.t." on screen), never a made-up zero.

- solvency = equity / total assets (latest actual year)
- current ratio = current assets / current liabilities (latest actual year)
- DSCR = EBITDA / (existing yearly debt service + the proposed loan's payments in its first 12 months),
  the latter from `portfolio.schedules.build_schedule` with the proposed terms.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import round_to
from portfolio.schedules import ScheduleError, ScheduleRow, build_schedule

from .models import Application, FinancialYear, ProposedTerms

LOAN_INSTRUMENTS = ("loan", "subordinated_loan", "convertible_loan")


@dataclass
class Ratio:
    code: str
    label: str
    value: Decimal | None
    reason: str = ""
    numbers: dict = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.value is not None


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    return round_to(numerator / denominator, 2)


def latest_actual_year(application: Application) -> FinancialYear | None:
    return application.financials.filter(is_forecast=False).order_by("-year").first()


def schedule_start(today: datetime.date | None = None) -> datetime.date:
    """Projected start: the first day of next month."""
    today = today or timezone.localdate()
    return (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def projected_schedule(
    terms: ProposedTerms | None, *, start: datetime.date | None = None
) -> list[ScheduleRow]:
    """The proposed loan's schedule (empty for equity and guarantees, or without terms)."""
    if terms is None or terms.instrument not in LOAN_INSTRUMENTS:
        return []
    return build_schedule(
        principal=terms.amount.amount,
        annual_rate=terms.interest_rate / 100,
        start_date=start or schedule_start(),
        term_months=terms.term_months,
        frequency=terms.frequency,
        method=terms.method,
        day_count="30E/360",
        grace_months=terms.grace_months,
    )


def first_year_debt_service(rows: list[ScheduleRow], start: datetime.date) -> Decimal:
    """The sum of payments falling due in the first twelve months after `start`."""
    end = start.replace(year=start.year + 1)
    return sum((row.payment for row in rows if row.due_date <= end), Decimal("0.00"))


def solvency(year: FinancialYear | None) -> Ratio:
    label = _("Solvabiliteit (eigen vermogen / balanstotaal)")
    if year is None:
        return Ratio("solvency", label, None, _("geen jaarcijfers"))
    if year.equity is None or not year.total_assets:
        return Ratio(
            "solvency",
            label,
            None,
            _("eigen vermogen of balanstotaal ontbreekt (%(year)s)") % {"year": year.year},
        )
    return Ratio(
        "solvency",
        label,
        _ratio(year.equity, year.total_assets),
        numbers={"year": year.year, "equity": year.equity, "total_assets": year.total_assets},
    )


def current_ratio(year: FinancialYear | None) -> Ratio:
    label = _("Current ratio (vlottende activa / kortlopende schulden)")
    if year is None:
        return Ratio("current_ratio", label, None, _("geen jaarcijfers"))
    if year.current_assets is None or not year.current_liabilities:
        return Ratio(
            "current_ratio",
            label,
            None,
            _("vlottende activa of kortlopende schulden ontbreken (%(year)s)") % {"year": year.year},
        )
    return Ratio(
        "current_ratio",
        label,
        _ratio(year.current_assets, year.current_liabilities),
        numbers={
            "year": year.year,
            "current_assets": year.current_assets,
            "current_liabilities": year.current_liabilities,
        },
    )


def dscr(
    year: FinancialYear | None, terms: ProposedTerms | None, *, start: datetime.date | None = None
) -> Ratio:
    label = _("DSCR (EBITDA / schuldendienst incl. eerste jaar van de voorgestelde lening)")
    if year is None:
        return Ratio("dscr", label, None, _("geen jaarcijfers"))
    if year.ebitda is None:
        return Ratio("dscr", label, None, _("EBITDA ontbreekt (%(year)s)") % {"year": year.year})
    if year.debt_service is None:
        return Ratio(
            "dscr", label, None, _("bestaande schuldendienst ontbreekt (%(year)s)") % {"year": year.year}
        )
    if terms is None:
        return Ratio("dscr", label, None, _("nog geen voorgestelde voorwaarden"))
    start = start or schedule_start()
    try:
        proposed = first_year_debt_service(projected_schedule(terms, start=start), start)
    except ScheduleError as exc:
        return Ratio("dscr", label, None, str(exc))
    service = year.debt_service + proposed
    numbers = {"year": year.year, "ebitda": year.ebitda, "existing": year.debt_service, "proposed": proposed}
    if not service:
        return Ratio("dscr", label, None, _("geen schuldendienst"), numbers)
    return Ratio("dscr", label, _ratio(year.ebitda, service), numbers=numbers)


def financial_analysis(application: Application, *, start: datetime.date | None = None) -> list[Ratio]:
    year = latest_actual_year(application)
    try:
        terms = application.terms
    except ProposedTerms.DoesNotExist:
        terms = None
    return [solvency(year), current_ratio(year), dscr(year, terms, start=start)]
