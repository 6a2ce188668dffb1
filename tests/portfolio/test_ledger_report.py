"""Trial balance, balance sheet and P&L: they balance, match the ledger, and export to Excel."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from fund.models import Fund, Role
from portfolio.selectors import fund_nav, ledger_report
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_fund():
    call_command("load_demo", quiet_logins=True)
    return Fund.objects.get(code="SIF-ZKIJ")


def test_balance_sheet_balances_and_matches_nav(demo_fund):
    end = datetime.date(2026, 10, 31)
    report = ledger_report(fund=demo_fund, start=datetime.date(2026, 1, 1), end=end)
    total = report["total"]
    assert total["debit"] == total["credit"]
    assert total["assets"] == total["liabilities_and_equity"]
    assert total["assets"] - total["liabilities"] == fund_nav(fund=demo_fund, as_of=end)
    income = {r["account"].code: r["amount"] for r in report["pnl"]["income"]}
    assert income["4000"] > 0  # interest earned in 2026


def test_ledger_page_and_excel_export_for_the_fund_manager_only(client, demo_fund):
    url = reverse("ledger_report", args=[demo_fund.pk])
    client.force_login(make_member(Role.FUND_MANAGER, fund=demo_fund))
    page = client.get(url, {"start": "2026-01-01", "end": "2026-10-31"})
    assert page.status_code == 200
    assert "Proefbalans" in page.content.decode()
    export = client.get(url, {"start": "2026-01-01", "end": "2026-10-31", "format": "xlsx"})
    workbook = load_workbook(BytesIO(export.content))
    assert workbook.sheetnames == ["Proefbalans", "Balans", "Winst en verlies"]
    trial = list(workbook["Proefbalans"].iter_rows(min_row=2, values_only=True))
    assert sum(Decimal(str(row[2])) for row in trial) == sum(Decimal(str(row[3])) for row in trial)
    assert client.get(url, {"end": "31-10-2026"}).status_code == 200  # a bad date gets a message, not a crash

    client.force_login(
        make_member(
            Role.INVESTEE, organisation=demo_fund.enterprise_relations.first().enterprise.organisation
        )
    )
    assert client.get(url).status_code == 404


def test_fund_manager_closes_a_period_from_the_ledger_page(client, demo_fund):
    from portfolio.ledger import closed_through

    client.force_login(make_member(Role.FUND_MANAGER, fund=demo_fund))
    url = reverse("period_close", args=[demo_fund.pk])
    # the demo has closed its last reported quarter (2026-Q3); the next month can be closed
    assert (closed_through(fund=demo_fund) or datetime.date(2026, 1, 1)) < datetime.date(2026, 10, 31)
    response = client.post(url, {"through": "2026-10-31"}, follow=True)
    assert "31-10-2026 is afgesloten" in response.content.decode()
    assert closed_through(fund=demo_fund) == datetime.date(2026, 10, 31)
    again = client.post(url, {"through": "2026-03-31"}, follow=True)
    assert "al afgesloten" in again.content.decode()
    bad = client.post(url, {"through": "30-06"}, follow=True)
    assert "geef een datum" in bad.content.decode()
    client.force_login(make_member(Role.COMMITTEE_MEMBER, fund=demo_fund))
    assert client.post(url, {"through": "2026-09-30"}).status_code == 404


def test_overview_shows_outstanding_by_municipality_and_theme(client, demo_fund):
    client.force_login(make_member(Role.FUND_MANAGER, fund=demo_fund))
    body = client.get(reverse("portfolio_overview", args=[demo_fund.pk])).content.decode()
    assert "Uitstaand per gemeente" in body
    assert "Uitstaand per thema" in body
    for name in ("Haarlem", "Zandvoort", "Heemstede", "Beverwijk"):
        assert f"{name}: € " in body  # the bar's accessible label carries the amount
    assert "PAR30" in body
