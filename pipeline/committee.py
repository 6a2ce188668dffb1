"""The investment committee: members, meetings, agenda, conflicts of interest, votes and decisions.

Concurrency: every vote and every decision first locks the agenda item's row (`select_for_update`), so
votes and the decision on one item are serialised; a unique constraint allows one vote per member per
item, and one original decision per item. A vote after the decision, or a second vote by the same member,
is refused and never changes the tally.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.errors import ApplicationError, PermissionDeniedError, TransitionError
from fund import selectors as fund_selectors
from fund.audit import audit_record
from fund.models import Fund, User

from . import documents
from .models import (
    DECIDED_STATUSES,
    AgendaItem,
    Application,
    ApplicationStatus,
    Attendance,
    AttendanceStatus,
    CommitteeMember,
    CommitteeRules,
    ConflictDeclaration,
    Decision,
    DecisionOutcome,
    ItemAbsence,
    MajorityRule,
    Meeting,
    Vote,
    VoteChoice,
)
from .services import _notify_status, _require_fund_manager, fund_manager_emails, investee_emails, notify
from .transitions import target_labels_from

MSG_NOT_MEMBER = gettext_noop(
    "U bent op de vergaderdatum geen lid van de investeringscommissie van dit fonds."
)
MSG_NOT_CHAIR = gettext_noop("Alleen de voorzitter van de commissie legt het besluit vast.")
MSG_CONFLICTED = gettext_noop("U heeft een tegenstrijdig belang bij dit agendapunt en kunt niet stemmen.")
MSG_DECLARE_FIRST = gettext_noop("Verklaar eerst of u een tegenstrijdig belang heeft.")
MSG_ALREADY_DECLARED = gettext_noop("U heeft voor dit agendapunt al een verklaring afgelegd.")
MSG_ALREADY_VOTED = gettext_noop("U heeft over dit agendapunt al gestemd.")
MSG_DECIDED = gettext_noop("Over dit agendapunt is al besloten; stemmen kan niet meer.")
MSG_NO_QUORUM = gettext_noop(
    "Geen quorum: %(present)s leden zonder tegenstrijdig belang aanwezig, %(quorum)s nodig."
)
MSG_NO_MAJORITY = gettext_noop(
    "Geen meerderheid voor: %(for)s voor, %(against)s tegen, %(abstain)s onthouding."
)
MSG_MAJORITY_FOR = gettext_noop("Er is een meerderheid voor; afwijzen past niet bij de stemming.")
MSG_NOT_ALL_VOTED = gettext_noop("Nog niet alle aanwezige leden hebben gestemd (%(voted)s van %(present)s).")
MSG_SUPERSEDE = gettext_noop(
    "Er is al een besluit over deze aanvraag; een gewijzigd besluit verwijst naar het vorige besluit."
)
MSG_NOTHING_TO_SUPERSEDE = gettext_noop("Er is geen eerder besluit dat dit besluit kan vervangen.")
MSG_HANDED_OFF = gettext_noop(
    "De aanvraag is al aan de portefeuille overgedragen; het besluit kan hier niet meer wijzigen."
)
MSG_NOT_READY = gettext_noop(
    "Alleen een aanvraag die bij de commissie ligt (of al besloten is) kan op de agenda."
)
MSG_OTHER_FUND = gettext_noop("De aanvraag hoort bij een ander fonds dan deze vergadering.")
MSG_NO_MEMO = gettext_noop("Er is nog geen investeringsmemo om over te besluiten.")
MSG_CONDITIONS = gettext_noop("Noem de voorwaarden (één per regel).")
MSG_REASONS = gettext_noop("Geef de redenen van de afwijzing; de aanvrager krijgt ze te zien.")
MSG_QUESTIONS = gettext_noop("Noem de vragen waarop de commissie een antwoord wil.")
MSG_NOT_OPEN = gettext_noop("De vergadering is nog niet geopend.")
MSG_CLOSED = gettext_noop("De vergadering is gesloten; er kan niets meer worden vastgelegd.")
MSG_ALREADY_OPEN = gettext_noop("De vergadering is al geopend.")
MSG_TOO_EARLY = gettext_noop("De vergadering staat gepland op %(date)s en kan niet eerder worden geopend.")
MSG_NOT_CHAIR_MEETING = gettext_noop(
    "Alleen de voorzitter opent en sluit de vergadering en houdt de presentielijst bij."
)
MSG_NOT_PRESENT = gettext_noop("U staat niet als aanwezig op de presentielijst van deze vergadering.")
MSG_MEMBER_NOT_PRESENT = gettext_noop("%(member)s staat niet als aanwezig op de presentielijst.")
MSG_LEFT_FOR_ITEM = gettext_noop(
    "U heeft de vergadering voor dit agendapunt verlaten en kunt er niet over stemmen of besluiten."
)
MSG_ALREADY_LEFT = gettext_noop("%(member)s heeft de vergadering voor dit agendapunt al verlaten.")
MSG_NOT_LEFT = gettext_noop("%(member)s is niet weg voor dit agendapunt.")
MSG_NOT_SEATED = gettext_noop("%(member)s is op de vergaderdatum geen lid van de commissie.")
MSG_MINUTES_NOT_CLOSED = gettext_noop(
    "De notulen kunnen pas worden vastgesteld als die vergadering gesloten is."
)
MSG_MINUTES_NOT_EARLIER = gettext_noop(
    "Notulen worden vastgesteld in een latere vergadering van hetzelfde fonds."
)
MSG_MINUTES_ADOPTED = gettext_noop("Deze notulen zijn al vastgesteld.")

OUTCOME_TRANSITION = {
    DecisionOutcome.APPROVED: "approve",
    DecisionOutcome.APPROVED_WITH_CONDITIONS: "approve_with_conditions",
    DecisionOutcome.REJECTED: "reject",
}
OUTCOME_STATUS = {
    DecisionOutcome.APPROVED: ApplicationStatus.APPROVED,
    DecisionOutcome.APPROVED_WITH_CONDITIONS: ApplicationStatus.APPROVED_WITH_CONDITIONS,
    DecisionOutcome.REJECTED: ApplicationStatus.REJECTED,
    DecisionOutcome.DEFERRED: ApplicationStatus.COMMITTEE,
}


# --------------------------------------------------------------------------------------------------
# Members and rules
# --------------------------------------------------------------------------------------------------


def rules_for(fund: Fund) -> CommitteeRules:
    rules = CommitteeRules.objects.filter(fund=fund).first()
    return rules or CommitteeRules(fund=fund)  # defaults: quorum 3, simple majority


@transaction.atomic
def committee_rules_set(*, actor: User, fund: Fund, quorum: int, majority: str) -> CommitteeRules:
    _require_fund_manager(actor, fund)
    rules, _created = CommitteeRules.objects.get_or_create(fund=fund)
    before = (rules.quorum, rules.majority)
    rules.quorum, rules.majority = quorum, majority
    rules.full_clean(exclude=["fund"])
    rules.save()
    audit_record(
        actor=actor,
        obj=fund,
        action="committee_rules_set",
        data={"from": list(before), "to": [quorum, majority]},
    )
    return rules


@transaction.atomic
def committee_member_add(
    *,
    actor: User | None,
    fund: Fund,
    user: User,
    term_start: datetime.date,
    term_end: datetime.date | None = None,
    is_chair: bool = False,
) -> CommitteeMember:
    """Seat a user (who holds the committee-member role at this fund) on the committee for a term."""
    if actor is not None:
        _require_fund_manager(actor, fund)
    if fund.pk not in fund_selectors.committee_fund_ids(user):
        raise ValidationError({"user": [_("Deze gebruiker heeft geen rol als commissielid bij dit fonds.")]})
    member = CommitteeMember(
        fund=fund, user=user, term_start=term_start, term_end=term_end, is_chair=is_chair
    )
    member.full_clean(validate_unique=False)
    member.save()
    audit_record(
        actor=actor,
        obj=fund,
        action="committee_member_added",
        data={"user": user.email, "term_start": term_start, "term_end": term_end, "chair": is_chair},
    )
    return member


def seat_of(user: User, fund: Fund, day: datetime.date) -> CommitteeMember | None:
    """The user's seat on the fund's committee on `day` (needs the active committee-member role too)."""
    if fund.pk not in fund_selectors.committee_fund_ids(user):
        return None
    for member in CommitteeMember.objects.filter(fund=fund, user=user).order_by("-term_start"):
        if member.serves_on(day):
            return member
    return None


# --------------------------------------------------------------------------------------------------
# Meetings and agenda
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(*, actor: User, fund: Fund, date: datetime.date, location: str = "") -> Meeting:
    _require_fund_manager(actor, fund)
    meeting = Meeting.objects.create(fund=fund, date=date, location=location.strip())
    audit_record(actor=actor, obj=meeting, action="meeting_created", data={"date": date})
    return meeting


@transaction.atomic
def agenda_item_add(*, actor: User, meeting: Meeting, application: Application) -> AgendaItem:
    """Put an application on the agenda with its latest memo version (the one the committee decides on)."""
    _require_fund_manager(actor, meeting.fund)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.fund_id != meeting.fund_id:
        raise ApplicationError(_(MSG_OTHER_FUND))
    if application.status not in (ApplicationStatus.COMMITTEE, *DECIDED_STATUSES) or application.contract_id:
        raise ApplicationError(_(MSG_NOT_READY))
    memo = documents.latest_memo(application)
    if memo is None:
        raise ApplicationError(_(MSG_NO_MEMO))
    if meeting.items.filter(application=application).exists():
        raise ApplicationError(_("Deze aanvraag staat al op de agenda van deze vergadering."))
    position = (meeting.items.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    item = AgendaItem.objects.create(meeting=meeting, application=application, memo=memo, position=position)
    audit_record(
        actor=actor,
        obj=meeting,
        action="agenda_item_added",
        data={"application": application.number, "memo_version": memo.version, "sha256": memo.sha256},
    )
    members = CommitteeMember.objects.filter(fund=meeting.fund).select_related("user")
    notify(
        recipients=[m.user.email for m in members if m.serves_on(meeting.date)],
        subject=_("Agenda %(meeting)s: %(number)s") % {"meeting": meeting, "number": application.number},
        body=_(
            "Aanvraag %(number)s van %(enterprise)s staat op de agenda van de vergadering van %(date)s "
            "(memo versie %(version)s)."
        )
        % {
            "number": application.number,
            "enterprise": application.enterprise,
            "date": meeting.date.strftime("%d-%m-%Y"),
            "version": memo.version,
        },
    )
    return item


def _locked_item(item: AgendaItem) -> AgendaItem:
    return (
        AgendaItem.objects.select_for_update().select_related("meeting__fund", "application").get(pk=item.pk)
    )


def _seat_or_refuse(actor: User, item: AgendaItem) -> CommitteeMember:
    member = seat_of(actor, item.meeting.fund, item.meeting.date)
    if member is None:
        raise PermissionDeniedError(_(MSG_NOT_MEMBER))
    return member


def _locked_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("fund").get(pk=meeting.pk)


def _chair_or_refuse(actor: User, meeting: Meeting) -> CommitteeMember:
    member = seat_of(actor, meeting.fund, meeting.date)
    if member is None or not member.is_chair:
        raise PermissionDeniedError(_(MSG_NOT_CHAIR_MEETING))
    return member


def _require_open(meeting: Meeting) -> None:
    """Votes, decisions and the attendance register only while the meeting is open."""
    if meeting.closed_at is not None:
        raise ApplicationError(_(MSG_CLOSED), code="closed")
    if meeting.opened_at is None:
        raise ApplicationError(_(MSG_NOT_OPEN), code="not_open")


def _require_attending(member: CommitteeMember, item: AgendaItem) -> None:
    """The member is on the attendance register as present and did not leave for this item."""
    if not Attendance.objects.filter(
        meeting_id=item.meeting_id, member=member, status=AttendanceStatus.PRESENT
    ).exists():
        raise ApplicationError(_(MSG_NOT_PRESENT), code="not_present")
    if ItemAbsence.objects.filter(item=item, member=member).exists():
        raise PermissionDeniedError(_(MSG_LEFT_FOR_ITEM))


def serving_members(meeting: Meeting) -> list[CommitteeMember]:
    """The members seated on the meeting's date, chair first."""
    return [
        m
        for m in CommitteeMember.objects.filter(fund=meeting.fund)
        .select_related("user")
        .order_by("-is_chair", "user__last_name", "pk")
        if m.serves_on(meeting.date)
    ]


