"""Two officials approving at the same moment never create a second payment (PostgreSQL row locks)."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections

from core.errors import ApplicationError
from fund.models import Role
from resultaatfinanciering import services
from resultaatfinanciering.models import Approval, Payment, ProposalState
from tests.factories import make_member
from tests.resultaatfinanciering.conftest import make_outcome_contract

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes: list = []

    def run(call):
        try:
            barrier.wait()
            outcomes.append(call())
        except ApplicationError as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.fixture
def proposal(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) are only real on PostgreSQL")
    side = make_outcome_contract(world.a, tag="RACE")
    for participant in side.participants:
        claim = services.claim_submit(
            actor=side.investee,
            contract=side.contract,
            participant=participant,
            milestone=side.start,
            achieved_on=datetime.date(2026, 9, 1),
            today=datetime.date(2026, 11, 23),
        )
        services.claim_verify(actor=side.officials[0], claim=claim)
    proposal = services.proposal_prepare(
        actor=side.officials[0],
        contract=side.contract,
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 9, 30),
    )
    return side, proposal


def test_two_officials_giving_the_second_approval_at_once_create_one_payment(proposal):
    side, proposal = proposal
    services.proposal_approve(actor=side.officials[1], proposal=proposal)
    fourth = make_member(Role.MUNICIPAL_OFFICIAL, organisation=side.contract.payer)
    results = _race(
        lambda: services.proposal_approve(actor=side.officials[2], proposal=proposal),
        lambda: services.proposal_approve(actor=fourth, proposal=proposal),
    )
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(results) == 2 and len(refused) == 1
    assert Payment.objects.filter(proposal=proposal).count() == 1
    assert Approval.objects.filter(proposal=proposal).count() == 2
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.APPROVED


def test_the_same_official_approving_twice_at_once_counts_once(proposal):
    side, proposal = proposal
    results = _race(
        lambda: services.proposal_approve(actor=side.officials[1], proposal=proposal),
        lambda: services.proposal_approve(actor=side.officials[1], proposal=proposal),
    )
    assert sum(isinstance(r, ApplicationError) for r in results) == 1
    assert Approval.objects.filter(proposal=proposal).count() == 1
    assert not Payment.objects.exists()
