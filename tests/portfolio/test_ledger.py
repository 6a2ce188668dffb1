"""The ledger balances, is never edited, corrects by reversal, books events once, honours closed periods."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from djmoney.money import Money
from hypothesis import given, settings
from hypothesis import strategies as st

from fund.models import AuditEvent
from portfolio.ledger import (
    LedgerError,
    Line,
    ensure_chart_of_accounts,
    entry_post,
    entry_reverse,
    period_close,
    summary_check,
    summary_rebuild,
)
from portfolio.models import BalanceSummary, JournalEntry, Posting
from portfolio.selectors import account_balances, trial_balance
from tests.factories import make_fund

pytestmark = pytest.mark.django_db
D = Decimal
DAY = datetime.date(2026, 3, 31)


@pytest.fixture
def fund(db):
    fund = make_fund()
    ensure_chart_of_accounts(fund=fund)
    return fund


def _capital(fund, amount="100000.00", *, key=None, day=DAY):
    return entry_post(
        fund=fund,
        value_date=day,
        description="Storting investeerder",
        lines=[Line("1000", debit=D(amount)), Line("3000", credit=D(amount))],
        actor=None,
        idempotency_key=key,
    )


def test_balanced_entry_is_booked_and_balances_follow(fund):
    _capital(fund)
    entry_post(
        fund=fund,
        value_date=DAY,
        description="Uitbetaling lening",
        lines=[Line("1100", debit=Money("25000.00", "EUR")), Line("1000", credit=Money("25000.00", "EUR"))],
        actor=None,
    )
    balances = account_balances(fund=fund)
    assert balances["1000"] == D("75000.00")
    assert balances["1100"] == D("25000.00")
    assert balances["3000"] == D("100000.00")
    assert trial_balance(fund=fund) == {"debit": D("125000.00"), "credit": D("125000.00")}
    assert AuditEvent.objects.filter(action="journal_entry_posted").count() == 2


def test_balances_as_of_a_date(fund):
    _capital(fund, "100.00", day=datetime.date(2026, 1, 1))
    _capital(fund, "50.00", day=datetime.date(2026, 2, 1))
    assert account_balances(fund=fund, as_of=datetime.date(2026, 1, 31))["1000"] == D("100.00")
    assert account_balances(fund=fund, as_of=datetime.date(2025, 12, 31))["1000"] == D("0.00")
    assert account_balances(fund=fund)["1000"] == D("150.00")


def test_running_totals_follow_every_posting_and_rebuild_to_the_same(fund):
    """Balances read the running totals minus later postings: they must equal the postings' own sums."""
    _capital(fund, "1000.00", day=datetime.date(2026, 1, 1))
    entry = entry_post(
        fund=fund,
        value_date=datetime.date(2026, 3, 1),
        description="fout",
        lines=[Line("1100", debit=D("250.00")), Line("1000", credit=D("250.00"))],
        actor=None,
    )
    entry_reverse(entry=entry, actor=None, reason="verkeerd bedrag", value_date=datetime.date(2026, 3, 2))
    _capital(fund, "0.01", day=datetime.date(2026, 4, 1))
    assert summary_check(fund=fund) == []
    for day in [datetime.date(2026, 2, 28), datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), None]:
        direct = {}
        postings = Posting.objects.filter(entry__fund=fund)
        if day is not None:
            postings = postings.filter(value_date__lte=day)
        for p in postings.select_related("account"):
            direct[p.account.code] = direct.get(p.account.code, D("0")) + p.debit - p.credit
        balances = account_balances(fund=fund, as_of=day)
        assert balances["1000"] == direct.get("1000", D("0"))
        assert balances["1100"] == direct.get("1100", D("0"))
        assert balances["3000"] == -direct.get("3000", D("0"))
    assert account_balances(fund=fund, as_of=datetime.date(2026, 3, 1))["1100"] == D("250.00")
    before = account_balances(fund=fund)
    BalanceSummary.objects.filter(fund=fund).update(debit=D("1.00"))  # corrupt the derived data
    assert summary_check(fund=fund) != []
    summary_rebuild(fund=fund)
    assert summary_check(fund=fund) == []
    assert account_balances(fund=fund) == before


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([Line("1000", debit=D("10.00")), Line("3000", credit=D("9.99"))], "niet in balans"),
        ([Line("1000", debit=D("10.00"))], "ten minste twee"),
        ([Line("1000", debit=D("10.005")), Line("3000", credit=D("10.005"))], "hele centen"),
        (
            [Line("1000", debit=D("10.00"), credit=D("1")), Line("3000", credit=D("9.00"))],
            "óf debet óf credit",
        ),
        ([Line("1000", debit=D("-5.00")), Line("3000", debit=D("5.00"))], "óf debet óf credit"),
        ([Line("1000", debit=Money("10", "USD")), Line("3000", credit=Money("10", "USD"))], "euro"),
        ([Line("9999", debit=D("10.00")), Line("3000", credit=D("10.00"))], "9999"),
        ([Line("1000", debit=10.0), Line("3000", credit=10.0)], "hele centen"),
    ],
)
def test_bad_entries_are_refused_with_a_clear_message_and_nothing_booked(fund, lines, message):
    with pytest.raises(LedgerError) as exc:
        entry_post(fund=fund, value_date=DAY, description="fout", lines=lines, actor=None)
    assert message in str(exc.value)
    assert JournalEntry.objects.count() == 0
    assert Posting.objects.count() == 0


