"""One error family and one mapping of it to forms, messages and API responses.

Services raise ``ApplicationError`` (or a subclass) with a message fit for the user, optionally naming the
field it is about; Django's ``ValidationError`` (field errors from ``full_clean``) is mapped the same way.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ApplicationError",
    "PermissionDeniedError",
    "TransitionError",
    "apply_to_form",
    "error_dict",
    "error_text",
]


class ApplicationError(Exception):
    """A refused action, with a message fit to show the user (and the field it concerns, if any)."""

    def __init__(self, message, *, code: str = "refused", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class TransitionError(ApplicationError):
    """An illegal state change, naming where it came from, where it tried to go and what is allowed."""

    def __init__(self, *, obj_label: str, from_state: str, to_state: str, allowed: list[str]):
        allowed_text = ", ".join(str(a) for a in allowed) if allowed else str(_("geen"))
        super().__init__(
            _("%(obj)s kan niet van '%(from)s' naar '%(to)s'. Toegestaan vanuit '%(from)s': %(allowed)s.")
            % {"obj": obj_label, "from": from_state, "to": to_state, "allowed": allowed_text},
            code="illegal_transition",
        )


class PermissionDeniedError(ApplicationError):
    def __init__(self, message=None):
        super().__init__(message or _("U heeft geen rechten voor deze actie."), code="permission_denied")


def error_dict(exc: Exception) -> dict[str, list[str]]:
    """{field or "__all__": [messages]} for an ApplicationError or a ValidationError."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        return {"__all__": [str(m) for m in exc.messages]}
    if isinstance(exc, ApplicationError):
        return {exc.field or "__all__": [str(exc.message)]}
    return {"__all__": [str(exc)]}


def error_text(exc: Exception) -> str:
    """All messages of an error as one sentence-per-message text (for flash messages)."""
    return " ".join(message for messages in error_dict(exc).values() for message in messages)


def apply_to_form(form, exc: Exception, *, rename: dict[str, str] | None = None) -> None:
    """Put a refusal onto a form: field errors on their field, anything else on top."""
    for field, messages in error_dict(exc).items():
        field = (rename or {}).get(field, field)
        form.add_error(field if field in form.fields else None, messages)


def api_exception_handler(exc, context):
    """DRF's exception handler for the whole API: Django's ValidationError → 400 with its field messages,
    ApplicationError → 400 {"detail": [message], "code": …} (or under its field), permissions → 403."""
    from rest_framework import exceptions
    from rest_framework.views import exception_handler

    if isinstance(exc, PermissionDeniedError | PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) if str(exc) else None)
    elif isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    elif isinstance(exc, ApplicationError):
        exc = exceptions.ValidationError({exc.field or "detail": [str(exc)], "code": exc.code})
    elif isinstance(exc, exceptions.Throttled):
        wait = exc.wait
        exc = exceptions.Throttled(detail=throttled_message(wait))
        exc.wait = wait  # DRF turns it into the Retry-After header
    return exception_handler(exc, context)


def throttled_message(wait: float | None) -> str:
    """The 429 answer of the API, in Dutch: too many requests, and when to try again."""
    from math import ceil

    from django.utils.translation import gettext, ngettext

    if wait is None:
        return gettext("Te veel verzoeken met deze API-sleutel of dit account. Probeer het later opnieuw.")
    seconds = max(1, ceil(wait))
    return ngettext(
        "Te veel verzoeken met deze API-sleutel of dit account. Probeer het over %(seconds)d seconde "
        "opnieuw.",
        "Te veel verzoeken met deze API-sleutel of dit account. Probeer het over %(seconds)d seconden "
        "opnieuw.",
        seconds,
    ) % {"seconds": seconds}
