"""Impact pages: thin views over the scoped selectors and the services. Out of scope → 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.documents import serve_upload
from core.errors import ApplicationError, error_text
from core.exports import (
    EXCEL_EUR,
    EXCEL_INTEGER,
    EXCEL_NUMBER,
    EXCEL_PERCENT,
    csv_response,
    excel_value,
    workbook_bytes,
)
from core.formats import format_number
from core.ratelimit import action_limited
from core.views import run_action, submit_form
from fund import selectors as fund_selectors
from portfolio.selectors import contracts_for

from . import excel, selectors, services
from .forms import CorrectionForm, EvidenceForm, KPIForm, KPISetForm, MetricForm, UploadForm
from .models import ADDITIVE, Report, ReportingPeriod, Value, ValueType, display_value
from .services import ReportValidationError
from .validation import Entry

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------------------------------
# Overview per role
# --------------------------------------------------------------------------------------------------


@login_required
def impact_home(request):
    user = request.user
    today = timezone.localdate()
    # A list the role cannot have is not asked for: an empty scope still costs a full query compilation
    # (Django finds it empty only then), and officials and investors have most of these empty.
    admin = fund_selectors.is_administrator(user)
    managed = fund_selectors.managed_fund_ids(user)
    own = fund_selectors.own_enterprise_organisation_ids(user)
    sees_kpi_sets = admin or own or fund_selectors.staff_fund_ids(user)
    context = {
        "kpi_sets": selectors.kpi_sets_for(user).order_by("fund__name", "enterprise__organisation__name")
        if sees_kpi_sets
        else [],
        "open_periods": selectors.open_periods_for(user, today=today) if own else [],
        "review_queue": selectors.review_queue_for(user) if managed else [],
        "overdue": selectors.overdue_periods(fund_ids=managed, today=today) if managed else [],
        "impact_funds": selectors.impact_funds_for(user).order_by("name"),
        "manageable_funds": fund_selectors.funds_for(user).filter(pk__in=managed) if managed else [],
        "today": today,
    }
    return render(request, "impactmeasurement/home.html", context)


@login_required
def metric_list(request):
    metrics = selectors.metrics_for(request.user).order_by("fund_id", "code")
    return render(request, "impactmeasurement/metric_list.html", {"metrics": metrics})


@login_required
def metric_create(request, fund_pk: int):
    fund = fund_selectors.get_scoped_or_404(fund_selectors.funds_for(request.user), pk=fund_pk)
    if not request.user.has_perm("impactmeasurement.add_metric", fund):
        raise Http404
    metrics = selectors.metrics_for(request.user, fund=fund)
    form = MetricForm(request.POST or None, metrics=metrics)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.metric_create(
                actor=request.user, fund=fund, **{**data, "themes": list(data["themes"])}
            ),
            success_url=reverse("impactmeasurement:metric_list"),
            success_message=lambda metric: _("Metriek %(code)s is toegevoegd.") % {"code": metric.code},
        )
        if done:
            return done
    return render(
        request,
        "impactmeasurement/form.html",
        {"form": form, "title": _("Eigen metriek voor %(fund)s") % {"fund": fund.name}},
    )


# --------------------------------------------------------------------------------------------------
# KPI sets
# --------------------------------------------------------------------------------------------------


@login_required
def kpi_set_create(request, fund_pk: int):
    fund = fund_selectors.get_scoped_or_404(fund_selectors.funds_for(request.user), pk=fund_pk)
    if not request.user.has_perm("impactmeasurement.add_kpiset", fund):
        raise Http404
    enterprises = fund_selectors.enterprises_for(request.user).filter(fund_relations__fund=fund)
    contracts = contracts_for(request.user).filter(fund=fund)
    form = KPISetForm(request.POST or None, enterprises=enterprises, contracts=contracts)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.kpi_set_create(actor=request.user, fund=fund, **data),
            success_url=lambda kpi_set: reverse("impactmeasurement:kpi_set_detail", args=[kpi_set.pk]),
            success_message=_("KPI-set aangemaakt (voorgesteld). Voeg KPI's toe en stel hem vast."),
        )
        if done:
            return done
    return render(
        request,
        "impactmeasurement/form.html",
        {"form": form, "title": _("Nieuwe KPI-set — %(fund)s") % {"fund": fund.name}},
    )


@login_required
def kpi_set_detail(request, pk: int):
    kpi_set = fund_selectors.get_scoped_or_404(selectors.kpi_sets_for(request.user), pk=pk)
    can_change = request.user.has_perm("impactmeasurement.change_kpiset", kpi_set)
    kpi_form = KPIForm(request.POST or None, metrics=selectors.metrics_for(request.user, fund=kpi_set.fund))
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        here = reverse("impactmeasurement:kpi_set_detail", args=[pk])
        if request.POST.get("action") == "confirm":
            return run_action(
                request,
                action=lambda: services.kpi_set_confirm(actor=request.user, kpi_set=kpi_set),
                success_url=here,
                success_message=_("De KPI-set is vastgesteld; de rapportageperiodes staan klaar."),
            )
        if kpi_form.is_valid():
            done = submit_form(
                request,
                kpi_form,
                action=lambda data: services.kpi_add(actor=request.user, kpi_set=kpi_set, **data),
                success_url=here,
                success_message=_("KPI toegevoegd."),
            )
            if done:
                return done
    context = {
        "kpi_set": kpi_set,
        "kpis": kpi_set.kpis.select_related("metric").prefetch_related("targets"),
        "periods": kpi_set.periods.select_related("report").order_by("start"),
        "can_change": can_change,
        "can_report": request.user.has_perm("impactmeasurement.submit_report", kpi_set),
        "kpi_form": kpi_form,
        "upload_form": UploadForm(),
        "today": timezone.localdate(),
        "history": fund_selectors.audit_events_for(user=request.user, obj=kpi_set) if can_change else None,
    }
    return render(request, "impactmeasurement/kpi_set_detail.html", context)


@login_required
def excel_template(request, pk: int):
    kpi_set = fund_selectors.get_scoped_or_404(selectors.kpi_sets_for(request.user), pk=pk)
    if not request.user.has_perm("impactmeasurement.submit_report", kpi_set):
        raise Http404
    response = HttpResponse(excel.build_template(kpi_set), content_type=XLSX)
    name = f"impactrapportage-{kpi_set.enterprise.organisation.kvk_number or kpi_set.pk}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def excel_upload(request, pk: int):
    kpi_set = fund_selectors.get_scoped_or_404(selectors.kpi_sets_for(request.user), pk=pk)
    if not request.user.has_perm("impactmeasurement.submit_report", kpi_set):
        raise Http404
    here = reverse("impactmeasurement:kpi_set_detail", args=[pk])
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        bsn = form.has_error("file", code="bsn_refused")
        messages.error(
            request, " ".join(form.errors["file"]) if bsn else _("Kies een ingevuld sjabloon (.xlsx).")
        )
        return redirect(here)
    return run_action(
        request,
        action=lambda: excel.import_upload(
            actor=request.user,
            kpi_set=kpi_set,
            data=form.cleaned_data["file"].read(),
            submit=form.cleaned_data["submit"],
        ),
        success_url=here,
        success_message=lambda reports: (
            _("Sjabloon verwerkt: %(periods)s.")
            % {"periods": ", ".join(f"{r.period.label} ({r.get_status_display().lower()})" for r in reports)}
        ),
    )


# --------------------------------------------------------------------------------------------------
# Reporting and review
# --------------------------------------------------------------------------------------------------


def _period(request, pk: int) -> ReportingPeriod:
    return fund_selectors.get_scoped_or_404(selectors.periods_for(request.user), pk=pk)


@login_required
def report_form(request, pk: int):
    """The investee's form for one period: value and comment per KPI, previous value and target beside it."""
    period = _period(request, pk)
    kpi_set = period.kpi_set
    report = getattr(period, "report", None)
    running = not period.has_ended(timezone.localdate())
    can_edit = (
        request.user.has_perm("impactmeasurement.submit_report", kpi_set)
        and (report is None or report.is_editable)
        and not running
    )
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        kpis = list(kpi_set.kpis.all())
        here = reverse("impactmeasurement:report_form", args=[pk])
        if request.POST.get("action") == "evidence":
            evidence_form = EvidenceForm(request.POST, request.FILES, kpis=kpi_set.kpis.all())
            if not evidence_form.is_valid():
                bsn = evidence_form.has_error("file", code="bsn_refused")
                messages.error(
                    request, " ".join(evidence_form.errors["file"]) if bsn else _("Kies een bestand.")
                )
                return redirect(here)
            return run_action(
                request,
                action=lambda: services.period_evidence_add(
                    actor=request.user, period=period, **evidence_form.cleaned_data
                ),
                success_url=here,
                success_message=_("Bewijsstuk toegevoegd."),
            )
        entries = {
            kpi.pk: Entry(
                raw=request.POST.get(f"value_{kpi.pk}", ""),
                comment=request.POST.get(f"comment_{kpi.pk}", ""),
                location=f"value_{kpi.pk}",
            )
            for kpi in kpis
        }
        submit = request.POST.get("action") == "submit"
        try:
            services.report_save(
                actor=request.user, period=period, entries=entries, submit=submit, source="web"
            )
        except ReportValidationError as exc:
            posted = dict(request.POST.items())
            errors = {f"value_{p.kpi_id}": p.message for p in exc.problems if p.kpi_id}
            messages.error(request, _("Niets opgeslagen: controleer de gemarkeerde velden."))
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Rapportage ingediend.") if submit else _("Concept opgeslagen."))
            return redirect(here)
        # the refused save was rolled back: read the period again, not the report the service had started
        period = _period(request, pk)
        report = getattr(period, "report", None)
    rows = selectors.report_rows(report) if report else selectors.report_rows(Report(period=period))
    for row in rows:
        key = f"value_{row['kpi'].pk}"
        current = row["current"]
        row["field"] = key
        row["comment_field"] = f"comment_{row['kpi'].pk}"
        row["input"] = posted.get(key, _initial(current))
        row["comment"] = posted.get(row["comment_field"], current.comment if current else "")
        row["error"] = errors.get(key, "")
        row["previous_display"] = (
            display_value(row["metric"], row["previous"]) if row["previous"] is not None else ""
        )
        row["target_display"] = (
            display_value(row["metric"], row["target"]) if row["target"] is not None else ""
        )
    context = {
        "period": period,
        "kpi_set": kpi_set,
        "report": report,
        "rows": rows,
        "can_edit": can_edit,
        "running_message": services.period_not_ended_message(period) if running else "",
        "receipt": _receipt(report, rows),
        "evidence_form": EvidenceForm(kpis=kpi_set.kpis.all()),
        "evidence": report.evidence.all() if report else [],
        "can_review": request.user.has_perm("impactmeasurement.review_report", kpi_set),
    }
    return render(request, "impactmeasurement/report_form.html", context)


