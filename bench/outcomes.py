"""Benchmark: pricing 100,000 verified results and aggregating them into payment proposals.

Generates 50 active outcome contracts (one municipality, one enterprise; each contract has one savings
definition with its own parameters and two milestones, shares 0.30 / 0.70) with 1,000 participants each
(mixed household types) and two verified milestones per participant: 100,000 verified results, achieved
2025-01 … 2026-10, so both published norms (2025-01-01 and 2025-07-01) are used, chosen by date.

Then, on the same rows read once from the database, it times side by side:
  (a) vectorised (pandas): the norm valid on each achievement date with `merge_asof`, then
      `price_outcome` once per distinct input combination (definition × norm × milestone, a few hundred)
      joined back onto the results, and a groupby sum in integer cents per contract and quarter, i.e. the
      totals of the payment proposals;
  (b) a per-result Python loop: the norm looked up per result, `price_outcome` called per result and the
      prices summed per contract and quarter in a dict.
Both give every result's price and every proposal total; the script checks they are identical to the cent.

Target (issue): (a) < 2 s.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/impactfonds_wt6 .venv/bin/python bench/outcomes.py
     .venv/bin/python bench/outcomes.py --small      (5 contracts × 100 participants; also on SQLite)
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import random
import time
from decimal import Decimal

from _setup import bench_database  # first: puts the project root ahead of bench/ on sys.path

TARGET_S = 2.0
D = Decimal


def generate(*, contracts: int, participants: int, seed: int = 6) -> None:
    from django.core.files.base import ContentFile
    from django.db import transaction
    from django.utils import timezone

    from core.pdf import one_page_pdf
    from fund import services as fund_services
    from fund.models import Municipality
    from resultaatfinanciering import services
    from resultaatfinanciering.models import Claim, ClaimState, Participant

    rng = random.Random(seed)
    haarlem = Municipality.objects.get(cbs_code="GM0392")
    payer = fund_services.municipality_government_create(actor=None, municipality=haarlem)
    enterprise = fund_services.enterprise_create(
        actor=None,
        fund=None,
        name="Bench Onderneming B.V.",
        kvk_number="99000001",
        legal_form="bv",
        municipality=haarlem,
    )
    from fund.models import User

    official = User.objects.create_user(email="bench.official@example.org", password=None)
    now = timezone.now()
    households = ["single", "single_parent", "couple"]
    for n in range(contracts):
        with transaction.atomic():
            contract = services.contract_create(
                actor=services.SYSTEM,
                reference=f"BENCH-{n:03d}",
                payer=payer,
                provider=enterprise,
                starts_on=datetime.date(2025, 1, 1),
                ends_on=datetime.date(2027, 12, 31),
                target_group="Bijstandsgerechtigden",
                budget_cap=D("100000000.00"),
                participant_cap=D("100000.00"),
                claim_window_days=365,
            )
            definition = services.definition_add(
                actor=services.SYSTEM,
                contract=contract,
                code="uitstroom",
                name="Uitstroom naar werk",
                evidence_required="Arbeidscontract",
                pricing_model="savings",
                months=rng.choice([6, 12, 18, 24]),
                benefit_reduction=rng.choice([D("1.00"), D("0.50"), D("0.75")]),
                execution_cost_per_year=rng.choice([D("2883.00"), D("3100.00"), D("2500.00")]),
                deadweight=rng.choice([D("0.25"), D("0.30"), D("0.20")]),
                displacement=rng.choice([D("0.00"), D("0.05")]),
                savings_share=rng.choice([D("0.50"), D("0.40"), D("0.60")]),
                milestones=[
                    {"code": "start", "name": "Start werk", "share": "0.30"},
                    {"code": "12m", "name": "12 maanden duurzaam", "share": "0.70"},
                ],
            )
            services.contract_change_status(
                actor=services.SYSTEM,
                contract=contract,
                to_status="active",
                signed_document=ContentFile(one_page_pdf("Getekend contract"), name="c.pdf"),
            )
            first, second = list(definition.milestones.order_by("position"))
            people = Participant.objects.bulk_create(
                [
                    Participant(
                        contract=contract,
                        reference=f"B{n:03d}-{i:05d}",
                        household_type=rng.choice(households),
                        benefit_started_on=datetime.date(2024, 1, 1),
                    )
                    for i in range(participants)
                ]
            )
            claims = []
            for person in people:
                start = datetime.date(2025, 1, 1) + datetime.timedelta(days=rng.randrange(0, 600))
                later = start + datetime.timedelta(days=rng.randrange(1, 60))
                for milestone, achieved_on in ((first, start), (second, later)):
                    claims.append(
                        Claim(
                            contract=contract,
                            participant=person,
                            milestone=milestone,
                            achieved_on=achieved_on,
                            state=ClaimState.VERIFIED,
                            decided_by=official,
                            decided_at=now,
                            price=D("0.00"),  # priced by the benchmark below
                            pricing_version="bench",
                        )
                    )
            Claim.objects.bulk_create(claims, batch_size=5000)


def load_rows():
    """The verified results with everything pricing needs, read once (shared by both methods)."""
    from resultaatfinanciering.models import BenefitNorm, Claim, ClaimState

    rows = list(
        Claim.objects.filter(state=ClaimState.VERIFIED)
        .order_by("pk")
        .values_list(
            "pk",
            "contract_id",
            "achieved_on",
            "participant__household_type",
            "milestone__position",
            "milestone__definition_id",
        )
    )
    definitions = {}
    from resultaatfinanciering.models import OutcomeDefinition

    for d in OutcomeDefinition.objects.prefetch_related("milestones"):
        definitions[d.pk] = {
            "months": d.months,
            "benefit_reduction": d.benefit_reduction,
            "execution_cost_per_year": d.execution_cost_per_year,
            "deadweight": d.deadweight,
            "displacement": d.displacement,
            "savings_share": d.savings_share,
            "milestone_shares": [m.share for m in sorted(d.milestones.all(), key=lambda m: m.position)],
        }
    norms = list(
        BenefitNorm.objects.order_by("household_type", "valid_from").values_list(
            "household_type", "valid_from", "monthly_amount"
        )
    )
    return rows, definitions, norms


def quarter(day: datetime.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def loop(rows, definitions, norms):
    """Per result: find the norm by date, price it, add it to its proposal (contract, quarter)."""
    from resultaatfinanciering.pricing import price_outcome

    by_household: dict[str, tuple[list, list]] = {}
    for household, valid_from, amount in norms:
        dates, amounts = by_household.setdefault(household, ([], []))
        dates.append(valid_from)
        amounts.append(amount)
    prices: dict[int, Decimal] = {}
    totals: dict[tuple[int, str], Decimal] = {}
    for pk, contract_id, achieved_on, household, position, definition_id in rows:
        dates, amounts = by_household[household]
        norm = amounts[bisect.bisect_right(dates, achieved_on) - 1]
        price = price_outcome(monthly_benefit=norm, **definitions[definition_id]).milestone_prices[
            position - 1
        ]
        prices[pk] = price
        key = (contract_id, quarter(achieved_on))
        totals[key] = totals.get(key, D("0.00")) + price
    return prices, totals


def vectorised(rows, definitions, norms):
    """merge_asof for the norm, price once per distinct combination, join, groupby in integer cents."""
    import pandas as pd

    from resultaatfinanciering.pricing import price_outcome

    frame = pd.DataFrame.from_records(
        rows, columns=["pk", "contract_id", "achieved_on", "household", "position", "definition_id"]
    )
    frame["achieved_on"] = pd.to_datetime(frame["achieved_on"])
    norm_frame = pd.DataFrame.from_records(norms, columns=["household", "valid_from", "norm"])
    norm_frame["valid_from"] = pd.to_datetime(norm_frame["valid_from"])
    norm_frame["norm_key"] = norm_frame["norm"].map(str)
    frame = pd.merge_asof(
        frame.sort_values("achieved_on"),
        norm_frame.sort_values("valid_from")[["household", "valid_from", "norm_key"]],
        left_on="achieved_on",
        right_on="valid_from",
        by="household",
        direction="backward",
    )
    combos = frame[["definition_id", "norm_key", "position"]].drop_duplicates()
    cents = []
    for definition_id, norm_key, position in combos.itertuples(index=False):
        price = price_outcome(monthly_benefit=D(norm_key), **definitions[definition_id]).milestone_prices[
            position - 1
        ]
        cents.append(int(price * 100))
    combos = combos.assign(cents=cents)
    frame = frame.merge(combos, on=["definition_id", "norm_key", "position"], how="left")
    frame["quarter"] = (
        frame["achieved_on"].dt.year.astype(str) + "-Q" + frame["achieved_on"].dt.quarter.astype(str)
    )
    grouped = frame.groupby(["contract_id", "quarter"], sort=False)["cents"].sum()
    prices = dict(zip(frame["pk"].tolist(), frame["cents"].tolist(), strict=True))
    totals = {key: int(value) for key, value in grouped.items()}
    return prices, totals, len(combos)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="5 contracts × 100 participants")
    args = parser.parse_args()
    contracts, participants = (5, 100) if args.small else (50, 1000)
    import pandas  # noqa: F401  (imported before timing: its import is ~1 s and not part of the work)

    with bench_database() as connection:
        started = time.perf_counter()
        generate(contracts=contracts, participants=participants)
        print(
            f"database: {connection.vendor}; generated {contracts} contracts, "
            f"{contracts * participants * 2:,} verified results in {time.perf_counter() - started:.1f} s"
        )

        started = time.perf_counter()
        rows, definitions, norms = load_rows()
        read_s = time.perf_counter() - started

        started = time.perf_counter()
        v_prices, v_totals, combos = vectorised(rows, definitions, norms)
        vector_s = time.perf_counter() - started

        started = time.perf_counter()
        l_prices, l_totals = loop(rows, definitions, norms)
        loop_s = time.perf_counter() - started

        same_prices = all(int(l_prices[pk] * 100) == cents for pk, cents in v_prices.items()) and len(
            v_prices
        ) == len(l_prices)
        same_totals = {k: int(v * 100) for k, v in l_totals.items()} == v_totals
        grand = sum(v_totals.values())
        print(f"read {len(rows):,} results from the database: {read_s:.2f} s (shared by both methods)")
        print(f"vectorised (pandas, {combos} distinct price inputs): {vector_s:.3f} s")
        print(f"per-result Python loop:                         {loop_s:.3f} s")
        print(f"ratio loop / vectorised: {loop_s / vector_s:.1f}x")
        print(f"{len(v_totals)} payment proposals (contract × quarter), total € {grand / 100:,.2f}")
        print(f"identical prices: {same_prices}; identical proposal totals: {same_totals}")
        print(
            f"target < {TARGET_S:.0f} s for pricing and aggregation: "
            f"{'met' if vector_s < TARGET_S else 'NOT met'}"
            f" (with the database read: {read_s + vector_s:.2f} s)"
        )
        if not (same_prices and same_totals):
            raise SystemExit("results differ")


if __name__ == "__main__":
    main()
