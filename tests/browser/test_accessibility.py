"""WCAG 2.1 AA in a real browser (issue 15): axe-core finds nothing on the main pages of every role, also on a
form showing errors, and pages reflow from 320 to 1,440 px without horizontal scrolling."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from fund.models import Role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="Browser journeys skipped: /usr/bin/chromium is missing (apt-get install chromium)",
    ),
    pytest.mark.django_db(transaction=True),
]


def _pages(world, role) -> list[str]:
    side = world.a
    common = ["/", reverse("fund_list"), reverse("organisation_list")]
    pages = {
        Role.FUND_MANAGER: [
            reverse("fund_detail", args=[side.fund.pk]),
            reverse("organisation_detail", args=[side.enterprise.organisation_id]),
            reverse("portfolio_overview", args=[side.fund.pk]),
            reverse("contract_detail", args=[side.contract.pk]),
            reverse("enterprise_create"),
            reverse("impactmeasurement:portfolio", args=[side.fund.pk]),
        ],
        Role.COMMITTEE_MEMBER: [reverse("fund_detail", args=[side.fund.pk])],
        Role.INVESTEE: [reverse("organisation_detail", args=[side.enterprise.organisation_id])],
        Role.MUNICIPAL_OFFICIAL: [reverse("organisation_detail", args=[side.government.pk])],
        Role.INVESTOR: [reverse("organisation_detail", args=[side.investor.organisation_id])],
    }
    return common + pages[role]


ROLES = [Role.FUND_MANAGER, Role.COMMITTEE_MEMBER, Role.INVESTEE, Role.MUNICIPAL_OFFICIAL, Role.INVESTOR]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_main_pages_of_each_role_have_no_axe_violations(browser_page, log_in, axe, world, role):
    page = browser_page
    refused = []  # the Content-Security-Policy blocking something the page needs
    page.on(
        "console",
        lambda m: refused.append(f"{page.url}: {m.text}") if "Content Security Policy" in m.text else None,
    )
    log_in(page, world.a.users[role])
    violations = []
    for url in _pages(world, role):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        violations += axe(page)
    assert not violations, "\n".join(violations)
    assert not refused, "\n".join(refused)


def test_a_form_showing_errors_has_no_axe_violations(browser_page, log_in, axe, world):
    page = browser_page
    log_in(page, world.a.users[Role.FUND_MANAGER])
    page.goto(reverse("enterprise_create"))
    page.get_by_role("button", name="Opslaan").click()
    assert page.locator(".invalid-feedback, .is-invalid").count() > 0
    assert not axe(page)


@pytest.mark.parametrize("width", [320, 768, 1024, 1280, 1440])
def test_pages_reflow_without_horizontal_scrolling(browser_page, log_in, world, width):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, world.a.users[Role.FUND_MANAGER])
    for url in [reverse("fund_list"), reverse("portfolio_overview", args=[world.a.fund.pk])]:
        page.goto(url)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{url} at {width} px scrolls {overflow} px sideways"
        logout = page.get_by_role("button", name="Uitloggen")
        if logout.is_visible():
            box = logout.bounding_box()
            assert box["x"] + box["width"] <= width, f"'Uitloggen' falls off-screen at {width} px"
