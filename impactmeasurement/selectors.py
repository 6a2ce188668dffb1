"""Reads for impact measurement: scoping, attribution and the portfolio aggregation.

`portfolio_impact(fund=…, period="2026-Q3")` is the one selector the quarterly investor report calls. It
aggregates in the database (one grouped query, plus one for weighted averages), using each metric's rule:

- sum: values are added (a flow, e.g. people who left bijstand this quarter);
- last: a stock at period end (e.g. permanent employees); enterprises' stocks are added per period;
- average: plain mean over enterprises;
- weighted average: Σ(value × weight) / Σ(weight), the weight being the same report's value of the metric's
  weight metric (values without a weight are left out);
- none: not aggregated (text such as the PSO level).

Only accepted reports count, and of each value its *current* version; every row says how many of its values
are corrections (version > 1) and the highest version used. Attribution uses the share fixed on each report
at acceptance (see `attribution_for`), so an investor report stays reproducible when loans are repaid later.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pandas as pd
from django.db import connection
from django.db.models import (
    Q,
    QuerySet,
)
from django.utils.translation import gettext as _

from core.formats import format_date, format_eur, format_number
from core.money import round_to
from fund import selectors as fund_selectors
from fund.models import Fund, User
from portfolio.selectors import outstanding_principal_by_contract

from .models import (
    ADDITIVE,
    NUMERIC_TYPES,
    Aggregation,
    AttributionMethod,
    KPISet,
    KPITarget,
    Metric,
    Report,
    ReportingPeriod,
    ReportStatus,
    Value,
    ValueType,
)

FOUR = 4  # decimals of an aggregated value (the value columns' own precision)
CENT = 2  # decimals of an amount
SHARE = 6  # decimals of an attributed share (Report.attribution_share)
GROUPS = {
    None: None,
    "theme": "report__period__kpi_set__enterprise__themes__name",
    "municipality": "report__period__kpi_set__enterprise__organisation__municipality__name",
    "enterprise": "report__period__kpi_set__enterprise__organisation__name",
}
COLUMNS = [
    "group",
    "period",
    "metric_code",
    "metric",
    "unit",
    "aggregation",
    "enterprises",
    "actual",
    "attributed",
    "target",
    "baseline",
    "corrected_values",
    "max_version",
    "version_used",
    "iris_id",
    "sdg_targets",
]


# --------------------------------------------------------------------------------------------------
# Scoping
# --------------------------------------------------------------------------------------------------


def kpi_sets_for(user: User) -> QuerySet[KPISet]:
    """KPI sets a user may see: fund staff of the fund, the investee of the enterprise, administrators.

    Municipal officials and investors see no KPI set or report, only aggregates (`impact_scope`).
    """
    qs = KPISet.objects.select_related("fund", "enterprise__organisation", "contract")
    if fund_selectors.is_administrator(user):
        return qs
    return qs.filter(
        Q(fund_id__in=fund_selectors.staff_fund_ids(user))
        | Q(enterprise__organisation_id__in=fund_selectors.own_enterprise_organisation_ids(user))
    )


def periods_for(user: User) -> QuerySet[ReportingPeriod]:
    return ReportingPeriod.objects.filter(kpi_set__in=kpi_sets_for(user)).select_related(
        "kpi_set__fund", "kpi_set__enterprise__organisation"
    )


def reports_for(user: User) -> QuerySet[Report]:
    return Report.objects.filter(period__kpi_set__in=kpi_sets_for(user)).select_related(
        "period__kpi_set__fund", "period__kpi_set__enterprise__organisation"
    )


def values_for(user: User) -> QuerySet[Value]:
    return Value.objects.filter(report__in=reports_for(user)).select_related("kpi__metric", "report__period")


def open_kpi_set(*, fund: Fund, enterprise) -> KPISet | None:
    """The enterprise's KPI set at the fund that has not ended (at most one: a database constraint)."""
    return KPISet.objects.filter(fund=fund, enterprise=enterprise).exclude(status="ended").first()


