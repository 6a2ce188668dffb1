"""core.numbers.parse_decimal: the public contract of issue 11, and what Dutch users type."""

from decimal import Decimal

import pytest

from core.numbers import parse_decimal, parse_optional_decimal

D = Decimal


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # the contract's own examples
        ("7.900", D("7900")),
        ("12.500,50", D("12500.50")),
        ("1,5", D("1.5")),
        ("€ 1.234,56", D("1234.56")),
        ("1.5", D("1.5")),
        # what else people type
        ("€ 112.500", D("112500")),
        ("112.500,00", D("112500.00")),
        ("1.234.567", D("1234567")),
        ("1.234.567,89", D("1234567.89")),
        ("-1.234,5", D("-1234.5")),
        ("−250", D("-250")),  # a typographic minus
        ("0.125", D("0.125")),  # zero thousands is no grouping
        ("12,50", D("12.50")),
        ("1 234,56", D("1234.56")),
        ("1\u00a0234,56", D("1234.56")),
        ("€1.234,56", D("1234.56")),
        ("1234,56 EUR", D("1234.56")),
        ("25 %", D("25")),
        ("  42  ", D("42")),
        (",5", D("0.5")),
        ("1,234.56", D("1234.56")),  # English, unambiguous because both separators are there
        ("100", D("100")),
        ("0", D("0")),
    ],
)
def test_parse_decimal_reads_what_people_type(typed, expected):
    result = parse_decimal(typed)
    assert result == expected
    assert str(result) == str(expected)  # no exponent notation ("1E+3") sneaks in


@pytest.mark.parametrize(
    "typed",
    ["1.2.3", "12,34,56", "abc", "", "   ", "1.2345.6", "1.23,4", "12.34.567", "1 23", "1e5", "--5", "€"],
)
def test_parse_decimal_refuses_with_a_dutch_message(typed):
    with pytest.raises(ValueError) as excinfo:
        parse_decimal(typed)
    message = str(excinfo.value)
    assert "getal" in message


def test_the_message_names_the_value_and_shows_the_expected_format():
    with pytest.raises(ValueError, match=r"'1\.2\.3' is geen geldig getal.*1\.234,56"):
        parse_decimal("1.2.3")


def test_numbers_from_cells_stay_numbers():
    assert parse_decimal(7900) == D("7900")
    assert parse_decimal(7900.0) == D("7900.0")
    assert parse_decimal(0.1) == D("0.1")
    assert parse_decimal(D("12.5")) == D("12.5")
    with pytest.raises(ValueError):
        parse_decimal(True)


def test_optional():
    assert parse_optional_decimal("") is None
    assert parse_optional_decimal(None) is None
    assert parse_optional_decimal("7.900") == D("7900")
