"""Contract life: create, conditions precedent, disburse, accrue interest, receive repayments.

Every event books one journal entry through `portfolio.ledger.entry_post`, inside the same transaction as
the record that describes it, with an audit record. Amounts are EUR Decimals in whole cents.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from djmoney.money import Money

from core.errors import ApplicationError, TransitionError
from core.formats import format_date, format_eur, local_today
from core.money import is_whole_cents, to_cents
from fund.audit import audit_record, audit_record_many
from fund.models import Enterprise, Fund, User

from .accounts import AccountCode
from .ledger import LedgerError, Line, NewEntry, entries_post_many, entry_post
from .models import (
    ConditionPrecedent,
    ConditionStatus,
    Contract,
    ContractStatus,
    Disbursement,
    JournalEntry,
    PenaltyAccrual,
    Posting,
    Repayment,
    ScheduleLine,
    ScheduleVersion,
)
from .schedules import ScheduleError, build_schedule
from .selectors import DUES_ACCOUNTS, contract_account_balance, contract_account_balances, dues_from

LOAN_INSTRUMENTS = ("loan", "subordinated_loan", "convertible_loan")
MSG_NOT_A_LOAN = gettext_noop("Dit kan alleen bij een lening (instrument: %(instrument)s).")
MSG_WRONG_INSTRUMENT = gettext_noop("Dit kan alleen bij een contract met instrument '%(expected)s'.")
MSG_CALL_TOO_MUCH = gettext_noop("Het bedrag gaat boven de resterende garantie (%(left)s).")
MSG_INSTRUMENT_NOT_ALLOWED = gettext_noop("Het fonds staat het instrument '%(instrument)s' niet toe.")
MSG_OUTSIDE_TICKET = gettext_noop(
    "Het bedrag %(amount)s valt buiten het ticket van het fonds (%(low)s – %(high)s)."
)
MSG_ENTERPRISE_NOT_RELATED = gettext_noop("Deze onderneming is geen relatie van het fonds.")
MSG_OPEN_CONDITIONS = gettext_noop(
    "Eerst moeten alle opschortende voorwaarden voldaan zijn of met reden vervallen. Open: %(names)s."
)
MSG_OVER_PRINCIPAL = gettext_noop(
    "Deze uitbetaling (%(amount)s) brengt het uitbetaalde boven de hoofdsom "
    "(%(principal)s; al uitbetaald %(paid)s)."
)
MSG_NOT_ACTIVE = gettext_noop("Het contract is niet lopend (status: %(status)s).")
MSG_WAIVE_REASON = gettext_noop("Geef een reden waarom de voorwaarde vervalt.")
MSG_NOT_WRITTEN_OFF = gettext_noop(
    "Terugontvangen na afschrijving kan alleen bij een afgeschreven contract (status: %(status)s); "
    "boek een betaling op een lopend contract als aflossing."
)


def _amount(value: Decimal | Money, *, field: str) -> Decimal:
    """A positive amount in whole euro cents, or a refusal naming the field (never rounded silently)."""
    if isinstance(value, Money):
        if str(value.currency) != "EUR":
            raise ValidationError({field: [_("Bedragen zijn in euro's.")]})
        value = value.amount
    if isinstance(value, float):
        raise ValidationError({field: [_("Bedragen zijn in hele centen, geen kommagetal-benadering.")]})
    amount = Decimal(value)
    if amount <= 0 or not is_whole_cents(amount):
        raise ValidationError({field: [_("Geef een positief bedrag in hele centen.")]})
    return to_cents(amount)


def _post_pair(
    *,
    contract: Contract,
    actor: User | None,
    value_date: datetime.date,
    description: str,
    debit: str,
    credit: str,
    amount: Decimal,
    idempotency_key: str | None = None,
):
    """Book `amount` from one account to another for a contract: the shape of most contract events."""
    return entry_post(
        fund=contract.fund,
        value_date=value_date,
        description=description,
        lines=[Line(debit, debit=amount, contract=contract), Line(credit, credit=amount, contract=contract)],
        actor=actor,
        contract=contract,
        idempotency_key=idempotency_key,
    )


# --------------------------------------------------------------------------------------------------
# Contracts
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def contract_create(
    *,
    actor: User | None,
    fund: Fund,
    enterprise: Enterprise,
    reference: str,
    instrument: str,
    principal: Money,
    annual_rate: Decimal,
    term_months: int,
    grace_months: int = 0,
    frequency: str = "monthly",
    method: str = "annuity",
    day_count: str = "30E/360",
    signed_on: datetime.date | None = None,
    security: str = "",
    covenants: str = "",
    conditions: list[str] | None = None,
    conversion_terms: str = "",
    penalty_rate: Decimal | None = None,
) -> Contract:
    """A fund manager records a contract directly (until applications hand over approved terms)."""
    amount = _amount(principal, field="principal")
    errors: dict[str, list[str]] = {}
    if penalty_rate is not None and not (Decimal("0") <= Decimal(penalty_rate) <= Decimal("1")):
        errors["penalty_rate"] = [_("De boeterente moet tussen 0 en 100 % per jaar liggen.")]
    if instrument not in fund.allowed_instruments:
        errors["instrument"] = [_(MSG_INSTRUMENT_NOT_ALLOWED) % {"instrument": instrument}]
    if not (fund.min_ticket.amount <= amount <= fund.max_ticket.amount):
        errors["principal"] = [
            _(MSG_OUTSIDE_TICKET)
            % {
                "amount": format_eur(amount),
                "low": format_eur(fund.min_ticket),
                "high": format_eur(fund.max_ticket),
            }
        ]
    if not enterprise.fund_relations.filter(fund=fund).exists():
        errors["enterprise"] = [_(MSG_ENTERPRISE_NOT_RELATED)]
    try:  # a loan's terms must make a valid schedule
        if instrument in LOAN_INSTRUMENTS:
            build_schedule(
                principal=amount,
                annual_rate=Decimal(annual_rate),
                start_date=signed_on or local_today(),  # the schedule starts at (full) disbursement
                term_months=term_months,
                frequency=frequency,
                method=method,
                day_count=day_count,
                grace_months=grace_months,
            )
    except ScheduleError as exc:
        errors.setdefault("term_months", []).append(str(exc))
    if errors:
        raise ValidationError(errors)
    contract = Contract(
        fund=fund,
        enterprise=enterprise,
        reference=reference.strip().upper(),
        instrument=instrument,
        principal=Money(amount, "EUR"),
        annual_rate=Decimal(annual_rate),
        term_months=term_months,
        grace_months=grace_months,
        frequency=frequency,
        method=method,
        day_count=day_count,
        signed_on=signed_on,
        security=security,
        covenants=covenants,
        conversion_terms=conversion_terms,
        penalty_rate=Decimal(penalty_rate) if penalty_rate is not None else None,
    )
    contract.full_clean()
    contract.save()
    ConditionPrecedent.objects.bulk_create(
        [
            ConditionPrecedent(contract=contract, description=text)
            for text in (conditions or [])
            if text.strip()
        ]
    )
    audit_record(actor=actor, obj=contract, action="contract_created", to_state=contract.status)
    return contract


@transaction.atomic
def condition_resolve(
    *, actor: User | None, condition: ConditionPrecedent, status: str, reason: str = ""
) -> ConditionPrecedent:
    if status == ConditionStatus.WAIVED and not reason.strip():
        raise ValidationError({"reason": [_(MSG_WAIVE_REASON)]})
    if condition.status != ConditionStatus.OPEN:
        raise TransitionError(
            obj_label=_("Voorwaarde '%(name)s'") % {"name": condition.description},
            from_state=ConditionStatus(condition.status).label,
            to_state=ConditionStatus(status).label,
            allowed=[],
        )
    from_status = condition.status
    condition.status, condition.reason = status, reason.strip()
    condition.save(update_fields=["status", "reason"])
    audit_record(
        actor=actor,
        obj=condition.contract,
        action="condition_resolved",
        from_state=from_status,
        to_state=status,
        reason=reason,
        data={"condition": condition.description},
    )
    return condition


def _schedule_version_create(
    *,
    contract: Contract,
    actor: User | None,
    start_date: datetime.date,
    principal: Decimal,
    reason: str,
    **terms,
) -> ScheduleVersion:
    last = contract.schedule_versions.order_by("-number").first()
    params = {
        "annual_rate": contract.annual_rate,
        "term_months": contract.term_months,
        "grace_months": contract.grace_months,
        "frequency": contract.frequency,
        "method": contract.method,
        "day_count": contract.day_count,
    } | terms
    rows = build_schedule(principal=principal, start_date=start_date, **params)
    version = ScheduleVersion.objects.create(
        contract=contract,
        number=(last.number + 1) if last else 1,
        reason=reason,
        principal=principal,
        start_date=start_date,
        created_by=actor,
        **params,
    )
    ScheduleLine.objects.bulk_create(
        [
            ScheduleLine(
                version=version,
                number=row.number,
                due_date=row.due_date,
                principal=row.principal,
                interest=row.interest,
                payment=row.payment,
                balance=row.balance,
                cumulative_payment=cumulative,
            )
            for row, cumulative in zip(rows, accumulate(row.payment for row in rows), strict=True)
        ]
    )
    return version


def disbursed_total(contract: Contract) -> Decimal:
    return to_cents(contract.disbursements.aggregate(total=Sum("amount"))["total"] or 0)


@transaction.atomic
def contract_disburse(
    *, actor: User | None, contract: Contract, amount: Decimal | Money, value_date: datetime.date
) -> Disbursement:
    """Pay out a tranche. The schedule (version 1) starts when the full principal has been paid out."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    amount = _amount(amount, field="amount")
    if contract.instrument not in LOAN_INSTRUMENTS:
        raise LedgerError(_(MSG_NOT_A_LOAN) % {"instrument": contract.get_instrument_display()})
    if contract.status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
        raise LedgerError(_(MSG_NOT_ACTIVE) % {"status": contract.get_status_display()})
    open_conditions = list(contract.conditions.filter(status=ConditionStatus.OPEN))
    if open_conditions:
        raise LedgerError(
            _(MSG_OPEN_CONDITIONS) % {"names": ", ".join(c.description for c in open_conditions)}
        )
    paid = disbursed_total(contract)
    if paid + amount > contract.principal.amount:
        raise ValidationError(
            {
                "amount": [
                    _(MSG_OVER_PRINCIPAL)
                    % {
                        "amount": format_eur(amount),
                        "principal": format_eur(contract.principal),
                        "paid": format_eur(paid),
                    }
                ]
            }
        )
    entry = _post_pair(
        contract=contract,
        actor=actor,
        value_date=value_date,
        description=_("Uitbetaling %(ref)s") % {"ref": contract.reference},
        debit=AccountCode.LOANS_PRINCIPAL,
        credit=AccountCode.BANK,
        amount=amount,
    )
    disbursement = Disbursement.objects.create(
        contract=contract, value_date=value_date, amount=amount, entry=entry
    )
    from_status = contract.status
    if contract.status == ContractStatus.DRAFT:
        contract.status = ContractStatus.ACTIVE
        contract.save(update_fields=["status"])
    if from_status == ContractStatus.DRAFT:  # de minimis aid is granted with the loan (issue 17)
        from .stateaid import aid_record_for_contract

        aid_record_for_contract(actor=actor, contract=contract, grant_date=contract.signed_on or value_date)
    if paid + amount == contract.principal.amount and not contract.schedule_versions.exists():
        _schedule_version_create(
            contract=contract,
            actor=actor,
            start_date=value_date,
            principal=contract.principal.amount,
            reason=_("Volledig uitbetaald"),
        )
        if from_status != ContractStatus.DRAFT:  # paid out in tranches: aid recomputed per tranche
            from .stateaid import aid_record_tranches

            aid_record_tranches(actor=actor, contract=contract)
    audit_record(
        actor=actor,
        obj=contract,
        action="contract_disbursed",
        from_state=from_status,
        to_state=contract.status,
        data={"amount": amount, "value_date": value_date},
    )
    return disbursement


