"""Pages of the reports app: the fund manager's quarter (content, close, batch, publish) and the investor
portal. Thin views: every object comes through a scoped selector (404 outside scope), writes go through
``reports.services``."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.documents import document_url, serve_document
from core.errors import ApplicationError, apply_to_form, error_text
from core.formats import format_date, local_today
from core.ratelimit import action_limited
from core.views import run_action, submit_form
from fund import selectors as fund_selectors

from . import portal, selectors, services
from .forms import BatchStartForm, ConfirmForm, LetterForm, ReportLanguageForm, SpotlightForm
from .models import QUARTER_REGEX, BatchStatus
from .quarters import last_full_quarter, quarter_bounds, quarter_of, quarters_through


def _managed_fund(request, fund_pk: int):
    fund = fund_selectors.get_scoped_or_404(selectors.managed_funds_for(request.user), pk=fund_pk)
    if not request.user.has_perm("reports.manage_reports", fund):
        raise Http404
    return fund


def _quarter(quarter: str) -> str:
    """A quarter from the URL: exactly as stored ("2026-Q3"), 404 otherwise."""
    if not re.fullmatch(QUARTER_REGEX, quarter or ""):
        raise Http404
    return quarter


def _fund_quarters(fund) -> list[str]:
    """The fund's quarters from its start up to the last full quarter, newest first."""
    last = last_full_quarter(local_today())
    first = min(quarter_bounds(f"{fund.vintage_year}-Q1")[0], quarter_bounds(last)[0])
    return quarters_through(first=first, quarter=last)[::-1]


def _quarter_url(fund, quarter: str) -> str:
    return reverse("reports_quarter", args=[fund.pk, quarter])


# --------------------------------------------------------------------------------------------------
# Fund manager: the quarter
# --------------------------------------------------------------------------------------------------


@login_required
def reports_fund(request, fund_pk: int):
    """The fund's reports: go to the last full quarter (or the one chosen)."""
    fund = _managed_fund(request, fund_pk)
    quarter = request.GET.get("quarter") or last_full_quarter(local_today())
    return redirect(_quarter_url(fund, _quarter(quarter.strip().upper())))


@login_required
def reports_quarter(request, fund_pk: int, quarter: str):
    fund = _managed_fund(request, fund_pk)
    quarter = _quarter(quarter)
    start, end = quarter_bounds(quarter)
    letter, spotlight = selectors.report_content(fund=fund, quarter=quarter)
    batches = list(selectors.batches_for(request.user).filter(fund=fund, quarter=quarter))
    closed = services.quarter_is_closed(fund=fund, quarter=quarter)
    context = {
        "fund": fund,
        "quarter": quarter,
        "start": start,
        "end": end,
        "quarters": _fund_quarters(fund),
        "letter": letter,
        "spotlight": spotlight,
        "batches": batches,
        "closed": closed,
        "closable": not closed and end < local_today(),
        "start_form": BatchStartForm(),
        "needs_reason": bool(batches),
        "running": any(b.status == BatchStatus.RUNNING for b in batches),
        "reconciliation": portal.quarter_reconciliation(fund=fund, quarter=quarter),
    }
    return render(request, "reports/quarter.html", context)


@login_required
def letter_edit(request, fund_pk: int, quarter: str):
    fund = _managed_fund(request, fund_pk)
    quarter = _quarter(quarter)
    letter, _spotlight = selectors.report_content(fund=fund, quarter=quarter)
    form = LetterForm(request.POST or None, initial={"text": letter.text if letter else ""})
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.letter_save(
                fund=fund, quarter=quarter, text=data["text"], actor=request.user
            ),
            success_message=_("De brief is opgeslagen."),
            success_url=_quarter_url(fund, quarter),
        )
        if done:
            return done
    return render(
        request,
        "reports/content_form.html",
        {"fund": fund, "quarter": quarter, "form": form, "title": _("Brief van de fondsbeheerder")},
    )


@login_required
def spotlight_edit(request, fund_pk: int, quarter: str):
    fund = _managed_fund(request, fund_pk)
    quarter = _quarter(quarter)
    _letter, spotlight = selectors.report_content(fund=fund, quarter=quarter)
    enterprises = fund_selectors.enterprises_for(request.user).filter(fund_relations__fund=fund).distinct()
    initial = (
        {
            "enterprise": spotlight.enterprise_id,
            "text": spotlight.text,
            "photo_caption": spotlight.photo_caption,
        }
        if spotlight
        else {}
    )
    form = SpotlightForm(
        request.POST or None, request.FILES or None, enterprises=enterprises, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.spotlight_save(
                fund=fund,
                quarter=quarter,
                enterprise=data["enterprise"],
                text=data["text"],
                photo=data["photo"] or None,
                photo_caption=data["photo_caption"],
                remove_photo=data["remove_photo"],
                actor=request.user,
            ),
            success_message=_("De onderneming in de schijnwerpers is opgeslagen."),
            success_url=_quarter_url(fund, quarter),
        )
        if done:
            return done
    return render(
        request,
        "reports/content_form.html",
        {
            "fund": fund,
            "quarter": quarter,
            "form": form,
            "title": _("Onderneming in de schijnwerpers"),
            "has_photo": bool(spotlight and spotlight.photo),
        },
    )


