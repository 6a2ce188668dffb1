"""Pipeline pages: thin views over the scoped selectors and the services.

Every object is fetched through a `*_for(user)` selector (404 outside scope); what a user may *do* is
checked by the service, whose refusal is shown as a message. Internal data (notes, checks, due diligence,
scores, memo, votes) only reaches the template when `can_see_internal` is true.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.documents import serve_document, serve_upload
from core.errors import ApplicationError, error_text
from core.exports import EXCEL_DATE, EXCEL_EUR, csv_response, excel_value, workbook_bytes
from core.models import StoredDocument
from core.ratelimit import action_limited
from core.views import run_action, submit_form
from fund import selectors as fund_selectors
from fund.models import Enterprise, FundStatus, Municipality, Role, Theme, User
from impactmeasurement import selectors as impact_selectors

from . import analysis, committee, documents, policy, selectors, services, stateaid
from .forms import (
    AgendaItemForm,
    ApplicationForm,
    AssessmentForm,
    AttendanceForm,
    ChecklistItemForm,
    DecisionForm,
    DeclarationForm,
    DocumentForm,
    FinancialFormSet,
    LeaveForm,
    MeetingForm,
    MemberForm,
    MessageForm,
    NoteForm,
    OpenMeetingForm,
    OverrideForm,
    ReasonForm,
    ReplaceDocumentForm,
    ReturnForm,
    TermsForm,
    VoteForm,
    WithdrawForm,
)
from .models import (
    DECIDED_STATUSES,
    IMPACT_DIMENSIONS,
    PIPELINE_STAGES,
    AgendaItem,
    ApplicationDocument,
    ApplicationStatus,
    Assessment,
    ChecklistItem,
    CommitteeMember,
    Decision,
    Meeting,
    ProposedTerms,
    ReferralSource,
)
from .transitions import allowed_from

TRANSITION_SERVICES = {
    "submit": services.application_submit,
    "start_screening": services.application_start_screening,
    "start_due_diligence": services.application_start_due_diligence,
    "refer_to_committee": services.application_refer_to_committee,
    "decline": services.application_decline,
    "hold": services.application_hold,
    "resume": services.application_resume,
    "withdraw": services.application_withdraw,
}
NEEDS_REASON = {"decline", "hold", "withdraw"}
TAKES_REASON = {"decline", "hold", "resume", "withdraw"}


def _detail_url(pk: int) -> str:
    return reverse("application_detail", args=[pk])


def _form_errors(request, form) -> None:
    """A button's form that did not validate: its errors as messages on the page it came from."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _application(request, pk: int):
    return fund_selectors.get_scoped_or_404(selectors.applications_for(request.user), pk=pk)


def _staff_application(request, pk: int):
    """An application whose internal pages the user may see (fund staff); others get 404."""
    application = _application(request, pk)
    if not selectors.can_see_internal(request.user, application):
        raise Http404
    return application


# --------------------------------------------------------------------------------------------------
# Applications
# --------------------------------------------------------------------------------------------------


@login_required
def application_list(request):
    applications = selectors.applications_for(request.user).order_by("-created_at")
    return render(request, "pipeline/application_list.html", {"applications": applications})


@login_required
def application_create(request):
    user = request.user
    funds = fund_selectors.funds_for(user).filter(status=FundStatus.INVESTING)
    own = Enterprise.objects.filter(organisation_id__in=fund_selectors.own_enterprise_organisation_ids(user))
    managed = fund_selectors.enterprises_for(user).filter(
        fund_relations__fund_id__in=fund_selectors.managed_fund_ids(user)
    )
    enterprises = (own | managed).distinct().select_related("organisation")
    if not enterprises.exists():
        raise Http404
    form = ApplicationForm(request.POST or None, fund_choices=funds, enterprise_choices=enterprises)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: _warn_outside_limits(
                request,
                services.application_create(
                    actor=user, fund=data["fund"], enterprise=data["enterprise"], **form.service_kwargs()
                ),
            ),
            success_url=lambda application: _detail_url(application.pk),
            success_message=_("Concept opgeslagen. Vul de jaarcijfers en documenten aan en dien in."),
        )
        if done:
            return done
    if len(enterprises) == 1 and not form.is_bound:
        form.initial["enterprise"] = enterprises[0]
    return render(
        request,
        "pipeline/application_form.html",
        {"form": form, "title": _("Nieuwe aanvraag"), "limits": [policy.fund_limits(f) for f in funds]},
    )


