"""Repayment schedules: the pure functions live in ``core.schedules`` (issue 17).

They moved to core so that ``fund.stateaid`` (de minimis state aid, fund → core only) can take a loan's own
schedule. Everything that imported ``portfolio.schedules`` keeps working through this re-export.
"""

from core.schedules import (
    DAY_COUNTS,
    FREQUENCIES,
    METHODS,
    ScheduleError,
    ScheduleRow,
    build_schedule,
    year_fraction,
)

__all__ = [
    "DAY_COUNTS",
    "FREQUENCIES",
    "METHODS",
    "ScheduleError",
    "ScheduleRow",
    "build_schedule",
    "year_fraction",
]
