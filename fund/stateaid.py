"""De minimis state aid on below-market loans (Regulation (EU) 2023/2831), the pure part.

A SIF lends municipal money below the market rate; the interest advantage is state aid. Its value, the
*grant equivalent*, is the discounted interest the enterprise saves against the Commission's reference rate
(communication 2008/C 14/02: reference rate = EU base rate + a margin by rating and collateral; discount
rate = base rate + 1 percentage point).

Method (issue 17): take the loan's own schedule (``core.schedules.build_schedule``, which
``portfolio.schedules`` re-exports; it lives in core so that this module stays fund → core); for each
instalment k the advantage is the balance outstanding during period k × (reference rate − annual rate) × the
period's year fraction under the loan's day count; it is discounted to the start date by
(1 + discount rate) ^ (days from the start to the due date / 365); the grant equivalent is the sum, rounded
half up to the cent once at the end. Zero when the loan's rate is at or above the reference rate.

Everything here is pure (no database): the reference data (base rates, margins) and the recorded aid live in
``fund.models`` and ``portfolio.stateaid``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from itertools import pairwise

from core.money import to_cents
from core.schedules import build_schedule, year_fraction

__all__ = [
    "CEILING",
    "DEFAULT_COLLATERAL",
    "DEFAULT_RATING",
    "DISCOUNT_MARGIN",
    "MARGINS_BP",
    "REGULATION",
    "WINDOW_YEARS",
    "AidRates",
    "aid_rates",
    "grant_equivalent",
    "grant_equivalent_tranches",
    "window_start",
]

REGULATION = "Verordening (EU) 2023/2831"
CEILING = Decimal("300000.00")
"""De minimis ceiling per single undertaking over any period of three years (Art. 3(2))."""
WINDOW_YEARS = 3
DISCOUNT_MARGIN = Decimal("0.01")
"""Discount rate = base rate + 1 percentage point (2008/C 14/02)."""

# The margins of the communication's table by (rating, collateral) as in fund.models.AidRating and
# CollateralLevel, in basis points; the administrator maintains the live values
# (fund.models.ReferenceRateMargin) and these are the defaults a data migration writes.
MARGINS_BP: dict[tuple[str, str], int] = {
    ("strong", "high"): 60,
    ("strong", "normal"): 75,
    ("strong", "low"): 100,
    ("good", "high"): 75,
    ("good", "normal"): 100,
    ("good", "low"): 220,
    ("satisfactory", "high"): 100,
    ("satisfactory", "normal"): 220,
    ("satisfactory", "low"): 400,
    ("weak", "high"): 220,
    ("weak", "normal"): 400,
    ("weak", "low"): 650,
    ("bad", "high"): 400,
    ("bad", "normal"): 650,
    ("bad", "low"): 1000,
}
# Without a recorded rating the communication asks at least 400 basis points (no credit history).
DEFAULT_RATING, DEFAULT_COLLATERAL = "weak", "normal"

_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)
_DAYS_IN_YEAR = Decimal(365)


@dataclass(frozen=True)
class AidRates:
    base_rate: Decimal
    margin: Decimal
    reference_rate: Decimal
    discount_rate: Decimal


def aid_rates(*, base_rate: Decimal, margin_bp: int) -> AidRates:
    """Reference rate = base rate + margin; discount rate = base rate + 1 percentage point."""
    margin = Decimal(margin_bp) / Decimal(10000)
    return AidRates(
        base_rate=base_rate,
        margin=margin,
        reference_rate=base_rate + margin,
        discount_rate=base_rate + DISCOUNT_MARGIN,
    )


def window_start(on: datetime.date) -> datetime.date:
    """First day of the three-year window that ends on ``on`` (aid granted after this date counts)."""
    try:
        return on.replace(year=on.year - WINDOW_YEARS)
    except ValueError:  # 29 February
        return on.replace(year=on.year - WINDOW_YEARS, day=28)


def grant_equivalent(
    *,
    principal: Decimal,
    annual_rate: Decimal,
    start_date: datetime.date,
    term_months: int,
    frequency: str,
    method: str,
    day_count: str,
    grace_months: int = 0,
    reference_rate: Decimal,
    discount_rate: Decimal,
) -> Decimal:
    """The grant equivalent of a loan below the reference rate, in euros (see the module docstring).

    Raises ``core.schedules.ScheduleError`` for terms that make no schedule, ``ValueError`` for a negative
    reference rate or a discount rate of −100 % or less.
    """
    reference_rate, discount_rate = Decimal(reference_rate), Decimal(discount_rate)
    if reference_rate < 0:
        raise ValueError(f"reference_rate must not be negative, got {reference_rate}")
    if discount_rate <= -1:
        raise ValueError(f"discount_rate must be above -1, got {discount_rate}")
    rows = build_schedule(
        principal=principal,
        annual_rate=annual_rate,
        start_date=start_date,
        term_months=term_months,
        frequency=frequency,
        method=method,
        day_count=day_count,
        grace_months=grace_months,
    )
    advantage_rate = reference_rate - Decimal(annual_rate)
    if advantage_rate <= 0:
        return Decimal("0.00")
    return to_cents(
        _discounted_advantage(
            rows, principal, advantage_rate, start_date, start_date, day_count, discount_rate
        )
    )


def _discounted_advantage(rows, principal, advantage_rate, start_date, origin, day_count, discount_rate):
    """Unrounded: the schedule's advantage per period, discounted from each due date to ``origin``."""
    with localcontext(_CONTEXT):
        total = Decimal(0)
        balance = Decimal(principal)
        previous = start_date
        growth = 1 + discount_rate
        for row in rows:
            advantage = balance * advantage_rate * year_fraction(previous, row.due_date, day_count)
            years = Decimal((row.due_date - origin).days) / _DAYS_IN_YEAR
            total += advantage / growth**years
            balance, previous = row.balance, row.due_date
    return total


