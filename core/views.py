"""The form → service → message → redirect pattern, once.

    form = ContractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request, form,
            action=lambda data: services.contract_create(actor=request.user, **data),
            success_message=_("Contract aangemaakt."),
            success_url=lambda contract: contract.get_absolute_url(),
        )
        if done:
            return done
    return render(request, "…", {"form": form})

``run_action`` is the same for a POST without a form (a button): the refusal becomes an error message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect

from .errors import ApplicationError, apply_to_form, error_text

__all__ = ["run_action", "submit_form"]


def _resolve(target, result) -> str:
    return target(result) if callable(target) else target


def submit_form(
    request,
    form,
    *,
    action: Callable[[dict], Any],
    success_url: str | Callable[[Any], str],
    success_message: str | Callable[[Any], str] | None = None,
    rename: dict[str, str] | None = None,
) -> HttpResponse | None:
    """Run ``action(form.cleaned_data)``; redirect with a message, or put the refusal on the form and
    return None so the view renders the form again (nothing was written: services are atomic)."""
    try:
        result = action(form.cleaned_data)
    except (ApplicationError, ValidationError) as exc:
        apply_to_form(form, exc, rename=rename)
        return None
    if success_message:
        messages.success(request, _resolve(success_message, result))
    return redirect(_resolve(success_url, result))


def run_action(
    request,
    *,
    action: Callable[[], Any],
    success_url: str | Callable[[Any], str],
    success_message: str | Callable[[Any], str] | None = None,
    error_url: str | None = None,
) -> HttpResponse:
    """Run a form-less action (a button); a refusal becomes an error message on the page it came from."""
    try:
        result = action()
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, error_text(exc))
        return redirect(error_url or _resolve(success_url, None))
    if success_message:
        messages.success(request, _resolve(success_message, result))
    return redirect(_resolve(success_url, result))
