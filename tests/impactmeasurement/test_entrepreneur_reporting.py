"""Issue 16, the entrepreneur's side of impact reporting: a running period is not reported on (form, Excel,
API), the target shown is the target checked and says where it comes from, the header tells the truth after
a refused save, last period's values as reference, uploads not submitted unless asked, a receipt."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from core.errors import ApplicationError
from core.formats import format_datetime
from impactmeasurement import excel, services
from impactmeasurement.models import Report
from impactmeasurement.services import ReportValidationError
from tests.factories import api_key_for
from tests.impactmeasurement.factories import entries, kpi_of

D = Decimal
IN_Q4 = "2026-11-10 10:00 +01:00"  # Q1–Q3 of 2026 have ended, Q4 runs until 31-12-2026
GOOD = {"uitstroom_bijstand": "10", "totaal_fte": "20", "aandeel_afstand": "50"}
RUNNING = "De periode 2026-Q4 loopt nog tot en met 31-12-2026; u kunt erover rapporteren vanaf 01-01-2027."


def _rows(ws, label):
    return {
        ws.cell(row=r, column=2).value: r
        for r in range(5, ws.max_row + 1)
        if ws.cell(row=r, column=1).value == label
    }


# --- defect 1: a running period is refused everywhere ------------------------------------------------


def test_service_refuses_a_period_that_has_not_ended(world, kpi_set):
    q4 = kpi_set.periods.get(label="2026-Q4")
    with time_machine.travel(IN_Q4, tick=False):
        for submit in (True, False):
            with pytest.raises(ApplicationError) as exc:
                services.report_save(
                    actor=world.a.users["investee"],
                    period=q4,
                    entries=entries(kpi_set, **GOOD),
                    submit=submit,
                )
            assert str(exc.value.message) == RUNNING
    assert not Report.objects.filter(period=q4).exists()
    with time_machine.travel("2027-01-01 09:00 +01:00", tick=False):  # the first day after the quarter
        report = services.report_save(
            actor=world.a.users["investee"], period=q4, entries=entries(kpi_set, **GOOD), submit=True
        )
    assert report.status == "submitted"


def test_form_of_a_running_period_is_read_only_and_refuses_a_post(client, world, kpi_set):
    q4 = kpi_set.periods.get(label="2026-Q4")
    client.force_login(world.a.users["investee"])
    url = reverse("impactmeasurement:report_form", args=[q4.pk])
    flow = kpi_of(kpi_set, "uitstroom-bijstand")
    with time_machine.travel(IN_Q4, tick=False):
        page = client.get(url).content.decode()
        assert RUNNING in page
        assert f'name="value_{flow.pk}"' not in page and 'value="submit"' not in page
        response = client.post(url, {f"value_{flow.pk}": "10", "action": "submit"})
    assert response.status_code == 403
    assert not Report.objects.filter(period=q4).exists()


def test_excel_template_leaves_running_periods_out_and_upload_refuses_them(world, kpi_set):
    with time_machine.travel(IN_Q4, tick=False):
        wb = load_workbook(io.BytesIO(excel.build_template(kpi_set)))
    ws = wb[excel.SHEET]
    assert _rows(ws, "2026-Q3") and not _rows(ws, "2026-Q4")
    # a template made on 1 January 2027 (with Q4), uploaded back in November by a wrong clock / old file
    with time_machine.travel("2027-01-02 10:00 +01:00", tick=False):
        wb = load_workbook(io.BytesIO(excel.build_template(kpi_set)))
    ws = wb[excel.SHEET]
    q4 = _rows(ws, "2026-Q4")
    for code, value in (("uitstroom-bijstand", 10), ("totaal-fte", 20), ("aandeel-afstand", 50)):
        ws.cell(row=q4[code], column=7, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    with time_machine.travel(IN_Q4, tick=False), pytest.raises(ReportValidationError) as exc:
        excel.import_upload(
            actor=world.a.users["investee"], kpi_set=kpi_set, data=buffer.getvalue(), submit=True
        )
    assert [str(p) for p in exc.value.problems] == [f"Rapportage!G{q4['uitstroom-bijstand']}: {RUNNING}"]
    assert not Report.objects.exists()


def test_api_refuses_a_running_period(world, kpi_set):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_for(world.a.users['investee'])}")
    q4 = kpi_set.periods.get(label="2026-Q4")
    url = reverse("impactmeasurement:api_period_values", args=[q4.pk])
    with time_machine.travel(IN_Q4, tick=False):
        response = client.post(
            url, {"values": [{"metric": "uitstroom-bijstand", "value": 10}], "submit": True}, format="json"
        )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"location": "values[0].value", "code": "period_not_ended", "message": RUNNING}
    ]
    assert not Report.objects.exists()


# --- defect 3: the header after a refused save -------------------------------------------------------


def test_header_after_a_refused_first_save_says_not_started(client, world, kpi_set):
    q1 = kpi_set.periods.get(label="2026-Q1")
    client.force_login(world.a.users["investee"])
    url = reverse("impactmeasurement:report_form", args=[q1.pk])
    flow = kpi_of(kpi_set, "uitstroom-bijstand")
    refused = client.post(url, {f"value_{flow.pk}": "twaalf", "action": "save"}).content.decode()
    reloaded = client.get(url).content.decode()
    status = '<strong id="report-status">Nog niet begonnen</strong>'
    assert status in reloaded
    assert status in refused
    assert "twaalf" in refused  # what was typed stays in the field


def test_header_after_a_refused_save_of_a_draft_stays_draft(client, world, kpi_set):
    q1 = kpi_set.periods.get(label="2026-Q1")
    services.report_save(
        actor=world.a.users["investee"], period=q1, entries=entries(kpi_set, totaal_fte="20")
    )
    client.force_login(world.a.users["investee"])
    url = reverse("impactmeasurement:report_form", args=[q1.pk])
    flow = kpi_of(kpi_set, "uitstroom-bijstand")
    refused = client.post(url, {f"value_{flow.pk}": "-1", "action": "submit"}).content.decode()
    assert '<strong id="report-status">Concept</strong>' in refused
    assert Report.objects.get(period=q1).status == "draft"


# --- defect 2: the target shown is the target checked, and says how it follows from the year target ----


@pytest.fixture
def target_18(kpi_set):
    """A year target of 18 for a flow: 4,5 a quarter, which a rounded display showed as 4."""
    flow = kpi_of(kpi_set, "uitstroom-bijstand")
    flow.targets.filter(year=2026).update(value=D("18"))
    return flow


def test_form_shows_the_checked_quarter_target_and_its_basis(client, world, kpi_set, target_18):
    q1 = kpi_set.periods.get(label="2026-Q1")
    client.force_login(world.a.users["investee"])
    url = reverse("impactmeasurement:report_form", args=[q1.pk])
    page = client.get(url).content.decode()
    assert "<td>4,5<div" in page and "jaardoel 18 ÷ 4 kwartalen" in page
    assert "jaardoel 20 (een stand: geldt voor elke periode)" in page  # totaal-fte is a stock
    fte, share = kpi_of(kpi_set, "totaal-fte"), kpi_of(kpi_set, "aandeel-afstand")
    page = client.post(
        url,
        {f"value_{target_18.pk}": "2", f"value_{fte.pk}": "20", f"value_{share.pk}": "50", "action": "save"},
        follow=True,
    ).content.decode()
    assert "wijkt 55,6 % af van het doel (4,5); grens 50 %" in page


def test_excel_template_shows_the_checked_target_and_its_basis(kpi_set, target_18):
    with time_machine.travel(IN_Q4, tick=False):
        ws = load_workbook(io.BytesIO(excel.build_template(kpi_set)))[excel.SHEET]
    row = _rows(ws, "2026-Q1")["uitstroom-bijstand"]
    assert ws.cell(row=row, column=6).value == "4,5 (jaardoel 18 ÷ 4 kwartalen)"


def test_period_target_is_rounded_once_to_what_is_shown():
    """The pro-rata target is rounded to cents once (half up); the display and the check use that number."""
    from types import SimpleNamespace

    from impactmeasurement.validation import period_target

    metric = SimpleNamespace(aggregation="sum")
    for frequency, year_target, expected in (
        ("quarterly", D("18"), D("4.50")),
        ("quarterly", D("50"), D("12.50")),
        ("quarterly", D("10"), D("2.50")),
        ("half_yearly", D("25"), D("12.50")),
        ("quarterly", D("1"), D("0.25")),
        ("quarterly", D("0.1"), D("0.03")),  # 0,025 → 0,03 (half up), the number the check uses
    ):
        kpi = SimpleNamespace(pk=1, metric=metric, kpi_set=SimpleNamespace(frequency=frequency))
        period = SimpleNamespace(year=2026)
        assert period_target(kpi, period, {(1, 2026): year_target}) == expected


# --- impact reporting improvements ---------------------------------------------------------------------


def test_last_periods_values_are_a_reference_never_the_answer(client, world, kpi_set):
    q1, q2 = (kpi_set.periods.get(label=label) for label in ("2026-Q1", "2026-Q2"))
    services.report_save(actor=world.a.users["investee"], period=q1, entries=entries(kpi_set, **GOOD))
    client.force_login(world.a.users["investee"])
    page = client.get(reverse("impactmeasurement:report_form", args=[q2.pk])).content.decode()
    flow = kpi_of(kpi_set, "uitstroom-bijstand")
    field = page.split(f'id="value_{flow.pk}"')[1].split(">")[0]
    assert 'value=""' in field and 'placeholder="vorige periode: 10"' in field


def test_excel_upload_is_a_draft_unless_direct_submission_is_ticked(client, world, kpi_set):
    client.force_login(world.a.users["investee"])
    page = client.get(reverse("impactmeasurement:kpi_set_detail", args=[kpi_set.pk])).content.decode()
    checkbox = page.split('id="id_submit"')[0].rsplit("<input", 1)[1] + page.split('id="id_submit"')[1][:20]
    assert "checked" not in checkbox
    wb = load_workbook(io.BytesIO(excel.build_template(kpi_set)))
    ws = wb[excel.SHEET]
    rows = _rows(ws, "2026-Q1")
    for code, value in (("uitstroom-bijstand", 10), ("totaal-fte", 20), ("aandeel-afstand", 50)):
        ws.cell(row=rows[code], column=7, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    upload = SimpleUploadedFile("rapportage.xlsx", buffer.getvalue())
    response = client.post(reverse("impactmeasurement:excel_upload", args=[kpi_set.pk]), {"file": upload})
    assert response.status_code == 302
    assert Report.objects.get(period__label="2026-Q1").status == "draft"


def test_after_submission_the_form_shows_a_receipt(client, world, kpi_set):
    q1 = kpi_set.periods.get(label="2026-Q1")
    client.force_login(world.a.users["investee"])
    url = reverse("impactmeasurement:report_form", args=[q1.pk])
    page = client.get(url).content.decode()
    assert 'id="receipt"' not in page
    data = {f"value_{kpi_of(kpi_set, c.replace('_', '-')).pk}": v for c, v in GOOD.items()}
    page = client.post(url, {**data, "action": "submit"}, follow=True).content.decode()
    receipt = page.split('id="receipt"')[1].split("</section>")[0]
    report = Report.objects.get(period=q1)
    investee = world.a.users["investee"]
    assert "Ontvangstbewijs" in receipt and "via Webformulier" in receipt
    assert f"Ingediend op {format_datetime(report.submitted_at)} door" in receipt
    assert (investee.get_full_name() or investee.email) in receipt
    assert "Eerste versie van de waarden." in receipt
    assert "Mensen uitgestroomd uit de bijstand: 10" in receipt


def test_dashboard_lists_the_ended_open_periods_with_their_due_dates(client, world, kpi_set):
    client.force_login(world.a.users["investee"])
    with time_machine.travel(IN_Q4, tick=False):
        page = client.get(reverse("dashboard", args=["investee"])).content.decode()
    assert "2026-Q3" in page and "30-10-2026" in page  # ended, due 30 days after the quarter
    assert "2026-Q4" not in page  # still running: nothing to report yet
