"""API tokens: created, listed and revoked by their own user, expiring, stored only as a hash (issue 15).

`ApiTokenAuthentication` replaces DRF's single, never-expiring token: ``Authorization: Bearer <key>`` (or
``Token <key>``). A token stops working when revoked, expired, or when its user no longer holds a role that
may have tokens.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling

from core.errors import ApplicationError, PermissionDeniedError

from .audit import audit_record
from .models import TOKEN_MAX_DAYS, TOKEN_ROLES, ApiToken, User
from .selectors import user_roles

KEY_BYTES = 32
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def may_hold_tokens(user: User) -> bool:
    return user.is_authenticated and user.is_active and any(role in TOKEN_ROLES for role in user_roles(user))


@transaction.atomic
def api_token_create(*, actor: User, name: str, valid_days: int) -> tuple[ApiToken, str]:
    """A new token for the actor; returns it with its key, which is never shown again."""
    if not may_hold_tokens(actor):
        raise PermissionDeniedError(_("Uw rol kan geen API-sleutels hebben; gebruik de API via de website."))
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Geef de sleutel een naam."), field="name")
    if not 1 <= valid_days <= TOKEN_MAX_DAYS:
        raise ApplicationError(
            _("Een sleutel is 1 tot %(max)d dagen geldig.") % {"max": TOKEN_MAX_DAYS}, field="valid_days"
        )
    if ApiToken.objects.filter(user=actor, name=name, revoked_at__isnull=True).exists():
        raise ApplicationError(_("U heeft al een actieve sleutel met deze naam."), field="name")
    key = secrets.token_urlsafe(KEY_BYTES)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=actor,
        name=name,
        prefix=key[:8],
        key_hash=_hash(key),
        expires_at=now + datetime.timedelta(days=valid_days),
    )
    audit_record(actor=actor, obj=actor, action="api_token_created", to_state="active", data={"name": name})
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != actor.pk:
        raise PermissionDeniedError()
    if token.revoked_at is not None:
        raise ApplicationError(_("Deze sleutel is al ingetrokken."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        obj=actor,
        action="api_token_revoked",
        from_state="active",
        to_state="revoked",
        data={"name": token.name},
    )
    return token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Ongeldige Authorization-header: verwacht 'Bearer <sleutel>'.")
            )
        key = header[1].decode(errors="replace")
        token = ApiToken.objects.select_related("user").filter(key_hash=_hash(key)).first()
        now = timezone.now()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Onbekende API-sleutel."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("Deze API-sleutel is ingetrokken."))
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("Deze API-sleutel is verlopen."))
        if not may_hold_tokens(token.user):
            raise exceptions.AuthenticationFailed(
                _("De gebruiker van deze sleutel mag geen API-sleutels gebruiken.")
            )
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return "Bearer"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents the key in the OpenAPI schema (drf-spectacular)."""

    target_class = "fund.api_tokens.ApiTokenAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": _("Een API-sleutel van de pagina API-sleutels: Authorization: Bearer <sleutel>."),
        }


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    """At most settings.API_RATE_LIMIT requests per API key (ASVS 13.2.x); a session request counts per user,
    an anonymous one per IP address. One key cannot use up another key's allowance, even of the same user.

    The rate is read from the settings on every request (DRF's own THROTTLE_RATES is fixed at import).
    Counts live in the shared cache, so every gunicorn worker counts together in production (Redis).
    """

    scope = "api"

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"key:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
