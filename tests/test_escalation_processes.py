"""Issue 24 across processes: two processes noticing the same levels fire
each (ticket, clock, level) once, with one event and one set of messages;
a sender SIGKILLed between sending and recording resends at most the one
message in flight, and loses none."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

from conftest import MutableClock, seeded_file
from ticket_helpers import make

from store import Store
from store.timeutil import to_db

WORKER = str(Path(__file__).parent / "escalation_worker.py")
HOOK = "json://localhost:9/hook"


def _histories(store: Store, clock: MutableClock, seed: int, n: int = 12) -> None:
    """Tickets of every priority, some assigned, some held and resumed, a priority changed."""
    r = random.Random(seed)
    for login in ("ann", "fay", "gus"):
        store.actor = login
        store.outbox.set_user_addresses(login, [HOOK])
    store.actor = "bob"
    for _i in range(n):
        t = make(store, priority=r.randint(1, 4))
        clock.advance(minutes=r.choice([1, 7, 30]))
        if r.random() < 0.7:
            t = store.tickets.assign(t.id, t.version, technician_id=r.randint(1, 3))  # the seed's three on duty
        if r.random() < 0.3:
            t = store.tickets.hold(t.id, t.version, reason="customer", note="closed")
            clock.advance(minutes=r.choice([20, 90]))
            if r.random() < 0.5:
                t = store.tickets.resume(t.id, t.version)
        if r.random() < 0.3 and t.priority != (p := r.randint(1, 4)):
            store.tickets.edit_ticket(t.id, t.version, priority=p, reason="customer called again")


def test_two_processes_fire_each_level_once(tmp_path: Path, now) -> None:
    for seed in range(2):
        clock = MutableClock(now)
        path = tmp_path / f"two{seed}.db"
        store = seeded_file(path, "bob", "alice", "fay", "gus", clock=clock)
        _histories(store, clock, seed)
        store.close()
        start = to_db(clock.now)
        procs = [subprocess.Popen([sys.executable, WORKER, "fire", str(path), start, "600", "60", str(seed * 10 + k)])
                 for k in range(2)]
        assert [p.wait(timeout=300) for p in procs] == [0, 0]
        store = Store(path, actor="ann", clock=clock)
        try:
            rows = store.db.q("SELECT id, ticket_id, clock, at, fired_at, recipients FROM escalations ORDER BY id")
            assert rows, "something fell due in ten hours"
            keys = [(r["ticket_id"], r["clock"], r["at"]) for r in rows]
            assert len(keys) == len(set(keys))
            fires = store.db.q("SELECT entity_id, new FROM events WHERE action = 'escalation.fire' ORDER BY id")
            assert sorted(f[0] for f in fires) == [r["id"] for r in rows]  # one event each
            # Per ticket and clock, later records are higher levels.
            by: dict[tuple[int, str], list[float]] = {}
            for r in rows:
                by.setdefault((r["ticket_id"], r["clock"]), []).append(r["at"])
            assert all(shares == sorted(set(shares)) for shares in by.values())
            # One message per recipient with an address, per escalation: none twice.
            queued = store.db.q("SELECT recipient, notice FROM outbox")
            per = [(json.loads(q["notice"])["ticket_id"], json.loads(q["notice"])["clock"], json.loads(q["notice"])["at"],
                    q["recipient"]) for q in queued]
            assert len(per) == len(set(per))
            want = sum(len([x for x in json.loads(r["recipients"]) if x in ("ann", "fay", "gus")]) for r in rows)
            assert len(per) == want
            report = store.audit.verify_audit()
            assert report.ok, report.problems[:3]
        finally:
            store.close()


def test_a_killed_sender_resends_only_the_message_in_flight(tmp_path: Path, now) -> None:
    clock = MutableClock(now)
    path = tmp_path / "kill.db"
    store = seeded_file(path, "bob", "alice", "fay", "gus", clock=clock)
    _histories(store, clock, 7, n=8)
    clock.advance(hours=30)
    store.escalations.fire_due()
    ids = [r[0] for r in store.db.q("SELECT id FROM outbox ORDER BY id")]
    store.close()
    assert len(ids) >= 4
    log = tmp_path / "sent.log"
    first = subprocess.run([sys.executable, WORKER, "send", str(path), to_db(clock.now), str(log), "3"], timeout=120)
    assert first.returncode == -9  # SIGKILL, after the third delivery
    second = subprocess.run([sys.executable, WORKER, "send", str(path), to_db(clock.now), str(log), "0"], timeout=120)
    assert second.returncode == 0
    sent = [int(x) for x in log.read_text().split()]
    assert sorted(set(sent)) == ids  # none lost
    twice = [i for i in set(sent) if sent.count(i) > 1]
    assert twice == [sent[2]]  # only the one in flight when killed
    store = Store(path, actor="ann", clock=clock)
    try:
        assert store.outbox.status()["sent"] == len(ids)
        assert store.audit.verify_audit().ok
    finally:
        store.close()
