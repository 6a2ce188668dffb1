"""Resultaatfinanciering: a municipality pays an impact enterprise per verified result.

Every euro paid is traceable: a Payment belongs to exactly one approved PaymentProposal, which lists its
Claims; each Claim names the participant (a pseudonymous reference, never a BSN), the milestone, the
evidence, the official who verified it, and stores every pricing input (benefit norm id and amount, the
savings-model parameters, the pricing version) so that `pricing.recompute` gives the same cents later.
Rules that must never break are database constraints as well as service checks.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.privacy import validate_no_bsn
from fund.models import Enterprise, Fund, Organisation

ZERO = Decimal("0.00")
RATE = {"max_digits": 5, "decimal_places": 4, "validators": [MinValueValidator(0), MaxValueValidator(1)]}
MONEY = {"max_digits": 14, "decimal_places": 2}


class HouseholdType(models.TextChoices):
    SINGLE = "single", _("Alleenstaande")
    SINGLE_PARENT = "single_parent", _("Alleenstaande ouder")
    COUPLE = "couple", _("Gehuwden / samenwonenden")


class BenefitNorm(models.Model):
    """A published bijstandsnorm (Participatiewet, 21 jaar tot AOW-leeftijd), valid from a date on."""

    household_type = models.CharField(_("leefvorm"), max_length=20, choices=HouseholdType.choices)
    valid_from = models.DateField(_("geldig vanaf"))
    monthly_amount = models.DecimalField(_("normbedrag per maand"), **MONEY)
    includes_holiday_allowance = models.BooleanField(_("inclusief vakantietoeslag"), default=True)
    source = models.CharField(_("bron"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("bijstandsnorm")
        verbose_name_plural = _("bijstandsnormen")
        ordering = ["household_type", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["household_type", "valid_from"], name="benefitnorm_unique_date"),
            models.CheckConstraint(condition=Q(monthly_amount__gt=0), name="benefitnorm_amount_positive"),
            models.CheckConstraint(
                condition=Q(valid_from__day=1, valid_from__month__in=[1, 7]),
                name="benefitnorm_half_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_household_type_display()} {self.valid_from:%d-%m-%Y}: {self.monthly_amount}"

    @staticmethod
    def half_year_start(day):
        """Norms are published per half year: the 1 January or 1 July on or before ``day``."""
        return day.replace(month=1 if day.month < 7 else 7, day=1)


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Concept")
    ACTIVE = "active", _("Lopend")
    ENDED = "ended", _("Beëindigd")


class ProposalFrequency(models.TextChoices):
    MONTHLY = "monthly", _("Per maand")
    QUARTERLY = "quarterly", _("Per kwartaal")


def signed_document_path(instance: OutcomeContract, filename: str) -> str:
    return f"resultaatfinanciering/contracts/{instance.reference}/{filename}"


class OutcomeContract(models.Model):
    """An outcomes contract: the municipality (payer) pays the enterprise (provider) per verified result."""

    reference = models.CharField(
        _("kenmerk"),
        max_length=35,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9 ./-]*$"), validate_no_bsn],
    )
    payer = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="outcome_contracts_paid",
        verbose_name=_("betalende gemeente"),
        limit_choices_to={"municipality_government__isnull": False},
    )
    provider = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="outcome_contracts", verbose_name=_("aanbieder")
    )
    fund = models.ForeignKey(
        Fund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcome_contracts",
        verbose_name=_("voorfinancierend fonds"),
        help_text=_("Als het fonds voorfinanciert, gaan de resultaatbetalingen naar het fonds."),
    )
    portfolio_contract = models.ForeignKey(
        "portfolio.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcome_contracts",
        verbose_name=_("financieringscontract van het fonds"),
    )
    starts_on = models.DateField(_("begindatum"))
    ends_on = models.DateField(_("einddatum"))
    target_group = models.TextField(_("doelgroep"), validators=[validate_no_bsn])
    budget_cap = models.DecimalField(_("budgetplafond"), **MONEY)
    participant_cap = models.DecimalField(_("plafond per deelnemer"), **MONEY)
    claim_window_days = models.PositiveSmallIntegerField(
        _("claimtermijn (dagen na behalen)"), validators=[MinValueValidator(1)]
    )
    proposal_frequency = models.CharField(
        _("betaalvoorstel"),
        max_length=12,
        choices=ProposalFrequency.choices,
        default=ProposalFrequency.QUARTERLY,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    pay_up_to_cap = models.BooleanField(
        _("betalen tot het plafond"),
        default=False,
        help_text=_(
            "Een claim boven het resterende plafond (contract of deelnemer) wordt geprijsd op wat resteert, "
            "zichtbaar als begrensd; zonder deze instelling wordt zo'n claim geweigerd."
        ),
    )
    verifier_may_not_approve = models.BooleanField(
        _("functiescheiding verificatie en goedkeuring"),
        default=True,
        help_text=_(
            "Een ambtenaar die een claim heeft geverifieerd, mag het betaalvoorstel met die claim niet "
            "goedkeuren."
        ),
    )
    signed_document = models.FileField(_("getekend contract"), upload_to=signed_document_path, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("resultaatcontract")
        verbose_name_plural = _("resultaatcontracten")
        ordering = ["-starts_on", "reference"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")), name="outcomecontract_period"),
            models.CheckConstraint(condition=Q(budget_cap__gt=0), name="outcomecontract_budget_positive"),
            models.CheckConstraint(
                condition=Q(participant_cap__gt=0) & Q(participant_cap__lte=F("budget_cap")),
                name="outcomecontract_participant_cap",
            ),
            models.CheckConstraint(
                condition=Q(claim_window_days__gte=1), name="outcomecontract_claim_window"
            ),
            models.CheckConstraint(
                condition=Q(portfolio_contract__isnull=True) | Q(fund__isnull=False),
                name="outcomecontract_prefinance_needs_fund",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | ~Q(signed_document=""),
                name="outcomecontract_active_is_signed",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_prefinanced(self) -> bool:
        return self.fund_id is not None


class PricingModel(models.TextChoices):
    SAVINGS = "savings", _("Besparingsmodel")
    RATE_CARD = "rate_card", _("Vaste prijs (tariefkaart)")


class OutcomeDefinition(models.Model):
    """What counts as a result in a contract, and how it is priced."""

    contract = models.ForeignKey(
        OutcomeContract, on_delete=models.CASCADE, related_name="definitions", verbose_name=_("contract")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("naam"), max_length=200)
    evidence_required = models.TextField(_("vereist bewijs"), validators=[validate_no_bsn])
    pricing_model = models.CharField(_("prijsmodel"), max_length=12, choices=PricingModel.choices)
    months = models.PositiveSmallIntegerField(_("maanden besparing"), null=True, blank=True)
    benefit_reduction = models.DecimalField(
        _("deel van de uitkering dat stopt"), null=True, blank=True, **RATE
    )
    execution_cost_per_year = models.DecimalField(
        _("uitvoeringskosten per jaar"), null=True, blank=True, **MONEY
    )
    deadweight = models.DecimalField(_("deadweight"), null=True, blank=True, **RATE)
    displacement = models.DecimalField(_("verdringing"), null=True, blank=True, **RATE)
    savings_share = models.DecimalField(
        _("aandeel van de besparing voor de aanbieder"), null=True, blank=True, **RATE
    )
    fixed_price = models.DecimalField(_("vaste prijs per resultaat"), null=True, blank=True, **MONEY)

    class Meta:
        verbose_name = _("resultaatdefinitie")
        verbose_name_plural = _("resultaatdefinities")
        ordering = ["contract", "code"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "code"], name="outcomedefinition_unique_code"),
            models.CheckConstraint(
                condition=(
                    Q(
                        pricing_model="savings",
                        months__gte=1,
                        benefit_reduction__gte=0,
                        benefit_reduction__lte=1,
                        execution_cost_per_year__gte=0,
                        deadweight__gte=0,
                        deadweight__lte=1,
                        displacement__gte=0,
                        displacement__lte=1,
                        savings_share__gte=0,
                        savings_share__lte=1,
                        fixed_price__isnull=True,
                    )
                    | Q(pricing_model="rate_card", fixed_price__gt=0)
                ),
                name="outcomedefinition_pricing_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def parameters(self) -> dict[str, str]:
        if self.pricing_model == PricingModel.RATE_CARD:
            return {"fixed_price": str(self.fixed_price)}
        return {
            "months": str(self.months),
            "benefit_reduction": str(self.benefit_reduction),
            "execution_cost_per_year": str(self.execution_cost_per_year),
            "deadweight": str(self.deadweight),
            "displacement": str(self.displacement),
            "savings_share": str(self.savings_share),
        }


class Milestone(models.Model):
    """One payable step of a result, e.g. start of work, 6 months sustained, 12 months sustained."""

    definition = models.ForeignKey(
        OutcomeDefinition, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("resultaat")
    )
    position = models.PositiveSmallIntegerField(_("volgorde"))
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("naam"), max_length=200)
    share = models.DecimalField(
        _("aandeel in de prijs"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(1)],
    )
    prerequisite = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dependants",
        verbose_name=_("voorwaardelijke mijlpaal"),
    )
    min_months = models.PositiveSmallIntegerField(
        _("minimale termijn (maanden)"),
        default=0,
        help_text=_(
            "Zoveel maanden na de vorige mijlpaal (de eerste: na de start van de uitkering) kan deze "
            "mijlpaal op zijn vroegst behaald zijn."
        ),
    )

    class Meta:
        verbose_name = _("mijlpaal")
        verbose_name_plural = _("mijlpalen")
        ordering = ["definition", "position"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "position"], name="milestone_unique_position"),
            models.UniqueConstraint(fields=["definition", "code"], name="milestone_unique_code"),
            models.CheckConstraint(condition=Q(share__gt=0, share__lte=1), name="milestone_share_range"),
            models.CheckConstraint(condition=~Q(prerequisite=F("id")), name="milestone_not_own_prerequisite"),
        ]

    def __str__(self) -> str:
        return f"{self.definition.code}/{self.code} — {self.name}"


PARTICIPANT_REFERENCE = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{2,39}$",
    _("Gebruik de pseudonieme referentie van de gemeente: hoofdletters, cijfers en koppeltekens."),
)


class Participant(models.Model):
    """A person in the target group, known only by the municipality's pseudonymous reference."""

    contract = models.ForeignKey(
        OutcomeContract, on_delete=models.PROTECT, related_name="participants", verbose_name=_("contract")
    )
    reference = models.CharField(
        _("deelnemersreferentie"), max_length=40, validators=[validate_no_bsn, PARTICIPANT_REFERENCE]
    )
    household_type = models.CharField(_("leefvorm"), max_length=20, choices=HouseholdType.choices)
    benefit_started_on = models.DateField(_("uitkering gestart op"))
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("deelnemer")
        verbose_name_plural = _("deelnemers")
        ordering = ["contract", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "reference"], name="participant_unique_reference"),
        ]

    def __str__(self) -> str:
        return self.reference