def grant_equivalent_tranches(
    *,
    tranches: list[tuple[datetime.date, Decimal]],
    grant_date: datetime.date,
    annual_rate: Decimal,
    term_months: int,
    frequency: str,
    method: str,
    day_count: str,
    grace_months: int = 0,
    reference_rate: Decimal,
    discount_rate: Decimal,
) -> Decimal:
    """The grant equivalent of a loan paid out in tranches, discounted to the grant date.

    As the portfolio does, the schedule of the full principal starts on the date of the last tranche. Before
    that, each stretch between two tranches carries the advantage on what was paid out so far: balance ×
    (reference rate − loan rate) × the stretch's year fraction, discounted from the stretch's end. Then the
    schedule's advantage as in ``grant_equivalent``, discounted to the grant date instead of its own start.
    With one tranche on the grant date this is exactly ``grant_equivalent``. Rounded once, half up.
    """
    tranches = sorted((date, Decimal(amount)) for date, amount in tranches)
    if not tranches:
        raise ValueError("a loan needs at least one tranche")
    reference_rate, discount_rate = Decimal(reference_rate), Decimal(discount_rate)
    if reference_rate < 0:
        raise ValueError(f"reference_rate must not be negative, got {reference_rate}")
    if discount_rate <= -1:
        raise ValueError(f"discount_rate must be above -1, got {discount_rate}")
    principal = sum((amount for _date, amount in tranches), Decimal(0))
    start_date = tranches[-1][0]
    rows = build_schedule(
        principal=principal,
        annual_rate=annual_rate,
        start_date=start_date,
        term_months=term_months,
        frequency=frequency,
        method=method,
        day_count=day_count,
        grace_months=grace_months,
    )
    advantage_rate = reference_rate - Decimal(annual_rate)
    if advantage_rate <= 0:
        return Decimal("0.00")
    with localcontext(_CONTEXT):
        total = Decimal(0)
        balance = Decimal(0)
        growth = 1 + discount_rate
        for (date, amount), (next_date, _next) in pairwise(tranches):
            balance += amount
            advantage = balance * advantage_rate * year_fraction(date, next_date, day_count)
            years = Decimal((next_date - grant_date).days) / _DAYS_IN_YEAR
            total += advantage / growth**years
        total += _discounted_advantage(
            rows, principal, advantage_rate, start_date, grant_date, day_count, discount_rate
        )
    return to_cents(total)
