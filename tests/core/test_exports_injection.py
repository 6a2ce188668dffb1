"""Formula injection in CSV and Excel exports (ASVS 5.3.x): a text cell starting with = + - @ tab or CR gets
a ' in front; numbers, amounts and dates stay numeric. The helper (core.exports) and the exports of fund and
portfolio; pipeline, impact and outcomes have theirs in their own test folders (test_export_injection.py)."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from djmoney.money import Money
from openpyxl import Workbook, load_workbook

from core.exports import csv_bytes, csv_cell, restore_cell, safe_cell, workbook_bytes
from fund.models import Organisation, Role

ROOT = Path(__file__).resolve().parents[2]
EVIL = '=HYPERLINK("http://x")'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (EVIL, "'" + EVIL),
        ("+31 6 1234 5678", "'+31 6 1234 5678"),
        ("-rest", "'-rest"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tverborgen", "'\tverborgen"),
        ("\rverborgen", "'\rverborgen"),
        ("Gewone naam B.V.", "Gewone naam B.V."),
        ("a=b", "a=b"),
        ("", ""),
        ("-12,50", "-12,50"),  # a number as text is no formula
        ("+3", "+3"),
        ("-1.234,56", "-1.234,56"),
        (Decimal("-12.50"), Decimal("-12.50")),
        (-3, -3),
        (None, None),
        (datetime.date(2026, 1, 2), datetime.date(2026, 1, 2)),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_restore_cell_undoes_only_the_neutralising_quote():
    assert restore_cell(safe_cell(EVIL)) == EVIL
    assert restore_cell("'gewoon") == "'gewoon"
    assert restore_cell(7) == 7


def test_csv_neutralises_text_and_leaves_amounts_numeric():
    data = csv_bytes(
        header=["naam", "bedrag", "geld", "datum"],
        rows=[[EVIL, Decimal("-1234.5"), Money("-12.30", "EUR"), datetime.date(2026, 3, 1)]],
    )
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["'" + EVIL, "-1234,5", "-12,30", "01-03-2026"]
    assert csv_cell(Decimal("-5")) == "-5"


def test_excel_neutralises_text_even_when_openpyxl_took_it_for_a_formula():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([EVIL, Decimal("-12.50"), -3, datetime.date(2026, 3, 1), "@kop", "Gewoon"])
    assert sheet["A1"].data_type == "f"  # what openpyxl would have written: a live formula
    cells = next(load_workbook(io.BytesIO(workbook_bytes(workbook))).active.iter_rows(values_only=True))
    assert cells[0] == "'" + EVIL
    assert cells[1] == -12.5 and isinstance(cells[1], float)
    assert cells[2] == -3
    assert isinstance(cells[3], datetime.datetime)
    assert cells[4] == "'@kop" and cells[5] == "Gewoon"


SOURCE_DIRS = (
    "core",
    "fund",
    "portfolio",
    "investors",
    "pipeline",
    "impactmeasurement",
    "resultaatfinanciering",
    "reports",
)


def _sources():
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_every_export_goes_through_the_one_helper():
    """No workbook is saved and no CSV written except by core.exports (so no export can skip safe_cell)."""
    offenders = []
    for path in _sources():
        text = path.read_text()
        relative = path.relative_to(ROOT).as_posix()
        if relative == "core/exports.py":
            continue
        if re.search(r"csv\.(writer|DictWriter)\(", text):
            offenders.append(f"{relative}: csv writer")
        if re.search(r"\.to_excel\(|\.to_csv\(|xlsxwriter", text):
            offenders.append(f"{relative}: pandas/xlsxwriter export")
        if "openpyxl" in text and re.search(r"\b\w+\.save\((buffer|io\.BytesIO|BytesIO|target|path)", text):
            offenders.append(f"{relative}: workbook saved without core.exports.workbook_bytes")
    assert offenders == []


def _evil_enterprise(side) -> None:
    Organisation.objects.filter(pk=side.enterprise.organisation_id).update(name=EVIL)


def test_organisation_csv_export_neutralises_a_formula_name(client, world):
    _evil_enterprise(world.a)
    client.force_login(world.a.users[Role.FUND_MANAGER])
    text = client.get(reverse("organisation_export")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    names = [row[0] for row in rows[1:]]
    assert "'" + EVIL in names
    assert EVIL not in names


def test_portfolio_excel_exports_neutralise_a_formula_name_and_keep_amounts_numeric(client, world):
    _evil_enterprise(world.a)
    client.force_login(world.a.users[Role.FUND_MANAGER])
    fund = world.a.fund
    for url in (
        reverse("portfolio_overview", args=[fund.pk]) + "?format=xlsx",
        reverse("arrears_list", args=[fund.pk]) + "?format=xlsx&as_of=2027-06-30",
    ):
        workbook = load_workbook(io.BytesIO(client.get(url).content))
        texts = [
            cell.value
            for sheet in workbook.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if isinstance(cell.value, str)
        ]
        assert "'" + EVIL in texts, url
        assert not any(t.startswith(("=", "+", "@")) for t in texts), url
        assert not any(
            cell.data_type == "f" for s in workbook.worksheets for r in s.iter_rows() for cell in r
        )
        numbers = [
            cell.value
            for sheet in workbook.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if isinstance(cell.value, int | float) and not isinstance(cell.value, bool)
        ]
        assert any(n >= 50000 for n in numbers), url  # the loan's principal is still a number


def test_ledger_excel_keeps_a_negative_amount_numeric(client, world):
    from portfolio.ledger import Line, entry_post

    fund = world.a.fund
    entry_post(
        fund=fund,
        value_date=datetime.date(2026, 2, 1),
        description=EVIL,
        lines=[Line("1000", debit=Decimal("250.00")), Line("3000", credit=Decimal("250.00"))],
        actor=None,
    )
    client.force_login(world.a.users[Role.FUND_MANAGER])
    url = reverse("ledger_report", args=[fund.pk]) + "?format=xlsx&start=2026-01-01&end=2026-12-31"
    workbook = load_workbook(io.BytesIO(client.get(url).content))
    values = [c.value for s in workbook.worksheets for r in s.iter_rows() for c in r if c.value is not None]
    negatives = [v for v in values if isinstance(v, int | float) and v < 0]
    assert negatives, "a credit balance shows as a negative number"
    assert not any(isinstance(v, str) and re.fullmatch(r"'-[\d.,]+", v) for v in values)


def test_journal_csv_neutralises_a_formula_description(client, world):
    from portfolio.ledger import Line, entry_post

    fund = world.a.fund
    entry_post(
        fund=fund,
        value_date=datetime.date(2026, 2, 1),
        description=EVIL,
        lines=[Line("1000", debit=Decimal("250.00")), Line("3000", credit=Decimal("250.00"))],
        actor=None,
    )
    client.force_login(world.a.users[Role.FUND_MANAGER])
    url = reverse("ledger_auditfile", args=[fund.pk]) + "?format=csv&year=2026"
    text = client.get(url).content.decode("utf-8-sig")
    assert "'" + EVIL.replace('"', '""') in text
    assert ";" + EVIL.replace('"', '""') not in text and '"' + EVIL.replace('"', '""') not in text
    assert ";250;" in text  # the amount stays a plain number
