"""Fixtures for the browser journeys: one Debian chromium shared by the journeys, a fresh context per test.

The journeys drive the real app through pytest-django's `live_server` with Playwright's *sync* API. We do
not use the pytest-playwright plugin; the fixtures here have their own names (`chromium_browser`,
`browser_page`, `log_in`) so they cannot clash with its `browser`/`page` fixtures.

Three things keep the journeys from disturbing the rest of the suite (which runs in the same processes):

* Playwright's sync API keeps an asyncio event loop running in the test thread, so Django's async-safety
  check refuses every ORM call made meanwhile (fixtures building data, the flush after a test, assertions
  on the database). `DJANGO_ALLOW_ASYNC_UNSAFE` is therefore set exactly while Playwright runs, not for
  the whole session: set globally it would also reach `manage.py check --deploy` in other tests' subprocesses,
  which rightly fails on it (async.E001).
* For the same reason Playwright is stopped after the last journey in a row, so the tests that pytest-django
  runs after the transactional ones do not find a running event loop in their thread.
* The live server needs committed data, so the journeys are transactional; tests/conftest.py reloads the
  reference data around every transactional test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Browser journeys skipped: /usr/bin/chromium is missing (apt-get install chromium)"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "test-password-123"  # tests.factories.UserFactory
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

_failed_key = pytest.StashKey[bool]()


class ChromiumSession:
    """Playwright with one chromium, started by the first journey and stopped after the last one in a row."""

    def __init__(self) -> None:
        self._playwright = None
        self._browser = None
        self._saved_env: str | None = None

    def browser(self):
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            self._saved_env = os.environ.get(ASYNC_UNSAFE)
            os.environ[ASYNC_UNSAFE] = "true"
            self._playwright = sync_playwright().start()
            try:
                self._browser = self._playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                )
            except BaseException:
                self.stop()
                raise
        return self._browser

    def stop(self) -> None:
        if self._playwright is None:
            return
        try:
            if self._browser is not None:
                self._browser.close()
        finally:
            self._browser = None
            self._playwright.stop()
            self._playwright = None
            if self._saved_env is None:
                os.environ.pop(ASYNC_UNSAFE, None)
            else:
                os.environ[ASYNC_UNSAFE] = self._saved_env


_chromium = ChromiumSession()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Remember whether the test body failed, so `browser_page` can keep a screenshot of the page."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_failed_key] = True
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """Stop Playwright after a journey unless the next test is a journey too."""
    try:
        return (yield)
    finally:
        if nextitem is None or nextitem.get_closest_marker("browser") is None:
            _chromium.stop()


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[ChromiumSession]:
    """The Debian chromium, launched once and shared by the journeys (per xdist worker)."""
    if not CHROMIUM.exists():  # the test modules skip first; this guards a new module without the mark
        pytest.skip(CHROMIUM_MISSING)
    yield _chromium
    _chromium.stop()


@pytest.fixture
def browser_page(request: pytest.FixtureRequest, chromium_browser, live_server, tmp_path: Path) -> Iterator:
    """A page in a fresh browser context (own cookies) pointed at the live server.

    The browser asks for Dutch (`nl-NL`), like the app's users; the viewport is wide enough for the
    navigation bar (language select, logout button) to be expanded rather than collapsed.
    """
    context = chromium_browser.browser().new_context(
        base_url=live_server.url, locale="nl-NL", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    context.set_default_navigation_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        if request.node.stash.get(_failed_key, False):
            try:
                page.screenshot(path=tmp_path / "failure.png", full_page=True)
                (tmp_path / "failure.html").write_text(page.content(), encoding="utf-8")
                print(f"\nBrowser state at failure ({page.url}): {tmp_path / 'failure.png'}")
            except Exception as exc:  # a failed screenshot must not hide the real failure
                print(f"\nCould not keep a screenshot of the failed journey: {exc!r}")
        context.close()


@pytest.fixture
def log_in() -> Callable:
    """Log a user in through the real login page; returns once the app has redirected away from it."""
    from playwright.sync_api import expect

    def _log_in(page, user, password: str = PASSWORD) -> None:
        page.goto("/account/login/")
        page.get_by_label("E-mailadres").fill(user.email)
        page.get_by_label("Wachtwoord").fill(password)
        page.get_by_role("button", name="Inloggen").click()
        expect(page).not_to_have_url(re.compile(r"/account/login/"))

    return _log_in


AXE_SOURCE = Path(__file__).with_name("vendor") / "axe.min.js"  # axe-core 4.x, vendored (MPL-2.0)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def axe() -> Callable:
    """Run axe-core (WCAG 2.1 A/AA rules) on the page; returns the violations as readable lines.

    The script is evaluated through the DevTools protocol, so the page's Content-Security-Policy (which
    allows no inline script) does not block it, and nothing is fetched at run time.
    """
    source = AXE_SOURCE.read_text(encoding="utf-8")

    def _run(page) -> list[str]:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(source)
        result = page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
            ".map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.slice(0, 3)"
            ".map(n => n.target.join(' ')).join(' | ') + (v.nodes.length > 3 ? ' …' : ''))",
            AXE_TAGS,
        )
        return [f"{page.url}: {line}" for line in result]

    return _run