class ClaimState(models.TextChoices):
    SUBMITTED = "submitted", _("Ingediend")
    VERIFIED = "verified", _("Geverifieerd")
    REJECTED = "rejected", _("Afgewezen")
    IN_PROPOSAL = "in_proposal", _("In betaalvoorstel")
    PAID = "paid", _("Betaald")


def evidence_path(instance: Claim, filename: str) -> str:
    return f"resultaatfinanciering/evidence/{instance.contract.reference}/{filename}"


class Claim(models.Model):
    """A claimed milestone for one participant, with its evidence and the frozen pricing inputs."""

    contract = models.ForeignKey(
        OutcomeContract, on_delete=models.PROTECT, related_name="claims", verbose_name=_("contract")
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="claims", verbose_name=_("deelnemer")
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.PROTECT, related_name="claims", verbose_name=_("mijlpaal")
    )
    achieved_on = models.DateField(_("behaald op"))
    evidence = models.FileField(_("bewijsstuk"), upload_to=evidence_path, blank=True)
    evidence_note = models.TextField(_("toelichting bewijs"), blank=True, validators=[validate_no_bsn])
    state = models.CharField(
        _("status"), max_length=12, choices=ClaimState.choices, default=ClaimState.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("ingediend op"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("beoordeeld door"),
    )
    decided_at = models.DateTimeField(_("beoordeeld op"), null=True, blank=True)
    decision_reason = models.TextField(_("toelichting beoordeling"), blank=True, validators=[validate_no_bsn])
    # Frozen pricing: the norm used (chosen by achieved_on), every parameter, the version and the result.
    norm = models.ForeignKey(
        BenefitNorm, on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    norm_amount = models.DecimalField(_("normbedrag gebruikt"), null=True, blank=True, **MONEY)
    pricing_inputs = models.JSONField(_("prijsinvoer"), default=dict)
    pricing_version = models.CharField(_("prijsversie"), max_length=20)
    gross_saving = models.DecimalField(_("bruto besparing (resultaat)"), null=True, blank=True, **MONEY)
    net_saving = models.DecimalField(_("netto besparing (resultaat)"), null=True, blank=True, **MONEY)
    price = models.DecimalField(_("prijs"), **MONEY)
    uncapped_price = models.DecimalField(
        _("prijs vóór begrenzing"),
        null=True,
        blank=True,
        help_text=_("Alleen gevuld als de claim is begrensd tot het resterende plafond."),
        **MONEY,
    )
    provisional = models.BooleanField(
        _("voorlopige prijs"),
        default=False,
        help_text=_(
            "Geprijsd met een oudere norm omdat de norm van het halfjaar van de behaaldatum nog niet is "
            "geladen; een betaalvoorstel met een voorlopige prijs kan niet worden goedgekeurd."
        ),
    )
    proposal = models.ForeignKey(
        "PaymentProposal", on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-achieved_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "milestone"],
                condition=~Q(state="rejected"),
                name="claim_once_per_participant_milestone",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="claim_price_not_negative"),
            models.CheckConstraint(
                condition=Q(uncapped_price__isnull=True) | Q(uncapped_price__gt=F("price")),
                name="claim_capped_below_full_price",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["in_proposal", "paid"], proposal__isnull=False)
                | (~Q(state__in=["in_proposal", "paid"]) & Q(proposal__isnull=True)),
                name="claim_proposal_matches_state",
            ),
            models.CheckConstraint(
                condition=Q(state="submitted") | Q(decided_by__isnull=False),
                name="claim_decided_has_official",
            ),
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(decision_reason=""), name="claim_rejection_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["contract", "state"], name="claim_contract_state")]

    def __str__(self) -> str:
        return f"{self.participant.reference} · {self.milestone.code}"


