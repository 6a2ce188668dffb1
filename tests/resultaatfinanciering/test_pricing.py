"""Tests for the resultaatfinanciering price of one verified result (no database)."""

import json
from decimal import ROUND_HALF_UP, Decimal, localcontext
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resultaatfinanciering.pricing import (
    PRICING_VERSION,
    OutcomePrice,
    PricingError,
    price_outcome,
    recompute,
)

D = Decimal

CONTRACT = {
    "monthly_benefit": D("1369.06"),
    "months": 12,
    "benefit_reduction": D("1.00"),
    "execution_cost_per_year": D("2883.00"),
    "deadweight": D("0.25"),
    "displacement": D("0.00"),
    "savings_share": D("0.50"),
    "milestone_shares": [D("0.30"), D("0.70")],
}


def _amounts(p: OutcomePrice) -> list[Decimal]:
    return [p.gross_saving, p.net_saving, p.price, *p.milestone_prices]


def test_contract_example():
    p = price_outcome(**CONTRACT)
    # 1369.06 * 12 * 1.00 + 2883.00 * 12/12 = 16428.72 + 2883.00
    assert p.gross_saving == D("19311.72")
    # 19311.72 * 0.75 * 1.00 = 14483.79 (exact)
    assert p.net_saving == D("14483.79")
    # 14483.79 * 0.50 = 7241.895 -> 7241.90
    assert p.price == D("7241.90")
    # 7241.90 * 0.30 = 2172.57; last = 7241.90 - 2172.57
    assert p.milestone_prices == [D("2172.57"), D("5069.33")]
    assert isinstance(p.milestone_prices, list)
    assert p.inputs == {
        "version": PRICING_VERSION,
        "monthly_benefit": "1369.06",
        "months": "12",
        "benefit_reduction": "1.00",
        "execution_cost_per_year": "2883.00",
        "deadweight": "0.25",
        "displacement": "0.00",
        "savings_share": "0.50",
        "milestone_shares": ["0.30", "0.70"],
    }
    assert PRICING_VERSION == "2026.1"


def test_part_time_reduction_over_six_months():
    p = price_outcome(**{**CONTRACT, "months": 6, "benefit_reduction": D("0.50")})
    # benefit: 1369.06 * 6 = 8214.36, * 0.50 = 4107.18
    # execution cost: 2883.00 * 6/12 = 1441.50
    assert p.gross_saving == D("5548.68")  # 4107.18 + 1441.50
    assert p.net_saving == D("4161.51")  # 5548.68 * 0.75 = 4161.51 (exact)
    assert p.price == D("2080.76")  # 4161.51 * 0.50 = 2080.755 -> 2080.76
    # 2080.76 * 0.30 = 624.228 -> 624.23; last 2080.76 - 624.23 = 1456.53
    assert p.milestone_prices == [D("624.23"), D("1456.53")]


def test_displacement_24_months_three_milestones_last_takes_remainder():
    p = price_outcome(
        **{
            **CONTRACT,
            "months": 24,
            "displacement": D("0.10"),
            "savings_share": D("0.40"),
            "milestone_shares": [D("0.20"), D("0.30"), D("0.50")],
        }
    )
    # benefit: 1369.06 * 24 = 32857.44; execution cost: 2883.00 * 24/12 = 5766.00
    assert p.gross_saving == D("38623.44")
    # 38623.44 * 0.75 * 0.90 = 38623.44 * 0.675 = 26070.822 -> 26070.82
    assert p.net_saving == D("26070.82")
    # 26070.82 * 0.40 = 10428.328 -> 10428.33
    assert p.price == D("10428.33")
    # 10428.33 * 0.20 = 2085.666 -> 2085.67; * 0.30 = 3128.499 -> 3128.50
    # last = 10428.33 - 2085.67 - 3128.50 = 5214.16, whereas 10428.33 * 0.50 = 5214.165 would round to 5214.17
    assert p.milestone_prices == [D("2085.67"), D("3128.50"), D("5214.16")]
    assert sum(p.milestone_prices) == p.price


