"""Defect 9 of issue 13: a claim above the remaining cap is refused, unless the contract pays up to the cap
(the claim is then priced at what remains and shown as capped); set-up warns when one participant's full
price already exceeds the cap."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from resultaatfinanciering import selectors, services
from resultaatfinanciering.models import OutcomeContract

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = datetime.date(2026, 11, 23)


def submit(side, participant, milestone, achieved_on):
    return services.claim_submit(
        actor=side.investee,
        contract=side.contract,
        participant=participant,
        milestone=milestone,
        achieved_on=achieved_on,
        today=TODAY,
    )


@pytest.fixture
def tight(world):
    """Full price per participant 7241.90 (2172.57 + 5069.33) against a cap of 6000.00."""
    from tests.resultaatfinanciering.conftest import make_outcome_contract

    return make_outcome_contract(world.a, tag="CAP", participant_cap=D("6000.00"))


def test_above_the_participant_cap_is_refused_by_default(tight):
    person = tight.participants[0]
    submit(tight, person, tight.start, datetime.date(2026, 9, 1))
    with pytest.raises(ValidationError, match=r"plafond per deelnemer.*nog beschikbaar € 3\.827,43"):
        submit(tight, person, tight.sustained, datetime.date(2026, 10, 1))


def test_pay_up_to_the_cap_prices_at_what_remains_shown_as_capped(client, tight):
    OutcomeContract.objects.filter(pk=tight.contract.pk).update(pay_up_to_cap=True)
    tight.contract.refresh_from_db()
    person = tight.participants[0]
    submit(tight, person, tight.start, datetime.date(2026, 9, 1))
    claim = submit(tight, person, tight.sustained, datetime.date(2026, 10, 1))
    assert claim.price == D("3827.43") and claim.uncapped_price == D("5069.33")
    sheet = selectors.calculation_sheet(claim)
    assert sheet.lines[-1].amount == D("3827.43") and "Begrensd" in sheet.lines[-1].label and sheet.matches
    client.force_login(tight.officials[0])
    page = client.get(reverse("resultaatfinanciering:claim_detail", args=[claim.pk])).content.decode()
    assert "begrensd (volledig € 5.069,33)" in page
    # nothing left: a further claim is refused, not priced at zero
    other = tight.participants[1]
    from resultaatfinanciering.models import Claim

    Claim.objects.filter(pk=claim.pk).update(
        state="rejected", decided_by=tight.officials[0], decision_reason="x"
    )
    assert submit(tight, other, tight.start, datetime.date(2026, 9, 1)).uncapped_price is None


def test_contract_budget_cap_is_capped_too(world):
    from tests.resultaatfinanciering.conftest import make_outcome_contract

    side = make_outcome_contract(
        world.a, tag="BUD", budget_cap=D("3000.00"), participant_cap=D("3000.00"), pay_up_to_cap=True
    )
    submit(side, side.participants[0], side.start, datetime.date(2026, 9, 1))  # 2172.57
    capped = submit(side, side.participants[1], side.start, datetime.date(2026, 9, 1))
    assert capped.price == D("827.43") and capped.uncapped_price == D("2172.57")
    with pytest.raises(ValidationError, match="budgetplafond"):
        submit(side, side.participants[2], side.start, datetime.date(2026, 9, 1))


def test_set_up_warns_when_one_participant_already_exceeds_the_cap(client, tight):
    warnings = selectors.cap_warnings(tight.contract)
    assert any("Alleenstaande" in w and "€ 7.241,90" in w for w in warnings)
    assert all("€ 6.000,00" in w and "geweigerd" in w for w in warnings)
    client.force_login(tight.officials[0])
    page = client.get(
        reverse("resultaatfinanciering:contract_detail", args=[tight.contract.pk])
    ).content.decode()
    assert "meer dan het plafond per deelnemer" in page


# Item 4 of the finishing work: a norm loaded later reprices provisional claims, and the caps are
# checked again (a higher norm must not take a participant or the contract above its cap).


def _without_norm_2026_h2():
    from resultaatfinanciering.models import BenefitNorm

    BenefitNorm.objects.filter(valid_from=datetime.date(2026, 7, 1)).delete()


def _load_norm_2026_h2(admin):
    # 1400.00 × 12 + 2883.00 = 19683.00 gross; × 0.75 × 0.50 = 7381.13; start (30 %) = 2214.34
    return services.norm_add(
        actor=admin,
        household_type="single",
        valid_from=datetime.date(2026, 7, 1),
        monthly_amount=D("1400.00"),
        source="Testnorm",
    )


@pytest.mark.parametrize("pay_up_to_cap", [False, True])
def test_repricing_rechecks_the_participant_cap(world, pay_up_to_cap):
    from fund.models import AuditEvent
    from resultaatfinanciering.models import Claim
    from tests.resultaatfinanciering.conftest import make_outcome_contract

    side = make_outcome_contract(
        world.a, tag="RPC", participant_cap=D("2200.00"), pay_up_to_cap=pay_up_to_cap
    )
    _without_norm_2026_h2()
    claim = submit(side, side.participants[0], side.start, datetime.date(2026, 9, 1))
    assert claim.provisional and claim.price == D("2172.57")
    _norm, repriced = _load_norm_2026_h2(world.admin)
    claim = Claim.objects.get(pk=claim.pk)
    if pay_up_to_cap:
        assert not claim.provisional
        assert claim.price == D("2200.00") and claim.uncapped_price == D("2214.34")
        assert AuditEvent.objects.filter(action="claim_repriced", object_id=str(claim.pk)).exists()
    else:
        # not above the cap: the provisional price stays (its proposal cannot be approved), history says why
        assert claim.provisional and claim.price == D("2172.57") and claim.uncapped_price is None
        event = AuditEvent.objects.get(action="claim_reprice_held", object_id=str(claim.pk))
        assert "plafond per deelnemer" in event.reason and "€ 2.214,34" in event.reason
        assert "€ 2.200,00" in event.reason
    assert [c.pk for c in repriced] == [claim.pk]


@pytest.mark.parametrize("pay_up_to_cap", [False, True])
def test_repricing_rechecks_the_contract_cap(world, pay_up_to_cap):
    from resultaatfinanciering.models import Claim
    from tests.resultaatfinanciering.conftest import make_outcome_contract

    side = make_outcome_contract(
        world.a,
        tag="RBC",
        budget_cap=D("4400.00"),
        participant_cap=D("4400.00"),
        pay_up_to_cap=pay_up_to_cap,
    )
    _without_norm_2026_h2()
    first = submit(side, side.participants[0], side.start, datetime.date(2026, 9, 1))
    second = submit(side, side.participants[1], side.start, datetime.date(2026, 9, 1))
    _load_norm_2026_h2(world.admin)
    first, second = Claim.objects.get(pk=first.pk), Claim.objects.get(pk=second.pk)
    assert first.price == D("2214.34") and not first.provisional  # fits: 4400.00 − 2172.57 left
    if pay_up_to_cap:
        assert second.price == D("2185.66") and second.uncapped_price == D("2214.34")
    else:
        assert second.provisional and second.price == D("2172.57")
    total = first.price + second.price
    assert total <= D("4400.00")
