"""Reads for resultaatfinanciering, scoped by role and organisation.

Who sees a contract: officials of the paying municipality, users of the providing enterprise, fund
managers of the pre-financing fund, administrators. Everything else (claims, participants, proposals,
payments, reports) is reached through `contracts_for(user)`, so one rule decides.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import round_to, to_cents, to_decimal
from fund import selectors as fund_selectors
from fund.models import Fund, User

from .models import (
    BankReconciliation,
    BudgetYear,
    Claim,
    ClaimState,
    Milestone,
    OutcomeContract,
    Participant,
    Payment,
    PaymentProposal,
    ProposalState,
    ReconciliationLine,
    ReconciliationStatus,
    Recovery,
    RecoveryState,
)

COMMITTED_STATES = [ClaimState.SUBMITTED, ClaimState.VERIFIED, ClaimState.IN_PROPOSAL, ClaimState.PAID]
ACCEPTED_STATES = [ClaimState.VERIFIED, ClaimState.IN_PROPOSAL, ClaimState.PAID]


def cents(value) -> Decimal:
    """Exact cents (SQLite sums decimals as floats: repr of the float, never the float itself)."""
    if isinstance(value, float):
        value = repr(value)
    return to_cents(value or 0)


def norms() -> QuerySet:
    """The published benefit norms (public reference data), newest first."""
    from .models import BenefitNorm

    return BenefitNorm.objects.order_by("-valid_from", "household_type")


def contracts_for(user: User) -> QuerySet[OutcomeContract]:
    qs = OutcomeContract.objects.select_related(
        "payer__municipality_government", "provider__organisation", "fund", "portfolio_contract"
    )
    if fund_selectors.is_administrator(user):
        return qs
    q = Q(payer_id__in=fund_selectors.official_organisation_ids(user))
    q |= Q(provider__organisation_id__in=fund_selectors.own_enterprise_organisation_ids(user))
    q |= Q(fund_id__in=fund_selectors.managed_fund_ids(user))
    return qs.filter(q)


def claims_for(user: User) -> QuerySet[Claim]:
    return Claim.objects.filter(contract__in=contracts_for(user).values("pk")).select_related(
        "participant", "milestone__definition", "contract", "decided_by", "norm"
    )


def participants_for(user: User) -> QuerySet[Participant]:
    return Participant.objects.filter(contract__in=contracts_for(user).values("pk"))


def proposals_for(user: User) -> QuerySet[PaymentProposal]:
    return PaymentProposal.objects.filter(contract__in=contracts_for(user).values("pk")).select_related(
        "contract__payer", "contract__provider__organisation", "contract__fund", "prepared_by"
    )


def milestones_of(contract: OutcomeContract) -> QuerySet[Milestone]:
    return Milestone.objects.filter(definition__contract=contract).select_related(
        "definition", "prerequisite"
    )


def is_official_of(user: User, contract: OutcomeContract) -> bool:
    return contract.payer_id in fund_selectors.official_organisation_ids(user)


def is_provider_of(user: User, contract: OutcomeContract) -> bool:
    return contract.provider.organisation_id in fund_selectors.own_enterprise_organisation_ids(user)


def is_fund_manager_of(user: User, contract: OutcomeContract) -> bool:
    return bool(contract.fund_id) and contract.fund_id in fund_selectors.managed_fund_ids(user)


# Uploaded files. Evidence may hold personal data that only verification needs: the officials of the paying
# municipality and the enterprise's own users, no one else (not the fund, not administrators). The signed
# contract is the parties': the municipality, the enterprise and, when it pre-finances, the fund's managers
# (the payments go to the fund and sit in its ledger).


def evidence_claims_for(user: User) -> QuerySet[Claim]:
    """Claims whose evidence the user may download."""
    q = Q(contract__payer_id__in=fund_selectors.official_organisation_ids(user))
    q |= Q(contract__provider__organisation_id__in=fund_selectors.own_enterprise_organisation_ids(user))
    return Claim.objects.filter(q).exclude(evidence="").select_related("contract")


def can_see_evidence_of(user: User, contract: OutcomeContract) -> bool:
    return is_official_of(user, contract) or is_provider_of(user, contract)


def signed_contracts_for(user: User) -> QuerySet[OutcomeContract]:
    """Contracts whose signed document the user may download: the parties to it."""
    q = Q(payer_id__in=fund_selectors.official_organisation_ids(user))
    q |= Q(provider__organisation_id__in=fund_selectors.own_enterprise_organisation_ids(user))
    q |= Q(fund_id__in=fund_selectors.managed_fund_ids(user))
    return OutcomeContract.objects.filter(q).exclude(signed_document="")


def can_see_signed_document(user: User, contract: OutcomeContract) -> bool:
    return (
        is_official_of(user, contract) or is_provider_of(user, contract) or is_fund_manager_of(user, contract)
    )


def can_see_contract(user: User, contract: OutcomeContract) -> bool:
    return contracts_for(user).filter(pk=contract.pk).exists()


def can_see_proposal(user: User, proposal: PaymentProposal) -> bool:
    return proposal.state in (ProposalState.APPROVED, ProposalState.PAID) and can_see_contract(
        user, proposal.contract
    )


def can_see_bank_file(user: User, proposal: PaymentProposal) -> bool:
    """The SEPA file is the municipality's own: its officials only."""
    return proposal.state in (ProposalState.APPROVED, ProposalState.PAID) and is_official_of(
        user, proposal.contract
    )


