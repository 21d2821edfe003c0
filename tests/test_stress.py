"""Many writers on one file, some killed midway: nothing promised is lost.

Eight processes (tests/stress_worker.py) run random workflow operations
through the Store for about 8 s (thousands of operations: 15 s proved no
more); four times one of them is SIGKILLed at a random moment and started
again. Each logs (fsynced) every operation after
it committed. Afterwards the file is intact, every logged operation is in
it, every ticket is the replay of its audit events, and no caller ever saw
"database is locked". bench/writers.py runs the same for longer."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from store import Store
from tests.conftest import seeded_file
from tests.stress_worker import percentile, run_fleet
from tests.test_demo_replay import assert_tickets_replay

WRITERS, SECONDS, KILLS = 8, 8.0, 4
ACTIONS = {"assign": ("ticket.assign", "ticket.reassign"), "hold": ("ticket.pause",)}


def make_file(path: Path, writers: int) -> None:
    s = seeded_file(path, "ann", source="stress")
    for i in range(writers):
        s.users.add_user(f"w{i}", f"Writer {i}", "dispatcher")
    s.close()


def test_writers_killed_midway_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "stress.db"
    make_file(db, WRITERS)
    entries, killed, errors = run_fleet(db, tmp_path / "logs", WRITERS, SECONDS, kills=KILLS, seed=14)
    assert not errors, errors
    failures = [e for e in entries if "fail" in e]
    assert not failures, failures[:5]  # "database is locked" (or anything else) reached a caller
    done = [e for e in entries if "op" in e]
    assert killed >= KILLS - 1 and len(done) > 200, (killed, len(done))

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    # Every ticket write's event, by ticket and version (each write is one version).
    events: dict[int, list[tuple[str, str]]] = {}
    for tid, action, actor in conn.execute(
            "SELECT ticket_id, action, actor FROM events WHERE entity = 'ticket' ORDER BY id"):
        events.setdefault(tid, []).append((action, actor))
    notes = {json.loads(n)["note"] for (n,) in conn.execute("SELECT new FROM events WHERE action = 'ticket.note'")}
    conn.close()
    lost = []
    for e in done:
        if e["op"] == "note":
            ok = e["token"] in notes
        else:
            history = events.get(e["ticket"], [])
            want = ACTIONS.get(e["op"], (f"ticket.{e['op']}",))
            ok = len(history) >= e["version"] and history[e["version"] - 1][0] in want \
                and history[e["version"] - 1][1] == e["w"]
        if not ok:
            lost.append(e)
    assert not lost, lost[:5]

    store = Store(db, actor="ann")
    assert assert_tickets_replay(store) > 5
    store.close()
    print(f"\nstress: {len(done)} operations by {WRITERS} writers, {killed} killed, 0 lost,"
          f" p99 {percentile([e['ms'] for e in done], 0.99):.0f} ms")
