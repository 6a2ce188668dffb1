"""Benchmark: role scoping at realistic scale (many funds, enterprises, users).

Generates 12 funds (one manager running several), 2,400 enterprises, 600 investors, 1,500 users with
memberships, then times the scoped querysets every page uses and counts their queries (no N+1).
Run: .venv/bin/python bench/scoping.py   (DATABASE_URL=postgres://... for PostgreSQL figures)
"""

from __future__ import annotations

import datetime
import statistics
import time
from decimal import Decimal

from _setup import bench_database


def generate(connection):
    from djmoney.money import Money

    from fund.models import (
        Commitment,
        Enterprise,
        EnterpriseRelation,
        Fund,
        FundManager,
        FundTheme,
        Investor,
        Membership,
        Municipality,
        Organisation,
        Role,
        Theme,
        User,
    )

    municipalities = list(Municipality.objects.all())
    themes = list(Theme.objects.all())
    managers = [
        FundManager.objects.create(organisation=Organisation.objects.create(name=f"Beheerder {i}"))
        for i in range(4)
    ]
    funds = []
    for i in range(12):
        fund = Fund.objects.create(
            name=f"Fonds {i}",
            code=f"F-{i}",
            manager=managers[i % 4],
            vintage_year=2020 + i % 6,
            target_size=Money("5000000", "EUR"),
            min_ticket=Money("25000", "EUR"),
            max_ticket=Money("500000", "EUR"),
            allowed_instruments=["loan"],
            max_exposure_pct=Decimal("10"),
            interest_rate_min=Decimal("2"),
            interest_rate_max=Decimal("6"),
            status="investing",
        )
        fund.region.set(municipalities[i * 2 : i * 2 + 4])
        FundTheme.objects.bulk_create(
            [FundTheme(fund=fund, theme=t, position=p) for p, t in enumerate(themes[:3], 1)]
        )
        funds.append(fund)
    orgs = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"Onderneming {i}",
                kvk_number=f"{60000000 + i}",
                municipality=municipalities[i % len(municipalities)],
            )
            for i in range(2400)
        ]
    )
    enterprises = Enterprise.objects.bulk_create([Enterprise(organisation=o, legal_form="bv") for o in orgs])
    EnterpriseRelation.objects.bulk_create(
        [
            EnterpriseRelation(fund=funds[i % 12], enterprise=e, since=datetime.date(2024, 1, 1))
            for i, e in enumerate(enterprises)
        ]
    )
    inv_orgs = Organisation.objects.bulk_create([Organisation(name=f"Investeerder {i}") for i in range(600)])
    investors = Investor.objects.bulk_create(
        [Investor(organisation=o, investor_type="private") for o in inv_orgs]
    )
    Commitment.objects.bulk_create(
        [
            Commitment(
                fund=funds[i % 12],
                investor=inv,
                amount=Money("10000", "EUR"),
                committed_on=datetime.date(2024, 1, 1),
            )
            for i, inv in enumerate(investors)
        ]
    )
    users = User.objects.bulk_create([User(email=f"u{i}@bench.example") for i in range(1500)])
    memberships = []
    for i, user in enumerate(users):
        if i < 60:
            memberships.append(Membership(user=user, role=Role.FUND_MANAGER, fund=funds[i % 12]))
        elif i < 1200:
            memberships.append(Membership(user=user, role=Role.INVESTEE, organisation=orgs[i]))
        else:
            memberships.append(Membership(user=user, role=Role.INVESTOR, organisation=inv_orgs[i - 1200]))
    Membership.objects.bulk_create(memberships)
    return users


def timed(label, fn, repeat=20):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = len(ctx.captured_queries)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    print(f"{label:<48} median {statistics.median(samples):7.2f} ms   queries {queries}")


def main() -> None:
    with bench_database() as connection:
        users = generate(connection)
        print(f"database: {connection.vendor}; 12 funds, 2,400 enterprises, 600 investors, 1,500 users")
        from fund import selectors
        from fund.models import User

        def fresh(user_pk):
            return User.objects.get(pk=user_pk)

        manager, investee, investor = users[0].pk, users[100].pk, users[1300].pk
        timed(
            "fund manager: organisations_for → list",
            lambda: list(selectors.organisations_for(fresh(manager))),
        )
        timed("fund manager: enterprises_for → list", lambda: list(selectors.enterprises_for(fresh(manager))))
        timed(
            "fund manager: fund_overview (annotated)",
            lambda: list(selectors.fund_overview(user=fresh(manager))),
        )
        timed("investee: funds_for → list", lambda: list(selectors.funds_for(fresh(investee))))
        timed("investor: commitments_for → list", lambda: list(selectors.commitments_for(fresh(investor))))


if __name__ == "__main__":
    main()
