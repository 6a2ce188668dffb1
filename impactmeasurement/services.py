"""Writes for impact measurement: catalogue, KPI sets, periods, reports (save, submit, accept, return) and
versioned corrections. Each state change runs in one transaction and writes one audit record.

`actor=None` is the system (demo loader, beat tasks); any user actor is checked against the scoping in
`fund.selectors`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.errors import ApplicationError, PermissionDeniedError, TransitionError
from core.formats import format_date
from core.privacy import validate_filename_no_bsn, validate_no_bsn
from core.uploads import checked_upload
from fund import selectors as fund_selectors
from fund.audit import audit_record
from fund.models import Enterprise, Fund, Theme, User

from . import validation
from .models import (
    EDITABLE_STATUSES,
    IN_REVIEW_STATUSES,
    KPI,
    Evidence,
    KPISet,
    KPISetStatus,
    KPITarget,
    Metric,
    Report,
    ReportingPeriod,
    ReportSource,
    ReportStatus,
    Value,
)
from .periods import period_spans
from .validation import CleanValue, Entry, Problem

MSG_NOT_CONFIRMED = gettext_noop("Rapporteren kan pas als de KPI-set is vastgesteld (status nu: %(status)s).")
MSG_PERIOD_NOT_ENDED = gettext_noop(
    "De periode %(period)s loopt nog tot en met %(end)s; u kunt erover rapporteren vanaf %(first_day)s."
)
MSG_NOT_EDITABLE = gettext_noop("Deze rapportage is %(status)s en kan niet meer worden gewijzigd.")
MSG_RETURN_NEEDS_COMMENT = gettext_noop(
    "Geef bij terugsturen een toelichting of een opmerking bij een waarde."
)
MSG_CORRECTION_REASON = gettext_noop("Geef de reden van de correctie.")
MSG_CORRECT_ONLY_ACCEPTED = gettext_noop(
    "Alleen waarden van een geaccepteerde rapportage worden gecorrigeerd."
)
MSG_NO_KPIS = gettext_noop("Een KPI-set heeft minstens één KPI nodig voordat hij wordt vastgesteld.")
MSG_NOT_RELATED = gettext_noop("Deze onderneming is geen relatie van het fonds.")
MSG_CONTRACT_MISMATCH = gettext_noop("Het contract hoort niet bij dit fonds en deze onderneming.")


class ReportValidationError(ApplicationError):
    """Input refused as a whole; `problems` lists every problem with its location."""

    def __init__(self, problems: list[Problem]):
        super().__init__(
            _("Niets opgeslagen. %(n)s fout(en): %(list)s")
            % {"n": len(problems), "list": " · ".join(str(p) for p in problems)},
            code="invalid_report",
        )
        self.problems = problems


# --------------------------------------------------------------------------------------------------
# Who may do what
# --------------------------------------------------------------------------------------------------


def _require_fund_manager(actor: User | None, fund: Fund) -> None:
    if actor is None or fund_selectors.is_administrator(actor):
        return
    if fund.pk not in fund_selectors.managed_fund_ids(actor):
        raise PermissionDeniedError()


def _require_reporter(actor: User | None, kpi_set: KPISet) -> None:
    if actor is None or fund_selectors.is_administrator(actor):
        return
    if kpi_set.enterprise.organisation_id not in fund_selectors.own_enterprise_organisation_ids(actor):
        raise PermissionDeniedError()


def _require_reporter_or_manager(actor: User | None, kpi_set: KPISet) -> None:
    try:
        _require_reporter(actor, kpi_set)
    except PermissionDeniedError:
        _require_fund_manager(actor, kpi_set.fund)


# --------------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def metric_create(
    *,
    actor: User | None,
    fund: Fund,
    code: str,
    name_nl: str,
    name_en: str,
    unit: str,
    value_type: str,
    aggregation: str,
    weight_metric: Metric | None = None,
    direction: str = "higher",
    themes: list[Theme] | None = None,
    iris_id: str = "",
    own_reference: str = "",
    sdg_targets: str = "",
    brede_welvaart: str = "",
    evidence_expected: str = "",
    description_nl: str = "",
    description_en: str = "",
    choices: list[str] | None = None,
) -> Metric:
    """A fund manager adds a fund-specific metric to the catalogue."""
    _require_fund_manager(actor, fund)
    if weight_metric is not None and weight_metric.fund_id not in (None, fund.pk):
        raise ValidationError({"weight_metric": [_("Kies een weegmetriek uit de catalogus van dit fonds.")]})
    metric = Metric(
        fund=fund,
        code=code,
        name_nl=name_nl,
        name_en=name_en,
        unit=unit,
        value_type=value_type,
        aggregation=aggregation,
        weight_metric=weight_metric,
        direction=direction,
        iris_id=iris_id.strip().upper(),
        own_reference=own_reference,
        sdg_targets=sdg_targets.strip(),
        brede_welvaart=brede_welvaart,
        evidence_expected=evidence_expected,
        description_nl=description_nl,
        description_en=description_en,
        choices=choices or [],
    )
    errors = {}
    if aggregation == "weighted_average" and weight_metric is None:
        errors["weight_metric"] = [_("Een gewogen gemiddelde heeft een weegmetriek nodig.")]
    if aggregation != "weighted_average" and weight_metric is not None:
        errors["weight_metric"] = [_("Een weegmetriek hoort alleen bij een gewogen gemiddelde.")]
    if value_type == "text" and aggregation != "none":
        errors["aggregation"] = [_("Tekstwaarden worden niet opgeteld: kies 'niet optellen'.")]
    if errors:
        raise ValidationError(errors)
    metric.full_clean()
    metric.save()
    metric.themes.set(themes or [])
    audit_record(
        actor=actor, obj=metric, action="impact_metric_created", data={"fund": fund.code, "code": code}
    )
    return metric


# --------------------------------------------------------------------------------------------------
# KPI sets, KPIs and periods
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def kpi_set_create(
    *,
    actor: User | None,
    fund: Fund,
    enterprise: Enterprise,
    start: datetime.date,
    end: datetime.date,
    frequency: str = "quarterly",
    contract=None,
    name: str = "",
    due_days: int = 30,
    attribution_method: str = "outstanding_share",
    attribution_share: Decimal | None = None,
    enterprise_total_financing: Decimal | None = None,
    anomaly_change_pct: Decimal = Decimal("50"),
    anomaly_target_pct: Decimal = Decimal("50"),
) -> KPISet:
    """A KPI set proposed at due diligence (status 'proposed'); confirmed at contracting."""
    _require_fund_manager(actor, fund)
    if not enterprise.fund_relations.filter(fund=fund).exists():
        raise ApplicationError(_(MSG_NOT_RELATED))
    if contract is not None and (contract.fund_id != fund.pk or contract.enterprise_id != enterprise.pk):
        raise ValidationError({"contract": [_(MSG_CONTRACT_MISMATCH)]})
    errors = {}
    if attribution_method == "fixed_share":
        if attribution_share is None or not (0 <= attribution_share <= 1):
            errors["attribution_share"] = [_("Geef een aandeel tussen 0 en 1 (bijv. 0,25).")]
    elif not enterprise_total_financing or enterprise_total_financing <= 0:
        errors["enterprise_total_financing"] = [
            _("Geef de totale financiering van de onderneming (alle financiers) om het aandeel te berekenen.")
        ]
    if errors:
        raise ValidationError(errors)
    kpi_set = KPISet(
        fund=fund,
        enterprise=enterprise,
        contract=contract,
        name=name,
        frequency=frequency,
        start=start,
        end=end,
        due_days=due_days,
        attribution_method=attribution_method,
        attribution_share=attribution_share if attribution_method == "fixed_share" else None,
        enterprise_total_financing=enterprise_total_financing,
        anomaly_change_pct=anomaly_change_pct,
        anomaly_target_pct=anomaly_target_pct,
    )
    kpi_set.full_clean()
    kpi_set.save()
    audit_record(actor=actor, obj=kpi_set, action="impact_kpi_set_created", to_state=kpi_set.status)
    return kpi_set


@transaction.atomic
def kpi_add(
    *,
    actor: User | None,
    kpi_set: KPISet,
    metric: Metric,
    baseline_value: Decimal | None = None,
    baseline_date: datetime.date | None = None,
    targets: dict[int, Decimal] | None = None,
    min_value: Decimal | None = None,
    max_value: Decimal | None = None,
    required: bool = True,
) -> KPI:
    """Add a metric to a KPI set, with its baseline (nulmeting), year targets and allowed range."""
    _require_fund_manager(actor, kpi_set.fund)
    if kpi_set.status == KPISetStatus.ENDED:
        raise ApplicationError(_("Een beëindigde KPI-set kan niet meer worden gewijzigd."))
    if metric.fund_id not in (None, kpi_set.fund_id):
        raise ValidationError({"metric": [_("Deze metriek hoort bij een ander fonds.")]})
    if not metric.is_numeric and (baseline_value is not None or targets):
        raise ValidationError({"baseline_value": [_("Een tekstmetriek heeft geen nulmeting of doelen.")]})
    kpi = KPI(
        kpi_set=kpi_set,
        metric=metric,
        position=kpi_set.kpis.count() + 1,
        baseline_value=baseline_value,
        baseline_date=baseline_date,
        min_value=min_value,
        max_value=max_value,
        required=required,
    )
    if baseline_value is not None and baseline_date is None:
        raise ValidationError({"baseline_date": [_("Geef de datum van de nulmeting.")]})
    kpi.full_clean()
    kpi.save()
    for year, value in (targets or {}).items():
        KPITarget.objects.create(kpi=kpi, year=year, value=value)
    audit_record(
        actor=actor,
        obj=kpi_set,
        action="impact_kpi_added",
        data={"metric": metric.code, "baseline": baseline_value, "targets": targets or {}},
    )
    return kpi


def periods_generate(*, kpi_set: KPISet) -> list[ReportingPeriod]:
    """Create the missing reporting periods of a KPI set (idempotent); returns all its periods."""
    existing = set(kpi_set.periods.values_list("label", flat=True))
    new = [
        ReportingPeriod(
            kpi_set=kpi_set, label=s.label, year=s.year, start=s.start, end=s.end, due_date=s.due_date
        )
        for s in period_spans(
            frequency=kpi_set.frequency, start=kpi_set.start, end=kpi_set.end, due_days=kpi_set.due_days
        )
        if s.label not in existing
    ]
    ReportingPeriod.objects.bulk_create(new)
    return list(kpi_set.periods.order_by("start"))


@transaction.atomic
def kpi_set_confirm(*, actor: User | None, kpi_set: KPISet, reason: str = "") -> KPISet:
    """Proposed → confirmed (at contracting): the periods are generated and reporting can start."""
    _require_fund_manager(actor, kpi_set.fund)
    kpi_set = KPISet.objects.select_for_update().get(pk=kpi_set.pk)
    if kpi_set.status != KPISetStatus.PROPOSED:
        raise TransitionError(
            obj_label=_("De KPI-set"),
            from_state=kpi_set.get_status_display(),
            to_state=KPISetStatus.CONFIRMED.label,
            allowed=[],
        )
    if not kpi_set.kpis.exists():
        raise ApplicationError(_(MSG_NO_KPIS))
    kpi_set.status = KPISetStatus.CONFIRMED
    kpi_set.save(update_fields=["status"])
    periods = periods_generate(kpi_set=kpi_set)
    audit_record(
        actor=actor,
        obj=kpi_set,
        action="impact_kpi_set_confirmed",
        from_state=KPISetStatus.PROPOSED,
        to_state=KPISetStatus.CONFIRMED,
        reason=reason,
        data={"periods": len(periods)},
    )
    return kpi_set


# --------------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------------


def _kpis(kpi_set: KPISet) -> dict[int, KPI]:
    return {k.pk: k for k in kpi_set.kpis.select_related("metric", "kpi_set")}


def _current_as_clean(report: Report, kpis: dict[int, KPI]) -> dict[int, CleanValue]:
    return {
        v.kpi_id: CleanValue(
            kpi=kpis[v.kpi_id], number=v.number, text=v.text, comment=v.comment, anomalies=v.anomalies
        )
        for v in report.values.filter(is_current=True)
        if v.kpi_id in kpis
    }


def period_not_ended_message(period: ReportingPeriod) -> str:
    return _(MSG_PERIOD_NOT_ENDED) % {
        "period": period.label,
        "end": format_date(period.end),
        "first_day": format_date(period.end + datetime.timedelta(days=1)),
    }


def _require_ended(period: ReportingPeriod) -> None:
    """Nothing is reported on a period that is still running: its figures are not known yet."""
    if not period.has_ended(timezone.localdate()):
        raise ApplicationError(period_not_ended_message(period), code="period_not_ended")


def _report_for_update(period: ReportingPeriod) -> Report:
    report, _created = Report.objects.get_or_create(period=period)
    return Report.objects.select_for_update().select_related("period__kpi_set").get(pk=report.pk)


def _write_values(report: Report, cleaned: dict[int, CleanValue], actor: User | None) -> None:
    """Drafts and returned reports are edited in place (version 1): they were never accepted."""
    for kpi_id, value in cleaned.items():
        if value.is_empty and not value.comment:
            report.values.filter(kpi_id=kpi_id, is_current=True).delete()
            continue
        Value.objects.update_or_create(
            report=report,
            kpi_id=kpi_id,
            is_current=True,
            defaults={
                "number": value.number,
                "text": value.text,
                "comment": value.comment,
                "anomalies": value.anomalies,
                "created_by": actor if actor is not None and actor.is_authenticated else None,
            },
        )


@transaction.atomic
def report_save(
    *,
    actor: User | None,
    period: ReportingPeriod,
    entries: dict[int, Entry],
    submit: bool = False,
    source: str = ReportSource.WEB,
) -> Report:
    """Save values of one period as a draft, and with `submit=True` submit the report.

    Every entry is checked (type, unit, range); on submission also the required metrics and the
    explanations of flagged values. Any problem refuses the whole call (`ReportValidationError`).
    """
    kpi_set = KPISet.objects.select_related("fund", "enterprise").get(pk=period.kpi_set_id)  # fresh status
    _require_reporter(actor, kpi_set)
    if kpi_set.status != KPISetStatus.CONFIRMED:
        raise ApplicationError(_(MSG_NOT_CONFIRMED) % {"status": kpi_set.get_status_display()})
    _require_ended(period)
    report = _report_for_update(period)
    if report.status not in EDITABLE_STATUSES:
        raise ApplicationError(_(MSG_NOT_EDITABLE) % {"status": report.get_status_display().lower()})
    kpis = _kpis(kpi_set)
    cleaned, problems = validation.validate_entries(period=period, entries=entries, kpis=kpis)
    if problems:
        raise ReportValidationError(problems)
    merged = _current_as_clean(report, kpis)
    merged.update(cleaned)
    if submit:
        locations = {kpi_id: entry.location for kpi_id, entry in entries.items()}
        problems = validation.submission_problems(kpis=kpis, values=merged, locations=locations)
        if problems:
            raise ReportValidationError(problems)
    _write_values(report, cleaned, actor)
    from_state = report.status
    report.source = source
    if submit:
        report.status = (
            ReportStatus.RESUBMITTED if from_state == ReportStatus.RETURNED else ReportStatus.SUBMITTED
        )
        report.submitted_at = timezone.now()
        report.submitted_by = actor if actor is not None and actor.is_authenticated else None
    report.save()
    audit_record(
        actor=actor,
        obj=report,
        action="impact_report_submitted" if submit else "impact_report_saved",
        from_state=from_state,
        to_state=report.status,
        data={
            "source": source,
            "values": {
                kpis[k].metric.code: (v.number if v.number is not None else v.text)
                for k, v in cleaned.items()
            },
        },
    )
    return report


def report_submit(*, actor: User | None, report: Report, source: str = ReportSource.WEB) -> Report:
    """Submit what is saved, without new values."""
    return report_save(actor=actor, period=report.period, entries={}, submit=True, source=source)


def _review_transition(report: Report, to_state: str) -> None:
    if report.status not in IN_REVIEW_STATUSES:
        raise TransitionError(
            obj_label=_("De rapportage"),
            from_state=report.get_status_display(),
            to_state=str(ReportStatus(to_state).label),
            allowed=[],
        )


@transaction.atomic
def report_accept(*, actor: User | None, report: Report, reason: str = "") -> Report:
    """Submitted → accepted. The fund's attributed share at period end is fixed on the report."""
    from .selectors import attribution_for

    _require_fund_manager(actor, report.period.kpi_set.fund)
    report = Report.objects.select_for_update().select_related("period__kpi_set__fund").get(pk=report.pk)
    _review_transition(report, ReportStatus.ACCEPTED)
    from_state = report.status
    share, basis = attribution_for(period=report.period)
    report.status = ReportStatus.ACCEPTED
    report.reviewed_at = timezone.now()
    report.reviewed_by = actor if actor is not None and actor.is_authenticated else None
    report.review_comment = reason
    report.attribution_share = share
    report.attribution_basis = basis
    report.save()
    report.values.filter(is_current=True).exclude(review_comment="").update(review_comment="")
    audit_record(
        actor=actor,
        obj=report,
        action="impact_report_accepted",
        from_state=from_state,
        to_state=report.status,
        reason=reason,
        data={"attribution_share": share, "attribution_basis": basis},
    )
    return report


