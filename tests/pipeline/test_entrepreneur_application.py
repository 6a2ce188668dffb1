"""Issue 16, the entrepreneur's side of an application: every error at once at its field, no edit page after
submission, withdrawing only after a confirmation step with a reason, the fund's limits beside the form with
warnings, plain-language help, what happens next, documents replaced or deleted, the question thread."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fund.models import Role
from pipeline.models import Application, ApplicationStatus

from .pipeline_factories import draft, submitted

S = ApplicationStatus


# --- defect 4: all errors at once, at the fields ------------------------------------------------------


def test_one_save_shows_every_error_at_its_field(client, world):
    """Form errors (a word as amount) and the fund's rules (term, referral partner) in the same answer."""
    client.force_login(world.a.users[Role.INVESTEE])
    response = client.post(
        reverse("application_create"),
        {
            "fund": world.a.fund.pk,
            "enterprise": world.a.enterprise.pk,
            "requested_amount": "veel",
            "term_months": "120",
            "grace_months": "130",
            "referral_source": "makelaar",
        },
    )
    assert response.status_code == 200
    errors = {field: " ".join(messages) for field, messages in response.context["form"].errors.items()}
    assert set(errors) == {"requested_amount", "term_months", "grace_months", "referral_partner"}
    assert "maximaal 84 maanden" in errors["term_months"]
    assert "korter zijn dan de looptijd" in errors["grace_months"]
    assert "Kies de verwijzende partner" in errors["referral_partner"]
    assert not Application.objects.exists()