def current_schedule(contract: Contract) -> ScheduleVersion | None:
    return contract.schedule_versions.order_by("-number").first()


# --------------------------------------------------------------------------------------------------
# Interest accrual and repayments
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def interest_accrue(*, actor: User | None, contract: Contract, through: datetime.date) -> list[int]:
    """Book the interest of every instalment due on or before `through` as receivable (once per line)."""
    version = current_schedule(contract)
    if version is None:
        return []
    lines = list(version.lines.filter(due_date__lte=through, interest__gt=0))
    keys = {line.pk: f"accrual:{contract.pk}:{line.due_date.isoformat()}" for line in lines}
    # one query for the instalments already accrued (a payment on a loan with years of history would
    # otherwise ask the ledger once per past instalment)
    existing = dict(
        JournalEntry.objects.filter(fund_id=contract.fund_id, idempotency_key__in=keys.values()).values_list(
            "idempotency_key", "pk"
        )
    )
    booked = []
    for line in lines:
        if keys[line.pk] in existing:
            booked.append(existing[keys[line.pk]])
            continue
        entry = entry_post(
            fund=contract.fund,
            value_date=line.due_date,
            description=_("Rentetermijn %(n)d %(ref)s") % {"n": line.number, "ref": contract.reference},
            lines=[
                Line(AccountCode.INTEREST_RECEIVABLE, debit=line.interest, contract=contract),
                Line(AccountCode.INTEREST_INCOME, credit=line.interest, contract=contract),
            ],
            actor=actor,
            contract=contract,
            idempotency_key=keys[line.pk],
        )
        booked.append(entry.pk)
    return booked


def _balance(contract: Contract, code: str, as_of: datetime.date) -> Decimal:
    return contract_account_balance(contract=contract, account_code=code, as_of=as_of)