def metrics_for(user: User, *, fund: Fund | None = None) -> QuerySet[Metric]:
    """The shared catalogue plus the fund's own metrics (of funds the user can see)."""
    visible_funds = fund_selectors.fund_ids_for(user)
    q = Q(fund__isnull=True) | Q(fund_id__in=visible_funds)
    if fund is not None:
        q = Q(fund__isnull=True) | Q(fund=fund)
    return Metric.objects.filter(q, is_active=True).select_related("weight_metric").prefetch_related("themes")


def impact_funds_for(user: User) -> QuerySet[Fund]:
    """Funds whose impact aggregates a user may see: staff, administrators, officials of a region member."""
    if fund_selectors.is_administrator(user):
        return Fund.objects.all()
    return Fund.objects.filter(
        Q(pk__in=fund_selectors.staff_fund_ids(user))
        | Q(region__in=fund_selectors.own_municipality_ids(user))
    ).distinct()


def impact_scope(user: User, fund: Fund) -> dict | None:
    """What part of a fund's aggregates a user may see: None = nothing; {} = all; else a filter.

    A municipal official sees the aggregates of the fund's enterprises located in their municipality only,
    never a single enterprise (no `by="enterprise"`).
    """
    if fund_selectors.is_administrator(user) or fund.pk in fund_selectors.staff_fund_ids(user):
        return {}
    municipalities = fund_selectors.own_municipality_ids(user)
    if municipalities and fund.region.filter(pk__in=municipalities).exists():
        return {"municipality_ids": set(municipalities)}
    return None


# --------------------------------------------------------------------------------------------------
# Periods and reports
# --------------------------------------------------------------------------------------------------


def open_periods_for(user: User, *, today: datetime.date) -> QuerySet[ReportingPeriod]:
    """Periods the investee still has to report on (ended, not submitted or returned)."""
    own = fund_selectors.own_enterprise_organisation_ids(user)
    return (
        ReportingPeriod.objects.filter(
            kpi_set__enterprise__organisation_id__in=own, kpi_set__status="confirmed", end__lt=today
        )
        .filter(Q(report__isnull=True) | Q(report__status__in=["draft", "returned"]))
        .select_related("kpi_set__fund", "kpi_set__enterprise__organisation", "report")
        .order_by("due_date")
    )


def review_queue_for(user: User) -> QuerySet[Report]:
    """Submitted reports waiting for the user's review (fund manager)."""
    return (
        Report.objects.filter(
            period__kpi_set__fund_id__in=fund_selectors.managed_fund_ids(user),
            status__in=[ReportStatus.SUBMITTED, ReportStatus.RESUBMITTED],
        )
        .select_related("period__kpi_set__enterprise__organisation", "period__kpi_set__fund")
        .order_by("submitted_at")
    )


def overdue_periods(*, fund_ids, today: datetime.date) -> QuerySet[ReportingPeriod]:
    return (
        ReportingPeriod.objects.filter(
            kpi_set__fund_id__in=fund_ids, kpi_set__status="confirmed", due_date__lt=today
        )
        .filter(Q(report__isnull=True) | Q(report__status="draft"))
        .select_related("kpi_set__enterprise__organisation", "kpi_set__fund")
        .order_by("due_date")
    )


def report_rows(report: Report) -> list[dict]:
    """One row per KPI for the form and the review page: current value, previous value, target, history."""
    period = report.period
    kpis = list(period.kpi_set.kpis.select_related("metric").prefetch_related("targets"))
    from .validation import period_target, period_target_basis, previous_values, targets_by_kpi

    previous = previous_values(period)
    targets = targets_by_kpi(period)
    if report.pk and report.submitted_at:  # an earlier report shows the targets it was measured against
        from .kpichanges import targets_as_of

        targets = targets_as_of(kpi_set_id=period.kpi_set_id, year=period.year, at=report.submitted_at)
    versions: dict[int, list[Value]] = {}
    for value in report.values.order_by("kpi_id", "version") if report.pk else []:
        versions.setdefault(value.kpi_id, []).append(value)
    rows = []
    for kpi in kpis:
        history = versions.get(kpi.pk, [])
        current = next((v for v in history if v.is_current), None)
        rows.append(
            {
                "kpi": kpi,
                "metric": kpi.metric,
                "current": current,
                "history": history,
                "previous": previous.get(kpi.pk),
                "target": period_target(kpi, period, targets),
                "target_basis": period_target_basis(kpi, period, targets),
            }
        )
    return rows


