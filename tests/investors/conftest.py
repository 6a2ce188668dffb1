"""A fund with three investors (commitments of € 100.000, € 200.000 and € 50.000) and their users."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from djmoney.money import Money

from fund import services as fund_services
from fund.models import Commitment, Fund, Role, User
from tests.factories import make_fund, make_member, next_kvk

D = Decimal


@dataclass
class Capital:
    fund: Fund
    commitments: list[Commitment]
    manager: User
    investor_users: list[User]


def make_capital(
    amounts=("100000.00", "200000.00", "50000.00"), names=("Alfa", "Bravo", "Charlie")
) -> Capital:
    fund = make_fund()
    commitments, users = [], []
    for name, amount in zip(names, amounts, strict=True):
        investor = fund_services.investor_create(
            actor=None,
            name=f"Investeerder {name} {fund.code}",
            investor_type="foundation",
            kvk_number=next_kvk(),
        )
        commitments.append(
            fund_services.commitment_create(
                actor=None,
                fund=fund,
                investor=investor,
                amount=Money(amount, "EUR"),
                committed_on=datetime.date(2025, 1, 1),
            )
        )
        users.append(make_member(Role.INVESTOR, organisation=investor.organisation))
    return Capital(fund, commitments, make_member(Role.FUND_MANAGER, fund=fund), users)


@pytest.fixture
def capital(db) -> Capital:
    return make_capital()


def capital_objects(side) -> dict:
    """An issued call (with its notice), a draft call and a declared distribution, once per side."""
    from investors import notices, services

    cached = getattr(side, "_capital", None)
    if cached is None:
        from core.documents import document_latest

        commitment = side.fund.commitments.get()
        issued = services.call_create(
            actor=None,
            fund=side.fund,
            notice_date=datetime.date(2026, 1, 5),
            due_date=datetime.date(2026, 1, 31),
            purpose="investments",
            amount=D("1000.00"),
        )
        services.call_issue(actor=None, call=issued)
        draft = services.call_create(
            actor=None,
            fund=side.fund,
            notice_date=datetime.date(2026, 2, 5),
            due_date=datetime.date(2026, 2, 28),
            purpose="investments",
            amount=D("500.00"),
        )
        distribution = services.distribution_create(
            actor=None,
            fund=side.fund,
            date=datetime.date(2026, 3, 1),
            kind="interest",
            amount=D("10.00"),
            allocation="manual",
            amounts={commitment.pk: D("10.00")},
        )
        services.distribution_declare(actor=None, distribution=distribution)
        line = issued.lines.get()
        cached = {
            "call": issued,
            "line": line,
            "draft": draft,
            "distribution": distribution,
            "call_notice": document_latest(kind=notices.CALL_NOTICE, subject=line),
            "distribution_notice": document_latest(
                kind=notices.DISTRIBUTION_NOTICE, subject=distribution.lines.get()
            ),
        }
        side._capital = cached
    return cached
