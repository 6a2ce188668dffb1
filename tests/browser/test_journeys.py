"""End-to-end journeys in a real browser: what a fund manager, an impact entrepreneur and a municipal
official rely on, checked through visible text and roles on the live app.

The journeys are transactional (the live server answers from its own thread and must see committed data);
see conftest.py for how they leave the database and the test process as they found them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fund.models import FundStatus, Organisation, Role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="Browser journeys skipped: /usr/bin/chromium is missing (apt-get install chromium)",
    ),
    pytest.mark.django_db(transaction=True),
]


def label(text: str) -> re.Pattern:
    """A form label as crispy renders it: the text, a '*' when the field is required, untrimmed whitespace."""
    return re.compile(rf"^\s*{re.escape(text)}\*?\s*$")


def test_fund_manager_changes_fund_status_with_reason(browser_page, log_in, world):
    page = browser_page
    manager = world.a.users[Role.FUND_MANAGER]
    own_fund, other_fund = world.a.fund, world.b.fund

    log_in(page, manager)

    expect(page).to_have_url(re.compile(r"/dashboard/fund-manager/$"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1, name="Dashboard fondsmanager")).to_be_visible()
    expect(page.get_by_role("link", name=own_fund.name, exact=True)).to_be_visible()
    expect(page.get_by_text(other_fund.name, exact=True)).to_have_count(0)

    page.get_by_role("link", name=own_fund.name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=own_fund.name)).to_be_visible()
    status_badge = page.locator(".badge")
    expect(status_badge).to_have_text(str(FundStatus.INVESTING.label))  # "Investeert"

    reason = "Investeringsperiode afgelopen volgens het fondsreglement"
    page.get_by_label("Nieuwe status").select_option(label="Bouwt af")
    page.get_by_label("Reden").fill(reason)
    page.get_by_role("button", name="Wijzig status").click()

    expect(page.get_by_role("alert")).to_have_text("De status van het fonds is gewijzigd.")
    expect(status_badge).to_have_text("Bouwt af")
    history = page.get_by_role("region", name="Geschiedenis")
    change = history.get_by_role("row").filter(has_text=reason)
    expect(change).to_have_count(1)
    expect(change).to_contain_text(re.compile(r"(investing|Investeert)\s*→\s*(divesting|Bouwt af)"))
    expect(change).to_contain_text(str(manager))  # who did it


def test_fund_manager_registers_enterprise_after_fixing_kvk_number(browser_page, log_in, world):
    page = browser_page
    name = "Groene Fietsenmakerij Haarlem B.V."
    log_in(page, world.a.users[Role.FUND_MANAGER])

    page.get_by_role("link", name="Impactonderneming registreren").click()
    expect(page.get_by_role("heading", level=1, name="Nieuwe impactonderneming")).to_be_visible()
    page.get_by_label(label("Fonds")).select_option(label=world.a.fund.name)
    page.get_by_label(label("Naam")).fill(name)
    kvk = page.get_by_label(label("KvK-nummer"))
    kvk.fill("1234")
    page.get_by_label(label("Rechtsvorm")).select_option(label="Besloten vennootschap (bv)")
    page.get_by_label(label("Plaats")).fill("Haarlem")
    page.get_by_label(label("Vestigingsgemeente")).select_option(label="Haarlem (GM0392)")
    page.get_by_role("button", name="Opslaan").click()

    # Back on the form, with the problem named at the field and the input kept.
    expect(page.get_by_role("heading", level=1, name="Nieuwe impactonderneming")).to_be_visible()
    expect(page.get_by_text(re.compile(r"'1234' is geen geldig KvK-nummer.*acht cijfers"))).to_be_visible()
    expect(kvk).to_have_value("1234")
    expect(page.get_by_label(label("Naam"))).to_have_value(name)
    assert not Organisation.objects.filter(name=name).exists()

    kvk.fill("87654321")
    page.get_by_role("button", name="Opslaan").click()

    expect(page).to_have_url(re.compile(r"/organisations/\d+/$"))
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text(f"{name} is geregistreerd.")
    organisation = Organisation.objects.get(name=name)
    assert page.url.endswith(f"/organisations/{organisation.pk}/")
    assert organisation.kvk_number == "87654321"
    assert organisation.enterprise.fund_relations.filter(fund=world.a.fund).exists()


def test_investee_switches_to_english_and_logs_out(browser_page, log_in, world):
    page = browser_page
    log_in(page, world.a.users[Role.INVESTEE])

    expect(page).to_have_url(re.compile(r"/dashboard/investee/$"))
    expect(page.get_by_role("heading", level=1, name="Dashboard impactondernemer")).to_be_visible()
    own, other = world.a.enterprise.organisation.name, world.b.enterprise.organisation.name
    expect(page.get_by_role("link", name=own, exact=True)).to_be_visible()
    expect(page.get_by_text(other)).to_have_count(0)

    page.locator("select[name=language]").select_option("en")  # submits the form on change

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/dashboard/investee/$"))  # back where the user was
    expect(page.locator("select[name=language]")).to_have_value("en")
    expect(page.get_by_role("link", name=own, exact=True)).to_be_visible()

    # The label may or may not be translated yet: find the logout button by what it does.
    page.locator("form[action='/account/logout/'] button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/account/login/$"))
    expect(page.locator("form[action='/account/logout/']")).to_have_count(0)
    page.goto("/dashboard/investee/")
    expect(page).to_have_url(re.compile(r"/account/login/\?next=/dashboard/investee/$"))


def test_municipal_official_cannot_open_other_municipality_enterprise(browser_page, log_in, world):
    page = browser_page
    own, other = world.a.enterprise.organisation, world.b.enterprise.organisation
    log_in(page, world.a.users[Role.MUNICIPAL_OFFICIAL])
    expect(page).to_have_url(re.compile(r"/dashboard/municipality/$"))

    response = page.goto(f"/organisations/{own.pk}/")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1, name=own.name)).to_be_visible()

    response = page.goto(f"/organisations/{other.pk}/")
    assert response is not None and response.status == 404
    expect(page.locator("body")).not_to_contain_text(other.name)
