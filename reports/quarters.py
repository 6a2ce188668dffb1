"""Calendar quarters as the reports use them ("2026-Q3"): bounds, labels, the quarters of a period."""

from __future__ import annotations

import datetime

from .capital import parse_quarter as quarter_bounds
from .capital import quarter_label as quarter_of

__all__ = [
    "last_full_quarter",
    "normalise_quarter",
    "previous_quarter",
    "quarter_bounds",
    "quarter_of",
    "quarters_through",
]


def normalise_quarter(quarter: str) -> str:
    """The quarter as stored ("2026q3" → "2026-Q3"); a clear refusal for anything that is not a quarter."""
    return quarter_of(quarter_bounds(quarter)[0])


def previous_quarter(quarter: str) -> str:
    start, _end = quarter_bounds(quarter)
    return quarter_of(start - datetime.timedelta(days=1))


def last_full_quarter(today: datetime.date) -> str:
    """The last quarter that has ended before ``today``."""
    return previous_quarter(quarter_of(today))


def quarters_through(*, first: datetime.date, quarter: str) -> list[str]:
    """Every quarter from the one holding ``first`` up to and including ``quarter``, oldest first."""
    out = [quarter]
    while quarter_bounds(out[-1])[0] > first:
        out.append(previous_quarter(out[-1]))
    return out[::-1]