def _warn_outside_limits(request, application):
    """Saved, but outside what the fund finances: say so at once (the draft stays; the fund decides)."""
    for warning in policy.application_warnings(application).values():
        messages.warning(request, _("Let op: %(warning)s") % {"warning": warning})
    return application


def _refuse_unless_draft(request, application):
    """The edit pages of a submitted application do not open at all (not only refuse on save)."""
    if application.status == ApplicationStatus.DRAFT:
        return None
    messages.info(
        request,
        _("Aanvraag %(n)s is %(status)s en kan niet meer worden gewijzigd; alleen een concept kan dat.")
        % {"n": application.number, "status": application.get_status_display().lower()},
    )
    return redirect("application_detail", pk=application.pk)


@login_required
def application_edit(request, pk: int):
    application = _application(request, pk)
    refused = _refuse_unless_draft(request, application)
    if refused:
        return refused
    form = ApplicationForm(
        request.POST or None, initial=ApplicationForm.initial_for(application), fund=application.fund
    )
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda _data: _warn_outside_limits(
                request,
                services.application_update(
                    actor=request.user, application=application, **form.service_kwargs()
                ),
            ),
            success_url=_detail_url(application.pk),
            success_message=_("Concept opgeslagen."),
        )
        if done:
            return done
    return render(
        request,
        "pipeline/application_form.html",
        {
            "form": form,
            "application": application,
            "title": _("Aanvraag %(n)s bewerken") % {"n": application.number},
            "limits": [policy.fund_limits(application.fund)],
        },
    )


@login_required
def application_financials(request, pk: int):
    application = _application(request, pk)
    refused = _refuse_unless_draft(request, application)
    if refused:
        return refused
    initial = [
        {f: getattr(y, f) for f in ["year", "is_forecast", *services.FINANCIAL_FIELDS]}
        for y in application.financials.all()
    ]
    formset = FinancialFormSet(request.POST or None, initial=initial, prefix="fy")
    if request.method == "POST" and formset.is_valid():
        years = [
            form.cleaned_data
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("year")
        ]
        # A formset has no single form to put a refusal on: it is shown above the figures, which stay.
        try:
            services.financial_years_save(actor=request.user, application=application, years=years)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Jaarcijfers opgeslagen."))
            return redirect("application_detail", pk=application.pk)
    return render(request, "pipeline/financials_form.html", {"formset": formset, "application": application})


@login_required
def application_detail(request, pk: int):
    application = _application(request, pk)
    user = request.user
    internal = selectors.can_see_internal(user, application)
    roles = services.actor_roles(user, application)
    context = {
        "application": application,
        "internal": internal,
        "can_edit": application.status == ApplicationStatus.DRAFT and bool(roles),
        "can_upload": bool(roles) and application.status in services.UPLOAD_STATUSES,
        "is_fund_manager": services.FUND_MANAGER in roles,
        "is_investee": services.INVESTEE in roles,
        "financials": list(application.financials.all()),
        "documents": application.documents.filter(removed_at__isnull=True),
        "earlier_documents": application.documents.filter(removed_at__isnull=False).select_related(
            "replaced_by"
        ),
        "documents_changeable": bool(roles) and services.documents_changeable(application),
        "replace_form": ReplaceDocumentForm(),
        "messages_thread": application.messages.select_related("author"),
        "message_form": MessageForm(from_fund=services.FUND_MANAGER in roles) if roles else None,
        "next_steps": selectors.next_steps(application)
        if application.status not in (ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN)
        else [],
        "limit_warnings": list(policy.application_warnings(application).values())
        if application.status == ApplicationStatus.DRAFT
        else [],
        "missing": services.missing_items(application)
        if application.status == ApplicationStatus.DRAFT
        else [],
        # withdrawing has its own confirmation page (effect and reason), away from "Indienen"
        "transitions": [t for t in _allowed(application, roles) if t.name != "withdraw"],
        "can_withdraw": any(t.name == "withdraw" for t in _allowed(application, roles)),
        "needs_reason": NEEDS_REASON,
        "takes_reason": TAKES_REASON,
        "document_form": DocumentForm(),
        "reason_form": ReasonForm(),
        "decisions": Decision.objects.filter(item__application=application).select_related("item__meeting"),
    }
    if internal:
        checks = services.latest_checks(application)
        overrides = {o.code: o for o in application.eligibility_overrides.select_related("by")}
        from .eligibility import CHECK_LABELS

        for check in checks:
            check.label = CHECK_LABELS.get(check.code, check.code)
            check.override = overrides.get(check.code)
        try:
            assessment = application.assessment
        except Assessment.DoesNotExist:
            assessment = None
        try:
            terms = application.terms
        except ProposedTerms.DoesNotExist:
            terms = None
        owners = User.objects.filter(
            memberships__fund=application.fund,
            memberships__role=Role.FUND_MANAGER,
            memberships__is_active=True,
        )
        checklist = list(application.checklist.select_related("owner"))
        for item in checklist:
            item.form = ChecklistItemForm(
                owners=owners,
                prefix=f"item{item.pk}",
                initial={
                    "status": item.status,
                    "owner": item.owner,
                    "evidence": item.evidence,
                    "comment": item.comment,
                },
            )
        context.update(
            {
                "checks": checks,
                "override_form": OverrideForm(),
                "notes": application.internal_notes.select_related("author"),
                "note_form": NoteForm(),
                "checklist": checklist,
                "assessment": assessment,
                "dimensions": [
                    (
                        AssessmentForm.DIMENSION_LABELS[d],
                        getattr(assessment, f"{d}_score"),
                        getattr(assessment, f"{d}_rationale"),
                    )
                    for d in IMPACT_DIMENSIONS
                ]
                if assessment
                else [],
                "terms": terms,
                "de_minimis": stateaid.loan_aid(application),
                "ratios": analysis.financial_analysis(application),
                "memos": documents.memo_versions(application).select_related("created_by"),
                "readiness": services.committee_readiness(application)
                if application.status == ApplicationStatus.DUE_DILIGENCE
                else [],
                "history": fund_selectors.audit_events_for(user=user, obj=application),
            }
        )
    return render(request, "pipeline/application_detail.html", context)


