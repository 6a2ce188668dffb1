"""Equity stakes and guarantees: recorded, valued and posted."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from djmoney.money import Money

from portfolio import services
from portfolio.ledger import LedgerError
from portfolio.selectors import account_balances, contract_account_balance, fund_nav, guarantee_exposure
from tests.factories import make_enterprise, make_fund

pytestmark = pytest.mark.django_db
D = Decimal
DAY = datetime.date(2026, 3, 1)


@pytest.fixture
def fund(db):
    return make_fund(allowed_instruments=["loan", "equity", "guarantee"])


def _contract(fund, instrument, principal="100000.00", reference=None):
    return services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference=reference or f"{instrument[:2].upper()}-1",
        instrument=instrument,
        principal=Money(principal, "EUR"),
        annual_rate=D("0"),
        term_months=60,
    )


def test_equity_is_bought_at_cost_and_revalued_through_the_result(fund):
    stake = _contract(fund, "equity")
    with pytest.raises(LedgerError):
        services.contract_disburse(actor=None, contract=stake, amount=D("1.00"), value_date=DAY)
    services.equity_invest(
        actor=None, contract=stake, shares=D("1000"), price_per_share=D("80.00"), value_date=DAY
    )
    assert contract_account_balance(contract=stake, account_code="1200") == D("80000.00")
    nav_before = fund_nav(fund=fund, as_of=DAY)
    change = services.equity_revalue(
        actor=None,
        contract=stake,
        valuation=D("95000.00"),
        value_date=datetime.date(2026, 12, 31),
        reason="Jaarwaardering",
    )
    assert change == D("15000.00")
    assert account_balances(fund=fund)["4300"] == D("15000.00")
    assert fund_nav(fund=fund, as_of=datetime.date(2026, 12, 31)) == nav_before + D("15000.00")
    services.equity_revalue(
        actor=None,
        contract=stake,
        valuation=D("70000.00"),
        value_date=datetime.date(2027, 6, 30),
        reason="Tegenvaller",
    )
    assert contract_account_balance(contract=stake, account_code="1200") == D("70000.00")
    assert account_balances(fund=fund)["4300"] == D("-10000.00")


def test_guarantee_is_off_balance_until_called(fund):
    guarantee = _contract(fund, "guarantee", principal="50000.00")
    services.guarantee_issue(actor=None, contract=guarantee)
    assert guarantee_exposure(fund=fund) == D("50000.00")
    assert fund_nav(fund=fund, as_of=DAY) == D("0.00")  # nothing on the balance sheet
    services.guarantee_call(actor=None, contract=guarantee, amount=D("20000.00"), value_date=DAY)
    assert contract_account_balance(contract=guarantee, account_code="1100") == D(
        "20000.00"
    )  # claim on the enterprise
    assert guarantee_exposure(fund=fund) == D("30000.00")
    with pytest.raises(ValidationError) as exc:
        services.guarantee_call(actor=None, contract=guarantee, amount=D("30000.01"), value_date=DAY)
    assert "€ 30.000,00" in exc.value.messages[0]
    services.guarantee_release(actor=None, contract=guarantee, reason="Bankkrediet afgelost")
    guarantee.refresh_from_db()
    assert guarantee.status == "closed"
    assert guarantee_exposure(fund=fund) == D("0.00")
    with pytest.raises(LedgerError):
        services.guarantee_call(actor=None, contract=guarantee, amount=D("1.00"), value_date=DAY)


def test_instrument_specific_actions_refuse_other_instruments(fund):
    loan = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference="LN-1",
        instrument="loan",
        principal=Money("50000.00", "EUR"),
        annual_rate=D("0.05"),
        term_months=24,
    )
    with pytest.raises(LedgerError):
        services.equity_invest(
            actor=None, contract=loan, shares=D("1"), price_per_share=D("1"), value_date=DAY
        )
    with pytest.raises(LedgerError):
        services.guarantee_issue(actor=None, contract=loan)
