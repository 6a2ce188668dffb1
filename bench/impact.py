"""Benchmark: portfolio impact aggregation (`impactmeasurement.selectors.portfolio_impact`) against a naive
per-enterprise loop.

Generates one fund with 500 enterprises, each with a confirmed quarterly KPI set of 20 metrics (the 17
numeric metrics of the starter catalogue plus 3 bench metrics, so every rule — sum, last, average, weighted
average — is exercised), year targets and a baseline per KPI, and 20 accepted quarterly reports
(2021-Q1 … 2025-Q4) with an attribution share: 500 × 20 × 20 = 200,000 values; 1 % of the values are
corrected (version 2), so current-version selection is exercised too.

Then it times, on the same data:
  (a) portfolio_impact for one period (2025-Q4) and for all periods (period=None);
  (b) a naive loop: one query per enterprise for its accepted current values, aggregated in Python;
and checks that both give identical figures (actual, attributed, target, baseline, enterprise count).

Target (issue "Impact measurement"): all periods < 500 ms.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/impactfonds_wt7 .venv/bin/python bench/impact.py
     .venv/bin/python bench/impact.py --enterprises 50      (smaller; also works on SQLite)
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import time
from collections import defaultdict
from decimal import Decimal

from _setup import bench_database  # first: puts the project root ahead of bench/ on sys.path

TARGET_MS = 500.0
QUARTERS = [(year, q) for year in range(2021, 2026) for q in range(1, 5)]
FOUR = Decimal("0.0001")
CENT = Decimal("0.01")


def generate(n_enterprises: int, rng: random.Random):
    import importlib

    from django.apps import apps
    from django.utils import timezone

    from fund.models import Enterprise, EnterpriseRelation, Municipality, Organisation
    from impactmeasurement.models import KPI, KPISet, KPITarget, Metric, Report, ReportingPeriod, Value
    from tests.factories import make_fund

    importlib.import_module("fund.migrations.0002_reference_data").load(apps, None)
    importlib.import_module("impactmeasurement.migrations.0002_starter_catalogue").load(apps, None)
    region = list(Municipality.objects.order_by("cbs_code").values_list("cbs_code", flat=True)[:6])
    fund = make_fund(region_codes=region, name="Benchfonds", code="BENCH")
    municipalities = list(Municipality.objects.filter(cbs_code__in=region))
    for code, rule in (
        ("bench-tevredenheid", "average"),
        ("bench-vrijwilligers", "sum"),
        ("bench-uren", "sum"),
    ):
        Metric.objects.update_or_create(
            code=code,
            defaults={
                "name_nl": code,
                "name_en": code,
                "unit": "x",
                "value_type": "decimal",
                "aggregation": rule,
            },
        )
    metrics = list(Metric.objects.exclude(value_type="text").filter(fund__isnull=True).order_by("code"))[:20]
    assert len(metrics) == 20, len(metrics)
    orgs = Organisation.objects.bulk_create(
        Organisation(name=f"Benchonderneming {i:04d}", municipality=municipalities[i % len(municipalities)])
        for i in range(n_enterprises)
    )
    enterprises = Enterprise.objects.bulk_create(Enterprise(organisation=o, legal_form="bv") for o in orgs)
    since = datetime.date(2020, 1, 1)
    EnterpriseRelation.objects.bulk_create(
        EnterpriseRelation(fund=fund, enterprise=e, since=since) for e in enterprises
    )
    kpi_sets = KPISet.objects.bulk_create(
        KPISet(
            fund=fund,
            enterprise=e,
            start=datetime.date(2021, 1, 1),
            end=datetime.date(2025, 12, 31),
            status="confirmed",
            attribution_method="fixed_share",
            attribution_share=Decimal(rng.randint(5, 100)) / 100,
        )
        for e in enterprises
    )
    kpis = KPI.objects.bulk_create(
        KPI(
            kpi_set=s,
            metric=m,
            position=i,
            baseline_value=Decimal(rng.randint(0, 50)),
            baseline_date=datetime.date(2020, 12, 31),
        )
        for s in kpi_sets
        for i, m in enumerate(metrics)
    )
    KPITarget.objects.bulk_create(
        KPITarget(kpi=k, year=y, value=Decimal(rng.randint(10, 200))) for k in kpis for y in range(2021, 2026)
    )
    periods = ReportingPeriod.objects.bulk_create(
        ReportingPeriod(
            kpi_set=s,
            label=f"{y}-Q{q}",
            year=y,
            start=datetime.date(y, 3 * q - 2, 1),
            end=(datetime.date(y + (q == 4), (3 * q) % 12 + 1, 1) - datetime.timedelta(days=1)),
            due_date=(datetime.date(y + (q == 4), (3 * q) % 12 + 1, 1) + datetime.timedelta(days=29)),
        )
        for s in kpi_sets
        for y, q in QUARTERS
    )
    now = timezone.now()
    share = {s.pk: s.attribution_share for s in kpi_sets}
    reports = Report.objects.bulk_create(
        Report(
            period=p,
            status="accepted",
            source="api",
            submitted_at=now,
            reviewed_at=now,
            attribution_share=share[p.kpi_set_id],
            attribution_basis="vast aandeel (bench)",
        )
        for p in periods
    )
    kpis_by_set = defaultdict(list)
    for k in kpis:
        kpis_by_set[k.kpi_set_id].append(k)
    period_set = {p.pk: p.kpi_set_id for p in periods}
    values = []
    for r in reports:
        for k in kpis_by_set[period_set[r.period_id]]:
            number = (
                Decimal(rng.randint(0, 100000)) / 100
                if k.metric.value_type == "amount"
                else Decimal(rng.randint(0, 120))
            )
            if k.metric.value_type == "percentage":
                number = Decimal(rng.randint(0, 100))
            if rng.random() < 0.01:
                values.append(Value(report=r, kpi=k, version=1, is_current=False, number=number + 1))
                values.append(
                    Value(
                        report=r, kpi=k, version=2, is_current=True, number=number, correction_reason="bench"
                    )
                )
            else:
                values.append(Value(report=r, kpi=k, number=number))
    Value.objects.bulk_create(values, batch_size=10_000)
    return fund, sum(1 for v in values if v.is_current)


def naive(fund, period: str | None) -> dict:
    """One query per enterprise, aggregated in Python per metric and period (the rules of the selector)."""
    from impactmeasurement.models import KPISet, Value

    acc = defaultdict(
        lambda: {
            "n": set(),
            "sum": Decimal(0),
            "attr": Decimal(0),
            "count": 0,
            "t_flow": Decimal(0),
            "t_stock": Decimal(0),
            "t_n": 0,
            "b_sum": Decimal(0),
            "b_n": 0,
            "w": Decimal(0),
            "wv": Decimal(0),
        }
    )
    metrics = {}
    for kpi_set in KPISet.objects.filter(fund=fund):
        values = (
            Value.objects.filter(
                report__period__kpi_set=kpi_set,
                report__status="accepted",
                is_current=True,
                number__isnull=False,
            )
            .select_related("kpi__metric", "report__period")
            .prefetch_related("kpi__targets")
        )
        if period:
            values = values.filter(report__period__label=period)
        values = list(values)
        by_report_metric = {(v.report_id, v.kpi.metric_id): v.number for v in values}
        for v in values:
            metric = v.kpi.metric
            if metric.aggregation == "none":
                continue
            metrics[metric.pk] = metric
            a = acc[(metric.pk, v.report.period.label)]
            a["n"].add(kpi_set.pk)
            a["sum"] += v.number
            a["attr"] += v.number * v.report.attribution_share
            a["count"] += 1
            target = next((t.value for t in v.kpi.targets.all() if t.year == v.report.period.year), None)
            if target is not None:
                a["t_flow"] += target / 4
                a["t_stock"] += target
                a["t_n"] += 1
            if v.kpi.baseline_value is not None:
                a["b_sum"] += v.kpi.baseline_value
                a["b_n"] += 1
            if metric.aggregation == "weighted_average":
                w = by_report_metric.get((v.report_id, metric.weight_metric_id))
                if w is not None:
                    a["w"] += w
                    a["wv"] += v.number * w
    out = {}
    for (metric_id, label), a in acc.items():
        metric = metrics[metric_id]
        q = CENT if metric.value_type == "amount" else FOUR
        rule = metric.aggregation
        if rule in ("sum", "last"):
            actual, attributed = a["sum"].quantize(q), a["attr"].quantize(q)
            target = (a["t_flow"] if rule == "sum" else a["t_stock"]).quantize(q) if a["t_n"] else None
            baseline = a["b_sum"].quantize(q) if a["b_n"] else None
        else:
            actual = (
                (a["sum"] / a["count"]).quantize(q)
                if rule == "average"
                else ((a["wv"] / a["w"]).quantize(q) if a["w"] else None)
            )
            attributed = None
            target = (a["t_stock"] / a["t_n"]).quantize(q) if a["t_n"] else None
            baseline = (a["b_sum"] / a["b_n"]).quantize(q) if a["b_n"] else None
        out[(metric.code, label)] = (actual, attributed, target, baseline, len(a["n"]))
    return out


def from_frame(frame) -> dict:
    return {
        (r.metric_code, r.period): (r.actual, r.attributed, r.target, r.baseline, r.enterprises)
        for r in frame.itertuples()
    }


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with bench_database() as connection:
        from impactmeasurement.selectors import portfolio_impact

        print(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
        start = time.perf_counter()
        fund, n_values = generate(args.enterprises, random.Random(7))
        print(
            f"Generated {args.enterprises} enterprises × 20 metrics × 20 quarters = "
            f"{n_values:,} current values in {time.perf_counter() - start:.1f} s"
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        rows = []
        for label, period in (("one period (2025-Q4)", "2025-Q4"), ("all periods", None)):
            fast_ms, frame = timed(
                lambda period=period: portfolio_impact(fund=fund, period=period), args.repeat
            )
            naive_ms, expected = timed(lambda period=period: naive(fund, period), 1 if period is None else 2)
            got = from_frame(frame)
            same = got == expected
            if not same:
                diff = [k for k in expected if got.get(k) != expected[k]][:5]
                print("  DIFFERENT:", [(k, got.get(k), expected[k]) for k in diff])
            rows.append((label, len(frame), fast_ms, naive_ms, same))
        print()
        print(
            f"{'aggregation':<24}{'rows':>7}{'selector ms':>14}{'naive loop ms':>16}{'ratio':>9}  identical"
        )
        for label, n, fast_ms, naive_ms, same in rows:
            print(f"{label:<24}{n:>7}{fast_ms:>14.1f}{naive_ms:>16.1f}{naive_ms / fast_ms:>8.1f}×  {same}")
        all_ms = rows[1][2]
        verdict = "met" if all_ms < TARGET_MS else "NOT met"
        print(
            f"\nTarget all periods < {TARGET_MS:.0f} ms: {verdict} "
            f"({all_ms:.1f} ms, median of {args.repeat})."
        )
        if not all(r[4] for r in rows):
            raise SystemExit("Results differ from the naive loop")


if __name__ == "__main__":
    main()
