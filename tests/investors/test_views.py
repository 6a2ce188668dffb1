"""Fund-manager pages: money actions confirmed first, refusals shown in Dutch, notices served as stored."""

from __future__ import annotations

import datetime
import hashlib
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from core.documents import document_latest, document_url
from fund.models import Role
from investors import notices
from investors.models import CallReceipt, CallStatus, CapitalCall, FundExpense, ManagementFeeCharge
from portfolio.models import JournalEntry
from tests.factories import make_member

pytestmark = pytest.mark.django_db
D = Decimal


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _new_call(client, capital, amount="35.000,00"):
    return client.post(
        reverse("investors:call_create", args=[capital.fund.pk]),
        {"notice_date": "2025-02-01", "due_date": "2025-02-28", "purpose": "investments", "amount": amount},
    )


def test_a_call_is_created_issued_after_confirmation_and_paid_in_two_steps(client, capital):
    client.force_login(capital.manager)
    response = _new_call(client, capital)
    call = CapitalCall.objects.get(fund=capital.fund)
    assert response.status_code == 302 and response.url == reverse("investors:call_detail", args=[call.pk])
    assert [line.amount for line in call.lines.order_by("commitment__investor__organisation__name")] == [
        D("10000.00"),
        D("20000.00"),
        D("5000.00"),
    ]
    issue = reverse("investors:call_issue", args=[call.pk])
    page = client.get(issue)
    assert page.status_code == 200
    assert "€ 35.000,00" in page.content.decode() and "Er is nog niets geboekt" in page.content.decode()
    call.refresh_from_db()
    assert call.status == CallStatus.DRAFT
    assert client.post(issue, {}).status_code == 200  # not confirmed: shows the confirmation again
    call.refresh_from_db()
    assert call.status == CallStatus.DRAFT
    client.post(issue, {"confirmed": "1"})
    call.refresh_from_db()
    assert call.status == CallStatus.ISSUED

    line = call.lines.get(commitment=capital.commitments[0])
    receipt = reverse("investors:call_receipt", args=[line.pk])
    entries = JournalEntry.objects.count()
    first = client.post(receipt, {"amount": "4.000,00", "received_on": "2025-02-10"})
    body = first.content.decode()
    assert first.status_code == 200 and "€ 4.000,00" in body and "€ 6.000,00" in body  # received, still open
    assert 'name="confirmed" value="1"' in body
    assert JournalEntry.objects.count() == entries and not CallReceipt.objects.exists()
    client.post(receipt, {"amount": "4.000,00", "received_on": "2025-02-10", "confirmed": "1"})
    line.refresh_from_db()
    assert line.received == D("4000.00") and JournalEntry.objects.count() == entries + 1
    detail = client.get(reverse("investors:call_detail", args=[call.pk])).content.decode()
    assert "€ 4.000,00" in detail and "Storting ontvangen" in detail  # the history names the action


def test_refusals_are_shown_in_dutch_on_the_form(client, capital):
    client.force_login(capital.manager)
    response = client.post(
        reverse("investors:call_create", args=[capital.fund.pk]),
        {"notice_date": "2025-03-01", "due_date": "2025-02-01", "purpose": "investments", "amount": "1.000"},
    )
    assert response.status_code == 200
    assert "De uiterste stortingsdatum ligt vóór de datum van de oproep." in response.content.decode()
    response = _new_call(client, capital, amount="1.000,001")
    assert response.status_code == 200 and not CapitalCall.objects.exists()
    _new_call(client, capital)
    call = CapitalCall.objects.get()
    client.post(reverse("investors:call_issue", args=[call.pk]), {"confirmed": "1"})
    line = call.lines.get(commitment=capital.commitments[2])
    too_much = client.post(
        reverse("investors:call_receipt", args=[line.pk]),
        {"amount": "5.000,01", "received_on": "2025-02-10", "confirmed": "1"},
    )
    assert too_much.status_code == 200
    assert "nog € 5.000,00 open; € 5.000,01 is meer dan dat" in too_much.content.decode()
    assert not CallReceipt.objects.exists()


def test_fee_and_expense_are_booked_only_after_confirmation(client, capital):
    client.force_login(capital.manager)
    fees = reverse("investors:fee_list", args=[capital.fund.pk])
    preview = client.post(fees, {"quarter": "2025-Q2"})
    assert preview.status_code == 200 and "€ 1.750,00" in preview.content.decode()
    assert not ManagementFeeCharge.objects.exists()
    client.post(fees, {"quarter": "2025-Q2", "confirmed": "1"})
    assert ManagementFeeCharge.objects.get().amount == D("1750.00")
    bad = client.post(fees, {"quarter": "2025-Q9"})
    assert "jjjj-Qn" in bad.content.decode()
    expenses = reverse("investors:expense_list", args=[capital.fund.pk])
    data = {"date": "2025-05-01", "description": "Accountant", "amount": "1.210,00", "paid_from_bank": ""}
    assert "Dit veld is vereist" in client.post(expenses, data).content.decode()  # nothing preselected
    data["paid_from_bank"] = "payable"
    assert "Er is nog niets geboekt" in client.post(expenses, data).content.decode()
    assert not FundExpense.objects.exists()
    client.post(expenses, data | {"confirmed": "1"})
    assert FundExpense.objects.get().amount == D("1210.00")


def test_committee_members_read_but_cannot_act(client, capital):
    member = make_member(Role.COMMITTEE_MEMBER, fund=capital.fund)
    client.force_login(member)
    assert client.get(reverse("investors:capital_overview", args=[capital.fund.pk])).status_code == 200
    assert _new_call(client, capital).status_code == 403
    fee = client.post(
        reverse("investors:fee_list", args=[capital.fund.pk]), {"quarter": "2025-Q2", "confirmed": "1"}
    )
    assert fee.status_code == 403 and not ManagementFeeCharge.objects.exists()


def test_notices_are_served_as_stored_and_only_to_the_investor_and_the_fund(client, capital):
    client.force_login(capital.manager)
    _new_call(client, capital)
    call = CapitalCall.objects.get()
    client.post(reverse("investors:call_issue", args=[call.pk]), {"confirmed": "1"})
    line = call.lines.get(commitment=capital.commitments[1])
    document = document_latest(kind=notices.CALL_NOTICE, subject=line)
    url = document_url(document)
    first, second = _body(client.get(url)), _body(client.get(url))
    assert first == second and hashlib.sha256(first).hexdigest() == document.sha256
    assert first.startswith(b"%PDF")
    alfa_user, bravo_user, _ = capital.investor_users
    client.force_login(bravo_user)
    assert client.get(url).status_code == 200
    client.force_login(alfa_user)
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("investors:call_detail", args=[call.pk])).status_code == 404
    )  # fund pages: staff
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(first)).pages)
    assert line.commitment.investor.organisation.name in text and "€ 20.000,00" in text
    assert capital.commitments[0].investor.organisation.name not in text
    assert "28-02-2025" in text and datetime.date(2025, 2, 28).isoformat() not in text
