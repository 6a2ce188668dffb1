"""Penalty interest (boeterente) from days late: hand-checked amounts, allocation, idempotency, the job."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from djmoney.money import Money

from fund.models import AuditEvent
from portfolio import services
from portfolio.ledger import Line, entry_post
from portfolio.models import PenaltyAccrual
from portfolio.selectors import contract_account_balance
from portfolio.tasks import book_penalty_interest
from tests.factories import make_enterprise, make_fund

pytestmark = pytest.mark.django_db
D = Decimal
INSTALMENT = D("3042.19")  # € 100.000 at 6 % over 36 months
PENALTY = D("0.08")


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


def _loan(fund, reference="P-1", penalty_rate=PENALTY):
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference=reference,
        instrument="loan",
        principal=Money("100000.00", "EUR"),
        annual_rate=D("0.06"),
        term_months=36,
        penalty_rate=penalty_rate,
    )
    services.contract_disburse(
        actor=None, contract=contract, amount=D("100000.00"), value_date=datetime.date(2026, 1, 15)
    )
    return contract


def test_penalty_is_overdue_euro_days_times_the_rate_over_365(fund):
    contract = _loan(fund)
    accrual = services.penalty_interest_book(
        actor=None, contract=contract, through=datetime.date(2026, 3, 31)
    )
    # 16 Feb – 15 Mar: 28 days × 3.042,19 late; 16 – 31 Mar: 16 days × 6.084,38 late
    assert accrual.overdue_euro_days == D("182531.40")
    assert accrual.amount == D("40.01")  # 182.531,40 × 8 % ÷ 365 = 40,0069 → 40,01
    assert (accrual.period_start, accrual.period_end) == (
        datetime.date(2026, 1, 15),
        datetime.date(2026, 3, 31),
    )
    assert contract_account_balance(contract=contract, account_code="1115") == D("40.01")
    assert AuditEvent.objects.filter(action="penalty_interest_booked").count() == 1


def test_a_payment_settles_the_penalty_first_and_the_next_period_starts_where_the_last_ended(fund):
    contract = _loan(fund)
    services.penalty_interest_book(actor=None, contract=contract, through=datetime.date(2026, 3, 31))
    repayment = services.repayment_receive(
        actor=None, contract=contract, amount=INSTALMENT, value_date=datetime.date(2026, 4, 10)
    )
    assert D(repayment.allocation["penalty_interest"]) == D("40.01")
    assert repayment.scheduled_paid == INSTALMENT - D("40.01")
    accrual = services.penalty_interest_book(
        actor=None, contract=contract, through=datetime.date(2026, 4, 30)
    )
    # 1–9 Apr: 6.084,38; 10–15 Apr: 3.082,20 (after 3.002,18 paid on instalments); 16–30 Apr: + 3.042,19
    assert accrual.period_start == datetime.date(2026, 3, 31)
    assert accrual.overdue_euro_days == D("165118.47")
    assert accrual.amount == D("36.19")


def test_booking_the_same_date_twice_books_nothing_twice(fund):
    contract = _loan(fund)
    first = services.penalty_interest_book(actor=None, contract=contract, through=datetime.date(2026, 3, 31))
    assert (
        services.penalty_interest_book(actor=None, contract=contract, through=datetime.date(2026, 3, 31))
        is None
    )
    assert (
        services.penalty_interest_book(actor=None, contract=contract, through=datetime.date(2026, 3, 1))
        is None
    )
    assert PenaltyAccrual.objects.filter(contract=contract).get() == first
    assert contract_account_balance(contract=contract, account_code="1115") == D("40.01")


def test_payments_on_their_due_dates_cost_no_penalty(fund):
    contract = _loan(fund)
    for month in (2, 3):
        services.repayment_receive(
            actor=None, contract=contract, amount=INSTALMENT, value_date=datetime.date(2026, month, 15)
        )
    accrual = services.penalty_interest_book(
        actor=None, contract=contract, through=datetime.date(2026, 3, 31)
    )
    assert (accrual.overdue_euro_days, accrual.amount, accrual.entry) == (D("0.00"), D("0.00"), None)
    assert contract_account_balance(contract=contract, account_code="1115") == D("0.00")


def test_a_contract_without_penalty_rate_is_not_charged_and_the_rate_is_validated(fund):
    contract = _loan(fund, penalty_rate=None)
    assert (
        services.penalty_interest_book(actor=None, contract=contract, through=datetime.date(2026, 6, 30))
        is None
    )
    with pytest.raises(ValidationError) as error:
        _loan(fund, reference="P-2", penalty_rate=D("1.5"))
    assert "penalty_rate" in error.value.message_dict


def test_the_monthly_job_charges_every_late_contract_once(fund):
    late = _loan(fund, "P-3")
    paying = _loan(fund, "P-4")
    services.repayment_receive(
        actor=None, contract=paying, amount=INSTALMENT, value_date=datetime.date(2026, 2, 15)
    )
    assert book_penalty_interest(fund_id=fund.pk, through="2026-02-28") == 1
    assert book_penalty_interest(fund_id=fund.pk, through="2026-02-28") == 0
    # 16–28 Feb: 13 days × 3.042,19 = 39.548,47 euro-days × 8 % ÷ 365 = 8,67
    assert late.penalty_accruals.get().amount == D("8.67")
    assert paying.penalty_accruals.get().amount == D("0.00")
