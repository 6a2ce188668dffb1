"""The top bar is on every page: its links come from the memberships loaded for the request, so a fund
manager of many funds costs no more queries than a manager of one (bench/load.py, issue 15 item 15)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fund import services
from fund.models import Role
from tests.factories import make_fund, make_member

pytestmark = pytest.mark.django_db


def _nav(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("organisation_list")).content.decode()
    assert page.count("<nav") >= 1
    return page[page.index('id="mainnav"') : page.index("</nav>")], len(queries.captured_queries)


def test_a_manager_of_many_funds_gets_every_link_without_more_queries(client):
    first = make_fund()
    manager = make_member(Role.FUND_MANAGER, fund=first)
    client.force_login(manager)
    _nav(client)  # warm-up: sessions, content types
    _one_nav, one_fund = _nav(client)
    funds = [first] + [make_fund(manager=first.manager) for _ in range(4)]
    for fund in funds[1:]:
        services.membership_grant(actor=None, user=manager, role=Role.FUND_MANAGER, fund=fund)
    nav, five_funds = _nav(client)
    assert five_funds <= one_fund
    for fund in funds:
        for name in (
            "pipeline_overview",
            "meeting_list",
            "portfolio_overview",
            "ledger_report",
            "bank_statements",
        ):
            assert f'href="{reverse(name, args=[fund.pk])}"' in nav
        assert f"Pijplijn {fund.code}" in nav and f"Commissie {fund.code}" in nav and fund.name in nav
    codes = sorted(f.code for f in funds)
    assert [nav.index(f"Pijplijn {code}<") for code in codes] == sorted(
        nav.index(f"Pijplijn {code}<") for code in codes
    )


def test_a_committee_member_sees_the_committee_but_no_pipeline_or_back_office(client):
    fund = make_fund()
    other = make_fund(manager=fund.manager)
    client.force_login(make_member(Role.COMMITTEE_MEMBER, fund=fund))
    nav, _ = _nav(client)
    assert f'href="{reverse("meeting_list", args=[fund.pk])}"' in nav and f"Commissie {fund.code}" in nav
    assert "Pijplijn" not in nav and "Backoffice" not in nav
    assert reverse("portfolio_overview", args=[fund.pk]) not in nav
    assert reverse("meeting_list", args=[other.pk]) not in nav


def test_the_labels_follow_the_language(client):
    fund = make_fund()
    client.force_login(make_member(Role.FUND_MANAGER, fund=fund))
    client.cookies["django_language"] = "en"
    nav, _ = _nav(client)
    assert f"Pipeline {fund.code}" in nav and f"Committee {fund.code}" in nav


def test_the_cached_menu_follows_memberships_names_and_language_at_once(client):
    """The menu is cached per digest of what it is made of (fund.context_processors.nav_cache_key): a new
    membership, a renamed fund and the other language show on the next page, with nothing invalidated."""
    fund = make_fund(name="Fonds Noord")
    manager = make_member(Role.FUND_MANAGER, fund=fund)
    client.force_login(manager)
    nav, _ = _nav(client)
    assert "Portefeuille" in nav and reverse("meeting_list", args=[fund.pk]) in nav
    second = make_fund(manager=fund.manager, name="Fonds Zuid")
    services.membership_grant(actor=None, user=manager, role=Role.FUND_MANAGER, fund=second)
    nav, _ = _nav(client)
    assert "Fonds Noord" in nav and "Fonds Zuid" in nav
    second.name = "Fonds Zuidwest"
    second.save(update_fields=["name"])
    nav, _ = _nav(client)
    assert "Fonds Zuidwest" in nav and "Fonds Zuid<" not in nav
    client.cookies["django_language"] = "en"
    nav, _ = _nav(client)
    assert "Portfolio" in nav and "Portefeuille" not in nav
    client.cookies["django_language"] = "nl"
    services.membership_revoke(actor=None, membership=manager.memberships.get(fund=second), reason="test")
    nav, _ = _nav(client)
    assert "Fonds Zuidwest" not in nav and reverse("portfolio_overview", args=[second.pk]) not in nav
    assert reverse("portfolio_overview", args=[fund.pk]) in nav
