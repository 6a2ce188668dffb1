"""Who may see what: the one place that scopes every queryset by role and organisation.

Every view, form choice list, API endpoint, export and download starts from one of the `*_for(user)`
functions below; an object outside that queryset answers 404. Later apps add their own `*_for` functions
built on `fund_ids_for` / `enterprise_ids_for` so the rule stays in one place.

Scope per role (a user may hold several memberships; their scopes add up):
- administrator: everything;
- fund manager / committee member of fund F: fund F, the enterprises related to F, F's investors
  (committed capital), F's manager organisation and the governments of F's region;
- investee of enterprise E: E itself and the funds E can apply to (E's municipality in the region) or is
  related to;
- municipal official of municipality M: M's government organisation, the funds whose region includes M and
  the enterprises located in M;
- investor I: I itself and the funds I has committed capital to.
"""

from __future__ import annotations

import datetime

from django.db import connections
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from . import stateaid
from .models import (
    AuditEvent,
    Commitment,
    Enterprise,
    EnterpriseRelation,
    EuBaseRate,
    Fund,
    FundStatus,
    Investor,
    Membership,
    Organisation,
    ReferenceRateMargin,
    ReferralPartner,
    Role,
    SocialLabel,
    User,
)

ROLE_ORDER = [
    Role.ADMINISTRATOR,
    Role.FUND_MANAGER,
    Role.COMMITTEE_MEMBER,
    Role.MUNICIPAL_OFFICIAL,
    Role.INVESTEE,
    Role.INVESTOR,
]


def active_memberships(user: User) -> list[Membership]:
    """The user's active memberships, cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_active_memberships", None)
    if cached is None:
        cached = user._active_memberships = _load_memberships(user.pk)
    return cached


_MEMBERSHIP_SQL = None


def _load_memberships(user_id: int) -> list[Membership]:
    """Read on every request, so one plain statement instead of the ORM (which took a millisecond to compile
    it and build the rows, more than PostgreSQL took to run it; issue 15, the load test). Only what the scope
    and the top bar use is loaded: ids, the fund's name and code, the organisation's municipality; the other
    columns are deferred, as `.only()` would leave them. tests/fund/test_selectors.py compares it with the ORM
    query it replaces."""
    global _MEMBERSHIP_SQL
    if _MEMBERSHIP_SQL is None:
        _MEMBERSHIP_SQL = (
            "SELECT m.id, m.role, m.fund_id, m.organisation_id, f.name, f.code, o.municipality_government_id "
            f"FROM {Membership._meta.db_table} m "
            f"LEFT JOIN {Fund._meta.db_table} f ON f.id = m.fund_id "
            f"LEFT JOIN {Organisation._meta.db_table} o ON o.id = m.organisation_id "
            "WHERE m.user_id = %s AND m.is_active = %s ORDER BY m.id"
        )
    db = Membership.objects.db
    fund_cache, organisation_cache = Membership.fund.field, Membership.organisation.field
    memberships = []
    with connections[db].cursor() as cursor:
        cursor.execute(_MEMBERSHIP_SQL, [user_id, True])
        rows = cursor.fetchall()
    for pk, role, fund_id, organisation_id, fund_name, fund_code, government_id in rows:
        membership = Membership.from_db(
            db,
            ("id", "user_id", "role", "fund_id", "organisation_id", "is_active"),
            (pk, user_id, role, fund_id, organisation_id, True),
        )
        fund_cache.set_cached_value(
            membership,
            Fund.from_db(db, ("id", "name", "code"), (fund_id, fund_name, fund_code)) if fund_id else None,
        )
        organisation_cache.set_cached_value(
            membership,
            Organisation.from_db(db, ("id", "municipality_government_id"), (organisation_id, government_id))
            if organisation_id
            else None,
        )
        memberships.append(membership)
    return memberships


def user_roles(user: User) -> list[Role]:
    """The user's roles, most powerful first."""
    roles = {Role(m.role) for m in active_memberships(user)}
    if user.is_authenticated and user.is_superuser:
        roles.add(Role.ADMINISTRATOR)
    return [role for role in ROLE_ORDER if role in roles]


def is_administrator(user: User) -> bool:
    return Role.ADMINISTRATOR in user_roles(user)


def _fund_ids(user: User, *roles: Role) -> set[int]:
    return {m.fund_id for m in active_memberships(user) if m.role in roles and m.fund_id}


