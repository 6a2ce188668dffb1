"""Reads of the ledger: balances are sums of postings in one aggregate query, never a Python loop."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from fund.models import Fund, User
from fund.selectors import is_administrator, own_enterprise_organisation_ids, staff_fund_ids

from .models import DEBIT_NORMAL, Account, Contract, JournalEntry, Posting

CENT = Decimal("0.01")


def cents(value) -> Decimal:
    """Exact cents (SQLite sums decimals as floats; on PostgreSQL this changes nothing)."""
    return Decimal(str(value or 0)).quantize(CENT)


ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=16, decimal_places=2))


def contracts_for(user: User) -> QuerySet[Contract]:
    """Contracts a user may see: fund staff of the fund, the investee of the enterprise, administrators."""
    qs = Contract.objects.select_related("fund", "enterprise__organisation")
    if is_administrator(user):
        return qs
    return qs.filter(
        Q(fund_id__in=staff_fund_ids(user))
        | Q(enterprise__organisation_id__in=own_enterprise_organisation_ids(user))
    )


def journal_entries_for(user: User) -> QuerySet[JournalEntry]:
    qs = JournalEntry.objects.select_related("fund")
    if is_administrator(user):
        return qs
    return qs.filter(fund_id__in=staff_fund_ids(user))


def _postings(*, fund: Fund, as_of: datetime.date | None) -> QuerySet[Posting]:
    qs = Posting.objects.filter(entry__fund=fund)
    if as_of is not None:
        qs = qs.filter(value_date__lte=as_of)
    return qs


def account_balances(*, fund: Fund, as_of: datetime.date | None = None) -> dict[str, Decimal]:
    """{account code: balance} in the account's normal direction (debit-normal: debit − credit)."""
    rows = (
        Account.objects.filter(fund=fund)
        .annotate(
            total_debit=Coalesce(Sum("postings__debit", filter=_as_of_filter(as_of)), ZERO),
            total_credit=Coalesce(Sum("postings__credit", filter=_as_of_filter(as_of)), ZERO),
        )
        .values_list("code", "account_type", "total_debit", "total_credit")
    )
    return {
        code: cents(debit - credit) if kind in DEBIT_NORMAL else cents(credit - debit)
        for code, kind, debit, credit in rows
    }


def _as_of_filter(as_of: datetime.date | None) -> Q | None:
    return Q(postings__value_date__lte=as_of) if as_of is not None else None


def trial_balance(*, fund: Fund, as_of: datetime.date | None = None) -> dict[str, Decimal]:
    """Total debits and credits of the fund's ledger: equal, always."""
    totals = _postings(fund=fund, as_of=as_of).aggregate(
        debit=Coalesce(Sum("debit"), ZERO), credit=Coalesce(Sum("credit"), ZERO)
    )
    return {"debit": cents(totals["debit"]), "credit": cents(totals["credit"])}


def contract_account_balance(
    *, contract: Contract, account_code: str, as_of: datetime.date | None = None
) -> Decimal:
    """A contract's balance on one debit-normal account (e.g. 1100 outstanding principal)."""
    qs = Posting.objects.filter(contract=contract, account__code=account_code)
    if as_of is not None:
        qs = qs.filter(value_date__lte=as_of)
    totals = qs.aggregate(debit=Coalesce(Sum("debit"), ZERO), credit=Coalesce(Sum("credit"), ZERO))
    return cents(totals["debit"]) - cents(totals["credit"])


def outstanding_principal_by_contract(
    *, fund: Fund, as_of: datetime.date | None = None
) -> dict[int, Decimal]:
    """{contract id: outstanding principal} for a whole fund in one grouped query."""
    qs = Posting.objects.filter(entry__fund=fund, account__code="1100", contract__isnull=False)
    if as_of is not None:
        qs = qs.filter(value_date__lte=as_of)
    rows = qs.values("contract_id").annotate(debit=Sum("debit"), credit=Sum("credit"))
    return {row["contract_id"]: cents(row["debit"]) - cents(row["credit"]) for row in rows}


__all__ = [
    "account_balances",
    "contract_account_balance",
    "contracts_for",
    "journal_entries_for",
    "outstanding_principal_by_contract",
    "trial_balance",
]
