"""Restructuring, prepayment (shorter term or lower instalment), write-off and recovery, provisions."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from djmoney.money import Money

from core.money import to_cents
from portfolio import services
from portfolio.ledger import LedgerError
from portfolio.selectors import account_balances, arrears, contract_account_balance, trial_balance
from tests.factories import make_enterprise, make_fund

pytestmark = pytest.mark.django_db
D = Decimal
START = datetime.date(2026, 1, 15)


@pytest.fixture
def contract(db):
    fund = make_fund()
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference="EV-1",
        instrument="loan",
        principal=Money("100000.00", "EUR"),
        annual_rate=D("0.06"),
        term_months=36,
    )
    services.contract_disburse(actor=None, contract=contract, amount=D("100000.00"), value_date=START)
    return contract


def _pay_months(contract, *months):
    for month in months:
        services.repayment_receive(
            actor=None, contract=contract, amount=D("3042.19"), value_date=datetime.date(2026, month, 15)
        )


def test_restructuring_makes_a_new_version_and_keeps_the_old_one(contract):
    _pay_months(contract, 2, 3)
    outstanding = contract_account_balance(contract=contract, account_code="1100")
    new = services.contract_restructure(
        actor=None,
        contract=contract,
        as_of=datetime.date(2026, 3, 15),
        reason="Betalingspauze na brand",
        grace_months=6,
        term_months=40,
        annual_rate=D("0.04"),
    )
    assert new.number == 2
    assert new.principal == outstanding
    lines = list(new.lines.all())
    assert all(line.principal == 0 for line in lines[:6])  # six interest-only months
    assert sum(line.principal for line in lines) == outstanding
    assert contract.schedule_versions.count() == 2
    assert contract.schedule_versions.get(number=1).lines.count() == 36  # old version still readable
    with pytest.raises(ValidationError):
        services.contract_restructure(
            actor=None, contract=contract, as_of=datetime.date(2026, 3, 15), reason=""
        )


def test_arrears_follow_the_current_version_after_restructuring(contract):
    _pay_months(contract, 2)
    as_of = datetime.date(2026, 5, 20)
    assert arrears(fund=contract.fund, as_of=as_of)[contract.pk]["days_past_due"] == 66  # March 15 unpaid
    services.contract_restructure(
        actor=None, contract=contract, as_of=as_of, reason="Herschikking", grace_months=3
    )
    assert arrears(fund=contract.fund, as_of=as_of)[contract.pk]["days_past_due"] == 0


@pytest.mark.parametrize("option", ["shorter_term", "lower_instalment"])
def test_prepayment_applies_to_principal_with_the_chosen_option(contract, option):
    services.repayment_receive(
        actor=None, contract=contract, amount=D("23042.19"), value_date=datetime.date(2026, 2, 15)
    )
    assert -contract_account_balance(contract=contract, account_code="2200") == D("20000.00")
    new = services.prepayment_apply(
        actor=None, contract=contract, value_date=datetime.date(2026, 2, 15), option=option
    )
    assert contract_account_balance(contract=contract, account_code="2200") == D("0.00")
    assert new.principal == D("100000.00") - D("2542.19") - D("20000.00")
    first = new.lines.first()
    if option == "lower_instalment":
        assert new.term_months == 35
        assert first.payment < D("3042.19")
    else:
        assert new.term_months < 35
        assert first.payment <= D("3042.19")
    with pytest.raises(LedgerError):
        services.prepayment_apply(
            actor=None, contract=contract, value_date=datetime.date(2026, 2, 15), option=option
        )


def test_full_write_off_uses_the_provision_first_then_expense_and_closes_the_contract(contract):
    services.provisions_book(
        actor=None,
        fund=contract.fund,
        as_of=datetime.date(2026, 6, 30),
        rates={">90": D("1.00"), "61-90": D("0.50")},
    )
    provision = -contract_account_balance(
        contract=contract, account_code="1190", as_of=datetime.date(2026, 6, 30)
    )
    assert provision > 0
    services.interest_accrue(actor=None, contract=contract, through=datetime.date(2026, 7, 1))
    services.contract_write_off(
        actor=None, contract=contract, value_date=datetime.date(2026, 7, 1), reason="Faillissement", full=True
    )
    contract.refresh_from_db()
    assert contract.status == "written_off"
    assert contract_account_balance(contract=contract, account_code="1100") == D("0.00")
    assert contract_account_balance(contract=contract, account_code="1110") == D("0.00")
    assert contract_account_balance(contract=contract, account_code="1190") == D("0.00")
    balances = account_balances(fund=contract.fund)
    accrued = sum(
        line.interest for line in services.current_schedule(contract).lines.filter(due_date__lte="2026-07-01")
    )
    assert balances["5100"] == D("100000.00") + accrued - provision
    services.contract_recovery(
        actor=None, contract=contract, amount=D("5000.00"), value_date=datetime.date(2026, 9, 1)
    )
    assert account_balances(fund=contract.fund)["4200"] == D("5000.00")
    totals = trial_balance(fund=contract.fund)
    assert totals["debit"] == totals["credit"]


def test_partial_write_off_keeps_the_contract_active(contract):
    services.contract_write_off(
        actor=None,
        contract=contract,
        value_date=datetime.date(2026, 2, 1),
        reason="Schikking",
        amount=D("10000.00"),
    )
    contract.refresh_from_db()
    assert contract.status == "active"
    assert contract_account_balance(contract=contract, account_code="1100") == D("90000.00")
    with pytest.raises(ValidationError):
        services.contract_write_off(
            actor=None,
            contract=contract,
            value_date=datetime.date(2026, 2, 1),
            reason="x",
            amount=D("90000.01"),
        )


def test_provisions_follow_the_arrears_bucket_and_book_once_per_date(contract):
    fund = contract.fund
    _pay_months(contract, 2)
    on_time = datetime.date(2026, 2, 28)
    services.provisions_book(actor=None, fund=fund, as_of=on_time)
    outstanding = contract_account_balance(contract=contract, account_code="1100", as_of=on_time)
    assert -contract_account_balance(contract=contract, account_code="1190") == to_cents(
        outstanding * D("0.01")
    )
    assert (
        services.provisions_book(actor=None, fund=fund, as_of=on_time) is None
    )  # nothing changes, nothing booked
    late = datetime.date(2026, 5, 20)  # March unpaid: 66 days, bucket 61-90 → 50 %
    services.provisions_book(actor=None, fund=fund, as_of=late)
    # 97.457,81 × 50 % = 48.728,905: half up (it was 48.728,90 with banker's rounding)
    assert outstanding == D("97457.81")
    assert -contract_account_balance(contract=contract, account_code="1190") == D("48728.91")
    _pay_months(contract, 3, 4, 5)  # catches up: provision released back to 1 %
    services.provisions_book(actor=None, fund=fund, as_of=datetime.date(2026, 5, 31))
    now_outstanding = contract_account_balance(contract=contract, account_code="1100")
    assert -contract_account_balance(contract=contract, account_code="1190") == to_cents(
        now_outstanding * D("0.01")
    )
    assert account_balances(fund=fund)["5000"] == -contract_account_balance(
        contract=contract, account_code="1190"
    )


def test_period_end_jobs_accrue_interest_and_book_provisions_idempotently(contract):
    from config.celery import app
    from portfolio import tasks

    assert {"portfolio.accrue_interest", "portfolio.book_provisions"} <= {
        entry["task"] for entry in app.conf.beat_schedule.values()
    }
    booked = tasks.accrue_interest.delay(fund_id=contract.fund_id, through="2026-04-30").get()
    assert booked == 3
    assert (
        tasks.accrue_interest.delay(fund_id=contract.fund_id, through="2026-04-30").get() == 3
    )  # same entries
    interest = contract_account_balance(contract=contract, account_code="1110")
    assert interest == sum(line.interest for line in services.current_schedule(contract).lines.all()[:3])
    assert tasks.book_provisions.delay(fund_id=contract.fund_id, through="2026-04-30").get() == 1
    assert -contract_account_balance(contract=contract, account_code="1190") > 0
