"""What the reports pages show, assembled from the read side (capital accounts, portfolio, impact).

Reads only: the investor portal of one commitment (only that investor's own figures, and the fund's
published key figures), the fund manager's quarter (capital accounts per investor and the reconciliation to
NAV), the close preview and the publication's recipients. Callers have fetched fund/commitment in scope.
"""

from __future__ import annotations

from decimal import Decimal

from core.documents import document_url, documents_latest_by_kind
from core.formats import format_date, format_number
from fund.models import Commitment, Fund, Membership, Role
from portfolio.ledger import closed_through
from portfolio.models import JournalEntry
from portfolio.selectors import fund_nav, portfolio_at_risk

from .capital import fund_capital, fund_capital_summary, nav_reconciliation
from .models import ItemStatus, QuarterlyReport, ReportBatch
from .quarters import quarter_bounds

ZERO = Decimal("0.00")


def _value(obj, name: str):
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def quarter_reconciliation(*, fund: Fund, quarter: str):
    """The investors' ending balances against the fund's NAV (the per-investor page is capital_views')."""
    if not fund.commitments.exists():
        return None
    return nav_reconciliation(fund=fund, quarter=quarter)


def close_preview(*, fund: Fund, quarter: str) -> dict:
    start, end = quarter_bounds(quarter)
    return {
        "closed_through": closed_through(fund=fund),
        "entries": JournalEntry.objects.filter(fund=fund, value_date__range=(start, end)).count(),
        "nav": fund_nav(fund=fund, as_of=end),
    }


def investor_emails(investor_organisation_ids) -> dict[int, list[str]]:
    emails: dict[int, list[str]] = {}
    for organisation_id, email in (
        Membership.objects.filter(
            role=Role.INVESTOR,
            organisation_id__in=investor_organisation_ids,
            is_active=True,
            user__is_active=True,
        )
        .order_by("user__email")
        .values_list("organisation_id", "user__email")
    ):
        emails.setdefault(organisation_id, []).append(email)
    return emails


def publish_recipients(batch: ReportBatch) -> list[dict]:
    items = list(batch.items.filter(status=ItemStatus.DONE).select_related("report__investor__organisation"))
    emails = investor_emails([item.report.investor.organisation_id for item in items])
    return [
        {"investor": item.report.investor, "emails": emails.get(item.report.investor.organisation_id, [])}
        for item in items
    ]


def home_rows(commitments: list[Commitment]) -> list[dict]:
    reports = QuarterlyReport.objects.filter(
        published_document__isnull=False,
        fund_id__in=[c.fund_id for c in commitments],
        investor_id__in=[c.investor_id for c in commitments],
    ).order_by("-quarter")
    latest: dict[tuple[int, int], QuarterlyReport] = {}
    for report in reports:
        latest.setdefault((report.fund_id, report.investor_id), report)
    return [{"commitment": c, "latest": latest.get((c.fund_id, c.investor_id))} for c in commitments]


def history_chart(points: list[tuple], *, width: int = 640, height: int = 240) -> dict | None:
    """An SVG line chart of paid-in vs value per quarter end, drawn on the server (a table goes beside it)."""
    if len(points) < 2:
        return None
    left, right, top, bottom = 80, 16, 16, 40
    top_value = max(max(p[1], p[2]) for p in points) or Decimal(1)
    step = (width - left - right) / (len(points) - 1)

    def y(value) -> float:
        return round(top + (height - top - bottom) * (1 - float(value / top_value)), 1)

    def line(index: int) -> str:
        return " ".join(f"{round(left + i * step, 1)},{y(p[index])}" for i, p in enumerate(points))

    ticks = [top_value * Decimal(k) / 4 for k in range(5)]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "bottom": height - bottom,
        "paid_in": line(1),
        "nav": line(2),
        "ticks": [{"y": y(t), "label": "€ " + format_number(t, 0)} for t in ticks],
        "labels": [
            {"x": round(left + i * step, 1), "label": format_date(p[0])}
            for i, p in enumerate(points)
            if len(points) <= 6 or i % 2 == (len(points) - 1) % 2
        ],
    }