def _serving_member(meeting: Meeting, member: CommitteeMember) -> CommitteeMember:
    if member.fund_id != meeting.fund_id or not member.serves_on(meeting.date):
        raise ValidationError({"member": [_(MSG_NOT_SEATED) % {"member": member}]})
    return member


@transaction.atomic
def meeting_open(*, actor: User, meeting: Meeting, present: list[CommitteeMember]) -> Meeting:
    """The chair opens the meeting (the time is recorded) with the attendance register: the members in
    ``present`` (the chair always) are present, every other seated member absent. Not before its date."""
    meeting = _locked_meeting(meeting)
    chair = _chair_or_refuse(actor, meeting)
    if meeting.closed_at is not None:
        raise ApplicationError(_(MSG_CLOSED), code="closed")
    if meeting.opened_at is not None:
        raise ApplicationError(_(MSG_ALREADY_OPEN), code="already_open")
    if timezone.localdate() < meeting.date:
        raise ApplicationError(
            _(MSG_TOO_EARLY) % {"date": meeting.date.strftime("%d-%m-%Y")}, code="too_early"
        )
    seated = serving_members(meeting)
    for member in present:
        _serving_member(meeting, member)
    present_ids = {m.pk for m in present} | {chair.pk}
    now = timezone.now()
    Attendance.objects.bulk_create(
        [
            Attendance(
                meeting=meeting,
                member=m,
                status=AttendanceStatus.PRESENT if m.pk in present_ids else AttendanceStatus.ABSENT,
                since=now,
                recorded_by=actor,
            )
            for m in seated
        ]
    )
    meeting.opened_at, meeting.opened_by = now, actor
    meeting.save(update_fields=["opened_at", "opened_by"])
    audit_record(
        actor=actor,
        obj=meeting,
        action="meeting_opened",
        from_state="planned",
        to_state="open",
        data={
            "present": [str(m) for m in seated if m.pk in present_ids],
            "absent": [str(m) for m in seated if m.pk not in present_ids],
        },
    )
    return meeting


