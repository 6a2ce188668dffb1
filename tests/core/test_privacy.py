"""Tests for the guard that refuses citizen service numbers (BSN) in references and free text."""

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.nl import bsn as stdnum_bsn

from core.privacy import (
    BSN_REFUSED_MESSAGE,
    contains_bsn,
    find_bsn_candidates,
    validate_no_bsn,
)

# 111222333: 9*1 + 8*1 + 7*1 + 6*2 + 5*2 + 4*2 + 3*3 + 2*3 - 1*3 = 66 = 6 * 11 -> passes the 11-proef
# 123456782: 9*1 + 8*2 + 7*3 + 6*4 + 5*5 + 4*6 + 3*7 + 2*8 - 1*2 = 154 = 14 * 11 -> passes
# 123456789: 156 - 9 = 147 = 13 * 11 + 4 -> fails
REFUSED = [
    ("111222333", ["111222333"]),
    ("123456782", ["123456782"]),
    ("123.456.782", ["123456782"]),
    ("123 456 782", ["123456782"]),
    ("123-456-782", ["123456782"]),
    ("123\u00a0456\u00a0782", ["123456782"]),  # no-break spaces, as pasted from a document
    ("123.456-782", ["123456782"]),
    ("Deelnemer met BSN 123456782 is gestart.", ["123456782"]),
    ("bsn: 123.456.782, start 1 maart", ["123456782"]),
    ("HLM-111222333", ["111222333"]),
    ("HLM-111-222-333", ["111222333"]),
    ("ref111222333x", ["111222333"]),
    ("111222333\n123 456 782", ["111222333", "123456782"]),
    ("000 111 222 333", ["111222333"]),  # overlapping groups are each checked
]

ALLOWED = [
    "123456789",  # fails the 11-proef
    "123 456 789",
    "123.456.789",
    "12345678",  # 8 digits
    "10000008",  # 8 digits that stdnum would accept after zero-padding
    "1234567820",  # 10 digits, even though it starts with the valid 123456782
    "1111222333",
    "1112223330",
    "123.456.7820",
    "1123.456.782",
    "0612345678",  # phone number
    "06-12345678",
    "+31 6 12345678",
    "NL91ABNA0417164300",  # IBAN
    "NL91 ABNA 0417 1643 00",
    "HLM-2026-0042",
    "2026-03-01",
    "01-03-2026",
    "1.3.2026",
    "20260301",
    "1234.56.782",  # 4-2-3 grouping is not in scope
    "Gestart op 1 maart 2026, 32 uur per week, referentie HLM-2026-0042.",
    "",
]


@pytest.mark.parametrize(("text", "expected"), REFUSED)
def test_valid_bsn_is_found(text, expected):
    assert find_bsn_candidates(text) == expected
    assert contains_bsn(text)


@pytest.mark.parametrize("text", [text for text, _ in REFUSED])
def test_validator_refuses_bsn(text):
    with pytest.raises(ValidationError) as excinfo:
        validate_no_bsn(text)
    assert excinfo.value.code == "bsn_refused"
    assert excinfo.value.message is BSN_REFUSED_MESSAGE


@pytest.mark.parametrize("text", ALLOWED)
def test_other_numbers_are_allowed(text):
    assert find_bsn_candidates(text) == []
    assert not contains_bsn(text)
    validate_no_bsn(text)


def test_eight_digits_are_not_zero_padded():
    assert stdnum_bsn.is_valid("10000008")  # stdnum pads this to 010000008
    assert not contains_bsn("10000008")
    assert contains_bsn("010000008")


@pytest.mark.parametrize("value", [None, ""])
def test_validator_accepts_empty(value):
    assert validate_no_bsn(value) is None


def test_validator_checks_non_string_values():
    with pytest.raises(ValidationError) as excinfo:
        validate_no_bsn(111222333)
    assert excinfo.value.code == "bsn_refused"
    validate_no_bsn(123456789)


def _django_ready() -> bool:
    """Rendering a lazy translation needs settings and a loaded app registry (pytest-django gives both)."""
    from django.apps import apps
    from django.conf import settings as django_settings

    try:
        django_settings.USE_I18N  # noqa: B018 -- touching a setting is what tells whether settings exist
    except ImproperlyConfigured:
        return False
    return apps.ready


def test_message_explains_why():
    if not _django_ready():
        pytest.skip("rendering the lazy message needs configured Django settings and apps")
    from django.utils import translation

    with pytest.raises(ValidationError) as excinfo:
        validate_no_bsn("123456782")
    with translation.override("nl"):
        message = str(excinfo.value.messages[0])
    assert message == (
        "Dit veld lijkt een burgerservicenummer (BSN) te bevatten. Een BSN mag hier nooit worden "
        "vastgelegd (AVG / UAVG art. 46): gebruik de pseudonieme deelnemersreferentie van de gemeente."
    )
    assert "123456782" not in message  # the refused number is never echoed back


nine_digits = st.integers(min_value=0, max_value=999_999_999).map(lambda n: f"{n:09d}")
letters = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz-_/:,.", max_size=12)


@settings(database=None, deadline=None, max_examples=300)
@given(prefix=letters, number=nine_digits, suffix=letters)
def test_property_embedded_nine_digits_refused_exactly_when_11_proef_passes(prefix, number, suffix):
    # no digits around, so the number is a complete nine-digit run
    assert contains_bsn(f"{prefix}{number}{suffix}") == stdnum_bsn.is_valid(number)


@settings(database=None, deadline=None, max_examples=300)
@given(number=nine_digits, extra=st.sampled_from("0123456789"), before=st.booleans())
def test_property_longer_digit_runs_are_not_candidates(number, extra, before):
    text = f"{extra}{number}" if before else f"{number}{extra}"
    assert find_bsn_candidates(text) == []