def test_editing_a_draft_shows_every_error_of_the_fund_rules_at_once(client, world):
    application = draft(world.a)
    client.force_login(world.a.users[Role.INVESTEE])
    response = client.post(
        reverse("application_edit", args=[application.pk]),
        {
            "requested_amount": "40.000",
            "term_months": "100",
            "grace_months": "100",
            "referral_source": "network",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"term_months", "grace_months", "referral_partner"}
    application.refresh_from_db()
    assert application.term_months == 36


def test_the_service_also_refuses_every_rule_at_once(world):
    with pytest.raises(ValidationError) as exc:
        draft(world.a, term_months=100, grace_months=100, referral_source="makelaar")
    assert set(exc.value.message_dict) >= {"term_months", "grace_months", "referral_partner"}


# --- defect 5: no edit page after submission; withdrawing is confirmed with a reason ----------------------


def test_edit_pages_do_not_open_after_submission(client, world):
    application = submitted(world.a)
    client.force_login(world.a.users[Role.INVESTEE])
    detail = reverse("application_detail", args=[application.pk])
    for name in ("application_edit", "application_financials"):
        response = client.get(reverse(name, args=[application.pk]))
        assert response.status_code == 302 and response["Location"] == detail
    page = client.get(detail).content.decode()
    assert "is ingediend en kan niet meer worden gewijzigd" in page
    assert reverse("application_edit", args=[application.pk]) not in page


def test_withdraw_is_not_beside_submit_and_needs_a_confirmation_with_a_reason(client, world):
    application = draft(world.a)
    client.force_login(world.a.users[Role.INVESTEE])
    page = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert 'data-transition="submit"' in page
    assert 'data-transition="withdraw"' not in page  # no one-click withdraw beside "Indienen"
    confirm = reverse("application_withdraw", args=[application.pk])
    assert confirm in page
    page = client.get(confirm).content.decode()
    assert "Wat intrekken betekent" in page and "Ja, aanvraag intrekken" in page
    response = client.post(confirm, {"reason": "  "})
    assert response.status_code == 200 and "Geef een reden." in response.content.decode()
    application.refresh_from_db()
    assert application.status == S.DRAFT
    response = client.post(confirm, {"reason": "We hebben een lening van de bank gekregen."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.WITHDRAWN
    assert client.get(confirm).status_code == 404  # nothing left to withdraw


def test_withdrawing_through_the_service_needs_a_reason(world):
    from pipeline import services

    application = draft(world.a)
    with pytest.raises(ValidationError):
        services.application_withdraw(actor=world.a.users[Role.INVESTEE], application=application, reason="")
    application.refresh_from_db()
    assert application.status == S.DRAFT


# --- before applying: the fund's limits beside the form, warnings at once ---------------------------------


def test_form_shows_the_funds_limits_beside_it(client, world):
    client.force_login(world.a.users[Role.INVESTEE])
    page = client.get(reverse("application_create")).content.decode()
    assert "Wat het fonds financiert" in page
    assert "van € 25.000 tot € 250.000" in page
    assert "Lening" in page and "hoogstens 84 maanden" in page
    assert 'id="fund-limits-data"' in page  # the same limits for the live warnings in the browser


def test_equity_draft_above_the_ticket_is_saved_with_warnings(client, world):
    """The issue's case: € 500.000 equity at a loans-only fund of at most € 250.000 was saved silently."""
    client.force_login(world.a.users[Role.INVESTEE])
    response = client.post(
        reverse("application_create"),
        {
            "fund": world.a.fund.pk,
            "enterprise": world.a.enterprise.pk,
            "requested_amount": "500.000",
            "instrument": "equity",
            "term_months": "60",
            "grace_months": "0",
        },
        follow=True,
    )
    page = response.content.decode()
    application = Application.objects.get()
    assert application.status == S.DRAFT  # a draft may still be saved
    assert "Let op: Dit fonds financiert van € 25.000 tot € 250.000; u vraagt € 500.000,00." in page
    assert "Let op: Dit fonds verstrekt geen aandelenkapitaal, wel: lening." in page
    assert 'id="limit-warnings"' in page  # and the detail page keeps saying it while it is a draft


def test_a_request_inside_the_limits_gets_no_warning(client, world):
    client.force_login(world.a.users[Role.INVESTEE])
    page = client.post(
        reverse("application_create"),
        {
            "fund": world.a.fund.pk,
            "enterprise": world.a.enterprise.pk,
            "requested_amount": "40.000",
            "instrument": "loan",
            "term_months": "36",
            "grace_months": "6",
        },
        follow=True,
    ).content.decode()
    assert "Let op:" not in page and 'id="limit-warnings"' not in page


# --- plain language and what happens next ------------------------------------------------------------------


def test_financial_terms_are_explained_with_examples(client, world):
    application = draft(world.a)
    client.force_login(world.a.users[Role.INVESTEE])
    page = client.get(reverse("application_financials", args=[application.pk])).content.decode()
    for term in ("EBITDA", "Eigen vermogen", "Bestaande schuldendienst", "30E/360", "Toerekening"):
        assert f"<dt>{term}</dt>" in page
    assert "vóór rente, belastingen en afschrijvingen" in page
    assert 'placeholder="45.000"' in page and "Bijv. 45.000" in page
    assert 'aria-labelledby="col-ebitda"' in page


def test_after_submission_the_next_steps_show_the_current_stage(client, world):
    application = submitted(world.a)
    client.force_login(world.a.users[Role.INVESTEE])
    url = reverse("application_detail", args=[application.pk])
    page = client.get(url).content.decode()
    assert "Wat er nu gebeurt" in page and "Gebruikelijke duur:" in page
    current = page.split('aria-current="step"')[1][:200]
    assert "Ontvangen" in current
    from pipeline import services

    services.application_start_screening(actor=world.a.users[Role.FUND_MANAGER], application=application)
    page = client.get(url).content.decode()
    assert "Eerste beoordeling" in page.split('aria-current="step"')[1][:200]
    draft_page = client.get(reverse("application_detail", args=[draft(world.b).pk]))
    assert draft_page.status_code == 404  # another enterprise's application: nothing to see


# --- documents: replace or delete while a draft, replace when the fund asks ------------------------------


def _pdf(name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .pipeline_factories import PDF_BYTES

    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def test_draft_documents_are_replaced_and_deleted(client, world):
    from pipeline import services

    application = draft(world.a)
    investee = world.a.users[Role.INVESTEE]
    document = services.document_add(
        actor=investee, application=application, kind="business_plan", upload=_pdf("plan-v1.pdf")
    )
    client.force_login(investee)
    response = client.post(
        reverse("application_document_replace", args=[document.pk]), {"file": _pdf("plan-v2.pdf")}
    )
    assert response.status_code == 302
    current = application.documents.get(removed_at__isnull=True)
    assert current.filename.startswith("plan-v2") and current.kind == "business_plan"
    document.refresh_from_db()
    assert document.replaced_by == current and document.removed_at is not None  # kept, no longer counts
    page = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "Eerdere versies" in page
    client.post(reverse("application_document_remove", args=[current.pk]))
    assert not application.documents.filter(removed_at__isnull=True).exists()
    assert "document: ondernemingsplan" in services.missing_items(application)


def test_after_submission_documents_are_replaced_only_when_the_fund_asks(client, world):
    from pipeline import services

    application = submitted(world.a)
    investee, manager = world.a.users[Role.INVESTEE], world.a.users[Role.FUND_MANAGER]
    document = application.documents.get(kind="forecast")
    client.force_login(investee)
    url = reverse("application_document_replace", args=[document.pk])
    page = client.post(url, {"file": _pdf("prognose-2.pdf")}, follow=True).content.decode()
    assert "als het fonds erom vraagt" in page
    assert application.documents.filter(removed_at__isnull=True).count() == 3
    services.message_post(
        actor=manager, application=application, text="Graag een nieuwe prognose.", requests_documents=True
    )
    client.post(url, {"file": _pdf("prognose-2.pdf")})
    assert application.documents.get(kind="forecast", removed_at__isnull=True).filename.startswith(
        "prognose-2"
    )
    # deleting is for drafts only: a submitted application keeps what the fund has read
    other = application.documents.get(kind="business_plan")
    page = client.post(reverse("application_document_remove", args=[other.pk]), follow=True).content.decode()
    assert "alleen worden vervangen, niet verwijderd" in page
    other.refresh_from_db()
    assert other.removed_at is None


def test_another_enterprise_cannot_replace_or_delete(client, world):
    from pipeline import services

    application = draft(world.a)
    document = services.document_add(
        actor=world.a.users[Role.INVESTEE], application=application, kind="other", upload=_pdf("x.pdf")
    )
    client.force_login(world.b.users[Role.INVESTEE])
    assert client.post(reverse("application_document_remove", args=[document.pk])).status_code == 404
    response = client.post(
        reverse("application_document_replace", args=[document.pk]), {"file": _pdf("y.pdf")}
    )
    assert response.status_code == 404
    document.refresh_from_db()
    assert document.removed_at is None


# --- the message thread ------------------------------------------------------------------------------------


def test_thread_between_entrepreneur_and_fund_with_link_only_emails(
    client, world, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://impactfonds.example.org"
    application = submitted(world.a)
    investee, manager = world.a.users[Role.INVESTEE], world.a.users[Role.FUND_MANAGER]
    client.force_login(manager)
    url = reverse("application_message_post", args=[application.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"text": "Hoeveel mensen uit de bijstand werken er nu? (vertrouwelijk)"})
    assert response.status_code == 302
    client.force_login(investee)
    page = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "Berichten met het fonds" in page and "Hoeveel mensen uit de bijstand" in page
    assert "requests_documents" not in page  # the investee cannot ask itself for documents
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"text": "Zes, en twee in opleiding."})
    assert [m.from_fund for m in application.messages.all()] == [True, False]
    subjects = [m.subject for m in mailoutbox]
    assert subjects == [f"{application.number}: nieuw bericht"] * 2
    to_investee, to_manager = mailoutbox
    assert investee.email in to_investee.to and manager.email in to_manager.to
    link = f"https://impactfonds.example.org/applications/{application.pk}/#berichten"
    for mail in mailoutbox:
        assert link in mail.body
        assert "vertrouwelijk" not in mail.body and "Zes" not in mail.body  # a link, not the content
    client.force_login(world.b.users[Role.INVESTEE])
    assert client.post(url, {"text": "gekaapt"}).status_code == 404
    assert application.messages.count() == 2


def test_an_empty_message_is_refused_with_its_field(client, world):
    application = draft(world.a)
    client.force_login(world.a.users[Role.INVESTEE])
    page = client.post(
        reverse("application_message_post", args=[application.pk]), {"text": "  "}, follow=True
    ).content.decode()
    assert "Uw bericht" in page and not application.messages.exists()
