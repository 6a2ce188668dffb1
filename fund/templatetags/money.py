"""Amounts as the user expects them: `€ 1.234,56` in Dutch, `€1,234.56` in English."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.translation import get_language
from djmoney.money import Money

register = template.Library()


def format_eur(value, *, language: str | None = None, decimals: int = 2) -> str:
    if value is None or value == "":
        return ""
    amount = value.amount if isinstance(value, Money) else Decimal(str(value))
    quantum = Decimal(1).scaleb(-decimals)
    amount = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount):,.{decimals}f}"
    if (language or get_language() or "nl").startswith("nl"):
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
        return f"€ {sign}{text}"
    return f"{sign}€{text}"


@register.filter(name="eur")
def eur(value) -> str:
    return format_eur(value)


@register.filter(name="eur0")
def eur0(value) -> str:
    return format_eur(value, decimals=0)


@register.filter(name="pct")
def pct(value) -> str:
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    if (get_language() or "nl").startswith("nl"):
        text = text.replace(".", ",")
    return f"{text} %"


@register.filter(name="rate_pct")
def rate_pct(value) -> str:
    """A rate stored as a fraction (0.045) shown as a percentage (4,5 %)."""
    if value is None:
        return ""
    return pct((Decimal(value) * 100).quantize(Decimal("0.001")))
