"""Load test (issue 15 item 15): 50 concurrent users mixing the roles' main pages, against gunicorn with
production settings on PostgreSQL, with the demo scaled to 20 funds / 2,000 loans. Bounded and local only.

    .venv/bin/python bench/load.py                      (needs PostgreSQL and Redis as for `make prod-smoke`)
    .venv/bin/python bench/load.py --users 50 --spawn-rate 10 --duration 60

Steps: create a throw-away database (impactfonds_load, dropped at the end), migrate, collectstatic,
`load_demo`, then scale it up in bulk: 19 more funds of the demo's fund manager with enterprises (spread over
the demo municipalities), loan contracts with their schedules, the capital paid in and each loan's
disbursement booked, until there are 20 funds and 2,000 loans; the demo's fund managers and committee members
get the new funds too. Then gunicorn (config.settings.production, --preload, 4 workers) on 127.0.0.1, one
login per role (fund manager, investee, municipal official, investor, committee member; as in
ops/prod_smoke.py with REQUIRE_2FA off, because a script cannot type a TOTP code), and locust run headless
from Python (its library API, FastHttpUser) with the users picking pages from their role's dashboard links,
after every page was requested a few times on every worker (warm-up, not counted). Prints p50/p95/p99,
requests and errors per page and overall, whether the target (p95 < 150 ms, 0 errors) is met, and the CPU
locust, gunicorn and PostgreSQL used during the run. Stops gunicorn and drops the database at the end, also
after a failure (`--keep-db` keeps it for `bench/pagecost.py` and a later `--reuse-db` run, which skips
building the data).
"""

from __future__ import annotations

import sys

if __name__ == "__main__" and "--scale" not in sys.argv:
    import locust  # noqa: F401  - first: locust (gevent) patches the standard library on import

import argparse
import contextlib
import os
import random
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "ops"))
os.environ.setdefault("SMOKE_PORT", "8766")

import prod_smoke  # noqa: E402  - reuses its HTTP client, login, psql and process helpers

PY = sys.executable
HOST, PORT = prod_smoke.HOST, prod_smoke.PORT
PG = prod_smoke.PG
DB = "impactfonds_load"
BROKER = os.environ.get("LOAD_BROKER", "redis://127.0.0.1:6379/13")
FUNDS, LOANS = 20, 2000
P95_TARGET_MS = 150.0
PAGES_PER_ROLE = 10
ROLES = ("fund_manager", "investee", "municipal_official", "investor", "committee_member")


# --------------------------------------------------------------------------------------------------
# Scaling the demo (runs in a child process with Django set up on the load database)
# --------------------------------------------------------------------------------------------------


