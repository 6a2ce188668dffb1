"""Login, session and password-reset hardening (issue 15): one identity, idle timeouts, rate limits."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _

from core.ratelimit import over_limit

from .models import TWO_FACTOR_ROLES, Role
from .selectors import user_roles

IDLE_ROLES = (*TWO_FACTOR_ROLES, Role.ADMINISTRATOR)
SESSION_ACTIVITY_KEY = "last_activity"
SESSION_LOGIN_KEY = "logged_in_at"


def normalise_login(value: str | None) -> str:
    """The address as the login matches it (case-insensitively, without surrounding spaces)."""
    return (value or "").strip().lower()


def lockout_username(request, credentials: dict | None) -> str:
    """django-axes counts failures per normalised address: SOMEONE@… and someone@… are one account."""
    credentials = credentials or {}
    value = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    if value is None and request is not None:
        value = request.POST.get(settings.AXES_USERNAME_FORM_FIELD)
    return normalise_login(value)


class SessionIdleTimeoutMiddleware:
    """Log out fund managers, committee members, officials and administrators after inactivity.

    The session cookie itself ends at browser close (SESSION_EXPIRE_AT_BROWSER_CLOSE); the idle limit is
    kept server-side so it holds however the cookie is kept.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and any(r in IDLE_ROLES for r in user_roles(user)):
            now = int(time.time())
            last = request.session.get(SESSION_ACTIVITY_KEY)
            if last is not None and now - int(last) > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                minutes = settings.SESSION_IDLE_TIMEOUT // 60
                messages.info(
                    request,
                    _("U bent uitgelogd na %(minutes)d minuten zonder activiteit. Log opnieuw in.")
                    % {"minutes": minutes},
                )
                return redirect(f"{resolve_url(settings.LOGIN_URL)}?next={request.get_full_path()}")
            if last is None or now - int(last) >= 30:
                request.session[SESSION_ACTIVITY_KEY] = now
        return self.get_response(request)


class SessionAbsoluteLifetimeMiddleware:
    """End every session SESSION_ABSOLUTE_LIFETIME seconds after its login, however active (ASVS 3.3.2).

    The idle timeout only covers the deciding roles, and browser close only what the browser does; this
    limit holds for every role, server-side. A session from before this limit existed (no login time) gets
    its clock started at its first request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            logged_in_at = request.session.get(SESSION_LOGIN_KEY)
            if logged_in_at is None:
                request.session[SESSION_LOGIN_KEY] = now
            elif now - int(logged_in_at) > settings.SESSION_ABSOLUTE_LIFETIME:
                logout(request)
                messages.info(
                    request,
                    _("U bent uitgelogd omdat u %(hours)d uur geleden bent ingelogd. Log opnieuw in.")
                    % {"hours": settings.SESSION_ABSOLUTE_LIFETIME // 3600},
                )
                return redirect(f"{resolve_url(settings.LOGIN_URL)}?next={request.get_full_path()}")
        return self.get_response(request)


@receiver(user_logged_in)
def restart_idle_clock(sender, request, user, **kwargs) -> None:
    """A fresh login starts a fresh idle period and a fresh absolute lifetime (login keeps the session's
    data for the same user)."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SESSION_ACTIVITY_KEY] = now
        request.session[SESSION_LOGIN_KEY] = now


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _over_limit(key: str, *, limit: int, window: int) -> bool:
    return over_limit(key, limit=limit, window=window)


class RateLimitedPasswordResetView(auth_views.PasswordResetView):
    """At most a few reset requests per address and per IP address per hour.

    Over the per-IP limit the page says so (429); over the per-address limit nothing more is sent, and the
    page looks the same as always, so it reveals nothing about which addresses exist.
    """

    def post(self, request, *args, **kwargs):
        window = settings.PASSWORD_RESET_RATE_WINDOW
        if _over_limit(
            f"pwreset:ip:{_client_ip(request)}", limit=settings.PASSWORD_RESET_RATE_IP, window=window
        ):
            return render(request, "registration/password_reset_limited.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = normalise_login(form.cleaned_data.get("email"))
        window = settings.PASSWORD_RESET_RATE_WINDOW
        if _over_limit(f"pwreset:email:{email}", limit=settings.PASSWORD_RESET_RATE_EMAIL, window=window):
            return redirect(self.get_success_url())
        return super().form_valid(form)
