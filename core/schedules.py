"""Repayment schedules for fund loans: annuity, linear and bullet, with grace and day counts.

Money must be exact to the cent, so every amount is a ``Decimal`` rounded to two places with the
project's one rounding rule (``core.money.to_cents``, half up; floats are refused). Rounding differences
are never spread or dropped: the last instalment absorbs them, so the principals add up to the loan
exactly and the final balance is 0.00. Pure functions (no database), lean enough to be called thousands
of times in a batch.
"""

from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

from core.money import is_whole_cents, to_cents

__all__ = [
    "DAY_COUNTS",
    "FREQUENCIES",
    "METHODS",
    "ScheduleError",
    "ScheduleRow",
    "build_schedule",
    "year_fraction",
]

FREQUENCIES: dict[str, int] = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}
"""Frequency name -> months per period."""

METHODS: tuple[str, ...] = ("annuity", "linear", "bullet")
DAY_COUNTS: tuple[str, ...] = ("30E/360", "ACT/365", "ACT/ACT")

_ZERO = Decimal("0.00")
# Intermediate results are computed in a fixed context, independent of the caller's context;
# only the final cent rounding is half up (core.money.to_cents).
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ACT_ACT_BASIS = 365 * 366  # ACT/ACT numerators are expressed over 365 x 366
_LAST_MONTH_INDEX = date.max.year * 12 + 11


class ScheduleError(ValueError):
    """Invalid arguments for a repayment schedule; the message names the argument."""


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    payment: Decimal
    balance: Decimal


# The generated frozen __init__ costs over a microsecond per row (one object.__setattr__ per field);
# build_schedule fills the slots directly through their descriptors, which is what that __init__ does.
_ROW_SLOT_SETTERS = tuple(getattr(ScheduleRow, field.name).__set__ for field in fields(ScheduleRow))


# --- day counts -------------------------------------------------------------------------------
# Each day count is a numerator function plus a fixed denominator, so interest can be computed
# as balance x rate x numerator / denominator with a single division (no inexact 30/360 factor).


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _num_30e_360(start: date, end: date) -> int:
    # Eurobond basis: a day 31 becomes 30 for both dates; February's end is not adjusted.
    return (
        360 * (end.year - start.year) + 30 * (end.month - start.month) + min(end.day, 30) - min(start.day, 30)
    )


def _num_act_365(start: date, end: date) -> int:
    return (end - start).days


def _num_act_act(start: date, end: date) -> int:
    # ISDA: days in a leap year count 1/366, other days 1/365; over 365 x 366 that is 365 and 366.
    if end < start:
        return -_num_act_act(end, start)
    if start.year == end.year:
        return (end - start).days * (365 if _is_leap(start.year) else 366)
    numerator = 0
    cursor = start
    for year in range(start.year, end.year + 1):
        boundary = date(year + 1, 1, 1) if year < end.year else end
        numerator += (boundary - cursor).days * (365 if _is_leap(year) else 366)
        cursor = boundary
    return numerator


_NUMERATORS = {"30E/360": _num_30e_360, "ACT/365": _num_act_365, "ACT/ACT": _num_act_act}
_DENOMINATORS = {"30E/360": Decimal(360), "ACT/365": Decimal(365), "ACT/ACT": Decimal(_ACT_ACT_BASIS)}


def _check_choice(value: object, name: str, choices) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ScheduleError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def year_fraction(start: date, end: date, day_count: str) -> Decimal:
    """Year fraction between two dates under ``day_count`` (negative if ``end`` precedes ``start``)."""
    _check_choice(day_count, "day_count", DAY_COUNTS)
    with localcontext(_CONTEXT):
        return _NUMERATORS[day_count](start, end) / _DENOMINATORS[day_count]


# --- validation -------------------------------------------------------------------------------


