"""Bank statements: parse CAMT.053 (ISO 20022) and a simple CSV format into plain, validated lines.

In core because it is pure and two apps read statements with it: portfolio (the fund's bank) and
resultaatfinanciering (the municipality's bank, to reconcile outcome payments).

A later service books these lines into the ledger, and a file is imported whole or not at all. So a
parser either returns every line of the file, or raises one `StatementError` whose ``problems`` list
every problem it found (not just the first), each saying where it is ("Ntry 3 (regel 57): ...",
"rij 7, kolom bedrag: ..."), in Dutch for the fund managers who read them.

Pure module: no Django, no database. Money is ``Decimal`` rounded to the cent, never float, and an
amount with more cents than that is refused rather than rounded. Only euros are accepted.

XML is read with expat (standard library) into an ElementTree. A document with a DOCTYPE or ENTITY
declaration is refused before parsing (and expat is told to refuse them too), which rules out entity
expansion ("billion laughs") and external entities.

``StatementLine.line_key`` is the idempotency key for booking a line (at most 100 characters):
``<IBAN>:ref:<AcctSvcrRef>`` when the bank gives a reference (``/<n>`` added for the n-th transaction
of a batch that has no reference of its own), else ``<IBAN>:e2e:<EndToEndId>:<hash>`` (the hash covers
date, direction, amount and counterparty, because an EndToEndId is chosen by the payer and is not
unique on its own), else ``sha256:<hex>`` over account, booking date, amount, direction, counterparty
IBAN, remittance and position in the file. A key that would occur twice in one file falls back to the
position-based hash for those lines, so keys are always unique within a file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Literal
from xml.etree import ElementTree as ET
from xml.parsers import expat
from zoneinfo import ZoneInfo

from stdnum import iban as stdnum_iban
from stdnum import numdb

from core.formats import format_number
from core.money import is_whole_cents, to_cents

__all__ = [
    "MAX_FILE_SIZE",
    "SUPPORTED_CAMT053_NAMESPACES",
    "Statement",
    "StatementError",
    "StatementLine",
    "parse_camt053",
    "parse_csv",
]

MAX_FILE_SIZE = 20 * 1024 * 1024
"""Files larger than this (20 MB) are refused before parsing."""

SUPPORTED_CAMT053_NAMESPACES: tuple[str, ...] = tuple(
    f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version:02d}" for version in range(2, 9)
)

Direction = Literal["credit", "debit"]

_ZERO = Decimal("0.00")
_EUR = "EUR"
_MAX_INTEGER_DIGITS = 13  # ISO 20022 amounts: 18 digits in total, of which up to 5 after the point
_MAX_KEY_LENGTH = 100  # the ledger's idempotency key holds 120 characters; leave room for a prefix
_LOCAL_TZ = ZoneInfo("Europe/Amsterdam")  # for a CreDtTm without UTC offset


class StatementError(ValueError):
    """The file cannot be imported. ``problems`` lists every problem found, in file order."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems: tuple[str, ...] = (problems,) if isinstance(problems, str) else tuple(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            message = (
                f"het bestand kan niet worden ingelezen ({len(self.problems)} problemen):\n"
                + "\n".join(f"- {problem}" for problem in self.problems)
            )
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class StatementLine:
    line_key: str
    booking_date: date
    value_date: date
    amount: Decimal
    direction: Direction
    currency: str
    counterparty_name: str
    counterparty_iban: str
    remittance: str
    end_to_end_id: str
    reference: str
    position: int
    # A returned or reversed direct debit: the bank's reason code (AM04, MD06, …; "RVSL" for a reversal
    # without one); empty for an ordinary line.
    return_reason: str = ""


@dataclass(frozen=True, slots=True)
class Statement:
    account_iban: str
    statement_id: str
    created_at: datetime | None
    opening_balance: Decimal | None
    closing_balance: Decimal | None
    currency: str
    lines: tuple[StatementLine, ...]
    sha256: str


# --- shared helpers -----------------------------------------------------------------------------


class _Invalid(Exception):
    """A field-level problem; the caller adds where it is."""


@dataclass(slots=True)
class _Draft:
    """A line before its position and key are known."""

    booking_date: date
    value_date: date
    amount: Decimal
    direction: Direction
    counterparty_name: str
    counterparty_iban: str
    remittance: str
    end_to_end_id: str
    reference: str
    preferred_key: str | None
    return_reason: str = ""


def _check_size(data: bytes) -> None:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"data moet bytes zijn, niet {type(data).__name__}")
    if len(data) > MAX_FILE_SIZE:
        raise StatementError(
            f"het bestand is te groot ({_nl_size(len(data))}); de grens is {_nl_size(MAX_FILE_SIZE)}"
        )


def _nl_size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def _nl(amount: Decimal) -> str:
    """1234.5 -> '1.234,50' (Dutch notation, for messages)."""
    return format_number(amount, 2, language="nl")


