"""Moving an existing fund in, in a real browser (issue 17): the fund manager downloads the template, uploads
a filled-in workbook, sees the dry run's reconciliation with one difference, explains it, confirms and
finishes; axe-core on every page of the way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from djmoney.money import Money
from playwright.sync_api import expect

from fund.models import Role
from portfolio.models import Contract
from reports import fundimport
from reports.fundimport_example import example_rows
from reports.models import FundImport
from tests.factories import make_fund, make_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="Browser journeys skipped: /usr/bin/chromium is missing (apt-get install chromium)",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_upload_dry_run_reconciliation_explain_finish(browser_page, log_in, axe, tmp_path):
    page = browser_page
    fund = make_fund(
        min_ticket=Money("25000.00", "EUR"),
        max_ticket=Money("500000.00", "EUR"),
        region_codes=("GM0392", "GM0453", "GM0375"),
    )
    manager = make_member(role=Role.FUND_MANAGER, fund=fund)
    rows = example_rows()
    rows["Toezeggingen"][1][5] += 6000  # the bank's paid-in as if call O-3 had been paid in full
    workbook = tmp_path / "oud-fonds.xlsx"
    workbook.write_bytes(fundimport.template_workbook(example=rows))

    log_in(page, manager)
    page.goto(f"/funds/{fund.pk}/")
    page.get_by_role("link", name="Fonds overzetten uit Excel").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bestaand fonds overzetten uit Excel")
    with page.expect_download() as download:
        page.get_by_role("link", name="Sjabloon downloaden (Excel)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert axe(page) == []

    page.get_by_label("Ingevulde werkmap (.xlsx)").set_input_files(str(workbook))
    # with eager Celery (tests) the dry run runs inside the request; on a busy machine that takes a while
    page.get_by_role("button", name="Proefimport starten").click(no_wait_after=True)
    expect(page.get_by_test_id("import-status")).to_have_text("Proefimport klaar", timeout=120_000)
    table = page.get_by_test_id("reconciliation")
    expect(table.get_by_role("rowheader", name="MIG-002")).to_have_count(2)
    expect(table).to_contain_text("€ -6.000,00")
    expect(page.get_by_test_id("unexplained")).to_contain_text("1 verschil zonder toelichting")
    expect(page.get_by_role("link", name="Import afronden")).to_have_count(0)
    assert axe(page) == []

    page.get_by_label(re.compile("Toelichting bij Coöperatieve Kustbank")).fill(
        "Storting van € 6.000 op oproep O-3 staat nog open"
    )
    page.get_by_role("button", name="Toelichtingen opslaan").click()
    expect(page.get_by_role("alert").first).to_contain_text("Toelichtingen opgeslagen")
    page.get_by_role("link", name="Import afronden").click()
    checkbox = page.get_by_label("Ik heb het bovenstaande gecontroleerd en bevestig dit.")
    expect(checkbox).not_to_be_checked()
    expect(page.get_by_role("row", name=re.compile("Uitbetaald"))).to_contain_text("€ 220.000,00")
    assert axe(page) == []
    checkbox.check()
    page.get_by_role("button", name="Definitief boeken").click(no_wait_after=True)
    expect(page.get_by_test_id("import-status")).to_have_text("Afgerond", timeout=120_000)
    expect(page.get_by_role("link", name="Aansluiting (Excel)")).to_be_visible()
    assert axe(page) == []

    assert FundImport.objects.get(fund=fund).status == "done"
    assert Contract.objects.filter(fund=fund).count() == 3