@transaction.atomic
def attendance_set(*, actor: User, meeting: Meeting, member: CommitteeMember, present: bool) -> Attendance:
    """A late arrival or an early departure, recorded by the chair while the meeting is open."""
    meeting = _locked_meeting(meeting)
    _chair_or_refuse(actor, meeting)
    _require_open(meeting)
    _serving_member(meeting, member)
    status = AttendanceStatus.PRESENT if present else AttendanceStatus.ABSENT
    row = Attendance.objects.filter(meeting=meeting, member=member).first()
    before = row.status if row else ""
    if row is not None and row.status == status:
        return row
    if row is None:
        row = Attendance(meeting=meeting, member=member)
    row.status, row.since, row.recorded_by = status, timezone.now(), actor
    row.save()
    audit_record(
        actor=actor,
        obj=meeting,
        action="attendance_changed",
        from_state=before,
        to_state=status,
        data={"member": str(member)},
    )
    return row


@transaction.atomic
def item_leave(*, actor: User, item: AgendaItem, member: CommitteeMember, reason: str = "") -> ItemAbsence:
    """The chair records that a member leaves the meeting for one agenda item (e.g. a conflict of
    interest); the member does not vote on that item, not even after returning."""
    item = _locked_item(item)
    meeting = item.meeting
    _chair_or_refuse(actor, meeting)
    _require_open(meeting)
    _serving_member(meeting, member)
    if not Attendance.objects.filter(
        meeting=meeting, member=member, status=AttendanceStatus.PRESENT
    ).exists():
        raise ApplicationError(_(MSG_MEMBER_NOT_PRESENT) % {"member": member}, code="not_present")
    if ItemAbsence.objects.filter(item=item, member=member).exists():
        raise ApplicationError(_(MSG_ALREADY_LEFT) % {"member": member}, code="already_left")
    absence = ItemAbsence.objects.create(
        item=item, member=member, reason=reason.strip(), left_at=timezone.now(), recorded_by=actor
    )
    audit_record(
        actor=actor,
        obj=meeting,
        action="member_left_for_item",
        to_state="left",
        reason=absence.reason,
        data={"member": str(member), "item": item.position, "application": item.application.number},
    )
    return absence


