"""The Excel route: a template prefilled for one KPI set's open periods, and reading it back.

The template has one visible sheet ("Rapportage") whose structure is locked (sheet protection; only the
value and explanation columns are editable, with data validation per metric type) and one very hidden
sheet ("_ids") that maps each row to its period and KPI, signed with an HMAC of the site's secret key, so
a template of another KPI set (or a hand-made look-alike) is recognised and refused. Reading returns
(period, entries) batches and the structural problems; `services.report_import` does the rest (all or
nothing).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from core.exports import EXCEL_EUR, EXCEL_INTEGER, restore_cell, workbook_bytes

from .models import KPISet, ReportingPeriod, ValueType, display_value
from .validation import Entry, Problem, period_target, period_target_basis, previous_values, targets_by_kpi

SHEET = "Rapportage"
META = "_ids"
MARKER = "impactfonds-impactsjabloon-v1"
HEADERS = ["Periode", "Code", "Metriek", "Eenheid", "Vorige waarde", "Doel", "Waarde", "Toelichting"]
HEADER_ROW = 4
FIRST_ROW = 5
VALUE_COL, COMMENT_COL = 7, 8  # G, H
MAX_BYTES = 5 * 1024 * 1024
# How a prefilled value shows in Excel (decimals and percentages keep Excel's own "General": exact digits)
VALUE_FORMATS = {ValueType.COUNT: EXCEL_INTEGER, ValueType.AMOUNT: EXCEL_EUR}


class TemplateError(Exception):
    """The file cannot be read as this KPI set's template at all."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _signature(kpi_set_id: int, rows: list[tuple[int, int, int]]) -> str:
    payload = f"{kpi_set_id}|" + ";".join(f"{r},{p},{k}" for r, p, k in rows)
    return hmac.new(settings.SECRET_KEY.encode(), payload.encode(), hashlib.sha256).hexdigest()


def _validation_for(kind: str, choices: list[str]) -> DataValidation | None:
    error = _("Deze waarde past niet bij de metriek.")
    if kind == ValueType.COUNT:
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
    elif kind == ValueType.PERCENTAGE:
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100")
    elif kind in (ValueType.AMOUNT, ValueType.DECIMAL):
        dv = DataValidation(type="decimal", operator="between", formula1="-1E15", formula2="1E15")
    elif kind == ValueType.YES_NO:
        dv = DataValidation(type="list", formula1='"ja,nee"')
    elif choices:
        dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"')
    else:
        return None
    dv.error, dv.errorTitle, dv.showErrorMessage = error, _("Ongeldige waarde"), True
    return dv


def open_periods(kpi_set: KPISet) -> list[ReportingPeriod]:
    """Periods that can be filled in: ended (a running period is not reported on yet), and without a report
    or with a draft/returned one."""
    from django.db.models import Q
    from django.utils import timezone

    return list(
        kpi_set.periods.filter(end__lt=timezone.localdate())
        .filter(Q(report__isnull=True) | Q(report__status__in=["draft", "returned"]))
        .select_related("report")
        .order_by("start")
    )


