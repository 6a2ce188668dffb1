"""Exports in the same formats as the pages.

CSV files follow the Dutch convention (what Excel in a Dutch locale opens correctly): ``;`` between fields,
a decimal comma without thousand separators, dates as dd-mm-jjjj, times in Europe/Amsterdam, UTF-8 with a
BOM. Excel files keep numbers as numbers with these number formats, so they add up in the sheet.

Formula injection (ASVS 5.3.x, OWASP "CSV injection"): a text cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return would be read as a formula by a spreadsheet (``=HYPERLINK(…)`` in an
organisation's name). Every text cell of every export goes through ``safe_cell``, which puts a ``'`` before
it; numbers, amounts and dates are numeric cells and stay as they are. CSV files get it in ``csv_cell``;
Excel files are written only through ``workbook_bytes``, which passes every text cell of every sheet through
``safe_cell`` (tests/core/test_exports_injection.py checks that no export saves a workbook another way).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from djmoney.money import Money

from . import formats

__all__ = [
    "EXCEL_DATE",
    "EXCEL_DATETIME",
    "EXCEL_EUR",
    "EXCEL_INTEGER",
    "EXCEL_NUMBER",
    "EXCEL_PERCENT",
    "csv_bytes",
    "csv_cell",
    "csv_response",
    "excel_value",
    "restore_cell",
    "safe_cell",
    "workbook_bytes",
]

EXCEL_EUR = '"€" #,##0.00;"€" -#,##0.00'
EXCEL_NUMBER = "#,##0.00"
EXCEL_INTEGER = "#,##0"
EXCEL_PERCENT = "0.00%"
EXCEL_DATE = "dd-mm-yyyy"
EXCEL_DATETIME = "dd-mm-yyyy hh:mm"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A text that is only a number ("-12,50", "+3", "-1.234,56") is no formula in any spreadsheet: left alone,
# so amounts formatted as text in a CSV stay readable as numbers.
_PLAIN_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*")


def safe_cell(value):
    """A value for a spreadsheet cell that cannot start a formula: a text starting with = + - @ tab or CR
    gets a ``'`` in front; anything that is not text (numbers, amounts, dates, None) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def restore_cell(value):
    """The text as typed, for a template read back in: undoes ``safe_cell``'s ``'`` (and only that one)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def csv_cell(value) -> str:
    """One value as text for a Dutch CSV file."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, Money):
        return formats.csv_number(value.amount, 2)
    if isinstance(value, Decimal | int):
        return formats.csv_number(value)
    if isinstance(value, datetime.datetime):
        return formats.format_datetime(value, language="nl")
    if isinstance(value, datetime.date):
        return formats.format_date(value, language="nl")
    return safe_cell(str(value))


def csv_bytes(*, header: list[str], rows: Iterable[Iterable]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(str(title)) for title in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_response(*, filename: str, header: list[str], rows: Iterable[Iterable]) -> HttpResponse:
    response = HttpResponse(csv_bytes(header=header, rows=rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def excel_value(value):
    """A value for an openpyxl cell: timestamps as naive Amsterdam time (Excel has no time zones)."""
    if isinstance(value, Money):
        return value.amount
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def workbook_bytes(workbook) -> bytes:
    """The .xlsx file of an openpyxl workbook, with every text cell of every sheet through ``safe_cell``.

    openpyxl takes a text starting with ``=`` for a formula (data type "f"): exports never write formulas on
    purpose, so such a cell is data and is turned back into neutralised text too."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str):
                    safe = safe_cell(value)
                    if safe is not value or cell.data_type == "f":
                        cell.value = safe
                        cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