def _allowed(application, roles: set[str]):
    return [t for t in allowed_from(application.status) if set(t.roles) & roles]


@login_required
def application_withdraw(request, pk: int):
    """The confirmation step for withdrawing: what it means, a reason, and an explicit button."""
    application = _application(request, pk)
    roles = services.actor_roles(request.user, application)
    if not any(t.name == "withdraw" for t in _allowed(application, roles)):
        raise Http404
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.application_withdraw(
                actor=request.user, application=application, reason=data["reason"]
            ),
            success_url=_detail_url(pk),
            success_message=_("Aanvraag %(n)s is ingetrokken.") % {"n": application.number},
        )
        if done:
            return done
    return render(request, "pipeline/withdraw_confirm.html", {"application": application, "form": form})


@login_required
@require_POST
def application_transition(request, pk: int, name: str):
    application = _application(request, pk)
    service = TRANSITION_SERVICES.get(name)
    if service is None:
        raise Http404
    kwargs = {}
    if name in TAKES_REASON:
        kwargs["reason"] = request.POST.get("reason", "")
    before = application.status

    def action():
        moved = service(actor=request.user, application=application, **kwargs)
        if name == "submit" and before == moved.status == ApplicationStatus.SUBMITTED:
            messages.info(request, _("Deze aanvraag was al ingediend."))
        else:
            messages.success(request, _("Status: %(status)s.") % {"status": moved.get_status_display()})
        return moved

    return run_action(request, action=action, success_url=_detail_url(pk))


