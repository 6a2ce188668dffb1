"""The investee's loan page and statement per instalment: paid (with the day), due (open, past due) or
upcoming, with principal, interest and what is still open (issue 16)."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from djmoney.money import Money
from pypdf import PdfReader

from core.formats import format_eur
from fund.models import Role
from portfolio import services
from portfolio.selectors import instalments
from portfolio.statements import loan_statement_pdf
from tests.factories import make_enterprise, make_fund, make_member

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def loan():
    fund = make_fund()
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference="TRM-1",
        instrument="loan",
        principal=Money("36000.00", "EUR"),
        annual_rate=D("0.06"),
        term_months=12,
    )
    services.contract_disburse(
        actor=None, contract=contract, amount=D("36000.00"), value_date=datetime.date(2026, 1, 15)
    )
    return contract


def _lines(contract):
    return list(services.current_schedule(contract).lines.order_by("number"))


def test_each_instalment_is_paid_due_or_upcoming_with_the_day_it_was_paid(loan):
    lines = _lines(loan)
    services.repayment_receive(
        actor=None, contract=loan, amount=lines[0].payment, value_date=lines[0].due_date
    )
    half = D("500.00")
    services.repayment_receive(
        actor=None, contract=loan, amount=half, value_date=lines[1].due_date + datetime.timedelta(days=3)
    )
    as_of = lines[2].due_date + datetime.timedelta(days=5)
    rows = instalments(contract=loan, as_of=as_of)
    assert [r["state"] for r in rows[:4]] == ["paid", "due", "due", "upcoming"]
    first, second, third, fourth = rows[:4]
    assert first["paid_on"] == lines[0].due_date and first["open"] == D("0.00")
    assert (first["principal"], first["interest"]) == (lines[0].principal, lines[0].interest)
    assert second["paid"] == half and second["open"] == lines[1].payment - half
    assert second["days_late"] == (as_of - lines[1].due_date).days
    assert second["state_label"] == f"te laat ({second['days_late']} dagen) — deels betaald"
    assert third["open"] == lines[2].payment and third["state_label"] == "te laat (5 dagen)"
    assert fourth["state_label"] == "komt nog" and fourth["paid_on"] is None
    # what is open on the due instalments is the principal and interest owed now (interest accrued)
    services.interest_accrue(actor=None, contract=loan, through=as_of)
    owed = services.dues(contract=loan, as_of=as_of)
    assert second["open"] + third["open"] == owed["interest"] + owed["principal_due"]


def test_the_instalment_paid_by_a_later_payment_carries_that_payments_day(loan):
    lines = _lines(loan)
    late = lines[1].due_date + datetime.timedelta(days=10)
    services.repayment_receive(
        actor=None, contract=loan, amount=lines[0].payment + lines[1].payment, value_date=late
    )
    rows = instalments(contract=loan, as_of=late)
    assert [(r["state"], r["paid_on"]) for r in rows[:3]] == [
        ("paid", late),
        ("paid", late),
        ("upcoming", None),
    ]


def test_an_instalment_due_today_is_to_pay_not_late(loan):
    first = _lines(loan)[0]
    row = instalments(contract=loan, as_of=first.due_date)[0]
    assert (row["state"], row["days_late"], row["state_label"]) == ("due", 0, "vandaag te betalen")


def test_the_instalments_cost_the_same_queries_however_many_there_are(loan, django_assert_num_queries):
    lines = _lines(loan)
    for line in lines[:6]:
        services.repayment_receive(actor=None, contract=loan, amount=line.payment, value_date=line.due_date)
    with django_assert_num_queries(3):
        rows = instalments(contract=loan, as_of=lines[-1].due_date)
    assert len(rows) == 12 and [r["state"] for r in rows].count("paid") == 6


def test_the_loan_page_and_the_statement_show_the_instalment_status(client, loan):
    lines = _lines(loan)
    services.repayment_receive(
        actor=None, contract=loan, amount=lines[0].payment, value_date=lines[0].due_date
    )
    as_of = lines[1].due_date + datetime.timedelta(days=2)
    text = " ".join(
        " ".join(
            page.extract_text()
            for page in PdfReader(io.BytesIO(loan_statement_pdf(contract=loan, as_of=as_of))).pages
        ).split()
    )
    assert "Status Betaald op Nog open" in text
    date = lines[0].due_date.strftime("%d-%m-%Y")
    assert f"betaald {date}" in text
    assert f"te laat (2 dagen) — {format_eur(lines[1].payment, language='nl')}" in text
    assert "komt nog" in text

    investee = make_member(Role.INVESTEE, organisation=loan.enterprise.organisation)
    client.force_login(investee)
    with time_machine.travel(
        datetime.datetime(as_of.year, as_of.month, as_of.day, 12, 0, tzinfo=datetime.UTC), tick=False
    ):
        body = client.get(reverse("contract_detail", args=[loan.pk])).content.decode()
    assert 'data-state="paid"' in body and 'data-state="due"' in body and 'data-state="upcoming"' in body
    assert "te laat (2 dagen)" in body
    assert f"<td>{date}</td>" in body  # the day the first instalment was paid
