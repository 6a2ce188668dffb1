"""One format for an amount, a percentage, a number and a time, in both languages."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation
from djmoney.money import Money
from hypothesis import given, settings
from hypothesis import strategies as st

from core import formats

D = Decimal


@pytest.mark.parametrize(
    ("value", "nl", "en"),
    [
        (D("1234.56"), "€ 1.234,56", "€1,234.56"),
        (D("-6451.81"), "€ -6.451,81", "-€6,451.81"),
        (D("-0.001"), "€ 0,00", "€0.00"),  # never "-€ 0,00"
        (D("0.005"), "€ 0,01", "€0.01"),  # half up
        (Money("2172.57", "EUR"), "€ 2.172,57", "€2,172.57"),
        (1000000, "€ 1.000.000,00", "€1,000,000.00"),
    ],
)
def test_format_eur(value, nl, en):
    assert formats.format_eur(value, language="nl") == nl
    assert formats.format_eur(value, language="en") == en


def test_format_eur_follows_the_active_language():
    with translation.override("nl"):
        assert formats.format_eur(D("34206.77")) == "€ 34.206,77"
    with translation.override("en"):
        assert formats.format_eur(D("34206.77")) == "€34,206.77"


@pytest.mark.parametrize(
    ("fraction", "nl", "en"),
    [
        (D("0.25"), "25 %", "25%"),
        (D("0.0675"), "6,75 %", "6.75%"),
        (D("0.045"), "4,5 %", "4.5%"),
        (D("0.067"), "6,7 %", "6.7%"),
        (D("1"), "100 %", "100%"),
    ],
)
def test_format_percent_from_a_fraction(fraction, nl, en):
    assert formats.format_percent(fraction, language="nl") == nl
    assert formats.format_percent(fraction, language="en") == en


@pytest.mark.parametrize(
    ("value", "places", "nl"),
    [
        (D("292081.4"), None, "292.081,4"),
        (D("50.2142"), None, "50,21"),
        (6000, None, "6.000"),
        (D("6000.00"), None, "6.000"),
        (D("10.5"), 2, "10,50"),
        (D("-0.0001"), None, "0"),
    ],
)
def test_format_number(value, places, nl):
    assert formats.format_number(value, places, language="nl") == nl


def test_csv_numbers_use_a_decimal_comma_without_grouping():
    assert formats.csv_number(D("2172.57")) == "2172,57"
    assert formats.csv_number(D("1234567.5"), 2) == "1234567,50"
    assert formats.csv_number(Money("-5", "EUR"), 2) == "-5,00"
    assert formats.csv_number(Decimal("40000.00"), 2) == "40000,00"
    assert formats.csv_number(Decimal("292081.4000")) == "292081,4"
    assert formats.csv_number(7) == "7"


def test_times_are_shown_in_amsterdam():
    utc = datetime.datetime(2026, 11, 28, 6, 22, tzinfo=ZoneInfo("UTC"))
    assert formats.format_datetime(utc, language="nl") == "28-11-2026 07:22"
    summer = datetime.datetime(2026, 7, 1, 22, 30, tzinfo=ZoneInfo("UTC"))
    assert formats.format_datetime(summer, language="nl") == "02-07-2026 00:30"  # CEST, the next day
    assert formats.format_date(datetime.date(2026, 3, 5), language="nl") == "05-03-2026"


def test_a_naive_timestamp_is_refused():
    with pytest.raises(ValueError):
        formats.format_datetime(datetime.datetime(2026, 1, 1, 12, 0))  # noqa: DTZ001


def test_template_filters_use_the_same_formats():
    template = Template(
        "{% load money %}{{ a|eur }}|{{ f|percent }}|{{ p|pct }}|{{ n|number }}|"
        "{{ r|rate_pct }}|{{ t|localdt }}"
    )
    context = Context(
        {
            "a": D("-6451.81"),
            "f": D("0.25"),
            "p": D("6.7"),
            "n": D("292081.4"),
            "r": D("0.045"),
            "t": datetime.datetime(2026, 11, 28, 6, 22, tzinfo=ZoneInfo("UTC")),
        }
    )
    with translation.override("nl"):
        assert template.render(context) == "€ -6.451,81|25 %|6,7 %|292.081,4|4,5 %|28-11-2026 07:22"


def test_cached_patterns_format_as_babel_does_every_time():
    """The locale and patterns are parsed once (bench/pagecost.py); the text must be babel's own."""
    from babel.numbers import format_decimal

    from core.formats import format_number
    from core.money import round_to

    values = [Decimal("0"), Decimal("-0.004"), Decimal("1234567.891"), Decimal("-6451.815"), Decimal("0.5")]
    for language, locale in (("nl", "nl_NL"), ("en", "en_GB")):
        for value in values:
            for places, pattern in ((2, "#,##0.00"), (0, "#,##0")):
                expected = format_decimal(
                    abs(round_to(value, places)) if round_to(value, places) == 0 else round_to(value, places),
                    format=pattern,
                    locale=locale,
                    decimal_quantization=False,
                )
                assert format_number(value, places, language=language) == expected
                assert format_number(value, places, language=language) == expected  # cached: same again


@settings(max_examples=400, deadline=None)
@given(
    value=st.decimals(min_value=D("-1e12"), max_value=D("1e12"), allow_nan=False, places=4),
    decimals=st.sampled_from([0, 2]),
    language=st.sampled_from(["nl", "en"]),
)
def test_format_eur_has_babels_digits_and_separators(value, decimals, language):
    """format_eur groups with Python's format (fast); babel's pattern (format_number) is the reference."""
    digits = formats.format_number(abs(value), decimals, language=language)
    text = formats.format_eur(value, decimals=decimals, language=language)
    assert text.replace("€", "").replace("-", "").strip() == digits
