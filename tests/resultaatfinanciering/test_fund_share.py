"""Issue 12: the pre-financing fund's own share of an outcome payment (its income, 2100 → 4500) is booked
from a page by the fund's manager — a form, then a confirmation with the amount and its effect."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from fund.models import Role
from portfolio.models import Posting
from resultaatfinanciering import selectors
from tests.resultaatfinanciering.test_payment_controls import _approved_on

pytestmark = pytest.mark.django_db


def _url(proposal) -> str:
    return reverse("resultaatfinanciering:proposal_fund_share", args=[proposal.pk])


def _share_postings(proposal):
    return Posting.objects.filter(entry__idempotency_key=f"outcomes:proposal:{proposal.pk}:fund-share")


def test_the_fund_manager_books_the_share_after_confirming_amount_and_effect(client, world, outcomes):
    a, _ = outcomes
    proposal = _approved_on(a, datetime.date(2026, 11, 2))
    client.force_login(world.a.users[Role.FUND_MANAGER])

    detail = client.get(reverse("resultaatfinanciering:proposal_detail", args=[proposal.pk])).content.decode()
    assert _url(proposal) in detail

    share = Decimal("100.00")
    first = client.post(_url(proposal), {"amount": "100,00", "reason": "Succesvergoeding artikel 5"})
    page = first.content.decode()
    assert first.status_code == 200 and "Er is nog niets geboekt" in page
    assert "€ 100,00" in page and "4500" in page
    assert not _share_postings(proposal).exists()

    done = client.post(
        _url(proposal), {"amount": "100,00", "reason": "Succesvergoeding artikel 5", "confirmed": "1"}
    )
    assert done.status_code == 302
    postings = {
        p.account.code: (p.debit, p.credit) for p in _share_postings(proposal).select_related("account")
    }
    assert postings == {"2100": (share, Decimal("0")), "4500": (Decimal("0"), share)}
    assert selectors.fund_share_of(proposal) == share

    again = client.post(
        _url(proposal), {"amount": "10,00", "reason": "Nog eens", "confirmed": "1"}, follow=True
    ).content.decode()
    assert "al geboekt" in again
    assert _share_postings(proposal).count() == 2


def test_more_than_the_payment_is_refused_at_the_field(client, world, outcomes):
    a, _ = outcomes
    proposal = _approved_on(a, datetime.date(2026, 11, 2))
    client.force_login(world.a.users[Role.FUND_MANAGER])
    too_much = f"{proposal.total + 1:.2f}".replace(".", ",")
    page = client.post(
        _url(proposal), {"amount": too_much, "reason": "Te veel", "confirmed": "1"}
    ).content.decode()
    assert "meer dan de resultaatbetaling" in page
    assert not _share_postings(proposal).exists()


def test_only_the_pre_financing_funds_manager_may_book_it(client, world, outcomes):
    a, _ = outcomes
    proposal = _approved_on(a, datetime.date(2026, 11, 2))
    client.force_login(a.officials[0])
    assert client.get(_url(proposal)).status_code == 403
    client.force_login(world.b.users[Role.FUND_MANAGER])
    assert client.get(_url(proposal)).status_code == 404
    client.force_login(world.a.users[Role.INVESTEE])
    assert client.post(_url(proposal), {"amount": "1,00", "reason": "x", "confirmed": "1"}).status_code == 403
    assert not _share_postings(proposal).exists()
