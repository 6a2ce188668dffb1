from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils import timezone

from fund.selectors import get_scoped_or_404
from portfolio.selectors import contracts_for

from .loan_statement import loan_statement_pdf


@login_required
def loan_statement(request, pk: int):
    """The contract's statement as PDF, for whoever may see the contract (investee, fund staff)."""
    contract = get_scoped_or_404(
        contracts_for(request.user).select_related("enterprise__organisation"), pk=pk
    )
    pdf = loan_statement_pdf(contract=contract, as_of=timezone.localdate())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="leningoverzicht-{contract.reference}.pdf"'
    return response