def _decimal_arg(value: object, name: str) -> Decimal:
    if isinstance(value, float):
        raise ScheduleError(
            f"{name} must be a Decimal or int, not a float ({value!r}): money is never float; "
            f"pass Decimal({str(value)!r})"
        )
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ScheduleError(f"{name} must be a Decimal or int, got {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise ScheduleError(f"{name} must be a finite number, got {value}")
    return value


def _int_arg(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScheduleError(f"{name} must be an int (a number of months), got {value!r}")
    return value


def _validate(principal, annual_rate, start_date, term_months, frequency, method, day_count, grace_months):
    principal = _decimal_arg(principal, "principal")
    if principal <= 0:
        raise ScheduleError(f"principal must be positive, got {principal}")
    try:
        with localcontext(_CONTEXT):
            whole = is_whole_cents(principal)
            cents = to_cents(principal)
    except InvalidOperation:
        raise ScheduleError(f"principal is too large, got {principal}") from None
    if not whole:
        raise ScheduleError(f"principal must be a whole number of cents, got {principal}")

    annual_rate = _decimal_arg(annual_rate, "annual_rate")
    if annual_rate < 0:
        raise ScheduleError(f"annual_rate must not be negative, got {annual_rate}")

    if isinstance(start_date, datetime) or not isinstance(start_date, date):
        raise ScheduleError(f"start_date must be a datetime.date (not a datetime), got {start_date!r}")

    _check_choice(frequency, "frequency", FREQUENCIES)
    _check_choice(method, "method", METHODS)
    _check_choice(day_count, "day_count", DAY_COUNTS)
    period = FREQUENCIES[frequency]

    term_months = _int_arg(term_months, "term_months")
    if term_months <= 0:
        raise ScheduleError(f"term_months must be positive, got {term_months}")
    if term_months % period:
        raise ScheduleError(
            f"term_months must be a multiple of {period} months for {frequency} payments, got {term_months}"
        )
    if start_date.year * 12 + start_date.month - 1 + term_months > _LAST_MONTH_INDEX:
        raise ScheduleError(f"term_months {term_months} from start_date {start_date} runs past year 9999")

    grace_months = _int_arg(grace_months, "grace_months")
    if grace_months < 0:
        raise ScheduleError(f"grace_months must not be negative, got {grace_months}")
    if grace_months % period:
        raise ScheduleError(
            f"grace_months must be a multiple of {period} months for {frequency} payments, got {grace_months}"
        )
    if grace_months >= term_months:
        raise ScheduleError(
            f"grace_months must be shorter than term_months ({term_months}), got {grace_months}"
        )
    return cents, annual_rate, period


# --- schedule ---------------------------------------------------------------------------------


def build_schedule(
    *,
    principal: Decimal | int,
    annual_rate: Decimal | int,
    start_date: date,
    term_months: int,
    frequency: str,
    method: str,
    day_count: str,
    grace_months: int = 0,
) -> list[ScheduleRow]:
    """Return the repayment schedule, one row per due date; see the module docstring for the rules.

    Due dates fall every period after ``start_date`` on its day of month (clamped to the month's end).
    Interest is balance x annual_rate x year fraction, rounded to the cent. The first
    ``grace_months`` are interest-only; an annuity's payment is computed from the nominal periodic
    rate over the remaining periods. The last row repays whatever balance is left.
    """
    principal, rate, period = _validate(
        principal, annual_rate, start_date, term_months, frequency, method, day_count, grace_months
    )
    n_periods = term_months // period
    n_grace = grace_months // period
    n_amortising = n_periods - n_grace
    denominator = _DENOMINATORS[day_count]
    is_30e_360 = day_count == "30E/360"
    is_act_365 = day_count == "ACT/365"

    with localcontext(_CONTEXT):
        if method == "bullet":
            instalment = None
        elif method == "linear" or rate == 0:
            instalment = to_cents(principal / n_amortising)
        else:
            periodic = rate / (12 // period)
            instalment = to_cents(principal * periodic / (1 - (1 + periodic) ** -n_amortising))
        annuity = method == "annuity"

        # The loop is the hot path (the benchmark builds 600,000 rows): the day-count numerators are
        # computed inline (same rules as the _num_* functions) and rate x numerator is cached.
        rows = []
        append = rows.append
        new_row = object.__new__
        set_number, set_due_date, set_principal, set_interest, set_payment, set_balance = _ROW_SLOT_SETTERS
        factors: dict[int, Decimal] = {}
        balance = principal
        previous = start_date
        month_index = start_date.year * 12 + start_date.month - 1
        day = start_date.day
        due_day = day
        previous_day30 = min(day, 30)
        full_period_30 = 30 * period  # 30E/360 days of a period, before the day-31 adjustments
        for number in range(1, n_periods + 1):
            year, month0 = divmod(month_index + number * period, 12)
            if day > 28:
                last_day = 29 if month0 == 1 and _is_leap(year) else _MONTH_DAYS[month0]
                due_day = day if day <= last_day else last_day
            due = date(year, month0 + 1, due_day)

            if is_30e_360:
                day30 = due_day if due_day < 30 else 30
                numerator = full_period_30 + day30 - previous_day30
                previous_day30 = day30
            elif is_act_365:
                numerator = (due - previous).days
            elif year == previous.year:
                numerator = (due - previous).days * (365 if _is_leap(year) else 366)
            else:
                numerator = _num_act_act(previous, due)
            factor = factors.get(numerator)
            if factor is None:
                factor = factors[numerator] = rate * numerator
            interest = to_cents(balance * factor / denominator)

            if number == n_periods:
                repaid = balance
                payment = balance + interest
            elif number <= n_grace or instalment is None:
                repaid = _ZERO
                payment = interest
            elif annuity:
                repaid = instalment - interest
                payment = instalment
            else:
                repaid = instalment
                payment = instalment + interest
            balance -= repaid
            row = new_row(ScheduleRow)
            set_number(row, number)
            set_due_date(row, due)
            set_principal(row, repaid)
            set_interest(row, interest)
            set_payment(row, payment)
            set_balance(row, balance)
            append(row)
            previous = due
    return rows
