"""Arrears per contract, PAR30/PAR90 per fund and NAV, as of any date."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from djmoney.money import Money

from portfolio import services
from portfolio.ledger import Line, entry_post
from portfolio.selectors import arrears, arrears_bucket, fund_nav, portfolio_at_risk
from tests.factories import make_enterprise, make_fund

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def fund(db):
    fund = make_fund()
    entry_post(
        fund=fund,
        value_date=datetime.date(2026, 1, 1),
        description="Storting",
        lines=[Line("1000", debit=D("500000.00")), Line("3000", credit=D("500000.00"))],
        actor=None,
    )
    return fund


def _loan(fund, reference, principal="100000.00"):
    enterprise = make_enterprise(fund=fund)
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=enterprise,
        reference=reference,
        instrument="loan",
        principal=Money(principal, "EUR"),
        annual_rate=D("0.06"),
        term_months=36,
    )
    services.contract_disburse(
        actor=None, contract=contract, amount=D(principal), value_date=datetime.date(2026, 1, 15)
    )
    return contract


@pytest.mark.parametrize(
    ("days", "bucket"), [(0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (61, "61-90"), (91, ">90")]
)
def test_buckets(days, bucket):
    assert arrears_bucket(days) == bucket


def test_days_past_due_count_from_the_oldest_unpaid_instalment(fund):
    paying = _loan(fund, "A-1")
    late = _loan(fund, "A-2")
    for month in (2, 3, 4):
        services.repayment_receive(
            actor=None, contract=paying, amount=D("3042.19"), value_date=datetime.date(2026, month, 15)
        )
    services.repayment_receive(
        actor=None, contract=late, amount=D("3042.19"), value_date=datetime.date(2026, 2, 15)
    )
    result = arrears(fund=fund, as_of=datetime.date(2026, 4, 30))
    assert result[paying.pk]["days_past_due"] == 0
    assert result[paying.pk]["bucket"] == "current"
    # the late loan paid February only: March 15 is its oldest unpaid instalment, 46 days before April 30
    assert result[late.pk]["oldest_unpaid"] == datetime.date(2026, 3, 15)
    assert result[late.pk]["days_past_due"] == 46
    assert result[late.pk]["bucket"] == "31-60"


def test_par30_and_par90(fund):
    _loan(fund, "B-1", "100000.00")  # never pays
    good = _loan(fund, "B-2", "200000.00")
    for month in range(2, 8):
        services.repayment_receive(
            actor=None, contract=good, amount=D("6084.39"), value_date=datetime.date(2026, month, 15)
        )
    as_of = datetime.date(2026, 7, 31)
    rows = arrears(fund=fund, as_of=as_of)
    bad_outstanding = D("100000.00")
    good_outstanding = rows[good.pk]["outstanding"]
    expected = (bad_outstanding / (bad_outstanding + good_outstanding)).quantize(D("0.0001"))
    assert portfolio_at_risk(fund=fund, as_of=as_of, days=30) == expected
    assert (
        portfolio_at_risk(fund=fund, as_of=as_of, days=90) == expected
    )  # first instalment due 15 Feb: 166 days
    assert portfolio_at_risk(fund=fund, as_of=datetime.date(2026, 3, 1), days=30) == D("0.0000")


def test_nav_is_cash_plus_loans_plus_accrued_interest_minus_liabilities(fund):
    contract = _loan(fund, "C-1")
    assert fund_nav(fund=fund, as_of=datetime.date(2026, 1, 31)) == D("500000.00")
    services.repayment_receive(
        actor=None, contract=contract, amount=D("4000.00"), value_date=datetime.date(2026, 2, 15)
    )
    # 500.00 interest earned; the 957.81 overpayment is a liability (prepayment): NAV rises by the interest
    assert fund_nav(fund=fund, as_of=datetime.date(2026, 2, 28)) == D("500500.00")
    services.interest_accrue(actor=None, contract=contract, through=datetime.date(2026, 3, 15))
    assert fund_nav(fund=fund, as_of=datetime.date(2026, 3, 31)) == D("500500.00") + D("487.29")


def test_overview_page_as_of_a_date_and_its_excel_export(client, fund):
    from io import BytesIO

    from django.urls import reverse
    from openpyxl import load_workbook

    from fund.models import Role
    from tests.factories import make_member

    late = _loan(fund, "D-1")
    services.repayment_receive(
        actor=None, contract=late, amount=D("3042.19"), value_date=datetime.date(2026, 2, 15)
    )
    client.force_login(make_member(Role.FUND_MANAGER, fund=fund))
    url = reverse("portfolio_overview", args=[fund.pk])

    page = client.get(url, {"as_of": "2026-04-30"})
    assert page.status_code == 200
    assert page.context["as_of"] == datetime.date(2026, 4, 30)
    [row] = page.context["contracts"]
    assert (row.days_past_due, row.bucket) == (46, "31-60")
    assert page.context["nav"] == fund_nav(fund=fund, as_of=datetime.date(2026, 4, 30))

    earlier = client.get(url, {"as_of": "2026-02-28"})
    assert earlier.context["contracts"][0].days_past_due == 0

    bad = client.get(url, {"as_of": "30-04-2026"}, follow=True)
    assert "is geen datum; gebruik JJJJ-MM-DD" in bad.content.decode()

    export = client.get(url, {"as_of": "2026-04-30", "format": "xlsx"})
    assert export["Content-Disposition"].endswith(f'portefeuille-{fund.code}-2026-04-30.xlsx"')
    book = load_workbook(BytesIO(export.content))
    assert book.sheetnames == ["Kerncijfers", "Contracten", "Per gemeente", "Per thema"]
    contracts = list(book["Contracten"].iter_rows(min_row=2, values_only=True))
    assert contracts[0][0] == "D-1"
    assert Decimal(str(contracts[0][6])) == row.outstanding
    assert contracts[0][7:] == (46, "31–60 dagen")  # Dutch label, not the code name
    figures = {r[0]: r[1] for r in book["Kerncijfers"].iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(figures["NAV"])) == page.context["nav"]


def test_overview_excel_is_not_served_outside_the_users_scope(client, fund):
    from django.urls import reverse

    from fund.models import Role
    from tests.factories import make_fund, make_member

    _loan(fund, "E-1")
    other = make_fund()
    client.force_login(make_member(Role.FUND_MANAGER, fund=other))
    response = client.get(reverse("portfolio_overview", args=[fund.pk]), {"format": "xlsx"})
    assert response.status_code == 404


def test_nav_counts_every_account_by_its_type(fund):
    """Penalty interest receivable, fee and expense payables count too: NAV = equity + result to date."""
    as_of = datetime.date(2026, 3, 31)
    before = fund_nav(fund=fund, as_of=as_of)
    entry_post(
        fund=fund,
        value_date=datetime.date(2026, 2, 1),
        description="Boeterente",
        lines=[Line("1115", debit=D("12.34")), Line("4050", credit=D("12.34"))],
        actor=None,
    )
    entry_post(
        fund=fund,
        value_date=datetime.date(2026, 2, 2),
        description="Beheervergoeding",
        lines=[Line("5200", debit=D("100.00")), Line("2300", credit=D("100.00"))],
        actor=None,
    )
    assert fund_nav(fund=fund, as_of=as_of) == before + D("12.34") - D("100.00") == D("499912.34")
