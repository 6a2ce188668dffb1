"""The book year for the accountant: an XML Auditfile Financieel (XAF 3.2) and a plain journal CSV.

XAF 3.2 (namespace http://www.auditfiles.nl/XAF/3.2) is the Dutch exchange format every accountant and
bookkeeping package reads (Exact, Twinfield, AFAS). The file holds the chart of accounts (balance accounts
`B`, profit-and-loss accounts `P`), the relations (enterprises as customers `C`, investors as `O`), the twelve
months as periods, the opening balance at 1 January (every account's balance then: after a year close the
result accounts are zero) and every journal entry of the year with its lines. Amounts are positive with a
debit/credit type, two decimals, a point as decimal separator (as the schema requires).

Written as text in one pass over the postings (values only, no model instances), so a year with hundreds of
thousands of postings stays a matter of seconds. Read-only: nothing is booked.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from xml.sax.saxutils import escape

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.money import to_cents
from fund.models import Fund

from .models import Account, AccountType, Contract, Posting

XAF_NAMESPACE = "http://www.auditfiles.nl/XAF/3.2"
ZERO = Decimal("0.00")
_PROFIT_AND_LOSS = (AccountType.INCOME, AccountType.EXPENSE)


def _text(value: object, limit: int | None = None) -> str:
    text = " ".join(str(value or "").split())
    return escape(text[:limit] if limit else text)


def _amount(value: Decimal) -> str:
    return f"{abs(value):.2f}"


def _relation_id(organisation_id: int) -> str:
    return f"REL{organisation_id}"


def opening_balances(*, fund: Fund, year: int) -> list[tuple[str, Decimal]]:
    """(account code, debit − credit) of every account with a balance at the start of `year`."""
    rows = (
        Posting.objects.filter(entry__fund=fund, entry__value_date__lt=datetime.date(year, 1, 1))
        .values("account__code")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by("account__code")
    )
    result = []
    for row in rows:
        balance = to_cents(Decimal(str(row["debit"] or 0)) - Decimal(str(row["credit"] or 0)))
        if balance:
            result.append((row["account__code"], balance))
    return result


def _relations(fund: Fund) -> list[tuple[int, str, str, str, str]]:
    """(organisation id, name, type C/O, KvK, IBAN) of the fund's enterprises and investors."""
    relations = {}
    for relation in fund.enterprise_relations.select_related("enterprise__organisation"):
        org = relation.enterprise.organisation
        relations[org.pk] = (org.pk, org.name, "C", org.kvk_number, org.iban)
    for commitment in fund.commitments.select_related("investor__organisation"):
        org = commitment.investor.organisation
        relations.setdefault(org.pk, (org.pk, org.name, "O", org.kvk_number, org.iban))
    return sorted(relations.values())


def _year_postings(fund: Fund, year: int):
    """The year's postings in entry order, as plain tuples (one query, streamed)."""
    return (
        Posting.objects.filter(
            entry__fund=fund,
            entry__value_date__gte=datetime.date(year, 1, 1),
            entry__value_date__lte=datetime.date(year, 12, 31),
        )
        .order_by("entry__value_date", "entry_id", "pk")
        .values_list(
            "entry_id",
            "entry__value_date",
            "entry__description",
            "entry__source_document",
            "account__code",
            "debit",
            "credit",
            "contract__enterprise__organisation_id",
            "contract__reference",
        )
        .iterator(chunk_size=5000)
    )


