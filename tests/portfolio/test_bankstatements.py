"""Tests for portfolio.bankstatements: CAMT.053 and CSV bank statements, hand-made sample files.

Pure parsing: no database. The sample files in data/ are written by hand; their IBANs are fictional but
pass the checksum, and their balances reconcile (except camt053_unbalanced.xml and camt053_bad_amounts.xml).
"""

import dataclasses
import hashlib
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban

from portfolio.bankstatements import (
    MAX_FILE_SIZE,
    SUPPORTED_CAMT053_NAMESPACES,
    Statement,
    StatementError,
    StatementLine,
    parse_camt053,
    parse_csv,
)

DATA = Path(__file__).parent / "data"
D = Decimal
NS02 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
NS08 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
ACCOUNT = "NL20INGB0001234567"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def line_of(data: bytes, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the n-th line containing needle."""
    hits = [number for number, line in enumerate(data.decode().splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def key_hash(*parts: object) -> str:
    """The documented fallback key: sha256 over the fields, separated by the unit separator."""
    return "sha256:" + hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()


def problems_of(excinfo: pytest.ExceptionInfo[StatementError]) -> tuple[str, ...]:
    return excinfo.value.problems


# --- builders for small CAMT documents ------------------------------------------------------------


def bal(code: str, amount: str, indicator: str = "CRDT", currency: str = "EUR") -> str:
    return (
        f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="{currency}">{amount}</Amt>'
        f"<CdtDbtInd>{indicator}</CdtDbtInd><Dt><Dt>2024-03-31</Dt></Dt></Bal>\n"
    )


def ntry(
    amount: str = "100.00",
    indicator: str = "CRDT",
    *,
    status: str = "<Sts>BOOK</Sts>",
    booking: str = "<BookgDt><Dt>2024-03-11</Dt></BookgDt>",
    ref: str = "R-1",
    currency: str = "EUR",
    details: str = "",
) -> str:
    ref_element = f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else ""
    return (
        f'<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>{status}{booking}'
        f"{ref_element}{details}</Ntry>\n"
    )


def tx(
    amount: str = "",
    *,
    e2e: str = "",
    acct_ref: str = "",
    debtor: str = "",
    debtor_iban: str = "",
    ustrd: str = "",
    indicator: str = "",
) -> str:
    refs = (f"<AcctSvcrRef>{acct_ref}</AcctSvcrRef>" if acct_ref else "") + (
        f"<EndToEndId>{e2e}</EndToEndId>" if e2e else ""
    )
    parties = (f"<Dbtr><Nm>{debtor}</Nm></Dbtr>" if debtor else "") + (
        f"<DbtrAcct><Id><IBAN>{debtor_iban}</IBAN></Id></DbtrAcct>" if debtor_iban else ""
    )
    return (
        "<TxDtls>"
        + (f"<Refs>{refs}</Refs>" if refs else "")
        + (f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>' if amount else "")
        + (f"<CdtDbtInd>{indicator}</CdtDbtInd>" if indicator else "")
        + (f"<RltdPties>{parties}</RltdPties>" if parties else "")
        + (f"<RmtInf><Ustrd>{ustrd}</Ustrd></RmtInf>" if ustrd else "")
        + "</TxDtls>"
    )


def camt(
    body: str = "",
    *,
    namespace: str = NS02,
    iban: str = ACCOUNT,
    account_currency: str = "EUR",
    statements: int = 1,
) -> bytes:
    account = f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>{account_currency}</Ccy></Acct>\n" if iban else ""
    stmt = f"<Stmt>\n<Id>TEST-1</Id>\n<CreDtTm>2024-03-31T18:00:00+02:00</CreDtTm>\n{account}{body}</Stmt>\n"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="{namespace}">\n<BkToCstmrStmt>\n'
        "<GrpHdr><MsgId>TEST</MsgId><CreDtTm>2024-03-31T18:00:00</CreDtTm></GrpHdr>\n"
        f"{stmt * statements}</BkToCstmrStmt>\n</Document>\n"
    ).encode()


# Lines in a camt() document: <Stmt> on 5, <Acct> on 8, the body from 9 (one line per bal() or ntry()).
STMT_LINE, ACCT_LINE, BODY_LINE = 5, 8, 9


def camt_error(data: bytes) -> tuple[str, ...]:
    with pytest.raises(StatementError) as excinfo:
        parse_camt053(data)
    return excinfo.value.problems


# --- sample files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "NL91ABNA0417164300",
        "NL20INGB0001234567",
        "NL39RABO0300065264",
        "NL02ABNA0123456789",
        "NL69INGB0123456789",
    ],
)
def test_sample_ibans_pass_the_checksum(value):
    assert stdnum_iban.is_valid(value)


def test_ing_001_02_statement():
    data = read("camt053_001_02_ing.xml")
    statement = parse_camt053(data)
    assert isinstance(statement, Statement)
    assert statement.account_iban == "NL20INGB0001234567"
    assert statement.statement_id == "NL20INGB0001234567-2024-03"
    assert statement.created_at == datetime(2024, 4, 1, 6, 15, 22, tzinfo=timezone(timedelta(hours=2)))
    assert statement.opening_balance == D("10000.00")
    assert statement.closing_balance == D("13387.25")  # CLAV (available) is not taken for the closing balance
    assert statement.currency == "EUR"
    assert statement.sha256 == hashlib.sha256(data).hexdigest()
    assert len(statement.lines) == 5


def test_ing_001_02_every_field_of_every_line():
    lines = parse_camt053(read("camt053_001_02_ing.xml")).lines
    fields = [{k: v for k, v in dataclasses.asdict(line).items() if k != "line_key"} for line in lines]
    common = {"currency": "EUR", "return_reason": ""}  # no returned direct debits in this file
    assert fields == [
        {
            **common,
            "booking_date": date(2024, 3, 11),
            "value_date": date(2024, 3, 11),
            "amount": D("2500.00"),
            "direction": "credit",
            "counterparty_name": "Stichting Buurtkracht Zuid",  # inner whitespace collapsed
            "counterparty_iban": "NL39RABO0300065264",  # written with spaces in the file
            "remittance": "Aflossing lening L-2023-017 maart RF18539007547034",
            "end_to_end_id": "SBZ-2024-0311-01",
            "reference": "RF18539007547034",
            "position": 1,
        },
        {
            **common,
            "booking_date": date(2024, 3, 12),
            "value_date": date(2024, 3, 12),
            "amount": D("750.00"),
            "direction": "credit",
            "counterparty_name": "Coöperatie Zonnedak U.A.",
            "counterparty_iban": "NL02ABNA0123456789",
            "remittance": "Rente Q1 2024",
            "end_to_end_id": "INV-2024-0042",
            "reference": "Rente Q1 2024",
            "position": 2,
        },
        {
            **common,
            "booking_date": date(2024, 3, 12),
            "value_date": date(2024, 3, 12),
            "amount": D("500.00"),
            "direction": "credit",
            "counterparty_name": "Wijkbedrijf De Ster B.V.",
            "counterparty_iban": "NL69INGB0123456789",  # lower case in the file
            "remittance": "Aflossing contract WS-2022-003",  # two Ustrd lines joined
            "end_to_end_id": "NOTPROVIDED",
            "reference": "Aflossing contract WS-2022-003",
            "position": 3,
        },
        {
            **common,
            "booking_date": date(2024, 3, 15),
            "value_date": date(2024, 3, 14),
            "amount": D("12.50"),
            "direction": "debit",
            "counterparty_name": "",
            "counterparty_iban": "",
            "remittance": "Kosten zakelijk betalingsverkeer maart 2024",  # no TxDtls: AddtlNtryInf
            "end_to_end_id": "",
            "reference": "Kosten zakelijk betalingsverkeer maart 2024",
            "position": 4,
        },
        {
            **common,
            "booking_date": date(2024, 3, 18),  # from BookgDt/DtTm
            "value_date": date(2024, 3, 18),
            "amount": D("350.25"),
            "direction": "debit",
            "counterparty_name": "Bureau Impactmeting B.V.",  # a debit: the creditor is the counterparty
            "counterparty_iban": "NL91ABNA0417164300",
            "remittance": "Factuur 2024-113 impactmeting",
            "end_to_end_id": "FND-PAY-2024-0007",
            "reference": "Factuur 2024-113 impactmeting",
            "position": 5,
        },
    ]
    for line in lines:
        assert isinstance(line, StatementLine)
        assert isinstance(line.amount, Decimal) and line.amount.as_tuple().exponent == -2


def test_ing_pending_entry_is_skipped_and_not_validated():
    lines = parse_camt053(read("camt053_001_02_ing.xml")).lines
    assert D("999.99") not in {line.amount for line in lines}
    assert all("Nog niet geboekt" not in line.counterparty_name for line in lines)
    # The pending 999.99 is not in the sum check either: 10000 + 3750 - 362.75 = 13387.25 reconciles.


def test_ing_batch_entry_is_split_per_transaction():
    lines = parse_camt053(read("camt053_001_02_ing.xml")).lines
    batch = [line for line in lines if line.booking_date == date(2024, 3, 12)]
    assert [(line.amount, line.counterparty_name) for line in batch] == [
        (D("750.00"), "Coöperatie Zonnedak U.A."),
        (D("500.00"), "Wijkbedrijf De Ster B.V."),
    ]
    assert sum(line.amount for line in batch) == D("1250.00")  # the Ntry amount


def test_ing_line_keys():
    lines = parse_camt053(read("camt053_001_02_ing.xml")).lines
    keys = [line.line_key for line in lines]
    assert keys[0] == "NL20INGB0001234567:ref:20240311-00001"  # AcctSvcrRef
    assert keys[1] == "NL20INGB0001234567:ref:20240312-00002/1"  # batch: entry reference + index
    assert keys[2] == "NL20INGB0001234567:ref:20240312-00002/2"
    assert keys[3] == key_hash(
        ACCOUNT, "2024-03-15", "12.50", "debit", "", "Kosten zakelijk betalingsverkeer maart 2024", 4
    )
    assert keys[4].startswith("NL20INGB0001234567:e2e:FND-PAY-2024-0007:")  # no AcctSvcrRef: EndToEndId
    assert len(set(keys)) == len(keys)
    assert all(len(key) <= 100 for key in keys)  # fits the ledger's idempotency key


def test_line_keys_are_stable():
    data = read("camt053_001_02_ing.xml")
    first, second = parse_camt053(data), parse_camt053(data)
    assert [line.line_key for line in first.lines] == [line.line_key for line in second.lines]
    assert first == second


def test_reference_and_e2e_keys_survive_in_another_file():
    """The same booking in a different download (here: without the pending entry) keeps its key."""
    data = read("camt053_001_02_ing.xml")
    start = data.index(b'      <Ntry>\n        <Amt Ccy="EUR">999.99')
    end = data.index(b"</Ntry>", start) + len(b"</Ntry>\n")
    other = data[:start] + data[end:]
    assert other != data
    keys = [line.line_key for line in parse_camt053(data).lines]
    other_keys = [line.line_key for line in parse_camt053(other).lines]
    assert other_keys == keys


def test_001_08_statement_and_lines():
    data = read("camt053_001_08.xml")
    statement = parse_camt053(data)
    assert statement.account_iban == "NL91ABNA0417164300"
    assert statement.statement_id == "0417164300-20240430"
    # No UTC offset in the file: read as Dutch local time (CEST in May).
    assert statement.created_at == datetime(2024, 5, 2, 2, 30, tzinfo=UTC)
    assert statement.created_at.utcoffset() == timedelta(hours=2)
    assert statement.opening_balance == D("-500.00")  # DBIT balance is negative
    assert statement.closing_balance == D("3250.00")
    assert statement.sha256 == hashlib.sha256(data).hexdigest()
    assert {line.return_reason for line in statement.lines} == {""}  # no returned direct debits here
    assert [dataclasses.astuple(line)[:-1] for line in statement.lines] == [
        (
            "NL91ABNA0417164300:ref:ABN-TX-7731002",  # TxDtls/Refs/AcctSvcrRef (no Ntry/AcctSvcrRef)
            date(2024, 4, 30),
            date(2024, 4, 30),
            D("5000.00"),
            "credit",
            "EUR",
            "Gemeente Voorbeeldstad",  # Dbtr/Pty/Nm
            "NL39RABO0300065264",
            "1234567890123456",  # only a structured reference
            "GVS-SUB-2024-04",
            "1234567890123456",
            1,
        ),
        (
            "NL91ABNA0417164300:ref:ABN-NTRY-7731003",
            date(2024, 4, 30),
            date(2024, 5, 1),
            D("1250.00"),
            "debit",
            "EUR",
            "Stichting Buurtkracht Zuid",  # Cdtr/Pty/Nm, not the Dbtr (that is the fund itself)
            "NL39RABO0300065264",
            "Uitbetaling lening L-2024-002",
            "FND-UIT-L-2024-002",
            "Uitbetaling lening L-2024-002",
            2,
        ),
    ]  # the INFO entry of 75.00 is skipped


def test_results_are_frozen():
    statement = parse_camt053(read("camt053_001_08.xml"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        statement.account_iban = "NL02ABNA0123456789"
    with pytest.raises(dataclasses.FrozenInstanceError):
        statement.lines[0].amount = D("1.00")
    assert isinstance(statement.lines, tuple)


def test_unbalanced_file_names_the_three_figures():
    problems = camt_error(read("camt053_unbalanced.xml"))
    assert len(problems) == 1
    assert (
        "openingssaldo 1.000,00 + bij 250,00 − af 100,00 = 1.150,00, maar eindsaldo is 1.200,00"
        in problems[0]
    )


def test_bad_file_lists_every_problem_with_its_line():
    data = read("camt053_bad_amounts.xml")
    with pytest.raises(StatementError) as excinfo:
        parse_camt053(data)
    ntry_line = [number for number, line in enumerate(data.decode().splitlines(), 1) if "<Ntry>" in line]
    assert excinfo.value.problems == (
        f"Acct (regel {line_of(data, 'NL20INGB0001234568')}): rekening-IBAN 'NL20INGB0001234568' is "
        "ongeldig: het controlegetal klopt niet",
        f"saldo CLBD (regel {line_of(data, '1,234.00')}): bedrag '1,234.00' is geen getal",
        f"Ntry 1 (regel {line_of(data, '>abc<')}): bedrag 'abc' is geen getal",
        f"Ntry 2 (regel {line_of(data, '>-5.00<')}): bedrag '-5.00' is negatief; de richting hoort in "
        "CdtDbtInd",
        f"Ntry 3 (regel {line_of(data, '>10.005<')}): bedrag '10.005' heeft meer dan 2 decimalen",
        f"Ntry 4 (regel {line_of(data, 'USD')}): valuta USD wordt niet ondersteund (alleen EUR)",
        f"Ntry 5 (regel {ntry_line[4]}): boekdatum (BookgDt) ontbreekt",
        f"Ntry 6 (regel {line_of(data, 'CRED')}): CdtDbtInd 'CRED' is ongeldig (verwacht CRDT of DBIT)",
        f"Ntry 7 (regel {ntry_line[6]}): bedrag ontbreekt",
        f"Ntry 8 (regel {line_of(data, 'NL39RABO0300065265')}): tegenrekening 'NL39RABO0300065265' is "
        "ongeldig: het controlegetal klopt niet",
        f"Ntry 9 (regel {line_of(data, '2024-06-31')}): boekdatum '2024-06-31' is geen geldige datum",
        f"Ntry 9 (regel {line_of(data, '>500.00<')}): de TxDtls-bedragen tellen op tot 450,00, maar het "
        "Ntry-bedrag is 500,00",
    )
    message = str(excinfo.value)
    assert message.startswith("het bestand kan niet worden ingelezen (12 problemen):")
    assert all(problem in message for problem in excinfo.value.problems)
    assert "xyz" not in message  # the pending entry is skipped, its amount not checked
    assert "saldocontrole" not in message  # no sum check on top of unusable amounts


def test_statement_error_is_a_value_error_with_one_plain_message():
    error = StatementError("het bestand is leeg")
    assert isinstance(error, ValueError)
    assert str(error) == "het bestand is leeg"
    assert error.problems == ("het bestand is leeg",)


# --- CAMT: structure and namespaces ---------------------------------------------------------------


@pytest.mark.parametrize("namespace", SUPPORTED_CAMT053_NAMESPACES)
def test_every_supported_version_parses(namespace):
    body = bal("OPBD", "0.00") + ntry("100.00", ref="R-1") + bal("CLBD", "100.00")
    statement = parse_camt053(camt(body, namespace=namespace))
    assert [line.amount for line in statement.lines] == [D("100.00")]
    assert statement.created_at == datetime(2024, 3, 31, 16, 0, tzinfo=UTC)


def test_supported_versions_are_001_02_to_001_08():
    assert SUPPORTED_CAMT053_NAMESPACES[0] == NS02
    assert SUPPORTED_CAMT053_NAMESPACES[-1] == NS08
    assert len(SUPPORTED_CAMT053_NAMESPACES) == 7


@pytest.mark.parametrize(
    ("namespace", "expected"),
    [
        (
            "urn:iso:std:iso:20022:tech:xsd:camt.053.001.09",
            "camt.053-versie 001.09 wordt niet ondersteund",
        ),
        (
            "urn:iso:std:iso:20022:tech:xsd:camt.053.001.01",
            "camt.053-versie 001.01 wordt niet ondersteund",
        ),
        (
            "urn:iso:std:iso:20022:tech:xsd:camt.052.001.02",
            "het bestand is een camt.052.001.02-bericht, geen camt.053-afschrift",
        ),
        ("urn:example:bank:statement", "onbekende namespace 'urn:example:bank:statement'"),
    ],
)
def test_unsupported_namespaces_are_named(namespace, expected):
    (problem,) = camt_error(camt(ntry(), namespace=namespace))
    assert expected in problem
    assert namespace in problem


def test_document_without_namespace():
    (problem,) = camt_error(b"<Document><BkToCstmrStmt/></Document>")
    assert "geen camt.053-afschrift" in problem
    assert "<Document> heeft geen namespace" in problem


def test_wrong_root_element():
    (problem,) = camt_error(f'<Foo xmlns="{NS02}"/>'.encode())
    assert problem == f"het root-element is <Foo>, verwacht <Document> (namespace '{NS02}')"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "het bestand is leeg"),
        (b"  \n", "het bestand is leeg"),
        (
            b"datum;bedrag\n2024-01-01;12,50\n",
            "het bestand is geen XML (het begint niet met '<'); is het misschien een CSV-bestand?",
        ),
        (
            b"<Document><Stmt></Document>",
            "het bestand is geen geldig XML: de sluit-tag past niet bij de open-tag (regel 1, kolom 19)",
        ),
    ],
)
def test_not_xml(data, expected):
    assert camt_error(data) == (expected,)


def test_more_than_one_statement_is_refused():
    assert camt_error(camt(ntry(), statements=2)) == (
        "bestand bevat 2 afschriften; importeer ze één voor één",
    )


def test_no_statement():
    data = f'<Document xmlns="{NS02}"><BkToCstmrStmt><GrpHdr/></BkToCstmrStmt></Document>'.encode()
    assert camt_error(data) == ("het bestand bevat geen afschrift (Stmt)",)
    data = f'<Document xmlns="{NS02}"><BkToCstmrDbtCdtNtfctn/></Document>'.encode()
    assert "geen BkToCstmrStmt" in camt_error(data)[0]


def test_missing_account_iban():
    problems = camt_error(camt(ntry(), iban=""))
    assert problems == (f"Stmt (regel {STMT_LINE}): de IBAN van de rekening (Acct/Id/IBAN) ontbreekt",)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("NL20INGB0001234568", "het controlegetal klopt niet"),
        ("NL20INGB000123456", "heeft 17 tekens, een IBAN uit NL heeft er 18"),
        ("XX20INGB0001234567", "landcode XX is onbekend"),
        ("20INGB0001234567", "heeft niet de vorm van een IBAN"),
    ],
)
def test_invalid_account_iban(value, reason):
    (problem,) = camt_error(camt(ntry(), iban=value))
    assert problem.startswith(f"Acct (regel {ACCT_LINE}): rekening-IBAN '{value}' is ongeldig: ")
    assert reason in problem


def test_account_iban_is_compacted():
    statement = parse_camt053(camt(ntry(), iban="nl20 ingb 0001 2345 67"))
    assert statement.account_iban == ACCOUNT


def test_statement_without_balances_has_no_sum_check():
    statement = parse_camt053(camt(ntry("100.00")))
    assert statement.opening_balance is None and statement.closing_balance is None
    assert statement.lines[0].line_key == f"{ACCOUNT}:ref:R-1"


def test_statement_without_entries():
    statement = parse_camt053(camt(bal("OPBD", "50.00") + bal("CLBD", "50.00")))
    assert statement.lines == ()
    assert statement.opening_balance == statement.closing_balance == D("50.00")


def test_previously_closed_balance_serves_as_opening():
    statement = parse_camt053(camt(bal("PRCD", "200.00", "DBIT") + ntry("300.00") + bal("CLBD", "100.00")))
    assert statement.opening_balance == D("-200.00")


def test_sum_check_with_negative_balances():
    body = bal("OPBD", "200.00", "DBIT") + ntry("50.00", "DBIT") + bal("CLBD", "200.00", "DBIT")
    (problem,) = camt_error(camt(body))
    assert problem == (
        "saldocontrole: openingssaldo -200,00 + bij 0,00 − af 50,00 = -250,00, maar eindsaldo is -200,00 "
        "(verschil 50,00)"
    )


def test_duplicate_balance_type():
    problems = camt_error(camt(bal("OPBD", "1.00") + bal("OPBD", "2.00") + bal("CLBD", "1.00")))
    assert problems == (
        f"saldo OPBD (regel {BODY_LINE + 1}): het afschrift bevat meer dan één saldo van type OPBD",
    )


def test_balance_indicator_missing():
    body = bal("OPBD", "1.00").replace("<CdtDbtInd>CRDT</CdtDbtInd>", "")
    assert camt_error(camt(body)) == (
        f"saldo OPBD (regel {BODY_LINE}): CdtDbtInd ontbreekt (verwacht CRDT of DBIT)",
    )


# --- CAMT: entries ----------------------------------------------------------------------------------


def test_status_in_both_shapes():
    body = ntry("1.00", ref="A") + ntry("2.00", status="<Sts><Cd>BOOK</Cd></Sts>", ref="B")
    body += ntry("4.00", status="<Sts><Cd>PDNG</Cd></Sts>") + ntry("8.00", status="<Sts>INFO</Sts>")
    assert [line.amount for line in parse_camt053(camt(body)).lines] == [D("1.00"), D("2.00")]


def test_missing_or_unknown_status_is_an_error():
    problems = camt_error(camt(ntry(status="") + ntry(status="<Sts>XXXX</Sts>", ref="R-2")))
    assert problems == (
        f"Ntry 1 (regel {BODY_LINE}): status (Sts) ontbreekt",
        f"Ntry 2 (regel {BODY_LINE + 1}): status 'XXXX' is onbekend (verwacht BOOK, PDNG of INFO)",
    )


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("250", D("250.00")), ("250.5", D("250.50")), ("250.000", D("250.00")), ("+0.01", D("0.01"))],
)
def test_xml_amounts(amount, expected):
    (line,) = parse_camt053(camt(ntry(amount))).lines
    assert line.amount == expected
    assert line.amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "bedrag 'abc' is geen getal"),
        ("12,50", "bedrag '12,50' is geen getal"),
        ("1e3", "bedrag '1e3' is geen getal"),
        ("NaN", "bedrag 'NaN' is geen getal"),
        ("", "bedrag is leeg"),
        ("-5.00", "bedrag '-5.00' is negatief; de richting hoort in CdtDbtInd"),
        ("10.005", "bedrag '10.005' heeft meer dan 2 decimalen"),
        ("0.00", "bedrag '0.00' is nul"),
        ("12345678901234.00", "bedrag '12345678901234.00' is te groot"),
    ],
)
def test_invalid_xml_amounts(amount, message):
    assert camt_error(camt(ntry(amount))) == (f"Ntry 1 (regel {BODY_LINE}): {message}",)


def test_non_euro_is_refused_everywhere():
    problems = camt_error(
        camt(bal("OPBD", "1.00", currency="GBP") + ntry(currency="USD"), account_currency="CHF")
    )
    assert problems == (
        f"Acct (regel {ACCT_LINE}): valuta CHF wordt niet ondersteund (alleen EUR)",
        f"saldo OPBD (regel {BODY_LINE}): valuta GBP wordt niet ondersteund (alleen EUR)",
        f"Ntry 1 (regel {BODY_LINE + 1}): valuta USD wordt niet ondersteund (alleen EUR)",
    )


def test_missing_currency_attribute():
    data = camt(ntry()).replace(b'<Amt Ccy="EUR">', b"<Amt>")
    assert camt_error(data) == (f"Ntry 1 (regel {BODY_LINE}): valuta ontbreekt",)


@pytest.mark.parametrize(
    ("booking", "message"),
    [
        ("", "boekdatum (BookgDt) ontbreekt"),
        ("<BookgDt><Dt>11-03-2024</Dt></BookgDt>", "boekdatum '11-03-2024' is geen geldige datum"),
        ("<BookgDt><DtTm>gisteren</DtTm></BookgDt>", "boekdatum 'gisteren' is geen geldige datum"),
        ("<BookgDt></BookgDt>", "boekdatum (BookgDt) bevat geen Dt of DtTm"),
    ],
)
def test_booking_date_problems(booking, message):
    assert camt_error(camt(ntry(booking=booking))) == (f"Ntry 1 (regel {BODY_LINE}): {message}",)


def test_value_date_defaults_to_booking_date():
    (line,) = parse_camt053(camt(ntry())).lines
    assert line.booking_date == line.value_date == date(2024, 3, 11)


@pytest.mark.parametrize("indicator", ["", "CRED", "debit"])
def test_bad_credit_debit_indicator(indicator):
    (problem,) = camt_error(camt(ntry(indicator=indicator)))
    assert "CdtDbtInd" in problem and "verwacht CRDT of DBIT" in problem


def test_batch_amounts_must_add_up_and_be_present():
    details = f"<NtryDtls>{tx('60.00')}{tx()}</NtryDtls>"
    assert camt_error(camt(ntry("100.00", details=details))) == (
        f"Ntry 1, TxDtls 2 (regel {BODY_LINE}): bedrag ontbreekt (TxDtls/Amt of AmtDtls/TxAmt/Amt)",
    )
    details = f"<NtryDtls>{tx('60.00')}{tx('30.00')}</NtryDtls>"
    assert camt_error(camt(ntry("100.00", details=details))) == (
        f"Ntry 1 (regel {BODY_LINE}): de TxDtls-bedragen tellen op tot 90,00, maar het Ntry-bedrag is 100,00",
    )


def test_single_transaction_amount_must_match_the_entry():
    details = f"<NtryDtls>{tx('99.00')}</NtryDtls>"
    (problem,) = camt_error(camt(ntry("100.00", details=details)))
    assert "tellen op tot 99,00, maar het Ntry-bedrag is 100,00" in problem


def test_mixed_direction_batch_is_refused():
    details = f"<NtryDtls>{tx('60.00', indicator='CRDT')}{tx('40.00', indicator='DBIT')}</NtryDtls>"
    (problem,) = camt_error(camt(ntry("100.00", details=details)))
    assert problem.startswith("Ntry 1, TxDtls 2")
    assert "gemengde batches worden niet ondersteund" in problem


def test_batch_transactions_with_their_own_references():
    transactions = tx("60.00", acct_ref="TX-A", e2e="E-A") + tx("40.00", acct_ref="R-1", e2e="E-B")
    details = f"<NtryDtls>{transactions}</NtryDtls>"
    keys = [line.line_key for line in parse_camt053(camt(ntry("100.00", ref="R-1", details=details))).lines]
    # own reference first; a TxDtls repeating the entry's reference gets the entry reference plus index
    assert keys == [f"{ACCOUNT}:ref:TX-A", f"{ACCOUNT}:ref:R-1/2"]


def test_end_to_end_key_depends_on_the_payment_not_only_on_the_id():
    """Two payers may both use EndToEndId '1'; those are different payments with different keys."""
    body = ntry(
        "10.00", ref="", details=f"<NtryDtls>{tx(e2e='1', debtor_iban='NL39RABO0300065264')}</NtryDtls>"
    )
    body += ntry(
        "20.00", ref="", details=f"<NtryDtls>{tx(e2e='1', debtor_iban='NL02ABNA0123456789')}</NtryDtls>"
    )
    keys = [line.line_key for line in parse_camt053(camt(body)).lines]
    assert all(key.startswith(f"{ACCOUNT}:e2e:1:") for key in keys)
    assert keys[0] != keys[1]


def test_notprovided_end_to_end_id_falls_back_to_the_hash():
    details = f"<NtryDtls>{tx(e2e='NOTPROVIDED', debtor_iban='NL39RABO0300065264', ustrd='Gift')}</NtryDtls>"
    (line,) = parse_camt053(camt(ntry("10.00", ref="", details=details))).lines
    assert line.line_key == key_hash(
        ACCOUNT, "2024-03-11", "10.00", "credit", "NL39RABO0300065264", "Gift", 1
    )


def test_duplicate_references_in_one_file_fall_back_to_unique_hashes():
    """Identical keys would make the ledger skip the second line as 'already booked'."""
    data = camt(ntry("10.00", ref="SAME") + ntry("10.00", ref="SAME") + ntry("5.00", ref="OTHER"))
    lines = parse_camt053(data).lines
    assert lines[0].line_key == key_hash(ACCOUNT, "2024-03-11", "10.00", "credit", "", "", 1)
    assert lines[1].line_key == key_hash(ACCOUNT, "2024-03-11", "10.00", "credit", "", "", 2)
    assert lines[2].line_key == f"{ACCOUNT}:ref:OTHER"


def test_overlong_reference_is_hashed_to_fit():
    (line,) = parse_camt053(camt(ntry(ref="X" * 120))).lines
    assert line.line_key.startswith("sha256:") and len(line.line_key) <= 100


def test_counterparty_iban_is_validated():
    details = f"<NtryDtls>{tx(debtor='Iemand', debtor_iban='NL39RABO0300065265')}</NtryDtls>"
    (problem,) = camt_error(camt(ntry(details=details)))
    assert problem == (
        f"Ntry 1 (regel {BODY_LINE}): tegenrekening 'NL39RABO0300065265' is ongeldig: het controlegetal "
        "klopt niet"
    )


def test_structured_reference_only_is_the_reference():
    details = (
        "<NtryDtls><TxDtls><RmtInf><Ustrd>Termijn 3</Ustrd><Strd><CdtrRefInf><Ref>5000 0000 1234 5678</Ref>"
        "</CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls>"
    )
    (line,) = parse_camt053(camt(ntry(details=details))).lines
    assert line.remittance == "Termijn 3 5000 0000 1234 5678"
    assert line.reference == "5000 0000 1234 5678"


# --- CAMT: hostile input --------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
<BkToCstmrStmt>&lol3;</BkToCstmrStmt></Document>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
<BkToCstmrStmt>&xxe;</BkToCstmrStmt></Document>
"""


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        BILLION_LAUGHS.replace(b"DOCTYPE", b"doctype"),
        camt(ntry()).replace(
            b"<Document", b'<!DOCTYPE Document SYSTEM "http://example.invalid/x.dtd">\n<Document'
        ),
        BILLION_LAUGHS.decode().encode("utf-16"),
    ],
    ids=["billion-laughs", "external-entity", "lower-case", "external-dtd", "utf-16"],
)
def test_dtd_is_refused_before_parsing(data):
    (problem,) = camt_error(data)
    assert "<!DOCTYPE>-declaratie" in problem
    assert "geweigerd" in problem


