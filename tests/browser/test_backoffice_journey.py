"""Issue 14's journey: the fund manager imports statements (one refused for the wrong account, a bank-cost
line booked to its ledger account, another parked with its reason), runs provisions with a preview, closes
the quarters and the book year, and downloads the audit file (XAF 3.2, validated against the published
schema when it is present)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fund.models import Role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="Browser journeys skipped: /usr/bin/chromium is missing (apt-get install chromium)",
    ),
    pytest.mark.django_db(transaction=True),
]
FUND_IBAN = "NL20INGB0001234567"
FOREIGN_IBAN = "NL44RABO0123456789"
SCHEMA = (
    Path(__file__).resolve().parents[3] / "shared" / "standards" / "xaf" / "XmlAuditfileFinancieel3.2.xsd"
)


def _csv(account: str, *rows: str) -> bytes:
    header = "Datum;Bedrag;Tegenrekening;Naam;Omschrijving;Referentie;Rekening"
    return ("\n".join([header, *(f"{row};{account}" for row in rows)]) + "\n").encode()


def _upload(page, fund, name: str, data: bytes) -> None:
    page.goto(f"/funds/{fund.pk}/bank/")
    page.get_by_label(re.compile(r"Bankafschrift")).set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_role("button", name="Inlezen").click()


def test_statement_refused_and_parked_provisions_quarter_and_year_close_and_xaf(
    browser_page, log_in, world, axe
):
    from portfolio.bankimport import fund_bank_account_add
    from portfolio.ledger import Line, entry_post

    page = browser_page
    fund = world.a.fund
    fund_bank_account_add(fund=fund, iban=FUND_IBAN, name="Betaalrekening", actor=None)
    entry_post(  # the fund's first year: capital paid in in 2025
        fund=fund,
        value_date=datetime.date(2025, 3, 1),
        description="Kapitaalstorting gemeente",
        lines=[Line("1000", debit=Decimal("500000.00")), Line("3000", credit=Decimal("500000.00"))],
        actor=None,
    )
    log_in(page, world.a.users[Role.FUND_MANAGER])

    # a statement of an account that is not the fund's: refused whole, naming the account
    _upload(page, fund, "rabo.csv", _csv(FOREIGN_IBAN, "02-11-2026;1,00;;X;betaling;R1"))
    expect(page.get_by_test_id("import-status")).to_have_text("geweigerd")
    expect(page.locator("#import-progress")).to_contain_text("NL44 RABO 0123 4567 89")
    assert axe(page) == []  # the import page showing a refusal

    # the fund's own statement: the bank costs wait in the queue; October's are booked to 5400 Bankkosten,
    # November's are parked until the bank's invoice is in
    _upload(
        page,
        fund,
        "ing.csv",
        _csv(
            FUND_IBAN,
            "02-11-2026;-12,50;;ING;Kosten oktober;K-10",
            "03-11-2026;-7,25;;ING;Kosten pakket november;K-11",
        ),
    )
    expect(page.get_by_test_id("import-status")).to_have_text("ingelezen")
    expect(page.locator("#import-progress")).to_contain_text("2 regels niet herkend")
    page.get_by_role("link", name="Naar de niet herkende regels").click()
    row = page.get_by_role("row").filter(has_text="Kosten oktober")
    assert axe(page) == []  # the bank page with its queue of unmatched lines
    expect(row.get_by_role("button", name="Boeken op contract")).to_have_count(
        0
    )  # money out: no loan payment
    row.get_by_text("Geen aflossing").click()
    row.get_by_label("Grootboekrekening").select_option("5400")
    row.get_by_label("Omschrijving").fill("Bankkosten oktober")
    row.get_by_role("button", name="Boeken op rekening").click()
    expect(page.get_by_role("alert")).to_have_text("€ -12,50 is geboekt op rekening 5400.")
    parked = page.get_by_role("row").filter(has_text="Kosten pakket november")
    parked.get_by_text("Geen aflossing").click()
    parked.get_by_label("Reden om te parkeren").fill("Bankkosten: eerst de nota van de bank opvragen")
    parked.get_by_role("button", name="Parkeren").click()
    expect(page.get_by_role("alert")).to_have_text("De regel van € -7,25 is geparkeerd.")
    parked = page.get_by_role("row").filter(has_text="Kosten pakket november")
    expect(parked).to_contain_text("Geparkeerd")
    expect(parked).to_contain_text("Bankkosten: eerst de nota van de bank opvragen")
    assert fund.bank_lines.get(remittance__contains="pakket").status == "parked"

    # provisions and penalty interest: a preview, then booking it
    page.goto(f"/funds/{fund.pk}/provisions/?as_of=2026-10-31")
    expect(page.get_by_text("er is nog niets geboekt")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=world.a.contract.reference)).to_be_visible()
    assert axe(page) == []  # provisions preview
    page.get_by_role("button", name="Boeken per 31-10-2026").click()
    expect(page.get_by_role("alert")).to_have_text("Voorzieningen en boeterente per 31-10-2026 zijn geboekt.")

    # the quarters of 2025, then the book year 2025
    page.goto(f"/funds/{fund.pk}/ledger/")
    assert axe(page) == []  # the ledger report with the close forms
    page.get_by_label("Kwartaal afsluiten tot en met").select_option("2025-12-31")
    page.get_by_role("button", name="Kwartaal afsluiten").click()
    expect(page.get_by_role("alert")).to_have_text("De periode tot en met 31-12-2025 is afgesloten.")
    page.get_by_role("button", name="Boekjaar 2025 afsluiten").click()
    expect(page.get_by_role("alert")).to_contain_text("Boekjaar 2025 is afgesloten")
    assert fund.year_closes.get().year == 2025

    # the audit file of 2025 for the accountant
    page.get_by_label("Boekjaar voor de accountant").select_option("2025")
    with page.expect_download() as download:
        page.get_by_role("button", name="Auditfile (XAF)").click()
    assert download.value.suggested_filename == f"auditfile-{fund.code}-2025.xaf"
    content = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Kapitaalstorting gemeente" in content and "<fiscalYear>2025</fiscalYear>" in content
    if SCHEMA.exists():
        import xmlschema

        xmlschema.XMLSchema(str(SCHEMA)).validate(content)
