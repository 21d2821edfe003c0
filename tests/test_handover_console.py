"""Issue 27, the console side: `H` opens the handover (groups as sections,
enter opens a line's ticket), `w` leaves the note (one audited write), the
next person's header says "handover from bob, 09:00: N items (H)" until they
open it, `x` writes the A4 sheet; a viewer's `w` says why at once. Keys sent
as one burst, the real console on a real file; a snapshot of the screen at
80×24 on the demo, in English and Chinese.

Update the snapshots only after looking at them: pytest --snapshot-update."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import NOW
from console_helpers import app_for, burst, paste, settle, until
from openpyxl import load_workbook
from textual.pilot import Pilot
from ticket_helpers import make

from console.screens.detail import DetailScreen
from console.screens.handover import HandoverScreen
from console.screens.main import MainScreen
from console.widgets.status import StatusBar
from store import Store
from store.i18n import LOCALE_DIR, set_language
from store.timeutil import fixed_clock


def _bar(pilot: Pilot) -> StatusBar:
    main = next(s for s in pilot.app.screen_stack if isinstance(s, MainScreen))
    return main.query_one(StatusBar)


async def _open(pilot: Pilot) -> HandoverScreen:
    await settle(pilot)
    await burst(pilot, "H")
    screen = pilot.app.screen
    assert isinstance(screen, HandoverScreen)
    await until(pilot, lambda: bool(screen.rows))
    return screen


async def test_leave_a_note_then_the_next_person_is_told_until_they_open_it(people: Store, clock, db_path) -> None:
    people.actor = "bob"
    late = make(people, priority=1, description="P1 ATM down")
    clock.advance(hours=1)
    app = app_for(people)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        assert late.id in screen.rows
        await burst(pilot, "w")
        await paste(pilot, "ATM at HQ: engineer back at 9")
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        await until(pilot, lambda: screen.shown_note is not None)
    (note,) = people.db.q("SELECT by, body, items FROM handover_notes")
    assert tuple(note)[:2] == ("bob", "ATM at HQ: engineer back at 9")
    items = note["items"]  # the P1 breached, and the escalations the console fired for it
    assert items == people.handover.report().items >= 2
    assert people.db.value("SELECT count(*) FROM events WHERE action = 'self.handover_note' AND actor = 'bob'") == 1

    clock.advance(minutes=30)
    alice = Store(db_path, clock=clock, actor="alice")
    app = app_for(alice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        bar = _bar(pilot)
        await until(pilot, lambda: bar.handover is not None)
        assert "✎ bob 10:00 (H)" in bar.layout_parts(80)[0].plain  # short at 80 columns
        assert f"handover from bob, 10:00: {items} items (H)" in bar.layout_parts(200)[0].plain
        screen = await _open(pilot)
        text = str(screen.query_one("#ho-note").render())
        assert "ATM at HQ: engineer back at 9" in text
        await until(pilot, lambda: alice.handover.waiting_note() is None)
        row = screen.rows.index(late.id)
        screen.table.move_cursor(row=row)
        await burst(pilot, "enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        assert app.screen.ticket_id == late.id  # type: ignore[attr-defined]
        await burst(pilot, "escape", "escape")
        await until(pilot, lambda: bar.handover is None)
    alice.close()
    assert alice.db.path == db_path


async def test_the_sheet_from_the_screen_and_a_viewer_refused(people: Store, tmp_path: Path) -> None:
    people.actor = "bob"
    make(people)
    out = tmp_path / "shift.xlsx"
    app = app_for(people)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        await burst(pilot, "x", "ctrl+a", "ctrl+k")
        await paste(pilot, str(out))
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: out.exists() and app.screen is screen)
    ws = load_workbook(out).active
    assert ws.page_setup.paperSize == 9
    people.actor = "vic"
    app = app_for(people)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        await until(pilot, lambda: screen.refusal("note") is not None)
        await burst(pilot, "w")
        assert app.screen is screen
        said = [n.message for n in app._notifications]
        assert said and "\n" not in said[-1]
    assert people.db.value("SELECT count(*) FROM handover_notes") == 0


@pytest.fixture(params=["en", "zh_Hans"])
def lang(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DISPATCH_LANG", request.param)
    set_language(request.param, localedir=LOCALE_DIR)
    yield request.param
    set_language("en", localedir=LOCALE_DIR)


def test_handover_screen_on_the_demo(demo_copy, lang: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    store = Store(demo_copy(), clock=fixed_clock(NOW), actor="mei.lin")

    async def run(pilot: Pilot) -> None:
        await _open(pilot)
        await settle(pilot)

    assert snap_compare(app_for(store), run_before=run, terminal_size=(80, 24))


async def test_in_a_browser_tab_the_sheet_is_a_download_not_a_file_of_the_server(people: Store, monkeypatch,
                                                                                 tmp_path: Path) -> None:
    from console import downloads

    people.actor = "bob"
    make(people)
    sent: list[tuple[bytes, str]] = []
    monkeypatch.setattr(downloads, "in_browser", lambda app: True)
    monkeypatch.setattr(downloads, "send", lambda app, data, name: sent.append((data, name)))
    monkeypatch.setenv("HOME", str(tmp_path))  # were anything written under ~, it would be here
    app = app_for(people)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        await burst(pilot, "x", "ctrl+s")
        await until(pilot, lambda: bool(sent) and app.screen is screen)
    ((data, name),) = sent
    assert data[:2] == b"PK" and name.startswith("handover-") and name.endswith(".xlsx") and "/" not in name
    assert not any(tmp_path.rglob("*.xlsx"))