def _organisation_ids(user: User, role: Role) -> set[int]:
    return {m.organisation_id for m in active_memberships(user) if m.role == role}


def membership_funds(user: User, *roles: Role) -> list[Fund]:
    """The funds of the user's active memberships in these roles, each once, from the memberships already
    loaded for the request (no query): what the top bar lists on every page."""
    funds = {m.fund_id: m.fund for m in active_memberships(user) if m.role in roles and m.fund_id}
    return list(funds.values())


def managed_fund_ids(user: User) -> set[int]:
    """Funds where the user is a fund manager (may change them)."""
    return _fund_ids(user, Role.FUND_MANAGER)


def committee_fund_ids(user: User) -> set[int]:
    """Funds where the user holds the committee-member role."""
    return _fund_ids(user, Role.COMMITTEE_MEMBER)


def staff_fund_ids(user: User) -> set[int]:
    """Funds where the user works inside the fund: fund manager or committee member."""
    return _fund_ids(user, Role.FUND_MANAGER, Role.COMMITTEE_MEMBER)


def own_enterprise_organisation_ids(user: User) -> set[int]:
    return _organisation_ids(user, Role.INVESTEE)


def own_investor_organisation_ids(user: User) -> set[int]:
    return _organisation_ids(user, Role.INVESTOR)


def own_municipality_ids(user: User) -> set[int]:
    return {
        m.organisation.municipality_government_id
        for m in active_memberships(user)
        if m.role == Role.MUNICIPAL_OFFICIAL and m.organisation.municipality_government_id
    }


def official_organisation_ids(user: User) -> set[int]:
    return _organisation_ids(user, Role.MUNICIPAL_OFFICIAL)


# --------------------------------------------------------------------------------------------------
# Scoped querysets
# --------------------------------------------------------------------------------------------------


def funds_for(user: User) -> QuerySet[Fund]:
    qs = Fund.objects.all()
    if is_administrator(user):
        return qs
    staff_funds = staff_fund_ids(user)
    enterprise_orgs = own_enterprise_organisation_ids(user)
    municipalities = own_municipality_ids(user)
    investor_orgs = own_investor_organisation_ids(user)
    if not (enterprise_orgs or municipalities or investor_orgs):
        # staff only (fund managers, committee members): the funds are the memberships' own, no subquery
        # to compile on every request
        return qs.filter(pk__in=sorted(staff_funds))
    q = Q(pk__in=staff_funds)
    if enterprise_orgs:
        q |= Q(enterprise_relations__enterprise__organisation_id__in=enterprise_orgs)
        q |= Q(
            region__in=Organisation.objects.filter(pk__in=enterprise_orgs).values("municipality_id"),
            status=FundStatus.INVESTING,
        )
    if municipalities:
        q |= Q(region__in=municipalities)
    if investor_orgs:
        q |= Q(commitments__investor__organisation_id__in=investor_orgs)
    return qs.filter(pk__in=Fund.objects.filter(q).values("pk"))


def fund_ids_for(user: User) -> QuerySet:
    return funds_for(user).values("pk")


def enterprises_for(user: User) -> QuerySet[Enterprise]:
    qs = Enterprise.objects.select_related("organisation", "organisation__municipality")
    if is_administrator(user):
        return qs
    q = Q(organisation_id__in=own_enterprise_organisation_ids(user))
    staff_funds = staff_fund_ids(user)
    if staff_funds:
        q |= Q(pk__in=EnterpriseRelation.objects.filter(fund_id__in=staff_funds).values("enterprise_id"))
    municipalities = own_municipality_ids(user)
    if municipalities:
        q |= Q(organisation__municipality_id__in=municipalities)
    return qs.filter(q)


def organisations_for(user: User) -> QuerySet[Organisation]:
    qs = Organisation.objects.select_related("municipality")
    if is_administrator(user):
        return qs
    q = Q(pk__in=own_enterprise_organisation_ids(user) | own_investor_organisation_ids(user))
    q |= Q(pk__in=official_organisation_ids(user))
    q |= Q(pk__in=enterprises_for(user).values("organisation_id"))
    staff_funds = staff_fund_ids(user)
    if staff_funds:
        q |= Q(pk__in=Commitment.objects.filter(fund_id__in=staff_funds).values("investor__organisation_id"))
        q |= Q(pk__in=Fund.objects.filter(pk__in=staff_funds).values("manager__organisation_id"))
        q |= Q(
            municipality_government_id__in=Fund.region.through.objects.filter(fund_id__in=staff_funds).values(
                "municipality_id"
            )
        )
        q |= Q(pk__in=ReferralPartner.objects.values("organisation_id"))
    # Every branch is a subquery on the organisation's own columns, with no join that could repeat a row: one
    # plain WHERE that PostgreSQL plans in well under a millisecond (the joins through the fund's region
    # and the referral partner took it 13 ms to plan for a fund manager of 20 funds, issue 15).
    return qs.filter(q)


