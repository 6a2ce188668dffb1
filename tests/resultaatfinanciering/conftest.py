"""Outcome-contract fixtures on top of the shared `world`: one active contract per side."""

from __future__ import annotations

import datetime
import importlib
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from fund.models import Organisation, Role
from resultaatfinanciering import services
from resultaatfinanciering.models import Milestone, OutcomeContract, Participant
from tests.conftest import PDF_BYTES
from tests.factories import make_member

TODAY = datetime.date(2026, 11, 23)
IBANS = ["NL91ABNA0417164300", "NL20INGB0001234567", "NL02RABO0123456789", "NL44RABO0123456789"]


TEST_NORM_SOURCE = "Testwaarde (gelijk aan de norm van 01-07-2025), geen gepubliceerde norm"


def load_norms(*, with_2026: bool = True) -> None:
    """The norms of the data migration (a transactional test empties every table) and, unless asked not
    to, test norms for both half years of 2026 with the amounts of 01-07-2025, so that claims achieved in
    2026 have a final price (the published 2026 norms are not loaded by the migration; without a norm of
    their half year claims are priced provisionally — tests/resultaatfinanciering/test_norms.py)."""
    from django.apps import apps

    from resultaatfinanciering.models import BenefitNorm

    importlib.import_module("resultaatfinanciering.migrations.0002_benefit_norms").load(apps, None)
    if not with_2026:
        return
    for norm in BenefitNorm.objects.filter(valid_from=datetime.date(2025, 7, 1)):
        for valid_from in (datetime.date(2026, 1, 1), datetime.date(2026, 7, 1)):
            BenefitNorm.objects.get_or_create(
                household_type=norm.household_type,
                valid_from=valid_from,
                defaults={"monthly_amount": norm.monthly_amount, "source": TEST_NORM_SOURCE},
            )


@dataclass
class OutcomeSide:
    contract: OutcomeContract
    start: Milestone  # work ≥ 12 h/week, share 0.30
    sustained: Milestone  # 12 months sustained, share 0.70, needs `start`
    participants: list[Participant]
    officials: list  # three officials of the paying municipality (A, B, C)
    investee: object


def make_outcome_contract(side, *, tag: str, prefinanced: bool = True, **overrides) -> OutcomeSide:
    load_norms()
    official = side.users[Role.MUNICIPAL_OFFICIAL]
    officials = [official] + [
        make_member(Role.MUNICIPAL_OFFICIAL, organisation=side.government) for _ in range(2)
    ]
    for i, org in enumerate([side.government, side.enterprise.organisation, side.fund.manager.organisation]):
        if not org.iban:
            Organisation.objects.filter(pk=org.pk).update(iban=IBANS[i])
    fields = {
        "reference": f"RF-{tag}",
        "payer": side.government,
        "provider": side.enterprise,
        "starts_on": datetime.date(2025, 1, 1),
        "ends_on": datetime.date(2027, 12, 31),
        "target_group": "Bijstandsgerechtigden met een afstand tot de arbeidsmarkt",
        "budget_cap": Decimal("100000.00"),
        "participant_cap": Decimal("10000.00"),
        "claim_window_days": 90,
    }
    if prefinanced:
        fields.update(fund=side.fund, portfolio_contract=side.contract)
    fields.update(overrides)
    contract = services.contract_create(actor=official, **fields)
    definition = services.definition_add(
        actor=official,
        contract=contract,
        code="uitstroom-werk",
        name="Uitstroom naar werk",
        evidence_required="Arbeidscontract en loonstroken",
        pricing_model="savings",
        months=12,
        benefit_reduction=Decimal("1.00"),
        execution_cost_per_year=Decimal("2883.00"),
        deadweight=Decimal("0.25"),
        displacement=Decimal("0.00"),
        savings_share=Decimal("0.50"),
        milestones=[
            {"code": "start", "name": "Start werk ≥ 12 uur per week", "share": "0.30"},
            {"code": "12m", "name": "12 maanden duurzaam", "share": "0.70"},
        ],
    )
    contract = services.contract_change_status(
        actor=official,
        contract=contract,
        to_status="active",
        signed_document=ContentFile(PDF_BYTES, name="getekend.pdf"),
    )
    start, sustained = list(definition.milestones.order_by("position"))
    participants = [
        services.participant_add(
            actor=official,
            contract=contract,
            reference=f"{tag}-2026-{n:04d}",
            household_type="single",
            benefit_started_on=datetime.date(2024, 6, 1),
        )
        for n in range(1, 4)
    ]
    return OutcomeSide(contract, start, sustained, participants, officials, side.users[Role.INVESTEE])


@pytest.fixture
def outcomes(world, freeze_today):
    """Active contracts for side a (pre-financed by fund A) and side b (not pre-financed).

    Pinned to TODAY: the claims' dates and windows are written against it, so the tests do not start
    failing as the calendar moves on."""
    a = make_outcome_contract(world.a, tag="HLM")
    b = make_outcome_contract(world.b, tag="RTM", prefinanced=False)
    return a, b


@pytest.fixture
def freeze_today():
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.UTC), tick=True):
        yield TODAY