def _receipt(report: Report | None, rows: list[dict]) -> dict | None:
    """What was submitted, when, by whom, through which route, and which version of each value."""
    if report is None or report.submitted_at is None or report.status == "draft" or report.is_editable:
        return None
    values = [row for row in rows if row["current"] is not None]
    return {
        "submitted_at": report.submitted_at,
        "submitted_by": report.submitted_by.get_full_name() or report.submitted_by.email
        if report.submitted_by
        else _("het systeem"),
        "source": report.get_source_display(),
        "version": max((row["current"].version for row in values), default=1),
        "rows": [
            {"metric": row["metric"].name, "value": row["current"].display, "version": row["current"].version}
            for row in values
        ],
    }


def _initial(value: Value | None) -> str:
    """A saved value in its input as the user typed it, the Dutch way ("7.900,00", "12,5")."""
    if value is None:
        return ""
    metric = value.kpi.metric
    if value.number is None:
        return value.text
    if metric.value_type == ValueType.YES_NO:
        return "ja" if value.number else "nee"
    if metric.value_type == ValueType.AMOUNT:
        return format_number(value.number, 2)
    return format_number(value.number, max_places=4)


@login_required
def report_review(request, pk: int):
    period = _period(request, pk)
    kpi_set = period.kpi_set
    if not request.user.has_perm("impactmeasurement.review_report", kpi_set):
        raise Http404
    report = getattr(period, "report", None)
    if report is None:
        raise Http404
    if request.method == "POST":
        return _review_action(request, report=report, kpi_set=kpi_set)
    rows = selectors.report_rows(report)
    for row in rows:
        row["previous_display"] = (
            display_value(row["metric"], row["previous"]) if row["previous"] is not None else ""
        )
        row["target_display"] = (
            display_value(row["metric"], row["target"]) if row["target"] is not None else ""
        )
    context = {
        "period": period,
        "kpi_set": kpi_set,
        "report": report,
        "rows": rows,
        "evidence": report.evidence.all(),
        "submitted_late": bool(report.submitted_at)
        and timezone.localtime(report.submitted_at).date() > period.due_date,
        "history": fund_selectors.audit_events_for(user=request.user, obj=report),
        "correction_form": CorrectionForm(),
    }
    return render(request, "impactmeasurement/report_review.html", context)


