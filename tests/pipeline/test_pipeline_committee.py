"""Investment committee: conflicts, quorum and majority, immutable decisions, minutes, memo and hand-off."""

from __future__ import annotations

import datetime
import hashlib
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from pypdf import PdfReader

from core.errors import ApplicationError, PermissionDeniedError
from core.models import StoredDocument
from fund.models import AuditEvent, Role
from pipeline import committee, services
from pipeline.documents import memo_versions
from pipeline.models import ApplicationStatus, CommitteeRules, Decision
from portfolio.models import Contract
from tests.factories import make_member

from .pipeline_factories import in_committee, open_meeting, seat_committee

MEETING_DAY = datetime.date(2026, 6, 15)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(data))).pages)


@pytest.fixture
def setup(world):
    """Fund A with an application at the committee, four seated members (chair first) and a meeting."""
    application = in_committee(world.a)
    members = seat_committee(world.a, count=4)
    manager = world.a.users[Role.FUND_MANAGER]
    meeting = committee.meeting_create(actor=manager, fund=world.a.fund, date=MEETING_DAY, location="Haarlem")
    item = committee.agenda_item_add(actor=manager, meeting=meeting, application=application)
    open_meeting(meeting)
    return world, application, members, meeting, item


def _declare_and_vote(item, members, votes: dict[int, str], conflicted: tuple[int, ...] = ()):
    for n, member in enumerate(members):
        committee.conflict_declare(
            actor=member.user,
            item=item,
            has_conflict=n in conflicted,
            description="Adviseur van de aanvrager" if n in conflicted else "",
        )
    for n, choice in votes.items():
        committee.vote_cast(actor=members[n].user, item=item, choice=choice)


def test_agenda_item_fixes_the_memo_version(setup):
    _world, application, _members, _meeting, item = setup
    assert item.memo == memo_versions(application).get()
    assert item.memo.kind == "investment_memo" and item.memo.version == 1
    assert (
        item.memo.sha256
        == hashlib.sha256(bytes(StoredDocument.objects.get(pk=item.memo.pk).content)).hexdigest()
    )


