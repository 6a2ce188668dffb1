"""Celery: without a broker, tasks run in-process (the embedded default); with one, they are queued."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _eager(broker: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    if broker:
        env["CELERY_BROKER_URL"] = broker
    code = "import django; django.setup(); from config.celery import app; print(app.conf.task_always_eager)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_tasks_run_in_process_without_a_broker():
    assert _eager(None) == "True"


def test_tasks_are_queued_when_a_broker_is_configured():
    assert _eager("redis://127.0.0.1:6379/0") == "False"


def test_every_beat_job_names_a_registered_task():
    """A typo in the beat schedule would fail silently at night: each entry must name a real task."""
    from config.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert scheduled <= set(app.tasks), scheduled - set(app.tasks)
    assert {
        "portfolio.accrue_interest",
        "portfolio.book_provisions",
        "portfolio.book_penalty_interest",
        "resultaatfinanciering.prepare_proposals",
    } <= scheduled
