"""Helpers for impact measurement tests: a KPI set with five KPIs, entries by metric code."""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal

from django.apps import apps

from impactmeasurement import services
from impactmeasurement.models import Metric
from impactmeasurement.validation import Entry

D = Decimal


def load_catalogue() -> None:
    importlib.import_module("impactmeasurement.migrations.0002_starter_catalogue").load(apps, None)


def metric(code: str) -> Metric:
    return Metric.objects.get(code=code)


def make_kpi_set(side, *, confirm: bool = True, **overrides):
    kwargs = {
        "actor": side.users["fund_manager"],
        "fund": side.fund,
        "enterprise": side.enterprise,
        "start": datetime.date(2026, 1, 1),
        "end": datetime.date(2026, 12, 31),
        "frequency": "quarterly",
        "contract": side.contract,
        "enterprise_total_financing": D("200000.00"),
    }
    kwargs.update(overrides)
    kpi_set = services.kpi_set_create(**kwargs)
    manager = side.users["fund_manager"]
    services.kpi_add(
        actor=manager,
        kpi_set=kpi_set,
        metric=metric("uitstroom-bijstand"),
        baseline_value=D("2"),
        baseline_date=datetime.date(2025, 12, 31),
        targets={2026: D("40")},
        max_value=D("500"),
    )
    services.kpi_add(
        actor=manager,
        kpi_set=kpi_set,
        metric=metric("totaal-fte"),
        baseline_value=D("10"),
        baseline_date=datetime.date(2025, 12, 31),
        targets={2026: D("20")},
    )
    services.kpi_add(
        actor=manager, kpi_set=kpi_set, metric=metric("aandeel-afstand"), targets={2026: D("50")}
    )
    services.kpi_add(actor=manager, kpi_set=kpi_set, metric=metric("schuld-geregeld"), required=False)
    services.kpi_add(actor=manager, kpi_set=kpi_set, metric=metric("pso-trede"), required=False)
    if confirm:
        kpi_set = services.kpi_set_confirm(actor=manager, kpi_set=kpi_set)
    return kpi_set


def kpi_of(kpi_set, code: str):
    return kpi_set.kpis.get(metric__code=code)


def entries(kpi_set, **values) -> dict:
    """entries(kpi_set, uitstroom_bijstand="10") → {kpi id: Entry}; a tuple value is (raw, comment)."""
    out = {}
    for code, raw in values.items():
        kpi = kpi_of(kpi_set, code.replace("_", "-"))
        raw, comment = raw if isinstance(raw, tuple) else (raw, "")
        out[kpi.pk] = Entry(raw=raw, comment=comment, location=kpi.metric.code)
    return out