def _investor_moves(*, user, commitment: Commitment) -> dict:
    """The investor's own call and distribution lines (never another investor's), with their notices.

    Lines come through the investors app's scoped selectors, narrowed to this one commitment (which the
    caller fetched in scope): an investor sees its issued lines, the fund's manager what the investor sees."""
    from investors import selectors as investor_selectors
    from investors.notices import CALL_NOTICE, DISTRIBUTION_NOTICE

    call_lines = list(
        investor_selectors.call_lines_for(user)
        .filter(commitment=commitment, call__status__in=investor_selectors.VISIBLE_CALL_STATUSES)
        .select_related(None)  # the page shows the call of each line, never its fund or investor
        .select_related("call")
        .order_by("-call__notice_date", "-call__number")
    )
    distribution_lines = list(
        investor_selectors.distribution_lines_for(user)
        .filter(
            commitment=commitment, distribution__status__in=investor_selectors.VISIBLE_DISTRIBUTION_STATUSES
        )
        .select_related(None)
        .select_related("distribution")
        .order_by("-distribution__date", "-distribution__number")
    )
    notices = []
    latest = documents_latest_by_kind(
        subjects={CALL_NOTICE: call_lines, DISTRIBUTION_NOTICE: distribution_lines}
    )
    for line, kind, when in [(line, CALL_NOTICE, line.call.notice_date) for line in call_lines] + [
        (line, DISTRIBUTION_NOTICE, line.distribution.date) for line in distribution_lines
    ]:
        document = latest[kind].get(line.pk)
        line.notice_url = document_url(document) if document else ""
        if document:
            notices.append({"label": document.filename, "url": line.notice_url, "date": when})
    return {"call_lines": call_lines, "distribution_lines": distribution_lines, "notices": notices}


def commitment_page(*, user, commitment: Commitment, quarter: str | None) -> dict:
    """The portal page of one commitment: only published quarters; only this investor's own figures."""
    fund = commitment.fund
    reports = list(
        QuarterlyReport.objects.filter(
            fund=fund, investor=commitment.investor, published_document__isnull=False
        )
        .select_related("published_document")
        .defer("published_document__content")  # the PDFs' bytes: only the download reads them
        .order_by("-quarter")
    )
    quarters = [r.quarter for r in reports]
    context: dict = {"commitment": commitment, "fund": fund, "reports": reports, "quarters": quarters}
    if quarter not in quarters:
        quarter = quarters[0] if quarters else None
    context["quarter"] = quarter
    context.update(_investor_moves(user=user, commitment=commitment))
    if quarter is None:
        return context
    start, end = quarter_bounds(quarter)
    capital = fund_capital(fund=fund, quarter=quarter)  # one read of the ledger for the three below
    row = next((r for r in capital.rows if r.commitment.pk == commitment.pk), None)
    history = capital.histories.get(commitment.pk, [])
    summary = fund_capital_summary(
        fund=fund, quarter=quarter, rows=capital.rows, cash_flows=capital.cash_flows
    )
    context.update(
        {
            "start": start,
            "end": end,
            "row": row,
            "lines": _capital_lines(row) if row else [],
            "history": history,
            "chart": history_chart(history),
            "summary": {
                name: _value(summary, name)
                for name in ("commitments", "paid_in", "distributed", "nav", "irr", "tvpi", "dpi", "rvpi")
            },
            "par30": portfolio_at_risk(fund=fund, as_of=end, days=30),
            "impact": _impact_rows(fund=fund, quarter=quarter),
            "documents": [
                {
                    "quarter": r.quarter,
                    "report": r,
                    "published_at": r.published_at,
                    "url": document_url(r.published_document),
                }
                for r in reports
            ],
        }
    )
    return context


def _capital_lines(row) -> list[dict]:
    from django.utils.translation import gettext as _

    from .labels import CAPITAL_LINES

    return [
        {
            "label": _(label),
            "qtd": getattr(row.qtd, field),
            "ytd": getattr(row.ytd, field),
            "itd": getattr(row.itd, field),
            "total": field == "ending_balance",
        }
        for field, label in CAPITAL_LINES
    ]


def _impact_rows(*, fund: Fund, quarter: str) -> list[dict]:
    from impactmeasurement.selectors import portfolio_impact_rows

    return [r for r in portfolio_impact_rows(fund=fund, period=quarter) if r["actual"] is not None]