def dues(*, contract: Contract, as_of: datetime.date) -> dict[str, Decimal]:
    """What the enterprise owes on `as_of`: fees and interest receivable, and principal behind schedule.

    Principal due is the outstanding principal minus the balance the current schedule version planned for
    this date, so it stays right after a restructuring or prepayment starts a new version.
    """
    version = current_schedule(contract)
    balances = contract_account_balances(contract=contract, account_codes=DUES_ACCOUNTS, as_of=as_of)
    planned = balances[AccountCode.LOANS_PRINCIPAL]
    if version is not None:
        last_due = version.lines.filter(due_date__lte=as_of).order_by("-number").first()
        planned = last_due.balance if last_due is not None else version.principal
    return dues_from(balances=balances, planned=planned)


# The default order in which a payment settles what is owed; configurable per call or with the
# PORTFOLIO_ALLOCATION_ORDER setting. Whatever is left becomes a prepayment (account 2200).
DEFAULT_ALLOCATION_ORDER = (
    "fees",
    "penalty_interest",
    "overdue_interest",
    "overdue_principal",
    "current_interest",
    "current_principal",
)
ALLOCATION_ACCOUNTS = {
    "fees": AccountCode.FEES_RECEIVABLE,
    "penalty_interest": AccountCode.PENALTY_INTEREST_RECEIVABLE,
    "overdue_interest": AccountCode.INTEREST_RECEIVABLE,
    "overdue_principal": AccountCode.LOANS_PRINCIPAL,
    "current_interest": AccountCode.INTEREST_RECEIVABLE,
    "current_principal": AccountCode.LOANS_PRINCIPAL,
}


def allocation_order() -> tuple[str, ...]:
    from django.conf import settings

    order = tuple(getattr(settings, "PORTFOLIO_ALLOCATION_ORDER", DEFAULT_ALLOCATION_ORDER))
    if sorted(order) != sorted(DEFAULT_ALLOCATION_ORDER):
        raise ImproperlyConfigured(
            "PORTFOLIO_ALLOCATION_ORDER must order exactly these parts: "
            + ", ".join(DEFAULT_ALLOCATION_ORDER)
        )
    return order


def owed_parts(*, contract: Contract, value_date: datetime.date) -> dict[str, Decimal]:
    """What is owed on `value_date`, split as the allocation order needs it.

    "Current" is the instalment due on the value date itself; everything due before it is overdue.
    """
    owed = dues(contract=contract, as_of=value_date)
    version = current_schedule(contract)
    line = version.lines.filter(due_date=value_date).first() if version else None
    return _parts_from(owed=owed, line=line)


def _parts_from(*, owed: dict[str, Decimal], line) -> dict[str, Decimal]:
    """What is owed, split into the allocation order's parts; `line` is the instalment due that day."""
    current_interest = min(line.interest, owed["interest"]) if line else Decimal("0.00")
    current_principal = min(line.principal, owed["principal_due"]) if line else Decimal("0.00")
    return {
        "fees": owed["fees"],
        "penalty_interest": owed["penalty_interest"],
        "overdue_interest": owed["interest"] - current_interest,
        "overdue_principal": owed["principal_due"] - current_principal,
        "current_interest": current_interest,
        "current_principal": current_principal,
    }


