"""Claims, verification, proposals and four-eyes approval: hand-checked numbers and every refusal."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError, TransitionError
from fund.models import AuditEvent, Role
from portfolio.models import JournalEntry
from resultaatfinanciering import services
from resultaatfinanciering.models import (
    Approval,
    BenefitNorm,
    Claim,
    ClaimState,
    Payment,
    ProposalState,
)
from tests.factories import make_member

pytestmark = pytest.mark.django_db

D = Decimal
SEP = datetime.date(2026, 9, 1)


def submit(side, participant, milestone, achieved_on=SEP, **kwargs):
    return services.claim_submit(
        actor=side.investee,
        contract=side.contract,
        participant=participant,
        milestone=milestone,
        achieved_on=achieved_on,
        today=kwargs.pop("today", datetime.date(2026, 11, 23)),
        **kwargs,
    )


def messages_of(exc_info) -> str:
    return " ".join(m for ms in exc_info.value.message_dict.values() for m in ms)


# --- norms and pricing -------------------------------------------------------------------------------


def test_norm_is_chosen_by_achievement_date(outcomes):
    assert services.norm_on(household_type="single", on=datetime.date(2025, 6, 30)).monthly_amount == D(
        "1345.45"
    )
    assert services.norm_on(household_type="single", on=datetime.date(2025, 7, 1)).monthly_amount == D(
        "1369.06"
    )
    with pytest.raises(ApplicationError, match="geen bijstandsnorm"):
        services.norm_on(household_type="single", on=datetime.date(2024, 12, 31))


def test_claim_is_priced_with_the_norm_of_its_date_and_stores_its_inputs(outcomes):
    a, _ = outcomes
    # 1369.06 × 12 + 2883.00 = 19311.72; × 0.75 = 14483.79; × 0.50 = 7241.90; × 0.30 = 2172.57
    claim = submit(a, a.participants[0], a.start)
    assert claim.price == D("2172.57")
    assert claim.gross_saving == D("19311.72") and claim.net_saving == D("14483.79")
    # the norm of the achievement date's half year (a test norm with the 01-07-2025 amount)
    assert claim.norm.valid_from == datetime.date(2026, 7, 1) and claim.norm_amount == D("1369.06")
    assert not claim.provisional
    assert claim.pricing_version == "2026.1"
    assert claim.pricing_inputs["pricing"]["monthly_benefit"] == "1369.06"
    # the last milestone takes the remainder: 7241.90 − 2172.57
    later = submit(a, a.participants[0], a.sustained, achieved_on=datetime.date(2026, 10, 1))
    assert later.price == D("5069.33")


def test_an_earlier_norm_applies_to_an_earlier_result(world):
    from tests.resultaatfinanciering.conftest import make_outcome_contract

    side = make_outcome_contract(world.a, tag="OLD", claim_window_days=900)
    # 1345.45 × 12 + 2883 = 19028.40; × 0.75 = 14271.30; × 0.5 = 7135.65; × 0.3 = 2140.695 → 2140.70
    claim = submit(side, side.participants[0], side.start, achieved_on=datetime.date(2025, 3, 1))
    assert claim.norm_amount == D("1345.45")
    assert claim.price == D("2140.70")
    later = submit(side, side.participants[0], side.sustained, achieved_on=datetime.date(2025, 6, 30))
    assert later.price == D("4994.95")  # 7135.65 − 2140.70


def test_recomputation_from_stored_inputs_survives_a_changed_norm_table(outcomes):
    a, _ = outcomes
    claim = submit(a, a.participants[0], a.start)
    BenefitNorm.objects.filter(pk=claim.norm_id).update(monthly_amount=D("9999.99"))
    a.start.definition.__class__.objects.filter(pk=a.start.definition_id).update(savings_share=D("0.9"))
    claim.refresh_from_db()
    assert services.claim_recompute(claim) == claim.price == D("2172.57")


def test_rate_card_price_is_split_over_milestones(world):
    from tests.resultaatfinanciering.conftest import load_norms

    load_norms()
    official = world.a.users[Role.MUNICIPAL_OFFICIAL]
    contract = services.contract_create(
        actor=official,
        reference="RC-1",
        payer=world.a.government,
        provider=world.a.enterprise,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        target_group="Jongeren",
        budget_cap=D("50000"),
        participant_cap=D("5000"),
        claim_window_days=60,
    )
    definition = services.definition_add(
        actor=official,
        contract=contract,
        code="diploma",
        name="Startkwalificatie",
        evidence_required="Diploma",
        pricing_model="rate_card",
        fixed_price=D("1000.00"),
        milestones=[
            {"code": "a", "name": "Start", "share": "0.3333"},
            {"code": "b", "name": "Diploma", "share": "0.6667"},
        ],
    )
    p = services.participant_add(
        actor=official,
        contract=contract,
        reference="RC-0001",
        household_type="couple",
        benefit_started_on=datetime.date(2026, 1, 1),
    )
    first, second = definition.milestones.order_by("position")
    price = services.claim_price(participant=p, milestone=first, achieved_on=datetime.date(2026, 3, 1))
    assert price.price == D("333.30") and price.norm is None
    price2 = services.claim_price(participant=p, milestone=second, achieved_on=datetime.date(2026, 3, 1))
    assert price2.price == D("666.70")


# --- claim refusals ----------------------------------------------------------------------------------


def test_participant_of_another_contract_is_refused(outcomes):
    a, b = outcomes
    with pytest.raises(ValidationError) as exc:
        submit(a, b.participants[0], a.start)
    assert "hoort niet bij contract RF-HLM" in messages_of(exc)


def test_prerequisite_milestone_is_required(outcomes):
    a, _ = outcomes
    with pytest.raises(ValidationError) as exc:
        submit(a, a.participants[0], a.sustained)
    assert "vraagt eerst mijlpaal start" in messages_of(exc)


def test_rejected_prerequisite_does_not_count_and_a_rejected_claim_can_be_claimed_again(outcomes):
    a, _ = outcomes
    claim = submit(a, a.participants[0], a.start)
    services.claim_reject(actor=a.officials[0], claim=claim, reason="Geen loonstrook")
    with pytest.raises(ValidationError):
        submit(a, a.participants[0], a.sustained)
    again = submit(a, a.participants[0], a.start)
    assert again.state == ClaimState.SUBMITTED


def test_a_milestone_is_claimed_once_in_the_service_and_in_the_database(outcomes):
    a, _ = outcomes
    first = submit(a, a.participants[0], a.start)
    with pytest.raises(ValidationError) as exc:
        submit(a, a.participants[0], a.start)
    assert "al geclaimd" in messages_of(exc)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            contract=first.contract,
            participant=first.participant,
            milestone=first.milestone,
            achieved_on=first.achieved_on,
            price=D("1.00"),
            pricing_version="x",
        )


@pytest.mark.parametrize(
    ("achieved_on", "text"),
    [
        (datetime.date(2028, 1, 1), "in de toekomst"),
        (datetime.date(2024, 12, 31), "buiten de contractperiode"),
        (datetime.date(2026, 8, 24), "claimtermijn is verlopen: claimen kon tot 22-11-2026"),
    ],
)
def test_dates_outside_contract_or_claim_window_are_refused(outcomes, achieved_on, text):
    a, _ = outcomes
    with pytest.raises(ValidationError) as exc:
        submit(a, a.participants[0], a.start, achieved_on=achieved_on)
    assert text in messages_of(exc)


def test_last_day_of_claim_window_is_allowed(outcomes):
    a, _ = outcomes
    assert submit(a, a.participants[0], a.start, achieved_on=datetime.date(2026, 8, 25)).pk


def test_budget_cap_is_enforced(world):
    from tests.resultaatfinanciering.conftest import make_outcome_contract

    side = make_outcome_contract(world.a, tag="CAP", budget_cap=D("5000.00"), participant_cap=D("5000.00"))
    submit(side, side.participants[0], side.start)
    submit(side, side.participants[1], side.start)  # 2 × 2172.57 = 4345.14; 654.86 left
    with pytest.raises(ValidationError) as exc:
        submit(side, side.participants[2], side.start)
    assert "budgetplafond" in messages_of(exc) and "€ 654,86" in messages_of(exc)


def test_participant_cap_is_enforced(world):
    from tests.resultaatfinanciering.conftest import make_outcome_contract

    side = make_outcome_contract(world.a, tag="PCAP", participant_cap=D("7000.00"))
    submit(side, side.participants[0], side.start)
    with pytest.raises(ValidationError) as exc:
        submit(side, side.participants[0], side.sustained, achieved_on=datetime.date(2026, 10, 1))
    assert "plafond per deelnemer" in messages_of(exc) and "€ 4.827,43" in messages_of(exc)


def test_only_the_provider_claims(outcomes):
    a, b = outcomes
    with pytest.raises(PermissionDeniedError):
        services.claim_submit(
            actor=b.investee,
            contract=a.contract,
            participant=a.participants[0],
            milestone=a.start,
            achieved_on=SEP,
        )


def test_bsn_in_evidence_note_is_refused(outcomes):
    a, _ = outcomes
    with pytest.raises(ValidationError, match="burgerservicenummer"):
        submit(a, a.participants[0], a.start, evidence_note="deelnemer 111222333")


def test_participant_reference_that_is_a_bsn_is_refused(outcomes):
    a, _ = outcomes
    with pytest.raises(ValidationError, match="burgerservicenummer"):
        services.participant_add(
            actor=a.officials[0],
            contract=a.contract,
            reference="111222333",
            household_type="single",
            benefit_started_on=datetime.date(2025, 1, 1),
        )
    # nine digits failing the 11-proef are allowed
    assert services.participant_add(
        actor=a.officials[0],
        contract=a.contract,
        reference="123456780",
        household_type="single",
        benefit_started_on=datetime.date(2025, 1, 1),
    ).pk


# --- verification -----------------------------------------------------------------------------------


def test_verify_and_reject_by_officials_of_the_paying_municipality_only(outcomes):
    a, b = outcomes
    claim = submit(a, a.participants[0], a.start)
    with pytest.raises(PermissionDeniedError):
        services.claim_verify(actor=b.officials[0], claim=claim)
    with pytest.raises(PermissionDeniedError):
        services.claim_verify(actor=a.investee, claim=claim)
    with pytest.raises(ValidationError, match="Geef een reden"):
        services.claim_reject(actor=a.officials[0], claim=claim, reason="  ")
    claim = services.claim_verify(actor=a.officials[0], claim=claim)
    assert claim.state == ClaimState.VERIFIED and claim.decided_by == a.officials[0]
    with pytest.raises(TransitionError):
        services.claim_reject(actor=a.officials[0], claim=claim, reason="te laat")
    event = AuditEvent.objects.for_object(claim).get(action="claim_verified")
    assert (event.from_state, event.to_state) == ("submitted", "verified")


# --- proposals and four eyes -------------------------------------------------------------------------


def _verified_proposal(side, preparer=None):
    for participant in side.participants[:2]:
        claim = submit(side, participant, side.start)
        services.claim_verify(actor=side.officials[0], claim=claim)
    return services.proposal_prepare(
        actor=preparer if preparer is not None else side.officials[0],
        contract=side.contract,
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 9, 30),
    )


def test_proposal_bundles_verified_unpaid_results(outcomes):
    a, _ = outcomes
    unverified = submit(a, a.participants[2], a.start)
    proposal = _verified_proposal(a)
    assert proposal.total == D("4345.14")  # 2 × 2172.57
    assert set(proposal.claims.values_list("state", flat=True)) == {ClaimState.IN_PROPOSAL}
    unverified.refresh_from_db()
    assert unverified.proposal is None
    with pytest.raises(ApplicationError, match="geen geverifieerde"):
        services.proposal_prepare(
            actor=a.officials[0],
            contract=a.contract,
            period_start=datetime.date(2026, 10, 1),
            period_end=datetime.date(2026, 12, 31),
        )


def test_four_eyes_two_different_officials_neither_the_preparer(outcomes):
    a, b = outcomes
    proposal = _verified_proposal(a)
    with pytest.raises(PermissionDeniedError, match="opgesteld"):
        services.proposal_approve(actor=a.officials[0], proposal=proposal)
    with pytest.raises(PermissionDeniedError):
        services.proposal_approve(actor=b.officials[1], proposal=proposal)
    services.proposal_approve(actor=a.officials[1], proposal=proposal)
    with pytest.raises(PermissionDeniedError, match="al goedgekeurd"):
        services.proposal_approve(actor=a.officials[1], proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PENDING and not Payment.objects.exists()
    services.proposal_approve(actor=a.officials[2], proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.APPROVED
    assert proposal.payment.amount == D("4345.14")
    # a third official cannot approve an approved proposal; there is still exactly one payment
    third = make_member(Role.MUNICIPAL_OFFICIAL, organisation=a.contract.payer)
    with pytest.raises(TransitionError):
        services.proposal_approve(actor=third, proposal=proposal)
    assert Payment.objects.count() == 1 and Approval.objects.filter(proposal=proposal).count() == 2


def test_database_refuses_a_third_approval_and_a_second_payment(outcomes):
    a, _ = outcomes
    proposal = _verified_proposal(a)
    services.proposal_approve(actor=a.officials[1], proposal=proposal)
    services.proposal_approve(actor=a.officials[2], proposal=proposal)
    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(proposal=proposal, official=a.investee, sequence=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            proposal=proposal, amount=D("1"), creditor_name="x", creditor_iban="x", end_to_end_id="other"
        )


def test_system_prepared_proposal_can_be_approved_by_any_two_officials(outcomes):
    a, _ = outcomes
    for participant in a.participants[:1]:
        services.claim_verify(actor=a.officials[0], claim=submit(a, participant, a.start))
    proposal = services.proposal_prepare(
        actor=services.SYSTEM, contract=a.contract, period_start=datetime.date(2026, 7, 1), period_end=SEP
    )
    services.proposal_approve(actor=a.officials[1], proposal=proposal)  # not the verifier (officials[0])
    services.proposal_approve(actor=a.officials[2], proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.APPROVED


def test_ledger_postings_when_the_fund_prefinances(outcomes):
    a, b = outcomes
    proposal = _verified_proposal(a)
    services.proposal_approve(actor=a.officials[1], proposal=proposal)
    services.proposal_approve(actor=a.officials[2], proposal=proposal)
    entry = JournalEntry.objects.get(idempotency_key=f"outcomes:proposal:{proposal.pk}:approved")
    lines = {(p.account.code, p.debit, p.credit) for p in entry.postings.select_related("account")}
    assert lines == {("1130", D("4345.14"), D("0.00")), ("2100", D("0.00"), D("4345.14"))}
    assert entry.fund == a.contract.fund and entry.contract == a.contract.portfolio_contract
    payment = services.payment_confirm(actor=a.officials[1], proposal=proposal, paid_on=timezone.localdate())
    paid = JournalEntry.objects.get(idempotency_key=f"outcomes:proposal:{proposal.pk}:paid")
    lines = {(p.account.code, p.debit, p.credit) for p in paid.postings.select_related("account")}
    assert lines == {("1000", D("4345.14"), D("0.00")), ("1130", D("0.00"), D("4345.14"))}
    assert payment.paid_on == timezone.localdate()
    assert set(proposal.claims.values_list("state", flat=True)) == {ClaimState.PAID}
    with pytest.raises(TransitionError):
        services.payment_confirm(actor=a.officials[1], proposal=proposal, paid_on=timezone.localdate())
    # side b is not pre-financed: no ledger entries for its payment
    proposal_b = _verified_proposal(b)
    services.proposal_approve(actor=b.officials[1], proposal=proposal_b)
    services.proposal_approve(actor=b.officials[2], proposal=proposal_b)
    assert not JournalEntry.objects.filter(idempotency_key__startswith=f"outcomes:proposal:{proposal_b.pk}:")


def test_withdrawn_proposal_releases_its_claims(outcomes):
    a, _ = outcomes
    proposal = _verified_proposal(a)
    with pytest.raises(ValidationError):
        services.proposal_withdraw(actor=a.officials[1], proposal=proposal, reason="")
    services.proposal_withdraw(actor=a.officials[1], proposal=proposal, reason="Periode klopt niet")
    assert set(Claim.objects.filter(contract=a.contract).values_list("state", flat=True)) == {
        ClaimState.VERIFIED
    }
    again = services.proposal_prepare(
        actor=a.officials[1],
        contract=a.contract,
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 9, 30),
    )
    assert again.total == D("4345.14")


def test_contract_lifecycle_refuses_illegal_transitions(outcomes):
    a, _ = outcomes
    with pytest.raises(TransitionError):
        services.contract_change_status(actor=a.officials[0], contract=a.contract, to_status="draft")
    services.contract_change_status(
        actor=a.officials[0], contract=a.contract, to_status="ended", reason="klaar"
    )
    with pytest.raises(ApplicationError, match="niet lopend"):
        submit(a, a.participants[0], a.start)


def test_period_bounds():
    assert services.period_bounds(frequency="quarterly", containing=datetime.date(2026, 11, 23)) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 12, 31),
    )
    assert services.period_bounds(frequency="monthly", containing=datetime.date(2026, 2, 10)) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )


def test_scheduled_task_prepares_the_last_quarter_once(outcomes):
    from resultaatfinanciering.tasks import prepare_proposals

    a, _ = outcomes
    services.claim_verify(actor=a.officials[0], claim=submit(a, a.participants[0], a.start))
    created = prepare_proposals.delay(as_of="2026-11-23").get()
    assert len(created) == 1
    proposal = a.contract.proposals.get()
    assert (proposal.period_start, proposal.period_end) == (
        datetime.date(2026, 7, 1),
        datetime.date(2026, 9, 30),
    )
    assert proposal.prepared_by is None and proposal.total == D("2172.57")
    assert prepare_proposals.delay(as_of="2026-11-23").get() == []
