"""The loan page reads each source once: the same figures as the selectors it replaces (instalments, dues,
the fund's arrears), and a number of queries that does not grow with the loan's history."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from djmoney.money import Money

from fund.models import Role
from portfolio import services
from portfolio.models import Repayment
from portfolio.selectors import arrears, contract_position, instalments
from tests.factories import make_enterprise, make_fund, make_member

pytestmark = pytest.mark.django_db
D = Decimal


def _loan(fund, reference: str, *, enterprise=None, disburse: bool = True):
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=enterprise or make_enterprise(fund=fund),
        reference=reference,
        instrument="loan",
        principal=Money("36000.00", "EUR"),
        annual_rate=D("0.06"),
        term_months=24,
    )
    if disburse:
        services.contract_disburse(
            actor=None, contract=contract, amount=D("36000.00"), value_date=datetime.date(2025, 1, 15)
        )
    return contract


def _lines(contract):
    return list(services.current_schedule(contract).lines.order_by("number"))


def _pay(contract, lines, *, value_date=None):
    for line in lines:
        services.repayment_receive(
            actor=None, contract=contract, amount=line.payment, value_date=value_date or line.due_date
        )


def _page_queries(client, contract, on: datetime.date) -> int:
    moment = datetime.datetime(on.year, on.month, on.day, 12, 0, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("contract_detail", args=[contract.pk]))
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_position_has_the_figures_of_instalments_dues_and_the_funds_arrears():
    fund = make_fund()
    late = _loan(fund, "POS-1")
    on_time = _loan(fund, "POS-2")
    draft = _loan(fund, "POS-3", disburse=False)
    lines = _lines(late)
    _pay(late, lines[:2])
    services.repayment_receive(  # half of the third instalment, late
        actor=None,
        contract=late,
        amount=D("500.00"),
        value_date=lines[2].due_date + datetime.timedelta(days=4),
    )
    _pay(late, lines[3:4])  # the fourth, whose payment is returned later: it stops counting for arrears
    returned = Repayment.objects.filter(contract=late).latest("value_date", "pk")
    Repayment.objects.filter(pk=returned.pk).update(returned_on=lines[4].due_date)
    services.charge_book(
        actor=None, contract=late, kind="fee", amount=D("75.00"), value_date=lines[1].due_date, reason="test"
    )
    _pay(on_time, _lines(on_time)[:8])
    for as_of in (
        lines[0].due_date - datetime.timedelta(days=1),
        lines[2].due_date,
        lines[3].due_date + datetime.timedelta(days=1),
        lines[5].due_date + datetime.timedelta(days=9),
        lines[-1].due_date + datetime.timedelta(days=40),
    ):
        services.interest_accrue(actor=None, contract=late, through=as_of)
        fund_arrears = arrears(fund=fund, as_of=as_of)
        for contract in (late, on_time, draft):
            contract.refresh_from_db()
            position = contract_position(contract=contract, as_of=as_of)
            assert position["instalments"] == instalments(contract=contract, as_of=as_of)
            assert position["dues"] == services.dues(contract=contract, as_of=as_of)
            assert position["arrears"] == fund_arrears.get(contract.pk), (contract.reference, as_of)
            assert position["version"] == services.current_schedule(contract)
    assert contract_position(contract=late, as_of=lines[5].due_date)["arrears"]["days_past_due"] > 0


@pytest.mark.parametrize("role", [Role.INVESTEE, Role.FUND_MANAGER])
def test_the_loan_page_costs_the_same_queries_however_long_its_history(client, role):
    fund = make_fund()
    short = _loan(fund, "HIS-1")
    long = _loan(fund, "HIS-2", enterprise=short.enterprise)  # the same investee user sees both
    _loan(fund, "HIS-3")  # another loan of the fund: the page does not read it
    lines = _lines(long)
    _pay(short, _lines(short)[:1])
    _pay(long, lines[:14])
    for line in lines[2:12:3]:
        services.charge_book(
            actor=None, contract=long, kind="fee", amount=D("25.00"), value_date=line.due_date, reason="test"
        )
    on = lines[15].due_date + datetime.timedelta(days=3)
    for contract in (short, long):
        services.interest_accrue(actor=None, contract=contract, through=on)
    scope = {"organisation": short.enterprise.organisation} if role == Role.INVESTEE else {"fund": fund}
    client.force_login(make_member(role, **scope))
    _page_queries(client, short, on)  # first request: the session's own bookkeeping
    assert _page_queries(client, long, on) == _page_queries(client, short, on)