@transaction.atomic
def report_return(
    *, actor: User | None, report: Report, reason: str = "", comments: dict[int, str] | None = None
) -> Report:
    """Submitted → returned, with a general reason and/or a comment per value (keyed by KPI id)."""
    _require_fund_manager(actor, report.period.kpi_set.fund)
    report = Report.objects.select_for_update().select_related("period__kpi_set__fund").get(pk=report.pk)
    _review_transition(report, ReportStatus.RETURNED)
    comments = {k: c.strip() for k, c in (comments or {}).items() if c and c.strip()}
    if not reason.strip() and not comments:
        raise ApplicationError(_(MSG_RETURN_NEEDS_COMMENT))
    for text in [reason, *comments.values()]:
        validate_no_bsn(text)
    values = {v.kpi_id: v for v in report.values.filter(is_current=True)}
    for kpi_id, comment in comments.items():
        value = values.get(kpi_id)
        if value is None:
            value = Value.objects.create(report=report, kpi_id=kpi_id, review_comment=comment)
        else:
            value.review_comment = comment
            value.save(update_fields=["review_comment"])
    from_state = report.status
    report.status = ReportStatus.RETURNED
    report.reviewed_at = timezone.now()
    report.reviewed_by = actor if actor is not None and actor.is_authenticated else None
    report.review_comment = reason.strip()
    report.save()
    audit_record(
        actor=actor,
        obj=report,
        action="impact_report_returned",
        from_state=from_state,
        to_state=report.status,
        reason=reason,
        data={"comments": {str(k): c for k, c in comments.items()}},
    )
    return report


