"""Audit file for the accountant (issue 13): one Excel export with every claim, its inputs, calculation,
evidence reference, verifier, approvers and payment, the full history with object ids and before/after
values, and a reproducible random sample of N verified claims."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from fund.models import Role
from resultaatfinanciering import selectors, services
from tests.conftest import PDF_BYTES

pytestmark = pytest.mark.django_db


def _paid_and_more(side):
    claims = []
    for participant in side.participants:
        claims.append(
            services.claim_submit(
                actor=side.investee,
                contract=side.contract,
                participant=participant,
                milestone=side.start,
                achieved_on=datetime.date(2026, 9, 1),
                evidence=ContentFile(PDF_BYTES, name="contract-werk.pdf"),
                today=datetime.date(2026, 11, 23),
            )
        )
    for claim in claims[:2]:
        services.claim_verify(actor=side.officials[0], claim=claim)
    services.claim_reject(actor=side.officials[0], claim=claims[2], reason="Geen loonstrook")
    proposal = services.proposal_prepare(
        actor=side.officials[0],
        contract=side.contract,
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 9, 30),
    )
    services.proposal_approve(actor=side.officials[1], proposal=proposal)
    services.proposal_approve(actor=side.officials[2], proposal=proposal)
    services.payment_confirm(actor=side.officials[1], proposal=proposal, paid_on=timezone.localdate())
    return claims, proposal


def test_audit_file_has_every_claim_and_the_full_history(client, world, outcomes):
    a, _ = outcomes
    claims, proposal = _paid_and_more(a)
    url = reverse("resultaatfinanciering:audit_file", args=[a.contract.pk])
    for user in (a.investee, world.a.users[Role.FUND_MANAGER]):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(a.officials[0])
    response = client.get(url + "?steekproef=1&zaad=7")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Claims"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert sorted(r["claim_id"] for r in rows) == sorted(c.pk for c in claims)  # rejected ones too
    paid = next(r for r in rows if r["claim_id"] == claims[0].pk)
    assert paid["deze_betaling"] == 2172.57 and paid["bruto_besparing"] == 19311.72
    assert paid["beoordeeld_door"] == a.officials[0].email
    assert paid["goedkeuring_1"].startswith(a.officials[1].email)
    assert paid["goedkeuring_2"].startswith(a.officials[2].email)
    assert paid["betalingskenmerk"] == proposal.payment.end_to_end_id
    assert paid["bewijs_bestand"].startswith("contract-werk")
    history = book["Geschiedenis"]
    events = [[c.value for c in row] for row in history.iter_rows(min_row=2)]
    verified = [e for e in events if e[5] == "claim_verified" and e[3] == str(claims[0].pk)]
    assert verified and verified[0][2] == "claim" and "beoordeeld" not in verified[0][9]
    assert "decided_by: — → " in verified[0][9]
    assert any(e[5] == "proposal_paid" and "paid_on: — →" in e[9] for e in events)
    sample = [[c.value for c in row] for row in book["Steekproef"].iter_rows(min_row=3)]
    assert len(sample) == 1 and sample[0][0] in {claims[0].pk, claims[1].pk}


def test_sample_is_reproducible_and_only_verified(outcomes):
    a, _ = outcomes
    claims, _proposal = _paid_and_more(a)
    first = [c.pk for c in selectors.claims_sample(contract=a.contract, size=2, seed=2026)]
    again = [c.pk for c in selectors.claims_sample(contract=a.contract, size=2, seed=2026)]
    assert first == again and set(first) == {claims[0].pk, claims[1].pk}
    assert len(selectors.claims_sample(contract=a.contract, size=10, seed=1)) == 2  # not more than there are
    assert selectors.claims_sample(contract=a.contract, size=1, seed=1)[0].state in {"paid", "verified"}
