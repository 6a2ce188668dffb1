"""The application state machine as one explicit table: name → (from states, to state, who may do it).

A plain table rather than django-fsm-2: the fund's own status already uses a table (`FUND_TRANSITIONS`),
the whole machine is readable in one screen, the pages list the allowed next steps from the same data,
and the tests iterate it to try every legal and every illegal transition. Each entry is executed by
exactly one service function in `pipeline.services` (or `pipeline.committee` for decisions).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import OPEN_STATUSES, ApplicationStatus

S = ApplicationStatus

FUND_MANAGER = "fund_manager"
INVESTEE = "investee"
COMMITTEE_CHAIR = "committee_chair"


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str | None  # None: back to the state the application was held from
    roles: tuple[str, ...]
    label: object


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("submit", (S.DRAFT,), S.SUBMITTED, (INVESTEE, FUND_MANAGER), _("Indienen")),
        Transition("start_screening", (S.SUBMITTED,), S.SCREENING, (FUND_MANAGER,), _("Screening starten")),
        Transition(
            "start_due_diligence",
            (S.SCREENING,),
            S.DUE_DILIGENCE,
            (FUND_MANAGER,),
            _("Due diligence starten"),
        ),
        Transition(
            "refer_to_committee",
            (S.DUE_DILIGENCE,),
            S.COMMITTEE,
            (FUND_MANAGER,),
            _("Voorleggen aan de investeringscommissie"),
        ),
        Transition(
            "decline",
            (S.SUBMITTED, S.SCREENING, S.DUE_DILIGENCE),
            S.REJECTED,
            (FUND_MANAGER,),
            _("Afwijzen (vóór de commissie)"),
        ),
        Transition(
            "hold",
            (S.SUBMITTED, S.SCREENING, S.DUE_DILIGENCE, S.COMMITTEE),
            S.ON_HOLD,
            (FUND_MANAGER,),
            _("Aanhouden"),
        ),
        Transition("resume", (S.ON_HOLD,), None, (FUND_MANAGER,), _("Hervatten")),
        Transition("withdraw", tuple(OPEN_STATUSES), S.WITHDRAWN, (INVESTEE, FUND_MANAGER), _("Intrekken")),
        Transition("approve", (S.COMMITTEE,), S.APPROVED, (COMMITTEE_CHAIR,), _("Goedkeuren")),
        Transition(
            "approve_with_conditions",
            (S.COMMITTEE,),
            S.APPROVED_WITH_CONDITIONS,
            (COMMITTEE_CHAIR,),
            _("Goedkeuren onder voorwaarden"),
        ),
        Transition("reject", (S.COMMITTEE,), S.REJECTED, (COMMITTEE_CHAIR,), _("Afwijzen")),
    ]
}


def allowed_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.sources]


def target_labels_from(status: str) -> list[str]:
    """Readable names of the states reachable from `status` (for the refusal message)."""
    labels = []
    for t in allowed_from(status):
        label = str(S(t.target).label) if t.target else str(_("vorige fase"))
        if label not in labels:
            labels.append(label)
    return labels
