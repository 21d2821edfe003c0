"""Another process holding the database's write lock, for tests and benches.

``python tests/lock_holder.py DB DIR [SECONDS]`` opens DB, takes the write lock
(BEGIN IMMEDIATE), writes DIR/held, and keeps the lock until DIR/release
appears or SECONDS (default 4) pass; then it rolls back, writes DIR/released
and, if it was the time that ran out, DIR/timed-out. The caller waits on
these files (conditions), never on time."""

from __future__ import annotations

import sqlite3
import sys
import threading
import time
from pathlib import Path


def main(db: str, folder: str, seconds: float = 4.0) -> None:
    where = Path(folder)
    conn = sqlite3.connect(db, isolation_level=None, timeout=30)
    conn.execute("BEGIN IMMEDIATE")
    (where / "held").write_text("held")
    tick = threading.Event()
    deadline = time.monotonic() + seconds  # the longest hold: below the writers' 5 s busy timeout
    while not (where / "release").exists():
        if time.monotonic() > deadline:
            (where / "timed-out").write_text("the lock was held to the end")
            break
        tick.wait(0.001)
    conn.execute("ROLLBACK")
    conn.close()
    (where / "released").write_text("released")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 4.0)
