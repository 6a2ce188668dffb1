"""SEPA direct debit: mandates, a pain.008 batch (validated against sepaxml's XSD), stored file, and a
returned debit from the bank statement that reverses the payment and reopens the arrears."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import sepaxml
import xmlschema
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from core.documents import document_latest
from core.errors import ApplicationError
from fund.models import AuditEvent, Role
from portfolio import bankimport, directdebit, services
from portfolio.accounts import AccountCode
from portfolio.ledger import Line, entry_post
from portfolio.models import BankLine, DirectDebitBatch, DirectDebitItem, DirectDebitPrenotification
from portfolio.selectors import arrears, contract_account_balance
from tests.factories import make_enterprise, make_fund, make_member
from tests.portfolio.test_bankstatements import camt, ntry

pytestmark = pytest.mark.django_db
D = Decimal
FUND_IBAN = "NL91ABNA0417164300"
CREDITOR_ID = "NL69ZZZ123456780000"
BORROWER_IBAN = "NL44RABO0123456789"
PAIN = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"
XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.008.001.08.xsd"


@pytest.fixture
def loan(db):
    return make_loan()


def make_loan():
    """A fund that collects (creditor id on its account) and a € 48.000 loan paid out on 15 January 2026."""
    fund = make_fund()
    bankimport.fund_bank_account_add(
        fund=fund, iban=FUND_IBAN, name="Betaalrekening", creditor_id=CREDITOR_ID, actor=None
    )
    entry_post(
        fund=fund,
        value_date=datetime.date(2026, 1, 1),
        description="Storting",
        lines=[Line("1000", debit=D("500000.00")), Line("3000", credit=D("500000.00"))],
        actor=None,
    )
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference="INC-1",
        instrument="loan",
        principal=Money("48000.00", "EUR"),
        annual_rate=D("0.05"),
        term_months=24,
    )
    services.contract_disburse(
        actor=None, contract=contract, amount=D("48000.00"), value_date=datetime.date(2026, 1, 15)
    )
    return contract


def _lines(contract):
    return list(services.current_schedule(contract).lines.order_by("number"))


def _collection_day():
    """The first day a batch made today may collect: after the pre-notification term."""
    return timezone.localdate() + datetime.timedelta(days=directdebit.prenotification_days())


def _batch(fund, start, end, collection_date=None, **kwargs):
    """Pre-notify the borrowers today, then make the batch (on the first day the term allows)."""
    collection_date = collection_date or _collection_day()
    directdebit.direct_debit_prenotify(
        actor=None, fund=fund, start=start, end=end, collection_date=collection_date
    )
    return directdebit.direct_debit_batch_create(
        actor=None, fund=fund, start=start, end=end, collection_date=collection_date, **kwargs
    )


def _mandate(contract):
    return directdebit.mandate_register(
        actor=None,
        contract=contract,
        iban="NL44 RABO 0123 4567 89",
        holder="Bakkerij De Korf",
        mandate_id="MND-INC-1",
        signed_on=datetime.date(2026, 1, 10),
    )


def test_a_mandate_needs_a_valid_iban_a_holder_and_a_past_signature(loan):
    with pytest.raises(ValidationError) as refused:
        directdebit.mandate_register(
            actor=None,
            contract=loan,
            iban="NL00RABO0123456789",
            holder=" ",
            mandate_id="",
            signed_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert set(refused.value.message_dict) == {"iban", "holder", "mandate_id", "signed_on"}
    mandate = _mandate(loan)
    assert mandate.iban == BORROWER_IBAN
    with pytest.raises(ApplicationError, match="heeft al een machtiging"):
        _mandate(loan)


def test_a_batch_collects_the_instalments_due_in_the_period_in_a_valid_pain008(loan):
    _mandate(loan)
    first, second, third = _lines(loan)[:3]
    plan = directdebit.direct_debit_plan(fund=loan.fund, start=first.due_date, end=second.due_date)
    assert [(row["due_date"], row["amount"], row["sequence"]) for row in plan] == [
        (first.due_date, first.payment, "FRST"),
        (second.due_date, second.payment, "RCUR"),
    ]
    batch = _batch(loan.fund, first.due_date, second.due_date, digest=directdebit.plan_digest(plan))
    assert batch.count == 2 and batch.total == first.payment + second.payment
    document = document_latest(kind=directdebit.FILE_KIND, subject=batch)
    xml = bytes(document.content)
    xmlschema.XMLSchema(str(XSD)).validate(xml.decode())  # the XSD sepaxml ships
    root = ET.fromstring(xml)
    ns = {"p": PAIN}
    assert root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:MsgId", namespaces=ns) == batch.message_id
    assert root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "2"
    assert D(root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:CtrlSum", namespaces=ns)) == batch.total
    assert {el.text for el in root.iter(f"{{{PAIN}}}MndtId")} == {"MND-INC-1"}
    assert CREDITOR_ID.encode() in xml and BORROWER_IBAN.encode() in xml
    # already in a batch: not collected twice; the next period starts with a recurring debit
    assert directdebit.direct_debit_plan(fund=loan.fund, start=first.due_date, end=second.due_date) == []
    later = directdebit.direct_debit_plan(fund=loan.fund, start=third.due_date, end=third.due_date)
    assert [row["sequence"] for row in later] == ["RCUR"]
    # the stored file: a new version needs a reason and gets its own message id
    with pytest.raises(ApplicationError, match="geef een reden"):
        directdebit.direct_debit_file_regenerate(actor=None, batch=batch, reason="")
    second_version = directdebit.direct_debit_file_regenerate(
        actor=None, batch=batch, reason="Bank weigerde het bestand"
    )
    assert second_version.version == 2 and f"{batch.message_id}-V2".encode() in bytes(second_version.content)


def test_refusals_name_the_problem(loan):
    first = _lines(loan)[0]
    with pytest.raises(ApplicationError, match="geen termijnen te incasseren"):
        directdebit.direct_debit_batch_create(
            actor=None,
            fund=loan.fund,
            start=first.due_date,
            end=first.due_date,
            collection_date=timezone.localdate(),
        )
    _mandate(loan)
    with pytest.raises(ValidationError, match="Incassodatum"):
        directdebit.direct_debit_batch_create(
            actor=None,
            fund=loan.fund,
            start=first.due_date,
            end=first.due_date,
            collection_date=timezone.localdate() - datetime.timedelta(days=1),
        )
    with pytest.raises(ApplicationError, match="intussen veranderd"):
        directdebit.direct_debit_batch_create(
            actor=None,
            fund=loan.fund,
            start=first.due_date,
            end=first.due_date,
            collection_date=timezone.localdate(),
            digest="iets anders",
        )
    with pytest.raises(bankimport.BankImportError, match="geen geldig incassant-ID"):
        bankimport.fund_bank_account_add(
            fund=loan.fund,
            iban="NL20INGB0001234567",
            name="Spaar",
            creditor_id="NL08ZZZ123456780000",
            actor=None,
        )


def test_the_confirmation_page_shows_total_and_count_before_anything_is_made(client, loan):
    _mandate(loan)
    first, second = _lines(loan)[:2]
    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    url = reverse("direct_debits", args=[loan.fund.pk])
    data = {
        "dd-period_start": first.due_date.isoformat(),
        "dd-period_end": second.due_date.isoformat(),
        "dd-collection_date": _collection_day().isoformat(),
    }
    page = client.post(url, data).content.decode()
    assert "Incassobatch bevestigen" in page and "Totaal (2 incasso" in page
    total = first.payment + second.payment
    assert f"{total:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") in page
    assert not DirectDebitBatch.objects.exists()
    digest = directdebit.plan_digest(
        directdebit.direct_debit_plan(fund=loan.fund, start=first.due_date, end=second.due_date)
    )
    # not yet pre-notified: refused, naming the contract; nothing made
    refused = client.post(
        url, data | {"confirmed": "1", "digest": digest, "action": "create"}
    ).content.decode()
    assert "Contract INC-1: er is geen vooraankondiging" in refused and not DirectDebitBatch.objects.exists()
    notified = client.post(
        url, data | {"confirmed": "1", "digest": digest, "action": "prenotify"}
    ).content.decode()
    assert "1 vooraankondiging gemaakt" in notified and 'data-testid="direct-debit-notices"' in notified
    assert DirectDebitPrenotification.objects.filter(contract=loan).count() == 1
    done = client.post(
        url, data | {"confirmed": "1", "digest": digest, "action": "create"}, follow=True
    ).content.decode()
    batch = DirectDebitBatch.objects.get()
    assert batch.count == 2 and batch.message_id in done
    other = make_member(Role.FUND_MANAGER, fund=make_fund())
    client.force_login(other)
    assert client.get(url).status_code == 404


def _collection_line(item, booked: datetime.date, *, ref: str) -> str:
    details = (
        "<NtryDtls><TxDtls><Refs>"
        f"<EndToEndId>{item.end_to_end_id}</EndToEndId></Refs>"
        f"<RltdPties><Dbtr><Nm>Bakkerij De Korf</Nm></Dbtr><DbtrAcct><Id><IBAN>{BORROWER_IBAN}</IBAN></Id>"
        "</DbtrAcct></RltdPties>"
        f"<RmtInf><Ustrd>Termijn lening {item.contract.reference}</Ustrd></RmtInf></TxDtls></NtryDtls>"
    )
    return ntry(
        f"{item.amount:.2f}",
        "CRDT",
        booking=f"<BookgDt><Dt>{booked}</Dt></BookgDt>",
        ref=ref,
        details=details,
    )


def _return_line(item, booked: datetime.date, *, ref: str, code: str) -> str:
    details = (
        "<NtryDtls><TxDtls><Refs>"
        f"<EndToEndId>{item.end_to_end_id}</EndToEndId></Refs>"
        f"<RltdPties><Cdtr><Nm>Bakkerij De Korf</Nm></Cdtr><CdtrAcct><Id><IBAN>{BORROWER_IBAN}</IBAN></Id>"
        "</CdtrAcct></RltdPties>"
        f"<RtrInf><Rsn><Cd>{code}</Cd></Rsn></RtrInf></TxDtls></NtryDtls>"
    )
    return ntry(
        f"{item.amount:.2f}",
        "DBIT",
        booking=f"<BookgDt><Dt>{booked}</Dt></BookgDt>",
        ref=ref,
        details=details,
    )


def test_a_returned_debit_reverses_the_payment_and_reopens_the_arrears(loan):
    _mandate(loan)
    first, second = _lines(loan)[:2]
    _batch(loan.fund, first.due_date, second.due_date)
    item_one, item_two = DirectDebitItem.objects.order_by("due_date")
    collected = camt(
        _collection_line(item_one, first.due_date, ref="COL-1")
        + _collection_line(item_two, second.due_date, ref="COL-2"),
        iban=FUND_IBAN,
    )
    result = bankimport.statement_import(fund=loan.fund, data=collected, filename="collect.xml", actor=None)
    assert len(result.booked) == 2
    item_one.refresh_from_db()
    item_two.refresh_from_db()
    assert item_one.repayment is not None and item_two.repayment is not None
    check_day = second.due_date + datetime.timedelta(days=3)
    assert arrears(fund=loan.fund, as_of=check_day)[loan.pk]["days_past_due"] == 0
    principal_before = contract_account_balance(
        contract=loan, account_code=AccountCode.LOANS_PRINCIPAL, as_of=check_day
    )
    returned_on = second.due_date + datetime.timedelta(days=1)
    returned = camt(_return_line(item_two, returned_on, ref="RET-1", code="AM04"), iban=FUND_IBAN)
    result = bankimport.statement_import(fund=loan.fund, data=returned, filename="return.xml", actor=None)
    assert len(result.returned) == 1 and not result.unmatched
    item_two.refresh_from_db()
    assert item_two.returned_on == returned_on and item_two.return_reason == "AM04"
    assert item_two.reversal.reverses == item_two.repayment.entry  # a reversing entry, nothing edited
    assert item_two.repayment.returned_on == returned_on
    line = BankLine.objects.get(line_key__contains="RET-1")
    assert line.status == "booked" and line.entry == item_two.reversal and "AM04" in line.note
    # the instalment is open again: late from its due date, and the principal it paid is owed again
    late = arrears(fund=loan.fund, as_of=check_day)[loan.pk]
    assert (
        late["days_past_due"] == (check_day - second.due_date).days
        and late["oldest_unpaid"] == second.due_date
    )
    principal_after = contract_account_balance(
        contract=loan, account_code=AccountCode.LOANS_PRINCIPAL, as_of=check_day
    )
    assert principal_after > principal_before
    assert contract_account_balance(contract=loan, account_code="1000", as_of=check_day) is not None
    # before the return the day was on time (history is not rewritten)
    assert arrears(fund=loan.fund, as_of=second.due_date)[loan.pk]["days_past_due"] == 0
    assert AuditEvent.objects.filter(action="direct_debit_returned").count() == 1
    with pytest.raises(ApplicationError, match="al gestorneerd"):
        directdebit.direct_debit_return(actor=None, item=item_two, returned_on=returned_on, reason="MD06")
    # a returned instalment can be collected again
    again = directdebit.direct_debit_plan(fund=loan.fund, start=second.due_date, end=second.due_date)
    assert [row["due_date"] for row in again] == [second.due_date]
