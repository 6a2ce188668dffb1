"""A real Celery worker on the Redis broker (issue 15, item 12). Every other test runs tasks in-process; this
one starts `celery worker` as a separate process against the test database (PostgreSQL: the worker must see
committed rows), runs a bank import and a quarterly-report batch through it while the pages show progress,
kills the worker (SIGKILL) in the middle of the batch, starts a new one and checks that the batch is
finished and nothing was booked or generated twice (late acknowledgement, task_reject_on_worker_lost,
a short visibility timeout so Redis hands the lost task out again, idempotent tasks).

Skipped, with the reason, without PostgreSQL or a reachable Redis (CI has both: `.ci/run`)."""

from __future__ import annotations

import datetime
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.urls import reverse
from djmoney.money import Money

from core.documents import documents_for
from fund import services as fund_services
from fund.models import Role
from reports import services as report_services
from reports.models import BatchStatus, ItemStatus
from tests.factories import next_kvk

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("WORKER_TEST_BROKER", "redis://127.0.0.1:6379/13")
QUARTER = "2026-Q1"
EXTRA_INVESTORS = 40  # enough documents that the worker is still busy when it is killed

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _redis():
    import redis

    client = redis.Redis.from_url(BROKER, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        return None
    return client


@pytest.fixture
def broker(settings, monkeypatch):
    """The Redis broker (emptied), the test process sending to it instead of running tasks in-process, and
    the shared cache the worker reports a bank import's progress through."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "the real-worker test needs PostgreSQL (DATABASE_URL): a worker cannot see SQLite's test db"
        )
    client = _redis()
    if client is None:
        pytest.skip(f"the real-worker test needs Redis at {BROKER} (CI starts it in .ci/run)")
    client.flushdb()
    from config.celery import app

    # Celery reads CELERY_BROKER_URL from the environment before its configuration (CI exports it)
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER)
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "broker_transport_options")}
    app.conf.update(
        task_always_eager=False, broker_url=BROKER, broker_transport_options={"visibility_timeout": 2}
    )
    _forget_connections(app)  # an earlier test in this process may have connected to the default broker
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": BROKER}
    }
    yield client
    app.conf.update(saved)
    _forget_connections(app)
    client.flushdb()


def _forget_connections(app) -> None:
    """Drop the app's cached connection and producer pools, so the next task is sent to the broker the
    configuration names now (Celery does the same after a fork)."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    if "amqp" in app.__dict__:
        app.__dict__["amqp"]._producer_pool = None


class Worker:
    """`celery worker` in its own process group, on the test database and the broker."""

    def __init__(self, settings, log: Path) -> None:
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": BROKER,
            "CACHE_URL": BROKER,
            "CELERY_VISIBILITY_TIMEOUT": "2",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        }
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, name: str) -> None:
        out = open(self.log, "a")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL: the worker gets no chance to finish or hand back the task it is running."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def _wait(condition, *, seconds: float, what: str, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-4000:]}")


def test_a_real_worker_imports_and_generates_and_resumes_after_being_killed(
    client, broker, reports_world, settings, tmp_path
):
    from portfolio import bankimport
    from portfolio.models import BankImportJob, BankLine, Repayment

    a = reports_world.world.a
    manager = a.users[Role.FUND_MANAGER]
    client.force_login(manager)
    for _ in range(EXTRA_INVESTORS):
        investor = fund_services.investor_create(
            actor=None, name=f"Investeerder {next_kvk()}", investor_type="foundation", kvk_number=next_kvk()
        )
        fund_services.commitment_create(
            actor=None,
            fund=a.fund,
            investor=investor,
            amount=Money("50000", "EUR"),
            committed_on=datetime.date(2025, 6, 1),
        )
    worker = Worker(settings, tmp_path / "worker.log")
    try:
        worker.start("first")

        # 1. A bank import through the worker: the page follows it to "done", the payment is booked once.
        our_iban = "NL02ABNA0123456789"
        bankimport.fund_bank_account_add(fund=a.fund, iban=our_iban, name="Betaalrekening", actor=None)
        from django.core.files.uploadedfile import SimpleUploadedFile

        statement = (
            "Datum;Bedrag;Tegenrekening;Naam;Omschrijving;Referentie;Rekening\n"
            f"15-02-2026;500,00;;Onderneming A;Termijn {a.contract.reference};;{our_iban}\n"
            + "".join(
                f"{d:02d}-02-2026;10,00;NL91ABNA0417164300;Onbekend;gift {d};R{d};{our_iban}\n"
                for d in range(1, 21)
            )
        ).encode()
        with transaction.atomic():
            job = bankimport.bank_import_start(
                fund=a.fund, upload=SimpleUploadedFile("februari.csv", statement), actor=manager
            )
        page = reverse("bank_import_job", args=[job.pk])
        _wait(
            lambda: BankImportJob.objects.get(pk=job.pk).status in ("done", "failed"),
            seconds=30,
            what="the bank import to finish",
            log=worker.log,
        )
        job.refresh_from_db()
        assert job.status == "done", job.error
        assert job.result["booked"] == 1 and job.result["unmatched"] == 20
        assert "ingelezen" in client.get(page).content.decode()  # the page shows it done

        # 2. The quarterly batch (the quarter closed first, after the import booked into it)
        from portfolio.ledger import period_close

        with transaction.atomic():
            period_close(fund=a.fund, through=datetime.date(2026, 3, 31), actor=None)
        # one task per investor; kill the worker once some are made, not all
        with transaction.atomic():
            batch = report_services.batch_start(fund=a.fund, quarter=QUARTER, actor=manager)
        total = batch.items.count()
        assert total == EXTRA_INVESTORS + 2
        batch_page = reverse("report_batch", args=[batch.pk])
        seen = []

        def some_made():
            # the worker goes on between reading the counts and the page: the page's figure lies between
            before = report_services.batch_counts(batch)
            response = client.get(batch_page)
            after = report_services.batch_counts(batch)
            assert response.status_code == 200
            shown = re.search(rf"(\d+) van {total} verwerkt", response.content.decode())
            seen.append(shown is not None and before["finished"] <= int(shown.group(1)) <= after["finished"])
            return 1 <= after["done"] < total - 1

        _wait(some_made, seconds=40, what="the first quarterly reports", log=worker.log)
        worker.kill()
        done_at_kill = batch.items.filter(status=ItemStatus.DONE).count()
        assert done_at_kill < total, "the worker finished before it could be killed"
        assert seen and all(seen), "the batch page did not show the progress"
        time.sleep(2.5)  # past the visibility timeout: Redis may hand out the task the killed worker held

        worker.start("second")
        _wait(
            lambda: batch.items.exclude(status=ItemStatus.QUEUED).count() == total,
            seconds=45,
            what="the batch to be finished by the new worker",
            log=worker.log,
        )
    finally:
        worker.stop()

    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert batch.items.filter(status=ItemStatus.DONE).count() == total, list(
        batch.items.values("status", "error")
    )
    for item in batch.items.select_related("report"):
        versions = documents_for(subject=item.report, kind="reports.quarterly")
        assert versions.count() == 1, f"{item.report}: {versions.count()} documents"
    # the bank import was not run again either
    assert BankLine.objects.filter(fund=a.fund).count() == 21
    assert Repayment.objects.filter(contract=a.contract).count() == 1
