"""Issue 15 items 2 and 5 for impact measurement: the Excel template and evidence are checked by parsing
(core.uploads): a zip bomb is refused before it is unpacked, a polyglot PDF is refused, real files pass."""

from __future__ import annotations

import io
import time

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from impactmeasurement import excel, services
from impactmeasurement.models import Evidence
from tests.conftest import PDF_BYTES
from tests.factories import huge_dimension_xlsx, polyglot_pdf, zip_bomb_xlsx

pytestmark = pytest.mark.django_db

NOW = "2026-07-10 10:00 +02:00"  # Q1 and Q2 ended: the template has those two periods


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (zip_bomb_xlsx(), "uitgepakt te groot"),
        (huge_dimension_xlsx(), "te groot (1000000 rijen"),
        (polyglot_pdf(), "geen leesbaar Excel-bestand"),
    ],
    ids=["zip-bomb", "declared-million-rows", "pdf"],
)
def test_the_template_reader_refuses_a_zip_bomb_before_reading_it(kpi_set, content, message):
    started = time.monotonic()
    with pytest.raises(excel.TemplateError) as refused:
        excel.read_upload(kpi_set, content)
    assert time.monotonic() - started < 5
    assert message in str(refused.value.problems[0])


def test_a_template_padded_beyond_its_expected_size_is_refused(kpi_set):
    with time_machine.travel(NOW, tick=False):
        workbook = load_workbook(io.BytesIO(excel.build_template(kpi_set)))
    workbook[excel.SHEET].cell(row=5_000, column=1, value="opvulling")
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(excel.TemplateError) as refused:
        excel.read_upload(kpi_set, buffer.getvalue())
    assert "Rapportage" in str(refused.value.problems[0]) and "te groot" in str(refused.value.problems[0])


def test_the_real_template_is_still_read(kpi_set):
    with time_machine.travel(NOW, tick=False):
        workbook = load_workbook(io.BytesIO(excel.build_template(kpi_set)))
    sheet = workbook[excel.SHEET]
    row = next(r for r in range(5, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == "2026-Q1")
    sheet.cell(row=row, column=7, value=12)
    buffer = io.BytesIO()
    workbook.save(buffer)
    batches, problems = excel.read_upload(kpi_set, buffer.getvalue())
    assert problems == []
    assert [period.label for period, _entries in batches] == ["2026-Q1"]
    assert 12 in [entry.raw for entry in batches[0][1].values()]


def _evidence(world, kpi_set, content, name="loonlijst.pdf"):
    return services.period_evidence_add(
        actor=world.a.users["investee"],
        period=kpi_set.periods.get(label="2026-Q1"),
        file=SimpleUploadedFile(name, content),
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (polyglot_pdf(), "bevat HTML of een script"),
        (b"%PDF-1.4\n%%EOF\n", "geen geldige PDF"),
        (zip_bomb_xlsx(), "uitgepakt te groot"),
        (b"<html><script>alert(1)</script></html>", "niet toegestaan"),
    ],
    ids=["polyglot", "header-only", "zip-bomb", "html"],
)
def test_impact_evidence_is_checked_by_parsing(world, kpi_set, content, message):
    started = time.monotonic()
    with pytest.raises(ValidationError) as refused:
        _evidence(world, kpi_set, content)
    assert time.monotonic() - started < 5
    assert message in " ".join(refused.value.message_dict["file"])
    assert not Evidence.objects.exists()


def test_impact_evidence_that_is_a_real_pdf_is_accepted_and_served_as_a_pdf(client, world, kpi_set):
    evidence = _evidence(world, kpi_set, PDF_BYTES)
    client.force_login(world.a.users["fund_manager"])
    response = client.get(
        reverse("impactmeasurement:evidence_download", args=[evidence.report.period_id, evidence.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF_BYTES