def test_half_up_at_every_step_and_net_from_rounded_gross_without_execution_cost():
    p = price_outcome(
        monthly_benefit=D("1000.01"),
        months=1,
        benefit_reduction=D("0.50"),
        execution_cost_per_year=D("0"),
        deadweight=D("0.10"),
        displacement=D("0"),
        savings_share=D("0.50"),
        milestone_shares=[D("1")],
    )
    # 1000.01 * 1 * 0.50 = 500.005 -> 500.01 half up (half-even would give 500.00)
    assert p.gross_saving == D("500.01")
    # from the ROUNDED gross: 500.01 * 0.90 = 450.009 -> 450.01
    # (from the unrounded 500.005 it would be 450.0045 -> 450.00)
    assert p.net_saving == D("450.01")
    # 450.01 * 0.50 = 225.005 -> 225.01 half up (half-even would give 225.00)
    assert p.price == D("225.01")
    assert p.milestone_prices == [D("225.01")]


def test_gross_is_rounded_once_not_per_term():
    p = price_outcome(
        monthly_benefit=D("1000.01"),
        months=1,
        benefit_reduction=D("0.50"),
        execution_cost_per_year=D("2883.08"),
        deadweight=D("0"),
        displacement=D("0"),
        savings_share=D("1"),
        milestone_shares=[D("1")],
    )
    # 500.005 + 2883.08 / 12 (= 240.25666...) = 740.26166... -> 740.26
    # (rounding each term first would give 500.01 + 240.26 = 740.27)
    assert p.gross_saving == D("740.26")
    assert p.net_saving == D("740.26")
    assert p.price == D("740.26")
    assert p.milestone_prices == [D("740.26")]


def test_int_inputs_give_two_decimal_amounts():
    p = price_outcome(
        monthly_benefit=1000,
        months=3,
        benefit_reduction=1,
        execution_cost_per_year=1200,
        deadweight=0,
        displacement=0,
        savings_share=1,
        milestone_shares=[D("0.5"), D("0.5")],
    )
    # 1000 * 3 * 1 + 1200 * 3/12 = 3000 + 300 = 3300.00; halves of 3300.00 = 1650.00
    assert _amounts(p) == [D("3300.00"), D("3300.00"), D("3300.00"), D("1650.00"), D("1650.00")]
    assert all(a.as_tuple().exponent == -2 for a in _amounts(p))
    assert p.inputs["monthly_benefit"] == "1000"
    assert recompute(p.inputs) == p


def test_full_deadweight_prices_zero():
    p = price_outcome(**{**CONTRACT, "deadweight": D("1")})
    assert p.gross_saving == D("19311.72")
    assert _amounts(p)[1:] == [D("0.00")] * 4
    assert all(a.as_tuple().exponent == -2 for a in _amounts(p))


def _tiny(monthly: Decimal) -> dict:
    """Inputs whose price equals monthly (one month, no cost, no deadweight, whole saving paid)."""
    return {
        "monthly_benefit": monthly,
        "months": 1,
        "benefit_reduction": D("1"),
        "execution_cost_per_year": D("0"),
        "deadweight": D("0"),
        "displacement": D("0"),
        "savings_share": D("1"),
        "milestone_shares": [D("1")],
    }


def test_zero_share_milestone_gets_nothing():
    # price 0.04; shares 0.5 / 0.5 / 0: 0.04 * 0.5 = 0.02 twice, remainder 0.04 - 0.04 = 0.00
    p = price_outcome(**{**_tiny(D("0.04")), "milestone_shares": [D("0.5"), D("0.5"), D("0")]})
    assert p.price == D("0.04")
    assert p.milestone_prices == [D("0.02"), D("0.02"), D("0.00")]


@pytest.mark.parametrize(
    ("price", "shares"),
    [
        # 0.02 * 0.25 = 0.005 -> 0.01, three times = 0.03 > 0.02: the last would get -0.01
        (D("0.02"), [D("0.25")] * 4),
        # 0.03 * 0.5 = 0.015 -> 0.02, twice = 0.04 > 0.03: a zero last share would get -0.01
        (D("0.03"), [D("0.5"), D("0.5"), D("0")]),
    ],
)
def test_milestones_that_would_leave_a_negative_last_are_refused(price, shares):
    with pytest.raises(PricingError, match="milestone_shares"):
        price_outcome(**{**_tiny(price), "milestone_shares": shares})