def scale(funds_total: int = FUNDS, loans_total: int = LOANS) -> None:
    import datetime
    import importlib.util
    from decimal import Decimal

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import transaction
    from djmoney.money import Money

    from fund.models import Enterprise, EnterpriseRelation, Fund, Membership, Municipality, Organisation, Role
    from portfolio.ledger import ensure_chart_of_accounts, summary_check, summary_rebuild
    from portfolio.models import (
        Contract,
        ContractStatus,
        Disbursement,
        JournalEntry,
        Posting,
        ScheduleLine,
        ScheduleVersion,
    )
    from portfolio.schedules import build_schedule

    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location("bench_portfolio", ROOT / "bench" / "portfolio.py")
    bench_portfolio = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_portfolio)  # its loan_terms: the same mix of loans as bench/portfolio.py

    started = time.perf_counter()
    rng = random.Random(2026)
    demo_fund = Fund.objects.order_by("pk").first()
    municipalities = list(Municipality.objects.all()) or [None]
    staff = list(
        Membership.objects.filter(
            fund=demo_fund, role__in=[Role.FUND_MANAGER, Role.COMMITTEE_MEMBER], is_active=True
        )
    )
    new_funds = funds_total - Fund.objects.count()
    per_fund, extra = divmod(loans_total - Contract.objects.count(), max(new_funds, 1))
    zero = Decimal("0.00")
    number = 0
    for f in range(new_funds):
        count = per_fund + (1 if f < extra else 0)
        with transaction.atomic():
            fund = Fund.objects.create(
                name=f"Impactfonds Regio {f + 2}",
                code=f"LOAD{f + 2:02d}",
                manager=demo_fund.manager,
                vintage_year=2019 + f % 6,
                target_size=Money("100000000", "EUR"),
                min_ticket=Money("25000", "EUR"),
                max_ticket=Money("500000", "EUR"),
                allowed_instruments=["loan"],
                max_exposure_pct=Decimal("10"),
                interest_rate_min=Decimal("2"),
                interest_rate_max=Decimal("8"),
                status="investing",
            )
            Membership.objects.bulk_create(
                [Membership(user_id=m.user_id, role=m.role, fund=fund) for m in staff]
            )
            accounts = ensure_chart_of_accounts(fund=fund)
            orgs = Organisation.objects.bulk_create(
                [
                    Organisation(
                        name=f"Onderneming {f + 2}-{i + 1:03d}",
                        kvk_number=f"{80000000 + number + i}",
                        municipality=municipalities[(number + i) % len(municipalities)],
                    )
                    for i in range(count)
                ]
            )
            number += count
            enterprises = Enterprise.objects.bulk_create(
                [Enterprise(organisation=o, legal_form="bv") for o in orgs]
            )
            EnterpriseRelation.objects.bulk_create(
                [
                    EnterpriseRelation(fund=fund, enterprise=e, since=datetime.date(2019, 1, 1))
                    for e in enterprises
                ]
            )
            terms = bench_portfolio.loan_terms(count, rng)
            contracts = Contract.objects.bulk_create(
                [
                    Contract(
                        fund=fund,
                        enterprise=enterprise,
                        reference=f"LOAD{f + 2:02d}-{i + 1:04d}",
                        instrument="loan",
                        status=ContractStatus.ACTIVE,
                        principal=Money(t["principal"], "EUR"),
                        annual_rate=t["annual_rate"],
                        term_months=t["term_months"],
                        grace_months=t["grace_months"],
                        frequency=t["frequency"],
                        method=t["method"],
                        day_count=t["day_count"],
                        signed_on=t["start_date"],
                    )
                    for i, (enterprise, t) in enumerate(zip(enterprises, terms, strict=True))
                ]
            )
            versions = ScheduleVersion.objects.bulk_create(
                [
                    ScheduleVersion(contract=c, number=1, reason="Volledig uitbetaald", **t)
                    for c, t in zip(contracts, terms, strict=True)
                ]
            )
            ScheduleLine.objects.bulk_create(
                (
                    ScheduleLine(
                        version_id=version.pk,
                        number=row.number,
                        due_date=row.due_date,
                        principal=row.principal,
                        interest=row.interest,
                        payment=row.payment,
                        balance=row.balance,
                        cumulative_payment=cumulative,
                    )
                    for version, t in zip(versions, terms, strict=True)
                    for row, cumulative in _with_cumulative(build_schedule(**t))
                ),
                batch_size=5000,
            )
            capital = sum((t["principal"] for t in terms), zero)
            cash, loan, paid_in = accounts["1000"].pk, accounts["1100"].pk, accounts["3000"].pk
            first = JournalEntry.objects.create(
                fund=fund,
                value_date=datetime.date(2018, 12, 31),
                booking_date=datetime.date(2018, 12, 31),
                description="Kapitaalstorting investeerders",
            )
            entries = JournalEntry.objects.bulk_create(
                [
                    JournalEntry(
                        fund=fund,
                        value_date=t["start_date"],
                        booking_date=t["start_date"],
                        description=f"Uitbetaling {c.reference}",
                        contract=c,
                    )
                    for c, t in zip(contracts, terms, strict=True)
                ]
            )
            postings = [
                Posting(
                    entry=first, account_id=cash, value_date=first.value_date, debit=capital, credit=zero
                ),
                Posting(
                    entry=first, account_id=paid_in, value_date=first.value_date, debit=zero, credit=capital
                ),
            ]
            for entry, c, t in zip(entries, contracts, terms, strict=True):
                postings += [
                    Posting(
                        entry=entry,
                        account_id=loan,
                        contract=c,
                        value_date=entry.value_date,
                        debit=t["principal"],
                        credit=zero,
                    ),
                    Posting(
                        entry=entry,
                        account_id=cash,
                        contract=c,
                        value_date=entry.value_date,
                        debit=zero,
                        credit=t["principal"],
                    ),
                ]
            Posting.objects.bulk_create(postings, batch_size=5000)
            Disbursement.objects.bulk_create(
                [
                    Disbursement(contract=c, value_date=e.value_date, amount=t["principal"], entry=e)
                    for e, c, t in zip(entries, contracts, terms, strict=True)
                ]
            )
            summary_rebuild(fund=fund)  # bulk_create bypasses entry_post, which keeps the running totals
            assert summary_check(fund=fund) == []
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"scaled: {Fund.objects.count()} funds, {Contract.objects.count()} loans, "
        f"{Organisation.objects.count()} organisations, {Posting.objects.count()} postings "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