@transaction.atomic
def value_correct(*, actor: User | None, value: Value, raw, reason: str, comment: str = "") -> Value:
    """A correction after acceptance: a new current version with its reason; earlier versions remain."""
    report = value.report
    _require_reporter_or_manager(actor, report.period.kpi_set)
    if report.status != ReportStatus.ACCEPTED:
        raise ApplicationError(_(MSG_CORRECT_ONLY_ACCEPTED))
    if not reason or not reason.strip():
        raise ValidationError({"reason": [_(MSG_CORRECTION_REASON)]})
    validate_no_bsn(reason)
    current = Value.objects.select_for_update().get(report=report, kpi=value.kpi, is_current=True)
    kpis = {current.kpi_id: current.kpi}
    cleaned, problems = validation.validate_entries(
        period=report.period,
        entries={current.kpi_id: Entry(raw=raw, comment=comment or current.comment)},
        kpis=kpis,
    )
    if problems:
        raise ReportValidationError(problems)
    new = cleaned[current.kpi_id]
    if new.is_empty:
        raise ValidationError({"raw": [_("Geef de gecorrigeerde waarde.")]})
    current.is_current = False
    current.save(update_fields=["is_current"])
    corrected = Value.objects.create(
        report=report,
        kpi=current.kpi,
        version=current.version + 1,
        is_current=True,
        number=new.number,
        text=new.text,
        comment=new.comment,
        anomalies=new.anomalies,
        correction_reason=reason.strip(),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        obj=report,
        action="impact_value_corrected",
        from_state=f"v{current.version}: {current.display}",
        to_state=f"v{corrected.version}: {corrected.display}",
        reason=reason.strip(),
        data={"metric": current.kpi.metric.code},
    )
    return corrected


