"""The organisations list (issue 15 item 15): a fixed number of queries and 50 a page, however many there are.

It used to render every organisation in scope on one page: a fund manager of the load test's 20 funds saw
some 2,000 rows, and the time grew with them.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fund.models import Role
from fund.views import ORGANISATIONS_PER_PAGE
from tests.factories import make_enterprise, make_fund, make_member

pytestmark = pytest.mark.django_db


def rows(response) -> list[str]:
    return re.findall(r'<a href="/organisations/(\d+)/">', response.content.decode())


def test_query_count_does_not_grow_with_the_organisations(client, django_assert_max_num_queries):
    fund = make_fund()
    manager = make_member(Role.FUND_MANAGER, fund=fund)
    for _ in range(3):
        make_enterprise(fund=fund)
    client.force_login(manager)
    client.get(reverse("organisation_list"))  # session and permission caches warm
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("organisation_list"))
    assert len(rows(response)) == 4  # 3 enterprises and the manager's own organisation

    for _ in range(ORGANISATIONS_PER_PAGE + 10):
        make_enterprise(fund=fund)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("organisation_list"))
    assert len(rows(response)) == ORGANISATIONS_PER_PAGE
    assert len(few) <= 12


def test_pages_keep_the_filter_and_together_list_everything(client):
    fund = make_fund()
    manager = make_member(Role.FUND_MANAGER, fund=fund)
    enterprises = [make_enterprise(fund=fund) for _ in range(ORGANISATIONS_PER_PAGE + 5)]
    client.force_login(manager)
    url = reverse("organisation_list")
    first = client.get(url, {"kind": "enterprise"})
    page = first.content.decode()
    assert f"Pagina 1 van 2 ({ORGANISATIONS_PER_PAGE + 5} organisaties)" in page
    assert "?kind=enterprise&amp;q=&amp;page=2" in page
    second = client.get(url, {"kind": "enterprise", "page": 2})
    assert len(rows(second)) == 5
    listed = {int(pk) for pk in rows(first) + rows(second)}
    assert listed == {e.organisation_id for e in enterprises}
    assert client.get(url, {"page": "abc"}).status_code == 200  # a bad page number shows the first page
