"""Direct debit, continued: amending a mandate (the next pain.008 carries the amendment as the SEPA rulebook
asks), revoking it (never collected again, also in the database), one-off mandates, and the pre-notification
each borrower gets before a batch may collect."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.documents import document_latest
from core.errors import ApplicationError
from fund.models import AuditEvent, Role
from portfolio import directdebit
from portfolio.models import DirectDebitItem, DirectDebitMandate, DirectDebitPrenotification
from tests.factories import make_fund, make_member
from tests.portfolio.test_direct_debit import (
    BORROWER_IBAN,
    CREDITOR_ID,
    PAIN,
    XSD,
    _batch,
    _collection_day,
    _lines,
    _mandate,
    make_loan,
)

pytestmark = pytest.mark.django_db
D = Decimal
SAME_BANK_IBAN = "NL71RABO0123456788"  # Rabobank again: a change within the same bank
OTHER_BANK_IBAN = "NL20INGB0001234567"  # ING: another bank
NS = {"p": PAIN}


@pytest.fixture
def loan(db):
    return make_loan()


def _transactions(batch):
    """{EndToEndId: (SeqTp, MndtRltdInf element)} of the batch's stored file, after validating it."""
    xml = bytes(document_latest(kind=directdebit.FILE_KIND, subject=batch).content)
    xmlschema.XMLSchema(str(XSD)).validate(xml.decode())
    root = ET.fromstring(xml)
    result = {}
    for info in root.iterfind("p:CstmrDrctDbtInitn/p:PmtInf", NS):
        sequence = info.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS)
        for tx in info.iterfind("p:DrctDbtTxInf", NS):
            result[tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS)] = (
                sequence,
                tx.find("p:DrctDbtTx/p:MndtRltdInf", NS),
                tx.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS),
            )
    return result


def _amend(mandate, iban, holder="Bakkerij De Korf", reason="brief van de leningnemer"):
    return directdebit.mandate_amend(actor=None, mandate=mandate, iban=iban, holder=holder, reason=reason)


def test_an_amendment_within_the_same_bank_carries_the_old_iban_and_stays_recurring(loan):
    mandate = _mandate(loan)
    first, second, third = _lines(loan)[:3]
    before = _batch(loan.fund, first.due_date, first.due_date)
    (seq, info, iban), *_ = _transactions(before).values()
    assert seq == "FRST" and iban == BORROWER_IBAN
    assert info.findtext("p:AmdmntInd", namespaces=NS) == "false" and info.find("p:AmdmntInfDtls", NS) is None

    _amend(mandate, SAME_BANK_IBAN)
    plan = directdebit.direct_debit_plan(fund=loan.fund, start=second.due_date, end=third.due_date)
    assert [(row["sequence"], row["original_debtor_account"]) for row in plan] == [
        ("RCUR", BORROWER_IBAN),  # the amendment travels with the first collection after it
        ("RCUR", ""),
    ]
    after = _batch(loan.fund, second.due_date, third.due_date)
    items = {item.due_date: item for item in after.items.all()}
    transactions = _transactions(after)
    seq, info, iban = transactions[items[second.due_date].end_to_end_id]
    assert seq == "RCUR" and iban == SAME_BANK_IBAN
    assert info.findtext("p:AmdmntInd", namespaces=NS) == "true"
    assert info.findtext("p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id/p:IBAN", namespaces=NS) == BORROWER_IBAN
    _, plain, _ = transactions[items[third.due_date].end_to_end_id]
    assert plain.findtext("p:AmdmntInd", namespaces=NS) == "false"
    # the earlier batch's file keeps the account it collected from, also in a new version
    again = directdebit.direct_debit_file_regenerate(actor=None, batch=before, reason="bank weigerde")
    assert BORROWER_IBAN.encode() in bytes(again.content) and SAME_BANK_IBAN.encode() not in bytes(
        again.content
    )


