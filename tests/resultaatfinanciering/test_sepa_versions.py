"""Defect 5 of issue 13: the SEPA file is made once at the second approval and stored; every download is the
same bytes and is logged; a new file only as a new version with a reason (a new message id), shown on the
page; a paid proposal gets no new file."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from core.models import DownloadRecord
from resultaatfinanciering import services

pytestmark = pytest.mark.django_db


def _approved(side):
    for participant in side.participants[:2]:
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
    services.proposal_approve(actor=side.officials[1], proposal=proposal)
    services.proposal_approve(actor=side.officials[2], proposal=proposal)
    proposal.refresh_from_db()
    return proposal


def test_new_sepa_version_needs_a_reason_has_its_own_message_id_and_is_listed(client, outcomes):
    a, _ = outcomes
    proposal = _approved(a)
    url = reverse("resultaatfinanciering:payment_order", args=[proposal.pk, "xml"])
    client.force_login(a.officials[0])
    first, second = client.get(url).content, client.get(url).content
    assert first == second and DownloadRecord.objects.count() >= 2
    with pytest.raises(ValidationError):
        services.payment_file_renew(actor=a.officials[0], proposal=proposal, reason=" ")
    with pytest.raises(PermissionDeniedError):
        services.payment_file_renew(actor=a.investee, proposal=proposal, reason="Bank weigerde")
    renewed = services.payment_file_renew(
        actor=a.officials[0], proposal=proposal, reason="Bank weigerde het bestand"
    )
    assert renewed.version == 2 and renewed.reason == "Bank weigerde het bestand"
    latest = client.get(url).content
    assert latest != first and b"-V2</MsgId>" in latest and b"-V2</MsgId>" not in first
    page = client.get(reverse("resultaatfinanciering:proposal_detail", args=[proposal.pk])).content.decode()
    assert "versie 2" in page and "Bank weigerde het bestand" in page and "versie 1" in page


def test_a_paid_proposal_gets_no_new_sepa_file(outcomes):
    a, _ = outcomes
    proposal = _approved(a)
    services.payment_confirm(actor=a.officials[1], proposal=proposal, paid_on=timezone.localdate())
    with pytest.raises(ApplicationError, match="betaald; er komt geen nieuw betaalbestand"):
        services.payment_file_renew(actor=a.officials[0], proposal=proposal, reason="Opnieuw")
