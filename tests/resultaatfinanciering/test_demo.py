"""The demo outcomes contract: claims in every state, a paid proposal, a pending one with one approval."""

import pytest
from django.core.management import call_command

from portfolio.models import JournalEntry
from resultaatfinanciering.models import Claim, OutcomeContract, Payment, PaymentProposal

pytestmark = pytest.mark.django_db


def test_demo_outcomes_contract_is_complete_and_idempotent():
    call_command("load_demo", quiet_logins=True)
    counts = (Claim.objects.count(), PaymentProposal.objects.count(), JournalEntry.objects.count())
    call_command("load_demo", quiet_logins=True)
    assert (Claim.objects.count(), PaymentProposal.objects.count(), JournalEntry.objects.count()) == counts

    contract = OutcomeContract.objects.get(reference="HLM-RF-2025-01")
    assert contract.payer.name.endswith("Haarlem") and contract.fund.code == "SIF-ZKIJ"
    states = set(contract.claims.values_list("state", flat=True))
    assert states == {"submitted", "verified", "rejected", "in_proposal", "paid"}
    paid, pending = contract.proposals.order_by("period_end")
    assert paid.state == "paid" and paid.approvals.count() == 2 and paid.payment.paid_on
    assert pending.state == "pending" and pending.approvals.count() == 1
    assert Payment.objects.count() == 1
    # approved, paid, and the fund's 10 % success fee on the paid proposal (its income: 2100 → 4500)
    assert JournalEntry.objects.filter(idempotency_key__startswith="outcomes:proposal:").count() == 3
    share = JournalEntry.objects.get(idempotency_key=f"outcomes:proposal:{paid.pk}:fund-share")
    assert {p.account.code for p in share.postings.select_related("account")} == {"2100", "4500"}