BAD_ARGUMENTS = [
    ("monthly_benefit", 1369.06),
    ("monthly_benefit", D("-0.01")),
    ("monthly_benefit", -1),
    ("monthly_benefit", "1369.06"),
    ("monthly_benefit", None),
    ("monthly_benefit", True),
    ("monthly_benefit", D("NaN")),
    ("monthly_benefit", D("Infinity")),
    ("execution_cost_per_year", 2883.0),
    ("execution_cost_per_year", D("-2883.00")),
    ("months", 0),
    ("months", -12),
    ("months", 12.0),
    ("months", D("12")),
    ("months", "12"),
    ("months", True),
    ("benefit_reduction", 0.5),
    ("benefit_reduction", D("1.01")),
    ("benefit_reduction", D("-0.50")),
    ("deadweight", 0.25),
    ("deadweight", D("1.5")),
    ("deadweight", D("-0.01")),
    ("displacement", 0.1),
    ("displacement", D("1.01")),
    ("displacement", -1),
    ("savings_share", 0.5),
    ("savings_share", 2),
    ("savings_share", D("-0.5")),
    ("milestone_shares", []),
    ("milestone_shares", ()),
    ("milestone_shares", None),
    ("milestone_shares", "0.3,0.7"),
    ("milestone_shares", D("1")),
    ("milestone_shares", [0.3, 0.7]),
    ("milestone_shares", [D("0.30"), 0.7]),
    ("milestone_shares", [D("0.30"), "0.70"]),
    ("milestone_shares", [D("0.30"), D("0.60")]),
    ("milestone_shares", [D("0.30"), D("0.80")]),
    ("milestone_shares", [D("1.20"), D("-0.20")]),
    ("milestone_shares", [D("0.3333"), D("0.3333"), D("0.3333")]),
    ("milestone_shares", [D("1.01")]),
    ("milestone_shares", [D("NaN")]),
]


@pytest.mark.parametrize(("name", "value"), BAD_ARGUMENTS)
def test_bad_argument_is_refused_naming_it(name, value):
    with pytest.raises(PricingError) as excinfo:
        price_outcome(**{**CONTRACT, name: value})
    assert name in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


def test_float_message_explains_and_suggests_decimal():
    with pytest.raises(PricingError, match=r"monthly_benefit is a float .*Decimal\('1369.06'\)"):
        price_outcome(**{**CONTRACT, "monthly_benefit": 1369.06})


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        price_outcome(*CONTRACT.values())  # type: ignore[misc]


def test_result_is_frozen_hashable_and_owns_its_lists():
    shares = [D("0.30"), D("0.70")]
    p = price_outcome(**{**CONTRACT, "milestone_shares": shares})
    shares.append(D("0"))
    assert p.inputs["milestone_shares"] == ["0.30", "0.70"]
    with pytest.raises(AttributeError):
        p.price = D("0")  # type: ignore[misc]
    assert hash(p) == hash(recompute(p.inputs))


def test_recompute_gives_the_same_price():
    p = price_outcome(**CONTRACT)
    assert recompute(p.inputs) == p
    # as a priced claim would store it: JSON in the database
    assert recompute(json.loads(json.dumps(p.inputs))) == p


@pytest.mark.parametrize("version", ["2025.1", "2026.2", "", None, 2026.1])
def test_recompute_refuses_an_unknown_version(version):
    inputs = {**price_outcome(**CONTRACT).inputs, "version": version}
    with pytest.raises(PricingError, match="version"):
        recompute(inputs)