@transaction.atomic
def item_return(*, actor: User, item: AgendaItem, member: CommitteeMember) -> ItemAbsence:
    item = _locked_item(item)
    meeting = item.meeting
    _chair_or_refuse(actor, meeting)
    _require_open(meeting)
    absence = ItemAbsence.objects.filter(item=item, member=member, returned_at__isnull=True).first()
    if absence is None:
        raise ApplicationError(_(MSG_NOT_LEFT) % {"member": member}, code="not_left")
    absence.returned_at = timezone.now()
    absence.save(update_fields=["returned_at"])
    audit_record(
        actor=actor,
        obj=meeting,
        action="member_returned",
        from_state="left",
        to_state="returned",
        data={"member": str(member), "item": item.position, "application": item.application.number},
    )
    return absence


@transaction.atomic
def meeting_close(*, actor: User, meeting: Meeting) -> Meeting:
    """The chair closes the meeting (the time is recorded); nothing can be voted or decided after."""
    meeting = _locked_meeting(meeting)
    _chair_or_refuse(actor, meeting)
    _require_open(meeting)
    meeting.closed_at, meeting.closed_by = timezone.now(), actor
    meeting.save(update_fields=["closed_at", "closed_by"])
    audit_record(actor=actor, obj=meeting, action="meeting_closed", from_state="open", to_state="closed")
    return meeting