def _with_cumulative(rows):
    total = 0
    for row in rows:
        total += row.payment
        yield row, total


# --------------------------------------------------------------------------------------------------
# The load run (locust's library API, headless)
# --------------------------------------------------------------------------------------------------


def busiest_logins(env: dict) -> dict[str, str]:
    """Per role the user with the most active memberships (the demo fund's staff got all 20 funds)."""
    code = (
        "from django.db.models import Count\n"
        "from fund.models import Membership\n"
        "seen = set()\n"
        "rows = Membership.objects.filter(is_active=True).values('role', 'user__email')\n"
        "for row in rows.annotate(n=Count('pk')).order_by('role', '-n', 'user__email'):\n"
        "    if row['role'] not in seen: seen.add(row['role']); print(row['role'], row['user__email'])\n"
    )
    out = prod_smoke.run([PY, "manage.py", "shell", "-c", code], env).stdout
    return dict(line.split() for line in out.splitlines() if line.count(" ") == 1 and "@" in line)


def busiest_logins_in_process() -> dict[str, str]:
    """The same as busiest_logins, inside a process that has Django set up (bench/pagecost.py)."""
    from django.db.models import Count

    from fund.models import Membership

    logins: dict[str, str] = {}
    rows = Membership.objects.filter(is_active=True).values("role", "user__email")
    for row in rows.annotate(n=Count("pk")).order_by("role", "-n", "user__email"):
        logins.setdefault(row["role"], row["user__email"])
    return logins


def role_pages(browser: prod_smoke.Browser) -> list[str]:
    """The dashboard and the first pages it links to (same site, GET, no downloads or logout)."""
    status, headers, page = browser.get("/")
    start = "/"
    if status in (301, 302):
        start = urlsplit(headers["location"]).path
        status, headers, page = browser.get(start)
    pages = [start]  # "/" itself only redirects here
    for href in re.findall(rb'href="(/[^"#?]*)"', page):
        path = href.decode()
        skip = ("/static/", "/account/", "/admin/", "/i18n/", "/documents/")
        if path == "/" or path.startswith(skip) or path.endswith((".csv", ".xlsx", ".pdf", ".xml")):
            continue
        if "export" in path:  # downloads (rate limited per user), not pages: e.g. the AVG export
            continue
        if path in pages:
            continue
        pages.append(path)
    chosen = pages[:PAGES_PER_ROLE]
    if "/organisations/" in pages[PAGES_PER_ROLE:]:  # the page the issue found slow: always in the mix
        chosen.append("/organisations/")
    return chosen


