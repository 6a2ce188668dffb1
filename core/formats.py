"""One way to show a number, an amount, a percentage, a date and a time — on pages, in PDFs, messages,
Excel and CSV. Built on babel (CLDR) for nl_NL and en; Dutch unless another language is active.

    format_eur(Decimal("-6451.81"))      "€ -6.451,81"   (en: "-€6,451.81"); never "-€ 0,00"
    format_percent(Decimal("0.25"))      "25 %"          (a fraction; en: "25%")
    format_pct(Decimal("6.75"))          "6,75 %"        (a value already in percent)
    format_number(Decimal("292081.4"))   "292.081,4"
    format_datetime(aware_dt)            "28-11-2026 07:22" in Europe/Amsterdam
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern
from django.utils import timezone
from django.utils.translation import get_language
from djmoney.money import Money

from .money import round_to, to_decimal

__all__ = [
    "csv_number",
    "format_date",
    "format_datetime",
    "format_eur",
    "format_number",
    "format_pct",
    "format_percent",
    "format_time",
    "is_dutch",
    "local_now",
    "local_today",
]


def is_dutch(language: str | None = None) -> bool:
    return (language or get_language() or "nl").lower().startswith("nl")


def _locale(language: str | None) -> str:
    return "nl_NL" if is_dutch(language) else "en_GB"


@functools.cache
def _babel_locale(name: str) -> Locale:
    return Locale.parse(name)


@functools.cache
def _pattern(min_places: int, max_places: int, grouping: bool) -> NumberPattern:
    """Parsed once: babel's format_decimal parses the locale and the pattern on every call, which made
    formatting a page's amounts a measurable share of its time (bench/pagecost.py)."""
    integer = "#,##0" if grouping else "0"
    if max_places <= 0:
        return parse_pattern(integer)
    return parse_pattern(f"{integer}.{'0' * min_places}{'#' * (max_places - min_places)}")


def format_number(
    value,
    places: int | None = None,
    *,
    max_places: int = 2,
    grouping: bool = True,
    language: str | None = None,
) -> str:
    """A plain number: thousand separators, ``places`` fixed decimals, or up to ``max_places`` when None."""
    if value is None or value == "":
        return ""
    number = to_decimal(value)
    if places is not None:
        number = round_to(number, places)
        pattern = _pattern(places, places, grouping)
    else:
        number = round_to(number, max_places)
        pattern = _pattern(0, max_places, grouping)
    if number == 0:
        number = abs(number)
    return pattern.apply(number, _babel_locale(_locale(language)), decimal_quantization=False)


_DUTCH_SEPARATORS = str.maketrans(",.", ".,")


def _grouped(amount: Decimal, decimals: int, *, dutch: bool) -> str:
    """`format_number(amount, decimals)` for an amount ≥ 0 already rounded to `decimals`: the same digits
    and separators as babel's pattern (nl 1.234,56; en 1,234.56; tests/core/test_formats.py compares them)
    from Python's own formatting, a few times faster: a loan's page shows hundreds of amounts."""
    text = format(amount, f",.{decimals}f")
    return text.translate(_DUTCH_SEPARATORS) if dutch else text


def format_eur(value, *, decimals: int = 2, language: str | None = None) -> str:
    """An amount in euros: "€ 1.234,56" / "€ -1.234,56" in Dutch, "€1,234.56" / "-€1,234.56" in English."""
    if value is None or value == "":
        return ""
    amount = round_to(value.amount if isinstance(value, Money) else to_decimal(value), decimals)
    dutch = is_dutch(language)
    digits = _grouped(abs(amount), decimals, dutch=dutch)
    if dutch:
        return f"€ -{digits}" if amount < 0 else f"€ {digits}"
    return f"-€{digits}" if amount < 0 else f"€{digits}"


def format_pct(value, places: int | None = None, *, max_places: int = 2, language: str | None = None) -> str:
    """A value that is already in percent (6.75) as "6,75 %"."""
    if value is None or value == "":
        return ""
    text = format_number(value, places, max_places=max_places, language=language)
    return f"{text} %" if is_dutch(language) else f"{text}%"


def format_percent(
    fraction, places: int | None = None, *, max_places: int = 2, language: str | None = None
) -> str:
    """A fraction (0.25) as a percentage ("25 %"): how rates and shares are stored, how people read them."""
    if fraction is None or fraction == "":
        return ""
    return format_pct(to_decimal(fraction) * 100, places, max_places=max_places, language=language)


def local_now() -> datetime.datetime:
    """Now, in Europe/Amsterdam (the project's TIME_ZONE)."""
    return timezone.localtime()


def local_today() -> datetime.date:
    return timezone.localdate()


def _local(value: datetime.datetime) -> datetime.datetime:
    if timezone.is_naive(value):
        raise ValueError("a naive datetime cannot be shown: make it timezone-aware first")
    return timezone.localtime(value)


def format_date(value: datetime.date | datetime.datetime | None, *, language: str | None = None) -> str:
    """28-11-2026 (nl) / 28 Nov 2026 (en). A datetime is first put in Europe/Amsterdam."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = _local(value).date()
    if is_dutch(language):
        return value.strftime("%d-%m-%Y")
    return value.strftime("%d %b %Y")


def format_time(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    return _local(value).strftime("%H:%M")


def format_datetime(value: datetime.datetime | None, *, language: str | None = None) -> str:
    """28-11-2026 07:22, always in Europe/Amsterdam, whatever the timestamp's own zone."""
    if value is None or value == "":
        return ""
    return f"{format_date(value, language=language)} {format_time(value)}"


def csv_number(value, places: int | None = None) -> str:
    """A number for a Dutch CSV file (";" separated): decimal comma, no thousand separators; without
    ``places`` up to six decimals, trailing zeros dropped (amounts: pass 2, or a Money via csv_cell)."""
    if value is None or value == "":
        return ""
    if isinstance(value, Money):
        value = value.amount
    max_places = 6 if places is None else places
    return format_number(value, places, max_places=max_places, grouping=False, language="nl")