def minutes_to_adopt(meeting: Meeting):
    """Earlier closed meetings of the same fund whose minutes are not yet adopted (the ones the chair can
    adopt at this meeting)."""
    return (
        Meeting.objects.filter(
            fund_id=meeting.fund_id,
            closed_at__isnull=False,
            minutes_adopted_at__isnull=True,
            date__lte=meeting.date,
        )
        .exclude(pk=meeting.pk)
        .order_by("date", "pk")
    )


@transaction.atomic
def minutes_adopt(*, actor: User, meeting: Meeting, previous: Meeting):
    """At ``meeting`` (open), the chair adopts (stelt vast) the minutes of an earlier, closed meeting of the
    same fund. The adopted minutes are stored as a new version marked "vastgesteld"; before, they are a
    concept."""
    meeting = _locked_meeting(meeting)
    _chair_or_refuse(actor, meeting)
    _require_open(meeting)
    previous = _locked_meeting(previous)
    if previous.fund_id != meeting.fund_id or previous.pk == meeting.pk or previous.date > meeting.date:
        raise ApplicationError(_(MSG_MINUTES_NOT_EARLIER), code="not_earlier")
    if previous.closed_at is None or previous.closed_at > meeting.opened_at:
        raise ApplicationError(_(MSG_MINUTES_NOT_CLOSED), code="not_closed")
    if previous.minutes_adopted_at is not None:
        raise ApplicationError(_(MSG_MINUTES_ADOPTED), code="adopted")
    previous.minutes_adopted_at, previous.minutes_adopted_by = timezone.now(), actor
    previous.minutes_adopted_in = meeting
    previous.save(update_fields=["minutes_adopted_at", "minutes_adopted_by", "minutes_adopted_in"])
    stored = _minutes_store(actor=actor, meeting=previous)
    audit_record(
        actor=actor,
        obj=previous,
        action="minutes_adopted",
        from_state="concept",
        to_state="adopted",
        data={"in_meeting": str(meeting), "version": stored.version, "sha256": stored.sha256},
    )
    audit_record(
        actor=actor, obj=meeting, action="minutes_of_earlier_meeting_adopted", data={"of": str(previous)}
    )
    return stored


@transaction.atomic
def conflict_declare(
    *, actor: User, item: AgendaItem, has_conflict: bool, description: str = ""
) -> ConflictDeclaration:
    item = _locked_item(item)
    member = _seat_or_refuse(actor, item)
    if has_conflict and not description.strip():
        raise ValidationError({"description": [_("Omschrijf het tegenstrijdig belang.")]})
    if item.meeting.closed_at is not None:
        raise ApplicationError(_(MSG_CLOSED), code="closed")
    if item.decisions.exists():
        raise ApplicationError(_(MSG_DECIDED))
    if ConflictDeclaration.objects.filter(item=item, member=member).exists():
        raise ApplicationError(_(MSG_ALREADY_DECLARED))
    declaration = ConflictDeclaration.objects.create(
        item=item, member=member, has_conflict=has_conflict, description=description.strip()
    )
    audit_record(
        actor=actor,
        obj=item.meeting,
        action="conflict_declared",
        to_state="conflict" if has_conflict else "no_conflict",
        reason=declaration.description,
        data={"item": item.position, "application": item.application.number},
    )
    return declaration


