"""Writes for resultaatfinanciering: every state change is one function here, in one transaction, with an
audit record (who, from → to, why) and a clear Dutch refusal when it is not allowed.

Claim: submitted → verified | rejected; verified → in_proposal (proposal_prepare) → paid (payment_confirm).
Proposal: pending → approved (second approval, creates the Payment exactly once) → paid; pending → withdrawn.

Who acts is always explicit: a user (whose role is checked), or ``SYSTEM`` for scheduled tasks and
management commands (only where a service allows it). ``actor=None`` is refused everywhere, so a view or the
API can never skip the checks by passing no user.

The documents someone acts on (the SEPA pain.001 file, the payment order) are made once, at the second
approval, in the same transaction, and stored with ``core.documents``: every download is the same bytes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import documents
from core.errors import ApplicationError, PermissionDeniedError, TransitionError
from core.formats import format_date, format_eur, format_number
from core.formats import format_datetime as formats_datetime
from core.money import to_cents, to_decimal
from core.privacy import validate_filename_no_bsn, validate_no_bsn
from core.uploads import checked_upload
from fund import selectors as fund_selectors
from fund.audit import audit_record
from fund.models import User
from portfolio.accounts import AccountCode
from portfolio.ledger import Line, entry_post

from .models import (
    Approval,
    BankReconciliation,
    BenefitNorm,
    BudgetYear,
    Claim,
    ClaimState,
    ContractStatus,
    Milestone,
    OutcomeContract,
    OutcomeDefinition,
    Participant,
    Payment,
    PaymentProposal,
    PricingModel,
    ProposalState,
    ReconciliationLine,
    ReconciliationStatus,
    Recovery,
    RecoveryState,
)
from .pricing import PRICING_VERSION, PricingError, price_outcome

APPROVALS_NEEDED = 2
ZERO_CENTS = Decimal("0.00")

# Document kinds (registered in apps.py with who may download them).
KIND_SEPA = "sepa_pain001"
KIND_PAYMENT_ORDER = "payment_order"
KIND_PAYMENT_ORDER_CSV = "payment_order_csv"
KIND_SAVINGS_REPORT = "savings_report"
KIND_SAVINGS_REPORT_XLSX = "savings_report_xlsx"


class SystemActor:
    """The system itself (a scheduled task, a management command): never a logged-in user.

    Services record it in the audit trail without a user (shown as "systeem"); it passes the role checks only
    of the services that accept it (``system_allowed=True``), never four-eyes approvals or verification."""

    is_authenticated = False
    pk = None

    def __repr__(self) -> str:
        return "SYSTEM"

    def __str__(self) -> str:
        return "systeem"


SYSTEM = SystemActor()

MSG_NO_ACTOR = gettext_noop("Er is geen gebruiker bekend voor deze actie; log in en probeer het opnieuw.")
MSG_NOT_OFFICIAL = gettext_noop("Alleen ambtenaren van de betalende gemeente mogen dit doen.")
MSG_NOT_PROVIDER = gettext_noop(
    "Alleen de aanbieder (de onderneming van dit contract) mag resultaten claimen."
)
MSG_CONTRACT_NOT_ACTIVE = gettext_noop("Het contract is niet lopend (status: %(status)s); claimen kan niet.")
MSG_PARTICIPANT_NOT_IN_CONTRACT = gettext_noop(
    "Deelnemer %(reference)s hoort niet bij contract %(contract)s."
)
MSG_MILESTONE_NOT_IN_CONTRACT = gettext_noop("Mijlpaal %(milestone)s hoort niet bij contract %(contract)s.")
MSG_PREREQUISITE_MISSING = gettext_noop(
    "Mijlpaal %(milestone)s vraagt eerst mijlpaal %(prerequisite)s voor deze deelnemer; die is nog niet "
    "(of afgewezen) geclaimd."
)
MSG_PREREQUISITE_LATER = gettext_noop(
    "De behaaldatum ligt vóór die van de voorwaardelijke mijlpaal %(prerequisite)s (%(date)s)."
)
MSG_TOO_EARLY = gettext_noop(
    "Mijlpaal %(milestone)s kan pas %(months)s maanden na %(after)s (%(anchor)s) behaald zijn: "
    "claimbaar met een behaaldatum vanaf %(date)s."
)
MSG_AFTER_PREVIOUS = gettext_noop("mijlpaal %(prerequisite)s")
MSG_AFTER_BENEFIT = gettext_noop("de start van de uitkering")
MSG_VERIFY_PREREQUISITE_FIRST = gettext_noop(
    "Verifieer eerst mijlpaal %(prerequisite)s van deelnemer %(reference)s (status: %(state)s); "
    "een latere mijlpaal kan niet eerder geverifieerd worden."
)
MSG_ALREADY_CLAIMED = gettext_noop(
    "Mijlpaal %(milestone)s is voor deelnemer %(reference)s al geclaimd; elke mijlpaal telt één keer."
)
MSG_OUTSIDE_CONTRACT = gettext_noop(
    "De behaaldatum %(date)s valt buiten de contractperiode (%(start)s t/m %(end)s)."
)
MSG_IN_FUTURE = gettext_noop("De behaaldatum %(date)s ligt in de toekomst.")
MSG_BEFORE_BENEFIT = gettext_noop("De behaaldatum ligt vóór de start van de uitkering (%(date)s).")
MSG_CLAIM_WINDOW = gettext_noop(
    "De claimtermijn is verlopen: claimen kon tot %(deadline)s (%(days)s dagen na het behalen)."
)
MSG_BUDGET_CAP = gettext_noop(
    "Deze claim (%(price)s) gaat boven het budgetplafond van het contract: nog beschikbaar %(left)s."
)
MSG_PARTICIPANT_CAP = gettext_noop(
    "Deze claim (%(price)s) gaat boven het plafond per deelnemer: "
    "voor %(reference)s nog beschikbaar %(left)s."
)
MSG_REPRICE_PARTICIPANT_CAP = gettext_noop(
    "Niet opnieuw geprijsd: met de nieuwe norm kost deze claim %(price)s, boven het plafond per deelnemer "
    "(nog beschikbaar %(left)s). De prijs blijft voorlopig; wijs de claim af of betaal tot het plafond."
)
MSG_REPRICE_BUDGET_CAP = gettext_noop(
    "Niet opnieuw geprijsd: met de nieuwe norm kost deze claim %(price)s, boven het budgetplafond van het "
    "contract (nog beschikbaar %(left)s). De prijs blijft voorlopig; wijs de claim af of betaal tot het "
    "plafond."
)
MSG_PAID_IN_FUTURE = gettext_noop("De betaaldatum %(date)s ligt in de toekomst.")
MSG_PAID_BEFORE_APPROVAL = gettext_noop(
    "De betaaldatum %(date)s ligt vóór de tweede goedkeuring (%(approved)s); er kan niet betaald zijn "
    "voordat het voorstel was goedgekeurd."
)
MSG_PROVISIONAL_IN_PROPOSAL = gettext_noop(
    "Dit voorstel bevat voorlopig geprijsde claims (%(claims)s): de bijstandsnorm van hun halfjaar is nog "
    "niet geladen. Laad eerst de norm; dan worden ze opnieuw geprijsd."
)
MSG_NORM_HALF_YEAR = gettext_noop("Normen gelden per halfjaar: kies 1 januari of 1 juli, niet %(date)s.")
MSG_NORM_EXISTS = gettext_noop("Er is al een norm voor %(household)s vanaf %(date)s.")
MSG_NORM_SOURCE = gettext_noop("Vermeld de bron (publicatie en datum) van de norm.")
MSG_NOT_ADMINISTRATOR = gettext_noop("Alleen een beheerder mag bijstandsnormen laden.")
MSG_NO_NORM = gettext_noop("Er is geen bijstandsnorm (%(household)s) bekend die geldt op %(date)s.")
MSG_REASON_REQUIRED = gettext_noop("Geef een reden.")
MSG_NOTHING_TO_PROPOSE = gettext_noop(
    "Er zijn geen geverifieerde, onbetaalde resultaten tot en met %(date)s."
)
MSG_PREPARER_CANNOT_APPROVE = gettext_noop("Wie het voorstel heeft opgesteld, mag het niet goedkeuren.")
MSG_VERIFIER_CANNOT_APPROVE = gettext_noop(
    "U heeft claim(s) in dit voorstel geverifieerd (%(claims)s); functiescheiding: een andere ambtenaar "
    "moet het goedkeuren."
)
MSG_PREPARER_CANNOT_CONFIRM = gettext_noop(
    "Wie het voorstel heeft opgesteld, mag de betaling niet bevestigen; een andere ambtenaar moet dat doen."
)
MSG_ALREADY_APPROVED_BY = gettext_noop(
    "U heeft dit voorstel al goedgekeurd; een tweede ambtenaar moet het doen."
)
MSG_NO_IBAN = gettext_noop("%(name)s heeft geen IBAN; vul het in bij de organisatie voordat u goedkeurt.")
MSG_DRAFT_ONLY = gettext_noop("Resultaatdefinities en mijlpalen wijzigen kan alleen in een conceptcontract.")
MSG_SIGNED_REQUIRED = gettext_noop("Upload eerst het getekende contract.")
MSG_NO_DEFINITION = gettext_noop("Leg eerst ten minste één resultaat met mijlpalen vast.")
MSG_SHARES = gettext_noop(
    "De aandelen van de mijlpalen van %(code)s tellen op tot %(total)s in plaats van 1."
)
MSG_PAYER_NOT_MUNICIPALITY = gettext_noop("De betaler moet een gemeente zijn.")
MSG_PORTFOLIO_OTHER = gettext_noop("Het financieringscontract hoort niet bij dit fonds en deze onderneming.")
MSG_PERIOD = gettext_noop("Het begin van de periode ligt na het einde.")

CONTRACT_TRANSITIONS = {
    ContractStatus.DRAFT: [ContractStatus.ACTIVE],
    ContractStatus.ACTIVE: [ContractStatus.ENDED],
    ContractStatus.ENDED: [],
}


# --------------------------------------------------------------------------------------------------
# Who may act
# --------------------------------------------------------------------------------------------------


def _is_user(user) -> bool:
    return user is not None and user is not SYSTEM and getattr(user, "is_authenticated", False)


def is_payer_official(user: User | None, contract: OutcomeContract) -> bool:
    return _is_user(user) and contract.payer_id in fund_selectors.official_organisation_ids(user)


def is_provider_user(user: User | None, contract: OutcomeContract) -> bool:
    return _is_user(user) and contract.provider.organisation_id in (
        fund_selectors.own_enterprise_organisation_ids(user)
    )


def _require_actor(actor, *, system_allowed: bool = False) -> bool:
    """Refuse a missing actor (and SYSTEM where the service does not allow it); True when SYSTEM acts."""
    if actor is SYSTEM:
        if not system_allowed:
            raise PermissionDeniedError(_(MSG_NOT_OFFICIAL))
        return True
    if not _is_user(actor):
        raise PermissionDeniedError(_(MSG_NO_ACTOR))
    return False


def _require_official(
    actor, contract: OutcomeContract, *, allow_admin: bool = False, system_allowed: bool = False
) -> None:
    if _require_actor(actor, system_allowed=system_allowed):
        return
    if allow_admin and fund_selectors.is_administrator(actor):
        return
    if not is_payer_official(actor, contract):
        raise PermissionDeniedError(_(MSG_NOT_OFFICIAL))


def _user(actor) -> User | None:
    """The user to store on a record (None for SYSTEM)."""
    return actor if _is_user(actor) else None


def _cents(value) -> Decimal:
    return to_cents(value or 0)


def _date(value: datetime.date) -> str:
    return format_date(value, language="nl")


def _eur(value: Decimal) -> str:
    return format_eur(value, language="nl")


def _no_bsn_in_filename(upload, field: str) -> None:
    if upload is None:
        return
    try:
        validate_filename_no_bsn(upload)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}, code="bsn_refused") from None


# --------------------------------------------------------------------------------------------------
# Contracts, definitions, milestones, participants
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def contract_create(*, actor: User | None, **fields) -> OutcomeContract:
    """A draft contract. Officials of the paying municipality (or an administrator) record it."""
    contract = OutcomeContract(**fields)
    if contract.payer_id and not contract.payer.municipality_government_id:
        raise ValidationError({"payer": [_(MSG_PAYER_NOT_MUNICIPALITY)]})
    _require_official(actor, contract, allow_admin=True, system_allowed=True)
    pc = contract.portfolio_contract
    if pc is not None and (pc.fund_id != contract.fund_id or pc.enterprise_id != contract.provider_id):
        raise ValidationError({"portfolio_contract": [_(MSG_PORTFOLIO_OTHER)]})
    contract.status = ContractStatus.DRAFT
    contract.full_clean()
    contract.save()
    audit_record(
        actor=actor,
        obj=contract,
        action="outcome_contract_created",
        to_state=contract.status,
        data={
            "changes": _changes(
                reference=(None, contract.reference),
                budget_cap=(None, contract.budget_cap),
                participant_cap=(None, contract.participant_cap),
                starts_on=(None, contract.starts_on),
                ends_on=(None, contract.ends_on),
                claim_window_days=(None, contract.claim_window_days),
                verifier_may_not_approve=(None, contract.verifier_may_not_approve),
            )
        },
    )
    return contract


@transaction.atomic
def definition_add(
    *, actor: User | None, contract: OutcomeContract, milestones: Iterable[dict], **fields
) -> OutcomeDefinition:
    """An outcome definition with its milestones, in order; each milestone needs the one before it."""
    contract = OutcomeContract.objects.select_for_update().get(pk=contract.pk)
    _require_official(actor, contract, allow_admin=True, system_allowed=True)
    if contract.status != ContractStatus.DRAFT:
        raise ApplicationError(_(MSG_DRAFT_ONLY))
    definition = OutcomeDefinition(contract=contract, **fields)
    definition.full_clean()
    definition.save()
    rows = list(milestones)
    total = sum((to_decimal(m["share"]) for m in rows), Decimal("0"))
    if not rows or total != 1:
        raise ValidationError(
            {
                "milestones": [
                    _(MSG_SHARES) % {"code": definition.code, "total": format_number(total, max_places=4)}
                ]
            }
        )
    previous = None
    for position, row in enumerate(rows, start=1):
        milestone = Milestone(
            definition=definition,
            position=position,
            code=row["code"],
            name=row["name"],
            share=to_decimal(row["share"]),
            prerequisite=previous if row.get("requires_previous", True) else None,
            min_months=int(row.get("min_months") or 0),
        )
        milestone.full_clean()
        milestone.save()
        previous = milestone
    audit_record(
        actor=actor,
        obj=contract,
        action="outcome_definition_added",
        data={"code": definition.code, "pricing": definition.parameters, "milestones": rows},
    )
    return definition


@transaction.atomic
def contract_change_status(
    *,
    actor: User | None,
    contract: OutcomeContract,
    to_status: str,
    reason: str = "",
    signed_document: File | None = None,
) -> OutcomeContract:
    contract = OutcomeContract.objects.select_for_update().get(pk=contract.pk)
    _require_official(actor, contract, allow_admin=True, system_allowed=True)
    from_status = ContractStatus(contract.status)
    allowed = CONTRACT_TRANSITIONS[from_status]
    if to_status not in allowed:
        raise TransitionError(
            obj_label=_("Resultaatcontract"),
            from_state=str(from_status.label),
            to_state=str(ContractStatus(to_status).label)
            if to_status in ContractStatus.values
            else to_status,
            allowed=[str(s.label) for s in allowed],
        )
    if signed_document is not None:
        _no_bsn_in_filename(signed_document, "signed_document")
        checked_upload(signed_document, field="signed_document", allowed=("pdf",))  # parsed, not sniffed
        contract.signed_document = signed_document
    if to_status == ContractStatus.ACTIVE:
        if not contract.signed_document:
            raise ApplicationError(_(MSG_SIGNED_REQUIRED))
        if not Milestone.objects.filter(definition__contract=contract).exists():
            raise ApplicationError(_(MSG_NO_DEFINITION))
    contract.status = to_status
    contract.save()
    audit_record(
        actor=actor,
        obj=contract,
        action="outcome_contract_status_changed",
        from_state=from_status.value,
        to_state=to_status,
        reason=reason,
    )
    return contract


@transaction.atomic
def participant_add(
    *,
    actor: User | None,
    contract: OutcomeContract,
    reference: str,
    household_type: str,
    benefit_started_on: datetime.date,
) -> Participant:
    """Register a participant by the municipality's pseudonymous reference (officials of the payer)."""
    _require_official(actor, contract, allow_admin=True, system_allowed=True)
    participant = Participant(
        contract=contract,
        reference=(reference or "").strip().upper(),
        household_type=household_type,
        benefit_started_on=benefit_started_on,
    )
    participant.full_clean()
    participant.save()
    audit_record(
        actor=actor,
        obj=participant,
        action="participant_added",
        data={
            "contract": contract.reference,
            "changes": _changes(
                reference=(None, participant.reference),
                household_type=(None, participant.get_household_type_display()),
                benefit_started_on=(None, participant.benefit_started_on),
            ),
        },
    )
    return participant


