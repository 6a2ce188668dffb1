"""Every page of the demo, for every role, is Dutch (issue 16): the crawler of test_formats_everywhere logs in
as each demo user, follows the links of its pages and reads the visible text of each page and PDF it reaches;
the test fails on English words users found in Dutch pages ("On hold", "Voldoet niet overruled",
"Concept → active", "current") and on raw codes ("on_hold", "no_conflict").

Codes shown as ``<code>`` (CSV column names such as ``behaald_op``, milestone codes) are not words: the
crawler skips them, and the page gives each its Dutch description.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import translation

from fund.models import Membership
from tests.test_formats_everywhere import _crawl

pytestmark = pytest.mark.django_db

# English words that are not Dutch (loanwords Dutch finance uses, such as "due diligence" and "screening",
# are allowed); case-sensitive where a Dutch word shares the letters.
ENGLISH = {
    "English word": re.compile(
        r"\b(On hold|on hold|overruled|Overruled|active|current|pending|approved|rejected|withdrawn|"
        r"submitted|draft|accepted|returned|None|True|False|Save|Submit|Cancel|Delete|Yes|Loan|Repayment|"
        r"Outstanding|Overdue|Paid|Upcoming|Settings)\b"
    ),
    "raw code": re.compile(r"(?<![\w@./-])[a-z]+_[a-z_]+(?![\w@./-])"),
}
_FOUND: dict[str, list[str]] = {}


def _findings(client) -> dict[str, list[str]]:
    """Crawl once per test session (the slow part), then answer both tests from the same findings."""
    if _FOUND.get("_done") is None:
        with translation.override("nl"):
            call_command("load_demo", quiet_logins=True)
            users = {m.user for m in Membership.objects.select_related("user")}
            for user in sorted(users, key=lambda u: u.email):
                client.force_login(user)
                _visited, problems = _crawl(client, "/", patterns=ENGLISH, csv_patterns={})
                for url, items in problems.items():
                    _FOUND.setdefault(re.sub(r"\d+", "<id>", url), []).extend(
                        f"{user.email}: {p}" for p in items[:3]
                    )
                client.logout()
        _FOUND["_done"] = []
    return {url: items for url, items in _FOUND.items() if url != "_done"}


def _report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{url}: {item}" for url, items in sorted(found.items()) for item in items[:2])


def test_every_demo_page_is_dutch(client):
    found = _findings(client)
    assert not found, _report(found)


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Status: On hold (45 dagen)", True),
        ("Voldoet niet overruled", True),
        ("Concept → active", True),
        ("Belangenverklaring — → no_conflict", True),
        ("Impact per metriek in None", True),
        ("Status: Aangehouden · Voldoet niet (afwijking toegestaan) · Concept → Lopend", False),
        ("Due diligence · Screening · ondernemer@impactfonds.example · jaarrekening_2025.pdf", False),
    ],
)
def test_the_checks_catch_what_users_reported(text, flagged):
    found = [name for name, pattern in ENGLISH.items() if pattern.search(text)]
    assert bool(found) == flagged, found
