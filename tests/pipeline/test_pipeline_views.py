"""Pipeline pages: the intake, what each role sees, bad input per field, the overview and export."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from fund.models import Role
from pipeline import services
from pipeline.documents import memo_versions
from pipeline.models import Application, ApplicationDocument, ApplicationStatus, InternalNote

from .pipeline_factories import PDF_BYTES, complete, draft, in_committee, in_due_diligence, submitted

S = ApplicationStatus


ROOTS = {"xl/workbook.xml": "<workbook/>", "word/document.xml": "<document/>"}


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name in names:
            archive.writestr(name, ROOTS.get(name, "<x/>"))
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    """A 'workbook' of a few kilobytes packed that declares 60 MB unpacked: refused before unpacking."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<row/>" * 10_000_000)
    return buffer.getvalue()


def test_investee_creates_a_draft_and_submits_it(client, world):
    investee = world.a.users[Role.INVESTEE]
    client.force_login(investee)
    assert client.get(reverse("application_create")).status_code == 200
    response = client.post(
        reverse("application_create"),
        {
            "fund": world.a.fund.pk,
            "enterprise": world.a.enterprise.pk,
            "requested_amount": "40000",
            "instrument": "loan",
            "term_months": "36",
            "grace_months": "6",
        },
    )
    application = Application.objects.get(enterprise=world.a.enterprise)
    assert response.status_code == 302 and response["Location"] == reverse(
        "application_detail", args=[application.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "Nog niet compleet om in te dienen" in page
    assert "doel van de financiering" in page
    # the submit button answers with the missing items, nothing changes
    response = client.post(reverse("application_transition", args=[application.pk, "submit"]), follow=True)
    assert "De aanvraag is nog niet compleet" in response.content.decode()
    application.refresh_from_db()
    assert application.status == S.DRAFT


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"requested_amount": "0"}, "requested_amount", "groter zijn dan nul"),
        ({"requested_amount": "-5"}, "requested_amount", "groter zijn dan nul"),
        ({"requested_amount": "veel"}, "requested_amount", "is geen geldig getal"),  # core.forms (issue 11)
        ({"term_months": "120"}, "term_months", "maximaal 84 maanden"),
        ({"term_months": "12", "grace_months": "12"}, "grace_months", "korter zijn dan de looptijd"),
        ({"referral_source": "makelaar"}, "referral_partner", "Kies de verwijzende partner"),
    ],
)
def test_bad_request_fields_get_a_message_and_nothing_is_saved(client, world, data, field, message):
    client.force_login(world.a.users[Role.INVESTEE])
    response = client.post(
        reverse("application_create"), {"fund": world.a.fund.pk, "enterprise": world.a.enterprise.pk, **data}
    )
    assert response.status_code == 200
    assert message in " ".join(str(e) for e in response.context["form"].errors.get(field, []))
    assert not Application.objects.exists()