class ProposalState(models.TextChoices):
    PENDING = "pending", _("Wacht op goedkeuring")
    APPROVED = "approved", _("Goedgekeurd, betaalopdracht klaar")
    PAID = "paid", _("Betaald")
    WITHDRAWN = "withdrawn", _("Ingetrokken")


class PaymentProposal(models.Model):
    """All verified, unpaid results of one contract up to a period end, to be approved by two officials."""

    contract = models.ForeignKey(
        OutcomeContract, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("contract")
    )
    period_start = models.DateField(_("periode van"))
    period_end = models.DateField(_("periode tot en met"))
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opgesteld door"),
        help_text=_("Leeg als het systeem het voorstel heeft opgesteld."),
    )
    prepared_at = models.DateTimeField(_("opgesteld op"), auto_now_add=True)
    state = models.CharField(
        _("status"), max_length=12, choices=ProposalState.choices, default=ProposalState.PENDING
    )
    total = models.DecimalField(_("totaal"), **MONEY)

    class Meta:
        verbose_name = _("betaalvoorstel")
        verbose_name_plural = _("betaalvoorstellen")
        ordering = ["-period_end", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="proposal_total_positive"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="proposal_period_order"
            ),
            models.UniqueConstraint(
                fields=["contract", "period_start", "period_end"],
                condition=~Q(state="withdrawn"),
                name="proposal_unique_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.period_start:%d-%m-%Y}–{self.period_end:%d-%m-%Y}"


class Approval(models.Model):
    """One official's approval; a proposal needs two (sequence 1 and 2), by different officials."""

    proposal = models.ForeignKey(PaymentProposal, on_delete=models.PROTECT, related_name="approvals")
    official = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveSmallIntegerField()
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("goedkeuring")
        verbose_name_plural = _("goedkeuringen")
        ordering = ["proposal", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "official"], name="approval_once_per_official"),
            models.UniqueConstraint(fields=["proposal", "sequence"], name="approval_unique_sequence"),
            models.CheckConstraint(condition=Q(sequence__in=[1, 2]), name="approval_at_most_two"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal} · {self.official}"


