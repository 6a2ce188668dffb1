"""Moving an existing fund in from Excel (issue 17, section 3): template, reading, booking, reconciliation.

It lives in ``reports`` because it crosses fund (enterprises, investors, commitments), portfolio (contracts,
disbursements, repayments through the ledger services), investors (calls, receipts, distributions) and
impactmeasurement (KPI history): reports may import every app and nothing imports reports.

**Event by event, not opening balances.** Every disbursement, payment received, capital call, receipt and
distribution of the workbook is booked through the same service a fund manager uses today, in date order
(``portfolio.services.contract_disburse`` / ``repayment_receive``, ``investors.services.call_*`` /
``distribution_*``), and interest is accrued through the reference date. Opening balances would be fewer
entries, but the investors' XIRR and ILPA capital accounts, arrears and days late, penalty interest and the
de minimis grant date all need the dated history; booked event by event the migrated fund behaves exactly
like one that was run here from the start, and the reconciliation tests the workbook's own figures against
what the system computes from that history.

**All or nothing.** The whole workbook is read first and every problem is listed with its tab, row and column
(in Dutch). Only a workbook without problems is booked, in one transaction: a dry run books everything,
computes the reconciliation and rolls back; finishing books again and commits only when every difference of
the reconciliation has an explanation (the import refuses otherwise and books nothing).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from djmoney.money import Money

from core.errors import ApplicationError, error_text
from core.money import to_cents
from core.numbers import parse_decimal
from core.uploads import open_workbook
from fund import services as fund_services
from fund.audit import audit_record
from fund.models import Commitment, Enterprise, Fund, Instrument, Investor, InvestorType, Municipality, User
from impactmeasurement import services as impact_services
from impactmeasurement.models import Metric, ReportSource
from impactmeasurement.validation import Entry
from investors import services as investor_services
from investors.models import CallPurpose, DistributionAllocation, DistributionKind
from portfolio import services as portfolio_services
from portfolio.models import Contract, ContractStatus, Frequency, JournalEntry, RepaymentMethod
from portfolio.selectors import outstanding_principal_by_contract

MAX_ROWS = 20_000
MAX_COLS = 30
ZERO = Decimal("0.00")

MSG_SHEET_MISSING = gettext_noop("Het tabblad '%(sheet)s' ontbreekt.")
MSG_COLUMN_MISSING = gettext_noop("De kolom '%(column)s' ontbreekt.")
MSG_REQUIRED = gettext_noop("Vul dit veld in.")
MSG_DATE = gettext_noop("'%(value)s' is geen datum; gebruik dd-mm-jjjj.")
MSG_AMOUNT = gettext_noop("'%(value)s' is geen bedrag.")
MSG_NEGATIVE = gettext_noop("Het bedrag mag niet negatief zijn.")
MSG_WHOLE = gettext_noop("'%(value)s' is geen geheel getal.")
MSG_CHOICE = gettext_noop("'%(value)s' kan niet; kies uit: %(choices)s.")
MSG_DUPLICATE = gettext_noop("'%(value)s' staat twee keer in dit tabblad.")
MSG_UNKNOWN = gettext_noop("'%(value)s' staat niet in het tabblad '%(sheet)s'.")
MSG_UNKNOWN_MUNICIPALITY = gettext_noop("Gemeentecode '%(value)s' is onbekend.")
MSG_UNKNOWN_METRIC = gettext_noop("Metriek '%(value)s' staat niet in de impactcatalogus van dit fonds.")
MSG_PERIOD = gettext_noop("'%(value)s' is geen periode; gebruik 2025-Q3 (kwartaal) of 2025 (jaar).")
MSG_AFTER_AS_OF = gettext_noop("De datum ligt na de peildatum (%(as_of)s).")
MSG_ONE_AS_OF = gettext_noop("Geef precies één peildatum.")
MSG_AS_OF_FUTURE = gettext_noop("De peildatum ligt in de toekomst.")
MSG_FUND_NOT_EMPTY = gettext_noop(
    "Dit fonds heeft al boekingen. Een bestaand fonds wordt in een nieuw, leeg fonds overgezet, zodat de "
    "aansluiting alleen de geïmporteerde historie toetst."
)
MSG_NOT_A_LOAN = gettext_noop("Alleen leningen kunnen worden overgezet (geen aandelen of garanties).")
MSG_UNEXPLAINED = gettext_noop(
    "Er zijn %(count)s verschillen zonder toelichting in de aansluiting. Licht elk verschil toe of corrigeer "
    "de werkmap; er is niets geboekt."
)


@dataclass
class Problem:
    sheet: str
    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = (
            self.sheet
            + (f", rij {self.row}" if self.row else "")
            + (f", {self.column}" if self.column else "")
        )
        return f"{where}: {self.message}"


class ImportRefused(ApplicationError):
    """The workbook cannot be imported; ``problems`` lists each with tab, row and column."""

    def __init__(self, problems: list[Problem]):
        super().__init__(
            _("Niets geboekt. %(n)s fout(en): %(list)s")
            % {"n": len(problems), "list": " · ".join(str(p) for p in problems[:20])},
            code="import_refused",
        )
        self.problems = problems


# --------------------------------------------------------------------------------------------------
# The template: tabs and columns
# --------------------------------------------------------------------------------------------------


def _choices(text_choices) -> dict[str, str]:
    """{lower-case Dutch label or code: code}."""
    with translation.override("nl"):
        mapping = {str(label).lower(): value for value, label in text_choices.choices}
    return mapping | {value.lower(): value for value in text_choices.values}


def _labels(text_choices) -> list[str]:
    with translation.override("nl"):
        return [str(label) for _value, label in text_choices.choices]


YES_NO = {"ja": True, "nee": False, "j": True, "n": False, "true": True, "false": False}


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: str  # text, date, amount, percent, int, choice, bool
    required: bool = True
    choices: object = None  # a TextChoices class for kind "choice"
    help: str = ""


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    help: str


SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "Fonds",
        (Column("peildatum", "as_of", "date", help="De datum waarop de controlecijfers gelden"),),
        "Eén rij: de peildatum van de controlecijfers in de andere tabbladen.",
    ),
    Sheet(
        "Ondernemingen",
        (
            Column("kvk", "kvk", "text", help="KvK-nummer, 8 cijfers"),
            Column("naam", "name", "text"),
            Column("rechtsvorm", "legal_form", "text", help="bv, stichting, coöperatie, …"),
            Column("gemeente", "municipality", "text", help="CBS-gemeentecode, bijv. GM0392"),
            Column("totale financiering", "total_financing", "amount", required=False),
        ),
        "Elke onderneming waaraan het fonds leende; een bestaande (zelfde KvK) wordt hergebruikt. "
        "Totale financiering (alle financiers) is de grondslag van de toerekening van impact.",
    ),
    Sheet(
        "Contracten",
        (
            Column("referentie", "reference", "text"),
            Column("kvk", "kvk", "text"),
            Column("instrument", "instrument", "choice", choices=Instrument),
            Column("hoofdsom", "principal", "amount"),
            Column("rente (%)", "rate", "percent", help="Rente per jaar in procenten: 4,5 = 4,5 %"),
            Column("looptijd (maanden)", "term_months", "int"),
            Column("aflossingsvrij (maanden)", "grace_months", "int", required=False),
            Column("aflossingswijze", "method", "choice", choices=RepaymentMethod),
            Column("termijnen", "frequency", "choice", choices=Frequency),
            Column("getekend op", "signed_on", "date", required=False),
            Column("uitstaande hoofdsom op peildatum", "expected_outstanding", "amount"),
            Column("achterstand op peildatum", "expected_arrears", "amount"),
        ),
        "Per lening de voorwaarden en de controlecijfers uit de oude administratie op de peildatum.",
    ),
    Sheet(
        "Uitbetalingen",
        (
            Column("referentie", "reference", "text"),
            Column("datum", "date", "date"),
            Column("bedrag", "amount", "amount"),
        ),
        "Elke uitbetaalde tranche.",
    ),
    Sheet(
        "Betalingen",
        (
            Column("referentie", "reference", "text"),
            Column("datum", "date", "date"),
            Column("bedrag", "amount", "amount"),
        ),
        "Elke ontvangen betaling (rente en aflossing samen); verdeeld zoals het systeem betalingen verdeelt.",
    ),
    Sheet(
        "Toezeggingen",
        (
            Column("investeerder", "investor", "text"),
            Column("kvk", "kvk", "text", required=False),
            Column("soort", "investor_type", "choice", choices=InvestorType),
            Column("bedrag", "amount", "amount"),
            Column("toegezegd op", "committed_on", "date"),
            Column("gestort kapitaal op peildatum", "expected_paid_in", "amount"),
        ),
        "Per investeerder de toezegging en het gestorte kapitaal volgens de oude administratie.",
    ),
    Sheet(
        "Kapitaaloproepen",
        (
            Column("oproep", "call", "text", help="Nummer of naam; één rij per investeerder"),
            Column("datum oproep", "notice_date", "date"),
            Column("uiterste stortingsdatum", "due_date", "date"),
            Column("investeerder", "investor", "text"),
            Column("bedrag", "amount", "amount"),
        ),
        "Elke kapitaaloproep, één rij per investeerder.",
    ),
    Sheet(
        "Stortingen",
        (
            Column("oproep", "call", "text"),
            Column("investeerder", "investor", "text"),
            Column("datum", "date", "date"),
            Column("bedrag", "amount", "amount"),
        ),
        "Elke ontvangen storting op een oproep.",
    ),
    Sheet(
        "Uitkeringen",
        (
            Column("uitkering", "distribution", "text", help="Nummer of naam; één rij per investeerder"),
            Column("datum", "date", "date"),
            Column("soort", "kind", "choice", choices=DistributionKind),
            Column("herinvesteerbaar", "recallable", "bool", help="ja of nee"),
            Column("investeerder", "investor", "text"),
            Column("bedrag", "amount", "amount"),
            Column("betaald op", "paid_on", "date", required=False),
        ),
        "Elke uitkering aan investeerders, één rij per investeerder.",
    ),
    Sheet(
        "KPI-historie",
        (
            Column("kvk", "kvk", "text"),
            Column("metriek", "metric", "text", help="Code uit de impactcatalogus, bijv. banen-gecreeerd"),
            Column("periode", "period", "text", help="2025-Q3 of 2025"),
            Column("waarde", "value", "text"),
            Column("toelichting", "comment", "text", required=False),
        ),
        "Gerapporteerde en geaccepteerde impactcijfers per onderneming, metriek en periode.",
    ),
)
SHEET = {sheet.name: sheet for sheet in SHEETS}


def template_workbook(*, example: dict[str, list[list]] | None = None) -> bytes:
    """The import template: one tab per part (headers in row 1, a help text per column as a comment, lists
    for the fixed choices), plus an explanation tab; with ``example`` the rows of a filled-in workbook."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from core.exports import EXCEL_DATE, EXCEL_EUR, workbook_bytes

    workbook = Workbook()
    explanation = workbook.active
    explanation.title = "Uitleg"
    explanation.append(["Overzetten van een bestaand fonds (Impactfonds)"])
    explanation["A1"].font = Font(bold=True)
    explanation.append(["Vul elk tabblad; laat een tabblad zonder gegevens leeg onder de kopregel."])
    explanation.append(["Bedragen in euro's (1.234,56 of een getal), datums als datum of dd-mm-jjjj."])
    explanation.append(["De import boekt alles of niets; eerst een proefimport met de aansluiting."])
    for sheet in SHEETS:
        explanation.append([sheet.name, sheet.help])
    explanation.column_dimensions["A"].width = 22
    explanation.column_dimensions["B"].width = 100
    for sheet in SHEETS:
        ws = workbook.create_sheet(sheet.name)
        ws.append([column.header for column in sheet.columns])
        for index, column in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=1, column=index)
            cell.font = Font(bold=True)
            note = column.help or ("verplicht" if column.required else "mag leeg")
            cell.comment = Comment(note, "Impactfonds")
            letter = cell.column_letter
            ws.column_dimensions[letter].width = max(14, len(column.header) + 4)
            if column.kind == "choice":
                labels = ",".join(_labels(column.choices))
                if len(labels) < 250:
                    validation = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
                    validation.add(f"{letter}2:{letter}{MAX_ROWS}")
                    ws.add_data_validation(validation)
        ws.freeze_panes = "A2"
        for row in (example or {}).get(sheet.name, []):
            ws.append(row)
            for index, column in enumerate(sheet.columns, start=1):
                cell = ws.cell(row=ws.max_row, column=index)
                if column.kind == "date" and cell.value is not None:
                    cell.number_format = EXCEL_DATE
                elif column.kind == "amount" and cell.value is not None:
                    cell.number_format = EXCEL_EUR
    return workbook_bytes(workbook)


