"""Reminders with the clock frozen, and the REST API (token auth, scoped to the enterprise)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from fund.models import AuditEvent
from impactmeasurement import services, tasks
from impactmeasurement.models import Report
from tests.factories import api_key_for
from tests.impactmeasurement.factories import entries

D = Decimal


def run(day: str) -> dict:
    with time_machine.travel(f"{day} 07:00 +01:00", tick=False):
        return tasks.report_reminders()


def test_reminder_before_on_and_after_the_due_date(world, kpi_set):
    # 2026-Q1 ends 31-03, due 30-04; reminders 7 days before
    assert run("2026-04-22") == {"reminder": 0, "due": 0, "overdue": 0}
    assert run("2026-04-23") == {"reminder": 1, "due": 0, "overdue": 0}
    investee = world.a.users["investee"].email
    assert mail.outbox[-1].to == [investee] and "2026-Q1" in mail.outbox[-1].subject
    assert "30-04-2026" in mail.outbox[-1].body
    assert run("2026-04-24")["reminder"] == 0  # once
    assert run("2026-04-30") == {"reminder": 0, "due": 1, "overdue": 0}
    assert mail.outbox[-1].subject == "Vandaag: impactrapportage 2026-Q1"
    assert run("2026-05-01") == {"reminder": 0, "due": 0, "overdue": 1}
    assert mail.outbox[-1].to == [world.a.users["fund_manager"].email]
    assert "Te laat" in mail.outbox[-1].subject
    period = kpi_set.periods.get(label="2026-Q1")
    period.refresh_from_db()
    assert str(period.overdue_flagged_on) == "2026-05-01"
    assert AuditEvent.objects.for_object(period).get().action == "impact_report_overdue"
    assert run("2026-05-02")["overdue"] == 0


def test_a_submitted_report_gets_no_reminders(world, kpi_set):
    services.report_save(
        actor=world.a.users["investee"],
        period=kpi_set.periods.get(label="2026-Q1"),
        entries=entries(kpi_set, uitstroom_bijstand="10", totaal_fte="20", aandeel_afstand="50"),
        submit=True,
    )
    assert run("2026-04-23") == {"reminder": 0, "due": 0, "overdue": 0}
    assert run("2026-05-01")["overdue"] == 0


def test_beat_schedule_has_the_job():
    from config.celery import app

    assert (
        app.conf.beat_schedule["impact-report-reminders-daily"]["task"]
        == "impactmeasurement.report_reminders"
    )


@pytest.fixture
def api(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_for(world.a.users['investee'])}")
    return client


def test_api_lists_own_kpi_sets_only(api, world, kpi_set):
    from tests.impactmeasurement.factories import make_kpi_set

    make_kpi_set(world.b)
    data = api.get(reverse("impactmeasurement:api_kpi_sets")).json()
    assert [s["id"] for s in data] == [kpi_set.pk]
    assert {k["metric"] for k in data[0]["kpis"]} >= {"uitstroom-bijstand", "totaal-fte"}
    assert [p["label"] for p in data[0]["periods"]] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]


def test_api_submit_through_the_same_validation(api, kpi_set):
    period = kpi_set.periods.get(label="2026-Q1")
    url = reverse("impactmeasurement:api_period_values", args=[period.pk])
    bad = {
        "values": [
            {"metric": "uitstroom-bijstand", "value": "twaalf"},
            {"metric": "bestaat-niet", "value": 1},
            {"metric": "aandeel-afstand", "value": 120},
        ],
        "submit": True,
    }
    response = api.post(url, bad, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "location": "values[1].metric",
            "code": "unknown",
            "message": "'bestaat-niet' is geen KPI van deze set",
        },
        {"location": "values[0].value", "code": "type", "message": "'twaalf' is geen getal"},
        {
            "location": "values[2].value",
            "code": "range",
            "message": "een percentage ligt tussen 0 en 100, niet 120",
        },
    ]
    assert not Report.objects.exists()
    good = {
        "values": [
            {"metric": "uitstroom-bijstand", "value": 10},
            {"metric": "totaal-fte", "value": "20,5"},
            {"metric": "aandeel-afstand", "value": 50},
        ],
        "submit": True,
    }
    response = api.post(url, good, format="json")
    assert response.status_code == 200 and response.json() == {"period": "2026-Q1", "status": "submitted"}
    report = Report.objects.get(period=period)
    assert report.source == "api"
    assert report.values.get(kpi__metric__code="totaal-fte").number == D("20.5")
    values = api.get(url).json()["values"]
    assert {v["metric"]: v["value"] for v in values}["uitstroom-bijstand"] == "10.0000"


def test_api_scoped_to_the_enterprise(world, kpi_set):
    period = kpi_set.periods.get(label="2026-Q1")
    url = reverse("impactmeasurement:api_period_values", args=[period.pk])
    client = APIClient()
    assert client.get(url).status_code in (401, 403)
    for role, expected in (("investee", 404), ("fund_manager", 404)):
        client.force_authenticate(world.b.users[role])
        assert client.post(url, {"values": []}, format="json").status_code == expected
    client.force_authenticate(
        world.a.users["fund_manager"]
    )  # may read, not report on the enterprise's behalf
    assert client.get(url).status_code == 200
    assert client.post(url, {"values": [], "submit": True}, format="json").status_code == 403


def test_api_strings_are_read_the_dutch_way_json_numbers_as_they_are(api, kpi_set):
    period = kpi_set.periods.get(label="2026-Q1")
    url = reverse("impactmeasurement:api_period_values", args=[period.pk])
    values = [
        {"metric": "schuld-geregeld", "value": "7.900"},
        {"metric": "totaal-fte", "value": 12.5},
        {"metric": "uitstroom-bijstand", "value": "1.2.3"},
    ]
    response = api.post(url, {"values": values}, format="json")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["location"] == "values[2].value" and error["code"] == "type"
    assert error["message"].startswith("'1.2.3' is geen geldig getal")
    assert not Report.objects.exists()
    values[2]["value"] = 10
    assert api.post(url, {"values": values}, format="json").status_code == 200
    stored = {v.kpi.metric.code: v.number for v in Report.objects.get(period=period).values.all()}
    assert stored == {"schuld-geregeld": D("7900.00"), "totaal-fte": D("12.5"), "uitstroom-bijstand": D("10")}