@transaction.atomic
def vote_cast(*, actor: User, item: AgendaItem, choice: str, remarks: str = "") -> Vote:
    item = _locked_item(item)  # serialises votes and the decision on this item
    member = _seat_or_refuse(actor, item)
    if choice not in VoteChoice.values:
        raise ValidationError({"choice": [_("Kies voor, tegen of onthouding.")]})
    _require_open(item.meeting)
    if item.decisions.exists():
        raise ApplicationError(_(MSG_DECIDED), code="decided")
    declaration = ConflictDeclaration.objects.filter(item=item, member=member).first()
    if declaration is None:
        raise ApplicationError(_(MSG_DECLARE_FIRST), code="declare_first")
    if declaration.has_conflict:
        raise PermissionDeniedError(_(MSG_CONFLICTED))
    _require_attending(member, item)
    if Vote.objects.filter(item=item, member=member).exists():
        raise ApplicationError(_(MSG_ALREADY_VOTED), code="already_voted")
    try:
        with transaction.atomic():
            vote = Vote.objects.create(item=item, member=member, choice=choice, remarks=remarks.strip())
    except IntegrityError as exc:  # a concurrent second vote by the same member
        raise ApplicationError(_(MSG_ALREADY_VOTED), code="already_voted") from exc
    audit_record(
        actor=actor,
        obj=item.meeting,
        action="vote_cast",
        to_state=choice,
        data={"item": item.position, "application": item.application.number},
    )
    return vote


# --------------------------------------------------------------------------------------------------
# Tally and decision
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    present: int  # members who declared no conflict
    conflicted: int
    votes_for: int
    votes_against: int
    votes_abstain: int
    quorum: int
    majority: str

    @property
    def voted(self) -> int:
        return self.votes_for + self.votes_against + self.votes_abstain

    @property
    def has_quorum(self) -> bool:
        return self.present >= self.quorum

    @property
    def has_majority_for(self) -> bool:
        decisive = self.votes_for + self.votes_against
        if self.majority == MajorityRule.UNANIMOUS:
            return self.votes_for > 0 and self.votes_against == 0
        if self.majority == MajorityRule.TWO_THIRDS:
            return decisive > 0 and self.votes_for * 3 >= decisive * 2
        return self.votes_for > self.votes_against


def tally(item: AgendaItem) -> Tally:
    """Present = members on the attendance register as present, who did not leave for this item and
    declared no conflict of interest."""
    declarations = list(item.declarations.all())
    attending = set(
        Attendance.objects.filter(meeting_id=item.meeting_id, status=AttendanceStatus.PRESENT).values_list(
            "member_id", flat=True
        )
    )
    away = set(item.absences.values_list("member_id", flat=True))
    counts = dict.fromkeys(VoteChoice.values, 0)
    for choice in item.votes.values_list("choice", flat=True):
        counts[choice] += 1
    rules = rules_for(item.meeting.fund)
    return Tally(
        present=sum(
            1
            for d in declarations
            if not d.has_conflict and d.member_id in attending and d.member_id not in away
        ),
        conflicted=sum(1 for d in declarations if d.has_conflict),
        votes_for=counts[VoteChoice.FOR],
        votes_against=counts[VoteChoice.AGAINST],
        votes_abstain=counts[VoteChoice.ABSTAIN],
        quorum=rules.quorum,
        majority=rules.majority,
    )


def current_decision(application: Application) -> Decision | None:
    return (
        Decision.objects.filter(item__application=application, superseded_by__isnull=True)
        .order_by("-recorded_at", "-id")
        .first()
    )


def _lines(text: str) -> str:
    return "\n".join(line.strip() for line in (text or "").splitlines() if line.strip())


