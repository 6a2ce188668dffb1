"""The example workbook for moving a fund in (``reports/demo_data/migratie-voorbeeld.xlsx``).

A small fund with three years of history: three enterprises, three loans (one paid on time, one paid out in
two tranches with a linear quarterly schedule and its last instalment missed, one with its last two monthly
instalments missed), two investors with three capital calls (one receipt partial) and a paid distribution,
and a year of KPI reports. The control figures (outstanding principal and arrears on the reference date,
paid-in capital) are worked out here from the loans' own schedules and the capital movements, as the old
administration would have them, so the import of this workbook reconciles to the cent.

Regenerate with ``manage.py make_migration_example`` (the test checks the shipped file matches).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from core.schedules import build_schedule

AS_OF = datetime.date(2026, 9, 30)
D = Decimal

ENTERPRISES = [
    ["91000001", "De Groene Fietsenmaker B.V.", "bv", "GM0392", D("90000.00")],
    ["91000002", "Stichting Buurtkeuken Velsen", "stichting", "GM0453", D("150000.00")],
    ["91000003", "Coöperatie Zonnedak IJmond U.A.", "cooperatie", "GM0375", D("40000.00")],
]

# reference, kvk, principal, rate %, term, grace, method, frequency, signed, tranches [(date, amount)],
# instalments missed at the end (of those due by the reference date)
LOANS = [
    (
        "MIG-001",
        "91000001",
        D("60000.00"),
        D("4.00"),
        48,
        0,
        "annuity",
        "monthly",
        datetime.date(2024, 1, 10),
        [(datetime.date(2024, 1, 15), D("60000.00"))],
        0,
    ),
    (
        "MIG-002",
        "91000002",
        D("120000.00"),
        D("3.50"),
        60,
        6,
        "linear",
        "quarterly",
        datetime.date(2024, 3, 25),
        [(datetime.date(2024, 4, 1), D("60000.00")), (datetime.date(2024, 7, 1), D("60000.00"))],
        1,
    ),
    (
        "MIG-003",
        "91000003",
        D("40000.00"),
        D("5.00"),
        36,
        0,
        "annuity",
        "monthly",
        datetime.date(2025, 2, 20),
        [(datetime.date(2025, 3, 1), D("40000.00"))],
        2,
    ),
]

METHOD_LABEL = {"annuity": "Annuïteit", "linear": "Lineair"}
FREQUENCY_LABEL = {"monthly": "Per maand", "quarterly": "Per kwartaal"}

INVESTORS = [
    ["Stichting Kennemer Vermogensfonds", "90230001", "Vermogensfonds / stichting", D("300000.00")],
    ["Coöperatieve Kustbank U.A.", "90230002", "Bank", D("200000.00")],
]
COMMITTED_ON = datetime.date(2023, 12, 1)
# call, notice date, due date, {investor index: amount}
CALLS = [
    ("O-1", datetime.date(2024, 1, 5), datetime.date(2024, 1, 20), [D("60000.00"), D("40000.00")]),
    ("O-2", datetime.date(2024, 3, 20), datetime.date(2024, 4, 10), [D("72000.00"), D("48000.00")]),
    ("O-3", datetime.date(2025, 2, 15), datetime.date(2025, 3, 1), [D("24000.00"), D("16000.00")]),
]
# call, investor index, date, amount
RECEIPTS = [
    ("O-1", 0, datetime.date(2024, 1, 12), D("60000.00")),
    ("O-1", 1, datetime.date(2024, 1, 12), D("40000.00")),
    ("O-2", 0, datetime.date(2024, 3, 28), D("72000.00")),
    ("O-2", 1, datetime.date(2024, 3, 28), D("48000.00")),
    ("O-3", 0, datetime.date(2025, 2, 25), D("24000.00")),
    ("O-3", 1, datetime.date(2025, 2, 25), D("10000.00")),
]
DISTRIBUTION = ("U-1", datetime.date(2026, 1, 31), "Rente", "nee", [D("3000.00"), D("2000.00")])
DISTRIBUTION_PAID = datetime.date(2026, 2, 5)

KPI_HISTORY = [
    ["91000001", "banen-gecreeerd", "2025-Q1", 2, ""],
    ["91000001", "banen-gecreeerd", "2025-Q2", 2, ""],
    ["91000001", "banen-gecreeerd", "2025-Q3", 2, ""],
    ["91000001", "banen-gecreeerd", "2025-Q4", 2, ""],
    ["91000001", "afstand-in-dienst", "2025-Q1", 4, ""],
    ["91000001", "afstand-in-dienst", "2025-Q2", 4, ""],
    ["91000001", "afstand-in-dienst", "2025-Q3", 5, "Eén leerling-monteur uit de bijstand"],
    ["91000001", "afstand-in-dienst", "2025-Q4", 5, ""],
]


def _loan_rows():
    """Contracts, disbursements and payments, with the control figures from each loan's own schedule."""
    contracts, disbursements, payments = [], [], []
    for reference, kvk, principal, rate, term, grace, method, frequency, signed, tranches, missed in LOANS:
        start = tranches[-1][0]  # the schedule starts when the full principal has been paid out
        schedule = build_schedule(
            principal=principal,
            annual_rate=rate / 100,
            start_date=start,
            term_months=term,
            frequency=frequency,
            method=method,
            day_count="30E/360",
            grace_months=grace,
        )
        due = [line for line in schedule if line.due_date <= AS_OF]
        paid = due[: len(due) - missed]
        outstanding = paid[-1].balance if paid else principal
        arrears = sum((line.payment for line in due[len(paid) :]), D("0.00"))
        contracts.append(
            [
                reference,
                kvk,
                "Lening",
                principal,
                rate,
                term,
                grace,
                METHOD_LABEL[method],
                FREQUENCY_LABEL[frequency],
                signed,
                outstanding,
                arrears,
            ]
        )
        disbursements += [[reference, date, amount] for date, amount in tranches]
        payments += [[reference, line.due_date, line.payment] for line in paid]
    return contracts, disbursements, payments


def example_rows() -> dict[str, list[list]]:
    contracts, disbursements, payments = _loan_rows()
    paid_in = [D("0.00")] * len(INVESTORS)
    for _call, index, _date, amount in RECEIPTS:
        paid_in[index] += amount
    name, date, kind, recallable, amounts = DISTRIBUTION
    return {
        "Fonds": [[AS_OF]],
        "Ondernemingen": [list(row) for row in ENTERPRISES],
        "Contracten": contracts,
        "Uitbetalingen": disbursements,
        "Betalingen": payments,
        "Toezeggingen": [
            [investor, kvk, kind_label, amount, COMMITTED_ON, paid_in[i]]
            for i, (investor, kvk, kind_label, amount) in enumerate(INVESTORS)
        ],
        "Kapitaaloproepen": [
            [call, notice, due, INVESTORS[i][0], amount]
            for call, notice, due, split in CALLS
            for i, amount in enumerate(split)
        ],
        "Stortingen": [[call, INVESTORS[i][0], day, amount] for call, i, day, amount in RECEIPTS],
        "Uitkeringen": [
            [name, date, kind, recallable, INVESTORS[i][0], amount, DISTRIBUTION_PAID]
            for i, amount in enumerate(amounts)
        ],
        "KPI-historie": [list(row) for row in KPI_HISTORY],
    }


def example_workbook() -> bytes:
    from .fundimport import template_workbook

    return template_workbook(example=example_rows())
