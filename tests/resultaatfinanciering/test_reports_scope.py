"""Defects 10 and 11 of issue 13: reports separate accrual (results by the quarter they were achieved) from
cash (payments by the quarter they were paid); budget used counts verified and paid results only, with
submitted claims apart; the municipality's report is only for its officials (title and totals match)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from fund.models import Role
from resultaatfinanciering import selectors, services
from resultaatfinanciering.models import OutcomeContract

pytestmark = pytest.mark.django_db

D = Decimal


def test_accrual_by_achievement_quarter_and_cash_by_payment_quarter(outcomes):
    a, _ = outcomes
    # two results achieved in Q3 2026, approved and paid in Q4 2026
    for participant in a.participants[:2]:
        claim = services.claim_submit(
            actor=a.investee,
            contract=a.contract,
            participant=participant,
            milestone=a.start,
            achieved_on=datetime.date(2026, 9, 1),
            today=datetime.date(2026, 10, 2),
        )
        services.claim_verify(actor=a.officials[0], claim=claim)
    with time_machine.travel(datetime.datetime(2026, 10, 2, 10, tzinfo=datetime.UTC), tick=False):
        proposal = services.proposal_prepare(
            actor=a.officials[0],
            contract=a.contract,
            period_start=datetime.date(2026, 7, 1),
            period_end=datetime.date(2026, 9, 30),
        )
        services.proposal_approve(actor=a.officials[1], proposal=proposal)
        services.proposal_approve(actor=a.officials[2], proposal=proposal)
        services.payment_confirm(actor=a.officials[1], proposal=proposal, paid_on=datetime.date(2026, 10, 2))
    # one more submitted, not verified
    services.claim_submit(
        actor=a.investee,
        contract=a.contract,
        participant=a.participants[2],
        milestone=a.start,
        achieved_on=datetime.date(2026, 9, 1),
        today=datetime.date(2026, 11, 23),
    )
    report = selectors.savings_report(contracts=OutcomeContract.objects.filter(pk=a.contract.pk))
    assert [(r["quarter"], r["amount"]) for r in report.rows] == [("2026-Q3", D("4345.14"))]
    assert [(r["quarter"], r["amount"]) for r in report.cash_rows] == [("2026-Q4", D("4345.14"))]
    assert "paid" not in report.rows[0]
    # budget used: verified and paid only; the submitted claim is shown apart
    assert report.committed == D("4345.14") and report.submitted == D("2172.57")
    # a Q3 report (results achieved up to 30-09) shows the accrual but no cash yet
    q3 = selectors.savings_report(
        contracts=OutcomeContract.objects.filter(pk=a.contract.pk), until=datetime.date(2026, 9, 30)
    )
    assert q3.verified == D("4345.14") and q3.paid == D("0.00") and q3.cash_rows == []


def test_municipality_report_only_for_its_officials(client, world, outcomes):
    a, _ = outcomes
    url = reverse("resultaatfinanciering:municipality_report", args=[a.contract.payer_id])
    for user in (a.investee, world.a.users[Role.FUND_MANAGER]):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get(url.replace("report/", "report.pdf")).status_code == 404
    client.force_login(a.officials[0])
    page = client.get(url).content.decode()
    assert f"Besparingsrapportage {a.contract.payer.name}" in page
    # the enterprise reads its own contract's report, titled by the contract
    client.force_login(a.investee)
    page = client.get(reverse("resultaatfinanciering:contract_report", args=[a.contract.pk])).content.decode()
    assert f"Besparingsrapportage {a.contract.reference}" in page
    assert a.contract.payer.name not in page.split("<h1")[1].split("</h1>")[0]
