"""Demo outcomes contract: gemeente Haarlem pays Fietsfabriek Spaarne B.V. per verified result; SIF
Zuid-Kennemerland en IJmond pre-finances (payments go to the fund). Participants in every state, a paid
proposal and a pending one with one approval. Idempotent (keyed on the contract reference). Dates are
relative to today, so the claim window is open whenever it runs. All participants are fictional
pseudonymous references; there is no personal data.

Demo logins added here (password as load_demo's): gemeente2@ and gemeente3@impactfonds.example, officials
of gemeente Haarlem next to gemeente@impactfonds.example, so that four eyes can be shown.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from core.money import split, to_cents
from core.pdf import one_page_pdf
from fund import services as fund_services
from fund.demo_reference import DEMO_PASSWORD
from fund.models import Enterprise, Fund, Membership, Organisation, Role, User

from . import services
from .models import OutcomeContract

REFERENCE = "HLM-RF-2025-01"
OFFICIALS = [
    ("gemeente@impactfonds.example", "Gijs", "Haarlemmer"),
    ("gemeente2@impactfonds.example", "Hanna", "Spaarnwoude"),
    ("gemeente3@impactfonds.example", "Ilias", "Schalkwijk"),
]
SIGNED = one_page_pdf("Getekende resultaatovereenkomst (demo)")


def _official(haarlem: Organisation, email: str, first: str, last: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, first_name=first, last_name=last)
    if not Membership.objects.filter(user=user, role=Role.MUNICIPAL_OFFICIAL, organisation=haarlem).exists():
        fund_services.membership_grant(
            actor=None, user=user, role=Role.MUNICIPAL_OFFICIAL, organisation=haarlem
        )
    return user


DEMO_NORM_SOURCE = (
    "Demowaarde (fictief, ± € 1.400 voor een alleenstaande): vervang door de gepubliceerde norm"
)
DEMO_NORMS = {"single": "1400.00", "single_parent": "1400.00", "couple": "2000.00"}


def _demo_norms() -> None:
    """Fictional norms for 2026 so the demo's claims have a final price; the published ones are not loaded
    (docs/resultaatfinanciering.md). Their source says so on the norms page."""
    from .models import BenefitNorm

    for valid_from in (datetime.date(2026, 1, 1), datetime.date(2026, 7, 1)):
        for household, amount in DEMO_NORMS.items():
            BenefitNorm.objects.get_or_create(
                household_type=household,
                valid_from=valid_from,
                defaults={"monthly_amount": Decimal(amount), "source": DEMO_NORM_SOURCE},
            )


def load() -> None:
    if OutcomeContract.objects.filter(reference=REFERENCE).exists():
        return
    haarlem = Organisation.objects.filter(municipality_government__cbs_code="GM0392").first()
    enterprise = Enterprise.objects.filter(organisation__kvk_number="90210001").first()
    investee = User.objects.filter(email="ondernemer@impactfonds.example").first()
    if haarlem is None or enterprise is None or investee is None:
        return
    if not haarlem.iban:
        Organisation.objects.filter(pk=haarlem.pk).update(iban="NL86INGB0002445588")
        haarlem.refresh_from_db()
    officials = [_official(haarlem, *row) for row in OFFICIALS]
    _demo_norms()
    fund = Fund.objects.filter(code="SIF-ZKIJ").first()
    loan = fund.contracts.filter(enterprise=enterprise).order_by("pk").first() if fund else None
    today = timezone.localdate()
    contract = services.contract_create(
        actor=officials[0],
        reference=REFERENCE,
        payer=haarlem,
        provider=enterprise,
        fund=fund if loan else None,
        portfolio_contract=loan,
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(today.year + 2, 12, 31),
        target_group=(
            "Inwoners van Haarlem van 21 jaar tot de AOW-leeftijd met een bijstandsuitkering "
            "(Participatiewet) en een afstand tot de arbeidsmarkt, die via de leerwerkplaats fietsherstel "
            "doorstromen naar werk."
        ),
        budget_cap=Decimal("250000.00"),
        participant_cap=Decimal("9000.00"),
        claim_window_days=240,
    )
    services.definition_add(
        actor=officials[0],
        contract=contract,
        code="uitstroom-werk",
        name="Uitstroom uit de bijstand naar betaald werk",
        evidence_required="Arbeidsovereenkomst (≥ 12 uur per week) en loonstroken over de periode; "
        "bevestiging van de gemeente dat de uitkering is beëindigd of verlaagd.",
        pricing_model="savings",
        months=12,
        benefit_reduction=Decimal("1.00"),
        execution_cost_per_year=Decimal("2883.00"),
        deadweight=Decimal("0.25"),
        displacement=Decimal("0.00"),
        savings_share=Decimal("0.50"),
        milestones=[
            {"code": "start", "name": "Start werk ≥ 12 uur per week", "share": "0.30"},
            {"code": "6m", "name": "6 maanden duurzaam aan het werk", "share": "0.30", "min_months": 6},
            {"code": "12m", "name": "12 maanden duurzaam aan het werk", "share": "0.40", "min_months": 6},
        ],
    )
    contract = services.contract_change_status(
        actor=officials[0],
        contract=contract,
        to_status="active",
        reason="Overeenkomst getekend door gemeente en onderneming",
        signed_document=ContentFile(SIGNED, name="resultaatovereenkomst-haarlem-fietsfabriek.pdf"),
    )
    start, six, _twelve = list(contract.definitions.get().milestones.order_by("position"))
    households = [
        "single",
        "single_parent",
        "couple",
        "single",
        "single",
        "couple",
        "single_parent",
        "single",
    ]
    people = [
        services.participant_add(
            actor=officials[0],
            contract=contract,
            reference=f"HLM-2025-{n:04d}",
            household_type=households[n - 1],
            benefit_started_on=datetime.date(2024, 3, 1) + datetime.timedelta(days=30 * n),
        )
        for n in range(1, 9)
    ]

    def claim(person, milestone, days_ago, note=""):
        return services.claim_submit(
            actor=investee,
            contract=contract,
            participant=person,
            milestone=milestone,
            achieved_on=today - datetime.timedelta(days=days_ago),
            evidence_note=note,
        )

    # The ceiling budgeted per year (the first year lighter: the contract starts small).
    years = list(range(contract.starts_on.year, contract.ends_on.year + 1))
    services.contract_budget_split(
        actor=officials[0],
        contract=contract,
        amounts=dict(zip(years, split(contract.budget_cap, [1] + [2] * (len(years) - 1)), strict=True)),
    )
    # Paid: two starts, verified, proposed by official 1, approved by officials 2 and 3, confirmed paid.
    for person, days in ((people[0], 200), (people[1], 195)):
        services.claim_verify(actor=officials[0], claim=claim(person, start, days, "Arbeidscontract 24 uur"))
    paid = services.proposal_prepare(
        actor=officials[0],
        contract=contract,
        period_start=today - datetime.timedelta(days=209),
        period_end=today - datetime.timedelta(days=90),
    )
    services.proposal_approve(actor=officials[1], proposal=paid)
    services.proposal_approve(actor=officials[2], proposal=paid)
    # Paid on the day of the second approval (a paid date before the approval is refused).
    services.payment_confirm(actor=officials[1], proposal=paid, paid_on=today)
    if contract.fund_id:
        # The fund pre-finances: the contract grants it 10 % of each outcome payment as its success fee
        # (fund income, allocated to the investors as "outcome payments"); the rest is the enterprise's.
        services.proposal_fund_share_book(
            actor=None,
            proposal=paid,
            amount=to_cents(paid.total * Decimal("0.10")),
            reason="Succesvergoeding 10 % voor de voorfinanciering (contract, artikel 6)",
        )
    # Pending with one approval: two more starts.
    for person, days in ((people[2], 70), (people[3], 65)):
        services.claim_verify(actor=officials[0], claim=claim(person, start, days, "Arbeidscontract 32 uur"))
    pending = services.proposal_prepare(
        actor=officials[0],
        contract=contract,
        period_start=today - datetime.timedelta(days=89),
        period_end=today - datetime.timedelta(days=60),
    )
    services.proposal_approve(actor=officials[1], proposal=pending)
    # Verified, not yet proposed; submitted (to verify); rejected.
    services.claim_verify(actor=officials[2], claim=claim(people[4], start, 40, "Arbeidscontract 16 uur"))
    # Six months after the start claimed 200 days ago (the earliest date is six months after it).
    claim(people[0], six, 15, "Loonstroken zes maanden")
    claim(people[5], start, 10, "Arbeidscontract 20 uur")
    services.claim_reject(
        actor=officials[0],
        claim=claim(people[6], start, 30, "Proefplaatsing"),
        reason="Een proefplaatsing met behoud van uitkering is geen uitstroom naar betaald werk.",
    )
