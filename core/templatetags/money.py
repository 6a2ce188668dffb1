"""Template filters for every page: the same formats as PDFs, exports and messages (core.formats).

{{ amount|eur }}  {{ amount|eur0 }}  {{ fraction|percent }}  {{ value_in_percent|pct }}
{{ value|number }}  {{ value|number:1 }}  {{ timestamp|localdt }}  {{ day|nldate }}
"""

from django import template

from core import formats

register = template.Library()


@register.filter(name="eur")
def eur(value) -> str:
    return formats.format_eur(value)


@register.filter(name="eur0")
def eur0(value) -> str:
    return formats.format_eur(value, decimals=0)


@register.filter(name="pct")
def pct(value, places=None) -> str:
    """A value already in percent: 6.75 → "6,75 %"."""
    return formats.format_pct(value, None if places in (None, "") else int(places))


@register.filter(name="percent")
def percent(value, places=None) -> str:
    """A fraction: 0.25 → "25 %"."""
    return formats.format_percent(value, None if places in (None, "") else int(places))


# Rates are stored as fractions (0.045); the historical name stays as an alias of `percent`.
register.filter("rate_pct", percent)


@register.filter(name="number")
def number(value, places=None) -> str:
    return formats.format_number(value, None if places in (None, "") else int(places))


@register.filter(name="localdt")
def localdt(value) -> str:
    return formats.format_datetime(value)


@register.filter(name="nldate")
def nldate(value) -> str:
    return formats.format_date(value)