def test_entity_declaration_without_doctype_is_refused():
    (problem,) = camt_error(b'<!ENTITY x "y"><Document/>')
    assert "<!ENTITY>-declaratie" in problem


def test_expat_refuses_a_dtd_by_itself():
    """Second line of defence, in case the byte scan is ever bypassed."""
    from portfolio.bankstatements import _read_xml

    with pytest.raises(StatementError, match="DTD of entiteit-declaratie"):
        _read_xml(BILLION_LAUGHS)


def test_file_over_the_size_limit_is_refused():
    data = camt(ntry())
    data += b" " * (MAX_FILE_SIZE + 1 - len(data))
    assert camt_error(data) == ("het bestand is te groot (20,0 MB); de grens is 20,0 MB",)
    with pytest.raises(StatementError, match="te groot"):
        parse_csv(data)


def test_file_at_the_size_limit_is_accepted():
    data = camt(ntry())
    data += b" " * (MAX_FILE_SIZE - len(data))
    assert len(parse_camt053(data).lines) == 1


# --- CSV ------------------------------------------------------------------------------------------

CSV_ACCOUNT = "NL02ABNA0123456789"
CSV_HEADER = "datum;bedrag;tegenrekening;naam;omschrijving;rekening"


def csv_data(*rows: str, header: str = CSV_HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def csv_error(data: bytes) -> tuple[str, ...]:
    with pytest.raises(StatementError) as excinfo:
        parse_csv(data)
    return excinfo.value.problems


def test_semicolon_csv_every_field():
    data = read("statement.csv")
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data  # as Excel writes 'CSV UTF-8'
    statement = parse_csv(data)
    digest = hashlib.sha256(data).hexdigest()
    assert statement.account_iban == CSV_ACCOUNT
    assert statement.sha256 == digest
    assert statement.statement_id == f"csv-{digest[:16]}"
    assert statement.created_at is None
    assert statement.opening_balance is None and statement.closing_balance is None
    assert statement.currency == "EUR"
    assert {line.return_reason for line in statement.lines} == {""}  # no returned direct debits here
    assert [dataclasses.astuple(line)[:-1] for line in statement.lines] == [
        (
            key_hash(
                CSV_ACCOUNT,
                "2024-04-02",
                "1250.00",
                "credit",
                "NL39RABO0300065264",
                "Aflossing lening L-2023-017 april RF18539007547034",
                1,
            ),
            date(2024, 4, 2),
            date(2024, 4, 2),
            D("1250.00"),
            "credit",
            "EUR",
            "Stichting Buurtkracht Zuid",
            "NL39RABO0300065264",
            "Aflossing lening L-2023-017 april RF18539007547034",
            "",
            "RF18539007547034",
            1,
        ),
        (
            key_hash(CSV_ACCOUNT, "2024-04-03", "87.45", "debit", "", "Kosten; rente en provisie Q1", 2),
            date(2024, 4, 3),
            date(2024, 4, 3),  # empty rentedatum: the booking date
            D("87.45"),
            "debit",
            "EUR",
            "ABN AMRO Bank N.V.",
            "",
            "Kosten; rente en provisie Q1",  # quoted field with the delimiter in it
            "",
            "Kosten; rente en provisie Q1",
            2,
        ),
        (
            key_hash(
                CSV_ACCOUNT,
                "2024-04-05",
                "15000.00",
                "credit",
                "NL91ABNA0417164300",
                "Subsidie resultaatfinanciering 2024",
                3,
            ),
            date(2024, 4, 5),
            date(2024, 4, 4),
            D("15000.00"),
            "credit",
            "EUR",
            "Gemeente Voorbeeldstad",
            "NL91ABNA0417164300",  # written with spaces
            "Subsidie resultaatfinanciering 2024",
            "",
            "Subsidie resultaatfinanciering 2024",
            3,
        ),
        (
            key_hash(
                CSV_ACCOUNT,
                "2024-04-08",
                "2500.50",
                "debit",
                "NL20INGB0001234567",
                "Uitbetaling lening L-2024-003",
                4,
            ),
            date(2024, 4, 8),  # '8-4-2024'
            date(2024, 4, 8),
            D("2500.50"),
            "debit",
            "EUR",
            "Coöperatie Zonnedak U.A.",
            "NL20INGB0001234567",
            "Uitbetaling lening L-2024-003",
            "",
            "Uitbetaling lening L-2024-003",
            4,
        ),
    ]


def test_comma_csv_matches_the_semicolon_one():
    semicolon = parse_csv(read("statement.csv"))
    comma = parse_csv(read("statement_comma.csv"))
    assert comma.account_iban == semicolon.account_iban
    assert comma.statement_id != semicolon.statement_id
    summary = [
        (ln.booking_date, ln.amount, ln.direction, ln.counterparty_name, ln.counterparty_iban)
        for ln in comma.lines
    ]
    assert summary == [
        (ln.booking_date, ln.amount, ln.direction, ln.counterparty_name, ln.counterparty_iban)
        for ln in semicolon.lines
    ]
    assert comma.lines[1].remittance == "Kosten, rente en provisie Q1"
    assert comma.lines[2].value_date == date(2024, 4, 5)  # no rentedatum column
    assert comma.lines[0].reference == "Aflossing lening L-2023-017 april"  # no referentie column


def test_csv_with_and_without_bom_and_crlf_give_the_same_lines():
    data = read("statement.csv")
    plain = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    assert parse_csv(plain).lines == parse_csv(data).lines


def test_csv_line_keys_are_stable_and_unique():
    data = csv_data(
        f"2024-04-02;10,00;;Contant;Storting;{CSV_ACCOUNT}",
        f"2024-04-02;10,00;;Contant;Storting;{CSV_ACCOUNT}",  # a true duplicate payment: still its own key
    )
    keys = [line.line_key for line in parse_csv(data).lines]
    assert keys == [line.line_key for line in parse_csv(data).lines]
    assert len(set(keys)) == 2


@pytest.mark.parametrize(
    ("written", "expected"),
    [("2024-04-02", date(2024, 4, 2)), ("02-04-2024", date(2024, 4, 2)), ("2-4-2024", date(2024, 4, 2))],
)
def test_csv_date_formats(written, expected):
    (line,) = parse_csv(csv_data(f"{written};1,00;;;;{CSV_ACCOUNT}")).lines
    assert line.booking_date == line.value_date == expected


@pytest.mark.parametrize(
    ("written", "amount", "direction"),
    [
        ("1.234,56", D("1234.56"), "credit"),
        ("-1.234,56", D("1234.56"), "debit"),
        ("1234,56", D("1234.56"), "credit"),
        ("1234.56", D("1234.56"), "credit"),
        ("-1234.5", D("1234.50"), "debit"),
        ("+12", D("12.00"), "credit"),
        ("1.234.567", D("1234567.00"), "credit"),
        ("1.234.567,89", D("1234567.89"), "credit"),
        ("0,01", D("0.01"), "credit"),
        ("€ 12,50", D("12.50"), "credit"),
        ("-€ 12,50", D("12.50"), "debit"),
        (" 7,5 ", D("7.50"), "credit"),
    ],
)
def test_csv_amount_notations(written, amount, direction):
    (line,) = parse_csv(csv_data(f"2024-04-02;{written};;;;{CSV_ACCOUNT}")).lines
    assert (line.amount, line.direction) == (amount, direction)
    assert line.amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("twaalf", "'twaalf' is geen bedrag"),
        ("", "bedrag is leeg"),
        ("1.250", "'1.250' is dubbelzinnig: schrijf 1.250,00 of 1250.00 (met twee decimalen)"),
        ("12,345", "'12,345' is dubbelzinnig: schrijf 1.250,00 of 1250.00 (met twee decimalen)"),
        ("1,2345", "bedrag '1,2345' heeft meer dan 2 decimalen"),
        ("1.234,567", "bedrag '1.234,567' heeft meer dan 2 decimalen"),
        ("0,00", "bedrag '0,00' is nul; een regel moet geld bij- of afschrijven"),
        ("--5", "'--5' is geen bedrag"),
        ("1.23,45", "'1.23,45' is geen bedrag"),
        ("1,234.56", "'1,234.56' is geen bedrag"),
        ("1e5", "'1e5' is geen bedrag"),
        ("NaN", "'NaN' is geen bedrag"),
    ],
)
def test_csv_bad_amounts(written, message):
    assert csv_error(csv_data(f"2024-04-02;{written};;;;{CSV_ACCOUNT}")) == (
        f"rij 2, kolom bedrag: {message}",
    )


