"""Reminder letters (aanmaningen) for loans in arrears: built with core.pdf, stored with core.documents.

The letter lists the overdue instalments, the penalty interest owed, the total to pay, the fund's bank
account and the payment reference, and a date by which to pay (14 days after the letter). A second
reminder refers to the first. Written by ``services.reminder_send``; the letter is a stored document of
kind "reminder" whose subject is the ``Reminder`` record (one letter per reminder).
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from reportlab.lib.units import mm

from core import pdf

from .models import Contract, Reminder, ReminderStep
from .selectors import overdue_instalments, payment_account

REMINDER_KIND = "reminder"
PAY_WITHIN_DAYS = 14


def reminder_letter_pdf(*, reminder: Reminder, instalments: list[dict]) -> bytes:
    contract = reminder.contract
    organisation = contract.enterprise.organisation
    pay_by = reminder.as_of + datetime.timedelta(days=PAY_WITHIN_DAYS)
    total = reminder.overdue + reminder.penalty_interest
    if reminder.step == ReminderStep.FIRST:
        opening = (
            f"Volgens onze administratie zijn op {pdf.date(reminder.as_of)} de onderstaande termijnen van "
            f"lening {contract.reference} nog niet (volledig) betaald. Wij verzoeken u het openstaande "
            f"bedrag uiterlijk {pdf.date(pay_by)} te betalen."
        )
    else:
        opening = (
            f"Op {pdf.date(reminder.first.as_of)} stuurden wij u een eerste aanmaning voor lening "
            f"{contract.reference}. Op {pdf.date(reminder.as_of)} is het onderstaande nog steeds niet "
            f"betaald. Wij verzoeken u dringend het openstaande bedrag uiterlijk {pdf.date(pay_by)} "
            "te betalen. "
            "Betaalt u niet, dan kan het fonds de lening opeisen volgens de leningsovereenkomst."
        )
    rows = [["Termijn", "Vervaldatum", "Termijnbedrag", "Nog te betalen", "Dagen te laat"]]
    rows += [
        [
            str(item["number"]),
            pdf.date(item["due_date"]),
            pdf.eur(item["payment"]),
            pdf.eur(item["unpaid"]),
            str(item["days_late"]),
        ]
        for item in instalments
    ]
    story = [
        pdf.p(f"Aan: {organisation.name}"),
        pdf.p(f"Datum: {pdf.date(reminder.as_of)}"),
        pdf.spacer(),
        pdf.p(opening),
        pdf.heading("Achterstallige termijnen"),
        pdf.table(rows, money_columns=(2, 3)),
        pdf.heading("Te betalen"),
        pdf.table(
            [
                ["Achterstallige termijnen", pdf.eur(reminder.overdue)],
                ["Boeterente", pdf.eur(reminder.penalty_interest)],
                ["Totaal te betalen", pdf.eur(total)],
                ["Uiterlijk op", pdf.date(pay_by)],
                ["Op rekening", payment_account(fund=contract.fund) or "—"],
                ["Onder vermelding van", contract.reference],
            ],
            header=False,
            money_columns=(1,),
            widths=[55 * mm, 110 * mm],
        ),
        pdf.spacer(),
        pdf.p(
            "Heeft u inmiddels betaald, dan kunt u deze brief als niet verzonden beschouwen. Kunt u niet op "
            "tijd betalen, neem dan contact met ons op om een regeling te bespreken."
        ),
    ]
    return pdf.build(
        title=f"{reminder.get_step_display()} lening {contract.reference}",
        subtitle=f"{organisation.name} — {contract.fund.name}",
        story=story,
        generated_at=timezone.make_aware(datetime.datetime.combine(reminder.as_of, datetime.time.min)),
    )


def reminder_filename(reminder: Reminder) -> str:
    return f"aanmaning-{reminder.step}-{reminder.contract.reference}-{reminder.as_of.isoformat()}.pdf"


def reminder_instalments(*, contract: Contract, as_of: datetime.date) -> list[dict]:
    return overdue_instalments(contract=contract, as_of=as_of)


def can_view_reminder(user, reminder) -> bool:
    """Whoever manages the contract's fund (and administrators) may download a reminder letter."""
    return isinstance(reminder, Reminder) and user.has_perm("portfolio.change_contract", reminder.contract)
