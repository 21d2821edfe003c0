"""The console never waits on the file (issue 23): another process holds the
write lock for up to 4 s (tests/lock_holder.py) while a form is submitted.
The form shows its busy mark and refuses a second submit, the console keeps
answering keys while the lock is still held (each check is a key's visible
effect seen before the other process lets go: conditions, no timing), and
the write lands once the lock is released."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from console_helpers import app_for, make_ticket, settle, until
from textual import events
from textual.app import App
from textual.widgets import TextArea

from console.screens.form import ActionForm
from console.screens.main import MainScreen
from store import Store

HOLDER = Path(__file__).with_name("lock_holder.py")


def hold_lock(db: Path, folder: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(HOLDER), str(db), str(folder), "4"])


async def soon(cond: Callable[[], bool], tries: int = 20_000) -> None:
    """Wait on a condition by yielding to the app (bounded by a count, never
    asserting a time). Not ``pilot.pause``: it waits for the process to go
    idle, and a writer waiting for the lock keeps it busy."""
    for _ in range(tries):
        if cond():
            return
        await asyncio.sleep(0.001)
    assert cond(), "condition never became true"


def key(app: App[Any], name: str) -> None:
    """A key as the terminal sends it (the app's own queue, console/keys.py)."""
    assert app._driver is not None
    char = name if len(name) == 1 else {"tab": "\t", "enter": "\r"}.get(name)
    app._driver.send_message(events.Key(name, char))


def notes(store: Store, ticket_id: int) -> list[str]:
    return [e.new.get("note", "") for e in store.tickets.timeline(ticket_id) if e.action == "ticket.note"]


async def test_a_held_write_lock_does_not_freeze_the_console(store: Store, db_path: Path, tmp_path: Path) -> None:
    ticket = make_ticket(store)
    app = app_for(store)
    signals = tmp_path / "lock"
    signals.mkdir()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: bool(app.screen.query_one("#queue").rows))  # type: ignore[attr-defined]
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, ActionForm))
        form = app.screen
        assert isinstance(form, ActionForm)
        form.query_one(TextArea).insert("called the branch")
        holder = hold_lock(db_path, signals)
        try:
            await soon(lambda: (signals / "held").exists())
            key(app, "ctrl+s")
            # The busy mark, while the write waits for the other process.
            await soon(lambda: form.has_class("-saving") and form.query_one("#busy").display)
            assert "Saving" in str(form.query_one("#busy").render())
            # Keys keep working: tab moves the focus to the save button, ctrl+s again is refused
            # (said at once), esc does not drop the form while its write is on its way.
            key(app, "tab")
            await soon(lambda: not isinstance(app.focused, TextArea))
            key(app, "ctrl+s")
            await soon(lambda: any("Still saving" in str(n.message) for n in app._notifications))
            key(app, "escape")
            await soon(lambda: sum("Still saving" in str(n.message) for n in app._notifications) >= 2)
            assert app.screen is form
            assert not (signals / "released").exists(), "the keys were answered only after the lock was let go"
            (signals / "release").write_text("go")
            # The write lands once the lock is free; the form closes and the queue reloads.
            await until(pilot, lambda: isinstance(app.screen, MainScreen))
            await settle(pilot)
        finally:
            (signals / "release").write_text("go")
            holder.wait()
    assert not (signals / "timed-out").exists()
    assert notes(store, ticket.id) == ["called the branch"]


async def test_the_queue_answers_keys_while_a_write_waits(store: Store, db_path: Path, tmp_path: Path) -> None:
    """A write with no form (resume, from the queue) waits for the lock in a
    thread: the queue still moves (j, k) and opens a form while the other
    process holds the lock, and the ticket is resumed once it lets go."""
    waiting = make_ticket(store, priority=1)  # first in the queue
    t = store.tickets.assign(waiting.id, waiting.version, technician_id=1)
    t = store.tickets.arrive(t.id, t.version)
    store.tickets.hold(t.id, t.version, reason="parts")
    for _ in range(2):
        make_ticket(store, priority=3)
    app = app_for(store)
    signals = tmp_path / "lock"
    signals.mkdir()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#queue")
        await until(pilot, lambda: len(table.rows) == 3 and table.current.id == waiting.id)  # type: ignore[attr-defined]
        holder = hold_lock(db_path, signals)
        try:
            await soon(lambda: (signals / "held").exists())
            key(app, "u")  # resume: the write waits in its thread
            key(app, "j")
            await soon(lambda: table.cursor == 1)  # type: ignore[attr-defined]
            key(app, "k")
            await soon(lambda: table.cursor == 0)  # type: ignore[attr-defined]
            key(app, "n")  # a form opens (reading the sites as it does)
            await soon(lambda: type(app.screen).__name__ == "NewTicketScreen")
            key(app, "escape")
            await soon(lambda: isinstance(app.screen, MainScreen))
            assert not (signals / "released").exists(), "the keys were answered only after the lock was let go"
            assert store.tickets.ticket(waiting.id).status == "waiting"
            (signals / "release").write_text("go")
            await until(pilot, lambda: any("resumed" in str(n.message) for n in app._notifications))
        finally:
            (signals / "release").write_text("go")
            holder.wait()
    assert not (signals / "timed-out").exists()
    assert store.tickets.ticket(waiting.id).status != "waiting"
