"""The catalogues: every string the code marks has a Chinese translation, and
no translation loses or changes a placeholder.

The msgids are extracted from the source itself (not from the committed .pot),
so a new string that nobody translated fails here, in the suite.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "store" / "locale"
# {name}, {n:,}, {0}, %s, %(name)s, %d — what str.format and % would fill in.
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sdr]|%[sdr]")


def source_msgids() -> set[tuple[str | tuple[str, ...], str | None]]:
    """(message, context) pairs: pgettext's context makes a separate entry."""
    ids: set[tuple[str | tuple[str, ...], str | None]] = set()
    for package in ("console", "store", "demo_data"):
        for _file, _line, message, _comments, context in extract_from_dir(ROOT / package):
            ids.add((message, context))
    return ids


def catalogue(lang: str):
    with (LOCALE / lang / "LC_MESSAGES" / "dispatch.po").open("rb") as f:
        return read_po(f)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("{{", "").replace("}}", "")))


def test_every_marked_string_has_a_chinese_translation() -> None:
    zh = catalogue("zh_Hans")
    missing = []
    for msgid, context in source_msgids():
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        found = zh.get(key, context)
        strings = found.string if found is not None else ""
        if isinstance(strings, tuple | list):
            ok = all(s.strip() for s in strings)
        else:
            ok = bool(strings.strip())
        if not ok:
            missing.append(key)
    assert not missing, f"{len(missing)} untranslated (run pybabel extract/update, README 'Translations'): {sorted(missing)[:20]}"


def test_no_translation_loses_or_changes_a_placeholder() -> None:
    bad = []
    for lang in ("zh_Hans", "en"):
        for m in catalogue(lang):
            if not m.id or not m.string:
                continue
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            want = placeholders(ids[-1])
            for s in strings:
                if s and placeholders(s) != want and placeholders(s) != placeholders(ids[0]):
                    bad.append((lang, ids[0], s))
    assert not bad, bad[:10]


def test_the_committed_catalogues_carry_every_source_msgid() -> None:
    """The .pot and both .po files are in step with the code (pybabel update was run)."""
    ids = {(m[0] if isinstance(m, tuple) else m, ctx) for m, ctx in source_msgids()}
    for lang in ("en", "zh_Hans"):
        have = {(m.id[0] if isinstance(m.id, tuple) else m.id, m.context) for m in catalogue(lang) if m.id}
        assert ids <= have, (lang, sorted(ids - have)[:10])


def test_placeholder_check_catches_a_lost_placeholder() -> None:
    assert placeholders("{n} tickets for {name}") == sorted(["{n}", "{name}"])
    assert placeholders("{n} 张工单") != placeholders("{n} tickets for {name}")
    assert placeholders("100%% done {x:,}") == ["{x:,}"]


def test_no_marked_string_hides_inside_an_f_string() -> None:
    """Babel's extractor does not look inside f-strings, so ``f"{_('due')} …"``
    would never reach the catalogue (and would show in English for ever)."""
    import ast

    hidden = []
    for package in ("console", "store", "demo_data"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.JoinedStr):
                    continue
                for inner in ast.walk(node):
                    if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name)
                            and inner.func.id in ("_", "N_", "ngettext", "pgettext")
                            and inner.args and isinstance(inner.args[0], ast.Constant)):
                        hidden.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert not hidden, hidden


def test_the_suite_reads_the_catalogues_as_edited_compiled_outside_the_tree() -> None:
    """tests/conftest.py compiles the .po files once per run into a folder of
    its own (DISPATCH_LOCALE_DIR, read by store/i18n.py): what the tests read
    is every translation of the .po as it is now, and the run writes nothing
    into store/locale (whose .mo files are the install's)."""
    from babel.messages.mofile import read_mo

    from store.i18n import LOCALE_DIR

    assert not LOCALE_DIR.resolve().is_relative_to(ROOT), LOCALE_DIR
    def plain(text: object) -> object:  # a plural's forms: a tuple from a .po, a list from a .mo
        return tuple(text) if isinstance(text, list | tuple) else text

    with (LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "dispatch.mo").open("rb") as f:
        compiled = {(plain(m.id), m.context): plain(m.string) for m in read_mo(f) if m.id}
    edited = {(plain(m.id), m.context): plain(m.string) for m in catalogue("zh_Hans")
              if m.id and m.string and not m.fuzzy}
    assert edited and compiled == edited


def test_dispatch_reads_the_catalogues_where_the_variable_points(tmp_path: Path) -> None:
    """DISPATCH_LOCALE_DIR moves the catalogue folder; unset, it is the package's own."""
    import os
    import subprocess
    import sys

    show = "from store.i18n import LOCALE_DIR; print(LOCALE_DIR)"
    env = {k: v for k, v in os.environ.items() if k != "DISPATCH_LOCALE_DIR"}
    moved = subprocess.run([sys.executable, "-c", show], env={**env, "DISPATCH_LOCALE_DIR": str(tmp_path)},
                           capture_output=True, text=True, check=True, cwd=ROOT)
    assert moved.stdout.strip() == str(tmp_path)
    own = subprocess.run([sys.executable, "-c", show], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    assert Path(own.stdout.strip()) == LOCALE