def _review_action(request, *, report: Report, kpi_set):
    """Accept, return (with comments per value) or correct an accepted value: one service call each."""
    action = request.POST.get("action")
    reason = request.POST.get("reason", "")

    def accept():
        return services.report_accept(actor=request.user, report=report, reason=reason)

    def return_():
        comments = {kpi.pk: request.POST.get(f"review_{kpi.pk}", "") for kpi in kpi_set.kpis.all()}
        return services.report_return(actor=request.user, report=report, reason=reason, comments=comments)

    def correct():
        value = fund_selectors.get_scoped_or_404(
            report.values.filter(is_current=True), pk=request.POST.get("value_id")
        )
        form = CorrectionForm(request.POST)
        if not form.is_valid():
            raise ApplicationError(_("Geef de gecorrigeerde waarde en de reden."))
        return services.value_correct(
            actor=request.user,
            value=value,
            raw=form.cleaned_data["value"],
            reason=form.cleaned_data["reason"],
        )

    actions = {
        "accept": (accept, _("Rapportage geaccepteerd.")),
        "return": (return_, _("Rapportage teruggestuurd met opmerkingen.")),
        "correct": (correct, _("Correctie vastgelegd als nieuwe versie.")),
    }
    if action not in actions:
        raise Http404
    run, done = actions[action]
    here = reverse("impactmeasurement:report_review", args=[report.period_id])
    return run_action(request, action=run, success_url=here, success_message=done)


