"""Require a verified TOTP device for the roles that decide about money, when settings say so."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from .models import TWO_FACTOR_ROLES, Role
from .selectors import user_roles

EXEMPT_URL_NAMES = {"two_factor_setup", "two_factor_verify", "logout", "set_language"}


def requires_two_factor(user) -> bool:
    """Roles that decide about money, the administrator and every account that can open /admin/."""
    if not settings.REQUIRE_2FA:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return any(role in (*TWO_FACTOR_ROLES, Role.ADMINISTRATOR) for role in user_roles(user))


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        # whether the role needs 2FA first: cheap (the memberships are read for the request anyway), while
        # resolving the URL for the exemptions is not, and most requests need neither (issue 15, load test)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and requires_two_factor(user)
        ):
            match = getattr(request, "resolver_match", None) or _resolve(request.path_info)
            exempt = match is not None and (
                match.url_name in EXEMPT_URL_NAMES or request.path_info.startswith(settings.STATIC_URL)
            )
            if not exempt:
                if request.path_info.startswith("/api/"):
                    from django.http import JsonResponse

                    return JsonResponse(
                        {"detail": "Twee-factorauthenticatie vereist: log in via de website."}, status=403
                    )
                return redirect(f"{reverse('two_factor_verify')}?next={request.get_full_path()}")
        return self.get_response(request)


def _resolve(path: str):
    from django.urls import Resolver404, resolve

    try:
        return resolve(path)
    except Resolver404:
        return None


class DutchFirstMiddleware:
    """Dutch unless the user chose otherwise: the browser's Accept-Language is ignored.

    Many Dutch officials run an English-language browser; the interface must still open in Dutch.
    English stays one click away (the header switch sets the language cookie, which LocaleMiddleware reads).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
