"""Posting to the ledger: the only way money enters the books.

`entry_post` books one balanced journal entry (refusing anything that does not balance, is not in whole
cents, is dated in a closed period or mixes funds); `entry_reverse` corrects one by booking its mirror
image. An idempotency key makes a repeated outside event (a bank line, a payment approval) book nothing
the second time, also when two requests race (the unique constraint decides).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from djmoney.money import Money

from core.errors import ApplicationError
from core.formats import format_date, format_eur
from core.money import is_whole_cents, to_cents
from fund.audit import audit_record, audit_record_many
from fund.models import Commitment, Fund, User

from .accounts import AccountCode
from .models import (
    DEBIT_NORMAL,
    Account,
    AccountType,
    BalanceSummary,
    Contract,
    JournalEntry,
    PeriodClose,
    Posting,
    YearClose,
)

# The default chart of accounts every fund gets (code, name, type). Extensible per fund.
DEFAULT_CHART: list[tuple[AccountCode, str, str]] = [
    (AccountCode.BANK, "Bank", AccountType.ASSET),
    (AccountCode.LOANS_PRINCIPAL, "Uitstaande leningen (hoofdsom)", AccountType.ASSET),
    (AccountCode.INTEREST_RECEIVABLE, "Te ontvangen rente", AccountType.ASSET),
    (AccountCode.PENALTY_INTEREST_RECEIVABLE, "Te ontvangen boeterente", AccountType.ASSET),
    (AccountCode.FEES_RECEIVABLE, "Te ontvangen vergoedingen", AccountType.ASSET),
    (AccountCode.OUTCOME_PAYMENTS_RECEIVABLE, "Te ontvangen resultaatbetalingen", AccountType.ASSET),
    (AccountCode.EQUITY_INVESTMENTS, "Deelnemingen (aandelen)", AccountType.ASSET),
    (AccountCode.LOAN_LOSS_PROVISION, "Voorziening oninbaarheid", AccountType.CONTRA_ASSET),
    (AccountCode.DISTRIBUTIONS_PAYABLE, "Te betalen uitkeringen aan investeerders", AccountType.LIABILITY),
    (AccountCode.OUTCOME_PAYMENTS_PAYABLE, "Te betalen resultaatbetalingen", AccountType.LIABILITY),
    (AccountCode.PREPAYMENTS_RECEIVED, "Vooruitontvangen aflossingen", AccountType.LIABILITY),
    (AccountCode.MANAGEMENT_FEE_PAYABLE, "Te betalen beheervergoeding", AccountType.LIABILITY),
    (AccountCode.EXPENSES_PAYABLE, "Te betalen fondskosten", AccountType.LIABILITY),
    (AccountCode.PAID_IN_CAPITAL, "Gestort kapitaal investeerders", AccountType.EQUITY),
    (AccountCode.RETAINED_RESULTS, "Overige reserves", AccountType.EQUITY),
    (AccountCode.CAPITAL_DISTRIBUTIONS, "Uitkeringen aan investeerders", AccountType.EQUITY),
    (AccountCode.INTEREST_INCOME, "Rentebaten", AccountType.INCOME),
    (AccountCode.PENALTY_INTEREST_INCOME, "Boeterente", AccountType.INCOME),
    (AccountCode.FEE_INCOME, "Vergoedingen", AccountType.INCOME),
    (AccountCode.RECOVERIES, "Terugontvangen afgeschreven bedragen", AccountType.INCOME),
    (AccountCode.EQUITY_REVALUATION, "Herwaardering deelnemingen", AccountType.INCOME),
    (AccountCode.BANK_INTEREST_INCOME, "Rente op bankrekening", AccountType.INCOME),
    (AccountCode.OUTCOME_INCOME, "Opbrengst resultaatfinanciering (aandeel fonds)", AccountType.INCOME),
    (AccountCode.PROVISION_EXPENSE, "Dotatie voorziening", AccountType.EXPENSE),
    (AccountCode.WRITE_OFF_EXPENSE, "Afschrijving leningen", AccountType.EXPENSE),
    (AccountCode.BANK_COSTS, "Bankkosten", AccountType.EXPENSE),
    (AccountCode.MANAGEMENT_FEE_EXPENSE, "Beheervergoeding", AccountType.EXPENSE),
    (AccountCode.FUND_EXPENSES, "Fondskosten", AccountType.EXPENSE),
]

MSG_UNBALANCED = gettext_noop("De journaalpost is niet in balans: debet %(debit)s, credit %(credit)s.")
MSG_EMPTY = gettext_noop("Een journaalpost heeft ten minste twee boekingen nodig.")
MSG_ONE_SIDE = gettext_noop("Regel %(line)d: boek óf debet óf credit, een positief bedrag.")
MSG_CENTS = gettext_noop("Regel %(line)d: bedragen zijn in hele centen (%(amount)s).")
MSG_NOT_EUR = gettext_noop("Regel %(line)d: alleen euro's kunnen worden geboekt (%(currency)s).")
MSG_OTHER_FUND = gettext_noop("Regel %(line)d: rekening %(account)s hoort niet bij fonds %(fund)s.")
MSG_CLOSED_PERIOD = gettext_noop(
    "De periode tot en met %(date)s is afgesloten; boek de correctie na die datum."
)
MSG_ALREADY_REVERSED = gettext_noop("Deze journaalpost is al teruggeboekt.")
MSG_REASON_REQUIRED = gettext_noop("Geef een reden voor de terugboeking.")


@dataclass(frozen=True)
class Line:
    """One intended posting: an account code, and a debit or a credit (Decimal or Money EUR)."""

    account: str
    debit: Decimal | Money = Decimal("0")
    credit: Decimal | Money = Decimal("0")
    contract: Contract | None = None
    # The investor's commitment, on postings that belong to one investor (paid-in capital, distributions,
    # management fees): the capital accounts read them per investor.
    commitment: Commitment | None = None


class LedgerError(ApplicationError):
    pass


@dataclass(frozen=True)
class NewEntry:
    """One entry for `entries_post_many`: what `entry_post` takes, without fund and actor."""

    value_date: datetime.date
    description: str
    lines: list[Line]
    contract: Contract | None = None
    source_document: str = ""
    idempotency_key: str | None = None


MSG_KEY_USED = gettext_noop("Deze boeking (%(key)s) is al eerder gemaakt.")


def ensure_chart_of_accounts(*, fund: Fund) -> dict[str, Account]:
    existing = {a.code: a for a in Account.objects.filter(fund=fund)}
    missing = [
        Account(fund=fund, code=code, name=name, account_type=kind)
        for code, name, kind in DEFAULT_CHART
        if code not in existing
    ]
    if missing:
        Account.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {a.code: a for a in Account.objects.filter(fund=fund)}
    return existing


def closed_through(*, fund: Fund) -> datetime.date | None:
    return PeriodClose.objects.filter(fund=fund).aggregate(last=Max("closed_through"))["last"]


def _amount(value, *, line: int) -> Decimal:
    if isinstance(value, Money):
        if str(value.currency) != "EUR":
            raise LedgerError(_(MSG_NOT_EUR) % {"line": line, "currency": value.currency})
        value = value.amount
    if isinstance(value, float):
        raise LedgerError(_(MSG_CENTS) % {"line": line, "amount": value})
    amount = Decimal(value)
    if not is_whole_cents(amount):
        raise LedgerError(_(MSG_CENTS) % {"line": line, "amount": amount})
    return to_cents(amount)


def _check_lines(*, fund: Fund, lines: list[Line], accounts: dict[str, Account]) -> list[tuple]:
    if len(lines) < 2:
        raise LedgerError(_(MSG_EMPTY))
    checked = []
    for number, line in enumerate(lines, start=1):
        debit, credit = _amount(line.debit, line=number), _amount(line.credit, line=number)
        if (debit > 0) == (credit > 0) or debit < 0 or credit < 0:
            raise LedgerError(_(MSG_ONE_SIDE) % {"line": number})
        account = accounts.get(line.account)
        if account is None:
            raise LedgerError(
                _(MSG_OTHER_FUND) % {"line": number, "account": line.account, "fund": fund.code}
            )
        if line.contract is not None and line.contract.fund_id != fund.pk:
            raise LedgerError(
                _(MSG_OTHER_FUND) % {"line": number, "account": line.contract, "fund": fund.code}
            )
        if line.commitment is not None and line.commitment.fund_id != fund.pk:
            raise LedgerError(
                _(MSG_OTHER_FUND) % {"line": number, "account": line.commitment, "fund": fund.code}
            )
        checked.append((account, debit, credit, line.contract, line.commitment))
    total_debit = sum((row[1] for row in checked), Decimal("0.00"))
    total_credit = sum((row[2] for row in checked), Decimal("0.00"))
    if total_debit != total_credit:
        raise LedgerError(
            _(MSG_UNBALANCED) % {"debit": format_eur(total_debit), "credit": format_eur(total_credit)}
        )
    return checked


def entry_post(
    *,
    fund: Fund,
    value_date: datetime.date,
    description: str,
    lines: list[Line],
    actor: User | None,
    contract: Contract | None = None,
    source_document: str = "",
    idempotency_key: str | None = None,
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Book one balanced entry. With an idempotency key already used in this fund, return that entry."""
    if idempotency_key:
        existing = JournalEntry.objects.filter(fund=fund, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            return _entry_post(
                fund=fund,
                value_date=value_date,
                description=description,
                lines=lines,
                actor=actor,
                contract=contract,
                source_document=source_document,
                idempotency_key=idempotency_key,
                reverses=reverses,
            )
    except IntegrityError:
        if idempotency_key:  # a concurrent request booked the same event first
            existing = JournalEntry.objects.filter(fund=fund, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        raise


def _entry_post(
    *,
    fund,
    value_date,
    description,
    lines,
    actor,
    contract,
    source_document,
    idempotency_key,
    reverses,
    year_closing: bool = False,
):
    Fund.objects.select_for_update().filter(pk=fund.pk).first()  # serialise against period close
    last_closed = closed_through(fund=fund)
    if last_closed is not None and value_date <= last_closed and not year_closing:
        raise LedgerError(_(MSG_CLOSED_PERIOD) % {"date": format_date(last_closed)})
    accounts = ensure_chart_of_accounts(fund=fund)
    checked = _check_lines(fund=fund, lines=lines, accounts=accounts)
    entry = JournalEntry.objects.create(
        fund=fund,
        value_date=value_date,
        booking_date=timezone.localdate(),
        description=description[:255],
        source_document=source_document,
        contract=contract,
        reverses=reverses,
        idempotency_key=idempotency_key or None,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    postings = Posting.objects.bulk_create(
        [
            Posting(
                entry=entry,
                account=account,
                contract=line_contract or contract,
                commitment=line_commitment,
                value_date=value_date,
                debit=debit,
                credit=credit,
            )
            for account, debit, credit, line_contract, line_commitment in checked
        ]
    )
    _summary_add(fund=fund, postings=postings)
    audit_record(
        actor=actor,
        obj=entry,
        action="journal_entry_reversed" if reverses else "journal_entry_posted",
        data={
            "fund": fund.code,
            "value_date": value_date,
            "total": sum(row[1] for row in checked),
            "reverses": reverses.pk if reverses else None,
        },
    )
    return entry


@transaction.atomic
def entries_post_many(*, fund: Fund, entries: list[NewEntry], actor: User | None) -> list[JournalEntry]:
    """Book many balanced entries in a few queries (a bank statement's payments), with `entry_post`'s checks:
    the same refusals, running totals and audit records. All or nothing; the keys must be new."""
    if not entries:
        return []
    if not connection.features.can_return_rows_from_bulk_insert:
        return [
            entry_post(fund=fund, actor=actor, **{f: getattr(e, f) for f in NewEntry.__dataclass_fields__})
            for e in entries
        ]
    Fund.objects.select_for_update().filter(pk=fund.pk).first()  # serialise against period close
    last_closed = closed_through(fund=fund)
    if last_closed is not None and any(e.value_date <= last_closed for e in entries):
        raise LedgerError(_(MSG_CLOSED_PERIOD) % {"date": format_date(last_closed)})
    keys = [e.idempotency_key for e in entries if e.idempotency_key]
    repeated = {key for key, count in Counter(keys).items() if count > 1} | set(
        JournalEntry.objects.filter(fund=fund, idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    if repeated:
        raise LedgerError(_(MSG_KEY_USED) % {"key": sorted(repeated)[0]})
    accounts = ensure_chart_of_accounts(fund=fund)
    checked = [_check_lines(fund=fund, lines=e.lines, accounts=accounts) for e in entries]
    today = timezone.localdate()
    who = actor if actor is not None and actor.is_authenticated else None
    created = JournalEntry.objects.bulk_create(
        [
            JournalEntry(
                fund=fund,
                value_date=e.value_date,
                booking_date=today,
                description=e.description[:255],
                source_document=e.source_document,
                contract=e.contract,
                idempotency_key=e.idempotency_key or None,
                created_by=who,
            )
            for e in entries
        ],
        batch_size=2000,
    )
    postings = Posting.objects.bulk_create(
        [
            Posting(
                entry=entry,
                account=account,
                contract=line_contract or e.contract,
                commitment=line_commitment,
                value_date=e.value_date,
                debit=debit,
                credit=credit,
            )
            for entry, e, rows in zip(created, entries, checked, strict=True)
            for account, debit, credit, line_contract, line_commitment in rows
        ],
        batch_size=5000,
    )
    _summary_add_many(fund=fund, postings=postings)
    audit_record_many(
        actor=actor,
        records=[
            (
                entry,
                "journal_entry_posted",
                {
                    "fund": fund.code,
                    "value_date": entry.value_date,
                    "total": sum(row[1] for row in rows),
                    "reverses": None,
                },
            )
            for entry, rows in zip(created, checked, strict=True)
        ],
    )
    return created


@transaction.atomic
def entry_reverse(
    *, entry: JournalEntry, actor: User | None, reason: str, value_date: datetime.date | None = None
) -> JournalEntry:
    """Correct an entry by booking its mirror image (dated today, or after the closed period)."""
    if not (reason or "").strip():
        raise LedgerError(_(MSG_REASON_REQUIRED))
    entry = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise LedgerError(_(MSG_ALREADY_REVERSED))
    lines = [
        Line(
            account=p.account.code,
            debit=p.credit,
            credit=p.debit,
            contract=p.contract,
            commitment=p.commitment,
        )
        for p in entry.postings.select_related("account", "contract", "commitment")
    ]
    try:
        return entry_post(
            fund=entry.fund,
            value_date=value_date or timezone.localdate(),
            description=_("Terugboeking van %(id)s: %(reason)s") % {"id": entry.pk, "reason": reason.strip()},
            lines=lines,
            actor=actor,
            contract=entry.contract,
            reverses=entry,
        )
    except IntegrityError as exc:  # a concurrent reversal won
        raise LedgerError(_(MSG_ALREADY_REVERSED)) from exc


@transaction.atomic
def period_close(*, fund: Fund, through: datetime.date, actor: User | None) -> PeriodClose:
    Fund.objects.select_for_update().filter(pk=fund.pk).first()
    last = closed_through(fund=fund)
    if last is not None and through <= last:
        raise LedgerError(_("De periode tot en met %(date)s is al afgesloten.") % {"date": format_date(last)})
    close = PeriodClose.objects.create(fund=fund, closed_through=through, closed_by=actor)
    audit_record(actor=actor, obj=fund, action="period_closed", to_state=through.isoformat())
    return close


YEAR_CLOSE_PREFIX = "year-close:"
MSG_YEAR_NOT_READY = gettext_noop(
    "Sluit eerst alle kwartalen van %(year)s af (afgesloten tot en met: %(closed)s); daarna het boekjaar."
)
MSG_YEAR_CLOSED = gettext_noop("Boekjaar %(year)s is al afgesloten.")
MSG_EARLIER_YEAR_OPEN = gettext_noop("Sluit eerst boekjaar %(year)s af.")


def quarter_end(day: datetime.date) -> datetime.date:
    """The last day of the calendar quarter `day` is in."""
    month = ((day.month - 1) // 3 + 1) * 3
    following = datetime.date(day.year + (month == 12), month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def closable_quarters(*, fund: Fund, today: datetime.date) -> list[datetime.date]:
    """Quarter ends that can be closed now: after the last closed date, ended before today, oldest first."""
    last = closed_through(fund=fund)
    if last is None:
        first = JournalEntry.objects.filter(fund=fund).aggregate(first=Min("value_date"))["first"]
        if first is None:
            return []
        cursor = quarter_end(first)
    else:
        cursor = quarter_end(last + datetime.timedelta(days=1))
    ends = []
    while cursor < today:
        ends.append(cursor)
        cursor = quarter_end(cursor + datetime.timedelta(days=1))
    return ends


def year_result(*, fund: Fund, year: int) -> tuple[Decimal, list[tuple[str, Decimal]]]:
    """The result to carry to the reserves at 31 December of `year`: every income and expense account's
    balance then (years not closed before included), and that balance per account (normal direction)."""
    end = datetime.date(year, 12, 31)
    rows = (
        Posting.objects.filter(
            entry__fund=fund,
            entry__value_date__lte=end,
            account__account_type__in=[AccountType.INCOME, AccountType.EXPENSE],
        )
        .values("account__code", "account__account_type")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by("account__code")
    )
    balances, result = [], Decimal("0.00")
    for row in rows:
        debit, credit = to_cents(Decimal(str(row["debit"]))), to_cents(Decimal(str(row["credit"])))
        normal = debit - credit if row["account__account_type"] in DEBIT_NORMAL else credit - debit
        if normal:
            balances.append((row["account__code"], normal))
            result += normal if row["account__account_type"] == AccountType.INCOME else -normal
    return result, balances


def closable_year(*, fund: Fund) -> int | None:
    """The book year that can be closed now: the first not closed, once its quarters are closed."""
    last = closed_through(fund=fund)
    if last is None:
        return None
    done = YearClose.objects.filter(fund=fund).aggregate(last=Max("year"))["last"]
    first_entry = JournalEntry.objects.filter(fund=fund).aggregate(first=Min("value_date"))["first"]
    year = done + 1 if done else (first_entry.year if first_entry else last.year)
    return year if last >= datetime.date(year, 12, 31) else None


@transaction.atomic
def year_close(*, fund: Fund, year: int, actor: User | None) -> YearClose:
    """Close a book year after its quarters: one entry dated 31 December moves every income and expense
    balance to 'Overige reserves' (3200); the new year starts with those accounts at zero."""
    Fund.objects.select_for_update().filter(pk=fund.pk).first()
    if YearClose.objects.filter(fund=fund, year=year).exists():
        raise LedgerError(_(MSG_YEAR_CLOSED) % {"year": year})
    end = datetime.date(year, 12, 31)
    last = closed_through(fund=fund)
    if last is None or last < end:
        raise LedgerError(
            _(MSG_YEAR_NOT_READY) % {"year": year, "closed": format_date(last) if last else _("niets")}
        )
    done = YearClose.objects.filter(fund=fund).aggregate(last=Max("year"))["last"]
    if done is not None and done != year - 1:
        raise LedgerError(_(MSG_EARLIER_YEAR_OPEN) % {"year": done + 1})
    result, balances = year_result(fund=fund, year=year)
    entry = None
    if balances:
        types = dict(Account.objects.filter(fund=fund).values_list("code", "account_type"))
        lines = []
        for code, normal in balances:  # book each balance back to zero
            if types[code] in DEBIT_NORMAL:
                lines.append(Line(code, credit=normal) if normal > 0 else Line(code, debit=-normal))
            else:
                lines.append(Line(code, debit=normal) if normal > 0 else Line(code, credit=-normal))
        if result > 0:
            lines.append(Line(AccountCode.RETAINED_RESULTS, credit=result))
        elif result < 0:
            lines.append(Line(AccountCode.RETAINED_RESULTS, debit=-result))
        entry = _entry_post(
            fund=fund,
            value_date=end,
            description=_("Jaarafsluiting %(year)s: resultaat naar overige reserves") % {"year": year},
            lines=lines,
            actor=actor,
            contract=None,
            source_document="",
            idempotency_key=f"{YEAR_CLOSE_PREFIX}{year}",
            reverses=None,
            year_closing=True,
        )
    close = YearClose.objects.create(fund=fund, year=year, result=result, entry=entry, closed_by=actor)
    audit_record(actor=actor, obj=fund, action="year_closed", to_state=str(year), data={"result": result})
    return close


# --------------------------------------------------------------------------------------------------
# Running totals (BalanceSummary): derived from the postings, kept in the posting's transaction
# --------------------------------------------------------------------------------------------------


def _summary_add(*, fund: Fund, postings: list[Posting]) -> None:
    """Add an entry's postings to the running totals (the fund row is locked by the caller)."""
    totals: dict[tuple[int, int | None], list[Decimal]] = {}
    for posting in postings:
        pair = totals.setdefault((posting.account_id, posting.contract_id), [Decimal("0.00")] * 2)
        pair[0] += posting.debit
        pair[1] += posting.credit
    for (account_id, contract_id), (debit, credit) in totals.items():
        key = BalanceSummary.key_for(account_id, contract_id)
        updated = BalanceSummary.objects.filter(fund=fund, key=key).update(
            debit=F("debit") + debit, credit=F("credit") + credit
        )
        if not updated:
            BalanceSummary.objects.create(
                fund=fund, account_id=account_id, contract_id=contract_id, key=key, debit=debit, credit=credit
            )


def _summary_add_many(*, fund: Fund, postings: list[Posting]) -> None:
    """`_summary_add` for many entries at once: one read, one update and one insert (fund row locked)."""
    totals: dict[str, list] = {}
    for posting in postings:
        key = BalanceSummary.key_for(posting.account_id, posting.contract_id)
        row = totals.setdefault(
            key, [posting.account_id, posting.contract_id, Decimal("0.00"), Decimal("0.00")]
        )
        row[2] += posting.debit
        row[3] += posting.credit
    # Derived rows, under the fund's lock: replacing them is one delete and one insert, where an update
    # per row (or Django's bulk_update, a CASE per row) costs a query or milliseconds each.
    existing = BalanceSummary.objects.filter(fund=fund, key__in=list(totals))
    for key, debit, credit in existing.values_list("key", "debit", "credit"):
        totals[key][2] += debit
        totals[key][3] += credit
    existing.delete()
    BalanceSummary.objects.bulk_create(
        [
            BalanceSummary(fund=fund, account_id=a, contract_id=c, key=key, debit=d, credit=cr)
            for key, (a, c, d, cr) in totals.items()
        ],
        batch_size=2000,
    )


def _totals_from_postings(*, fund: Fund) -> dict[tuple[int, int | None], tuple[Decimal, Decimal]]:
    rows = (
        Posting.objects.filter(entry__fund=fund)
        .values("account_id", "contract_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by()
    )
    return {
        (row["account_id"], row["contract_id"]): (
            to_cents(Decimal(str(row["debit"]))),
            to_cents(Decimal(str(row["credit"]))),
        )
        for row in rows
    }


@transaction.atomic
def summary_rebuild(*, fund: Fund) -> int:
    """Recompute the fund's running totals from its postings (after a bulk load; repairs nothing else)."""
    Fund.objects.select_for_update().filter(pk=fund.pk).first()
    BalanceSummary.objects.filter(fund=fund).delete()
    rows = [
        BalanceSummary(
            fund=fund,
            account_id=account_id,
            contract_id=contract_id,
            key=BalanceSummary.key_for(account_id, contract_id),
            debit=debit,
            credit=credit,
        )
        for (account_id, contract_id), (debit, credit) in _totals_from_postings(fund=fund).items()
    ]
    BalanceSummary.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def summary_check(*, fund: Fund) -> list[str]:
    """Differences between the running totals and the postings' sums (empty when they agree)."""
    expected = _totals_from_postings(fund=fund)
    actual = {
        (row.account_id, row.contract_id): (row.debit, row.credit)
        for row in BalanceSummary.objects.filter(fund=fund)
    }
    problems = []
    for pair in sorted(set(expected) | set(actual), key=lambda p: (p[0], p[1] or 0)):
        want = expected.get(pair, (Decimal("0.00"), Decimal("0.00")))
        have = actual.get(pair, (Decimal("0.00"), Decimal("0.00")))
        if want != have:
            problems.append(f"account {pair[0]} contract {pair[1]}: postings {want}, summary {have}")
    return problems