# --------------------------------------------------------------------------------------------------
# Attribution
# --------------------------------------------------------------------------------------------------


def attribution_for(*, period: ReportingPeriod) -> tuple[Decimal, str]:
    """(share 0–1, how it was found) of the fund in the enterprise's impact for one period.

    Either the share entered per investment, or the fund's outstanding principal at period end (of the
    linked contract, else of all the fund's contracts with the enterprise) divided by the enterprise's
    total financing (entered on the KPI set, since other financiers are not in the system), at most 1.
    """
    kpi_set = period.kpi_set
    if kpi_set.attribution_method == AttributionMethod.FIXED_SHARE:
        share = round_to(kpi_set.attribution_share, SHARE)
        return share, _("vast aandeel per investering: %(pct)s %%") % {
            "pct": format_number(share * 100, max_places=2)
        }
    outstanding = outstanding_principal_by_contract(fund=kpi_set.fund, as_of=period.end)
    if kpi_set.contract_id:
        contract_ids = [kpi_set.contract_id]
    else:
        contract_ids = list(
            kpi_set.enterprise.contracts.filter(fund=kpi_set.fund).values_list("pk", flat=True)
        )
    fund_part = sum((outstanding.get(pk, Decimal("0")) for pk in contract_ids), start=Decimal("0"))
    total = Decimal(kpi_set.enterprise_total_financing)
    share = round_to(min(Decimal(1), max(Decimal(0), fund_part / total)), SHARE)
    return share, _("uitstaand bij het fonds %(part)s van totale financiering %(total)s op %(date)s") % {
        "part": format_eur(fund_part),
        "total": format_eur(total),
        "date": format_date(period.end),
    }


# --------------------------------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------------------------------


