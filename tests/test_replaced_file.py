"""A database file replaced, moved or deleted under an open store or console
(issue 10 item 17): noticed on the next poll, writes to the orphan refused,
and ctrl+o reopens the path."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from conftest import SEED, MutableClock
from console_helpers import app_for, make_ticket, queue, queue_ids, settle, until
from textual.widgets import Static

from console.screens.form import ActionForm
from console.widgets.status import StatusBar
from store import Store
from store.errors import DatabaseFileError, FileReplaced


def build_other(path: Path, clock: MutableClock, description: str) -> int:
    """A different database written beside the path (a restore, a rebuilt demo)."""
    other = Store(path, create=True, clock=clock, actor="bob")
    other.admin.load("test.seed", SEED, {"seed": "other"})
    tid = make_ticket(other, description=description).id
    other.close()
    return tid


def replace_with_other(db_path: Path, clock: MutableClock) -> tuple[int, tuple[int, int], str]:
    """os.replace a new database over the path: its ticket id, its counts, its bytes' digest."""
    tmp = db_path.with_name("incoming.db")
    tid = build_other(tmp, clock, "from the new file")
    before = counts(tmp)
    os.replace(tmp, db_path)
    return tid, before, digest(db_path)


def counts(path: Path) -> tuple[int, int]:
    # Only on a file nobody has open: opening the replaced path while the old
    # database's -wal is beside it would read (and checkpoint) the old pages.
    conn = sqlite3.connect(path)
    try:
        return tuple(conn.execute("SELECT (SELECT COUNT(*) FROM tickets), (SELECT COUNT(*) FROM events)").fetchone())
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_open_file_is_not_reported(store: Store) -> None:
    assert store.db.file_state() is None
    store.db.data_version()  # no error


def test_replaced_file_refuses_writes_and_reopens(store: Store, db_path: Path, clock: MutableClock) -> None:
    mine = make_ticket(store, description="in the old file")
    old = store.admin.stats()
    new_id, new, new_bytes = replace_with_other(db_path, clock)
    assert store.db.file_state() == "replaced"
    with pytest.raises(FileReplaced, match=r"replaced by another file.*nothing was saved"):
        store.db.data_version()
    with pytest.raises(FileReplaced, match="nothing was saved"):
        make_ticket(store)
    with pytest.raises(FileReplaced):
        store.tickets.cancel(mine.id, mine.version, reason="dup")
    assert store.admin.stats() == old  # the orphan got nothing
    assert digest(db_path) == new_bytes  # nor did the new file
    fresh = store.reopen()
    try:
        assert fresh.db.file_state() is None
        assert (fresh.admin.stats()["tickets"], len(fresh.tickets.events(1000))) == new
        assert [t.id for t in fresh.queue.find()] == [new_id]
        assert fresh.tickets.ticket(new_id).description == "from the new file"  # not the old file's journal
        fresh.tickets.cancel(new_id, 1, reason="duplicate")
        assert fresh.tickets.ticket(new_id).status == "cancelled"
    finally:
        store.close()
        fresh.close()
    assert counts(db_path) == (new[0], new[1] + 1)


def test_replaced_during_a_write_commits_nothing(store: Store, db_path: Path, clock: MutableClock) -> None:
    before = store.admin.stats()
    tmp = db_path.with_name("incoming.db")
    build_other(tmp, clock, "swapped in mid-write")
    new = digest(tmp)
    with pytest.raises(FileReplaced), store.db.write("test.write") as tx:
        tx.execute("UPDATE technicians SET on_duty = 0")
        tx.event("test.write", "test", None, None, {}, {})
        os.replace(tmp, db_path)
    assert store.admin.stats() == before
    assert all(t.on_duty for t in store.people.technicians() if t.id != 4)
    assert digest(db_path) == new


def test_deleted_file_is_reported_and_reopen_says_it_is_gone(store: Store, db_path: Path) -> None:
    before = store.admin.stats()
    for sfx in ("", "-wal", "-shm"):
        Path(f"{db_path}{sfx}").unlink(missing_ok=True)
    assert store.db.file_state() == "deleted"
    with pytest.raises(FileReplaced, match="deleted or moved"):
        make_ticket(store)
    assert store.admin.stats() == before
    assert not db_path.exists()
    with pytest.raises(DatabaseFileError, match="does not exist"):
        store.reopen()


def test_moved_file_is_reported(store: Store, db_path: Path) -> None:
    os.rename(db_path, db_path.with_name("elsewhere.db"))
    assert store.db.file_state() == "deleted"
    with pytest.raises(FileReplaced):
        make_ticket(store)


# ------------------------------------------------------------------ console

def status_text(app) -> str:
    return app.screen.query_one(StatusBar).live


async def test_console_shows_replaced_refuses_save_and_reopens(
    store: Store, db_path: Path, clock: MutableClock
) -> None:
    mine = make_ticket(store, description="in the old file")
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert queue_ids(app) == [mine.id]
        assert status_text(app).startswith("●")
        old = store.admin.stats()
        new_id, new, new_bytes = replace_with_other(db_path, clock)
        await until(pilot, lambda: "STALE" in status_text(app))
        assert status_text(app) == "STALE: file replaced · ctrl+o reopens"
        assert any("replaced by another file" in n.message and "ctrl+o" in n.message for n in app._notifications)
        # A save is refused with the message; the form stays open with what was typed.
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ActionForm)
        await pilot.press(*"duplicate", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ActionForm)
        assert "nothing was saved" in str(app.screen.query_one("#e-general", Static).render())
        assert store.admin.stats() == old and digest(db_path) == new_bytes
        await pilot.press("escape", "d")  # a changed form asks first: discard
        await pilot.pause()
        # ctrl+o: the new file's tickets, live again
        await pilot.press("ctrl+o")
        await until(pilot, lambda: [(r.id, r.description) for r in queue(app).rows] == [(new_id, "from the new file")])
        await until(pilot, lambda: status_text(app).startswith("●"))
        assert app.store is not store and app.store.db.file_state() is None
        assert app.store.admin.stats()["tickets"] == new[0]
        with pytest.raises(DatabaseFileError, match="closed"):
            store.admin.stats()  # the orphan's connection was closed


async def test_console_shows_deleted_and_reopen_says_so(store: Store, db_path: Path) -> None:
    make_ticket(store)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for sfx in ("", "-wal", "-shm"):
            Path(f"{db_path}{sfx}").unlink(missing_ok=True)
        await until(pilot, lambda: "STALE" in status_text(app))
        assert status_text(app) == "STALE: file deleted · ctrl+o reopens"
        await pilot.press("ctrl+o")
        await until(pilot, lambda: any("does not exist" in n.message for n in app._notifications))
        assert app.store is store
        assert not db_path.exists()
