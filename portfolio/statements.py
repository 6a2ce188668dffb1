"""The loan statement (leningoverzicht) for an investee: terms, position, payments and schedule.

Built with core.pdf (every string from data escaped: an enterprise's name is text, never markup or a link)
and kept as a stored document (core.documents, kind "loan_statement", subject the contract): the statement
as of a date is made with that date as its generation time, so rebuilding it for an unchanged contract
gives the same bytes and the same stored version; a changed position becomes the next version, with the
reason "Stand per dd-mm-jjjj".
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.units import mm

from core import pdf
from core.documents import document_latest, document_store, documents_for
from core.formats import format_date
from core.models import StoredDocument
from fund.audit import audit_record
from fund.models import User

from . import services
from .models import Contract
from .selectors import InstalmentState, contract_charges, instalments, payment_account

KIND = "loan_statement"


def _generated_at(as_of: datetime.date) -> datetime.datetime:
    """The start of the as-of day in Europe/Amsterdam: the statement's fixed generation time."""
    return timezone.make_aware(datetime.datetime.combine(as_of, datetime.time.min))


def loan_statement_pdf(*, contract: Contract, as_of: datetime.date) -> bytes:
    organisation = contract.enterprise.organisation
    dues = services.dues(contract=contract, as_of=as_of)
    version = services.current_schedule(contract)
    upcoming = version.lines.filter(due_date__gt=as_of).order_by("number").first() if version else None
    story = [
        pdf.heading("Voorwaarden"),
        pdf.table(
            [
                ["Hoofdsom", pdf.eur(contract.principal)],
                ["Rente per jaar", pdf.percent(contract.annual_rate)],
                [
                    "Looptijd",
                    f"{contract.term_months} maanden, waarvan {contract.grace_months} aflossingsvrij",
                ],
                ["Aflossing", f"{contract.get_method_display()}, {contract.get_frequency_display().lower()}"],
                ["Betalingskenmerk", contract.reference],
                ["Betalen op rekening", payment_account(fund=contract.fund) or "—"],
            ],
            header=False,
            widths=[55 * mm, 110 * mm],
        ),
        pdf.heading(f"Stand per {pdf.date(as_of)}"),
        pdf.table(
            [
                ["Uitstaande hoofdsom", pdf.eur(dues["outstanding_principal"])],
                ["Te betalen rente", pdf.eur(dues["interest"])],
                ["Achterstallige aflossing", pdf.eur(dues["principal_due"])],
                ["Boeterente", pdf.eur(dues["penalty_interest"])],
                ["Vergoedingen", pdf.eur(dues["fees"])],
                ["Nu te betalen", pdf.eur(dues["total_due"])],
                [
                    "Volgende termijn",
                    f"{pdf.date(upcoming.due_date)}: {pdf.eur(upcoming.payment)}" if upcoming else "—",
                ],
            ],
            header=False,
            money_columns=(1,),
            widths=[55 * mm, 110 * mm],
        ),
        pdf.heading("Betalingen"),
    ]
    movements = [
        (d.value_date, "Uitbetaling", d.amount)
        for d in contract.disbursements.filter(value_date__lte=as_of).order_by("value_date", "pk")
    ]
    movements += [
        (r.value_date, "Ontvangen", r.amount)
        for r in contract.repayments.filter(value_date__lte=as_of).order_by("value_date", "pk")
    ]
    movements += [  # fees and penalty interest charged: they are part of what is owed
        (c["value_date"], f"{c['kind']}: {c['description']}", c["amount"])
        for c in contract_charges(contract=contract, as_of=as_of)
    ]
    movements.sort(key=lambda row: row[0])  # stable: same-day rows keep their order
    payments = [["Datum", "Soort", "Bedrag"]]
    payments += [[pdf.date(day), kind, pdf.eur(amount)] for day, kind, amount in movements]
    story.append(
        pdf.table(payments, money_columns=(2,)) if len(payments) > 1 else pdf.p("Nog geen betalingen.")
    )
    if version is not None:
        story.append(pdf.heading(f"Aflosschema (versie {version.number}: {version.reason})"))
        story.append(
            pdf.p(
                f"Per termijn: betaald (met de datum), te betalen of te laat (vervaldatum voorbij, nog open) "
                f"of komt nog — stand per {pdf.date(as_of)}."
            )
        )
        rows = [["#", "Vervaldatum", "Aflossing", "Rente", "Termijn", "Status", "Betaald op", "Nog open"]]
        rows += [
            [
                str(row["number"]),
                pdf.date(row["due_date"]),
                pdf.eur(row["principal"]),
                pdf.eur(row["interest"]),
                pdf.eur(row["payment"]),
                row["state_label"],
                pdf.date(row["paid_on"]) if row["paid_on"] else "—",
                "" if row["state"] == InstalmentState.PAID else pdf.eur(row["open"]),
            ]
            for row in _instalments_nl(contract=contract, as_of=as_of)
        ]
        story.append(
            pdf.table(
                rows,
                money_columns=(2, 3, 4, 7),
                widths=[8 * mm, 20 * mm, 22 * mm, 20 * mm, 22 * mm, 38 * mm, 20 * mm, 22 * mm],
                wrap=True,
            )
        )
    return pdf.build(
        title=f"Leningoverzicht {contract.reference}",
        subtitle=f"{organisation.name} — {contract.fund.name}",
        story=story,
        generated_at=_generated_at(as_of),
    )


def _instalments_nl(*, contract: Contract, as_of: datetime.date) -> list[dict]:
    """The instalment rows with Dutch labels, whatever language the request that builds the PDF uses."""
    with translation.override("nl"):
        return instalments(contract=contract, as_of=as_of)


def loan_statement_filename(contract: Contract, as_of: datetime.date) -> str:
    return f"leningoverzicht-{contract.reference}-{as_of.isoformat()}.pdf"


@transaction.atomic
def loan_statement_store(*, actor: User | None, contract: Contract, as_of: datetime.date) -> StoredDocument:
    """The statement as of `as_of`, stored once: unchanged bytes return the stored version, a changed
    position (or a later date) becomes the next version with the reason "Stand per dd-mm-jjjj"."""
    previous = document_latest(kind=KIND, subject=contract)
    document = document_store(
        kind=KIND,
        subject=contract,
        content=loan_statement_pdf(contract=contract, as_of=as_of),
        filename=loan_statement_filename(contract, as_of),
        actor=actor,
        reason=_("Stand per %(date)s") % {"date": format_date(as_of, language="nl")},
        media_type="application/pdf",
    )
    if previous is None or document.pk != previous.pk:
        audit_record(
            actor=actor,
            obj=contract,
            action="loan_statement_stored",
            data={"version": document.version, "as_of": as_of, "sha256": document.sha256},
        )
    return document


def loan_statements(contract: Contract):
    """The contract's stored statements, newest first."""
    return documents_for(subject=contract, kind=KIND)


def can_view_loan_statement(user, contract) -> bool:
    """Whoever may see the contract (fund staff, the investee, administrators) may download its statement."""
    from .selectors import contracts_for

    return isinstance(contract, Contract) and contracts_for(user).filter(pk=contract.pk).exists()