@login_required
@require_POST
def document_add(request, pk: int):
    application = _application(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("application_detail", pk=pk)
    return run_action(
        request,
        action=lambda: services.document_add(
            actor=request.user,
            application=application,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
        ),
        success_url=_detail_url(pk),
        success_message=_("Document toegevoegd."),
    )


def _own_document(request, pk: int) -> ApplicationDocument:
    return fund_selectors.get_scoped_or_404(
        ApplicationDocument.objects.filter(application__in=selectors.applications_for(request.user)), pk=pk
    )


@login_required
@require_POST
def document_replace(request, pk: int):
    document = _own_document(request, pk)
    form = ReplaceDocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("application_detail", pk=document.application_id)
    return run_action(
        request,
        action=lambda: services.document_replace(
            actor=request.user, document=document, upload=form.cleaned_data["file"]
        ),
        success_url=_detail_url(document.application_id),
        success_message=_("Document vervangen; het vorige blijft bewaard als eerdere versie."),
    )


@login_required
@require_POST
def document_remove(request, pk: int):
    document = _own_document(request, pk)
    return run_action(
        request,
        action=lambda: services.document_remove(actor=request.user, document=document),
        success_url=_detail_url(document.application_id),
        success_message=_("Document verwijderd."),
    )


@login_required
@require_POST
def message_post(request, pk: int):
    application = _application(request, pk)
    roles = services.actor_roles(request.user, application)
    if not roles:
        raise Http404
    form = MessageForm(request.POST, from_fund=services.FUND_MANAGER in roles)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(_detail_url(pk) + "#berichten")
    return run_action(
        request,
        action=lambda: services.message_post(
            actor=request.user, application=application, **form.cleaned_data
        ),
        success_url=_detail_url(pk) + "#berichten",
        success_message=_("Bericht verstuurd."),
    )


@login_required
def document_download(request, pk: int):
    """An uploaded application document, found through the user's applications (404 otherwise)."""
    document = fund_selectors.get_scoped_or_404(
        ApplicationDocument.objects.filter(application__in=selectors.applications_for(request.user)), pk=pk
    )
    return serve_upload(
        request, subject=document.application, field_file=document.file, filename=document.filename
    )


@login_required
@require_POST
def note_add(request, pk: int):
    application = _staff_application(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("application_detail", pk=pk)
    return run_action(
        request,
        action=lambda: services.internal_note_add(
            actor=request.user, application=application, text=form.cleaned_data["text"]
        ),
        success_url=_detail_url(pk),
    )


@login_required
@require_POST
def checks_run(request, pk: int):
    application = _staff_application(request, pk)
    return run_action(
        request,
        action=lambda: services.eligibility_run(actor=request.user, application=application),
        success_url=_detail_url(pk),
        success_message=_("Toetsen opnieuw uitgevoerd."),
    )


@login_required
@require_POST
def check_override(request, pk: int, code: str):
    application = _staff_application(request, pk)
    form = OverrideForm(request.POST)
    return run_action(
        request,
        action=lambda: services.eligibility_override(
            actor=request.user, application=application, code=code, reason=form.data.get("reason", "")
        ),
        success_url=_detail_url(pk),
        success_message=_("Afwijking toegestaan; de reden staat in de audittrail."),
    )


@login_required
@require_POST
def checklist_item_update(request, pk: int):
    item = fund_selectors.get_scoped_or_404(
        ChecklistItem.objects.filter(application__in=selectors.applications_for(request.user)), pk=pk
    )
    if not selectors.can_see_internal(request.user, item.application):
        raise Http404
    owners = User.objects.filter(memberships__fund=item.application.fund, memberships__role=Role.FUND_MANAGER)
    form = ChecklistItemForm(request.POST, owners=owners, prefix=f"item{item.pk}")
    if not form.is_valid():
        messages.error(request, _("Controleer de velden van '%(item)s'.") % {"item": item.title})
        return redirect("application_detail", pk=item.application_id)
    return run_action(
        request,
        action=lambda: services.checklist_item_update(actor=request.user, item=item, **form.cleaned_data),
        success_url=_detail_url(item.application_id),
        success_message=_("Checklist bijgewerkt: %(item)s.") % {"item": item.title},
    )


@login_required
def assessment_edit(request, pk: int):
    application = _staff_application(request, pk)
    assessment = Assessment.objects.filter(application=application).first()
    initial = {f: getattr(assessment, f) for f in services.ASSESSMENT_FIELDS} if assessment else {}
    if assessment:
        initial["expected_metrics"] = list(assessment.expected_metrics.values_list("pk", flat=True))
    metrics = impact_selectors.metrics_for(request.user, fund=application.fund).order_by("name_nl")
    form = AssessmentForm(request.POST or None, initial=initial, metrics=metrics)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.assessment_save(actor=request.user, application=application, **data),
            success_url=_detail_url(pk),
            success_message=_("Beoordeling opgeslagen."),
        )
        if done:
            return done
    return render(
        request,
        "pipeline/simple_form.html",
        {"form": form, "application": application, "title": _("Impactbeoordeling en risico")},
    )


@login_required
def terms_edit(request, pk: int):
    application = _staff_application(request, pk)
    terms = ProposedTerms.objects.filter(application=application).first()
    if terms:
        initial = {f: getattr(terms, f) for f in services.TERMS_FIELDS}
        initial["amount"] = terms.amount.amount
    else:
        initial = {
            "amount": application.requested_amount.amount if application.requested_amount else None,
            "instrument": application.instrument,
            "term_months": application.term_months,
            "grace_months": application.grace_months,
        }
    form = TermsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda _data: services.terms_save(
                actor=request.user, application=application, **form.service_kwargs()
            ),
            success_url=_detail_url(pk),
            success_message=_("Voorgestelde voorwaarden opgeslagen."),
        )
        if done:
            return done
    return render(
        request,
        "pipeline/simple_form.html",
        {"form": form, "application": application, "title": _("Voorgestelde voorwaarden")},
    )