def test_an_amendment_to_another_bank_is_smnda_and_starts_again_with_frst(loan):
    mandate = _mandate(loan)
    first, second, third, fourth = _lines(loan)[:4]
    _batch(loan.fund, first.due_date, second.due_date)  # FRST, RCUR
    _amend(mandate, OTHER_BANK_IBAN, holder="Bakkerij De Korf B.V.")
    batch = _batch(loan.fund, third.due_date, third.due_date)
    (seq, info, iban), *_ = _transactions(batch).values()
    assert seq == "FRST" and iban == OTHER_BANK_IBAN
    assert info.findtext("p:AmdmntInd", namespaces=NS) == "true"
    assert info.findtext("p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id/p:Othr/p:Id", namespaces=NS) == "SMNDA"
    item = batch.items.get()
    assert item.debtor_name == "Bakkerij De Korf B.V." and item.original_debtor_account == "SMNDA"
    # once collected at the new bank: recurring, without the amendment
    later = directdebit.direct_debit_plan(fund=loan.fund, start=fourth.due_date, end=fourth.due_date)
    assert [(row["sequence"], row["original_debtor_account"]) for row in later] == [("RCUR", "")]


def test_a_holder_name_change_alone_is_no_account_amendment(loan):
    mandate = _mandate(loan)
    first, second = _lines(loan)[:2]
    _batch(loan.fund, first.due_date, first.due_date)
    _amend(mandate, BORROWER_IBAN, holder="De Korf Bakkers")
    batch = _batch(loan.fund, second.due_date, second.due_date)
    item = batch.items.get()
    assert item.debtor_name == "De Korf Bakkers" and item.original_debtor_account == ""
    (seq, info, _iban), *_ = _transactions(batch).values()
    assert seq == "RCUR" and info.findtext("p:AmdmntInd", namespaces=NS) == "false"


def test_amendment_refusals_and_audit(loan):
    mandate = _mandate(loan)
    with pytest.raises(ValidationError) as refused:
        directdebit.mandate_amend(
            actor=None, mandate=mandate, iban="NL00RABO0123456789", holder=" ", reason=""
        )
    assert set(refused.value.message_dict) == {"iban", "holder", "reason"}
    with pytest.raises(ApplicationError, match="niets gewijzigd"):
        _amend(mandate, BORROWER_IBAN)
    _amend(mandate, OTHER_BANK_IBAN, reason="nieuwe huisbank")
    event = AuditEvent.objects.get(action="mandate_amended")
    assert event.reason == "nieuwe huisbank"
    assert event.from_state.startswith(BORROWER_IBAN) and event.to_state.startswith(OTHER_BANK_IBAN)
    assert event.data["from"]["iban"] == BORROWER_IBAN and event.data["to"]["iban"] == OTHER_BANK_IBAN


def test_a_revoked_mandate_is_never_collected_again(loan):
    mandate = _mandate(loan)
    first, second = _lines(loan)[:2]
    batch = _batch(loan.fund, first.due_date, first.due_date)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        directdebit.mandate_revoke(
            actor=None, mandate=mandate, revoked_on=today + datetime.timedelta(days=1), reason=""
        )
    assert set(refused.value.message_dict) == {"revoked_on", "reason"}
    with pytest.raises(ValidationError, match="vóór de ondertekening"):
        directdebit.mandate_revoke(
            actor=None, mandate=mandate, revoked_on=datetime.date(2025, 1, 1), reason="brief"
        )
    assert [item.pk for item in directdebit.open_collections(mandate=mandate, on_or_after=today)] == [
        batch.items.get().pk
    ]
    with pytest.raises(IntegrityError), transaction.atomic():  # the database: revoked ⇔ a date and a reason
        DirectDebitMandate.objects.filter(pk=mandate.pk).update(revoked_on=today)
    directdebit.mandate_revoke(actor=None, mandate=mandate, revoked_on=today, reason="opgezegd per brief")
    mandate.refresh_from_db()
    assert mandate.revoked_on == today and mandate.revocation_reason == "opgezegd per brief"
    event = AuditEvent.objects.get(action="mandate_revoked")
    assert event.to_state == "revoked" and event.data["open_collections"] == [batch.items.get().end_to_end_id]
    assert directdebit.direct_debit_plan(fund=loan.fund, start=second.due_date, end=second.due_date) == []
    with pytest.raises(ApplicationError, match="ingetrokken"):
        _amend(mandate, OTHER_BANK_IBAN)
    with pytest.raises(ApplicationError, match="ingetrokken"):
        directdebit.mandate_revoke(actor=None, mandate=mandate, revoked_on=today, reason="nogmaals")
    # and in the database itself: a revoked mandate cannot change nor get a collection
    with pytest.raises(DatabaseError), transaction.atomic():
        DirectDebitMandate.objects.filter(pk=mandate.pk).update(iban=OTHER_BANK_IBAN)
    with pytest.raises(DatabaseError), transaction.atomic():
        DirectDebitItem.objects.create(
            batch=batch,
            contract=loan,
            mandate=mandate,
            due_date=second.due_date,
            amount=D("10.00"),
            sequence="RCUR",
            debtor_iban=BORROWER_IBAN,
            debtor_name="x",
            end_to_end_id="INC-1-HANDMATIG",
        )