def _squash(text: str | None) -> str:
    """Trim and collapse runs of whitespace (banks pad names and remittance lines)."""
    return " ".join((text or "").split())


def _compact_iban(value: str) -> str:
    return "".join(value.split()).upper()


_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")


@lru_cache(maxsize=256)
def _iban_length(country: str) -> int | None:
    """Length of an IBAN from this country (registry of python-stdnum), None for an unknown country."""
    properties = numdb.get("iban").info(country)[0][1]
    if not properties:
        return None
    return 4 + sum(int(n) for n in re.findall(r"(\d+)!", properties.get("bban", "")))


@lru_cache(maxsize=16384)  # counterparties and our own account recur on many lines
def _iban_problem(value: str) -> str | None:
    """Why a compact, upper-case IBAN is invalid, or None when it is valid."""
    if not _IBAN_SHAPE.fullmatch(value):
        return "heeft niet de vorm van een IBAN (landcode, 2 controlecijfers, rekeningnummer)"
    expected = _iban_length(value[:2])
    if expected is None:
        return f"landcode {value[:2]} is onbekend"
    if len(value) != expected:
        return f"heeft {len(value)} tekens, een IBAN uit {value[:2]} heeft er {expected}"
    rearranged = value[4:] + value[:4]
    if int("".join(str(int(char, 36)) for char in rearranged)) % 97 != 1:
        return "het controlegetal klopt niet"
    if not stdnum_iban.is_valid(value):
        return f"het rekeningnummer past niet in het formaat van {value[:2]}"
    return None


def _currency_problem(currency: str) -> str | None:
    if not currency:
        return "valuta ontbreekt"
    if currency != _EUR:
        return f"valuta {currency} wordt niet ondersteund (alleen EUR)"
    return None


def _to_cents(digits: str, fraction: str, raw: str, *, exact_zeros_ok: bool) -> Decimal:
    """Whole and fraction digits -> Decimal in cents; refuse (never round) anything finer than a cent."""
    integer = digits.lstrip("0")
    if len(integer) > _MAX_INTEGER_DIGITS:
        raise _Invalid(f"bedrag '{raw}' is te groot")
    value = Decimal(f"{digits}.{fraction or '0'}")
    too_fine = len(fraction) > 2 and (not exact_zeros_ok or not is_whole_cents(value))
    if too_fine:
        raise _Invalid(f"bedrag '{raw}' heeft meer dan 2 decimalen")
    return to_cents(value)  # exact: only trailing zeros beyond the cent are dropped


def _sha256(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()


def _finish(account: str, drafts: list[_Draft]) -> tuple[StatementLine, ...]:
    """Number the lines 1..n and give each a key that is unique within the file."""
    preferred = Counter(draft.preferred_key for draft in drafts if draft.preferred_key)
    lines = []
    for position, draft in enumerate(drafts, start=1):
        key = draft.preferred_key
        if key and len(key) > _MAX_KEY_LENGTH:
            key = f"sha256:{_sha256(key)}"
        if not key or preferred[draft.preferred_key] > 1:
            key = "sha256:" + _sha256(
                account,
                draft.booking_date.isoformat(),
                f"{draft.amount:.2f}",
                draft.direction,
                draft.counterparty_iban,
                draft.remittance,
                position,
            )
        lines.append(
            StatementLine(
                line_key=key,
                booking_date=draft.booking_date,
                value_date=draft.value_date,
                amount=draft.amount,
                direction=draft.direction,
                currency=_EUR,
                counterparty_name=draft.counterparty_name,
                counterparty_iban=draft.counterparty_iban,
                remittance=draft.remittance,
                end_to_end_id=draft.end_to_end_id,
                reference=draft.reference,
                position=position,
                return_reason=draft.return_reason,
            )
        )
    return tuple(lines)


# --- CAMT.053 -----------------------------------------------------------------------------------

_CAMT_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:([a-z]{4})\.(\d{3})\.(\d{3})\.(\d{2})")
_XML_AMOUNT = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]+))?")
_DTD_MARKUP = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_BOOKED = "BOOK"
_NOT_BOOKED = frozenset({"PDNG", "INFO", "FUTR"})  # pending, informational, future: skipped
_DIRECTIONS: dict[str, Direction] = {"CRDT": "credit", "DBIT": "debit"}


class _DtdRefused(Exception):
    pass


def _refuse_dtd(*_args: object) -> None:
    raise _DtdRefused


def _refuse_dtd_markup(data: bytes) -> None:
    views = [data]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:  # UTF-16/32: scan the decoded text
        for encoding in ("utf-16", "utf-16-le", "utf-16-be", "utf-32"):
            try:
                views.append(data.decode(encoding).encode("utf-8"))
            except UnicodeDecodeError:
                continue
    for view in views:
        found = _DTD_MARKUP.search(view)
        if found:
            raise StatementError(
                f"het bestand bevat een <!{found.group(1).decode().upper()}>-declaratie; uit veiligheid "
                "worden XML-bestanden met een DTD of entiteiten geweigerd (een camt.053-afschrift heeft die "
                "nooit)"
            )


