"""Benchmark: the portfolio overview (balances, PAR, NAV) on a realistic ledger, against a naive ORM loop.

Generates one fund with N loans (default 2,000; mixed annuity/linear/bullet, mostly monthly and some
quarterly, 5–10 year terms with grace periods, started 2019-01 … 2019-06), each with schedule version 1, its
disbursement, interest accrued at every month end and — for ~90 % of the loans, which keep paying — a
repayment on every due date up to AS_OF (2026-06-30); the other ~10 % stop paying at some point, so PAR is
not zero. All stay ACTIVE, also those already repaid in full (nothing in the app moves a loan to REPAID).
Entries are written in value-date order (as a live ledger grows) with bulk_create, one transaction per
batch, so PostgreSQL's deferred balance trigger checks every entry at each commit; bulk_create bypasses
`entry_post`, so the running totals are rebuilt from the postings afterwards (and checked against them).
The generation time is printed.

Then it times, side by side on the same data:
  (a) the overview through the public selectors, each called as it is (account_balances, arrears,
      portfolio_at_risk 30 and 90 — each of which recomputes arrears — and fund_nav), and the same figures
      with arrears and the balances computed once, PAR and NAV derived from them, and the overview page's own
      selector `portfolio_overview` (with the first page of 50 contracts);
  (b) a naive per-contract ORM loop computing the same figures (checked identical);
  (c) 10,000 build_schedule calls of mixed shapes (the arguments of bench/schedules.py).

Targets (issue "Portfolio ledger"): overview < 300 ms and ≥ 50× faster than the naive loop;
10,000 schedules < 3 s.

Scale: with these events (2 postings per disbursement and monthly accrual, up to 3 per repayment) 2,000
loans book ~690,000 postings over seven and a half years; --loans 2900 books ~1,000,000.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/portfolio.py
     .venv/bin/python bench/portfolio.py --small          (200 loans; also works on SQLite)
"""

from __future__ import annotations

import argparse
import calendar
import datetime
import random
import statistics
import time
from collections import Counter
from decimal import Decimal
from itertools import accumulate

from _setup import bench_database  # first: puts the project root ahead of bench/ on sys.path

AS_OF = datetime.date(2026, 6, 30)
FIRST_MONTH = (2019, 1)
START_MONTHS = 6  # loans start 2019-01 … 2019-06: seven and a half years of monthly history by AS_OF
ENTRIES_PER_TRANSACTION = 20_000
OVERVIEW_TARGET_MS = 300.0
RATIO_TARGET = 50.0
SCHEDULES_TARGET_S = 3.0
CARD_TARGET_MS = 200.0
XAF_TARGET_S = 30.0
CAMT_TARGET_S = 60.0
CENT = Decimal("0.01")
D0 = Decimal("0.00")


# --------------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------------


