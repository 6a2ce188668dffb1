"""New passwords checked against Have I Been Pwned's Pwned Passwords (ASVS 2.1.7).

k-anonymity: only the first five hexadecimal characters of the password's SHA-1 leave the server
(``GET <BREACHED_PASSWORD_API_URL><prefix>`` with ``Add-Padding: true``, so the answer's size says nothing
either); the remaining 35 are compared here against the suffixes that come back.

When the service cannot be reached in time (``BREACHED_PASSWORD_TIMEOUT`` seconds) or answers something
unreadable, the password is let through and a warning is logged: a user must be able to set a password when
the service is down; the length, common-password and similarity validators still apply. Switched by
``BREACHED_PASSWORD_CHECK`` (on in production, off in the demo and the tests, which never use the network).

A small validator with the standard library rather than pwned-passwords-django: that package brings httpx
and its four dependencies into production, opens its HTTP clients at import time and falls back silently
to the common-password list with an error log; what is needed here is thirty lines.
"""

from __future__ import annotations

import hashlib
import logging
import urllib.request

from django.conf import settings
from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

logger = logging.getLogger(__name__)

USER_AGENT = "Impactfonds-password-check"


def _open(request: urllib.request.Request, *, timeout: float):
    """The one place that touches the network (tests replace it or point the URL at a local server)."""
    return urllib.request.urlopen(request, timeout=timeout)


def breach_count(password: str) -> int | None:
    """How often the password occurs in Pwned Passwords; None when the service could not answer."""
    digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
    prefix, suffix = digest[:5], digest[5:]
    request = urllib.request.Request(
        f"{settings.BREACHED_PASSWORD_API_URL}{prefix}",
        headers={"Add-Padding": "true", "User-Agent": USER_AGENT},
    )
    try:
        with _open(request, timeout=settings.BREACHED_PASSWORD_TIMEOUT) as response:
            body = response.read().decode("ascii", errors="replace")
    except (OSError, ValueError) as exc:  # URLError, HTTPError, timeouts and connection errors are OSErrors
        logger.warning(
            "Pwned Passwords not reachable (%s); the new password was accepted without the breach check.",
            exc.__class__.__name__,
        )
        return None
    for line in body.splitlines():
        line_suffix, _sep, count = line.strip().partition(":")
        if line_suffix.upper() == suffix:
            try:
                return int(count.replace(",", ""))
            except ValueError:
                logger.warning("Pwned Passwords answered an unreadable count; the password was accepted.")
                return None
    return 0


class BreachedPasswordValidator:
    """Refuses a new password that appears in a known data breach.

    Listed in AUTH_PASSWORD_VALIDATORS only when BREACHED_PASSWORD_CHECK is on (config/settings/base.py).
    """

    def validate(self, password: str, user=None) -> None:
        count = breach_count(password)
        if count:  # 0 (not found) and None (service unreachable) let the password through
            raise ValidationError(
                _(
                    "Dit wachtwoord komt voor in bekende datalekken en is daardoor niet veilig. "
                    "Kies een ander wachtwoord."
                ),
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return _("Uw wachtwoord mag niet voorkomen in bekende datalekken.")


class PasswordLengthValidator(MinimumLengthValidator):
    """Django's minimum length (12 here, ASVS 2.1.1) with its message in Dutch: Django 5.2 changed the
    message's text and its Dutch catalogue does not have the new one yet, so it would show in English."""

    def get_error_message(self) -> str:
        return ngettext(
            "Dit wachtwoord is te kort: gebruik ten minste %(min_length)d teken.",
            "Dit wachtwoord is te kort: gebruik ten minste %(min_length)d tekens.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "Uw wachtwoord moet ten minste %(min_length)d teken bevatten.",
            "Uw wachtwoord moet ten minste %(min_length)d tekens bevatten.",
            self.min_length,
        ) % {"min_length": self.min_length}
