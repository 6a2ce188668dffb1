"""The reports world: fund A with two investors (each with its own paid-in capital), fund B with one."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from djmoney.money import Money

from fund import services
from fund.models import Commitment, Investor, Role, User
from portfolio.accounts import AccountCode
from portfolio.ledger import Line, entry_post
from tests.factories import make_member, next_kvk

QUARTER = "2026-Q1"


@dataclass
class ReportsWorld:
    world: object
    co_investor: Investor
    co_commitment: Commitment
    co_user: User


def pay_in(*, commitment: Commitment, amount: str, on: datetime.date) -> None:
    """A contribution received: D bank / C paid-in capital, on the investor's commitment."""
    entry_post(
        fund=commitment.fund,
        value_date=on,
        description=f"Storting {commitment.investor}",
        lines=[
            Line(account=AccountCode.BANK, debit=Decimal(amount)),
            Line(account=AccountCode.PAID_IN_CAPITAL, credit=Decimal(amount), commitment=commitment),
        ],
        actor=None,
    )


@pytest.fixture
def reports_world(world) -> ReportsWorld:
    """Investor A (€ 100.000 committed, € 40.000 paid in) and co-investor A2 (€ 250.000, € 87.654,32 paid in)
    in fund A; investor B (€ 100.000, € 55.555,55) in fund B. Fund A's quarter 2026-Q1 is closed."""
    a, b = world.a, world.b
    co_investor = services.investor_create(
        actor=None, name="Mede-investeerder A2", investor_type="bank", kvk_number=next_kvk()
    )
    co_commitment = services.commitment_create(
        actor=None,
        fund=a.fund,
        investor=co_investor,
        amount=Money("250000", "EUR"),
        committed_on=datetime.date(2025, 1, 1),
    )
    pay_in(
        commitment=a.fund.commitments.get(investor=a.investor),
        amount="40000.00",
        on=datetime.date(2026, 1, 2),
    )
    pay_in(commitment=co_commitment, amount="87654.32", on=datetime.date(2026, 1, 3))
    pay_in(
        commitment=b.fund.commitments.get(investor=b.investor),
        amount="55555.55",
        on=datetime.date(2026, 1, 2),
    )
    co_user = make_member(Role.INVESTOR, organisation=co_investor.organisation)
    return ReportsWorld(world=world, co_investor=co_investor, co_commitment=co_commitment, co_user=co_user)


@pytest.fixture
def closed_q1(reports_world):
    from django.db import transaction

    from portfolio.ledger import period_close

    with transaction.atomic():
        period_close(fund=reports_world.world.a.fund, through=datetime.date(2026, 3, 31), actor=None)
    return reports_world
