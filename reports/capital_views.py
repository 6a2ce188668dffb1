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
from django.utils.translation import gettext as _

from core.errors import ApplicationError, error_text
from fund import selectors as fund_selectors
from investors.quarters import quarter_label, quarter_start

from . import capital
from .labels import LINE_LABELS, RECONCILIATION_LINES


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
                (_(LINE_LABELS[name]), getattr(row.qtd, name), getattr(row.ytd, name), getattr(row.itd, name))
                for name in capital.LINES
            ],
            "reconciliation": [
                (_(label), getattr(row.reconciliation, name), name == "ending_unfunded")
                for name, label in RECONCILIATION_LINES
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
            "reconciliation_lines": [(_(LINE_LABELS[line.line]), line) for line in reconciliation.lines],
            "opening_label": _(LINE_LABELS["beginning_balance"]),
            "ending_label": _(LINE_LABELS["ending_balance"]),
            "summary": capital.fund_capital_summary(fund=fund, quarter=quarter),
        },
    )
