"""`/healthz`: can this process serve — database, broker and workers — for a load balancer or a monitor.

Answers 200 when the database and the broker answer (workers are reported, and their absence makes the
status "degraded", not failing: the web still serves while a worker restarts); 503 otherwise. Nothing
personal and no configuration is shown.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

BROKER_TIMEOUT = 2.0


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception:  # any database failure means "not ok"; the reason goes to the log
        import logging

        logging.getLogger(__name__).exception("healthz: database check failed")
        return "error"


def _broker_and_workers() -> tuple[str, int | None]:
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return "eager", None  # tasks run in the web process (demo, tests): no broker, no workers
    from celery import current_app

    try:
        # The broker the settings name (Celery would prefer a CELERY_BROKER_URL in the environment).
        with current_app.connection_for_write(url=settings.CELERY_BROKER_URL or None) as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)
    except Exception:
        import logging

        logging.getLogger(__name__).exception("healthz: broker check failed")
        return "error", None
    try:
        replies = current_app.control.ping(timeout=1.0) or []
    except Exception:
        replies = []
    return "ok", len(replies)


@never_cache
@require_GET
def healthz(request):
    started = time.perf_counter()
    database = _database()
    broker, workers = _broker_and_workers()
    healthy = database == "ok" and broker in ("ok", "eager")
    status = "ok" if healthy and workers != 0 else ("degraded" if healthy else "error")
    body = {
        "status": status,
        "database": database,
        "broker": broker,
        "workers": workers,
        "duration_ms": round((time.perf_counter() - started) * 1000),
    }
    return JsonResponse(body, status=200 if healthy else 503)
