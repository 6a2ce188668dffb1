"""The one rounding rule of the project: half up, explicit, in one place.

Every rounding in the code base goes through this module (a test fails on a bare ``.quantize(`` elsewhere).
django-money's role: ``Money`` is what a user or the API sees (form fields, model fields shown on pages,
serializers); inside calculations and the ledger amounts are ``Decimal`` euros rounded to cents with
``to_cents``. ``to_money`` / ``amount_of`` cross that border.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

__all__ = [
    "CENT",
    "CURRENCY",
    "amount_of",
    "is_whole_cents",
    "round_to",
    "split",
    "to_cents",
    "to_decimal",
    "to_money",
]

CENT = Decimal("0.01")
CURRENCY = "EUR"


def _is_money(value) -> bool:
    # Duck-typed so this module needs neither djmoney nor Django settings (schedules run without them).
    return hasattr(value, "amount") and hasattr(value, "currency")


def to_decimal(value) -> Decimal:
    """A Decimal from a Decimal, int, str, Money or Fraction; never through float."""
    if type(value) is Decimal:
        return value
    if _is_money(value):
        return value.amount
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    if isinstance(value, float):
        raise TypeError("floats are not accepted for amounts; pass a Decimal or a string")
    raise TypeError(f"cannot make a Decimal of {type(value).__name__}")


_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(13)}


def round_to(value, places: int | Decimal = 2) -> Decimal:
    """Round half up to ``places`` decimals (an int) or to a quantum such as Decimal("0.001")."""
    if type(value) is Decimal and type(places) is int and places in _QUANTA:  # the hot path (schedules)
        result = value.quantize(_QUANTA[places], rounding=ROUND_HALF_UP)
        return result if result else abs(result)
    quantum = places if isinstance(places, Decimal) else Decimal(1).scaleb(-places)
    if isinstance(value, Fraction):
        # Exact: round the fraction itself, not a 28-digit Decimal approximation of it.
        scaled = value / Fraction(quantum)
        whole, rest = divmod(abs(scaled.numerator), scaled.denominator)
        if 2 * rest >= scaled.denominator:
            whole += 1
        return (Decimal(whole if scaled >= 0 else -whole) * quantum).quantize(quantum)
    result = to_decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    return result if result != 0 else abs(result)  # never "-0,00"


def to_cents(value) -> Decimal:
    """Round to whole euro cents, half up: 0.355 → 0.36, -0.355 → -0.36."""
    if type(value) is Decimal:  # the hot path
        result = value.quantize(CENT, rounding=ROUND_HALF_UP)
        return result if result else abs(result)
    return round_to(value, 2)


def is_whole_cents(value) -> bool:
    amount = to_decimal(value)
    return amount == amount.quantize(CENT)


def to_money(value):
    """The amount a user sees: Money in euros, rounded to cents."""
    from djmoney.money import Money

    return Money(to_cents(value), CURRENCY)


def amount_of(value) -> Decimal:
    """The Decimal inside a Money (or the value itself), for calculations."""
    return to_decimal(value)


def split(amount, weights: Sequence) -> list[Decimal]:
    """Divide ``amount`` (in cents) over ``weights`` by largest remainder: the parts add up exactly.

    Each part first gets its share rounded down to a cent; the cents left over go, one each, to the parts
    with the largest remainders (ties to the earlier part). Zero weights get nothing. Negative amounts
    are split as their absolute value and negated, so a reversal splits as the mirror of the original.
    """
    total = to_cents(amount)
    weights = [to_decimal(w) for w in weights]
    if not weights:
        raise ValueError("split needs at least one weight")
    if any(w < 0 for w in weights):
        raise ValueError("weights may not be negative")
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        raise ValueError("weights add up to zero")
    sign = -1 if total < 0 else 1
    cents = int(abs(total) * 100)
    shares = [Fraction(cents) * Fraction(w) / Fraction(weight_sum) for w in weights]
    floors = [int(s) for s in shares]
    left = cents - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(sign * c).scaleb(-2) for c in floors]
