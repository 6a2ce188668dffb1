"""What each page of the load mix costs, one request at a time (issue 15 item 15): wall time (median), this
process's CPU time (fastest run) and the SQL queries (count and time) per page, in-process with Django's test
client, production settings, on the scaled database that `bench/load.py --keep-db` leaves behind.

    .venv/bin/python bench/load.py --keep-db --duration 10     (builds impactfonds_load and keeps it)
    .venv/bin/python bench/pagecost.py                           (the table; --repeat N, --role ROLE)
    .venv/bin/python bench/pagecost.py --role investee --profile /outcomes/   (cProfile of one page)

The pages are the ones `bench/load.py` puts in its mix: per role the busiest user's dashboard and the pages it
links to. The last line is the mix's average as locust offers it (the roles equally often, each role's pages
equally often): the CPU a request costs this process; PostgreSQL's share is roughly the SQL time.
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "ops"))

import load  # noqa: E402  - its database name, roles and the page walk

os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "DATABASE_URL": os.environ.get("PAGECOST_DATABASE_URL", f"{load.PG}/{load.DB}"),
        "CELERY_BROKER_URL": load.BROKER,
        "CACHE_URL": load.BROKER,
        "SECURE_SSL_REDIRECT": "False",
        "REQUIRE_2FA": "False",
        "EMAIL_URL": "consolemail://",
    }
)


class ClientBrowser:
    """The test client behind the `get(path) -> (status, headers, body)` that load.role_pages walks."""

    def __init__(self, client) -> None:
        self.client = client

    def get(self, path: str):
        response = self.client.get(path, HTTP_ACCEPT_LANGUAGE="nl")
        headers = {k.lower(): v for k, v in response.items()}
        return response.status_code, headers, response.content


def measure(client, path: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):  # warm-up: template loading, first-use imports
        client.get(path)
    walls, cpus = [], []
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        response = client.get(path)
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return {
        "status": response.status_code,
        "wall": statistics.median(walls),
        "cpu": min(cpus),  # the least disturbed run: other processes share the cores
        "queries": len(queries.captured_queries),
        "sql": sum(float(q["time"]) for q in queries.captured_queries) * 1000,
        "size": len(response.content),
    }


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--role", action="append", help="only these roles (repeatable)")
    parser.add_argument(
        "--profile", help="profile this path as the first --role (cProfile; PROFILE_SORT=cumulative)"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.test import Client

    from fund.models import User

    logins = load.busiest_logins_in_process()
    roles = args.role or list(load.ROLES)
    clients = {}
    for role in roles:
        client = Client(HTTP_ACCEPT_LANGUAGE="nl")
        client.force_login(User.objects.get(email=logins[role]))
        clients[role] = client
    if args.profile:
        import cProfile
        import pstats

        client = clients[roles[0]]
        client.get(args.profile)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeat):
            client.get(args.profile)
        profiler.disable()
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(
            *([os.environ["PROFILE_FILTER"]] if os.environ.get("PROFILE_FILTER") else []), 40
        )
        return 0
    print(
        f"{'role':18} {'page':48} {'status':>6} {'wall ms':>8} {'cpu ms':>7} "
        f"{'queries':>7} {'sql ms':>7} {'KB':>5}"
    )
    role_means = []
    for role in roles:
        pages = load.role_pages(ClientBrowser(clients[role]))
        rows = []
        for path in pages:
            row = measure(clients[role], path, args.repeat)
            rows.append(row)
            print(
                f"{role:18} {path[:48]:48} {row['status']:6d} {row['wall']:8.1f} {row['cpu']:7.1f} "
                f"{row['queries']:7d} {row['sql']:7.1f} {row['size'] / 1024:5.0f}",
                flush=True,
            )
        role_means.append((statistics.mean(r["wall"] for r in rows), statistics.mean(r["cpu"] for r in rows)))
        print(f"{role:18} {'(mean of the role)':48} {'':6} {role_means[-1][0]:8.1f} {role_means[-1][1]:7.1f}")
    wall = statistics.mean(m[0] for m in role_means)
    cpu = statistics.mean(m[1] for m in role_means)
    print(f"mix as locust offers it: {wall:.1f} ms wall, {cpu:.1f} ms CPU of this process per request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
