"""Minutes (notulen) of an investment-committee meeting: members, declarations, votes and decisions.

A member with a conflict of interest on an item gets minutes without that item's individual votes.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph

from core.pdf import BODY, HEADING, build, table
from pipeline import committee, selectors
from pipeline.models import CommitteeMember, Meeting

VOTE_NL = {"for": "voor", "against": "tegen", "abstain": "onthouding"}


def _p(text) -> Paragraph:
    return Paragraph(escape(str(text or "—")).replace("\n", "<br/>"), BODY)


def minutes_pdf(*, meeting: Meeting, viewer) -> bytes:
    fund = meeting.fund
    members = [
        m
        for m in CommitteeMember.objects.filter(fund=fund).select_related("user")
        if m.serves_on(meeting.date)
    ]
    rules = committee.rules_for(fund)
    story = [
        Paragraph("Leden en regels", HEADING),
        _p(
            ", ".join(f"{m.user}{' (voorzitter)' if m.is_chair else ''}" for m in members)
            + f". Quorum: {rules.quorum} leden zonder tegenstrijdig belang; "
            + f"meerderheid: {rules.get_majority_display().lower()}."
        ),
    ]
    items = meeting.items.select_related("application__enterprise__organisation", "memo").order_by("position")
    for item in items:
        application = item.application
        story.append(
            Paragraph(
                f"{item.position}. {escape(application.number)} — "
                f"{escape(application.enterprise.organisation.name)}",
                HEADING,
            )
        )
        story.append(_p(f"Memo versie {item.memo.number}, SHA-256 {item.memo.sha256}"))
        declarations = list(item.declarations.select_related("member__user"))
        rows = [["Lid", "Tegenstrijdig belang", "Omschrijving"]]
        rows += [
            [str(d.member), "ja" if d.has_conflict else "nee", _p(d.description or "")] for d in declarations
        ]
        story.append(table(rows, widths=[50 * mm, 35 * mm, 85 * mm]))
        counted = committee.tally(item)
        story.append(
            _p(
                f"Aanwezig zonder tegenstrijdig belang: {counted.present}; voor {counted.votes_for}, "
                f"tegen {counted.votes_against}, onthouding {counted.votes_abstain}."
            )
        )
        if selectors.can_see_votes(viewer, item):
            votes = [["Lid", "Stem", "Toelichting"]]
            votes += [
                [str(v.member), VOTE_NL[v.choice], _p(v.remarks)]
                for v in item.votes.select_related("member__user")
            ]
            if len(votes) > 1:
                story.append(table(votes, widths=[50 * mm, 25 * mm, 95 * mm]))
        for decision in item.decisions.order_by("recorded_at", "id"):
            text = (
                f"Besluit: {decision.get_outcome_display()} "
                f"(vastgelegd {decision.recorded_at:%d-%m-%Y} door {decision.recorded_by})"
            )
            if decision.supersedes_id:
                text += f"; vervangt het besluit van {decision.supersedes.recorded_at:%d-%m-%Y}"
            story.append(_p(text + "."))
            for label, value in (
                ("Voorwaarden", decision.conditions),
                ("Redenen", decision.reasons),
                ("Vragen", decision.questions),
            ):
                if value:
                    story.append(_p(f"{label}:\n{value}"))
    if not items:
        story.append(_p("Geen agendapunten."))
    return build(
        title=f"Notulen investeringscommissie {meeting.date:%d-%m-%Y}",
        subtitle=f"{fund.name}{' — ' + meeting.location if meeting.location else ''}",
        story=story,
    )