@login_required
def quarter_close(request, fund_pk: int, quarter: str):
    """Confirmation step, then the period close through the quarter's last day."""
    fund = _managed_fund(request, fund_pk)
    quarter = _quarter(quarter)
    _start, end = quarter_bounds(quarter)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.quarter_close(fund=fund, quarter=quarter, actor=request.user),
            success_message=_("Het kwartaal %(quarter)s is afgesloten (tot en met %(date)s).")
            % {"quarter": quarter, "date": format_date(end)},
            success_url=_quarter_url(fund, quarter),
        )
        if done:
            return done
    return render(
        request,
        "reports/quarter_close.html",
        {
            "fund": fund,
            "quarter": quarter,
            "end": end,
            "form": form,
            "summary": portal.close_preview(fund=fund, quarter=quarter),
        },
    )


@login_required
@require_POST
def batch_start(request, fund_pk: int, quarter: str):
    fund = _managed_fund(request, fund_pk)
    quarter = _quarter(quarter)
    if (refused := action_limited(request, "report_batch")) is not None:
        return refused
    form = BatchStartForm(request.POST)
    reason = form.data.get("reason", "") if not form.is_valid() else form.cleaned_data["reason"]
    try:
        batch = services.batch_start(fund=fund, quarter=quarter, actor=request.user, reason=reason)
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, error_text(exc))
        return redirect(_quarter_url(fund, quarter))
    messages.success(request, _("De rapportages worden gemaakt."))
    return redirect("report_batch", pk=batch.pk)


def _batch_for(request, pk: int):
    batch = fund_selectors.get_scoped_or_404(selectors.batches_for(request.user), pk=pk)
    if not request.user.has_perm("reports.manage_reports", batch.fund):
        raise Http404
    return batch


def _batch_context(batch) -> dict:
    items = list(
        batch.items.select_related("report__investor__organisation", "document").order_by(
            "report__investor__organisation__name"
        )
    )
    for item in items:
        item.url = document_url(item.document) if item.document_id else ""
    return {"batch": batch, "fund": batch.fund, "items": items, "progress": services.batch_counts(batch)}


@login_required
def batch_detail(request, pk: int):
    """The batch's progress; the page polls its progress panel (htmx) until the batch is finished."""
    batch = _batch_for(request, pk)
    context = _batch_context(batch)
    if request.headers.get("HX-Request"):
        return render(request, "reports/_batch_progress.html", context)
    return render(request, "reports/batch.html", context)


@login_required
def batch_publish(request, pk: int):
    """Confirmation step (what becomes visible, who gets an e-mail), then publishing."""
    batch = _batch_for(request, pk)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.batch_publish(batch=batch, actor=request.user),
            success_message=_("Gepubliceerd; de investeerders krijgen een e-mail met een link."),
            success_url=reverse("report_batch", args=[batch.pk]),
        )
        if done:
            return done
    context = _batch_context(batch) | {"form": form, "recipients": portal.publish_recipients(batch)}
    return render(request, "reports/batch_publish.html", context)


# --------------------------------------------------------------------------------------------------
# The investor portal
# --------------------------------------------------------------------------------------------------


@login_required
def portal_home(request):
    commitments = list(selectors.own_commitments_for(request.user))
    return render(request, "reports/portal_home.html", {"commitments": portal.home_rows(commitments)})


@login_required
def portal_commitment(request, pk: int):
    commitment = fund_selectors.get_scoped_or_404(selectors.portal_commitments_for(request.user), pk=pk)
    context = portal.commitment_page(
        user=request.user, commitment=commitment, quarter=request.GET.get("quarter")
    )
    context["language_form"] = ReportLanguageForm(
        initial={"language": services.report_language(commitment.investor)}
    )
    context["is_own"] = commitment.investor.organisation_id in fund_selectors.own_investor_organisation_ids(
        request.user
    )
    return render(request, "reports/portal_commitment.html", context)


@login_required
@require_POST
def portal_language(request, pk: int):
    commitment = fund_selectors.get_scoped_or_404(selectors.own_commitments_for(request.user), pk=pk)
    form = ReportLanguageForm(request.POST)
    url = reverse("portal_commitment", args=[commitment.pk])
    if not form.is_valid():
        messages.error(request, _("Taal: kies Nederlands of Engels."))
        return redirect(url)
    return run_action(
        request,
        action=lambda: services.report_language_set(
            investor=commitment.investor, language=form.cleaned_data["language"], actor=request.user
        ),
        success_message=_("De taal van uw kwartaalrapportages is opgeslagen."),
        success_url=url,
    )


@login_required
def portal_report_download(request, pk: int):
    """The published version of a quarterly report (the same bytes every time)."""
    report = fund_selectors.get_scoped_or_404(selectors.published_reports_for(request.user), pk=pk)
    return serve_document(request, report.published_document)


__all__ = ["apply_to_form", "quarter_of"]


# --------------------------------------------------------------------------------------------------
# AVG: everything held about one enterprise (issue 15, item 17)
# --------------------------------------------------------------------------------------------------


@login_required
def enterprise_data_export(request, pk: int):
    """A zip with every row about the enterprise (JSON) and its uploaded files: for the enterprise's own
    users and the fund managers of its funds; 404 for everyone else."""
    from django.http import HttpResponse
    from django.utils.text import slugify

    from . import avg

    organisation = fund_selectors.get_scoped_or_404(fund_selectors.organisations_for(request.user), pk=pk)
    enterprise = getattr(organisation, "enterprise", None)
    if enterprise is None:
        raise Http404
    if not avg.export_allowed(user=request.user, enterprise=enterprise):
        raise Http404
    if (refused := action_limited(request, "avg_export")) is not None:
        return refused
    content = avg.enterprise_export(enterprise=enterprise, actor=request.user)
    response = HttpResponse(content, content_type="application/zip")
    filename = f"avg-export-{slugify(organisation.name)}-{local_today().isoformat()}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
