"""Issue 15 items 2 and 5 for resultaatfinanciering: evidence, signed contracts and the bulk import are
checked by parsing (core.uploads): a polyglot PDF and an Excel zip bomb are refused quickly; a real PDF is
accepted."""

from __future__ import annotations

import datetime
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from resultaatfinanciering import imports, services
from resultaatfinanciering.models import Claim
from tests.conftest import PDF_BYTES
from tests.factories import huge_dimension_xlsx, polyglot_pdf, zip_bomb_xlsx

pytestmark = pytest.mark.django_db

SEP = datetime.date(2026, 9, 1)


def _submit(side, evidence):
    return services.claim_submit(
        actor=side.investee,
        contract=side.contract,
        participant=side.participants[0],
        milestone=side.start,
        achieved_on=SEP,
        evidence=evidence,
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (polyglot_pdf(), "bevat HTML of een script"),
        (b"%PDF-1.7\n<html><script>alert(1)</script></html>", "bevat HTML of een script"),
        (b"%PDF-1.4\n%%EOF\n", "geen geldige PDF"),
        (zip_bomb_xlsx(), "uitgepakt te groot"),
    ],
    ids=["polyglot", "pdf-then-html", "header-only", "zip-bomb"],
)
def test_claim_evidence_is_checked_by_parsing(outcomes, content, message):
    a, _b = outcomes
    started = time.monotonic()
    with pytest.raises(ValidationError) as refused:
        _submit(a, ContentFile(content, name="arbeidscontract.pdf"))
    assert time.monotonic() - started < 5
    assert message in " ".join(refused.value.message_dict["evidence"])
    assert not Claim.objects.filter(contract=a.contract).exists()


def test_claim_evidence_that_is_a_real_pdf_is_accepted_and_served_as_a_pdf(outcomes, client):
    a, _b = outcomes
    claim = _submit(a, ContentFile(PDF_BYTES, name="arbeidscontract.pdf"))
    client.force_login(a.officials[0])
    response = client.get(reverse("resultaatfinanciering:claim_evidence", args=[claim.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_evidence_stored_before_the_checks_is_served_as_an_opaque_attachment(outcomes, client):
    """A file from before uploads were parsed (here: HTML named .pdf) is never served as PDF or HTML."""
    a, _b = outcomes
    claim = _submit(a, ContentFile(PDF_BYTES, name="bewijs.pdf"))
    claim.evidence.save("oud.pdf", ContentFile(b"<html><script>alert(1)</script></html>"), save=True)
    client.force_login(a.officials[0])
    response = client.get(reverse("resultaatfinanciering:claim_evidence", args=[claim.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_the_claim_form_names_the_evidence_field_for_a_polyglot(outcomes, client):
    a, _b = outcomes
    client.force_login(a.investee)
    page = client.post(
        reverse("resultaatfinanciering:claim_create", args=[a.contract.pk]),
        {
            "participant": a.participants[0].pk,
            "milestone": a.start.pk,
            "achieved_on": SEP.isoformat(),
            "evidence": SimpleUploadedFile("contract.pdf", polyglot_pdf()),
        },
    ).content.decode()
    assert "bevat HTML of een script" in page
    assert not Claim.objects.filter(contract=a.contract).exists()


def _draft(a):
    return services.contract_create(
        actor=a.officials[0],
        reference="RF-UPLOAD",
        payer=a.contract.payer,
        provider=a.contract.provider,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        target_group="x",
        budget_cap=Decimal("1000.00"),
        participant_cap=Decimal("100.00"),
        claim_window_days=30,
    )


@pytest.mark.parametrize("content", [polyglot_pdf(), zip_bomb_xlsx()], ids=["polyglot", "zip-bomb"])
def test_a_signed_contract_must_be_a_real_pdf(outcomes, content):
    a, _b = outcomes
    draft = _draft(a)
    with pytest.raises(ValidationError) as refused:
        services.contract_change_status(
            actor=a.officials[0],
            contract=draft,
            to_status="active",
            signed_document=ContentFile(content, name="getekend.pdf"),
        )
    assert "signed_document" in refused.value.message_dict
    draft.refresh_from_db()
    assert not draft.signed_document


def test_a_signed_contract_that_is_a_real_pdf_is_kept(outcomes):
    a, _b = outcomes  # the fixture activates its contract with a real PDF through the same service
    a.contract.refresh_from_db()
    assert a.contract.status == "active"
    assert a.contract.signed_document.read() == PDF_BYTES


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (zip_bomb_xlsx(), "uitgepakt te groot"),
        (huge_dimension_xlsx(), "te groot (1000000 rijen"),
        (polyglot_pdf(), "kan niet worden gelezen"),
    ],
    ids=["zip-bomb", "declared-million-rows", "pdf-named-xlsx"],
)
def test_the_bulk_import_refuses_a_zip_bomb_quickly(content, message):
    started = time.monotonic()
    with pytest.raises(imports.UploadError) as refused:
        imports.read_table(SimpleUploadedFile("claims.xlsx", content), columns=imports.CLAIM_COLUMNS)
    assert time.monotonic() - started < 5
    assert message in str(refused.value)


def test_the_bulk_import_still_reads_a_real_workbook():
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(imports.CLAIM_COLUMNS)
    workbook.active.append(["HLM-2026-0001", "uitstroom-werk", "start", datetime.date(2026, 9, 1), ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = imports.read_table(
        SimpleUploadedFile("claims.xlsx", buffer.getvalue()), columns=imports.CLAIM_COLUMNS
    )
    assert rows == [
        (
            2,
            {
                "referentie": "HLM-2026-0001",
                "resultaat": "uitstroom-werk",
                "mijlpaal": "start",
                "behaald_op": "2026-09-01",
                "toelichting": "",
            },
        )
    ]
