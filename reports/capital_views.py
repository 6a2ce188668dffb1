"""The fund manager's capital accounts page: every investor's QTD / YTD / ITD and the reconciliation to NAV.

Read-only (reports.capital); fund staff only (`investors.view_capital`), 404 outside scope. The investor
portal's own pages are built on the same functions.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, error_text
from fund import selectors as fund_selectors
from investors.quarters import quarter_label, quarter_start

from . import capital

LINE_LABELS = {
    "contributions": _("Stortingen"),
    "distributions": _("Uitkeringen"),
    "management_fees": _("Beheervergoeding"),
    "fund_expenses": _("Fondskosten"),
    "income_interest": _("Opbrengst: rente"),
    "income_fees": _("Opbrengst: vergoedingen"),
    "income_outcomes": _("Opbrengst: resultaatfinanciering"),
    "realised": _("Gerealiseerd (afschrijvingen, terugontvangen)"),
    "unrealised": _("Ongerealiseerd (voorzieningen, herwaardering)"),
    "other": _("Overig"),
}


def _last_closed_quarter() -> str:
    """The last complete quarter before today."""
    start = quarter_start(timezone.localdate())
    previous = (
        start.replace(year=start.year - 1, month=10)
        if start.month == 1
        else start.replace(month=start.month - 3)
    )
    return quarter_label(previous)


@login_required
def capital_accounts_page(request, fund_pk: int):
    fund = fund_selectors.get_scoped_or_404(fund_selectors.funds_for(request.user), pk=fund_pk)
    if not request.user.has_perm("investors.view_capital", fund):
        raise Http404
    quarter = request.GET.get("quarter") or _last_closed_quarter()
    try:
        capital.parse_quarter(quarter)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        quarter = _last_closed_quarter()
    rows = capital.capital_accounts(fund=fund, quarter=quarter)
    reconciliation = capital.nav_reconciliation(fund=fund, quarter=quarter)
    accounts = [
        {
            "row": row,
            "lines": [
                (LINE_LABELS[name], getattr(row.qtd, name), getattr(row.ytd, name), getattr(row.itd, name))
                for name in capital.LINES
            ],
        }
        for row in rows
    ]
    return render(
        request,
        "reports/capital_accounts.html",
        {
            "fund": fund,
            "quarter": quarter,
            "accounts": accounts,
            "reconciliation": reconciliation,
            "reconciliation_lines": [(LINE_LABELS[line.line], line) for line in reconciliation.lines],
            "summary": capital.fund_capital_summary(fund=fund, quarter=quarter),
        },
    )