def can_see_municipality_report(user: User, organisation) -> bool:
    """The municipality's stored savings report covers all its contracts: its officials and administrators."""
    return fund_selectors.is_administrator(
        user
    ) or organisation.pk in fund_selectors.official_organisation_ids(user)


def can_see_council_report(user: User, organisation) -> bool:
    """The council report is the municipality's own: its officials only."""
    return organisation.pk in fund_selectors.official_organisation_ids(user)


def can_see_recovery(user: User, recovery) -> bool:
    """A recovery and its credit note: whoever sees the contract (payer, provider, pre-financing fund)."""
    return can_see_contract(user, recovery.contract)


def can_see_savings_report(user: User, subject) -> bool:
    """A contract's report: whoever sees the contract; a municipality's: its officials and administrators."""
    if isinstance(subject, OutcomeContract):
        return can_see_contract(user, subject)
    return can_see_municipality_report(user, subject)


def pending_for_official(user: User) -> dict[str, int]:
    """Work waiting for an official: claims to verify and proposals to approve (not their own)."""
    contracts = OutcomeContract.objects.filter(payer_id__in=fund_selectors.official_organisation_ids(user))
    return {
        "claims": Claim.objects.filter(contract__in=contracts, state=ClaimState.SUBMITTED).count(),
        "proposals": PaymentProposal.objects.filter(contract__in=contracts, state=ProposalState.PENDING)
        .exclude(prepared_by=user)
        .exclude(approvals__official=user)
        .count(),
    }


# --------------------------------------------------------------------------------------------------
# Savings report
# --------------------------------------------------------------------------------------------------


def quarter_label(year: int, month: int) -> str:
    return f"{year}-Q{(month - 1) // 3 + 1}"


@dataclass
class SavingsReport:
    contracts: list[OutcomeContract]
    budget_cap: Decimal = Decimal("0.00")
    committed: Decimal = Decimal("0.00")  # budget used: verified, in a proposal or paid (accrual)
    submitted: Decimal = Decimal("0.00")  # submitted, not yet verified: shown apart, not budget used
    verified: Decimal = Decimal("0.00")  # verified, in a proposal or paid
    paid: Decimal = Decimal("0.00")  # cash: payments confirmed paid (by payment date) less recoveries
    recovered: Decimal = Decimal("0.00")  # approved recoveries (credit notes), by approval date
    gross_saving: Decimal = Decimal("0.00")
    net_saving: Decimal = Decimal("0.00")
    results: int = 0  # participants with at least one accepted milestone
    rows: list[dict] = field(default_factory=list)  # accrual: per milestone and quarter of achievement
    quarters: list[str] = field(default_factory=list)
    cash_rows: list[dict] = field(default_factory=list)  # cash: payments per quarter of payment

    @property
    def budget_used(self) -> Decimal:
        """Share of the budget cap taken by verified (and paid) results, as a fraction (unrounded: it is
        rounded once, where it is shown). Submitted claims are not budget used; they are shown apart."""
        return self.committed / self.budget_cap if self.budget_cap else Decimal(0)

    @property
    def budget_used_pct(self) -> Decimal:
        return round_to(self.committed / self.budget_cap * 100, 1) if self.budget_cap else Decimal(0)

    @property
    def cost_per_result(self) -> Decimal | None:
        return to_cents(self.verified / self.results) if self.results else None

    def chart(self) -> dict:
        """Chart.js data: accepted results per quarter, one dataset per milestone."""
        names = sorted({r["milestone"] for r in self.rows})
        return {
            "labels": self.quarters,
            "datasets": [
                {
                    "label": name,
                    "data": [
                        sum(r["count"] for r in self.rows if r["milestone"] == name and r["quarter"] == q)
                        for q in self.quarters
                    ],
                }
                for name in names
            ],
        }