@login_required
@require_POST
def memo_generate(request, pk: int):
    application = _staff_application(request, pk)
    return run_action(
        request,
        action=lambda: services.memo_generate(
            actor=request.user, application=application, reason=request.POST.get("reason", "")
        ),
        success_url=_detail_url(pk),
        success_message=lambda memo: _("Memo versie %(n)s gemaakt.") % {"n": memo.version},
    )


@login_required
def memo_download(request, pk: int):
    """A stored memo version (the old memo link): the same scope as the one download view."""
    memo = get_object_or_404(StoredDocument, pk=pk, kind=documents.INVESTMENT_MEMO)
    application = memo.subject
    if application is None or not documents.can_view_memo(request.user, application):
        raise Http404
    return serve_document(request, memo)


@login_required
@require_POST
def application_hand_off(request, pk: int):
    application = _staff_application(request, pk)
    return run_action(
        request,
        action=lambda: services.application_hand_off(actor=request.user, application=application),
        success_url=_detail_url(pk),
        success_message=lambda contract: (
            _("Overgedragen aan de portefeuille: contract %(ref)s.") % {"ref": contract.reference}
        ),
    )


# --------------------------------------------------------------------------------------------------
# Pipeline overview
# --------------------------------------------------------------------------------------------------


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def pipeline_overview(request, fund_pk: int):
    fund = fund_selectors.get_scoped_or_404(fund_selectors.funds_for(request.user), pk=fund_pk)
    if fund.pk not in fund_selectors.managed_fund_ids(request.user) and not fund_selectors.is_administrator(
        request.user
    ):
        raise Http404
    stage = request.GET.get("stage", "")
    source = request.GET.get("source", "")
    filters = {
        "theme": _int_or_none(request.GET.get("theme")),
        "municipality": _int_or_none(request.GET.get("municipality")),
        "referral_source": source if source in ReferralSource.values else "",
        "stage": stage if stage in ApplicationStatus.values else "",
    }
    applications = selectors.pipeline_applications(user=request.user, fund_ids={fund.pk}, **filters)
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        if (refused := action_limited(request, "export")) is not None:
            return refused
        return _pipeline_export(applications, fund=fund, kind=export)
    context = {
        "fund": fund,
        "applications": applications.prefetch_related("themes"),
        "summary": selectors.stage_summary(applications),
        "funnel": selectors.pipeline_funnel(applications),
        "conversion": selectors.referral_conversion(
            selectors.pipeline_applications(user=request.user, fund_ids={fund.pk})
        ),
        "filters": filters,
        "themes": Theme.objects.filter(pk__in=fund.themes.values("pk")),
        "municipalities": Municipality.objects.filter(pk__in=fund.region.values("pk")),
        "sources": ReferralSource.choices,
        "stages": [(s.value, s.label) for s in PIPELINE_STAGES],
        "query": request.GET.urlencode(),
    }
    return render(request, "pipeline/overview.html", context)


EXPORT_HEADER = [
    "Aanvraag",
    "Onderneming",
    "Gemeente",
    "Status",
    "Dagen in fase",
    "Gevraagd bedrag",
    "Instrument",
    "Thema's",
    "Verwezen via",
    "Verwijzende partner",
    "Ingediend op",
]


def _export_rows(applications):
    now = timezone.now()
    for a in applications.prefetch_related("themes"):
        yield [
            a.number,
            a.enterprise.organisation.name,
            a.enterprise.organisation.municipality.name if a.enterprise.organisation.municipality else "",
            str(a.get_status_display()),
            (now - a.status_changed_at).days,
            a.requested_amount,
            str(a.get_instrument_display()),
            ", ".join(t.name for t in a.themes.all()),
            str(a.get_referral_source_display()),
            a.referral_partner.organisation.name if a.referral_partner else "",
            timezone.localtime(a.submitted_at).date() if a.submitted_at else None,
        ]


