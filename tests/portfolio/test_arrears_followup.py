"""Arrears follow-up (issue 14): the arrears list per bucket, reminder letters in two steps, the note log."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from djmoney.money import Money
from pypdf import PdfReader

from core.errors import ApplicationError
from fund.models import AuditEvent, Role
from portfolio import bankimport, services
from portfolio.ledger import Line, entry_post
from portfolio.models import ContractNote, Reminder
from portfolio.selectors import arrears_list
from tests.factories import make_enterprise, make_fund, make_member

pytestmark = pytest.mark.django_db
D = Decimal
FUND_IBAN = "NL91ABNA0417164300"


@pytest.fixture
def fund(db):
    fund = make_fund()
    bankimport.fund_bank_account_add(fund=fund, iban=FUND_IBAN, name="Betaalrekening", actor=None)
    entry_post(
        fund=fund,
        value_date=datetime.date(2026, 1, 1),
        description="Storting",
        lines=[Line("1000", debit=D("500000.00")), Line("3000", credit=D("500000.00"))],
        actor=None,
    )
    return fund


def _loan(fund, reference, principal="60000.00"):
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference=reference,
        instrument="loan",
        principal=Money(principal, "EUR"),
        annual_rate=D("0.06"),
        term_months=36,
        penalty_rate=D("0.08"),
    )
    services.contract_disburse(
        actor=None, contract=contract, amount=D(principal), value_date=datetime.date(2026, 1, 15)
    )
    return contract


def _lines(contract):
    return list(services.current_schedule(contract).lines.order_by("number"))


def _pdf_text(document) -> str:
    reader = PdfReader(io.BytesIO(bytes(document.content)))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_arrears_list_gives_amounts_per_bucket_and_the_actions_taken(fund):
    paying, late, later = _loan(fund, "ACH-1"), _loan(fund, "ACH-2"), _loan(fund, "ACH-3", "30000.00")
    first, second, third = _lines(late)[:3]
    services.repayment_receive(
        actor=None, contract=paying, amount=_lines(paying)[0].payment, value_date=first.due_date
    )
    services.repayment_receive(  # ACH-3 pays its first instalment only
        actor=None, contract=later, amount=_lines(later)[0].payment, value_date=first.due_date
    )
    as_of = third.due_date + datetime.timedelta(days=5)  # ACH-2: 3 instalments open, ACH-3: 2
    services.contract_note_add(actor=None, contract=late, text="Gebeld; belooft te betalen")
    report = arrears_list(fund=fund, as_of=as_of)
    by_reference = {item["contract"].reference: item for item in report["items"]}
    assert by_reference["ACH-2"]["overdue"] == first.payment + second.payment + third.payment
    assert by_reference["ACH-2"]["days_past_due"] == (as_of - first.due_date).days
    assert by_reference["ACH-2"]["bucket"] == "61-90"
    assert by_reference["ACH-2"]["notes"] == 1
    later_lines = _lines(later)
    assert by_reference["ACH-3"]["overdue"] == later_lines[1].payment + later_lines[2].payment
    assert by_reference["ACH-3"]["bucket"] == "31-60"
    buckets = {b["bucket"]: b for b in report["buckets"]}
    assert [b["bucket"] for b in report["buckets"]] == ["1-30", "31-60", "61-90", ">90"]
    assert buckets["61-90"]["count"] == 1 and buckets["61-90"]["overdue"] == by_reference["ACH-2"]["overdue"]
    # ACH-1 paid its first instalment: it is late from its second on
    assert by_reference["ACH-1"]["oldest_unpaid"] == _lines(paying)[1].due_date
    assert report["total_overdue"] == sum((item["overdue"] for item in report["items"]), D("0.00"))


def test_reminders_come_in_two_steps_with_the_letter_stored(fund):
    contract = _loan(fund, "ACH-9")
    first_due = _lines(contract)[0]
    as_of = first_due.due_date + datetime.timedelta(days=10)
    with pytest.raises(ApplicationError, match="tweede aanmaning kan pas na een eerste"):
        services.reminder_send(actor=None, contract=contract, step=2, as_of=as_of)
    with pytest.raises(ApplicationError, match="geen achterstallige termijnen"):
        services.reminder_send(actor=None, contract=contract, step=1, as_of=first_due.due_date)
    first = services.reminder_send(actor=None, contract=contract, step=1, as_of=as_of)
    assert first.overdue == first_due.payment
    assert first.document.kind == "reminder" and first.document.media_type == "application/pdf"
    text = _pdf_text(first.document)
    assert "Eerste aanmaning" in text and "ACH-9" in text
    assert "NL91 ABNA 0417 1643 00" in text  # the fund's IBAN, and the reference to pay under
    assert first_due.due_date.strftime("%d-%m-%Y") in text
    with pytest.raises(ApplicationError, match="al een eerste aanmaning"):
        services.reminder_send(actor=None, contract=contract, step=1, as_of=as_of)
    with pytest.raises(ApplicationError, match="na de betaaltermijn"):
        services.reminder_send(
            actor=None, contract=contract, step=2, as_of=as_of + datetime.timedelta(days=14)
        )
    later = as_of + datetime.timedelta(days=20)
    services.penalty_interest_book(actor=None, contract=contract, through=later)
    second = services.reminder_send(actor=None, contract=contract, step=2, as_of=later)
    assert second.first == first and second.penalty_interest > 0
    text = _pdf_text(second.document)
    assert "Tweede aanmaning" in text and "Boeterente" in text
    assert AuditEvent.objects.filter(action="reminder_sent").count() == 2


def test_the_database_refuses_a_second_reminder_without_a_first(fund):
    contract = _loan(fund, "ACH-8")
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            contract=contract,
            step=2,
            as_of=datetime.date(2026, 6, 1),
            overdue=D("10.00"),
            penalty_interest=D("0.00"),
            days_past_due=5,
        )


def test_notes_and_reminders_from_the_contract_page(client, fund):
    contract = _loan(fund, "ACH-7")
    manager = make_member(Role.FUND_MANAGER, fund=fund)
    client.force_login(manager)
    url = reverse("contract_note_add", args=[contract.pk])
    page = client.post(url, {"text": "  "}, follow=True).content.decode()
    assert "een lege notitie kan niet" in page
    client.post(url, {"text": "Afspraak: betaalt vrijdag"})
    note = ContractNote.objects.get(contract=contract)
    assert note.author == manager and note.text == "Afspraak: betaalt vrijdag"
    detail = client.get(reverse("contract_detail", args=[contract.pk])).content.decode()
    assert "Afspraak: betaalt vrijdag" in detail and "Aanmaning opmaken" in detail
    # today the loan (disbursed in January 2026) may or may not be late: either a letter or a clear refusal
    answer = client.post(reverse("contract_reminder_send", args=[contract.pk]), {"step": "1"}, follow=True)
    content = answer.content.decode()
    assert Reminder.objects.filter(contract=contract).exists() or "geen achterstallige termijnen" in content
    arrears_page = client.get(reverse("arrears_list", args=[fund.pk]), {"as_of": "2026-06-30"})
    assert arrears_page.status_code == 200
    assert "ACH-7" in arrears_page.content.decode()
    other = make_member(Role.FUND_MANAGER, fund=make_fund())
    client.force_login(other)
    assert client.post(url, {"text": "x"}).status_code == 404
    assert client.get(reverse("arrears_list", args=[fund.pk])).status_code == 404
