"""Outcomes journey in a real browser: the enterprise claims a milestone, official A verifies it and prepares
the payment proposal, officials B and C approve it, the payment order PDF and the SEPA file are downloaded
twice (the same bytes), the municipality's bank statement that books exactly that SEPA file is imported and
matches the payment (shown on the proposal), the claim's calculation sheet shows every step, the council
report shows its chart, and the audit file is downloaded."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from resultaatfinanciering.models import Claim, Payment
from tests.resultaatfinanciering.camt import statement_for_sepa
from tests.resultaatfinanciering.conftest import make_outcome_contract

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="Browser journeys skipped: /usr/bin/chromium is missing (apt-get install chromium)",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_claim_verify_propose_two_approvals_payment_order(browser_page, log_in, world, axe, tmp_path):
    page = browser_page
    side = make_outcome_contract(world.a, tag="HLM")
    official_a, official_b, official_c = side.officials
    achieved = datetime.date.today() - datetime.timedelta(days=10)  # noqa: DTZ011 (the live server's today)

    log_in(page, side.investee)
    page.get_by_role("link", name="Resultaatfinanciering").click()
    page.get_by_role("link", name="RF-HLM").click()
    page.get_by_label(re.compile(r"^\s*Deelnemer")).select_option(label="HLM-2026-0001")
    page.get_by_label(re.compile(r"^\s*Mijlpaal")).select_option(index=1)
    page.get_by_label(re.compile(r"^\s*Behaald op")).fill(achieved.isoformat())
    page.get_by_role("button", name="Claim indienen").click()
    expect(page.get_by_role("alert")).to_contain_text("Claim ingediend: HLM-2026-0001 · start, € 2.172,57")
    page.context.clear_cookies()

    log_in(page, official_a)
    page.goto(f"/outcomes/contracts/{side.contract.pk}/")
    page.get_by_role("button", name="Verifiëren HLM-2026-0001 · start").click()
    expect(page.get_by_role("alert")).to_contain_text("geverifieerd")
    page.locator("#id_period_start").fill((achieved - datetime.timedelta(days=30)).isoformat())
    page.locator("#id_period_end").fill(achieved.isoformat())
    page.get_by_role("button", name="Voorstel opstellen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Betaalvoorstel RF-HLM")
    expect(page.get_by_role("button", name="Goedkeuren")).to_have_count(0)  # the preparer cannot approve
    proposal_url = page.url
    page.context.clear_cookies()

    for official in (official_b, official_c):
        log_in(page, official)
        page.goto(proposal_url)
        page.get_by_role("button", name="Goedkeuren").click()
        expect(page.get_by_role("alert")).to_contain_text("Uw goedkeuring is vastgelegd.")
        page.context.clear_cookies()

    log_in(page, official_a)
    page.goto(proposal_url)
    expect(page.get_by_text("Goedgekeurd, betaalopdracht klaar", exact=True)).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Betaalopdracht (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("betaalopdracht-RF-")
    text = PdfReader(io.BytesIO(Path(download.path()).read_bytes())).pages[0].extract_text()
    assert "HLM-2026-0001" in text and "2.172,57" in text
    with page.expect_download() as again:  # stored at approval: the same document every time
        page.get_by_role("link", name="Betaalopdracht (PDF)").click()
    assert Path(again.value.path()).read_bytes() == Path(download.path()).read_bytes()
    assert Payment.objects.get().amount == Claim.objects.get().price

    # The SEPA file twice: the same bytes (made once, at the second approval).
    sepa = []
    for _ in range(2):
        with page.expect_download() as sepa_info:
            page.get_by_role("link", name=re.compile("SEPA")).first.click()
        sepa.append(Path(sepa_info.value.path()).read_bytes())
    assert sepa[0] == sepa[1] and b"pain.001.001.03" in sepa[0]

    # The municipality's bank statement (CAMT.053) that books that SEPA file matches the payment.
    statement = tmp_path / "afschrift-2026-11.xml"
    statement.write_bytes(statement_for_sepa(sepa[0], booked=datetime.date.today()))  # noqa: DTZ011
    page.goto("/outcomes/")
    page.get_by_role("link", name="Bankafstemming").click()
    assert axe(page) == []
    page.get_by_label(re.compile(r"Bankafschrift \(CAMT\.053")).set_input_files(str(statement))
    page.get_by_role("button", name="Afschrift inlezen").click()
    expect(page.get_by_role("alert")).to_contain_text("1 betaling(en) komen overeen, 0 verschil(len)")
    expect(page.locator("table")).to_contain_text("Komt overeen")
    assert axe(page) == []
    page.goto(proposal_url)
    expect(page.get_by_text("gevonden op het bankafschrift", exact=True)).to_be_visible()

    # The claim's calculation sheet shows every step, so nothing has to be recomputed by hand.
    page.get_by_role("link", name="HLM-2026-0001").first.click()
    expect(page.get_by_role("heading", name="Rekenblad")).to_be_visible()
    sheet = page.locator("table.calculation-sheet")
    for step in ("€ 1.369,06 × 12 × 100 %", "€ 19.311,72 × 25 %", "724.189,5 ct", "€ 7.241,90 × 30 %"):
        expect(sheet).to_contain_text(step)
    expect(sheet).to_contain_text("gelijk aan het rekenblad")

    # The council report (begroting, tussenrapportage, jaarrekening) with its chart.
    page.goto("/outcomes/")
    page.get_by_role("link", name=re.compile("^Raadsrapportage")).click()
    page.get_by_label("Rapport", exact=True).select_option("jaarrekening")
    page.get_by_role("button", name="Tonen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jaarrekening")
    expect(page.locator("#council-chart")).to_be_visible()
    assert axe(page) == []

    # The audit file for the accountant.
    page.goto(f"/outcomes/contracts/{side.contract.pk}/")
    page.get_by_label("Steekproefgrootte (optioneel)").fill("1")
    page.get_by_label("Zaad").fill("2026")
    with page.expect_download() as audit_info:
        page.get_by_role("button", name="Controledossier downloaden").click()
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(Path(audit_info.value.path()).read_bytes()))
    assert {"Claims", "Geschiedenis", "Steekproef"} <= set(book.sheetnames)
    assert book["Claims"].max_row == 2
