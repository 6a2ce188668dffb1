"""Defect 8 of issue 13: the history says which claim an entry is about, shows what changed (before →
after), and the claims table has the decision date and the decider."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from fund.models import AuditEvent
from resultaatfinanciering import services

pytestmark = pytest.mark.django_db

SEP = datetime.date(2026, 9, 1)


def test_history_names_the_claim_and_shows_the_changes(client, outcomes):
    a, _ = outcomes
    claim = services.claim_submit(
        actor=a.investee,
        contract=a.contract,
        participant=a.participants[0],
        milestone=a.start,
        achieved_on=SEP,
        today=datetime.date(2026, 11, 23),
    )
    services.claim_verify(actor=a.officials[0], claim=claim, reason="Loonstroken gezien")
    event = AuditEvent.objects.get(action="claim_verified")
    assert event.data["changes"]["decided_by"]["to"] == str(a.officials[0])
    assert event.data["changes"]["decision_reason"] == {"from": "", "to": "Loonstroken gezien"}
    client.force_login(a.officials[1])
    page = client.get(reverse("resultaatfinanciering:contract_detail", args=[a.contract.pk])).content.decode()
    history = page[page.index('id="history-heading"') :]
    # which claim: its type, id and participant · milestone
    assert f"#{claim.pk}: {a.participants[0].reference} · start" in history
    # what changed, with the field's label
    assert "beoordeeld door: — → " + str(a.officials[0]) in history
    assert "prijs: — → € 2.172,57" in history
    # the claims table: decision date and decider
    table = page[page.index("Beoordeeld op") : page.index('id="history-heading"')]
    claim.refresh_from_db()
    from core.formats import format_datetime

    assert format_datetime(claim.decided_at) in table and f"door {a.officials[0]}" in table
    # the claim's own page has its history too
    claim_page = client.get(reverse("resultaatfinanciering:claim_detail", args=[claim.pk])).content.decode()
    assert "Claim geverifieerd" in claim_page and "Loonstroken gezien" in claim_page
