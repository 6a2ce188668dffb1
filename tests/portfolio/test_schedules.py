"""Tests for portfolio.schedules: hand-checked schedules, numpy-financial parity and properties.

Pure functions: no database, no Django settings needed.
"""

import calendar
import dataclasses
import math
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio.schedules import (
    DAY_COUNTS,
    FREQUENCIES,
    METHODS,
    ScheduleError,
    ScheduleRow,
    build_schedule,
    year_fraction,
)

CENT = Decimal("0.01")
D = Decimal


def schedule(**overrides):
    """The reference loan (EUR 100,000 at 6 % over 36 months from 2026-01-15), with overrides."""
    arguments = {
        "principal": D("100000.00"),
        "annual_rate": D("0.06"),
        "start_date": date(2026, 1, 15),
        "term_months": 36,
        "frequency": "monthly",
        "method": "annuity",
        "day_count": "30E/360",
        "grace_months": 0,
    }
    arguments.update(overrides)
    return build_schedule(**arguments)


def column(rows, name):
    return [getattr(row, name) for row in rows]


def npf_payment(principal, annual_rate, periods_per_year, periods) -> Decimal:
    payment = float(-npf.pmt(float(annual_rate) / periods_per_year, periods, float(principal)))
    return D(repr(payment)).quantize(CENT, ROUND_HALF_UP)


def assert_consistent(rows, principal):
    """Invariants every schedule must satisfy."""
    assert sum(column(rows, "principal"), D("0.00")) == principal
    assert rows[-1].balance == D("0.00")
    previous_balance = principal
    for number, row in enumerate(rows, start=1):
        assert row.number == number
        assert row.payment == row.principal + row.interest
        assert row.balance == previous_balance - row.principal
        for amount in (row.principal, row.interest, row.payment, row.balance):
            assert isinstance(amount, Decimal)
            assert amount.as_tuple().exponent == -2, amount
        previous_balance = row.balance


# --- the reference annuity ----------------------------------------------------------------------


def test_reference_annuity_pays_3042_19_and_last_instalment_clears_the_balance():
    # By hand: r = 0.06 / 12 = 0.005; 1.005^36 = 1.196681; 1 - 1/1.196681 = 0.164355;
    # 100,000 x 0.005 / 0.164355 = 3,042.1937 -> 3,042.19.
    rows = schedule()

    assert len(rows) == 36
    assert all(row.payment == D("3042.19") for row in rows[:-1])
    assert sum(column(rows, "principal")) == D("100000.00")
    assert rows[-1].balance == D("0.00")
    # First month: 100,000 x 0.005 = 500.00 interest, 3,042.19 - 500.00 = 2,542.19 principal.
    assert rows[0] == ScheduleRow(
        1, date(2026, 2, 15), D("2542.19"), D("500.00"), D("3042.19"), D("97457.81")
    )
    # Second month: 97,457.81 x 0.005 = 487.28905 -> 487.29.
    assert rows[1].interest == D("487.29")
    assert rows[1].principal == D("2554.90")
    # Last month repays what is left: 3,027.22 x 0.005 = 15.1361 -> 15.14; 3,027.22 + 15.14 = 3,042.36.
    assert rows[-2].balance == D("3027.22")
    assert rows[-1] == ScheduleRow(36, date(2029, 1, 15), D("3027.22"), D("15.14"), D("3042.36"), D("0.00"))
    assert_consistent(rows, D("100000.00"))


