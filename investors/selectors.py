"""Reads of the investors' money side, scoped per user (404 outside scope, as everywhere).

Fund staff (fund manager, committee member) see their funds' calls and distributions with every line; an
investor's users see only the lines of their own commitments, of calls that were issued and distributions
that were declared (never a draft, never another investor's line); administrators see everything.
"""

from __future__ import annotations

import datetime

from django.db.models import F, Q, QuerySet

from fund.models import Commitment, User
from fund.selectors import is_administrator, own_investor_organisation_ids, staff_fund_ids

from .models import (
    CallStatus,
    CapitalCall,
    CapitalCallLine,
    Distribution,
    DistributionLine,
    DistributionStatus,
    FundExpense,
    ManagementFeeCharge,
    PayablePayment,
)

VISIBLE_CALL_STATUSES = (CallStatus.ISSUED, CallStatus.PAID)
VISIBLE_DISTRIBUTION_STATUSES = (DistributionStatus.DECLARED, DistributionStatus.PAID)


def _lines_for(user: User, qs: QuerySet, *, fund_field: str, status_field: str, visible) -> QuerySet:
    """Lines of fund staff's funds, and an investor's own lines in a visible status (administrators: all)."""
    if is_administrator(user):
        return qs
    q = Q(**{f"{fund_field}__in": staff_fund_ids(user)})
    orgs = own_investor_organisation_ids(user)
    if orgs:
        q |= Q(commitment__investor__organisation_id__in=orgs, **{f"{status_field}__in": visible})
    return qs.filter(q)


def call_lines_for(user: User) -> QuerySet[CapitalCallLine]:
    """Call lines a user may see: staff all lines of their funds, an investor only its own (issued) lines."""
    return _lines_for(
        user,
        CapitalCallLine.objects.select_related("call__fund", "commitment__investor__organisation"),
        fund_field="call__fund_id",
        status_field="call__status",
        visible=VISIBLE_CALL_STATUSES,
    )


def distribution_lines_for(user: User) -> QuerySet[DistributionLine]:
    """Distribution lines: staff all of their funds, an investor only its own of declared distributions."""
    return _lines_for(
        user,
        DistributionLine.objects.select_related("distribution__fund", "commitment__investor__organisation"),
        fund_field="distribution__fund_id",
        status_field="distribution__status",
        visible=VISIBLE_DISTRIBUTION_STATUSES,
    )


def calls_for(user: User) -> QuerySet[CapitalCall]:
    """Calls a user may see: staff of the fund (all), an investor (issued calls with a line of its own)."""
    return CapitalCall.objects.select_related("fund").filter(pk__in=call_lines_for(user).values("call_id"))


def distributions_for(user: User) -> QuerySet[Distribution]:
    """Distributions a user may see: staff of the fund (all), an investor (declared, with its own line)."""
    return Distribution.objects.select_related("fund").filter(
        pk__in=distribution_lines_for(user).values("distribution_id")
    )


def fees_for(user: User) -> QuerySet[ManagementFeeCharge]:
    qs = ManagementFeeCharge.objects.select_related("fund")
    return qs if is_administrator(user) else qs.filter(fund_id__in=staff_fund_ids(user))


def expenses_for(user: User) -> QuerySet[FundExpense]:
    qs = FundExpense.objects.select_related("fund")
    return qs if is_administrator(user) else qs.filter(fund_id__in=staff_fund_ids(user))


def payable_payments_for(user: User) -> QuerySet[PayablePayment]:
    qs = PayablePayment.objects.select_related("fund")
    return qs if is_administrator(user) else qs.filter(fund_id__in=staff_fund_ids(user))


def commitments_for(user: User) -> QuerySet[Commitment]:
    """Commitments whose capital the user manages or reads as fund staff (administrators: all)."""
    qs = Commitment.objects.select_related("fund", "investor__organisation")
    return qs if is_administrator(user) else qs.filter(fund_id__in=staff_fund_ids(user))


def late_lines(lines: QuerySet[CapitalCallLine], *, as_of: datetime.date) -> QuerySet[CapitalCallLine]:
    """Lines of issued calls whose due date has passed and that are not fully received."""
    return lines.filter(call__status=CallStatus.ISSUED, call__due_date__lt=as_of, received__lt=F("amount"))
