"""axe-core (vendored in tests/browser/vendor, MPL-2.0) run on the page a journey is looking at.

The script is evaluated through the DevTools protocol, which the app's strict CSP does not apply to, so the
pages are checked exactly as served. Only WCAG 2.0/2.1 A and AA rules are run."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[str]:
    """'rule: selector, …' for every WCAG A/AA violation axe finds on the current page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
        }""",
        RULE_TAGS,
    )


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"axe-core on {page.url}: {violations}"
