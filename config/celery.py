"""Celery app. Without CELERY_BROKER_URL tasks run eagerly in-process (see settings)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("impactfonds")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic jobs. Accrual is idempotent per instalment, so running it daily keeps interest receivable current;
# provisions are booked at each month end (the first of the month, for the day before).
app.conf.beat_schedule = {
    "accrue-interest-daily": {"task": "portfolio.accrue_interest", "schedule": crontab(hour=2, minute=0)},
    # Penalty interest on late instalments, per month (it starts where the previous calculation ended).
    "book-penalty-interest-month-end": {
        "task": "portfolio.book_penalty_interest",
        "schedule": crontab(hour=2, minute=30, day_of_month=1),
    },
    "book-provisions-month-end": {
        "task": "portfolio.book_provisions",
        "schedule": crontab(hour=3, minute=0, day_of_month=1),
    },
    # Outcome payments: a proposal per active contract over its last closed month or quarter (idempotent);
    # two officials of the paying municipality still have to approve each one.
    "outcome-proposals-monthly": {
        "task": "resultaatfinanciering.prepare_proposals",
        "schedule": crontab(hour=4, minute=0, day_of_month=1),
    },
    # Investors: the management fee of the quarter just ended, once per fund and quarter (idempotent).
    "management-fees-quarterly": {
        "task": "investors.charge_management_fees",
        "schedule": crontab(hour=5, minute=0, day_of_month=1, month_of_year="1,4,7,10"),
    },
    # Impact reports: reminders before and on the due date, overdue flags to the fund manager (idempotent).
    # AVG: uploaded files past their retention period (settings.UPLOAD_RETENTION_DAYS) are deleted.
    "purge-expired-uploads-nightly": {
        "task": "reports.purge_expired_uploads",
        "schedule": crontab(hour=1, minute=30),
    },
    "impact-report-reminders-daily": {
        "task": "impactmeasurement.report_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
}
