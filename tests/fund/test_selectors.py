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