def xaf_lines(*, fund: Fund, year: int, created: datetime.date | None = None) -> Iterator[str]:
    """The auditfile as a stream of text pieces (join them, or write them as they come)."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    created = created or timezone.localdate()
    accounts = list(
        Account.objects.filter(fund=fund).order_by("code").values_list("code", "name", "account_type")
    )
    totals = Posting.objects.filter(
        entry__fund=fund, entry__value_date__gte=start, entry__value_date__lte=end
    )
    counted = totals.aggregate(debit=Sum("debit"), credit=Sum("credit"))
    lines_count = totals.count()
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield f'<auditfile xmlns="{XAF_NAMESPACE}">\n<header>'
    yield (
        f"<fiscalYear>{year}</fiscalYear><startDate>{start.isoformat()}</startDate>"
        f"<endDate>{end.isoformat()}</endDate><curCode>EUR</curCode>"
        f"<dateCreated>{created.isoformat()}</dateCreated>"
        "<softwareDesc>Impactfonds</softwareDesc><softwareVersion>1.0</softwareVersion></header>\n"
    )
    yield (
        f"<company><companyIdent>{_text(fund.code, 35)}</companyIdent>"
        f"<companyName>{_text(fund.name)}</companyName>"
        "<taxRegistrationCountry>NL</taxRegistrationCountry><taxRegIdent></taxRegIdent>\n"
    )
    yield "<customersSuppliers>\n"
    for pk, name, kind, kvk, iban in _relations(fund):
        yield (
            f"<customerSupplier><custSupID>{_relation_id(pk)}</custSupID>"
            f"<custSupName>{_text(name, 50)}</custSupName>"
            + (f"<commerceNr>{_text(kvk)}</commerceNr>" if kvk else "")
            + f"<custSupTp>{kind}</custSupTp>"
            + (f"<bankAccount><bankAccNr>{_text(iban, 35)}</bankAccNr></bankAccount>" if iban else "")
            + "</customerSupplier>\n"
        )
    yield "</customersSuppliers>\n<generalLedger>\n"
    for code, name, kind in accounts:
        account_type = "P" if kind in _PROFIT_AND_LOSS else "B"
        yield (
            f"<ledgerAccount><accID>{_text(code, 35)}</accID><accDesc>{_text(name)}</accDesc>"
            f"<accTp>{account_type}</accTp></ledgerAccount>\n"
        )
    yield "</generalLedger>\n<periods>\n"
    for month in range(1, 13):
        first = datetime.date(year, month, 1)
        last = datetime.date(year + (month == 12), month % 12 + 1, 1) - datetime.timedelta(days=1)
        yield (
            f"<period><periodNumber>{month}</periodNumber><periodDesc>{first:%m-%Y}</periodDesc>"
            f"<startDatePeriod>{first.isoformat()}</startDatePeriod><endDatePeriod>{last.isoformat()}</endDatePeriod>"
            "</period>\n"
        )
    yield "</periods>\n"
    opening = opening_balances(fund=fund, year=year)
    op_debit = sum((b for _c, b in opening if b > 0), ZERO)
    op_credit = -sum((b for _c, b in opening if b < 0), ZERO)
    yield (
        f"<openingBalance><opBalDate>{start.isoformat()}</opBalDate><opBalDesc>Beginbalans {year}</opBalDesc>"
        f"<linesCount>{len(opening)}</linesCount><totalDebit>{_amount(op_debit)}</totalDebit>"
        f"<totalCredit>{_amount(op_credit)}</totalCredit>\n"
    )
    for number, (code, balance) in enumerate(opening, start=1):
        yield (
            f"<obLine><nr>{number}</nr><accID>{_text(code, 35)}</accID><amnt>{_amount(balance)}</amnt>"
            f"<amntTp>{'D' if balance > 0 else 'C'}</amntTp></obLine>\n"
        )
    yield "</openingBalance>\n"
    debit_total = to_cents(Decimal(str(counted["debit"] or 0)))
    credit_total = to_cents(Decimal(str(counted["credit"] or 0)))
    yield (
        f"<transactions><linesCount>{lines_count}</linesCount><totalDebit>{_amount(debit_total)}</totalDebit>"
        f"<totalCredit>{_amount(credit_total)}</totalCredit>\n"
        "<journal><jrnID>MEM</jrnID><desc>Memoriaal (alle journaalposten van het fonds)</desc>"
        "<jrnTp>G</jrnTp>\n"
    )
    current = None
    line = 0
    for entry_id, value_date, description, source, code, debit, credit, org_id, reference in _year_postings(
        fund, year
    ):
        if entry_id != current:
            if current is not None:
                yield "</transaction>\n"
            current, line = entry_id, 0
            yield (
                f"<transaction><nr>{entry_id}</nr><desc>{_text(description)}</desc>"
                f"<periodNumber>{value_date.month}</periodNumber><trDt>{value_date.isoformat()}</trDt>"
            )
        line += 1
        amount, side = (debit, "D") if debit else (credit, "C")
        yield (
            f"<trLine><nr>{line}</nr><accID>{_text(code, 35)}</accID>"
            f"<docRef>{_text(source or f'JP{entry_id}', 999)}</docRef>"
            f"<effDate>{value_date.isoformat()}</effDate>"
            + (f"<desc>{_text(reference)}</desc>" if reference else "")
            + f"<amnt>{_amount(to_cents(Decimal(str(amount))))}</amnt><amntTp>{side}</amntTp>"
            + (f"<custSupID>{_relation_id(org_id)}</custSupID>" if org_id else "")
            + "</trLine>"
        )
    if current is not None:
        yield "</transaction>\n"
    yield "</journal>\n</transactions>\n</company>\n</auditfile>\n"


def xaf_export(*, fund: Fund, year: int, created: datetime.date | None = None) -> bytes:
    return "".join(xaf_lines(fund=fund, year=year, created=created)).encode("utf-8")


def xaf_filename(fund: Fund, year: int) -> str:
    return f"auditfile-{fund.code}-{year}.xaf"


JOURNAL_CSV_HEADER = [
    gettext_noop("Boekstuk"),
    gettext_noop("Datum"),
    gettext_noop("Dagboek"),
    gettext_noop("Rekening"),
    gettext_noop("Rekeningnaam"),
    gettext_noop("Omschrijving"),
    gettext_noop("Debet"),
    gettext_noop("Credit"),
    gettext_noop("Relatie"),
    gettext_noop("Contract"),
    gettext_noop("Brondocument"),
]


def journal_rows(*, fund: Fund, year: int) -> Iterator[list]:
    """The year's postings as rows for a journal CSV (Exact / Twinfield import): Dutch headers and dates."""
    names = dict(Account.objects.filter(fund=fund).values_list("code", "name"))
    organisations = dict(
        Contract.objects.filter(fund=fund).values_list(
            "enterprise__organisation_id", "enterprise__organisation__name"
        )
    )
    for entry_id, value_date, description, source, code, debit, credit, org_id, reference in _year_postings(
        fund, year
    ):
        yield [
            entry_id,
            value_date,
            "MEM",
            code,
            names.get(code, ""),
            description,
            to_cents(Decimal(str(debit))) if debit else None,
            to_cents(Decimal(str(credit))) if credit else None,
            organisations.get(org_id, "") if org_id else "",
            reference or "",
            source,
        ]


