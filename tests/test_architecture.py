"""The rules of the code base's shape, checked on every run (issue 11).

- Dependencies point one way (A → B: A imports B): core imports no app; fund → core; pipeline → fund,
  portfolio, core and impactmeasurement's selectors and services; portfolio → fund, core;
  impactmeasurement → fund, core and portfolio's selectors (for attribution); resultaatfinanciering →
  portfolio's ledger services, fund, core; reports → any; nothing imports reports; and no two apps import
  each other (no cycles).
- Rounding happens only in core/money.py (no bare ``.quantize(`` elsewhere).
- PDF paragraphs are built only in core/pdf.py, which escapes text from data.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "core",
    "fund",
    "pipeline",
    "portfolio",
    "investors",
    "impactmeasurement",
    "resultaatfinanciering",
    "reports",
]

# What each app may import: an app name allows all of it, "app.module" only that module (and below it).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "fund": {"core"},
    # The committee's approved KPIs become the enterprise's proposed KPI set (issue 17): pipeline reads the
    # catalogue and calls impactmeasurement's services; impactmeasurement never imports pipeline (no cycle).
    "pipeline": {"core", "fund", "portfolio", "impactmeasurement.selectors", "impactmeasurement.services"},
    "portfolio": {"core", "fund"},
    # The investors' money side posts through portfolio's ledger service, so it cannot live in fund/.
    "investors": {"core", "fund", "portfolio"},
    "impactmeasurement": {"core", "fund", "portfolio.selectors"},
    "resultaatfinanciering": {
        "core",
        "fund",
        "portfolio.ledger",
        "portfolio.accounts",
        "portfolio.selectors",
        "portfolio.models",
    },
    "reports": {
        "core",
        "fund",
        "pipeline",
        "portfolio",
        "investors",
        "impactmeasurement",
        "resultaatfinanciering",
    },
}


def _python_files(app: str):
    base = ROOT / app
    if not base.is_dir():
        return
    yield from sorted(base.rglob("*.py"))


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path) -> list[tuple[int, str]]:
    """Absolute module names imported by a file (relative imports resolved), with their line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _app_of(module: str) -> str | None:
    head = module.split(".", 1)[0]
    return head if head in APPS else None


def _allowed(source_app: str, module: str) -> bool:
    return any(module == rule or module.startswith(rule + ".") for rule in ALLOWED[source_app])


def _edges() -> list[tuple[str, str, str]]:
    """(file:line, importing app, imported module) for every import of another app of the project."""
    edges = []
    for app in APPS:
        for path in _python_files(app):
            for line, module in _imports(path):
                target = _app_of(module)
                if target and target != app:
                    edges.append((f"{path.relative_to(ROOT)}:{line}", app, module))
    return edges


def test_imports_follow_the_layers():
    violations = []
    for where, app, module in _edges():
        target = _app_of(module)
        module_rules_apply = any("." in rule for rule in ALLOWED[app] if rule.startswith(target + "."))
        if target in ALLOWED[app] or (module_rules_apply and module == target):
            continue  # `from portfolio import selectors` resolves below as portfolio.selectors
        if _allowed(app, module):
            continue
        violations.append(f"{where}: {app} imports {module}")
    assert not violations, "imports against the layers:\n" + "\n".join(sorted(set(violations)))


def test_no_cycles_between_apps():
    graph: dict[str, set[str]] = {app: set() for app in APPS}
    for _where, app, module in _edges():
        graph[app].add(_app_of(module))
    cycles = sorted(f"{a} ↔ {b}" for a in APPS for b in graph[a] if a < b and a in graph[b])
    assert not cycles, f"apps that import each other: {cycles}"


def test_nothing_imports_reports():
    offenders = [f"{where}: {module}" for where, app, module in _edges() if _app_of(module) == "reports"]
    assert not offenders, offenders


def test_the_checker_sees_a_violation(tmp_path):
    """The walker itself works: a relative and an absolute import across apps are both found."""
    fake = ROOT / "core" / "_architecture_probe.py"
    fake.write_text("from fund.models import Fund\nfrom ..portfolio import ledger\n")
    try:
        imported = [module for _line, module in _imports(fake)]
    finally:
        fake.unlink()
    assert "fund.models" in imported and "portfolio.ledger" in imported


SOURCE_DIRS = [*APPS, "config"]
QUANTIZE = re.compile(r"\.quantize\(")
PARAGRAPH = re.compile(r"\bParagraph\(")


def _source_lines(pattern: re.Pattern, *, allowed: str):
    for directory in SOURCE_DIRS:
        for path in _python_files(directory) or []:
            relative = str(path.relative_to(ROOT))
            if relative == allowed or "/migrations/" in relative:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if pattern.search(line):
                    yield f"{relative}:{number}: {line.strip()}"


def test_rounding_only_in_core_money():
    found = list(_source_lines(QUANTIZE, allowed="core/money.py"))
    assert not found, "round with core.money.to_cents / round_to:\n" + "\n".join(found)


def test_pdf_paragraphs_only_in_core_pdf():
    found = list(_source_lines(PARAGRAPH, allowed="core/pdf.py"))
    assert not found, "build PDF text with core.pdf.p / markup:\n" + "\n".join(found)


@pytest.mark.parametrize("app", ["core"])
def test_core_imports_no_app(app):
    imported = {module for path in _python_files(app) for _line, module in _imports(path)}
    assert not {m for m in imported if _app_of(m) not in (None, "core")}
