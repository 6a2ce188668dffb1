"""The demo portfolio: loans in every state, a balanced ledger, one late loan, one line in the bank queue."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from fund.models import Fund
from portfolio.models import BankLine, Contract, JournalEntry
from portfolio.selectors import arrears, portfolio_at_risk, trial_balance

pytestmark = pytest.mark.django_db


def test_demo_portfolio_is_realistic_and_idempotent():
    call_command("load_demo", quiet_logins=True)
    entries = JournalEntry.objects.count()
    call_command("load_demo", quiet_logins=True)
    assert JournalEntry.objects.count() == entries

    fund = Fund.objects.get(code="SIF-ZKIJ")
    recorded = Contract.objects.filter(fund=fund, application__isnull=True)
    assert sorted(recorded.values_list("status", flat=True)) == [
        "active",
        "active",
        "active",
        "active",
        "draft",
    ]
    # plus the contract the committee's approval with conditions handed over, waiting for its conditions
    [handed_over] = Contract.objects.filter(fund=fund, application__isnull=False)
    assert handed_over.status == "draft"
    assert handed_over.application.status == "approved_with_conditions"
    assert handed_over.conditions.filter(status="open").exists()
    totals = trial_balance(fund=fund)
    assert totals["debit"] == totals["credit"] > 0
    today = timezone.localdate()
    late = [row for row in arrears(fund=fund, as_of=today).values() if row["days_past_due"] > 30]
    assert len(late) == 1
    assert portfolio_at_risk(fund=fund, as_of=today, days=30) > 0
    assert set(BankLine.objects.values_list("status", flat=True)) == {"booked", "unmatched"}