def test_account_of_another_fund_is_refused(fund):
    other = make_fund()
    ensure_chart_of_accounts(fund=other)
    from portfolio.models import Contract

    assert not Contract.objects.exists()
    with pytest.raises(LedgerError):
        entry_post(
            fund=fund,
            value_date=DAY,
            description="x",
            lines=[Line("1000", debit=D("1")), Line("77", credit=D("1"))],
            actor=None,
        )


def test_reversal_mirrors_the_entry_and_refers_to_it(fund):
    entry = _capital(fund, "1000.00")
    reversal = entry_reverse(
        entry=entry, actor=None, reason="dubbel geboekt", value_date=datetime.date(2026, 4, 1)
    )
    assert reversal.reverses == entry
    assert account_balances(fund=fund)["1000"] == D("0.00")
    mirrored = {(p.account.code, p.debit, p.credit) for p in reversal.postings.all()}
    assert mirrored == {("1000", D("0.00"), D("1000.00")), ("3000", D("1000.00"), D("0.00"))}
    assert "dubbel geboekt" in reversal.description


def test_an_entry_can_be_reversed_only_once_and_only_with_a_reason(fund):
    entry = _capital(fund)
    with pytest.raises(LedgerError) as exc:
        entry_reverse(entry=entry, actor=None, reason=" ")
    assert "reden" in str(exc.value)
    entry_reverse(entry=entry, actor=None, reason="fout")
    with pytest.raises(LedgerError) as exc:
        entry_reverse(entry=entry, actor=None, reason="nog eens")
    assert "al teruggeboekt" in str(exc.value)
    assert JournalEntry.objects.count() == 2


def test_idempotency_key_books_an_outside_event_once(fund):
    first = _capital(fund, key="bank:NL91:2026-03-31:ref-1")
    again = _capital(fund, key="bank:NL91:2026-03-31:ref-1")
    assert first.pk == again.pk
    assert JournalEntry.objects.count() == 1
    assert account_balances(fund=fund)["1000"] == D("100000.00")


def test_closed_period_refuses_entries_dated_in_it(fund):
    _capital(fund, day=datetime.date(2026, 3, 15))
    period_close(fund=fund, through=datetime.date(2026, 3, 31), actor=None)
    with pytest.raises(LedgerError) as exc:
        _capital(fund, day=datetime.date(2026, 3, 31))
    assert "31-03-2026 is afgesloten" in str(exc.value)
    _capital(fund, day=datetime.date(2026, 4, 1))
    with pytest.raises(LedgerError):
        period_close(fund=fund, through=datetime.date(2026, 2, 28), actor=None)


