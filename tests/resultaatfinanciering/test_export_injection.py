"""Outcome exports neutralise a text cell that would start a formula (ASVS 5.3.x): the stored payment order
CSV (the creditor is the enterprise) and the accountant's audit file."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.documents import document_latest
from fund.models import Organisation
from resultaatfinanciering import services
from tests.resultaatfinanciering.test_documents import approved_proposal

pytestmark = pytest.mark.django_db
EVIL = '=HYPERLINK("http://x")'


def test_payment_order_csv_neutralises_a_formula_creditor_and_keeps_amounts(outcomes):
    _, a = outcomes  # side b: not pre-financed, so the enterprise itself is paid
    Organisation.objects.filter(pk=a.contract.provider.organisation_id).update(name=EVIL)
    proposal = approved_proposal(a)
    stored = document_latest(kind=services.KIND_PAYMENT_ORDER_CSV, subject=proposal)
    rows = list(csv.reader(io.StringIO(bytes(stored.content).decode("utf-8-sig")), delimiter=";"))
    creditor = rows[0].index("begunstigde")
    assert {row[creditor] for row in rows[1:-1]} == {"'" + EVIL}
    assert rows[-1][-1][0].isdigit()  # the total is a plain number, not neutralised


def test_audit_file_has_no_formula_cells(client, outcomes):
    _, a = outcomes  # side b: not pre-financed, so the enterprise itself is paid
    Organisation.objects.filter(pk=a.contract.provider.organisation_id).update(name=EVIL)
    approved_proposal(a)
    client.force_login(a.officials[0])
    response = client.get(reverse("resultaatfinanciering:audit_file", args=[a.contract.pk]))
    workbook = load_workbook(io.BytesIO(response.content))
    cells = [c for s in workbook.worksheets for r in s.iter_rows() for c in r]
    assert not any(c.data_type == "f" for c in cells)
    assert not any(isinstance(c.value, str) and c.value.startswith(("=", "+", "@")) for c in cells)
