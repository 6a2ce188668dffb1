"""Changing a KPI after creation as a new version with a reason; earlier reports keep their targets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.errors import ApplicationError, PermissionDeniedError
from impactmeasurement import selectors, services
from impactmeasurement.kpichanges import kpi_change, targets_as_of, version_of
from tests.impactmeasurement.factories import entries, make_kpi_set

pytestmark = pytest.mark.django_db
D = Decimal


def test_a_target_change_is_a_new_version_and_earlier_reports_keep_their_target(world):
    side = world.a
    manager, investee = side.users["fund_manager"], side.users["investee"]
    kpi_set = make_kpi_set(side)
    kpi = kpi_set.kpis.get(metric__code="uitstroom-bijstand")
    q1 = services.report_save(
        actor=investee,
        period=kpi_set.periods.get(label="2026-Q1"),
        entries=entries(kpi_set, uitstroom_bijstand="10", totaal_fte="20", aandeel_afstand="50"),
        submit=True,
    )
    with pytest.raises(ValidationError) as refused:
        kpi_change(actor=manager, kpi=kpi, reason=" ", targets={2026: D("60")})
    assert "reason" in refused.value.message_dict
    with pytest.raises(ApplicationError):
        kpi_change(actor=manager, kpi=kpi, reason="niets", targets={2026: D("40")})  # unchanged
    change = kpi_change(
        actor=manager, kpi=kpi, reason="Tweede vestiging geopend", targets={2026: D("60")}, max_value=D("800")
    )
    assert change.version == 2 and change.before["targets"] == {"2026": "40.0000"}
    assert version_of(kpi) == 2 and version_of(kpi, q1.submitted_at) == 1
    kpi.refresh_from_db()
    assert kpi.max_value == D("800") and kpi.targets.get(year=2026).value == D("60")
    # the Q1 report was measured against 40 a year (10 a quarter); a new report against 60 (15)
    q1_rows = {row["metric"].code: row for row in selectors.report_rows(q1)}
    assert q1_rows["uitstroom-bijstand"]["target"] == D("10")
    q2 = services.report_save(
        actor=investee,
        period=kpi_set.periods.get(label="2026-Q2"),
        entries=entries(kpi_set, uitstroom_bijstand="10", totaal_fte="20", aandeel_afstand="50"),
        submit=False,
    )
    assert {row["metric"].code: row for row in selectors.report_rows(q2)}["uitstroom-bijstand"][
        "target"
    ] == D("15")
    assert targets_as_of(kpi_set_id=kpi_set.pk, year=2026, at=None)[(kpi.pk, 2026)] == D("60")


def test_only_the_fund_manager_changes_and_a_bad_range_is_refused(world):
    side = world.a
    kpi_set = make_kpi_set(side)
    kpi = kpi_set.kpis.get(metric__code="uitstroom-bijstand")
    with pytest.raises(PermissionDeniedError):
        kpi_change(actor=side.users["investee"], kpi=kpi, reason="x", targets={2026: D("1")})
    with pytest.raises(ValidationError):
        kpi_change(actor=side.users["fund_manager"], kpi=kpi, reason="x", min_value=D("900"))
    kpi.refresh_from_db()
    assert kpi.min_value is None and not kpi.changes.exists()


def test_the_change_page_records_a_version_and_refuses_a_missing_reason(client, world):
    from django.urls import reverse

    side = world.a
    kpi_set = make_kpi_set(side)
    kpi = kpi_set.kpis.get(metric__code="uitstroom-bijstand")
    url = reverse("impactmeasurement:kpi_change", args=[kpi.pk])
    client.force_login(side.users["investee"])
    assert client.get(url).status_code == 404
    client.force_login(world.b.users["fund_manager"])
    assert client.get(url).status_code == 404
    client.force_login(side.users["fund_manager"])
    refused = client.post(url, {"targets": "2026: 60", "reason": ""})
    assert "reason" in refused.context["form"].errors
    done = client.post(url, {"targets": "2026: 60", "reason": "Tweede vestiging"})
    assert done.status_code == 302
    assert kpi.changes.get().version == 2
    assert "Tweede vestiging" in client.get(url).content.decode()
