"""Small CAMT.053 statements of the paying municipality's account, for the bank reconciliation tests and the
browser journey: ``statement_for_sepa`` books exactly what a stored SEPA pain.001 file ordered."""

from __future__ import annotations

import datetime
import re

from stdnum import iban as stdnum_iban


def iban_is_valid(value: str) -> bool:
    return stdnum_iban.is_valid(value)


NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def debit(
    amount: str,
    *,
    e2e: str,
    creditor: str = "Ontvanger",
    creditor_iban: str = "NL91ABNA0417164300",
    booked: datetime.date = datetime.date(2026, 11, 20),
    ref: str = "",
) -> str:
    """One outgoing (DBIT) entry with one transaction carrying the end-to-end id (the creditor's account
    is left out when its IBAN fails the checksum, as some test organisations' do)."""
    account = (
        f"<CdtrAcct><Id><IBAN>{creditor_iban}</IBAN></Id></CdtrAcct>" if iban_is_valid(creditor_iban) else ""
    )
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>'
        f"<BookgDt><Dt>{booked:%Y-%m-%d}</Dt></BookgDt><ValDt><Dt>{booked:%Y-%m-%d}</Dt></ValDt>"
        f"<AcctSvcrRef>{ref or 'BANK-' + e2e}</AcctSvcrRef>"
        f"<NtryDtls><TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>"
        f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>'
        f"<RltdPties><Cdtr><Nm>{creditor}</Nm></Cdtr>{account}</RltdPties>"
        f"<RmtInf><Ustrd>Resultaatbetaling {e2e}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n"
    )


def statement(entries: list[str], *, iban: str, statement_id: str = "AFSCHRIFT-2026-11") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="{NS}">\n<BkToCstmrStmt>\n'
        "<GrpHdr><MsgId>STMT</MsgId><CreDtTm>2026-11-21T08:00:00+01:00</CreDtTm></GrpHdr>\n"
        f"<Stmt>\n<Id>{statement_id}</Id>\n<CreDtTm>2026-11-21T08:00:00+01:00</CreDtTm>\n"
        f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>\n"
        + "".join(entries)
        + "</Stmt>\n</BkToCstmrStmt>\n</Document>\n"
    ).encode()


def statement_for_sepa(
    sepa: bytes, *, booked: datetime.date, statement_id: str = "AFSCHRIFT-2026-11"
) -> bytes:
    """The debtor's statement booking every credit transfer of a pain.001 file (same ids and amounts)."""
    text = sepa.decode()
    debtor_iban = re.search(r"<DbtrAcct>\s*<Id>\s*<IBAN>([^<]+)</IBAN>", text).group(1)
    entries = []
    for block in re.findall(r"<CdtTrfTxInf>(.*?)</CdtTrfTxInf>", text, re.S):
        e2e = re.search(r"<EndToEndId>([^<]+)</EndToEndId>", block).group(1)
        amount = re.search(r"<InstdAmt[^>]*>([^<]+)</InstdAmt>", block).group(1)
        creditor = re.search(r"<Cdtr>\s*<Nm>([^<]+)</Nm>", block).group(1)
        iban = re.search(r"<CdtrAcct>\s*<Id>\s*<IBAN>([^<]+)</IBAN>", block).group(1)
        entries.append(debit(amount, e2e=e2e, creditor=creditor, creditor_iban=iban, booked=booked))
    return statement(entries, iban=debtor_iban, statement_id=statement_id)
