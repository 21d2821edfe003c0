"""Snapshots of the conflict table (console/screens/edit_conflict.py) at
80×24 and 160×50, in English and Chinese: two fields changed by another
dispatcher while the form was open, a long value cut to its column.

Update only after looking at the report: pytest --snapshot-update."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MutableClock
from console_helpers import app_for, burst, screen_rows, settle, until
from textual.pilot import Pilot
from textual.widgets import Input, TextArea
from ticket_helpers import make

from console.screens.edit_conflict import EditConflictScreen
from console.screens.edit_ticket import EditTicketScreen
from console.screens.main import MainScreen
from store import Store
from store.i18n import LOCALE_DIR, set_language


@pytest.fixture(params=["en", "zh_Hans"])
def lang(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DISPATCH_LANG", request.param)
    set_language(request.param, localedir=LOCALE_DIR)
    yield request.param
    set_language("en", localedir=LOCALE_DIR)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_conflict_table(store: Store, db_path: Path, clock: MutableClock, lang: str, size: tuple[int, int],
                        snap_compare) -> None:  # type: ignore[no-untyped-def]
    t = make(store)
    other = Store(db_path, clock=clock, actor="bob")

    async def run(pilot: Pilot) -> None:
        app = pilot.app
        await settle(pilot)
        await burst(pilot, "e")
        await until(pilot, lambda: isinstance(app.screen, EditTicketScreen))
        form = app.screen
        form.query_one("#f-phone", Input).value = "138 0000 0000"
        form.query_one("#f-description", TextArea).text = "ATM swallows cards; screen dark since the power cut at 9"
        # Laid out (wrapped, its scrollbar decided) before the dialog covers the form:
        # a picture of the form taken between the two differed by a word.
        await settle(pilot)
        other.tickets.edit_ticket(t.id, t.version, phone="139 1111 2222",
                                  description="ATM swallows cards — 网点说屏幕也黑了 [b]urgent[/b]")
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, EditConflictScreen))
        await burst(pilot, "t")  # the first row keeps theirs; the cursor moves to the second
        # The queue behind shows their description once a poll has read it: on a busy
        # machine that poll may come after the dialogs opened. Waited for as read, then
        # as drawn behind both dialogs (at 160 columns the row shows beside them).
        queue = next(s for s in app.screen_stack if isinstance(s, MainScreen))
        await until(pilot, lambda: any("网点说" in r.description for r in queue.table.rows))
        if size[0] >= 160:
            await until(pilot, lambda: any("#1 " in row and "网点说" in row for row in screen_rows(app)))
        await settle(pilot)

    try:
        assert snap_compare(app_for(store), terminal_size=size, run_before=run)
    finally:
        other.close()