class Payment(models.Model):
    """The payment of an approved proposal: created exactly once, then confirmed as paid."""

    proposal = models.OneToOneField(PaymentProposal, on_delete=models.PROTECT, related_name="payment")
    amount = models.DecimalField(_("bedrag"), **MONEY)
    creditor_name = models.CharField(_("begunstigde"), max_length=200)
    creditor_iban = models.CharField(_("IBAN begunstigde"), max_length=34)
    end_to_end_id = models.CharField(_("betalingskenmerk"), max_length=35, unique=True)
    ordered_at = models.DateTimeField(_("betaalopdracht gemaakt op"), auto_now_add=True)
    paid_on = models.DateField(_("betaald op"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("betaling")
        verbose_name_plural = _("betalingen")
        ordering = ["-ordered_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | Q(confirmed_by__isnull=False),
                name="payment_paid_is_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return self.end_to_end_id


class BudgetYear(models.Model):
    """The part of a contract's ceiling (budget cap) that the municipality budgets in one year.

    The amounts of a contract's years sum to its ceiling: the service checks it, and on PostgreSQL a
    deferred constraint trigger checks it at commit (migration 0007)."""

    contract = models.ForeignKey(
        OutcomeContract, on_delete=models.CASCADE, related_name="budget_years", verbose_name=_("contract")
    )
    year = models.PositiveSmallIntegerField(
        _("begrotingsjaar"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    amount = models.DecimalField(_("begroot bedrag"), **MONEY)

    class Meta:
        verbose_name = _("begrotingsjaar")
        verbose_name_plural = _("begrotingsjaren")
        ordering = ["contract", "year"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "year"], name="budgetyear_unique_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budgetyear_amount_not_negative"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="budgetyear_year_range"),
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.year}: {self.amount}"


class BankReconciliation(models.Model):
    """One bank statement (CAMT.053) of the paying municipality, imported to check its outcome payments."""

    payer = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="outcome_reconciliations",
        verbose_name=_("gemeente"),
    )
    account_iban = models.CharField(_("rekening (IBAN)"), max_length=34)
    statement_id = models.CharField(_("afschriftnummer"), max_length=35, blank=True)
    period_from = models.DateField(_("eerste boekdatum"), null=True, blank=True)
    period_to = models.DateField(_("laatste boekdatum"), null=True, blank=True)
    filename = models.CharField(_("bestand"), max_length=255)
    sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ingelezen door")
    )
    imported_at = models.DateTimeField(_("ingelezen op"), auto_now_add=True)

    class Meta:
        verbose_name = _("bankafstemming")
        verbose_name_plural = _("bankafstemmingen")
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["payer", "sha256"], name="bankreconciliation_once_per_file"),
        ]

    def __str__(self) -> str:
        return f"{self.account_iban} {self.statement_id}"


