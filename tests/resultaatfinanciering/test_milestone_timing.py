"""Defect 1 of issue 13: a result cannot be claimed (or verified) before it can exist.

Each milestone has a minimum term after the previous milestone (the first: after the benefit start); a claim
dated earlier is refused with the date it becomes claimable — also when the previous milestone is only
submitted — and a later milestone cannot be verified before its prerequisite."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import ApplicationError
from resultaatfinanciering import imports, services
from resultaatfinanciering.models import Claim, ClaimState, OutcomeContract

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def timed(world):
    """A contract with start → 6 months → 12 months (six months apart), like the demo's."""
    from tests.resultaatfinanciering.conftest import make_outcome_contract

    side = make_outcome_contract(world.a, tag="TIM", claim_window_days=900)
    official = side.officials[0]
    contract = OutcomeContract.objects.get(pk=side.contract.pk)
    OutcomeContract.objects.filter(pk=contract.pk).update(status="draft")
    definition = services.definition_add(
        actor=official,
        contract=contract,
        code="duurzaam",
        name="Duurzaam aan het werk",
        evidence_required="Loonstroken",
        pricing_model="rate_card",
        fixed_price=Decimal("3000.00"),
        milestones=[
            {"code": "begin", "name": "Start", "share": "0.30"},
            {"code": "6m", "name": "6 maanden", "share": "0.30", "min_months": 6},
            {"code": "12m", "name": "12 maanden", "share": "0.40", "min_months": 6},
        ],
    )
    OutcomeContract.objects.filter(pk=contract.pk).update(status="active")
    side.begin, side.six, side.twelve = list(definition.milestones.order_by("position"))
    return side


def submit(side, participant, milestone, achieved_on):
    return services.claim_submit(
        actor=side.investee,
        contract=side.contract,
        participant=participant,
        milestone=milestone,
        achieved_on=achieved_on,
        today=TODAY,
    )


def test_six_months_cannot_be_claimed_eight_days_after_the_start(timed):
    person = timed.participants[0]
    submit(timed, person, timed.begin, datetime.date(2026, 3, 2))
    with pytest.raises(ValidationError) as exc:
        submit(timed, person, timed.six, datetime.date(2026, 3, 10))
    message = " ".join(exc.value.message_dict["achieved_on"])
    assert "vanaf 02-09-2026" in message and "6 maanden" in message and "02-03-2026" in message
    # one day before the date it becomes claimable is still refused; that date itself is accepted
    with pytest.raises(ValidationError):
        submit(timed, person, timed.six, datetime.date(2026, 9, 1))
    assert submit(timed, person, timed.six, datetime.date(2026, 9, 2)).state == ClaimState.SUBMITTED


def test_the_check_runs_against_a_previous_milestone_that_is_only_submitted(timed):
    person = timed.participants[1]
    begin = submit(timed, person, timed.begin, datetime.date(2025, 6, 1))
    assert begin.state == ClaimState.SUBMITTED
    six = submit(timed, person, timed.six, datetime.date(2025, 12, 1))
    # 12 months comes six months after the 6-month milestone (01-12-2025), not after the start
    with pytest.raises(ValidationError, match="01-06-2026"):
        submit(timed, person, timed.twelve, datetime.date(2026, 5, 31))
    assert submit(timed, person, timed.twelve, datetime.date(2026, 6, 1)).milestone == timed.twelve
    assert six.state == ClaimState.SUBMITTED


def test_month_end_rule(timed):
    assert services.add_months(datetime.date(2026, 8, 31), 6) == datetime.date(2027, 2, 28)


def test_a_later_milestone_cannot_be_verified_before_its_prerequisite(timed):
    person = timed.participants[2]
    official = timed.officials[0]
    begin = submit(timed, person, timed.begin, datetime.date(2025, 6, 1))
    six = submit(timed, person, timed.six, datetime.date(2025, 12, 1))
    with pytest.raises(ApplicationError, match="Verifieer eerst mijlpaal begin") as exc:
        services.claim_verify(actor=official, claim=six)
    assert exc.value.code == "prerequisite_not_verified"
    assert Claim.objects.get(pk=six.pk).state == ClaimState.SUBMITTED
    services.claim_verify(actor=official, claim=begin)
    assert services.claim_verify(actor=official, claim=six).state == ClaimState.VERIFIED


def test_a_later_milestone_can_still_be_rejected_first(timed):
    person = timed.participants[2]
    submit(timed, person, timed.begin, datetime.date(2025, 6, 1))
    six = submit(timed, person, timed.six, datetime.date(2025, 12, 1))
    rejected = services.claim_reject(actor=timed.officials[0], claim=six, reason="Loonstroken ontbreken")
    assert rejected.state == ClaimState.REJECTED


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_uploads_refuse_a_too_early_milestone(timed, suffix):
    person = timed.participants[0]
    submit(timed, person, timed.begin, datetime.date(2026, 3, 2))
    rows = [["referentie", "resultaat", "mijlpaal", "behaald_op", "toelichting"]]
    rows.append([person.reference, "duurzaam", "6m", "2026-04-06", "vijf weken na de start"])
    if suffix == "csv":
        content = "\n".join(";".join(r) for r in rows).encode()
    else:
        from openpyxl import Workbook

        book = Workbook()
        for r in rows:
            book.active.append(r)
        buffer = io.BytesIO()
        book.save(buffer)
        content = buffer.getvalue()
    upload = SimpleUploadedFile(f"claims.{suffix}", content)
    with pytest.raises(imports.UploadError) as exc:
        imports.claims_import(actor=timed.investee, contract=timed.contract, uploaded=upload, today=TODAY)
    assert any("02-09-2026" in row for row in exc.value.rows)
    assert not Claim.objects.filter(milestone=timed.six).exists()


def test_first_milestone_term_counts_from_the_benefit_start(timed):
    """A first milestone with its own term counts from the benefit start."""
    from resultaatfinanciering.models import Milestone

    Milestone.objects.filter(pk=timed.begin.pk).update(min_months=9)
    timed.begin.refresh_from_db()
    person = timed.participants[0]  # benefit started 01-06-2024
    with pytest.raises(ValidationError, match=r"start van de uitkering .01-06-2024.*vanaf 01-03-2025"):
        submit(timed, person, timed.begin, datetime.date(2025, 2, 28))


def test_demo_claims_respect_milestone_timing():
    from django.core.management import call_command

    call_command("load_demo", quiet_logins=True)
    contract = OutcomeContract.objects.get(reference="HLM-RF-2025-01")
    claims = contract.claims.exclude(state=ClaimState.REJECTED).select_related("milestone", "participant")
    checked = 0
    for claim in claims:
        if not claim.milestone.min_months:
            continue
        before = claims.get(participant=claim.participant, milestone=claim.milestone.prerequisite)
        assert claim.achieved_on >= services.add_months(before.achieved_on, claim.milestone.min_months)
        checked += 1
    assert checked >= 1