def test_a_one_off_mandate_collects_once(loan):
    mandate = directdebit.mandate_register(
        actor=None,
        contract=loan,
        iban=BORROWER_IBAN,
        holder="Bakkerij De Korf",
        mandate_id="MND-EENMALIG",
        signed_on=datetime.date(2026, 1, 10),
        kind="one_off",
    )
    first, second = _lines(loan)[:2]
    plan = directdebit.direct_debit_plan(fund=loan.fund, start=first.due_date, end=second.due_date)
    assert [(row["due_date"], row["sequence"]) for row in plan] == [(first.due_date, "OOFF")]
    batch = _batch(loan.fund, first.due_date, second.due_date)
    (seq, _info, _iban), *_ = _transactions(batch).values()
    assert seq == "OOFF"
    assert directdebit.direct_debit_plan(fund=loan.fund, start=first.due_date, end=second.due_date) == []
    with pytest.raises(ApplicationError, match="eenmalige machtiging"):
        _amend(mandate, OTHER_BANK_IBAN)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database: one OOFF per mandate
        DirectDebitItem.objects.create(
            batch=batch,
            contract=loan,
            mandate=mandate,
            due_date=second.due_date,
            amount=D("10.00"),
            sequence="OOFF",
            debtor_iban=BORROWER_IBAN,
            debtor_name="x",
            end_to_end_id="INC-1-TWEEDE",
        )
    with pytest.raises(ValidationError, match="Soort machtiging"):
        directdebit.mandate_register(
            actor=None,
            contract=loan,
            iban=BORROWER_IBAN,
            holder="x",
            mandate_id="MND-X",
            signed_on=datetime.date(2026, 1, 10),
            kind="weekly",
        )


def _pdf_text(document) -> str:
    reader = PdfReader(io.BytesIO(bytes(document.content)))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_prenotification_letter_tells_amount_date_mandate_creditor_and_masked_iban(loan):
    _mandate(loan)
    first, second = _lines(loan)[:2]
    collection = _collection_day()
    notices = directdebit.direct_debit_prenotify(
        actor=None, fund=loan.fund, start=first.due_date, end=second.due_date, collection_date=collection
    )
    assert len(notices) == 1
    notice = notices[0]
    assert notice.amount == first.payment + second.payment and notice.notified_on == timezone.localdate()
    document = document_latest(kind=directdebit.NOTICE_KIND, subject=notice)
    text = _pdf_text(document)
    amount = f"{notice.amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    assert f"€ {amount}" in text and collection.strftime("%d-%m-%Y") in text
    assert "MND-INC-1" in text and CREDITOR_ID in text and "INC-1" in text
    assert "**** **** **** **67 89" in text and BORROWER_IBAN not in text.replace(" ", "")
    assert directdebit.mask_iban(BORROWER_IBAN) == "**** **** **** **67 89"
    # the same announcement is not made twice
    assert (
        directdebit.direct_debit_prenotify(
            actor=None, fund=loan.fund, start=first.due_date, end=second.due_date, collection_date=collection
        )
        == []
    )
    assert AuditEvent.objects.filter(action="direct_debit_prenotified").count() == 1


