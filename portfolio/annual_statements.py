"""The yearly interest statement (jaaropgave) of a contract, for the enterprise's own accounts.

Per calendar year, from the ledger and to the cent (`selectors.annual_statement_figures`): the debt at 1
January, what was paid out, repaid and otherwise booked off, the debt at 31 December; the interest charged
and paid; penalty interest and fees charged and paid; what was paid ahead. Built with core.pdf and stored
as a document (kind "annual_interest_statement", subject the contract's `AnnualStatement` of that year).
The PDF carries a fixed generation time (the first moment after the year), so making it again for unchanged
figures gives the same bytes and the same version; changed figures (a booking dated back into the year)
become the next version, and only with a reason. The enterprise and the fund's managers may download it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from reportlab.lib.units import mm

from core import pdf
from core.documents import document_latest, document_store
from core.models import StoredDocument
from fund.audit import audit_record
from fund.models import User
from fund.selectors import is_administrator, managed_fund_ids, own_enterprise_organisation_ids

from .models import AnnualStatement, Contract
from .selectors import annual_statement_figures, payment_account

KIND = "annual_interest_statement"
MSG_YEAR_NOT_ENDED = gettext_noop(
    "Jaar: een jaaropgave is er pas als het jaar voorbij is (%(year)s loopt nog)."
)
MSG_YEAR_BEFORE_LOAN = gettext_noop(
    "Jaar: in %(year)s liep deze financiering nog niet; de eerste jaaropgave is over %(first)s."
)
MSG_NO_MOVEMENTS = gettext_noop("Jaar: er is nog niets uitbetaald op %(reference)s, dus nog geen jaaropgave.")


def statement_years(contract: Contract, *, today: datetime.date | None = None) -> list[int]:
    """The years with a jaaropgave, newest first: the first disbursement's year to the last ended year.
    The disbursements are the contract's prefetch when there is one (the contract page lists them)."""
    today = today or timezone.localdate()
    first = min((d.value_date for d in contract.disbursements.all()), default=None)
    if first is None:
        return []
    return list(range(today.year - 1, first.year - 1, -1))


def _check_year(contract: Contract, year: int, today: datetime.date) -> None:
    if year >= today.year:
        raise ValidationError({"year": [_(MSG_YEAR_NOT_ENDED) % {"year": year}]})
    first = contract.disbursements.aggregate(first=Min("value_date"))["first"]
    if first is None:
        raise ValidationError({"year": [_(MSG_NO_MOVEMENTS) % {"reference": contract.reference}]})
    if year < first.year:
        raise ValidationError({"year": [_(MSG_YEAR_BEFORE_LOAN) % {"year": year, "first": first.year}]})


def annual_statement_pdf(*, contract: Contract, year: int) -> bytes:
    """The jaaropgave as a PDF (Dutch: it goes into the enterprise's Dutch accounts)."""
    f = annual_statement_figures(contract=contract, year=year)
    organisation = contract.enterprise.organisation
    start, end = pdf.date(datetime.date(year, 1, 1)), pdf.date(datetime.date(year, 12, 31))
    widths = [120 * mm, 45 * mm]

    def block(rows: list[tuple[str, Decimal]]) -> object:
        return pdf.table(
            [[label, pdf.eur(amount)] for label, amount in rows],
            header=False,
            money_columns=(1,),
            widths=widths,
        )

    story = [
        pdf.table(
            [
                ["Financiering", f"{contract.reference} — {contract.get_instrument_display()}"],
                ["Onderneming", organisation.name],
                ["Fonds", contract.fund.name],
                ["Periode", f"{start} t/m {end}"],
                ["Rente per jaar", pdf.percent(contract.annual_rate)],
            ],
            header=False,
            widths=[45 * mm, 120 * mm],
        ),
        pdf.heading("Hoofdsom (schuld)"),
        block(
            [
                (f"Schuld per {start}", f["principal_opening"]),
                ("+ Uitbetaald in het jaar", f["principal_charged"]),
                ("− Afgelost in het jaar", f["principal_paid"]),
                ("− Afgeschreven of gecorrigeerd", f["principal_other"]),
                (f"Schuld per {end}", f["principal_closing"]),
            ]
        ),
        pdf.heading("Rente"),
        block(
            [
                (f"Nog te betalen rente per {start}", f["interest_opening"]),
                ("+ Rente berekend over het jaar (uw rentelasten)", f["interest_charged"]),
                ("− Rente betaald in het jaar", f["interest_paid"]),
                ("− Rente afgeschreven of gecorrigeerd", f["interest_other"]),
                (f"Nog te betalen rente per {end}", f["interest_closing"]),
            ]
        ),
        pdf.heading("Boeterente en vergoedingen"),
        block(
            [
                (f"Nog te betalen per {start}", f["penalty_opening"] + f["fees_opening"]),
                ("+ Boeterente berekend in het jaar", f["penalty_charged"]),
                ("+ Vergoedingen berekend in het jaar", f["fees_charged"]),
                ("− Betaald in het jaar", f["penalty_paid"] + f["fees_paid"]),
                ("− Afgeschreven of gecorrigeerd", f["penalty_other"] + f["fees_other"]),
                (f"Nog te betalen per {end}", f["penalty_closing"] + f["fees_closing"]),
            ]
        ),
        pdf.heading("Betalingen"),
        block(
            [
                ("Totaal van u ontvangen in het jaar", f["received"]),
                (f"Vooruitbetaald, nog niet verrekend, per {end}", f["prepayment_closing"]),
            ]
        ),
        pdf.spacer(),
        pdf.p(
            "Deze jaaropgave is opgemaakt uit de boekhouding van het fonds: alle boekingen op deze "
            f"financiering met een datum in {year}. Rente en boeterente zijn de kosten van de lening in "
            "uw jaarrekening; aflossingen verlagen de schuld. Betalen: "
            f"{payment_account(fund=contract.fund) or '—'} onder vermelding van {contract.reference}."
        ),
    ]
    return pdf.build(
        title=f"Jaaropgave {year} {contract.reference}",
        subtitle=f"{organisation.name} — {contract.fund.name}",
        story=story,
        generated_at=timezone.make_aware(
            datetime.datetime.combine(datetime.date(year + 1, 1, 1), datetime.time.min)
        ),
    )


