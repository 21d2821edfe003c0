"""Issue 15: the language can change after every module is imported.

A tiny zh_Hans catalogue is built in a temporary folder; its translations are
marker texts, so a test sees which words went through the catalogue. Every
console module is imported (in English) before the language is set."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from click.testing import CliRunner
from console_helpers import app_for, line_text, make_ticket, queue, settle, until
from textual.widgets._footer import FooterKey

import console
import store.i18n as i18n
from console.app import DispatchApp
from console.cli import cli
from console.i18n import language_for
from console.screens.help import HelpScreen
from console.screens.records import RecordsScreen
from console.screens.setup import SetupScreen
from console.screens.sign_in import SignInScreen
from store import Store

# Every console module, imported now: in English, before any test switches.
for _mod in pkgutil.walk_packages(console.__path__, "console."):
    if not _mod.name.endswith("__main__"):
        importlib.import_module(_mod.name)

MARKS = {
    "New": "XIN-New",  # a main-screen footer binding (class-level BINDINGS)
    "Setup": "XIN-Setup",
    "Close": "XIN-Close",  # the help screen's own binding
    "Move down / up": "XIN-Move",  # help.NAV_KEYS, a module-level table
    "Sites": "XIN-Sites",  # a setup spec's title (setup_specs.py)
    "Code": "XIN-Code",  # a setup spec's column header
    "Status": "XS",  # a queue column header (short: the column is 8 cells)
    "Show this message and exit.": "XIN-help-option",  # click's own words
    "Usage:": "XIN-Usage:",
    "Options": "XIN-Options",
}


@pytest.fixture
def zh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A zh_Hans catalogue of markers in tmp_path; English again afterwards."""
    catalog = Catalog(locale="zh_Hans", domain="dispatch")
    for msgid, text in MARKS.items():
        catalog.add(msgid, text)
    catalog.add(("{n} ticket", "{n} tickets"), ("XIN-{n}-tickets",))
    folder = tmp_path / "locale"
    mo = folder / "zh_Hans" / "LC_MESSAGES" / "dispatch.mo"
    mo.parent.mkdir(parents=True)
    with mo.open("wb") as f:
        write_mo(f, catalog)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "DISPATCH_LANG"):
        monkeypatch.delenv(name, raising=False)
    i18n.set_language(None, localedir=folder)
    yield folder
    i18n.set_language(None, localedir=i18n.LOCALE_DIR)


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    yield
    i18n.set_language(None, localedir=i18n.LOCALE_DIR)


def footer_words(app: DispatchApp) -> list[str]:
    return [k.description for k in app.screen.query(FooterKey)]


# ----------------------------------------------------------- the language
@pytest.mark.parametrize(("env", "want"), [
    ({"DISPATCH_LANG": "zh_Hans"}, "zh_Hans"),
    ({"DISPATCH_LANG": "zh-Hans"}, "zh_Hans"),
    ({"DISPATCH_LANG": "zh_Hans_CN.UTF-8"}, "zh_Hans"),
    ({"DISPATCH_LANG": "zh"}, "zh_Hans"),
    ({"LANG": "zh_CN.UTF-8"}, "zh_Hans"),
    ({"LANG": "zh_SG.UTF-8"}, "zh_Hans"),
    ({"LC_ALL": "zh_CN.GB18030", "LANG": "en_US.UTF-8"}, "zh_Hans"),
    ({"LC_MESSAGES": "zh_CN@pinyin", "LANG": "en_US.UTF-8"}, "zh_Hans"),
    ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh_Hans"),  # empty is not set
    ({"DISPATCH_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),  # DISPATCH_LANG first
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LC_ALL": "POSIX"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, None),  # no catalogue: English
    ({"LANG": "zh_TW.UTF-8"}, None),  # traditional script: not this catalogue
    ({}, None),
])
def test_pick_language(env: dict[str, str], want: str | None) -> None:
    assert i18n.pick_language(env) == want


def test_switching_changes_import_time_texts(zh: Path) -> None:
    from console.screens.setup_specs import SITES
    from console.widgets.queue_columns import columns

    assert SITES.title == "Sites" and _title(columns(), "status") == "Status"
    i18n.set_language("zh_Hans")
    assert i18n.current_language() == "zh_Hans"
    assert i18n._(SITES.title) == "XIN-Sites"
    assert _title(columns(), "status") == "XS"
    assert i18n.ngettext("{n} ticket", "{n} tickets", 1).format(n=1) == "XIN-1-tickets"
    i18n.set_language("en")
    assert i18n.ngettext("{n} ticket", "{n} tickets", 1).format(n=1) == "1 ticket"
    assert i18n.ngettext("{n} ticket", "{n} tickets", 2).format(n=2) == "2 tickets"


def _title(cols: list, key: str) -> str:
    return next(c.title for c in cols if c.key == key)


# ------------------------------------------------------------ the console
async def test_footer_help_queue_and_setup_in_the_language_set_after_import(
        zh: Path, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    make_ticket(store)
    monkeypatch.setenv("DISPATCH_LANG", "zh_Hans")
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: bool(queue(app).rows))
        await settle(pilot)
        assert "XIN-New" in footer_words(app) and "New" not in footer_words(app)
        assert " XS " in line_text(queue(app), 0)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = str(app.screen.query_one("#help").query_one("Static").render())
        assert "XIN-New" in text and "XIN-Move" in text and "XIN-Close" in text
        await pilot.press("escape")
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, SetupScreen))
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, RecordsScreen))
        await settle(pilot)
        table = app.screen.query_one("#records")
        assert next(str(c.label) for c in table.columns.values()) == "XIN-Code"


