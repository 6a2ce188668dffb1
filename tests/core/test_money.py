from decimal import Decimal
from fractions import Fraction

import pytest
from djmoney.money import Money
from hypothesis import given
from hypothesis import strategies as st

from core.money import round_to, split, to_cents, to_money

D = Decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("0.355"), D("0.36")),  # banker's rounding would give 0.36 too; the next line is the difference
        (D("0.365"), D("0.37")),  # ROUND_HALF_EVEN gives 0.36
        (D("1.065"), D("1.07")),
        (D("-0.355"), D("-0.36")),
        (D("-0.004"), D("0.00")),  # never "-0,00"
        ("12.345", D("12.35")),
        (7, D("7.00")),
        (Money("3.335", "EUR"), D("3.34")),
        (Fraction(1, 3), D("0.33")),
        (Fraction(5, 1000), D("0.01")),
    ],
)
def test_to_cents_rounds_half_up(value, expected):
    result = to_cents(value)
    assert result == expected
    assert result.as_tuple().exponent == -2


def test_three_times_a_half_cent_books_what_a_person_computes():
    """3 × € 0,355 is € 1,065, which is € 1,07 — not the € 1,06 of banker's rounding."""
    assert to_cents(3 * D("0.355")) == D("1.07")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_cents(0.1)


def test_round_to_other_quanta():
    assert round_to(D("0.0454545"), 6) == D("0.045455")
    assert round_to(D("12.25"), 1) == D("12.3")
    assert round_to(D("2.5"), 0) == D("3")
    assert round_to(D("0.12345"), D("0.0001")) == D("0.1235")


def test_to_money():
    assert to_money(D("1234.565")) == Money("1234.57", "EUR")


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        (D("100.00"), [1, 1, 1], [D("33.34"), D("33.33"), D("33.33")]),
        (D("0.02"), [1, 1, 1], [D("0.01"), D("0.01"), D("0.00")]),
        (D("1000.00"), [D("2500000"), D("500000"), D("250000")], [D("769.23"), D("153.85"), D("76.92")]),
        (D("10.00"), [0, 1], [D("0.00"), D("10.00")]),
        (D("-100.00"), [1, 1, 1], [D("-33.34"), D("-33.33"), D("-33.33")]),
    ],
)
def test_split_by_largest_remainder(amount, weights, expected):
    parts = split(amount, weights)
    assert parts == expected
    assert sum(parts) == amount


@given(
    cents=st.integers(min_value=-(10**10), max_value=10**10),
    weights=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=30).filter(any),
)
def test_split_always_adds_up_and_stays_near_the_exact_share(cents, weights):
    amount = D(cents).scaleb(-2)
    parts = split(amount, weights)
    assert sum(parts) == amount
    total = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(cents, 100) * weight / total
        assert abs(Fraction(part) - exact) < Fraction(1, 100)
        if weight == 0:
            assert part == 0


def test_split_refuses_nonsense():
    with pytest.raises(ValueError):
        split(D("10"), [])
    with pytest.raises(ValueError):
        split(D("10"), [0, 0])
    with pytest.raises(ValueError):
        split(D("10"), [1, -1])