def test_recompute_refuses_inputs_without_version():
    inputs = dict(price_outcome(**CONTRACT).inputs)
    del inputs["version"]
    with pytest.raises(PricingError, match="version"):
        recompute(inputs)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"monthly_benefit": "abc"}, "monthly_benefit"),
        ({"monthly_benefit": 1369.06}, "monthly_benefit"),
        ({"months": "12.5"}, "months"),
        ({"months": 12}, "months"),
        ({"milestone_shares": "0.30,0.70"}, "milestone_shares"),
        ({"milestone_shares": ["0.30", "x"]}, "milestone_shares[1]"),
        ({"deadweight": "1.5"}, "deadweight"),
        ({"surprise": "1"}, "surprise"),
    ],
)
def test_recompute_refuses_damaged_inputs(change, named):
    inputs = {**price_outcome(**CONTRACT).inputs, **change}
    with pytest.raises(PricingError) as excinfo:
        recompute(inputs)
    assert named in str(excinfo.value)


def test_recompute_refuses_missing_inputs():
    inputs = dict(price_outcome(**CONTRACT).inputs)
    del inputs["deadweight"]
    with pytest.raises(PricingError, match="deadweight"):
        recompute(inputs)


# --- properties ---------------------------------------------------------------------------------


def _money(max_value: int):
    return st.decimals(min_value=0, max_value=max_value, places=2, allow_nan=False, allow_infinity=False)


def _rates():
    return st.decimals(min_value=0, max_value=1, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def _shares(draw):
    """1 to 5 shares with 4 decimals summing to exactly 1 (zero shares included)."""
    cuts = sorted(draw(st.lists(st.integers(min_value=0, max_value=10_000), max_size=4)))
    bounds = [0, *cuts, 10_000]
    return [D(high - low) / 10_000 for low, high in pairwise(bounds)]


valid_inputs = st.fixed_dictionaries(
    {
        "monthly_benefit": _money(5_000),
        "months": st.integers(min_value=1, max_value=60),
        "benefit_reduction": _rates(),
        "execution_cost_per_year": _money(10_000),
        "deadweight": _rates(),
        "displacement": _rates(),
        "savings_share": _rates(),
        "milestone_shares": _shares(),
    }
)


def _reference(inputs: dict) -> tuple[Decimal, Decimal, Decimal]:
    """Independent oracle: high-precision Decimal arithmetic, quantized half up at each stated amount."""
    cent = D("0.01")
    with localcontext() as ctx:
        ctx.prec = 80
        gross = (
            inputs["monthly_benefit"] * inputs["months"] * inputs["benefit_reduction"]
            + inputs["execution_cost_per_year"] * inputs["months"] / 12
        ).quantize(cent, ROUND_HALF_UP)
        net = (gross * (1 - inputs["deadweight"]) * (1 - inputs["displacement"])).quantize(
            cent, ROUND_HALF_UP
        )
        price = (net * inputs["savings_share"]).quantize(cent, ROUND_HALF_UP)
    return gross, net, price


@settings(database=None, deadline=None, max_examples=300)
@given(valid_inputs)
def test_property_milestones_add_up_and_amounts_are_cents(inputs):
    try:
        p = price_outcome(**inputs)
    except PricingError as error:
        # The only refusal of valid-looking inputs: a price too small for the split (only a few cents).
        assert "milestone_shares" in str(error)
        _, _, price = _reference(inputs)
        earlier = [(price * s).quantize(D("0.01"), ROUND_HALF_UP) for s in inputs["milestone_shares"][:-1]]
        assert sum(earlier) > price
        return
    assert sum(p.milestone_prices) == p.price
    assert all(a.as_tuple().exponent == -2 for a in _amounts(p))
    assert all(m >= 0 for m in p.milestone_prices)
    assert D("0") <= p.price <= p.net_saving <= p.gross_saving
    assert (p.gross_saving, p.net_saving, p.price) == _reference(inputs)
    assert len(p.milestone_prices) == len(inputs["milestone_shares"])
    for amount, share in zip(p.milestone_prices[:-1], inputs["milestone_shares"][:-1], strict=True):
        assert amount == (p.price * share).quantize(D("0.01"), ROUND_HALF_UP)
    assert recompute(json.loads(json.dumps(p.inputs))) == p
