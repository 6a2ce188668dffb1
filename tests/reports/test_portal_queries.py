"""The investor's commitment page costs a fixed number of queries: more calls, distributions and their
notices, more co-investors in the fund and more funds of the investor add none (CPU per request)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from djmoney.money import Money

from fund import services as fund_services
from fund.models import Role
from investors import services as investor_services
from tests.factories import next_kvk
from tests.reports.test_views import _publish


def _call_and_distribution(fund, *, month: int) -> None:
    """An issued call (with its notices) and a declared distribution (with its notices), after the close."""
    call = investor_services.call_create(
        actor=None,
        fund=fund,
        notice_date=datetime.date(2026, month, 1),
        due_date=datetime.date(2026, month, 20),
        purpose="investments",
        amount=Decimal("1000.00"),
    )
    investor_services.call_issue(actor=None, call=call)
    distribution = investor_services.distribution_create(
        actor=None, fund=fund, date=datetime.date(2026, month, 10), kind="interest", amount=Decimal("100.00")
    )
    investor_services.distribution_declare(actor=None, distribution=distribution)


def _page_queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode()


def test_commitment_page_queries_do_not_grow_with_notices_co_investors_or_funds(
    closed_q1, client, django_assert_max_num_queries
):
    a, b = closed_q1.world.a, closed_q1.world.b
    _publish(a.fund)
    _call_and_distribution(a.fund, month=4)
    own = a.fund.commitments.get(investor=a.investor)
    url = reverse("portal_commitment", args=[own.pk])
    client.force_login(a.users[Role.INVESTOR])
    client.get(url)  # first request: session and caches (content types) settle
    few, page = _page_queries(client, url)
    assert (
        "Kwartaalrapportage 2026-Q1 (PDF)" in page and "Oproepbrief 1" in page and "Uitkeringsbrief 1" in page
    )

    for month in (5, 6, 7):
        _call_and_distribution(a.fund, month=month)
    for number in range(3):
        fund_services.commitment_create(
            actor=None,
            fund=a.fund,
            investor=fund_services.investor_create(
                actor=None, name=f"Extra investeerder {number}", investor_type="bank", kvk_number=next_kvk()
            ),
            amount=Money("10000", "EUR"),
            committed_on=datetime.date(2026, 4, 1),
        )
    fund_services.commitment_create(
        actor=None,
        fund=b.fund,
        investor=a.investor,
        amount=Money("20000", "EUR"),
        committed_on=datetime.date(2025, 1, 1),
    )

    with django_assert_max_num_queries(few):
        page = client.get(url).content.decode()
    assert "Oproepbrief 4" in page and "Uitkeringsbrief 4" in page
    assert few <= 21  # what the page needs today (session, user and memberships included)
