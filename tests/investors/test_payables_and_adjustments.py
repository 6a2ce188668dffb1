"""Paying the fee and expense payables (2300/2400) and adjusting unfunded commitments (expired, other)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from core.errors import ApplicationError
from fund.models import AuditEvent
from investors import services
from investors.models import CommitmentAdjustment, PayablePayment
from portfolio.ledger import Line, entry_post
from portfolio.selectors import account_balances
from reports.capital import LINES, capital_accounts

pytestmark = pytest.mark.django_db
D = Decimal
DAY = datetime.date


def _pay_in(capital, amounts):
    day = DAY(2025, 1, 15)
    for commitment, amount in zip(capital.commitments, amounts, strict=True):
        entry_post(
            fund=capital.fund,
            value_date=day,
            description="storting",
            lines=[
                Line("1000", debit=D(amount)),
                Line("3000", credit=D(amount), commitment=commitment),
            ],
            actor=None,
        )


# --- payables ----------------------------------------------------------------------------------------


def test_paying_a_payable_books_it_through_the_ledger_and_refuses_more_than_is_open(capital):
    fund = capital.fund
    _pay_in(capital, ["10000.00", "20000.00", "5000.00"])
    services.management_fee_charge(actor=None, fund=fund, quarter="2025-Q1")  # 2 % × 350.000 / 4 = 1.750
    services.expense_record(actor=None, fund=fund, date=DAY(2025, 2, 1), description="Notaris", amount="400")
    assert services.payables_open(fund=fund) == {"2300": D("1750.00"), "2400": D("400.00")}
    bank_before = account_balances(fund=fund)["1000"]

    with pytest.raises(ApplicationError) as refused:
        services.payable_pay(
            actor=None, fund=fund, account="2400", amount=D("400.01"), paid_on=DAY(2025, 3, 1)
        )
    assert refused.value.field == "amount" and "€ 400,00" in str(refused.value)
    with pytest.raises(ApplicationError):  # nothing is open on 2300 before the fee's value date
        services.payable_pay(actor=None, fund=fund, account="2300", amount=D("1"), paid_on=DAY(2025, 3, 30))
    with pytest.raises(ApplicationError) as refused:
        services.payable_pay(actor=None, fund=fund, account="1000", amount=D("1"), paid_on=DAY(2025, 4, 1))
    assert refused.value.field == "account"

    payment = services.payable_pay(
        actor=capital.manager, fund=fund, account="2300", amount=D("1000.00"), paid_on=DAY(2025, 4, 2)
    )
    assert services.payables_open(fund=fund) == {"2300": D("750.00"), "2400": D("400.00")}
    assert account_balances(fund=fund)["1000"] == bank_before - D("1000.00")
    postings = {(p.account.code, p.debit, p.credit) for p in payment.entry.postings.select_related("account")}
    assert postings == {("2300", D("1000.00"), D("0.00")), ("1000", D("0.00"), D("1000.00"))}
    event = AuditEvent.objects.for_object(payment).get(action="payable_paid")
    assert (event.from_state, event.to_state) == ("€ 1.750,00", "€ 750,00")


def test_the_payables_page_confirms_amount_and_effect_before_booking(client, capital):
    fund = capital.fund
    _pay_in(capital, ["10000.00", "20000.00", "5000.00"])
    services.expense_record(actor=None, fund=fund, date=DAY(2025, 2, 1), description="Notaris", amount="400")
    url = reverse("investors:payable_list", args=[fund.pk])
    client.force_login(capital.manager)
    page = client.get(url).content.decode()
    assert "€ 400,00" in page and 'value="2400" selected' not in page  # nothing preselected
    data = {"account": "2400", "amount": "250,00", "paid_on": "2025-03-01", "description": "Notaris"}
    confirm = client.post(url, data).content.decode()
    assert "Controleer en bevestig" in confirm and "€ 250,00" in confirm and "€ 150,00" in confirm
    assert not PayablePayment.objects.exists()
    assert client.post(url, data | {"confirmed": "1"}).status_code == 302
    assert PayablePayment.objects.get().amount == D("250.00")
    too_much = client.post(url, data | {"amount": "200,00", "confirmed": "1"})  # only € 150,00 left
    assert too_much.status_code == 200 and "€ 150,00" in too_much.content.decode()
    assert PayablePayment.objects.count() == 1
    client.force_login(capital.investor_users[0])  # an investor: not this page
    assert client.get(url).status_code == 404


# --- commitment adjustments -------------------------------------------------------------------------------


def test_expiry_and_other_adjustments_roll_the_reconciliation_forward(capital):
    alfa, bravo, _charlie = capital.commitments
    _pay_in(capital, ["10000.00", "20000.00", "5000.00"])
    services.commitment_adjust(
        actor=capital.manager, commitment=bravo, kind="other", amount=D("-5000.00"),
        date=DAY(2025, 2, 1), reason="Toezegging verlaagd bij de tweede sluiting",
    )  # fmt: skip
    services.commitment_adjust(
        actor=capital.manager, commitment=bravo, kind="expired", amount=D("15000.00"),
        date=DAY(2025, 5, 1), reason="Einde investeringsperiode: wordt niet meer opgevraagd",
    )  # fmt: skip
    rows = {row.commitment: row for row in capital_accounts(fund=capital.fund, quarter="2025-Q2")}
    r = rows[bravo].reconciliation
    assert r.beginning_unfunded == D("200000.00") - D("20000.00") - D("5000.00")
    assert (r.expired, r.other, r.contributions) == (D("-15000.00"), D("0.00"), D("0.00"))
    assert r.ending_unfunded == D("160000.00") == rows[bravo].unfunded
    assert r.beginning_unfunded + r.contributions + r.recallable_distributions + r.expired + r.other == (
        r.ending_unfunded
    )
    q1 = {row.commitment: row for row in capital_accounts(fund=capital.fund, quarter="2025-Q1")}
    assert q1[bravo].reconciliation.other == D("-5000.00") and q1[bravo].reconciliation.expired == D("0.00")
    assert rows[alfa].reconciliation.expired == D("0.00")
    # The capital account itself (the money) is untouched: off balance.
    assert rows[bravo].itd.ending_balance == D("20000.00")
    assert all(getattr(rows[bravo].itd, name) == 0 for name in LINES if name != "contributions")
    # And the call limits follow (no calls were issued here: commitment − 5.000 − 15.000 may still be called).
    assert services.unfunded_by_commitment(fund=capital.fund)[bravo.pk] == D("180000.00")


def test_adjustments_are_refused_with_a_clear_message(capital):
    _alfa, bravo, _charlie = capital.commitments
    _pay_in(capital, ["10000.00", "20000.00", "5000.00"])
    base = {"actor": None, "commitment": bravo, "date": DAY(2025, 5, 1)}
    with pytest.raises(ApplicationError) as refused:
        services.commitment_adjust(**base, kind="expired", amount=D("200000.01"), reason="Einde")
    assert refused.value.field == "amount" and "€ 200.000,00" in str(refused.value)
    with pytest.raises(ApplicationError) as refused:
        services.commitment_adjust(**base, kind="expired", amount=D("100"), reason="  ")
    assert refused.value.field == "reason"
    with pytest.raises(ApplicationError) as refused:
        services.commitment_adjust(**base, kind="other", amount=D("0"), reason="niets")
    assert refused.value.field == "amount"
    with pytest.raises(ApplicationError) as refused:
        services.commitment_adjust(**base, kind="other", amount=D("-200000.01"), reason="te veel")
    assert refused.value.field == "amount"
    assert not CommitmentAdjustment.objects.exists()


def test_the_database_refuses_an_expiry_that_raises_the_unfunded_part(capital):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        CommitmentAdjustment.objects.create(
            commitment=capital.commitments[0],
            kind="expired",
            date=DAY(2025, 1, 1),
            amount=D("10"),
            reason="x",
        )


def test_the_adjust_page_confirms_first_and_is_audited(client, capital):
    bravo = capital.commitments[1]
    url = reverse("investors:commitment_adjust", args=[bravo.pk])
    client.force_login(capital.manager)
    data = {
        "kind": "expired",
        "amount": "50.000,00",
        "date": "2025-12-31",
        "reason": "Einde investeringsperiode",
    }
    confirm = client.post(url, data).content.decode()
    assert "Controleer en bevestig" in confirm and "€ 150.000,00" in confirm  # 200.000 − 50.000
    assert not CommitmentAdjustment.objects.exists()
    assert client.post(url, data | {"confirmed": "1"}).status_code == 302
    adjustment = CommitmentAdjustment.objects.get()
    assert adjustment.amount == D("-50000.00") and adjustment.created_by == capital.manager
    assert AuditEvent.objects.for_object(bravo).filter(action="commitment_adjusted").exists()
    client.force_login(capital.investor_users[1])  # the investor itself cannot adjust its commitment
    assert client.get(url).status_code == 404
