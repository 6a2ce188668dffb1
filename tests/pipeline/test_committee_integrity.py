"""Committee integrity (issue 15, defects 8 and 10).

A member sees the votes only after declaring no conflict; a conflicted member loses the memo and the
due-diligence file; each agenda item's form fields have their own ids."""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections import Counter

import pytest
from django.urls import reverse

from fund import services as fund_services
from fund.models import Role
from pipeline import committee, selectors
from tests.factories import make_enterprise, make_member

from .pipeline_factories import in_committee, open_meeting, seat_committee

MEETING_DAY = datetime.date(2026, 6, 15)


@pytest.fixture
def setup(world):
    application = in_committee(world.a)
    members = seat_committee(world.a, count=4)
    manager = world.a.users[Role.FUND_MANAGER]
    meeting = committee.meeting_create(actor=manager, fund=world.a.fund, date=MEETING_DAY, location="Haarlem")
    item = committee.agenda_item_add(actor=manager, meeting=meeting, application=application)
    open_meeting(meeting)
    return world, application, members, meeting, item


def _declare(item, member, conflict=False):
    committee.conflict_declare(
        actor=member.user, item=item, has_conflict=conflict, description="Familie" if conflict else ""
    )


def test_votes_are_hidden_from_a_member_until_they_declare_no_conflict(setup, client):
    world, _application, members, meeting, item = setup
    for member in members[:3]:
        _declare(item, member)
        committee.vote_cast(actor=member.user, item=item, choice="for")
    late = members[3].user
    assert not selectors.can_see_votes(late, item)
    client.force_login(late)
    page = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert "Voor 3" not in page
    assert "zichtbaar nadat u heeft verklaard" in page
    _declare(item, members[3])
    assert selectors.can_see_votes(late, item)
    assert "Voor 3" in client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    # The fund manager (the committee's secretary) sees them throughout.
    assert selectors.can_see_votes(world.a.users[Role.FUND_MANAGER], item)


def test_a_conflicted_member_loses_the_memo_and_the_due_diligence_file(setup, client):
    _world, application, members, meeting, item = setup
    conflicted = members[3].user
    client.force_login(conflicted)
    memo_url = reverse("document_download", args=[item.memo.pk])
    assert client.get(memo_url).status_code == 200  # before the declaration: a member reads the memo
    _declare(item, members[3], conflict=True)
    assert not selectors.can_see_internal(conflicted, application)
    assert client.get(memo_url).status_code in (403, 404)
    page = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert memo_url not in page
    assert "niet beschikbaar (tegenstrijdig belang)" in page
    detail = client.get(reverse("application_detail", args=[application.pk]))
    assert detail.status_code in (200, 404)
    if detail.status_code == 200:
        assert "Impactbeoordeling en risico" not in detail.content.decode()
    # A member without a conflict keeps access.
    client.force_login(members[0].user)
    _declare(item, members[0])
    assert client.get(memo_url).status_code == 200


def test_form_field_ids_are_unique_across_agenda_items(setup, client, world):
    _world, _application, members, meeting, _item = setup
    enterprise = make_enterprise(fund=world.a.fund, name="Tweede Onderneming B.V.")
    fund_services.social_label_add(
        actor=None, enterprise=enterprise, label_type="b_corp", valid_from=datetime.date(2025, 1, 1)
    )
    investee = make_member(Role.INVESTEE, organisation=enterprise.organisation)
    second_side = dataclasses.replace(
        world.a, enterprise=enterprise, users={**world.a.users, Role.INVESTEE: investee}
    )
    second = in_committee(second_side)
    committee.agenda_item_add(actor=world.a.users[Role.FUND_MANAGER], meeting=meeting, application=second)
    client.force_login(members[0].user)  # the chair: declaration and decision forms on both items
    page = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    duplicates = {i: n for i, n in ids.items() if n > 1}
    assert not duplicates, duplicates
    assert page.count('name="has_conflict"') >= 2  # both items really have the form
    for label_for in re.findall(r'<label[^>]*\sfor="([^"]+)"', page):
        assert ids[label_for] == 1, f"label for={label_for} points at {ids[label_for]} elements"