class ReconciliationStatus(models.TextChoices):
    MATCHED = "matched", _("Komt overeen")
    AMOUNT_DIFFERS = "amount_differs", _("Bedrag wijkt af")
    UNKNOWN = "unknown", _("Onbekend betalingskenmerk")


class ReconciliationLine(models.Model):
    """An outgoing line of the statement, matched to a payment by its end-to-end id (or not)."""

    reconciliation = models.ForeignKey(BankReconciliation, on_delete=models.CASCADE, related_name="lines")
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="bank_lines"
    )
    end_to_end_id = models.CharField(_("betalingskenmerk"), max_length=35, blank=True)
    booking_date = models.DateField(_("boekdatum"))
    amount = models.DecimalField(_("bedrag"), **MONEY)
    counterparty_name = models.CharField(_("tegenpartij"), max_length=140, blank=True)
    counterparty_iban = models.CharField(_("IBAN tegenpartij"), max_length=34, blank=True)
    status = models.CharField(_("uitkomst"), max_length=16, choices=ReconciliationStatus.choices)

    class Meta:
        verbose_name = _("afschriftregel")
        verbose_name_plural = _("afschriftregels")
        ordering = ["reconciliation", "booking_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="reconciliationline_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="unknown", payment__isnull=True)
                | Q(status__in=["matched", "amount_differs"], payment__isnull=False),
                name="reconciliationline_status_matches_payment",
            ),
            models.UniqueConstraint(
                fields=["payment"], condition=Q(status="matched"), name="reconciliationline_payment_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.end_to_end_id or '—'} {self.amount}"


class RecoveryState(models.TextChoices):
    PENDING = "pending", _("Wacht op goedkeuring")
    APPROVED = "approved", _("Goedgekeurd")


class Recovery(models.Model):
    """A correction of a paid claim found wrong after payment: a negative claim line (credit note) that the
    enterprise (or the pre-financing fund) pays back. Never an edit of the claim or the payment; prepared by
    one official and approved by another."""

    contract = models.ForeignKey(
        OutcomeContract, on_delete=models.PROTECT, related_name="recoveries", verbose_name=_("contract")
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, related_name="recoveries", verbose_name=_("claim")
    )
    amount = models.DecimalField(_("terug te vorderen bedrag"), **MONEY)
    reason = models.TextField(_("reden"), validators=[validate_no_bsn])
    state = models.CharField(
        _("status"), max_length=10, choices=RecoveryState.choices, default=RecoveryState.PENDING
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opgesteld door")
    )
    prepared_at = models.DateTimeField(_("opgesteld op"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("goedgekeurd door"),
    )
    approved_at = models.DateTimeField(_("goedgekeurd op"), null=True, blank=True)

    class Meta:
        verbose_name = _("terugvordering")
        verbose_name_plural = _("terugvorderingen")
        ordering = ["-prepared_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_amount_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="recovery_has_reason"),
            models.CheckConstraint(
                condition=Q(state="pending", approved_by__isnull=True, approved_at__isnull=True)
                | Q(state="approved", approved_by__isnull=False, approved_at__isnull=False),
                name="recovery_approved_has_official",
            ),
            models.CheckConstraint(condition=~Q(approved_by=F("prepared_by")), name="recovery_four_eyes"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The credit note number."""
        return f"CN-{self.contract_id}-{self.pk}"
