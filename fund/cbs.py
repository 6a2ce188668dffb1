"""Place context: CBS regional indicators per gemeente and year (issue 17).

Two formats of the same CBS open-data table are read, both as the user downloads them (no network at run
time):

- **CSV** as StatLine / the CBS open-data portal exports it: `;`-separated, a header row, a region column
  (`RegioS` or `Regio's`) holding codes such as `GM0392` (CBS pads them with spaces), a period column
  (`Perioden`) holding `2024JJ00`, and one column per indicator. An indicator header may carry its unit in
  brackets, `Nettoarbeidsparticipatie (%)`; other columns (`ID`) are ignored. Empty cells and CBS's `.`
  (figure unknown or secret) are skipped; numbers may use a decimal point or comma.
- **OData JSON** (`…/TypedDataSet?$format=json`): `{"value": [{"RegioS": "GM0392  ", "Perioden": "2024JJ00",
  "NettoArbeidsparticipatie_1": 68.2}, …]}`, optionally with the table's `DataProperties` (`Key`, `Title`,
  `Unit`) in the same file, which give the indicators their names and units.

Only yearly periods (`JJ00`) of municipalities (`GM`) are read. The import is all-or-nothing: every row is
checked first and every error is reported with its row number; nothing is written while one remains.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .audit import audit_record
from .models import CbsImport, CbsIndicator, CbsValue, Fund, Municipality, User

REGION_COLUMNS = ("regios", "regio's", "regio", "gemeente")
PERIOD_COLUMNS = ("perioden", "periode")
IGNORED_COLUMNS = ("id",)
PERIOD = re.compile(r"^(\d{4})JJ00$")
REGION = re.compile(r"^GM\d{4}$")
UNIT_IN_HEADER = re.compile(r"^(?P<title>.*?)\s*\((?P<unit>[^()]*)\)\s*$")
MAX_ERRORS = 50

MSG_NO_ROWS = gettext_noop("Het bestand bevat geen regels met cijfers.")
MSG_FORMAT = gettext_noop("Onbekend bestandsformaat: lever de CSV of de OData-JSON van de CBS-tabel aan.")
MSG_COLUMNS = gettext_noop("Kolommen '%(region)s' en '%(period)s' ontbreken in de kop.")
MSG_REGION = gettext_noop("regel %(row)s: '%(code)s' is geen gemeentecode (GM en vier cijfers)")
MSG_PERIOD = gettext_noop("regel %(row)s: periode '%(period)s' is geen jaar (verwacht bijv. 2024JJ00)")
MSG_VALUE = gettext_noop("regel %(row)s, kolom '%(column)s': '%(value)s' is geen getal")
MSG_DUPLICATE = gettext_noop("regel %(row)s: %(code)s %(year)s staat al op regel %(first)s")
MSG_TABLE = gettext_noop("Vul het CBS-tabelnummer in (bijv. 85463NED).")
MSG_DOWNLOADED = gettext_noop("De downloaddatum ligt in de toekomst.")


@dataclass
class ParsedIndicator:
    code: str
    title: str
    unit: str = ""


@dataclass
class ParsedTable:
    indicators: list[ParsedIndicator]
    rows: list[tuple[int, str, int, dict[str, Decimal]]] = field(default_factory=list)  # row, code, year
    errors: list[str] = field(default_factory=list)
    skipped: int = 0  # rows of other region types (land, provincie, wijk) or periods other than years
    unknown: set[str] = field(default_factory=set)  # well-formed gemeente codes not in the reference data


def _code(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")[:80]


def _number(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = str(value).strip()
    if text in ("", ".", "-", "x"):
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return Decimal(text)


def _read_rows(
    table: ParsedTable, records, *, region_key: str, period_key: str, keys: dict[str, str]
) -> None:
    """``records``: (row number, {column: raw}); ``keys``: column → indicator code."""
    known = dict(Municipality.objects.values_list("cbs_code", "pk"))
    seen: dict[tuple[str, int], int] = {}
    for number, record in records:
        region = str(record.get(region_key) or "").strip()
        period = str(record.get(period_key) or "").strip()
        if not region.startswith("GM") or not period.endswith("00") or "JJ" not in period:
            table.skipped += 1  # Nederland, provinces, wijken, quarters: not what this import reads
            continue
        match = PERIOD.match(period)
        if not match:
            table.errors.append(_(MSG_PERIOD) % {"row": number, "period": period})
            continue
        if not REGION.match(region):
            table.errors.append(_(MSG_REGION) % {"row": number, "code": region})
            continue
        if region not in known:
            table.unknown.add(region)  # a real gemeente the reference data does not hold: not imported
            continue
        year = int(match.group(1))
        if (region, year) in seen:
            table.errors.append(
                _(MSG_DUPLICATE) % {"row": number, "code": region, "year": year, "first": seen[region, year]}
            )
            continue
        seen[region, year] = number
        values: dict[str, Decimal] = {}
        for column, code in keys.items():
            raw = record.get(column)
            try:
                value = _number(raw)
            except (InvalidOperation, ValueError):
                table.errors.append(_(MSG_VALUE) % {"row": number, "column": column, "value": raw})
                continue
            if value is not None:
                values[code] = value
        table.rows.append((number, region, year, values))


def parse_csv(content: bytes) -> ParsedTable:
    text = content.decode("utf-8-sig")
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
        dialect.delimiter = ";"
    reader = csv.reader(io.StringIO(text), delimiter=dialect.delimiter)
    header = next(reader, [])
    columns = [cell.strip() for cell in header]
    lowered = [c.lower() for c in columns]
    region_key = next((columns[i] for i, c in enumerate(lowered) if c in REGION_COLUMNS), None)
    period_key = next((columns[i] for i, c in enumerate(lowered) if c in PERIOD_COLUMNS), None)
    if region_key is None or period_key is None:
        raise ValidationError({"file": [_(MSG_COLUMNS) % {"region": "RegioS", "period": "Perioden"}]})
    indicators, keys = [], {}
    for column in columns:
        if column in (region_key, period_key) or column.lower() in IGNORED_COLUMNS or not column:
            continue
        match = UNIT_IN_HEADER.match(column)
        title, unit = (match.group("title"), match.group("unit")) if match else (column, "")
        indicator = ParsedIndicator(code=_code(title), title=title, unit=unit)
        indicators.append(indicator)
        keys[column] = indicator.code
    table = ParsedTable(indicators=indicators)
    records = (
        (number, dict(zip(columns, row, strict=False)))
        for number, row in enumerate(reader, start=2)
        if any(cell.strip() for cell in row)
    )
    _read_rows(table, records, region_key=region_key, period_key=period_key, keys=keys)
    return table


def parse_odata_json(content: bytes) -> ParsedTable:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError({"file": [_(MSG_FORMAT)]}) from exc
    if not isinstance(data, dict) or not isinstance(data.get("value"), list):
        raise ValidationError({"file": [_(MSG_FORMAT)]})
    records = [r for r in data["value"] if isinstance(r, dict)]
    properties = {
        p.get("Key"): p for p in data.get("DataProperties", []) if isinstance(p, dict) and p.get("Key")
    }
    first = records[0] if records else {}
    region_key = next((k for k in first if k.lower() in REGION_COLUMNS), "RegioS")
    period_key = next((k for k in first if k.lower() in PERIOD_COLUMNS), "Perioden")
    indicators, keys = [], {}
    for key in first:
        if key in (region_key, period_key) or key.lower() in IGNORED_COLUMNS:
            continue
        meta = properties.get(key, {})
        indicator = ParsedIndicator(
            code=_code(meta.get("Title") or key), title=meta.get("Title") or key, unit=meta.get("Unit") or ""
        )
        indicators.append(indicator)
        keys[key] = indicator.code
    table = ParsedTable(indicators=indicators)
    _read_rows(table, enumerate(records, start=1), region_key=region_key, period_key=period_key, keys=keys)
    return table


def parse(content: bytes, filename: str) -> tuple[str, ParsedTable]:
    stripped = content.lstrip(b"\xef\xbb\xbf \r\n\t")
    if filename.lower().endswith(".json") or stripped.startswith(b"{"):
        return "json", parse_odata_json(content)
    if filename.lower().endswith((".csv", ".txt")):
        return "csv", parse_csv(content)
    raise ValidationError({"file": [_(MSG_FORMAT)]})


@transaction.atomic
def cbs_import(
    *,
    actor: User | None,
    content: bytes,
    filename: str,
    table_id: str,
    downloaded_on: datetime.date,
    title: str = "",
    source_url: str = "",
    is_illustrative: bool = False,
) -> CbsImport:
    """Import a CBS table, all or nothing; a later import of the same indicator, gemeente and year replaces
    the figure (the import it came from is kept with it)."""
    errors: dict[str, list[str]] = {}
    if not (table_id or "").strip():
        errors["table_id"] = [_(MSG_TABLE)]
    if downloaded_on and downloaded_on > timezone.localdate():
        errors["downloaded_on"] = [_(MSG_DOWNLOADED)]
    if errors:
        raise ValidationError(errors)
    file_format, table = parse(content, filename)
    if table.errors:
        shown = table.errors[:MAX_ERRORS]
        more = len(table.errors) - len(shown)
        if more:
            shown.append(_("… en nog %(count)s fouten") % {"count": more})
        raise ValidationError({"file": shown})
    if not table.rows:
        raise ValidationError({"file": [_(MSG_NO_ROWS)]})
    source = CbsImport.objects.create(
        table_id=table_id.strip().upper(),
        title=title.strip(),
        source_url=source_url.strip(),
        downloaded_on=downloaded_on,
        file_format=file_format,
        filename=filename,
        is_illustrative=is_illustrative,
        imported_by=actor,
    )
    indicators = {}
    for parsed in table.indicators:
        indicator, _created = CbsIndicator.objects.get_or_create(
            code=parsed.code, defaults={"title": parsed.title, "unit": parsed.unit}
        )
        if parsed.unit and indicator.unit != parsed.unit:
            indicator.unit = parsed.unit
            indicator.save(update_fields=["unit"])
        indicators[parsed.code] = indicator
    municipalities = dict(Municipality.objects.values_list("cbs_code", "pk"))
    count = 0
    for _row, region, year, values in table.rows:
        for code, value in values.items():
            CbsValue.objects.update_or_create(
                indicator=indicators[code],
                municipality_id=municipalities[region],
                year=year,
                defaults={"value": value, "source": source},
            )
            count += 1
    audit_record(
        actor=actor,
        obj=source,
        action="cbs_imported",
        data={
            "table": source.table_id,
            "values": count,
            "skipped_rows": table.skipped,
            "unknown_municipalities": sorted(table.unknown),
        },
    )
    source.value_count, source.unknown_municipalities = count, sorted(table.unknown)
    return source


# --------------------------------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------------------------------


def municipality_indicators(municipality: Municipality) -> list[dict]:
    """Per indicator: its figures by year for one gemeente, and the import each came from."""
    values = (
        CbsValue.objects.filter(municipality=municipality)
        .select_related("indicator", "source")
        .order_by("indicator__title", "year")
    )
    result: dict[int, dict] = {}
    for value in values:
        entry = result.setdefault(
            value.indicator_id, {"indicator": value.indicator, "series": [], "sources": set()}
        )
        entry["series"].append((value.year, value.value))
        entry["sources"].add(value.source)
    return list(result.values())


def region_indicators(fund: Fund) -> list[dict]:
    """The fund's region per indicator and year: the sum over its gemeenten, or the mean weighted by the
    number of inhabitants (the indicator marked as population in the same year); where inhabitants are
    missing for a gemeente in that year, the plain mean, and the row says so."""
    region = list(fund.region.all())
    values = list(CbsValue.objects.filter(municipality__in=region).select_related("indicator", "source"))
    population = {(v.municipality_id, v.year): v.value for v in values if v.indicator.is_population}
    grouped: dict[tuple[int, int], list[CbsValue]] = {}
    for value in values:
        grouped.setdefault((value.indicator_id, value.year), []).append(value)
    result: dict[int, dict] = {}
    for (_indicator_id, year), items in sorted(grouped.items(), key=lambda kv: kv[0][1]):
        indicator = items[0].indicator
        entry = result.setdefault(indicator.pk, {"indicator": indicator, "rows": []})
        weights = [population.get((v.municipality_id, year)) for v in items]
        if indicator.aggregation == "sum" or indicator.is_population:
            value, method = sum((v.value for v in items), Decimal(0)), _("som")
        elif all(w for w in weights):
            total_weight = sum(weights, Decimal(0))
            value = sum((v.value * w for v, w in zip(items, weights, strict=True)), Decimal(0)) / total_weight
            method = _("gewogen naar inwoners")
        else:
            value, method = sum((v.value for v in items), Decimal(0)) / len(items), _("ongewogen gemiddelde")
        entry["rows"].append(
            {"year": year, "value": value, "method": method, "count": len(items), "of": len(region)}
        )
    return sorted(result.values(), key=lambda e: e["indicator"].title)


def sources_for(municipalities) -> list[CbsImport]:
    """The imports whose figures are shown for these gemeenten (table, download date, illustrative or not)."""
    return list(
        CbsImport.objects.filter(values__municipality__in=municipalities).distinct().order_by("downloaded_on")
    )
