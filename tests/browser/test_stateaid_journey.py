"""De minimis journey in a real browser: a loan that would take the enterprise over the ceiling is blocked
at screening until the fund manager overrides the check with a written reason; the due diligence page then
shows the grant equivalent, and the fund's state-aid page the enterprise's headroom (issue 17)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fund.models import EuBaseRate, Role
from pipeline import services
from portfolio.stateaid import aid_declare
from tests.pipeline.pipeline_factories import submitted

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="Browser journeys skipped: /usr/bin/chromium is missing (apt-get install chromium)",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_screening_blocks_a_loan_over_the_de_minimis_ceiling_until_overridden(
    browser_page, log_in, world, axe
):
    page = browser_page
    side = world.a
    manager = side.users[Role.FUND_MANAGER]
    EuBaseRate.objects.create(valid_from=datetime.date(2020, 1, 1), rate=Decimal("0.0228"), source="test")
    aid_declare(
        actor=manager,
        fund=side.fund,
        enterprise=side.enterprise,
        granting_body="Provincie Noord-Holland",
        grant_date=timezone.localdate() - datetime.timedelta(days=200),
        amount=Decimal("298500.00"),
    )
    application = submitted(side)
    services.application_start_screening(actor=manager, application=application)

    log_in(page, manager)
    page.goto(f"/applications/{application.pk}/")
    check = page.locator("tr[data-check=de_minimis]")
    expect(check).to_have_class("check-fail")
    expect(check).to_contain_text("Het plafond wordt overschreden")
    expect(check).to_contain_text("€ 298.500,00")
    assert axe(page) == []  # the application with a failing screening check

    page.locator("[data-transition=start_due_diligence]").click()
    expect(page.get_by_role("alert").first).to_contain_text("De-minimisplafond staatssteun")
    expect(page.locator("#application-status")).to_have_text("Screening")

    page.get_by_label("Schriftelijke reden om de afwijking toe te staan").last.fill("")
    check.get_by_role("button", name="Afwijking toestaan").click()
    expect(page.get_by_role("alert").first).to_contain_text("Geef een reden")
    page.locator("#override-de_minimis").fill("De provinciale steun is ingetrokken (brief van 1 maart)")
    page.locator("tr[data-check=de_minimis]").get_by_role("button", name="Afwijking toestaan").click()
    expect(page.locator("tr[data-check=de_minimis]")).to_contain_text("De provinciale steun is ingetrokken")

    page.locator("[data-transition=start_due_diligence]").click()
    expect(page.locator("#application-status")).to_have_text("Due diligence")
    section = page.locator("#de-minimis")
    expect(section).to_contain_text("Subsidie-equivalent van deze lening")
    expect(section).to_contain_text("Boven het plafond")

    page.get_by_role("link", name="De-minimisoverzicht van de onderneming").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(side.enterprise.organisation.name)
    assert axe(page) == []  # the enterprise's de minimis overview
    expect(page.locator("table")).to_contain_text("Provincie Noord-Holland")
    expect(page.locator("table")).to_contain_text("€ 298.500,00")
