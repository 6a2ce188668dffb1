"""The pipeline on core/ (issue 11): Dutch number input, escaped PDFs, stored memo and minutes with a scoped
download, uploaded documents served through the pipeline's scope, no BSN in a file name."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from djmoney.money import Money
from pypdf import PdfReader

from core.errors import ApplicationError
from core.models import DownloadRecord, StoredDocument
from fund.models import Organisation, Role
from pipeline import committee, services
from pipeline.documents import COMMITTEE_MINUTES, INVESTMENT_MEMO, memo_versions, minutes_versions
from pipeline.forms import ApplicationForm, FinancialYearForm
from pipeline.models import Application
from tests.pipeline.pipeline_factories import (
    PDF_BYTES,
    draft,
    in_committee,
    open_meeting,
    pdf,
    seat_committee,
)

HOSTILE_NAMES = [
    '"><img src=x onerror=alert(1)>',
    '<a href="https://evil.example">Betaal hier</a>',
]


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(data))).pages)


def _links(data: bytes) -> list:
    reader = PdfReader(io.BytesIO(bytes(data)))
    return [annot for page in reader.pages for annot in (page.get("/Annots") or [])]


def _content(document) -> bytes:
    return bytes(StoredDocument.objects.get(pk=document.pk).content)


# --------------------------------------------------------------------------------------------------
# Numbers typed the Dutch way
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("125.000", Decimal("125000")), ("12.500,50", Decimal("12500.50")), ("€ 40.000,00", Decimal("40000"))],
)
def test_application_form_reads_dutch_amounts(typed, expected):
    form = ApplicationForm({"requested_amount": typed, "grace_months": "0"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["requested_amount"] == expected
    assert form.service_kwargs()["requested_amount"] == Money(expected, "EUR")


def test_application_form_refuses_text_as_amount_on_the_field():
    form = ApplicationForm({"requested_amount": "abc"})
    assert not form.is_valid()
    assert "is geen geldig getal" in " ".join(form.errors["requested_amount"])
    assert 'inputmode="decimal"' in str(form["requested_amount"]) and 'type="number"' not in str(
        form["requested_amount"]
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("125.000", Decimal("125000")), ("12.500,50", Decimal("12500.50")), ("-2.500,50", Decimal("-2500.50"))],
)
def test_financials_form_reads_dutch_amounts(typed, expected):
    form = FinancialYearForm({"year": "2025", "revenue": typed, "ebitda": "60.000"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["revenue"] == expected
    assert form.cleaned_data["ebitda"] == Decimal("60000")


def test_financials_form_refuses_text_on_the_field():
    form = FinancialYearForm({"year": "2025", "revenue": "abc"})
    assert not form.is_valid()
    assert list(form.errors) == ["revenue"]


def test_application_created_from_the_page_with_a_dutch_amount(client, world):
    client.force_login(world.a.users[Role.INVESTEE])
    response = client.post(
        reverse("application_create"),
        {"fund": world.a.fund.pk, "enterprise": world.a.enterprise.pk, "requested_amount": "125.000"},
    )
    assert response.status_code == 302
    application = Application.objects.get(enterprise=world.a.enterprise)
    assert application.requested_amount == Money("125000.00", "EUR")
    page = client.get(reverse("application_edit", args=[application.pk])).content.decode()
    assert 'value="125.000,00"' in page


def test_financials_page_saves_dutch_figures_and_names_a_bad_field(client, world):
    investee = world.a.users[Role.INVESTEE]
    application = draft(world.a)
    client.force_login(investee)
    data = {
        "fy-TOTAL_FORMS": "1",
        "fy-INITIAL_FORMS": "0",
        "fy-MIN_NUM_FORMS": "0",
        "fy-MAX_NUM_FORMS": "8",
        "fy-0-year": "2025",
        "fy-0-revenue": "12.500,50",
        "fy-0-total_assets": "250.000",
    }
    response = client.post(reverse("application_financials", args=[application.pk]), data)
    assert response.status_code == 302
    year = application.financials.get()
    assert (year.revenue, year.total_assets) == (Decimal("12500.50"), Decimal("250000.00"))
    response = client.post(
        reverse("application_financials", args=[application.pk]), {**data, "fy-0-ebitda": "abc"}
    )
    assert response.status_code == 200
    assert "ebitda" in response.context["formset"].forms[0].errors
    assert application.financials.get().ebitda is None


# --------------------------------------------------------------------------------------------------
# Memo and minutes: escaped, stored, served through the one scoped download
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_memo_and_minutes_show_a_hostile_name_as_text(world, name):
    Organisation.objects.filter(pk=world.a.enterprise.organisation_id).update(name=name)
    application = in_committee(world.a)
    seat_committee(world.a)
    manager = world.a.users[Role.FUND_MANAGER]
    memo = memo_versions(application).get()
    text = _text(_content(memo))
    assert name in text.replace("\n", " ") or name in text
    assert not _links(_content(memo))
    meeting = committee.meeting_create(actor=manager, fund=world.a.fund, date=datetime.date(2026, 6, 15))
    committee.agenda_item_add(actor=manager, meeting=meeting, application=application)
    minutes = committee.minutes_store(actor=manager, meeting=meeting)
    assert name in _text(_content(minutes)).replace("\n", " ")
    assert not _links(_content(minutes))


def test_memo_is_a_stored_document_only_fund_staff_download(client, world):
    application = in_committee(world.a)
    memo = memo_versions(application).get()
    assert (memo.kind, memo.version, memo.media_type) == (INVESTMENT_MEMO, 1, "application/pdf")
    assert memo.filename == f"memo-{application.number}-v1.pdf"
    url = reverse("document_download", args=[memo.pk])
    for user in (
        world.a.users[Role.INVESTEE],
        world.b.users[Role.FUND_MANAGER],
        world.b.users[Role.INVESTEE],
    ):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get(reverse("memo_download", args=[memo.pk])).status_code == 404
    manager = world.a.users[Role.FUND_MANAGER]
    client.force_login(manager)
    response = client.get(url)
    assert response.status_code == 200 and response.content == _content(memo)
    assert DownloadRecord.objects.filter(document=memo, user=manager).count() == 1
    page = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert url in page


def test_a_new_memo_version_needs_a_reason_from_the_page(client, world):
    application = in_committee(world.a)
    client.force_login(world.a.users[Role.FUND_MANAGER])
    url = reverse("application_memo_generate", args=[application.pk])
    client.post(url, {"reason": ""})
    assert memo_versions(application).count() == 1
    client.post(url, {"reason": "Zekerheden aangevuld"})
    assert list(memo_versions(application).values_list("version", flat=True)) == [2, 1]


def test_minutes_are_stored_once_per_state_and_served_the_same(client, world):
    application = in_committee(world.a)
    members = seat_committee(world.a, count=3)
    manager = world.a.users[Role.FUND_MANAGER]
    meeting = committee.meeting_create(actor=manager, fund=world.a.fund, date=datetime.date(2026, 6, 15))
    item = committee.agenda_item_add(actor=manager, meeting=meeting, application=application)
    client.force_login(manager)
    url = reverse("meeting_minutes", args=[meeting.pk])
    first = client.get(url)
    again = client.get(url)
    assert first.status_code == 200 and first.content == again.content
    assert list(minutes_versions(meeting).values_list("version", flat=True)) == [1]
    open_meeting(meeting)
    for member in members:
        committee.conflict_declare(actor=member.user, item=item, has_conflict=False)
        committee.vote_cast(actor=member.user, item=item, choice="for")
    client.force_login(members[1].user)
    later = client.get(url)
    assert later.content != first.content
    versions = list(minutes_versions(meeting))
    assert [v.version for v in versions] == [2, 1] and versions[0].kind == COMMITTEE_MINUTES
    assert versions[0].reason.startswith("Bijgewerkt naar de stand van")
    assert "voor 3" in _text(later.content)


def test_a_conflicted_member_gets_minutes_without_the_votes_and_not_the_stored_ones(client, world):
    application = in_committee(world.a)
    members = seat_committee(world.a, count=4)
    manager = world.a.users[Role.FUND_MANAGER]
    meeting = committee.meeting_create(actor=manager, fund=world.a.fund, date=datetime.date(2026, 6, 15))
    item = committee.agenda_item_add(actor=manager, meeting=meeting, application=application)
    for n, member in enumerate(members):
        committee.conflict_declare(
            actor=member.user, item=item, has_conflict=n == 3, description="Adviseur" if n == 3 else ""
        )
    open_meeting(meeting)
    for member in members[:3]:
        committee.vote_cast(actor=member.user, item=item, choice="for", remarks="GEHEIME-TOELICHTING")
    stored = committee.minutes_store(actor=manager, meeting=meeting)
    assert "GEHEIME-TOELICHTING" in _text(_content(stored))
    client.force_login(members[3].user)
    own = client.get(reverse("meeting_minutes", args=[meeting.pk]))
    assert own.status_code == 200
    assert "GEHEIME-TOELICHTING" not in _text(own.content)
    assert "voor 3" in _text(own.content)  # the tally stays
    assert client.get(reverse("document_download", args=[stored.pk])).status_code == 404
    with pytest.raises(ApplicationError):
        committee.minutes_store(actor=members[3].user, meeting=meeting)


# --------------------------------------------------------------------------------------------------
# Uploaded application documents
# --------------------------------------------------------------------------------------------------


def test_uploaded_documents_are_served_through_the_pipeline_scope(client, world):
    application = in_committee(world.a)
    document = application.documents.first()
    url = reverse("application_document", args=[document.pk])
    client.force_login(world.b.users[Role.INVESTEE])
    assert client.get(url).status_code == 404
    client.force_login(world.b.users[Role.FUND_MANAGER])
    assert client.get(url).status_code == 404
    investee = world.a.users[Role.INVESTEE]
    client.force_login(investee)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert DownloadRecord.objects.filter(user=investee, file_name=document.file.name).count() == 1
    page = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert url in page and "/media/" not in page


def test_a_bsn_in_an_uploaded_file_name_is_refused(client, world):
    investee = world.a.users[Role.INVESTEE]
    application = draft(world.a)
    with pytest.raises(ValidationError) as refused:
        services.document_add(
            actor=investee, application=application, kind="other", upload=pdf("loonstrook_111222333.pdf")
        )
    assert "file" in refused.value.message_dict
    client.force_login(investee)
    client.post(
        reverse("application_document_add", args=[application.pk]),
        {"kind": "other", "file": pdf("loonstrook_111222333.pdf")},
    )
    assert not application.documents.exists()
    services.document_add(actor=investee, application=application, kind="other", upload=pdf("jaarplan.pdf"))
    assert application.documents.count() == 1