# --------------------------------------------------------------------------------------------------
# Pricing a claim
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimPrice:
    price: Decimal
    norm: BenefitNorm | None
    inputs: dict
    gross_saving: Decimal | None
    net_saving: Decimal | None
    provisional: bool = False


def norm_on(*, household_type: str, on: datetime.date) -> BenefitNorm:
    """The norm valid on a date (the latest valid_from on or before it), never simply the latest."""
    norm = (
        BenefitNorm.objects.filter(household_type=household_type, valid_from__lte=on)
        .order_by("-valid_from")
        .first()
    )
    if norm is None:
        from .models import HouseholdType

        raise ApplicationError(
            _(MSG_NO_NORM) % {"household": HouseholdType(household_type).label, "date": _date(on)}
        )
    return norm


def claim_price(*, participant: Participant, milestone: Milestone, achieved_on: datetime.date) -> ClaimPrice:
    """Price one milestone of one participant with the norm valid on the achievement date."""
    definition = milestone.definition
    milestones = list(definition.milestones.order_by("position"))
    index = [m.pk for m in milestones].index(milestone.pk)
    shares = [m.share for m in milestones]
    if definition.pricing_model == PricingModel.RATE_CARD:
        # The same split rule as the savings model: earlier milestones price × share, the last the rest.
        result = price_outcome(
            monthly_benefit=definition.fixed_price,
            months=1,
            benefit_reduction=Decimal("1"),
            execution_cost_per_year=Decimal("0"),
            deadweight=Decimal("0"),
            displacement=Decimal("0"),
            savings_share=Decimal("1"),
            milestone_shares=shares,
        )
        inputs = {
            "model": "rate_card",
            "fixed_price": str(definition.fixed_price),
            "milestone_index": index,
            "pricing": result.inputs,
        }
        return ClaimPrice(result.milestone_prices[index], None, inputs, None, None)
    norm = norm_on(household_type=participant.household_type, on=achieved_on)
    try:
        result = price_outcome(
            monthly_benefit=norm.monthly_amount,
            months=definition.months,
            benefit_reduction=definition.benefit_reduction,
            execution_cost_per_year=definition.execution_cost_per_year,
            deadweight=definition.deadweight,
            displacement=definition.displacement,
            savings_share=definition.savings_share,
            milestone_shares=shares,
        )
    except PricingError as exc:
        raise ApplicationError(str(exc)) from exc
    inputs = {
        "model": "savings",
        "norm_id": norm.pk,
        "norm_household_type": norm.household_type,
        "norm_valid_from": norm.valid_from.isoformat(),
        "norm_amount": str(norm.monthly_amount),
        "milestone_index": index,
        "pricing": result.inputs,
    }
    # No norm loaded yet for the achievement date's half year: priced with the latest earlier norm,
    # provisionally, until an administrator loads it (norm_add reprices).
    provisional = norm.valid_from < BenefitNorm.half_year_start(achieved_on)
    return ClaimPrice(
        result.milestone_prices[index], norm, inputs, result.gross_saving, result.net_saving, provisional
    )


