"""The migration pages: upload → dry run (a Celery task) → reconciliation → explanations → confirm → done."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from djmoney.money import Money
from openpyxl import load_workbook

from core.documents import document_latest
from fund.models import AuditEvent, Role
from portfolio.models import JournalEntry
from reports import fundimport
from reports.fundimport_example import example_rows
from reports.models import FundImport
from tests.factories import make_fund, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund(db):
    return make_fund(
        min_ticket=Money("25000.00", "EUR"),
        max_ticket=Money("500000.00", "EUR"),
        region_codes=("GM0392", "GM0453", "GM0375"),
    )


def _upload(client, fund, rows, capture):
    data = fundimport.template_workbook(example=rows)
    with capture(execute=True):
        response = client.post(
            reverse("fund_import", args=[fund.pk]),
            {"file": SimpleUploadedFile("oud-fonds.xlsx", data)},
        )
    assert response.status_code == 302
    return FundImport.objects.get(fund=fund)


def test_template_download_and_page_for_the_fund_manager_only(client, fund):
    client.force_login(make_member(role=Role.FUND_MANAGER, fund=fund))
    response = client.get(reverse("fund_import_template", args=[fund.pk]))
    workbook = load_workbook(io.BytesIO(response.content))
    assert "Contracten" in workbook.sheetnames and "KPI-historie" in workbook.sheetnames
    assert "Proefimport starten" in client.get(reverse("fund_import", args=[fund.pk])).content.decode()
    client.force_login(make_member(role=Role.COMMITTEE_MEMBER, fund=fund))
    assert client.get(reverse("fund_import", args=[fund.pk])).status_code == 404


def test_upload_dry_run_explain_and_finish(client, fund, django_capture_on_commit_callbacks):
    manager = make_member(role=Role.FUND_MANAGER, fund=fund)
    client.force_login(manager)
    rows = example_rows()
    rows["Contracten"][2][11] += 1  # MIG-003's arrears € 1,00 higher in the old administration
    job = _upload(client, fund, rows, django_capture_on_commit_callbacks)
    assert job.status == "checked" and not JournalEntry.objects.filter(fund=fund).exists()
    page = client.get(reverse("fund_import_job", args=[job.pk])).content.decode()
    assert "Aansluiting op de peildatum" in page and "1 verschil zonder toelichting" in page
    assert reverse("fund_import_finish", args=[job.pk]) not in page
    refused = client.post(reverse("fund_import_finish", args=[job.pk]), {"confirm": "on"}, follow=True)
    assert "verschillen zonder toelichting" in refused.content.decode()

    client.post(reverse("fund_import_explain", args=[job.pk]), {"explanation_0": "Aanmaningskosten"})
    job.refresh_from_db()
    assert job.explanations == {"contract:MIG-003:arrears": "Aanmaningskosten"}
    confirm = client.get(reverse("fund_import_finish", args=[job.pk])).content.decode()
    assert "Definitief boeken" in confirm and "checked" not in confirm.split("confirm")[-1][:200]
    assert client.post(reverse("fund_import_finish", args=[job.pk]), {}).status_code == 200  # not ticked
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("fund_import_finish", args=[job.pk]), {"confirm": "on"})
    job.refresh_from_db()
    assert job.status == "done" and job.finished_by == manager
    assert JournalEntry.objects.filter(fund=fund).count() > 50
    report = document_latest(kind=fundimport.KIND_RECONCILIATION, subject=job)
    sheet = load_workbook(io.BytesIO(bytes(report.content)))["Aansluiting"]
    assert any(row[-1] == "Aanmaningskosten" for row in sheet.iter_rows(values_only=True))
    actions = set(AuditEvent.objects.filter(object_id=str(job.pk)).values_list("action", flat=True))
    assert {
        "fund_import_uploaded",
        "fund_import_checked",
        "fund_import_explained",
        "fund_import_finished",
    } <= actions


def test_a_workbook_with_errors_lists_them_and_offers_a_new_upload(
    client, fund, django_capture_on_commit_callbacks
):
    client.force_login(make_member(role=Role.FUND_MANAGER, fund=fund))
    rows = example_rows()
    rows["Betalingen"][3][2] = "twaalf"
    job = _upload(client, fund, rows, django_capture_on_commit_callbacks)
    assert job.status == "invalid"
    page = client.get(reverse("fund_import_job", args=[job.pk])).content.decode()
    assert "Betalingen" in page and "&#x27;twaalf&#x27; is geen bedrag" in page
    assert "Verbeterde werkmap uploaden" in page
