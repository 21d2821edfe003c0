"""A Store closed while other threads read it (the console's poll thread,
a screen's read still running as the console closes): each connection in use
is closed when its read ends, never under it. Seen in CI: the poll thread's
``PRAGMA data_version`` on a connection the closing Store had just closed,
and the process died of a segmentation fault."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from store import Store
from store.errors import StoreError


def close_while_reading(db_path: Path) -> None:
    """A Store closed while one thread polls it and another reads."""
    s = Store(db_path, actor="ann")
    started = threading.Barrier(3)
    stop = threading.Event()

    def poll() -> None:
        started.wait()
        while not stop.is_set():
            try:
                s.db.data_version()
            except (sqlite3.Error, StoreError):
                pass

    def read() -> None:
        started.wait()
        while not stop.is_set():
            try:
                with s.db.reader() as conn:
                    conn.execute("SELECT count(*) FROM tickets t, tickets u").fetchone()
            except (sqlite3.Error, StoreError):
                pass

    threads = [threading.Thread(target=poll), threading.Thread(target=read)]
    for t in threads:
        t.start()
    started.wait()
    s.close()
    stop.set()
    for t in threads:
        t.join()
    s.close()  # what the threads opened after the close, if anything


def test_closing_while_threads_read_closes_each_connection_after_its_read(store: Store, db_path: Path) -> None:
    store.close()
    for _ in range(40):  # (without the wait for each read, a crash within a few rounds)
        close_while_reading(db_path)
    again = Store(db_path, actor="ann")
    assert again.db.data_version() >= 0
    again.close()
