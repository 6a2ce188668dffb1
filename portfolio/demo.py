"""Demo portfolio for SIF Zuid-Kennemerland en IJmond: loans in every state, a bank file.

The capital the loans are paid from comes from the investors' calls (investors/demo.py, which runs first).

Idempotent (keyed on contract references). Payments run up to today, so arrears look real whenever it runs.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from djmoney.money import Money

from fund.models import Fund

from . import bankimport, services, tasks
from .models import Contract, FundBankAccount

D = Decimal

# reference, KvK of the enterprise, principal, rate, term, grace, method, disbursed on, behaviour
LOANS = [
    ("ZKIJ-2025-001", "90210001", "150000.00", "0.045", 60, 6, "annuity", datetime.date(2025, 3, 1), "pays"),
    ("ZKIJ-2025-002", "90210003", "75000.00", "0.050", 48, 0, "linear", datetime.date(2025, 5, 15), "pays"),
    ("ZKIJ-2025-003", "90210005", "120000.00", "0.040", 72, 12, "annuity", datetime.date(2025, 9, 1), "pays"),
    ("ZKIJ-2025-004", "90210006", "60000.00", "0.055", 36, 0, "annuity", datetime.date(2025, 6, 1), "late"),
    ("ZKIJ-2026-005", "90210004", "90000.00", "0.035", 60, 0, "annuity", None, "draft"),
]


# The funds' own bank accounts: only statements of these are booked (fund code, IBAN, name).
BANK_ACCOUNTS = [
    ("SIF-ZKIJ", "NL91ABNA0417164300", "Betaalrekening"),  # collects direct debits (creditor id below)
    ("SIF-ZKIJ", "NL63TRIO0212345678", "Spaarrekening"),
    ("SIF-MS", "NL20INGB0001234567", "Betaalrekening"),
]


CREDITOR_IDS = {"NL91ABNA0417164300": "NL69ZZZ123456780000"}  # an illustrative incassant-ID (valid check)


def _bank_accounts() -> None:
    for code, iban, name in BANK_ACCOUNTS:
        fund = Fund.objects.filter(code=code).first()
        if fund is not None and not FundBankAccount.objects.filter(iban=iban).exists():
            bankimport.fund_bank_account_add(
                fund=fund,
                iban=iban,
                name=name,
                creditor_id=CREDITOR_IDS.get(iban, ""),
                actor=None,
            )


def load() -> None:
    _bank_accounts()
    fund = Fund.objects.filter(code="SIF-ZKIJ").first()
    if fund is None or Contract.objects.filter(fund=fund).exists():
        return
    today = timezone.localdate()
    for reference, kvk, principal, rate, term, grace, method, disbursed_on, behaviour in LOANS:
        enterprise = fund.enterprise_relations.get(enterprise__organisation__kvk_number=kvk).enterprise
        contract = services.contract_create(
            actor=None,
            fund=fund,
            enterprise=enterprise,
            reference=reference,
            instrument="loan",
            principal=Money(principal, "EUR"),
            annual_rate=D(rate),
            term_months=term,
            grace_months=grace,
            method=method,
            signed_on=disbursed_on or today,
            conditions=["KvK-uittreksel", "Getekende geldleningsovereenkomst"]
            if behaviour == "draft"
            else ["KvK-uittreksel"],
        )
        if behaviour == "draft":
            continue
        for condition in contract.conditions.all():
            services.condition_resolve(actor=None, condition=condition, status="met")
        services.contract_disburse(
            actor=None, contract=contract, amount=D(principal), value_date=disbursed_on
        )
        lines = list(services.current_schedule(contract).lines.filter(due_date__lt=today))
        stop_after = len(lines) - 2 if behaviour == "late" else None  # two instalments behind
        for n, line in enumerate(lines, start=1):
            if stop_after is not None and n > stop_after:
                break
            services.repayment_receive(
                actor=None,
                contract=contract,
                amount=line.payment,
                value_date=line.due_date,
                idempotency_key=f"demo:{reference}:{line.number}",
            )
    # A bank file with one recognised payment and one that waits in the queue.
    contract = Contract.objects.get(fund=fund, reference="ZKIJ-2025-004")
    csv = (
        "Datum;Bedrag;Tegenrekening;Naam;Omschrijving;Referentie;Rekening\n"
        f"{today:%d-%m-%Y};500,00;;Staalwerk Leerbedrijf;Deelbetaling {contract.reference};DEMO-1;"
        "NL91ABNA0417164300\n"
        f"{today:%d-%m-%Y};1.250,00;NL39RABO0300065264;Onbekende betaler;Betaling factuur 2026-114;DEMO-2;"
        "NL91ABNA0417164300\n"
    ).encode()
    bankimport.statement_import(fund=fund, data=csv, filename="demo-afschrift.csv", actor=None)
    # What the beat jobs would have done: interest receivable up to today, provisions at the last month end.
    tasks.accrue_interest(fund_id=fund.pk, through=today.isoformat())
    tasks.book_provisions(
        fund_id=fund.pk, through=(today.replace(day=1) - datetime.timedelta(days=1)).isoformat()
    )

    _followup(fund=fund, today=today)


def _followup(*, fund: Fund, today: datetime.date) -> None:
    """Follow-up: a note and a first reminder on the late loan; a direct-debit mandate on a paying one."""
    from .directdebit import mandate_register

    late = Contract.objects.get(fund=fund, reference="ZKIJ-2025-004")
    services.contract_note_add(
        actor=None,
        contract=late,
        text="Gebeld met de eigenaar: omzet viel tegen, belooft eind van de maand te betalen.",
    )
    import contextlib

    from core.errors import ApplicationError

    with contextlib.suppress(ApplicationError):  # not late on this day after all: no letter
        services.reminder_send(actor=None, contract=late, step=1, as_of=today)
    paying = Contract.objects.get(fund=fund, reference="ZKIJ-2025-001")
    mandate_register(
        actor=None,
        contract=paying,
        iban="NL02ABNA0123456789",
        holder=paying.enterprise.organisation.name,
        mandate_id="SIFZKIJ-2025-001-M1",
        signed_on=datetime.date(2025, 2, 20),
    )