def test_a_collection_date_within_the_term_is_refused_naming_the_contract(loan):
    _mandate(loan)
    first = _lines(loan)[0]
    too_soon = timezone.localdate() + datetime.timedelta(days=13)
    with pytest.raises(ValidationError, match=r"Contract INC-1: de incassodatum .* minder dan 14 dagen"):
        directdebit.direct_debit_prenotify(
            actor=None, fund=loan.fund, start=first.due_date, end=first.due_date, collection_date=too_soon
        )
    with pytest.raises(ApplicationError, match="Contract INC-1: er is geen vooraankondiging"):
        directdebit.direct_debit_batch_create(
            actor=None, fund=loan.fund, start=first.due_date, end=first.due_date, collection_date=too_soon
        )
    # announced 14 days ahead; with a longer agreed term the same batch is refused, naming the contract
    collection = _collection_day()
    directdebit.direct_debit_prenotify(
        actor=None, fund=loan.fund, start=first.due_date, end=first.due_date, collection_date=collection
    )
    with (
        override_settings(DIRECT_DEBIT_PRENOTIFICATION_DAYS=20),
        pytest.raises(
            ApplicationError, match=r"Contract INC-1: de vooraankondiging van .* minder dan 20 dagen"
        ),
    ):
        directdebit.direct_debit_batch_create(
            actor=None, fund=loan.fund, start=first.due_date, end=first.due_date, collection_date=collection
        )
    # a notice for another date or amount does not count
    with pytest.raises(ApplicationError, match="geen vooraankondiging"):
        directdebit.direct_debit_batch_create(
            actor=None,
            fund=loan.fund,
            start=first.due_date,
            end=first.due_date,
            collection_date=collection + datetime.timedelta(days=1),
        )
    batch = directdebit.direct_debit_batch_create(
        actor=None, fund=loan.fund, start=first.due_date, end=first.due_date, collection_date=collection
    )
    assert batch.count == 1
    # the database: a notice is made before its collection date
    with pytest.raises(IntegrityError), transaction.atomic():
        DirectDebitPrenotification.objects.filter(contract=loan).update(notified_on=collection)


def test_the_mandate_pages_amend_and_revoke_after_confirmation(client, loan):
    mandate = _mandate(loan)
    first = _lines(loan)[0]
    _batch(loan.fund, first.due_date, first.due_date)
    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    detail = client.get(reverse("contract_detail", args=[loan.pk])).content.decode()
    assert reverse("contract_mandate_amend", args=[loan.pk]) in detail
    amend_url = reverse("contract_mandate_amend", args=[loan.pk])
    page = client.get(amend_url).content.decode()
    assert 'for="id_amend-iban"' in page and BORROWER_IBAN in page
    refused = client.post(
        amend_url, {"amend-iban": "NL00RABO0", "amend-holder": "x", "amend-reason": "r"}
    ).content.decode()
    assert "IBAN" in refused and "text-danger" in refused
    done = client.post(
        amend_url,
        {"amend-iban": OTHER_BANK_IBAN, "amend-holder": "Bakkerij De Korf", "amend-reason": "nieuwe bank"},
    )
    assert done.status_code == 302
    mandate.refresh_from_db()
    assert mandate.iban == OTHER_BANK_IBAN
    revoke_url = reverse("contract_mandate_revoke", args=[loan.pk])
    confirm = client.get(revoke_url).content.decode()
    assert "Machtiging definitief intrekken" in confirm and 'data-testid="pending-collections"' in confirm
    assert DirectDebitMandate.objects.get(pk=mandate.pk).revoked_on is None  # a GET changes nothing
    today = timezone.localdate().isoformat()
    client.post(revoke_url, {"revoke-revoked_on": today, "revoke-reason": "opgezegd"})
    mandate.refresh_from_db()
    assert mandate.revoked_on == timezone.localdate()
    assert "Ingetrokken op" in client.get(reverse("contract_detail", args=[loan.pk])).content.decode()
    client.force_login(make_member(Role.FUND_MANAGER, fund=make_fund()))
    assert client.get(amend_url).status_code == 404 and client.get(revoke_url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_earlier_collections_from_their_mandate():
    """Collections made before 0019 get the account and name they were collected from (the mandate's, which
    could not change then); the constraints and triggers come after the fill."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("portfolio", "0018_covering_indexes_for_balances_and_arrears")]
    after = [("portfolio", "0019_direct_debit_mandate_changes_prenotification")]
    contract = make_loan()
    _mandate(contract)
    first = _lines(contract)[0]
    _batch(contract.fund, first.due_date, first.due_date)
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    assert not hasattr(old.get_model("portfolio", "DirectDebitItem"), "debtor_iban")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    item = DirectDebitItem.objects.get()
    assert (item.debtor_iban, item.debtor_name, item.original_debtor_account) == (
        BORROWER_IBAN,
        "Bakkerij De Korf",
        "",
    )