def test_csv_bad_rows_are_all_listed():
    data = csv_data(
        f"2024-04-02;12,50;NL39RABO0300065264;Goed;In orde;{CSV_ACCOUNT}",
        f"2024-04-03;twaalf;;Fout bedrag;;{CSV_ACCOUNT}",
        f"31-02-2024;1,00;;Fout datum;;{CSV_ACCOUNT}",
        f"2024-04-05;1,00;NL39RABO0300065265;Fout tegenrekening;;{CSV_ACCOUNT}",
        "2024-04-06;1,00;;Andere rekening;;NL91ABNA0417164300",
        "2024-04-07;1,00;;Te weinig kolommen",
        "",
        f";-3,00;;Geen datum;;{CSV_ACCOUNT}",
        "2024-04-09;1,00;;Geen rekening;;",
        f"2024/04/10;1.250;NL39 RABO 0300 0652;Drie fouten;;{CSV_ACCOUNT}",
    )
    assert csv_error(data) == (
        "rij 3, kolom bedrag: 'twaalf' is geen bedrag",
        "rij 4, kolom datum: '31-02-2024' is geen geldige datum",
        "rij 5, kolom tegenrekening: 'NL39RABO0300065265' is geen geldig IBAN: het controlegetal klopt niet",
        f"rij 6, kolom rekening: 'NL91ABNA0417164300' wijkt af van '{CSV_ACCOUNT}' (rij 2); één bestand "
        "hoort bij één rekening",
        "rij 7: 4 kolommen, de kopregel heeft er 6",
        "rij 9, kolom datum: is leeg (verwacht JJJJ-MM-DD of DD-MM-JJJJ)",
        "rij 10, kolom rekening: is leeg (verwacht de IBAN van de fondsrekening)",
        "rij 11, kolom datum: '2024/04/10' is geen datum (verwacht JJJJ-MM-DD of DD-MM-JJJJ)",
        "rij 11, kolom bedrag: '1.250' is dubbelzinnig: schrijf 1.250,00 of 1250.00 (met twee decimalen)",
        "rij 11, kolom tegenrekening: 'NL39 RABO 0300 0652' is geen geldig IBAN: heeft 16 tekens, een IBAN "
        "uit NL heeft er 18",
    )


