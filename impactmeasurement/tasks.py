"""Celery beat job: reminders to investees before and on the due date, overdue flags to the fund manager.

Idempotent per period: each message is sent once (the date it went out is stored on the period), so the
job can run daily, or more often, or be re-run after a failure.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.formats import format_date
from fund.audit import audit_record
from fund.models import Membership, Role

from .models import ReportingPeriod

REMINDER_DAYS_BEFORE = getattr(settings, "IMPACT_REMINDER_DAYS_BEFORE", 7)


def _emails(**membership_filter) -> list[str]:
    return sorted(
        set(
            Membership.objects.filter(is_active=True, user__is_active=True, **membership_filter).values_list(
                "user__email", flat=True
            )
        )
    )


def _open(qs):
    return qs.filter(kpi_set__status="confirmed").filter(
        Q(report__isnull=True) | Q(report__status__in=["draft", "returned"])
    )


def _investee_mail(period: ReportingPeriod, subject: str, body: str) -> None:
    recipients = _emails(role=Role.INVESTEE, organisation_id=period.kpi_set.enterprise.organisation_id)
    if recipients:
        send_mail(subject, body, None, recipients)


@shared_task(name="impactmeasurement.report_reminders")
def report_reminders(today: str | None = None) -> dict[str, int]:
    """Send what is due today; returns counts per kind (reminder, due, overdue)."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    counts = {"reminder": 0, "due": 0, "overdue": 0}
    base = _open(ReportingPeriod.objects.select_related("kpi_set__enterprise__organisation", "kpi_set__fund"))
    with override("nl"):
        soon = base.filter(
            reminder_sent_on__isnull=True,
            due_date__gt=day,
            due_date__lte=day + datetime.timedelta(days=REMINDER_DAYS_BEFORE),
            end__lt=day,
        )
        for period in soon:
            _investee_mail(
                period,
                _("Herinnering: impactrapportage %(period)s") % {"period": period.label},
                _("De impactrapportage over %(period)s voor %(fund)s moet uiterlijk %(date)s binnen zijn.")
                % {
                    "period": period.label,
                    "fund": period.kpi_set.fund.name,
                    "date": format_date(period.due_date, language="nl"),
                },
            )
            ReportingPeriod.objects.filter(pk=period.pk).update(reminder_sent_on=day)
            counts["reminder"] += 1
        for period in base.filter(due_notice_sent_on__isnull=True, due_date=day):
            _investee_mail(
                period,
                _("Vandaag: impactrapportage %(period)s") % {"period": period.label},
                _("Vandaag is de laatste dag om de impactrapportage over %(period)s in te dienen.")
                % {"period": period.label},
            )
            ReportingPeriod.objects.filter(pk=period.pk).update(due_notice_sent_on=day)
            counts["due"] += 1
        for period in base.filter(overdue_flagged_on__isnull=True, due_date__lt=day):
            with transaction.atomic():
                ReportingPeriod.objects.filter(pk=period.pk).update(overdue_flagged_on=day)
                audit_record(
                    actor=None,
                    obj=period,
                    action="impact_report_overdue",
                    to_state="overdue",
                    reason=_("Niet ingediend vóór %(date)s")
                    % {"date": format_date(period.due_date, language="nl")},
                )
            managers = _emails(role=Role.FUND_MANAGER, fund_id=period.kpi_set.fund_id)
            if managers:
                send_mail(
                    _("Te laat: impactrapportage %(period)s van %(enterprise)s")
                    % {"period": period.label, "enterprise": period.kpi_set.enterprise},
                    _(
                        "De impactrapportage over %(period)s van %(enterprise)s had uiterlijk %(date)s "
                        "binnen moeten zijn."
                    )
                    % {
                        "period": period.label,
                        "enterprise": period.kpi_set.enterprise,
                        "date": format_date(period.due_date, language="nl"),
                    },
                    None,
                    managers,
                )
            counts["overdue"] += 1
    return counts