def test_financials_with_text_in_a_number_field_are_refused_whole(client, world):
    investee = world.a.users[Role.INVESTEE]
    application = draft(world.a)
    client.force_login(investee)
    url = reverse("application_financials", args=[application.pk])
    assert client.get(url).status_code == 200
    data = {
        "fy-TOTAL_FORMS": "2",
        "fy-INITIAL_FORMS": "0",
        "fy-0-year": "2025",
        "fy-0-revenue": "100000",
        "fy-1-year": "2024",
        "fy-1-revenue": "honderdduizend",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "is geen geldig getal" in response.content.decode()  # core.forms message (issue 11)
    assert application.financials.count() == 0
    data["fy-1-revenue"] = "90000"
    assert client.post(url, data).status_code == 302
    assert sorted(application.financials.values_list("year", flat=True)) == [2024, 2025]


TYPE_REFUSED = "Alleen PDF-, Excel- (XLSX) en Word-bestanden (DOCX) zijn toegestaan"


@pytest.mark.parametrize(
    ("content", "name", "refusal"),
    [
        (PDF_BYTES, "jaarrekening.pdf", None),
        (_zip("xl/workbook.xml"), "prognose.xlsx", None),
        (_zip("word/document.xml"), "plan.docx", None),
        (b"MZ\x90\x00 not a pdf", "jaarrekening.pdf", TYPE_REFUSED),  # named .pdf, is not
        (_zip("ppt/presentation.xml"), "plan.docx", TYPE_REFUSED),  # a ZIP, but no Word document
        (b"PK\x03\x04 broken zip", "plan.xlsx", TYPE_REFUSED),
        (b"<html>", "plan.html", TYPE_REFUSED),
        (b"%PDF-1.4\n%%EOF\n", "kaal.pdf", TYPE_REFUSED),  # starts like a PDF, has no page
        (b"%PDF-1.7\n<html><script>alert(1)</script></html>", "polyglot.pdf", "bevat HTML of een script"),
    ],
)
def test_uploads_are_checked_by_content(client, world, content, name, refusal):
    application = draft(world.a)
    client.force_login(world.a.users[Role.INVESTEE])
    response = client.post(
        reverse("application_document_add", args=[application.pk]),
        {"kind": "business_plan", "file": SimpleUploadedFile(name, content)},
        follow=True,
    )
    assert ApplicationDocument.objects.filter(application=application).exists() is (refusal is None)
    if refusal:
        assert refusal in response.content.decode()


def test_a_polyglot_and_a_zip_bomb_are_refused_and_a_real_pdf_accepted(client, world):
    import time

    application = draft(world.a)
    client.force_login(world.a.users[Role.INVESTEE])
    url = reverse("application_document_add", args=[application.pk])
    polyglot = PDF_BYTES[:9] + b"%<html><script>alert(1)</script>\n" + PDF_BYTES[9:]
    page = client.post(
        url, {"kind": "business_plan", "file": SimpleUploadedFile("plan.pdf", polyglot)}, follow=True
    )
    assert "bevat HTML of een script" in page.content.decode()
    bomb = _zip_bomb()
    assert len(bomb) < 200_000
    started = time.monotonic()
    page = client.post(
        url, {"kind": "forecast", "file": SimpleUploadedFile("prognose.xlsx", bomb)}, follow=True
    )
    assert time.monotonic() - started < 5
    assert "uitgepakt te groot" in page.content.decode()
    assert not ApplicationDocument.objects.filter(application=application).exists()
    client.post(url, {"kind": "business_plan", "file": SimpleUploadedFile("plan.pdf", PDF_BYTES)})
    assert ApplicationDocument.objects.get(application=application).content_type == "pdf"


def test_oversized_upload_is_refused(client, world, settings):
    application = draft(world.a)
    client.force_login(world.a.users[Role.INVESTEE])
    big = SimpleUploadedFile("groot.pdf", PDF_BYTES + b"0" * (services.MAX_UPLOAD_BYTES + 1))
    response = client.post(
        reverse("application_document_add", args=[application.pk]),
        {"kind": "forecast", "file": big},
        follow=True,
    )
    assert "groter dan 10 MB" in response.content.decode()
    assert not application.documents.exists()


def test_investee_never_sees_internal_notes_checks_scores_or_memo(client, world):
    application = in_committee(world.a)
    manager = world.a.users[Role.FUND_MANAGER]
    services.internal_note_add(actor=manager, application=application, text="GEHEIME-NOTITIE")
    services.message_post(
        actor=manager, application=application, text="Hoe zeker is de order van de gemeente?"
    )
    client.force_login(world.a.users[Role.INVESTEE])
    page = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "Hoe zeker is de order van de gemeente?" in page
    for internal in [
        "GEHEIME-NOTITIE",
        "Toetsing aan het fondsbeleid",
        "Impactbeoordeling",
        "SHA-256",
        "Interne notities",
        "Risicoklasse",
    ]:
        assert internal not in page
    memo = memo_versions(application).get()
    assert client.get(reverse("memo_download", args=[memo.pk])).status_code == 404
    assert client.get(reverse("document_download", args=[memo.pk])).status_code == 404
    assert client.get(reverse("application_assessment", args=[application.pk])).status_code == 404
    client.force_login(manager)
    page = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "GEHEIME-NOTITIE" in page and "SHA-256" in page
    assert client.get(reverse("memo_download", args=[memo.pk]))["Content-Type"] == "application/pdf"
    assert client.get(reverse("document_download", args=[memo.pk]))["Content-Type"] == "application/pdf"


def test_investee_answers_a_question_in_the_thread(client, world):
    application = submitted(world.a)
    services.message_post(actor=world.a.users[Role.FUND_MANAGER], application=application, text="Omzet 2026?")
    client.force_login(world.a.users[Role.INVESTEE])
    client.post(reverse("application_message_post", args=[application.pk]), {"text": "€ 450.000"})
    answer = application.messages.order_by("-pk").first()
    assert (answer.text, answer.from_fund) == ("€ 450.000", False)
    # an internal note cannot be added by the investee (no such page for them)
    assert (
        client.post(reverse("application_note_add", args=[application.pk]), {"text": "x"}).status_code == 404
    )
    assert not InternalNote.objects.exists()


def test_fund_manager_moves_the_application_through_the_pages(client, world):
    application = submitted(world.a)
    client.force_login(world.a.users[Role.FUND_MANAGER])
    for name in ("start_screening", "start_due_diligence"):
        client.post(reverse("application_transition", args=[application.pk, name]))
    application.refresh_from_db()
    assert application.status == S.DUE_DILIGENCE
    page = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "Checklist due diligence" in page
    item = application.checklist.first()
    response = client.post(
        reverse("checklist_item_update", args=[item.pk]),
        {f"item{item.pk}-status": "done", f"item{item.pk}-evidence": ""},
        follow=True,
    )
    assert "Een afgerond onderdeel heeft bewijs nodig" in response.content.decode()
    client.post(
        reverse("checklist_item_update", args=[item.pk]),
        {f"item{item.pk}-status": "done", f"item{item.pk}-evidence": "KvK-uittreksel 2026-03"},
    )
    item.refresh_from_db()
    assert item.status == "done"
    response = client.post(
        reverse("application_terms", args=[application.pk]),
        {
            "amount": "40000",
            "instrument": "equity",
            "interest_rate": "9",
            "term_months": "36",
            "grace_months": "0",
            "grace_type": "interest_only",
            "method": "annuity",
            "frequency": "monthly",
        },
    )
    errors = response.context["form"].errors
    assert "niet toegestaan" in errors["instrument"][0]
    assert (
        "tussen 2.00 % en 6.00 %" in errors["interest_rate"][0]
        or "tussen 2,00 % en 6,00 %" in errors["interest_rate"][0]
    )


def test_pipeline_overview_counts_filters_and_exports(client, world):
    in_due_diligence(world.a)
    draft(world.a)
    client.force_login(world.a.users[Role.FUND_MANAGER])
    url = reverse("pipeline_overview", args=[world.a.fund.pk])
    response = client.get(url)
    summary = {row["stage"].value: row for row in response.context["summary"]}
    assert summary["due_diligence"]["count"] == 1
    assert summary["draft"]["count"] == 1
    assert str(summary["draft"]["amount"]) == "40000.00"
    assert response.context["conversion"][0]["referred"] == 1
    filtered = client.get(url, {"stage": "draft"})
    assert [a.status for a in filtered.context["applications"]] == ["draft"]
    csv_text = client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Aanvraag;Onderneming")
    assert "40000,00" in csv_text
    workbook = load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content))
    assert workbook.active.max_row == 3


