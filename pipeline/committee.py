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
    CommitteeMember,
    CommitteeRules,
    ConflictDeclaration,
    Decision,
    DecisionOutcome,
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


@transaction.atomic
def conflict_declare(
    *, actor: User, item: AgendaItem, has_conflict: bool, description: str = ""
) -> ConflictDeclaration:
    item = _locked_item(item)
    member = _seat_or_refuse(actor, item)
    if has_conflict and not description.strip():
        raise ValidationError({"description": [_("Omschrijf het tegenstrijdig belang.")]})
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
    if item.decisions.exists():
        raise ApplicationError(_(MSG_DECIDED), code="decided")
    declaration = ConflictDeclaration.objects.filter(item=item, member=member).first()
    if declaration is None:
        raise ApplicationError(_(MSG_DECLARE_FIRST), code="declare_first")
    if declaration.has_conflict:
        raise PermissionDeniedError(_(MSG_CONFLICTED))
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
    declarations = list(item.declarations.all())
    counts = dict.fromkeys(VoteChoice.values, 0)
    for choice in item.votes.values_list("choice", flat=True):
        counts[choice] += 1
    rules = rules_for(item.meeting.fund)
    return Tally(
        present=sum(1 for d in declarations if not d.has_conflict),
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
    declaration = ConflictDeclaration.objects.filter(item=item, member=member).first()
    if declaration is not None and declaration.has_conflict:
        raise PermissionDeniedError(_(MSG_CONFLICTED))
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


@transaction.atomic
def minutes_store(*, actor: User, meeting: Meeting):
    """Keep the meeting's full minutes as a stored document (core.documents, kind "committee_minutes").

    The PDF is rendered reproducibly as of the last change, so the same state gives the same bytes and the
    existing version; a later declaration, vote or decision makes the next version, with that as its reason.
    Only for someone who may see the full minutes (fund staff of the meeting's fund without a conflict on
    one of its items, administrators)."""
    from core import formats
    from core.documents import document_latest, document_store

    from .minutes import minutes_pdf

    if not documents.can_view_minutes(actor, meeting):
        raise PermissionDeniedError()
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
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
