"""The enterprise's view of its outcome contract (issue 16): per participant (pseudonymous reference, never
a BSN) and milestone, from when it can be claimed, and where each claim and its payment stand."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fund.models import Role
from resultaatfinanciering import selectors, services
from resultaatfinanciering.models import Milestone
from tests.factories import make_member

pytestmark = pytest.mark.django_db
SEP = datetime.date(2026, 9, 1)
TODAY = datetime.date(2026, 11, 23)


def _submit(side, participant, milestone, achieved_on=SEP):
    return services.claim_submit(
        actor=side.investee,
        contract=side.contract,
        participant=participant,
        milestone=milestone,
        achieved_on=achieved_on,
        today=TODAY,
    )


def _rows(side):
    rows = selectors.claimable_milestones(contract=side.contract, participants=side.participants, today=TODAY)
    return {(r["participant"].reference, r["milestone"].code): r for r in rows}


def test_each_milestone_shows_when_it_can_be_claimed_and_where_claim_and_payment_stand(outcomes):
    a, _b = outcomes
    Milestone.objects.filter(pk=a.start.pk).update(min_months=3)
    Milestone.objects.filter(pk=a.sustained.pk).update(min_months=12)
    one, two, three = a.participants
    # one: start claimed, verified, proposed, approved twice and paid
    paid = _submit(a, one, a.start)
    services.claim_verify(actor=a.officials[0], claim=paid)
    proposal = services.proposal_prepare(
        actor=services.SYSTEM, contract=a.contract, period_start=datetime.date(2026, 7, 1), period_end=SEP
    )
    services.proposal_approve(actor=a.officials[1], proposal=proposal)
    services.proposal_approve(actor=a.officials[2], proposal=proposal)
    services.payment_confirm(actor=a.officials[1], proposal=proposal, paid_on=TODAY)
    # two: start claimed, waiting for the municipality; three: a rejected claim, nothing live
    _submit(a, two, a.start, achieved_on=datetime.date(2026, 10, 1))
    rejected = _submit(a, three, a.start)
    services.claim_reject(actor=a.officials[0], claim=rejected, reason="Contract onder 12 uur per week")

    rows = _rows(a)
    ref = one.reference
    assert rows[(ref, "start")]["claim"] == paid
    assert rows[(ref, "start")]["status"].startswith("Geverifieerd op ")
    assert rows[(ref, "start")]["payment"] == "betaald op 23-11-2026"
    # the next milestone: twelve months after the previous one was achieved
    assert rows[(ref, "12m")]["claimable_from"] == datetime.date(2027, 9, 1)
    assert rows[(ref, "12m")]["claimable_now"] is False
    assert rows[(two.reference, "start")]["status"].startswith("Ingediend op ")
    assert rows[(two.reference, "start")]["payment"] == "nog niet: eerst verificatie"
    assert rows[(two.reference, "12m")]["claimable_from"] == datetime.date(2027, 10, 1)
    # three: the start can be claimed again, from three months after the benefit started
    assert rows[(three.reference, "start")]["rejected"] == rejected
    assert rows[(three.reference, "start")]["claimable_from"] == datetime.date(
        2025, 1, 1
    )  # the contract start
    assert rows[(three.reference, "start")]["claimable_now"] is True
    assert rows[(three.reference, "12m")]["waits_for"] == a.start


def test_payment_states_before_it_is_paid(outcomes):
    a, _b = outcomes
    claim = _submit(a, a.participants[0], a.start)
    services.claim_verify(actor=a.officials[0], claim=claim)
    assert (
        _rows(a)[(a.participants[0].reference, "start")]["payment"] == "komt in het volgende betaalvoorstel"
    )
    proposal = services.proposal_prepare(
        actor=services.SYSTEM, contract=a.contract, period_start=datetime.date(2026, 7, 1), period_end=SEP
    )
    services.proposal_approve(actor=a.officials[1], proposal=proposal)
    assert (
        _rows(a)[(a.participants[0].reference, "start")]["payment"]
        == "in betaalvoorstel; 1 van 2 goedkeuringen"
    )
    services.proposal_approve(actor=a.officials[2], proposal=proposal)
    text = _rows(a)[(a.participants[0].reference, "start")]["payment"]
    assert text == f"goedgekeurd; betaalopdracht gemaakt op {timezone.localdate():%d-%m-%Y}"


def test_the_page_costs_the_same_queries_however_many_claims(outcomes, django_assert_max_num_queries):
    a, _b = outcomes
    for participant in a.participants:
        services.claim_verify(actor=a.officials[0], claim=_submit(a, participant, a.start))
    with django_assert_max_num_queries(3):
        rows = selectors.claimable_milestones(contract=a.contract, participants=a.participants, today=TODAY)
        [row["payment"] for row in rows]
    assert len(rows) == 6


def test_the_enterprise_reads_its_page_with_pseudonymous_references_only(client, outcomes):
    a, b = outcomes
    _submit(a, a.participants[0], a.start)
    client.force_login(a.investee)
    response = client.get(reverse("resultaatfinanciering:claims_overview", args=[a.contract.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Claims per deelnemer" in body
    for participant in a.participants:
        assert f'data-participant="{participant.reference}"' in body
    assert "nu te claimen" in body and "wacht op verificatie door de gemeente" in body
    assert "BSN" not in body.replace("nooit een naam, geboortedatum of BSN", "")
    # the other contract's page is not reachable, nor for a committee member of the fund
    assert (
        client.get(reverse("resultaatfinanciering:claims_overview", args=[b.contract.pk])).status_code == 404
    )
    client.force_login(make_member(Role.COMMITTEE_MEMBER, fund=a.contract.fund))
    assert (
        client.get(reverse("resultaatfinanciering:claims_overview", args=[a.contract.pk])).status_code == 404
    )
    # the contract page and the dashboard link to it
    client.force_login(a.investee)
    url = reverse("resultaatfinanciering:claims_overview", args=[a.contract.pk])
    assert (
        url
        in client.get(reverse("resultaatfinanciering:contract_detail", args=[a.contract.pk])).content.decode()
    )
    assert url in client.get(reverse("home"), follow=True).content.decode()
