"""Concurrent votes on PostgreSQL: the row lock and the unique constraint keep the tally right."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection

from core.errors import ApplicationError
from fund.models import Role
from pipeline import committee
from pipeline.models import Decision, Vote

from .pipeline_factories import in_committee, open_meeting, seat_committee

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"),
    pytest.mark.django_db(transaction=True),
]


def _run_at_once(*actions) -> list[str]:
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def run(action):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            action()
            outcomes.append("ok")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def item(world):
    application = in_committee(world.a)
    members = seat_committee(world.a, count=4)
    meeting = committee.meeting_create(
        actor=world.a.users[Role.FUND_MANAGER], fund=world.a.fund, date=datetime.date(2026, 6, 15)
    )
    item = committee.agenda_item_add(
        actor=world.a.users[Role.FUND_MANAGER], meeting=meeting, application=application
    )
    open_meeting(meeting)
    for member in members:
        committee.conflict_declare(actor=member.user, item=item, has_conflict=False)
    item.members = members
    return item


def test_the_same_member_voting_twice_at_once_counts_once(item):
    user = item.members[1].user
    outcomes = _run_at_once(
        lambda: committee.vote_cast(actor=user, item=item, choice="for"),
        lambda: committee.vote_cast(actor=user, item=item, choice="against"),
    )
    assert sorted(outcomes) == ["already_voted", "ok"]
    assert Vote.objects.filter(item=item).count() == 1


def test_members_voting_at_once_are_all_counted(item):
    outcomes = _run_at_once(
        *[
            (lambda user=m.user: committee.vote_cast(actor=user, item=item, choice="for"))
            for m in item.members
        ]
    )
    assert outcomes == ["ok"] * 4
    assert committee.tally(item).votes_for == 4


def test_votes_racing_the_decision_never_change_the_recorded_tally(item):
    chair = item.members[0].user
    actions = [
        (lambda user=m.user: committee.vote_cast(actor=user, item=item, choice="for"))
        for m in item.members[1:]
    ]
    actions.append(
        lambda: committee.decision_record(actor=chair, item=item, outcome="deferred", questions="Prognose?")
    )
    outcomes = _run_at_once(*actions)
    assert outcomes.count("ok") >= 1
    assert set(outcomes) <= {"ok", "decided"}
    decision = Decision.objects.get(item=item)
    # every vote that exists was cast before the decision, and the decision counted exactly those
    assert decision.votes_for == Vote.objects.filter(item=item).count()
    assert outcomes.count("decided") == 3 - decision.votes_for
