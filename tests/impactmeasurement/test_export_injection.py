"""Impact exports and the Excel template neutralise a text cell that would start a formula (ASVS 5.3.x); the
template's own text still reads back as typed."""

from __future__ import annotations

import csv
import io

from django.urls import reverse
from openpyxl import load_workbook

from fund.models import Organisation
from impactmeasurement import excel

EVIL = '=HYPERLINK("http://x")'


def test_the_template_neutralises_the_enterprise_name(world, kpi_set):
    Organisation.objects.filter(pk=kpi_set.enterprise.organisation_id).update(name=EVIL)
    kpi_set.enterprise.organisation.refresh_from_db()
    sheet = load_workbook(io.BytesIO(excel.build_template(kpi_set))).worksheets[0]
    assert sheet["A1"].data_type == "s" and EVIL in sheet["A1"].value  # inside a text: no formula
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


def test_impact_exports_neutralise_a_formula_name(client, world, kpi_set):
    from tests.impactmeasurement.test_views import _accepted_big

    _accepted_big(world, kpi_set)
    Organisation.objects.filter(pk=kpi_set.enterprise.organisation_id).update(name=EVIL)
    client.force_login(world.a.users["fund_manager"])
    response = client.get(reverse("impactmeasurement:export", args=[world.a.fund.pk, "csv"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert {row["onderneming"] for row in rows} == {"'" + EVIL}
    response = client.get(reverse("impactmeasurement:export", args=[world.a.fund.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    names = {row[header.index("onderneming")].value for row in sheet.iter_rows(min_row=2)}
    assert names == {"'" + EVIL}
    values = [row[header.index("waarde")].value for row in sheet.iter_rows(min_row=2)]
    assert 292081.4 in values  # numbers stay numbers