@transaction.atomic
def norm_add(
    *,
    actor: User,
    household_type: str,
    valid_from: datetime.date,
    monthly_amount: Decimal,
    source: str,
    includes_holiday_allowance: bool = True,
) -> tuple[BenefitNorm, list[Claim]]:
    """An administrator loads a published norm (with its source); every provisional, unpaid claim of that
    household type achieved in the norm's half year is priced again with it, each with an audit record.
    A claim in a pending proposal changes the proposal's total (recorded too)."""
    from .models import HouseholdType

    _require_actor(actor)
    if not fund_selectors.is_administrator(actor):
        raise PermissionDeniedError(_(MSG_NOT_ADMINISTRATOR))
    if valid_from != BenefitNorm.half_year_start(valid_from):
        raise ValidationError({"valid_from": [_(MSG_NORM_HALF_YEAR) % {"date": _date(valid_from)}]})
    source = (source or "").strip()
    if not source:
        raise ValidationError({"source": [_(MSG_NORM_SOURCE)]})
    if BenefitNorm.objects.filter(household_type=household_type, valid_from=valid_from).exists():
        raise ValidationError(
            {
                "valid_from": [
                    _(MSG_NORM_EXISTS)
                    % {"household": HouseholdType(household_type).label, "date": _date(valid_from)}
                ]
            }
        )
    norm = BenefitNorm(
        household_type=household_type,
        valid_from=valid_from,
        monthly_amount=to_cents(monthly_amount),
        source=source,
        includes_holiday_allowance=includes_holiday_allowance,
    )
    norm.full_clean()
    norm.save()
    audit_record(
        actor=actor,
        obj=norm,
        action="benefit_norm_added",
        data={
            "household_type": household_type,
            "valid_from": valid_from,
            "monthly_amount": norm.monthly_amount,
            "source": source,
        },
    )
    end = add_months(valid_from, 6) - datetime.timedelta(days=1)
    repriced = []
    claims = (
        Claim.objects.select_for_update(of=("self",))
        .filter(
            provisional=True,
            participant__household_type=household_type,
            achieved_on__gte=valid_from,
            achieved_on__lte=end,
            state__in=[ClaimState.SUBMITTED, ClaimState.VERIFIED, ClaimState.IN_PROPOSAL],
        )
        .select_related("participant", "milestone__definition", "proposal")
        .order_by("pk")
    )
    for claim in claims:
        repriced.append(_claim_reprice(actor=actor, claim=claim))
    return norm, repriced


def _claim_reprice(*, actor, claim: Claim) -> Claim:
    """Price a provisional claim again with the norm now loaded, checking the caps again: the new price may
    not take the contract or the participant above its cap. With "betalen tot het plafond" the claim is
    priced at what remains (shown as capped); without it the claim keeps its provisional price (so its
    proposal still cannot be approved) and the history says why: an official rejects it, as a new claim
    above the cap would have been refused."""
    before = {
        "price": claim.price,
        "uncapped_price": claim.uncapped_price,
        "norm_amount": claim.norm_amount,
        "gross_saving": claim.gross_saving,
        "net_saving": claim.net_saving,
        "provisional": claim.provisional,
    }
    priced = claim_price(
        participant=claim.participant, milestone=claim.milestone, achieved_on=claim.achieved_on
    )
    contract = OutcomeContract.objects.select_for_update(of=("self",)).get(pk=claim.contract_id)
    others = Claim.objects.exclude(pk=claim.pk)
    left = contract.budget_cap - _committed(contract, queryset=others)
    left_participant = contract.participant_cap - _committed(
        contract, queryset=others, participant_id=claim.participant_id
    )
    price, uncapped = priced.price, None
    if priced.price > min(left, left_participant):
        if contract.pay_up_to_cap and min(left, left_participant) > 0:
            price, uncapped = min(left, left_participant), priced.price
        else:
            which = MSG_REPRICE_PARTICIPANT_CAP if left_participant < left else MSG_REPRICE_BUDGET_CAP
            reason = _(which) % {
                "price": _eur(priced.price),
                "left": _eur(max(min(left, left_participant), ZERO_CENTS)),
            }
            audit_record(
                actor=actor,
                obj=claim,
                action="claim_reprice_held",
                reason=reason,
                data={"price": priced.price, "left": min(left, left_participant), "pricing": priced.inputs},
            )
            return claim
    claim.norm = priced.norm
    claim.norm_amount = priced.norm.monthly_amount if priced.norm else None
    claim.pricing_inputs = priced.inputs
    claim.pricing_version = PRICING_VERSION
    claim.gross_saving = priced.gross_saving
    claim.net_saving = priced.net_saving
    claim.price = price
    claim.uncapped_price = uncapped
    claim.provisional = priced.provisional
    claim.save(
        update_fields=[
            "norm",
            "norm_amount",
            "pricing_inputs",
            "pricing_version",
            "gross_saving",
            "net_saving",
            "price",
            "uncapped_price",
            "provisional",
        ]
    )
    after = {key: getattr(claim, key) for key in before}
    audit_record(
        actor=actor,
        obj=claim,
        action="claim_repriced",
        reason=_("Bijstandsnorm vanaf %(date)s geladen") % {"date": _date(priced.norm.valid_from)},
        data={
            "changes": {
                key: {"from": _change_text(before[key]), "to": _change_text(after[key])}
                for key in before
                if before[key] != after[key]
            },
            "pricing": priced.inputs,
        },
    )
    if claim.proposal_id:
        proposal = PaymentProposal.objects.select_for_update().get(pk=claim.proposal_id)
        old_total = proposal.total
        proposal.total = sum(proposal.claims.values_list("price", flat=True), Decimal("0.00"))
        proposal.save(update_fields=["total"])
        audit_record(
            actor=actor,
            obj=proposal,
            action="proposal_repriced",
            reason=_("Claim %(claim)s opnieuw geprijsd") % {"claim": claim},
            data={"changes": {"total": {"from": _eur(old_total), "to": _eur(proposal.total)}}},
        )
    return claim


def _changes(**fields: tuple) -> dict:
    """{"changes": {field: {"from": text, "to": text}}} for the history's "Wijzigingen" column (field names
    are model field names; the page shows their labels)."""
    return {
        name: {"from": _change_text(before), "to": _change_text(after)}
        for name, (before, after) in fields.items()
        if before != after
    }


def _change_text(value) -> str:
    """A before/after value as a Dutch text for the history."""
    if isinstance(value, bool):
        return _("ja") if value else _("nee")
    if isinstance(value, Decimal):
        return _eur(value)
    if isinstance(value, datetime.date):
        return _date(value)
    return "" if value is None else str(value)


def claim_recompute(claim: Claim) -> Decimal:
    """The price recomputed from the claim's stored inputs only (no norm table, no definition)."""
    from .pricing import recompute

    result = recompute(claim.pricing_inputs["pricing"])
    return result.milestone_prices[claim.pricing_inputs["milestone_index"]]


# --------------------------------------------------------------------------------------------------
# Claims
# --------------------------------------------------------------------------------------------------


def _committed(contract: OutcomeContract, *, queryset=None, **extra) -> Decimal:
    """What non-rejected claims already take from the budget."""
    total = (
        (Claim.objects if queryset is None else queryset)
        .filter(contract=contract, **extra)
        .exclude(state=ClaimState.REJECTED)
        .aggregate(total=Sum("price"))["total"]
    )
    return _cents(total)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day when it is shorter: 31-08 + 6 → 28/29-02)."""
    from dateutil.relativedelta import relativedelta

    return day + relativedelta(months=months)


def earliest_achievement(
    *, milestone: Milestone, participant: Participant, previous: Claim | None
) -> datetime.date | None:
    """The first date on which a milestone can have been achieved: its minimum term after the previous
    milestone's achievement date (the first milestone: after the benefit start). None without a term."""
    if not milestone.min_months:
        return None
    anchor = previous.achieved_on if previous is not None else participant.benefit_started_on
    return add_months(anchor, milestone.min_months)


