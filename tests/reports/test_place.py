"""Place pages (issue 17): the fund's region and a gemeente with CBS figures beside the fund's footprint;
the CBS import page for administrators."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fund import cbs
from fund.models import CbsImport, CbsValue, Role

pytestmark = pytest.mark.django_db
CSV = (
    b'"RegioS";"Perioden";"Inwoners (aantal)";"Personen met bijstand (per 1 000 inwoners)"\n'
    b'"GM0392  ";"2023JJ00";"160000";"38.0"\n'
    b'"GM0392  ";"2024JJ00";"161000";"37.0"\n'
)


def _load(*, illustrative: bool):
    return cbs.cbs_import(
        actor=None,
        content=CSV,
        filename="85463NED.csv",
        table_id="85463NED",
        title="Regionale kerncijfers",
        downloaded_on=datetime.date(2026, 11, 1),
        is_illustrative=illustrative,
    )


def test_the_gemeente_page_shows_figures_over_time_with_chart_table_source_and_footprint(client, world):
    _load(illustrative=False)
    client.force_login(world.a.users[Role.FUND_MANAGER])
    page = client.get(reverse("place_municipality", args=[world.a.fund.pk, "GM0392"]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Personen met bijstand (per 1 000 inwoners)" in body
    assert "<svg" in body and "2023 38" in body  # the chart's text alternative lists the figures
    assert "85463NED" in body and "01-11-2026" in body  # source and download date
    assert "Illustratieve cijfers" not in body
    assert page.context["footprint"]["enterprises"] == 1  # the world's loan to Onderneming A in Haarlem
    assert "€ 50.000,00" in body  # outstanding in Haarlem


def test_illustrative_figures_are_marked_on_the_fund_and_gemeente_pages(client, world):
    _load(illustrative=True)
    client.force_login(world.a.users[Role.MUNICIPAL_OFFICIAL])
    for url in (
        reverse("place_fund", args=[world.a.fund.pk]),
        reverse("place_municipality", args=[world.a.fund.pk, "GM0392"]),
    ):
        assert "Illustratieve cijfers." in client.get(url).content.decode()


def test_a_gemeente_outside_the_region_answers_404(client, world):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    assert client.get(reverse("place_municipality", args=[world.a.fund.pk, "GM0599"])).status_code == 404


def test_only_administrators_import_and_a_bad_file_names_the_rows(client, world):
    url = reverse("cbs_import")
    client.force_login(world.a.users[Role.FUND_MANAGER])
    assert client.get(url).status_code == 404
    client.force_login(world.admin)
    data = {"table_id": "85463NED", "downloaded_on": "2026-11-01"}
    bad = client.post(url, data | {"file": SimpleUploadedFile("t.csv", CSV + b'"GM12";"2024JJ00";"1";"1"\n')})
    assert bad.status_code == 200
    assert any("regel 4" in error for error in bad.context["form"].errors["file"])
    assert not CbsValue.objects.exists()
    good = client.post(url, data | {"file": SimpleUploadedFile("t.csv", CSV)}, follow=True)
    assert "4 cijfers" in good.content.decode()
    assert CbsImport.objects.get().imported_by == world.admin
