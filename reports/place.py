"""Place context (issue 17): the CBS indicators of the fund's gemeenten beside the fund's impact there.

For each gemeente of the fund's region: the CBS figures over time (fund.cbs) and the fund's footprint there —
enterprises financed (a loan or investment at the fund), people far from the labour market employed at them
(the catalogue metric ``afstand-in-dienst``, the latest accepted period), participants in outcome contracts
that the gemeente pays to the fund's enterprises, and outstanding principal. ``place_context(fund=…)`` is the
one read the investor and municipal reports call.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count

from core.money import round_to
from fund import cbs
from fund.models import EnterpriseRelation, Fund, Municipality
from impactmeasurement.selectors import portfolio_impact
from portfolio.models import Contract, ContractStatus
from portfolio.selectors import outstanding_principal_by_contract
from resultaatfinanciering.models import Participant

JOBS_METRIC = "afstand-in-dienst"
FINANCED = (ContractStatus.ACTIVE, ContractStatus.REPAID, ContractStatus.WRITTEN_OFF)


def fund_footprint(*, fund: Fund, as_of: datetime.date) -> dict[int, dict]:
    """{municipality id: enterprises, jobs for people far from the labour market, participants and
    outstanding principal}."""
    region = list(fund.region.all())
    result = {
        m.pk: {
            "enterprises": 0,
            "jobs": None,
            "jobs_period": "",
            "participants": 0,
            "outstanding": Decimal("0.00"),
        }
        for m in region
    }
    contracts = Contract.objects.filter(fund=fund, status__in=FINANCED).values_list(
        "pk", "enterprise_id", "enterprise__organisation__municipality_id"
    )
    outstanding = outstanding_principal_by_contract(fund=fund, as_of=as_of)
    enterprises: dict[int, set[int]] = {}
    for pk, enterprise_id, municipality_id in contracts:
        if municipality_id in result:
            enterprises.setdefault(municipality_id, set()).add(enterprise_id)
            result[municipality_id]["outstanding"] += outstanding.get(pk, Decimal("0.00"))
    for municipality_id, ids in enterprises.items():
        result[municipality_id]["enterprises"] = len(ids)
    names = {m.name: m.pk for m in region}
    impact = portfolio_impact(fund=fund, by="municipality")
    if not impact.empty:
        jobs = impact[impact["metric_code"] == JOBS_METRIC].sort_values("period")
        for _index, row in jobs.iterrows():
            pk = names.get(row["group"])
            if pk is not None and row["actual"] is not None:
                result[pk]["jobs"], result[pk]["jobs_period"] = row["actual"], row["period"]
    related = EnterpriseRelation.objects.filter(fund=fund).values_list("enterprise_id", flat=True)
    participants = (
        Participant.objects.filter(
            contract__provider_id__in=related, contract__payer__municipality_government__in=region
        )
        .values("contract__payer__municipality_government")
        .annotate(n=Count("pk"))
    )
    for row in participants:
        result[row["contract__payer__municipality_government"]]["participants"] = row["n"]
    return result


def chart(series: list[tuple[int, Decimal]], *, width: int = 320, height: int = 120) -> dict:
    """Points of a small line chart (SVG coordinates) for one indicator's figures by year."""
    if not series:
        return {"points": "", "dots": [], "width": width, "height": height}
    years = [year for year, _value in series]
    values = [value for _year, value in series]
    low, high = min(values), max(values)
    span_y = (high - low) or Decimal(1)
    span_x = (max(years) - min(years)) or 1
    pad = 12
    dots = []
    for year, value in series:
        x = pad + (year - min(years)) * (width - 2 * pad) / span_x if len(series) > 1 else width / 2
        y = height - pad - (value - low) * (height - 2 * pad) / span_y
        dots.append({"x": round(float(x), 1), "y": round(float(y), 1), "year": year, "value": value})
    return {
        "points": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "dots": dots,
        "width": width,
        "height": height,
        "low": low,
        "high": high,
    }


def municipality_place(*, fund: Fund, municipality: Municipality, as_of: datetime.date) -> dict:
    indicators = cbs.municipality_indicators(municipality)
    for entry in indicators:
        entry["chart"] = chart(entry["series"])
        entry["sources"] = sorted(entry["sources"], key=lambda s: s.downloaded_on)
    sources = cbs.sources_for([municipality])
    return {
        "municipality": municipality,
        "sources": sources,
        "indicators": indicators,
        "footprint": fund_footprint(fund=fund, as_of=as_of)[municipality.pk],
        "illustrative": any(source.is_illustrative for source in sources),
    }


def place_context(*, fund: Fund, as_of: datetime.date) -> dict:
    """The fund's region: per gemeente its latest figures and the fund's footprint; per indicator the region's
    figures by year (sum or population-weighted mean, said per row)."""
    footprint = fund_footprint(fund=fund, as_of=as_of)
    rows = []
    for municipality in fund.region.all().order_by("name"):
        latest = {}
        for entry in cbs.municipality_indicators(municipality):
            year, value = entry["series"][-1]
            latest[entry["indicator"].pk] = {"year": year, "value": value}
        rows.append({"municipality": municipality, "latest": latest, **footprint[municipality.pk]})
    region = cbs.region_indicators(fund)
    for entry in region:
        for row in entry["rows"]:
            row["value"] = round_to(row["value"], 2)
        entry["chart"] = chart([(row["year"], row["value"]) for row in entry["rows"]])
    indicators = [entry["indicator"] for entry in region]
    for row in rows:
        row["cells"] = [row["latest"].get(indicator.pk) for indicator in indicators]
    sources = cbs.sources_for(fund.region.all())
    return {
        "municipalities": rows,
        "region": region,
        "indicators": indicators,
        "sources": sources,
        "illustrative": any(source.is_illustrative for source in sources),
        "totals": {
            "enterprises": sum(r["enterprises"] for r in rows),
            "participants": sum(r["participants"] for r in rows),
            "outstanding": sum((r["outstanding"] for r in rows), Decimal("0.00")),
        },
    }