def loan_terms(count: int, rng: random.Random) -> list[dict]:
    """Contract terms: € 25k–500k, 2–8 %, 5–10 years, mixed methods, frequencies, day counts and grace."""
    out = []
    for _ in range(count):
        frequency = rng.choice(["monthly", "monthly", "monthly", "monthly", "quarterly"])
        period = 1 if frequency == "monthly" else 3
        term = rng.choice([60, 84, 96, 108, 120])
        grace = rng.choice([0, 0, 0, 6, 12])
        month = rng.randrange(START_MONTHS)
        out.append(
            {
                "principal": Decimal(rng.randrange(2_500_000, 50_000_001)) / 100,
                "annual_rate": Decimal(rng.randrange(200, 801)) / 10_000,
                "start_date": datetime.date(
                    FIRST_MONTH[0] + month // 12, FIRST_MONTH[1] + month % 12, rng.randint(1, 28)
                ),
                "term_months": term,
                "grace_months": (grace // period) * period,
                "frequency": frequency,
                "method": rng.choice(["annuity", "annuity", "linear", "bullet"]),
                "day_count": rng.choice(["30E/360", "30E/360", "ACT/365", "ACT/ACT"]),
            }
        )
    return out


def _monthly_parts(interest: Decimal, period: int) -> list[tuple[int, Decimal]]:
    """(months before the due date, amount): a period's interest in monthly parts, the last one absorbing."""
    part = (interest / period).quantize(CENT)
    parts = [(period - 1 - k, part) for k in range(period - 1)] + [(0, interest - part * (period - 1))]
    return [(back, amount) for back, amount in parts if amount > 0]


def _months_before(day: datetime.date, months: int) -> datetime.date:
    if months == 0:
        return day
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def generate(connection, loans: int, seed: int = 2026) -> dict:
    from django.db import transaction
    from djmoney.money import Money

    from fund.models import Enterprise, EnterpriseRelation, Fund, FundManager, Municipality, Organisation
    from portfolio.ledger import ensure_chart_of_accounts
    from portfolio.models import (
        Contract,
        ContractStatus,
        Disbursement,
        JournalEntry,
        Posting,
        Repayment,
        ScheduleLine,
        ScheduleVersion,
    )
    from portfolio.schedules import build_schedule

    rng = random.Random(seed)
    started = time.perf_counter()
    municipalities = list(Municipality.objects.all()) or [None]
    manager = FundManager.objects.create(organisation=Organisation.objects.create(name="Bench Beheer B.V."))
    fund = Fund.objects.create(
        name="Bench Impactfonds",
        code="BENCH",
        manager=manager,
        vintage_year=2019,
        target_size=Money("500000000", "EUR"),
        min_ticket=Money("25000", "EUR"),
        max_ticket=Money("500000", "EUR"),
        allowed_instruments=["loan"],
        max_exposure_pct=Decimal("10"),
        interest_rate_min=Decimal("2"),
        interest_rate_max=Decimal("8"),
        status="investing",
    )
    accounts = {code: account.pk for code, account in ensure_chart_of_accounts(fund=fund).items()}
    orgs = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"Onderneming {i}",
                kvk_number=f"{70000000 + i}",
                municipality=municipalities[i % len(municipalities)],
            )
            for i in range(loans)
        ],
        batch_size=2000,
    )
    enterprises = Enterprise.objects.bulk_create(
        [Enterprise(organisation=o, legal_form="bv") for o in orgs], batch_size=2000
    )
    EnterpriseRelation.objects.bulk_create(
        [EnterpriseRelation(fund=fund, enterprise=e, since=datetime.date(2019, 1, 1)) for e in enterprises],
        batch_size=2000,
    )

    terms = loan_terms(loans, rng)
    contracts = Contract.objects.bulk_create(
        [
            Contract(
                fund=fund,
                enterprise=enterprise,
                reference=f"BENCH-{i + 1:05d}",
                instrument="loan",
                status=ContractStatus.ACTIVE,
                principal=Money(t["principal"], "EUR"),
                annual_rate=t["annual_rate"],
                term_months=t["term_months"],
                grace_months=t["grace_months"],
                frequency=t["frequency"],
                method=t["method"],
                day_count=t["day_count"],
                signed_on=t["start_date"],
            )
            for i, (enterprise, t) in enumerate(zip(enterprises, terms, strict=True))
        ],
        batch_size=2000,
    )
    versions = ScheduleVersion.objects.bulk_create(
        [
            ScheduleVersion(contract=c, number=1, reason="Volledig uitbetaald", **t)
            for c, t in zip(contracts, terms, strict=True)
        ],
        batch_size=2000,
    )
    schedules = [build_schedule(**t) for t in terms]
    ScheduleLine.objects.bulk_create(
        (
            ScheduleLine(
                version_id=version.pk,
                number=row.number,
                due_date=row.due_date,
                principal=row.principal,
                interest=row.interest,
                payment=row.payment,
                balance=row.balance,
                cumulative_payment=cumulative,
            )
            for version, rows in zip(versions, schedules, strict=True)
            for row, cumulative in zip(rows, accumulate(row.payment for row in rows), strict=True)
        ),
        batch_size=5000,
    )
    schedule_lines = sum(len(rows) for rows in schedules)
    setup_s = time.perf_counter() - started

    # Events in value-date order: (date, kind, contract index, schedule row). A stable sort keeps an
    # accrual before the repayment of the same due date.
    events: list[tuple] = []
    defaulters = repaid = 0
    for index, (t, rows) in enumerate(zip(terms, schedules, strict=True)):
        events.append((t["start_date"], "disbursement", index, t["principal"]))
        due = [row for row in rows if row.due_date <= AS_OF]
        paying = len(due)
        if due and rng.random() < 0.10:  # stops paying: pays the first k instalments (possibly none)
            paying = rng.randrange(len(due))
            defaulters += 1
        elif len(due) == len(rows):
            repaid += 1
        period = 1 if t["frequency"] == "monthly" else 3
        for n, row in enumerate(due):
            # Interest accrues at every month end (the period-end job): a quarterly instalment's interest
            # in three monthly parts, the last of them on its due date.
            # The part on the due date carries the app's key (`interest_accrue`'s), so a payment booked
            # later finds this instalment accrued, as it would on a ledger the app itself kept.
            for months_back, part in _monthly_parts(row.interest, period):
                key = f"accrual:{{contract}}:{row.due_date.isoformat()}" if months_back == 0 else None
                events.append((_months_before(row.due_date, months_back), "accrual", index, (part, key)))
            if n < paying:
                events.append((row.due_date, "repayment", index, row))
    events.sort(key=lambda event: event[0])
    capital = (sum((t["principal"] for t in terms), D0) * Decimal("1.02")).quantize(CENT)
    events.insert(0, (datetime.date(2018, 12, 31), "capital", None, capital))

    cash, loan, interest_receivable = accounts["1000"], accounts["1100"], accounts["1110"]
    interest_income, paid_in = accounts["4000"], accounts["3000"]
    references = [c.reference for c in contracts]
    contract_ids = [c.pk for c in contracts]
    insert_s = commit_s = 0.0
    postings_total = entries_total = 0
    for offset in range(0, len(events), ENTRIES_PER_TRANSACTION):
        batch = events[offset : offset + ENTRIES_PER_TRANSACTION]
        tick = time.perf_counter()
        with transaction.atomic():
            entries = JournalEntry.objects.bulk_create(
                [
                    JournalEntry(
                        fund_id=fund.pk,
                        value_date=value_date,
                        booking_date=value_date,
                        description=(
                            "Kapitaalstorting investeerders"
                            if kind == "capital"
                            else f"{DESCRIPTIONS[kind]} {references[index]}"
                        ),
                        contract_id=None if index is None else contract_ids[index],
                        idempotency_key=(
                            payload[1].format(contract=contract_ids[index])
                            if kind == "accrual" and payload[1]
                            else None
                        ),
                    )
                    for value_date, kind, index, payload in batch
                ],
                batch_size=5000,
            )
            postings, disbursements, repayments = [], [], []
            for entry, (value_date, kind, index, payload) in zip(entries, batch, strict=True):
                contract_id = None if index is None else contract_ids[index]
                if kind == "capital":
                    lines = [(cash, payload, D0), (paid_in, D0, payload)]
                elif kind == "disbursement":
                    lines = [(loan, payload, D0), (cash, D0, payload)]
                    disbursements.append(
                        Disbursement(
                            contract_id=contract_id, value_date=value_date, amount=payload, entry_id=entry.pk
                        )
                    )
                elif kind == "accrual":
                    interest = payload[0]
                    lines = [(interest_receivable, interest, D0), (interest_income, D0, interest)]
                else:  # repayment of an instalment: its interest, then its principal
                    amount = payload.interest + payload.principal
                    lines = [(cash, amount, D0)]
                    allocation = {}
                    if payload.interest > 0:
                        lines.append((interest_receivable, D0, payload.interest))
                        allocation["interest"] = str(payload.interest)
                    if payload.principal > 0:
                        lines.append((loan, D0, payload.principal))
                        allocation["principal_due"] = str(payload.principal)
                    repayments.append(
                        Repayment(
                            contract_id=contract_id,
                            value_date=value_date,
                            amount=amount,
                            scheduled_paid=amount,
                            allocation=allocation,
                            entry_id=entry.pk,
                        )
                    )
                postings.extend(
                    Posting(
                        entry_id=entry.pk,
                        account_id=account,
                        contract_id=contract_id,
                        value_date=value_date,
                        debit=debit,
                        credit=credit,
                    )
                    for account, debit, credit in lines
                )
            Posting.objects.bulk_create(postings, batch_size=10_000)
            Disbursement.objects.bulk_create(disbursements, batch_size=5000)
            Repayment.objects.bulk_create(repayments, batch_size=5000)
            postings_total += len(postings)
            entries_total += len(entries)
            committing = time.perf_counter()
        done = time.perf_counter()
        insert_s += committing - tick
        commit_s += done - committing

    from portfolio.ledger import summary_check, summary_rebuild

    summary = time.perf_counter()  # bulk_create bypasses entry_post, which keeps the running totals
    summary_rows = summary_rebuild(fund=fund)
    summary_s = time.perf_counter() - summary
    assert summary_check(fund=fund) == []
    analyse = time.perf_counter()
    with connection.cursor() as cursor:  # autovacuum would have done this on a live database
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    analyse_s = time.perf_counter() - analyse
    return {
        "fund": fund,
        "loans": loans,
        "defaulters": defaulters,
        "repaid": repaid,
        "schedule_lines": schedule_lines,
        "entries": entries_total,
        "postings": postings_total,
        "disbursements": sum(1 for e in events if e[1] == "disbursement"),
        "repayments": sum(1 for e in events if e[1] == "repayment"),
        "methods": Counter(t["method"] for t in terms),
        "frequencies": Counter(t["frequency"] for t in terms),
        "setup_s": setup_s,
        "insert_s": insert_s,
        "commit_s": commit_s,
        "analyse_s": analyse_s,
        "summary_s": summary_s,
        "summary_rows": summary_rows,
        "total_s": time.perf_counter() - started,
    }


