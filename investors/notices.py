"""Call and distribution notices: one PDF per investor, stored once with core.documents."""

from __future__ import annotations

CALL_NOTICE = "investors.call_notice"
DISTRIBUTION_NOTICE = "investors.distribution_notice"


def register() -> None:
    pass