def _exact(value) -> Decimal:
    """PostgreSQL returns Decimals; SQLite floats (converted through their shortest repr)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _decimal(value, places: int = FOUR) -> Decimal | None:
    if value is None:
        return None
    return round_to(_exact(value), places)


def _accepted_filter(prefix: str, *, fund: Fund, period, municipality_ids, enterprise_ids) -> Q:
    """The conditions of `accepted_values`, for a query that reaches the values through `prefix`."""
    q = Q(
        **{
            f"{prefix}is_current": True,
            f"{prefix}number__isnull": False,
            f"{prefix}report__status": ReportStatus.ACCEPTED,
            f"{prefix}report__period__kpi_set__fund": fund,
        }
    )
    if period is not None:
        q &= Q(**{f"{prefix}report__period__label": period})
    if municipality_ids is not None:
        municipality = f"{prefix}report__period__kpi_set__enterprise__organisation__municipality_id__in"
        q &= Q(**{municipality: municipality_ids})
    if enterprise_ids is not None:
        q &= Q(**{f"{prefix}report__period__kpi_set__enterprise_id__in": enterprise_ids})
    return q


def _aggregated_metric_ids() -> list[int]:
    return list(
        Metric.objects.filter(value_type__in=[t.value for t in NUMERIC_TYPES])
        .exclude(aggregation=Aggregation.NONE)
        .values_list("pk", flat=True)
    )


def accepted_values(
    *,
    fund: Fund,
    period: str | None = None,
    municipality_ids=None,
    enterprise_ids=None,
) -> QuerySet[Value]:
    """Current versions of numeric values in accepted reports of a fund (the base of every aggregate)."""
    scope = {
        "fund": fund,
        "period": period,
        "municipality_ids": municipality_ids,
        "enterprise_ids": enterprise_ids,
    }
    return Value.objects.filter(_accepted_filter("", **scope), kpi__metric_id__in=_aggregated_metric_ids())


def _period_fraction(label: str) -> Decimal:
    """The share of a year a period label covers: 2026-Q3 → 1/4, 2026-H2 → 1/2, 2026 → 1."""
    if "-Q" in label:
        return Decimal("0.25")
    if "-H" in label:
        return Decimal("0.5")
    return Decimal("1")


def _weighted(*, scope: dict, by: str | None) -> dict[tuple, tuple[Decimal, Decimal]]:
    """{(metric id, period, group): (Σ value × weight, Σ weight)} for weighted-average metrics (one query)."""
    sql, params = _grouped_sql(**scope, by=by, weighted=True)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            (metric_id, label, group): (_exact(weighted_sum), _exact(weight_sum))
            for metric_id, label, group, weighted_sum, weight_sum in cursor.fetchall()
            if weight_sum is not None
        }


def _grouped_sql(
    *, fund: Fund, period, by, municipality_ids, enterprise_ids, weighted: bool = False
) -> tuple[str, list]:
    """One pass over the accepted current values, targets joined on (KPI, year): SQL that the ORM cannot
    say (a LEFT JOIN on two columns). Parameters are bound, never formatted in."""
    from fund.models import Enterprise, Municipality, Organisation
    from fund.models import Theme as ThemeModel

    from .models import KPI

    tables = {
        "v": Value._meta.db_table,
        "k": KPI._meta.db_table,
        "r": Report._meta.db_table,
        "p": ReportingPeriod._meta.db_table,
        "s": KPISet._meta.db_table,
        "t": KPITarget._meta.db_table,
        "e": Enterprise._meta.db_table,
        "o": Organisation._meta.db_table,
        "m": Municipality._meta.db_table,
        "et": Enterprise.themes.through._meta.db_table,
        "th": ThemeModel._meta.db_table,
    }
    joins = [
        f"JOIN {tables['k']} k ON k.id = v.kpi_id",
        f"JOIN {Metric._meta.db_table} mt ON mt.id = k.metric_id",
        f"JOIN {tables['r']} r ON r.id = v.report_id",
        f"JOIN {tables['p']} p ON p.id = r.period_id",
        f"JOIN {tables['s']} s ON s.id = p.kpi_set_id",
    ]
    where = ["v.is_current", "v.number IS NOT NULL", "r.status = %s", "s.fund_id = %s"]
    params: list = [ReportStatus.ACCEPTED.value, fund.pk]
    # The metrics aggregated (those of `_aggregated_metric_ids`, or the weighted ones), on the join itself.
    if weighted:  # the weight: the same report's current value of the metric's weight metric
        joins += [
            f"JOIN {tables['k']} wk ON wk.kpi_set_id = k.kpi_set_id AND wk.metric_id = mt.weight_metric_id",
            f"JOIN {tables['v']} w ON w.report_id = v.report_id AND w.kpi_id = wk.id AND w.is_current",
        ]
        where += ["w.number IS NOT NULL", "mt.aggregation = %s"]
        params.append(Aggregation.WEIGHTED_AVERAGE.value)
    else:
        joins.append(f"LEFT JOIN {tables['t']} t ON t.kpi_id = v.kpi_id AND t.year = p.year")
        numeric = [t.value for t in NUMERIC_TYPES]
        where.append("mt.value_type IN (" + ", ".join(["%s"] * len(numeric)) + ")")
        where.append("NOT (mt.aggregation = %s)")
        params += [*numeric, Aggregation.NONE.value]
    if period is not None:
        where.append("p.label = %s")
        params.append(period)
    if enterprise_ids is not None:
        ids = list(enterprise_ids) or [0]
        where.append("s.enterprise_id IN (" + ", ".join(["%s"] * len(ids)) + ")")
        params += ids
    if by in ("municipality", "enterprise") or municipality_ids is not None:
        joins.append(f"JOIN {tables['e']} e ON e.id = s.enterprise_id")
        joins.append(f"JOIN {tables['o']} o ON o.id = e.organisation_id")
    if municipality_ids is not None:
        ids = list(municipality_ids) or [0]
        where.append("o.municipality_id IN (" + ", ".join(["%s"] * len(ids)) + ")")
        params += ids
    group = "NULL"
    if by == "theme":
        joins.append(f"LEFT JOIN {tables['et']} et ON et.enterprise_id = s.enterprise_id")
        joins.append(f"LEFT JOIN {tables['th']} th ON th.id = et.theme_id")
        group = "th.name"
    elif by == "municipality":
        joins.append(f"LEFT JOIN {tables['m']} m ON m.id = o.municipality_id")
        group = "m.name"
    elif by == "enterprise":
        group = "o.name"
    tail = f"FROM {tables['v']} v " + " ".join(joins) + " WHERE " + " AND ".join(where) + " GROUP BY 1, 2, 3"
    if weighted:
        return (
            f"SELECT k.metric_id, p.label, {group} AS grp, SUM(v.number * w.number), SUM(w.number) " + tail,
            params,
        )
    sql = (
        f"SELECT k.metric_id, p.label, {group} AS grp, COUNT(*), SUM(v.number), "
        "SUM(v.number * r.attribution_share), SUM(t.value), COUNT(t.value), "
        "SUM(k.baseline_value), COUNT(k.baseline_value), "
        "SUM(CASE WHEN v.version > 1 THEN 1 ELSE 0 END), MAX(v.version) " + tail
    )
    return sql, params


def portfolio_impact(
    *,
    fund: Fund,
    period: str | None = None,
    by: str | None = None,
    municipality_ids=None,
    enterprise_ids=None,
) -> pd.DataFrame:
    """`portfolio_impact_rows` as a DataFrame with the columns in COLUMNS (the impact pages and exports)."""
    rows = portfolio_impact_rows(
        fund=fund, period=period, by=by, municipality_ids=municipality_ids, enterprise_ids=enterprise_ids
    )
    return pd.DataFrame(rows, columns=COLUMNS)


def portfolio_impact_rows(
    *,
    fund: Fund,
    period: str | None = None,
    by: str | None = None,
    municipality_ids=None,
    enterprise_ids=None,
) -> list[dict]:
    """Aggregated impact of a fund: one row per (group,) period and metric (a dict with the keys in COLUMNS),
    sorted by group (no group first), metric code and period.

    `period` is a label ("2026-Q3"; half-yearly and yearly sets use "2026-H2" and "2026") or None for every
    period; `by` is None, "theme", "municipality" or "enterprise". `actual` and `attributed` are the full
    and the fund-attributed totals (attributed only for additive rules: sum and last); `target` is the year
    target (for flows pro rata per period) and `baseline` the nulmeting, combined by the same rule.
    """
    if by not in GROUPS:
        raise ValueError(f"by must be one of {sorted(k for k in GROUPS if k)}")
    scope = {
        "fund": fund,
        "period": period,
        "municipality_ids": municipality_ids,
        "enterprise_ids": enterprise_ids,
    }
    sql, params = _grouped_sql(**scope, by=by)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = ["kpi__metric_id", "report__period__label", "group", "n", "total", "attributed"]
        columns += ["target_total", "target_n", "baseline_sum", "baseline_n", "corrected", "max_version"]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:  # means from sums and counts (cheaper than AVG on numeric; exact in Decimal)
        row["mean"] = Decimal(str(row["total"])) / row["n"] if row["n"] else None
        baseline_n = row["baseline_n"]
        row["baseline_mean"] = Decimal(str(row["baseline_sum"])) / baseline_n if baseline_n else None
    metrics = {m.pk: m for m in Metric.objects.filter(pk__in={r["kpi__metric_id"] for r in rows})}
    weighted = (
        _weighted(scope=scope, by=by)
        if any(m.aggregation == Aggregation.WEIGHTED_AVERAGE for m in metrics.values())
        else {}
    )
    out = []
    for row in rows:
        metric = metrics[row["kpi__metric_id"]]
        places = CENT if metric.value_type == ValueType.AMOUNT else FOUR
        rule = metric.aggregation
        target_total, target_count = row["target_total"], row["target_n"]
        target_total = Decimal(str(target_total)) if target_total is not None else None
        target_mean = target_total / target_count if target_count else None
        if rule in ADDITIVE:
            actual = _decimal(row["total"], places)
            attributed = _decimal(row["attributed"], places)
            if rule == Aggregation.SUM and target_total is not None:  # a flow: the year target pro rata
                target_value = target_total * _period_fraction(row["report__period__label"])
            else:  # a stock: the year target itself
                target_value = target_total
            baseline = row["baseline_sum"]
        elif rule == Aggregation.AVERAGE:
            actual, attributed = _decimal(row["mean"], places), None
            target_value, baseline = target_mean, row["baseline_mean"]
        else:  # weighted average
            w = weighted.get((row["kpi__metric_id"], row["report__period__label"], row["group"]))
            actual = _decimal(w[0] / w[1], places) if w and w[1] else None
            attributed = None
            target_value, baseline = target_mean, row["baseline_mean"]
        corrected = row["corrected"]
        out.append(
            {
                "group": row["group"] if by else None,
                "period": row["report__period__label"],
                "metric_code": metric.code,
                "metric": metric.name,
                "unit": metric.unit,
                "aggregation": rule,
                "enterprises": row["n"],
                "actual": actual,
                "attributed": attributed,
                "target": _decimal(target_value, places),
                "baseline": _decimal(baseline, places),
                "corrected_values": corrected,
                "max_version": row["max_version"],
                "version_used": _("huidige geaccepteerde versie")
                + (
                    _(" (%(n)s gecorrigeerd, t/m v%(v)s)") % {"n": corrected, "v": row["max_version"]}
                    if corrected
                    else ""
                ),
                "iris_id": metric.iris_id,
                "sdg_targets": metric.sdg_targets,
            }
        )
    # (group, metric code, period) is unique per row (the query groups by them; metric codes are unique)
    out.sort(key=lambda r: (r["group"] is not None, r["group"] or "", r["metric_code"], r["period"]))
    return out


def export_rows(*, fund: Fund, municipality_ids=None) -> list[dict]:
    """Every accepted value (current version) with its metric's references, for CSV/Excel export."""
    qs = (
        Value.objects.filter(
            is_current=True, report__status=ReportStatus.ACCEPTED, report__period__kpi_set__fund=fund
        )
        .select_related("kpi__metric", "report__period__kpi_set__enterprise__organisation__municipality")
        .order_by(
            "report__period__start",
            "report__period__kpi_set__enterprise__organisation__name",
            "kpi__metric__code",
        )
    )
    if municipality_ids is not None:
        qs = qs.filter(
            report__period__kpi_set__enterprise__organisation__municipality_id__in=municipality_ids
        )
    rows = []
    for value in qs:
        metric = value.kpi.metric
        report = value.report
        organisation = report.period.kpi_set.enterprise.organisation
        share = report.attribution_share
        attributed = (
            round_to(value.number * share, FOUR)
            if value.number is not None and share is not None and metric.aggregation in ADDITIVE
            else None
        )
        rows.append(
            {
                "periode": report.period.label,
                "onderneming": organisation.name,
                "kvk": organisation.kvk_number,
                "gemeente": organisation.municipality.cbs_code if organisation.municipality else "",
                "metriek": metric.code,
                "naam": metric.name,
                "eenheid": metric.unit,
                "waarde": value.number if value.number is not None else value.text,
                "versie": value.version,
                "reden_correctie": value.correction_reason,
                "aandeel_fonds": share,
                "toegerekend": attributed,
                "grondslag_toerekening": report.attribution_basis,
                "iris_plus": metric.iris_id,
                "eigen_referentie": metric.own_reference,
                "sdg_subdoelen": metric.sdg_label,
                "brede_welvaart": metric.get_brede_welvaart_display() if metric.brede_welvaart else "",
            }
        )
    return rows