@login_required
def evidence_download(request, pk: int, evidence_pk: int):
    """An evidence file, only for who may see the report (the enterprise, the fund's staff): 404 otherwise."""
    period = _period(request, pk)
    report = getattr(period, "report", None)
    if report is None:
        raise Http404
    evidence = fund_selectors.get_scoped_or_404(report.evidence.all(), pk=evidence_pk)
    return serve_upload(request, subject=evidence, field_file=evidence.file)


# --------------------------------------------------------------------------------------------------
# Portfolio aggregation and exports
# --------------------------------------------------------------------------------------------------


def _scoped_fund(request, fund_pk: int):
    fund = fund_selectors.get_scoped_or_404(selectors.impact_funds_for(request.user), pk=fund_pk)
    scope = selectors.impact_scope(request.user, fund)
    if scope is None:
        raise Http404
    return fund, scope


@login_required
def portfolio(request, fund_pk: int):
    from .rollup import yearly_rollup

    fund, scope = _scoped_fund(request, fund_pk)
    by = request.GET.get("by") or None
    if by not in ("theme", "municipality", "enterprise", None) or (by == "enterprise" and scope):
        by = None
    trend = selectors.portfolio_impact(fund=fund, period=None, **scope)
    labels = sorted(set(trend.period)) if not trend.empty else []
    period = request.GET.get("period") or (labels[-1] if labels else None)
    frame = (
        selectors.portfolio_impact(fund=fund, period=period, by=by, **scope) if period else trend.iloc[0:0]
    )
    charts = []
    for code, rows in trend.groupby("metric_code", sort=True) if not trend.empty else []:
        first = rows.iloc[0]
        by_period = {r.period: r for r in rows.itertuples()}

        def series(column, by_period=by_period):
            return [
                float(getattr(by_period[p], column))
                if p in by_period and getattr(by_period[p], column) is not None
                else None
                for p in labels
            ]

        charts.append(
            {
                "code": code,
                "title": f"{first.metric} ({first.unit})",
                "labels": labels,
                "actual": series("actual"),
                "attributed": series("attributed") if first.aggregation in ADDITIVE else [],
                "target": series("target"),
            }
        )
    context = {
        "fund": fund,
        "period": period,
        "periods": labels,
        "by": by,
        "rows": frame.to_dict("records"),
        "charts": charts,
        "year": int(period[:4]) if period else None,
        "rollup": yearly_rollup(fund=fund, year=int(period[:4]), **scope) if period else [],
        "is_official_view": bool(scope),
        "group_choices": [
            ("", _("Hele portefeuille")),
            ("theme", _("Per thema")),
            ("municipality", _("Per gemeente")),
        ]
        + ([] if scope else [("enterprise", _("Per onderneming"))]),
    }
    return render(request, "impactmeasurement/portfolio.html", context)


