"""Excel round trip: a good file, and bad files refused whole with every error by sheet/row/column."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import time_machine
from openpyxl import load_workbook

from impactmeasurement import excel
from impactmeasurement.models import Report, Value
from impactmeasurement.services import ReportValidationError
from tests.impactmeasurement.factories import make_kpi_set

D = Decimal
NOW = "2026-07-10 10:00 +02:00"  # Q1 and Q2 ended, Q3 running: the template has Q1 and Q2 only


@pytest.fixture
def template(kpi_set):
    with time_machine.travel(NOW, tick=False):
        return load_workbook(io.BytesIO(excel.build_template(kpi_set)))


def rows_by(ws, label):
    return {
        ws.cell(row=r, column=2).value: r
        for r in range(5, ws.max_row + 1)
        if ws.cell(row=r, column=1).value == label
    }


def save(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def fill_q1(ws, **overrides):
    rows = rows_by(ws, "2026-Q1")
    values = {"uitstroom-bijstand": 10, "totaal-fte": 20.5, "aandeel-afstand": 50, "pso-trede": "trede 1"}
    values.update(overrides)
    for code, value in values.items():
        ws.cell(row=rows[code], column=7, value=value)
    return rows


def upload(world, kpi_set, wb, submit=True):
    return excel.import_upload(actor=world.a.users["investee"], kpi_set=kpi_set, data=save(wb), submit=submit)


def errors(exc) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_template_is_prefilled_locked_and_validated(template):
    ws = template[excel.SHEET]
    assert [c.value for c in ws[4]] == excel.HEADERS
    assert set(rows_by(ws, "2026-Q1")) == {
        "uitstroom-bijstand",
        "totaal-fte",
        "aandeel-afstand",
        "schuld-geregeld",
        "pso-trede",
    }
    assert rows_by(ws, "2026-Q2") and not rows_by(ws, "2026-Q3")
    assert ws.protection.sheet is True
    row = rows_by(ws, "2026-Q1")["uitstroom-bijstand"]
    assert ws.cell(row=row, column=6).value == "10 (jaardoel 40 ÷ 4 kwartalen)"  # how it follows
    assert ws.cell(row=row, column=7).protection.locked is False
    assert ws.cell(row=row, column=3).protection.locked is True
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"whole", "decimal", "list"} <= kinds
    assert template[excel.META].sheet_state == "veryHidden"


def test_good_file_is_imported_and_submitted(world, kpi_set, template):
    fill_q1(template[excel.SHEET])
    (report,) = upload(world, kpi_set, template)
    assert report.status == "submitted" and report.source == "excel" and report.period.label == "2026-Q1"
    values = {v.kpi.metric.code: (v.number, v.text) for v in report.values.all()}
    assert values == {
        "uitstroom-bijstand": (D("10"), ""),
        "totaal-fte": (D("20.5"), ""),
        "aandeel-afstand": (D("50"), ""),
        "pso-trede": (None, "trede 1"),
    }


def test_wrong_types_are_all_listed_with_their_cells(world, kpi_set, template):
    rows = fill_q1(template[excel.SHEET], **{"uitstroom-bijstand": "twaalf", "aandeel-afstand": "veel"})
    with pytest.raises(ReportValidationError) as exc:
        upload(world, kpi_set, template)
    assert errors(exc) == [
        f"Rapportage!G{rows['uitstroom-bijstand']}: 'twaalf' is geen getal",
        f"Rapportage!G{rows['aandeel-afstand']}: 'veel' is geen getal",
    ]
    assert not Report.objects.exists() and not Value.objects.exists()


def test_missing_column(world, kpi_set, template):
    ws = template[excel.SHEET]
    fill_q1(ws)
    ws.protection.sheet = False
    ws.delete_cols(8)
    with pytest.raises(ReportValidationError) as exc:
        upload(world, kpi_set, template)
    assert errors(exc) == ["Rapportage!H4: kolom 'Toelichting' ontbreekt"]
    assert not Report.objects.exists()


def test_extra_sheet(world, kpi_set, template):
    fill_q1(template[excel.SHEET])
    template.create_sheet("Mijn berekening")
    with pytest.raises(ReportValidationError) as exc:
        upload(world, kpi_set, template)
    assert errors(exc) == ["Mijn berekening: werkblad 'Mijn berekening' hoort niet in dit sjabloon"]
    assert not Report.objects.exists()


def test_someone_elses_template(world, kpi_set):
    other = make_kpi_set(world.b)
    with time_machine.travel(NOW, tick=False):
        wb = load_workbook(io.BytesIO(excel.build_template(other)))
    fill_q1(wb[excel.SHEET])
    with pytest.raises(ReportValidationError) as exc:
        upload(world, kpi_set, wb)
    assert "hoort bij een andere onderneming of KPI-set" in errors(exc)[0]
    wb[excel.META]["B1"] = kpi_set.pk  # relabelled by hand: the signature no longer matches
    with pytest.raises(ReportValidationError):
        upload(world, kpi_set, wb)
    assert not Report.objects.exists()


def test_formula_instead_of_value(world, kpi_set, template):
    rows = fill_q1(template[excel.SHEET], **{"uitstroom-bijstand": "=4+6"})
    with pytest.raises(ReportValidationError) as exc:
        upload(world, kpi_set, template)
    assert errors(exc) == [
        f"Rapportage!G{rows['uitstroom-bijstand']}: een formule is niet toegestaan; vul de waarde zelf in"
    ]
    assert not Report.objects.exists()


def test_not_an_excel_file(world, kpi_set):
    with pytest.raises(ReportValidationError) as exc:
        excel.import_upload(
            actor=world.a.users["investee"], kpi_set=kpi_set, data=b"Datum;Bedrag\n", submit=True
        )
    assert errors(exc) == ["Dit is geen leesbaar Excel-bestand (.xlsx)."]


def test_one_bad_period_refuses_the_good_one_too(world, kpi_set, template):
    ws = template[excel.SHEET]
    fill_q1(ws)
    q2 = rows_by(ws, "2026-Q2")
    ws.cell(row=q2["uitstroom-bijstand"], column=7, value="-3")
    with pytest.raises(ReportValidationError) as exc:
        upload(world, kpi_set, template, submit=False)
    assert errors(exc) == [f"Rapportage!G{q2['uitstroom-bijstand']}: een aantal kan niet negatief zijn"]
    assert not Report.objects.exists()


# --- issue 11: text cells read the Dutch way; number cells stay numbers ----------------------------


def test_text_cells_are_read_the_dutch_way_and_number_cells_as_numbers(world, kpi_set, template):
    fill_q1(
        template[excel.SHEET],
        **{
            "uitstroom-bijstand": 10,
            "totaal-fte": "12,5",
            "aandeel-afstand": 50.25,
            "schuld-geregeld": "7.900",
        },
    )
    (report,) = upload(world, kpi_set, template, submit=False)
    values = {v.kpi.metric.code: v.number for v in report.values.all() if v.number is not None}
    assert values == {
        "uitstroom-bijstand": D("10"),
        "totaal-fte": D("12.5"),
        "aandeel-afstand": D("50.25"),
        "schuld-geregeld": D("7900.00"),
    }


def test_unreadable_text_cells_are_named_and_nothing_is_written(world, kpi_set, template):
    rows = fill_q1(template[excel.SHEET], **{"totaal-fte": "abc", "schuld-geregeld": "1.2.3"})
    with pytest.raises(ReportValidationError) as exc:
        upload(world, kpi_set, template)
    found = errors(exc)
    assert found[0] == f"Rapportage!G{rows['totaal-fte']}: 'abc' is geen getal"
    assert found[1].startswith(f"Rapportage!G{rows['schuld-geregeld']}: '1.2.3' is geen geldig getal")
    assert len(found) == 2
    assert not Report.objects.exists() and not Value.objects.exists()