def test_pipeline_overview_is_for_fund_managers_only(client, world):
    url = reverse("pipeline_overview", args=[world.a.fund.pk])
    for role in (Role.COMMITTEE_MEMBER, Role.INVESTEE, Role.INVESTOR, Role.MUNICIPAL_OFFICIAL):
        client.force_login(world.a.users[role])
        assert client.get(url).status_code == 404


def test_committee_member_sees_only_applications_on_an_agenda(client, world):
    application = in_due_diligence(world.a)
    member = world.a.users[Role.COMMITTEE_MEMBER]
    client.force_login(member)
    assert client.get(reverse("application_detail", args=[application.pk])).status_code == 404


def test_draft_edit_after_submit_is_refused(client, world):
    application = submitted(world.a)
    client.force_login(world.a.users[Role.INVESTEE])
    response = client.post(
        reverse("application_edit", args=[application.pk]), {"purpose": "Anders"}, follow=True
    )
    assert "kan niet meer worden gewijzigd" in response.content.decode()
    application.refresh_from_db()
    assert application.purpose == "Tweede werkplaats"


def test_nav_shows_pipeline_items_per_role(client, world):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    page = client.get(reverse("fund_list")).content.decode()
    assert reverse("pipeline_overview", args=[world.a.fund.pk]) in page
    client.force_login(world.a.users[Role.INVESTOR])
    page = client.get(reverse("fund_list")).content.decode()
    assert reverse("application_list") not in page
    client.force_login(world.a.users[Role.INVESTEE])
    page = client.get(reverse("fund_list")).content.decode()
    assert reverse("application_list") in page and "Pijplijn" not in page


def test_complete_draft_shows_no_missing_items(world):
    application = complete(draft(world.a), world.a.users[Role.INVESTEE])
    assert services.missing_items(application) == []


def test_demo_has_applications_in_every_stage_and_a_past_committee(db):
    from django.core.management import call_command

    from pipeline.models import PIPELINE_STAGES, ConflictDeclaration, Decision

    call_command("load_demo", quiet_logins=True)
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == {s.value for s in PIPELINE_STAGES}
    assert ConflictDeclaration.objects.filter(has_conflict=True).count() == 1
    decision = Decision.objects.get(outcome="approved_with_conditions")
    assert len(decision.condition_lines) == 2
    approved = decision.item.application
    assert approved.contract is not None
    assert approved.contract.conditions.count() == 3
    call_command("load_demo", quiet_logins=True)  # idempotent
    assert Application.objects.count() == 10


