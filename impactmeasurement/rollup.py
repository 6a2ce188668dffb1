"""A year from its quarters or half-years: the yearly roll-up of accepted reports per metric rule (issue 17).

Per KPI (one enterprise, one metric) over the reporting periods of the year, from the current accepted
versions:

- **sum** (a flow, e.g. people who left social assistance): the periods added up;
- **last** (a stock, e.g. FTE at period end): the value of the latest period that has one;
- **average**: the mean of the period values;
- **weighted average** (e.g. share of staff far from the labour market, weighted by FTE): Σ value × weight /
  Σ weight, the weight being the same enterprise's value of the metric's weight metric in the same report.

The fund's figure for the year combines the enterprises by the same rule: flows and stocks add up over the
enterprises, averages are the mean of the enterprises' yearly means, weighted averages weigh every
enterprise-period by its own weight. Each row says how many period values it rests on, and how many periods
were expected (a quarterly set expects four), so an incomplete year is visible rather than hidden.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from fund.models import Fund

from .models import Aggregation, KPISet, Metric, Value
from .selectors import accepted_values

PERIODS_PER_YEAR = {"quarterly": 4, "half_yearly": 2, "yearly": 1}


def _per_kpi(rule: str, values: list[tuple], weights: dict) -> tuple[Decimal | None, Decimal, Decimal]:
    """(yearly value, Σ value × weight, Σ weight) of one KPI; ``values``: (period end, report id, number)."""
    numbers = [number for _end, _report, number in values]
    if rule == Aggregation.SUM:
        return sum(numbers, Decimal(0)), Decimal(0), Decimal(0)
    if rule == Aggregation.LAST:
        return max(values, key=lambda v: v[0])[2], Decimal(0), Decimal(0)
    if rule == Aggregation.AVERAGE:
        return sum(numbers, Decimal(0)) / len(numbers), Decimal(0), Decimal(0)
    weighted = [(number, weights.get(report)) for _end, report, number in values]
    weighted = [(number, weight) for number, weight in weighted if weight is not None]
    total_weight = sum((weight for _n, weight in weighted), Decimal(0))
    product = sum((number * weight for number, weight in weighted), Decimal(0))
    return (product / total_weight if total_weight else None), product, total_weight


def yearly_rollup(*, fund: Fund, year: int, enterprise_ids=None, municipality_ids=None) -> list[dict]:
    """One row per metric for the year: the rule, the fund's yearly value, and per enterprise its own."""
    scope = {"enterprise_ids": enterprise_ids, "municipality_ids": municipality_ids}
    values = (
        accepted_values(fund=fund, **scope)
        .filter(report__period__year=year)
        .select_related("kpi__metric", "report__period__kpi_set__enterprise__organisation")
    )
    by_kpi: dict[int, list[Value]] = defaultdict(list)
    for value in values:
        by_kpi[value.kpi_id].append(value)
    weight_metric_ids = {
        v[0].kpi.metric.weight_metric_id
        for v in by_kpi.values()
        if v[0].kpi.metric.aggregation == Aggregation.WEIGHTED_AVERAGE and v[0].kpi.metric.weight_metric_id
    }
    weight_values = {
        (w.report_id, w.kpi.metric_id): w.number
        for w in accepted_values(fund=fund, **scope)
        .filter(report__period__year=year, kpi__metric_id__in=weight_metric_ids)
        .select_related("kpi")
    }
    per_metric: dict[int, dict] = {}
    for items in by_kpi.values():
        kpi = items[0].kpi
        metric: Metric = kpi.metric
        kpi_set: KPISet = items[0].report.period.kpi_set
        rows = [(v.report.period.end, v.report_id, v.number) for v in items]
        weights = {
            report: weight_values.get((report, metric.weight_metric_id))
            for _end, report, _number in rows
            if metric.weight_metric_id
        }
        value, product, weight = _per_kpi(metric.aggregation, rows, weights)
        entry = per_metric.setdefault(
            metric.pk,
            {
                "metric": metric,
                "metric_code": metric.code,
                "rule": metric.aggregation,
                "unit": metric.unit,
                "enterprises": [],
                "_product": Decimal(0),
                "_weight": Decimal(0),
            },
        )
        entry["enterprises"].append(
            {
                "enterprise": kpi_set.enterprise,
                "value": value,
                "periods": len(rows),
                "expected": PERIODS_PER_YEAR.get(kpi_set.frequency, len(rows)),
            }
        )
        entry["_product"] += product
        entry["_weight"] += weight
    result = []
    for entry in per_metric.values():
        known = [e["value"] for e in entry["enterprises"] if e["value"] is not None]
        rule = entry["rule"]
        if rule in (Aggregation.SUM, Aggregation.LAST):
            total = sum(known, Decimal(0)) if known else None
        elif rule == Aggregation.AVERAGE:
            total = sum(known, Decimal(0)) / len(known) if known else None
        else:
            total = entry["_product"] / entry["_weight"] if entry["_weight"] else None
        entry["value"] = total
        entry["periods"] = sum(e["periods"] for e in entry["enterprises"])
        entry["expected"] = sum(e["expected"] for e in entry["enterprises"])
        entry["complete"] = entry["periods"] >= entry["expected"]
        del entry["_product"], entry["_weight"]
        entry["enterprises"].sort(key=lambda e: e["enterprise"].organisation.name.lower())
        result.append(entry)
    return sorted(result, key=lambda e: e["metric_code"])
