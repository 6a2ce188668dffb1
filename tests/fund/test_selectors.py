"""Dashboard figures come from the database in a fixed number of queries."""

import pytest
from django.core.management import call_command

from fund import selectors
from fund.models import Fund, User

pytestmark = pytest.mark.django_db


def test_fund_overview_counts_region_enterprises_and_investors(django_assert_max_num_queries):
    call_command("load_demo", quiet_logins=True)
    admin = User.objects.get(email="beheerder@impactfonds.example")
    with django_assert_max_num_queries(3):
        overview = {
            f.code: (f.region_count, f.enterprise_count, f.investor_count)
            for f in selectors.fund_overview(user=admin)
        }
    assert overview == {"SIF-ZKIJ": (7, 8, 3), "SIF-MS": (1, 3, 1)}
    assert Fund.objects.count() == 2


def test_active_memberships_match_the_orm_query_they_replace(django_assert_num_queries):
    """`active_memberships` reads the memberships with one plain statement on every request; what it gives
    is what the ORM query (select_related + only) gave, and reading the fund's name and code or the
    organisation's municipality afterwards costs no query."""
    from django.db.models import Q

    from fund import services
    from fund.models import Membership, Role
    from tests.factories import make_enterprise, make_fund, make_member, municipality

    fund, other = make_fund(name="Fonds Een", code="F-1"), make_fund(name="Fonds Twee", code="F-2")
    enterprise = make_enterprise(fund=fund)
    government = services.municipality_government_create(actor=None, municipality=municipality("GM0392"))
    user = make_member(Role.FUND_MANAGER, fund=fund)
    services.membership_grant(actor=None, user=user, role=Role.COMMITTEE_MEMBER, fund=other)
    services.membership_grant(actor=None, user=user, role=Role.INVESTEE, organisation=enterprise.organisation)
    services.membership_grant(actor=None, user=user, role=Role.MUNICIPAL_OFFICIAL, organisation=government)
    revoked = services.membership_grant(actor=None, user=user, role=Role.FUND_MANAGER, fund=other)
    services.membership_revoke(actor=None, membership=revoked, reason="test")
    make_member(Role.FUND_MANAGER, fund=fund)  # someone else's

    def shape(memberships):
        return [
            (
                m.pk,
                m.user_id,
                m.role,
                m.is_active,
                m.fund_id,
                m.fund.name if m.fund_id else None,
                m.fund.code if m.fund_id else None,
                m.organisation_id,
                m.organisation.municipality_government_id if m.organisation_id else None,
                m.fund is None,
                m.organisation is None,
            )
            for m in memberships
        ]

    expected = shape(
        Membership.objects.filter(Q(user=user) & Q(is_active=True))
        .select_related("fund", "organisation")
        .order_by("pk")
    )
    user = User.objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        got = shape(selectors.active_memberships(user))
        assert selectors.active_memberships(user) is selectors.active_memberships(user)
    assert got == expected
    assert len(got) == 4
    assert {row[2] for row in got} == {
        Role.FUND_MANAGER,
        Role.COMMITTEE_MEMBER,
        Role.INVESTEE,
        Role.MUNICIPAL_OFFICIAL,
    }
    assert next(row for row in got if row[2] == Role.MUNICIPAL_OFFICIAL)[8] is not None
