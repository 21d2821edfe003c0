"""Writers take turns, and a write is on disk before it is reported done,
without the write lock held for the disk (store/turns.py, store/durable.py).

p99 write latency at 20 writers was 321–528 ms: every waiting writer asked
SQLite for the lock every 1–2 ms, luck decided who got in, and the fsync of
each commit (synchronous = FULL) ran while it held the lock. Nothing here
times anything: the waits end on conditions, and what is checked is who asked
SQLite, in which order writers got in, and where the fsync happens."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from store import Store
from store.models import QueueFilter
from tests.conftest import ROOT, seeded_file


def until(cond: Callable[[], bool], what: str) -> None:
    """Wait on a condition, never on time (the bound only ends a broken test)."""
    done = threading.Event()
    for _ in range(200_000):
        if cond():
            return
        done.wait(0.001)
    raise AssertionError(f"never happened: {what}")


def fresh(path: Path) -> None:
    seeded_file(path, "ann", "bob", "alice", source="turns").close()


class Writer:
    """A Store of its own (its own connection and queue file handle, as another
    dispatcher's process has), writing one note on a thread, counting its
    BEGIN IMMEDIATE attempts."""

    def __init__(self, path: Path, name: str, order: list[str]):
        self.store = Store(path, actor="ann")
        self.name, self.order = name, order
        self.begins = 0
        self.entered = threading.Event()
        self.store.db._writer.set_trace_callback(self._trace)
        began = self.store.db._begin

        def begin() -> None:
            self.entered.set()
            began()

        self.store.db._begin = begin  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _trace(self, sql: str) -> None:
        if sql.startswith("BEGIN IMMEDIATE"):
            self.begins += 1

    def _run(self) -> None:
        self.store.tickets.add_note(1, f"note by {self.name}")
        self.order.append(self.name)

    def start(self) -> Writer:
        self.thread.start()
        until(self.entered.is_set, f"{self.name} waiting to write")
        return self


def test_waiting_writers_wait_in_line_and_only_the_next_one_asks_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    fresh(db)
    s = Store(db, actor="ann")
    ticket = s.tickets.create_ticket({"reporter": "R", "phone": "139 0000 0000", "site_id": 1, "priority": 3, "description": "d"})
    assert ticket.id == 1
    order: list[str] = []
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with s.db.write("ticket.note", 1):
            holding.set()
            release.wait()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    until(holding.is_set, "the first writer inside its transaction")
    writers = [Writer(db, f"w{i}", order).start() for i in range(4)]
    # The first in line asks SQLite again and again while the lock is taken...
    until(lambda: writers[0].begins >= 5, "the next writer asking SQLite")
    # ...and the ones behind it wait their turn in the kernel: not one try.
    assert [w.begins for w in writers[1:]] == [0, 0, 0]
    release.set()
    holder.join()
    for w in writers:
        w.thread.join()
    # First come, first served: the order the notes were written in (the
    # audit log's), not the order the calls returned (each fsyncs after).
    written = [r[0] for r in s.db.q(
        "SELECT json_extract(new, '$.note') FROM events WHERE action = 'ticket.note' ORDER BY id")]
    assert written[-4:] == [f"note by w{i}" for i in range(4)], written
    assert sorted(order) == ["w0", "w1", "w2", "w3"]
    for w in writers:
        w.store.close()
    s.close()


def test_a_write_is_fsynced_after_the_lock_is_free_and_before_it_returns(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The commit's fsync is ours (SQLite's, inside COMMIT, held the lock):
    when it runs another writer can already begin, and the call has not
    returned yet."""
    db = tmp_path / "t.db"
    fresh(db)
    s = Store(db, actor="ann")
    assert s.db._writer.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL: no fsync inside COMMIT
    synced: list[tuple[str, bool]] = []
    real = os.fdatasync

    def fdatasync(fd: int) -> None:
        real(fd)
        other = sqlite3.connect(db, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # the write lock is free while we sync
            other.execute("ROLLBACK")
            free = True
        except sqlite3.OperationalError:
            free = False
        finally:
            other.close()
        synced.append((os.readlink(f"/proc/self/fd/{fd}"), free))

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    t = s.tickets.create_ticket({"reporter": "R", "phone": "139 0000 0000", "site_id": 1, "priority": 3, "description": "d"})
    assert synced and synced[-1] == (str(db.resolve()) + "-wal", True)
    synced.clear()
    s.tickets.add_note(t.id, "on disk before this returns")
    assert synced == [(str(db.resolve()) + "-wal", True)]
    s.close()


def test_a_writer_killed_in_its_turn_lets_the_next_one_in(tmp_path: Path) -> None:
    """The queue's locks are the kernel's: a process killed while it holds
    its turn holds nothing any more, and the writer waiting behind it goes on."""
    db = tmp_path / "t.db"
    fresh(db)
    child = subprocess.Popen([sys.executable, "-c", (
        "import sys\n"
        "from store import Store\n"
        "s = Store(sys.argv[1], actor='ann')\n"
        "assert s.db._turns.take(5)\n"  # its turn, and it keeps it
        "print('holding', flush=True)\n"
        "sys.stdin.read()\n"), str(db)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "holding"
    s = Store(db, actor="ann")
    got: list[bool] = []
    waiting = threading.Thread(target=lambda: got.append(s.db._turns.take(600)), daemon=True)
    waiting.start()
    until(lambda: s.db._turns._mine is not None and s.db._turns._waiter is not None, "waiting behind the child")
    assert not got  # its turn has not come: the child holds it
    child.send_signal(signal.SIGKILL)
    child.wait()
    waiting.join()
    assert got == [True]  # granted when the child died, not at the end of the wait
    s.db._turns.give()
    s.tickets.create_ticket({"reporter": "R", "phone": "139 0000 0000", "site_id": 1, "priority": 3, "description": "d"})
    assert len(s.queue.find(QueueFilter(), 0, 5)) == 1
    s.close()


def test_writers_behind_one_that_gave_up_do_not_wait_for_what_it_waited_for(tmp_path: Path) -> None:
    """A writer stuck in its turn (stopped with ctrl+z, say) holds up the
    writers in line at that moment for one busy timeout, not every writer
    after: one that gives up leaves the line, and the next goes on (SQLite's
    own lock still decides who writes)."""
    db = tmp_path / "t.db"
    fresh(db)
    stuck, second, third = (Store(db, actor="ann") for _ in range(3))
    assert stuck.db._turns.take(5)
    assert second.db._turns.take(0.05) is False  # gave up behind the stuck one
    assert third.db._turns.take(600) is True  # at once, though the stuck one still holds its turn
    for s in (stuck, second, third):
        s.db._turns.give()
        s.close()


def test_no_queue_where_its_file_cannot_be_opened_and_writes_still_work(tmp_path: Path) -> None:
    """A queue file that cannot be opened (here a folder in its place; or a
    file of another group): SQLite's lock alone, as before the queue."""
    db = tmp_path / "t.db"
    fresh(db)
    Path(f"{db}-queue").unlink(missing_ok=True)
    Path(f"{db}-queue").mkdir()
    s = Store(db, actor="ann")
    s.tickets.create_ticket({"reporter": "R", "phone": "139 0000 0000", "site_id": 1, "priority": 3, "description": "d"})
    s.tickets.add_note(1, "still")
    assert s.db._turns._usable is False and len(s.queue.find(QueueFilter(), 0, 5)) == 1
    s.close()