def test_csv_invalid_account_iban():
    problems = csv_error(csv_data("2024-04-02;1,00;;;;NL02ABNA0123456780"))
    assert problems == (
        "rij 2, kolom rekening: 'NL02ABNA0123456780' is geen geldig IBAN: het controlegetal klopt niet",
    )


def test_csv_missing_columns_are_all_named():
    problems = csv_error(csv_data("2024-04-02;1,00;;", header="Datum;Naam;Omschrijving;Bedrag"))
    assert problems == (
        "kolom 'tegenrekening' ontbreekt in de kopregel (rij 1)",
        "kolom 'rekening' ontbreekt in de kopregel (rij 1)",
    )


def test_csv_duplicate_column():
    problems = csv_error(csv_data(header=CSV_HEADER + ";Bedrag"))
    assert problems == ("rij 1: kolom 'bedrag' staat meer dan eens in de kopregel",)


def test_csv_extra_columns_are_ignored_and_trailing_empty_cells_allowed():
    data = csv_data(f"2024-04-02;1,00;;;;{CSV_ACCOUNT};999;;", header=CSV_HEADER + ";Saldo")
    assert parse_csv(data).lines[0].amount == D("1.00")


def test_csv_currency_column_must_be_euro():
    header = CSV_HEADER + ";valuta"
    assert parse_csv(csv_data(f"2024-04-02;1,00;;;;{CSV_ACCOUNT};eur", header=header)).currency == "EUR"
    problems = csv_error(csv_data(f"2024-04-02;1,00;;;;{CSV_ACCOUNT};USD", header=header))
    assert problems == ("rij 2, kolom valuta: valuta USD wordt niet ondersteund (alleen EUR)",)


