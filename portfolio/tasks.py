"""Period-end jobs: interest accrual and provisions, per fund. Run by Celery beat and on demand."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from fund.models import Fund

from . import services
from .models import Contract, ContractStatus


def _as_of(through: str | None) -> datetime.date:
    return datetime.date.fromisoformat(through) if through else timezone.localdate()


@shared_task(name="portfolio.accrue_interest")
def accrue_interest(fund_id: int | None = None, through: str | None = None) -> int:
    """Book the interest of every instalment due up to `through` (default today); idempotent per line."""
    as_of = _as_of(through)
    contracts = Contract.objects.filter(status=ContractStatus.ACTIVE)
    if fund_id is not None:
        contracts = contracts.filter(fund_id=fund_id)
    booked = 0
    for contract in contracts.select_related("fund"):
        booked += len(services.interest_accrue(actor=None, contract=contract, through=as_of))
    return booked


@shared_task(name="portfolio.book_provisions")
def book_provisions(fund_id: int | None = None, through: str | None = None) -> int:
    """Bring provisions in line with the arrears buckets for each fund (one entry per fund and date)."""
    as_of = _as_of(through)
    funds = Fund.objects.filter(pk=fund_id) if fund_id is not None else Fund.objects.all()
    return sum(1 for fund in funds if services.provisions_book(actor=None, fund=fund, as_of=as_of))


@shared_task(
    name="portfolio.import_bank_statement",
    autoretry_for=(OperationalError, InterfaceError),  # the database away for a moment: try again later
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
)
def import_bank_statement(job_id: int) -> str:
    """Import an uploaded statement (whole or not at all); the job row tells the page how it ended.
    Delivered again after it ended (a worker died before acknowledging), it leaves the job as it is."""
    from .bankimport import BankImportError, bank_import_run
    from .models import BankImportJob

    try:
        return bank_import_run(job_id=job_id).status
    except BankImportError:
        return BankImportJob.objects.get(pk=job_id).status


@shared_task(name="portfolio.book_penalty_interest")
def book_penalty_interest(fund_id: int | None = None, through: str | None = None) -> int:
    """Charge penalty interest on what is late, for every active contract with a penalty rate."""
    as_of = _as_of(through)
    contracts = Contract.objects.filter(status=ContractStatus.ACTIVE, penalty_rate__gt=0)
    if fund_id is not None:
        contracts = contracts.filter(fund_id=fund_id)
    booked = 0
    for contract in contracts.select_related("fund"):
        accrual = services.penalty_interest_book(actor=None, contract=contract, through=as_of)
        booked += bool(accrual and accrual.amount)
    return booked
