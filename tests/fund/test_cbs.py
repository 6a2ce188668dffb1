"""CBS import (issue 17): StatLine CSV and OData JSON of one table, all or nothing with per-row errors."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from fund import cbs
from fund.models import AuditEvent, CbsImport, CbsIndicator, CbsValue
from tests.factories import make_fund

pytestmark = pytest.mark.django_db
D = Decimal
HEADER = '"ID";"RegioS";"Perioden";"Inwoners (aantal)";"Nettoarbeidsparticipatie (%)"'


def _csv(*rows: str) -> bytes:
    return ("\ufeff" + "\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def _import(content: bytes, filename: str = "85463NED.csv", **extra):
    return cbs.cbs_import(
        actor=None,
        content=content,
        filename=filename,
        table_id="85463ned",
        downloaded_on=datetime.date(2026, 11, 1),
        **extra,
    )


def test_the_statline_csv_is_read_with_codes_periods_units_and_cbs_padding():
    source = _import(
        _csv(
            '"0";"NL01  ";"2024JJ00";"17942942";"72.1"',  # the country row: skipped
            '"1";"GM0392  ";"2023JJ00";"160000";"69,5"',  # decimal comma
            '"2";"GM0392  ";"2024JJ00";"161000";"70.1"',
            '"3";"GM0377  ";"2024JJ00";"23600";"."',  # CBS "." = unknown: skipped, not zero
        )
    )
    assert source.table_id == "85463NED" and source.file_format == "csv"
    participation = CbsIndicator.objects.get(code="nettoarbeidsparticipatie")
    assert (participation.title, participation.unit) == ("Nettoarbeidsparticipatie", "%")
    haarlem = {
        v.year: v.value
        for v in CbsValue.objects.filter(indicator=participation, municipality__cbs_code="GM0392")
    }
    assert haarlem == {2023: D("69.5"), 2024: D("70.1")}
    assert not CbsValue.objects.filter(indicator=participation, municipality__cbs_code="GM0377").exists()
    assert (
        CbsValue.objects.filter(municipality__cbs_code="GM0377", indicator__code="inwoners").get().value
        == 23600
    )
    assert AuditEvent.objects.filter(action="cbs_imported").exists()


def test_the_odata_json_of_the_same_table_gives_the_same_figures():
    payload = {
        "odata.metadata": "https://opendata.cbs.nl/ODataApi/odata/85463NED/$metadata#Cbs.OData.WebAPI.TypedDataSet",
        "value": [
            {
                "ID": 1,
                "RegioS": "GM0392  ",
                "Perioden": "2024JJ00",
                "Inwoners_1": 161000,
                "Nettoarbeidsparticipatie_2": 70.1,
            },
            {
                "ID": 2,
                "RegioS": "PV27  ",
                "Perioden": "2024JJ00",
                "Inwoners_1": 2900000,
                "Nettoarbeidsparticipatie_2": 71.0,
            },
        ],
        "DataProperties": [
            {"Key": "Inwoners_1", "Title": "Inwoners", "Unit": "aantal"},
            {"Key": "Nettoarbeidsparticipatie_2", "Title": "Nettoarbeidsparticipatie", "Unit": "%"},
        ],
    }
    source = _import(json.dumps(payload).encode(), filename="85463NED.json")
    assert source.file_format == "json"
    value = CbsValue.objects.get(indicator__code="nettoarbeidsparticipatie", municipality__cbs_code="GM0392")
    assert (value.year, value.value, value.indicator.unit) == (2024, D("70.1"), "%")
    assert CbsValue.objects.count() == 2  # the province row is not a gemeente


def test_errors_are_reported_per_row_and_nothing_is_written():
    with pytest.raises(ValidationError) as refused:
        _import(
            _csv(
                '"1";"GM0392  ";"2024JJ00";"161000";"70.1"',
                '"2";"GM39  ";"2024JJ00";"1";"1"',
                '"3";"GM0377  ";"2024KW01";"1";"1"',
                '"4";"GM0397  ";"2024JJ00";"veel";"1"',
                '"5";"GM0392  ";"2024JJ00";"161000";"70.1"',
            )
        )
    errors = refused.value.message_dict["file"]
    assert any(e.startswith("regel 3:") and "GM39" in e for e in errors)
    assert any(e.startswith("regel 5,") and "'veel' is geen getal" in e for e in errors)
    assert any(e.startswith("regel 6:") and "regel 2" in e for e in errors)
    assert not CbsImport.objects.exists() and not CbsValue.objects.exists()


def test_bad_files_and_fields_are_named():
    with pytest.raises(ValidationError) as refused:
        _import(b'"Gemeente";"Jaar"\n"Haarlem";"2024"\n')
    assert "RegioS" in refused.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as refused:
        _import(b"not json", filename="x.json")
    assert "file" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        cbs.cbs_import(
            actor=None,
            content=_csv(),
            filename="x.csv",
            table_id=" ",
            downloaded_on=datetime.date(2099, 1, 1),
        )
    assert set(refused.value.message_dict) == {"table_id", "downloaded_on"}


def test_gemeenten_outside_the_reference_data_are_not_imported_and_named():
    source = _import(_csv('"1";"GM0392  ";"2024JJ00";"1";"1"', '"2";"GM1234  ";"2024JJ00";"1";"1"'))
    assert source.unknown_municipalities == ["GM1234"]


def test_a_later_import_replaces_the_figure_and_remembers_its_source():
    _import(_csv('"1";"GM0392  ";"2024JJ00";"161000";"70.1"'))
    second = _import(_csv('"1";"GM0392  ";"2024JJ00";"161500";"70.3"'))
    value = CbsValue.objects.get(indicator__code="nettoarbeidsparticipatie")
    assert value.value == D("70.3") and value.source == second


def test_the_region_sums_counts_and_weights_shares_by_inhabitants():
    fund = make_fund(region_codes=("GM0392", "GM0377"))
    _import(
        _csv(
            '"1";"GM0392  ";"2024JJ00";"160000";"70.0"',
            '"2";"GM0377  ";"2024JJ00";"40000";"60.0"',
            '"3";"GM0392  ";"2023JJ00";"";"69.0"',
            '"4";"GM0377  ";"2023JJ00";"";"61.0"',
        )
    )
    CbsIndicator.objects.filter(code="inwoners").update(is_population=True, aggregation="sum")
    region = {entry["indicator"].code: entry["rows"] for entry in cbs.region_indicators(fund)}
    assert region["inwoners"] == [{"year": 2024, "value": D("200000"), "method": "som", "count": 2, "of": 2}]
    by_year = {row["year"]: row for row in region["nettoarbeidsparticipatie"]}
    assert by_year[2024]["value"] == D("68")  # (160.000 x 70 + 40.000 x 60) / 200.000
    assert by_year[2024]["method"] == "gewogen naar inwoners"
    assert by_year[2023]["value"] == D("65") and by_year[2023]["method"] == "ongewogen gemiddelde"