def _read_xml(data: bytes) -> tuple[ET.Element, dict[ET.Element, int]]:
    """Parse with expat into an ElementTree, remembering the line of each start tag."""
    builder = ET.TreeBuilder()
    lines: dict[ET.Element, int] = {}
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True

    def qualified(name: str) -> str:
        return "{" + name if "}" in name else name

    def start(name: str, attributes: dict[str, str]) -> None:
        element = builder.start(qualified(name), {qualified(k): v for k, v in attributes.items()})
        lines[element] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end(qualified(name))
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(bytes(data), True)
    except _DtdRefused:
        raise StatementError(
            "het bestand bevat een DTD of entiteit-declaratie; uit veiligheid worden zulke XML-bestanden "
            "geweigerd"
        ) from None
    except expat.ExpatError as error:
        raise StatementError(
            f"het bestand is geen geldig XML: {_expat_reason(error.code)} "
            f"(regel {error.lineno}, kolom {error.offset + 1})"
        ) from None
    return builder.close(), lines


_EXPAT_DUTCH = {
    "XML_ERROR_SYNTAX": "syntaxfout",
    "XML_ERROR_NO_ELEMENTS": "er staat geen element in (leeg of afgebroken bestand)",
    "XML_ERROR_INVALID_TOKEN": "ongeldig teken of ongeldige opmaak",
    "XML_ERROR_UNCLOSED_TOKEN": "een element is niet afgesloten (afgebroken bestand?)",
    "XML_ERROR_PARTIAL_CHAR": "onvolledig teken (verkeerde tekenset?)",
    "XML_ERROR_TAG_MISMATCH": "de sluit-tag past niet bij de open-tag",
    "XML_ERROR_DUPLICATE_ATTRIBUTE": "een attribuut staat er twee keer",
    "XML_ERROR_JUNK_AFTER_DOC_ELEMENT": "er staat nog tekst na het einde van het document",
    "XML_ERROR_UNDEFINED_ENTITY": "onbekende entiteit (bijv. &naam;)",
    "XML_ERROR_UNKNOWN_ENCODING": "onbekende tekenset",
    "XML_ERROR_INCORRECT_ENCODING": "de tekenset in de XML-declaratie klopt niet met het bestand",
    "XML_ERROR_UNCLOSED_CDATA_SECTION": "een CDATA-blok is niet afgesloten",
    "XML_ERROR_UNBOUND_PREFIX": "een namespace-voorvoegsel is niet gedeclareerd",
    "XML_ERROR_MISPLACED_XML_PI": "de XML-declaratie staat niet aan het begin van het bestand",
    "XML_ERROR_INVALID_ARGUMENT": "ongeldige invoer",
}


def _expat_reason(code: int) -> str:
    """The expat error in Dutch (expat's own messages are English)."""
    for name, dutch in _EXPAT_DUTCH.items():
        if getattr(expat.errors, name, None) == expat.ErrorString(code):
            return dutch
    return f"XML-fout (code {code})"


