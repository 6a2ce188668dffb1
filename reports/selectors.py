"""Reads of the reports app, scoped by user: who sees which fund's reports, which investor portal and which
published quarterly reports. Every view starts here (404 outside scope)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from fund import selectors as fund_selectors
from fund.models import Commitment, Fund, User

from .models import BatchStatus, ManagerLetter, QuarterlyReport, ReportBatch, ReportBatchItem, Spotlight


def managed_funds_for(user: User) -> QuerySet[Fund]:
    """Funds whose reports the user makes (administrators: every fund)."""
    funds = fund_selectors.funds_for(user)
    if fund_selectors.is_administrator(user):
        return funds
    return funds.filter(pk__in=fund_selectors.managed_fund_ids(user))


def batches_for(user: User) -> QuerySet[ReportBatch]:
    return ReportBatch.objects.filter(fund__in=managed_funds_for(user)).select_related("fund", "created_by")


def own_commitments_for(user: User) -> QuerySet[Commitment]:
    """The commitments of the investors the user works for: what the investor portal shows."""
    return (
        Commitment.objects.filter(
            investor__organisation_id__in=fund_selectors.own_investor_organisation_ids(user)
        )
        .select_related("fund__manager__organisation", "investor__organisation")
        .order_by("fund__name", "investor__organisation__name")
    )


def portal_commitments_for(user: User) -> QuerySet[Commitment]:
    """Commitments whose portal page the user may open: its own, and (to see what the investor sees) those
    of the funds the user manages."""
    if fund_selectors.is_administrator(user):
        return Commitment.objects.select_related("fund", "investor__organisation")
    managed = fund_selectors.managed_fund_ids(user)
    own = fund_selectors.own_investor_organisation_ids(user)
    return Commitment.objects.filter(
        Q(fund_id__in=managed) | Q(investor__organisation_id__in=own)
    ).select_related("fund__manager__organisation", "investor__organisation")


def published_reports_for(user: User) -> QuerySet[QuarterlyReport]:
    """Published quarterly reports the user may download: its investors' own, or its funds' (manager)."""
    reports = QuarterlyReport.objects.filter(published_document__isnull=False).select_related(
        "fund", "investor__organisation", "published_document"
    )
    if fund_selectors.is_administrator(user):
        return reports
    return reports.filter(
        Q(fund_id__in=fund_selectors.managed_fund_ids(user))
        | Q(investor__organisation_id__in=fund_selectors.own_investor_organisation_ids(user))
    )


def can_view_quarterly_report(user, report: QuarterlyReport) -> bool:
    """core.documents' download check: the fund's managers always; the investor's users once published."""
    if not getattr(user, "is_authenticated", False):
        return False
    if managed_funds_for(user).filter(pk=report.fund_id).exists():
        return True
    return (
        report.published_document_id is not None
        and report.investor.organisation_id in fund_selectors.own_investor_organisation_ids(user)
    )


def can_view_quarterly_version(user, report: QuarterlyReport, document) -> bool:
    """Which version: the fund's managers any (they check a new version before publishing it); the
    investor's users only a version that was published to them — never a newer one still unpublished."""
    if managed_funds_for(user).filter(pk=report.fund_id).exists():
        return True
    if report.published_document_id == document.pk:
        return True
    return ReportBatchItem.objects.filter(
        report=report, document=document, batch__status=BatchStatus.PUBLISHED
    ).exists()


def published_quarters(*, fund: Fund) -> list[str]:
    """Quarters of which the fund has published a batch, newest first."""
    return list(
        ReportBatch.objects.filter(fund=fund, status=BatchStatus.PUBLISHED)
        .order_by("-quarter")
        .values_list("quarter", flat=True)
        .distinct()
    )


def report_content(*, fund: Fund, quarter: str) -> tuple[ManagerLetter | None, Spotlight | None]:
    return (
        ManagerLetter.objects.filter(fund=fund, quarter=quarter).first(),
        Spotlight.objects.filter(fund=fund, quarter=quarter)
        .select_related("enterprise__organisation")
        .first(),
    )
