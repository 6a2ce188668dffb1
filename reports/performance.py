"""Performance figures for investors and funds: XIRR and the ILPA multiples (TVPI, DPI, RVPI).

``xirr`` is computed as Excel's XIRR: the rate r for which the sum of ``amount / (1 + r) ** (days / 365)``
is zero, with ``days`` the actual number of days since the first flow.

The solver is **pyxirr** (a Rust implementation of Excel's XIRR, act/365; a runtime dependency since the
issue allows it): it is about a hundred times faster than solving in Decimal, which matters for a batch of
hundreds of investors. Around it this module keeps its own contract: the flows are checked and summed per
date in Decimal first (a clear ``ValueError`` without a sign change, floats refused as amounts), and a rate
pyxirr returns is only accepted when the net present value at it is (relatively) zero — checked again with
pyxirr's ``xnpv``. When pyxirr finds no rate (it returns ``None``, NaN or an infinite rate), the Decimal
solver of this module takes over: Newton's method from Excel's guess of 10 %, then a bisection over a bracket
found on a grid of rates from -99.9999999999 % to 10^6 %, both stopping on a rate step of at most 1e-18. When
that finds no root either — a flow pattern without an IRR, or the iteration limit is reached — the result is
``None``, never an approximate number. The rate is returned as a Decimal rounded half up to 9 decimals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from itertools import pairwise

import pyxirr

from core.money import round_to, to_decimal

__all__ = ["Multiples", "multiples", "xirr"]

_DAYS_PER_YEAR = Decimal(365)
_PRECISION = 40
_STEP_TOLERANCE = Decimal("1e-18")
# The net present value at a returned rate, relative to the sum of the absolute discounted flows.
_NPV_TOLERANCE = Decimal("1e-9")
# pyxirr's rate is accepted when the NPV changes sign within this distance of it (the 9th decimal).
_BRACKET = 1e-9
_GUESS = Decimal("0.1")  # Excel's default guess
_MAX_ITERATIONS = 200
# Rates from 10^15 (10^17 %) on are not returned (None): 9 decimals of them would exceed the precision.
_MAX_RATE_DIGITS = 15
# Where to look for a sign change of the net present value when Newton's method fails (rates > -100 %).
_GRID = [
    Decimal(s)
    for s in (
        "-0.999999999999",
        "-0.999999999",
        "-0.999999",
        "-0.9999",
        "-0.999",
        "-0.99",
        "-0.95",
        "-0.9",
        "-0.8",
        "-0.7",
        "-0.6",
        "-0.5",
        "-0.4",
        "-0.3",
        "-0.2",
        "-0.1",
        "0",
        "0.1",
        "0.2",
        "0.3",
        "0.5",
        "0.75",
        "1",
        "1.5",
        "2",
        "3",
        "5",
        "10",
        "20",
        "50",
        "100",
        "1000",
        "10000",
    )
]
_ONE = Decimal(1)


def _dated(flows: Iterable[tuple[date, object]]) -> list[tuple[date, Decimal]]:
    """(date, summed amount) per date with a non-zero sum, in date order; refuses what has no IRR."""
    by_date: dict[date, Decimal] = {}
    for when, amount in flows:
        if type(when) is not date and not isinstance(when, date):
            raise TypeError(f"expected a date, got {type(when).__name__}")
        if type(amount) is not Decimal:
            amount = to_decimal(amount)
        by_date[when] = by_date[when] + amount if when in by_date else amount
    dated = sorted(item for item in by_date.items() if item[1])
    if len(dated) < 2:
        raise ValueError("Voor een IRR zijn minstens twee kasstromen op verschillende datums nodig.")
    signs = {amount > 0 for _, amount in dated}
    if len(signs) < 2:
        raise ValueError(
            "Voor een IRR zijn zowel een negatieve (inleg) als een positieve kasstroom (uitkering of "
            "waarde) nodig."
        )
    return dated


def _years(dated: list[tuple[date, Decimal]]) -> list[tuple[Decimal, Decimal]]:
    """(years since the first date, amount) for the Decimal solver."""
    first = dated[0][0]
    return [(Decimal((when - first).days) / _DAYS_PER_YEAR, amount) for when, amount in dated]


def _pyxirr_rate(dated: list[tuple[date, Decimal]]) -> Decimal | None:
    """pyxirr's rate for the flows, as a Decimal, when a root of the net present value provably lies within
    1e-9 of it (the NPV changes sign across that interval, evaluated by pyxirr's ``xnpv``); else None, and
    the Decimal solver decides."""
    dates = [when for when, _ in dated]
    amounts = [float(amount) for _, amount in dated]
    try:
        rate = pyxirr.xirr(dates, amounts)
        if rate is None or not math.isfinite(rate) or rate <= -1 + 2 * _BRACKET:
            return None
        below = pyxirr.xnpv(rate - _BRACKET, dates, amounts)
        above = pyxirr.xnpv(rate + _BRACKET, dates, amounts)
    except (pyxirr.InvalidPaymentsError, ArithmeticError, ValueError):
        return None
    if below is None or above is None or not (math.isfinite(below) and math.isfinite(above)):
        return None
    if (below < 0) == (above < 0) and below != 0 and above != 0:
        return None  # no sign change: not shown to be a root
    return Decimal(repr(rate))


def _npv(flows, rate: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """Net present value at ``rate``, its derivative to the rate, and the sum of |discounted flows|."""
    log_base = (_ONE + rate).ln()
    value = derivative = scale = Decimal(0)
    for years, amount in flows:
        discounted = amount * (-years * log_base).exp()
        value += discounted
        derivative -= years * discounted
        scale += abs(discounted)
    return value, derivative / (_ONE + rate), scale


def _is_root(flows, rate: Decimal) -> bool:
    value, _, scale = _npv(flows, rate)
    return abs(value) <= _NPV_TOLERANCE * scale


def _newton(flows, max_iterations: int) -> Decimal | None:
    rate = _GUESS
    for _ in range(max_iterations):
        value, derivative, _ = _npv(flows, rate)
        if derivative == 0:
            return None
        step = value / derivative
        rate -= step
        if rate <= -_ONE:
            return None
        if abs(step) <= _STEP_TOLERANCE:
            return rate
    return None


def _bisect(flows, max_iterations: int) -> Decimal | None:
    values = [(rate, _npv(flows, rate)[0]) for rate in _GRID]
    brackets = [
        (lo, lo_value, hi)
        for (lo, lo_value), (hi, hi_value) in pairwise(values)
        if lo_value == 0 or (lo_value < 0) != (hi_value < 0)
    ]
    if not brackets:
        return None
    # With several roots, take the one nearest Excel's guess (as Newton from it usually would).
    lo, lo_value, hi = min(brackets, key=lambda b: min(abs(b[0] - _GUESS), abs(b[2] - _GUESS)))
    if lo_value == 0:
        return lo
    for _ in range(max_iterations):
        mid = (lo + hi) / 2
        mid_value = _npv(flows, mid)[0]
        if mid_value == 0:
            return mid
        if (mid_value < 0) == (lo_value < 0):
            lo, lo_value = mid, mid_value
        else:
            hi = mid
        if hi - lo <= _STEP_TOLERANCE:
            return (lo + hi) / 2
    return None


def xirr(flows: Iterable[tuple[date, object]], *, max_iterations: int = _MAX_ITERATIONS) -> Decimal | None:
    """The annual internal rate of return of dated cash flows, as Excel's XIRR (actual days / 365).

    ``flows`` are (date, amount) pairs in any order; amounts are Decimal, int, str or Money (never float),
    negative for money in (contributions), positive for money out (distributions, ending value). Flows on
    the same date are summed. Returns a Decimal fraction rounded half up to 9 decimals (0.1 = 10 %; rates
    down to just above -100 % are possible), or ``None`` when no rate is found — for example when the
    flows have no IRR at all; ``max_iterations`` bounds Newton's method and the bisection of the Decimal
    fallback each — or when the rate is 10^15 or more (not representable to 9 decimals) or would round to
    -1,000000000 (-100 %, a total loss has no rate); neither occurs in practice.
    Raises ``ValueError`` when there are fewer than two dates with a non-zero flow or no sign change.
    """
    dated = _dated(flows)
    rate = _pyxirr_rate(dated)
    if rate is not None and rate.adjusted() < _MAX_RATE_DIGITS:
        rounded = round_to(rate, 9)
        return rounded if rounded > -_ONE else None
    normalised = _years(dated)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        for solve in (_newton, _bisect):
            rate = solve(normalised, max_iterations)
            if rate is None or rate <= -_ONE or rate.adjusted() >= _MAX_RATE_DIGITS:
                continue
            if _is_root(normalised, rate):
                rounded = round_to(+rate, 9)
                return rounded if rounded > -_ONE else None
    return None


@dataclass(frozen=True)
class Multiples:
    """ILPA multiples, each a Decimal rounded half up to two decimals, or ``None`` when nothing was paid in.

    TVPI = (distributed + NAV) / paid-in, DPI = distributed / paid-in, RVPI = NAV / paid-in. Each is
    rounded on its own, so TVPI may differ from DPI + RVPI by 0,01.
    """

    tvpi: Decimal | None
    dpi: Decimal | None
    rvpi: Decimal | None


def multiples(*, paid_in, distributed, nav) -> Multiples:
    """TVPI, DPI and RVPI from paid-in capital, cumulative distributions and NAV (Money or Decimal).

    With paid-in capital 0 (no capital called yet) the multiples are undefined: all three are ``None``,
    so a page shows "—" rather than a made-up 0,00. Negative paid-in capital is refused (``ValueError``).
    """
    paid_in, distributed, nav = to_decimal(paid_in), to_decimal(distributed), to_decimal(nav)
    if paid_in < 0:
        raise ValueError("Gestort kapitaal kan niet negatief zijn.")
    if paid_in == 0:
        return Multiples(tvpi=None, dpi=None, rvpi=None)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return Multiples(
            tvpi=round_to((distributed + nav) / paid_in, 2),
            dpi=round_to(distributed / paid_in, 2),
            rvpi=round_to(nav / paid_in, 2),
        )