@transaction.atomic
def decision_record(
    *,
    actor: User,
    item: AgendaItem,
    outcome: str,
    conditions: str = "",
    reasons: str = "",
    questions: str = "",
    supersedes: Decision | None = None,
) -> Decision:
    """The chair records the committee's decision on an agenda item; immutable once recorded.

    Approval needs the quorum of members without a conflict and the fund's majority; rejection needs the
    quorum and no majority for. Deferral (questions back) needs neither. A changed decision names the decision
    it supersedes. Every present member must have voted before approving or rejecting.
    """
    item = _locked_item(item)
    member = _seat_or_refuse(actor, item)
    if not member.is_chair:
        raise PermissionDeniedError(_(MSG_NOT_CHAIR))
    _require_open(item.meeting)
    declaration = ConflictDeclaration.objects.filter(item=item, member=member).first()
    if declaration is not None and declaration.has_conflict:
        raise PermissionDeniedError(_(MSG_CONFLICTED))
    _require_attending(member, item)
    application = (
        Application.objects.select_for_update()
        .select_related("fund", "enterprise")
        .get(pk=item.application_id)
    )
    if outcome not in DecisionOutcome.values:
        raise ValidationError({"outcome": [_("Kies een besluit.")]})
    conditions, reasons, questions = _lines(conditions), reasons.strip(), _lines(questions)
    if outcome == DecisionOutcome.APPROVED_WITH_CONDITIONS and not conditions:
        raise ValidationError({"conditions": [_(MSG_CONDITIONS)]})
    if outcome == DecisionOutcome.REJECTED and not reasons:
        raise ValidationError({"reasons": [_(MSG_REASONS)]})
    if outcome == DecisionOutcome.DEFERRED and not questions:
        raise ValidationError({"questions": [_(MSG_QUESTIONS)]})
    if application.contract_id:
        raise ApplicationError(_(MSG_HANDED_OFF))

    current = current_decision(application)
    must_supersede = current is not None and (
        current.outcome != DecisionOutcome.DEFERRED or current.item_id == item.pk
    )
    if must_supersede and (supersedes is None or supersedes.pk != current.pk):
        raise ApplicationError(_(MSG_SUPERSEDE))
    if not must_supersede and supersedes is not None:
        raise ApplicationError(_(MSG_NOTHING_TO_SUPERSEDE))

    counted = tally(item)
    if outcome != DecisionOutcome.DEFERRED:
        if not counted.has_quorum:
            raise ApplicationError(
                _(MSG_NO_QUORUM) % {"present": counted.present, "quorum": counted.quorum}, code="no_quorum"
            )
        if counted.voted < counted.present:
            raise ApplicationError(
                _(MSG_NOT_ALL_VOTED) % {"voted": counted.voted, "present": counted.present}
            )
        params = {
            "for": counted.votes_for,
            "against": counted.votes_against,
            "abstain": counted.votes_abstain,
        }
        if outcome in (DecisionOutcome.APPROVED, DecisionOutcome.APPROVED_WITH_CONDITIONS):
            if not counted.has_majority_for:
                raise ApplicationError(_(MSG_NO_MAJORITY) % params, code="no_majority")
        elif counted.has_majority_for:
            raise ApplicationError(_(MSG_MAJORITY_FOR), code="majority_for")

    from_status = application.status
    to_status = OUTCOME_STATUS[outcome]
    if from_status == ApplicationStatus.COMMITTEE:
        if outcome != DecisionOutcome.DEFERRED:
            from .services import application_set_decided

            application_set_decided(
                actor=actor, application=application, name=OUTCOME_TRANSITION[outcome], reason=reasons
            )
    elif from_status in DECIDED_STATUSES and supersedes is not None:
        application.status, application.status_changed_at = to_status, timezone.now()
        application.save(update_fields=["status", "status_changed_at"])
        audit_record(
            actor=actor,
            obj=application,
            action="application_decision_changed",
            from_state=from_status,
            to_state=to_status,
            reason=reasons,
        )
        _notify_status(application, from_status=from_status, reason=reasons)
    else:
        raise TransitionError(
            obj_label=str(application),
            from_state=str(application.get_status_display()),
            to_state=str(ApplicationStatus(to_status).label),
            allowed=target_labels_from(application.status),
        )

    decision = Decision.objects.create(
        item=item,
        outcome=outcome,
        conditions=conditions,
        reasons=reasons,
        questions=questions,
        votes_for=counted.votes_for,
        votes_against=counted.votes_against,
        votes_abstain=counted.votes_abstain,
        present=counted.present,
        supersedes=supersedes,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        obj=item.meeting,
        action="decision_recorded",
        to_state=outcome,
        reason=reasons or questions,
        data={
            "application": application.number,
            "memo_version": item.memo.version,
            "sha256": item.memo.sha256,
            "for": counted.votes_for,
            "against": counted.votes_against,
            "abstain": counted.votes_abstain,
            "present": counted.present,
            "supersedes": supersedes.pk if supersedes else None,
            "conditions": decision.condition_lines,
        },
    )
    body = _(
        "De investeringscommissie van %(fund)s heeft over aanvraag %(number)s besloten: %(outcome)s."
    ) % {
        "fund": application.fund,
        "number": application.number,
        "outcome": decision.get_outcome_display(),
    }
    for title, text in ((_("Voorwaarden"), conditions), (_("Redenen"), reasons), (_("Vragen"), questions)):
        if text:
            body += f"\n\n{title}:\n{text}"
    notify(
        recipients=[*investee_emails(application.enterprise), *fund_manager_emails(application.fund)],
        subject=_("%(number)s: besluit investeringscommissie") % {"number": application.number},
        body=body,
    )
    return decision


