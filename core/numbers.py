"""Reading numbers the way a Dutch user types them: "7.900" is seven thousand nine hundred.

Public contract (issue 11)::

    parse_decimal("7.900") == Decimal("7900");  parse_decimal("12.500,50") == Decimal("12500.50")
    parse_decimal("1,5") == Decimal("1.5");     parse_decimal("€ 1.234,56") == Decimal("1234.56")
    parse_decimal("1.5") == Decimal("1.5")      # a dot not followed by exactly 3 digits is a decimal point
    parse_decimal("1.2.3")                       # ValueError with a Dutch message; also "12,34,56", "abc", ""

Rules, in order: a comma is the decimal separator and dots (or spaces) before it group thousands
("12.500,50"); with only dots, a single dot followed by exactly three digits groups thousands ("7.900"),
unless the part before it is zero ("0.125"); otherwise it is a decimal point ("1.5"). With both a dot and a
comma, the last one is the decimal separator, so an English "1,234.56" is read too. Groups must be of three
digits; anything else is refused rather than guessed.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

__all__ = ["parse_decimal", "parse_optional_decimal"]

_STRIP = re.compile(r"[\s\u00a0\u202f]*(€|eur|EUR|%)[\s\u00a0\u202f]*")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_DIGITS = re.compile(r"^\d+$")
_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$")


def _refuse(text: str) -> ValueError:
    return ValueError(
        _(
            "'%(value)s' is geen geldig getal. Schrijf bijvoorbeeld 1.234,56 "
            "(punt voor duizendtallen, komma voor decimalen)."
        )
        % {"value": text}
    )


def _grouped(integer: str, separator: str) -> str | None:
    """The digits of a thousands-grouped integer part, or None when the groups are not of three."""
    if separator not in integer:
        return integer if _DIGITS.match(integer) else None
    normal = integer.replace(separator, ".")
    return normal.replace(".", "") if _GROUPED.match(normal) else None


def parse_decimal(value) -> Decimal:
    """A Decimal from what a person typed (Dutch first) or from a number cell; ValueError if unreadable."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise _refuse(str(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):  # a spreadsheet cell: its shortest repr is what the user saw
        return Decimal(repr(value))
    original = "" if value is None else str(value)
    text = _STRIP.sub("", original.strip()).strip()
    if not text:
        raise ValueError(_("Vul een getal in."))
    sign = ""
    if text[0] in "+-−–":
        sign = "-" if text[0] != "+" else ""
        text = text[1:].strip()
    text = _SPACES.sub(" ", text)
    if " " in text:  # "1 234,56": spaces only between groups of three digits
        if not re.match(r"^\d{1,3}( \d{3})+([.,]\d+)?$", text):
            raise _refuse(original)
        text = text.replace(" ", "")
    has_dot, has_comma = "." in text, "," in text
    if has_dot and has_comma:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        group_sep = "." if decimal_sep == "," else ","
        integer, _sep, fraction = text.rpartition(decimal_sep)
        if group_sep in fraction:
            raise _refuse(original)
        digits = _grouped(integer, group_sep)
    elif has_comma:
        if text.count(",") > 1:
            raise _refuse(original)
        integer, _sep, fraction = text.partition(",")
        digits = integer if (integer == "" or _DIGITS.match(integer)) else None
    elif has_dot:
        if text.count(".") > 1:
            digits, fraction = _grouped(text, "."), ""
        else:
            integer, _sep, fraction = text.partition(".")
            if len(fraction) == 3 and integer not in ("", "0") and _DIGITS.match(integer):
                digits, fraction = integer + fraction, ""
            else:
                digits = integer if (integer == "" or _DIGITS.match(integer)) else None
    else:
        digits, fraction = (text if _DIGITS.match(text) else None), ""
    if digits is None or (fraction and not _DIGITS.match(fraction)) or (not digits and not fraction):
        raise _refuse(original)
    try:
        return Decimal(f"{sign}{digits or '0'}.{fraction}" if fraction else f"{sign}{digits}")
    except InvalidOperation as exc:  # pragma: no cover - the patterns above leave only digits
        raise _refuse(original) from exc


def parse_optional_decimal(value) -> Decimal | None:
    """Like parse_decimal, but an empty value is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_decimal(value)
