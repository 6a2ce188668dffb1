"""Loan statement (leningoverzicht) for an investee: terms, balance, next instalment, payments, schedule."""

from __future__ import annotations

import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph

from core.pdf import BODY, HEADING, build, eur, table
from portfolio import services
from portfolio.models import Contract


def loan_statement_pdf(*, contract: Contract, as_of: datetime.date) -> bytes:
    organisation = contract.enterprise.organisation
    dues = services.dues(contract=contract, as_of=as_of)
    version = services.current_schedule(contract)
    lines = list(version.lines.all()) if version else []
    upcoming = next((line for line in lines if line.due_date > as_of), None)
    story = [
        Paragraph("Voorwaarden", HEADING),
        table(
            [
                ["Hoofdsom", eur(contract.principal)],
                ["Rente per jaar", f"{(contract.annual_rate * 100).normalize():f}".replace(".", ",") + " %"],
                [
                    "Looptijd",
                    f"{contract.term_months} maanden, waarvan {contract.grace_months} aflossingsvrij",
                ],
                ["Aflossing", f"{contract.get_method_display()}, {contract.get_frequency_display().lower()}"],
                ["Betalingskenmerk", contract.reference],
            ],
            header=False,
            widths=[55 * mm, 110 * mm],
        ),
        Paragraph(f"Stand per {as_of:%d-%m-%Y}", HEADING),
        table(
            [
                ["Uitstaande hoofdsom", eur(dues["outstanding_principal"])],
                ["Te betalen rente", eur(dues["interest"])],
                ["Achterstallige aflossing", eur(dues["principal_due"])],
                [
                    "Volgende termijn",
                    f"{upcoming.due_date:%d-%m-%Y}: {eur(upcoming.payment)}" if upcoming else "—",
                ],
            ],
            header=False,
            money_columns=(1,),
            widths=[55 * mm, 110 * mm],
        ),
        Paragraph("Betalingen", HEADING),
    ]
    payments = [["Datum", "Soort", "Bedrag"]]
    payments += [
        [f"{d.value_date:%d-%m-%Y}", "Uitbetaling", eur(d.amount)] for d in contract.disbursements.all()
    ]
    payments += [[f"{r.value_date:%d-%m-%Y}", "Ontvangen", eur(r.amount)] for r in contract.repayments.all()]
    story.append(
        table(payments, money_columns=(2,)) if len(payments) > 1 else Paragraph("Nog geen betalingen.", BODY)
    )
    if version is not None:
        story.append(Paragraph(f"Aflosschema (versie {version.number}: {version.reason})", HEADING))
        rows = [["#", "Vervaldatum", "Aflossing", "Rente", "Termijnbedrag", "Restschuld"]]
        rows += [
            [
                line.number,
                f"{line.due_date:%d-%m-%Y}",
                eur(line.principal),
                eur(line.interest),
                eur(line.payment),
                eur(line.balance),
            ]
            for line in lines
        ]
        story.append(table(rows, money_columns=(2, 3, 4, 5)))
    return build(
        title=f"Leningoverzicht {contract.reference}",
        subtitle=f"{organisation.name} — {contract.fund.name}",
        story=story,
    )