# --------------------------------------------------------------------------------------------------
# Minutes
# --------------------------------------------------------------------------------------------------


def minutes_stand(meeting: Meeting) -> datetime.datetime:
    """The moment of the last change the minutes show (declaration, vote or decision): the minutes' date."""
    moments = [meeting.created_at]
    moments += [
        moment
        for moment in (meeting.opened_at, meeting.closed_at, meeting.minutes_adopted_at)
        if moment is not None
    ]
    latest_attendance = (
        Attendance.objects.filter(meeting=meeting).order_by("-since").values_list("since", flat=True).first()
    )
    if latest_attendance:
        moments.append(latest_attendance)
    for absence in ItemAbsence.objects.filter(item__meeting=meeting).values_list("left_at", "returned_at"):
        moments += [moment for moment in absence if moment is not None]
    for model, field in ((ConflictDeclaration, "declared_at"), (Vote, "cast_at"), (Decision, "recorded_at")):
        latest = (
            model.objects.filter(item__meeting=meeting)
            .order_by(f"-{field}")
            .values_list(field, flat=True)
            .first()
        )
        if latest:
            moments.append(latest)
    return max(moments)


def minutes_store(*, actor: User, meeting: Meeting):
    """Keep the meeting's full minutes as a stored document (core.documents, kind "committee_minutes").

    The PDF is rendered reproducibly as of the last change, so the same state gives the same bytes and the
    existing version; a later declaration, vote or decision makes the next version, with that as its reason.
    Only for someone who may see the full minutes (fund staff of the meeting's fund without a conflict on
    one of its items, administrators)."""
    if not documents.can_view_minutes(actor, meeting):
        raise PermissionDeniedError()
    return _minutes_store(actor=actor, meeting=meeting)


@transaction.atomic
def _minutes_store(*, actor: User, meeting: Meeting):
    from core import formats
    from core.documents import document_latest, document_store

    from .minutes import minutes_pdf

    meeting = Meeting.objects.select_for_update().select_related("fund").get(pk=meeting.pk)
    stand = minutes_stand(meeting)
    latest = document_latest(kind=documents.COMMITTEE_MINUTES, subject=meeting)
    reason = ""
    if latest is not None:
        reason = _("Bijgewerkt naar de stand van %(moment)s.") % {
            "moment": formats.format_datetime(stand, language="nl")
        }
    stored = document_store(
        kind=documents.COMMITTEE_MINUTES,
        subject=meeting,
        content=minutes_pdf(meeting=meeting, generated_at=stand),
        filename=f"notulen-{meeting.fund.code}-{meeting.date:%Y%m%d}.pdf",
        actor=actor,
        reason=reason,
        media_type="application/pdf",
    )
    if latest is None or stored.pk != latest.pk:
        audit_record(
            actor=actor,
            obj=meeting,
            action="minutes_stored",
            reason=stored.reason,
            data={"version": stored.version, "sha256": stored.sha256},
        )
    return stored