def savings_report(
    *, contracts: QuerySet[OutcomeContract], until: datetime.date | None = None
) -> SavingsReport:
    """Results per milestone and quarter, amounts paid, estimated gross and net saving, budget used.

    The saving of a result is counted once per participant and definition: the gross and net saving
    stored on the participant's first accepted milestone (the pricing of the whole result). ``until``
    limits it to results achieved up to that day (the report for a period).
    """
    contracts = list(contracts.order_by("reference"))
    report = SavingsReport(contracts=contracts)
    ids = [c.pk for c in contracts]
    report.budget_cap = cents(sum((c.budget_cap for c in contracts), Decimal(0)))
    claims = Claim.objects.filter(contract_id__in=ids)
    if until is not None:
        claims = claims.filter(achieved_on__lte=until)
    totals = claims.aggregate(
        committed=Sum("price", filter=Q(state__in=ACCEPTED_STATES)),
        submitted=Sum("price", filter=Q(state=ClaimState.SUBMITTED)),
        verified=Sum("price", filter=Q(state__in=ACCEPTED_STATES)),
        gross=Sum("gross_saving", filter=Q(state__in=ACCEPTED_STATES, milestone__position=1)),
        net=Sum("net_saving", filter=Q(state__in=ACCEPTED_STATES, milestone__position=1)),
        results=Count(
            "participant", filter=Q(state__in=ACCEPTED_STATES, milestone__position=1), distinct=True
        ),
    )
    report.committed = cents(totals["committed"])
    report.submitted = cents(totals["submitted"])
    report.verified = cents(totals["verified"])
    payments = Payment.objects.filter(proposal__contract_id__in=ids, paid_on__isnull=False)
    if until is not None:
        payments = payments.filter(paid_on__lte=until)
    recoveries = approved_recoveries(contract_ids=ids, until=until)
    report.recovered = cents(recoveries.aggregate(total=Sum("amount"))["total"])
    report.paid = cents(payments.aggregate(total=Sum("amount"))["total"]) - report.recovered
    report.committed -= report.recovered
    cash: dict[str, dict] = {}
    for payment in payments.order_by("paid_on", "pk"):
        quarter = quarter_label(payment.paid_on.year, payment.paid_on.month)
        item = cash.setdefault(quarter, {"quarter": quarter, "payments": 0, "amount": Decimal("0.00")})
        item["payments"] += 1
        item["amount"] += cents(payment.amount)
    for recovery in recoveries.order_by("approved_at", "pk"):
        day = timezone.localdate(recovery.approved_at)
        quarter = quarter_label(day.year, day.month)
        item = cash.setdefault(quarter, {"quarter": quarter, "payments": 0, "amount": Decimal("0.00")})
        item["amount"] -= recovery.amount
    report.cash_rows = sorted(cash.values(), key=lambda r: r["quarter"])
    report.gross_saving = cents(totals["gross"])
    report.net_saving = cents(totals["net"])
    report.results = totals["results"] or 0
    grouped = (
        claims.filter(state__in=ACCEPTED_STATES)
        .annotate(year=ExtractYear("achieved_on"), month=ExtractMonth("achieved_on"))
        .values("milestone__definition__code", "milestone__code", "milestone__name", "year", "month")
        .annotate(count=Count("pk"), amount=Sum("price"))
        .order_by("year", "month")
    )
    merged: dict[tuple, dict] = {}
    for row in grouped:
        quarter = quarter_label(row["year"], row["month"])
        name = f"{row['milestone__definition__code']}/{row['milestone__code']}"
        key = (name, quarter)
        item = merged.setdefault(
            key,
            {
                "milestone": name,
                "milestone_name": row["milestone__name"],
                "quarter": quarter,
                "count": 0,
                "amount": Decimal("0.00"),
            },
        )
        item["count"] += row["count"]
        item["amount"] += cents(row["amount"])
    report.rows = sorted(merged.values(), key=lambda r: (r["quarter"], r["milestone"]))
    report.quarters = sorted({r["quarter"] for r in report.rows})
    return report


# --------------------------------------------------------------------------------------------------
# For the investor report
# --------------------------------------------------------------------------------------------------


def quarter_bounds(label: str) -> tuple[datetime.date, datetime.date]:
    """'2026-Q3' → (2026-07-01, 2026-09-30)."""
    try:
        year_text, quarter_text = label.upper().split("-Q")
        year, quarter = int(year_text), int(quarter_text)
        if not 1 <= quarter <= 4:
            raise ValueError(label)
    except ValueError:
        raise ValueError(
            f"period must be (start, end) dates or a quarter like '2026-Q3', got {label!r}"
        ) from None
    start = datetime.date(year, 3 * quarter - 2, 1)
    end = datetime.date(
        year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1
    ) - datetime.timedelta(days=1)
    return start, end


def outcomes_summary(*, fund: Fund, period: tuple[datetime.date, datetime.date] | str) -> dict:
    """Outcome contracts the fund pre-finances, for the investor report of one period: (start, end) dates
    or a calendar quarter such as "2026-Q3".

    Returns counts and EUR Decimals: contracts (active in the period), results verified in the period
    (by achievement date), amount verified and amount paid in the period (by payment date), payments
    still to be received (approved, not yet paid) and the estimated net municipal saving of the results.
    """
    start, end = quarter_bounds(period) if isinstance(period, str) else period
    contracts = OutcomeContract.objects.filter(fund=fund, starts_on__lte=end, ends_on__gte=start)
    claims = Claim.objects.filter(contract__in=contracts, achieved_on__range=(start, end))
    accepted = claims.filter(state__in=ACCEPTED_STATES)
    totals = accepted.aggregate(
        amount=Sum("price"),
        net=Sum("net_saving", filter=Q(milestone__position=1)),
        results=Count("pk"),
        participants=Count("participant", distinct=True),
    )
    paid = Payment.objects.filter(proposal__contract__in=contracts, paid_on__range=(start, end)).aggregate(
        total=Sum("amount")
    )["total"]
    receivable = Payment.objects.filter(proposal__contract__in=contracts, paid_on__isnull=True).aggregate(
        total=Sum("amount")
    )["total"]
    return {
        "fund": fund.code,
        "period_start": start,
        "period_end": end,
        "contracts": contracts.count(),
        "results_verified": totals["results"] or 0,
        "participants": totals["participants"] or 0,
        "amount_verified": cents(totals["amount"]),
        "amount_paid": cents(paid),
        "amount_receivable": cents(receivable),
        "net_saving_estimated": cents(totals["net"]),
        "per_contract": [
            {
                "reference": c.reference,
                "municipality": c.payer.name,
                "enterprise": c.provider.organisation.name,
                "status": c.status,
            }
            for c in contracts.select_related("payer", "provider__organisation").order_by("reference")
        ],
    }


