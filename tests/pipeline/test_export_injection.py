"""The pipeline's CSV and Excel exports neutralise a text cell that would start a formula (ASVS 5.3.x)."""

from __future__ import annotations

import csv
import io

from django.urls import reverse
from openpyxl import load_workbook

from fund.models import Organisation, Role
from tests.pipeline.pipeline_factories import in_due_diligence

EVIL = '=HYPERLINK("http://x")'


def test_pipeline_exports_neutralise_a_formula_name_and_keep_amounts_numeric(client, world):
    application = in_due_diligence(world.a)
    Organisation.objects.filter(pk=application.enterprise.organisation_id).update(name=EVIL)
    client.force_login(world.a.users[Role.FUND_MANAGER])
    url = reverse("pipeline_overview", args=[world.a.fund.pk])
    rows = list(
        csv.reader(io.StringIO(client.get(url, {"format": "csv"}).content.decode("utf-8-sig")), delimiter=";")
    )
    assert rows[1][1] == "'" + EVIL
    assert "40000,00" in rows[1]
    sheet = load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content)).active
    values = [cell.value for cell in sheet[2]]
    assert "'" + EVIL in values
    assert 40000 in values  # the amount asked is still a number
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
