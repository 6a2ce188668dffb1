"""Domain errors carrying a user-facing message. Field problems use Django's ValidationError."""

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """A refused action, with a message fit to show the user."""

    def __init__(self, message, *, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


class TransitionError(ServiceError):
    """An illegal state change (e.g. closing a fund that is still being set up)."""

    def __init__(self, *, obj_label: str, from_state: str, to_state: str, allowed: list[str]):
        allowed_text = ", ".join(allowed) if allowed else str(_("geen"))
        super().__init__(
            _("%(obj)s kan niet van '%(from)s' naar '%(to)s'. Toegestaan vanuit '%(from)s': %(allowed)s.")
            % {"obj": obj_label, "from": from_state, "to": to_state, "allowed": allowed_text},
            code="illegal_transition",
        )


class PermissionDeniedError(ServiceError):
    def __init__(self, message=None):
        super().__init__(message or _("U heeft geen rechten voor deze actie."), code="permission_denied")
