"""The yearly roll-up of quarterly reports per metric rule (issue 17), hand-checked on the `two` world of
test_aggregation: E1 reports Q1 and Q2, E2 only Q1 (its Q2 is submitted but not accepted)."""

from __future__ import annotations

from decimal import Decimal

from impactmeasurement.models import Metric
from impactmeasurement.rollup import yearly_rollup
from tests.impactmeasurement.test_aggregation import two  # noqa: F401 - the shared fixture

D = Decimal


def _rows(side):
    return {row["metric_code"]: row for row in yearly_rollup(fund=side.fund, year=2026)}


def _per_enterprise(row):
    return {e["enterprise"].organisation.name: e["value"] for e in row["enterprises"]}


def test_flows_are_summed_and_an_incomplete_year_says_so(two):  # noqa: F811
    side, e2 = two
    flow = _rows(side)["uitstroom-bijstand"]
    # E1: 10 + 12; E2: 8 (its corrected Q1; Q2 not accepted) → 30
    assert _per_enterprise(flow) == {side.enterprise.organisation.name: D("22"), e2.organisation.name: D("8")}
    assert flow["value"] == D("30")
    assert (flow["periods"], flow["expected"], flow["complete"]) == (3, 8, False)


def test_stocks_take_the_last_period_and_add_up_over_enterprises(two):  # noqa: F811
    side, _e2 = two
    stock = _rows(side)["totaal-fte"]
    assert stock["rule"] == "last" and stock["value"] == D("25")  # E1's Q2 20 + E2's Q1 5


def test_weighted_averages_weigh_every_period_by_its_own_weight(two):  # noqa: F811
    side, e2 = two
    weighted = _rows(side)["aandeel-afstand"]
    assert _per_enterprise(weighted)[side.enterprise.organisation.name] == D("50")
    assert _per_enterprise(weighted)[e2.organisation.name] == D("100")
    # (50 x 20 + 50 x 20 + 100 x 5) / (20 + 20 + 5); a plain mean of the enterprises would say 75
    assert weighted["value"] == D("2500") / D("45")


def test_averages_are_the_mean_of_the_enterprises_yearly_means(two):  # noqa: F811
    side, _e2 = two
    Metric.objects.filter(code="totaal-fte").update(aggregation="average")
    assert _rows(side)["totaal-fte"]["value"] == D("12.5")  # (20 + 5) / 2


def test_another_year_has_nothing(two):  # noqa: F811
    side, _e2 = two
    assert yearly_rollup(fund=side.fund, year=2025) == []


def test_the_impact_page_shows_the_year_of_the_chosen_period(client, two):  # noqa: F811
    from django.urls import reverse

    side, _e2 = two
    client.force_login(side.users["fund_manager"])
    page = client.get(reverse("impactmeasurement:portfolio", args=[side.fund.pk]) + "?period=2026-Q2")
    body = page.content.decode()
    assert "Het jaar 2026 opgeteld" in body
    rollup = {row["metric_code"]: row for row in page.context["rollup"]}
    assert rollup["uitstroom-bijstand"]["value"] == D("30")
    assert "3 / 8" in body and "onvolledig" in body