def test_approved_with_conditions_by_majority_with_a_conflicted_member(
    setup, django_capture_on_commit_callbacks
):
    world, application, members, _meeting, item = setup
    _declare_and_vote(item, members, {0: "for", 1: "for", 2: "against"}, conflicted=(3,))
    counted = committee.tally(item)
    assert (counted.present, counted.conflicted, counted.votes_for, counted.votes_against) == (3, 1, 2, 1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decision = committee.decision_record(
            actor=members[0].user,
            item=item,
            outcome="approved_with_conditions",
            conditions="Tweede handtekening van de raad van toezicht\n\nKwartaalcijfers aanleveren",
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED_WITH_CONDITIONS
    assert decision.condition_lines == [
        "Tweede handtekening van de raad van toezicht",
        "Kwartaalcijfers aanleveren",
    ]
    assert (decision.votes_for, decision.votes_against, decision.present) == (2, 1, 3)
    investee_mail = [
        m for m in mail.outbox if world.a.users[Role.INVESTEE].email in m.to and "besluit" in m.subject
    ]
    assert investee_mail and "Kwartaalcijfers aanleveren" in investee_mail[0].body
    assert "2 voor" not in investee_mail[0].body  # the applicant gets the outcome, never the votes
    event = AuditEvent.objects.for_object(item.meeting).get(action="decision_recorded")
    assert event.data["sha256"] == item.memo.sha256


def test_conflicted_member_cannot_vote_and_does_not_see_the_votes(setup, client):
    _world, _application, members, meeting, item = setup
    _declare_and_vote(item, members, {0: "for", 1: "for", 2: "for"}, conflicted=(3,))
    conflicted = members[3].user
    with pytest.raises(PermissionDeniedError):
        committee.vote_cast(actor=conflicted, item=item, choice="for")
    from pipeline import selectors

    assert not selectors.can_see_votes(conflicted, item)
    assert selectors.can_see_votes(members[1].user, item)
    client.force_login(conflicted)
    page = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert "u stemt niet en ziet de stemmen niet" in page
    assert "Voor 3" not in page
    client.force_login(members[1].user)
    page = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert "Voor 3, tegen 0" in page
    minutes = _pdf_text(client.get(reverse("meeting_minutes", args=[meeting.pk])).content)
    assert "onthouding 0" in minutes


def test_no_quorum_without_enough_members_free_of_conflict(setup):
    _world, application, members, _meeting, item = setup
    _declare_and_vote(item, members, {0: "for", 1: "for"}, conflicted=(2, 3))
    with pytest.raises(ApplicationError) as excinfo:
        committee.decision_record(actor=members[0].user, item=item, outcome="approved")
    assert str(excinfo.value) == "Geen quorum: 2 leden zonder tegenstrijdig belang aanwezig, 3 nodig."
    # deferral needs no quorum
    committee.decision_record(
        actor=members[0].user, item=item, outcome="deferred", questions="Nieuwe prognose?"
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.COMMITTEE


def test_quorum_is_configurable_per_fund(setup):
    world, _application, members, _meeting, item = setup
    committee.committee_rules_set(
        actor=world.a.users[Role.FUND_MANAGER], fund=world.a.fund, quorum=2, majority="simple"
    )
    _declare_and_vote(item, members, {0: "for", 1: "for"}, conflicted=(2, 3))
    committee.decision_record(actor=members[0].user, item=item, outcome="approved")
    item.application.refresh_from_db()
    assert item.application.status == ApplicationStatus.APPROVED


@pytest.mark.parametrize(
    ("majority", "votes", "approvable"),
    [
        ("simple", {0: "for", 1: "for", 2: "against", 3: "abstain"}, True),
        ("simple", {0: "for", 1: "against", 2: "abstain", 3: "abstain"}, False),
        ("two_thirds", {0: "for", 1: "for", 2: "against", 3: "abstain"}, True),
        ("two_thirds", {0: "for", 1: "for", 2: "against", 3: "against"}, False),
        ("unanimous", {0: "for", 1: "for", 2: "for", 3: "abstain"}, True),
        ("unanimous", {0: "for", 1: "for", 2: "for", 3: "against"}, False),
    ],
)
def test_majority_rules(setup, majority, votes, approvable):
    world, application, members, _meeting, item = setup
    CommitteeRules.objects.create(fund=world.a.fund, quorum=3, majority=majority)
    _declare_and_vote(item, members, votes)
    if approvable:
        committee.decision_record(actor=members[0].user, item=item, outcome="approved")
        application.refresh_from_db()
        assert application.status == ApplicationStatus.APPROVED
    else:
        with pytest.raises(ApplicationError) as excinfo:
            committee.decision_record(actor=members[0].user, item=item, outcome="approved")
        assert excinfo.value.code == "no_majority"
        committee.decision_record(
            actor=members[0].user, item=item, outcome="rejected", reasons="Te weinig zekerheid"
        )
        application.refresh_from_db()
        assert application.status == ApplicationStatus.REJECTED


def test_rejection_against_a_majority_for_is_refused(setup):
    _world, _application, members, _meeting, item = setup
    _declare_and_vote(item, members, {0: "for", 1: "for", 2: "for", 3: "against"})
    with pytest.raises(ApplicationError) as excinfo:
        committee.decision_record(actor=members[0].user, item=item, outcome="rejected", reasons="x")
    assert excinfo.value.code == "majority_for"


def test_all_present_members_must_have_voted(setup):
    _world, _application, members, _meeting, item = setup
    _declare_and_vote(item, members, {0: "for", 1: "for"})
    with pytest.raises(ApplicationError) as excinfo:
        committee.decision_record(actor=members[0].user, item=item, outcome="approved")
    assert "2 van 4" in str(excinfo.value)


@pytest.mark.parametrize(
    ("outcome", "field"),
    [("approved_with_conditions", "conditions"), ("rejected", "reasons"), ("deferred", "questions")],
)
def test_decision_needs_its_text(setup, outcome, field):
    _world, _application, members, _meeting, item = setup
    _declare_and_vote(item, members, {0: "for", 1: "for", 2: "for", 3: "for"})
    with pytest.raises(ValidationError) as excinfo:
        committee.decision_record(actor=members[0].user, item=item, outcome=outcome)
    assert field in excinfo.value.message_dict


def test_only_the_chair_records_the_decision(setup):
    _world, _application, members, _meeting, item = setup
    _declare_and_vote(item, members, {0: "for", 1: "for", 2: "for", 3: "for"})
    with pytest.raises(PermissionDeniedError):
        committee.decision_record(actor=members[1].user, item=item, outcome="approved")


def test_votes_need_a_declaration_once_per_member_and_stop_at_the_decision(setup):
    _world, _application, members, _meeting, item = setup
    with pytest.raises(ApplicationError) as excinfo:
        committee.vote_cast(actor=members[0].user, item=item, choice="for")
    assert excinfo.value.code == "declare_first"
    _declare_and_vote(item, members, {0: "for", 1: "for", 2: "for"})
    with pytest.raises(ApplicationError) as excinfo:
        committee.vote_cast(actor=members[0].user, item=item, choice="against")
    assert excinfo.value.code == "already_voted"
    with pytest.raises(ApplicationError):
        committee.conflict_declare(actor=members[0].user, item=item, has_conflict=True, description="x")
    committee.vote_cast(actor=members[3].user, item=item, choice="abstain")
    committee.decision_record(actor=members[0].user, item=item, outcome="approved")
    with pytest.raises(ApplicationError) as excinfo:
        committee.vote_cast(actor=members[3].user, item=item, choice="against")
    assert excinfo.value.code in ("decided", "already_voted")
    assert committee.tally(item).votes_for == 3


def test_a_vote_after_the_decision_is_refused(setup):
    _world, _application, members, _meeting, item = setup
    for member in members:
        committee.conflict_declare(actor=member.user, item=item, has_conflict=False)
    committee.decision_record(
        actor=members[0].user, item=item, outcome="deferred", questions="Prognose 2027?"
    )
    with pytest.raises(ApplicationError) as excinfo:
        committee.vote_cast(actor=members[1].user, item=item, choice="for")
    assert excinfo.value.code == "decided"
    assert item.votes.count() == 0


def test_member_outside_the_term_of_office_cannot_vote(setup):
    world, _application, _members, _meeting, item = setup
    former = make_member(Role.COMMITTEE_MEMBER, fund=world.a.fund)
    committee.committee_member_add(
        actor=None,
        fund=world.a.fund,
        user=former,
        term_start=datetime.date(2022, 1, 1),
        term_end=datetime.date(2025, 12, 31),
    )
    with pytest.raises(PermissionDeniedError):
        committee.conflict_declare(actor=former, item=item, has_conflict=False)


def test_committee_member_of_another_fund_cannot_act(setup):
    world, _application, _members, _meeting, item = setup
    with pytest.raises(PermissionDeniedError):
        committee.conflict_declare(actor=world.b.users[Role.COMMITTEE_MEMBER], item=item, has_conflict=False)


def test_decision_is_immutable_and_a_change_supersedes_it(setup):
    _world, application, members, _meeting, item = setup
    _declare_and_vote(item, members, {0: "for", 1: "for", 2: "for", 3: "against"})
    first = committee.decision_record(actor=members[0].user, item=item, outcome="approved")
    first.outcome = "rejected"
    with pytest.raises(ValidationError):
        first.save()
    with pytest.raises(ValidationError):
        first.delete()
    with pytest.raises(ApplicationError):  # a second decision must name the one it replaces
        committee.decision_record(
            actor=members[0].user, item=item, outcome="approved_with_conditions", conditions="x"
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database refuses a second original
        Decision.objects.create(
            item=item,
            outcome="approved",
            votes_for=0,
            votes_against=0,
            votes_abstain=0,
            present=0,
            recorded_by=members[0].user,
        )
    second = committee.decision_record(
        actor=members[0].user,
        item=item,
        outcome="approved_with_conditions",
        conditions="Borgstelling directeur",
        supersedes=first,
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED_WITH_CONDITIONS
    assert second.supersedes == first
    assert committee.current_decision(application) == second
    first.refresh_from_db()
    assert first.outcome == "approved"


def test_memo_versions_are_immutable_and_contain_the_key_figures(setup):
    world, application, _members, _meeting, _item = setup
    memo = StoredDocument.objects.get(pk=memo_versions(application).get().pk)
    assert memo.sha256 == hashlib.sha256(bytes(memo.content)).hexdigest()
    text = _pdf_text(memo.content)
    for expected in [
        "Investeringsmemo",
        world.a.enterprise.organisation.name,
        "€ 40.000,00",
        "0,30",  # solvency 75.000 / 250.000
        "1,50",  # current ratio
        "Risicoklasse B",
        "Getekende borgstelling",
        "133,33",  # interest-only instalment of the projected schedule
        "Banen gecreëerd (PI3687)",
    ]:
        assert expected in text, expected
    memo.sha256 = "0" * 64
    with pytest.raises(ValidationError):
        memo.save()
    manager = world.a.users[Role.FUND_MANAGER]
    # Behaviour changed with stored documents (issue 11): a new version needs a reason.
    with pytest.raises(ApplicationError) as refused:
        services.memo_generate(actor=manager, application=application)
    assert refused.value.field == "reason"
    services.memo_generate(actor=manager, application=application, reason="Nieuwe prognose verwerkt")
    assert list(memo_versions(application).values_list("version", "reason")) == [
        (2, "Nieuwe prognose verwerkt"),
        (1, ""),
    ]
    assert StoredDocument.objects.get(pk=memo.pk).sha256 != "0" * 64


def test_hand_off_creates_the_contract_with_conditions_precedent(setup):
    world, application, members, _meeting, item = setup
    manager = world.a.users[Role.FUND_MANAGER]
    with pytest.raises(ApplicationError):
        services.application_hand_off(actor=manager, application=application)
    _declare_and_vote(item, members, {0: "for", 1: "for", 2: "for"}, conflicted=(3,))
    committee.decision_record(
        actor=members[0].user,
        item=item,
        outcome="approved_with_conditions",
        conditions="Kwartaalcijfers aanleveren",
    )
    with pytest.raises(PermissionDeniedError):
        services.application_hand_off(actor=members[0].user, application=application)
    contract = services.application_hand_off(actor=manager, application=application)
    assert contract.principal.amount == Decimal("40000.00")
    assert contract.annual_rate == Decimal("0.040000")
    assert (contract.term_months, contract.grace_months) == (36, 6)
    assert sorted(contract.conditions.values_list("description", flat=True)) == [
        "Getekende borgstelling",
        "Kwartaalcijfers aanleveren",
    ]
    application.refresh_from_db()
    assert application.contract == contract
    with pytest.raises(ApplicationError):
        services.application_hand_off(actor=manager, application=application)
    with pytest.raises(ApplicationError):  # the decision can no longer change here
        committee.decision_record(
            actor=members[0].user,
            item=item,
            outcome="rejected",
            reasons="x",
            supersedes=committee.current_decision(application),
        )
    assert Contract.objects.filter(enterprise=world.a.enterprise).count() == 2


def test_committee_pages_end_to_end(setup, client):
    _world, application, members, meeting, item = setup
    for n, member in enumerate(members):
        client.force_login(member.user)
        data = {"has_conflict": "1", "description": "Familie"} if n == 3 else {"has_conflict": "0"}
        client.post(reverse("conflict_declare", args=[item.pk]), data)
        if n < 3:
            client.post(reverse("vote_cast", args=[item.pk]), {"choice": "for"})
    client.force_login(members[0].user)
    response = client.post(
        reverse("decision_record", args=[item.pk]),
        {"outcome": "approved_with_conditions", "conditions": "Kwartaalcijfers"},
        follow=True,
    )
    assert "Besluit vastgelegd." in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED_WITH_CONDITIONS
    client.force_login(members[3].user)
    response = client.post(reverse("vote_cast", args=[item.pk]), {"choice": "against"}, follow=True)
    assert item.votes.count() == 3
    page = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert "Familie" in page and "Goedgekeurd onder voorwaarden" in page
