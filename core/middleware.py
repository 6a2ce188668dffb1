"""Refuse requests carrying a NUL character (400), before any view or database sees them.

PostgreSQL cannot store or compare text containing NUL (psycopg raises), and no user types one: a NUL in
the path, the query string or a form field is malformed input, answered with a plain 400, never a 500.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _


def _has_nul(text: str) -> bool:
    return "\x00" in text


class RejectNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw_query = request.META.get("QUERY_STRING", "")
        bad = (
            _has_nul(request.path_info)
            or b"\x00" in unquote_to_bytes(raw_query)
            or any(_has_nul(k) or any(_has_nul(v) for v in vs) for k, vs in request.GET.lists())
        )
        if not bad and request.method in ("POST", "PUT", "PATCH"):
            content_type = request.META.get("CONTENT_TYPE", "")
            if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                bad = any(_has_nul(k) or any(_has_nul(v) for v in vs) for k, vs in request.POST.lists())
        if bad:
            return HttpResponseBadRequest(
                _("Ongeldige invoer: het verzoek bevat een niet-toegestaan teken (NUL)."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Switch off browser features the application never uses (camera, microphone, location, payment …)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        from django.conf import settings

        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


class NoStoreForAuthenticatedMiddleware:
    """``Cache-Control: no-store`` on every answer to a logged-in user (ASVS 8.2.1).

    Pages, CSV and Excel exports, PDFs and API answers for a signed-in user carry personal or financial
    data; no browser or proxy cache may keep them (a shared computer's back button, a proxy's disk). Static
    files never get here (WhiteNoise answers them earlier in the chain) and keep their long cache; anonymous
    pages (the login page, the health check) are left as they are. The user is read after the view ran, so
    an API request authenticated by key (DRF sets the user on the request) counts too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response