def contract_history(*, contract: OutcomeContract, limit: int = 200):
    """The audit trail of a contract and of its participants, claims and proposals, newest first.
    Callers have already fetched `contract` through `contracts_for(user)`."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from fund.models import AuditEvent

    def ids(queryset):
        return queryset.annotate(text_pk=Cast("pk", CharField())).values("text_pk")

    ct = ContentType.objects.get_for_models(OutcomeContract, Participant, Claim, PaymentProposal)
    q = Q(content_type=ct[OutcomeContract], object_id=str(contract.pk))
    q |= Q(content_type=ct[Participant], object_id__in=ids(Participant.objects.filter(contract=contract)))
    q |= Q(content_type=ct[Claim], object_id__in=ids(Claim.objects.filter(contract=contract)))
    q |= Q(
        content_type=ct[PaymentProposal], object_id__in=ids(PaymentProposal.objects.filter(contract=contract))
    )
    return (
        AuditEvent.objects.filter(q)
        .select_related("actor", "content_type")
        .order_by("-created_at", "-pk")[:limit]
    )


# --------------------------------------------------------------------------------------------------
# Calculation sheet: every step from the norm to this payment, with the rounding shown
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetLine:
    """One step of a claim's price: what is computed (label, formula), the exact outcome and the amount
    carried forward (rounded to the cent, half up, where the rule rounds)."""

    number: int
    label: str
    formula: str
    exact: str
    amount: Decimal
    rounded: bool


@dataclass(frozen=True)
class CalculationSheet:
    claim: Claim
    model: str
    norm: object | None  # BenefitNorm
    lines: list[SheetLine]
    price: Decimal  # what the sheet arrives at
    matches: bool  # the sheet's result is the stored price

    @property
    def provisional(self) -> bool:
        return self.claim.provisional


def cap_warnings(contract: OutcomeContract) -> list[str]:
    """Warnings at contract set-up: a result whose full price (all milestones, the latest norm per household
    type) already exceeds the cap per participant."""
    from .models import BenefitNorm, HouseholdType, PricingModel
    from .pricing import PricingError, price_outcome

    warnings = []
    for definition in contract.definitions.prefetch_related("milestones"):
        shares = [m.share for m in definition.milestones.all()] or [Decimal("1")]
        if definition.pricing_model == PricingModel.RATE_CARD:
            prices = [(None, definition.fixed_price)]
        else:
            prices = []
            for household in HouseholdType:
                norm = BenefitNorm.objects.filter(household_type=household).order_by("-valid_from").first()
                if norm is None:
                    continue
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
                except PricingError:
                    continue
                prices.append((household.label, result.price))
        for household, price in prices:
            if price > contract.participant_cap:
                from core.formats import format_eur

                warnings.append(
                    _(
                        "Resultaat %(code)s%(household)s kost volledig %(price)s per deelnemer, meer dan het "
                        "plafond per deelnemer (%(cap)s): %(effect)s"
                    )
                    % {
                        "code": definition.code,
                        "household": f" ({household})" if household else "",
                        "price": format_eur(price),
                        "cap": format_eur(contract.participant_cap),
                        "effect": _("de laatste mijlpaal wordt begrensd tot wat resteert.")
                        if contract.pay_up_to_cap
                        else _("de laatste mijlpaal wordt geweigerd (betalen tot het plafond staat uit)."),
                    }
                )
    return warnings


def claims_sample(*, contract: OutcomeContract, size: int, seed: int) -> list[Claim]:
    """A random sample of ``size`` verified (accepted) claims for spot checks, reproducible: the same seed
    and the same accepted claims give the same sample."""
    import random

    ids = sorted(
        Claim.objects.filter(contract=contract, state__in=ACCEPTED_STATES).values_list("pk", flat=True)
    )
    chosen = sorted(random.Random(seed).sample(ids, min(max(size, 0), len(ids))))
    return list(sheet_claims(contracts=OutcomeContract.objects.filter(pk=contract.pk)).filter(pk__in=chosen))


def sheet_claims(
    *, contracts, until: datetime.date | None = None, include_rejected: bool = False
) -> QuerySet[Claim]:
    """The accepted and submitted claims (with ``include_rejected`` every claim) of some contracts, achieved
    up to a date, for calculation sheets and the audit file."""
    claims = Claim.objects.filter(contract__in=contracts)
    if not include_rejected:
        claims = claims.exclude(state=ClaimState.REJECTED)
    claims = claims.select_related("participant", "milestone__definition", "norm", "decided_by").order_by(
        "achieved_on", "pk"
    )
    return claims.filter(achieved_on__lte=until) if until else claims


def _exact_text(value: Fraction) -> str:
    """The unrounded outcome of a step in cents (so a half cent reads "738.112,5 ct"), to two decimals of a
    cent ("≈" when it has more)."""
    from core.formats import format_number

    cents_value = value * 100
    shown = round_to(cents_value, 2)
    text = f"{format_number(shown, max_places=2)} ct"
    return text if Fraction(shown) == cents_value else f"≈ {text}"


def _amount_text(value: Fraction) -> str:
    """An amount in a formula: in euros when it is whole cents, else unrounded in cents."""
    from core.formats import format_eur

    return format_eur(to_cents(value)) if Fraction(to_cents(value)) == value else _exact_text(value)


def calculation_sheet(claim: Claim) -> CalculationSheet:
    """The claim's price walked step by step from its stored inputs alone (the same rule as
    pricing.price_outcome), so an accountant can recompute it by hand."""
    from core.formats import format_eur, format_percent

    def eur(value) -> str:
        return format_eur(to_cents(value) if isinstance(value, Fraction) else value)

    def pct(value: Fraction) -> str:
        return format_percent(to_decimal(value), max_places=4)

    stored = claim.pricing_inputs or {}
    inputs = stored.get("pricing", {})
    index = stored.get("milestone_index", 0)
    shares = [Fraction(Decimal(s)) for s in inputs.get("milestone_shares", ["1"])]
    lines: list[SheetLine] = []

    def add(label: str, formula: str, exact: Fraction, *, rounded: bool) -> Decimal:
        amount = to_cents(exact)
        lines.append(
            SheetLine(len(lines) + 1, label, formula, _exact_text(exact), amount, rounded and amount != exact)
        )
        return amount

    model = stored.get("model", "savings")
    if model == "rate_card":
        price = Fraction(Decimal(inputs["monthly_benefit"]))
        add(_("Vaste prijs per resultaat (tariefkaart)"), eur(price), price, rounded=False)
    else:
        benefit = Fraction(Decimal(inputs["monthly_benefit"]))
        months = int(inputs["months"])
        reduction = Fraction(Decimal(inputs["benefit_reduction"]))
        cost = Fraction(Decimal(inputs["execution_cost_per_year"]))
        dead = Fraction(Decimal(inputs["deadweight"]))
        displaced = Fraction(Decimal(inputs["displacement"]))
        share = Fraction(Decimal(inputs["savings_share"]))
        benefit_saving = benefit * months * reduction
        add(
            _("Uitkering die stopt: normbedrag × maanden × deel van de uitkering dat stopt"),
            f"{eur(benefit)} × {months} × {pct(reduction)}",
            benefit_saving,
            rounded=False,
        )
        cost_saving = cost * months / 12
        add(
            _("Uitvoeringskosten: kosten per jaar × maanden / 12"),
            f"{eur(cost)} × {months} / 12",
            cost_saving,
            rounded=False,
        )
        gross = Fraction(
            add(
                _("Bruto besparing = (1) + (2), afgerond op centen"),
                f"{_amount_text(benefit_saving)} + {_amount_text(cost_saving)}",
                benefit_saving + cost_saving,
                rounded=True,
            )
        )
        add(_("− Deadweight: bruto × deadweight"), f"{eur(gross)} × {pct(dead)}", gross * dead, rounded=False)
        add(
            _("− Verdringing: (bruto − deadweight) × verdringing"),
            f"({eur(gross)} − {_amount_text(gross * dead)}) × {pct(displaced)}",
            gross * (1 - dead) * displaced,
            rounded=False,
        )
        net = Fraction(
            add(
                _("Netto besparing = bruto − deadweight − verdringing, afgerond op centen"),
                f"{eur(gross)} × (1 − {pct(dead)}) × (1 − {pct(displaced)})",
                gross * (1 - dead) * (1 - displaced),
                rounded=True,
            )
        )
        price = Fraction(
            add(
                _("Prijs per resultaat = netto × aandeel van de aanbieder, afgerond op centen"),
                f"{eur(net)} × {pct(share)}",
                net * share,
                rounded=True,
            )
        )
    if index < len(shares) - 1:
        amount = add(
            _("Deze betaling = prijs × aandeel van deze mijlpaal, afgerond op centen"),
            f"{eur(price)} × {pct(shares[index])}",
            price * shares[index],
            rounded=True,
        )
    else:
        earlier = [to_cents(price * s) for s in shares[:-1]]
        amount = add(
            _(
                "Deze betaling (laatste mijlpaal) = prijs − de eerdere mijlpalen, "
                "zodat de delen precies optellen"
            ),
            " − ".join([eur(price)] + [eur(e) for e in earlier]) if earlier else eur(price),
            price - sum((Fraction(e) for e in earlier), Fraction(0)),
            rounded=False,
        )
    if claim.uncapped_price is not None:
        lines.append(
            SheetLine(
                len(lines) + 1,
                _(
                    "Begrensd tot het resterende plafond (contract of deelnemer); "
                    "het contract betaalt tot het plafond"
                ),
                f"min({format_eur(amount)}; {format_eur(claim.price)})",
                _exact_text(Fraction(claim.price)),
                claim.price,
                False,
            )
        )
        amount = claim.price
    return CalculationSheet(
        claim=claim,
        model=model,
        norm=claim.norm,
        lines=lines,
        price=amount,
        matches=amount == claim.price,
    )


# --------------------------------------------------------------------------------------------------
# Recoveries, budget per year, reconciliation to the bank
# --------------------------------------------------------------------------------------------------


def approved_recoveries(*, contract_ids, until: datetime.date | None = None) -> QuerySet[Recovery]:
    """Approved recoveries (credit notes) of the contracts, approved up to ``until`` (a local date)."""
    recoveries = Recovery.objects.filter(contract_id__in=contract_ids, state=RecoveryState.APPROVED)
    if until is not None:
        recoveries = recoveries.filter(approved_at__date__lte=until)
    return recoveries


def recoveries_for(user: User) -> QuerySet[Recovery]:
    return Recovery.objects.filter(contract__in=contracts_for(user))


@dataclass
class BudgetYearRow:
    year: int
    budget: Decimal | None  # None: the ceiling is not split for this year
    submitted: Decimal  # submitted, not yet verified: shown apart, not budget used
    committed: Decimal  # verified, not yet paid (verified or in a proposal)
    paid: Decimal  # paid, less approved recoveries
    recovered: Decimal

    @property
    def used(self) -> Decimal:
        return self.committed + self.paid

    @property
    def available(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.used


def budget_by_year(*, contract_ids) -> list[BudgetYearRow]:
    """Per budget year: the budgeted part of the ceiling, and against it what is committed (verified,
    unpaid) and paid (less recoveries) for results achieved in that year (the year the municipality's
    obligation arises); submitted claims are shown apart. One aggregate query per kind."""
    budgets: dict[int, Decimal] = {}
    for row in (
        BudgetYear.objects.filter(contract_id__in=contract_ids).values("year").annotate(t=Sum("amount"))
    ):
        budgets[row["year"]] = cents(row["t"])
    figures: dict[int, dict] = {}
    for row in (
        Claim.objects.filter(contract_id__in=contract_ids)
        .annotate(year=ExtractYear("achieved_on"))
        .values("year")
        .annotate(
            submitted=Sum("price", filter=Q(state=ClaimState.SUBMITTED)),
            committed=Sum("price", filter=Q(state__in=[ClaimState.VERIFIED, ClaimState.IN_PROPOSAL])),
            paid=Sum("price", filter=Q(state=ClaimState.PAID)),
        )
    ):
        figures[row["year"]] = row
    recovered: dict[int, Decimal] = {}
    for row in (
        approved_recoveries(contract_ids=contract_ids)
        .annotate(year=ExtractYear("claim__achieved_on"))
        .values("year")
        .annotate(t=Sum("amount"))
    ):
        recovered[row["year"]] = cents(row["t"])
    rows = []
    for year in sorted(set(budgets) | set(figures)):
        row = figures.get(year, {})
        back = recovered.get(year, Decimal("0.00"))
        rows.append(
            BudgetYearRow(
                year=year,
                budget=budgets.get(year),
                submitted=cents(row.get("submitted")),
                committed=cents(row.get("committed")),
                paid=cents(row.get("paid")) - back,
                recovered=back,
            )
        )
    return rows


def reconciliations_for(user: User) -> QuerySet[BankReconciliation]:
    """Statements of the municipalities the user is an official of (administrators: all)."""
    if fund_selectors.is_administrator(user):
        return BankReconciliation.objects.all()
    return BankReconciliation.objects.filter(payer_id__in=fund_selectors.official_organisation_ids(user))


def payments_not_on_statements(*, payer, until: datetime.date | None) -> QuerySet[Payment]:
    """Payments of the municipality approved (ordered) up to ``until`` that no statement has matched."""
    payments = Payment.objects.filter(proposal__contract__payer=payer).exclude(
        bank_lines__status=ReconciliationStatus.MATCHED
    )
    if until is not None:
        payments = payments.filter(ordered_at__date__lte=until)
    return payments.select_related("proposal__contract").order_by("ordered_at")


def bank_match_of(payment: Payment) -> ReconciliationLine | None:
    return (
        payment.bank_lines.filter(status=ReconciliationStatus.MATCHED)
        .select_related("reconciliation")
        .first()
    )


# --------------------------------------------------------------------------------------------------
# Council reporting in the planning-and-control rhythm (begroting, tussenrapportage, jaarrekening)
# --------------------------------------------------------------------------------------------------

COUNCIL_KINDS = ("begroting", "tussenrapportage", "jaarrekening")


@dataclass
class CouncilQuarter:
    quarter: str
    results: int = 0  # accepted milestones achieved in the quarter
    participants: int = 0  # participants whose first milestone was achieved in the quarter
    gross_saving: Decimal = Decimal("0.00")
    net_saving: Decimal = Decimal("0.00")
    accrual: Decimal = Decimal("0.00")  # accepted amounts, by quarter of achievement
    cash: Decimal = Decimal("0.00")  # paid, by quarter of payment, less recoveries by quarter approved
    cumulative: Decimal = Decimal("0.00")  # accrual since the start of the contracts, to the quarter's end


@dataclass
class CouncilReport:
    kind: str
    year: int
    figures_year: int  # begroting: the figures of the year before; otherwise the report year
    quarters: list[CouncilQuarter]
    ceiling: Decimal
    budget: Decimal | None  # the budgeted part of the ceilings for ``year``
    contracts: list[dict]
    until: datetime.date

    @property
    def totals(self) -> CouncilQuarter:
        total = CouncilQuarter(quarter=str(self.figures_year))
        for q in self.quarters:
            for name in ("results", "participants", "gross_saving", "net_saving", "accrual", "cash"):
                setattr(total, name, getattr(total, name) + getattr(q, name))
        total.cumulative = self.quarters[-1].cumulative if self.quarters else Decimal("0.00")
        return total

    @property
    def cumulative_pct(self) -> Decimal:
        return round_to(self.totals.cumulative / self.ceiling * 100, 1) if self.ceiling else Decimal(0)

    def chart(self) -> dict:
        """Chart.js data: accrual and cash per quarter (bars) and the cumulative against the ceiling."""
        labels = [q.quarter for q in self.quarters]
        return {
            "labels": labels,
            "datasets": [
                {
                    "type": "bar",
                    "label": _("Toegerekend (behaald)"),
                    "data": [str(q.accrual) for q in self.quarters],
                },
                {"type": "bar", "label": _("Betaald (kas)"), "data": [str(q.cash) for q in self.quarters]},
                {
                    "type": "line",
                    "label": _("Cumulatief"),
                    "data": [str(q.cumulative) for q in self.quarters],
                },
                {"type": "line", "label": _("Plafond"), "data": [str(self.ceiling)] * len(labels)},
            ],
        }


def council_report(*, payer, year: int, kind: str, quarter: int = 2) -> CouncilReport:
    """The municipality's report to the council on all its outcome contracts:

    - ``begroting`` (budget for ``year``): the budgeted amounts for the year, with the realisation of the
      year before per quarter as the basis;
    - ``tussenrapportage``: the realisation of ``year`` up to and including ``quarter``;
    - ``jaarrekening``: the realisation of the whole of ``year``.

    Per quarter: results, savings (gross and net, once per participant: its first milestone), payments on
    accrual (achieved) and cash (paid, less recoveries) basis, and the cumulative accrual against the
    ceiling. All sums are aggregate queries over the claims, payments and recoveries."""
    if kind not in COUNCIL_KINDS:
        raise ValueError(kind)
    figures_year = year - 1 if kind == "begroting" else year
    last_quarter = quarter if kind == "tussenrapportage" else 4
    contracts = list(
        OutcomeContract.objects.filter(payer=payer)
        .select_related("provider__organisation")
        .order_by("reference")
    )
    ids = [c.pk for c in contracts]
    labels = [f"{figures_year}-Q{n}" for n in range(1, last_quarter + 1)]
    rows = {label: CouncilQuarter(quarter=label) for label in labels}
    until = quarter_bounds(labels[-1])[1]
    start = datetime.date(figures_year, 1, 1)
    accepted = Claim.objects.filter(contract_id__in=ids, state__in=ACCEPTED_STATES)
    for row in (
        accepted.filter(achieved_on__gte=start, achieved_on__lte=until)
        .annotate(month=ExtractMonth("achieved_on"))
        .values("month")
        .annotate(
            results=Count("pk"),
            amount=Sum("price"),
            participants=Count("participant", filter=Q(milestone__position=1), distinct=True),
            gross=Sum("gross_saving", filter=Q(milestone__position=1)),
            net=Sum("net_saving", filter=Q(milestone__position=1)),
        )
    ):
        item = rows[quarter_label(figures_year, row["month"])]
        item.results += row["results"]
        item.participants += row["participants"]
        item.accrual += cents(row["amount"])
        item.gross_saving += cents(row["gross"])
        item.net_saving += cents(row["net"])
    for row in (
        Payment.objects.filter(proposal__contract_id__in=ids, paid_on__gte=start, paid_on__lte=until)
        .annotate(month=ExtractMonth("paid_on"))
        .values("month")
        .annotate(amount=Sum("amount"))
    ):
        rows[quarter_label(figures_year, row["month"])].cash += cents(row["amount"])
    for recovery in approved_recoveries(contract_ids=ids, until=until).filter(approved_at__date__gte=start):
        day = timezone.localdate(recovery.approved_at)
        rows[quarter_label(day.year, day.month)].cash -= recovery.amount
    before = cents(accepted.filter(achieved_on__lt=start).aggregate(t=Sum("price"))["t"])
    running = before
    for label in labels:
        running += rows[label].accrual
        rows[label].cumulative = running
    budgets = {
        b["contract_id"]: cents(b["amount"])
        for b in BudgetYear.objects.filter(contract_id__in=ids, year=year).values("contract_id", "amount")
    }
    per_contract = {
        row["contract_id"]: row
        for row in accepted.filter(achieved_on__lte=until)
        .values("contract_id")
        .annotate(
            cumulative=Sum("price"),
            period=Sum("price", filter=Q(achieved_on__gte=start)),
        )
    }
    contract_rows = []
    for contract in contracts:
        figures = per_contract.get(contract.pk, {})
        contract_rows.append(
            {
                "contract": contract,
                "ceiling": contract.budget_cap,
                "budget": budgets.get(contract.pk),
                "accrual": cents(figures.get("period")),
                "cumulative": cents(figures.get("cumulative")),
            }
        )
    return CouncilReport(
        kind=kind,
        year=year,
        figures_year=figures_year,
        quarters=[rows[label] for label in labels],
        ceiling=cents(sum((c.budget_cap for c in contracts), Decimal(0))),
        budget=cents(sum(budgets.values(), Decimal(0))) if budgets else None,
        contracts=contract_rows,
        until=until,
    )


# The enterprise's view: what it can claim per participant, when, and where each claim and payment stands
# --------------------------------------------------------------------------------------------------


def claimable_milestones(
    *, contract: OutcomeContract, participants: list[Participant], today: datetime.date
) -> list[dict]:
    """Per participant (pseudonymous reference only) and milestone: the date from which it can be claimed
    (the milestone's minimum term after the previous milestone's achievement, the first after the benefit
    start: `services.earliest_achievement`), or what it waits for; and the claim's state and its payment.

    Three queries for the whole page (milestones, claims with their proposal and payment, approvals).
    """
    from django.db.models import Prefetch

    from .models import Approval
    from .services import earliest_achievement

    milestones = list(milestones_of(contract).order_by("definition__code", "position"))
    claims = (
        Claim.objects.filter(participant__in=[p.pk for p in participants])
        .select_related("proposal__payment", "decided_by")
        .prefetch_related(Prefetch("proposal__approvals", Approval.objects.order_by("sequence")))
        .order_by("submitted_at", "pk")
    )
    live: dict[tuple[int, int], Claim] = {}
    rejected: dict[tuple[int, int], Claim] = {}
    for claim in claims:
        key = (claim.participant_id, claim.milestone_id)
        (rejected if claim.state == ClaimState.REJECTED else live)[key] = claim
    rows = []
    for participant in participants:
        for milestone in milestones:
            key = (participant.pk, milestone.pk)
            claim = live.get(key)
            row = {
                "participant": participant,
                "milestone": milestone,
                "claim": claim,
                "rejected": rejected.get(key) if claim is None else None,
                "claimable_from": None,
                "waits_for": None,
            }
            if claim is None:
                before = None
                if milestone.prerequisite_id:
                    before = live.get((participant.pk, milestone.prerequisite_id))
                if milestone.prerequisite_id and before is None:
                    row["waits_for"] = milestone.prerequisite
                else:
                    anchor = before.achieved_on if before else participant.benefit_started_on
                    earliest = earliest_achievement(
                        milestone=milestone, participant=participant, previous=before
                    )
                    row["claimable_from"] = max(earliest or anchor, contract.starts_on)
            when = row["claimable_from"]
            row["claimable_now"] = when is not None and when <= today
            row["after_contract"] = when is not None and when > contract.ends_on
            row["status"] = claim_status_text(claim) if claim else ""
            row["payment"] = payment_status_text(claim) if claim else ""
            rows.append(row)
    return rows


def claim_status_text(claim: Claim) -> str:
    """Where a claim stands, in the enterprise's words."""
    from core.formats import format_date

    if claim.state == ClaimState.SUBMITTED:
        return _("Ingediend op %(date)s; wacht op verificatie door de gemeente") % {
            "date": format_date(timezone.localtime(claim.submitted_at).date())
        }
    if claim.state == ClaimState.REJECTED:
        return _("Afgewezen: %(reason)s") % {"reason": claim.decision_reason}
    verified = (
        _("Geverifieerd op %(date)s") % {"date": format_date(timezone.localtime(claim.decided_at).date())}
        if claim.decided_at
        else _("Geverifieerd")
    )
    return verified


