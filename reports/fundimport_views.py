"""Moving an existing fund in from Excel (issue 17): thin views over reports.fundimport (fund managers of the
fund only; everyone else gets 404)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.documents import document_latest, document_url
from core.views import run_action, submit_form
from fund import selectors as fund_selectors

from . import fundimport
from .forms import ConfirmForm
from .fundimport_example import example_workbook
from .models import FundImport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Ingevulde werkmap (.xlsx)"),
        help_text=gettext_lazy("Eerst volgt een proefimport: er wordt nog niets geboekt."),
    )


class ExplanationForm(forms.Form):
    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.keys = {}
        for index, row in enumerate(rows):
            name = f"explanation_{index}"
            self.keys[name] = row["key"]
            self.fields[name] = forms.CharField(
                label=_("Toelichting bij %(subject)s, %(measure)s") % row,
                required=False,
                initial=row.get("explanation", ""),
                widget=forms.Textarea(attrs={"rows": 1}),
            )

    def explanations(self) -> dict[str, str]:
        return {self.keys[name]: value for name, value in self.cleaned_data.items()}


def _fund(request, fund_pk: int):
    fund = fund_selectors.get_scoped_or_404(fund_selectors.funds_for(request.user), pk=fund_pk)
    if not request.user.has_perm("portfolio.add_contract", fund):
        raise Http404
    return fund


def _job(request, pk: int) -> FundImport:
    job = fund_selectors.get_scoped_or_404(
        FundImport.objects.filter(fund__in=fund_selectors.funds_for(request.user)).select_related("fund"),
        pk=pk,
    )
    if not request.user.has_perm("portfolio.add_contract", job.fund):
        raise Http404
    return job


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def fund_import_home(request, fund_pk: int):
    """The template and example to download, the upload (a dry run follows) and earlier imports."""
    fund = _fund(request, fund_pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: fundimport.fund_import_start(
                actor=request.user, fund=fund, upload=data["file"]
            ),
            success_url=lambda job: reverse("fund_import_job", args=[job.pk]),
            success_message=_("Werkmap ontvangen; de proefimport loopt."),
        )
        if done:
            return done
    return render(
        request,
        "reports/fund_import.html",
        {"fund": fund, "form": form, "jobs": fund.fund_imports.all()[:20], "sheets": fundimport.SHEETS},
    )


@login_required
def fund_import_template(request, fund_pk: int):
    fund = _fund(request, fund_pk)
    if request.GET.get("example"):
        return _xlsx(example_workbook(), "overzetting-voorbeeld.xlsx")
    return _xlsx(fundimport.template_workbook(), f"overzetting-sjabloon-{fund.code}.xlsx")


def _context(job: FundImport) -> dict:
    differences = [r for r in job.reconciliation if Decimal(r["difference"]) != 0]
    report = document_latest(kind=fundimport.KIND_RECONCILIATION, subject=job)
    return {
        "job": job,
        "fund": job.fund,
        "progress": fundimport.job_progress(job),
        "differences": differences,
        "unexplained": fundimport.fund_import_unexplained(job) if job.reconciliation else [],
        "report_url": document_url(report) if report else "",
    }


@login_required
def fund_import_job(request, pk: int):
    """The dry run's (or finish's) outcome: progress while running, then problems or the reconciliation
    with an explanation per difference; the panel polls itself (htmx) while the task runs."""
    job = _job(request, pk)
    context = _context(job)
    context["form"] = ExplanationForm(rows=context["differences"]) if context["differences"] else None
    if request.headers.get("HX-Request"):
        return render(request, "reports/_fund_import_panel.html", context)
    return render(request, "reports/fund_import_job.html", context)


@login_required
@require_POST
def fund_import_explain(request, pk: int):
    job = _job(request, pk)
    context = _context(job)
    form = ExplanationForm(request.POST, rows=context["differences"])
    if form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: fundimport.fund_import_explain(
                actor=request.user, job=job, explanations=form.explanations()
            ),
            success_url=reverse("fund_import_job", args=[job.pk]),
            success_message=_("Toelichtingen opgeslagen."),
        )
        if done:
            return done
    context["form"] = form
    return render(request, "reports/fund_import_job.html", context)


@login_required
def fund_import_finish(request, pk: int):
    """Confirmation page (what will be booked, nothing ticked), then the definitive import in a task."""
    job = _job(request, pk)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return run_action(
            request,
            action=lambda: fundimport.fund_import_finish_start(actor=request.user, job=job),
            success_url=reverse("fund_import_job", args=[job.pk]),
            success_message=_("De definitieve import loopt."),
        )
    return render(request, "reports/fund_import_finish.html", _context(job) | {"form": form})