XAF_KIND = "xaf_auditfile"


def auditfile_stored(*, fund: Fund, year: int):
    """The latest stored audit file of the year, or None."""
    from core.documents import document_latest

    from .models import AuditFile

    subject = AuditFile.objects.filter(fund=fund, year=year).first()
    return document_latest(kind=XAF_KIND, subject=subject) if subject is not None else None


def auditfile_store(*, fund: Fund, year: int, actor, reason: str = ""):
    """Make the year's XAF file and keep it as a stored document (kind ``xaf_auditfile``).

    The first one needs no reason; a new version does (the ledger of the year changed, a correction was
    booked). Unchanged bytes return the stored version. Recorded in the fund's audit trail."""
    from django.db import transaction

    from core.documents import document_latest, document_store
    from fund.audit import audit_record

    from .models import AuditFile

    with transaction.atomic():
        subject, _created = AuditFile.objects.get_or_create(fund=fund, year=year)
        previous = document_latest(kind=XAF_KIND, subject=subject)
        document = document_store(
            kind=XAF_KIND,
            subject=subject,
            content=xaf_export(fund=fund, year=year),
            filename=xaf_filename(fund, year),
            actor=actor,
            reason=reason,
            media_type="application/xml",
        )
        if previous is None or previous.pk != document.pk:
            audit_record(
                actor=actor,
                obj=fund,
                action="auditfile_stored",
                reason=reason.strip(),
                data={"year": year, "version": document.version, "sha256": document.sha256},
            )
    return document


def can_view_auditfile(user, subject) -> bool:
    """Fund managers of the fund (who may book in it) may download its audit files."""
    from .models import AuditFile

    return isinstance(subject, AuditFile) and user.has_perm("portfolio.add_contract", subject.fund)


__all__ = [
    "auditfile_store",
    "auditfile_stored",
    "can_view_auditfile",
    "journal_rows",
    "opening_balances",
    "xaf_export",
    "xaf_filename",
]