def annual_statement_filename(contract: Contract, year: int) -> str:
    return f"jaaropgave-{year}-{contract.reference}.pdf"


@transaction.atomic
def annual_statement_store(
    *,
    actor: User | None,
    contract: Contract,
    year: int,
    reason: str = "",
    today: datetime.date | None = None,
) -> StoredDocument:
    """The jaaropgave of an ended year, stored once: unchanged figures return the stored version; changed
    figures become the next version, refused without a reason (core.documents)."""
    _check_year(contract, year, today or timezone.localdate())
    statement, _created = AnnualStatement.objects.get_or_create(contract=contract, year=year)
    previous = document_latest(kind=KIND, subject=statement)
    document = document_store(
        kind=KIND,
        subject=statement,
        content=annual_statement_pdf(contract=contract, year=year),
        filename=annual_statement_filename(contract, year),
        actor=actor,
        reason=reason,
        media_type="application/pdf",
    )
    if previous is None or document.pk != previous.pk:
        audit_record(
            actor=actor,
            obj=contract,
            action="annual_statement_stored",
            reason=reason,
            data={
                "year": year,
                "version": document.version,
                "from_version": previous.version if previous else None,
                "sha256": document.sha256,
            },
        )
    return document


def annual_statements(contract: Contract) -> list[dict]:
    """Per year with a stored jaaropgave: the year and its versions (newest first). Two queries."""
    from django.contrib.contenttypes.models import ContentType

    statements = dict(AnnualStatement.objects.filter(contract=contract).order_by().values_list("pk", "year"))
    if not statements:
        return []
    documents = (
        StoredDocument.objects.filter(
            kind=KIND,
            subject_type=ContentType.objects.get_for_model(AnnualStatement),
            subject_id__in=[str(pk) for pk in statements],
        )
        .defer("content")
        .order_by("-version")
    )
    years: dict[int, list] = {}
    for document in documents:
        years.setdefault(statements[int(document.subject_id)], []).append(document)
    return [{"year": year, "documents": years[year]} for year in sorted(years, reverse=True)]


def audit_labels() -> dict[str, str]:
    return {"annual_statement_stored": _("Jaaropgave opgeslagen")}


def may_make_annual_statement(user, contract: Contract) -> bool:
    """The enterprise's own users and the fund's managers (and administrators); not the committee."""
    return (
        is_administrator(user)
        or contract.fund_id in managed_fund_ids(user)
        or contract.enterprise.organisation_id in own_enterprise_organisation_ids(user)
    )


def can_view_annual_statement(user, statement) -> bool:
    return isinstance(statement, AnnualStatement) and may_make_annual_statement(user, statement.contract)


__all__ = [
    "KIND",
    "annual_statement_pdf",
    "annual_statement_store",
    "annual_statements",
    "can_view_annual_statement",
    "may_make_annual_statement",
    "statement_years",
]