@pytest.mark.parametrize(
    "data", [b"", b"\xef\xbb\xbf", b"\n\n", b";;;\n", CSV_HEADER.encode(), csv_data("", ";;;;;", "")]
)
def test_csv_without_lines(data):
    assert csv_error(data) == ("het bestand bevat geen regels",)


def test_csv_must_be_utf8():
    data = csv_data(f"2024-04-02;1,00;;Coöperatie;;{CSV_ACCOUNT}").decode().encode("latin-1")
    (problem,) = csv_error(data)
    assert problem.startswith("het bestand is geen UTF-8-tekst (ongeldige byte op positie ")


def test_csv_comma_file_with_unquoted_dutch_amount_gets_a_hint():
    header = CSV_HEADER.replace(";", ",")
    (problem,) = csv_error(csv_data(f"2024-04-02,1.234,56,,,,{CSV_ACCOUNT}", header=header))
    assert problem == (
        "rij 2: 7 kolommen, de kopregel heeft er 6 (staat er een komma in een bedrag of tekst zonder "
        "aanhalingstekens?)"
    )


def test_csv_too_large_amount():
    (problem,) = csv_error(csv_data(f"2024-04-02;12345678901234,00;;;;{CSV_ACCOUNT}"))
    assert problem == "rij 2, kolom bedrag: bedrag '12345678901234,00' is te groot"


