"""Officials set up a contract in the pages: create, outcome with milestones, participants, activate, end."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fund.models import Role
from resultaatfinanciering.models import ContractStatus, OutcomeContract, Participant
from tests.conftest import PDF_BYTES
from tests.resultaatfinanciering.conftest import load_norms

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"resultaatfinanciering:{name}", args=args)


CONTRACT = {
    "reference": "RF-NIEUW",
    "starts_on": "2026-01-01",
    "ends_on": "2027-12-31",
    "target_group": "Jongeren in de bijstand",
    "budget_cap": "50000",
    "participant_cap": "8000",
    "claim_window_days": "90",
    "proposal_frequency": "quarterly",
}


def test_official_sets_up_a_prefinanced_contract_in_the_pages(client, world):
    load_norms()
    official = world.a.users[Role.MUNICIPAL_OFFICIAL]
    client.force_login(official)
    data = {
        **CONTRACT,
        "payer": world.a.government.pk,
        "provider": world.a.enterprise.pk,
        "fund": world.a.fund.pk,
        "portfolio_reference": "C-B",
    }
    page = client.post(url("contract_create"), data).content.decode()
    assert "Geen financieringscontract met dit kenmerk" in page
    response = client.post(url("contract_create"), {**data, "portfolio_reference": "C-A"})
    contract = OutcomeContract.objects.get(reference="RF-NIEUW")
    assert response.url == url("contract_detail", contract.pk)
    assert contract.status == ContractStatus.DRAFT and contract.portfolio_contract == world.a.contract

    definition = {
        "code": "werk",
        "name": "Uitstroom naar werk",
        "evidence_required": "Arbeidscontract",
        "pricing_model": "savings",
        "months": "12",
        "benefit_reduction": "100",
        "execution_cost_per_year": "2883",
        "deadweight": "25",
        "displacement": "0",
        "savings_share": "50",
        "milestones": "start;Start werk;0,30\n12m;12 maanden;0,60",
    }
    page = client.post(url("definition_add", contract.pk), definition).content.decode()
    assert "tellen op tot 0,9 in plaats van 1" in page
    definition["milestones"] = "start;Start werk;0,30\n12m;12 maanden;0,70"
    assert client.post(url("definition_add", contract.pk), definition).status_code == 302
    start, twelve = contract.definitions.get().milestones.order_by("position")
    assert twelve.prerequisite == start

    page = client.post(
        url("participant_add", contract.pk),
        {"reference": "111222333", "household_type": "single", "benefit_started_on": "2025-01-01"},
    ).content.decode()
    assert "burgerservicenummer" in page
    client.post(
        url("participant_add", contract.pk),
        {"reference": "hlm-2026-0100", "household_type": "single", "benefit_started_on": "2025-01-01"},
    )
    assert Participant.objects.get(contract=contract).reference == "HLM-2026-0100"

    assert client.post(url("contract_activate", contract.pk), {}).status_code == 200
    signed = SimpleUploadedFile("getekend.pdf", PDF_BYTES)
    assert client.post(url("contract_activate", contract.pk), {"signed_document": signed}).status_code == 302
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE and contract.signed_document
    page = client.post(url("definition_add", contract.pk), definition).content.decode()
    assert "alleen in een conceptcontract" in page
    client.post(url("contract_end", contract.pk), {"reason": "Looptijd voorbij"})
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ENDED


def test_only_officials_of_the_payer_set_up_contracts(client, world, outcomes):
    a, b = outcomes
    client.force_login(a.investee)
    assert client.get(url("contract_create")).status_code == 403
    assert client.get(url("participant_add", a.contract.pk)).status_code == 403
    client.force_login(b.officials[0])
    assert client.get(url("participant_add", a.contract.pk)).status_code == 404
    # an official can only choose their own municipality as payer
    page = client.get(url("contract_create")).content.decode()
    assert world.b.government.name in page and world.a.government.name not in page
    response = client.post(
        url("contract_create"),
        {**CONTRACT, "payer": world.a.government.pk, "provider": world.b.enterprise.pk},
    )
    assert response.status_code == 200 and not OutcomeContract.objects.filter(reference="RF-NIEUW").exists()


def test_participants_upload_all_or_nothing(client, outcomes):
    from django.core.files.uploadedfile import SimpleUploadedFile as File

    a, _ = outcomes
    client.force_login(a.officials[0])
    bad = (
        "referentie;leefvorm;uitkering_gestart_op\n"
        "HLM-2026-0100;alleenstaande;2025-02-01\n"
        "111222333;alleenstaande;2025-02-01\n"
        "HLM-2026-0001;gehuwden;01-02-2025\n"
        "HLM-2026-0101;weduwe;2025-02-01\n"
    )
    page = client.post(url("participants_upload", a.contract.pk), {"file": File("p.csv", bad.encode())})
    text = page.content.decode()
    assert "Regel 3: Dit veld lijkt een burgerservicenummer" in text
    assert "Regel 4: " in text and "Regel 5: kolom leefvorm" in text and "Regel 2:" not in text
    assert Participant.objects.filter(contract=a.contract).count() == 3
    good = "referentie;leefvorm;uitkering_gestart_op\nHLM-2026-0100;alleenstaande ouder;01-02-2025\n"
    response = client.post(url("participants_upload", a.contract.pk), {"file": File("p.csv", good.encode())})
    assert response.status_code == 302
    assert Participant.objects.get(reference="HLM-2026-0100").household_type == "single_parent"
    client.force_login(a.investee)
    assert client.get(url("participants_upload", a.contract.pk)).status_code == 403
