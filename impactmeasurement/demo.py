"""Demo impact data for SIF Zuid-Kennemerland en IJmond: KPI sets for five enterprises and two years of
quarterly reports up to the last ended quarter (the demo investee's latest one left open), some late, one
with an anomaly (and its explanation), one returned and resubmitted, one corrected after acceptance.

Idempotent: nothing happens when the fund already has KPI sets. Runs after the fund and portfolio demos.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from fund.models import Enterprise, Fund, Membership, Role

from . import services
from .models import Metric, Report, ReportingPeriod
from .services import ReportValidationError
from .validation import Entry

D = Decimal
START = datetime.date(2024, 10, 1)
END = datetime.date(2027, 12, 31)

# KvK, attribution (None = outstanding share with the enterprise's total financing), total financing,
# {metric: (baseline, quarterly start value, growth per quarter, year target 2025, 2026, 2027)}
SETS = [
    (
        "90210001",
        None,
        "450000.00",
        {
            "uitstroom-bijstand": (2, 3, 0.3, 14, 18, 22),
            "afstand-in-dienst": (8, 9, 0.5, 12, 15, 18),
            "afstand-uit-bijstand": (5, 6, 0.4, 8, 10, 12),
            "totaal-fte": (14, 15, 0.4, 18, 20, 22),
            "aandeel-afstand": (45, 48, 0.5, 50, 55, 60),
            "gekwalificeerd": (1, 2, 0.2, 8, 10, 12),
            "afval-hergebruikt": (6000, 6500, 150, 28000, 32000, 36000),
            "omzet": (90000, 95000, 2500, 420000, 460000, 500000),
        },
    ),
    (
        "90210002",
        "0.3000",
        None,
        {
            "huishoudens-schulden": (30, 32, 2, 140, 170, 200),
            "schuld-geregeld": (250000, 260000, 9000, 1100000, 1300000, 1500000),
            "totaal-fte": (6, 6, 0.2, 7, 8, 9),
        },
    ),
    (
        "90210003",
        None,
        "180000.00",
        {
            "jongeren-bereikt": (6, 7, 0.4, 30, 36, 40),
            "gekwalificeerd": (2, 2, 0.2, 8, 10, 12),
            "afstand-in-dienst": (5, 5, 0.3, 7, 9, 10),
            "totaal-fte": (12, 12, 0.3, 14, 16, 17),
            "aandeel-afstand": (35, 38, 0.6, 40, 45, 50),
            "omzet": (110000, 115000, 3000, 480000, 520000, 560000),
        },
    ),
    (
        "90210005",
        "0.2500",
        None,
        {
            "afval-hergebruikt": (40000, 42000, 800, 175000, 190000, 205000),
            "co2-vermeden": (20, 21, 0.5, 90, 100, 110),
            "afstand-in-dienst": (10, 11, 0.3, 13, 15, 16),
            "totaal-fte": (18, 18, 0.3, 20, 22, 23),
            "aandeel-afstand": (55, 56, 0.3, 58, 60, 62),
            "omzet": (70000, 72000, 1500, 300000, 320000, 340000),
        },
    ),
    (
        "90210006",
        None,
        "160000.00",
        {
            "uitstroom-bijstand": (1, 2, 0.2, 10, 12, 14),
            "gekwalificeerd": (1, 2, 0.2, 8, 10, 12),
            "duurzaam-12m": (0, 1, 0.2, 5, 8, 10),
            "totaal-fte": (9, 10, 0.2, 12, 13, 14),
            "aandeel-afstand": (40, 42, 0.4, 45, 50, 55),
            "omzet": (60000, 62000, 1200, 260000, 280000, 300000),
        },
    ),
]
DEMO_INVESTEE = "90210001"  # ondernemer@impactfonds.example
LATE = {("90210003", "2025-Q2"), ("90210006", "2025-Q4"), ("90210002", "2026-Q1")}
ANOMALY = ("90210001", "2025-Q3", "uitstroom-bijstand", "Grote groep via de leerwerkplaats geplaatst.")
RETURNED = ("90210005", "2026-Q1", "afval-hergebruikt", "Klopt dit met de weegbonnen?")
CORRECTED = ("90210001", "2026-Q1", "totaal-fte", "Twee oproepkrachten waren niet meegeteld.")


def _value(metric: Metric, spec, n: int, rng: random.Random) -> str:
    _baseline, start, growth, *_ = spec
    number = start + growth * n + rng.uniform(-0.05, 0.05) * start
    if metric.value_type == "count":
        return str(max(0, round(number)))
    if metric.value_type == "percentage":
        return f"{min(100, max(0, number)):.1f}".replace(".", ",")
    if metric.value_type == "amount":
        return f"{max(0, number):.2f}".replace(".", ",")
    return f"{max(0, number):.1f}".replace(".", ",")


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _submit(period: ReportingPeriod, values: dict, investee, kvk: str) -> Report:
    """Submit; values the validation flags get the explanation a real investee would give."""
    entries = {
        kpi.pk: Entry(raw=values[kpi.metric.code], location=kpi.metric.code)
        for kpi in period.kpi_set.kpis.all()
    }
    if (kvk, period.label) == ANOMALY[:2]:
        for kpi in period.kpi_set.kpis.all():
            if kpi.metric.code == ANOMALY[2]:
                entries[kpi.pk] = Entry(raw=str(int(values[kpi.metric.code]) * 3), comment=ANOMALY[3])
    try:
        return services.report_save(actor=investee, period=period, entries=entries, submit=True, source="web")
    except ReportValidationError as exc:
        for problem in exc.problems:
            if problem.code == "explanation":
                entries[problem.kpi_id].comment = "Seizoensinvloed; toegelicht in het kwartaaloverleg."
        return services.report_save(actor=investee, period=period, entries=entries, submit=True, source="web")


def load() -> None:
    fund = Fund.objects.filter(code="SIF-ZKIJ").first()
    if fund is None or fund.kpi_sets.exists():
        return
    manager = Membership.objects.filter(fund=fund, role=Role.FUND_MANAGER, is_active=True).first()
    manager = manager.user if manager else None
    today = timezone.localdate()
    rng = random.Random(2025)
    metrics = {m.code: m for m in Metric.objects.filter(fund__isnull=True)}
    for kvk, share, total, specs in SETS:
        enterprise = Enterprise.objects.filter(organisation__kvk_number=kvk).first()
        if enterprise is None:
            continue
        investee = Membership.objects.filter(organisation=enterprise.organisation, role=Role.INVESTEE).first()
        investee = investee.user if investee else None
        contract = enterprise.contracts.filter(fund=fund).first()
        kpi_set = services.kpi_set_create(
            actor=manager,
            fund=fund,
            enterprise=enterprise,
            contract=contract,
            start=START,
            end=END,
            attribution_method="fixed_share" if share else "outstanding_share",
            attribution_share=D(share) if share else None,
            enterprise_total_financing=D(total) if total else None,
        )
        for code, spec in specs.items():
            baseline, _start, _growth, t25, t26, t27 = spec
            services.kpi_add(
                actor=manager,
                kpi_set=kpi_set,
                metric=metrics[code],
                baseline_value=D(str(baseline)),
                baseline_date=datetime.date(2024, 9, 30),
                targets={2025: D(str(t25)), 2026: D(str(t26)), 2027: D(str(t27))},
            )
        if kvk in ("90210001", "90210006"):
            services.kpi_add(actor=manager, kpi_set=kpi_set, metric=metrics["pso-trede"], required=False)
        services.kpi_set_confirm(
            actor=manager, kpi_set=kpi_set, reason="Vastgesteld bij contractering (demo)."
        )
        ended = list(kpi_set.periods.filter(end__lt=today).order_by("start"))
        for n, period in enumerate(ended):
            if period.due_date >= today or (kvk == DEMO_INVESTEE and period == ended[-1]):
                continue  # not due yet, or the demo investee's latest quarter: left for them to report
            values = {code: _value(metrics[code], spec, n, rng) for code, spec in specs.items()}
            if "pso-trede" in {k.metric.code for k in kpi_set.kpis.all()}:
                values["pso-trede"] = "trede 2" if kvk == "90210001" else "trede 1"
            report = _submit(period, values, investee, kvk)
            late = (kvk, period.label) in LATE
            submitted_on = period.due_date + datetime.timedelta(days=12 if late else -5)
            if (kvk, period.label) == RETURNED[:2]:
                kpi = kpi_set.kpis.get(metric__code=RETURNED[2])
                report = services.report_return(actor=manager, report=report, comments={kpi.pk: RETURNED[3]})
                report = services.report_save(
                    actor=investee,
                    period=period,
                    entries={
                        kpi.pk: Entry(raw=values[RETURNED[2]], comment="Gecontroleerd met de weegbonnen.")
                    },
                    submit=True,
                )
            report = services.report_accept(actor=manager, report=report, reason="Akkoord (demo).")
            if (kvk, period.label) == CORRECTED[:2]:
                value = report.values.get(kpi__metric__code=CORRECTED[2], is_current=True)
                services.value_correct(
                    actor=manager,
                    value=value,
                    raw=str(value.number + 2).replace(".", ","),
                    reason=CORRECTED[3],
                )
            # backdate the history: the demo is loaded in one go, the reports came in over two years
            Report.objects.filter(pk=report.pk).update(
                submitted_at=_at(submitted_on), reviewed_at=_at(submitted_on + datetime.timedelta(days=7))
            )
            if late:
                ReportingPeriod.objects.filter(pk=period.pk).update(
                    overdue_flagged_on=period.due_date + datetime.timedelta(days=1),
                    reminder_sent_on=period.due_date - datetime.timedelta(days=7),
                )
