"""Contracts: policy, conditions precedent, tranches, schedule version, accrual, repayment allocation."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from djmoney.money import Money

from fund.models import AuditEvent
from portfolio import services
from portfolio.ledger import LedgerError
from portfolio.models import ContractStatus, Repayment
from portfolio.selectors import account_balances, contract_account_balance, trial_balance
from tests.factories import make_enterprise, make_fund

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def fund(db):
    return make_fund(allowed_instruments=["loan", "subordinated_loan"])


@pytest.fixture
def enterprise(fund):
    return make_enterprise(fund=fund)


def _contract(fund, enterprise, **overrides):
    kwargs = {
        "actor": None,
        "fund": fund,
        "enterprise": enterprise,
        "reference": "tf-2026-001",
        "instrument": "loan",
        "principal": Money("100000.00", "EUR"),
        "annual_rate": D("0.06"),
        "term_months": 36,
    }
    kwargs.update(overrides)
    return services.contract_create(**kwargs)


def test_contract_is_checked_against_the_fund_policy(fund, enterprise):
    stranger = make_enterprise()
    with pytest.raises(ValidationError) as exc:
        _contract(
            fund,
            stranger,
            instrument="convertible_loan",
            principal=Money("1000000", "EUR"),
            term_months=10,
            frequency="quarterly",
        )
    errors = exc.value.message_dict
    assert "convertible_loan" in errors["instrument"][0]
    assert "buiten het ticket" in errors["principal"][0]
    assert "geen relatie" in errors["enterprise"][0]
    assert "term_months" in errors


def test_reference_is_normalised_and_unique_per_fund(fund, enterprise):
    contract = _contract(fund, enterprise)
    assert contract.reference == "TF-2026-001"
    with pytest.raises(ValidationError):
        _contract(fund, enterprise)


def test_first_disbursement_needs_conditions_met_or_waived_with_reason(fund, enterprise):
    contract = _contract(fund, enterprise, conditions=["KvK-uittreksel", "Getekende borgstelling"])
    with pytest.raises(LedgerError) as exc:
        services.contract_disburse(
            actor=None, contract=contract, amount=D("100000.00"), value_date=datetime.date(2026, 1, 15)
        )
    assert "KvK-uittreksel, Getekende borgstelling" in str(exc.value)
    first, second = contract.conditions.all()
    services.condition_resolve(actor=None, condition=first, status="met")
    with pytest.raises(ValidationError):
        services.condition_resolve(actor=None, condition=second, status="waived", reason="")
    services.condition_resolve(
        actor=None, condition=second, status="waived", reason="Vervangen door pandrecht"
    )
    services.contract_disburse(
        actor=None, contract=contract, amount=D("100000.00"), value_date=datetime.date(2026, 1, 15)
    )
    assert AuditEvent.objects.for_object(contract).filter(action="condition_resolved").count() == 2


def test_tranches_post_to_the_ledger_and_the_schedule_starts_when_fully_paid_out(fund, enterprise):
    contract = _contract(fund, enterprise)
    services.contract_disburse(
        actor=None, contract=contract, amount=D("40000.00"), value_date=datetime.date(2026, 1, 10)
    )
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert not contract.schedule_versions.exists()
    with pytest.raises(ValidationError) as exc:
        services.contract_disburse(
            actor=None, contract=contract, amount=D("60000.01"), value_date=datetime.date(2026, 1, 15)
        )
    assert "boven de hoofdsom" in exc.value.message_dict["amount"][0]
    services.contract_disburse(
        actor=None, contract=contract, amount=D("60000.00"), value_date=datetime.date(2026, 1, 15)
    )
    version = contract.schedule_versions.get()
    assert version.number == 1
    first = version.lines.first()
    assert (first.due_date, first.payment) == (datetime.date(2026, 2, 15), D("3042.19"))
    assert contract_account_balance(contract=contract, account_code="1100") == D("100000.00")
    assert account_balances(fund=fund)["1000"] == D("-100000.00")


def _active(fund, enterprise):
    contract = _contract(fund, enterprise)
    services.contract_disburse(
        actor=None, contract=contract, amount=D("100000.00"), value_date=datetime.date(2026, 1, 15)
    )
    return contract


def test_repayment_pays_interest_first_then_principal_due(fund, enterprise):
    contract = _active(fund, enterprise)
    repayment = services.repayment_receive(
        actor=None, contract=contract, amount=D("3042.19"), value_date=datetime.date(2026, 2, 15)
    )
    # first instalment: interest 500.00 (100,000 × 6 % / 12), principal 2,542.19
    assert repayment.allocation == {"current_interest": "500.00", "current_principal": "2542.19"}
    assert contract_account_balance(contract=contract, account_code="1110") == D("0.00")
    assert contract_account_balance(contract=contract, account_code="1100") == D("97457.81")
    assert account_balances(fund=fund)["4000"] == D("500.00")


def test_partial_payment_covers_interest_before_principal(fund, enterprise):
    contract = _active(fund, enterprise)
    repayment = services.repayment_receive(
        actor=None, contract=contract, amount=D("600.00"), value_date=datetime.date(2026, 2, 20)
    )
    assert repayment.allocation == {"overdue_interest": "500.00", "overdue_principal": "100.00"}
    owed = services.dues(contract=contract, as_of=datetime.date(2026, 2, 20))
    assert owed["principal_due"] == D("2442.19")


def test_overpayment_is_held_as_prepayment(fund, enterprise):
    contract = _active(fund, enterprise)
    repayment = services.repayment_receive(
        actor=None, contract=contract, amount=D("5000.00"), value_date=datetime.date(2026, 2, 15)
    )
    assert repayment.allocation == {
        "current_interest": "500.00",
        "current_principal": "2542.19",
        "prepayment": "1957.81",
    }
    assert account_balances(fund=fund)["2200"] == D("1957.81")


def test_payment_before_anything_is_due_is_a_prepayment(fund, enterprise):
    contract = _active(fund, enterprise)
    repayment = services.repayment_receive(
        actor=None, contract=contract, amount=D("100.00"), value_date=datetime.date(2026, 1, 20)
    )
    assert repayment.allocation == {"prepayment": "100.00"}


def test_the_same_bank_event_books_once(fund, enterprise):
    contract = _active(fund, enterprise)
    for _ in range(2):
        services.repayment_receive(
            actor=None,
            contract=contract,
            amount=D("3042.19"),
            value_date=datetime.date(2026, 2, 15),
            idempotency_key="bank:stmt-1:line-3",
        )
    assert Repayment.objects.count() == 1
    t = trial_balance(fund=fund)
    assert t["debit"] == t["credit"]


def test_accrual_books_each_instalments_interest_once(fund, enterprise):
    contract = _active(fund, enterprise)
    services.interest_accrue(actor=None, contract=contract, through=datetime.date(2026, 4, 30))
    services.interest_accrue(actor=None, contract=contract, through=datetime.date(2026, 4, 30))
    interest = sum(line.interest for line in services.current_schedule(contract).lines.all()[:3])
    assert contract_account_balance(contract=contract, account_code="1110") == interest


def test_allocation_order_fees_penalty_overdue_then_current(fund, enterprise):
    contract = _active(fund, enterprise)
    services.charge_book(
        actor=None,
        contract=contract,
        kind="fee",
        amount=D("25.00"),
        value_date=datetime.date(2026, 2, 1),
        reason="Aanmaning",
    )
    services.charge_book(
        actor=None,
        contract=contract,
        kind="penalty_interest",
        amount=D("10.00"),
        value_date=datetime.date(2026, 3, 1),
        reason="Boeterente februari",
    )
    # February's instalment was missed; on March 15 the enterprise pays one instalment plus a bit.
    repayment = services.repayment_receive(
        actor=None, contract=contract, amount=D("4000.00"), value_date=datetime.date(2026, 3, 15)
    )
    march_interest = services.current_schedule(contract).lines.get(number=2).interest
    assert repayment.allocation == {
        "fees": "25.00",
        "penalty_interest": "10.00",
        "overdue_interest": "500.00",
        "overdue_principal": "2542.19",
        "current_interest": str(march_interest),
        "current_principal": str(
            D("4000.00") - D("25.00") - D("10.00") - D("500.00") - D("2542.19") - march_interest
        ),
    }
    assert contract_account_balance(contract=contract, account_code="1120") == D("0.00")
    assert contract_account_balance(contract=contract, account_code="1115") == D("0.00")


def test_allocation_order_is_configurable(fund, enterprise, settings):
    contract = _active(fund, enterprise)
    settings.PORTFOLIO_ALLOCATION_ORDER = (
        "current_principal",
        "current_interest",
        "overdue_principal",
        "overdue_interest",
        "penalty_interest",
        "fees",
    )
    repayment = services.repayment_receive(
        actor=None, contract=contract, amount=D("3000.00"), value_date=datetime.date(2026, 2, 15)
    )
    assert repayment.allocation == {"current_principal": "2542.19", "current_interest": "457.81"}
    settings.PORTFOLIO_ALLOCATION_ORDER = ("fees",)
    with pytest.raises(Exception, match="PORTFOLIO_ALLOCATION_ORDER"):
        services.repayment_receive(
            actor=None, contract=contract, amount=D("1.00"), value_date=datetime.date(2026, 2, 16)
        )