def test_pages_render_in_english(client, world, settings):
    application = in_committee(world.a)
    client.force_login(world.a.users[Role.FUND_MANAGER])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "Checks against the fund&#x27;s policy" in page or "Checks against the fund's policy" in page
    assert "Investment memo" in page
    overview = client.get(reverse("pipeline_overview", args=[world.a.fund.pk])).content.decode()
    assert "Conversion per referrer" in overview


def test_pipeline_filters_by_theme_municipality_and_referral_source(client, world):
    from tests.factories import themes

    first = draft(world.a)
    second = draft(world.a, referral_source="direct")
    second.themes.set(themes("armoede-en-schulden"))
    client.force_login(world.a.users[Role.FUND_MANAGER])
    url = reverse("pipeline_overview", args=[world.a.fund.pk])
    theme = themes("werk-en-participatie")[0]
    response = client.get(url, {"theme": theme.pk})
    assert [a.pk for a in response.context["applications"]] == [first.pk]
    municipality = world.a.enterprise.organisation.municipality
    assert len(client.get(url, {"municipality": municipality.pk}).context["applications"]) == 2
    assert len(client.get(url, {"source": "makelaar"}).context["applications"]) == 0
    assert len(client.get(url, {"source": "onzin", "theme": "x"}).context["applications"]) == 2


def test_fund_manager_seats_a_member_and_plans_a_meeting(client, world):
    from pipeline.models import CommitteeMember, Meeting

    manager = world.a.users[Role.FUND_MANAGER]
    member = world.a.users[Role.COMMITTEE_MEMBER]
    client.force_login(manager)
    url = reverse("meeting_list", args=[world.a.fund.pk])
    response = client.post(
        url,
        {
            "member": "1",
            "member-user": member.pk,
            "member-is_chair": "on",
            "member-term_start": "2026-01-01",
            "member-term_end": "2025-01-01",
        },
    )
    assert "De einddatum ligt vóór de begindatum" in response.content.decode()
    client.post(
        url,
        {"member": "1", "member-user": member.pk, "member-is_chair": "on", "member-term_start": "2026-01-01"},
    )
    assert CommitteeMember.objects.get(fund=world.a.fund).is_chair
    response = client.post(url, {"meeting": "1", "meeting-date": "2026-07-01", "meeting-location": "Haarlem"})
    meeting = Meeting.objects.get(fund=world.a.fund)
    assert response["Location"] == reverse("meeting_detail", args=[meeting.pk])
    client.force_login(member)  # a committee member sees the page but cannot plan
    assert client.get(url).status_code == 200
    assert client.post(url, {"meeting": "1", "meeting-date": "2026-08-01"}).status_code == 404
    assert Meeting.objects.count() == 1


def test_checks_run_again_and_override_from_the_page(client, world):
    from fund.models import SocialLabel

    application = submitted(world.a)
    SocialLabel.objects.filter(enterprise=world.a.enterprise).delete()
    client.force_login(world.a.users[Role.FUND_MANAGER])
    client.post(reverse("application_checks_run", args=[application.pk]))
    url = reverse("application_check_override", args=[application.pk, "social_label"])
    response = client.post(url, {"reason": ""}, follow=True)
    assert "Geef een reden." in response.content.decode()
    client.post(url, {"reason": "Aanvraag PSO loopt"})
    assert services.unresolved_checks(application) == []


def test_double_submit_from_the_page_is_harmless(client, world):
    investee = world.a.users[Role.INVESTEE]
    application = complete(draft(world.a), investee)
    client.force_login(investee)
    url = reverse("application_transition", args=[application.pk, "submit"])
    client.post(url)
    response = client.post(url, follow=True)
    assert "Deze aanvraag was al ingediend." in response.content.decode()
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_investee_adds_a_document_until_the_committee(client, world):
    application = submitted(world.a)
    client.force_login(world.a.users[Role.INVESTEE])
    url = reverse("application_document_add", args=[application.pk])
    client.post(url, {"kind": "other", "file": SimpleUploadedFile("antwoord.pdf", PDF_BYTES)})
    assert application.documents.filter(kind="other").count() == 1
    Application.objects.filter(pk=application.pk).update(status=S.COMMITTEE)
    response = client.post(
        url, {"kind": "other", "file": SimpleUploadedFile("laat.pdf", PDF_BYTES)}, follow=True
    )
    assert "geen documenten meer" in response.content.decode()
    assert application.documents.filter(kind="other").count() == 1
