"""Writes of the investors' money side: one function per state change, each in a transaction, audited.

Money is booked only through `portfolio.ledger.entry_post`, with the investor's commitment on the lines that
belong to one investor (3000 paid-in capital, 3100 distributions, 5200 management fee):

| event | posting |
|---|---|
| receipt on a call line | D 1000 Bank / C 3000 Gestort kapitaal (commitment) |
| distribution declared | D 3100 Uitkeringen (per commitment) / C 2000 Te betalen uitkeringen |
| distribution paid | D 2000 / C 1000 |
| management fee of a quarter | D 5200 Beheervergoeding (per commitment) / C 2300 Te betalen |
| fund expense | D 5300 Fondskosten / C 2400 Te betalen fondskosten (or C 1000 when paid from the bank) |
| fee or expenses paid | D 2300 / 2400 / C 1000 Bank |

A commitment adjustment (expired, other) changes only what may still be called: it is off the balance sheet.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Max, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.errors import ApplicationError, TransitionError
from core.formats import format_eur
from core.money import split, to_cents, to_decimal
from fund.audit import audit_record
from fund.models import Commitment, Fund, User
from portfolio.accounts import AccountCode
from portfolio.ledger import Line, entry_post
from portfolio.models import Posting
from portfolio.selectors import account_balances

from . import notices, quarters
from .models import (
    AdjustmentKind,
    CallPurpose,
    CallReceipt,
    CallStatus,
    CapitalCall,
    CapitalCallLine,
    CapitalSettings,
    CommitmentAdjustment,
    Distribution,
    DistributionAllocation,
    DistributionKind,
    DistributionLine,
    DistributionStatus,
    FeeBasis,
    FundExpense,
    ManagementFeeCharge,
    PayableAccount,
    PayablePayment,
)

ZERO = Decimal("0.00")

MSG_AMOUNT_POSITIVE = gettext_noop("Het bedrag moet groter dan € 0,00 zijn.")
MSG_DUE_BEFORE_NOTICE = gettext_noop("De uiterste stortingsdatum ligt vóór de datum van de oproep.")
MSG_NO_COMMITMENTS = gettext_noop("Dit fonds heeft nog geen toezeggingen van investeerders.")
MSG_ABOVE_UNFUNDED = gettext_noop(
    "De oproep van %(amount)s aan %(investor)s is hoger dan het niet-opgevraagde deel van de toezegging "
    "(%(unfunded)s)."
)
MSG_LINES_SUM = gettext_noop(
    "De regels tellen op tot %(total)s; dat moet %(amount)s zijn (het bedrag van de oproep)."
)
MSG_LINE_NEGATIVE = gettext_noop("Het bedrag voor %(investor)s mag niet negatief zijn.")
MSG_UNKNOWN_COMMITMENT = gettext_noop("Toezegging %(id)s hoort niet bij dit fonds.")
MSG_ONLY_DRAFT = gettext_noop("Alleen een concept kan worden aangepast (status: %(status)s).")
MSG_RECEIPT_NOT_ISSUED = gettext_noop("Een storting kan alleen worden geboekt op een verstuurde oproep.")
MSG_RECEIPT_TOO_MUCH = gettext_noop(
    "Er staat voor %(investor)s nog %(outstanding)s open; %(amount)s is meer dan dat."
)
MSG_RECEIPT_BEFORE_NOTICE = gettext_noop("De ontvangstdatum ligt vóór de datum van de oproep.")
MSG_CANCEL_RECEIVED = gettext_noop("Op deze oproep is al gestort; intrekken kan niet meer.")
MSG_REASON = gettext_noop("Geef een reden.")
MSG_NOTHING_PAID_IN = gettext_noop(
    "Nog geen investeerder heeft kapitaal gestort: verdeel de uitkering per investeerder."
)
MSG_PAID_BEFORE_DATE = gettext_noop("De betaaldatum ligt vóór de datum van de uitkering.")
MSG_FEE_ZERO = gettext_noop(
    "De grondslag voor de beheervergoeding van %(quarter)s is € 0,00: niets te boeken."
)
MSG_DESCRIPTION = gettext_noop("Geef een omschrijving.")
MSG_FEE_RATE = gettext_noop("De beheervergoeding ligt tussen 0 % en 20 % per jaar.")
MSG_PAYABLE_TOO_MUCH = gettext_noop(
    "Op %(account)s staat %(open)s open; %(amount)s betalen kan niet (meer dan wat openstaat)."
)
MSG_PAYABLE_ACCOUNT = gettext_noop("Kies rekening 2300 (beheervergoeding) of 2400 (fondskosten).")
MSG_ADJUST_ZERO = gettext_noop("Het bedrag van de aanpassing mag niet € 0,00 zijn.")
MSG_EXPIRE_TOO_MUCH = gettext_noop(
    "Van de toezegging van %(investor)s is nog %(unfunded)s niet opgevraagd; %(amount)s laten vervallen "
    "kan niet."
)
MSG_ADJUST_BELOW_ZERO = gettext_noop(
    "Na deze aanpassing zou het niet-opgevraagde deel van %(investor)s negatief zijn (%(result)s)."
)


def _positive(amount, *, field: str = "amount") -> Decimal:
    value = to_decimal(amount)
    if value <= 0:
        raise ApplicationError(_(MSG_AMOUNT_POSITIVE), field=field, code="amount")
    return to_cents(value)


def _status_label(choices, value: str) -> str:
    return str(choices(value).label)


def _refuse_transition(obj, choices, *, to: str, allowed_from: tuple[str, ...]) -> str:
    if obj.status not in allowed_from:
        raise TransitionError(
            obj_label=str(obj),
            from_state=_status_label(choices, obj.status),
            to_state=_status_label(choices, to),
            allowed=[_status_label(choices, state) for state in allowed_from],
        )
    return obj.status


def _lock_fund(fund: Fund) -> None:
    Fund.objects.select_for_update().filter(pk=fund.pk).first()


def _user(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


def _next_number(model, fund: Fund) -> int:
    """The next number of a call or distribution in its fund (the caller holds the fund's row lock)."""
    return (model.objects.filter(fund=fund).aggregate(n=Max("number"))["n"] or 0) + 1


def _commitments(fund: Fund) -> list[Commitment]:
    return list(
        Commitment.objects.filter(fund=fund)
        .select_related("investor__organisation")
        .order_by("investor__organisation__name", "pk")
    )


# --------------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------------


def capital_settings(fund: Fund) -> CapitalSettings:
    """The fund's capital settings (the defaults until a fund manager changes them)."""
    settings, _created = CapitalSettings.objects.get_or_create(fund=fund)
    return settings


@transaction.atomic
def capital_settings_update(
    *, actor: User | None, fund: Fund, management_fee_rate: Decimal, fee_basis: str, allocation_rule: str
) -> CapitalSettings:
    settings = capital_settings(fund)
    rate = to_decimal(management_fee_rate)
    if not Decimal("0") <= rate <= Decimal("0.2"):
        raise ApplicationError(_(MSG_FEE_RATE), field="management_fee_rate", code="fee_rate")
    before = {
        "management_fee_rate": settings.management_fee_rate,
        "fee_basis": settings.fee_basis,
        "allocation_rule": settings.allocation_rule,
    }
    settings.management_fee_rate = rate
    settings.fee_basis = fee_basis
    settings.allocation_rule = allocation_rule
    settings.full_clean()
    settings.save()
    audit_record(
        actor=actor,
        obj=fund,
        action="capital_settings_changed",
        data={"before": before, "after": {k: getattr(settings, k) for k in before}},
    )
    return settings


# --------------------------------------------------------------------------------------------------
# Unfunded commitment and paid-in capital
# --------------------------------------------------------------------------------------------------


def called_by_commitment(*, fund: Fund, exclude_call: CapitalCall | None = None) -> dict[int, Decimal]:
    """{commitment id: amount called} over the fund's issued and paid calls."""
    qs = CapitalCallLine.objects.filter(
        call__fund=fund, call__status__in=(CallStatus.ISSUED, CallStatus.PAID)
    )
    if exclude_call is not None:
        qs = qs.exclude(call=exclude_call)
    rows = qs.values("commitment_id").annotate(total=Sum("amount")).order_by()
    return {row["commitment_id"]: to_cents(row["total"]) for row in rows}


def recallable_by_commitment(*, fund: Fund) -> dict[int, Decimal]:
    """{commitment id: recallable distributions} declared or paid: they can be called again."""
    rows = (
        DistributionLine.objects.filter(
            distribution__fund=fund,
            distribution__recallable=True,
            distribution__status__in=(DistributionStatus.DECLARED, DistributionStatus.PAID),
        )
        .values("commitment_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["commitment_id"]: to_cents(row["total"]) for row in rows}


def adjustments_by_commitment(*, fund: Fund) -> dict[int, Decimal]:
    """{commitment id: sum of the adjustments (expired, other)}, signed as they move the unfunded part."""
    rows = (
        CommitmentAdjustment.objects.filter(commitment__fund=fund)
        .values("commitment_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["commitment_id"]: to_cents(row["total"]) for row in rows}


def unfunded_by_commitment(*, fund: Fund, exclude_call: CapitalCall | None = None) -> dict[int, Decimal]:
    """{commitment id: what may still be called} = commitment − called + recallable distributions
    + adjustments (an expiry is negative)."""
    called = called_by_commitment(fund=fund, exclude_call=exclude_call)
    recallable = recallable_by_commitment(fund=fund)
    adjusted = adjustments_by_commitment(fund=fund)
    return {
        c.pk: to_cents(c.amount.amount)
        - called.get(c.pk, ZERO)
        + recallable.get(c.pk, ZERO)
        + adjusted.get(c.pk, ZERO)
        for c in Commitment.objects.filter(fund=fund)
    }


def paid_in_by_commitment(*, fund: Fund, as_of: datetime.date | None = None) -> dict[int, Decimal]:
    """{commitment id: paid-in capital} from the ledger (3000 with the commitment), one grouped query."""
    qs = Posting.objects.filter(
        entry__fund=fund, account__code=AccountCode.PAID_IN_CAPITAL, commitment__isnull=False
    )
    if as_of is not None:
        qs = qs.filter(value_date__lte=as_of)
    rows = qs.values("commitment_id").annotate(debit=Sum("debit"), credit=Sum("credit")).order_by()
    return {row["commitment_id"]: to_cents(row["credit"]) - to_cents(row["debit"]) for row in rows}


# --------------------------------------------------------------------------------------------------
# Capital calls
# --------------------------------------------------------------------------------------------------


def _check_unfunded(*, call: CapitalCall, lines: list[CapitalCallLine]) -> None:
    unfunded = unfunded_by_commitment(fund=call.fund, exclude_call=call)
    for line in lines:
        available = unfunded.get(line.commitment_id, ZERO)
        if line.amount > available:
            raise ApplicationError(
                _(MSG_ABOVE_UNFUNDED)
                % {
                    "amount": format_eur(line.amount),
                    "investor": line.commitment.investor.organisation.name,
                    "unfunded": format_eur(available),
                },
                field="amount",
                code="above_unfunded",
            )


@transaction.atomic
def call_create(
    *,
    actor: User | None,
    fund: Fund,
    notice_date: datetime.date,
    due_date: datetime.date,
    purpose: str,
    amount,
    purpose_text: str = "",
) -> CapitalCall:
    """A draft call, allocated pro rata to commitment (`core.money.split`: the lines add up exactly)."""
    amount = _positive(amount)
    if due_date < notice_date:
        raise ApplicationError(_(MSG_DUE_BEFORE_NOTICE), field="due_date", code="due_date")
    if purpose not in CallPurpose.values:
        raise ApplicationError(_("Kies een doel."), field="purpose", code="purpose")
    _lock_fund(fund)
    commitments = _commitments(fund)
    if not commitments:
        raise ApplicationError(_(MSG_NO_COMMITMENTS), code="no_commitments")
    call = CapitalCall.objects.create(
        fund=fund,
        number=_next_number(CapitalCall, fund),
        notice_date=notice_date,
        due_date=due_date,
        purpose=purpose,
        purpose_text=purpose_text.strip(),
        amount=amount,
        created_by=_user(actor),
    )
    parts = split(amount, [c.amount.amount for c in commitments])
    lines = [
        CapitalCallLine(call=call, commitment=commitment, amount=part)
        for commitment, part in zip(commitments, parts, strict=True)
    ]
    _check_unfunded(call=call, lines=lines)
    CapitalCallLine.objects.bulk_create(lines)
    audit_record(
        actor=actor,
        obj=call,
        action="capital_call_created",
        to_state=CallStatus.DRAFT,
        data={"amount": amount, "lines": {str(line.commitment_id): line.amount for line in lines}},
    )
    return call


@transaction.atomic
def call_lines_set(*, actor: User | None, call: CapitalCall, amounts: Mapping[int, Decimal]) -> CapitalCall:
    """Override a draft call's allocation ({commitment id: amount}); the lines must still add up."""
    call = CapitalCall.objects.select_for_update().get(pk=call.pk)
    if call.status != CallStatus.DRAFT:
        raise ApplicationError(_(MSG_ONLY_DRAFT) % {"status": call.get_status_display()}, code="not_draft")
    lines = {
        line.commitment_id: line for line in call.lines.select_related("commitment__investor__organisation")
    }
    for commitment_id in amounts:
        if commitment_id not in lines:
            raise ApplicationError(_(MSG_UNKNOWN_COMMITMENT) % {"id": commitment_id}, code="commitment")
    before = {str(pk): line.amount for pk, line in lines.items()}
    for commitment_id, value in amounts.items():
        line = lines[commitment_id]
        amount = to_cents(to_decimal(value))
        if amount < 0:
            raise ApplicationError(
                _(MSG_LINE_NEGATIVE) % {"investor": line.commitment.investor.organisation.name},
                field=f"line_{commitment_id}",
                code="negative",
            )
        line.amount = amount
    total = sum((line.amount for line in lines.values()), ZERO)
    if total != call.amount:
        raise ApplicationError(
            _(MSG_LINES_SUM) % {"total": format_eur(total), "amount": format_eur(call.amount)},
            code="lines_sum",
        )
    _check_unfunded(call=call, lines=list(lines.values()))
    CapitalCallLine.objects.bulk_update(list(lines.values()), ["amount"])
    audit_record(
        actor=actor,
        obj=call,
        action="capital_call_lines_set",
        data={"before": before, "after": {str(pk): line.amount for pk, line in lines.items()}},
    )
    return call


@transaction.atomic
def call_issue(*, actor: User | None, call: CapitalCall, notify: bool = True) -> CapitalCall:
    """Draft → issued: checks each investor's unfunded commitment again, stores a notice per investor and
    e-mails the investor's users a link to it (never the file). ``notify=False`` only for history moved in
    from another administration (reports.fundimport): those investors had their notices then."""
    call = CapitalCall.objects.select_for_update().select_related("fund").get(pk=call.pk)
    previous = _refuse_transition(call, CallStatus, to=CallStatus.ISSUED, allowed_from=(CallStatus.DRAFT,))
    lines = list(call.lines.select_related("commitment__investor__organisation"))
    if sum((line.amount for line in lines), ZERO) != call.amount:  # a database edit bypassed the service
        raise ApplicationError(
            _(MSG_LINES_SUM)
            % {"total": format_eur(sum((x.amount for x in lines), ZERO)), "amount": format_eur(call.amount)},
            code="lines_sum",
        )
    _check_unfunded(call=call, lines=lines)
    call.status = CallStatus.ISSUED
    call.save(update_fields=["status"])
    audit_record(
        actor=actor, obj=call, action="capital_call_issued", from_state=previous, to_state=call.status
    )
    for line in lines if notify else []:
        if line.amount > 0:
            notices.call_notice_send(actor=actor, line=line)
    return call


@transaction.atomic
def call_cancel(*, actor: User | None, call: CapitalCall, reason: str) -> CapitalCall:
    call = CapitalCall.objects.select_for_update().get(pk=call.pk)
    previous = _refuse_transition(
        call, CallStatus, to=CallStatus.CANCELLED, allowed_from=(CallStatus.DRAFT, CallStatus.ISSUED)
    )
    if not (reason or "").strip():
        raise ApplicationError(_(MSG_REASON), field="reason", code="reason")
    if CallReceipt.objects.filter(line__call=call).exists():
        raise ApplicationError(_(MSG_CANCEL_RECEIVED), code="received")
    call.status = CallStatus.CANCELLED
    call.save(update_fields=["status"])
    audit_record(
        actor=actor,
        obj=call,
        action="capital_call_cancelled",
        from_state=previous,
        to_state=call.status,
        reason=reason.strip(),
    )
    return call


@transaction.atomic
def call_receipt_record(
    *, actor: User | None, line: CapitalCallLine, amount, received_on: datetime.date
) -> CallReceipt:
    """A payment received on a call line (partial allowed, never more than outstanding): D Bank / C 3000."""
    line = (
        CapitalCallLine.objects.select_for_update()
        .select_related("call__fund", "commitment__investor__organisation")
        .get(pk=line.pk)
    )
    call = line.call
    if call.status != CallStatus.ISSUED:
        raise ApplicationError(_(MSG_RECEIPT_NOT_ISSUED), code="not_issued")
    amount = _positive(amount)
    investor = line.commitment.investor.organisation.name
    if amount > line.outstanding:
        raise ApplicationError(
            _(MSG_RECEIPT_TOO_MUCH)
            % {
                "investor": investor,
                "outstanding": format_eur(line.outstanding),
                "amount": format_eur(amount),
            },
            field="amount",
            code="too_much",
        )
    if received_on < call.notice_date:
        raise ApplicationError(_(MSG_RECEIPT_BEFORE_NOTICE), field="received_on", code="received_on")
    number = line.receipts.count() + 1
    entry = entry_post(
        fund=call.fund,
        value_date=received_on,
        description=_("Storting %(investor)s op kapitaaloproep %(number)s")
        % {"investor": investor, "number": call.number},
        lines=[
            Line(AccountCode.BANK, debit=amount),
            Line(AccountCode.PAID_IN_CAPITAL, credit=amount, commitment=line.commitment),
        ],
        actor=actor,
        source_document=f"investors:call:{call.pk}",
        idempotency_key=f"investors:call-line:{line.pk}:receipt:{number}",
    )
    receipt = CallReceipt.objects.create(
        line=line,
        amount=amount,
        received_on=received_on,
        entry=entry,
        created_by=_user(actor),
    )
    line.received += amount
    line.received_on = max(received_on, line.received_on or received_on)
    line.save(update_fields=["received", "received_on"])
    audit_record(
        actor=actor,
        obj=call,
        action="capital_call_receipt",
        data={"investor": investor, "amount": amount, "received_on": received_on, "entry": entry.pk},
    )
    if not call.lines.exclude(received=F("amount")).exists():
        call.status = CallStatus.PAID
        call.save(update_fields=["status"])
        audit_record(
            actor=actor,
            obj=call,
            action="capital_call_paid",
            from_state=CallStatus.ISSUED,
            to_state=CallStatus.PAID,
        )
    return receipt


# --------------------------------------------------------------------------------------------------
# Distributions
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def distribution_create(
    *,
    actor: User | None,
    fund: Fund,
    date: datetime.date,
    kind: str,
    amount,
    recallable: bool = False,
    allocation: str = DistributionAllocation.PAID_IN,
    description: str = "",
    amounts: Mapping[int, Decimal] | None = None,
) -> Distribution:
    """A draft distribution: pro rata to paid-in capital at its date (split), or as set per investor."""
    amount = _positive(amount)
    if kind not in DistributionKind.values:
        raise ApplicationError(_("Kies een soort uitkering."), field="kind", code="kind")
    _lock_fund(fund)
    commitments = _commitments(fund)
    if not commitments:
        raise ApplicationError(_(MSG_NO_COMMITMENTS), code="no_commitments")
    if allocation == DistributionAllocation.MANUAL:
        parts = _manual_parts(commitments=commitments, amounts=amounts or {}, total=amount)
    else:
        paid_in = paid_in_by_commitment(fund=fund, as_of=date)
        weights = [max(paid_in.get(c.pk, ZERO), ZERO) for c in commitments]
        if sum(weights) <= 0:
            raise ApplicationError(_(MSG_NOTHING_PAID_IN), field="allocation", code="nothing_paid_in")
        parts = split(amount, weights)
    distribution = Distribution.objects.create(
        fund=fund,
        number=_next_number(Distribution, fund),
        date=date,
        kind=kind,
        recallable=recallable,
        allocation=allocation,
        amount=amount,
        description=description.strip(),
        created_by=_user(actor),
    )
    DistributionLine.objects.bulk_create(
        [
            DistributionLine(distribution=distribution, commitment=commitment, amount=part)
            for commitment, part in zip(commitments, parts, strict=True)
        ]
    )
    audit_record(
        actor=actor,
        obj=distribution,
        action="distribution_created",
        to_state=DistributionStatus.DRAFT,
        data={"amount": amount, "kind": kind, "recallable": recallable, "allocation": allocation},
    )
    return distribution


def _manual_parts(*, commitments, amounts: Mapping[int, Decimal], total: Decimal) -> list[Decimal]:
    known = {c.pk for c in commitments}
    for commitment_id in amounts:
        if commitment_id not in known:
            raise ApplicationError(_(MSG_UNKNOWN_COMMITMENT) % {"id": commitment_id}, code="commitment")
    parts = []
    for commitment in commitments:
        part = to_cents(to_decimal(amounts.get(commitment.pk, ZERO)))
        if part < 0:
            raise ApplicationError(
                _(MSG_LINE_NEGATIVE) % {"investor": commitment.investor.organisation.name},
                field=f"line_{commitment.pk}",
                code="negative",
            )
        parts.append(part)
    if sum(parts, ZERO) != total:
        raise ApplicationError(
            _(MSG_LINES_SUM) % {"total": format_eur(sum(parts, ZERO)), "amount": format_eur(total)},
            code="lines_sum",
        )
    return parts


@transaction.atomic
def distribution_declare(
    *, actor: User | None, distribution: Distribution, notify: bool = True
) -> Distribution:
    """Draft → declared: D 3100 per investor / C 2000 distributions payable; a notice per investor
    (``notify=False`` only for history moved in from another administration, as for calls)."""
    distribution = Distribution.objects.select_for_update().select_related("fund").get(pk=distribution.pk)
    previous = _refuse_transition(
        distribution,
        DistributionStatus,
        to=DistributionStatus.DECLARED,
        allowed_from=(DistributionStatus.DRAFT,),
    )
    lines = [
        line
        for line in distribution.lines.select_related("commitment__investor__organisation")
        if line.amount > 0
    ]
    entry_post(
        fund=distribution.fund,
        value_date=distribution.date,
        description=_("Uitkering %(number)s vastgesteld (%(kind)s)")
        % {"number": distribution.number, "kind": distribution.get_kind_display().lower()},
        lines=[
            *[
                Line(AccountCode.CAPITAL_DISTRIBUTIONS, debit=line.amount, commitment=line.commitment)
                for line in lines
            ],
            Line(AccountCode.DISTRIBUTIONS_PAYABLE, credit=distribution.amount),
        ],
        actor=actor,
        source_document=f"investors:distribution:{distribution.pk}",
        idempotency_key=f"investors:distribution:{distribution.pk}:declared",
    )
    distribution.status = DistributionStatus.DECLARED
    distribution.save(update_fields=["status"])
    audit_record(
        actor=actor,
        obj=distribution,
        action="distribution_declared",
        from_state=previous,
        to_state=distribution.status,
        data={"amount": distribution.amount},
    )
    for line in lines if notify else []:
        notices.distribution_notice_send(actor=actor, line=line)
    return distribution


@transaction.atomic
def distribution_pay(
    *, actor: User | None, distribution: Distribution, paid_on: datetime.date
) -> Distribution:
    """Declared → paid: D 2000 / C Bank."""
    distribution = Distribution.objects.select_for_update().select_related("fund").get(pk=distribution.pk)
    previous = _refuse_transition(
        distribution,
        DistributionStatus,
        to=DistributionStatus.PAID,
        allowed_from=(DistributionStatus.DECLARED,),
    )
    if paid_on < distribution.date:
        raise ApplicationError(_(MSG_PAID_BEFORE_DATE), field="paid_on", code="paid_on")
    entry_post(
        fund=distribution.fund,
        value_date=paid_on,
        description=_("Uitkering %(number)s betaald") % {"number": distribution.number},
        lines=[
            Line(AccountCode.DISTRIBUTIONS_PAYABLE, debit=distribution.amount),
            Line(AccountCode.BANK, credit=distribution.amount),
        ],
        actor=actor,
        source_document=f"investors:distribution:{distribution.pk}",
        idempotency_key=f"investors:distribution:{distribution.pk}:paid",
    )
    distribution.status = DistributionStatus.PAID
    distribution.paid_on = paid_on
    distribution.save(update_fields=["status", "paid_on"])
    audit_record(
        actor=actor,
        obj=distribution,
        action="distribution_paid",
        from_state=previous,
        to_state=distribution.status,
        data={"paid_on": paid_on, "amount": distribution.amount},
    )
    return distribution


# --------------------------------------------------------------------------------------------------
# Management fee and fund expenses
# --------------------------------------------------------------------------------------------------


def management_fee_basis(*, fund: Fund, basis: str, as_of: datetime.date) -> Decimal:
    """Commitments made by `as_of`, or invested capital: outstanding principal (1100) + equity (1200)."""
    if basis == FeeBasis.INVESTED:
        balances = account_balances(fund=fund, as_of=as_of)
        return balances.get(AccountCode.LOANS_PRINCIPAL, ZERO) + balances.get(
            AccountCode.EQUITY_INVESTMENTS, ZERO
        )
    total = Commitment.objects.filter(fund=fund, committed_on__lte=as_of).aggregate(total=Sum("amount"))[
        "total"
    ]
    return to_cents(total or 0)


def management_fee_quote(*, fund: Fund, quarter: str) -> dict:
    """What charging the quarter's fee would book: basis, rate and fee (basis × rate × ¼, rounded once)."""
    start, end = quarters.parse_quarter(quarter)
    settings = capital_settings(fund)
    basis_amount = management_fee_basis(fund=fund, basis=settings.fee_basis, as_of=end)
    return {
        "quarter": quarters.quarter_label(start),
        "end": end,
        "basis": settings.fee_basis,
        "basis_label": settings.get_fee_basis_display(),
        "basis_amount": basis_amount,
        "rate": settings.management_fee_rate,
        "amount": to_cents(basis_amount * settings.management_fee_rate / 4),
    }


@transaction.atomic
def management_fee_charge(*, actor: User | None, fund: Fund, quarter: str) -> ManagementFeeCharge:
    """The quarter's fee (basis × rate × ¼, rounded once), split pro rata to commitment; once per quarter:
    charging the same quarter again returns the charge already booked."""
    quote = management_fee_quote(fund=fund, quarter=quarter)
    label, end, amount = quote["quarter"], quote["end"], quote["amount"]
    _lock_fund(fund)
    existing = ManagementFeeCharge.objects.filter(fund=fund, quarter=label).first()
    if existing is not None:
        return existing
    commitments = [c for c in _commitments(fund) if c.committed_on <= end]
    if not commitments:
        raise ApplicationError(_(MSG_NO_COMMITMENTS), code="no_commitments")
    if amount <= 0:
        raise ApplicationError(_(MSG_FEE_ZERO) % {"quarter": label}, field="quarter", code="fee_zero")
    parts = split(amount, [c.amount.amount for c in commitments])
    entry = entry_post(
        fund=fund,
        value_date=end,
        description=_("Beheervergoeding %(quarter)s") % {"quarter": label},
        lines=[
            *[
                Line(AccountCode.MANAGEMENT_FEE_EXPENSE, debit=part, commitment=commitment)
                for commitment, part in zip(commitments, parts, strict=True)
                if part > 0
            ],
            Line(AccountCode.MANAGEMENT_FEE_PAYABLE, credit=amount),
        ],
        actor=actor,
        source_document=f"investors:fee:{label}",
        idempotency_key=f"investors:fee:{label}",
    )
    charge = ManagementFeeCharge.objects.create(
        fund=fund,
        quarter=label,
        basis=quote["basis"],
        basis_amount=quote["basis_amount"],
        rate=quote["rate"],
        amount=amount,
        value_date=end,
        entry=entry,
        created_by=_user(actor),
    )
    audit_record(
        actor=actor,
        obj=charge,
        action="management_fee_charged",
        data={
            "quarter": label,
            "basis": quote["basis_amount"],
            "rate": quote["rate"],
            "amount": amount,
        },
    )
    return charge


@transaction.atomic
def expense_record(
    *,
    actor: User | None,
    fund: Fund,
    date: datetime.date,
    description: str,
    amount,
    paid_from_bank: bool = False,
) -> FundExpense:
    """A fund expense: D 5300 / C 2400 payable (or C Bank); allocated to investors by the fund's rule."""
    amount = _positive(amount)
    if not (description or "").strip():
        raise ApplicationError(_(MSG_DESCRIPTION), field="description", code="description")
    expense = FundExpense.objects.create(
        fund=fund,
        date=date,
        description=description.strip(),
        amount=amount,
        paid_from_bank=paid_from_bank,
        created_by=_user(actor),
    )
    expense.entry = entry_post(
        fund=fund,
        value_date=date,
        description=_("Fondskosten: %(description)s") % {"description": expense.description},
        lines=[
            Line(AccountCode.FUND_EXPENSES, debit=amount),
            Line(AccountCode.BANK if paid_from_bank else AccountCode.EXPENSES_PAYABLE, credit=amount),
        ],
        actor=actor,
        source_document=f"investors:expense:{expense.pk}",
        idempotency_key=f"investors:expense:{expense.pk}",
    )
    expense.save(update_fields=["entry"])
    audit_record(
        actor=actor,
        obj=expense,
        action="fund_expense_recorded",
        data={"amount": amount, "date": date, "paid_from_bank": paid_from_bank},
    )
    return expense


# --------------------------------------------------------------------------------------------------
# Paying the fee and expense payables
# --------------------------------------------------------------------------------------------------


def payables_open(*, fund: Fund, as_of: datetime.date | None = None) -> dict[str, Decimal]:
    """{2300, 2400: the amount still to be paid} from the ledger (credit balances)."""
    balances = account_balances(fund=fund, as_of=as_of)
    return {code.value: balances.get(code.value, ZERO) for code in PayableAccount}


@transaction.atomic
def payable_pay(
    *,
    actor: User | None,
    fund: Fund,
    account: str,
    amount,
    paid_on: datetime.date,
    description: str = "",
) -> PayablePayment:
    """Pay (part of) the management fee payable (2300) or the expenses payable (2400): D 2300/2400, C Bank.
    No more than is open on the account on the payment date."""
    if account not in PayableAccount.values:
        raise ApplicationError(_(MSG_PAYABLE_ACCOUNT), field="account", code="account")
    amount = _positive(amount)
    _lock_fund(fund)
    open_amount = payables_open(fund=fund, as_of=paid_on)[account]
    if amount > open_amount:
        raise ApplicationError(
            _(MSG_PAYABLE_TOO_MUCH)
            % {
                "account": PayableAccount(account).label,
                "open": format_eur(open_amount),
                "amount": format_eur(amount),
            },
            field="amount",
            code="above_open",
        )
    payment = PayablePayment.objects.create(
        fund=fund,
        account=account,
        amount=amount,
        paid_on=paid_on,
        description=(description or "").strip(),
        created_by=_user(actor),
    )
    payment.entry = entry_post(
        fund=fund,
        value_date=paid_on,
        description=_("Betaald: %(account)s") % {"account": PayableAccount(account).label}
        + (f" — {payment.description}" if payment.description else ""),
        lines=[Line(account, debit=amount), Line(AccountCode.BANK, credit=amount)],
        actor=actor,
        source_document=f"investors:payable:{payment.pk}",
        idempotency_key=f"investors:payable:{payment.pk}",
    )
    payment.save(update_fields=["entry"])
    audit_record(
        actor=actor,
        obj=payment,
        action="payable_paid",
        from_state=format_eur(open_amount),
        to_state=format_eur(open_amount - amount),
        data={"account": account, "amount": amount, "paid_on": paid_on},
    )
    return payment


# --------------------------------------------------------------------------------------------------
# Commitment adjustments (ILPA A.2: expired, other)
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def commitment_adjust(
    *,
    actor: User | None,
    commitment: Commitment,
    kind: str,
    amount,
    date: datetime.date,
    reason: str,
) -> CommitmentAdjustment:
    """Record a change of the unfunded commitment. ``expired``: ``amount`` (positive) of the unfunded part
    will never be called and is released — at most what is still unfunded. ``other``: a signed amount
    (positive raises, negative lowers what may be called), never below zero unfunded. A reason is required."""
    if kind not in AdjustmentKind.values:
        raise ApplicationError(_("Kies vervallen of overige aanpassing."), field="kind", code="kind")
    if not (reason or "").strip():
        raise ApplicationError(_(MSG_REASON), field="reason", code="reason")
    value = to_cents(to_decimal(amount))
    if value == 0:
        raise ApplicationError(_(MSG_ADJUST_ZERO), field="amount", code="amount")
    _lock_fund(commitment.fund)
    name = commitment.investor.organisation.name
    unfunded = unfunded_by_commitment(fund=commitment.fund).get(commitment.pk, ZERO)
    if kind == AdjustmentKind.EXPIRED:
        if value < 0:
            raise ApplicationError(_(MSG_AMOUNT_POSITIVE), field="amount", code="amount")
        if value > unfunded:
            raise ApplicationError(
                _(MSG_EXPIRE_TOO_MUCH)
                % {"investor": name, "unfunded": format_eur(unfunded), "amount": format_eur(value)},
                field="amount",
                code="above_unfunded",
            )
        value = -value
    elif unfunded + value < 0:
        raise ApplicationError(
            _(MSG_ADJUST_BELOW_ZERO) % {"investor": name, "result": format_eur(unfunded + value)},
            field="amount",
            code="below_zero",
        )
    adjustment = CommitmentAdjustment.objects.create(
        commitment=commitment,
        kind=kind,
        date=date,
        amount=value,
        reason=reason.strip(),
        created_by=_user(actor),
    )
    audit_record(
        actor=actor,
        obj=commitment,
        action="commitment_adjusted",
        from_state=format_eur(unfunded),
        to_state=format_eur(unfunded + value),
        reason=reason.strip(),
        data={"kind": kind, "amount": value, "date": date},
    )
    return adjustment
