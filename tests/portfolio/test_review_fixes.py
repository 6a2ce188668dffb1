"""Issue 11: one rounding rule (half up) in provisions and equity cost, and the review's findings on the
contract events (recovery only after a write-off, locks, the open conditions named, the schedule's start)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from djmoney.money import Money

from portfolio import services
from portfolio.accounts import AccountCode
from portfolio.ledger import LedgerError
from portfolio.models import Contract, JournalEntry
from portfolio.selectors import account_balances, contract_account_balance
from tests.factories import make_enterprise, make_fund

pytestmark = pytest.mark.django_db
D = Decimal
DAY = datetime.date(2026, 1, 15)


@pytest.fixture
def fund(db):
    return make_fund(allowed_instruments=["loan", "equity"])


def _contract(fund, *, instrument="loan", reference="RV-1", **overrides):
    kwargs = {
        "actor": None,
        "fund": fund,
        "enterprise": make_enterprise(fund=fund),
        "reference": reference,
        "instrument": instrument,
        "principal": Money("100000.00", "EUR"),
        "annual_rate": D("0.06"),
        "term_months": 36,
    } | overrides
    return services.contract_create(**kwargs)


def _live_loan(fund, reference="RV-1"):
    contract = _contract(fund, reference=reference)
    services.contract_disburse(actor=None, contract=contract, amount=D("100000.00"), value_date=DAY)
    return contract


# --- rounding: half up, as everywhere (banker's rounding booked € 1,06 for 3 × € 0,355) ---------------


def test_equity_cost_ending_in_half_a_cent_rounds_up(fund):
    stake = _contract(fund, instrument="equity", reference="EQ-1", annual_rate=D("0"), term_months=60)
    services.equity_invest(
        actor=None, contract=stake, shares=D("3"), price_per_share=D("0.355"), value_date=DAY
    )
    # 3 × 0,355 = 1,065: half up gives 1,07 (ROUND_HALF_EVEN gave 1,06)
    assert contract_account_balance(contract=stake, account_code=AccountCode.EQUITY_INVESTMENTS) == D("1.07")
    assert account_balances(fund=fund)[AccountCode.BANK] == D("-1.07")


def test_provision_ending_in_half_a_cent_rounds_up(fund):
    contract = _live_loan(fund)
    # 100.000,00 × 0,001065 % = 1,065 → 1,07 (ROUND_HALF_EVEN gave 1,06)
    services.provisions_book(actor=None, fund=fund, as_of=DAY, rates={"current": D("0.00001065")})
    provision = -contract_account_balance(contract=contract, account_code=AccountCode.LOAN_LOSS_PROVISION)
    assert provision == D("1.07")
    assert account_balances(fund=fund)[AccountCode.PROVISION_EXPENSE] == D("1.07")


def test_amounts_are_refused_not_rounded_when_finer_than_a_cent(fund):
    contract = _contract(fund)
    with pytest.raises(ValidationError) as exc:
        services.contract_disburse(actor=None, contract=contract, amount=D("100.005"), value_date=DAY)
    assert "hele centen" in exc.value.message_dict["amount"][0]


# --- recovery: only after a write-off, under the contract's lock -----------------------------------


def test_recovery_on_a_live_loan_is_refused_and_books_nothing(fund):
    contract = _live_loan(fund)
    entries = JournalEntry.objects.count()
    with pytest.raises(LedgerError, match="alleen bij een afgeschreven contract"):
        services.contract_recovery(
            actor=None, contract=contract, amount=D("500.00"), value_date=datetime.date(2026, 3, 1)
        )
    assert JournalEntry.objects.count() == entries
    assert account_balances(fund=fund)[AccountCode.RECOVERIES] == D("0.00")


def test_recovery_after_a_full_write_off_is_income_and_locks_the_contract(fund):
    contract = _live_loan(fund)
    services.contract_write_off(
        actor=None, contract=contract, value_date=datetime.date(2026, 2, 1), reason="Faillissement", full=True
    )
    with _spy_on_locks() as locked:
        services.contract_recovery(
            actor=None, contract=contract, amount=D("500.00"), value_date=datetime.date(2026, 3, 1)
        )
    assert Contract in locked
    assert account_balances(fund=fund)[AccountCode.RECOVERIES] == D("500.00")


def test_recovery_on_a_stale_instance_reads_the_locked_row(fund):
    """The status is checked on the locked row, not on the caller's (possibly stale) object."""
    contract = _live_loan(fund)
    stale = Contract.objects.get(pk=contract.pk)
    stale.status = "written_off"  # what a caller's copy might say; the database says active
    with pytest.raises(LedgerError):
        services.contract_recovery(
            actor=None, contract=stale, amount=D("500.00"), value_date=datetime.date(2026, 3, 1)
        )


# --- equity -----------------------------------------------------------------------------------------


def test_equity_revalue_locks_the_contract(fund):
    stake = _contract(fund, instrument="equity", reference="EQ-2", annual_rate=D("0"), term_months=60)
    services.equity_invest(
        actor=None, contract=stake, shares=D("100"), price_per_share=D("10.00"), value_date=DAY
    )
    with _spy_on_locks() as locked:
        services.equity_revalue(
            actor=None,
            contract=stake,
            valuation=D("1500.00"),
            value_date=datetime.date(2026, 12, 31),
            reason="Jaarwaardering",
        )
    assert Contract in locked
    assert contract_account_balance(contract=stake, account_code=AccountCode.EQUITY_INVESTMENTS) == D(
        "1500.00"
    )


def test_equity_invest_names_only_the_open_conditions(fund):
    stake = _contract(
        fund,
        instrument="equity",
        reference="EQ-3",
        annual_rate=D("0"),
        term_months=60,
        conditions=["KvK-uittreksel", "Aandeelhoudersovereenkomst"],
    )
    met = stake.conditions.get(description="KvK-uittreksel")
    services.condition_resolve(actor=None, condition=met, status="met")
    with pytest.raises(LedgerError) as exc:
        services.equity_invest(
            actor=None, contract=stake, shares=D("1"), price_per_share=D("1.00"), value_date=DAY
        )
    assert "Open: Aandeelhoudersovereenkomst." in str(exc.value)
    assert "KvK-uittreksel" not in str(exc.value)


# --- contract_create validates the schedule from the contract's own start -------------------------


def test_schedule_is_validated_from_the_signing_date(fund):
    with pytest.raises(ValidationError) as exc:
        _contract(fund, signed_on=datetime.date(9995, 1, 1), term_months=120)
    assert "9999" in " ".join(exc.value.message_dict["term_months"])


def test_schedule_without_signing_date_is_validated_from_today_not_a_fixed_date(fund):
    # A loan that cannot run from today is refused (a fixed 1 January 2026 accepted it).
    far_future = mock.patch("portfolio.services.local_today", return_value=datetime.date(9995, 1, 1))
    with far_future, pytest.raises(ValidationError) as exc:
        _contract(fund, term_months=120)
    assert "term_months" in exc.value.message_dict
    assert _contract(fund, term_months=120, reference="RV-OK").signed_on is None


class _spy_on_locks:
    """Collects the models whose rows a block locks with select_for_update (any database)."""

    def __enter__(self):
        self.models: list = []
        original = QuerySet.select_for_update

        def spy(queryset, *args, **kwargs):
            self.models.append(queryset.model)
            return original(queryset, *args, **kwargs)

        self._patch = mock.patch.object(QuerySet, "select_for_update", spy)
        self._patch.start()
        return self.models

    def __exit__(self, *exc):
        self._patch.stop()
        return False