def add_history(connection, fund, postings: int, seed: int = 7) -> dict:
    """Older years of the fund's books: `postings` more postings dated 2005-01 … 2018-12 (bank costs and
    interest on the account, two postings an entry), bulk inserted the same way as the loans' history. The
    loans, their schedules and everything after 2019 stay as they were, so any change in the overview's time
    comes from the size of the history alone."""
    from django.db import transaction

    from portfolio.ledger import summary_check, summary_rebuild
    from portfolio.models import Account, JournalEntry, Posting

    rng = random.Random(seed)
    codes = dict(Account.objects.filter(fund=fund).values_list("code", "pk"))
    cash, costs, income = codes["1000"], codes["5400"], codes["4400"]
    start, days = datetime.date(2005, 1, 1), (datetime.date(2018, 12, 31) - datetime.date(2005, 1, 1)).days
    entries_needed = postings // 2
    started = time.perf_counter()
    made = 0
    while made < entries_needed:
        size = min(ENTRIES_PER_TRANSACTION, entries_needed - made)
        dates = sorted(start + datetime.timedelta(days=rng.randrange(days + 1)) for _ in range(size))
        with transaction.atomic():
            entries = JournalEntry.objects.bulk_create(
                [
                    JournalEntry(
                        fund=fund,
                        value_date=day,
                        booking_date=day,
                        description="Bankkosten" if n % 3 else "Rente bank",
                    )
                    for n, day in enumerate(dates, start=made)
                ],
                batch_size=5000,
            )
            rows = []
            for n, entry in enumerate(entries, start=made):
                amount = Decimal(rng.randrange(100, 5000)) / 100
                if n % 3:
                    rows += [(entry, costs, amount, D0), (entry, cash, D0, amount)]
                else:
                    rows += [(entry, cash, amount, D0), (entry, income, D0, amount)]
            Posting.objects.bulk_create(
                [
                    Posting(entry_id=e.pk, account_id=a, value_date=e.value_date, debit=d, credit=c)
                    for e, a, d, c in rows
                ],
                batch_size=10_000,
            )
        made += size
    insert_s = time.perf_counter() - started
    summary_rebuild(fund=fund)
    assert summary_check(fund=fund) == []
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {"postings": made * 2, "insert_s": insert_s, "total_s": time.perf_counter() - started}


