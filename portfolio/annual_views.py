"""The yearly interest statement (jaaropgave): made on the contract page, downloaded as a stored document."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.views import run_action
from fund import selectors as fund_selectors

from . import selectors
from .annual_statements import annual_statement_store, may_make_annual_statement


@login_required
@require_POST
def annual_statement_make(request, pk: int):
    """Store the jaaropgave of the chosen year (again: only a changed one, and only with a reason)."""
    contract = fund_selectors.get_scoped_or_404(selectors.contracts_for(request.user), pk=pk)
    if not may_make_annual_statement(request.user, contract):
        raise Http404  # committee members see the contract, not the enterprise's statements
    back = reverse("contract_detail", args=[contract.pk]) + "#jaaropgaven"
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        messages.error(request, _("Jaar: kies een jaar uit de lijst."))
        return redirect(back)
    return run_action(
        request,
        action=lambda: annual_statement_store(
            actor=request.user, contract=contract, year=year, reason=request.POST.get("reason", "")
        ),
        success_message=lambda document: (
            _("Jaaropgave %(year)s staat klaar (versie %(version)s).")
            % {"year": year, "version": document.version}
        ),
        success_url=back,
    )
