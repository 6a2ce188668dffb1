"""Reads of the ledger: balances are sums of postings in one aggregate query, never a Python loop."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import models
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
    "arrears",
    "arrears_bucket",
    "cents",
    "contract_account_balance",
    "contracts_for",
    "fund_nav",
    "journal_entries_for",
    "outstanding_principal_by_contract",
    "portfolio_at_risk",
    "trial_balance",
]


# --------------------------------------------------------------------------------------------------
# Arrears, portfolio at risk and NAV
# --------------------------------------------------------------------------------------------------

BUCKETS = [(0, "current"), (30, "1-30"), (60, "31-60"), (90, "61-90")]


def arrears_bucket(days: int) -> str:
    if days <= 0:
        return "current"
    for limit, name in BUCKETS[1:]:
        if days <= limit:
            return name
    return ">90"


def arrears(*, fund: Fund, as_of: datetime.date) -> dict[int, dict]:
    """{contract id: {outstanding, days_past_due, bucket, oldest_unpaid}} for the fund's active loans.

    A contract is as late as its oldest instalment that the payments received (principal and interest, not
    prepayments) do not cover. Three grouped queries and a pandas cumulative sum, whatever the portfolio size.
    """
    import pandas as pd

    from .models import ContractStatus, ScheduleLine, ScheduleVersion

    active = Contract.objects.filter(fund=fund, status=ContractStatus.ACTIVE)
    contracts = list(active.values_list("pk", flat=True))
    if not contracts:
        return {}
    lines = pd.DataFrame.from_records(
        ScheduleLine.objects.filter(
            version__contract__in=active,
            version__number=models.Subquery(
                ScheduleVersion.objects.filter(contract_id=models.OuterRef("version__contract_id"))
                .order_by("-number")
                .values("number")[:1]
            ),
            due_date__lte=as_of,
        )
        .order_by("version__contract_id", "number")
        .values_list("version__contract_id", "due_date", "payment"),
        columns=["contract", "due_date", "payment"],
    )
    version_start = (
        ScheduleVersion.objects.filter(contract_id=models.OuterRef("contract_id"))
        .order_by("-number")
        .values("start_date")[:1]
    )
    # Payments count against the current schedule version only (a restructuring starts afresh).
    paid = (
        Posting.objects.filter(
            contract__in=active,
            account__code__in=["1100", "1110"],
            value_date__lte=as_of,
            credit__gt=0,
            entry__repayment__isnull=False,
            value_date__gte=models.Subquery(version_start),
        )
        .values("contract_id")
        .annotate(total=Sum("credit"))
    )
    paid_by_contract = {row["contract_id"]: cents(row["total"]) for row in paid}
    outstanding = outstanding_principal_by_contract(fund=fund, as_of=as_of)
    result = {
        pk: {
            "outstanding": outstanding.get(pk, Decimal("0.00")),
            "days_past_due": 0,
            "bucket": "current",
            "oldest_unpaid": None,
        }
        for pk in contracts
    }
    if lines.empty:
        return result
    # Exact integer cents: vectorised sums without float rounding.
    lines["payment_cents"] = lines["payment"].map(lambda v: int(cents(v) * 100)).astype("int64")
    lines["due_cumulative"] = lines.groupby("contract")["payment_cents"].cumsum()
    paid_cents = {pk: int(total * 100) for pk, total in paid_by_contract.items()}
    lines["paid"] = lines["contract"].map(lambda pk: paid_cents.get(pk, 0)).astype("int64")
    unpaid = lines[lines["due_cumulative"] > lines["paid"]]
    for pk, due_date in unpaid.groupby("contract")["due_date"].min().items():
        days = (as_of - due_date).days
        result[pk].update(days_past_due=days, bucket=arrears_bucket(days), oldest_unpaid=due_date)
    return result


def portfolio_at_risk(*, fund: Fund, as_of: datetime.date, days: int = 30) -> Decimal:
    """PAR: outstanding principal of loans over `days` late ÷ all outstanding principal (0–1, 4 places)."""
    rows = arrears(fund=fund, as_of=as_of).values()
    total = sum((r["outstanding"] for r in rows), Decimal("0.00"))
    if total <= 0:
        return Decimal("0.0000")
    at_risk = sum((r["outstanding"] for r in rows if r["days_past_due"] > days), Decimal("0.00"))
    return (at_risk / total).quantize(Decimal("0.0001"))


NAV_ASSETS = ("1000", "1100", "1110", "1120", "1130", "1200")
NAV_CONTRA = ("1190",)
NAV_LIABILITIES = ("2000", "2100", "2200")


def fund_nav(*, fund: Fund, as_of: datetime.date) -> Decimal:
    """NAV = cash + outstanding principal + accrued interest and fees + equity − provisions − liabilities."""
    balances = account_balances(fund=fund, as_of=as_of)
    assets = sum((balances.get(code, Decimal("0.00")) for code in NAV_ASSETS), Decimal("0.00"))
    contra = sum((balances.get(code, Decimal("0.00")) for code in NAV_CONTRA), Decimal("0.00"))
    liabilities = sum((balances.get(code, Decimal("0.00")) for code in NAV_LIABILITIES), Decimal("0.00"))
    return assets - contra - liabilities


def provision_by_contract(*, fund: Fund, as_of: datetime.date) -> dict[int, Decimal]:
    """{contract id: provision held} (the credit balance of account 1190 per contract), one grouped query."""
    rows = (
        Posting.objects.filter(
            entry__fund=fund, account__code="1190", contract__isnull=False, value_date__lte=as_of
        )
        .values("contract_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
    )
    return {row["contract_id"]: cents(row["credit"]) - cents(row["debit"]) for row in rows}


def ledger_report(*, fund: Fund, start: datetime.date, end: datetime.date) -> dict:
    """Trial balance and balance sheet as of `end`, P&L over `start`–`end`, from one grouped query."""
    closing = (
        Account.objects.filter(fund=fund)
        .annotate(
            total_debit=Coalesce(Sum("postings__debit", filter=Q(postings__value_date__lte=end)), ZERO),
            total_credit=Coalesce(Sum("postings__credit", filter=Q(postings__value_date__lte=end)), ZERO),
            period_debit=Coalesce(
                Sum(
                    "postings__debit",
                    filter=Q(postings__value_date__gte=start, postings__value_date__lte=end),
                ),
                ZERO,
            ),
            period_credit=Coalesce(
                Sum(
                    "postings__credit",
                    filter=Q(postings__value_date__gte=start, postings__value_date__lte=end),
                ),
                ZERO,
            ),
        )
        .order_by("code")
    )
    trial, sheet, pnl = [], {"assets": [], "liabilities": [], "equity": []}, {"income": [], "expense": []}
    for account in closing:
        debit, credit = cents(account.total_debit), cents(account.total_credit)
        normal = debit - credit if account.account_type in DEBIT_NORMAL else credit - debit
        trial.append({"account": account, "debit": debit, "credit": credit, "balance": normal})
        kind = account.account_type
        if kind in ("asset", "contra_asset"):
            sheet["assets"].append({"account": account, "amount": normal if kind == "asset" else -normal})
        elif kind == "liability":
            sheet["liabilities"].append({"account": account, "amount": normal})
        elif kind == "equity":
            sheet["equity"].append({"account": account, "amount": normal})
        else:
            movement = cents(account.period_credit) - cents(account.period_debit)
            pnl["income" if kind == "income" else "expense"].append(
                {"account": account, "amount": movement if kind == "income" else -movement}
            )
    result_to_date = sum(
        (row["balance"] if row["account"].account_type == "income" else -row["balance"])
        for row in trial
        if row["account"].account_type in ("income", "expense")
    )
    total = {
        "debit": sum((r["debit"] for r in trial), Decimal("0.00")),
        "credit": sum((r["credit"] for r in trial), Decimal("0.00")),
        "assets": sum((r["amount"] for r in sheet["assets"]), Decimal("0.00")),
        "liabilities": sum((r["amount"] for r in sheet["liabilities"]), Decimal("0.00")),
        "equity": sum((r["amount"] for r in sheet["equity"]), Decimal("0.00")) + result_to_date,
        "income": sum((r["amount"] for r in pnl["income"]), Decimal("0.00")),
        "expense": sum((r["amount"] for r in pnl["expense"]), Decimal("0.00")),
    }
    total["period_result"] = total["income"] - total["expense"]
    total["liabilities_and_equity"] = total["liabilities"] + total["equity"]
    return {"trial": trial, "sheet": sheet, "pnl": pnl, "result_to_date": result_to_date, "total": total}


def guarantee_exposure(*, fund: Fund) -> Decimal:
    """Off-balance exposure: active guarantees' amounts not yet called."""
    from .models import ContractStatus

    guaranteed = cents(
        Contract.objects.filter(fund=fund, instrument="guarantee", status=ContractStatus.ACTIVE).aggregate(
            total=Sum("principal")
        )["total"]
    )
    called = cents(
        Posting.objects.filter(
            contract__fund=fund,
            contract__instrument="guarantee",
            contract__status=ContractStatus.ACTIVE,
            account__code="1100",
        ).aggregate(total=Sum("debit"))["total"]
    )
    return guaranteed - called


def bank_lines_for(user: User) -> QuerySet:
    """Bank lines a user may work on: those of funds they manage (administrators: all)."""
    from fund.selectors import managed_fund_ids

    from .models import BankLine

    qs = BankLine.objects.select_related("statement", "fund")
    if is_administrator(user):
        return qs
    return qs.filter(fund_id__in=managed_fund_ids(user))
