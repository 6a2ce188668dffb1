"""Trends on the portfolio page: outstanding, PAR30/PAR90 and arrears by bucket per month end."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from djmoney.money import Money

from fund.models import Role
from portfolio import services
from portfolio.ledger import Line, entry_post
from portfolio.selectors import arrears_bucket, portfolio_trend
from tests.factories import make_enterprise, make_fund, make_member

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def fund(db):
    fund = make_fund()
    entry_post(
        fund=fund,
        value_date=datetime.date(2025, 12, 1),
        description="Storting",
        lines=[Line("1000", debit=D("900000.00")), Line("3000", credit=D("900000.00"))],
        actor=None,
    )
    return fund


def _loan(fund, reference, principal, disbursed_on):
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference=reference,
        instrument="loan",
        principal=Money(principal, "EUR"),
        annual_rate=D("0.05"),
        term_months=24,
    )
    services.contract_disburse(actor=None, contract=contract, amount=D(principal), value_date=disbursed_on)
    return contract


def _first_due(contract):
    return services.current_schedule(contract).lines.order_by("number").first().due_date


def test_a_monthly_series_with_known_loans(fund):
    late = _loan(fund, "TR-1", "60000.00", datetime.date(2026, 1, 15))  # never pays
    newer = _loan(fund, "TR-2", "30000.00", datetime.date(2026, 4, 1))  # never pays
    series = portfolio_trend(fund=fund, end=datetime.date(2026, 6, 30), months=12)
    assert [row["month_end"] for row in series][:2] == [
        datetime.date(2025, 7, 31),
        datetime.date(2025, 8, 31),
    ]
    assert series[-1]["month_end"] == datetime.date(2026, 6, 30) and len(series) == 12
    by_month = {row["month_end"]: row for row in series}
    assert by_month[datetime.date(2025, 12, 31)]["outstanding"] == D("0.00")
    assert by_month[datetime.date(2026, 1, 31)]["outstanding"] == D("60000.00")
    assert by_month[datetime.date(2026, 3, 31)]["outstanding"] == D("60000.00")
    assert by_month[datetime.date(2026, 4, 30)]["outstanding"] == D("90000.00")
    # January: TR-1's first instalment is not due yet, so everything is on time
    january = {b["bucket"]: b["amount"] for b in by_month[datetime.date(2026, 1, 31)]["buckets"]}
    assert january["current"] == D("60000.00") and by_month[datetime.date(2026, 1, 31)]["par30"] == 0
    # June: TR-1 has been late since its first due date, TR-2 since its own
    june = by_month[datetime.date(2026, 6, 30)]
    days_late = (datetime.date(2026, 6, 30) - _first_due(late)).days
    days_newer = (datetime.date(2026, 6, 30) - _first_due(newer)).days
    assert days_late > 90 and 30 < days_newer <= 90  # the loans' schedules put them in these buckets
    buckets = {b["bucket"]: b["amount"] for b in june["buckets"]}
    assert buckets[">90"] == D("60000.00")
    assert sum(buckets.values(), D("0.00")) == D("90000.00")
    assert june["par30"] == D("1.0000")
    assert june["par90"] == D("0.6667")  # 60.000 of 90.000


def test_the_series_costs_the_same_queries_for_more_loans(fund):
    _loan(fund, "Q-1", "25000.00", datetime.date(2026, 1, 15))
    with CaptureQueriesContext(connection) as few:
        portfolio_trend(fund=fund, end=datetime.date(2026, 6, 30))
    for number in range(2, 7):
        _loan(fund, f"Q-{number}", "25000.00", datetime.date(2026, 2, 1))
    with CaptureQueriesContext(connection) as many:
        portfolio_trend(fund=fund, end=datetime.date(2026, 6, 30))
    assert len(many) == len(few)


def test_the_portfolio_page_shows_the_chart_and_the_table(client, fund):
    _loan(fund, "TR-3", "30000.00", datetime.date(2026, 1, 15))
    client.force_login(make_member(Role.FUND_MANAGER, fund=fund))
    url = reverse("portfolio_overview", args=[fund.pk])
    overview = client.get(url, {"as_of": "2026-06-30"}).content.decode()
    assert 'hx-get="?as_of=2026-06-30&amp;part=trend"' in overview  # loaded after the page, not holding it up
    page = client.get(url, {"as_of": "2026-06-30", "part": "trend"}).content.decode()
    assert 'data-testid="trend-chart"' in page and "<rect" in page
    assert 'data-testid="trend-table"' in page and "30-06-2026" in page and "31-01-2026" in page
    assert "€ 30.000,00" in page
    client.force_login(make_member(Role.FUND_MANAGER, fund=make_fund()))
    assert client.get(url, {"part": "trend"}).status_code == 404


def test_a_restructured_loan_uses_the_schedule_valid_at_each_month_end(fund):
    """Restructured on 10 May 2026 (six months' grace from then): the months before use the old schedule
    (late since its first instalment), the months after the new one (not yet due, so on time)."""
    loan = _loan(fund, "TR-R", "48000.00", datetime.date(2026, 1, 15))  # never pays
    old_first_due = _first_due(loan)
    services.contract_restructure(
        actor=None,
        contract=loan,
        as_of=datetime.date(2026, 5, 10),
        reason="betalingspauze",
        grace_months=6,
    )
    new_version = services.current_schedule(loan)
    assert new_version.number == 2 and new_version.start_date == datetime.date(2026, 5, 10)
    new_first_due = new_version.lines.order_by("number").first().due_date
    assert new_first_due > datetime.date(2026, 5, 31)  # the new schedule has nothing due in May
    series = {row["month_end"]: row for row in portfolio_trend(fund=fund, end=datetime.date(2026, 6, 30))}

    def bucket_of(month_end):
        row = series[month_end]
        return next(b["bucket"] for b in row["buckets"] if b["amount"] == row["outstanding"])

    april = datetime.date(2026, 4, 30)
    days_late_april = (april - old_first_due).days
    assert 30 < days_late_april <= 90  # by the old schedule: two to three months late
    assert bucket_of(april) == arrears_bucket(days_late_april) != "current"
    assert series[april]["par30"] == D("1.0000")
    # after the restructuring: the new schedule (nothing due in May; in June at most its first instalment)
    may, june = datetime.date(2026, 5, 31), datetime.date(2026, 6, 30)
    assert series[may]["outstanding"] > 0 and bucket_of(may) == "current" and series[may]["par30"] == 0
    expected_june = arrears_bucket(max((june - new_first_due).days, 0))
    assert bucket_of(june) == expected_june != arrears_bucket((june - old_first_due).days)
    assert series[june]["par30"] == D("0.0000")
