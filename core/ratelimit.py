"""Rate limits per user on expensive actions (ASVS 11.1.x): exports, PDF batches, the AVG export.

A fixed window per (action, user) in the shared cache (Redis in production, so every gunicorn worker counts
together). Limits in ``settings.ACTION_RATE_LIMITS`` as {action: (count, seconds)}. Over the limit the view
answers 429 with a Dutch page saying how long to wait, and does not do the work.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "export": _("een export downloaden"),
    "report_batch": _("een reeks rapportages maken"),
    "avg_export": _("een AVG-export maken"),
}


def over_limit(key: str, *, limit: int, window: int) -> bool:
    """Count one more request under `key` in a fixed window of `window` seconds; True when over `limit`."""
    added = cache.add(key, 1, timeout=window)
    if added:
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return False
    return count > limit


def action_limited(request, action: str) -> HttpResponse | None:
    """None when the user may go on with `action`; else the 429 answer (counted either way)."""
    limit, window = settings.ACTION_RATE_LIMITS[action]
    user_key = request.user.pk if request.user.is_authenticated else request.META.get("REMOTE_ADDR", "")
    if not over_limit(f"action:{action}:{user_key}", limit=limit, window=window):
        return None
    response = render(
        request,
        "core/rate_limited.html",
        {"action": ACTION_LABELS.get(action, action), "limit": limit, "minutes": max(1, window // 60)},
        status=429,
    )
    response["Retry-After"] = str(window)
    return response
