"""Reads for the pipeline, all scoped by role and organisation (built on `fund.selectors`).

- fund manager of fund F: every application at F (drafts included: they may have been started on the
  enterprise's behalf), F's meetings;
- committee member of F: the applications on an agenda of F, F's meetings;
- investee of enterprise E: E's own applications, never internal data (notes, checks, scores, memo, votes);
- administrator: everything (read only).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from core.money import round_to, to_cents
from fund import selectors as fund_selectors
from fund.models import User

from .models import (
    APPROVED_STATUSES,
    DECIDED_STATUSES,
    PIPELINE_STAGES,
    AgendaItem,
    Application,
    ApplicationStatus,
    ConflictDeclaration,
    Meeting,
    ReferralSource,
)


def committee_fund_ids(user: User) -> set[int]:
    return fund_selectors.committee_fund_ids(user)


def applications_for(user: User) -> QuerySet[Application]:
    qs = Application.objects.select_related(
        "fund", "enterprise__organisation__municipality", "referral_partner__organisation"
    )
    if fund_selectors.is_administrator(user):
        return qs
    q = Q(fund_id__in=fund_selectors.managed_fund_ids(user))
    q |= Q(enterprise__organisation_id__in=fund_selectors.own_enterprise_organisation_ids(user))
    committee_funds = fund_selectors.committee_fund_ids(user)
    if committee_funds:
        q |= Q(
            pk__in=AgendaItem.objects.filter(meeting__fund_id__in=committee_funds).values("application_id")
        )
    return qs.filter(q)


def can_see_internal(user: User, application: Application) -> bool:
    """Notes, checks, due diligence, scores, memo and votes: fund staff of the fund and administrators.

    A committee member who declared a conflict of interest on the application loses access to all of it.
    """
    if fund_selectors.is_administrator(user):
        return True
    if application.fund_id in fund_selectors.managed_fund_ids(user):
        return True
    if application.fund_id in fund_selectors.committee_fund_ids(user):
        return not is_conflicted_on_application(user, application)
    return False


def is_conflicted_on_application(user: User, application: Application) -> bool:
    return ConflictDeclaration.objects.filter(
        item__application=application, member__user=user, has_conflict=True
    ).exists()


def meetings_for(user: User) -> QuerySet[Meeting]:
    qs = Meeting.objects.select_related("fund")
    if fund_selectors.is_administrator(user):
        return qs
    return qs.filter(fund_id__in=fund_selectors.staff_fund_ids(user))


def agenda_items_for(user: User) -> QuerySet[AgendaItem]:
    return AgendaItem.objects.filter(meeting__in=meetings_for(user)).select_related(
        "meeting__fund", "application__enterprise__organisation", "memo"
    )


def is_conflicted(user: User, item: AgendaItem) -> bool:
    return ConflictDeclaration.objects.filter(item=item, member__user=user, has_conflict=True).exists()


def conflicted_items(user: User, meeting: Meeting) -> set[int]:
    """The meeting's agenda items (pks) on which the user declared a conflict of interest."""
    return set(
        ConflictDeclaration.objects.filter(
            item__meeting=meeting, member__user=user, has_conflict=True
        ).values_list("item_id", flat=True)
    )


def can_see_votes(user: User, item: AgendaItem) -> bool:
    """Fund managers and administrators see the votes; a committee member only once they have declared
    having no conflict of interest on the item (so the votes cannot sway the declaration); investees never."""
    if not can_see_internal(user, item.application):
        return False
    if fund_selectors.is_administrator(user) or item.application.fund_id in fund_selectors.managed_fund_ids(
        user
    ):
        return True
    return ConflictDeclaration.objects.filter(item=item, member__user=user, has_conflict=False).exists()


# --------------------------------------------------------------------------------------------------
# Pipeline overview
# --------------------------------------------------------------------------------------------------


def pipeline_applications(
    *,
    user: User,
    fund_ids: set[int],
    theme: int | None = None,
    municipality: int | None = None,
    referral_source: str = "",
    stage: str = "",
) -> QuerySet[Application]:
    qs = applications_for(user).filter(fund_id__in=fund_ids)
    if theme:
        qs = qs.filter(themes=theme)
    if municipality:
        qs = qs.filter(enterprise__organisation__municipality_id=municipality)
    if referral_source:
        qs = qs.filter(referral_source=referral_source)
    if stage:
        qs = qs.filter(status=stage)
    return qs.distinct().order_by("status", "status_changed_at")


def stage_summary(applications: QuerySet[Application], *, now: datetime.datetime | None = None) -> list[dict]:
    """Per stage: count, requested amount (exact cents) and days in stage (average and oldest)."""
    now = now or timezone.now()
    rows = {
        stage: {"stage": ApplicationStatus(stage), "count": 0, "amount": Decimal("0.00"), "days": []}
        for stage in PIPELINE_STAGES
    }
    for application in applications.select_related(None).only(
        "status", "requested_amount", "requested_amount_currency", "status_changed_at"
    ):
        row = rows[application.status]
        row["count"] += 1
        if application.requested_amount is not None:
            row["amount"] += application.requested_amount.amount
        row["days"].append((now - application.status_changed_at).days)
    result = []
    for row in rows.values():
        days = row.pop("days")
        row["avg_days"] = round(sum(days) / len(days)) if days else None
        row["max_days"] = max(days) if days else None
        result.append(row)
    return result