def _claim_checks(
    *,
    contract: OutcomeContract,
    participant: Participant,
    milestone: Milestone,
    achieved_on: datetime.date,
    today: datetime.date,
) -> None:
    """Every refusal with its reason, as ValidationError keyed by field."""
    if contract.status != ContractStatus.ACTIVE:
        raise ApplicationError(
            _(MSG_CONTRACT_NOT_ACTIVE) % {"status": ContractStatus(contract.status).label},
            code="contract_not_active",
        )
    if participant.contract_id != contract.pk:
        raise ValidationError(
            {
                "participant": [
                    _(MSG_PARTICIPANT_NOT_IN_CONTRACT)
                    % {"reference": participant.reference, "contract": contract.reference}
                ]
            },
            code="participant_not_in_contract",
        )
    if milestone.definition.contract_id != contract.pk:
        raise ValidationError(
            {
                "milestone": [
                    _(MSG_MILESTONE_NOT_IN_CONTRACT)
                    % {"milestone": milestone.code, "contract": contract.reference}
                ]
            }
        )
    if achieved_on > today:
        raise ValidationError({"achieved_on": [_(MSG_IN_FUTURE) % {"date": _date(achieved_on)}]})
    if not contract.starts_on <= achieved_on <= contract.ends_on:
        raise ValidationError(
            {
                "achieved_on": [
                    _(MSG_OUTSIDE_CONTRACT)
                    % {
                        "date": _date(achieved_on),
                        "start": _date(contract.starts_on),
                        "end": _date(contract.ends_on),
                    }
                ]
            },
            code="outside_contract",
        )
    deadline = achieved_on + datetime.timedelta(days=contract.claim_window_days)
    if today > deadline:
        raise ValidationError(
            {
                "achieved_on": [
                    _(MSG_CLAIM_WINDOW) % {"deadline": _date(deadline), "days": contract.claim_window_days}
                ]
            },
            code="claim_window",
        )
    if achieved_on < participant.benefit_started_on:
        raise ValidationError(
            {"achieved_on": [_(MSG_BEFORE_BENEFIT) % {"date": _date(participant.benefit_started_on)}]}
        )
    live = Claim.objects.filter(participant=participant).exclude(state=ClaimState.REJECTED)
    if live.filter(milestone=milestone).exists():
        raise ValidationError(
            {
                "milestone": [
                    _(MSG_ALREADY_CLAIMED) % {"milestone": milestone.code, "reference": participant.reference}
                ]
            },
            code="already_claimed",
        )
    if milestone.prerequisite_id:
        before = live.filter(milestone_id=milestone.prerequisite_id).first()
        if before is None:
            raise ValidationError(
                {
                    "milestone": [
                        _(MSG_PREREQUISITE_MISSING)
                        % {"milestone": milestone.code, "prerequisite": milestone.prerequisite.code}
                    ]
                },
                code="prerequisite_missing",
            )
        if achieved_on < before.achieved_on:
            raise ValidationError(
                {
                    "achieved_on": [
                        _(MSG_PREREQUISITE_LATER)
                        % {"prerequisite": milestone.prerequisite.code, "date": _date(before.achieved_on)}
                    ]
                }
            )
    else:
        before = None
    earliest = earliest_achievement(milestone=milestone, participant=participant, previous=before)
    if earliest is not None and achieved_on < earliest:
        after = (
            _(MSG_AFTER_PREVIOUS) % {"prerequisite": milestone.prerequisite.code}
            if before is not None
            else _(MSG_AFTER_BENEFIT)
        )
        anchor = before.achieved_on if before is not None else participant.benefit_started_on
        raise ValidationError(
            {
                "achieved_on": [
                    _(MSG_TOO_EARLY)
                    % {
                        "milestone": milestone.code,
                        "months": milestone.min_months,
                        "after": after,
                        "anchor": _date(anchor),
                        "date": _date(earliest),
                    }
                ]
            },
            code="too_early",
        )


@transaction.atomic
def claim_submit(
    *,
    actor: User | None,
    contract: OutcomeContract,
    participant: Participant,
    milestone: Milestone,
    achieved_on: datetime.date,
    evidence: File | None = None,
    evidence_note: str = "",
    today: datetime.date | None = None,
) -> Claim:
    """The provider claims a milestone. Refused with its reason; priced and frozen when accepted.

    The contract row is locked so two claims cannot both fit under the budget cap; the unique constraint
    (participant, milestone) for non-rejected claims decides a race on the same milestone.
    """
    today = today or timezone.localdate()
    contract = (
        OutcomeContract.objects.select_for_update(of=("self",)).select_related("provider").get(pk=contract.pk)
    )
    _require_actor(actor)
    if not is_provider_user(actor, contract):
        raise PermissionDeniedError(_(MSG_NOT_PROVIDER))
    validate_no_bsn(evidence_note)
    _no_bsn_in_filename(evidence, "evidence")
    if evidence is not None:  # a PDF or a photo, parsed (a polyglot with HTML is refused)
        checked_upload(evidence, field="evidence", allowed=("pdf", "png", "jpeg"))
    _claim_checks(
        contract=contract, participant=participant, milestone=milestone, achieved_on=achieved_on, today=today
    )
    priced = claim_price(participant=participant, milestone=milestone, achieved_on=achieved_on)
    left = contract.budget_cap - _committed(contract)
    left_participant = contract.participant_cap - _committed(contract, participant=participant)
    price, uncapped = priced.price, None
    if contract.pay_up_to_cap and priced.price > min(left, left_participant) > 0:
        # The contract pays up to the cap: the claim is priced at what remains, visibly capped.
        price, uncapped = min(left, left_participant), priced.price
    if price > left:
        raise ValidationError(
            {"milestone": [_(MSG_BUDGET_CAP) % {"price": _eur(priced.price), "left": _eur(left)}]},
            code="budget_cap",
        )
    if price > left_participant:
        raise ValidationError(
            {
                "participant": [
                    _(MSG_PARTICIPANT_CAP)
                    % {
                        "price": _eur(priced.price),
                        "reference": participant.reference,
                        "left": _eur(left_participant),
                    }
                ]
            },
            code="participant_cap",
        )
    claim = Claim(
        contract=contract,
        participant=participant,
        milestone=milestone,
        achieved_on=achieved_on,
        evidence_note=evidence_note,
        submitted_by=_user(actor),
        norm=priced.norm,
        norm_amount=priced.norm.monthly_amount if priced.norm else None,
        pricing_inputs=priced.inputs,
        pricing_version=PRICING_VERSION,
        gross_saving=priced.gross_saving,
        net_saving=priced.net_saving,
        price=price,
        uncapped_price=uncapped,
        provisional=priced.provisional,
    )
    if evidence is not None:
        claim.evidence = evidence
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError as exc:
        raise ValidationError(
            {
                "milestone": [
                    _(MSG_ALREADY_CLAIMED) % {"milestone": milestone.code, "reference": participant.reference}
                ]
            },
            code="already_claimed",
        ) from exc
    audit_record(
        actor=actor,
        obj=claim,
        action="claim_submitted",
        to_state=ClaimState.SUBMITTED,
        data={
            "price": claim.price,
            "achieved_on": achieved_on,
            "pricing": priced.inputs,
            "capped_from": uncapped,
            "changes": _changes(
                achieved_on=(None, achieved_on),
                price=(None, claim.price),
                uncapped_price=(None, uncapped),
                norm_amount=(None, claim.norm_amount),
                provisional=(None, claim.provisional),
            ),
        },
    )
    return claim


@transaction.atomic
def claim_decide(*, actor: User, claim: Claim, verified: bool, reason: str = "") -> Claim:
    """An official of the paying municipality verifies or rejects a submitted claim.

    A rejection needs a reason; a verification may carry a remark."""
    claim = Claim.objects.select_for_update(of=("self",)).select_related("contract").get(pk=claim.pk)
    _require_official(actor, claim.contract)
    reason = (reason or "").strip()
    validate_no_bsn(reason)
    to_state = ClaimState.VERIFIED if verified else ClaimState.REJECTED
    if claim.state != ClaimState.SUBMITTED:
        raise TransitionError(
            obj_label=_("Claim"),
            from_state=str(ClaimState(claim.state).label),
            to_state=str(to_state.label),
            allowed=[],
        )
    if not verified and not reason:
        raise ValidationError({"reason": [_(MSG_REASON_REQUIRED)]})
    if verified and claim.milestone.prerequisite_id:
        before = (
            Claim.objects.filter(
                participant_id=claim.participant_id, milestone_id=claim.milestone.prerequisite_id
            )
            .exclude(state=ClaimState.REJECTED)
            .first()
        )
        if before is None or before.state == ClaimState.SUBMITTED:
            state = ClaimState(before.state).label if before is not None else _("niet geclaimd")
            raise ApplicationError(
                _(MSG_VERIFY_PREREQUISITE_FIRST)
                % {
                    "prerequisite": claim.milestone.prerequisite.code,
                    "reference": claim.participant.reference,
                    "state": state,
                },
                code="prerequisite_not_verified",
            )
    claim.state = to_state
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.decision_reason = reason
    claim.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    audit_record(
        actor=actor,
        obj=claim,
        action="claim_verified" if verified else "claim_rejected",
        from_state=ClaimState.SUBMITTED,
        to_state=to_state,
        reason=reason,
        data={
            "changes": _changes(
                decided_by=(None, str(actor)),
                decided_at=(None, formats_datetime(claim.decided_at, language="nl")),
                decision_reason=("", reason),
            )
        },
    )
    return claim


def claim_verify(*, actor: User, claim: Claim, reason: str = "") -> Claim:
    return claim_decide(actor=actor, claim=claim, verified=True, reason=reason)


def claim_reject(*, actor: User, claim: Claim, reason: str) -> Claim:
    return claim_decide(actor=actor, claim=claim, verified=False, reason=reason)


# --------------------------------------------------------------------------------------------------
# Payment proposals, four-eyes approval, payment
# --------------------------------------------------------------------------------------------------


