"""Many writers on one file, some killed midway: nothing promised is lost.

Eight processes (tests/stress_worker.py) run random workflow operations
through the Store for about 8 s (thousands of operations: 15 s proved no
more); four times one of them is SIGKILLed at a random moment and started
again. Each logs (fsynced) every operation after
it committed. Some operations are spare-parts steps (receive, move, use on
a ticket, resolve using parts). Afterwards the file is intact, every logged
operation is in it, every ticket and every stock table is the replay of its
audit events (`dispatch check`), the stock each location holds is what the
logged movements (and at most one unpromised write per killed process) say,
no lot went negative, and no caller ever saw "database is locked".
bench/writers.py runs the same for longer."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from store import Store
from tests.conftest import seeded_file
from tests.stress_worker import PARTS, keeper, percentile, run_fleet
from tests.test_demo_replay import assert_tickets_replay

WRITERS, SECONDS, KILLS = 8, 8.0, 4
STOCK_STEPS = ("receive", "move", "use")
ACTIONS = {"assign": ("ticket.assign", "ticket.reassign"), "hold": ("ticket.pause",)}


def make_file(path: Path, writers: int) -> None:
    s = seeded_file(path, "ann", source="stress")
    for i in range(writers):
        s.users.add_user(f"w{i}", f"Writer {i}", "dispatcher")
        s.users.add_user(keeper(f"w{i}"), f"Keeper {i}", "manager")  # receives the writer's deliveries
    for code in PARTS:  # a little of each, in the store and one van: uses soon run short
        s.parts.add_part(code=code, name=f"part {code}", unit="pcs", min_stock=3, unit_cost="10")
        s.parts.receive_parts(code, 6, "9.50")
        s.parts.move_parts(code, 2, "store", "van:1")
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
        elif e["op"] in STOCK_STEPS:
            continue  # no ticket version: check_stock's
        else:
            history = events.get(e["ticket"], [])
            want = ACTIONS.get(e["op"], (f"ticket.{e['op']}",))
            ok = len(history) >= e["version"] and history[e["version"] - 1][0] in want \
                and history[e["version"] - 1][1] == e["w"]
        if not ok:
            lost.append(e)
    assert not lost, lost[:5]

    steps = check_stock(db, done, tmp_path / "logs")
    store = Store(db, actor="ann")
    assert assert_tickets_replay(store) > 5  # `dispatch check`: the stock tables are replayed too
    store.close()
    print(f"\nstress: {len(done)} operations ({steps} stock steps) by {WRITERS} writers, {killed} killed, 0 lost,"
          f" p99 {percentile([e['ms'] for e in done], 0.99):.0f} ms")


def check_stock(db: Path, done: list[dict[str, Any]], logs: Path) -> int:
    """Every logged stock movement is in the file as it was promised; a
    movement nobody was promised is the last write of a killed process (at
    most one per restart of a writer); what each location holds of each part
    (the lots) is what all the movements say, and no lot is below zero.
    Returns how many stock steps were logged."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    code = {r["id"]: r["code"] for r in conn.execute("SELECT id, code FROM parts")}
    moves = {r["id"]: r for r in conn.execute("SELECT * FROM stock_moves")}
    by_move = {r["entity_id"]: (r["id"], r["actor"]) for r in conn.execute(
        "SELECT id, entity_id, actor FROM events WHERE entity = 'stock_move'")}
    promised = {m["id"]: m for e in done for m in e.get("moves", [])}
    wrong = [m for m in promised.values() if m["id"] not in moves or (
        moves[m["id"]]["kind"], code[moves[m["id"]]["part_id"]], moves[m["id"]]["location_id"],
        moves[m["id"]]["to_location_id"], moves[m["id"]]["quantity"], moves[m["id"]]["ticket_id"],
    ) != (m["kind"], m["part"], m["from"], m["to"], m["q"], m["ticket"])]
    assert not wrong, wrong[:5]
    # Unpromised: made by the setup (ann), or committed by a process killed before its line.
    unpromised: dict[str, list[int]] = {}
    for mid in set(moves) - set(promised):
        event, actor = by_move[mid]
        if actor != "ann":
            unpromised.setdefault("w" + actor[1:], []).append(event)
    for writer, events in unpromised.items():
        writes = sum(1 for i, e in enumerate(sorted(events)) if i == 0 or e != sorted(events)[i - 1] + 1)
        restarts = len(list(logs.glob(f"{writer}.*.log"))) - 1
        assert writes <= restarts, (writer, writes, restarts)
    # The stock: each location's lots hold what the movements put there and took out.
    want: Counter[tuple[int, int]] = Counter()
    for m in moves.values():
        sign = 1 if m["kind"] == "receipt" or (m["kind"] == "count" and m["counted"] > m["expected"]) else -1
        want[(m["part_id"], m["location_id"])] += sign * m["quantity"]
        if m["kind"] == "move":
            want[(m["part_id"], m["to_location_id"])] += m["quantity"]
    have = Counter({(r[0], r[1]): r[2] for r in conn.execute(
        "SELECT part_id, location_id, SUM(remaining) FROM stock_lots GROUP BY part_id, location_id")})
    assert +have == +want and not [k for k, v in want.items() if v < 0], (have, want)
    assert conn.execute("SELECT COUNT(*) FROM stock_lots WHERE remaining < 0 OR remaining > quantity").fetchone()[0] == 0
    uses = conn.execute("SELECT COUNT(*) FROM stock_moves WHERE kind = 'use'").fetchone()[0]
    conn.close()
    steps = sum(1 for e in done if e.get("moves"))
    assert steps > 20 and uses > 5, (steps, uses)
    return steps