def _allocate(
    *, amount: Decimal, owed: dict[str, Decimal], order: tuple[str, ...]
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """(allocation per part, credit per account): what a payment settles in the order; the rest prepays."""
    remaining = amount
    allocation: dict[str, Decimal] = {}
    for part in order:
        take = min(remaining, owed[part])
        if take > 0:
            allocation[part] = take
            remaining -= take
    if remaining > 0:
        allocation["prepayment"] = remaining
    credits: dict[str, Decimal] = {}
    for part, value in allocation.items():
        account = ALLOCATION_ACCOUNTS.get(part, AccountCode.PREPAYMENTS_RECEIVED)
        credits[account] = credits.get(account, Decimal("0.00")) + value
    return allocation, credits


def _scheduled_paid(credits: dict[str, Decimal]) -> Decimal:
    return credits.get(AccountCode.LOANS_PRINCIPAL, Decimal("0.00")) + credits.get(
        AccountCode.INTEREST_RECEIVABLE, Decimal("0.00")
    )


@transaction.atomic
def repayment_receive(
    *,
    actor: User | None,
    contract: Contract,
    amount: Decimal | Money,
    value_date: datetime.date,
    idempotency_key: str | None = None,
    source_document: str = "",
    order: tuple[str, ...] | None = None,
) -> Repayment:
    """Receive money and allocate it in the allocation order; the rest is a prepayment.

    The schedule's interest is accrued up to the value date first, so interest due is on the books.
    A prepayment waits on account 2200 until the fund manager chooses a shorter term or lower instalment.
    """
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    amount = _amount(amount, field="amount")
    if idempotency_key:
        existing = Repayment.objects.filter(
            entry__fund=contract.fund, entry__idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return existing
    if contract.status != ContractStatus.ACTIVE:
        raise LedgerError(_(MSG_NOT_ACTIVE) % {"status": contract.get_status_display()})
    interest_accrue(actor=actor, contract=contract, through=value_date)
    owed = owed_parts(contract=contract, value_date=value_date)
    allocation, credits = _allocate(amount=amount, owed=owed, order=order or allocation_order())
    lines = [Line(AccountCode.BANK, debit=amount, contract=contract)]
    lines += [Line(account, credit=value, contract=contract) for account, value in credits.items()]
    entry = entry_post(
        fund=contract.fund,
        value_date=value_date,
        description=_("Betaling ontvangen %(ref)s") % {"ref": contract.reference},
        lines=lines,
        actor=actor,
        contract=contract,
        idempotency_key=idempotency_key,
        source_document=source_document,
    )
    repayment = Repayment.objects.create(
        contract=contract,
        value_date=value_date,
        amount=amount,
        scheduled_paid=_scheduled_paid(credits),
        allocation={part: str(value) for part, value in allocation.items()},
        entry=entry,
    )
    audit_record(
        actor=actor,
        obj=contract,
        action="repayment_received",
        data={"amount": amount, "value_date": value_date, "allocation": repayment.allocation},
    )
    return repayment


@dataclass(frozen=True)
class Payment:
    """One payment for `repayments_receive_many` (what `repayment_receive` takes per call)."""

    contract: Contract
    amount: Decimal
    value_date: datetime.date
    idempotency_key: str
    source_document: str = ""


@dataclass(frozen=True)
class _Instalment:
    number: int
    due_date: datetime.date
    interest: Decimal
    principal: Decimal
    balance: Decimal


@transaction.atomic
def repayments_receive_many(*, actor: User | None, fund: Fund, payments: list[Payment]) -> list[Repayment]:
    """Receive many payments (a bank statement's) as `repayment_receive` would, one after another in this
    order, with the same entries, allocations, refusals and audit records — in a few queries instead of some
    thirty per payment. The state each payment needs (schedule, balances, accrued instalments) is read once
    and kept up to date in memory as the payments are booked; the entries are written together at the end.
    A payment whose key was booked before returns that repayment, as `repayment_receive` does."""
    if not payments:
        return []
    order = allocation_order()
    ids = sorted({p.contract.pk for p in payments})
    contracts = {
        c.pk: c
        for c in Contract.objects.select_for_update(of=("self",))
        .select_related("enterprise__organisation", "fund")
        .filter(pk__in=ids)
    }
    if any(c.fund_id != fund.pk for c in contracts.values()):
        raise LedgerError(_("Een betaling hoort bij een contract van een ander fonds."))
    earlier = {
        r.entry.idempotency_key: r
        for r in Repayment.objects.filter(
            entry__fund=fund, entry__idempotency_key__in=[p.idempotency_key for p in payments]
        ).select_related("entry")
    }
    first_day = min(p.value_date for p in payments)
    last_day = max(p.value_date for p in payments)

    # The current schedule version of each contract and its instalments up to the last payment day.
    current: dict[int, tuple[int, Decimal]] = {}
    for version_id, contract_id, number, principal in ScheduleVersion.objects.filter(
        contract_id__in=ids
    ).values_list("id", "contract_id", "number", "principal"):
        if contract_id not in current or number > current[contract_id][2]:
            current[contract_id] = (version_id, principal, number)
    by_version = {version_id: contract_id for contract_id, (version_id, _p, _n) in current.items()}
    instalments: dict[int, list[_Instalment]] = {contract_id: [] for contract_id in current}
    for version_id, number, due_date, interest, principal, balance in (
        ScheduleLine.objects.filter(version_id__in=list(by_version), due_date__lte=last_day)
        .order_by("version_id", "number")
        .values_list("version_id", "number", "due_date", "interest", "principal", "balance")
    ):
        instalments[by_version[version_id]].append(
            _Instalment(number, due_date, interest, principal, balance)
        )
    accrued = set(
        JournalEntry.objects.filter(
            fund=fund, contract_id__in=ids, idempotency_key__startswith="accrual:"
        ).values_list("idempotency_key", flat=True)
    )

    # Balances on the dues accounts: the sum before the first payment day, then each dated change.
    zero = Decimal("0.00")
    base = {(contract_id, code): zero for contract_id in ids for code in DUES_ACCOUNTS}
    for contract_id, code, debit, credit in (
        Posting.objects.filter(contract_id__in=ids, account__code__in=DUES_ACCOUNTS, value_date__lt=first_day)
        .values("contract_id", "account__code")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by()
        .values_list("contract_id", "account__code", "debit", "credit")
    ):
        base[(contract_id, code)] = to_cents(debit or 0) - to_cents(credit or 0)
    changes: dict[int, list[tuple[datetime.date, str, Decimal]]] = {contract_id: [] for contract_id in ids}
    for contract_id, code, value_date, debit, credit in Posting.objects.filter(
        contract_id__in=ids, account__code__in=DUES_ACCOUNTS, value_date__gte=first_day
    ).values_list("contract_id", "account__code", "value_date", "debit", "credit"):
        changes[contract_id].append((value_date, code, debit - credit))

    def balances(contract_id: int, as_of: datetime.date) -> dict[str, Decimal]:
        out = {code: base[(contract_id, code)] for code in DUES_ACCOUNTS}
        for value_date, code, change in changes[contract_id]:
            if value_date <= as_of:
                out[code] += change
        return out

    entries: list[NewEntry] = []
    made: list[tuple | Repayment] = []
    for payment in payments:
        if payment.idempotency_key in earlier:
            made.append(earlier[payment.idempotency_key])
            continue
        contract = contracts[payment.contract.pk]
        amount = _amount(payment.amount, field="amount")
        if contract.status != ContractStatus.ACTIVE:
            raise LedgerError(_(MSG_NOT_ACTIVE) % {"status": contract.get_status_display()})
        lines = instalments.get(contract.pk, [])
        for line in lines:  # interest_accrue: every instalment due by now, once
            key = f"accrual:{contract.pk}:{line.due_date.isoformat()}"
            if line.due_date > payment.value_date or line.interest <= 0 or key in accrued:
                continue
            accrued.add(key)
            entries.append(
                NewEntry(
                    value_date=line.due_date,
                    description=_("Rentetermijn %(n)d %(ref)s")
                    % {"n": line.number, "ref": contract.reference},
                    lines=[
                        Line(AccountCode.INTEREST_RECEIVABLE, debit=line.interest, contract=contract),
                        Line(AccountCode.INTEREST_INCOME, credit=line.interest, contract=contract),
                    ],
                    contract=contract,
                    idempotency_key=key,
                )
            )
            changes[contract.pk].append((line.due_date, AccountCode.INTEREST_RECEIVABLE, line.interest))
        now = balances(contract.pk, payment.value_date)
        planned = now[AccountCode.LOANS_PRINCIPAL]
        if contract.pk in current:  # dues(): the balance the schedule planned for this day
            due = [line for line in lines if line.due_date <= payment.value_date]
            planned = max(due, key=lambda line: line.number).balance if due else current[contract.pk][1]
        today = next((line for line in lines if line.due_date == payment.value_date), None)
        owed = _parts_from(owed=dues_from(balances=now, planned=planned), line=today)
        allocation, credits = _allocate(amount=amount, owed=owed, order=order)
        entries.append(
            NewEntry(
                value_date=payment.value_date,
                description=_("Betaling ontvangen %(ref)s") % {"ref": contract.reference},
                lines=[Line(AccountCode.BANK, debit=amount, contract=contract)]
                + [Line(account, credit=value, contract=contract) for account, value in credits.items()],
                contract=contract,
                source_document=payment.source_document,
                idempotency_key=payment.idempotency_key,
            )
        )
        for account, value in credits.items():
            if account in DUES_ACCOUNTS:
                changes[contract.pk].append((payment.value_date, account, -value))
        made.append((payment, len(entries) - 1, allocation, credits, amount))

    posted = entries_post_many(fund=fund, entries=entries, actor=actor)
    new = Repayment.objects.bulk_create(
        [
            Repayment(
                contract=contracts[payment.contract.pk],
                value_date=payment.value_date,
                amount=amount,
                scheduled_paid=_scheduled_paid(credits),
                allocation={part: str(value) for part, value in allocation.items()},
                entry=posted[index],
            )
            for payment, index, allocation, credits, amount in (
                row for row in made if not isinstance(row, Repayment)
            )
        ],
        batch_size=2000,
    )
    audit_record_many(
        actor=actor,
        records=[
            (
                repayment.contract,
                "repayment_received",
                {
                    "amount": repayment.amount,
                    "value_date": repayment.value_date,
                    "allocation": repayment.allocation,
                },
            )
            for repayment in new
        ],
    )
    fresh = iter(new)
    return [row if isinstance(row, Repayment) else next(fresh) for row in made]


@transaction.atomic
def charge_book(
    *,
    actor: User | None,
    contract: Contract,
    kind: str,
    amount: Decimal | Money,
    value_date: datetime.date,
    reason: str,
) -> int:
    """Charge a fee or penalty interest to the enterprise (receivable and income)."""
    accounts = {
        "fee": (AccountCode.FEES_RECEIVABLE, AccountCode.FEE_INCOME),
        "penalty_interest": (AccountCode.PENALTY_INTEREST_RECEIVABLE, AccountCode.PENALTY_INTEREST_INCOME),
    }
    if kind not in accounts:
        raise ValidationError({"kind": [_("Kies een vergoeding of boeterente.")]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [_(MSG_REASON)]})
    amount = _amount(amount, field="amount")
    receivable, income = accounts[kind]
    entry = entry_post(
        fund=contract.fund,
        value_date=value_date,
        description=f"{reason.strip()} ({contract.reference})",
        lines=[
            Line(receivable, debit=amount, contract=contract),
            Line(income, credit=amount, contract=contract),
        ],
        actor=actor,
        contract=contract,
    )
    audit_record(
        actor=actor,
        obj=contract,
        action="charge_booked",
        reason=reason,
        data={"kind": kind, "amount": amount},
    )
    return entry.pk


# --------------------------------------------------------------------------------------------------
# Penalty interest (boeterente) from days late
# --------------------------------------------------------------------------------------------------

PENALTY_DAY_BASIS = 365


def overdue_euro_days(
    *, contract: Contract, start: datetime.date, end: datetime.date
) -> tuple[Decimal, datetime.date]:
    """Σ over the days in (start, end] of what is overdue that day, in euro-days; and where it starts.

    Overdue on day d: the payments of the current schedule version due before d, minus the scheduled
    instalments paid on or before d (fees and earlier penalties excluded). A payment on its due date is on
    time. The period starts no earlier than the current version.
    """
    version = current_schedule(contract)
    if version is None:
        return Decimal("0.00"), start
    start = max(start, version.start_date)
    if end <= start:
        return Decimal("0.00"), start
    due = list(version.lines.filter(due_date__lt=end).order_by("number").values_list("due_date", "payment"))
    paid = []
    for value_date, amount, returned_on in Repayment.objects.filter(
        contract=contract, value_date__gte=version.start_date, value_date__lte=end, scheduled_paid__gt=0
    ).values_list("value_date", "scheduled_paid", "returned_on"):
        paid.append((value_date, amount))
        if returned_on is not None and returned_on <= end:  # a returned direct debit is unpaid again
            paid.append((returned_on, -amount))
    paid.sort(key=lambda item: item[0])
    total = Decimal("0.00")
    due_sum = paid_sum = Decimal("0.00")
    i = j = 0
    day = start + datetime.timedelta(days=1)
    while day <= end:
        while i < len(due) and due[i][0] < day:
            due_sum += due[i][1]
            i += 1
        while j < len(paid) and paid[j][0] <= day:
            paid_sum += paid[j][1]
            j += 1
        total += max(due_sum - paid_sum, Decimal("0.00"))
        day += datetime.timedelta(days=1)
    return total, start


def penalty_interest_preview(*, contract: Contract, through: datetime.date) -> dict | None:
    """What `penalty_interest_book` would charge up to `through` (nothing is booked): the period since the
    previous calculation, the overdue euro-days, the rate and the amount; None when there is nothing to do."""
    if not contract.penalty_rate or contract.status != ContractStatus.ACTIVE:
        return None
    last = contract.penalty_accruals.order_by("-period_end").first()
    version = current_schedule(contract)
    if version is None:
        return None
    start = last.period_end if last is not None else version.start_date
    if through <= start:
        return None
    euro_days, start = overdue_euro_days(contract=contract, start=start, end=through)
    if through <= start:
        return None
    return {
        "contract": contract,
        "start": start,
        "through": through,
        "euro_days": euro_days,
        "rate": contract.penalty_rate,
        "amount": to_cents(euro_days * contract.penalty_rate / PENALTY_DAY_BASIS),
    }


@transaction.atomic
def penalty_interest_book(
    *, actor: User | None, contract: Contract, through: datetime.date
) -> PenaltyAccrual | None:
    """Charge penalty interest over what was late since the previous calculation, up to `through`.

    amount = Σ overdue euro-days × penalty rate ÷ 365, rounded once to the cent (ROUND_HALF_UP); the
    calculation is stored (also when it comes to € 0), so the next one starts where this one ended and
    running it twice for the same date books nothing twice.
    """
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    preview = penalty_interest_preview(contract=contract, through=through)
    if preview is None:
        return None
    start, euro_days, amount = preview["start"], preview["euro_days"], preview["amount"]
    entry = None
    if amount > 0:
        entry = entry_post(
            fund=contract.fund,
            value_date=through,
            description=_("Boeterente %(ref)s %(start)s – %(end)s")
            % {
                "ref": contract.reference,
                "start": format_date(start, language="nl"),
                "end": format_date(through, language="nl"),
            },
            lines=[
                Line(AccountCode.PENALTY_INTEREST_RECEIVABLE, debit=amount, contract=contract),
                Line(AccountCode.PENALTY_INTEREST_INCOME, credit=amount, contract=contract),
            ],
            actor=actor,
            contract=contract,
            idempotency_key=f"penalty:{contract.pk}:{through.isoformat()}",
        )
    accrual = PenaltyAccrual.objects.create(
        contract=contract,
        period_start=start,
        period_end=through,
        rate=contract.penalty_rate,
        overdue_euro_days=euro_days,
        amount=amount,
        entry=entry,
    )
    if amount > 0:
        audit_record(
            actor=actor,
            obj=contract,
            action="penalty_interest_booked",
            data={"from": start, "through": through, "rate": contract.penalty_rate, "amount": amount},
        )
    return accrual


# --------------------------------------------------------------------------------------------------
# Restructuring, prepayment, write-off, recovery, provisions
# --------------------------------------------------------------------------------------------------

MSG_REASON = gettext_noop("Geef een reden.")
MSG_NO_SCHEDULE = gettext_noop("Dit contract heeft nog geen aflosschema.")
MSG_NO_PREPAYMENT = gettext_noop("Er staat geen vooruitbetaling op dit contract.")
MSG_NOTHING_OUTSTANDING = gettext_noop("Er staat geen hoofdsom meer uit.")
MSG_WRITE_OFF_CHOOSE = gettext_noop(
    "Geef het bedrag dat wordt afgeschreven, of kies uitdrukkelijk voor volledig afschrijven."
)
MSG_WRITE_OFF_TOO_MUCH = gettext_noop("Afschrijven kan hoogstens de uitstaande hoofdsom (%(outstanding)s).")
PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}


def _remaining_months(version: ScheduleVersion, as_of: datetime.date) -> int:
    remaining_lines = version.lines.filter(due_date__gt=as_of).count()
    return remaining_lines * PERIOD_MONTHS[version.frequency]


@transaction.atomic
def contract_restructure(
    *,
    actor: User | None,
    contract: Contract,
    as_of: datetime.date,
    reason: str,
    annual_rate: Decimal | None = None,
    term_months: int | None = None,
    grace_months: int = 0,
) -> ScheduleVersion:
    """Payment holiday (grace), longer term or new rate: a new schedule version over what is outstanding."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [_(MSG_REASON)]})
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    version = current_schedule(contract)
    if version is None:
        raise LedgerError(_(MSG_NO_SCHEDULE))
    outstanding = _balance(contract, AccountCode.LOANS_PRINCIPAL, as_of)
    if outstanding <= 0:
        raise LedgerError(_(MSG_NOTHING_OUTSTANDING))
    terms = {
        "annual_rate": annual_rate if annual_rate is not None else version.annual_rate,
        "term_months": term_months or _remaining_months(version, as_of),
        "grace_months": grace_months,
        "frequency": version.frequency,
        "method": version.method,
        "day_count": version.day_count,
    }
    try:
        new = _schedule_version_create(
            contract=contract,
            actor=actor,
            start_date=as_of,
            principal=outstanding,
            reason=reason.strip(),
            **terms,
        )
    except ScheduleError as exc:
        raise ValidationError({"term_months": [str(exc)]}) from exc
    from .stateaid import aid_record_restructuring  # a lower rate is extra de minimis aid (issue 17)

    aid_record_restructuring(
        actor=actor, contract=contract, as_of=as_of, old_version=version, new_version=new
    )
    audit_record(
        actor=actor,
        obj=contract,
        action="contract_restructured",
        from_state=f"v{version.number}",
        to_state=f"v{new.number}",
        reason=reason.strip(),
        data={key: str(value) for key, value in terms.items()} | {"principal": str(outstanding)},
    )
    return new


@transaction.atomic
def prepayment_apply(
    *, actor: User | None, contract: Contract, value_date: datetime.date, option: str
) -> ScheduleVersion:
    """Apply money held as prepayment (account 2200) to principal; `option` is "shorter_term" or
    "lower_instalment" — the fund manager's choice — and a new schedule version follows."""
    if option not in ("shorter_term", "lower_instalment"):
        raise ValidationError({"option": [_("Kies een kortere looptijd of een lager termijnbedrag.")]})
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    version = current_schedule(contract)
    if version is None:
        raise LedgerError(_(MSG_NO_SCHEDULE))
    held = -_balance(contract, AccountCode.PREPAYMENTS_RECEIVED, value_date)  # a liability: credit balance
    if held <= 0:
        raise LedgerError(_(MSG_NO_PREPAYMENT))
    outstanding = _balance(contract, AccountCode.LOANS_PRINCIPAL, value_date)
    applied = min(held, outstanding)
    entry_post(
        fund=contract.fund,
        value_date=value_date,
        description=_("Vooruitbetaling verrekend %(ref)s") % {"ref": contract.reference},
        lines=[
            Line(AccountCode.PREPAYMENTS_RECEIVED, debit=applied, contract=contract),
            Line(AccountCode.LOANS_PRINCIPAL, credit=applied, contract=contract),
        ],
        actor=actor,
        contract=contract,
    )
    remaining_principal = outstanding - applied
    remaining = _remaining_months(version, value_date)
    period = PERIOD_MONTHS[version.frequency]
    if remaining_principal <= 0 or remaining < period:
        return version
    term = remaining
    if option == "shorter_term":
        old_payment = version.lines.filter(due_date__gt=value_date).order_by("number").first().payment
        while term - period >= period:  # the shortest term whose instalment stays within the old one
            rows = build_schedule(
                principal=remaining_principal,
                annual_rate=version.annual_rate,
                start_date=value_date,
                term_months=term - period,
                frequency=version.frequency,
                method=version.method,
                day_count=version.day_count,
            )
            if rows[0].payment > old_payment:
                break
            term -= period
    label = _("kortere looptijd") if option == "shorter_term" else _("lager termijnbedrag")
    return _schedule_version_create(
        contract=contract,
        actor=actor,
        start_date=value_date,
        principal=remaining_principal,
        reason=_("Vervroegde aflossing %(amount)s (%(option)s)")
        % {"amount": format_eur(applied, language="nl"), "option": label},
        term_months=term,
        grace_months=0,
    )


@transaction.atomic
def contract_write_off(
    *,
    actor: User | None,
    contract: Contract,
    value_date: datetime.date,
    reason: str,
    amount: Decimal | None = None,
    full: bool = False,
) -> Contract:
    """Write off principal: `amount` of it, or all of it when `full` is chosen explicitly (an empty amount
    alone is refused), using the contract's provision first.

    A full write-off also writes off the interest still receivable and closes the contract.
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": [_(MSG_REASON)]})
    if amount is None and not full:
        raise ValidationError({"amount": [_(MSG_WRITE_OFF_CHOOSE)]})
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    outstanding = _balance(contract, AccountCode.LOANS_PRINCIPAL, value_date)
    amount = outstanding if full else _amount(amount, field="amount")
    if outstanding <= 0:
        raise LedgerError(_(MSG_NOTHING_OUTSTANDING))
    if amount > outstanding:
        raise ValidationError(
            {"amount": [_(MSG_WRITE_OFF_TOO_MUCH) % {"outstanding": format_eur(outstanding)}]}
        )
    full = amount == outstanding
    interest = (
        max(_balance(contract, AccountCode.INTEREST_RECEIVABLE, value_date), Decimal("0.00"))
        if full
        else Decimal("0.00")
    )
    provision = max(
        -_balance(contract, AccountCode.LOAN_LOSS_PROVISION, value_date), Decimal("0.00")
    )  # contra-asset: credit balance
    from_provision = min(provision, amount + interest)
    lines = [Line(AccountCode.LOANS_PRINCIPAL, credit=amount, contract=contract)]
    if interest > 0:
        lines.append(Line(AccountCode.INTEREST_RECEIVABLE, credit=interest, contract=contract))
    if from_provision > 0:
        lines.append(Line(AccountCode.LOAN_LOSS_PROVISION, debit=from_provision, contract=contract))
    if amount + interest - from_provision > 0:
        lines.append(
            Line(AccountCode.WRITE_OFF_EXPENSE, debit=amount + interest - from_provision, contract=contract)
        )
    entry_post(
        fund=contract.fund,
        value_date=value_date,
        description=_("Afschrijving %(ref)s: %(reason)s")
        % {"ref": contract.reference, "reason": reason.strip()},
        lines=lines,
        actor=actor,
        contract=contract,
    )
    from_status = contract.status
    if full:
        contract.status = ContractStatus.WRITTEN_OFF
        contract.save(update_fields=["status"])
    audit_record(
        actor=actor,
        obj=contract,
        action="contract_written_off",
        from_state=from_status,
        to_state=contract.status,
        reason=reason.strip(),
        data={"principal": amount, "interest": interest, "from_provision": from_provision},
    )
    return contract


@transaction.atomic
def contract_recovery(
    *,
    actor: User | None,
    contract: Contract,
    amount: Decimal | Money,
    value_date: datetime.date,
    reason: str = "",
) -> Repayment:
    """Money received after a write-off: income (recoveries), not a repayment of principal.

    Only a written-off contract can recover; money on a live loan is a repayment (repayment_receive)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != ContractStatus.WRITTEN_OFF:
        raise LedgerError(_(MSG_NOT_WRITTEN_OFF) % {"status": contract.get_status_display()})
    amount = _amount(amount, field="amount")
    entry = _post_pair(
        contract=contract,
        actor=actor,
        value_date=value_date,
        description=_("Terugontvangen na afschrijving %(ref)s") % {"ref": contract.reference},
        debit=AccountCode.BANK,
        credit=AccountCode.RECOVERIES,
        amount=amount,
    )
    repayment = Repayment.objects.create(
        contract=contract,
        value_date=value_date,
        amount=amount,
        allocation={"recovery": str(amount)},
        entry=entry,
    )
    audit_record(
        actor=actor, obj=contract, action="contract_recovery", reason=reason, data={"amount": amount}
    )
    return repayment


DEFAULT_PROVISION_RATES = {
    "current": Decimal("0.01"),
    "1-30": Decimal("0.10"),
    "31-60": Decimal("0.25"),
    "61-90": Decimal("0.50"),
    ">90": Decimal("1.00"),
}


def provisions_plan(
    *, fund: Fund, as_of: datetime.date, rates: dict[str, Decimal] | None = None
) -> list[dict]:
    """The provision each active loan should hold on `as_of` (outstanding × its bucket's rate), what it
    holds, and the change that booking would make — nothing is booked (the preview on the screen)."""
    from .selectors import arrears, bucket_label, provision_by_contract

    rates = {**DEFAULT_PROVISION_RATES, **(rates or {})}
    current = provision_by_contract(fund=fund, as_of=as_of)
    rows = arrears(fund=fund, as_of=as_of)
    contracts = (
        Contract.objects.filter(pk__in=rows).select_related("enterprise__organisation").order_by("reference")
    )
    plan = []
    for contract in contracts:
        row = rows[contract.pk]
        target = to_cents(row["outstanding"] * rates[row["bucket"]])
        held = current.get(contract.pk, Decimal("0.00"))
        plan.append(
            {
                "contract": contract,
                "bucket": bucket_label(row["bucket"]),
                "days_past_due": row["days_past_due"],
                "outstanding": row["outstanding"],
                "rate": rates[row["bucket"]],
                "current": held,
                "target": target,
                "change": target - held,
            }
        )
    return plan


def plan_digest(plan: list[dict]) -> str:
    """A short text naming every change of a provisions plan (to check a preview is still what is booked)."""
    return ";".join(f"{row['contract'].pk}:{row['change']}" for row in plan if row["change"])


@transaction.atomic
def provisions_book(
    *, actor: User | None, fund: Fund, as_of: datetime.date, rates: dict[str, Decimal] | None = None
) -> int | None:
    """Bring each contract's provision to outstanding × the rate of its arrears bucket (one entry per date).

    Returns the journal entry id, or None when nothing changes. Booking the same date twice books nothing.
    """
    import hashlib

    lines: list[Line] = []
    total_up = total_down = Decimal("0.00")
    plan = provisions_plan(fund=fund, as_of=as_of, rates=rates)
    for row in plan:
        change = row["change"]
        if change > 0:
            lines.append(Line(AccountCode.LOAN_LOSS_PROVISION, credit=change, contract=row["contract"]))
            total_up += change
        elif change < 0:
            lines.append(Line(AccountCode.LOAN_LOSS_PROVISION, debit=-change, contract=row["contract"]))
            total_down += -change
    if not lines:
        return None
    # the key names the changes: the same date booked again books nothing, but a loan that moved to
    # another arrears bucket since then moves its provision (a new entry for the difference)
    digest = hashlib.sha256(plan_digest(plan).encode()).hexdigest()[:16]
    net = total_up - total_down
    if net > 0:
        lines.append(Line(AccountCode.PROVISION_EXPENSE, debit=net))
    elif net < 0:
        lines.append(Line(AccountCode.PROVISION_EXPENSE, credit=-net))
    entry = entry_post(
        fund=fund,
        value_date=as_of,
        description=_("Voorzieningen per %(date)s") % {"date": format_date(as_of, language="nl")},
        lines=lines,
        actor=actor,
        idempotency_key=f"provisions:{fund.pk}:{as_of.isoformat()}:{digest}",
    )
    return entry.pk


# --------------------------------------------------------------------------------------------------
# Equity stakes and guarantees
# --------------------------------------------------------------------------------------------------


def _require(contract: Contract, instrument: str) -> None:
    if contract.instrument != instrument:
        raise LedgerError(_(MSG_WRONG_INSTRUMENT) % {"expected": instrument})


@transaction.atomic
def equity_invest(
    *,
    actor: User | None,
    contract: Contract,
    shares: Decimal,
    price_per_share: Decimal,
    value_date: datetime.date,
) -> Contract:
    """Buy shares: the stake is booked at cost (Dr equity investments, Cr bank)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    _require(contract, "equity")
    open_conditions = list(contract.conditions.filter(status=ConditionStatus.OPEN))
    if open_conditions:
        raise LedgerError(
            _(MSG_OPEN_CONDITIONS) % {"names": ", ".join(c.description for c in open_conditions)}
        )
    if Decimal(shares) <= 0 or Decimal(price_per_share) <= 0:
        raise ValidationError({"shares": [_("Aantal en prijs moeten positief zijn.")]})
    cost = to_cents(Decimal(shares) * Decimal(price_per_share))
    _post_pair(
        contract=contract,
        actor=actor,
        value_date=value_date,
        description=_("Aankoop aandelen %(ref)s") % {"ref": contract.reference},
        debit=AccountCode.EQUITY_INVESTMENTS,
        credit=AccountCode.BANK,
        amount=cost,
    )
    contract.shares, contract.price_per_share, contract.status = (
        shares,
        price_per_share,
        ContractStatus.ACTIVE,
    )
    contract.save(update_fields=["shares", "price_per_share", "status"])
    audit_record(
        actor=actor, obj=contract, action="equity_invested", to_state=contract.status, data={"cost": cost}
    )
    return contract


@transaction.atomic
def equity_revalue(
    *,
    actor: User | None,
    contract: Contract,
    valuation: Decimal | Money,
    value_date: datetime.date,
    reason: str,
) -> Decimal:
    """Value the stake at `valuation`: the difference goes to the revaluation result (account 4300)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    _require(contract, "equity")
    if not (reason or "").strip():
        raise ValidationError({"reason": [_(MSG_REASON)]})
    valuation = _amount(valuation, field="valuation")
    change = valuation - _balance(contract, AccountCode.EQUITY_INVESTMENTS, value_date)
    if change != 0:
        up = change > 0
        entry_post(
            fund=contract.fund,
            value_date=value_date,
            description=_("Herwaardering %(ref)s: %(reason)s")
            % {"ref": contract.reference, "reason": reason.strip()},
            lines=[
                Line(
                    AccountCode.EQUITY_INVESTMENTS,
                    debit=abs(change) if up else 0,
                    credit=0 if up else abs(change),
                    contract=contract,
                ),
                Line(
                    AccountCode.EQUITY_REVALUATION,
                    credit=abs(change) if up else 0,
                    debit=0 if up else abs(change),
                    contract=contract,
                ),
            ],
            actor=actor,
            contract=contract,
        )
    audit_record(
        actor=actor,
        obj=contract,
        action="equity_revalued",
        reason=reason,
        data={"valuation": valuation, "change": change},
    )
    return change


@transaction.atomic
def guarantee_issue(*, actor: User | None, contract: Contract) -> Contract:
    """A guarantee is off-balance: issuing it records the commitment, nothing is posted."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    _require(contract, "guarantee")
    if contract.status != ContractStatus.DRAFT:
        raise TransitionError(
            obj_label=contract.reference,
            from_state=contract.get_status_display(),
            to_state=ContractStatus.ACTIVE.label,
            allowed=[],
        )
    contract.status = ContractStatus.ACTIVE
    contract.save(update_fields=["status"])
    audit_record(actor=actor, obj=contract, action="guarantee_issued", from_state="draft", to_state="active")
    return contract


def guarantee_called_total(contract: Contract) -> Decimal:
    """What has been paid out under the guarantee: its claim postings (a guarantee has no other)."""
    return to_cents(
        contract.postings.filter(account__code=AccountCode.LOANS_PRINCIPAL).aggregate(total=Sum("debit"))[
            "total"
        ]
        or 0
    )


@transaction.atomic
def guarantee_call(
    *, actor: User | None, contract: Contract, amount: Decimal | Money, value_date: datetime.date
) -> Contract:
    """The guarantee is called: the fund pays, and has a claim on the enterprise for it (Dr 1100, Cr bank)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    _require(contract, "guarantee")
    if contract.status != ContractStatus.ACTIVE:
        raise LedgerError(_(MSG_NOT_ACTIVE) % {"status": contract.get_status_display()})
    amount = _amount(amount, field="amount")
    left = contract.principal.amount - guarantee_called_total(contract)
    if amount > left:
        raise ValidationError({"amount": [_(MSG_CALL_TOO_MUCH) % {"left": format_eur(left)}]})
    _post_pair(
        contract=contract,
        actor=actor,
        value_date=value_date,
        description=_("Garantie ingeroepen %(ref)s") % {"ref": contract.reference},
        debit=AccountCode.LOANS_PRINCIPAL,
        credit=AccountCode.BANK,
        amount=amount,
    )
    audit_record(actor=actor, obj=contract, action="guarantee_called", data={"amount": amount})
    return contract


@transaction.atomic
def guarantee_release(*, actor: User | None, contract: Contract, reason: str) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    _require(contract, "guarantee")
    if contract.status != ContractStatus.ACTIVE:
        raise LedgerError(_(MSG_NOT_ACTIVE) % {"status": contract.get_status_display()})
    contract.status = ContractStatus.CLOSED
    contract.save(update_fields=["status"])
    audit_record(
        actor=actor,
        obj=contract,
        action="guarantee_released",
        from_state="active",
        to_state="closed",
        reason=reason,
    )
    return contract


# --------------------------------------------------------------------------------------------------
# Arrears follow-up: notes and reminder letters (issue 14)
# --------------------------------------------------------------------------------------------------

NOTE_EMPTY = gettext_noop("Notitie: schrijf wat er is afgesproken of gebeurd; een lege notitie kan niet.")
NOTE_TOO_LONG = gettext_noop("Notitie: hoogstens 2000 tekens.")
REMINDER_NOT_LATE = gettext_noop(
    "Contract %(reference)s heeft op %(date)s geen achterstallige termijnen; er is geen aanmaning nodig."
)
REMINDER_SECOND_NEEDS_FIRST = gettext_noop(
    "Een tweede aanmaning kan pas na een eerste; "
    "contract %(reference)s heeft geen openstaande eerste aanmaning."
)
REMINDER_SECOND_TOO_EARLY = gettext_noop(
    "De tweede aanmaning kan pas na de betaaltermijn van de eerste (%(date)s)."
)
REMINDER_FIRST_OPEN = gettext_noop(
    "Contract %(reference)s heeft al een eerste aanmaning van %(date)s zonder tweede; stuur nu de tweede."
)
REMINDER_BAD_STEP = gettext_noop("Stap: kies de eerste of de tweede aanmaning.")


@transaction.atomic
def contract_note_add(*, actor: User | None, contract: Contract, text: str):
    """Add a note to the contract's follow-up log (who, when, what); notes are never edited."""
    from .models import ContractNote

    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _(NOTE_EMPTY)})
    if len(text) > 2000:
        raise ValidationError({"text": _(NOTE_TOO_LONG)})
    note = ContractNote.objects.create(contract=contract, text=text, author=actor)
    audit_record(actor=actor, obj=contract, action="contract_note_added", data={"note": note.pk})
    return note