def referral_conversion(applications: QuerySet[Application]) -> list[dict]:
    """Per referral source and partner: applications referred (beyond draft), approved, conversion %."""
    referred = (
        applications.exclude(status=ApplicationStatus.DRAFT)
        .values("referral_source", "referral_partner__organisation__name")
        .annotate(
            referred=Count("pk", distinct=True),
            approved=Count("pk", filter=Q(status__in=APPROVED_STATUSES), distinct=True),
        )
        .order_by("referral_source", "referral_partner__organisation__name")
    )
    rows = []
    for row in referred:
        pct = round_to(Decimal(row["approved"]) * 100 / row["referred"], 1) if row["referred"] else None
        source = row["referral_source"]
        rows.append(
            {
                "source": ReferralSource(source).label if source else "—",
                "partner": row["referral_partner__organisation__name"] or "",
                "referred": row["referred"],
                "approved": row["approved"],
                "pct": pct,
            }
        )
    return rows


def approved_amount(applications: QuerySet[Application]) -> Decimal:
    total = applications.filter(status__in=APPROVED_STATUSES).aggregate(total=Sum("requested_amount"))[
        "total"
    ]
    return to_cents(Decimal(str(total or 0)))


def next_steps(application: Application) -> list[dict]:
    """The stages after submission as the entrepreneur reads them: what happens, how long it usually takes,
    and which one the application is in now (an application on hold is in the stage it was held from)."""
    from django.utils.translation import gettext as _

    S = ApplicationStatus
    steps = [
        (
            S.SUBMITTED,
            _("Ontvangen"),
            _("Het fonds bevestigt de ontvangst en kijkt of alles compleet is."),
            _("enkele dagen"),
        ),
        (
            S.SCREENING,
            _("Eerste beoordeling"),
            _(
                "Past de aanvraag bij het fonds (regio, thema's, bedrag, vorm)? "
                "Het fonds kan u vragen stellen."
            ),
            _("1 à 2 weken"),
        ),
        (
            S.DUE_DILIGENCE,
            _("Grondig onderzoek"),
            _("Gesprekken, een bezoek, uw cijfers en uw impactplan; het fonds stelt de voorwaarden voor."),
            _("3 à 6 weken"),
        ),
        (
            S.COMMITTEE,
            _("Investeringscommissie"),
            _("Een onafhankelijke commissie besluit in haar eerstvolgende vergadering."),
            _("meestal binnen een maand"),
        ),
        (
            "decision",
            _("Besluit en contract"),
            _(
                "U hoort het besluit met de voorwaarden; na ondertekening en de opschortende voorwaarden "
                "volgt de uitbetaling."
            ),
            _("2 à 4 weken"),
        ),
    ]
    status = application.held_from_status if application.status == S.ON_HOLD else application.status
    order = [code for code, *_rest in steps]
    if status in DECIDED_STATUSES:
        position = order.index("decision")
    else:
        position = order.index(status) if status in order else -1
    return [
        {
            "title": title,
            "text": text,
            "duration": duration,
            "state": "done" if i < position else "current" if i == position else "upcoming",
        }
        for i, (_code, title, text, duration) in enumerate(steps)
    ]


FUNNEL_STAGES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SCREENING,
    ApplicationStatus.DUE_DILIGENCE,
    ApplicationStatus.COMMITTEE,
    ApplicationStatus.APPROVED,
)


def pipeline_funnel(applications: QuerySet[Application]) -> list[dict]:
    """The funnel: per stage, how many applications ever reached it (now there, past it, or stopped there
    and later rejected, withdrawn or put on hold) and the conversion from the stage before and from
    submission. The furthest stage comes from the status history (the audit trail): two queries in all."""
    from django.contrib.contenttypes.models import ContentType

    from fund.models import AuditEvent

    rank = {stage.value: index for index, stage in enumerate(FUNNEL_STAGES)}
    rank[ApplicationStatus.APPROVED_WITH_CONDITIONS.value] = rank[ApplicationStatus.APPROVED.value]
    furthest: dict[int, int] = {}
    for pk, status in applications.values_list("pk", "status"):
        if status in rank:
            furthest[pk] = rank[status]
        else:
            furthest.setdefault(pk, -1)
    history = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Application),
        object_id__in=[str(pk) for pk in furthest],
        to_state__in=list(rank),
    ).values_list("object_id", "to_state")
    for object_id, to_state in history:
        pk = int(object_id)
        furthest[pk] = max(furthest[pk], rank[to_state])
    rows = []
    for index, stage in enumerate(FUNNEL_STAGES):
        reached = sum(1 for value in furthest.values() if value >= index)
        rows.append({"stage": stage, "label": stage.label, "reached": reached})
    first = rows[0]["reached"]
    for index, row in enumerate(rows):
        before = rows[index - 1]["reached"] if index else None
        row["from_previous"] = (
            round_to(Decimal(row["reached"]) * 100 / before, 1) if index and before else None
        )
        row["from_submitted"] = round_to(Decimal(row["reached"]) * 100 / first, 1) if first else None
        row["width"] = max(2, round(row["reached"] * 100 / first)) if first and row["reached"] else 0
    return rows
