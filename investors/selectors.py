"""Reads of the investors' money side, scoped per user (404 outside scope, as everywhere).

Fund staff (fund manager, committee member) see their funds' calls and distributions with every line; an
investor's users see only the lines of their own commitments, of calls that were issued and distributions
that were declared (never a draft, never another investor's line); administrators see everything.
"""

from __future__ import annotations

import datetime

from django.db.models import F, Q, QuerySet

from fund.models import User
from fund.selectors import is_administrator, managed_fund_ids, own_investor_organisation_ids, staff_fund_ids

from .models import (
    CallStatus,
    CapitalCall,
    CapitalCallLine,
    Distribution,
    DistributionLine,
    DistributionStatus,
    FundExpense,
    ManagementFeeCharge,
)

VISIBLE_CALL_STATUSES = (CallStatus.ISSUED, CallStatus.PAID)
VISIBLE_DISTRIBUTION_STATUSES = (DistributionStatus.DECLARED, DistributionStatus.PAID)


def _investor_orgs(user: User) -> set[int]:
    return own_investor_organisation_ids(user)


def calls_for(user: User) -> QuerySet[CapitalCall]:
    """Calls a user may see: staff of the fund (all), an investor (issued calls with a line of its own)."""
    qs = CapitalCall.objects.select_related("fund")
    if is_administrator(user):
        return qs
    q = Q(fund_id__in=staff_fund_ids(user))
    orgs = _investor_orgs(user)
    if orgs:
        q |= Q(
            pk__in=CapitalCallLine.objects.filter(
                commitment__investor__organisation_id__in=orgs, call__status__in=VISIBLE_CALL_STATUSES
            ).values("call_id")
        )
    return qs.filter(q)


def managed_calls_for(user: User) -> QuerySet[CapitalCall]:
    """Calls a user may change: fund managers of the fund, administrators."""
    qs = CapitalCall.objects.select_related("fund")
    return qs if is_administrator(user) else qs.filter(fund_id__in=managed_fund_ids(user))


def call_lines_for(user: User) -> QuerySet[CapitalCallLine]:
    """Call lines a user may see: staff all lines of their funds, an investor only its own (issued) lines."""
    qs = CapitalCallLine.objects.select_related("call__fund", "commitment__investor__organisation")
    if is_administrator(user):
        return qs
    q = Q(call__fund_id__in=staff_fund_ids(user))
    orgs = _investor_orgs(user)
    if orgs:
        q |= Q(commitment__investor__organisation_id__in=orgs, call__status__in=VISIBLE_CALL_STATUSES)
    return qs.filter(q)


def distributions_for(user: User) -> QuerySet[Distribution]:
    qs = Distribution.objects.select_related("fund")
    if is_administrator(user):
        return qs
    q = Q(fund_id__in=staff_fund_ids(user))
    orgs = _investor_orgs(user)
    if orgs:
        q |= Q(
            pk__in=DistributionLine.objects.filter(
                commitment__investor__organisation_id__in=orgs,
                distribution__status__in=VISIBLE_DISTRIBUTION_STATUSES,
            ).values("distribution_id")
        )
    return qs.filter(q)


def managed_distributions_for(user: User) -> QuerySet[Distribution]:
    qs = Distribution.objects.select_related("fund")
    return qs if is_administrator(user) else qs.filter(fund_id__in=managed_fund_ids(user))


def distribution_lines_for(user: User) -> QuerySet[DistributionLine]:
    qs = DistributionLine.objects.select_related("distribution__fund", "commitment__investor__organisation")
    if is_administrator(user):
        return qs
    q = Q(distribution__fund_id__in=staff_fund_ids(user))
    orgs = _investor_orgs(user)
    if orgs:
        q |= Q(
            commitment__investor__organisation_id__in=orgs,
            distribution__status__in=VISIBLE_DISTRIBUTION_STATUSES,
        )
    return qs.filter(q)


def fees_for(user: User) -> QuerySet[ManagementFeeCharge]:
    qs = ManagementFeeCharge.objects.select_related("fund")
    return qs if is_administrator(user) else qs.filter(fund_id__in=staff_fund_ids(user))


def expenses_for(user: User) -> QuerySet[FundExpense]:
    qs = FundExpense.objects.select_related("fund")
    return qs if is_administrator(user) else qs.filter(fund_id__in=staff_fund_ids(user))


def late_lines(lines: QuerySet[CapitalCallLine], *, as_of: datetime.date) -> QuerySet[CapitalCallLine]:
    """Lines of issued calls whose due date has passed and that are not fully received."""
    return lines.filter(call__status=CallStatus.ISSUED, call__due_date__lt=as_of, received__lt=F("amount"))
