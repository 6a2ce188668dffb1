"""Shared set-up for benchmarks: Django on a throw-away database (created and dropped per run).

Uses DATABASE_URL like the app (PostgreSQL in CI and production: run benchmarks there for real figures).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


@contextlib.contextmanager
def bench_database():
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield connection
    finally:
        if os.environ.get("BENCH_KEEP_DB"):  # keep the generated data to study query plans
            print(f"kept database {connection.settings_dict['NAME']} (BENCH_KEEP_DB)")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