def build_template(kpi_set: KPISet, periods: list[ReportingPeriod] | None = None) -> bytes:
    periods = open_periods(kpi_set) if periods is None else periods
    kpis = list(kpi_set.kpis.select_related("metric").order_by("position", "metric__code"))
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["A1"] = _("Impactrapportage — %(enterprise)s — %(fund)s") % {
        "enterprise": kpi_set.enterprise.organisation.name,
        "fund": kpi_set.fund.name,
    }
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = _(
        "Vul per regel de waarde (kolom G) en waar nodig een toelichting (kolom H) in. Geen formules; "
        "de structuur van het blad is beveiligd."
    )
    for col, header in enumerate(HEADERS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    meta_rows: list[tuple[int, int, int]] = []
    validations: dict[int, DataValidation] = {}
    row = FIRST_ROW
    editable = PatternFill("solid", fgColor="FFF2CC")
    for period in periods:
        previous = previous_values(period)
        targets = targets_by_kpi(period)
        current = {}
        report = getattr(period, "report", None)
        if report is not None:
            current = {v.kpi_id: v for v in report.values.filter(is_current=True)}
        for kpi in kpis:
            metric = kpi.metric
            prev = previous.get(kpi.pk)
            target = period_target(kpi, period, targets)
            ws.cell(row=row, column=1, value=period.label)
            ws.cell(row=row, column=2, value=metric.code)
            ws.cell(row=row, column=3, value=metric.name + ("" if kpi.required else _(" (optioneel)")))
            ws.cell(row=row, column=4, value=metric.unit)
            ws.cell(row=row, column=5, value=display_value(metric, prev) if prev is not None else "")
            basis = period_target_basis(kpi, period, targets)
            ws.cell(
                row=row,
                column=6,
                value=f"{display_value(metric, target)} ({basis})" if target is not None else "",
            )
            value = current.get(kpi.pk)
            if value is not None:
                if metric.value_type == ValueType.TEXT:
                    initial = value.text
                elif metric.value_type == ValueType.YES_NO and value.number is not None:
                    initial = "ja" if value.number else "nee"
                else:
                    initial = value.number  # a Decimal: openpyxl writes its exact digits
                ws.cell(row=row, column=VALUE_COL, value=initial)
                if metric.value_type in VALUE_FORMATS:
                    ws.cell(row=row, column=VALUE_COL).number_format = VALUE_FORMATS[metric.value_type]
                ws.cell(row=row, column=COMMENT_COL, value=value.comment or None)
            for col in (VALUE_COL, COMMENT_COL):
                cell = ws.cell(row=row, column=col)
                cell.protection = Protection(locked=False)
                cell.fill = editable
            dv_key = (metric.value_type, tuple(metric.choices))
            if dv_key not in validations:
                validations[dv_key] = _validation_for(metric.value_type, metric.choices)
            if validations[dv_key] is not None:
                validations[dv_key].add(ws.cell(row=row, column=VALUE_COL))
            meta_rows.append((row, period.pk, kpi.pk))
            row += 1
    for dv in validations.values():
        if dv is not None and dv.sqref:
            ws.add_data_validation(dv)
    for col, width in zip("ABCDEFGH", (10, 22, 48, 12, 14, 30, 14, 50), strict=True):
        ws.column_dimensions[col].width = width
    ws.protection.sheet = True
    ws.protection.password = hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest()[:12]
    ws.protection.formatCells = False
    meta = wb.create_sheet(META)
    meta["A1"], meta["B1"], meta["C1"] = MARKER, kpi_set.pk, _signature(kpi_set.pk, meta_rows)
    for i, (r, p, k) in enumerate(meta_rows, start=2):
        meta.cell(row=i, column=1, value=r)
        meta.cell(row=i, column=2, value=p)
        meta.cell(row=i, column=3, value=k)
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    return workbook_bytes(wb)


def _col(col: int) -> str:
    return "ABCDEFGH"[col - 1]


class _Cell:
    __slots__ = ("data_type", "value")

    def __init__(self, value=None, data_type="n"):
        self.value, self.data_type = value, data_type


class _Sheet:
    """A sheet of a read-only workbook read once into memory (its size was checked before it was opened),
    for lookups by row and column: read-only sheets are streams, slow to address cell by cell."""

    def __init__(self, ws):
        self.cells: dict[tuple[int, int], _Cell] = {}
        self.max_row = 0
        for row in ws.iter_rows():
            for cell in row:
                if getattr(cell, "value", None) is not None:
                    self.cells[(cell.row, cell.column)] = _Cell(cell.value, cell.data_type)
                    self.max_row = max(self.max_row, cell.row)

    def cell(self, row: int, column: int) -> _Cell:
        return self.cells.get((row, column), _Cell())


def _template_limits(kpi_set: KPISet) -> tuple[int, int]:
    """The most rows and columns this KPI set's template can have (with room for a stray row or column)."""
    lines = kpi_set.periods.count() * kpi_set.kpis.count()
    return FIRST_ROW + lines + 50, len(HEADERS) + 8


def read_upload(
    kpi_set: KPISet, data: bytes
) -> tuple[list[tuple[ReportingPeriod, dict[int, Entry]]], list[Problem]]:
    """(batches, problems) from an uploaded template; TemplateError if it is not this KPI set's template.

    The workbook is opened by core.uploads.open_workbook: the declared unpacked size and each sheet's
    dimensions are checked against this template's size before anything is unpacked (a zip bomb is refused
    without being read), and it is read in read-only mode."""
    from django.core.exceptions import ValidationError

    from core.uploads import open_workbook

    if len(data) > MAX_BYTES:
        raise TemplateError([Problem("", _("Het bestand is groter dan 5 MB."), "file")])
    max_rows, max_cols = _template_limits(kpi_set)
    try:
        wb = open_workbook(data, max_rows=max_rows, max_cols=max_cols, data_only=False)
    except ValidationError as exc:
        message = (
            _("Dit is geen leesbaar Excel-bestand (.xlsx).")
            if exc.code == "file_type"
            else " ".join(exc.messages)
        )
        raise TemplateError([Problem("", message, "file")]) from exc
    sheets = {name: _Sheet(wb[name]) for name in wb.sheetnames}
    wb.close()
    problems: list[Problem] = []
    if META not in sheets or sheets[META].cell(1, 1).value != MARKER:
        raise TemplateError(
            [
                Problem(
                    "",
                    _("Dit is geen impactsjabloon van Impactfonds: download het sjabloon opnieuw."),
                    "template",
                )
            ]
        )
    meta = sheets[META]
    rows = []
    for r in range(2, meta.max_row + 1):
        if meta.cell(r, 1).value is None:
            continue
        rows.append((int(meta.cell(r, 1).value), int(meta.cell(r, 2).value), int(meta.cell(r, 3).value)))
    if meta.cell(1, 2).value != kpi_set.pk or not hmac.compare_digest(
        str(meta.cell(1, 3).value or ""), _signature(int(meta.cell(1, 2).value or 0), rows)
    ):
        raise TemplateError(
            [
                Problem(
                    "",
                    _("Dit sjabloon hoort bij een andere onderneming of KPI-set (of is aangepast)."),
                    "foreign",
                )
            ]
        )
    for name in sheets:
        if name not in (SHEET, META):
            problems.append(
                Problem(name, _("werkblad '%(name)s' hoort niet in dit sjabloon") % {"name": name}, "sheet")
            )
    if SHEET not in sheets:
        raise TemplateError([*problems, Problem(SHEET, _("het werkblad ontbreekt"), "sheet")])
    ws = sheets[SHEET]
    for col, header in enumerate(HEADERS, start=1):
        found = ws.cell(row=HEADER_ROW, column=col).value
        if (found or "").strip() != header:
            problems.append(
                Problem(
                    f"{SHEET}!{_col(col)}{HEADER_ROW}", _("kolom '%(h)s' ontbreekt") % {"h": header}, "column"
                )
            )
    extra = ws.cell(row=HEADER_ROW, column=len(HEADERS) + 1).value
    if extra not in (None, ""):
        problems.append(
            Problem(f"{SHEET}!I{HEADER_ROW}", _("onbekende kolom '%(h)s'") % {"h": extra}, "column")
        )
    if problems:
        return [], problems
    periods = {p.pk: p for p in kpi_set.periods.filter(pk__in={p for _, p, _ in rows})}
    kpis = {k.pk: k for k in kpi_set.kpis.select_related("metric")}
    batches: dict[int, dict[int, Entry]] = {}
    for row, period_id, kpi_id in rows:
        period, kpi = periods.get(period_id), kpis.get(kpi_id)
        if period is None or kpi is None:
            problems.append(
                Problem(f"{SHEET}!A{row}", _("deze regel hoort niet (meer) bij de KPI-set"), "row")
            )
            continue
        if (
            ws.cell(row=row, column=1).value != period.label
            or ws.cell(row=row, column=2).value != kpi.metric.code
        ):
            problems.append(
                Problem(f"{SHEET}!A{row}", _("periode of code in deze regel is gewijzigd"), "row")
            )
            continue
        value_cell, comment_cell = ws.cell(row=row, column=VALUE_COL), ws.cell(row=row, column=COMMENT_COL)
        location = f"{SHEET}!{_col(VALUE_COL)}{row}"
        formula = False
        for col, cell in ((VALUE_COL, value_cell), (COMMENT_COL, comment_cell)):
            if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                problems.append(
                    Problem(
                        f"{SHEET}!{_col(col)}{row}",
                        _("een formule is niet toegestaan; vul de waarde zelf in"),
                        "formula",
                    )
                )
                formula = True
        if formula:
            continue
        # the template's text cells were neutralised against formulas (core.exports.safe_cell): read them back
        # as typed, so "-" or "+3 nieuwe medewerkers" round-trips unchanged
        raw, comment = restore_cell(value_cell.value), restore_cell(comment_cell.value)
        batches.setdefault(period.pk, {})[kpi.pk] = Entry(
            raw=raw, comment=str(comment).strip() if comment is not None else "", location=location
        )
    ordered = []
    for period_id, entries in batches.items():
        if all(e.raw in (None, "") and not e.comment for e in entries.values()):
            continue  # a period left empty is simply not reported on
        ordered.append((periods[period_id], entries))
    ordered.sort(key=lambda item: item[0].start)
    if not ordered and not problems:
        problems.append(Problem(SHEET, _("er is geen enkele waarde ingevuld"), "empty"))
    return ordered, problems


def import_upload(*, actor, kpi_set: KPISet, data: bytes, submit: bool):
    """Read and import an upload in one go; raises services.ReportValidationError listing every problem."""
    from . import services

    try:
        batches, problems = read_upload(kpi_set, data)
    except TemplateError as exc:
        raise services.ReportValidationError(exc.problems) from exc
    if problems:
        raise services.ReportValidationError(problems)
    return services.report_import(
        actor=actor, kpi_set=kpi_set, batches=batches, submit=submit, source="excel", problems=problems
    )
