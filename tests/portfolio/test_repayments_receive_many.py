"""A bank statement's payments are booked together (`repayments_receive_many`), and that must be exactly
what booking them one by one with `repayment_receive` gives: the same entries, allocations, balances and audit
trail — for partial payments, overpayments, several payments on one loan, dates out of order, fees and penalty
interest owed, and instalments not yet accrued."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from fund.models import AuditEvent
from portfolio import bankimport, ledger, services
from portfolio.models import Contract, JournalEntry, Repayment
from tests.factories import make_enterprise, make_fund

pytestmark = pytest.mark.django_db
D = Decimal
START = datetime.date(2026, 1, 15)
TERMS = [  # principal, rate, term, method, frequency, grace
    ("100000.00", "0.06", 36, "annuity", "monthly", 0),
    ("45000.00", "0.045", 24, "linear", "monthly", 3),
    ("250000.00", "0.07", 60, "annuity", "quarterly", 0),
    ("30000.00", "0.03", 12, "bullet", "monthly", 0),
]


def book_fund() -> tuple:
    fund = make_fund()
    contracts = []
    for number, (principal, rate, term, method, frequency, grace) in enumerate(TERMS):
        contract = services.contract_create(
            actor=None,
            fund=fund,
            enterprise=make_enterprise(fund=fund),
            reference=f"ZK-{fund.pk}-{number}",
            instrument="loan",
            principal=Money(principal, "EUR"),
            annual_rate=D(rate),
            term_months=term,
            method=method,
            frequency=frequency,
            grace_months=grace,
        )
        services.contract_disburse(actor=None, contract=contract, amount=D(principal), value_date=START)
        contracts.append(contract)
    services.charge_book(
        actor=None,
        contract=contracts[0],
        kind="fee",
        amount=D("75.00"),
        value_date=datetime.date(2026, 2, 1),
        reason="Aanmaningskosten",
    )
    services.charge_book(
        actor=None,
        contract=contracts[1],
        kind="penalty_interest",
        amount=D("12.34"),
        value_date=datetime.date(2026, 3, 3),
        reason="Boeterente",
    )
    return fund, contracts


def payment_plan(seed: int) -> list[tuple[int, D, datetime.date, str]]:
    """(contract number, amount, value date, key): partial, exact, over, tiny; due dates and days between;
    later payments sometimes dated before earlier ones."""
    rng = random.Random(seed)
    plan = []
    for number in range(40):
        day = START + datetime.timedelta(days=rng.choice([31, 45, 59, 62, 90, 120, 151, 181, 200]))
        amount = rng.choice(["0.01", "12.34", "250.00", "1000.00", "3042.19", "7900.00", "40000.00"])
        plan.append((rng.randrange(len(TERMS)), D(amount), day, f"pay-{number}"))
    return plan


def ledger_of(fund, contracts) -> dict:
    """The fund's bookings with contract ids replaced by their number, so two funds can be compared."""
    number = {c.pk: n for n, c in enumerate(contracts)}

    def key(text: str | None) -> str | None:
        if text and text.startswith("accrual:"):
            _prefix, contract_id, day = text.split(":")
            return f"accrual:{number[int(contract_id)]}:{day}"
        return text

    entries = [
        (
            e.value_date,
            e.description.replace(e.contract.reference, f"#{number[e.contract_id]}")
            if e.contract
            else e.description,
            key(e.idempotency_key),
            e.source_document,
            sorted((p.account.code, p.debit, p.credit, number.get(p.contract_id)) for p in e.postings.all()),
        )
        for e in JournalEntry.objects.filter(fund=fund).order_by("id").prefetch_related("postings__account")
    ]
    repayments = [
        (
            number[r.contract_id],
            r.value_date,
            r.amount,
            r.allocation,
            r.scheduled_paid,
            key(r.entry.idempotency_key),
        )
        for r in Repayment.objects.filter(contract__fund=fund).select_related("entry").order_by("id")
    ]
    received = AuditEvent.objects.filter(
        action="repayment_received",
        content_type=ContentType.objects.get_for_model(Contract),
        object_id__in=[str(c.pk) for c in contracts],
    )
    posted = AuditEvent.objects.filter(
        action="journal_entry_posted",
        content_type=ContentType.objects.get_for_model(JournalEntry),
        object_id__in=[str(pk) for pk in JournalEntry.objects.filter(fund=fund).values_list("pk", flat=True)],
    )
    audit = {
        "received": sorted(
            (
                number[int(e.object_id)],
                e.data["value_date"],
                e.data["amount"],
                sorted(e.data["allocation"].items()),
            )
            for e in received
        ),
        "posted": sorted((e.data["value_date"], e.data["total"]) for e in posted),
    }
    return {"entries": entries, "repayments": repayments, "audit": audit}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_booking_together_is_booking_one_by_one(seed):
    one_fund, one_contracts = book_fund()
    many_fund, many_contracts = book_fund()
    plan = payment_plan(seed)

    for number, amount, day, key in plan:
        services.repayment_receive(
            actor=None,
            contract=one_contracts[number],
            amount=amount,
            value_date=day,
            idempotency_key=key,
            source_document=f"afschrift / {key}",
        )
    made = services.repayments_receive_many(
        actor=None,
        fund=many_fund,
        payments=[
            services.Payment(
                contract=many_contracts[number],
                amount=amount,
                value_date=day,
                idempotency_key=key,
                source_document=f"afschrift / {key}",
            )
            for number, amount, day, key in plan
        ],
    )

    one, many = ledger_of(one_fund, one_contracts), ledger_of(many_fund, many_contracts)
    assert many["entries"] == one["entries"]
    assert many["repayments"] == one["repayments"]
    assert many["audit"] == one["audit"]
    assert [r.entry.idempotency_key for r in made] == [key for *_rest, key in plan]
    assert ledger.summary_check(fund=many_fund) == []
    assert any("prepayment" in r.allocation for r in made)  # the plan does overpay
    assert any(len(r.allocation) > 1 for r in made)
    posted = AuditEvent.objects.filter(
        action="journal_entry_posted", object_id__in=[str(r.entry_id) for r in made]
    )
    assert posted.count() == len(made)