@transaction.atomic
def evidence_add(
    *, actor: User | None, report: Report, file: UploadedFile, kpi: KPI | None = None, description: str = ""
) -> Evidence:
    _require_reporter(actor, report.period.kpi_set)
    if not report.is_editable:
        raise ApplicationError(_(MSG_NOT_EDITABLE) % {"status": report.get_status_display().lower()})
    if kpi is not None and kpi.kpi_set_id != report.period.kpi_set_id:
        raise ValidationError({"kpi": [_("Deze KPI hoort niet bij deze rapportage.")]})
    if file.size > 10 * 1024 * 1024:
        raise ValidationError({"file": [_("Een bewijsstuk is hoogstens 10 MB.")]})
    try:
        validate_filename_no_bsn(file)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    validate_no_bsn(description)
    checked_upload(file, field="file", allowed=("pdf", "xlsx", "docx", "png", "jpeg"))  # parsed, not sniffed
    evidence = Evidence.objects.create(
        report=report,
        kpi=kpi,
        file=file,
        description=description,
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(actor=actor, obj=report, action="impact_evidence_added", data={"file": evidence.file.name})
    return evidence


@transaction.atomic
def period_evidence_add(
    *,
    actor: User | None,
    period: ReportingPeriod,
    file: UploadedFile,
    kpi: KPI | None = None,
    description: str = "",
) -> Evidence:
    """Evidence for a period's report; a draft report is started when there is none yet (all or nothing)."""
    report = Report.objects.filter(period=period).first()
    if report is None:
        report = report_save(actor=actor, period=period, entries={})
    return evidence_add(actor=actor, report=report, file=file, kpi=kpi, description=description)


@transaction.atomic
def report_import(
    *,
    actor: User | None,
    kpi_set: KPISet,
    batches: list[tuple[ReportingPeriod, dict[int, Entry]]],
    submit: bool,
    source: str,
    problems: list[Problem] | None = None,
) -> list[Report]:
    """Several periods at once (Excel, API): all accepted or all refused, with every problem listed.

    `problems` are those the caller already found while reading its input (structure, formulas); they are
    reported together with the validation problems, and nothing is written if there is any.
    """
    _require_reporter(actor, kpi_set)
    if kpi_set.status != KPISetStatus.CONFIRMED:
        raise ApplicationError(_(MSG_NOT_CONFIRMED) % {"status": kpi_set.get_status_display()})
    found = list(problems or [])
    kpis = _kpis(kpi_set)
    today = timezone.localdate()
    for period, entries in batches:
        first = next(iter(entries.values()), None)
        where = first.location if first else period.label
        if period.kpi_set_id != kpi_set.pk:
            found.append(Problem(where, _("deze periode hoort niet bij deze KPI-set"), "unknown"))
            continue
        if not period.has_ended(today):
            found.append(Problem(where, period_not_ended_message(period), "period_not_ended"))
            continue
        report = Report.objects.filter(period=period).first()
        if report is not None and report.status not in EDITABLE_STATUSES:
            found.append(
                Problem(
                    where,
                    _("de rapportage over %(period)s is %(status)s en kan niet meer worden gewijzigd")
                    % {"period": period.label, "status": report.get_status_display().lower()},
                    "not_editable",
                )
            )
            continue
        cleaned, problems_here = validation.validate_entries(period=period, entries=entries, kpis=kpis)
        found.extend(problems_here)
        if submit and not problems_here:
            merged = _current_as_clean(report, kpis) if report is not None else {}
            merged.update(cleaned)
            locations = {kpi_id: entry.location for kpi_id, entry in entries.items()}
            found.extend(validation.submission_problems(kpis=kpis, values=merged, locations=locations))
    if found:
        raise ReportValidationError(found)
    return [
        report_save(actor=actor, period=period, entries=entries, submit=submit, source=source)
        for period, entries in batches
    ]
