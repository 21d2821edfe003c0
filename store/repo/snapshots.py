"""Snapshots of the open queue (migration 0025), so the queue at a moment a
month back is the nearest snapshot plus the events after it (store/repo/past.py).

``keep`` walks the log from the last snapshot on and keeps one every
``EVERY`` events, and one right after each change of the SLA rules and each
bulk load (the deadlines of every open ticket move then, and a load brings
tickets with no events of their own). It runs from cron (``dispatch
snapshot``), never inside a dispatcher's write: a snapshot is written in
short transactions, copied in SQL from the one before it for the tickets
nothing touched, and counts only once its last row is in (``tickets`` is -1
until then). ``check`` replays every ticket to each snapshot's place and
names the first rows that are not what the events say."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..database import Database
from ..i18n import _
from ..rules import past
from ..rules.past import Place
from ..timeutil import to_db
from .past import CHUNK, RULES_SQL, PastQueue, Reader

EVERY = 2_000  # events between two snapshots: the most a moment replays beyond its snapshot
BATCH = 20_000  # snapshot rows copied per transaction
DERIVED = ("next_clock", "due_at", "risk_at", "frozen_left_s", "window_s", "queue_key")
Progress = Callable[[int, int], None]


def snapshot_row(state: dict[str, Any], d: dict[str, Any]) -> tuple[Any, ...]:
    """(ticket_id, queue_key, due_at, risk_at, held, unassigned, row) of one open ticket."""
    row = {**state, "derived": {k: d[k] for k in DERIVED}}
    return (state["id"], d["queue_key"], d["due_at"], d["risk_at"], past.held_state(d), past.unassigned(state),
            json.dumps(row, ensure_ascii=False, sort_keys=True))


class SnapshotsRepo:
    def __init__(self, db: Database, ctx: Any):
        self.db, self.ctx = db, ctx

    def places(self) -> list[Place]:
        return [(r[0], r[1]) for r in self.db.q(
            "SELECT at, event_id FROM queue_snapshots WHERE tickets >= 0 ORDER BY at, event_id")]

    def due(self, every: int = EVERY) -> list[Place]:
        """The places still to keep a snapshot at, after the last one."""
        kept = self.places()
        last = kept[-1] if kept else ("", 0)
        out: list[Place] = []
        n = 0
        pending: Place | None = None  # a change of rules or a load: kept before the next ticket event
        for eid, at, rules, load in self.db.q(
                f"SELECT id, at, {RULES_SQL}, entity = 'database' AND ticket_id IS NULL AND new LIKE '%tickets_loaded%'"
                " FROM events WHERE at >= ? ORDER BY at, id", (last[0],)):
            if (at, eid) <= last:
                continue
            if rules or load:  # (a run of them, e.g. a big load's chunks, makes one snapshot)
                pending = (at, eid)
                continue
            if pending is not None:
                out.append(pending)
                pending, n = None, 0
            n += 1
            if n >= every:
                out.append((at, eid))
                n = 0
        if pending is not None:
            out.append(pending)
        return out

    def keep(self, progress: Progress | None = None, every: int = EVERY) -> int:
        """Keep the snapshots due; returns how many were made."""
        places = self.due(every)
        reader = Reader(self.db)
        for i, place in enumerate(places):
            self._write(PastQueue(reader, place))
            if progress is not None:
                progress(i + 1, len(places))
        return len(places)

    def _write(self, q: PastQueue) -> None:
        with self.db.write("queue.snapshot") as tx:
            sid = tx.execute("INSERT INTO queue_snapshots (at, event_id, made_at, rules, tickets) VALUES (?, ?, ?, ?, -1)",
                             (q.place[0], q.place[1], to_db(self.ctx.now()), json.dumps(q.rules, sort_keys=True))).lastrowid
        if q.base is not None:  # the tickets nothing touched since the last snapshot: copied as they are
            after = -1
            while True:
                with self.db.write("queue.snapshot") as tx:
                    top = tx.execute("SELECT MAX(ticket_id) FROM (SELECT ticket_id FROM queue_snapshot_rows"
                                     " WHERE snapshot_id = ? AND ticket_id > ? ORDER BY ticket_id LIMIT ?)",
                                     (q.base["id"], after, BATCH)).fetchone()[0]
                    if top is None:
                        break
                    tx.execute("INSERT INTO queue_snapshot_rows SELECT ?, ticket_id, queue_key, due_at, risk_at, held,"
                               " unassigned, row FROM queue_snapshot_rows WHERE snapshot_id = ? AND ticket_id > ?"
                               " AND ticket_id <= ?", (sid, q.base["id"], after, top))
                after = top
        touched = sorted(q.overlay)
        rows = [snapshot_row(*e) for e in (q.overlay[t] for t in touched) if e is not None]
        for i in range(0, max(len(touched), len(rows)), BATCH):
            with self.db.write("queue.snapshot") as tx:
                part = touched[i:i + BATCH]
                for j in range(0, len(part), CHUNK):
                    ids = part[j:j + CHUNK]
                    tx.execute(f"DELETE FROM queue_snapshot_rows WHERE snapshot_id = ? AND ticket_id IN"
                               f" ({', '.join('?' * len(ids))})", [sid, *ids])
        for i in range(0, len(rows), BATCH):
            with self.db.write("queue.snapshot") as tx:
                tx.executemany("INSERT INTO queue_snapshot_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               [(sid, *r) for r in rows[i:i + BATCH]])
        with self.db.write("queue.snapshot") as tx:
            tx.execute("UPDATE queue_snapshots SET (tickets, unassigned, held_breached, held_at_risk) = (SELECT COUNT(*),"
                       " COALESCE(SUM(unassigned), 0), COALESCE(SUM(held = 'breached'), 0), COALESCE(SUM(held = 'at_risk'), 0)"
                       " FROM queue_snapshot_rows WHERE snapshot_id = ?) WHERE id = ?", (sid, sid))

    # ------------------------------------------------------------- check
    def check(self, progress: Progress | None = None) -> list[str]:
        """Each snapshot's rows against every ticket replayed to its place:
        one line per snapshot that differs, naming its first wrong row."""
        snaps = [{"id": r[0], "place": (r[1], r[2]), "rules": r[3], "tickets": r[4]} for r in self.db.q(
            "SELECT id, at, event_id, rules, tickets FROM queue_snapshots WHERE tickets >= 0 ORDER BY at, event_id")]
        if not snaps:
            return []
        reader = Reader(self.db)
        problems: dict[int, str] = {}
        made = {}
        for s in snaps:
            rules = reader.rules(s["place"])
            if json.loads(s["rules"]) != rules:
                problems[s["id"]] = _("its SLA rules are not those in force then")
            made[s["id"]] = past.made(rules)
        ids = reader.all_ids()
        seen: dict[int, int] = dict.fromkeys(made, 0)
        for i in range(0, len(ids), CHUNK * 10):
            part = ids[i:i + CHUNK * 10]
            histories = reader.histories(part)
            for s in snaps:
                if s["id"] in problems:
                    continue
                stored = {r[0]: r[1:] for r in self.db.q(
                    "SELECT ticket_id, queue_key, due_at, risk_at, held, unassigned, row FROM queue_snapshot_rows"
                    " WHERE snapshot_id = ? AND ticket_id BETWEEN ? AND ?", (s["id"], part[0], part[-1]))}
                seen[s["id"]] += len(stored)
                for t in part:
                    events, base, load = histories[t]
                    state = past.replay_ticket(events, s["place"], base, load)
                    d = past.derived(state, made[s["id"]]) if state is not None else None
                    has = stored.get(t)
                    if d is None and has is None:
                        continue
                    if d is None or has is None:
                        problems[s["id"]] = (_("ticket #{id} is in it but was not open then") if d is None
                                             else _("ticket #{id} was open then but is not in it")).format(id=t)
                        break
                    if state is None:
                        continue
                    want = snapshot_row(state, d)[1:]
                    if tuple(has) != want:
                        problems[s["id"]] = _("ticket #{id} is not as its events replayed make it").format(id=t)
                        break
            if progress is not None:
                progress(min(len(ids), i + CHUNK * 10), len(ids))
        for s in snaps:
            if s["id"] not in problems and seen[s["id"]] != self.db.value(
                    "SELECT COUNT(*) FROM queue_snapshot_rows WHERE snapshot_id = ?", (s["id"],)):
                problems[s["id"]] = _("it holds rows of tickets that do not exist")
        at = {s["id"]: s["place"][0] for s in snaps}
        return [_("queue snapshot {n} ({at}): {problem}").format(n=n, at=at[n], problem=p) for n, p in sorted(problems.items())]