def period_bounds(*, frequency: str, containing: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar month or quarter that contains a date."""
    if frequency == "monthly":
        start = containing.replace(day=1)
    else:
        start = datetime.date(containing.year, 3 * ((containing.month - 1) // 3) + 1, 1)
    months = 1 if frequency == "monthly" else 3
    year, month = divmod(start.month - 1 + months, 12)
    end = datetime.date(start.year + year, month + 1, 1) - datetime.timedelta(days=1)
    return start, end


@transaction.atomic
def proposal_prepare(
    *,
    actor: User | None,
    contract: OutcomeContract,
    period_start: datetime.date,
    period_end: datetime.date,
) -> PaymentProposal:
    """Bundle every verified, unpaid result achieved up to the period end; prepared by an official or the
    system (``SYSTEM``, the scheduled task)."""
    contract = OutcomeContract.objects.select_for_update().get(pk=contract.pk)
    _require_official(actor, contract, system_allowed=True)
    if period_start > period_end:
        raise ValidationError({"period_start": [_(MSG_PERIOD)]})
    claims = list(
        Claim.objects.select_for_update()
        .filter(contract=contract, state=ClaimState.VERIFIED, achieved_on__lte=period_end)
        .order_by("pk")
    )
    if not claims:
        raise ApplicationError(
            _(MSG_NOTHING_TO_PROPOSE) % {"date": _date(period_end)}, code="nothing_to_propose"
        )
    total = sum((c.price for c in claims), Decimal("0.00"))
    try:
        with transaction.atomic():
            proposal = PaymentProposal.objects.create(
                contract=contract,
                period_start=period_start,
                period_end=period_end,
                prepared_by=_user(actor),
                total=total,
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("Voor deze periode bestaat al een betaalvoorstel; trek dat eerst in."), code="duplicate_period"
        ) from exc
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(
        state=ClaimState.IN_PROPOSAL, proposal=proposal
    )
    for claim in claims:
        audit_record(
            actor=actor,
            obj=claim,
            action="claim_in_proposal",
            from_state=ClaimState.VERIFIED,
            to_state=ClaimState.IN_PROPOSAL,
            data={"proposal": proposal.pk, "changes": _changes(proposal=(None, str(proposal)))},
        )
    audit_record(
        actor=actor,
        obj=proposal,
        action="proposal_prepared",
        to_state=ProposalState.PENDING,
        data={
            "total": total,
            "claims": len(claims),
            "changes": _changes(total=(None, total), claims=(None, ", ".join(str(c) for c in claims))),
        },
    )
    return proposal


@transaction.atomic
def proposal_withdraw(*, actor: User, proposal: PaymentProposal, reason: str) -> PaymentProposal:
    """A pending proposal is withdrawn (with a reason); its claims are verified and unpaid again."""
    proposal = (
        PaymentProposal.objects.select_for_update(of=("self",)).select_related("contract").get(pk=proposal.pk)
    )
    _require_official(actor, proposal.contract)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_(MSG_REASON_REQUIRED)]})
    if proposal.state != ProposalState.PENDING:
        raise TransitionError(
            obj_label=_("Betaalvoorstel"),
            from_state=str(ProposalState(proposal.state).label),
            to_state=str(ProposalState.WITHDRAWN.label),
            allowed=[],
        )
    claims = list(proposal.claims.select_for_update().order_by("pk"))
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(state=ClaimState.VERIFIED, proposal=None)
    for claim in claims:
        audit_record(
            actor=actor,
            obj=claim,
            action="claim_released",
            from_state=ClaimState.IN_PROPOSAL,
            to_state=ClaimState.VERIFIED,
            reason=reason.strip(),
            data={"proposal": proposal.pk, "changes": _changes(proposal=(str(proposal), None))},
        )
    proposal.state = ProposalState.WITHDRAWN
    proposal.save(update_fields=["state"])
    audit_record(
        actor=actor,
        obj=proposal,
        action="proposal_withdrawn",
        from_state=ProposalState.PENDING,
        to_state=ProposalState.WITHDRAWN,
        reason=reason.strip(),
    )
    return proposal


def _creditor(contract: OutcomeContract) -> tuple[str, str]:
    """Who receives the money: the pre-financing fund (its manager's account) or the enterprise."""
    organisation = contract.fund.manager.organisation if contract.fund_id else contract.provider.organisation
    name = contract.fund.name if contract.fund_id else organisation.name
    if not organisation.iban:
        raise ApplicationError(_(MSG_NO_IBAN) % {"name": organisation.name}, code="no_iban")
    return name, organisation.iban


@transaction.atomic
def proposal_approve(*, actor: User, proposal: PaymentProposal) -> PaymentProposal:
    """One of two approvals by different officials of the paying municipality, neither the preparer.

    The proposal row is locked first, so two officials approving at the same moment are serialised; the
    second sees the first's approval. Unique constraints (proposal, official), (proposal, sequence 1|2) and
    the one-to-one Payment make a second payment impossible even if a check were skipped.
    """
    proposal = (
        PaymentProposal.objects.select_for_update(of=("self",))
        .select_related("contract__provider__organisation", "contract__fund__manager__organisation")
        .get(pk=proposal.pk)
    )
    contract = proposal.contract
    _require_official(actor, contract)
    if proposal.state != ProposalState.PENDING:
        raise TransitionError(
            obj_label=_("Betaalvoorstel"),
            from_state=str(ProposalState(proposal.state).label),
            to_state=str(ProposalState.APPROVED.label),
            allowed=[],
        )
    if proposal.prepared_by_id == actor.pk:
        raise PermissionDeniedError(_(MSG_PREPARER_CANNOT_APPROVE))
    approvals = list(proposal.approvals.all())
    if any(a.official_id == actor.pk for a in approvals):
        raise PermissionDeniedError(_(MSG_ALREADY_APPROVED_BY))
    if contract.verifier_may_not_approve:
        verified = list(proposal.claims.filter(decided_by=actor).select_related("participant", "milestone"))
        if verified:
            raise PermissionDeniedError(
                _(MSG_VERIFIER_CANNOT_APPROVE) % {"claims": ", ".join(str(c) for c in verified)}
            )
    sequence = len(approvals) + 1
    provisional = list(proposal.claims.filter(provisional=True).select_related("participant", "milestone"))
    if provisional:
        raise ApplicationError(
            _(MSG_PROVISIONAL_IN_PROPOSAL) % {"claims": ", ".join(str(c) for c in provisional)},
            code="provisional_price",
        )
    if sequence == APPROVALS_NEEDED:
        creditor_name, creditor_iban = _creditor(contract)  # refuse before writing anything
        if not contract.payer.iban:  # the SEPA file made at approval is debited from it
            raise ApplicationError(_(MSG_NO_IBAN) % {"name": contract.payer.name}, code="no_iban")
    try:
        with transaction.atomic():
            Approval.objects.create(proposal=proposal, official=actor, sequence=sequence)
    except IntegrityError as exc:
        raise PermissionDeniedError(_(MSG_ALREADY_APPROVED_BY)) from exc
    audit_record(
        actor=actor,
        obj=proposal,
        action="proposal_approval_given",
        data={"sequence": sequence, "changes": _changes(approvals=(sequence - 1, sequence))},
    )
    if sequence < APPROVALS_NEEDED:
        return proposal
    proposal.state = ProposalState.APPROVED
    proposal.save(update_fields=["state"])
    payment = Payment.objects.create(
        proposal=proposal,
        amount=proposal.total,
        creditor_name=creditor_name,
        creditor_iban=creditor_iban,
        end_to_end_id=f"RF-{contract.pk}-{proposal.pk}",
    )
    audit_record(
        actor=actor,
        obj=proposal,
        action="proposal_approved",
        from_state=ProposalState.PENDING,
        to_state=ProposalState.APPROVED,
        data={
            "payment": payment.end_to_end_id,
            "amount": payment.amount,
            "changes": _changes(
                payment=(None, payment.end_to_end_id),
                amount=(None, payment.amount),
                creditor_iban=(None, payment.creditor_iban),
            ),
        },
    )
    if contract.fund_id:
        # The fund pre-financed: the municipality now owes the fund this amount, which the fund holds for
        # the enterprise's account (to be set off against its financing) until it is settled.
        entry_post(
            fund=contract.fund,
            value_date=timezone.localdate(),
            description=_("Resultaatbetaling goedgekeurd %(ref)s") % {"ref": payment.end_to_end_id},
            lines=[
                Line(
                    AccountCode.OUTCOME_PAYMENTS_RECEIVABLE,
                    debit=proposal.total,
                    contract=contract.portfolio_contract,
                ),
                Line(
                    AccountCode.OUTCOME_PAYMENTS_PAYABLE,
                    credit=proposal.total,
                    contract=contract.portfolio_contract,
                ),
            ],
            actor=actor,
            contract=contract.portfolio_contract,
            source_document=f"resultaatfinanciering:proposal:{proposal.pk}",
            idempotency_key=f"outcomes:proposal:{proposal.pk}:approved",
        )
    payment_documents_store(actor=actor, proposal=proposal)
    return proposal


def payment_documents_store(*, actor, proposal: PaymentProposal) -> dict[str, documents.StoredDocument]:
    """The payment order (PDF, CSV) and the SEPA pain.001 file of an approved proposal, made once.

    Called inside the second approval's transaction. Everything in them is fixed at approval (the approval
    time is the generation time and the requested execution date; the SEPA MsgId is derived from the
    payment), so calling it again stores nothing new: the same bytes return the stored version."""
    from . import exports

    payment = proposal.payment
    approved_at = proposal.approvals.order_by("-sequence").values_list("approved_at", flat=True).first()
    stem = payment.end_to_end_id
    made = {
        KIND_SEPA: (
            exports.payment_order_sepa(proposal, approved_at=approved_at),
            f"sepa-pain001-{stem}.xml",
        ),
        KIND_PAYMENT_ORDER: (
            exports.payment_order_pdf(proposal, approved_at=approved_at),
            f"betaalopdracht-{stem}.pdf",
        ),
        KIND_PAYMENT_ORDER_CSV: (exports.payment_order_csv(proposal), f"betaalopdracht-{stem}.csv"),
    }
    return {
        kind: documents.document_store(
            kind=kind, subject=proposal, content=content, filename=filename, actor=_user(actor)
        )
        for kind, (content, filename) in made.items()
    }


def payment_document(*, proposal: PaymentProposal, kind: str) -> documents.StoredDocument:
    """The stored document of an approved proposal. A proposal approved before documents were stored
    gets them now, once, built from its approval exactly as at approval."""
    document = documents.document_latest(kind=kind, subject=proposal)
    if document is None:
        with transaction.atomic():
            document = payment_documents_store(actor=SYSTEM, proposal=proposal)[kind]
    return document


MSG_SEPA_PAID = gettext_noop("Dit voorstel is betaald; er komt geen nieuw betaalbestand.")


@transaction.atomic
def payment_file_renew(*, actor: User, proposal: PaymentProposal, reason: str) -> documents.StoredDocument:
    """A new version of the SEPA file (a new message id, today's execution date), only with a reason and
    only while the proposal is approved and not yet paid; the earlier versions stay as they were."""
    from . import exports

    proposal = (
        PaymentProposal.objects.select_for_update(of=("self",)).select_related("contract").get(pk=proposal.pk)
    )
    _require_official(actor, proposal.contract)
    reason = (reason or "").strip()
    validate_no_bsn(reason)
    if proposal.state == ProposalState.PAID:
        raise ApplicationError(_(MSG_SEPA_PAID), code="paid")
    if proposal.state != ProposalState.APPROVED:
        raise TransitionError(
            obj_label=_("Betaalvoorstel"),
            from_state=str(ProposalState(proposal.state).label),
            to_state=str(ProposalState.APPROVED.label),
            allowed=[],
        )
    if not reason:
        raise ValidationError({"reason": [_(MSG_REASON_REQUIRED)]})
    latest = payment_document(proposal=proposal, kind=KIND_SEPA)
    version = latest.version + 1
    content = exports.payment_order_sepa(proposal, version=version, made_at=timezone.now())
    document = documents.document_store(
        kind=KIND_SEPA,
        subject=proposal,
        content=content,
        filename=f"sepa-pain001-{proposal.payment.end_to_end_id}-v{version}.xml",
        actor=actor,
        reason=reason,
    )
    audit_record(
        actor=actor,
        obj=proposal,
        action="payment_file_renewed",
        reason=reason,
        data={
            "version": document.version,
            "sha256": document.sha256,
            "changes": _changes(sepa_version=(latest.version, document.version)),
        },
    )
    return document


@transaction.atomic
def payment_confirm(*, actor: User, proposal: PaymentProposal, paid_on: datetime.date) -> Payment:
    """The municipality confirms the approved payment was made: proposal and its claims become paid."""
    proposal = (
        PaymentProposal.objects.select_for_update(of=("self",)).select_related("contract").get(pk=proposal.pk)
    )
    contract = proposal.contract
    _require_official(actor, contract)
    if proposal.state != ProposalState.APPROVED:
        raise TransitionError(
            obj_label=_("Betaalvoorstel"),
            from_state=str(ProposalState(proposal.state).label),
            to_state=str(ProposalState.PAID.label),
            allowed=[],
        )
    if proposal.prepared_by_id == actor.pk:
        raise PermissionDeniedError(_(MSG_PREPARER_CANNOT_CONFIRM))
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": [_(MSG_PAID_IN_FUTURE) % {"date": _date(paid_on)}]})
    approved_at = proposal.approvals.order_by("-sequence").values_list("approved_at", flat=True).first()
    approved_on = timezone.localdate(approved_at)
    if paid_on < approved_on:
        raise ValidationError(
            {
                "paid_on": [
                    _(MSG_PAID_BEFORE_APPROVAL) % {"date": _date(paid_on), "approved": _date(approved_on)}
                ]
            }
        )
    payment = proposal.payment
    payment.paid_on = paid_on
    payment.confirmed_by = actor
    payment.save(update_fields=["paid_on", "confirmed_by"])
    proposal.state = ProposalState.PAID
    proposal.save(update_fields=["state"])
    claims = list(proposal.claims.select_for_update().order_by("pk"))
    count = Claim.objects.filter(pk__in=[c.pk for c in claims]).update(state=ClaimState.PAID)
    for claim in claims:
        audit_record(
            actor=actor,
            obj=claim,
            action="claim_paid",
            from_state=ClaimState.IN_PROPOSAL,
            to_state=ClaimState.PAID,
            reason=_("Betaling %(ref)s bevestigd") % {"ref": payment.end_to_end_id},
            data={"proposal": proposal.pk, "paid_on": paid_on, "changes": _changes(paid_on=(None, paid_on))},
        )
    audit_record(
        actor=actor,
        obj=proposal,
        action="proposal_paid",
        from_state=ProposalState.APPROVED,
        to_state=ProposalState.PAID,
        data={
            "paid_on": paid_on,
            "amount": payment.amount,
            "claims": count,
            "changes": {"paid_on": {"from": None, "to": _date(paid_on)}},
        },
    )
    if contract.fund_id:
        entry_post(
            fund=contract.fund,
            value_date=paid_on,
            description=_("Resultaatbetaling ontvangen %(ref)s") % {"ref": payment.end_to_end_id},
            lines=[
                Line(AccountCode.BANK, debit=payment.amount, contract=contract.portfolio_contract),
                Line(
                    AccountCode.OUTCOME_PAYMENTS_RECEIVABLE,
                    credit=payment.amount,
                    contract=contract.portfolio_contract,
                ),
            ],
            actor=actor,
            contract=contract.portfolio_contract,
            source_document=f"resultaatfinanciering:payment:{payment.pk}",
            idempotency_key=f"outcomes:proposal:{proposal.pk}:paid",
        )
    return payment


MSG_SHARE_NOT_FUNDED = gettext_noop(
    "Alleen bij een contract dat het fonds voorfinanciert, met een goedgekeurd of betaald voorstel, kan het "
    "fonds een aandeel in de resultaatbetaling als opbrengst boeken."
)
MSG_SHARE_TOO_MUCH = gettext_noop(
    "Het aandeel van het fonds (%(amount)s) is meer dan de resultaatbetaling (%(total)s)."
)
MSG_SHARE_BOOKED = gettext_noop("Het aandeel van het fonds in dit voorstel is al geboekt.")


@transaction.atomic
def proposal_fund_share_book(
    *, actor: User | None, proposal: PaymentProposal, amount, reason: str
) -> PaymentProposal:
    """The fund's own share of an outcome payment on a contract it pre-finances (e.g. the success fee the
    contract grants it for pre-financing): moved from what the fund holds for the enterprise (2100) to the
    fund's income (4500, allocated to its investors as "outcome payments"). Once per proposal, with a reason,
    at most the payment itself."""
    from portfolio.models import Posting

    proposal = (
        PaymentProposal.objects.select_for_update(of=("self",)).select_related("contract").get(pk=proposal.pk)
    )
    contract = proposal.contract
    if not contract.fund_id or proposal.state not in (ProposalState.APPROVED, ProposalState.PAID):
        raise ApplicationError(_(MSG_SHARE_NOT_FUNDED), code="not_prefinanced")
    if not (reason or "").strip():
        raise ApplicationError(_("Geef een reden."), field="reason", code="reason")
    value = to_cents(to_decimal(amount))
    if value <= 0:
        raise ApplicationError(_("Het bedrag moet groter dan € 0,00 zijn."), field="amount", code="amount")
    if value > proposal.total:
        raise ApplicationError(
            _(MSG_SHARE_TOO_MUCH) % {"amount": format_eur(value), "total": format_eur(proposal.total)},
            field="amount",
            code="above_payment",
        )
    key = f"outcomes:proposal:{proposal.pk}:fund-share"
    if Posting.objects.filter(entry__idempotency_key=key).exists():
        raise ApplicationError(_(MSG_SHARE_BOOKED), code="already_booked")
    entry_post(
        fund=contract.fund,
        value_date=timezone.localdate(),
        description=_("Aandeel fonds in resultaatbetaling %(ref)s") % {"ref": contract.reference},
        lines=[
            Line(AccountCode.OUTCOME_PAYMENTS_PAYABLE, debit=value, contract=contract.portfolio_contract),
            Line(AccountCode.OUTCOME_INCOME, credit=value, contract=contract.portfolio_contract),
        ],
        actor=actor,
        contract=contract.portfolio_contract,
        source_document=f"resultaatfinanciering:proposal:{proposal.pk}",
        idempotency_key=key,
    )
    audit_record(
        actor=actor,
        obj=proposal,
        action="proposal_fund_share_booked",
        reason=reason.strip(),
        data={"amount": value, "total": proposal.total},
    )
    return proposal


def open_claims_q() -> Q:
    return ~Q(state=ClaimState.REJECTED)


# --------------------------------------------------------------------------------------------------
# Savings reports: stored once per subject and period
# --------------------------------------------------------------------------------------------------

MSG_REPORT_REGENERATE = gettext_noop(
    "Alleen ambtenaren van de gemeente mogen een besparingsrapportage opnieuw vastleggen."
)
REPORT_FORMATS = {"pdf": KIND_SAVINGS_REPORT, "xlsx": KIND_SAVINGS_REPORT_XLSX}


def _report_subject(subject) -> tuple[str, str, object]:
    """(title, file stem, contracts) of a contract's or a municipality's savings report."""
    if isinstance(subject, OutcomeContract):
        return (
            _("Besparingsrapportage %(ref)s") % {"ref": subject.reference},
            f"besparing-{subject.reference}",
            OutcomeContract.objects.filter(pk=subject.pk),
        )
    return (
        _("Besparingsrapportage %(name)s") % {"name": subject.name},
        f"besparing-gemeente-{subject.pk}",
        OutcomeContract.objects.filter(payer=subject),
    )


def savings_report_document(*, subject, period: str, fmt: str) -> documents.StoredDocument | None:
    """The stored report of a subject (contract or paying municipality) for a period, newest version."""
    _title, stem, _contracts = _report_subject(subject)
    return (
        documents.documents_for(subject=subject, kind=REPORT_FORMATS[fmt])
        .filter(filename=f"{stem}-{period}.{fmt}")
        .first()
    )


@transaction.atomic
def savings_report_store(
    *, actor, subject, period: str, fmt: str, reason: str = ""
) -> documents.StoredDocument:
    """The savings report of a contract or a paying municipality over the results achieved up to the end of
    ``period`` (a quarter, "2026-Q3"), stored once: asked again, the stored version is returned. With a
    ``reason`` an official of the municipality makes a new version with the figures as they are now.

    Callers have checked the user may see the subject (selectors.can_see_savings_report)."""
    from . import exports, selectors

    _require_actor(actor, system_allowed=True)
    if fmt not in REPORT_FORMATS:
        raise ApplicationError(_("Onbekend bestandsformaat: %(fmt)s.") % {"fmt": fmt}, field="fmt")
    try:
        _start, end = selectors.quarter_bounds(period)
    except ValueError:
        raise ValidationError(
            {"period": [_("Geef een kwartaal als 2026-Q3, niet '%(value)s'.") % {"value": period}]}
        ) from None
    period = period.upper()
    reason = (reason or "").strip()
    validate_no_bsn(reason)
    existing = savings_report_document(subject=subject, period=period, fmt=fmt)
    if existing is not None and not reason:
        return existing
    if existing is not None:
        payer_id = subject.payer_id if isinstance(subject, OutcomeContract) else subject.pk
        if not (
            actor is SYSTEM
            or fund_selectors.is_administrator(actor)
            or payer_id in fund_selectors.official_organisation_ids(actor)
        ):
            raise PermissionDeniedError(_(MSG_REPORT_REGENERATE))
    title, stem, contracts = _report_subject(subject)
    report = selectors.savings_report(contracts=contracts, until=end)
    now = timezone.now()
    if fmt == "pdf":
        content = exports.savings_report_pdf(report, title=title, period=period, generated_at=now)
    else:
        content = exports.savings_report_workbook(
            report, generated_at=now, claims=selectors.sheet_claims(contracts=contracts, until=end)
        )
    if not reason and documents.document_latest(kind=REPORT_FORMATS[fmt], subject=subject) is not None:
        reason = _("Rapportage over %(period)s") % {"period": period}  # a new period, not a correction
    document = documents.document_store(
        kind=REPORT_FORMATS[fmt],
        subject=subject,
        content=content,
        filename=f"{stem}-{period}.{fmt}",
        actor=_user(actor),
        reason=reason,
    )
    audit_record(
        actor=actor,
        obj=subject,
        action="savings_report_stored",
        reason=reason,
        data={"period": period, "format": fmt, "version": document.version, "sha256": document.sha256},
    )
    return document


# --------------------------------------------------------------------------------------------------
# Budget per year: the ceiling split over budget years
# --------------------------------------------------------------------------------------------------

MSG_BUDGET_SUM = gettext_noop(
    "De bedragen per jaar tellen op tot %(total)s; dat moet het budgetplafond %(cap)s zijn "
    "(verschil %(diff)s)."
)
MSG_BUDGET_YEAR_OUTSIDE = gettext_noop(
    "Jaar %(year)s valt buiten de contractperiode (%(first)s t/m %(last)s)."
)
MSG_BUDGET_YEAR_NEGATIVE = gettext_noop("Het bedrag voor %(year)s mag niet negatief zijn.")
MSG_BUDGET_EMPTY = gettext_noop("Geef ten minste één jaar met een bedrag.")


@transaction.atomic
def contract_budget_split(
    *, actor: User, contract: OutcomeContract, amounts: dict[int, Decimal], reason: str = ""
) -> list[BudgetYear]:
    """Set (or replace) how the contract's ceiling is budgeted per year. The amounts must sum to the
    ceiling exactly and every year must lie in the contract period; the previous split is in the history.
    (On PostgreSQL a deferred trigger refuses any other sum at commit as well.)"""
    contract = OutcomeContract.objects.select_for_update(of=("self",)).get(pk=contract.pk)
    _require_official(actor, contract, allow_admin=True)
    reason = (reason or "").strip()
    validate_no_bsn(reason)
    amounts = {int(year): to_cents(amount) for year, amount in amounts.items() if amount is not None}
    errors: list[str] = []
    if not amounts:
        errors.append(_(MSG_BUDGET_EMPTY))
    first, last = contract.starts_on.year, contract.ends_on.year
    for year, amount in sorted(amounts.items()):
        if not first <= year <= last:
            errors.append(_(MSG_BUDGET_YEAR_OUTSIDE) % {"year": year, "first": first, "last": last})
        if amount < 0:
            errors.append(_(MSG_BUDGET_YEAR_NEGATIVE) % {"year": year})
    total = sum(amounts.values(), ZERO_CENTS)
    if amounts and total != contract.budget_cap:
        errors.append(
            _(MSG_BUDGET_SUM)
            % {
                "total": _eur(total),
                "cap": _eur(contract.budget_cap),
                "diff": _eur(total - contract.budget_cap),
            }
        )
    if errors:
        raise ValidationError({"amounts": errors})
    before = {y.year: y.amount for y in contract.budget_years.all()}
    if before and not reason:
        raise ValidationError({"reason": [_(MSG_REASON_REQUIRED)]})
    contract.budget_years.all().delete()
    years = BudgetYear.objects.bulk_create(
        BudgetYear(contract=contract, year=year, amount=amount) for year, amount in sorted(amounts.items())
    )
    audit_record(
        actor=actor,
        obj=contract,
        action="budget_years_set",
        reason=reason,
        data={
            "changes": {
                str(year): {
                    "from": _change_text(before.get(year)),
                    "to": _change_text(amounts.get(year)),
                }
                for year in sorted(set(before) | set(amounts))
                if before.get(year) != amounts.get(year)
            }
        },
    )
    return years


# --------------------------------------------------------------------------------------------------
# Reconciliation to the bank: the municipality's CAMT.053 statement against the outcome payments
# --------------------------------------------------------------------------------------------------

MSG_STATEMENT_UNREADABLE = gettext_noop("Het afschrift is niet ingelezen: %(problems)s")
MSG_STATEMENT_OTHER_ACCOUNT = gettext_noop(
    "Dit afschrift is van rekening %(iban)s, niet van de rekening van %(name)s (%(own)s); niets ingelezen."
)
MSG_STATEMENT_DUPLICATE = gettext_noop("Dit afschrift is al ingelezen op %(date)s; niets opnieuw ingelezen.")
MSG_STATEMENT_NO_PAYMENTS = gettext_noop(
    "Het afschrift bevat geen uitgaande betalingen (afschrijvingen); niets ingelezen."
)


@dataclass(frozen=True)
class ReconciliationResult:
    reconciliation: BankReconciliation
    matched: int
    differences: int


@transaction.atomic
def reconciliation_import(*, actor: User, payer, data: bytes, filename: str) -> ReconciliationResult:
    """Read the paying municipality's bank statement (CAMT.053) and match each outgoing line to an outcome
    payment by its end-to-end id: "komt overeen", "bedrag wijkt af" or "onbekend betalingskenmerk" (an
    id of another payment is listed too, so nothing on the statement goes unnoticed). All or nothing: an
    unreadable file, a statement of another account or a file read before writes nothing."""
    import hashlib

    from core.bankstatements import StatementError, parse_camt053

    _require_actor(actor)
    if payer.pk not in fund_selectors.official_organisation_ids(actor):
        raise PermissionDeniedError(_(MSG_NOT_OFFICIAL))
    try:
        statement = parse_camt053(data)
    except StatementError as exc:
        raise ValidationError(
            {"file": [_(MSG_STATEMENT_UNREADABLE) % {"problems": "; ".join(exc.problems)}]}
        ) from None
    own = (payer.iban or "").replace(" ", "").upper()
    if statement.account_iban.replace(" ", "").upper() != own:
        raise ValidationError(
            {
                "file": [
                    _(MSG_STATEMENT_OTHER_ACCOUNT)
                    % {"iban": statement.account_iban, "name": payer.name, "own": own or "—"}
                ]
            }
        )
    digest = hashlib.sha256(bytes(data)).hexdigest()
    earlier = BankReconciliation.objects.filter(payer=payer, sha256=digest).first()
    if earlier is not None:
        raise ValidationError(
            {"file": [_(MSG_STATEMENT_DUPLICATE) % {"date": formats_datetime(earlier.imported_at)}]}
        )
    outgoing = [line for line in statement.lines if line.direction == "debit"]
    if not outgoing:
        raise ValidationError({"file": [_(MSG_STATEMENT_NO_PAYMENTS)]})
    reconciliation = BankReconciliation.objects.create(
        payer=payer,
        account_iban=statement.account_iban,
        statement_id=statement.statement_id[:35],
        period_from=min(line.booking_date for line in outgoing),
        period_to=max(line.booking_date for line in outgoing),
        filename=filename[:255],
        sha256=digest,
        imported_by=actor,
    )
    payments = {
        p.end_to_end_id: p
        for p in Payment.objects.filter(
            proposal__contract__payer=payer, end_to_end_id__in=[line.end_to_end_id for line in outgoing]
        )
    }
    already = set(
        ReconciliationLine.objects.filter(
            payment__in=payments.values(), status=ReconciliationStatus.MATCHED
        ).values_list("payment_id", flat=True)
    )
    lines, matched = [], 0
    for line in outgoing:
        payment = payments.get(line.end_to_end_id)
        if payment is None:
            status = ReconciliationStatus.UNKNOWN
        elif to_cents(line.amount) == payment.amount and payment.pk not in already:
            status = ReconciliationStatus.MATCHED
            already.add(payment.pk)
            matched += 1
        else:
            status = ReconciliationStatus.AMOUNT_DIFFERS
        lines.append(
            ReconciliationLine(
                reconciliation=reconciliation,
                payment=payment,
                end_to_end_id=line.end_to_end_id[:35],
                booking_date=line.booking_date,
                amount=to_cents(line.amount),
                counterparty_name=line.counterparty_name[:140],
                counterparty_iban=line.counterparty_iban[:34],
                status=status,
            )
        )
    ReconciliationLine.objects.bulk_create(lines)
    audit_record(
        actor=actor,
        obj=reconciliation,
        action="bank_statement_reconciled",
        data={
            "file": filename,
            "sha256": digest,
            "lines": len(lines),
            "matched": matched,
            "differences": len(lines) - matched,
        },
    )
    for item in lines:
        if item.status == ReconciliationStatus.MATCHED:
            audit_record(
                actor=actor,
                obj=item.payment.proposal,
                action="payment_matched_to_bank",
                data={
                    "end_to_end_id": item.end_to_end_id,
                    "booking_date": item.booking_date,
                    "amount": item.amount,
                    "changes": _changes(bank_booking_date=(None, item.booking_date)),
                },
            )
    return ReconciliationResult(reconciliation, matched, len(lines) - matched)


# --------------------------------------------------------------------------------------------------
# Recovery: a paid claim found wrong is corrected by a credit note, with its own four eyes
# --------------------------------------------------------------------------------------------------

KIND_CREDIT_NOTE = "outcome_credit_note"
MSG_RECOVERY_NOT_PAID = gettext_noop(
    "Alleen een betaalde claim kan worden teruggevorderd; deze claim is %(state)s. Wijs een onbetaalde claim "
    "af of haal hem uit het voorstel."
)
MSG_RECOVERY_TOO_HIGH = gettext_noop(
    "Het terug te vorderen bedrag %(amount)s is hoger dan wat van deze claim nog niet is teruggevorderd "
    "(%(left)s)."
)
MSG_RECOVERY_AMOUNT = gettext_noop("Het terug te vorderen bedrag moet groter dan nul zijn.")
MSG_RECOVERY_PREPARER = gettext_noop(
    "Wie de terugvordering heeft opgesteld, mag haar niet goedkeuren; een tweede ambtenaar moet dat doen."
)
MSG_RECOVERY_STATE = gettext_noop("Deze terugvordering is al goedgekeurd.")


@transaction.atomic
def recovery_prepare(*, actor: User, claim: Claim, amount: Decimal, reason: str) -> Recovery:
    """An official of the paying municipality prepares a recovery (a negative claim line) for a paid claim
    found wrong after payment. The claim and the payment stay as they were; a second official approves."""
    claim = Claim.objects.select_for_update(of=("self",)).select_related("contract").get(pk=claim.pk)
    _require_official(actor, claim.contract)
    reason = (reason or "").strip()
    validate_no_bsn(reason)
    if not reason:
        raise ValidationError({"reason": [_(MSG_REASON_REQUIRED)]})
    if claim.state != ClaimState.PAID:
        raise ApplicationError(
            _(MSG_RECOVERY_NOT_PAID) % {"state": ClaimState(claim.state).label.lower()}, code="not_paid"
        )
    amount = to_cents(amount)
    if amount <= 0:
        raise ValidationError({"amount": [_(MSG_RECOVERY_AMOUNT)]})
    left = claim.price - _cents(claim.recoveries.aggregate(total=Sum("amount"))["total"])
    if amount > left:
        raise ValidationError(
            {"amount": [_(MSG_RECOVERY_TOO_HIGH) % {"amount": _eur(amount), "left": _eur(left)}]}
        )
    recovery = Recovery.objects.create(
        contract=claim.contract, claim=claim, amount=amount, reason=reason, prepared_by=actor
    )
    audit_record(
        actor=actor,
        obj=recovery,
        action="recovery_prepared",
        to_state=RecoveryState.PENDING,
        reason=reason,
        data={"claim": claim.pk, "amount": amount, "changes": _changes(amount=(None, -amount))},
    )
    audit_record(
        actor=actor,
        obj=claim,
        action="recovery_prepared",
        reason=reason,
        data={"recovery": recovery.pk, "amount": amount},
    )
    return recovery


@transaction.atomic
def recovery_approve(*, actor: User, recovery: Recovery) -> Recovery:
    """A second official approves the recovery; its credit note (PDF) is made once and stored. From then on
    the paid totals of the reports are reduced by it."""
    from . import exports

    recovery = (
        Recovery.objects.select_for_update(of=("self",))
        .select_related("contract", "claim__participant", "claim__milestone")
        .get(pk=recovery.pk)
    )
    _require_official(actor, recovery.contract)
    if recovery.state != RecoveryState.PENDING:
        raise ApplicationError(_(MSG_RECOVERY_STATE), code="state")
    if recovery.prepared_by_id == actor.pk:
        raise PermissionDeniedError(_(MSG_RECOVERY_PREPARER))
    recovery.state = RecoveryState.APPROVED
    recovery.approved_by = actor
    recovery.approved_at = timezone.now()
    recovery.save(update_fields=["state", "approved_by", "approved_at"])
    document = documents.document_store(
        kind=KIND_CREDIT_NOTE,
        subject=recovery,
        content=exports.credit_note_pdf(recovery),
        filename=f"creditnota-{recovery.number}.pdf",
        actor=actor,
    )
    audit_record(
        actor=actor,
        obj=recovery,
        action="recovery_approved",
        from_state=RecoveryState.PENDING,
        to_state=RecoveryState.APPROVED,
        data={"amount": recovery.amount, "credit_note": document.pk, "sha256": document.sha256},
    )
    audit_record(
        actor=actor,
        obj=recovery.claim,
        action="recovery_approved",
        reason=recovery.reason,
        data={"recovery": recovery.pk, "amount": recovery.amount, "credit_note": recovery.number},
    )
    return recovery


# --------------------------------------------------------------------------------------------------
# Council report (begroting, tussenrapportage, jaarrekening): stored once per municipality and period
# --------------------------------------------------------------------------------------------------

KIND_COUNCIL_REPORT = "council_report"
KIND_COUNCIL_REPORT_XLSX = "council_report_xlsx"
COUNCIL_FORMATS = {"pdf": KIND_COUNCIL_REPORT, "xlsx": KIND_COUNCIL_REPORT_XLSX}
MSG_COUNCIL_ONLY_OFFICIALS = gettext_noop("Alleen ambtenaren van de gemeente maken de raadsrapportage.")


def council_report_filename(*, payer, year: int, kind: str, quarter: int, fmt: str) -> str:
    suffix = f"-Q{quarter}" if kind == "tussenrapportage" else ""
    return f"raadsrapportage-{payer.pk}-{kind}-{year}{suffix}.{fmt}"


def council_report_document(*, payer, year: int, kind: str, quarter: int, fmt: str):
    filename = council_report_filename(payer=payer, year=year, kind=kind, quarter=quarter, fmt=fmt)
    return documents.documents_for(subject=payer, kind=COUNCIL_FORMATS[fmt]).filter(filename=filename).first()


@transaction.atomic
def council_report_store(
    *, actor: User, payer, year: int, kind: str, quarter: int = 2, fmt: str, reason: str = ""
) -> documents.StoredDocument:
    """The council report (PDF or Excel) of a municipality for a year and kind, stored once: asked again,
    the stored version is returned; with a reason a new version with the figures as they are now."""
    from . import exports, selectors

    _require_actor(actor)
    if payer.pk not in fund_selectors.official_organisation_ids(actor):
        raise PermissionDeniedError(_(MSG_COUNCIL_ONLY_OFFICIALS))
    if fmt not in COUNCIL_FORMATS:
        raise ApplicationError(_("Onbekend bestandsformaat: %(fmt)s.") % {"fmt": fmt}, field="fmt")
    reason = (reason or "").strip()
    validate_no_bsn(reason)
    existing = council_report_document(payer=payer, year=year, kind=kind, quarter=quarter, fmt=fmt)
    if existing is not None and not reason:
        return existing
    report = selectors.council_report(payer=payer, year=year, kind=kind, quarter=quarter)
    title = _("%(kind)s %(year)s — resultaatfinanciering %(name)s") % {
        "kind": exports.council_kind_label(kind),
        "year": year,
        "name": payer.name,
    }
    now = timezone.now()
    content = (
        exports.council_report_pdf(report, title=title, generated_at=now)
        if fmt == "pdf"
        else exports.council_report_workbook(report, generated_at=now)
    )
    filename = council_report_filename(payer=payer, year=year, kind=kind, quarter=quarter, fmt=fmt)
    if not reason and documents.document_latest(kind=COUNCIL_FORMATS[fmt], subject=payer) is not None:
        reason = _("Raadsrapportage %(file)s") % {"file": filename}  # another period, not a correction
    document = documents.document_store(
        kind=COUNCIL_FORMATS[fmt],
        subject=payer,
        content=content,
        filename=filename,
        actor=actor,
        reason=reason,
    )
    audit_record(
        actor=actor,
        obj=payer,
        action="council_report_stored",
        reason=reason,
        data={
            "year": year,
            "kind": kind,
            "format": fmt,
            "version": document.version,
            "sha256": document.sha256,
        },
    )
    return document