def payment_status_text(claim: Claim) -> str:
    """Where the payment of a claim stands: not yet proposed, awaiting approval, ordered, paid."""
    from core.formats import format_date

    if claim.state == ClaimState.SUBMITTED:
        return _("nog niet: eerst verificatie")
    if claim.state == ClaimState.REJECTED:
        return _("geen betaling")
    if claim.state == ClaimState.VERIFIED or claim.proposal is None:
        return _("komt in het volgende betaalvoorstel")
    proposal = claim.proposal
    payment = getattr(proposal, "payment", None)
    if payment is not None and payment.paid_on:
        return _("betaald op %(date)s") % {"date": format_date(payment.paid_on)}
    if proposal.state == ProposalState.PENDING:
        return _("in betaalvoorstel; %(n)s van 2 goedkeuringen") % {"n": len(proposal.approvals.all())}
    if payment is not None:
        return _("goedgekeurd; betaalopdracht gemaakt op %(date)s") % {
            "date": format_date(timezone.localtime(payment.ordered_at).date())
        }
    return str(ProposalState(proposal.state).label)


def fund_share_of(proposal: PaymentProposal) -> Decimal | None:
    """The fund's own share of this outcome payment as booked (2100 → 4500), or None when not booked."""
    from portfolio.models import Posting

    booked = Posting.objects.filter(
        entry__idempotency_key=f"outcomes:proposal:{proposal.pk}:fund-share", debit__gt=0
    ).aggregate(total=Sum("debit"))["total"]
    return None if booked is None else to_cents(booked)
