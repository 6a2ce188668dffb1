"""Exports in the same formats as the pages.

CSV files follow the Dutch convention (what Excel in a Dutch locale opens correctly): ``;`` between fields,
a decimal comma without thousand separators, dates as dd-mm-jjjj, times in Europe/Amsterdam, UTF-8 with a
BOM. Excel files keep numbers as numbers with these number formats, so they add up in the sheet.
"""

from __future__ import annotations

import csv
import datetime
import io
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
]

EXCEL_EUR = '"€" #,##0.00;"€" -#,##0.00'
EXCEL_NUMBER = "#,##0.00"
EXCEL_INTEGER = "#,##0"
EXCEL_PERCENT = "0.00%"
EXCEL_DATE = "dd-mm-yyyy"
EXCEL_DATETIME = "dd-mm-yyyy hh:mm"


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
    return str(value)


def csv_bytes(*, header: list[str], rows: Iterable[Iterable]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
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
