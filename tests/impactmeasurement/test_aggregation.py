"""portfolio_impact: each aggregation rule with hand-checked numbers, attribution, versions, groupings."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from fund.models import Theme
from impactmeasurement import selectors, services
from tests.factories import make_enterprise
from tests.impactmeasurement.factories import entries, make_kpi_set

D = Decimal


@pytest.fixture
def two(world):
    """Fund A with two reporting enterprises.

    E1 (Haarlem, loan € 50.000 outstanding of € 200.000 total → share 0,25) and E2 (Bloemendaal, fixed
    share 0,5). Q1: E1 uitstroom 10, fte 20, aandeel 50 %; E2 uitstroom 6 → corrected to 8, fte 5,
    aandeel 100 %. Q2: only E1 (uitstroom 12, fte 20, aandeel 50 %).
    """
    side = world.a
    manager, investee = side.users["fund_manager"], side.users["investee"]
    e2 = make_enterprise(fund=side.fund, municipality_code="GM0377", name="Tweede Onderneming B.V.")
    e2.themes.set([Theme.objects.get(code="armoede-en-schulden")])
    side.enterprise.themes.set([Theme.objects.get(code="werk-en-participatie")])
    set1 = make_kpi_set(side)
    set2 = make_kpi_set(
        side,
        enterprise=e2,
        contract=None,
        attribution_method="fixed_share",
        attribution_share=D("0.5"),
        enterprise_total_financing=None,
    )
    set2.kpis.filter(metric__code="uitstroom-bijstand").first().targets.update(value=D("20"))

    def report(kpi_set, label, actor, **values):
        r = services.report_save(
            actor=actor,
            period=kpi_set.periods.get(label=label),
            entries=entries(kpi_set, **values),
            submit=True,
        )
        return services.report_accept(actor=manager, report=r)

    report(set1, "2026-Q1", investee, uitstroom_bijstand="10", totaal_fte="20", aandeel_afstand="50")
    r2 = report(
        set2,
        "2026-Q1",
        None,
        uitstroom_bijstand=("6", "Start"),
        totaal_fte=("5", "klein"),
        aandeel_afstand=("100", "allen"),
    )
    services.value_correct(
        actor=manager,
        value=r2.values.get(kpi__metric__code="uitstroom-bijstand"),
        raw="8",
        reason="Nagekomen",
    )
    report(set1, "2026-Q2", investee, uitstroom_bijstand="12", totaal_fte="20", aandeel_afstand="50")
    # a submitted but not accepted report never counts
    services.report_save(
        actor=None,
        period=set2.periods.get(label="2026-Q2"),
        entries=entries(
            set2, uitstroom_bijstand=("99", "x"), totaal_fte=("99", "x"), aandeel_afstand=("1", "x")
        ),
        submit=True,
    )
    return side, e2


def row(frame, code, period="2026-Q1", group=None):
    match = frame[(frame.metric_code == code) & (frame.period == period)]
    if group is not None:
        match = match[match.group == group]
    assert len(match) == 1, match
    return match.iloc[0]


def test_each_rule_hand_checked(two):
    side, _ = two
    frame = selectors.portfolio_impact(fund=side.fund, period="2026-Q1")
    assert set(frame.period) == {"2026-Q1"}
    flow = row(frame, "uitstroom-bijstand")
    # sum: 10 + 8 (corrected); attributed 10 × 0,25 + 8 × 0,5 = 6,5; target 40/4 + 20/4 = 15; baseline 2 + 2
    assert (flow.actual, flow.attributed, flow.target, flow.baseline) == (D("18"), D("6.5"), D("15"), D("4"))
    assert (flow.enterprises, flow.corrected_values, flow.max_version) == (2, 1, 2)
    assert "1 gecorrigeerd, t/m v2" in flow.version_used
    assert flow.iris_id == "" and flow.sdg_targets == "1.2, 8.5"
    stock = row(frame, "totaal-fte")
    # last (a stock): 20 + 5; attributed 5 + 2,5; year targets 20 + 20 (not pro rata); baselines 10 + 10
    assert (stock.actual, stock.attributed, stock.target, stock.baseline) == (
        D("25"),
        D("7.5"),
        D("40"),
        D("20"),
    )
    weighted = row(frame, "aandeel-afstand")
    # weighted by total fte: (50 × 20 + 100 × 5) / 25 = 60 (a plain average would say 75); no attribution
    assert (weighted.actual, weighted.attributed, weighted.target) == (D("60"), None, D("50"))
    assert weighted.version_used == "huidige geaccepteerde versie"


def test_all_periods_and_average_rule(two):
    side, _ = two
    frame = selectors.portfolio_impact(fund=side.fund, period=None)
    assert list(frame[frame.metric_code == "uitstroom-bijstand"].period) == ["2026-Q1", "2026-Q2"]
    q2 = row(frame, "uitstroom-bijstand", "2026-Q2")
    assert (q2.actual, q2.attributed, q2.enterprises) == (D("12"), D("3"), 1)
    from impactmeasurement.models import Metric

    Metric.objects.filter(code="totaal-fte").update(aggregation="average")
    frame = selectors.portfolio_impact(fund=side.fund, period="2026-Q1")
    average = row(frame, "totaal-fte")
    assert (average.actual, average.attributed, average.target, average.baseline) == (
        D("12.5"),
        None,
        D("20"),
        D("10"),
    )


def test_by_municipality_theme_and_enterprise(two):
    side, e2 = two
    by_municipality = selectors.portfolio_impact(fund=side.fund, period="2026-Q1", by="municipality")
    assert row(by_municipality, "uitstroom-bijstand", group="Haarlem").actual == D("10")
    assert row(by_municipality, "uitstroom-bijstand", group="Bloemendaal").actual == D("8")
    by_theme = selectors.portfolio_impact(fund=side.fund, period="2026-Q1", by="theme")
    assert row(by_theme, "aandeel-afstand", group="Werk en participatie").actual == D("50")
    assert row(by_theme, "aandeel-afstand", group="Armoede en schulden").actual == D("100")
    by_enterprise = selectors.portfolio_impact(fund=side.fund, period="2026-Q1", by="enterprise")
    assert row(by_enterprise, "totaal-fte", group=e2.organisation.name).attributed == D("2.5")


def test_outstanding_share_uses_period_end(two):
    side, _ = two
    kpi_set = side.contract.kpi_sets.get()
    share, _basis = selectors.attribution_for(period=kpi_set.periods.get(label="2026-Q1"))
    assert share == D("0.25")
    # before the disbursement (15-01-2026) nothing was outstanding
    early = kpi_set.periods.get(label="2026-Q1")
    early.end = datetime.date(2026, 1, 10)
    assert selectors.attribution_for(period=early)[0] == D("0")


def test_export_rows_carry_references_and_versions(two):
    side, _ = two
    rows = selectors.export_rows(fund=side.fund)
    corrected = [r for r in rows if r["versie"] == 2]
    assert (
        len(corrected) == 1
        and corrected[0]["waarde"] == D("8")
        and corrected[0]["reden_correctie"] == "Nagekomen"
    )
    assert corrected[0]["toegerekend"] == D("4.0000")
    assert {r["periode"] for r in rows} == {"2026-Q1", "2026-Q2"}
    assert not any(r["waarde"] == D("99") for r in rows)
    fte = next(r for r in rows if r["metriek"] == "uitstroom-bijstand")
    assert fte["sdg_subdoelen"] == "SDG 1.2, SDG 8.5" and fte["brede_welvaart"] == "Materiële welvaart"


def test_official_sees_only_own_municipality(two, world):
    side, _ = two
    official = side.users["municipal_official"]  # Haarlem
    scope = selectors.impact_scope(official, side.fund)
    assert scope == {"municipality_ids": {side.enterprise.organisation.municipality_id}}
    frame = selectors.portfolio_impact(fund=side.fund, period="2026-Q1", **scope)
    assert row(frame, "uitstroom-bijstand").actual == D("10")
    assert selectors.impact_scope(world.b.users["municipal_official"], side.fund) is None
    assert selectors.impact_scope(world.b.users["fund_manager"], world.a.fund) is None
    assert selectors.impact_scope(side.users["investee"], side.fund) is None


def test_flow_target_pro_rata_is_exact_and_values_without_weight_are_left_out(world):
    side = world.a
    kpi_set = make_kpi_set(side)
    kpi_set.kpis.get(metric__code="uitstroom-bijstand").targets.update(value=D("42"))
    from impactmeasurement.models import KPI

    KPI.objects.filter(kpi_set=kpi_set, metric__code="totaal-fte").update(required=False)
    report = services.report_save(
        actor=side.users["investee"],
        period=kpi_set.periods.get(label="2026-Q1"),
        entries=entries(kpi_set, uitstroom_bijstand="10", aandeel_afstand="50"),  # no total FTE: no weight
        submit=True,
    )
    services.report_accept(actor=side.users["fund_manager"], report=report)
    frame = selectors.portfolio_impact(fund=side.fund, period="2026-Q1")
    assert row(frame, "uitstroom-bijstand").target == D("10.5")  # 42 / 4, not 10
    weighted = row(frame, "aandeel-afstand")
    assert weighted.actual is None and weighted.enterprises == 1
