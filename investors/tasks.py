"""Quarterly jobs of the investors' money side. Run by Celery beat and on demand."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from core.errors import ApplicationError
from fund.models import Fund

from . import quarters, services


def last_complete_quarter(today: datetime.date) -> str:
    """The quarter before the one `today` is in (on 1 April: "…-Q1")."""
    return quarters.quarter_label(quarters.quarter_start(today) - datetime.timedelta(days=1))


@shared_task(name="investors.charge_management_fees")
def charge_management_fees(quarter: str | None = None) -> dict[str, int]:
    """Charge the management fee of `quarter` (default: the last complete one) for every fund with
    commitments. Idempotent per fund and quarter; a fund whose fee cannot be charged (a basis of € 0,00) is
    counted as skipped, not failed."""
    label = quarter or last_complete_quarter(timezone.localdate())
    counts = {"charged": 0, "skipped": 0}
    for fund in Fund.objects.filter(commitments__isnull=False).distinct().order_by("pk"):
        try:
            services.management_fee_charge(actor=None, fund=fund, quarter=label)
        except ApplicationError:
            counts["skipped"] += 1
        else:
            counts["charged"] += 1
    return counts