def _pipeline_export(applications, *, fund, kind: str) -> HttpResponse:
    filename = f"pijplijn-{fund.code}-{timezone.localdate():%Y%m%d}"
    if kind == "csv":
        return csv_response(filename=f"{filename}.csv", header=EXPORT_HEADER, rows=_export_rows(applications))
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Pijplijn"
    sheet.append(EXPORT_HEADER)
    for row in _export_rows(applications):
        sheet.append([excel_value(value) for value in row])
    for cell in sheet["F"][1:]:
        cell.number_format = EXCEL_EUR
    for cell in sheet["K"][1:]:
        cell.number_format = EXCEL_DATE
    content = workbook_bytes(workbook)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


# --------------------------------------------------------------------------------------------------
# Committee
# --------------------------------------------------------------------------------------------------


@login_required
def meeting_list(request, fund_pk: int):
    fund = fund_selectors.get_scoped_or_404(fund_selectors.funds_for(request.user), pk=fund_pk)
    if fund.pk not in fund_selectors.staff_fund_ids(request.user) and not fund_selectors.is_administrator(
        request.user
    ):
        raise Http404
    is_manager = services.is_fund_manager(request.user, fund)
    committee_users = User.objects.filter(
        memberships__fund=fund, memberships__role=Role.COMMITTEE_MEMBER, memberships__is_active=True
    )
    meeting_form = MeetingForm(request.POST if "meeting" in request.POST else None, prefix="meeting")
    member_form = MemberForm(
        request.POST if "member" in request.POST else None, users=committee_users, prefix="member"
    )
    if request.method == "POST":
        if not is_manager:
            raise Http404
        done = None
        if "meeting" in request.POST and meeting_form.is_valid():
            done = submit_form(
                request,
                meeting_form,
                action=lambda data: committee.meeting_create(actor=request.user, fund=fund, **data),
                success_url=lambda meeting: reverse("meeting_detail", args=[meeting.pk]),
            )
        elif "member" in request.POST and member_form.is_valid():
            done = submit_form(
                request,
                member_form,
                action=lambda data: committee.committee_member_add(actor=request.user, fund=fund, **data),
                success_url=reverse("meeting_list", args=[fund.pk]),
                success_message=_("Commissielid toegevoegd."),
            )
        if done:
            return done
    context = {
        "fund": fund,
        "meetings": selectors.meetings_for(request.user).filter(fund=fund).prefetch_related("items"),
        "members": CommitteeMember.objects.filter(fund=fund).select_related("user"),
        "rules": committee.rules_for(fund),
        "is_manager": is_manager,
        "meeting_form": meeting_form,
        "member_form": member_form,
        "today": timezone.localdate(),
    }
    return render(request, "pipeline/meeting_list.html", context)


