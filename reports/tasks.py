"""Celery tasks of the reports app: one quarterly PDF per task, so a batch runs in parallel on the workers
and one failing document never stops the others (its error is kept on its row of the batch)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    name="reports.generate_report",
    autoretry_for=(OperationalError, InterfaceError),  # the database away for a moment: try again later
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
)
def generate_report(item_id: int) -> str:
    from .services import batch_item_generate

    return batch_item_generate(item_id=item_id).status


@shared_task(name="reports.purge_expired_uploads")
def purge_expired_uploads() -> int:
    """Nightly: delete uploaded files past their retention period (settings.UPLOAD_RETENTION_DAYS) and login
    records past theirs (settings.LOGIN_RECORD_RETENTION_DAYS)."""
    from .avg import purge_expired_login_records
    from .avg import purge_expired_uploads as purge

    purge_expired_login_records(dry_run=False)
    return len(purge(dry_run=False))


@shared_task(name="reports.fund_import_run")
def fund_import_run(job_id: int) -> str:
    """A fund migration's dry run or finish (whole or not at all); the job row tells the page how it ended."""
    from .fundimport import fund_import_execute

    return fund_import_execute(job_id=job_id).status
