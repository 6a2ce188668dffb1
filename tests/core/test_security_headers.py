"""Content-Security-Policy and Permissions-Policy on every page (issue 15): no inline script runs without the
request's nonce, and no template carries inline event handlers or un-nonced scripts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from fund.models import Role

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")([^>]*)>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\s(on[a-z]+)\s*=", re.I)


def _directives(header: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


def test_pages_carry_a_strict_script_policy(client, world):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    response = client.get(reverse("fund_list"))
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    # Only this site, plus the nonce when the page has an inline script (django-csp adds it when used).
    assert all(value == "'self'" or value.startswith("'nonce-") for value in policy["script-src"])
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"]


def test_the_login_page_has_the_policy_too(client, db):
    response = client.get(reverse("login"))
    assert "script-src" in response["Content-Security-Policy"]


def test_an_inline_script_carries_the_nonce_of_its_response(client, world):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    response = client.get(reverse("impactmeasurement:portfolio", args=[world.a.fund.pk]))
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = INLINE_SCRIPT.findall(response.content.decode())
    assert scripts, "the impact page has its chart script inline"
    assert all(f'nonce="{nonce}"' in attrs for attrs in scripts)


def _templates():
    for directory in TEMPLATE_DIRS:
        yield from sorted(directory.rglob("*.html"))


@pytest.mark.parametrize("path", list(_templates()), ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_no_unnonced_inline_script_and_no_event_handler_attributes(path):
    text = path.read_text(encoding="utf-8")
    unnonced = [m.group(0) for m in INLINE_SCRIPT.finditer(text) if "csp_nonce" not in m.group(1)]
    assert not unnonced, f"inline <script> without nonce: {unnonced}"
    handlers = EVENT_HANDLER.findall(text)
    assert not handlers, f"inline event handlers (blocked by the CSP; use static/js/app.js): {handlers}"
