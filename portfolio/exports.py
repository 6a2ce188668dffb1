"""Excel exports (openpyxl): amounts as numbers with the project's number formats (core.exports), so they
stay calculable and look like the pages: euros, percentages (fractions), dates as dd-mm-jjjj."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from core.exports import EXCEL_DATE, EXCEL_DATETIME, EXCEL_EUR, EXCEL_PERCENT, excel_value, workbook_bytes
from core.formats import format_date
from fund.models import Fund


def _sheet(
    workbook,
    title: str,
    header: list[str],
    rows: list[list],
    money_columns: set[int],
    percent_columns: set[int] = frozenset(),
):
    """A sheet with a bold, frozen Dutch header row; euros and percentages (fractions) as numbers with
    their number format, and every date or timestamp as a real Excel date (dd-mm-jjjj)."""
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"  # the header row stays in view while scrolling
    for row in rows:
        sheet.append([excel_value(value) for value in row])
        for cell, value in zip(sheet[sheet.max_row], row, strict=False):
            if isinstance(value, datetime.datetime):
                cell.number_format = EXCEL_DATETIME
            elif isinstance(value, datetime.date):
                cell.number_format = EXCEL_DATE
    for column in money_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = EXCEL_EUR
    for column in percent_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = EXCEL_PERCENT
    for column_cells in sheet.columns:
        width = max(len(str(cell.value or "")) for cell in column_cells)
        sheet.column_dimensions[column_cells[0].column_letter].width = min(max(12, width + 2), 60)
    return sheet


def ledger_report_workbook(*, fund: Fund, report: dict, start: datetime.date, end: datetime.date) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(
        workbook,
        _("Proefbalans"),
        [_("Rekening"), _("Naam"), _("Debet"), _("Credit"), _("Saldo debet"), _("Saldo credit")],
        [
            [
                r["account"].code,
                r["account"].name,
                r["debit"],
                r["credit"],
                r["balance_debit"],
                r["balance_credit"],
            ]
            for r in report["trial"]
        ],
        {3, 4, 5, 6},
    )
    sheet_rows = [[_("Activa"), "", None]]
    sheet_rows += [[r["account"].code, r["account"].name, r["amount"]] for r in report["sheet"]["assets"]]
    sheet_rows += [[_("Passiva"), "", None]]
    sheet_rows += [
        [r["account"].code, r["account"].name, r["amount"]] for r in report["sheet"]["liabilities"]
    ]
    sheet_rows += [[r["account"].code, r["account"].name, r["amount"]] for r in report["sheet"]["equity"]]
    sheet_rows += [["", _("Resultaat boekjaar (nog niet naar de reserves)"), report["result_to_date"]]]
    _sheet(workbook, _("Balans"), [_("Rekening"), _("Naam"), _("Bedrag")], sheet_rows, {3})
    pnl_rows = [[r["account"].code, r["account"].name, r["amount"]] for r in report["pnl"]["income"]]
    pnl_rows += [[r["account"].code, r["account"].name, -r["amount"]] for r in report["pnl"]["expense"]]
    pnl_rows += [
        [
            "",
            _("Resultaat %(start)s – %(end)s") % {"start": format_date(start), "end": format_date(end)},
            report["total"]["period_result"],
        ]
    ]
    _sheet(workbook, _("Winst en verlies"), [_("Rekening"), _("Naam"), _("Bedrag")], pnl_rows, {3})
    workbook.properties.title = f"{fund.name} {format_date(start)} – {format_date(end)}"
    return workbook_bytes(workbook)


def overview_workbook(*, fund: Fund, overview: dict) -> bytes:
    """The portfolio overview as of its date: key figures, contracts, and totals by municipality and theme."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    as_of = overview["as_of"]
    _sheet(
        workbook,
        _("Kerncijfers"),
        [_("Kengetal"), _("Waarde")],
        [
            [_("Fonds"), fund.name],
            [_("Stand per"), as_of],
            [_("Uitstaande hoofdsom"), overview["outstanding"]],
            [_("NAV"), overview["nav"]],
            ["PAR30", overview["par30"] / 100],  # the page shows percent; the cell holds the fraction
            ["PAR90", overview["par90"] / 100],
        ],
        set(),
    )
    sheet = workbook[_("Kerncijfers")[:31]]
    for row in (4, 5):
        sheet.cell(row=row, column=2).number_format = EXCEL_EUR
    for row in (6, 7):
        sheet.cell(row=row, column=2).number_format = EXCEL_PERCENT
    sheet.cell(row=3, column=2).number_format = EXCEL_DATE
    _sheet(
        workbook,
        _("Contracten"),
        [
            _("Kenmerk"),
            _("Onderneming"),
            _("Gemeente"),
            _("Instrument"),
            _("Status"),
            _("Hoofdsom"),
            _("Uitstaand"),
            _("Dagen achterstand"),
            _("Achterstandsklasse"),
        ],
        [
            [
                c.reference,
                c.enterprise.organisation.name,
                c.enterprise.organisation.municipality.name if c.enterprise.organisation.municipality else "",
                c.get_instrument_display(),
                c.status_label,
                c.principal.amount,
                c.outstanding,
                c.days_past_due,
                c.bucket_label,
            ]
            for c in overview["contracts"]
        ],
        {6, 7},
    )
    for title, totals in (
        (_("Per gemeente"), overview["by_municipality"]),
        (_("Per thema"), overview["by_theme"]),
    ):
        _sheet(
            workbook,
            title,
            [_("Naam"), _("Uitstaand")],
            [[name, amount] for name, amount in sorted(totals.items(), key=lambda item: -item[1])],
            {2},
        )
    workbook.properties.title = f"{fund.name} {format_date(as_of)}"
    return workbook_bytes(workbook)


def arrears_workbook(*, fund: Fund, report: dict, as_of: datetime.date) -> bytes:
    """The arrears list as of a date: the totals per bucket and each late loan with the actions taken."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(
        workbook,
        _("Per achterstandsklasse"),
        [_("Dagen te laat"), _("Leningen"), _("Achterstallig"), _("Uitstaande hoofdsom")],
        [[b["label"], b["count"], b["overdue"], b["outstanding"]] for b in report["buckets"]],
        {3, 4},
    )
    _sheet(
        workbook,
        _("Leningen met achterstand"),
        [
            _("Kenmerk"),
            _("Onderneming"),
            _("Oudste open termijn"),
            _("Dagen te laat"),
            _("Achterstandsklasse"),
            _("Achterstallig"),
            _("Boeterente"),
            _("Uitstaande hoofdsom"),
            _("Laatste aanmaning"),
            _("Datum laatste aanmaning"),
            _("Aantal notities"),
        ],
        [
            [
                item["contract"].reference,
                item["contract"].enterprise.organisation.name,
                item["oldest_unpaid"],
                item["days_past_due"],
                item["bucket_label"],
                item["overdue"],
                item["penalty_interest"],
                item["outstanding"],
                item["last_reminder"].get_step_display() if item["last_reminder"] else "",
                item["last_reminder"].as_of if item["last_reminder"] else None,
                item["notes"],
            ]
            for item in report["items"]
        ],
        {6, 7, 8},
    )
    workbook.properties.title = f"{fund.name} {format_date(as_of)}"
    return workbook_bytes(workbook)