@transaction.atomic
def reminder_send(*, actor: User | None, contract: Contract, step: int, as_of: datetime.date):
    """Send reminder `step` (1 or 2) for a contract in arrears on `as_of`: record it and store its letter.

    A first reminder is refused while an earlier first one has no second yet; a second needs an open first
    one and comes after its payment term (14 days). The letter lists the overdue instalments and the penalty
    interest, with the fund's IBAN and the payment reference."""
    from core.documents import document_store

    from .arrears import PAY_WITHIN_DAYS, REMINDER_KIND, reminder_filename, reminder_letter_pdf
    from .models import Reminder, ReminderStep

    Contract.objects.select_for_update().filter(pk=contract.pk).first()  # one reminder at a time
    if step not in (ReminderStep.FIRST, ReminderStep.SECOND):
        raise ValidationError({"step": _(REMINDER_BAD_STEP)})
    from .arrears import reminder_instalments

    instalments = reminder_instalments(contract=contract, as_of=as_of)
    overdue = sum((item["unpaid"] for item in instalments), Decimal("0.00"))
    if not instalments or overdue <= 0:
        raise ApplicationError(
            _(REMINDER_NOT_LATE) % {"reference": contract.reference, "date": format_date(as_of)}
        )
    open_first = (
        Reminder.objects.filter(contract=contract, step=ReminderStep.FIRST, second__isnull=True)
        .order_by("-as_of")
        .first()
    )
    first = None
    if step == ReminderStep.SECOND:
        if open_first is None:
            raise ApplicationError(_(REMINDER_SECOND_NEEDS_FIRST) % {"reference": contract.reference})
        term_end = open_first.as_of + datetime.timedelta(days=PAY_WITHIN_DAYS)
        if as_of <= term_end:
            raise ApplicationError(_(REMINDER_SECOND_TOO_EARLY) % {"date": format_date(term_end)})
        first = open_first
    elif open_first is not None:
        raise ApplicationError(
            _(REMINDER_FIRST_OPEN) % {"reference": contract.reference, "date": format_date(open_first.as_of)}
        )
    penalty = max(_balance(contract, AccountCode.PENALTY_INTEREST_RECEIVABLE, as_of), Decimal("0.00"))
    reminder = Reminder.objects.create(
        contract=contract,
        step=step,
        first=first,
        as_of=as_of,
        overdue=overdue,
        penalty_interest=penalty,
        days_past_due=max(item["days_late"] for item in instalments),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    reminder.document = document_store(
        kind=REMINDER_KIND,
        subject=reminder,
        content=reminder_letter_pdf(reminder=reminder, instalments=instalments),
        filename=reminder_filename(reminder),
        actor=actor,
        media_type="application/pdf",
    )
    reminder.save(update_fields=["document"])
    audit_record(
        actor=actor,
        obj=contract,
        action="reminder_sent",
        data={
            "step": step,
            "as_of": as_of,
            "overdue": overdue,
            "penalty_interest": penalty,
            "document": reminder.document.pk,
        },
    )
    return reminder