@login_required
def meeting_detail(request, pk: int):
    meeting = fund_selectors.get_scoped_or_404(selectors.meetings_for(request.user), pk=pk)
    user = request.user
    fund = meeting.fund
    is_manager = services.is_fund_manager(user, fund)
    seat = committee.seat_of(user, fund, meeting.date)
    register = list(meeting.attendance.select_related("member__user").order_by("-member__is_chair", "pk"))
    present_ids = [a.member_id for a in register if a.status == "present"]
    is_chair = bool(seat and seat.is_chair)
    seated = committee.serving_members(meeting)
    seated_qs = CommitteeMember.objects.filter(pk__in=[m.pk for m in seated])
    items = list(
        meeting.items.select_related("application__enterprise__organisation", "memo").prefetch_related(
            "decisions"
        )
    )
    for item in items:
        item.declarations_list = list(item.declarations.select_related("member__user"))
        item.my_declaration = next(
            (d for d in item.declarations_list if seat and d.member_id == seat.pk), None
        )
        item.show_votes = selectors.can_see_votes(user, item)
        item.votes_list = list(item.votes.select_related("member__user")) if item.show_votes else []
        item.my_vote = item.votes.filter(member=seat).first() if seat else None
        item.tally = committee.tally(item) if item.show_votes else None
        item.decision_list = list(item.decisions.all())
        item.current = committee.current_decision(item.application)
        # One set of forms per agenda item, with ids of their own: a label in item 2 must not tick item 1.
        auto_id = f"id_item{item.pk}_%s"
        item.declaration_form = DeclarationForm(auto_id=auto_id)
        item.vote_form = VoteForm(auto_id=auto_id)
        item.decision_form = DecisionForm(auto_id=auto_id)
        item.absence_list = list(item.absences.select_related("member__user"))
        item.left_ids = {a.member_id for a in item.absence_list}
        if seat and seat.is_chair and meeting.is_open:
            away = [a.member_id for a in item.absence_list if a.returned_at is None]
            item.leave_form = LeaveForm(
                auto_id=auto_id.replace("%s", "leave_%s"),
                members=CommitteeMember.objects.filter(pk__in=present_ids).exclude(pk__in=item.left_ids),
            )
            item.return_form = ReturnForm(
                auto_id=auto_id.replace("%s", "return_%s"),
                members=CommitteeMember.objects.filter(pk__in=away),
            )
    candidates = (
        selectors.applications_for(user)
        .filter(fund=fund, status__in=[ApplicationStatus.COMMITTEE, *DECIDED_STATUSES], contract__isnull=True)
        .exclude(pk__in=[i.application_id for i in items])
    )
    context = {
        "meeting": meeting,
        "items": items,
        "seat": seat,
        "is_manager": is_manager,
        "agenda_form": AgendaItemForm(applications=candidates),
        "register": register,
        "is_chair": is_chair,
        "i_am_present": bool(seat and seat.pk in present_ids),
        "open_form": OpenMeetingForm(members=seated_qs.exclude(pk=seat.pk) if seat else seated_qs)
        if is_chair and meeting.opened_at is None
        else None,
        "attendance_form": AttendanceForm(members=seated_qs) if is_chair and meeting.is_open else None,
        "minutes_to_adopt": list(committee.minutes_to_adopt(meeting)) if is_chair and meeting.is_open else [],
        "history": fund_selectors.audit_events_for(user=user, obj=meeting) if is_manager else None,
        "minutes_versions": documents.minutes_versions(meeting)
        if documents.can_view_minutes(user, meeting)
        else [],
    }
    return render(request, "pipeline/meeting_detail.html", context)


@login_required
@require_POST
def agenda_item_add(request, pk: int):
    meeting = fund_selectors.get_scoped_or_404(selectors.meetings_for(request.user), pk=pk)
    candidates = selectors.applications_for(request.user).filter(fund=meeting.fund)
    form = AgendaItemForm(request.POST, applications=candidates)
    if not form.is_valid():
        messages.error(request, _("Kies een aanvraag."))
        return redirect("meeting_detail", pk=pk)
    return run_action(
        request,
        action=lambda: committee.agenda_item_add(
            actor=request.user, meeting=meeting, application=form.cleaned_data["application"]
        ),
        success_url=reverse("meeting_detail", args=[pk]),
        success_message=_("Agendapunt toegevoegd."),
    )


def _meeting(request, pk: int) -> Meeting:
    return fund_selectors.get_scoped_or_404(selectors.meetings_for(request.user), pk=pk)


def _seated(meeting: Meeting):
    return CommitteeMember.objects.filter(pk__in=[m.pk for m in committee.serving_members(meeting)])


def _refuse_form(request, form, meeting_pk: int):
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("meeting_detail", pk=meeting_pk)


@login_required
@require_POST
def meeting_open(request, pk: int):
    meeting = _meeting(request, pk)
    form = OpenMeetingForm(request.POST, members=_seated(meeting))
    if not form.is_valid():
        return _refuse_form(request, form, pk)
    return run_action(
        request,
        action=lambda: committee.meeting_open(
            actor=request.user, meeting=meeting, present=list(form.cleaned_data["present"])
        ),
        success_url=reverse("meeting_detail", args=[pk]),
        success_message=_("De vergadering is geopend."),
    )


@login_required
@require_POST
def meeting_close(request, pk: int):
    meeting = _meeting(request, pk)
    return run_action(
        request,
        action=lambda: committee.meeting_close(actor=request.user, meeting=meeting),
        success_url=reverse("meeting_detail", args=[pk]),
        success_message=_("De vergadering is gesloten."),
    )


@login_required
@require_POST
def attendance_set(request, pk: int):
    meeting = _meeting(request, pk)
    form = AttendanceForm(request.POST, members=_seated(meeting))
    if not form.is_valid():
        return _refuse_form(request, form, pk)
    return run_action(
        request,
        action=lambda: committee.attendance_set(actor=request.user, meeting=meeting, **form.cleaned_data),
        success_url=reverse("meeting_detail", args=[pk]),
        success_message=_("Presentielijst bijgewerkt."),
    )