@pytest.mark.parametrize(
    ("principal", "annual_rate", "term_months", "frequency", "grace_months"),
    [
        (D("100000.00"), D("0.06"), 36, "monthly", 0),
        (D("250000.00"), D("0.0725"), 120, "monthly", 0),
        (D("12345.67"), D("0.035"), 60, "monthly", 12),
        (D("1000.00"), D("0.15"), 12, "monthly", 0),
        (D("2000000.00"), D("0.01"), 84, "monthly", 0),
        (D("80000.00"), D("0.045"), 60, "quarterly", 0),
        (D("100000.00"), D("0.08"), 24, "quarterly", 6),
        (D("500000.00"), D("0.0599"), 120, "semiannual", 12),
        (D("75000.00"), D("0.11"), 48, "semiannual", 0),
        (D("10000.00"), D("0.05"), 36, "annual", 0),
        (D("1500000.00"), D("0.0333"), 120, "annual", 24),
    ],
)
def test_annuity_matches_numpy_financial_pmt_under_30e_360(
    principal, annual_rate, term_months, frequency, grace_months
):
    period = FREQUENCIES[frequency]
    rows = schedule(
        principal=principal,
        annual_rate=annual_rate,
        term_months=term_months,
        frequency=frequency,
        grace_months=grace_months,
    )
    n_grace = grace_months // period
    expected = npf_payment(principal, annual_rate, 12 // period, (term_months - grace_months) // period)

    assert len(rows) == term_months // period
    assert all(row.payment == expected for row in rows[n_grace:-1])
    # Full 30E/360 periods have year fraction period/12: interest is balance x periodic rate.
    periodic = annual_rate * period / 12
    previous_balance = principal
    for row in rows:
        assert row.interest == (previous_balance * periodic).quantize(CENT, ROUND_HALF_UP)
        previous_balance = row.balance
    assert_consistent(rows, principal)


# --- hand-checked small schedules ---------------------------------------------------------------


def test_linear_monthly_hand_checked():
    # 12,000 over 12 months at 12 % (1 % a month): 1,000.00 principal each month and interest on
    # the outstanding balance: 12,000 x 1 % = 120.00, 11,000 x 1 % = 110.00, ..., 1,000 x 1 % = 10.00.
    rows = schedule(principal=D("12000.00"), annual_rate=D("0.12"), term_months=12, method="linear")

    assert column(rows, "principal") == [D("1000.00")] * 12
    assert column(rows, "interest") == [D(120 - 10 * k).quantize(CENT) for k in range(12)]
    assert column(rows, "payment") == [D(1120 - 10 * k).quantize(CENT) for k in range(12)]
    assert column(rows, "balance") == [D(11000 - 1000 * k).quantize(CENT) for k in range(12)]
    assert sum(column(rows, "interest")) == D("780.00")  # 10 + 20 + ... + 120
    assert column(rows, "due_date") == [date(2026 + (k // 12), k % 12 + 1, 15) for k in range(1, 13)]


def test_linear_remainder_goes_to_the_last_instalment():
    # 1,000.00 / 3 = 333.33 (rounded), so the last instalment repays 1,000.00 - 2 x 333.33 = 333.34.
    rows = schedule(principal=D("1000.00"), term_months=3, method="linear")
    assert column(rows, "principal") == [D("333.33"), D("333.33"), D("333.34")]
    # Interest 0.5 % of 1,000.00 = 5.00; of 666.67 = 3.33335 -> 3.33; of 333.34 = 1.6667 -> 1.67.
    assert column(rows, "interest") == [D("5.00"), D("3.33"), D("1.67")]


def test_bullet_quarterly_hand_checked():
    # 50,000 at 7 % over 2 years, quarterly, 30E/360: each quarter is 90/360, so the interest is
    # 50,000 x 0.07 x 90 / 360 = 875.00; the whole principal is repaid with the 8th instalment.
    rows = schedule(
        principal=D("50000.00"),
        annual_rate=D("0.07"),
        start_date=date(2026, 3, 10),
        term_months=24,
        frequency="quarterly",
        method="bullet",
    )
    assert len(rows) == 8
    assert column(rows, "due_date") == [
        date(2026, 6, 10),
        date(2026, 9, 10),
        date(2026, 12, 10),
        date(2027, 3, 10),
        date(2027, 6, 10),
        date(2027, 9, 10),
        date(2027, 12, 10),
        date(2028, 3, 10),
    ]
    assert column(rows, "interest") == [D("875.00")] * 8
    assert column(rows, "principal") == [D("0.00")] * 7 + [D("50000.00")]
    assert column(rows, "payment") == [D("875.00")] * 7 + [D("50875.00")]
    assert column(rows, "balance") == [D("50000.00")] * 7 + [D("0.00")]


def test_annual_annuity_hand_checked():
    # 10,000 at 5 % over 3 years: 1.05^3 = 1.157625; 1 - 1/1.157625 = 0.136162;
    # 500 / 0.136162 = 3,672.0856 -> 3,672.09 a year.
    # Year 1: interest 500.00, principal 3,172.09, balance 6,827.91.
    # Year 2: interest 6,827.91 x 5 % = 341.3955 -> 341.40, principal 3,330.69, balance 3,497.22.
    # Year 3: interest 3,497.22 x 5 % = 174.861 -> 174.86; repays 3,497.22, so pays 3,672.08.
    rows = schedule(
        principal=D("10000.00"),
        annual_rate=D("0.05"),
        start_date=date(2026, 2, 1),
        term_months=36,
        frequency="annual",
    )
    assert rows == [
        ScheduleRow(1, date(2027, 2, 1), D("3172.09"), D("500.00"), D("3672.09"), D("6827.91")),
        ScheduleRow(2, date(2028, 2, 1), D("3330.69"), D("341.40"), D("3672.09"), D("3497.22")),
        ScheduleRow(3, date(2029, 2, 1), D("3497.22"), D("174.86"), D("3672.08"), D("0.00")),
    ]


def test_semiannual_linear_hand_checked():
    # 9,000 at 4 % over 18 months, half-yearly: 3,000.00 principal each time; a half year is 180/360,
    # so interest is 9,000 x 2 % = 180.00, then 6,000 x 2 % = 120.00, then 3,000 x 2 % = 60.00.
    rows = schedule(
        principal=D("9000.00"),
        annual_rate=D("0.04"),
        term_months=18,
        frequency="semiannual",
        method="linear",
    )
    assert rows == [
        ScheduleRow(1, date(2026, 7, 15), D("3000.00"), D("180.00"), D("3180.00"), D("6000.00")),
        ScheduleRow(2, date(2027, 1, 15), D("3000.00"), D("120.00"), D("3120.00"), D("3000.00")),
        ScheduleRow(3, date(2027, 7, 15), D("3000.00"), D("60.00"), D("3060.00"), D("0.00")),
    ]


def test_grace_on_quarterly_annuity_hand_checked():
    # 100,000 at 8 % over 24 months, quarterly (2 % a quarter), 6 months grace: the first two
    # quarters pay 2,000.00 interest only; the annuity runs over the remaining 6 quarters:
    # 1.02^6 = 1.126162; 1 - 1/1.126162 = 0.112029; 2,000 / 0.112029 = 17,852.58.
    # Quarter 3: interest 2,000.00, principal 15,852.58, balance 84,147.42.
    # Quarter 4: interest 84,147.42 x 2 % = 1,682.9484 -> 1,682.95, principal 16,169.63.
    rows = schedule(
        principal=D("100000.00"),
        annual_rate=D("0.08"),
        term_months=24,
        frequency="quarterly",
        grace_months=6,
    )
    assert len(rows) == 8
    assert rows[:4] == [
        ScheduleRow(1, date(2026, 4, 15), D("0.00"), D("2000.00"), D("2000.00"), D("100000.00")),
        ScheduleRow(2, date(2026, 7, 15), D("0.00"), D("2000.00"), D("2000.00"), D("100000.00")),
        ScheduleRow(3, date(2026, 10, 15), D("15852.58"), D("2000.00"), D("17852.58"), D("84147.42")),
        ScheduleRow(4, date(2027, 1, 15), D("16169.63"), D("1682.95"), D("17852.58"), D("67977.79")),
    ]
    assert all(row.payment == D("17852.58") for row in rows[2:-1])
    assert npf_payment(100000, 0.08, 4, 6) == D("17852.58")
    assert_consistent(rows, D("100000.00"))


def test_grace_on_linear_and_bullet():
    # 12,000 at 6 % (0.5 % a month), 12 months with 6 months grace: six months of 60.00 interest,
    # then 2,000.00 principal a month with interest 60.00, 50.00, 40.00, 30.00, 20.00, 10.00.
    rows = schedule(
        principal=D("12000.00"), annual_rate=D("0.06"), term_months=12, method="linear", grace_months=6
    )
    assert column(rows, "principal") == [D("0.00")] * 6 + [D("2000.00")] * 6
    assert column(rows, "interest") == [D("60.00")] * 7 + [
        D(x) for x in ("50.00", "40.00", "30.00", "20.00", "10.00")
    ]
    # A bullet is interest-only anyway; grace changes nothing.
    bullet = {"principal": D("12000.00"), "term_months": 12, "method": "bullet"}
    assert schedule(**bullet, grace_months=6) == schedule(**bullet)


# --- day counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day_count", "interests"),
    [
        # 2027-11-15 -> 2027-12-15 is 30 days, 2027-12-15 -> 2028-01-15 is 31 days.
        # 30E/360: 100,000 x 6 % x 30/360 = 500.00 both months.
        ("30E/360", [D("500.00"), D("500.00")]),
        # ACT/365: 6,000 x 30/365 = 493.1507 -> 493.15; 6,000 x 31/365 = 509.5890 -> 509.59.
        ("ACT/365", [D("493.15"), D("509.59")]),
        # ACT/ACT: 30 days of 2027 -> 493.15 again; then 17 days in 2027 (Dec 15-31) / 365 plus
        # 14 days in leap year 2028 (Jan 1-14) / 366 = 0.0465753 + 0.0382514 = 0.0848267;
        # 6,000 x 0.0848267 = 508.9602 -> 508.96.
        ("ACT/ACT", [D("493.15"), D("508.96")]),
    ],
)
def test_interest_follows_the_day_count_across_a_leap_year_boundary(day_count, interests):
    rows = schedule(start_date=date(2027, 11, 15), term_months=2, method="bullet", day_count=day_count)
    assert column(rows, "due_date") == [date(2027, 12, 15), date(2028, 1, 15)]
    assert column(rows, "interest") == interests
    assert column(rows, "principal") == [D("0.00"), D("100000.00")]


@pytest.mark.parametrize(
    ("day_count", "interests"),
    [
        # Inside leap year 2028: Jan 15 -> Feb 15 is 31 days, Feb 15 -> Mar 15 is 29 days.
        # ACT/ACT: 6,000 x 31/366 = 508.1967 -> 508.20; 6,000 x 29/366 = 475.4098 -> 475.41.
        ("ACT/ACT", [D("508.20"), D("475.41")]),
        # ACT/365: 6,000 x 31/365 = 509.5890 -> 509.59; 6,000 x 29/365 = 476.7123 -> 476.71.
        ("ACT/365", [D("509.59"), D("476.71")]),
    ],
)
def test_interest_inside_a_leap_year(day_count, interests):
    rows = schedule(start_date=date(2028, 1, 15), term_months=2, method="bullet", day_count=day_count)
    assert column(rows, "interest") == interests


@pytest.mark.parametrize(
    ("day_count", "interests"),
    [
        # 2027-03-01 -> 2028-03-01 is 366 days (Feb 29, 2028), 2028-03-01 -> 2029-03-01 is 365 days.
        # ACT/365: 500 x 366/365 = 501.3699 -> 501.37, then 500 x 365/365 = 500.00.
        ("ACT/365", [D("501.37"), D("500.00")]),
        # ACT/ACT: 306 days of 2027 / 365 + 60 days of 2028 / 366 = 0.838356 + 0.163934 = 1.002291
        # -> 501.1453 -> 501.15; then 306 days of 2028 / 366 + 59 days of 2029 / 365
        # = 0.836066 + 0.161644 = 0.997709 -> 498.8547 -> 498.85.
        ("ACT/ACT", [D("501.15"), D("498.85")]),
        ("30E/360", [D("500.00"), D("500.00")]),
    ],
)
def test_annual_interest_over_a_leap_day(day_count, interests):
    rows = schedule(
        principal=D("10000.00"),
        annual_rate=D("0.05"),
        start_date=date(2027, 3, 1),
        term_months=24,
        frequency="annual",
        method="bullet",
        day_count=day_count,
    )
    assert column(rows, "interest") == interests


@pytest.mark.parametrize(
    ("start", "end", "day_count", "expected"),
    [
        (date(2026, 1, 15), date(2026, 2, 15), "30E/360", Fraction(30, 360)),
        (date(2026, 1, 31), date(2026, 2, 28), "30E/360", Fraction(28, 360)),  # Jan 31 counts as 30
        (date(2026, 2, 28), date(2026, 3, 31), "30E/360", Fraction(32, 360)),  # Mar 31 counts as 30
        (date(2026, 3, 31), date(2026, 4, 30), "30E/360", Fraction(30, 360)),
        (date(2026, 8, 31), date(2026, 11, 30), "30E/360", Fraction(90, 360)),
        (date(2026, 1, 15), date(2027, 1, 15), "30E/360", Fraction(1)),
        (date(2026, 1, 15), date(2026, 2, 15), "ACT/365", Fraction(31, 365)),
        (date(2028, 2, 1), date(2028, 3, 1), "ACT/365", Fraction(29, 365)),
        (date(2028, 1, 1), date(2029, 1, 1), "ACT/365", Fraction(366, 365)),
        (date(2027, 12, 15), date(2028, 1, 15), "ACT/ACT", Fraction(17, 365) + Fraction(14, 366)),
        (date(2028, 2, 1), date(2028, 3, 1), "ACT/ACT", Fraction(29, 366)),
        (date(2027, 1, 1), date(2028, 1, 1), "ACT/ACT", Fraction(1)),
        (date(2028, 1, 1), date(2029, 1, 1), "ACT/ACT", Fraction(1)),
        (date(2027, 7, 1), date(2029, 7, 1), "ACT/ACT", Fraction(184, 365) + 1 + Fraction(181, 365)),
        (date(2026, 5, 5), date(2026, 5, 5), "ACT/ACT", Fraction(0)),
    ],
)
def test_year_fraction(start, end, day_count, expected):
    fraction = year_fraction(start, end, day_count)
    assert isinstance(fraction, Decimal)
    assert abs(Fraction(fraction) - expected) < Fraction(1, 10**25)
    assert year_fraction(end, start, day_count) == -fraction


def test_year_fraction_is_exact_where_it_can_be():
    assert year_fraction(date(2026, 1, 15), date(2027, 1, 15), "30E/360") == 1
    assert year_fraction(date(2028, 1, 1), date(2029, 1, 1), "ACT/ACT") == 1
    assert year_fraction(date(2026, 1, 15), date(2026, 4, 15), "30E/360") == D("0.25")


def test_year_fraction_rejects_an_unknown_day_count():
    with pytest.raises(ScheduleError, match="day_count"):
        year_fraction(date(2026, 1, 1), date(2026, 2, 1), "ACT/360")


# --- due dates ----------------------------------------------------------------------------------


def test_month_end_clamping_monthly_from_january_31():
    rows = schedule(start_date=date(2026, 1, 31), term_months=13, method="bullet")
    assert column(rows, "due_date") == [
        date(2026, 2, 28),
        date(2026, 3, 31),  # computed from the start date, not from Feb 28
        date(2026, 4, 30),
        date(2026, 5, 31),
        date(2026, 6, 30),
        date(2026, 7, 31),
        date(2026, 8, 31),
        date(2026, 9, 30),
        date(2026, 10, 31),
        date(2026, 11, 30),
        date(2026, 12, 31),
        date(2027, 1, 31),
        date(2027, 2, 28),
    ]


def test_month_end_clamping_in_a_leap_year():
    rows = schedule(start_date=date(2028, 1, 30), term_months=3, method="bullet")
    assert column(rows, "due_date") == [date(2028, 2, 29), date(2028, 3, 30), date(2028, 4, 30)]


@pytest.mark.parametrize(
    ("start_date", "due_dates"),
    [
        (date(2026, 8, 31), [date(2026, 11, 30), date(2027, 2, 28), date(2027, 5, 31), date(2027, 8, 31)]),
        (date(2027, 8, 31), [date(2027, 11, 30), date(2028, 2, 29), date(2028, 5, 31), date(2028, 8, 31)]),
    ],
)
def test_month_end_clamping_quarterly_from_august_31(start_date, due_dates):
    rows = schedule(start_date=start_date, term_months=12, frequency="quarterly", method="bullet")
    assert column(rows, "due_date") == due_dates


def test_30e_360_interest_on_clamped_month_ends():
    # 36,000 at 10 %, start Jan 31 (counts as 30): to Feb 28 is 28 days -> 36,000 x 10 % x 28/360 = 280.00;
    # Feb 28 -> Mar 31 (counts as 30) is 32 days -> 320.00; Mar 31 -> Apr 30 is 30 days -> 300.00.
    rows = schedule(
        principal=D("36000.00"),
        annual_rate=D("0.10"),
        start_date=date(2026, 1, 31),
        term_months=3,
        method="bullet",
    )
    assert column(rows, "interest") == [D("280.00"), D("320.00"), D("300.00")]


# --- zero rate ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["annuity", "linear"])
@pytest.mark.parametrize("day_count", DAY_COUNTS)
def test_zero_rate(method, day_count):
    # No interest: 1,000.00 / 3 = 333.33 twice, and the last instalment takes 333.34.
    rows = schedule(
        principal=D("1000.00"), annual_rate=D("0"), term_months=3, method=method, day_count=day_count
    )
    assert column(rows, "interest") == [D("0.00")] * 3
    assert column(rows, "principal") == [D("333.33"), D("333.33"), D("333.34")]
    assert column(rows, "payment") == [D("333.33"), D("333.33"), D("333.34")]
    assert_consistent(rows, D("1000.00"))


def test_zero_rate_with_grace_and_bullet():
    rows = schedule(principal=D("1200.00"), annual_rate=0, term_months=12, grace_months=6)
    assert column(rows, "payment") == [D("0.00")] * 6 + [D("200.00")] * 6
    bullet = schedule(principal=D("1200.00"), annual_rate=0, term_months=12, method="bullet")
    assert column(bullet, "payment") == [D("0.00")] * 11 + [D("1200.00")]


# --- arguments and rows -------------------------------------------------------------------------


def test_ints_are_accepted_for_amounts_and_give_cents():
    rows = schedule(principal=100000, annual_rate=0)
    assert rows[0].principal.as_tuple().exponent == -2
    assert schedule(principal=100000) == schedule(principal=D("100000.00"))
    assert schedule(principal=D("100000.000")) == schedule()


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        build_schedule(D("1000"), D("0.05"), date(2026, 1, 1), 12, "monthly", "annuity", "30E/360")


def test_grace_months_defaults_to_zero():
    arguments = {
        "principal": D("1000.00"),
        "annual_rate": D("0.05"),
        "start_date": date(2026, 1, 1),
        "term_months": 12,
        "frequency": "monthly",
        "method": "annuity",
        "day_count": "30E/360",
    }
    assert build_schedule(**arguments) == build_schedule(**arguments, grace_months=0)


def test_rows_are_frozen_dataclasses():
    row = schedule()[0]
    assert dataclasses.is_dataclass(row)
    assert [field.name for field in dataclasses.fields(row)] == [
        "number",
        "due_date",
        "principal",
        "interest",
        "payment",
        "balance",
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.principal = D("1.00")
    assert row == ScheduleRow(**dataclasses.asdict(row))
    assert hash(row) == hash(ScheduleRow(**dataclasses.asdict(row)))


def test_the_callers_decimal_context_does_not_change_the_result():
    expected = schedule(day_count="ACT/ACT", annual_rate=D("0.0725"))
    with localcontext() as context:
        context.prec = 6
        context.rounding = ROUND_DOWN
        assert schedule(day_count="ACT/ACT", annual_rate=D("0.0725")) == expected


def test_exported_constants():
    assert FREQUENCIES == {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}
    assert set(METHODS) == {"annuity", "linear", "bullet"}
    assert set(DAY_COUNTS) == {"30E/360", "ACT/365", "ACT/ACT"}


@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        pytest.param({"principal": D("0")}, "principal", id="principal-zero"),
        pytest.param({"principal": D("-100.00")}, "principal", id="principal-negative"),
        pytest.param({"principal": -5}, "principal", id="principal-negative-int"),
        pytest.param({"principal": 100000.0}, "principal", id="principal-float"),
        pytest.param({"principal": "100000"}, "principal", id="principal-str"),
        pytest.param({"principal": True}, "principal", id="principal-bool"),
        pytest.param({"principal": D("NaN")}, "principal", id="principal-nan"),
        pytest.param({"principal": D("Infinity")}, "principal", id="principal-infinite"),
        pytest.param({"principal": D("100.005")}, "principal", id="principal-fraction-of-a-cent"),
        pytest.param({"annual_rate": D("-0.01")}, "annual_rate", id="rate-negative"),
        pytest.param({"annual_rate": 0.06}, "annual_rate", id="rate-float"),
        pytest.param({"annual_rate": "0.06"}, "annual_rate", id="rate-str"),
        pytest.param({"annual_rate": D("NaN")}, "annual_rate", id="rate-nan"),
        pytest.param({"start_date": "2026-01-15"}, "start_date", id="start-str"),
        pytest.param({"start_date": datetime(2026, 1, 15, tzinfo=UTC)}, "start_date", id="start-datetime"),
        pytest.param({"term_months": 0}, "term_months", id="term-zero"),
        pytest.param({"term_months": -12}, "term_months", id="term-negative"),
        pytest.param({"term_months": 10, "frequency": "quarterly"}, "term_months", id="term-10-quarterly"),
        pytest.param({"term_months": 9, "frequency": "semiannual"}, "term_months", id="term-9-semiannual"),
        pytest.param({"term_months": 18, "frequency": "annual"}, "term_months", id="term-18-annual"),
        pytest.param({"term_months": 12.0}, "term_months", id="term-float"),
        pytest.param({"term_months": None}, "term_months", id="term-none"),
        pytest.param({"start_date": date(9999, 6, 1)}, "term_months", id="term-past-year-9999"),
        pytest.param({"grace_months": -1}, "grace_months", id="grace-negative"),
        pytest.param({"grace_months": 2, "frequency": "quarterly"}, "grace_months", id="grace-not-multiple"),
        pytest.param({"grace_months": 36}, "grace_months", id="grace-equals-term"),
        pytest.param({"grace_months": 48}, "grace_months", id="grace-longer-than-term"),
        pytest.param({"grace_months": 1.5}, "grace_months", id="grace-float"),
        pytest.param({"frequency": "weekly"}, "frequency", id="frequency-unknown"),
        pytest.param({"frequency": "Monthly"}, "frequency", id="frequency-case"),
        pytest.param({"frequency": None}, "frequency", id="frequency-none"),
        pytest.param({"method": "balloon"}, "method", id="method-unknown"),
        pytest.param({"method": ""}, "method", id="method-empty"),
        pytest.param({"day_count": "ACT/360"}, "day_count", id="day-count-unknown"),
        pytest.param({"day_count": "30/360"}, "day_count", id="day-count-us"),
    ],
)
def test_invalid_arguments_raise_schedule_error_naming_the_argument(overrides, argument):
    with pytest.raises(ScheduleError, match=rf"^{argument}\b") as excinfo:
        schedule(**overrides)
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize("argument", ["principal", "annual_rate"])
def test_floats_are_refused_with_a_clear_message(argument):
    with pytest.raises(ScheduleError, match="float") as excinfo:
        schedule(**{argument: 0.05})
    assert "Decimal('0.05')" in str(excinfo.value)


# --- properties ---------------------------------------------------------------------------------


def reference_due_date(start: date, months: int) -> date:
    year, month0 = divmod(start.year * 12 + start.month - 1 + months, 12)
    return date(year, month0 + 1, min(start.day, calendar.monthrange(year, month0 + 1)[1]))


def reference_year_fraction(start: date, end: date, day_count: str) -> Fraction:
    if day_count == "30E/360":
        days = (
            360 * (end.year - start.year)
            + 30 * (end.month - start.month)
            + min(end.day, 30)
            - min(start.day, 30)
        )
        return Fraction(days, 360)
    if day_count == "ACT/365":
        return Fraction((end - start).days, 365)
    total = Fraction(0)
    for year in range(start.year, end.year + 1):
        days = (min(end, date(year + 1, 1, 1)) - max(start, date(year, 1, 1))).days
        total += Fraction(days, 366 if calendar.isleap(year) else 365)
    return total


def round_cents(value: Fraction) -> Decimal:
    """ROUND_HALF_UP to the cent of a non-negative exact value."""
    return D(math.floor(value * 100 + Fraction(1, 2))).scaleb(-2)


@st.composite
def schedule_arguments(draw):
    frequency = draw(st.sampled_from(sorted(FREQUENCIES)))
    period = FREQUENCIES[frequency]
    n_periods = draw(st.integers(min_value=1, max_value=120 // period))
    n_grace = draw(st.integers(min_value=0, max_value=n_periods - 1))
    return {
        "principal": D(draw(st.integers(min_value=100_000, max_value=200_000_000))).scaleb(-2),
        "annual_rate": D(draw(st.integers(min_value=0, max_value=1500))).scaleb(-4),
        "start_date": draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))),
        "term_months": n_periods * period,
        "frequency": frequency,
        "method": draw(st.sampled_from(METHODS)),
        "day_count": draw(st.sampled_from(DAY_COUNTS)),
        "grace_months": n_grace * period,
    }


@settings(max_examples=300, deadline=None)
@given(arguments=schedule_arguments())
def test_schedule_properties(arguments):
    rows = build_schedule(**arguments)
    principal = arguments["principal"]
    rate = arguments["annual_rate"]
    period = FREQUENCIES[arguments["frequency"]]
    n_grace = arguments["grace_months"] // period

    assert len(rows) == arguments["term_months"] // period
    assert sum(column(rows, "principal")) == principal
    assert rows[-1].balance == D("0.00")

    previous_balance = principal
    previous_date = arguments["start_date"]
    for number, row in enumerate(rows, start=1):
        assert row.number == number
        assert row.due_date > previous_date
        assert row.due_date == reference_due_date(arguments["start_date"], number * period)
        assert row.balance == previous_balance - row.principal
        assert row.payment == row.principal + row.interest
        for amount in (row.principal, row.interest, row.payment, row.balance):
            assert amount.as_tuple().exponent == -2, amount
        # Interest: balance x rate x year fraction, rounded half up, against an exact reference.
        exact = (
            Fraction(previous_balance)
            * Fraction(rate)
            * reference_year_fraction(previous_date, row.due_date, arguments["day_count"])
        )
        assert row.interest == round_cents(exact)
        if number <= n_grace:
            assert row.principal == D("0.00")
        previous_balance = row.balance
        previous_date = row.due_date

    amortising = rows[n_grace:-1]
    if arguments["method"] == "annuity" and amortising:
        n = len(rows) - n_grace
        periodic = Fraction(rate) * period / 12
        if periodic:
            exact_payment = Fraction(principal) * periodic / (1 - (1 + periodic) ** -n)
        else:
            exact_payment = Fraction(principal) / n
        assert set(column(amortising, "payment")) == {round_cents(exact_payment)}
    elif arguments["method"] == "linear" and amortising:
        n = len(rows) - n_grace
        assert set(column(amortising, "principal")) == {round_cents(Fraction(principal) / n)}
    elif arguments["method"] == "bullet":
        assert all(row.principal == D("0.00") for row in rows[:-1])
