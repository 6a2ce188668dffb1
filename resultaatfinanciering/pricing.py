"""Price one verified result in resultaatfinanciering (outcomes-based financing).

When an impact enterprise helps someone from bijstand into lasting work, the municipality saves the
benefit and the cost of running the case; it pays the enterprise a share of that net saving per
verified result, split over milestones. A price is public money paid out, so it must be explainable
and reproducible: arithmetic is exact, every amount is rounded to the cent exactly once (half up) at
the step where it is stated, and each result carries its inputs and ``PRICING_VERSION`` so that
``recompute`` gives the same cents years later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from core.money import to_cents

__all__ = ["PRICING_VERSION", "OutcomePrice", "PricingError", "price_outcome", "recompute"]

PRICING_VERSION = "2026.1"

_RATES = ("benefit_reduction", "deadweight", "displacement", "savings_share")
_AMOUNTS = ("monthly_benefit", "execution_cost_per_year")
_INPUT_NAMES = (
    "monthly_benefit",
    "months",
    "benefit_reduction",
    "execution_cost_per_year",
    "deadweight",
    "displacement",
    "savings_share",
    "milestone_shares",
)


class PricingError(ValueError):
    """An argument to the pricing rules is of the wrong type or out of range."""


@dataclass(frozen=True)
class OutcomePrice:
    """The price of one result, with every input it was computed from (all as strings)."""

    gross_saving: Decimal
    net_saving: Decimal
    price: Decimal
    milestone_prices: list[Decimal]
    inputs: dict[str, str | list[str]]

    def __post_init__(self) -> None:
        # Own copies, so the caller's list/dict cannot change a priced result afterwards.
        object.__setattr__(self, "milestone_prices", list(self.milestone_prices))
        object.__setattr__(
            self,
            "inputs",
            {
                key: list(value) if isinstance(value, list | tuple) else value
                for key, value in self.inputs.items()
            },
        )

    def __hash__(self) -> int:
        return hash((self.gross_saving, self.net_saving, self.price, tuple(self.milestone_prices)))


def _cents(value: Fraction) -> Decimal:
    """Round an exact amount to the cent, half away from zero (ROUND_HALF_UP), as a 2-place Decimal."""
    return to_cents(value)


def _number(name: str, value: object) -> Fraction:
    if isinstance(value, float):
        raise PricingError(
            f"{name} is a float ({value!r}); money and rates are never floats because binary floats "
            f"cannot hold cents exactly: pass a Decimal, e.g. Decimal({str(value)!r})"
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise PricingError(f"{name} must be a Decimal or int, got {type(value).__name__} ({value!r})")
    if isinstance(value, Decimal) and not value.is_finite():
        raise PricingError(f"{name} must be a finite number, got {value}")
    return Fraction(value)


def _amount(name: str, value: object) -> Fraction:
    number = _number(name, value)
    if number < 0:
        raise PricingError(f"{name} must not be negative, got {value}")
    return number


def _rate(name: str, value: object) -> Fraction:
    number = _number(name, value)
    if not 0 <= number <= 1:
        raise PricingError(f"{name} is a share and must be between 0 and 1, got {value}")
    return number


def price_outcome(
    *,
    monthly_benefit: Decimal | int,
    months: int,
    benefit_reduction: Decimal | int,
    execution_cost_per_year: Decimal | int,
    deadweight: Decimal | int,
    displacement: Decimal | int,
    savings_share: Decimal | int,
    milestone_shares: Sequence[Decimal | int],
) -> OutcomePrice:
    """Price one verified result as a share of the municipality's net saving.

    gross = monthly_benefit * months * benefit_reduction + execution_cost_per_year * months / 12
    net   = gross * (1 - deadweight) * (1 - displacement)
    price = net * savings_share
    Each is rounded once to the cent (half up) and the next step starts from the rounded amount.
    Every milestone but the last gets price * share, rounded; the last gets the remainder, so the
    milestones add up to the price exactly.
    """
    benefit = _amount("monthly_benefit", monthly_benefit)
    execution_cost = _amount("execution_cost_per_year", execution_cost_per_year)
    reduction = _rate("benefit_reduction", benefit_reduction)
    dead = _rate("deadweight", deadweight)
    displaced = _rate("displacement", displacement)
    share = _rate("savings_share", savings_share)
    if isinstance(months, bool) or not isinstance(months, int):
        raise PricingError(
            f"months must be a whole number of months (int), got {type(months).__name__} ({months!r})"
        )
    if months <= 0:
        raise PricingError(f"months must be at least 1, got {months}")
    if isinstance(milestone_shares, str | bytes) or not isinstance(milestone_shares, Sequence):
        raise PricingError(
            f"milestone_shares must be a list of Decimal shares, got {type(milestone_shares).__name__}"
        )
    if not milestone_shares:
        raise PricingError(
            "milestone_shares must not be empty: give at least one milestone, e.g. [Decimal('1')]"
        )
    shares = [_rate(f"milestone_shares[{i}]", value) for i, value in enumerate(milestone_shares)]
    if sum(shares) != 1:
        written = " + ".join(str(value) for value in milestone_shares)
        total = sum(Decimal(value) for value in milestone_shares)
        raise PricingError(f"milestone_shares must add up to exactly 1, but {written} = {total}")

    gross = _cents(benefit * months * reduction + execution_cost * months / 12)
    net = _cents(Fraction(gross) * (1 - dead) * (1 - displaced))
    price = _cents(Fraction(net) * share)

    milestone_prices = [_cents(Fraction(price) * s) for s in shares[:-1]]
    last = _cents(Fraction(price) - sum(Fraction(amount) for amount in milestone_prices))
    if last < 0:
        raise PricingError(
            f"milestone_shares {[str(s) for s in milestone_shares]} cannot split a price of {price}: "
            f"rounding the earlier milestones to the cent leaves {last} for the last one; "
            "give the last milestone a larger share"
        )
    milestone_prices.append(last)

    inputs: dict[str, str | list[str]] = {
        "version": PRICING_VERSION,
        "monthly_benefit": str(monthly_benefit),
        "months": str(months),
        "benefit_reduction": str(benefit_reduction),
        "execution_cost_per_year": str(execution_cost_per_year),
        "deadweight": str(deadweight),
        "displacement": str(displacement),
        "savings_share": str(savings_share),
        "milestone_shares": [str(value) for value in milestone_shares],
    }
    return OutcomePrice(
        gross_saving=gross,
        net_saving=net,
        price=price,
        milestone_prices=milestone_prices,
        inputs=inputs,
    )


def _parse_decimal(name: str, text: object) -> Decimal:
    if not isinstance(text, str):
        raise PricingError(f"stored input {name} must be a string, got {type(text).__name__} ({text!r})")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise PricingError(f"stored input {name} is not a number: {text!r}") from None


def recompute(inputs: Mapping[str, object]) -> OutcomePrice:
    """Rebuild an ``OutcomePrice`` from its stored ``inputs``; refuses inputs of another pricing version."""
    if not isinstance(inputs, Mapping):
        raise PricingError(
            f"inputs must be the dict stored from OutcomePrice.inputs, got {type(inputs).__name__}"
        )
    if "version" not in inputs:
        raise PricingError("inputs have no 'version', so it is unknown which pricing rules produced them")
    if inputs["version"] != PRICING_VERSION:
        raise PricingError(
            f"inputs were priced with unknown pricing version {inputs['version']!r}; this code implements "
            f"version {PRICING_VERSION!r} and cannot reproduce other versions to the cent"
        )
    missing = [name for name in _INPUT_NAMES if name not in inputs]
    unexpected = sorted(set(inputs) - set(_INPUT_NAMES) - {"version"})
    if missing or unexpected:
        raise PricingError(
            f"inputs do not match version {PRICING_VERSION}: missing {missing}, unexpected {unexpected}"
        )

    months_text = inputs["months"]
    if not isinstance(months_text, str) or not months_text.isascii() or not months_text.isdigit():
        raise PricingError(f"stored input months must be a whole number as a string, got {months_text!r}")
    stored_shares = inputs["milestone_shares"]
    if not isinstance(stored_shares, list | tuple):
        raise PricingError(f"stored input milestone_shares must be a list of strings, got {stored_shares!r}")

    return price_outcome(
        months=int(months_text),
        milestone_shares=[
            _parse_decimal(f"milestone_shares[{i}]", text) for i, text in enumerate(stored_shares)
        ],
        **{name: _parse_decimal(name, inputs[name]) for name in _AMOUNTS + _RATES},
    )
