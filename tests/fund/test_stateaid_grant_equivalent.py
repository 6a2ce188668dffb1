"""fund.stateaid.grant_equivalent: the issue's contract example and our own cases (issue 17)."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from core.schedules import ScheduleError
from fund.stateaid import CEILING, MARGINS_BP, aid_rates, grant_equivalent, window_start
from portfolio.schedules import build_schedule, year_fraction

D = Decimal
START = datetime.date(2026, 1, 1)
CONTRACT = {
    "principal": D("100000"),
    "annual_rate": D("0.02"),
    "start_date": START,
    "term_months": 36,
    "frequency": "monthly",
    "method": "annuity",
    "day_count": "30E/360",
    "grace_months": 0,
    "reference_rate": D("0.065"),
    "discount_rate": D("0.0328"),
}


def _by_hand(**terms) -> Decimal:
    """An independent reading of the method: float-free but written out step by step over the schedule."""
    reference, discount = terms.pop("reference_rate"), terms.pop("discount_rate")
    rows = build_schedule(**terms)
    balance, previous, total = terms["principal"], terms["start_date"], D(0)
    for row in rows:
        advantage = balance * (reference - terms["annual_rate"])
        advantage *= year_fraction(previous, row.due_date, terms["day_count"])
        days = (row.due_date - terms["start_date"]).days
        total += advantage / (1 + discount) ** (D(days) / 365)
        balance, previous = row.balance, row.due_date
    return total.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_the_issue_contract_example():
    assert grant_equivalent(**CONTRACT) == Decimal("6771.41")


@pytest.mark.parametrize(
    "changes",
    [
        {"grace_months": 12},
        {"method": "linear"},
        {"method": "bullet", "frequency": "quarterly"},
        {"day_count": "ACT/365", "start_date": datetime.date(2026, 1, 31)},
        {"principal": D("250000"), "term_months": 60, "grace_months": 6, "annual_rate": D("0.03")},
    ],
)
def test_other_terms_follow_the_same_method(changes):
    terms = CONTRACT | changes
    assert grant_equivalent(**terms) == _by_hand(**terms)


def test_grace_months_give_more_aid_than_straight_repayment():
    # During an interest-only grace period the whole principal stays outstanding, so the advantage is larger.
    with_grace = grant_equivalent(**(CONTRACT | {"grace_months": 12}))
    assert with_grace > grant_equivalent(**CONTRACT)


def test_linear_repays_faster_than_annuity_so_the_aid_is_smaller():
    linear = grant_equivalent(**(CONTRACT | {"method": "linear"}))
    assert linear < grant_equivalent(**CONTRACT)


def test_a_two_year_bullet_loan_worked_out_by_hand():
    # Whole principal outstanding for two yearly periods: 100.000 x 4,5 % = 4.500 a year, discounted by
    # 1,0328 over 365 and 730 days from the start (30E/360 counts each year as a full year).
    terms = CONTRACT | {"method": "bullet", "frequency": "annual", "term_months": 24}
    expected = D(4500) / D("1.0328") + D(4500) / D("1.0328") ** (D(730) / 365)
    assert grant_equivalent(**terms) == expected.quantize(D("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("rate", [D("0.065"), D("0.07")])
def test_no_aid_at_or_above_the_reference_rate(rate):
    assert grant_equivalent(**(CONTRACT | {"annual_rate": rate})) == Decimal("0.00")


def test_bad_terms_are_refused_with_the_argument_named():
    with pytest.raises(ScheduleError, match="principal"):
        grant_equivalent(**(CONTRACT | {"principal": 100000.0}))
    with pytest.raises(ValueError, match="reference_rate"):
        grant_equivalent(**(CONTRACT | {"reference_rate": D("-0.01")}))


def test_rates_from_base_rate_and_margin():
    rates = aid_rates(base_rate=D("0.0228"), margin_bp=MARGINS_BP[("weak", "normal")])
    assert rates.reference_rate == D("0.0628")
    assert rates.discount_rate == D("0.0328")
    assert D("300000.00") == CEILING


def test_window_start_is_three_years_back():
    assert window_start(datetime.date(2026, 6, 30)) == datetime.date(2023, 6, 30)
    assert window_start(datetime.date(2028, 2, 29)) == datetime.date(2025, 2, 28)


def test_the_migration_loads_the_same_margins_as_the_code(db):
    from fund.models import ReferenceRateMargin

    loaded = {(m.rating, m.collateral): m.margin_bp for m in ReferenceRateMargin.objects.all()}
    assert loaded == MARGINS_BP