def _namespace_and_name(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _check_root(root: ET.Element) -> str:
    """The namespace of a supported camt.053 document, or a StatementError saying what was found."""
    namespace, name = _namespace_and_name(root.tag)
    supported = "camt.053.001.02 t/m camt.053.001.08"
    if not namespace:
        raise StatementError(
            f"het bestand is geen camt.053-afschrift: het root-element <{name}> heeft geen namespace "
            f"(verwacht urn:iso:std:iso:20022:tech:xsd:camt.053.001.xx, ondersteund: {supported})"
        )
    match = _CAMT_NAMESPACE.fullmatch(namespace)
    if match is None:
        raise StatementError(
            f"het bestand is geen camt.053-afschrift: onbekende namespace '{namespace}' "
            f"(ondersteund: {supported})"
        )
    message = ".".join(match.groups())
    if match.group(1, 2) != ("camt", "053"):
        raise StatementError(
            f"het bestand is een {message}-bericht, geen camt.053-afschrift (namespace '{namespace}')"
        )
    if namespace not in SUPPORTED_CAMT053_NAMESPACES:
        raise StatementError(
            f"camt.053-versie {match.group(3)}.{match.group(4)} wordt niet ondersteund "
            f"(namespace '{namespace}'; ondersteund: {supported})"
        )
    if name != "Document":
        raise StatementError(f"het root-element is <{name}>, verwacht <Document> (namespace '{namespace}')")
    return namespace


class _Camt:
    """Reads one camt.053 Stmt, collecting problems instead of stopping at the first."""

    def __init__(self, namespace: str, lines: dict[ET.Element, int]) -> None:
        self.namespace = namespace
        self.element_lines = lines
        self.problems: list[str] = []
        self.paths: dict[str, str] = {}
        self.totals_ok = True  # False once a booked amount or direction is unusable: no sum check then
        self.credits = _ZERO
        self.debits = _ZERO

    # navigation

    def path(self, path: str) -> str:
        if path not in self.paths:
            self.paths[path] = "/".join(f"{{{self.namespace}}}{part}" for part in path.split("/"))
        return self.paths[path]

    def find(self, element: ET.Element | None, path: str) -> ET.Element | None:
        return None if element is None else element.find(self.path(path))

    def findall(self, element: ET.Element | None, path: str) -> list[ET.Element]:
        return [] if element is None else element.findall(self.path(path))

    def text(self, element: ET.Element | None, path: str) -> str:
        found = self.find(element, path)
        return "" if found is None else (found.text or "").strip()

    def where(self, label: str, *elements: ET.Element | None) -> str:
        """'Ntry 3 (regel 57)', with the line of the first element given that exists."""
        for element in elements:
            if element is not None and element in self.element_lines:
                return f"{label} (regel {self.element_lines[element]})"
        return label

    def problem(self, label: str, message: str, *elements: ET.Element | None) -> None:
        self.problems.append(f"{self.where(label, *elements)}: {message}")

    # fields

    def amount(
        self, element: ET.Element | None, label: str, fallback: ET.Element | None, *, zero_ok: bool = False
    ) -> Decimal | None:
        """A validated EUR amount from an element with a Ccy attribute; None after recording a problem."""
        if element is None:
            self.problem(label, "bedrag ontbreekt", fallback)
            return None
        raw = (element.text or "").strip()
        ok = True
        try:
            value = _xml_amount(raw, zero_ok=zero_ok)
        except _Invalid as error:
            self.problem(label, str(error), element, fallback)
            value, ok = None, False
        currency_problem = _currency_problem(element.get("Ccy", "").strip().upper())
        if currency_problem:
            self.problem(label, currency_problem, element, fallback)
            ok = False
        return value if ok else None

    def direction(self, parent: ET.Element, label: str) -> Direction | None:
        indicator = self.text(parent, "CdtDbtInd")
        if not indicator:
            self.problem(label, "CdtDbtInd ontbreekt (verwacht CRDT of DBIT)", parent)
            return None
        if indicator.upper() not in _DIRECTIONS:
            self.problem(
                label,
                f"CdtDbtInd '{indicator}' is ongeldig (verwacht CRDT of DBIT)",
                self.find(parent, "CdtDbtInd"),
            )
            return None
        return _DIRECTIONS[indicator.upper()]

    def date(self, parent: ET.Element, name: str, what: str, label: str) -> date | None:
        """Date from <name><Dt> or <name><DtTm>; None when absent (no problem) or invalid (problem)."""
        holder = self.find(parent, name)
        if holder is None:
            return None
        day, moment = self.text(holder, "Dt"), self.text(holder, "DtTm")
        try:
            if day:
                return date.fromisoformat(day)
            if moment:
                return datetime.fromisoformat(moment).date()
        except ValueError:
            value_element = self.find(holder, "Dt" if day else "DtTm")
            self.problem(label, f"{what} '{day or moment}' is geen geldige datum", value_element, holder)
            return None
        self.problem(label, f"{what} ({name}) bevat geen Dt of DtTm", holder)
        return None

    def iban(self, raw: str, what: str, label: str, element: ET.Element | None) -> str:
        value = _compact_iban(raw)
        reason = _iban_problem(value) if value else None
        if reason:
            self.problem(label, f"{what} '{raw}' is ongeldig: {reason}", element)
        return value

    # statement parts

    def balances(self, stmt: ET.Element) -> tuple[Decimal | None, Decimal | None]:
        found: dict[str, Decimal | None] = {}
        for balance in self.findall(stmt, "Bal"):
            code = self.text(balance, "Tp/CdOrPrtry/Cd").upper()
            if code not in ("OPBD", "PRCD", "CLBD"):
                continue  # available, interim, forward balances play no part in the sum check
            label = f"saldo {code}"
            if code in found:
                self.problem(label, f"het afschrift bevat meer dan één saldo van type {code}", balance)
                found[code] = None
                continue
            amount = self.amount(self.find(balance, "Amt"), label, balance, zero_ok=True)
            indicator = self.text(balance, "CdtDbtInd").upper()
            if indicator not in _DIRECTIONS:
                found_text = f"'{indicator}' is ongeldig" if indicator else "ontbreekt"
                self.problem(label, f"CdtDbtInd {found_text} (verwacht CRDT of DBIT)", balance)
                amount = None
            found[code] = None if amount is None else (-amount if indicator == "DBIT" else amount)
        opening = found.get("OPBD", found.get("PRCD"))
        closing = found.get("CLBD")
        return opening, closing

    def entry(self, ntry: ET.Element, number: int, account: str) -> list[_Draft]:
        label = f"Ntry {number}"
        status_element = self.find(ntry, "Sts")
        status = ""
        if status_element is not None:
            status = (
                self.text(status_element, "Cd")
                or self.text(status_element, "Prtry")
                or (status_element.text or "").strip()
            ).upper()
        if status in _NOT_BOOKED:
            return []
        booked = status == _BOOKED
        if not booked:
            if status:
                self.problem(
                    label, f"status '{status}' is onbekend (verwacht BOOK, PDNG of INFO)", status_element
                )
            else:
                self.problem(label, "status (Sts) ontbreekt", ntry)
        problems_before = len(self.problems)

        amount = self.amount(self.find(ntry, "Amt"), label, ntry)
        direction = self.direction(ntry, label)
        booking_date = self.date(ntry, "BookgDt", "boekdatum", label)
        if booking_date is None and self.find(ntry, "BookgDt") is None:
            self.problem(label, "boekdatum (BookgDt) ontbreekt", ntry)
        value_date = self.date(ntry, "ValDt", "valutadatum", label) or booking_date
        if amount is None or direction is None or not booked:
            self.totals_ok = False
        elif direction == "credit":
            self.credits += amount
        else:
            self.debits += amount

        entry_ref = self.text(ntry, "AcctSvcrRef")
        additional_info = _squash(self.text(ntry, "AddtlNtryInf"))
        transactions = self.findall(ntry, "NtryDtls/TxDtls")
        batch = len(transactions) > 1
        parts: list[tuple[ET.Element | None, Decimal | None, str]] = []
        for index, tx in enumerate(transactions, start=1):
            tx_label = f"{label}, TxDtls {index}" if batch else label
            tx_amount_element = self.find(tx, "Amt")
            if tx_amount_element is None:
                tx_amount_element = self.find(tx, "AmtDtls/TxAmt/Amt")
            if tx_amount_element is not None:
                tx_amount = self.amount(tx_amount_element, tx_label, tx)
            elif batch:
                self.problem(tx_label, "bedrag ontbreekt (TxDtls/Amt of AmtDtls/TxAmt/Amt)", tx)
                tx_amount = None
            else:
                tx_amount = amount
            tx_indicator = self.text(tx, "CdtDbtInd").upper()
            if direction and tx_indicator and _DIRECTIONS.get(tx_indicator) != direction:
                self.problem(
                    tx_label,
                    f"CdtDbtInd {tx_indicator} wijkt af van die van de Ntry; gemengde batches worden niet "
                    "ondersteund",
                    self.find(tx, "CdtDbtInd"),
                )
            tx_ref = self.text(tx, "Refs/AcctSvcrRef")
            if batch:
                ref = (
                    tx_ref
                    if tx_ref and tx_ref != entry_ref
                    else (f"{entry_ref}/{index}" if entry_ref else "")
                )
            else:
                ref = entry_ref or tx_ref
            parts.append((tx, tx_amount, ref))
        if not transactions:
            parts.append((None, amount, entry_ref))
        tx_amounts = [tx_amount for _, tx_amount, _ in parts]
        if amount is not None and None not in tx_amounts and sum(tx_amounts, _ZERO) != amount:
            self.problem(
                label,
                f"de TxDtls-bedragen tellen op tot {_nl(sum(tx_amounts, _ZERO))}, maar het Ntry-bedrag is "
                f"{_nl(amount)}",
                self.find(ntry, "Amt"),
                ntry,
            )
        if direction is None:  # without a direction there is no telling which party is the counterparty
            return []
        drafts = []
        for index, (tx, tx_amount, ref) in enumerate(parts, start=1):
            tx_label = f"{label}, TxDtls {index}" if batch else label
            draft = self.transaction(tx, tx_label, account, direction, ref)
            if not draft.remittance and additional_info:
                draft.remittance = draft.reference = additional_info
            reason = self.text(tx, "RtrInf/Rsn/Cd") or self.text(tx, "RtrInf/Rsn/Prtry")
            if not reason and self.text(ntry, "RvslInd").lower() == "true":
                reason = "RVSL"
            draft.return_reason = reason.upper()[:10]
            if tx_amount is not None and booking_date is not None and value_date is not None:
                draft.amount, draft.booking_date, draft.value_date = tx_amount, booking_date, value_date
                drafts.append(draft)
        if len(self.problems) > problems_before or not booked or len(drafts) != len(parts):
            return []
        for draft in drafts:
            draft.preferred_key = _camt_key(account, draft)
        return drafts

    def transaction(
        self, tx: ET.Element | None, label: str, account: str, direction: Direction, ref: str
    ) -> _Draft:
        """Counterparty, remittance and references of one transaction (amount and dates follow later)."""
        party, party_account = ("Dbtr", "DbtrAcct") if direction == "credit" else ("Cdtr", "CdtrAcct")
        parties = self.find(tx, "RltdPties")
        name = _squash(self.text(parties, f"{party}/Nm") or self.text(parties, f"{party}/Pty/Nm"))
        counterparty_iban = self.iban(
            self.text(parties, f"{party_account}/Id/IBAN"),
            "tegenrekening",
            label,
            self.find(parties, f"{party_account}/Id/IBAN"),
        )
        unstructured = [_squash(el.text) for el in self.findall(tx, "RmtInf/Ustrd") if _squash(el.text)]
        structured = [
            _squash(el.text) for el in self.findall(tx, "RmtInf/Strd/CdtrRefInf/Ref") if _squash(el.text)
        ]
        remittance = " ".join(unstructured + structured)
        return _Draft(
            booking_date=date.min,
            value_date=date.min,
            amount=_ZERO,
            direction=direction,
            counterparty_name=name,
            counterparty_iban=counterparty_iban,
            remittance=remittance,
            end_to_end_id=self.text(tx, "Refs/EndToEndId"),
            reference=" ".join(structured) if structured else remittance,
            preferred_key=f"{account}:ref:{ref}" if ref else None,
        )


def _camt_key(account: str, draft: _Draft) -> str | None:
    """The bank's reference (already set) or else the EndToEndId, made specific; None: position hash."""
    if draft.preferred_key:
        return draft.preferred_key
    end_to_end_id = draft.end_to_end_id
    if not end_to_end_id or end_to_end_id.upper() == "NOTPROVIDED":
        return None
    detail = _sha256(
        draft.booking_date.isoformat(), draft.direction, f"{draft.amount:.2f}", draft.counterparty_iban
    )[:16]
    return f"{account}:e2e:{end_to_end_id}:{detail}"


def _xml_amount(raw: str, *, zero_ok: bool = False) -> Decimal:
    """An ISO 20022 amount: unsigned decimal with a point; trailing zeros beyond the cent are harmless."""
    if not raw:
        raise _Invalid("bedrag is leeg")
    match = _XML_AMOUNT.fullmatch(raw)
    if match is None:
        raise _Invalid(f"bedrag '{raw}' is geen getal")
    sign, digits, fraction = match.groups()
    value = _to_cents(digits, fraction or "", raw, exact_zeros_ok=True)
    if sign == "-" and value:
        raise _Invalid(f"bedrag '{raw}' is negatief; de richting hoort in CdtDbtInd")
    if not value and not zero_ok:
        raise _Invalid(f"bedrag '{raw}' is nul")
    return value


def parse_camt053(data: bytes) -> Statement:
    """Parse one camt.053 bank statement (001.02 to 001.08). Raises StatementError listing all problems."""
    _check_size(data)
    data = bytes(data)
    if not data.strip():
        raise StatementError("het bestand is leeg")
    _refuse_dtd_markup(data)
    start = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not start.startswith(b"<") and b"\x00" not in start[:4]:
        raise StatementError(
            "het bestand is geen XML (het begint niet met '<'); is het misschien een CSV-bestand?"
        )
    root, lines = _read_xml(data)
    namespace = _check_root(root)
    camt = _Camt(namespace, lines)

    report = camt.find(root, "BkToCstmrStmt")
    if report is None:
        raise StatementError("het bestand bevat geen BkToCstmrStmt; is het wel een camt.053-afschrift?")
    statements = camt.findall(report, "Stmt")
    if not statements:
        raise StatementError("het bestand bevat geen afschrift (Stmt)")
    if len(statements) > 1:
        raise StatementError(f"bestand bevat {len(statements)} afschriften; importeer ze één voor één")
    stmt = statements[0]

    statement_id = camt.text(stmt, "Id")
    if not statement_id:
        camt.problem("Stmt", "het afschriftnummer (Stmt/Id) ontbreekt", stmt)

    created_at = None
    created_element = camt.find(stmt, "CreDtTm")
    if created_element is None:
        created_element = camt.find(report, "GrpHdr/CreDtTm")
    created_text = "" if created_element is None else (created_element.text or "").strip()
    if created_text:
        try:
            created_at = datetime.fromisoformat(created_text)
        except ValueError:
            camt.problem("Stmt", f"aanmaakmoment (CreDtTm) '{created_text}' is ongeldig", created_element)
        else:
            if created_at.tzinfo is None:
                created_at = created_at.replace(tzinfo=_LOCAL_TZ)

    account_element = camt.find(stmt, "Acct")
    iban_element = camt.find(account_element, "Id/IBAN")
    account = camt.iban(camt.text(account_element, "Id/IBAN"), "rekening-IBAN", "Acct", iban_element)
    if not account:
        label = "Stmt" if account_element is None else "Acct"
        camt.problem(label, "de IBAN van de rekening (Acct/Id/IBAN) ontbreekt", account_element, stmt)
    currency = camt.text(account_element, "Ccy").upper()
    if currency and _currency_problem(currency):
        camt.problem("Acct", f"valuta {currency} wordt niet ondersteund (alleen EUR)", account_element)

    opening, closing = camt.balances(stmt)

    drafts: list[_Draft] = []
    for number, ntry in enumerate(camt.findall(stmt, "Ntry"), start=1):
        drafts.extend(camt.entry(ntry, number, account))

    if opening is not None and closing is not None and camt.totals_ok:
        expected = opening + camt.credits - camt.debits
        if expected != closing:
            camt.problems.append(
                f"saldocontrole: openingssaldo {_nl(opening)} + bij {_nl(camt.credits)} − af "
                f"{_nl(camt.debits)} = {_nl(expected)}, maar eindsaldo is {_nl(closing)} "
                f"(verschil {_nl(closing - expected)})"
            )
    if camt.problems:
        raise StatementError(camt.problems)
    return Statement(
        account_iban=account,
        statement_id=statement_id,
        created_at=created_at,
        opening_balance=opening,
        closing_balance=closing,
        currency=_EUR,
        lines=_finish(account, drafts),
        sha256=hashlib.sha256(data).hexdigest(),
    )


# --- CSV ----------------------------------------------------------------------------------------

_CSV_REQUIRED = ("datum", "bedrag", "tegenrekening", "naam", "omschrijving", "rekening")
_CSV_OPTIONAL = ("rentedatum", "referentie", "valuta")
_CSV_AMOUNT = re.compile(r"([+-]?)\s*(?:€\s*)?([+-]?)([0-9.,]+)")
_DUTCH_GROUPED = re.compile(r"([0-9]{1,3}(?:\.[0-9]{3})+)(?:,([0-9]+))?")
_PLAIN = re.compile(r"([0-9]+)(?:[.,]([0-9]+))?")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DUTCH_DATE = re.compile(r"([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})")


def _csv_amount(raw: str) -> tuple[Decimal, Direction]:
    """'-1.234,56' / '1234.56' / '€ 12,50' -> (positive amount, direction). Refuses what is ambiguous."""
    if not raw:
        raise _Invalid("bedrag is leeg")
    match = _CSV_AMOUNT.fullmatch(raw)
    if match is None or (match.group(1) and match.group(2)):
        raise _Invalid(f"'{raw}' is geen bedrag")
    sign = match.group(1) or match.group(2)
    number = match.group(3)
    grouped = _DUTCH_GROUPED.fullmatch(number)
    plain = _PLAIN.fullmatch(number)
    if grouped and (grouped.group(2) is not None or number.count(".") > 1):
        digits, fraction = grouped.group(1).replace(".", ""), grouped.group(2) or ""
    elif plain:
        digits, fraction = plain.group(1), plain.group(2) or ""
        if len(fraction) == 3:  # '1.250' or '1,250': a thousand and a quarter, or one and a quarter?
            raise _Invalid(f"'{raw}' is dubbelzinnig: schrijf 1.250,00 of 1250.00 (met twee decimalen)")
    else:
        raise _Invalid(f"'{raw}' is geen bedrag")
    value = _to_cents(digits, fraction, raw, exact_zeros_ok=False)
    if not value:
        raise _Invalid(f"bedrag '{raw}' is nul; een regel moet geld bij- of afschrijven")
    return value, "debit" if sign == "-" else "credit"


def _csv_date(raw: str) -> date:
    if not raw:
        raise _Invalid("is leeg (verwacht JJJJ-MM-DD of DD-MM-JJJJ)")
    iso, dutch = _ISO_DATE.fullmatch(raw), _DUTCH_DATE.fullmatch(raw)
    if iso:
        year, month, day = iso.groups()
    elif dutch:
        day, month, year = dutch.groups()
    else:
        raise _Invalid(f"'{raw}' is geen datum (verwacht JJJJ-MM-DD of DD-MM-JJJJ)")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise _Invalid(f"'{raw}' is geen geldige datum") from None


def _csv_records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(row number, cells) for every record; row 1 is the first line, as in a spreadsheet."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = []
    try:
        for number, record in enumerate(reader, start=1):
            records.append((number, record))
    except csv.Error as error:
        raise StatementError(f"regel {reader.line_num}: ongeldige CSV-opmaak ({error})") from None
    return records


def _blank(cells: list[str]) -> bool:
    """An empty row, or one of only separators (';;;' stays one cell when the file uses ',')."""
    return not "".join(cells).strip(" \t;,")


def _first_record(text: str, delimiter: str) -> list[str]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            if not _blank(record):
                return [cell.strip().lower() for cell in record]
    except csv.Error:
        return []
    return []


def _sniff_delimiter(text: str) -> str:
    """';' or ',': the one whose header row names the most known columns (ties: the most columns, ';')."""
    known = set(_CSV_REQUIRED + _CSV_OPTIONAL)

    def score(delimiter: str) -> tuple[int, int]:
        header = _first_record(text, delimiter)
        return len(known.intersection(header)), len(header)

    return max((";", ","), key=score)


def _csv_row(row: int, cell: Callable[[str], str], problems: list[str]) -> _Draft | None:
    """One data row -> a draft line; problems are appended, each naming row and column."""
    count = len(problems)

    def fail(column: str, message: str) -> None:
        problems.append(f"rij {row}, kolom {column}: {message}")

    booking_date = value_date = None
    amount: Decimal | None = None
    direction: Direction = "credit"
    try:
        booking_date = _csv_date(cell("datum"))
    except _Invalid as error:
        fail("datum", str(error))
    if cell("rentedatum"):
        try:
            value_date = _csv_date(cell("rentedatum"))
        except _Invalid as error:
            fail("rentedatum", str(error))
    try:
        amount, direction = _csv_amount(cell("bedrag"))
    except _Invalid as error:
        fail("bedrag", str(error))
    currency = cell("valuta").upper()
    if currency and currency != _EUR:
        fail("valuta", f"valuta {currency} wordt niet ondersteund (alleen EUR)")
    counterparty_iban = _compact_iban(cell("tegenrekening"))
    reason = _iban_problem(counterparty_iban) if counterparty_iban else None
    if reason:
        fail("tegenrekening", f"'{cell('tegenrekening')}' is geen geldig IBAN: {reason}")
    if len(problems) > count or booking_date is None or amount is None:
        return None
    description = _squash(cell("omschrijving"))
    reference = _squash(cell("referentie"))
    return _Draft(
        booking_date=booking_date,
        value_date=value_date or booking_date,
        amount=amount,
        direction=direction,
        counterparty_name=_squash(cell("naam")),
        counterparty_iban=counterparty_iban,
        remittance=" ".join(part for part in (description, reference) if part),
        end_to_end_id="",
        reference=reference or description,
        preferred_key=None,
    )


def parse_csv(data: bytes) -> Statement:
    """Parse the simple CSV format (header row, ';' or ','). Raises StatementError listing all problems.

    Columns (header names, any case): datum, bedrag, tegenrekening, naam, omschrijving and rekening
    (our IBAN, the same on every row) are required; rentedatum, referentie and valuta are optional and
    other columns are ignored. Rows are numbered as in a spreadsheet: the header is usually row 1.
    """
    _check_size(data)
    data = bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise StatementError(
            f"het bestand is geen UTF-8-tekst (ongeldige byte op positie {error.start + 1}); "
            "sla het op als 'CSV UTF-8'"
        ) from None
    delimiter = _sniff_delimiter(text)
    records = [(row, cells) for row, cells in _csv_records(text, delimiter) if not _blank(cells)]
    if not records:
        raise StatementError("het bestand bevat geen regels")

    header_row, header = records[0][0], [cell.strip().lower() for cell in records[0][1]]
    problems: list[str] = []
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        if name and name in columns:
            problems.append(f"rij {header_row}: kolom '{name}' staat meer dan eens in de kopregel")
        columns.setdefault(name, index)
    problems.extend(
        f"kolom '{name}' ontbreekt in de kopregel (rij {header_row})"
        for name in _CSV_REQUIRED
        if name not in columns
    )
    if problems:
        raise StatementError(problems)
    if len(records) == 1:
        raise StatementError("het bestand bevat geen regels")

    account, account_row = "", 0
    drafts: list[_Draft] = []
    for row, cells in records[1:]:
        if len(cells) < len(header) or any(cell.strip() for cell in cells[len(header) :]):
            hint = (
                " (staat er een komma in een bedrag of tekst zonder aanhalingstekens?)"
                if delimiter == ","
                else ""
            )
            problems.append(f"rij {row}: {len(cells)} kolommen, de kopregel heeft er {len(header)}{hint}")
            continue

        def cell(name: str, cells: list[str] = cells) -> str:
            return cells[columns[name]].strip() if name in columns else ""

        draft = _csv_row(row, cell, problems)
        if draft is not None:
            drafts.append(draft)
        raw_account = cell("rekening")
        row_account = _compact_iban(raw_account)
        reason = _iban_problem(row_account) if row_account else None
        if not row_account:
            problems.append(f"rij {row}, kolom rekening: is leeg (verwacht de IBAN van de fondsrekening)")
        elif reason:
            problems.append(f"rij {row}, kolom rekening: '{raw_account}' is geen geldig IBAN: {reason}")
        elif not account:
            account, account_row = row_account, row
        elif row_account != account:
            problems.append(
                f"rij {row}, kolom rekening: '{row_account}' wijkt af van '{account}' (rij {account_row}); "
                "één bestand hoort bij één rekening"
            )
    if problems:
        raise StatementError(problems)
    return Statement(
        account_iban=account,
        statement_id=f"csv-{digest[:16]}",
        created_at=None,
        opening_balance=None,
        closing_balance=None,
        currency=_EUR,
        lines=_finish(account, drafts),
        sha256=digest,
    )