def test_a_key_booked_before_returns_that_repayment_and_books_nothing_new():
    fund, contracts = book_fund()
    first = services.repayment_receive(
        actor=None,
        contract=contracts[0],
        amount=D("500.00"),
        value_date=datetime.date(2026, 2, 15),
        idempotency_key="k1",
    )
    before = JournalEntry.objects.filter(fund=fund).count()
    again = services.repayments_receive_many(
        actor=None,
        fund=fund,
        payments=[
            services.Payment(
                contract=contracts[0], amount=D("500.00"), value_date=first.value_date, idempotency_key="k1"
            )
        ],
    )
    assert again == [first]
    assert JournalEntry.objects.filter(fund=fund).count() == before


def test_a_payment_in_a_closed_period_refuses_the_whole_batch():
    fund, contracts = book_fund()
    ledger.period_close(fund=fund, through=datetime.date(2026, 3, 31), actor=None)
    before = JournalEntry.objects.filter(fund=fund).count()
    with pytest.raises(ledger.LedgerError, match="31-03-2026"):
        services.repayments_receive_many(
            actor=None,
            fund=fund,
            payments=[
                services.Payment(
                    contract=contracts[0],
                    amount=D("10.00"),
                    value_date=datetime.date(2026, 5, 1),
                    idempotency_key="a",
                ),
                services.Payment(
                    contract=contracts[1],
                    amount=D("10.00"),
                    value_date=datetime.date(2026, 3, 1),
                    idempotency_key="b",
                ),
            ],
        )
    assert JournalEntry.objects.filter(fund=fund).count() == before
    assert not Repayment.objects.filter(contract__fund=fund).exists()


def test_a_contract_that_is_not_active_refuses_the_batch():
    fund, contracts = book_fund()
    contracts[2].status = "on_hold"
    contracts[2].save(update_fields=["status"])
    with pytest.raises(ledger.LedgerError, match="niet lopend"):
        services.repayments_receive_many(
            actor=None,
            fund=fund,
            payments=[
                services.Payment(
                    contract=contracts[2],
                    amount=D("10.00"),
                    value_date=datetime.date(2026, 5, 1),
                    idempotency_key="a",
                )
            ],
        )


def test_the_same_key_twice_in_one_batch_is_refused():
    fund, contracts = book_fund()
    payment = services.Payment(
        contract=contracts[0], amount=D("10.00"), value_date=datetime.date(2026, 5, 1), idempotency_key="dup"
    )
    with pytest.raises(ledger.LedgerError, match="dup"):
        services.repayments_receive_many(actor=None, fund=fund, payments=[payment, payment])
    assert not Repayment.objects.filter(contract__fund=fund).exists()


IBANS = ("NL02ABNA0123456789", "NL91ABNA0417164300")
HEADER = "Datum;Bedrag;Tegenrekening;Naam;Omschrijving;Referentie;Rekening"


def statement(contracts, lines: int, iban: str) -> bytes:
    rows = [
        f"{15 + n % 10:02d}-0{2 + n % 6}-2026;{100 + n},00;;Betaler;"
        f"Termijn {contracts[n % len(contracts)].reference};;{iban}"
        for n in range(lines)
    ]
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def test_a_statement_costs_the_same_queries_for_ten_lines_or_two_hundred():
    """The import books lines in batches: its query count does not grow with the number of lines."""
    counts = []
    for lines, iban in ((10, IBANS[0]), (200, IBANS[1])):
        fund, contracts = book_fund()
        bankimport.fund_bank_account_add(fund=fund, iban=iban, name="Betaalrekening", actor=None)
        with CaptureQueriesContext(connection) as queries:
            result = bankimport.statement_import(
                fund=fund, data=statement(contracts, lines, iban), filename=f"{lines}.csv", actor=None
            )
        assert len(result.booked) == lines
        counts.append(len(queries))
    # One by one, 200 lines took some thirty queries each (~6,000); together only SQLite's limit on the
    # number of parameters in one statement splits the bulk inserts into a few more.
    assert counts[1] < 2 * counts[0], counts