def camt_file(fund, lines: int, *, iban: str) -> bytes:
    """A CAMT.053 statement of the fund's account with `lines` credit lines (after AS_OF, so in an open
    period), each paying 25,00 on an active loan named in the remittance."""
    from portfolio.models import Contract

    references = list(Contract.objects.filter(fund=fund, status="active").values_list("reference", flat=True))
    body = []
    day = AS_OF + datetime.timedelta(days=1)
    for number in range(lines):
        booked = (day + datetime.timedelta(days=number % 28)).isoformat()
        body.append(
            f'<Ntry><Amt Ccy="EUR">25.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
            f"<BookgDt><Dt>{booked}</Dt></BookgDt><ValDt><Dt>{booked}</Dt></ValDt>"
            f"<AcctSvcrRef>BENCH-{number}</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>Termijn "
            f"{references[number % len(references)]}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2026-07-31T18:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>BENCH-1</Id><CreDtTm>2026-07-31T18:00:00</CreDtTm><Acct><Id><IBAN>{iban}</IBAN></Id>"
        f"<Ccy>EUR</Ccy></Acct>{''.join(body)}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def backoffice(fund, *, camt_lines: int, repeat: int) -> dict:
    """(d) the ledger card of the bank account for a year (first page), the XAF export of that year, and a
    CAMT.053 file imported through the background job (eager here: the job runs as the worker would)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portfolio import bankimport
    from portfolio.auditfile import xaf_export
    from portfolio.models import Account, BankImportJob, Posting
    from portfolio.selectors import ledger_card, portfolio_trend

    bank = Account.objects.get(fund=fund, code="1000")
    year_start, year_end = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
    card_ms, _card = timed(
        "  ledger card 1000 Bank, 2025, first page",
        lambda: ledger_card(fund=fund, account=bank, start=year_start, end=year_end, page=1),
        repeat,
    )
    timed(
        "  monthly trend, 12 month ends (portfolio page)",
        lambda: portfolio_trend(fund=fund, end=AS_OF),
        repeat,
    )
    year_postings = Posting.objects.filter(entry__fund=fund, value_date__range=(year_start, year_end)).count()
    tick = time.perf_counter()
    xaf = xaf_export(fund=fund, year=2025)
    xaf_s = time.perf_counter() - tick
    print(
        f"  XAF 3.2 export of 2025: {xaf_s:.2f} s ({len(xaf) / 1e6:.1f} MB; "
        f"{year_postings:,} postings that year)"
    )
    account = bankimport.fund_bank_account_add(fund=fund, iban="NL91ABNA0417164300", name="Bench", actor=None)
    data = camt_file(fund, camt_lines, iban=account.iban)
    tick = time.perf_counter()
    job = bankimport.bank_import_start(
        fund=fund, upload=SimpleUploadedFile("bench.xml", data, content_type="application/xml"), actor=None
    )
    job = BankImportJob.objects.get(pk=job.pk)
    if not job.finished:  # no eager worker here: run the task's body
        job = bankimport.bank_import_run(job_id=job.pk)
    camt_s = time.perf_counter() - tick
    print(
        f"  CAMT.053 import of {camt_lines:,} lines via the background job: {camt_s:.1f} s "
        f"({job.status}; {job.result.get('booked', 0):,} booked, "
        f"{job.result.get('unmatched', 0):,} unmatched)"
    )
    return {"card_ms": card_ms, "xaf_s": xaf_s, "camt_s": camt_s, "camt_status": job.status}


DESCRIPTIONS = {
    "disbursement": "Uitbetaling",
    "accrual": "Rente termijn",
    "repayment": "Betaling ontvangen",
}


# --------------------------------------------------------------------------------------------------
# The figures: public selectors, arrears once, naive loop
# --------------------------------------------------------------------------------------------------


def _par(rows, days: int) -> Decimal:
    """portfolio_at_risk's formula on rows of {outstanding, days_past_due}."""
    total = sum((r["outstanding"] for r in rows), D0)
    if total <= 0:
        return Decimal("0.0000")
    at_risk = sum((r["outstanding"] for r in rows if r["days_past_due"] > days), D0)
    return (at_risk / total).quantize(Decimal("0.0001"))


def _nav(balances: dict[str, Decimal]) -> Decimal:
    """fund_nav's formula on {code: balance}: assets − contra-assets − liabilities."""
    from portfolio.ledger import DEFAULT_CHART

    sign = {"asset": 1, "contra_asset": -1, "liability": -1}
    return sum((sign.get(kind, 0) * balances.get(code, D0) for code, _, kind in DEFAULT_CHART), D0)


def overview_public(fund, as_of) -> dict:
    """The figures from the public selectors, each called as it is (PAR30 and PAR90 recompute arrears)."""
    from portfolio import selectors

    balances = selectors.account_balances(fund=fund, as_of=as_of)
    rows = selectors.arrears(fund=fund, as_of=as_of)
    return {
        "outstanding": sum((r["outstanding"] for r in rows.values()), D0),
        "interest_receivable": balances["1110"],
        "par30": selectors.portfolio_at_risk(fund=fund, as_of=as_of, days=30),
        "par90": selectors.portfolio_at_risk(fund=fund, as_of=as_of, days=90),
        "nav": selectors.fund_nav(fund=fund, as_of=as_of),
        "days_past_due": {pk: r["days_past_due"] for pk, r in rows.items()},
    }


def overview_once(fund, as_of) -> dict:
    """The same figures with arrears and the balances computed once (PAR and NAV derived from them)."""
    from portfolio import selectors

    balances = selectors.account_balances(fund=fund, as_of=as_of)
    rows = selectors.arrears(fund=fund, as_of=as_of)
    return {
        "outstanding": sum((r["outstanding"] for r in rows.values()), D0),
        "interest_receivable": balances["1110"],
        "par30": _par(rows.values(), 30),
        "par90": _par(rows.values(), 90),
        "nav": _nav(balances),
        "days_past_due": {pk: r["days_past_due"] for pk, r in rows.items()},
    }


def overview_page(fund, as_of) -> dict:
    """What the overview page runs: `selectors.portfolio_overview` (arrears once, PAR, NAV, totals by
    municipality and theme) and its first page of 50 contracts — plus the 1110 balance for the comparison."""
    from django.core.paginator import Paginator

    from portfolio import selectors
    from portfolio.models import Contract

    page = selectors.portfolio_overview(fund=fund, contracts=Contract.objects.filter(fund=fund), as_of=as_of)
    shown = selectors.with_arrears(Paginator(page["contracts"], 50).get_page(1).object_list, page["arrears"])
    assert len(shown) == 50
    return {
        "outstanding": page["outstanding"],
        "interest_receivable": selectors.account_balances(fund=fund, as_of=as_of)["1110"],
        "par30": (page["par30"] / 100).quantize(Decimal("0.0001")),
        "par90": (page["par90"] / 100).quantize(Decimal("0.0001")),
        "nav": page["nav"],
        "days_past_due": {pk: r["days_past_due"] for pk, r in page["arrears"].items()},
    }


def overview_naive(fund, as_of) -> dict:
    """What one would write first: per contract, its balances, its schedule and its payments via the ORM."""
    from django.db.models import Sum

    from core.money import to_cents
    from portfolio.models import DEBIT_NORMAL, Account, Contract, ContractStatus, Posting

    def cents(value) -> Decimal:
        return to_cents(value or 0)

    kinds = dict(Account.objects.filter(fund=fund).values_list("code", "account_type"))
    totals: dict[str, Decimal] = {}

    def add(code, debit, credit):
        normal = cents(debit) - cents(credit) if kinds[code] in DEBIT_NORMAL else cents(credit) - cents(debit)
        totals[code] = totals.get(code, D0) + normal
        return normal

    for row in (
        Posting.objects.filter(entry__fund=fund, contract__isnull=True, value_date__lte=as_of)
        .values("account__code")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
    ):
        add(row["account__code"], row["debit"], row["credit"])
    rows = []
    days_past_due = {}
    for contract in Contract.objects.filter(fund=fund).order_by("pk"):
        balances = {
            row["account__code"]: add(row["account__code"], row["debit"], row["credit"])
            for row in Posting.objects.filter(contract=contract, value_date__lte=as_of)
            .values("account__code")
            .annotate(debit=Sum("debit"), credit=Sum("credit"))
        }
        if contract.status != ContractStatus.ACTIVE:
            continue
        outstanding = balances.get("1100", D0)
        days = 0
        version = contract.schedule_versions.order_by("-number").first()
        if version is not None:
            paid = sum(
                (
                    p.credit
                    for p in Posting.objects.filter(
                        contract=contract,
                        account__code__in=["1100", "1110"],
                        credit__gt=0,
                        value_date__gte=version.start_date,
                        value_date__lte=as_of,
                        entry__repayment__isnull=False,
                    )
                ),
                D0,
            )
            due = D0
            for line in version.lines.filter(due_date__lte=as_of).order_by("number"):
                due += line.payment
                if due > paid:
                    days = (as_of - line.due_date).days
                    break
        days_past_due[contract.pk] = days
        rows.append({"outstanding": outstanding, "days_past_due": days})
    return {
        "outstanding": sum((r["outstanding"] for r in rows), D0),
        "interest_receivable": totals.get("1110", D0),
        "par30": _par(rows, 30),
        "par90": _par(rows, 90),
        "nav": _nav(totals),
        "days_past_due": days_past_due,
    }


# --------------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------------


def timed(label, fn, repeat):
    """Run once counting queries (and keep its result), then `repeat` times; print and return the median."""
    from django.db import connection

    queries = 0

    def count(execute, sql, params, many, context):  # no cap, unlike CaptureQueriesContext's 9,000
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        result = fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    median = statistics.median(samples)
    print(
        f"{label:<52} median {median:10.2f} ms   min {min(samples):10.2f}   queries {queries:>6}"
        f"   (n={repeat})"
    )
    return median, result


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def compare(name, reference, other, tolerance) -> bool:
    same = True
    for key in ("outstanding", "interest_receivable", "par30", "par90", "nav"):
        if abs(reference[key] - other[key]) > tolerance.get(key, D0):
            print(f"  MISMATCH {name} {key}: {reference[key]} vs {other[key]}")
            same = False
    differing = {
        pk
        for pk in reference["days_past_due"].keys() | other["days_past_due"].keys()
        if reference["days_past_due"].get(pk) != other["days_past_due"].get(pk)
    }
    if differing:
        print(f"  MISMATCH {name} days past due of {len(differing)} contracts, e.g. {sorted(differing)[:5]}")
        same = False
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=2000)
    parser.add_argument("--small", action="store_true", help="200 loans, a quick check (also on SQLite)")
    parser.add_argument("--repeat", type=int, default=10, help="runs of each overview variant")
    parser.add_argument("--naive-repeat", type=int, default=3, help="runs of the naive loop")
    parser.add_argument("--schedules", type=int, default=10_000)
    parser.add_argument("--camt-lines", type=int, default=10_000, help="lines of the CAMT.053 import in (d)")
    parser.add_argument(
        "--extra-history",
        type=int,
        default=0,
        help="then add this many postings of older years (2005–2018) and time the overview again (e)",
    )
    args = parser.parse_args()
    loans = 200 if args.small else args.loans

    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        # Its own database name, so a test run on the same server (test_<name>) is never clobbered.
        settings.DATABASES["default"]["TEST"] = {"NAME": "test_bench_portfolio"}

    wall = time.perf_counter()
    with bench_database() as connection:
        info = generate(connection, loans)
        fund = info["fund"]
        print(f"database: {connection.vendor}; as of {AS_OF.isoformat()}")
        print(
            f"generated: {info['loans']:,} active loans "
            f"({', '.join(f'{k} {v}' for k, v in sorted(info['methods'].items()))}; "
            f"{', '.join(f'{k} {v}' for k, v in sorted(info['frequencies'].items()))}), "
            f"{info['defaulters']:,} stopped paying, {info['repaid']:,} repaid in full (status still active)"
        )
        print(
            f"           {info['schedule_lines']:,} schedule lines, {info['entries']:,} journal entries, "
            f"{info['postings']:,} postings, {info['disbursements']:,} disbursements, "
            f"{info['repayments']:,} repayments"
        )
        if not 900_000 <= info["postings"] <= 1_100_000:
            suggestion = round(loans * 1_000_000 / info["postings"], -2)
            print(f"           (~1,000,000 postings as in the issue: --loans {suggestion:,.0f})")
        print(
            f"generation: {info['total_s']:.1f} s  (fund, enterprises, contracts, schedules "
            f"{info['setup_s']:.1f} s; entries + postings bulk_create {info['insert_s']:.1f} s; "
            f"commits incl. deferred balance trigger {info['commit_s']:.1f} s in "
            f"{-(-info['entries'] // ENTRIES_PER_TRANSACTION)} transactions; "
            f"running totals rebuilt ({info['summary_rows']:,} rows) {info['summary_s']:.1f} s; "
            f"{'VACUUM ' if connection.vendor == 'postgresql' else ''}ANALYZE {info['analyse_s']:.1f} s)"
        )
        print()
        print("(a) portfolio overview")
        public_ms, public = timed(
            "  public selectors, each as is (arrears 3×)", lambda: overview_public(fund, AS_OF), args.repeat
        )
        once_ms, once = timed(
            "  arrears + balances once, PAR/NAV derived", lambda: overview_once(fund, AS_OF), args.repeat
        )
        page_ms, page = timed(
            "  the overview page's selector (portfolio_overview)",
            lambda: overview_page(fund, AS_OF),
            args.repeat,
        )
        from portfolio import selectors

        print("  components:")
        timed(
            "    account_balances",
            lambda: selectors.account_balances(fund=fund, as_of=AS_OF),
            args.repeat,
        )
        timed("    arrears", lambda: selectors.arrears(fund=fund, as_of=AS_OF), args.repeat)
        timed(
            "    portfolio_at_risk(30)  (calls arrears)",
            lambda: selectors.portfolio_at_risk(fund=fund, as_of=AS_OF, days=30),
            args.repeat,
        )
        timed(
            "    fund_nav  (calls account_balances)",
            lambda: selectors.fund_nav(fund=fund, as_of=AS_OF),
            args.repeat,
        )
        timed(
            "    outstanding_principal_by_contract  (in arrears)",
            lambda: selectors.outstanding_principal_by_contract(fund=fund, as_of=AS_OF),
            args.repeat,
        )
        print()
        print("(b) naive per-contract ORM loop")
        naive_ms, naive = timed("  naive loop", lambda: overview_naive(fund, AS_OF), args.naive_repeat)
        # SQLite sums decimals as floats: allow a cent per contract there; PostgreSQL must match exactly.
        cent_per_loan = D0 if connection.vendor == "postgresql" else CENT * loans
        tolerance = {"outstanding": cent_per_loan, "interest_receivable": cent_per_loan, "nav": cent_per_loan}
        identical = (
            compare("arrears-once", public, once, tolerance)
            & compare("page", public, page, tolerance)
            & compare("naive", public, naive, tolerance)
        )
        print()
        print("figures (public selectors | arrears once | naive loop):")
        for key, label in (
            ("outstanding", "outstanding principal (EUR)"),
            ("interest_receivable", "interest receivable 1110 (EUR)"),
            ("par30", "PAR30"),
            ("par90", "PAR90"),
            ("nav", "NAV (EUR)"),
        ):
            print(f"  {label:<32} {public[key]!s:>18} | {once[key]!s:>18} | {naive[key]!s:>18}")
        late = Counter(selectors.arrears_bucket(d) for d in public["days_past_due"].values())
        print(f"  arrears buckets                  {dict(sorted(late.items()))}")
        print(f"  identical: {'yes' if identical else 'NO'}")

        print()
        print(f"(c) {args.schedules:,} build_schedule calls (mixed; arguments of bench/schedules.py)")
        from schedules import generate_arguments

        from portfolio.schedules import build_schedule

        arguments = generate_arguments(args.schedules)
        samples, rows = [], 0
        for _ in range(3):
            start = time.perf_counter()
            rows = sum(len(build_schedule(**kwargs)) for kwargs in arguments)
            samples.append(time.perf_counter() - start)
        schedules_s = statistics.median(samples)
        print(f"  {rows:,} instalment rows; median {schedules_s:.3f} s of 3 runs (min {min(samples):.3f} s)")

        print()
        print("targets")
        print(
            f"  overview < {OVERVIEW_TARGET_MS:.0f} ms: public selectors {public_ms:.1f} ms "
            f"→ {verdict(public_ms < OVERVIEW_TARGET_MS)}; arrears once {once_ms:.1f} ms "
            f"→ {verdict(once_ms < OVERVIEW_TARGET_MS)}; the page's selector {page_ms:.1f} ms "
            f"→ {verdict(page_ms < OVERVIEW_TARGET_MS)}"
        )
        print(
            f"  ≥ {RATIO_TARGET:.0f}× faster than the naive loop ({naive_ms:.0f} ms): "
            f"public selectors {naive_ms / public_ms:.1f}× "
            f"→ {verdict(naive_ms / public_ms >= RATIO_TARGET)}; "
            f"arrears once {naive_ms / once_ms:.1f}× → {verdict(naive_ms / once_ms >= RATIO_TARGET)}; "
            f"the page's selector {naive_ms / page_ms:.1f}× → {verdict(naive_ms / page_ms >= RATIO_TARGET)}"
        )
        schedules_target = SCHEDULES_TARGET_S * args.schedules / 10_000
        print(
            f"  {args.schedules:,} schedules < {schedules_target:g} s: {schedules_s:.3f} s "
            f"→ {verdict(schedules_s < schedules_target)}"
        )
        print(f"  same figures both ways: {verdict(identical)}")
        if loans != 2000:
            print(f"  (scale: {loans:,} loans, not the issue's 2,000)")

        print()
        print("(d) back office (issue 14)")
        office = backoffice(fund, camt_lines=args.camt_lines, repeat=args.repeat)
        print(
            f"  targets: ledger card first page < {CARD_TARGET_MS:.0f} ms: {office['card_ms']:.1f} ms "
            f"→ {verdict(office['card_ms'] < CARD_TARGET_MS)}; XAF of a year < {XAF_TARGET_S:.0f} s: "
            f"{office['xaf_s']:.1f} s → {verdict(office['xaf_s'] < XAF_TARGET_S)}; "
            f"{args.camt_lines:,} CAMT lines < {CAMT_TARGET_S:.0f} s: {office['camt_s']:.1f} s "
            f"→ {verdict(office['camt_s'] < CAMT_TARGET_S and office['camt_status'] == 'done')}"
        )
        if args.extra_history:
            print()
            print(f"(e) the overview with {args.extra_history:,} more postings of older years (2005–2018)")
            from portfolio.models import Posting
            from portfolio.selectors import ledger_card

            def card():
                return ledger_card(
                    fund=fund,
                    account=fund.accounts.get(code="1000"),
                    start=datetime.date(2025, 1, 1),
                    end=datetime.date(2025, 12, 31),
                    page=1,
                )

            # The baseline is taken now, after (d) booked its statement, so both sides see the same loans,
            # payments and postings dated after the as-of date; only the older history differs.
            before = Posting.objects.filter(entry__fund=fund).count()
            base_ms, _base = timed(
                "  the page's selector (first 50), before", lambda: overview_page(fund, AS_OF), args.repeat
            )
            base_card_ms, _card = timed("  ledger card 1000 Bank, 2025, before", card, args.repeat)
            history = add_history(connection, fund, args.extra_history)
            print(
                f"  added {history['postings']:,} postings in {history['total_s']:.1f} s "
                f"(bulk insert {history['insert_s']:.1f} s): {before:,} → {before + history['postings']:,}"
            )
            later_ms, _later = timed(
                "  the page's selector (first 50), more history",
                lambda: overview_page(fund, AS_OF),
                args.repeat,
            )
            card_ms, _card = timed("  ledger card 1000 Bank, 2025, more history", card, args.repeat)
            growth, card_growth = later_ms / base_ms, card_ms / base_card_ms
            print(
                f"  overview {base_ms:.1f} ms at {before:,} postings → {later_ms:.1f} ms at "
                f"{before + history['postings']:,} ({growth:.2f}×; must not grow with history: "
                f"{verdict(growth < 1.5)}); ledger card {base_card_ms:.1f} → {card_ms:.1f} ms "
                f"({card_growth:.2f}×: {verdict(card_growth < 1.5)})"
            )
    elapsed = time.perf_counter() - wall
    print(f"total run time: {elapsed:.1f} s (including creating and dropping the database)")


if __name__ == "__main__":
    main()
