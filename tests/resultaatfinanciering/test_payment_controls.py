"""Defects 4 and 7 of issue 13: the paid date is checked, and duties are separated (the verifier does not
approve the proposal that pays the claim; the preparer does not confirm the payment)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.errors import PermissionDeniedError
from fund.models import AuditEvent
from resultaatfinanciering import services
from resultaatfinanciering.models import OutcomeContract, ProposalState

pytestmark = pytest.mark.django_db

SEP = datetime.date(2026, 9, 1)


def _proposal(side, *, verifier, preparer):
    for participant in side.participants[:2]:
        claim = services.claim_submit(
            actor=side.investee,
            contract=side.contract,
            participant=participant,
            milestone=side.start,
            achieved_on=SEP,
            today=datetime.date(2026, 11, 23),
        )
        services.claim_verify(actor=verifier, claim=claim)
    return services.proposal_prepare(
        actor=preparer,
        contract=side.contract,
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 9, 30),
    )


def _approved_on(side, day: datetime.date):
    a0, a1, a2 = side.officials
    moment = datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        proposal = _proposal(side, verifier=a0, preparer=a0)
        services.proposal_approve(actor=a1, proposal=proposal)
        services.proposal_approve(actor=a2, proposal=proposal)
    proposal.refresh_from_db()
    return proposal


def test_paid_date_before_the_second_approval_is_refused(outcomes):
    a, _ = outcomes
    proposal = _approved_on(a, datetime.date(2026, 11, 2))
    with pytest.raises(ValidationError) as exc:
        services.payment_confirm(actor=a.officials[1], proposal=proposal, paid_on=datetime.date(2026, 1, 5))
    message = " ".join(exc.value.message_dict["paid_on"])
    assert "05-01-2026" in message and "vóór de tweede goedkeuring (02-11-2026)" in message
    assert "behaaldatum" not in message
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.APPROVED
    payment = services.payment_confirm(
        actor=a.officials[1], proposal=proposal, paid_on=datetime.date(2026, 11, 2)
    )
    assert payment.paid_on == datetime.date(2026, 11, 2)


def test_paid_date_in_the_future_has_its_own_message_and_the_date_is_in_the_history(outcomes):
    a, _ = outcomes
    proposal = _approved_on(a, timezone.localdate())
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.payment_confirm(actor=a.officials[1], proposal=proposal, paid_on=tomorrow)
    message = " ".join(exc.value.message_dict["paid_on"])
    assert "De betaaldatum" in message and "in de toekomst" in message and "behaaldatum" not in message
    services.payment_confirm(actor=a.officials[1], proposal=proposal, paid_on=timezone.localdate())
    event = AuditEvent.objects.get(action="proposal_paid")
    assert event.data["changes"]["paid_on"]["to"] == timezone.localdate().strftime("%d-%m-%Y")


def test_the_verifier_may_not_approve_the_proposal_that_pays_the_claim(outcomes):
    a, _ = outcomes
    a0, a1, a2 = a.officials
    proposal = _proposal(a, verifier=a1, preparer=a0)
    with pytest.raises(PermissionDeniedError, match="geverifieerd"):
        services.proposal_approve(actor=a1, proposal=proposal)
    assert not proposal.approvals.exists()
    services.proposal_approve(actor=a2, proposal=proposal)
    assert proposal.approvals.count() == 1


def test_separation_of_verification_and_approval_can_be_switched_off_per_contract(outcomes):
    a, _ = outcomes
    a0, a1, a2 = a.officials
    assert a.contract.verifier_may_not_approve is True  # on by default
    OutcomeContract.objects.filter(pk=a.contract.pk).update(verifier_may_not_approve=False)
    proposal = _proposal(a, verifier=a1, preparer=a0)
    services.proposal_approve(actor=a1, proposal=proposal)
    services.proposal_approve(actor=a2, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.APPROVED


def test_the_preparer_may_not_confirm_the_payment(outcomes):
    a, _ = outcomes
    a0, a1, _a2 = a.officials
    proposal = _approved_on(a, timezone.localdate())
    with pytest.raises(PermissionDeniedError, match="opgesteld"):
        services.payment_confirm(actor=a0, proposal=proposal, paid_on=timezone.localdate())
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.APPROVED
    services.payment_confirm(actor=a1, proposal=proposal, paid_on=timezone.localdate())
