"""Portfolio journey in a real browser: a fund manager records a contract, pays it out, imports the bank's
CAMT.053 statement with the first instalment, and sees the overview reflect the repayment.

(The issue's journey starts from an approved application; applications are not built yet, so the fund
manager records the contract directly, as the issue allows until then.)
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fund.models import Role
from fund.templatetags.money import format_eur
from portfolio.models import Contract
from portfolio.schedules import build_schedule
from tests.portfolio.test_bankstatements import camt, ntry, tx

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="Browser journeys skipped: /usr/bin/chromium is missing (apt-get install chromium)",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_contract_disbursement_camt_repayment_and_overview(browser_page, log_in, world):
    page = browser_page
    fund, enterprise = world.a.fund, world.a.enterprise
    log_in(page, world.a.users[Role.FUND_MANAGER])

    page.goto(f"/funds/{fund.pk}/portfolio/")
    page.get_by_role("link", name="Nieuw contract").click()
    page.get_by_label(re.compile(r"^\s*Onderneming")).select_option(label=enterprise.organisation.name)
    page.get_by_label(re.compile(r"^\s*Betalingskenmerk")).fill("ZK-E2E-1")
    page.get_by_label(re.compile(r"^\s*Hoofdsom")).fill("60000")
    page.get_by_label(re.compile(r"^\s*Rente per jaar")).fill("5")
    page.get_by_label(re.compile(r"^\s*Looptijd")).fill("24")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ZK-E2E-1")

    page.get_by_label(re.compile(r"^\s*Bedrag")).first.fill("60000")
    page.locator("#id_disburse-value_date").fill("2026-01-15")
    page.get_by_role("button", name="Uitbetalen").click()
    expect(page.get_by_role("alert")).to_have_text("Geboekt.")
    expect(page.get_by_role("cell", name="15-02-2026")).to_be_visible()  # the schedule now exists

    first = build_schedule(
        principal=Decimal("60000.00"),
        annual_rate=Decimal("0.05"),
        start_date=datetime.date(2026, 1, 15),
        term_months=24,
        frequency="monthly",
        method="annuity",
        day_count="30E/360",
    )[0]
    statement = camt(
        ntry(
            str(first.payment),
            booking="<BookgDt><Dt>2026-02-15</Dt></BookgDt><ValDt><Dt>2026-02-15</Dt></ValDt>",
            ref="E2E-BANK-1",
            details=f"<NtryDtls>{tx(ustrd='Termijn februari ZK-E2E-1')}</NtryDtls>",
        )
    )
    page.goto(f"/funds/{fund.pk}/bank/")
    page.get_by_label(re.compile(r"Bankafschrift")).set_input_files(
        files=[{"name": "ing-februari.xml", "mimeType": "application/xml", "buffer": statement}]
    )
    page.get_by_role("button", name="Inlezen").click()
    # the import runs as a background job; its page follows it until it has finished
    expect(page.get_by_test_id("import-status")).to_have_text("ingelezen")
    expect(page.locator("#import-progress")).to_contain_text("1 regels geboekt, 0 niet herkend")

    page.goto(f"/funds/{fund.pk}/portfolio/")
    row = page.get_by_role("row").filter(has_text="ZK-E2E-1")
    outstanding = Decimal("60000.00") - first.principal
    expect(row).to_contain_text(format_eur(outstanding, language="nl"))
    contract = Contract.objects.get(reference="ZK-E2E-1")
    assert contract.repayments.get().allocation == {
        "current_interest": str(first.interest),
        "current_principal": str(first.principal),
    }