def test_reversal_of_an_entry_in_a_closed_period_is_dated_after_it(fund):
    entry = _capital(fund, day=datetime.date(2026, 3, 15))
    period_close(fund=fund, through=datetime.date(2026, 3, 31), actor=None)
    with pytest.raises(LedgerError):
        entry_reverse(entry=entry, actor=None, reason="fout", value_date=datetime.date(2026, 3, 20))
    reversal = entry_reverse(entry=entry, actor=None, reason="fout", value_date=datetime.date(2026, 4, 2))
    assert reversal.value_date == datetime.date(2026, 4, 2)


def test_database_refuses_to_update_a_posting(fund):
    entry = _capital(fund)
    posting = entry.postings.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE portfolio_posting SET debit = debit + 1 WHERE id = %s", [posting.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).update(description="anders")


def test_database_refuses_a_posting_with_both_sides(fund):
    entry = _capital(fund)
    account = entry.postings.first().account
    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.create(entry=entry, account=account, value_date=DAY, debit=D("1"), credit=D("1"))


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the deleting/balance triggers are PostgreSQL's"
)
class TestPostgresTriggers:
    def test_delete_is_refused(self, fund):
        entry = _capital(fund)
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM portfolio_posting WHERE entry_id = %s", [entry.pk])

    @pytest.mark.django_db(transaction=True)
    def test_unbalanced_entry_written_around_the_service_fails_at_commit(self, fund):
        entry = _capital(fund)
        account = entry.postings.first().account
        with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
            extra = JournalEntry.objects.create(
                fund=fund, value_date=DAY, booking_date=DAY, description="los"
            )
            Posting.objects.create(entry=extra, account=account, value_date=DAY, debit=D("5.00"))
        assert not JournalEntry.objects.filter(description="los").exists()


EVENT = st.tuples(
    st.sampled_from(["capital", "disburse", "repay", "interest", "reverse"]),
    st.decimals(min_value=D("0.01"), max_value=D("500000"), places=2),
)


@settings(max_examples=40, deadline=None)
@given(events=st.lists(EVENT, min_size=1, max_size=12))
def test_random_sequences_of_events_keep_the_ledger_balanced_and_postings_unchanged(events):
    fund = make_fund()  # a fresh fund per example: examples must not share state
    ensure_chart_of_accounts(fund=fund)
    snapshots: dict[int, tuple] = {}
    for kind, amount in events:
        if kind == "reverse":
            candidate = JournalEntry.objects.filter(
                fund=fund, reverses__isnull=True, reversed_by__isnull=True
            ).first()
            if candidate is not None:
                entry_reverse(entry=candidate, actor=None, reason="test")
            continue
        debit, credit = {
            "capital": ("1000", "3000"),
            "disburse": ("1100", "1000"),
            "repay": ("1000", "1100"),
            "interest": ("1110", "4000"),
        }[kind]
        entry_post(
            fund=fund,
            value_date=DAY,
            description=kind,
            lines=[Line(debit, debit=amount), Line(credit, credit=amount)],
            actor=None,
        )
        for p in Posting.objects.filter(entry__fund=fund):
            snapshots.setdefault(p.pk, (p.account_id, p.debit, p.credit, p.value_date))
        totals = trial_balance(fund=fund)
        assert totals["debit"] == totals["credit"]
    current = {
        p.pk: (p.account_id, p.debit, p.credit, p.value_date)
        for p in Posting.objects.filter(entry__fund=fund)
    }
    assert all(current[pk] == snap for pk, snap in snapshots.items())
    balances = account_balances(fund=fund)
    assets = balances["1000"] + balances["1100"] + balances["1110"]
    assert assets == balances["3000"] + balances["4000"]
    assert summary_check(fund=fund) == []
