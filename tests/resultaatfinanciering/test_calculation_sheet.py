"""Defect 2 of issue 13: each claim's price can be followed on a calculation sheet — on its page, in the
payment order PDF and in the Excel report — from the norm to this payment, with the rounding shown."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from resultaatfinanciering import selectors, services

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = datetime.date(2026, 11, 23)
SEP = datetime.date(2026, 9, 1)


def submit(side, participant, milestone, achieved_on=SEP):
    return services.claim_submit(
        actor=side.investee,
        contract=side.contract,
        participant=participant,
        milestone=milestone,
        achieved_on=achieved_on,
        today=TODAY,
    )


def test_sheet_walks_from_the_norm_to_this_payment(outcomes):
    a, _ = outcomes
    claim = submit(a, a.participants[0], a.start)
    sheet = selectors.calculation_sheet(claim)
    steps = [(line.formula, line.exact, line.amount, line.rounded) for line in sheet.lines]
    assert steps == [
        ("€ 1.369,06 × 12 × 100 %", "1.642.872 ct", D("16428.72"), False),
        ("€ 2.883,00 × 12 / 12", "288.300 ct", D("2883.00"), False),
        ("€ 16.428,72 + € 2.883,00", "1.931.172 ct", D("19311.72"), False),
        ("€ 19.311,72 × 25 %", "482.793 ct", D("4827.93"), False),
        ("(€ 19.311,72 − € 4.827,93) × 0 %", "0 ct", D("0.00"), False),
        ("€ 19.311,72 × (1 − 25 %) × (1 − 0 %)", "1.448.379 ct", D("14483.79"), False),
        ("€ 14.483,79 × 50 %", "724.189,5 ct", D("7241.90"), True),  # half a cent, rounded up
        ("€ 7.241,90 × 30 %", "217.257 ct", D("2172.57"), False),
    ]
    assert "Bruto besparing" in sheet.lines[2].label and "Netto besparing" in sheet.lines[5].label
    assert "Deadweight" in sheet.lines[3].label and "Verdringing" in sheet.lines[4].label
    assert sheet.price == claim.price and sheet.matches
    # the last milestone takes the remainder, shown as such
    later = submit(a, a.participants[0], a.sustained, achieved_on=datetime.date(2026, 10, 1))
    last = selectors.calculation_sheet(later).lines[-1]
    assert last.formula == "€ 7.241,90 − € 2.172,57" and last.amount == later.price == D("5069.33")


def test_sheet_shows_rounding_of_the_gross_saving(world):
    from tests.resultaatfinanciering.conftest import make_outcome_contract

    side = make_outcome_contract(world.a, tag="RND", claim_window_days=900)
    # norm 01-01-2025 1345.45 → 7135.65 × 0.30 = 2140.695 → 2140.70
    claim = submit(side, side.participants[0], side.start, achieved_on=datetime.date(2025, 3, 1))
    sheet = selectors.calculation_sheet(claim)
    assert (sheet.lines[-1].exact, sheet.lines[-1].amount, sheet.lines[-1].rounded) == (
        "214.069,5 ct",
        D("2140.70"),
        True,
    )
    assert sheet.matches


def test_claim_page_shows_the_sheet_and_the_norm(client, outcomes):
    a, b = outcomes
    claim = submit(a, a.participants[0], a.start)
    url = reverse("resultaatfinanciering:claim_detail", args=[claim.pk])
    for user in (a.officials[0], a.investee):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert "Rekenblad" in page and "€ 19.311,72 × 25 %" in page and "724.189,5 ct" in page
        assert "afgerond op centen" in page and "gelijk aan het rekenblad" in page
        assert "01-07-2026" in page  # the norm's valid-from date and its source
    client.force_login(b.officials[0])
    assert client.get(url).status_code == 404
    contract_page = client.get(reverse("resultaatfinanciering:contract_detail", args=[a.contract.pk]))
    assert contract_page.status_code == 404
    client.force_login(a.officials[0])
    contract_page = client.get(reverse("resultaatfinanciering:contract_detail", args=[a.contract.pk]))
    text = contract_page.content.decode()
    assert "verdringing 0 %" in text and "uitvoeringskosten € 2.883,00 per jaar" in text
    assert "deel van de uitkering dat stopt 100 %" in text and "deadweight 25 %" in text
    assert "0,25 %" not in text


def test_payment_order_pdf_and_excel_report_carry_the_sheet(client, outcomes):
    a, _ = outcomes
    for participant in a.participants[:2]:
        services.claim_verify(actor=a.officials[0], claim=submit(a, participant, a.start))
    proposal = services.proposal_prepare(
        actor=a.officials[0],
        contract=a.contract,
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 9, 30),
    )
    services.proposal_approve(actor=a.officials[1], proposal=proposal)
    services.proposal_approve(actor=a.officials[2], proposal=proposal)
    client.force_login(a.investee)
    pdf = client.get(reverse("resultaatfinanciering:payment_order", args=[proposal.pk, "pdf"])).content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Rekenblad per resultaat" in text and "724.189,5 ct" in text and "19.311,72" in text
    assert "geldig vanaf" in text and "01-07-2026" in text
    client.force_login(a.officials[0])
    xlsx = client.get(
        reverse("resultaatfinanciering:contract_report_file", args=[a.contract.pk, "xlsx"])
        + "?periode=2026-Q4"
    ).content
    sheet = load_workbook(io.BytesIO(xlsx))["Rekenblad"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["bruto_besparing"] == 19311.72 and row["netto_besparing"] == 14483.79
    assert row["prijs_per_resultaat"] == 7241.9 and row["deze_betaling"] == 2172.57
    assert row["deadweight"] == 0.25 and row["normbedrag"] == 1369.06
    assert sheet.max_row == 3
