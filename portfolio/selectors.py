"""Reads of the ledger: balances are sums in the database, never a Python loop over postings.

Balances as of a date read the running totals (`BalanceSummary`, one row per account and contract, kept with
every posting) and subtract the postings dated after that date — two grouped queries whose cost does not grow
with the ledger's history. `trial_balance` and `ledger_report` sum the postings themselves, and
`portfolio.ledger.summary_check` proves the two agree.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from core.money import round_to, to_cents
from fund.models import Fund, User
from fund.selectors import is_administrator, own_enterprise_organisation_ids, staff_fund_ids

from .accounts import AccountCode
from .models import DEBIT_NORMAL, Account, AccountType, BalanceSummary, Contract, JournalEntry, Posting

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


def _totals(
    *, fund: Fund, as_of: datetime.date | None, by: tuple[str, ...], **filters
) -> dict[tuple, tuple[Decimal, Decimal]]:
    """{group: (debit, credit)} as of a date: running totals minus the postings dated after it."""
    totals: dict[tuple, tuple[Decimal, Decimal]] = {}
    running = (
        BalanceSummary.objects.filter(fund=fund, **filters)
        .values(*by)
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .order_by()
    )
    for row in running:
        totals[tuple(row[f] for f in by)] = (to_cents(row["d"]), to_cents(row["c"]))
    if as_of is not None:
        later = (  # per account of the fund, the covering (account, value date, debit, credit) index finds
            # them without reading the entries or any posting dated before: older years cost nothing
            Posting.objects.filter(account__fund=fund, value_date__gt=as_of, **filters)
            .values(*by)
            .annotate(d=Sum("debit"), c=Sum("credit"))
            .order_by()
        )
        for row in later:
            group = tuple(row[f] for f in by)
            debit, credit = totals.get(group, (Decimal("0.00"), Decimal("0.00")))
            totals[group] = (debit - to_cents(row["d"]), credit - to_cents(row["c"]))
    return totals


def account_balances(*, fund: Fund, as_of: datetime.date | None = None) -> dict[str, Decimal]:
    """{account code: balance} in the account's normal direction (debit-normal: debit − credit)."""
    totals = _totals(fund=fund, as_of=as_of, by=("account__code",))
    balances = {}
    for code, kind in Account.objects.filter(fund=fund).values_list("code", "account_type"):
        debit, credit = totals.get((code,), (Decimal("0.00"), Decimal("0.00")))
        balances[code] = debit - credit if kind in DEBIT_NORMAL else credit - debit
    return balances


def trial_balance(*, fund: Fund, as_of: datetime.date | None = None) -> dict[str, Decimal]:
    """Total debits and credits of the fund's ledger: equal, always."""
    totals = _postings(fund=fund, as_of=as_of).aggregate(
        debit=Coalesce(Sum("debit"), ZERO), credit=Coalesce(Sum("credit"), ZERO)
    )
    return {"debit": to_cents(totals["debit"]), "credit": to_cents(totals["credit"])}


def contract_account_balance(
    *, contract: Contract, account_code: str, as_of: datetime.date | None = None
) -> Decimal:
    """A contract's balance on one debit-normal account (e.g. 1100 outstanding principal)."""
    qs = Posting.objects.filter(contract=contract, account__code=account_code)
    if as_of is not None:
        qs = qs.filter(value_date__lte=as_of)
    totals = qs.aggregate(debit=Coalesce(Sum("debit"), ZERO), credit=Coalesce(Sum("credit"), ZERO))
    return to_cents(totals["debit"]) - to_cents(totals["credit"])


def contract_account_balances(
    *, contract: Contract, account_codes: tuple[str, ...], as_of: datetime.date
) -> dict[str, Decimal]:
    """`contract_account_balance` for several debit-normal accounts at once, in one query."""
    rows = (
        Posting.objects.filter(contract=contract, account__code__in=account_codes, value_date__lte=as_of)
        .values("account__code")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by()
    )
    balances = dict.fromkeys(account_codes, Decimal("0.00"))
    for row in rows:
        balances[row["account__code"]] = to_cents(row["debit"] or 0) - to_cents(row["credit"] or 0)
    return balances


def outstanding_principal_by_contract(
    *, fund: Fund, as_of: datetime.date | None = None
) -> dict[int, Decimal]:
    """{contract id: outstanding principal} for a whole fund (account 1100 per contract)."""
    totals = _totals(
        fund=fund,
        as_of=as_of,
        by=("contract_id",),
        account__code=AccountCode.LOANS_PRINCIPAL,
        contract__isnull=False,
    )
    return {contract_id: debit - credit for (contract_id,), (debit, credit) in totals.items()}


