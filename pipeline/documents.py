"""The pipeline's stored documents: the investment memo (per application) and the committee minutes (per
meeting), kept by core.documents and downloaded through its one scoped view.

Who may download them is who may see them today: the memo is internal (fund staff of the application's
fund — fund managers and committee members who see the application — and administrators); the minutes go to
the fund staff of the meeting's fund, except that a member with a conflict of interest on one of the
meeting's items does not get the full minutes (with that item's individual votes) — they get their own
version without those votes from the minutes page (pipeline.views.minutes_pdf).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.documents import register_document_kind

INVESTMENT_MEMO = "investment_memo"
COMMITTEE_MINUTES = "committee_minutes"


def can_view_memo(user, application) -> bool:
    from . import selectors

    if not getattr(user, "is_authenticated", False):
        return False
    return selectors.applications_for(user).filter(pk=application.pk).exists() and selectors.can_see_internal(
        user, application
    )


def can_view_minutes(user, meeting) -> bool:
    from . import selectors

    if not getattr(user, "is_authenticated", False):
        return False
    return selectors.meetings_for(user).filter(pk=meeting.pk).exists() and not selectors.conflicted_items(
        user, meeting
    )


def register() -> None:
    register_document_kind(INVESTMENT_MEMO, label=_("Investeringsmemo"), can_view=can_view_memo)
    register_document_kind(
        COMMITTEE_MINUTES, label=_("Notulen investeringscommissie"), can_view=can_view_minutes
    )


def memo_versions(application):
    """Every stored memo version of the application, newest first (content deferred)."""
    from core.documents import documents_for

    return documents_for(subject=application, kind=INVESTMENT_MEMO)


def latest_memo(application):
    from core.documents import document_latest

    return document_latest(kind=INVESTMENT_MEMO, subject=application)


def minutes_versions(meeting):
    from core.documents import documents_for

    return documents_for(subject=meeting, kind=COMMITTEE_MINUTES)