def investors_for(user: User) -> QuerySet[Investor]:
    return Investor.objects.filter(organisation__in=organisations_for(user)).select_related("organisation")


def commitments_for(user: User) -> QuerySet[Commitment]:
    qs = Commitment.objects.select_related("fund", "investor__organisation")
    if is_administrator(user):
        return qs
    return qs.filter(
        Q(fund_id__in=staff_fund_ids(user))
        | Q(investor__organisation_id__in=own_investor_organisation_ids(user))
    )


def social_labels_for(user: User) -> QuerySet[SocialLabel]:
    return SocialLabel.objects.filter(enterprise__in=enterprises_for(user))


def audit_events_for(*, user: User, obj) -> QuerySet[AuditEvent]:
    """An object's history; callers have already fetched `obj` through a scoped queryset."""
    return AuditEvent.objects.for_object(obj).select_related("actor")


def get_scoped_or_404(queryset: QuerySet, **lookup):
    return get_object_or_404(queryset, **lookup)


# --------------------------------------------------------------------------------------------------
# Dashboards
# --------------------------------------------------------------------------------------------------


def fund_overview(*, user: User) -> list[Fund]:
    """The user's funds by name, each with `region_count`, `enterprise_count` and `investor_count`.

    The counts come from one plain grouped query over the funds shown: on a dashboard or the fund list for
    every request, where three correlated subqueries cost more to compile than to run.
    """
    from django.db import connection

    funds = list(funds_for(user).select_related("manager__organisation").order_by("name"))
    if not funds:
        return funds
    ids = [fund.pk for fund in funds]
    marks = ", ".join(["%s"] * len(ids))
    counted = {
        "region_count": Fund.region.through._meta.db_table,
        "enterprise_count": EnterpriseRelation._meta.db_table,
        "investor_count": Commitment._meta.db_table,
    }
    sql = " UNION ALL ".join(
        f"SELECT '{name}', fund_id, COUNT(*) FROM {table} WHERE fund_id IN ({marks}) GROUP BY fund_id"
        for name, table in counted.items()
    )
    counts = {(name, fund_id): n for name, fund_id, n in _rows(connection, sql, ids * len(counted))}
    for fund in funds:
        for name in counted:
            setattr(fund, name, counts.get((name, fund.pk), 0))
    return funds


def _rows(connection, sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --------------------------------------------------------------------------------------------------
# De minimis state aid: reference data (issue 17)
# --------------------------------------------------------------------------------------------------


def eu_base_rate_on(on: datetime.date) -> EuBaseRate | None:
    """The EU base rate for the Netherlands valid on a date (the latest one from before it)."""
    return EuBaseRate.objects.filter(valid_from__lte=on).order_by("-valid_from").first()


def reference_margin_bp_on(*, on: datetime.date, rating: str, collateral: str) -> int | None:
    row = (
        ReferenceRateMargin.objects.filter(rating=rating, collateral=collateral, valid_from__lte=on)
        .order_by("-valid_from")
        .first()
    )
    return row.margin_bp if row else None


def aid_rates_on(*, on: datetime.date, rating: str = "", collateral: str = "") -> stateaid.AidRates | None:
    """Reference and discount rates on a date for a rating and collateral level; a missing rating or
    collateral takes the communication's floor for undertakings without credit history (weak / normal,
    400 bp). None when the administrator has recorded no base rate or margin for that date."""
    base = eu_base_rate_on(on)
    margin = reference_margin_bp_on(
        on=on, rating=rating or stateaid.DEFAULT_RATING, collateral=collateral or stateaid.DEFAULT_COLLATERAL
    )
    if base is None or margin is None:
        return None
    return stateaid.aid_rates(base_rate=base.rate, margin_bp=margin)
