"""ILPA capital accounts from the ledger: roll-forward, allocation to the cent, reconciliation to NAV."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.errors import ApplicationError
from fund.models import Fund
from investors import services
from investors.quarters import next_quarter, quarter_label
from portfolio.ledger import Line, entry_post
from portfolio.models import Account
from portfolio.selectors import account_balances, fund_nav
from reports.capital import (
    LINES,
    capital_accounts,
    capital_history,
    fund_capital_summary,
    investor_cash_flows,
    nav_reconciliation,
    parse_quarter,
)
from reports.performance import xirr
from tests.investors.conftest import make_capital

pytestmark = pytest.mark.django_db
D = Decimal
DAY = datetime.date


@pytest.fixture
def capital(db):
    return make_capital()


def _rolls_forward(account) -> bool:
    return account.beginning_balance + sum(getattr(account, name) for name in LINES) == account.ending_balance


def _book(fund, day, *lines, key=None):
    return entry_post(
        fund=fund, value_date=day, description="test", lines=list(lines), actor=None, idempotency_key=key
    )


JAN_15 = DAY(2025, 1, 15)


def _contribute(capital, amounts, day=JAN_15):
    for commitment, amount in zip(capital.commitments, amounts, strict=True):
        if D(amount):
            _book(
                capital.fund,
                day,
                Line("1000", debit=D(amount)),
                Line("3000", credit=D(amount), commitment=commitment),
            )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-Q3", (DAY(2026, 7, 1), DAY(2026, 9, 30))),
        ("2024-Q1", (DAY(2024, 1, 1), DAY(2024, 3, 31))),
        ("2025-Q4", (DAY(2025, 10, 1), DAY(2025, 12, 31))),
        ("2026q2", (DAY(2026, 4, 1), DAY(2026, 6, 30))),
    ],
)
def test_parse_quarter(text, expected):
    assert parse_quarter(text) == expected


@pytest.mark.parametrize("text", ["2026-Q5", "2026-Q0", "Q3-2026", "2026", "", "2026-03", None])
def test_parse_quarter_refuses_with_a_clear_message(text):
    with pytest.raises(ApplicationError) as refused:
        parse_quarter(text)
    assert "jjjj-Qn" in refused.value.message and refused.value.field == "quarter"


def test_income_is_split_pro_rata_to_paid_in_with_remainders_to_the_cent(db):
    capital = make_capital(amounts=("100000.00", "100000.00", "100000.00"))
    _contribute(capital, ["10000.00", "10000.00", "10000.00"])
    _book(
        capital.fund, DAY(2025, 2, 1), Line("1000", debit=D("100000.01")), Line("4000", credit=D("100000.01"))
    )
    rows = capital_accounts(fund=capital.fund, quarter="2025-Q1")
    assert sorted(row.qtd.income_interest for row in rows) == [D("33333.33"), D("33333.34"), D("33333.34")]
    assert sum(row.qtd.ending_balance for row in rows) == fund_nav(fund=capital.fund, as_of=DAY(2025, 3, 31))


def test_every_line_lands_where_it_belongs_and_every_column_rolls_forward(capital):
    alfa, bravo, charlie = capital.commitments
    _contribute(capital, ["10000.00", "20000.00", "5000.00"])
    fund = capital.fund
    _book(fund, DAY(2025, 2, 1), Line("1110", debit=D("700.00")), Line("4000", credit=D("700.00")))
    _book(fund, DAY(2025, 2, 2), Line("1115", debit=D("35.00")), Line("4050", credit=D("35.00")))
    _book(fund, DAY(2025, 2, 3), Line("1120", debit=D("350.00")), Line("4100", credit=D("350.00")))
    _book(fund, DAY(2025, 5, 1), Line("5100", debit=D("3500.00")), Line("1100", credit=D("3500.00")))
    _book(fund, DAY(2025, 5, 2), Line("1000", debit=D("70.00")), Line("4200", credit=D("70.00")))
    _book(fund, DAY(2025, 5, 3), Line("5000", debit=D("1400.00")), Line("1190", credit=D("1400.00")))
    _book(fund, DAY(2025, 5, 4), Line("1200", debit=D("140.00")), Line("4300", credit=D("140.00")))
    services.expense_record(
        actor=None, fund=fund, date=DAY(2025, 5, 5), description="Accountant", amount=D("350.00")
    )
    services.management_fee_charge(actor=None, fund=fund, quarter="2025-Q2")  # 2 % of € 350.000 / 4 = € 1.750
    distribution = services.distribution_create(
        actor=None, fund=fund, date=DAY(2025, 6, 1), kind="interest", amount=D("1000.00"), recallable=True
    )
    services.distribution_declare(actor=None, distribution=distribution)

    rows = {row.commitment: row for row in capital_accounts(fund=fund, quarter="2025-Q2")}
    assert [row.investor for row in rows.values()] == [c.investor for c in capital.commitments]  # by name
    b = rows[bravo]  # 20.000 of 35.000 paid in: 4/7 of everything allocated by the rule
    assert b.qtd.beginning_balance == D("20000.00") + D("400.00") + D("20.00") + D("200.00")
    assert (b.qtd.income_interest, b.qtd.income_fees) == (D("0.00"), D("0.00"))
    assert b.ytd.income_interest == D("420.00") and b.ytd.income_fees == D("200.00")
    assert b.qtd.realised == D("-2000.00") + D("40.00")
    assert b.qtd.unrealised == D("-800.00") + D("80.00")
    assert b.qtd.fund_expenses == D("-200.00")
    assert b.qtd.management_fees == D("-1000.00")  # by commitment: 200.000 / 350.000 of € 1.750
    assert b.qtd.distributions == D("-571.43")
    assert b.qtd.contributions == D("0.00") and b.ytd.contributions == D("20000.00") == b.paid_in
    assert b.reconciliation.recallable_distributions == D("571.43")
    assert b.reconciliation.ending_unfunded == D("200000.00") - D("20000.00") + D("571.43") == b.unfunded
    for row in rows.values():
        for column in (row.qtd, row.ytd, row.itd):
            assert _rolls_forward(column)
        assert row.ytd.ending_balance == row.itd.ending_balance == row.qtd.ending_balance
        assert row.ytd.beginning_balance == row.itd.beginning_balance == D("0.00")
    nav = fund_nav(fund=fund, as_of=DAY(2025, 6, 30))
    assert sum(row.qtd.ending_balance for row in rows.values()) == nav
    reconciliation = nav_reconciliation(fund=fund, quarter="2025-Q2")
    assert reconciliation.reconciles and reconciliation.nav == nav and reconciliation.difference == 0
    assert {line.line: line.ledger for line in reconciliation.lines}["management_fees"] == D("-1750.00")
    assert rows[alfa].qtd.management_fees + rows[charlie].qtd.management_fees == D("-750.00")


def test_costs_before_anyone_paid_in_are_allocated_by_commitment(capital):
    services.expense_record(
        actor=None, fund=capital.fund, date=DAY(2025, 1, 10), description="Notaris", amount=D("700.00")
    )
    rows = capital_accounts(fund=capital.fund, quarter="2025-Q1")
    assert [row.qtd.fund_expenses for row in rows] == [D("-200.00"), D("-400.00"), D("-100.00")]
    assert sum(row.qtd.ending_balance for row in rows) == fund_nav(fund=capital.fund, as_of=DAY(2025, 3, 31))


def test_the_commitment_rule_allocates_by_commitment_even_after_paying_in(capital):
    _contribute(capital, ["35000.00", "0", "0"])
    _book(capital.fund, DAY(2025, 2, 1), Line("1000", debit=D("70.00")), Line("4000", credit=D("70.00")))
    paid_in_rule = capital_accounts(fund=capital.fund, quarter="2025-Q1")
    assert [row.qtd.income_interest for row in paid_in_rule] == [D("70.00"), D("0.00"), D("0.00")]
    services.capital_settings_update(
        actor=None,
        fund=capital.fund,
        management_fee_rate=D("0.02"),
        fee_basis="commitments",
        allocation_rule="commitment",
    )
    by_commitment = capital_accounts(fund=capital.fund, quarter="2025-Q1")
    assert [row.qtd.income_interest for row in by_commitment] == [D("20.00"), D("40.00"), D("10.00")]


def test_year_close_entries_are_not_movements_of_capital(capital):
    _contribute(capital, ["10000.00", "20000.00", "5000.00"])
    _book(capital.fund, DAY(2025, 6, 1), Line("1000", debit=D("350.00")), Line("4000", credit=D("350.00")))
    before = capital_accounts(fund=capital.fund, quarter="2025-Q4")
    Account.objects.get_or_create(
        fund=capital.fund, code="3200", defaults={"name": "Overige reserves", "account_type": "equity"}
    )
    _book(
        capital.fund,
        DAY(2025, 12, 31),
        Line("4000", debit=D("350.00")),
        Line("3200", credit=D("350.00")),
        key="year-close:2025",
    )
    after = capital_accounts(fund=capital.fund, quarter="2025-Q4")
    assert [(r.qtd, r.ytd, r.itd) for r in after] == [(r.qtd, r.ytd, r.itd) for r in before]
    assert sum(r.qtd.ending_balance for r in after) == fund_nav(fund=capital.fund, as_of=DAY(2025, 12, 31))


def test_cash_flows_irr_history_and_summary(capital):
    alfa = capital.commitments[0]
    assert capital_accounts(fund=capital.fund, quarter="2025-Q1")[0].irr is None  # nothing paid in yet
    _contribute(capital, ["10000.00", "20000.00", "5000.00"], day=JAN_15)
    _book(capital.fund, DAY(2025, 11, 1), Line("1000", debit=D("3500.00")), Line("4000", credit=D("3500.00")))
    distribution = services.distribution_create(
        actor=None, fund=capital.fund, date=DAY(2025, 12, 1), kind="interest", amount=D("1750.00")
    )
    services.distribution_declare(actor=None, distribution=distribution)
    flows = investor_cash_flows(commitment=alfa, through=DAY(2025, 12, 31))
    assert flows == [(DAY(2025, 1, 15), D("-10000.00")), (DAY(2025, 12, 1), D("500.00"))]
    [row, *_] = capital_accounts(fund=capital.fund, quarter="2025-Q4")
    assert row.itd.ending_balance == D("10000.00") + D("1000.00") - D("500.00")
    assert row.irr == xirr([*flows, (DAY(2025, 12, 31), row.itd.ending_balance)])
    assert (row.tvpi, row.dpi, row.rvpi) == (D("1.10"), D("0.05"), D("1.05"))
    history = capital_history(commitment=alfa, through=DAY(2025, 12, 31))
    assert [h[0] for h in history] == [
        DAY(2025, 3, 31),
        DAY(2025, 6, 30),
        DAY(2025, 9, 30),
        DAY(2025, 12, 31),
    ]
    assert history[0][1:] == (D("10000.00"), D("10000.00"))
    assert history[-1][1:] == (D("10000.00"), D("10500.00"))
    summary = fund_capital_summary(fund=capital.fund, quarter="2025-Q4")
    assert (summary.commitments, summary.paid_in, summary.distributed) == (
        D("350000.00"),
        D("35000.00"),
        D("1750.00"),
    )
    assert summary.nav == fund_nav(fund=capital.fund, as_of=DAY(2025, 12, 31)) == D("36750.00")
    assert summary.unfunded == D("315000.00")
    assert (summary.tvpi, summary.dpi, summary.rvpi) == (D("1.10"), D("0.05"), D("1.05"))
    assert summary.irr is not None and summary.irr > 0


def test_the_demo_reconciles_to_nav_to_the_cent_in_every_quarter():
    call_command("load_demo", quiet_logins=True)
    fund = Fund.objects.get(code="SIF-ZKIJ")
    today = timezone.localdate()
    quarter_start = DAY(2025, 1, 1)
    quarters = []
    while quarter_start <= today:
        quarters.append(quarter_label(quarter_start))
        quarter_start = next_quarter(quarter_start)
    assert len(quarters) >= 8
    seen = set()
    for quarter in quarters:
        _start, end = parse_quarter(quarter)
        rows = capital_accounts(fund=fund, quarter=quarter)
        assert len(rows) == 3
        for row in rows:
            for column in (row.qtd, row.ytd, row.itd):
                assert _rolls_forward(column), (quarter, row.investor)
            assert row.itd.ending_balance == row.qtd.ending_balance == row.ytd.ending_balance
            seen |= {name for name in LINES if getattr(row.itd, name)}
        nav = fund_nav(fund=fund, as_of=end)
        assert sum(row.qtd.ending_balance for row in rows) == nav, quarter
        assert nav_reconciliation(fund=fund, quarter=quarter).reconciles, quarter
        # NAV (assets − contra-assets − liabilities) = equity + the result to date, every account counted
        balances = account_balances(fund=fund, as_of=end)
        kinds = dict(Account.objects.filter(fund=fund).values_list("code", "account_type"))
        equity = sum(b for code, b in balances.items() if kinds[code] in ("equity", "income")) - sum(
            b for code, b in balances.items() if kinds[code] == "expense"
        )
        assert (
            nav
            == equity
            == balances["3000"]
            + balances["3100"]
            + sum(b for code, b in balances.items() if kinds[code] == "income")
            - sum(b for code, b in balances.items() if kinds[code] == "expense")
        ), quarter
    assert {"contributions", "distributions", "management_fees", "fund_expenses", "income_interest"} <= seen
    # The fund's success fee on the pre-financed Haarlem outcome contract is its income: allocated.
    assert "income_outcomes" in seen
    outcome_income = sum(row.itd.income_outcomes for row in capital_accounts(fund=fund, quarter=quarters[-1]))
    assert outcome_income == account_balances(fund=fund, as_of=today)["4500"] > 0


def test_the_funds_share_of_outcome_payments_is_outcome_income_and_bank_interest_is_interest(capital):
    _contribute(capital, ["10000.00", "20000.00", "5000.00"])
    fund = capital.fund
    # An outcome payment held for the enterprise (1130 / 2100), then the fund's 10 % share (2100 → 4500).
    _book(fund, DAY(2025, 4, 2), Line("1130", debit=D("7000.00")), Line("2100", credit=D("7000.00")))
    _book(fund, DAY(2025, 4, 3), Line("2100", debit=D("700.00")), Line("4500", credit=D("700.00")))
    _book(fund, DAY(2025, 4, 4), Line("1000", debit=D("3.50")), Line("4400", credit=D("3.50")))
    rows = {row.commitment: row for row in capital_accounts(fund=fund, quarter="2025-Q2")}
    bravo = rows[capital.commitments[1]]  # 20.000 of 35.000 paid in: 4/7
    assert bravo.qtd.income_outcomes == D("400.00") and bravo.qtd.income_interest == D("2.00")
    assert sum(row.qtd.income_outcomes for row in rows.values()) == D("700.00")
    assert nav_reconciliation(fund=fund, quarter="2025-Q2").reconciles


def test_the_capital_accounts_page_shows_each_investor_and_the_reconciliation(client, capital):
    from django.urls import reverse

    _contribute(capital, ["10000.00", "20000.00", "5000.00"])
    _book(capital.fund, DAY(2025, 2, 1), Line("1000", debit=D("350.00")), Line("4000", credit=D("350.00")))
    url = reverse("capital_accounts", args=[capital.fund.pk])
    client.force_login(capital.manager)
    body = client.get(url, {"quarter": "2025-Q1"}).content.decode()
    for commitment in capital.commitments:
        assert commitment.investor.organisation.name in body
    assert "€ 35.350,00" in body and "sluit aan" in body and "sluit niet aan" not in body
    assert "€ 20.200,00" in body  # Bravo: 20.000 paid in + 4/7 of € 350
    bad = client.get(url, {"quarter": "2025-Q7"}, follow=True).content.decode()
    assert "Ongeldig kwartaal" in bad
    client.force_login(capital.investor_users[0])
    assert client.get(url).status_code == 404
