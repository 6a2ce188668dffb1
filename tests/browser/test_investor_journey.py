"""Investor journey in a real browser: the fund manager closes the quarter (confirmation step), runs the
quarterly batch and watches its progress, publishes it; the investor logs in, finds the capital account in
the portal and downloads the quarterly PDF. axe-core checks every page of the reports app on the way."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from fund.models import Role
from portfolio.accounts import AccountCode
from portfolio.ledger import Line, entry_post

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="Browser journeys skipped: /usr/bin/chromium is missing (apt-get install chromium)",
    ),
    pytest.mark.django_db(transaction=True),
]

QUARTER = "2026-Q1"


def _paid_in(side, amount: str) -> None:
    commitment = side.fund.commitments.get(investor=side.investor)
    entry_post(
        fund=side.fund,
        value_date=datetime.date(2026, 1, 2),
        description="Storting",
        lines=[
            Line(account=AccountCode.BANK, debit=Decimal(amount)),
            Line(account=AccountCode.PAID_IN_CAPITAL, credit=Decimal(amount), commitment=commitment),
        ],
        actor=None,
    )


def test_close_generate_publish_and_the_investor_downloads_the_pdf(browser_page, log_in, world, axe):
    from django.db import transaction

    page = browser_page
    side = world.a
    with transaction.atomic():
        _paid_in(side, "40000.00")
    manager = side.users[Role.FUND_MANAGER]
    log_in(page, manager)

    # the quarter: close it first (confirmation step, nothing preselected)
    page.goto(reverse("reports_quarter", args=[side.fund.pk, QUARTER]))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kwartaalrapportage 2026-Q1")
    assert axe(page) == []
    page.get_by_role("link", name="Kwartaal afsluiten").click()
    expect(page.get_by_text("31-03-2026").first).to_be_visible()
    checkbox = page.get_by_label("Ik heb het bovenstaande gecontroleerd en bevestig dit.")
    expect(checkbox).not_to_be_checked()
    assert axe(page) == []
    page.get_by_role("button", name="Kwartaal afsluiten").click()
    expect(page.get_by_text("Bevestigen: vink het vakje aan om door te gaan.")).to_be_visible()
    assert not side.fund.period_closes.exists()
    page.get_by_label("Ik heb het bovenstaande gecontroleerd en bevestig dit.").check()
    page.get_by_role("button", name="Kwartaal afsluiten").click()
    expect(page.get_by_role("alert")).to_contain_text("Het kwartaal 2026-Q1 is afgesloten")

    # generate: the batch page shows progress and ends with the list
    page.get_by_role("button", name="Rapportages maken").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("klaar")
    expect(page.get_by_test_id("batch-count")).to_contain_text("1 van 1 verwerkt: 1 gemaakt, 0 mislukt.")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_role("rowheader", name=side.investor.organisation.name)).to_be_visible()
    assert axe(page) == []

    # publish (confirmation step)
    page.get_by_role("link", name="Publiceren").click()
    expect(page.get_by_text(side.users[Role.INVESTOR].email)).to_be_visible()
    assert axe(page) == []
    page.get_by_label("Ik heb het bovenstaande gecontroleerd en bevestig dit.").check()
    page.get_by_role("button", name="Publiceren").click()
    expect(page.get_by_role("alert")).to_contain_text("Gepubliceerd")
    expect(page.get_by_test_id("batch-status")).to_have_text("gepubliceerd")
    page.get_by_role("button", name="Uitloggen").click()

    # the investor: dashboard → portal → capital account → PDF
    investor = side.users[Role.INVESTOR]
    log_in(page, investor)
    page.goto(reverse("dashboard", args=["investor"]))
    page.get_by_role("link", name="Naar het investeerdersportaal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Investeerdersportaal")
    assert axe(page) == []
    page.get_by_role("link", name=side.fund.name).click()
    account = page.get_by_test_id("capital-account")
    expect(account).to_contain_text("Stortingen")
    expect(account).to_contain_text("€ 40.000,00")
    assert axe(page) == []
    with page.expect_download() as download_info:
        page.get_by_test_id("report-download").first.click()
    download = download_info.value
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(content)).pages)
    assert side.investor.organisation.name in text and "€ 40.000,00" in text
    assert world.b.investor.organisation.name not in text