@login_required
@require_POST
def minutes_adopt(request, pk: int):
    meeting = _meeting(request, pk)
    previous = Meeting.objects.filter(
        fund=meeting.fund, pk=_int_or_none(request.POST.get("previous"))
    ).first()
    if previous is None:
        messages.error(request, _("Kies de vergadering waarvan de notulen worden vastgesteld."))
        return redirect("meeting_detail", pk=pk)
    return run_action(
        request,
        action=lambda: committee.minutes_adopt(actor=request.user, meeting=meeting, previous=previous),
        success_url=reverse("meeting_detail", args=[pk]),
        success_message=_("De notulen zijn vastgesteld."),
    )


def _item(request, pk: int) -> AgendaItem:
    return fund_selectors.get_scoped_or_404(selectors.agenda_items_for(request.user), pk=pk)


@login_required
@require_POST
def conflict_declare(request, pk: int):
    item = _item(request, pk)
    form = DeclarationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("meeting_detail", pk=item.meeting_id)
    return run_action(
        request,
        action=lambda: committee.conflict_declare(actor=request.user, item=item, **form.cleaned_data),
        success_url=reverse("meeting_detail", args=[item.meeting_id]),
        success_message=_("Verklaring vastgelegd."),
    )


@login_required
@require_POST
def vote_cast(request, pk: int):
    item = _item(request, pk)
    form = VoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Kies voor, tegen of onthouding."))
        return redirect("meeting_detail", pk=item.meeting_id)
    return run_action(
        request,
        action=lambda: committee.vote_cast(actor=request.user, item=item, **form.cleaned_data),
        success_url=reverse("meeting_detail", args=[item.meeting_id]),
        success_message=_("Uw stem is vastgelegd."),
    )


@login_required
@require_POST
def decision_record(request, pk: int):
    item = _item(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Kies een besluit."))
        return redirect("meeting_detail", pk=item.meeting_id)
    supersedes = None
    if request.POST.get("supersedes"):
        supersedes = Decision.objects.filter(
            item__application=item.application, pk=_int_or_none(request.POST["supersedes"])
        ).first()
    return run_action(
        request,
        action=lambda: committee.decision_record(
            actor=request.user, item=item, supersedes=supersedes, **form.cleaned_data
        ),
        success_url=reverse("meeting_detail", args=[item.meeting_id]),
        success_message=_("Besluit vastgelegd."),
    )


@login_required
@require_POST
def item_leave(request, pk: int):
    item = _item(request, pk)
    form = LeaveForm(request.POST, members=_seated(item.meeting))
    if not form.is_valid():
        return _refuse_form(request, form, item.meeting_id)
    return run_action(
        request,
        action=lambda: committee.item_leave(actor=request.user, item=item, **form.cleaned_data),
        success_url=reverse("meeting_detail", args=[item.meeting_id]),
        success_message=_("Vertrek voor dit agendapunt vastgelegd."),
    )


@login_required
@require_POST
def item_return(request, pk: int):
    item = _item(request, pk)
    form = ReturnForm(request.POST, members=_seated(item.meeting))
    if not form.is_valid():
        return _refuse_form(request, form, item.meeting_id)
    return run_action(
        request,
        action=lambda: committee.item_return(actor=request.user, item=item, **form.cleaned_data),
        success_url=reverse("meeting_detail", args=[item.meeting_id]),
        success_message=_("Terugkeer vastgelegd."),
    )


@login_required
def minutes_pdf(request, pk: int):
    """The meeting's minutes: the stored full minutes (kept once per state of the meeting, the same bytes
    for every download); a member with a conflict on an item gets a version without that item's votes."""
    from .minutes import minutes_pdf as render_minutes

    meeting = fund_selectors.get_scoped_or_404(selectors.meetings_for(request.user), pk=pk)
    hidden = selectors.conflicted_items(request.user, meeting)
    if hidden:
        response = HttpResponse(
            render_minutes(meeting=meeting, hide_votes_of=hidden), content_type="application/pdf"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="notulen-{meeting.fund.code}-{meeting.date:%Y%m%d}.pdf"'
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
    # Everyone else here may see the full minutes (can_view_minutes), so storing them cannot be refused.
    return serve_document(request, committee.minutes_store(actor=request.user, meeting=meeting))