# --------------------------------------------------------------------------------------------------
# Reading: every problem at once, with tab, row and column
# --------------------------------------------------------------------------------------------------


def _parse_cell(column: Column, value):
    """(parsed value, error message or '')."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, (_(MSG_REQUIRED) if column.required else "")
    if column.kind == "text":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip(), ""
    if column.kind == "date":
        if isinstance(value, datetime.datetime):
            return value.date(), ""
        if isinstance(value, datetime.date):
            return value, ""
        text = str(value).strip()
        for pattern in ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.datetime.strptime(text, pattern).date(), ""  # noqa: DTZ007 (a date)
            except ValueError:
                continue
        return None, _(MSG_DATE) % {"value": text}
    if column.kind in ("amount", "percent"):
        try:
            number = parse_decimal(value)
        except (ValueError, ArithmeticError):
            return None, _(MSG_AMOUNT) % {"value": value}
        if number < 0:
            return None, _(MSG_NEGATIVE)
        return (to_cents(number) if column.kind == "amount" else number / 100), ""
    if column.kind == "int":
        try:
            number = parse_decimal(value)
        except (ValueError, ArithmeticError):
            number = None
        if number is None or number != int(number) or number < 0:
            return None, _(MSG_WHOLE) % {"value": value}
        return int(number), ""
    if column.kind == "choice":
        mapping = _choices(column.choices)
        found = mapping.get(str(value).strip().lower())
        if found is None:
            return None, _(MSG_CHOICE) % {"value": value, "choices": ", ".join(_labels(column.choices))}
        return found, ""
    if column.kind == "bool":
        found = YES_NO.get(str(value).strip().lower())
        if found is None:
            return None, _(MSG_CHOICE) % {"value": value, "choices": "ja, nee"}
        return found, ""
    raise ValueError(column.kind)


def _read_sheet(ws, sheet: Sheet, problems: list[Problem]) -> list[dict]:
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    positions = {str(h).strip().lower(): i for i, h in enumerate(header) if h is not None}
    missing = [c for c in sheet.columns if c.header.lower() not in positions and c.required]
    for column in missing:
        problems.append(
            Problem(sheet.name, 1, column.header, _(MSG_COLUMN_MISSING) % {"column": column.header})
        )
    if missing:
        return []
    result = []
    for number, values in enumerate(rows, start=2):
        if not values or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        row = {"_row": number}
        for column in sheet.columns:
            index = positions.get(column.header.lower())
            raw = values[index] if index is not None and index < len(values) else None
            parsed, error = _parse_cell(column, raw)
            if error:
                problems.append(Problem(sheet.name, number, column.header, error))
            row[column.key] = parsed
        result.append(row)
    return result


def _check_unique(rows, sheet: str, key: str, header: str, problems) -> None:
    seen = set()
    for row in rows:
        value = row.get(key)
        if value is None:
            continue
        norm = value.lower() if isinstance(value, str) else value
        if norm in seen:
            problems.append(Problem(sheet, row["_row"], header, _(MSG_DUPLICATE) % {"value": value}))
        seen.add(norm)


def _check_known(rows, sheet: str, key: str, header: str, known: set, target: str, problems) -> None:
    for row in rows:
        value = row.get(key)
        if value is not None and value.lower() not in known:
            problems.append(
                Problem(sheet, row["_row"], header, _(MSG_UNKNOWN) % {"value": value, "sheet": target})
            )


PERIOD_RE = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")


def parse_workbook(data: bytes, *, fund: Fund) -> tuple[dict[str, list[dict]], list[Problem]]:
    """Read and check the whole workbook (sizes checked before unpacking, ``core.uploads.open_workbook``);
    returns the rows per tab and every problem found (nothing is written)."""
    problems: list[Problem] = []
    try:
        workbook = open_workbook(data, max_rows=MAX_ROWS, max_cols=MAX_COLS)
    except ValidationError as exc:
        return {}, [Problem(_("Werkmap"), None, "", error_text(exc))]
    except Exception:  # not a readable .xlsx at all
        return {}, [Problem(_("Werkmap"), None, "", _("Dit is geen leesbaar Excel-bestand (.xlsx)."))]
    parsed: dict[str, list[dict]] = {}
    for sheet in SHEETS:
        if sheet.name not in workbook.sheetnames:
            problems.append(Problem(sheet.name, None, "", _(MSG_SHEET_MISSING) % {"sheet": sheet.name}))
            parsed[sheet.name] = []
            continue
        parsed[sheet.name] = _read_sheet(workbook[sheet.name], sheet, problems)
    workbook.close()

    as_of_rows = parsed["Fonds"]
    if len(as_of_rows) != 1:
        problems.append(Problem("Fonds", 2, "peildatum", _(MSG_ONE_AS_OF)))
    as_of = as_of_rows[0]["as_of"] if len(as_of_rows) == 1 else None
    if as_of and as_of > timezone.localdate():
        problems.append(Problem("Fonds", 2, "peildatum", _(MSG_AS_OF_FUTURE)))

    enterprises, contracts = parsed["Ondernemingen"], parsed["Contracten"]
    commitments = parsed["Toezeggingen"]
    _check_unique(enterprises, "Ondernemingen", "kvk", "kvk", problems)
    _check_unique(contracts, "Contracten", "reference", "referentie", problems)
    _check_unique(commitments, "Toezeggingen", "investor", "investeerder", problems)
    codes = set(Municipality.objects.values_list("cbs_code", flat=True))
    for row in enterprises:
        if row["municipality"] and row["municipality"].upper() not in codes:
            problems.append(
                Problem(
                    "Ondernemingen",
                    row["_row"],
                    "gemeente",
                    _(MSG_UNKNOWN_MUNICIPALITY) % {"value": row["municipality"]},
                )
            )
    kvks = {r["kvk"].lower() for r in enterprises if r["kvk"]}
    references = {r["reference"].lower() for r in contracts if r["reference"]}
    investors = {r["investor"].lower() for r in commitments if r["investor"]}
    calls = {r["call"].lower() for r in parsed["Kapitaaloproepen"] if r["call"]}
    _check_known(contracts, "Contracten", "kvk", "kvk", kvks, "Ondernemingen", problems)
    for row in contracts:
        if row["instrument"] and row["instrument"] not in portfolio_services.LOAN_INSTRUMENTS:
            problems.append(Problem("Contracten", row["_row"], "instrument", _(MSG_NOT_A_LOAN)))
    for name in ("Uitbetalingen", "Betalingen"):
        _check_known(parsed[name], name, "reference", "referentie", references, "Contracten", problems)
    for name in ("Kapitaaloproepen", "Stortingen", "Uitkeringen"):
        _check_known(parsed[name], name, "investor", "investeerder", investors, "Toezeggingen", problems)
    _check_known(parsed["Stortingen"], "Stortingen", "call", "oproep", calls, "Kapitaaloproepen", problems)
    _check_known(parsed["KPI-historie"], "KPI-historie", "kvk", "kvk", kvks, "Ondernemingen", problems)
    metric_codes = set(
        Metric.objects.filter(Q(fund__isnull=True) | Q(fund=fund), is_active=True).values_list(
            "code", flat=True
        )
    )
    for row in parsed["KPI-historie"]:
        if row["metric"] and row["metric"] not in metric_codes:
            problems.append(
                Problem(
                    "KPI-historie", row["_row"], "metriek", _(MSG_UNKNOWN_METRIC) % {"value": row["metric"]}
                )
            )
        if row["period"] and not PERIOD_RE.match(row["period"]):
            problems.append(
                Problem("KPI-historie", row["_row"], "periode", _(MSG_PERIOD) % {"value": row["period"]})
            )
    if as_of:
        dated = [
            ("Uitbetalingen", "date", "datum"),
            ("Betalingen", "date", "datum"),
            ("Kapitaaloproepen", "notice_date", "datum oproep"),
            ("Stortingen", "date", "datum"),
            ("Uitkeringen", "date", "datum"),
            ("Uitkeringen", "paid_on", "betaald op"),
        ]
        for name, key, header in dated:
            for row in parsed[name]:
                if row.get(key) and row[key] > as_of:
                    problems.append(
                        Problem(
                            name,
                            row["_row"],
                            header,
                            _(MSG_AFTER_AS_OF) % {"as_of": as_of.strftime("%d-%m-%Y")},
                        )
                    )
    return parsed, problems


# --------------------------------------------------------------------------------------------------
# Booking, event by event
# --------------------------------------------------------------------------------------------------


@dataclass
class Booked:
    as_of: datetime.date
    contracts: dict[str, Contract] = field(default_factory=dict)  # lower-case reference → contract
    commitments: dict[str, Commitment] = field(default_factory=dict)  # lower-case investor → commitment
    counts: dict[str, int] = field(default_factory=dict)
    totals: dict[str, Decimal] = field(default_factory=dict)


def _refuse(sheet: str, row: dict | None, exc: Exception, column: str = "") -> ImportRefused:
    return ImportRefused([Problem(sheet, row["_row"] if row else None, column, error_text(exc))])


def _events(parsed: dict[str, list[dict]]) -> list[tuple]:
    """Every dated event of the workbook in the order it happened: (date, order, kind, payload)."""
    events = []
    for row in parsed["Uitbetalingen"]:
        events.append((row["date"], 0, "disbursement", row))
    calls: dict[str, list[dict]] = {}
    for row in parsed["Kapitaaloproepen"]:
        calls.setdefault(row["call"].lower(), []).append(row)
    for rows in calls.values():
        events.append((rows[0]["notice_date"], 1, "call", rows))
    for row in parsed["Stortingen"]:
        events.append((row["date"], 2, "receipt", row))
    for row in parsed["Betalingen"]:
        events.append((row["date"], 3, "payment", row))
    distributions: dict[str, list[dict]] = {}
    for row in parsed["Uitkeringen"]:
        distributions.setdefault(row["distribution"].lower(), []).append(row)
    for rows in distributions.values():
        events.append((rows[0]["date"], 4, "distribution", rows))
        if rows[0].get("paid_on"):
            events.append((rows[0]["paid_on"], 5, "distribution_paid", rows))
    events.sort(key=lambda e: (e[0], e[1], e[3]["_row"] if isinstance(e[3], dict) else e[3][0]["_row"]))
    return events


def book(
    *,
    fund: Fund,
    actor: User | None,
    parsed: dict[str, list[dict]],
    progress: Callable[[int, int], None] | None = None,
) -> Booked:
    """Book the workbook through the services (call inside a transaction; see the module docstring)."""
    if JournalEntry.objects.filter(fund=fund).exists():
        raise ImportRefused([Problem(_("Fonds"), None, "", _(MSG_FUND_NOT_EMPTY))])
    as_of = parsed["Fonds"][0]["as_of"]
    booked = Booked(as_of=as_of)
    events = _events(parsed)
    total = (
        len(parsed["Ondernemingen"])
        + len(parsed["Toezeggingen"])
        + len(parsed["Contracten"]) * 2
        + len(events)
        + len(parsed["KPI-historie"])
    )
    done = 0

    def step(n: int = 1) -> None:
        nonlocal done
        done += n
        if progress is not None and (done % 25 == 0 or done == total):
            progress(done, total)

    enterprises: dict[str, Enterprise] = {}
    for row in parsed["Ondernemingen"]:
        try:
            existing = Enterprise.objects.filter(organisation__kvk_number=row["kvk"]).first()
            if existing is not None:
                fund_services.enterprise_relation_add(actor=actor, fund=fund, enterprise=existing)
                enterprises[row["kvk"].lower()] = existing
            else:
                enterprises[row["kvk"].lower()] = fund_services.enterprise_create(
                    actor=actor,
                    fund=fund,
                    name=row["name"],
                    kvk_number=row["kvk"],
                    legal_form=row["legal_form"].lower(),
                    municipality=Municipality.objects.get(cbs_code=row["municipality"].upper()),
                )
        except (ApplicationError, ValidationError) as exc:
            raise _refuse("Ondernemingen", row, exc) from exc
        step()

    for row in parsed["Toezeggingen"]:
        try:
            investor = None
            if row.get("kvk"):
                investor = Investor.objects.filter(organisation__kvk_number=row["kvk"]).first()
            investor = investor or Investor.objects.filter(organisation__name__iexact=row["investor"]).first()
            if investor is None:
                investor = fund_services.investor_create(
                    actor=actor,
                    name=row["investor"],
                    investor_type=row["investor_type"],
                    kvk_number=row.get("kvk") or "",
                )
            booked.commitments[row["investor"].lower()] = fund_services.commitment_create(
                actor=actor,
                fund=fund,
                investor=investor,
                amount=Money(row["amount"], "EUR"),
                committed_on=row["committed_on"],
            )
        except (ApplicationError, ValidationError) as exc:
            raise _refuse("Toezeggingen", row, exc) from exc
        step()

    for row in parsed["Contracten"]:
        try:
            booked.contracts[row["reference"].lower()] = portfolio_services.contract_create(
                actor=actor,
                fund=fund,
                enterprise=enterprises[row["kvk"].lower()],
                reference=row["reference"],
                instrument=row["instrument"],
                principal=Money(row["principal"], "EUR"),
                annual_rate=row["rate"],
                term_months=row["term_months"],
                grace_months=row.get("grace_months") or 0,
                frequency=row["frequency"],
                method=row["method"],
                signed_on=row.get("signed_on"),
            )
        except (ApplicationError, ValidationError) as exc:
            raise _refuse("Contracten", row, exc) from exc
        step()

    calls: dict[str, object] = {}
    distributions: dict[str, object] = {}
    for date, _order, kind, payload in events:
        try:
            _book_event(
                fund=fund,
                actor=actor,
                kind=kind,
                date=date,
                payload=payload,
                booked=booked,
                calls=calls,
                distributions=distributions,
            )
        except (ApplicationError, ValidationError) as exc:
            row = payload if isinstance(payload, dict) else payload[0]
            sheet = {
                "disbursement": "Uitbetalingen",
                "payment": "Betalingen",
                "call": "Kapitaaloproepen",
                "receipt": "Stortingen",
                "distribution": "Uitkeringen",
                "distribution_paid": "Uitkeringen",
            }[kind]
            raise _refuse(sheet, row, exc) from exc
        booked.counts[kind] = booked.counts.get(kind, 0) + 1
        step()

    for row in parsed["Contracten"]:
        contract = booked.contracts[row["reference"].lower()]
        contract.refresh_from_db()
        if contract.status == ContractStatus.ACTIVE:
            portfolio_services.interest_accrue(actor=actor, contract=contract, through=as_of)
        step()

    financing = {r["kvk"].lower(): r.get("total_financing") for r in parsed["Ondernemingen"]}
    _book_kpi_history(
        fund=fund,
        actor=actor,
        rows=parsed["KPI-historie"],
        enterprises=enterprises,
        financing=financing,
        step=step,
    )
    booked.counts["enterprises"] = len(enterprises)
    booked.counts["contracts"] = len(booked.contracts)
    booked.counts["commitments"] = len(booked.commitments)
    booked.counts["kpi_values"] = len(parsed["KPI-historie"])
    for name, key in (("Uitbetalingen", "disbursed"), ("Betalingen", "received"), ("Stortingen", "paid_in")):
        booked.totals[key] = sum((row["amount"] for row in parsed[name]), ZERO)
    booked.totals["distributed"] = sum((row["amount"] for row in parsed["Uitkeringen"]), ZERO)
    if progress is not None:
        progress(total, total)
    return booked


def _book_event(
    *, fund, actor, kind, date, payload, booked: Booked, calls: dict, distributions: dict
) -> None:
    if kind == "disbursement":
        portfolio_services.contract_disburse(
            actor=actor,
            contract=booked.contracts[payload["reference"].lower()],
            amount=payload["amount"],
            value_date=date,
        )
    elif kind == "payment":
        portfolio_services.repayment_receive(
            actor=actor,
            contract=booked.contracts[payload["reference"].lower()],
            amount=payload["amount"],
            value_date=date,
            source_document="migratie",
        )
    elif kind == "call":
        first = payload[0]
        amounts = {booked.commitments[r["investor"].lower()].pk: r["amount"] for r in payload}
        call = investor_services.call_create(
            actor=actor,
            fund=fund,
            notice_date=date,
            due_date=first["due_date"],
            purpose=CallPurpose.INVESTMENTS,
            amount=sum(amounts.values(), ZERO),
            purpose_text=_("Overgezet: oproep %(call)s") % {"call": first["call"]},
        )
        investor_services.call_lines_set(
            actor=actor,
            call=call,
            amounts={c.pk: amounts.get(c.pk, ZERO) for c in booked.commitments.values()},
        )
        calls[first["call"].lower()] = investor_services.call_issue(actor=actor, call=call, notify=False)
    elif kind == "receipt":
        call = calls[payload["call"].lower()]
        commitment = booked.commitments[payload["investor"].lower()]
        line = call.lines.get(commitment=commitment)
        investor_services.call_receipt_record(
            actor=actor, line=line, amount=payload["amount"], received_on=date
        )
    elif kind == "distribution":
        first = payload[0]
        amounts = {booked.commitments[r["investor"].lower()].pk: r["amount"] for r in payload}
        distribution = investor_services.distribution_create(
            actor=actor,
            fund=fund,
            date=date,
            kind=first["kind"],
            amount=sum(amounts.values(), ZERO),
            recallable=bool(first["recallable"]),
            allocation=DistributionAllocation.MANUAL,
            description=_("Overgezet: uitkering %(name)s") % {"name": first["distribution"]},
            amounts=amounts,
        )
        distributions[first["distribution"].lower()] = investor_services.distribution_declare(
            actor=actor, distribution=distribution, notify=False
        )
    elif kind == "distribution_paid":
        investor_services.distribution_pay(
            actor=actor, distribution=distributions[payload[0]["distribution"].lower()], paid_on=date
        )


def _book_kpi_history(*, fund, actor, rows: list[dict], enterprises: dict, financing: dict, step) -> None:
    """Per enterprise one confirmed KPI set over the periods of its history, each period's report saved
    (source Excel), submitted and accepted by the importing fund manager."""
    from impactmeasurement.periods import period_spans

    by_enterprise: dict[str, list[dict]] = {}
    for row in rows:
        by_enterprise.setdefault(row["kvk"].lower(), []).append(row)
    for kvk, items in by_enterprise.items():
        enterprise = enterprises[kvk]
        quarterly = any("-Q" in r["period"] for r in items)
        frequency = "quarterly" if quarterly else "yearly"
        if quarterly and not all("-Q" in r["period"] for r in items):
            raise ImportRefused(
                [
                    Problem(
                        "KPI-historie",
                        items[0]["_row"],
                        "periode",
                        _("Gebruik per onderneming één soort periode."),
                    )
                ]
            )
        labels = sorted({r["period"] for r in items})
        first, last = labels[0], labels[-1]

        def span_of(label):
            year = int(label[:4])
            if "-Q" in label:
                q = int(label[-1])
                start = datetime.date(year, 3 * q - 2, 1)
                end = period_spans(frequency="quarterly", start=start, end=start, due_days=0)[0].end
                return start, end
            return datetime.date(year, 1, 1), datetime.date(year, 12, 31)

        start, end = span_of(first)[0], span_of(last)[1]
        total_financing = financing.get(kvk) or sum(
            (c.principal.amount for c in enterprise.contracts.filter(fund=fund)), ZERO
        )
        try:
            kpi_set = impact_services.kpi_set_create(
                actor=actor,
                fund=fund,
                enterprise=enterprise,
                start=start,
                end=end,
                frequency=frequency,
                name=_("Overgezette historie"),
                attribution_method="outstanding_share",
                enterprise_total_financing=total_financing or None,
            )
            kpis = {}
            for code in sorted({r["metric"] for r in items}):
                metric = Metric.objects.get(code=code)
                kpis[code] = impact_services.kpi_add(
                    actor=actor, kpi_set=kpi_set, metric=metric, required=False
                )
            impact_services.kpi_set_confirm(actor=actor, kpi_set=kpi_set, reason=_("Overgezet uit Excel"))
        except (ApplicationError, ValidationError) as exc:
            raise _refuse("KPI-historie", items[0], exc) from exc
        periods = {p.label: p for p in kpi_set.periods.all()}
        for label in labels:
            period_rows = [r for r in items if r["period"] == label]
            entries = {
                kpis[r["metric"]].pk: Entry(
                    raw=r["value"], comment=r.get("comment") or "", location=f"rij {r['_row']}"
                )
                for r in period_rows
            }
            try:
                report = impact_services.report_save(
                    actor=None, period=periods[label], entries=entries, submit=True, source=ReportSource.EXCEL
                )
                impact_services.report_accept(actor=actor, report=report, reason=_("Overgezet uit Excel"))
            except (ApplicationError, ValidationError) as exc:
                problems = getattr(exc, "problems", None)
                if problems:
                    raise ImportRefused(
                        [Problem("KPI-historie", period_rows[0]["_row"], "waarde", str(p)) for p in problems]
                    ) from exc
                raise _refuse("KPI-historie", period_rows[0], exc) from exc
            step(len(period_rows))


# --------------------------------------------------------------------------------------------------
# Reconciliation
# --------------------------------------------------------------------------------------------------


def reconciliation(*, fund: Fund, parsed: dict[str, list[dict]], booked: Booked) -> list[dict]:
    """Per contract the outstanding principal and the arrears on the reference date after the import, per
    investor the paid-in capital, each against the workbook's figure; ``difference`` = system − workbook."""
    as_of = booked.as_of
    outstanding = outstanding_principal_by_contract(fund=fund, as_of=as_of)
    paid_in = investor_services.paid_in_by_commitment(fund=fund, as_of=as_of)
    rows = []
    for row in parsed["Contracten"]:
        contract = booked.contracts[row["reference"].lower()]
        arrears = portfolio_services.dues(contract=contract, as_of=as_of)["total_due"]
        for measure, label, expected, actual in (
            (
                "outstanding",
                _("Uitstaande hoofdsom"),
                row["expected_outstanding"],
                outstanding.get(contract.pk, ZERO),
            ),
            ("arrears", _("Achterstand"), row["expected_arrears"], arrears),
        ):
            rows.append(
                {
                    "key": f"contract:{contract.reference}:{measure}",
                    "subject": contract.reference,
                    "measure": str(label),
                    "expected": str(to_cents(expected)),
                    "actual": str(to_cents(actual)),
                    "difference": str(to_cents(actual) - to_cents(expected)),
                }
            )
    for row in parsed["Toezeggingen"]:
        commitment = booked.commitments[row["investor"].lower()]
        actual = paid_in.get(commitment.pk, ZERO)
        rows.append(
            {
                "key": f"investor:{row['investor']}:paid_in",
                "subject": row["investor"],
                "measure": str(_("Gestort kapitaal")),
                "expected": str(to_cents(row["expected_paid_in"])),
                "actual": str(to_cents(actual)),
                "difference": str(to_cents(actual) - to_cents(row["expected_paid_in"])),
            }
        )
    return rows


