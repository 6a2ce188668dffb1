"""Issue 15 item 9: the chair opens the meeting, keeps the attendance register, closes it; votes and
decisions only while it is open; the minutes record all of it and are adopted at the next meeting."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.errors import ApplicationError, PermissionDeniedError
from fund.models import AuditEvent, Role
from pipeline import committee
from pipeline.models import Attendance, ItemAbsence, Meeting

from .pipeline_factories import in_committee, open_meeting, seat_committee

MEETING_DAY = datetime.date(2026, 6, 15)


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(data))).pages)


@pytest.fixture
def setup(world):
    """Fund A: an application on the agenda of a meeting that is planned, not yet opened; four members."""
    application = in_committee(world.a)
    members = seat_committee(world.a, count=4)
    manager = world.a.users[Role.FUND_MANAGER]
    meeting = committee.meeting_create(actor=manager, fund=world.a.fund, date=MEETING_DAY, location="Haarlem")
    item = committee.agenda_item_add(actor=manager, meeting=meeting, application=application)
    for member in members:
        committee.conflict_declare(actor=member.user, item=item, has_conflict=False)
    return world, members, meeting, item


def test_a_vote_before_the_meeting_is_opened_is_refused(setup):
    _world, members, _meeting, item = setup
    with pytest.raises(ApplicationError, match="De vergadering is nog niet geopend") as refused:
        committee.vote_cast(actor=members[1].user, item=item, choice="for")
    assert refused.value.code == "not_open"
    assert item.votes.count() == 0


def test_a_decision_before_the_meeting_is_opened_is_refused(setup):
    _world, members, _meeting, item = setup
    with pytest.raises(ApplicationError, match="De vergadering is nog niet geopend"):
        committee.decision_record(actor=members[0].user, item=item, outcome="deferred", questions="Prognose?")
    assert item.decisions.count() == 0


def test_votes_and_decisions_after_closing_are_refused(setup):
    _world, members, meeting, item = setup
    open_meeting(meeting)
    committee.vote_cast(actor=members[1].user, item=item, choice="for")
    committee.meeting_close(actor=members[0].user, meeting=meeting)
    with pytest.raises(ApplicationError, match="De vergadering is gesloten") as refused:
        committee.vote_cast(actor=members[2].user, item=item, choice="for")
    assert refused.value.code == "closed"
    with pytest.raises(ApplicationError, match="De vergadering is gesloten"):
        committee.decision_record(actor=members[0].user, item=item, outcome="deferred", questions="Prognose?")
    with pytest.raises(ApplicationError, match="De vergadering is gesloten"):
        committee.meeting_open(actor=members[0].user, meeting=meeting, present=members)
    assert item.votes.count() == 1 and item.decisions.count() == 0


def test_only_the_chair_opens_and_closes_and_not_before_the_meeting_date(setup):
    _world, members, meeting, _item = setup
    with pytest.raises(PermissionDeniedError, match="Alleen de voorzitter"):
        committee.meeting_open(actor=members[1].user, meeting=meeting, present=members)
    day_before = datetime.datetime(2026, 6, 14, 20, 0, tzinfo=datetime.UTC)
    with (
        time_machine.travel(day_before, tick=False),
        pytest.raises(ApplicationError, match="staat gepland op 15-06-2026 en kan niet eerder"),
    ):
        committee.meeting_open(actor=members[0].user, meeting=meeting, present=members)
    opened = committee.meeting_open(actor=members[0].user, meeting=meeting, present=members[:2])
    assert opened.opened_at is not None and opened.opened_by == members[0].user
    with pytest.raises(ApplicationError, match="al geopend"):
        committee.meeting_open(actor=members[0].user, meeting=meeting, present=members)
    with pytest.raises(PermissionDeniedError):
        committee.meeting_close(actor=members[1].user, meeting=meeting)
    register = dict(Attendance.objects.filter(meeting=meeting).values_list("member_id", "status"))
    assert register == {
        members[0].pk: "present",
        members[1].pk: "present",
        members[2].pk: "absent",
        members[3].pk: "absent",
    }
    event = AuditEvent.objects.for_object(meeting).get(action="meeting_opened")
    assert event.actor == members[0].user and event.to_state == "open"
    assert sorted(event.data["absent"]) == sorted([str(members[2]), str(members[3])])


def test_an_absent_member_cannot_vote_until_the_chair_registers_the_arrival(setup):
    _world, members, meeting, item = setup
    open_meeting(meeting, absent=[members[3]])
    with pytest.raises(ApplicationError, match="niet als aanwezig op de presentielijst"):
        committee.vote_cast(actor=members[3].user, item=item, choice="for")
    assert committee.tally(item).present == 3  # an absent member does not count for the quorum
    committee.attendance_set(actor=members[0].user, meeting=meeting, member=members[3], present=True)
    committee.vote_cast(actor=members[3].user, item=item, choice="for")
    assert committee.tally(item).present == 4
    event = AuditEvent.objects.for_object(meeting).get(action="attendance_changed")
    assert (event.from_state, event.to_state) == ("absent", "present")


def test_a_member_who_left_for_an_item_cannot_vote_on_it_even_after_returning(setup):
    _world, members, meeting, item = setup
    open_meeting(meeting)
    committee.item_leave(
        actor=members[0].user, item=item, member=members[3], reason="Familie van de aanvrager"
    )
    with pytest.raises(PermissionDeniedError, match="voor dit agendapunt verlaten"):
        committee.vote_cast(actor=members[3].user, item=item, choice="for")
    with pytest.raises(ApplicationError, match="al verlaten"):
        committee.item_leave(actor=members[0].user, item=item, member=members[3])
    committee.item_return(actor=members[0].user, item=item, member=members[3])
    with pytest.raises(PermissionDeniedError):
        committee.vote_cast(actor=members[3].user, item=item, choice="against")
    assert committee.tally(item).present == 3
    assert item.votes.count() == 0
    absence = ItemAbsence.objects.get(item=item, member=members[3])
    assert absence.returned_at >= absence.left_at
    actions = set(AuditEvent.objects.for_object(meeting).values_list("action", flat=True))
    assert {"member_left_for_item", "member_returned"} <= actions


def test_the_database_refuses_a_closing_without_an_opening_and_adoption_of_an_open_meeting(setup):
    _world, members, meeting, _item = setup
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(closed_at=timezone.now(), closed_by=members[0].user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(opened_at=timezone.now())  # without who opened it
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(
            minutes_adopted_at=timezone.now(), minutes_adopted_by=members[0].user, minutes_adopted_in=meeting
        )


def _hold_meeting(members, meeting, item):
    open_meeting(meeting)
    committee.item_leave(actor=members[0].user, item=item, member=members[3], reason="Tegenstrijdig belang")
    for member in members[:3]:
        committee.vote_cast(actor=member.user, item=item, choice="for")
    committee.decision_record(
        actor=members[0].user, item=item, outcome="approved_with_conditions", conditions="Kwartaalcijfers"
    )
    committee.item_return(actor=members[0].user, item=item, member=members[3])
    return committee.meeting_close(actor=members[0].user, meeting=meeting)


def test_minutes_record_times_attendance_who_left_and_are_a_concept_until_adopted(setup):
    world, members, meeting, item = setup
    closed = _hold_meeting(members, meeting, item)
    manager = world.a.users[Role.FUND_MANAGER]
    text = _text(committee.minutes_store(actor=manager, meeting=meeting).content)
    assert "(concept)" in text and "CONCEPT" in text
    assert f"Geopend op {committee_time(closed.opened_at)}" in text
    assert f"gesloten op {committee_time(closed.closed_at)}" in text
    assert "Presentie" in text and "aanwezig" in text
    absence = ItemAbsence.objects.get(item=item)
    assert (
        f"{members[3]} verliet de vergadering voor dit agendapunt om {committee_time(absence.left_at)}"
        in " ".join(text.split())
    )
    assert f"keerde terug om {committee_time(absence.returned_at)}" in " ".join(text.split())
    decision = item.decisions.get()
    assert f"Goedgekeurd onder voorwaarden (vastgelegd {committee_time(decision.recorded_at)}" in text


def committee_time(value) -> str:
    from core import formats

    return formats.format_datetime(value, language="nl")


def test_minutes_are_adopted_at_the_next_meeting_by_its_chair(setup, client):
    world, members, meeting, item = setup
    _hold_meeting(members, meeting, item)
    manager = world.a.users[Role.FUND_MANAGER]
    next_meeting = committee.meeting_create(
        actor=manager, fund=world.a.fund, date=MEETING_DAY + datetime.timedelta(days=28)
    )
    with pytest.raises(ApplicationError, match="nog niet geopend"):
        committee.minutes_adopt(actor=members[0].user, meeting=next_meeting, previous=meeting)
    concept = committee.minutes_store(actor=manager, meeting=meeting)
    assert "CONCEPT" in _text(concept.content)
    open_meeting(next_meeting)
    with pytest.raises(PermissionDeniedError):
        committee.minutes_adopt(actor=members[1].user, meeting=next_meeting, previous=meeting)
    with pytest.raises(ApplicationError, match="latere vergadering"):
        committee.minutes_adopt(actor=members[0].user, meeting=next_meeting, previous=next_meeting)
    assert list(committee.minutes_to_adopt(next_meeting)) == [meeting]
    stored = committee.minutes_adopt(actor=members[0].user, meeting=next_meeting, previous=meeting)
    meeting.refresh_from_db()
    assert meeting.minutes_adopted_in == next_meeting and meeting.minutes_adopted_by == members[0].user
    text = " ".join(_text(stored.content).split())
    assert "CONCEPT" not in text and "(concept)" not in text
    assert f"Vastgesteld in de vergadering van {next_meeting.date:%d-%m-%Y}" in text
    assert stored.version == 2 and concept.version == 1  # the concept is kept as it was
    assert "CONCEPT" in _text(concept.content)
    with pytest.raises(ApplicationError, match="al vastgesteld"):
        committee.minutes_adopt(actor=members[0].user, meeting=next_meeting, previous=meeting)
    event = AuditEvent.objects.for_object(meeting).get(action="minutes_adopted")
    assert (event.from_state, event.to_state) == ("concept", "adopted")
    client.force_login(manager)
    page = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert "Notulen vastgesteld in de" in page
