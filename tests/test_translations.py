"""The English catalogue is complete and its compiled .mo matches the .po (Dutch is the source language)."""

import gettext
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
# Apps with their own catalogue (makemessages puts an app's strings in <app>/locale when that folder exists).
CATALOGUES = [LOCALE, *sorted(p for p in ROOT.glob("*/locale") if p != LOCALE and p.is_dir())]


def _po_entries(path: Path) -> dict[str, str]:
    """msgid → msgstr for the simple (non-plural) entries of a .po file."""
    entries: dict[str, str] = {}
    text = path.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        if re.search(r"^#, .*fuzzy", block, flags=re.M) and 'msgid ""\nmsgstr ""\n"Project' not in block:
            entries["<fuzzy>"] = block
        match = re.search(r'^msgid ((?:".*"\n?)+)msgstr ((?:".*"\n?)+)', block, flags=re.M)
        if not match:
            continue
        msgid = "".join(re.findall(r'"(.*)"', match.group(1)))
        msgstr = "".join(re.findall(r'"(.*)"', match.group(2)))
        if msgid:
            entries[msgid] = msgstr
    return entries


def test_main_catalogue_is_not_empty():
    assert len(_po_entries(LOCALE / "en/LC_MESSAGES/django.po")) > 300


@pytest.mark.parametrize("locale", CATALOGUES, ids=lambda p: p.parent.name)
def test_english_catalogue_is_complete(locale):
    po = locale / "en/LC_MESSAGES/django.po"
    if not po.exists():
        pytest.skip(f"{po} has no strings yet")
    entries = _po_entries(po)
    assert "<fuzzy>" not in entries
    untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert untranslated == []


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("locale", CATALOGUES, ids=lambda p: p.parent.name)
def test_compiled_catalogue_matches_the_po_file(locale, language):
    po = locale / language / "LC_MESSAGES/django.po"
    mo = locale / language / "LC_MESSAGES/django.mo"
    if not po.exists():
        pytest.skip(f"{po} has no strings yet")
    assert mo.exists(), f"run `make messages` to compile {mo}"
    with mo.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    translated = {k: v for k, v in _po_entries(po).items() if v}
    stale = [
        msgid for msgid, msgstr in translated.items() if "\\" not in msgstr and catalog.get(msgid) != msgstr
    ]
    assert stale == [], "the .mo is out of date: run `make messages`"