def test_csv_broken_quoting():
    data = csv_data(f'2024-04-02;1,00;;"Open aanhalingsteken;;{CSV_ACCOUNT}')
    (problem,) = csv_error(data)
    assert "ongeldige CSV-opmaak" in problem


def test_csv_is_not_a_camt_file_and_vice_versa():
    assert "is het misschien een CSV-bestand?" in camt_error(read("statement.csv"))[0]
    assert "ontbreekt in de kopregel" in csv_error(read("camt053_001_08.xml"))[0]


def dutch(cents: int, *, grouped: bool) -> str:
    """Write cents as Dutch money ('-1.234,56'), independently of the parser."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    whole = str(euros)
    if grouped:
        groups = []
        while len(whole) > 3:
            whole, tail = whole[:-3], whole[-3:]
            groups.insert(0, tail)
        whole = ".".join([whole, *groups])
    return f"{sign}{whole},{rest:02d}"


amounts_in_cents = st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1).filter(bool)  # 13 digits


@settings(max_examples=300, deadline=None)
@given(cents=amounts_in_cents, grouped=st.booleans(), delimiter=st.sampled_from([";", ","]))
def test_csv_amounts_round_trip(cents, grouped, delimiter):
    written = dutch(cents, grouped=grouped)
    cell = f'"{written}"' if delimiter == "," else written
    header = CSV_HEADER.replace(";", delimiter)
    row = delimiter.join(["2024-04-02", cell, "", "", "", CSV_ACCOUNT])
    (line,) = parse_csv(csv_data(row, header=header)).lines
    assert line.amount == Decimal(abs(cents)) / 100
    assert line.amount.as_tuple().exponent == -2
    assert line.direction == ("debit" if cents < 0 else "credit")


@settings(max_examples=200, deadline=None)
@given(cents=amounts_in_cents)
def test_csv_point_decimal_amounts_round_trip(cents):
    written = f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"
    (line,) = parse_csv(csv_data(f"2024-04-02;{written};;;;{CSV_ACCOUNT}")).lines
    assert (line.amount, line.direction) == (Decimal(abs(cents)) / 100, "debit" if cents < 0 else "credit")
