"""Minutes (notulen) of an investment-committee meeting: status (concept or adopted), opening and closing
times, the attendance register, who left for which item, declarations, votes and decisions with their times.

Built with core.pdf (every text from data escaped). The full minutes are stored per meeting
(``committee.minutes_store``); a member with a conflict of interest on an item gets minutes without that
item's individual votes (``hide_votes_of``), made for them and not stored.
"""

from __future__ import annotations

import datetime

from reportlab.lib.units import mm

from core import formats
from core.pdf import build, date, heading, p, table

from . import committee
from .models import AttendanceStatus, CommitteeMember, Meeting

VOTE_NL = {"for": "voor", "against": "tegen", "abstain": "onthouding"}


def _moment(value: datetime.datetime) -> str:
    return formats.format_datetime(value, language="nl")


def _status(meeting: Meeting) -> str:
    if meeting.minutes_adopted_at is not None:
        return (
            f"Vastgesteld in de vergadering van {date(meeting.minutes_adopted_in.date)} "
            f"op {_moment(meeting.minutes_adopted_at)} door {meeting.minutes_adopted_by}."
        )
    return "CONCEPT — deze notulen zijn nog niet vastgesteld."


def _opening(meeting: Meeting) -> str:
    if meeting.opened_at is None:
        return "De vergadering is nog niet geopend."
    text = f"Geopend op {_moment(meeting.opened_at)} door {meeting.opened_by}"
    if meeting.closed_at is not None:
        return text + f"; gesloten op {_moment(meeting.closed_at)} door {meeting.closed_by}."
    return text + "; nog niet gesloten."


def minutes_pdf(
    *,
    meeting: Meeting,
    generated_at: datetime.datetime | None = None,
    hide_votes_of: frozenset[int] | set[int] = frozenset(),
) -> bytes:
    """The minutes as PDF bytes; with ``generated_at`` the bytes are the same for the same data."""
    fund = meeting.fund
    members = [
        m
        for m in CommitteeMember.objects.filter(fund=fund).select_related("user").order_by("-is_chair", "pk")
        if m.serves_on(meeting.date)
    ]
    rules = committee.rules_for(fund)
    story = [
        p(_status(meeting)),
        heading("Opening en presentie"),
        p(_opening(meeting)),
    ]
    register = list(meeting.attendance.select_related("member__user").order_by("-member__is_chair", "pk"))
    if register:
        rows = [["Lid", "Presentie", "Sinds"]]
        rows += [
            [
                str(a.member),
                "aanwezig" if a.status == AttendanceStatus.PRESENT else "afwezig",
                "de opening" if a.since == meeting.opened_at else _moment(a.since),
            ]
            for a in register
        ]
        story.append(table(rows, widths=[70 * mm, 35 * mm, 65 * mm], wrap=True))
    story += [
        heading("Leden en regels"),
        p(
            ", ".join(f"{m.user}{' (voorzitter)' if m.is_chair else ''}" for m in members)
            + f". Quorum: {rules.quorum} leden zonder tegenstrijdig belang; "
            + f"meerderheid: {rules.get_majority_display().lower()}."
        ),
    ]
    items = list(
        meeting.items.select_related("application__enterprise__organisation", "memo").order_by("position")
    )
    for item in items:
        application = item.application
        story.append(
            heading(f"{item.position}. {application.number} — {application.enterprise.organisation.name}")
        )
        story.append(p(f"Memo versie {item.memo.version}, SHA-256 {item.memo.sha256}"))
        declarations = list(item.declarations.select_related("member__user").order_by("declared_at", "pk"))
        rows = [["Lid", "Tegenstrijdig belang", "Omschrijving"]]
        rows += [
            [str(d.member), "ja" if d.has_conflict else "nee", d.description or "—"] for d in declarations
        ]
        story.append(table(rows, widths=[50 * mm, 35 * mm, 85 * mm], wrap=True))
        for absence in item.absences.select_related("member__user").order_by("left_at", "pk"):
            returned = (
                f"keerde terug om {_moment(absence.returned_at)}"
                if absence.returned_at
                else "keerde voor dit punt niet terug"
            )
            reason = f" ({absence.reason})" if absence.reason else ""
            story.append(
                p(
                    f"{absence.member} verliet de vergadering voor dit agendapunt om "
                    f"{_moment(absence.left_at)}{reason} en {returned}."
                )
            )
        counted = committee.tally(item)
        story.append(
            p(
                f"Aanwezig zonder tegenstrijdig belang: {counted.present}; voor {counted.votes_for}, "
                f"tegen {counted.votes_against}, onthouding {counted.votes_abstain}."
            )
        )
        if item.pk in hide_votes_of:
            story.append(p("De stemmen per lid staan niet in deze notulen (tegenstrijdig belang)."))
        else:
            votes = [["Lid", "Stem", "Toelichting"]]
            votes += [
                [str(v.member), VOTE_NL[v.choice], v.remarks or "—"]
                for v in item.votes.select_related("member__user").order_by("cast_at", "pk")
            ]
            if len(votes) > 1:
                story.append(table(votes, widths=[50 * mm, 25 * mm, 95 * mm], wrap=True))
        for decision in item.decisions.select_related("recorded_by", "supersedes").order_by(
            "recorded_at", "id"
        ):
            text = (
                f"Besluit: {decision.get_outcome_display()} "
                f"(vastgelegd {_moment(decision.recorded_at)} door {decision.recorded_by})"
            )
            if decision.supersedes_id:
                text += f"; vervangt het besluit van {_moment(decision.supersedes.recorded_at)}"
            story.append(p(text + "."))
            for label, value in (
                ("Voorwaarden", decision.conditions),
                ("Redenen", decision.reasons),
                ("Vragen", decision.questions),
            ):
                if value:
                    story.append(p(f"{label}:\n{value}"))
    if not items:
        story.append(p("Geen agendapunten."))
    concept = "" if meeting.minutes_adopted_at is not None else " (concept)"
    return build(
        title=f"Notulen investeringscommissie {date(meeting.date)}{concept}",
        subtitle=f"{fund.name}{' — ' + meeting.location if meeting.location else ''}",
        story=story,
        generated_at=generated_at,
    )