def warm_up(sessions: dict[str, tuple[dict, list[str]]], *, workers: int) -> None:
    """Every page a few times on every worker before the clock starts (compiled templates, first queries):
    the figures are for a server that has been running, not for each worker's first minute."""
    from concurrent.futures import (
        ThreadPoolExecutor,
    )  # gevent-patched: concurrent requests spread the workers

    def fetch(job):
        cookies, path = job
        browser = prod_smoke.Browser()
        browser.cookies = dict(cookies)
        return browser.get(path)[0]

    jobs = [(cookies, path) for cookies, pages in sessions.values() for path in pages] * (2 * workers)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        statuses = list(pool.map(fetch, jobs))
    bad = len([s for s in statuses if s != 200])
    print(
        f"[load] warm-up: {len(jobs)} requests in {time.perf_counter() - started:.0f} s, {bad} not 200",
        flush=True,
    )


def run_load(
    sessions: dict[str, tuple[dict, list[str]]],
    *,
    users: int,
    spawn_rate: float,
    duration: int,
    think: tuple[float, float] = (0.5, 1.5),
):
    """FastHttpUser (geventhttpclient, the cheaper of locust's two clients): locust runs on the same cores as
    the server; `cpu_seconds` reports its share (about 2 ms and 4-5 % of the CPU a request, 2026-11-28)."""
    import gevent
    from locust import FastHttpUser, between, task
    from locust.env import Environment

    base = f"http://{HOST}:{PORT}"
    classes = []
    for role, (cookies, pages) in sessions.items():

        def open_page(self, role=role, pages=pages):
            path = random.choice(pages)
            with self.client.get(
                path, name=f"{role} {path}", allow_redirects=False, catch_response=True
            ) as r:
                if r.status_code != 200:
                    r.failure(f"status {r.status_code}")

        headers = {
            "Accept-Language": "nl",
            "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
        }
        classes.append(
            type(
                f"{role.title().replace('_', '')}User",
                (FastHttpUser,),
                {
                    "host": base,
                    "wait_time": between(*think),
                    "default_headers": headers,
                    "open": task(open_page),
                },
            )
        )
    environment = Environment(user_classes=classes)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=spawn_rate)
    gevent.spawn_later(duration, runner.quit)
    runner.greenlet.join()
    return environment.stats


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by this process (locust), gunicorn's processes and the load database's
    PostgreSQL backends (read from /proc; a process that ended in between is not counted)."""
    tick = os.sysconf("SC_CLK_TCK")
    own = os.times()
    totals = {"locust": own.user + own.system, "gunicorn": 0.0, "postgres": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used = (int(fields[11]) + int(fields[12])) / tick
        if b"gunicorn" in cmdline and f"{HOST}:{PORT}".encode() in cmdline:
            totals["gunicorn"] += used
        elif cmdline.startswith(b"postgres: ") and f" {DB} ".encode() in cmdline:
            totals["postgres"] += used
    return totals


def report(stats) -> bool:
    def line(name, entry):
        p = entry.get_response_time_percentile
        return (
            f"{name[:58]:58} {entry.num_requests:7d} {entry.num_failures:6d} "
            f"{p(0.50):7.0f} {p(0.95):7.0f} {p(0.99):7.0f}"
        )

    print(f"{'page':58} {'requests':>7} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for (name, _method), entry in sorted(stats.entries.items()):
        print(line(name, entry))
    total = stats.total
    print(line("overall", total))
    p95 = total.get_response_time_percentile(0.95)
    met = p95 < P95_TARGET_MS and total.num_failures == 0
    verdict = "met" if met else "NOT met"
    print(
        f"overall: {total.num_requests} requests, {total.total_rps:.1f} per second, "
        f"{total.num_failures} errors, p95 {p95:.0f} ms; "
        f"target p95 < {P95_TARGET_MS:.0f} ms and 0 errors: {verdict}"
    )
    for error in stats.errors.values():
        print(f"error: {error.name}: {error.error} × {error.occurrences}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10.0)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load after the start")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(0.5, 1.5),
        metavar=("MIN", "MAX"),
        help="seconds a user waits between two pages, uniformly between MIN and MAX (default 0.5 1.5: "
        "about one page a second per user, a stress figure; people reading a page take longer)",
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the scaled database afterwards (for bench/pagecost.py)"
    )
    parser.add_argument(
        "--reuse-db", action="store_true", help="use the database a --keep-db run left, without rebuilding it"
    )
    args = parser.parse_args()
    media = tempfile.mkdtemp(prefix="load-media-")
    env = prod_smoke.production_env(database=DB, broker=BROKER, media=media)
    if not args.reuse_db:
        prod_smoke.psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        prod_smoke.psql(f'CREATE DATABASE "{DB}"')
    gunicorn = None
    try:
        started = time.perf_counter()
        if args.reuse_db:
            print(f"[load] reusing database {DB} (as migrated by the --keep-db run)", flush=True)
        else:
            print("[load] migrate, collectstatic, load_demo, scale to 20 funds / 2,000 loans", flush=True)
            prod_smoke.run([PY, "manage.py", "migrate", "--no-input", "-v", "0"], env)
            prod_smoke.run([PY, "manage.py", "load_demo", "--quiet-logins"], env, timeout=600)
            print(prod_smoke.run([PY, __file__, "--scale"], env, timeout=900).stdout.strip(), flush=True)
        if not (args.reuse_db and (ROOT / "staticfiles" / "staticfiles.json").exists()):
            prod_smoke.run([PY, "manage.py", "collectstatic", "--no-input", "-v", "0"], env)
        print(f"[load] data ready in {time.perf_counter() - started:.0f} s", flush=True)
        log = Path(tempfile.mkdtemp(prefix="load-logs-")) / "gunicorn.log"
        out = open(log, "w")  # noqa: SIM115 - closed with the process
        command = [PY, "-m", "gunicorn", "config.wsgi", "--preload", "-b", f"{HOST}:{PORT}"]
        command += ["-w", str(args.workers)]
        gunicorn = subprocess.Popen(
            [*command, "--timeout", "60"], cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )
        print(f"[load] gunicorn pid {gunicorn.pid}, {args.workers} workers, log {log}", flush=True)
        probe = prod_smoke.Browser()
        for _ in range(60):
            with contextlib.suppress(OSError):
                if probe.get("/account/login/")[0] == 200:
                    break
            time.sleep(1)
        sessions = {}
        logins = busiest_logins(env)
        for role in ROLES:
            browser = prod_smoke.Browser()
            if role not in logins or not browser.login(logins[role]):
                print(f"[load] PROBLEM: no login for {role}", flush=True)
                return 1
            sessions[role] = (dict(browser.cookies), role_pages(browser))
            print(f"[load] {role} ({logins[role]}): {', '.join(sessions[role][1])}", flush=True)
        warm_up(sessions, workers=args.workers)
        print(
            f"[load] {args.users} users, think time {args.think[0]:g}-{args.think[1]:g} s, "
            f"spawn rate {args.spawn_rate}/s, {args.duration} s, "
            f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        before = cpu_seconds()
        stats = run_load(
            sessions,
            users=args.users,
            spawn_rate=args.spawn_rate,
            duration=args.duration,
            think=tuple(args.think),
        )
        used = {name: value - before[name] for name, value in cpu_seconds().items()}
        print(f"[load] load average after the run {os.getloadavg()[0]:.1f}", flush=True)
        report(stats)
        requests = max(stats.total.num_requests, 1)
        total = sum(used.values()) or 1.0
        print(
            "CPU during the run: "
            + ", ".join(
                f"{name} {value:.1f} s ({value / total:.0%}, {value / requests * 1000:.1f} ms a request)"
                for name, value in used.items()
            ),
            flush=True,
        )
        return 0
    finally:
        if gunicorn is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(gunicorn.pid, signal.SIGTERM)
            try:
                gunicorn.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(gunicorn.pid, signal.SIGKILL)
        if args.keep_db:
            print(f"[load] gunicorn stopped, database {DB} kept", flush=True)
        else:
            prod_smoke.psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
            print("[load] gunicorn stopped, database dropped", flush=True)


if __name__ == "__main__":
    if "--scale" in sys.argv:
        scale()
        sys.exit(0)
    sys.exit(main())
