"""Contract life: create, conditions precedent, disburse, accrue interest, receive repayments.

Every event books one journal entry through `portfolio.ledger.entry_post`, inside the same transaction as
the record that describes it, with an audit record. Amounts are EUR Decimals in whole cents.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from djmoney.money import Money

from fund.audit import audit_record
from fund.exceptions import TransitionError
from fund.models import Enterprise, Fund, User

from .ledger import CENT, LedgerError, Line, entry_post
from .models import (
    ConditionPrecedent,
    ConditionStatus,
    Contract,
    ContractStatus,
    Disbursement,
    Repayment,
    ScheduleLine,
    ScheduleVersion,
)
from .schedules import ScheduleError, build_schedule
from .selectors import cents, contract_account_balance

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


def _cents(value: Decimal | Money, *, field: str) -> Decimal:
    if isinstance(value, Money):
        if str(value.currency) != "EUR":
            raise ValidationError({field: [_("Bedragen zijn in euro's.")]})
        value = value.amount
    if isinstance(value, float):
        raise ValidationError({field: [_("Bedragen zijn in hele centen, geen kommagetal-benadering.")]})
    amount = Decimal(value)
    if amount <= 0 or amount != amount.quantize(CENT):
        raise ValidationError({field: [_("Geef een positief bedrag in hele centen.")]})
    return amount


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
) -> Contract:
    """A fund manager records a contract directly (until applications hand over approved terms)."""
    amount = _cents(principal, field="principal")
    errors: dict[str, list[str]] = {}
    if instrument not in fund.allowed_instruments:
        errors["instrument"] = [_(MSG_INSTRUMENT_NOT_ALLOWED) % {"instrument": instrument}]
    if not (fund.min_ticket.amount <= amount <= fund.max_ticket.amount):
        errors["principal"] = [
            _(MSG_OUTSIDE_TICKET)
            % {"amount": amount, "low": fund.min_ticket.amount, "high": fund.max_ticket.amount}
        ]
    if not enterprise.fund_relations.filter(fund=fund).exists():
        errors["enterprise"] = [_(MSG_ENTERPRISE_NOT_RELATED)]
    try:  # the terms must make a valid schedule
        build_schedule(
            principal=amount,
            annual_rate=Decimal(annual_rate),
            start_date=signed_on or datetime.date(2026, 1, 1),
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
            )
            for row in rows
        ]
    )
    return version


def disbursed_total(contract: Contract) -> Decimal:
    return cents(contract.disbursements.aggregate(total=Sum("amount"))["total"])


@transaction.atomic
def contract_disburse(
    *, actor: User | None, contract: Contract, amount: Decimal | Money, value_date: datetime.date
) -> Disbursement:
    """Pay out a tranche. The schedule (version 1) starts when the full principal has been paid out."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    amount = _cents(amount, field="amount")
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
                    % {"amount": amount, "principal": contract.principal.amount, "paid": paid}
                ]
            }
        )
    entry = entry_post(
        fund=contract.fund,
        value_date=value_date,
        description=_("Uitbetaling %(ref)s") % {"ref": contract.reference},
        lines=[Line("1100", debit=amount, contract=contract), Line("1000", credit=amount, contract=contract)],
        actor=actor,
        contract=contract,
    )
    disbursement = Disbursement.objects.create(
        contract=contract, value_date=value_date, amount=amount, entry=entry
    )
    from_status = contract.status
    if contract.status == ContractStatus.DRAFT:
        contract.status = ContractStatus.ACTIVE
        contract.save(update_fields=["status"])
    if paid + amount == contract.principal.amount and not contract.schedule_versions.exists():
        _schedule_version_create(
            contract=contract,
            actor=actor,
            start_date=value_date,
            principal=contract.principal.amount,
            reason=_("Volledig uitbetaald"),
        )
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
    booked = []
    for line in version.lines.filter(due_date__lte=through, interest__gt=0):
        entry = entry_post(
            fund=contract.fund,
            value_date=line.due_date,
            description=_("Rente termijn %(n)d %(ref)s") % {"n": line.number, "ref": contract.reference},
            lines=[
                Line("1110", debit=line.interest, contract=contract),
                Line("4000", credit=line.interest, contract=contract),
            ],
            actor=actor,
            contract=contract,
            idempotency_key=f"accrual:{contract.pk}:{line.due_date.isoformat()}",
        )
        booked.append(entry.pk)
    return booked


def _balance(contract: Contract, code: str, as_of: datetime.date) -> Decimal:
    return contract_account_balance(contract=contract, account_code=code, as_of=as_of)


def dues(*, contract: Contract, as_of: datetime.date) -> dict[str, Decimal]:
    """What the enterprise owes on `as_of`: interest receivable and principal due by the schedule."""
    version = current_schedule(contract)
    scheduled_principal = Decimal("0.00")
    if version is not None:
        scheduled_principal = cents(
            version.lines.filter(due_date__lte=as_of).aggregate(total=Sum("principal"))["total"]
        )
    outstanding = _balance(contract, "1100", as_of)
    repaid = disbursed_total(contract) - outstanding
    return {
        "fees": max(_balance(contract, "1120", as_of), Decimal("0.00")),
        "interest": max(_balance(contract, "1110", as_of), Decimal("0.00")),
        "principal_due": max(scheduled_principal - repaid, Decimal("0.00")),
        "outstanding_principal": outstanding,
    }


ALLOCATION_ORDER = ("fees", "interest", "principal_due", "prepayment")


@transaction.atomic
def repayment_receive(
    *,
    actor: User | None,
    contract: Contract,
    amount: Decimal | Money,
    value_date: datetime.date,
    idempotency_key: str | None = None,
    source_document: str = "",
) -> Repayment:
    """Receive money and allocate it: fees → interest due → principal due; the rest is a prepayment.

    The schedule's interest is accrued up to the value date first, so interest due is on the books.
    A prepayment waits on account 2200 until the fund manager chooses a shorter term or lower instalment.
    """
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    amount = _cents(amount, field="amount")
    if idempotency_key:
        existing = Repayment.objects.filter(
            entry__fund=contract.fund, entry__idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return existing
    if contract.status != ContractStatus.ACTIVE:
        raise LedgerError(_(MSG_NOT_ACTIVE) % {"status": contract.get_status_display()})
    interest_accrue(actor=actor, contract=contract, through=value_date)
    owed = dues(contract=contract, as_of=value_date)
    remaining = amount
    allocation: dict[str, Any] = {}
    for part, account in (("fees", "1120"), ("interest", "1110"), ("principal_due", "1100")):
        take = min(remaining, owed[part])
        if take > 0:
            allocation[part] = (account, take)
            remaining -= take
    if remaining > 0:
        allocation["prepayment"] = ("2200", remaining)
    lines = [Line("1000", debit=amount, contract=contract)]
    lines += [Line(account, credit=value, contract=contract) for account, value in allocation.values()]
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
        allocation={part: str(value) for part, (_account, value) in allocation.items()},
        entry=entry,
    )
    audit_record(
        actor=actor,
        obj=contract,
        action="repayment_received",
        data={"amount": amount, "value_date": value_date, "allocation": repayment.allocation},
    )
    return repayment
