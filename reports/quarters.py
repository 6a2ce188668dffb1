"""Calendar quarters as the reports use them ("2026-Q3"): bounds, labels, the quarters of a period."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from core.errors import ApplicationError


def quarter_bounds(quarter: str) -> tuple[datetime.date, datetime.date]:
    """'2026-Q3' → (2026-07-01, 2026-09-30); a clear Dutch refusal for anything else."""
    from .capital import parse_quarter

    try:
        return parse_quarter(quarter)
    except (ValueError, TypeError):
        raise ApplicationError(
            _("Kwartaal: geef een kwartaal als 2026-Q3 (jaar, streepje, Q en 1 tot en met 4)."),
            field="quarter",
        ) from None


def quarter_of(day: datetime.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


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
