"""Reporting periods from a frequency: pure date arithmetic, no database."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

MONTHS_PER_PERIOD = {"quarterly": 3, "half_yearly": 6, "yearly": 12}


@dataclass(frozen=True)
class PeriodSpan:
    label: str
    year: int
    start: datetime.date
    end: datetime.date
    due_date: datetime.date


def _month_end(year: int, month: int) -> datetime.date:
    if month == 12:
        return datetime.date(year, 12, 31)
    return datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)


def _label(year: int, first_month: int, frequency: str) -> str:
    if frequency == "quarterly":
        return f"{year}-Q{(first_month - 1) // 3 + 1}"
    if frequency == "half_yearly":
        return f"{year}-H{(first_month - 1) // 6 + 1}"
    return str(year)


def period_spans(
    *, frequency: str, start: datetime.date, end: datetime.date, due_days: int
) -> list[PeriodSpan]:
    """Calendar periods (quarters, halves, years) that overlap [start, end], each with its due date.

    A period is the whole calendar period even when `start` falls inside it: 2026-Q3 is 1 July – 30 September.
    """
    months = MONTHS_PER_PERIOD[frequency]
    first_month = ((start.month - 1) // months) * months + 1
    year = start.year
    spans = []
    while datetime.date(year, first_month, 1) <= end:
        last_month = first_month + months - 1
        period_end = _month_end(year, last_month)
        spans.append(
            PeriodSpan(
                label=_label(year, first_month, frequency),
                year=year,
                start=datetime.date(year, first_month, 1),
                end=period_end,
                due_date=period_end + datetime.timedelta(days=due_days),
            )
        )
        first_month += months
        if first_month > 12:
            first_month -= 12
            year += 1
    return spans


def previous_label(label: str) -> str:
    """The label of the period before: 2026-Q1 → 2025-Q4, 2026-H1 → 2025-H2, 2026 → 2025."""
    if "-Q" in label:
        year, q = label.split("-Q")
        return f"{int(year) - 1}-Q4" if q == "1" else f"{year}-Q{int(q) - 1}"
    if "-H" in label:
        year, h = label.split("-H")
        return f"{int(year) - 1}-H2" if h == "1" else f"{year}-H1"
    return str(int(label) - 1)