async def test_english_console_is_unchanged(zh: Path, store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "New" in footer_words(app)
        assert "Status" in line_text(queue(app), 0)


async def test_a_users_own_language_wins_over_dispatch_lang(
        zh: Path, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCH_LANG", "en")
    store.users.set_user_language("ann", "zh_Hans")  # ann is the store's actor
    assert store.users.user("ann").language == "zh_Hans"
    assert language_for(store) == "zh_Hans"
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "XIN-New" in footer_words(app)
    store.users.set_user_language("ann", None)  # default: the environment again
    assert language_for(store) == "en"


async def test_signing_in_switches_to_that_persons_language(
        zh: Path, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.users.set_pin("bob", "482100")
    store.users.set_pin("alice", "111111")
    store.users.set_user_language("bob", "zh_Hans")
    store.settings.set_setting("sign_in", True)
    make_ticket(store)
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        people = [u.login for u in app.screen.people]
        await pilot.press(*["down"] * people.index("bob"), "enter", *"482100", "enter")
        await until(pilot, lambda: not isinstance(app.screen, SignInScreen))
        await until(pilot, lambda: "XIN-New" in footer_words(app))
        await until(pilot, lambda: " XS " in line_text(queue(app), 0))
        # alice has no language of her own: the environment's (English here).
        await pilot.press("ctrl+u")
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await pilot.press(*["down"] * people.index("alice"), "enter", *"111111", "enter")
        await until(pilot, lambda: not isinstance(app.screen, SignInScreen))
        await until(pilot, lambda: "New" in footer_words(app))
        await until(pilot, lambda: "Status" in line_text(queue(app), 0))


# ------------------------------------------------------------------ store
def test_language_is_one_of_ours_and_audited(store: Store) -> None:
    from store.errors import StoreError

    with pytest.raises(StoreError):
        store.users.set_user_language("bob", "fr")
    store.users.set_user_language("bob", "zh_Hans")
    assert store.users.user("bob").language == "zh_Hans"
    bob = Store(store.path, clock=store.clock, actor="bob")
    try:
        bob.users.set_user_language("bob", "en")  # one's own: anyone
        with pytest.raises(StoreError):
            bob.users.set_user_language("alice", "en")  # someone else's: managers only
    finally:
        bob.close()
    assert store.users.user("bob").language == "en"
    assert store.users.user("alice").language is None


# -------------------------------------------------------------------- CLI
def test_cli_language_command_and_click_words(zh: Path, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(store.path)
    done = CliRunner().invoke(cli, ["--db", db, "user", "language", "bob", "zh_Hans"])
    assert done.exit_code == 0, done.output
    assert store.users.user("bob").language == "zh_Hans"
    done = CliRunner().invoke(cli, ["--db", db, "user", "language", "bob", "default"])
    assert done.exit_code == 0, done.output
    assert store.users.user("bob").language is None
    english = CliRunner().invoke(cli, ["user", "--help"])
    assert "Show this message and exit." in english.output and "Usage:" in english.output
    i18n.set_language("zh_Hans")
    translated = CliRunner().invoke(cli, ["user", "--help"])
    assert translated.exit_code == 0, translated.output
    assert "XIN-help-option" in translated.output
    assert "XIN-Usage:" in translated.output and "XIN-Options" in translated.output
