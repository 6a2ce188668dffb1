"""Defect 3 of issue 13: a claim achieved in a half year without a loaded norm is priced provisionally,
visibly; its proposal cannot be approved; loading the norm (administrator page, with source and date)
prices it again with an audit record; officials read the norm table."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.errors import ApplicationError, PermissionDeniedError
from fund.models import AuditEvent, Role
from resultaatfinanciering import services
from resultaatfinanciering.models import BenefitNorm, Claim

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = datetime.date(2026, 11, 23)
SEP = datetime.date(2026, 9, 1)


@pytest.fixture
def no_norm_2026_h2(outcomes):
    """The norms of the second half of 2026 are not loaded (yet)."""
    BenefitNorm.objects.filter(valid_from=datetime.date(2026, 7, 1)).delete()
    return outcomes


def submit(side, participant, milestone=None, achieved_on=SEP):
    return services.claim_submit(
        actor=side.investee,
        contract=side.contract,
        participant=participant,
        milestone=milestone or side.start,
        achieved_on=achieved_on,
        today=TODAY,
    )


def _proposal(side):
    for participant in side.participants[:2]:
        services.claim_verify(actor=side.officials[0], claim=submit(side, participant))
    return services.proposal_prepare(
        actor=side.officials[0],
        contract=side.contract,
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 9, 30),
    )


def test_a_claim_without_the_norm_of_its_half_year_is_provisional(no_norm_2026_h2):
    a, _ = no_norm_2026_h2
    claim = submit(a, a.participants[0])
    assert claim.provisional is True
    assert claim.norm.valid_from == datetime.date(2026, 1, 1)  # the latest earlier norm
    # once the half year's norm exists, a claim of that half year is final (the provisional one stays
    # provisional until norm_add reprices it)
    norm = BenefitNorm.objects.create(
        household_type="single", valid_from=datetime.date(2026, 7, 1), monthly_amount=D("1400.00"), source="x"
    )
    final = submit(a, a.participants[1])
    assert final.provisional is False and final.norm == norm
    assert Claim.objects.get(pk=claim.pk).provisional is True


def test_a_proposal_with_a_provisional_price_cannot_be_approved(no_norm_2026_h2):
    a, _ = no_norm_2026_h2
    proposal = _proposal(a)
    with pytest.raises(ApplicationError, match="voorlopig geprijsde claims") as exc:
        services.proposal_approve(actor=a.officials[1], proposal=proposal)
    assert exc.value.code == "provisional_price"
    assert not proposal.approvals.exists()


def test_loading_the_norm_reprices_provisional_claims_with_an_audit_record(no_norm_2026_h2, world):
    a, _ = no_norm_2026_h2
    proposal = _proposal(a)
    old = proposal.total
    admin = world.admin
    norm, repriced = services.norm_add(
        actor=admin,
        household_type="single",
        valid_from=datetime.date(2026, 7, 1),
        monthly_amount=D("1400.00"),
        source="Rijksoverheid, Normbedragen Participatiewet per 1 juli 2026",
    )
    assert len(repriced) == 2
    # 1400.00 × 12 + 2883.00 = 19683.00; × 0.75 = 14762.25; × 0.50 = 7381.13 (7381.125 half up); × 0.30
    # = 2214.339 → 2214.34
    for claim in Claim.objects.filter(pk__in=[c.pk for c in repriced]):
        assert claim.provisional is False and claim.norm == norm and claim.price == D("2214.34")
        assert claim.gross_saving == D("19683.00") and claim.net_saving == D("14762.25")
        assert services.claim_recompute(claim) == claim.price
    proposal.refresh_from_db()
    assert proposal.total == D("4428.68") != old
    events = AuditEvent.objects.filter(action="claim_repriced").order_by("object_id")
    assert events.count() == 2
    change = events[0].data["changes"]
    assert change["price"] == {"from": "€ 2.172,57", "to": "€ 2.214,34"}
    assert change["provisional"] == {"from": "ja", "to": "nee"}
    assert AuditEvent.objects.filter(action="proposal_repriced").count() == 2
    assert AuditEvent.objects.filter(action="benefit_norm_added").exists()
    # now the proposal can be approved
    services.proposal_approve(actor=a.officials[1], proposal=proposal)
    services.proposal_approve(actor=a.officials[2], proposal=proposal)


def test_norm_add_refuses_bad_input_and_non_administrators(no_norm_2026_h2, world):
    a, _ = no_norm_2026_h2
    kwargs = {
        "household_type": "single",
        "valid_from": datetime.date(2026, 7, 1),
        "monthly_amount": D("1400.00"),
        "source": "Rijksoverheid",
    }
    with pytest.raises(PermissionDeniedError):
        services.norm_add(actor=a.officials[0], **kwargs)
    with pytest.raises(ValidationError, match="1 januari of 1 juli"):
        services.norm_add(actor=world.admin, **{**kwargs, "valid_from": datetime.date(2026, 8, 1)})
    with pytest.raises(ValidationError, match="bron"):
        services.norm_add(actor=world.admin, **{**kwargs, "source": "  "})
    with pytest.raises(ValidationError, match="al een norm"):
        services.norm_add(actor=world.admin, **{**kwargs, "valid_from": datetime.date(2026, 1, 1)})


def test_norm_page_for_officials_and_the_administrators_form(client, no_norm_2026_h2, world):
    a, _ = no_norm_2026_h2
    submit(a, a.participants[0])
    url = reverse("resultaatfinanciering:norm_list")
    client.force_login(a.officials[0])
    page = client.get(url).content.decode()
    assert "€ 1.369,06" in page and "01-07-2025" in page and "Normbedragen Participatiewet" in page
    assert "1 claim heeft een voorlopige prijs" in page
    assert 'name="monthly_amount"' not in page  # only the administrator loads norms
    assert client.post(url, {"household_type": "single"}).status_code == 403
    contract_page = client.get(reverse("resultaatfinanciering:contract_detail", args=[a.contract.pk]))
    assert "voorlopig" in contract_page.content.decode()
    client.force_login(world.a.users[Role.INVESTOR])
    assert client.get(url).status_code == 403
    client.force_login(world.admin)
    response = client.post(
        url,
        {
            "household_type": "single",
            "valid_from": "2026-07-01",
            "monthly_amount": "1.400,00",
            "source": "Rijksoverheid, Normbedragen Participatiewet per 1 juli 2026",
        },
        follow=True,
    )
    assert "1 voorlopige claim(s) opnieuw geprijsd" in response.content.decode()
    assert not Claim.objects.filter(provisional=True).exists()
