"""Demo capital for SIF Zuid-Kennemerland en IJmond: two years of calls, distributions, fees and expenses.

Runs before portfolio's demo (the capital that the loans are disbursed from comes from these calls; the bank
never goes below zero). Idempotent: nothing is added when the fund already has calls. Events dated after
today are left out, so the demo looks real whenever it runs. One call is late (the private investor's last
share).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from fund.models import Fund

from . import quarters, services
from .models import CapitalCall, FeeBasis

D = Decimal
DAY = datetime.date

# notice, due, purpose, fraction of commitments, text, paid on, {investor name start: (paid on, share paid)}
CALLS = [
    (DAY(2025, 3, 1), DAY(2025, 3, 14), "investments", "0.10", "Eerste leningen", DAY(2025, 3, 1), {}),
    (
        DAY(2025, 8, 15),
        DAY(2025, 9, 1),
        "investments",
        "0.05",
        "Leningen 2e halfjaar 2025",
        DAY(2025, 8, 29),
        {},
    ),
    (
        DAY(2026, 3, 2),
        DAY(2026, 3, 31),
        "management_fee",
        "0.02",
        "Beheervergoeding 2026",
        DAY(2026, 3, 27),
        {},
    ),
    (
        DAY(2026, 10, 1),
        DAY(2026, 10, 31),
        "investments",
        "0.03",
        "Leningen 2027",
        DAY(2026, 10, 29),
        {"Familie Van Duinen": (DAY(2026, 11, 10), "0.4")},  # paid 40 %: the rest is late
    ),
]
# date, kind, amount, recallable, paid on, description
DISTRIBUTIONS = [
    (DAY(2025, 12, 15), "interest", "6000.00", False, DAY(2025, 12, 19), "Rente-uitkering 2025"),
    (
        DAY(2026, 6, 15),
        "principal",
        "45000.01",
        True,
        DAY(2026, 6, 30),
        "Terugbetaalde hoofdsom, herinvesteerbaar",
    ),
    (DAY(2026, 11, 20), "interest", "7500.00", False, None, "Interim rente-uitkering 2026"),
]
EXPENSES = [
    (DAY(2025, 6, 30), "Oprichtingskosten en notaris", "4250.00", False),
    (DAY(2025, 12, 31), "Accountantscontrole 2025", "1815.00", True),
    (DAY(2026, 6, 30), "Juridisch advies fondsvoorwaarden", "2420.00", True),
]
FEE_QUARTERS = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]


def load() -> None:
    fund = Fund.objects.filter(code="SIF-ZKIJ").first()
    if fund is None or not fund.commitments.exists() or CapitalCall.objects.filter(fund=fund).exists():
        return
    today = timezone.localdate()
    services.capital_settings_update(
        actor=None,
        fund=fund,
        management_fee_rate=D("0.01"),
        fee_basis=FeeBasis.COMMITMENTS,
        allocation_rule="paid_in",
    )
    for notice, due, purpose, fraction, text, paid, exceptions in CALLS:
        if notice > today:
            continue
        total = sum((c.amount.amount for c in fund.commitments.all()), D("0"))
        call = services.call_create(
            actor=None,
            fund=fund,
            notice_date=notice,
            due_date=due,
            purpose=purpose,
            purpose_text=text,
            amount=total * D(fraction),
        )
        services.call_issue(actor=None, call=call)
        for line in call.lines.select_related("commitment__investor__organisation"):
            name = line.commitment.investor.organisation.name
            special = next((v for k, v in exceptions.items() if name.startswith(k)), None)
            paid_on, share = special or (paid, "1")
            if paid_on <= today:
                amount = line.amount * D(share)
                services.call_receipt_record(actor=None, line=line, amount=amount, received_on=paid_on)
    for date, kind, amount, recallable, paid_on, description in DISTRIBUTIONS:
        if date > today:
            continue
        distribution = services.distribution_create(
            actor=None,
            fund=fund,
            date=date,
            kind=kind,
            amount=D(amount),
            recallable=recallable,
            description=description,
        )
        services.distribution_declare(actor=None, distribution=distribution)
        if paid_on is not None and paid_on <= today:
            services.distribution_pay(actor=None, distribution=distribution, paid_on=paid_on)
    for quarter in FEE_QUARTERS:
        if quarters.parse_quarter(quarter)[1] <= today:
            services.management_fee_charge(actor=None, fund=fund, quarter=quarter)
    for date, description, amount, from_bank in EXPENSES:
        if date <= today:
            services.expense_record(
                actor=None,
                fund=fund,
                date=date,
                description=description,
                amount=D(amount),
                paid_from_bank=from_bank,
            )
