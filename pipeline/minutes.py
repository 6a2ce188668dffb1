"""Minutes (notulen) of an investment-committee meeting: members, declarations, votes and decisions.

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
from .models import CommitteeMember, Meeting

VOTE_NL = {"for": "voor", "against": "tegen", "abstain": "onthouding"}


def _moment(value: datetime.datetime) -> str:
    return formats.format_datetime(value, language="nl")


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
    return build(
        title=f"Notulen investeringscommissie {date(meeting.date)}",
        subtitle=f"{fund.name}{' — ' + meeting.location if meeting.location else ''}",
        story=story,
        generated_at=generated_at,
    )
