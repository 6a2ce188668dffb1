"""Calendar quarters ("2026-Q3"): the periods of fees, capital accounts and investor reports."""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext as _

from core.errors import ApplicationError

_QUARTER = re.compile(r"^\s*(\d{4})-?Q([1-4])\s*$", re.IGNORECASE)


def parse_quarter(quarter: str) -> tuple[datetime.date, datetime.date]:
    """ "2026-Q3" → (2026-07-01, 2026-09-30); anything else is refused with a clear Dutch message."""
    match = _QUARTER.match(quarter) if isinstance(quarter, str) else None
    if not match or not 1900 <= int(match.group(1)) <= 2999:
        raise ApplicationError(
            _("Ongeldig kwartaal %(value)s: schrijf het als jjjj-Qn, bijvoorbeeld 2026-Q3.")
            % {"value": quarter},
            code="invalid_quarter",
            field="quarter",
        )
    start = datetime.date(int(match.group(1)), 3 * int(match.group(2)) - 2, 1)
    return start, quarter_end(start)


def quarter_label(day: datetime.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(day: datetime.date) -> datetime.date:
    start = quarter_start(day)
    month = start.month + 2
    following = datetime.date(start.year + month // 12, month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def next_quarter(day: datetime.date) -> datetime.date:
    """The first day of the quarter after the one `day` is in."""
    return quarter_end(day) + datetime.timedelta(days=1)
