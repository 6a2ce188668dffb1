"""Scheduled job: the system prepares payment proposals for the period that has just ended."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from core.errors import ApplicationError

from . import services
from .models import ContractStatus, OutcomeContract


@shared_task(name="resultaatfinanciering.prepare_proposals")
def prepare_proposals(as_of: str | None = None) -> list[int]:
    """For each active contract, a proposal over its last closed month or quarter, if it has verified,
    unpaid results; idempotent (a second run finds the period already proposed, or nothing left)."""
    today = datetime.date.fromisoformat(as_of) if as_of else timezone.localdate()
    created = []
    for contract in OutcomeContract.objects.filter(status=ContractStatus.ACTIVE):
        start, _end = services.period_bounds(frequency=contract.proposal_frequency, containing=today)
        period_start, period_end = services.period_bounds(
            frequency=contract.proposal_frequency, containing=start - datetime.timedelta(days=1)
        )
        try:
            proposal = services.proposal_prepare(
                actor=services.SYSTEM, contract=contract, period_start=period_start, period_end=period_end
            )
        except ApplicationError:
            continue  # nothing to propose, or already proposed for this period
        created.append(proposal.pk)
    return created
