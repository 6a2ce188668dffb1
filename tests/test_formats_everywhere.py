"""Every page of the demo, for every role, shows numbers the one Dutch way (issue 11).

A crawler logs in as each demo user, follows the links it finds on its pages (GET only, same site) and reads
the visible text of each HTML page, and the text of each CSV export it meets. It fails on the formats users
reported: a bare Decimal ("2172.57", "0.2500"), a negative amount written "-€", "-€ 0,00" / "€ -0,00",
a number without thousand separators ("292081,4"), more than two decimals in a shown value ("50,2142"),
ISO dates in a CSV.
"""

from __future__ import annotations

import io
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlparse

import pytest
from django.core.management import call_command
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from fund.models import Membership

pytestmark = pytest.mark.django_db

PAGES_PER_USER = 80
SKIP = re.compile(r"^/(account/logout|i18n|admin|api|static|media)|/(delete|logout)\b|\.xlsx$|template|xlsx")

BAD = {
    # codes that look like numbers are written with their name: "SDG 8.5", "IRIS+ 5.3"
    "bare decimal with a dot": re.compile(
        r"(?<![\w.,/:-])(?<!SDG )(?<!IRIS\+ )\d+\.(\d{1,2}|\d{4,})(?![\w.,%])"
    ),
    "minus before the euro sign": re.compile(r"-\s?€"),
    "negative zero": re.compile(r"€\s?-0,00\b"),
    "thousands without separator": re.compile(r"(?<![\w.,/-])\d{5,},\d"),
    "more than two decimals": re.compile(r"(?<![\w.,/-])\d{1,3}(\.\d{3})*,\d{3,}(?![\w%])"),
}
# Version labels of a price list ("2026.1": year and edition) are codes, not amounts.
VERSION_LABEL = re.compile(r"(?<![\d.,])20\d{2}\.\d{1,2}(?![\d.,])")

CSV_BAD = {
    "ISO date in CSV": re.compile(r"(^|;)\d{4}-\d{2}-\d{2}(;|$)", re.M),
    "decimal point in CSV": re.compile(r"(^|;)-?\d+\.\d{1,2}(;|$)", re.M),
}


class _Text(HTMLParser):
    """Visible text and links of a page (no script, style or attribute values; no ``<code>``: a code such
    as a CSV column name ``behaald_op`` is shown as code, not as a word or a number)."""

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "textarea", "input", "select", "option", "code"):
            self._skip += 1 if tag in ("script", "style", "textarea", "option", "code") else 0
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "textarea", "option", "code") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _pdf_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    try:
        reader = PdfReader(io.BytesIO(content))
        pages = list(reader.pages)
    except PdfReadError:  # an uploaded demo file, not a document the system made
        return ""
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def _crawl(
    client, start: str, *, patterns: dict | None = None, csv_patterns: dict | None = None
) -> tuple[list[str], dict[str, list[str]]]:
    """Visit up to PAGES_PER_USER pages from `start`; `patterns` (default BAD) are searched in the visible
    text of each HTML page and PDF, `csv_patterns` (default CSV_BAD) in each CSV."""
    patterns = BAD if patterns is None else patterns
    csv_patterns = CSV_BAD if csv_patterns is None else csv_patterns
    seen, queue, problems, visited = set(), deque([start]), {}, []
    while queue and len(visited) < PAGES_PER_USER:
        url = urldefrag(queue.popleft())[0]
        parsed = urlparse(url)
        if url in seen or parsed.scheme or parsed.netloc or not url.startswith("/") or SKIP.search(url):
            continue
        seen.add(url)
        response = client.get(url, follow=True)
        if response.redirect_chain:
            url = response.redirect_chain[-1][0]
            if url in seen and url != start:
                continue
            seen.add(url)
        if response.status_code != 200:
            continue
        visited.append(url)
        content_type = response.get("Content-Type", "")
        if "text/csv" in content_type:
            text = VERSION_LABEL.sub("", response.content.decode("utf-8-sig"))
            for name, pattern in csv_patterns.items():
                for match in pattern.finditer(text):
                    problems.setdefault(url, []).append(f"{name}: {match.group(0).strip(';')!r}")
            continue
        if "application/pdf" in content_type:
            text = _pdf_text(response)
        elif "text/html" in content_type:
            parser = _Text()
            parser.feed(response.content.decode())
            text = re.sub(r"\s+", " ", " ".join(parser.text))
            queue.extend(parser.links)
        else:
            continue
        text = VERSION_LABEL.sub("", text)
        for name, pattern in patterns.items():
            for match in pattern.finditer(text):
                context = text[max(0, match.start() - 30) : match.end() + 30]
                problems.setdefault(url, []).append(f"{name}: {match.group(0)!r} in …{context}…")
    return visited, problems


def test_every_demo_page_shows_numbers_the_dutch_way(client):
    call_command("load_demo", quiet_logins=True)
    users = {m.user for m in Membership.objects.select_related("user")}
    report, pages = [], 0
    for user in sorted(users, key=lambda u: u.email):
        client.force_login(user)
        visited, problems = _crawl(client, "/")
        pages += len(visited)
        for url, found in problems.items():
            report += [f"{user.email} {url}: {problem}" for problem in found[:5]]
        client.logout()
    assert pages > 50, f"the crawler reached only {pages} pages"
    assert not report, f"{len(report)} formatting problems:\n" + "\n".join(report)


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Totaal 2172.57 te betalen", True),
        ("Aandeel 0.2500", True),
        ("Saldo -€ 6.451,81", True),
        ("Saldo € -0,00", True),
        ("Afval 292081,4 kg", True),
        ("Gemiddeld 50,2142 per onderneming", True),
        ("Totaal € 2.172,57, aandeel 25 %, afval 292.081,4 kg, saldo € -6.451,81", False),
        ("SDG 8.5, SDG 10.2 en IRIS+ 5.3; prijsversie 2026.1; datum 28-11-2026 07:22", False),
    ],
)
def test_the_checks_catch_what_users_reported(text, flagged):
    text = VERSION_LABEL.sub("", text)
    found = [name for name, pattern in BAD.items() if pattern.search(text)]
    assert bool(found) == flagged, found
