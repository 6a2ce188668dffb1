"""An enterprise's own social label is a claim until the fund manager verifies it (issue 15, defect 7)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from core.errors import PermissionDeniedError, TransitionError
from fund import services
from fund.models import AuditEvent, Role, SocialLabel
from pipeline import eligibility
from tests.conftest import PDF_BYTES

START = datetime.date(2025, 1, 1)


def _claim(world, **extra):
    return services.social_label_add(
        actor=world.a.users[Role.INVESTEE],
        enterprise=world.a.enterprise,
        label_type="b_corp",
        valid_from=START,
        certificate=ContentFile(PDF_BYTES, name="bcorp.pdf"),
        **extra,
    )


def test_an_investee_claiming_certified_gets_an_unverified_label(world):
    label = _claim(world)
    assert label.status == "certified"
    assert not label.is_verified
    event = AuditEvent.objects.filter(action="social_label_added").latest("pk")
    assert event.to_state == "claimed"


def test_an_investee_cannot_claim_certified_without_the_certificate(world):
    with pytest.raises(ValidationError) as info:
        services.social_label_add(
            actor=world.a.users[Role.INVESTEE],
            enterprise=world.a.enterprise,
            label_type="b_corp",
            valid_from=START,
        )
    assert "certificaat" in str(info.value.message_dict["certificate"])


def test_a_label_the_fund_manager_adds_is_verified_at_once(world):
    manager = world.a.users[Role.FUND_MANAGER]
    label = services.social_label_add(
        actor=manager, enterprise=world.a.enterprise, label_type="code_so", valid_from=START
    )
    assert label.is_verified and label.verified_by == manager


def test_the_fund_manager_verifies_a_claim_with_an_audit_record(world):
    label = _claim(world)
    manager = world.a.users[Role.FUND_MANAGER]
    services.social_label_verify(actor=manager, label=label)
    label.refresh_from_db()
    assert label.is_verified and label.verified_by == manager
    event = AuditEvent.objects.get(action="social_label_verified")
    assert (event.from_state, event.to_state, event.actor) == ("claimed", "verified", manager)
    with pytest.raises(TransitionError):
        services.social_label_verify(actor=manager, label=label)


@pytest.mark.parametrize("who", ["investee", "other_manager"])
def test_nobody_else_verifies(world, who):
    label = _claim(world)
    actor = world.a.users[Role.INVESTEE] if who == "investee" else world.b.users[Role.FUND_MANAGER]
    with pytest.raises(PermissionDeniedError):
        services.social_label_verify(actor=actor, label=label)
    assert not SocialLabel.objects.get(pk=label.pk).is_verified


def test_screening_counts_only_verified_labels(world):
    from tests.pipeline.test_pipeline_screening import draft

    SocialLabel.objects.filter(enterprise=world.a.enterprise).delete()
    label = _claim(world)
    result = eligibility.check_social_label(draft(world.a))
    assert result.outcome == "warning"
    assert "nog niet geverifieerd" in result.reason
    services.social_label_verify(actor=world.a.users[Role.FUND_MANAGER], label=label)
    assert eligibility.check_social_label(draft(world.a)).outcome == "pass"


def test_the_verify_button_is_shown_to_the_manager_and_works(client, world):
    label = _claim(world)
    page_url = reverse("organisation_detail", args=[world.a.enterprise.organisation_id])
    client.force_login(world.a.users[Role.INVESTEE])
    own = client.get(page_url).content.decode()
    assert "nog niet geverifieerd" in own and "verifiëren" not in own
    assert client.post(reverse("social_label_verify", args=[label.pk])).status_code == 403
    client.force_login(world.a.users[Role.FUND_MANAGER])
    assert "verifiëren" in client.get(page_url).content.decode()
    response = client.post(reverse("social_label_verify", args=[label.pk]), follow=True)
    assert "is geverifieerd" in response.content.decode()
    assert SocialLabel.objects.get(pk=label.pk).is_verified


def test_another_funds_manager_gets_404_on_verify(client, world):
    label = _claim(world)
    client.force_login(world.b.users[Role.FUND_MANAGER])
    assert client.post(reverse("social_label_verify", args=[label.pk])).status_code == 404