__all__ = [
    "account_balances",
    "arrears",
    "arrears_bucket",
    "contract_account_balance",
    "contract_account_balances",
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


ARREARS_SQL = """
WITH latest AS (
    SELECT v.id AS version_id, v.contract_id, v.start_date
    FROM portfolio_scheduleversion v
    JOIN portfolio_contract c ON c.id = v.contract_id
    WHERE c.fund_id = %(fund)s AND c.status = 'active'
      AND v.number = (
          SELECT MAX(v2.number) FROM portfolio_scheduleversion v2 WHERE v2.contract_id = v.contract_id
      )
),
paid AS (
    SELECT r.contract_id, SUM(r.scheduled_paid) AS paid
    FROM portfolio_repayment r
    JOIN latest l ON l.contract_id = r.contract_id
    WHERE r.value_date <= %(as_of)s AND r.value_date >= l.start_date
      AND (r.returned_on IS NULL OR r.returned_on > %(as_of)s)
    GROUP BY r.contract_id
),
oldest AS (
    SELECT l.contract_id, (
        SELECT s.due_date FROM portfolio_scheduleline s
        WHERE s.version_id = l.version_id AND s.cumulative_payment > COALESCE(p.paid, 0) + 0.005
        ORDER BY s.cumulative_payment, s.number LIMIT 1
    ) AS due_date
    FROM latest l LEFT JOIN paid p ON p.contract_id = l.contract_id
)
SELECT contract_id, due_date FROM oldest WHERE due_date <= %(as_of)s
"""
# What `arrears` reads: every active contract (by reference) with its oldest unpaid date when late, so the
# list of contracts needs no query of its own (the trend below keeps ARREARS_SQL's late contracts only).
_LATE_ONLY = "SELECT contract_id, due_date FROM oldest WHERE due_date <= %(as_of)s\n"
assert _LATE_ONLY in ARREARS_SQL
ACTIVE_ARREARS_SQL = ARREARS_SQL.replace(
    _LATE_ONLY,
    "SELECT c.id, o.due_date\n"
    "FROM portfolio_contract c LEFT JOIN oldest o ON o.contract_id = c.id AND o.due_date <= %(as_of)s\n"
    "WHERE c.fund_id = %(fund)s AND c.status = 'active'\n"
    "ORDER BY c.reference\n",
)


def arrears(*, fund: Fund, as_of: datetime.date) -> dict[int, dict]:
    """{contract id: {outstanding, days_past_due, bucket, oldest_unpaid}} for the fund's active loans.

    A contract is as late as its oldest instalment of the current schedule version that the payments received
    since that version started (principal and interest, not fees or prepayments) do not cover: the first line
    whose cumulative payment exceeds what was paid, one index probe per contract. One query finds it for every
    contract (SQLite and PostgreSQL alike; half a cent of tolerance because SQLite sums decimals as floats).
    """
    from django.db import connection

    with connection.cursor() as cursor:  # every active contract (by reference), with its oldest unpaid date
        cursor.execute(ACTIVE_ARREARS_SQL, {"fund": fund.pk, "as_of": as_of})
        contracts = cursor.fetchall()
    if not contracts:
        return {}
    outstanding = outstanding_principal_by_contract(fund=fund, as_of=as_of)
    result = {}
    for pk, due_date in contracts:
        result[pk] = {
            "outstanding": outstanding.get(pk, Decimal("0.00")),
            "days_past_due": 0,
            "bucket": "current",
            "oldest_unpaid": None,
        }
        if due_date is not None:
            if isinstance(due_date, str):  # SQLite returns dates from raw SQL as text
                due_date = datetime.date.fromisoformat(due_date)
            days = (as_of - due_date).days
            result[pk].update(days_past_due=days, bucket=arrears_bucket(days), oldest_unpaid=due_date)
    return result


def par_from_arrears(rows: dict[int, dict], *, days: int) -> Decimal:
    """PAR from arrears rows already computed (a page needing PAR30 and PAR90 computes arrears once)."""
    total = sum((r["outstanding"] for r in rows.values()), Decimal("0.00"))
    if total <= 0:
        return Decimal("0.0000")
    at_risk = sum((r["outstanding"] for r in rows.values() if r["days_past_due"] > days), Decimal("0.00"))
    return round_to(at_risk / total, 4)


def portfolio_at_risk(*, fund: Fund, as_of: datetime.date, days: int = 30) -> Decimal:
    """PAR: outstanding principal of loans over `days` late ÷ all outstanding principal (0–1, 4 places)."""
    return par_from_arrears(arrears(fund=fund, as_of=as_of), days=days)


def fund_nav(*, fund: Fund, as_of: datetime.date) -> Decimal:
    """NAV = every asset − every contra-asset − every liability, each account counted by its type.

    So NAV always equals equity (paid-in − distributions) plus the result to date, whatever accounts a fund
    adds to its chart (penalty interest receivable, fees payable, …).
    """
    # Summed per account type (two grouped queries, no read of the chart): an asset's balance is
    # debit − credit, a contra-asset's or a liability's credit − debit, so each of them adds debit − credit.
    totals = _totals(
        fund=fund,
        as_of=as_of,
        by=("account__account_type",),
        account__account_type__in=(AccountType.ASSET, AccountType.CONTRA_ASSET, AccountType.LIABILITY),
    )
    return sum((debit - credit for debit, credit in totals.values()), Decimal("0.00"))


def portfolio_overview(*, fund: Fund, contracts: QuerySet[Contract], as_of: datetime.date) -> dict:
    """The overview page's figures: arrears computed once, PAR and NAV from it, totals by municipality/theme.

    `contracts` is the caller's scoped queryset (e.g. `contracts_for(user).filter(fund=fund)`); it comes back
    ordered and unevaluated, so a page can show one page of it (`with_arrears` adds each one's figures).
    The totals come from two flat queries, not from model instances.
    """
    from django.utils.translation import gettext as _

    rows = arrears(fund=fund, as_of=as_of)
    owed = {pk: info["outstanding"] for pk, info in rows.items() if info["outstanding"]}
    by_municipality: dict[str, Decimal] = {}
    for pk, name in contracts.filter(pk__in=owed).values_list(
        "pk", "enterprise__organisation__municipality__name"
    ):
        key = name or _("onbekend")
        by_municipality[key] = by_municipality.get(key, Decimal("0.00")) + owed[pk]
    by_theme: dict[str, Decimal] = {}
    for pk, name in contracts.filter(pk__in=owed).values_list("pk", "enterprise__themes__name"):
        key = name or _("geen thema")
        by_theme[key] = by_theme.get(key, Decimal("0.00")) + owed[pk]
    return {
        "as_of": as_of,
        "arrears": rows,
        "contracts": contracts.select_related("enterprise__organisation__municipality").order_by("reference"),
        "outstanding": sum((r["outstanding"] for r in rows.values()), Decimal("0.00")),
        "par30": par_from_arrears(rows, days=30) * 100,
        "par90": par_from_arrears(rows, days=90) * 100,
        "nav": fund_nav(fund=fund, as_of=as_of),
        "by_municipality": by_municipality,
        "by_theme": by_theme,
    }


def contract_charges(*, contract: Contract, as_of: datetime.date) -> list[dict]:
    """Fees and penalty interest charged to the contract up to `as_of` (date, description, kind, amount)."""
    from django.utils.translation import gettext as _

    rows = (
        Posting.objects.filter(
            contract=contract,
            value_date__lte=as_of,
            debit__gt=0,
            account__code__in=[AccountCode.FEES_RECEIVABLE, AccountCode.PENALTY_INTEREST_RECEIVABLE],
        )
        .select_related("entry", "account")
        .order_by("value_date", "pk")
    )
    return [
        {
            "value_date": row.value_date,
            "description": row.entry.description,
            "kind": _("Boeterente")
            if row.account.code == AccountCode.PENALTY_INTEREST_RECEIVABLE
            else _("Vergoeding"),
            "amount": row.debit,
        }
        for row in rows
    ]


class InstalmentState:
    PAID = "paid"
    DUE = "due"
    UPCOMING = "upcoming"


def instalments(*, contract: Contract, as_of: datetime.date) -> list[dict]:
    """The current schedule's instalments as the enterprise reads them: paid, due or upcoming on `as_of`.

    The payments that settled instalments (`Repayment.scheduled_paid`, received since the version started:
    the rule the arrears query uses) cover the instalments in order. An instalment is **paid** when they
    cover it whole (`paid_on`: the day of the payment that completed it), **due** when its due date has come
    and it is not paid yet (`open`: what is still to pay, `days_late` past the due date; `paid`: a part
    paid), **upcoming** otherwise. Three queries, whatever the number of instalments.
    """
    from .models import Repayment

    version = contract.schedule_versions.order_by("-number").first()
    if version is None:
        return []
    payments = list(
        Repayment.objects.filter(
            contract=contract,
            value_date__gte=version.start_date,
            value_date__lte=as_of,
            scheduled_paid__gt=0,
        )
        .order_by("value_date", "pk")
        .values_list("value_date", "scheduled_paid")
    )
    return _instalment_rows(lines=version.lines.order_by("number"), payments=payments, as_of=as_of)


def _instalment_rows(
    *, lines, payments: list[tuple[datetime.date, Decimal]], as_of: datetime.date
) -> list[dict]:
    """`instalments` from the version's lines (by number) and its payments ((value date, scheduled paid)
    in the order received)."""
    covered, running, cursor = [], Decimal("0.00"), 0
    for value_date, paid in payments:  # (cumulative amount covered, the day it was reached)
        running += to_cents(paid)
        covered.append((running, value_date))
    total_paid = running
    rows = []
    before = Decimal("0.00")  # what the instalments before this one take
    for line in lines:
        after = before + line.payment
        paid = min(max(total_paid - before, Decimal("0.00")), line.payment)
        row = {
            "number": line.number,
            "due_date": line.due_date,
            "principal": line.principal,
            "interest": line.interest,
            "payment": line.payment,
            "balance": line.balance,
            "paid": paid,
            "open": line.payment - paid,
            "paid_on": None,
            "days_late": 0,
        }
        if paid >= line.payment:
            while cursor < len(covered) and covered[cursor][0] < after:
                cursor += 1
            row["state"] = InstalmentState.PAID
            row["paid_on"] = covered[cursor][1] if cursor < len(covered) else None
        elif line.due_date <= as_of:
            row["state"] = InstalmentState.DUE
            row["days_late"] = (as_of - line.due_date).days
        else:
            row["state"] = InstalmentState.UPCOMING
        row["state_label"] = instalment_state_label(row)
        rows.append(row)
        before = after
    return rows


# The accounts a contract owes on, as `services.dues` reads them (debit-normal: a receivable or the loan).
DUES_ACCOUNTS = (
    AccountCode.LOANS_PRINCIPAL,
    AccountCode.FEES_RECEIVABLE,
    AccountCode.PENALTY_INTEREST_RECEIVABLE,
    AccountCode.INTEREST_RECEIVABLE,
)


def dues_from(*, balances: dict[str, Decimal], planned: Decimal) -> dict[str, Decimal]:
    """What is owed, from the dues accounts' balances and the principal the schedule planned for the day."""
    zero = Decimal("0.00")
    outstanding = balances[AccountCode.LOANS_PRINCIPAL]
    owed = {
        "fees": max(balances[AccountCode.FEES_RECEIVABLE], zero),
        "penalty_interest": max(balances[AccountCode.PENALTY_INTEREST_RECEIVABLE], zero),
        "interest": max(balances[AccountCode.INTEREST_RECEIVABLE], zero),
        "principal_due": max(outstanding - planned, zero),
        "outstanding_principal": outstanding,
    }
    # what the borrower must pay now: fees, penalty interest, interest and principal that are due
    owed["total_due"] = owed["fees"] + owed["penalty_interest"] + owed["interest"] + owed["principal_due"]
    return owed


def contract_position(*, contract: Contract, as_of: datetime.date) -> dict:
    """The loan's position on `as_of` as its page shows it, each source read once: the current schedule
    version and its lines, the instalments (`instalments`), the next instalment, the dues (`services.dues`)
    and the contract's row of `arrears` (None unless the loan is active, as there).

    The versions and the repayments come from the contract's prefetch when the caller made one (the page
    lists both); the lines and the dues balances are one query each. So the page costs the same number of
    queries whatever the loan's history, and the fund's other loans are not read for this one's arrears.
    """
    from .models import ContractStatus

    versions = list(contract.schedule_versions.all())
    version = max(versions, key=lambda v: v.number) if versions else None
    lines = list(version.lines.order_by("number")) if version is not None else []
    repayments = sorted(contract.repayments.all(), key=lambda r: (r.value_date, r.pk))
    since_start = (
        [r for r in repayments if version.start_date <= r.value_date <= as_of] if version is not None else []
    )
    balances = contract_account_balances(contract=contract, account_codes=DUES_ACCOUNTS, as_of=as_of)
    planned = balances[AccountCode.LOANS_PRINCIPAL]
    if version is not None:
        last_due = next((line for line in reversed(lines) if line.due_date <= as_of), None)
        planned = last_due.balance if last_due is not None else version.principal
    position = {
        "version": version,
        "lines": lines,
        "instalments": _instalment_rows(
            lines=lines,
            payments=[(r.value_date, r.scheduled_paid) for r in since_start if r.scheduled_paid > 0],
            as_of=as_of,
        )
        if version is not None
        else [],
        "next_line": next((line for line in lines if line.due_date >= as_of), None),
        "dues": dues_from(balances=balances, planned=planned),
        "arrears": None,
    }
    if contract.status == ContractStatus.ACTIVE:  # ARREARS_SQL for this one contract
        paid = sum(
            (r.scheduled_paid for r in since_start if r.returned_on is None or r.returned_on > as_of),
            Decimal("0.00"),
        )
        oldest = min(
            (line for line in lines if line.cumulative_payment > paid + Decimal("0.005")),
            key=lambda line: (line.cumulative_payment, line.number),
            default=None,
        )
        oldest_unpaid = oldest.due_date if oldest is not None and oldest.due_date <= as_of else None
        days = (as_of - oldest_unpaid).days if oldest_unpaid is not None else 0
        position["arrears"] = {
            "outstanding": balances[AccountCode.LOANS_PRINCIPAL],
            "days_past_due": days,
            "bucket": arrears_bucket(days),
            "oldest_unpaid": oldest_unpaid,
        }
    return position


def annual_statement_figures(*, contract: Contract, year: int) -> dict[str, Decimal]:
    """The yearly interest statement (jaaropgave) of a contract, for the enterprise's accounts: the ledger.

    Per account of the contract: the balance at 1 January (postings dated before the year), the debits and
    the credits dated in the year, split into what the enterprise paid (an entry with a received payment, or
    a prepayment set off against the principal) and other credits (write-off, correction). One grouped query.

    principal: opening + disbursed − repaid − other = closing (account 1100 at 31-12);
    interest: opening + charged − paid − other = closing (1110); penalty interest (1115), fees (1120) alike.
    """
    from django.db.models import Exists, OuterRef

    from .models import Repayment

    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    accounts = {
        AccountCode.LOANS_PRINCIPAL: "principal",
        AccountCode.INTEREST_RECEIVABLE: "interest",
        AccountCode.PENALTY_INTEREST_RECEIVABLE: "penalty",
        AccountCode.FEES_RECEIVABLE: "fees",
        AccountCode.PREPAYMENTS_RECEIVED: "prepayment",
    }
    rows = (
        Posting.objects.filter(contract=contract, value_date__lte=end, account__code__in=list(accounts))
        .annotate(
            received=Exists(Repayment.objects.filter(entry_id=OuterRef("entry_id"))),
            set_off=Exists(
                Posting.objects.filter(
                    entry_id=OuterRef("entry_id"), account__code=AccountCode.PREPAYMENTS_RECEIVED, debit__gt=0
                )
            ),
        )
        .values("account__code", "received", "set_off")
        .annotate(
            before_d=Coalesce(Sum("debit", filter=Q(value_date__lt=start)), ZERO),
            before_c=Coalesce(Sum("credit", filter=Q(value_date__lt=start)), ZERO),
            year_d=Coalesce(Sum("debit", filter=Q(value_date__gte=start)), ZERO),
            year_c=Coalesce(Sum("credit", filter=Q(value_date__gte=start)), ZERO),
        )
        .order_by()
    )
    zero = Decimal("0.00")
    figures = {
        f"{name}_{part}": zero
        for name in accounts.values()
        for part in ("opening", "charged", "paid", "other")
    }
    for row in rows:
        name = accounts[row["account__code"]]
        debit, credit = to_cents(row["year_d"]), to_cents(row["year_c"])
        if name == "prepayment":  # a credit-normal liability: what was paid ahead and not yet set off
            figures["prepayment_opening"] += to_cents(row["before_c"]) - to_cents(row["before_d"])
            figures["prepayment_charged"] += credit  # received ahead in the year
            figures["prepayment_paid"] += debit  # set off against the principal in the year
            continue
        figures[f"{name}_opening"] += to_cents(row["before_d"]) - to_cents(row["before_c"])
        figures[f"{name}_charged"] += debit
        paid = row["received"] or row["set_off"]
        figures[f"{name}_paid" if paid else f"{name}_other"] += credit
    for name in ("principal", "interest", "penalty", "fees"):
        figures[f"{name}_closing"] = (
            figures[f"{name}_opening"]
            + figures[f"{name}_charged"]
            - figures[f"{name}_paid"]
            - figures[f"{name}_other"]
        )
    figures["prepayment_closing"] = (
        figures["prepayment_opening"] + figures["prepayment_charged"] - figures["prepayment_paid"]
    )
    received = Repayment.objects.filter(
        contract=contract, value_date__gte=start, value_date__lte=end
    ).aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
    figures["received"] = to_cents(received)
    return figures


def instalment_state_label(row: dict) -> str:
    """'betaald', 'vandaag te betalen', 'te laat (12 dagen)', 'komt nog' — and 'deels betaald' where so."""
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    if row["state"] == InstalmentState.PAID:
        return _("betaald")
    if row["state"] == InstalmentState.UPCOMING:
        return _("komt nog")
    if row["days_late"]:
        label = ngettext("te laat (%(days)d dag)", "te laat (%(days)d dagen)", row["days_late"]) % {
            "days": row["days_late"]
        }
    else:
        label = _("vandaag te betalen")
    return label + (" — " + _("deels betaald") if row["paid"] > 0 else "")


def bucket_label(bucket: str | None) -> str:
    """The arrears bucket as a fund manager reads it: 'op tijd', '1–30 dagen', … '> 90 dagen'."""
    return _bucket_labels().get(bucket or "", "")


def _bucket_labels() -> dict[str, str]:
    from django.utils.translation import gettext as _

    return {
        "current": _("op tijd"),
        "1-30": _("1–30 dagen"),
        "31-60": _("31–60 dagen"),
        "61-90": _("61–90 dagen"),
        ">90": _("> 90 dagen"),
    }


def with_arrears(contracts, rows: dict[int, dict], *, as_of: datetime.date | None = None) -> list[Contract]:
    """Set `outstanding`, `days_past_due`, `bucket`, `bucket_label` and `status_label` on contracts from
    `arrears` rows (None: inactive); the status is the one as of the date."""
    contracts = list(contracts)
    statuses = statuses_as_of(contracts, as_of=as_of) if as_of is not None else {}
    buckets = _bucket_labels()  # translated once for the list, not once per row (a page shows 50)
    result = []
    for contract in contracts:
        info = rows.get(contract.pk, {})
        contract.outstanding = info.get("outstanding")
        contract.days_past_due = info.get("days_past_due")
        contract.bucket = info.get("bucket")
        contract.bucket_label = buckets.get(contract.bucket or "", "")
        contract.status_label = statuses.get(contract.pk) or contract.get_status_display()
        result.append(contract)
    return result


def statuses_as_of(contracts: list[Contract], *, as_of: datetime.date) -> dict[int, str]:
    """{contract id: status as of `as_of`} from the ledger, for a date in the past (today's otherwise).

    Not yet signed/created, not yet disbursed, running (principal outstanding then) or today's status.
    Two grouped queries for the whole list.
    """
    from django.db.models import Min
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from .models import ContractStatus, Disbursement

    if as_of >= timezone.localdate() or not contracts:
        return {}
    ids = [c.pk for c in contracts]
    first_paid_out = dict(
        Disbursement.objects.filter(contract_id__in=ids)
        .values("contract_id")
        .annotate(first=Min("value_date"))
        .values_list("contract_id", "first")
    )
    principal = {}
    for (contract_id,), (debit, credit) in _totals(
        fund=contracts[0].fund_id,  # the overview's contracts are one fund's
        as_of=as_of,
        by=("contract_id",),
        account__code=AccountCode.LOANS_PRINCIPAL,
        contract_id__in=ids,
    ).items():
        principal[contract_id] = debit - credit
    result = {}
    for contract in contracts:
        if contract.status in (ContractStatus.DRAFT, ContractStatus.CANCELLED):
            continue
        created = timezone.localtime(contract.created_at).date() if contract.created_at else None
        paid_out = first_paid_out.get(contract.pk)
        if created is not None and created > as_of and (paid_out is None or paid_out > as_of):
            result[contract.pk] = _("Nog niet vastgelegd")
        elif paid_out is None or paid_out > as_of:
            result[contract.pk] = _("Nog niet uitbetaald")
        elif principal.get(contract.pk, Decimal("0.00")) > 0:
            result[contract.pk] = str(ContractStatus.ACTIVE.label)
    return result


def provision_by_contract(*, fund: Fund, as_of: datetime.date) -> dict[int, Decimal]:
    """{contract id: provision held} (the credit balance of account 1190 per contract)."""
    totals = _totals(
        fund=fund,
        as_of=as_of,
        by=("contract_id",),
        account__code=AccountCode.LOAN_LOSS_PROVISION,
        contract__isnull=False,
    )
    return {contract_id: credit - debit for (contract_id,), (debit, credit) in totals.items()}


def ledger_report(*, fund: Fund, start: datetime.date, end: datetime.date) -> dict:
    """Trial balance and balance sheet as of `end`, P&L over `start`–`end`, from one grouped query."""
    in_period = (
        Q(postings__value_date__gte=start, postings__value_date__lte=end)
        # the year-close entry moves the result to the reserves; it is no income or expense of the period
        & ~Q(postings__entry__idempotency_key__startswith="year-close:")
    )
    closing = (
        Account.objects.filter(fund=fund)
        .annotate(
            total_debit=Coalesce(Sum("postings__debit", filter=Q(postings__value_date__lte=end)), ZERO),
            total_credit=Coalesce(Sum("postings__credit", filter=Q(postings__value_date__lte=end)), ZERO),
            period_debit=Coalesce(Sum("postings__debit", filter=in_period), ZERO),
            period_credit=Coalesce(Sum("postings__credit", filter=in_period), ZERO),
        )
        .order_by("code")
    )
    trial, sheet, pnl = [], {"assets": [], "liabilities": [], "equity": []}, {"income": [], "expense": []}
    for account in closing:
        debit, credit = to_cents(account.total_debit), to_cents(account.total_credit)
        normal = debit - credit if account.account_type in DEBIT_NORMAL else credit - debit
        trial.append(
            {
                "account": account,
                "debit": debit,
                "credit": credit,
                "balance": normal,
                # the balance on its side (saldibalans): never a bare positive number for a credit balance
                "balance_debit": max(debit - credit, Decimal("0.00")),
                "balance_credit": max(credit - debit, Decimal("0.00")),
            }
        )
        kind = account.account_type
        if kind in ("asset", "contra_asset"):
            sheet["assets"].append({"account": account, "amount": normal if kind == "asset" else -normal})
        elif kind == "liability":
            sheet["liabilities"].append({"account": account, "amount": normal})
        elif kind == "equity":
            sheet["equity"].append({"account": account, "amount": normal})
        else:
            movement = to_cents(account.period_credit) - to_cents(account.period_debit)
            amount = movement if kind == "income" else -movement
            pnl["income" if kind == "income" else "expense"].append(
                # `signed`: as the P&L shows it, expenses negative ("€ -1.234,56", never "-€ 1.234,56")
                {"account": account, "amount": amount, "signed": amount if kind == "income" else -amount}
            )
    result_to_date = sum(
        (row["balance"] if row["account"].account_type == "income" else -row["balance"])
        for row in trial
        if row["account"].account_type in ("income", "expense")
    )
    total = {
        "debit": sum((r["debit"] for r in trial), Decimal("0.00")),
        "credit": sum((r["credit"] for r in trial), Decimal("0.00")),
        "balance_debit": sum((r["balance_debit"] for r in trial), Decimal("0.00")),
        "balance_credit": sum((r["balance_credit"] for r in trial), Decimal("0.00")),
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

    guaranteed = to_cents(
        Contract.objects.filter(fund=fund, instrument="guarantee", status=ContractStatus.ACTIVE).aggregate(
            total=Sum("principal")
        )["total"]
        or 0
    )
    called = to_cents(
        Posting.objects.filter(
            contract__fund=fund,
            contract__instrument="guarantee",
            contract__status=ContractStatus.ACTIVE,
            account__code=AccountCode.LOANS_PRINCIPAL,
        ).aggregate(total=Sum("debit"))["total"]
        or 0
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


def ledger_card(
    *,
    fund: Fund,
    account: Account,
    start: datetime.date,
    end: datetime.date,
    page: int = 1,
    per_page: int = 50,
) -> dict:
    """The ledger card (grootboekkaart) of one account over a period: the balance at the start, one page of
    postings with the running balance after each (debit − credit), and the balance at the end.

    Sums and one page of rows are read in the database from one covering index (account, value date, debit,
    credit): the sums never touch the table, and the account alone selects the fund's postings (an account
    belongs to one fund), so no join with the entries is needed for them. The cost grows with the postings
    since the period's start, not with the years before it.
    """
    from django.core.paginator import Paginator

    if account.fund_id != fund.pk:
        raise Account.DoesNotExist("the account is not this fund's")

    def sums(qs) -> tuple[Decimal, Decimal]:
        totals = qs.aggregate(d=Coalesce(Sum("debit"), ZERO), c=Coalesce(Sum("credit"), ZERO))
        return to_cents(totals["d"]), to_cents(totals["c"])

    def balance(qs) -> Decimal:
        debit, credit = sums(qs)
        return debit - credit

    postings = Posting.objects.filter(account=account)
    # The balance at the start: the running total of everything booked minus what is dated from the start
    # on, so years of older history cost nothing (the postings still decide: `summary_check` guards the two).
    running_total = BalanceSummary.objects.filter(fund=fund, account=account).aggregate(
        d=Coalesce(Sum("debit"), ZERO), c=Coalesce(Sum("credit"), ZERO)
    )
    in_period = postings.filter(value_date__gte=start, value_date__lte=end)
    # One pass over the postings from the start on gives the period's movements, its number of rows (for the
    # pages) and what came after it.
    period = Q(value_date__lte=end)
    since = postings.filter(value_date__gte=start).aggregate(
        d=Coalesce(Sum("debit"), ZERO),
        c=Coalesce(Sum("credit"), ZERO),
        pd=Coalesce(Sum("debit", filter=period), ZERO),
        pc=Coalesce(Sum("credit", filter=period), ZERO),
        n=Count("pk", filter=period),
    )
    opening = (
        to_cents(running_total["d"])
        - to_cents(running_total["c"])
        - to_cents(since["d"])
        + to_cents(since["c"])
    )
    movement_debit, movement_credit = to_cents(since["pd"]), to_cents(since["pc"])
    paginator = Paginator(
        in_period.order_by("value_date", "entry_id", "pk").values(
            "pk",
            "value_date",
            "debit",
            "credit",
            "entry_id",
            "entry__description",
            "entry__source_document",
            "entry__idempotency_key",
            "contract_id",
            "contract__reference",
        ),
        per_page,
    )
    paginator.count = since["n"]  # known already: spares the paginator its COUNT query (a cached property)
    current = paginator.get_page(page)
    rows = list(current.object_list)
    running = opening
    if rows and current.number > 1:
        first = rows[0]
        running += balance(
            in_period.filter(
                Q(value_date__lt=first["value_date"])
                | Q(value_date=first["value_date"], entry_id__lt=first["entry_id"])
                | Q(value_date=first["value_date"], entry_id=first["entry_id"], pk__lt=first["pk"])
            )
        )
    for row in rows:
        row["debit"], row["credit"] = to_cents(row["debit"]), to_cents(row["credit"])
        running += row["debit"] - row["credit"]
        row["balance"] = running
        row["balance_debit"] = max(running, Decimal("0.00"))
        row["balance_credit"] = max(-running, Decimal("0.00"))
    closing = opening + movement_debit - movement_credit
    return {
        "account": account,
        "opening": opening,
        "closing": closing,
        "opening_side": {"amount": abs(opening), "credit": opening < 0},
        "closing_side": {"amount": abs(closing), "credit": closing < 0},
        "page": current,
        "rows": rows,
        "movement_debit": movement_debit,
        "movement_credit": movement_credit,
    }


def payment_account(*, fund: Fund) -> str:
    """The fund's default bank account as it is written ('NL91 ABNA 0417 1643 00'), or '' when none."""
    from .models import FundBankAccount

    account = FundBankAccount.objects.filter(fund=fund).order_by("-is_default", "iban").first()
    if account is None:
        return ""
    return " ".join(account.iban[i : i + 4] for i in range(0, len(account.iban), 4))


def stored_auditfiles(*, fund: Fund) -> list[dict]:
    """Every stored version of the fund's audit files (year, version, date, reason, download url), newest
    year first; two queries."""
    from django.contrib.contenttypes.models import ContentType

    from core.documents import document_url
    from core.models import StoredDocument

    from .models import AuditFile

    years = dict(AuditFile.objects.filter(fund=fund).values_list("pk", "year"))
    if not years:
        return []
    documents = (
        StoredDocument.objects.filter(
            kind="xaf_auditfile",
            subject_type=ContentType.objects.get_for_model(AuditFile),
            subject_id__in=[str(pk) for pk in years],
        )
        .defer("content")
        .order_by("-created_at", "-version")
    )
    rows = [{"year": years[int(d.subject_id)], "document": d, "url": document_url(d)} for d in documents]
    return sorted(rows, key=lambda row: (-row["year"], -row["document"].version))


# --------------------------------------------------------------------------------------------------
# Arrears follow-up (issue 14)
# --------------------------------------------------------------------------------------------------

OVERDUE_SQL = """
WITH latest AS (
    SELECT v.id AS version_id, v.contract_id, v.start_date
    FROM portfolio_scheduleversion v
    JOIN portfolio_contract c ON c.id = v.contract_id
    WHERE c.fund_id = %(fund)s AND c.status = 'active'
      AND v.number = (
          SELECT MAX(v2.number) FROM portfolio_scheduleversion v2 WHERE v2.contract_id = v.contract_id
      )
),
paid AS (
    SELECT r.contract_id, SUM(r.scheduled_paid) AS paid
    FROM portfolio_repayment r
    JOIN latest l ON l.contract_id = r.contract_id
    WHERE r.value_date <= %(as_of)s AND r.value_date >= l.start_date
      AND (r.returned_on IS NULL OR r.returned_on > %(as_of)s)
    GROUP BY r.contract_id
),
due AS (
    SELECT l.contract_id, MAX(s.cumulative_payment) AS due
    FROM latest l JOIN portfolio_scheduleline s ON s.version_id = l.version_id
    WHERE s.due_date < %(as_of)s
    GROUP BY l.contract_id
)
SELECT due.contract_id, due.due - COALESCE(paid.paid, 0)
FROM due LEFT JOIN paid ON paid.contract_id = due.contract_id
"""

NIL = Decimal("0.00")
ARREARS_BUCKETS = ["1-30", "31-60", "61-90", ">90"]


def overdue_amounts(*, fund: Fund, as_of: datetime.date) -> dict[int, Decimal]:
    """{contract id: instalments due before `as_of` and not paid} for the fund's active loans, one query."""
    from django.db import connection

    result = {}
    with connection.cursor() as cursor:
        cursor.execute(OVERDUE_SQL, {"fund": fund.pk, "as_of": as_of})
        for pk, amount in cursor.fetchall():
            amount = to_cents(Decimal(str(amount or 0)))  # SQLite sums decimals as floats
            if amount > 0:
                result[pk] = amount
    return result


def arrears_list(*, fund: Fund, as_of: datetime.date) -> dict:
    """The arrears list of a fund on a date: each late loan with what is overdue, its penalty interest, the
    last reminder and the last note; and per bucket (1–30, 31–60, 61–90, > 90 days) the count, the overdue
    amount and the outstanding principal. A fixed number of queries, whatever the number of loans."""
    from django.db.models import Count, Max, Sum

    from .models import ContractNote, Reminder

    rows = arrears(fund=fund, as_of=as_of)
    late = {pk: info for pk, info in rows.items() if info["days_past_due"] > 0}
    overdue = overdue_amounts(fund=fund, as_of=as_of)
    penalty = {
        row["contract"]: (row["debit"] or NIL) - (row["credit"] or NIL)
        for row in Posting.objects.filter(
            contract__in=late,
            value_date__lte=as_of,
            account__code=AccountCode.PENALTY_INTEREST_RECEIVABLE,
        )
        .values("contract")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
    }
    reminders: dict[int, Reminder] = {}
    for reminder in Reminder.objects.filter(contract__in=late, as_of__lte=as_of).order_by("as_of", "step"):
        reminders[reminder.contract_id] = reminder  # the last one wins
    notes = {
        row["contract"]: row
        for row in ContractNote.objects.filter(contract__in=late)
        .values("contract")
        .annotate(count=Count("id"), last=Max("created_at"))
    }
    contracts = Contract.objects.filter(pk__in=late).select_related("enterprise__organisation")
    items = []
    for contract in contracts:
        info = late[contract.pk]
        items.append(
            {
                "contract": contract,
                "days_past_due": info["days_past_due"],
                "bucket": info["bucket"],
                "bucket_label": bucket_label(info["bucket"]),
                "oldest_unpaid": info["oldest_unpaid"],
                "outstanding": info["outstanding"],
                "overdue": overdue.get(contract.pk, NIL),
                "penalty_interest": max(penalty.get(contract.pk, NIL), NIL),
                "last_reminder": reminders.get(contract.pk),
                "notes": notes.get(contract.pk, {}).get("count", 0),
                "last_note": notes.get(contract.pk, {}).get("last"),
            }
        )
    items.sort(key=lambda item: (-item["days_past_due"], item["contract"].reference))
    buckets = []
    for bucket in ARREARS_BUCKETS:
        members = [item for item in items if item["bucket"] == bucket]
        buckets.append(
            {
                "bucket": bucket,
                "label": bucket_label(bucket),
                "count": len(members),
                "overdue": sum((item["overdue"] for item in members), NIL),
                "outstanding": sum((item["outstanding"] for item in members), NIL),
            }
        )
    return {
        "items": items,
        "buckets": buckets,
        "total_overdue": sum((item["overdue"] for item in items), NIL),
        "total_outstanding": sum((item["outstanding"] for item in items), NIL),
    }


def overdue_instalments(*, contract: Contract, as_of: datetime.date) -> list[dict]:
    """The instalments of the current schedule that fell due before `as_of` and are not (fully) paid:
    number, due date, instalment, the unpaid part and the days late (payments settle the oldest first)."""
    from django.db.models import Sum

    from .models import Repayment

    version = contract.schedule_versions.order_by("-number").first()
    if version is None:
        return []
    paid = (
        Repayment.objects.filter(
            Q(returned_on__isnull=True) | Q(returned_on__gt=as_of),
            contract=contract,
            value_date__lte=as_of,
            value_date__gte=version.start_date,
        ).aggregate(total=Sum("scheduled_paid"))["total"]
        or NIL
    )
    result = []
    for line in version.lines.filter(due_date__lt=as_of, cumulative_payment__gt=paid).order_by("number"):
        unpaid = min(line.payment, line.cumulative_payment - paid)
        result.append(
            {
                "number": line.number,
                "due_date": line.due_date,
                "payment": line.payment,
                "unpaid": unpaid,
                "days_late": (as_of - line.due_date).days,
            }
        )
    return result


def contract_followup(*, contract: Contract) -> dict:
    """The contract's follow-up log: notes (newest first) and reminders with their letters."""
    from core.documents import document_url

    reminders = list(contract.reminders.select_related("document", "created_by").order_by("-as_of", "-step"))
    for reminder in reminders:
        reminder.url = document_url(reminder.document) if reminder.document_id else ""
    return {
        "notes": list(contract.notes.select_related("author").order_by("-created_at", "-id")),
        "reminders": reminders,
    }


# --------------------------------------------------------------------------------------------------
# Trends: a monthly time series of outstanding, PAR30/PAR90 and arrears by bucket (issue 14)
# --------------------------------------------------------------------------------------------------

TREND_BUCKETS = ["current", "1-30", "31-60", "61-90", ">90"]


def _month_ends(end: datetime.date, months: int) -> list[datetime.date]:
    """The last day of each of the `months` months up to `end`'s month; the last point is `end` itself."""
    points = [end]
    first_of_month = end.replace(day=1)
    for _index in range(months - 1):
        previous_end = first_of_month - datetime.timedelta(days=1)
        points.append(previous_end)
        first_of_month = previous_end.replace(day=1)
    return sorted(points)


_LATEST_VERSION = (
    "SELECT MAX(v2.number) FROM portfolio_scheduleversion v2 WHERE v2.contract_id = v.contract_id\n      )"
)
# The version in force on `as_of`: the highest number that had started by then (a restructuring's new version
# starts on its date), or the first version for a loan whose schedule had not started yet.
_VERSION_IN_FORCE = """SELECT COALESCE(
              (SELECT MAX(v2.number) FROM portfolio_scheduleversion v2
               WHERE v2.contract_id = v.contract_id AND v2.start_date <= %(as_of)s),
              (SELECT MIN(v3.number) FROM portfolio_scheduleversion v3 WHERE v3.contract_id = v.contract_id)
          )
      )"""
assert _LATEST_VERSION in ARREARS_SQL
TREND_ARREARS_SQL = ARREARS_SQL.replace(
    "c.status = 'active'", "c.status NOT IN ('draft', 'cancelled')"
).replace(_LATEST_VERSION, _VERSION_IN_FORCE)


def _oldest_unpaid(*, fund: Fund, as_of: datetime.date) -> dict[int, datetime.date]:
    """{contract id: oldest instalment not covered on `as_of`} for every loan that was running then (not
    only those running today: a loan repaid since was late or on time in its own months), measured against
    the schedule version in force on `as_of` (before a restructuring: the old schedule; after it: the new)."""
    from django.db import connection

    sql = TREND_ARREARS_SQL

    result = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, {"fund": fund.pk, "as_of": as_of})
        for pk, due_date in cursor.fetchall():
            if isinstance(due_date, str):
                due_date = datetime.date.fromisoformat(due_date)
            result[pk] = due_date
    return result


def portfolio_trend(*, fund: Fund, end: datetime.date, months: int = 12) -> list[dict]:
    """Per month end (the last point: `end`): outstanding principal, PAR30, PAR90 (fractions) and the
    outstanding principal per arrears bucket.

    Outstanding per contract per month comes from two aggregates (the balance before the window, and the
    window's movements per contract and month), accumulated with pandas; lateness is one query per month
    (the same SQL as the overview). So the cost depends on the number of months and loans, never on the
    years of history."""
    import pandas as pd
    from django.db.models.functions import TruncMonth

    points = _month_ends(end, months)
    window_start = points[0].replace(day=1)
    opening = outstanding_principal_by_contract(fund=fund, as_of=window_start - datetime.timedelta(days=1))
    movements = list(
        Posting.objects.filter(
            entry__fund=fund,
            account__code=AccountCode.LOANS_PRINCIPAL,
            contract__isnull=False,
            entry__value_date__gte=window_start,
            entry__value_date__lte=end,
        )
        .annotate(month=TruncMonth("value_date"))
        .values("contract_id", "month")
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .order_by()
    )
    month_keys = [point.replace(day=1) for point in points]
    contracts = sorted(set(opening) | {row["contract_id"] for row in movements})
    frame = pd.DataFrame(0, index=contracts, columns=month_keys, dtype=object)
    for row in movements:
        month = row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"]
        change = to_cents(Decimal(str(row["d"] or 0))) - to_cents(Decimal(str(row["c"] or 0)))
        frame.at[row["contract_id"], month] = frame.at[row["contract_id"], month] + change
    for pk, balance in opening.items():
        frame.at[pk, month_keys[0]] = frame.at[pk, month_keys[0]] + balance
    balances = frame.cumsum(axis=1)  # object dtype: Decimal sums, exact to the cent
    series = []
    for point, month in zip(points, month_keys, strict=True):
        outstanding = {pk: Decimal(value) for pk, value in balances[month].items() if Decimal(value) > 0}
        late = _oldest_unpaid(fund=fund, as_of=point)
        by_bucket = dict.fromkeys(TREND_BUCKETS, Decimal("0.00"))
        over30 = over90 = Decimal("0.00")
        for pk, amount in outstanding.items():
            days = (point - late[pk]).days if pk in late else 0
            by_bucket[arrears_bucket(days)] += amount
            if days > 30:
                over30 += amount
            if days > 90:
                over90 += amount
        total = sum(outstanding.values(), Decimal("0.00"))
        series.append(
            {
                "month_end": point,
                "outstanding": total,
                "par30": round_to(over30 / total, 4) if total else Decimal("0.0000"),
                "par90": round_to(over90 / total, 4) if total else Decimal("0.0000"),
                "buckets": [
                    {"bucket": b, "label": bucket_label(b), "amount": by_bucket[b]} for b in TREND_BUCKETS
                ],
            }
        )
    return series