def unexplained(rows: list[dict], explanations: dict[str, str]) -> list[dict]:
    return [
        r for r in rows if Decimal(r["difference"]) != 0 and not (explanations.get(r["key"]) or "").strip()
    ]


@dataclass
class Outcome:
    problems: list[Problem]
    reconciliation: list[dict]
    counts: dict[str, int]
    totals: dict[str, str]


def run(
    *,
    fund: Fund,
    actor: User | None,
    data: bytes,
    commit: bool,
    explanations: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Read, book and reconcile in one transaction. A dry run (``commit=False``) always rolls back; a real
    run commits only without problems and with every difference explained, else it books nothing."""
    parsed, problems = parse_workbook(data, fund=fund)
    if problems:
        return Outcome(problems=problems, reconciliation=[], counts={}, totals={})
    explanations = explanations or {}
    with transaction.atomic():
        try:
            booked = book(fund=fund, actor=actor, parsed=parsed, progress=progress)
        except ImportRefused as exc:
            transaction.set_rollback(True)
            return Outcome(problems=exc.problems, reconciliation=[], counts={}, totals={})
        rows = reconciliation(fund=fund, parsed=parsed, booked=booked)
        for row in rows:
            row["explanation"] = explanations.get(row["key"], "")
        outcome = Outcome(
            problems=[],
            reconciliation=rows,
            counts=booked.counts,
            totals={k: str(v) for k, v in booked.totals.items()},
        )
        missing = unexplained(rows, explanations)
        if not commit:
            transaction.set_rollback(True)
        elif missing:
            transaction.set_rollback(True)
            outcome.problems = [
                Problem(_("Aansluiting"), None, "", _(MSG_UNEXPLAINED) % {"count": len(missing)})
            ]
    return outcome


# --------------------------------------------------------------------------------------------------
# Jobs: an upload becomes a dry run in a Celery task; explanations; finishing (again in a task)
# --------------------------------------------------------------------------------------------------

KIND_RECONCILIATION = "reports.fund_import_reconciliation"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MSG_TOO_LARGE = gettext_noop("Het bestand is groter dan 20 MB.")
MSG_NOT_CHECKED = gettext_noop("Dit kan alleen na een geslaagde proefimport (status: %(status)s).")
MSG_UNKNOWN_DIFFERENCE = gettext_noop("Verschil '%(key)s' staat niet in de aansluiting.")


def progress_key(job_id: int) -> str:
    return f"reports:fund-import:{job_id}:progress"


def job_progress(job) -> dict:
    """{done, total, percent}: from the shared cache while running (the import's transaction hides rows)."""
    from django.core.cache import cache

    if not job.running:
        return {"done": 1, "total": 1, "percent": 100}
    done, total = cache.get(progress_key(job.pk), (0, 0))
    return {"done": done, "total": total, "percent": int(done * 100 / total) if total else 0}


def _queue(job) -> None:
    from .tasks import fund_import_run

    transaction.on_commit(lambda: fund_import_run.delay(job.pk))


@transaction.atomic
def fund_import_start(*, actor: User, fund: Fund, upload):
    """Keep the uploaded workbook and queue its dry run."""
    from .models import FundImport, FundImportMode, FundImportStatus

    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": [_(MSG_TOO_LARGE)]})
    job = FundImport.objects.create(
        fund=fund,
        filename=upload.name[:255],
        content=upload.read(),
        created_by=actor,
        mode=FundImportMode.DRY_RUN,
        status=FundImportStatus.QUEUED,
    )
    audit_record(
        actor=actor, obj=job, action="fund_import_uploaded", to_state=job.status, data={"file": job.filename}
    )
    _queue(job)
    return job


@transaction.atomic
def fund_import_explain(*, actor: User, job, explanations: dict[str, str]):
    """Record an explanation per difference of the dry run's reconciliation (from → to in the audit)."""
    from .models import FundImport, FundImportStatus

    job = FundImport.objects.select_for_update().get(pk=job.pk)
    if job.status != FundImportStatus.CHECKED:
        raise ApplicationError(_(MSG_NOT_CHECKED) % {"status": job.get_status_display()})
    keys = {row["key"] for row in job.reconciliation}
    for key in explanations:
        if key not in keys:
            raise ApplicationError(_(MSG_UNKNOWN_DIFFERENCE) % {"key": key})
    before = dict(job.explanations)
    after = before | {k: (v or "").strip() for k, v in explanations.items()}
    after = {k: v for k, v in after.items() if v}
    job.explanations = after
    for row in job.reconciliation:
        row["explanation"] = after.get(row["key"], "")
    job.save(update_fields=["explanations", "reconciliation"])
    audit_record(actor=actor, obj=job, action="fund_import_explained", data={"from": before, "to": after})
    return job


def fund_import_unexplained(job) -> list[dict]:
    return unexplained(job.reconciliation, job.explanations)


@transaction.atomic
def fund_import_finish_start(*, actor: User, job):
    """Queue the definitive import: only after a clean dry run with every difference explained."""
    from .models import FundImport, FundImportMode, FundImportStatus

    job = FundImport.objects.select_for_update().get(pk=job.pk)
    if job.status != FundImportStatus.CHECKED:
        raise ApplicationError(_(MSG_NOT_CHECKED) % {"status": job.get_status_display()})
    missing = fund_import_unexplained(job)
    if missing:
        raise ApplicationError(_(MSG_UNEXPLAINED) % {"count": len(missing)})
    previous = job.status
    job.status, job.mode, job.finished_by = FundImportStatus.QUEUED, FundImportMode.FINISH, actor
    job.save(update_fields=["status", "mode", "finished_by"])
    audit_record(
        actor=actor, obj=job, action="fund_import_finish_queued", from_state=previous, to_state=job.status
    )
    _queue(job)
    return job


def fund_import_execute(*, job_id: int):
    """The task's work: run the dry run or the finish and keep the outcome on the job (audited)."""
    from django.core.cache import cache
    from django.utils import timezone

    from .models import FundImport, FundImportMode, FundImportStatus

    with transaction.atomic():
        job = FundImport.objects.select_for_update().select_related("fund").get(pk=job_id)
        if job.status != FundImportStatus.QUEUED:
            return job
        job.status = FundImportStatus.RUNNING
        job.save(update_fields=["status"])
    finishing = job.mode == FundImportMode.FINISH
    actor = job.finished_by if finishing else job.created_by
    try:
        outcome = run(
            fund=job.fund,
            actor=actor,
            data=bytes(job.content),
            commit=finishing,
            explanations=job.explanations,
            progress=lambda done, total: cache.set(progress_key(job.pk), (done, total), 3600),
        )
    except Exception:
        with transaction.atomic():
            FundImport.objects.filter(pk=job.pk).update(
                status=FundImportStatus.FAILED,
                problems=[
                    Problem(_("Werkmap"), None, "", _("Onverwachte fout; niets is geboekt.")).as_dict()
                ],
            )
        raise
    finally:
        cache.delete(progress_key(job.pk))
    with transaction.atomic():
        job = FundImport.objects.select_for_update().get(pk=job.pk)
        job.problems = [p.as_dict() for p in outcome.problems]
        if outcome.reconciliation:
            job.reconciliation, job.counts, job.totals = (
                outcome.reconciliation,
                outcome.counts,
                outcome.totals,
            )
        if finishing and not outcome.problems:
            job.status, job.finished_at = FundImportStatus.DONE, timezone.now()
        elif finishing and outcome.reconciliation:
            job.status = FundImportStatus.CHECKED  # refused by the reconciliation: explain, then try again
        else:
            job.status = FundImportStatus.INVALID if outcome.problems else FundImportStatus.CHECKED
        job.save()
        audit_record(
            actor=actor,
            obj=job,
            action="fund_import_finished" if job.status == FundImportStatus.DONE else "fund_import_checked",
            from_state=FundImportStatus.RUNNING,
            to_state=job.status,
            data={"problems": len(outcome.problems), "counts": outcome.counts},
        )
        if job.status == FundImportStatus.DONE:
            reconciliation_store(actor=actor, job=job)
    return job


def reconciliation_workbook(job) -> bytes:
    """The reconciliation report as Excel: per contract and investor the workbook's and the system's figure,
    the difference and its explanation, amounts as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from core.exports import EXCEL_EUR, workbook_bytes

    workbook = Workbook()
    ws = workbook.active
    ws.title = "Aansluiting"
    ws.append(
        [
            _("Onderwerp"),
            _("Meting"),
            _("Volgens de werkmap"),
            _("Na de import"),
            _("Verschil"),
            _("Toelichting"),
        ]
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in job.reconciliation:
        ws.append(
            [
                row["subject"],
                row["measure"],
                Decimal(row["expected"]),
                Decimal(row["actual"]),
                Decimal(row["difference"]),
                row.get("explanation", ""),
            ]
        )
        for column in (3, 4, 5):
            ws.cell(row=ws.max_row, column=column).number_format = EXCEL_EUR
    ws.freeze_panes = "A2"
    return workbook_bytes(workbook)


def reconciliation_store(*, actor, job):
    from core.documents import document_store

    return document_store(
        kind=KIND_RECONCILIATION,
        subject=job,
        content=reconciliation_workbook(job),
        filename=f"aansluiting-overzetting-{job.fund.code}-{job.pk}.xlsx",
        actor=actor,
        reason=_("Aansluiting bij het afronden van de overzetting"),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def can_view_reconciliation(user, job) -> bool:
    from fund.selectors import funds_for

    from .models import FundImport

    return (
        isinstance(job, FundImport)
        and funds_for(user).filter(pk=job.fund_id).exists()
        and user.has_perm("portfolio.add_contract", job.fund)
    )


def audit_labels() -> dict[str, str]:
    return {
        "fund_import_uploaded": _("Werkmap voor overzetting geüpload"),
        "fund_import_checked": _("Proefimport uitgevoerd"),
        "fund_import_explained": _("Verschillen van de aansluiting toegelicht"),
        "fund_import_finish_queued": _("Definitieve overzetting gestart"),
        "fund_import_finished": _("Overzetting afgerond"),
    }