@login_required
def export(request, fund_pk: int, fmt: str):
    fund, scope = _scoped_fund(request, fund_pk)
    if (refused := action_limited(request, "export")) is not None:
        return refused
    rows = selectors.export_rows(fund=fund, **scope)
    headers = list(rows[0].keys()) if rows else ["periode", "onderneming", "metriek", "waarde"]
    name = f"impact-{fund.code}-{timezone.localdate():%Y%m%d}"
    if fmt == "csv":  # Dutch CSV: ";", decimal comma, UTF-8 with BOM (core.exports)
        return csv_response(filename=f"{name}.csv", header=headers, rows=[list(r.values()) for r in rows])
    if fmt != "xlsx":
        raise Http404
    from openpyxl import Workbook

    value_types = dict(selectors.metrics_for(request.user, fund=fund).values_list("code", "value_type"))
    wb = Workbook()
    ws = wb.active
    ws.title = "Impact"
    ws.append(headers)
    for row in rows:
        ws.append([excel_value(v) for v in row.values()])  # numbers stay numbers (exact Decimals)
        formats = _excel_formats(value_types.get(row["metriek"]))
        for column, number_format in formats.items():
            ws.cell(row=ws.max_row, column=headers.index(column) + 1).number_format = number_format
    content = workbook_bytes(wb)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _excel_formats(value_type: str | None) -> dict[str, str]:
    """Number formats of an export row's numeric columns, by its metric's value type."""
    if value_type == ValueType.AMOUNT:
        value_format = attributed_format = EXCEL_EUR
    elif value_type in (ValueType.COUNT, ValueType.YES_NO):
        value_format, attributed_format = EXCEL_INTEGER, EXCEL_NUMBER
    else:
        value_format = attributed_format = EXCEL_NUMBER
    formats = {"aandeel_fonds": EXCEL_PERCENT, "toegerekend": attributed_format}
    if value_type != ValueType.TEXT:
        formats["waarde"] = value_format
    return formats
