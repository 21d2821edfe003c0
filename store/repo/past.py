"""The queue at a past moment, read from the audit log (store/rules/past.py,
docs/rules.md "The queue at a past moment").

``PastQueue`` holds the queue at one place of the log: the nearest snapshot
before it (migration 0025, kept by ``dispatch snapshot``: store/repo/snapshots.py)
read as sorted deadlines for the counts and by index for a page, and on top
of it the tickets that events after the snapshot touched, each replayed from
its own events. Moving to another place replays only the tickets the events
in between touched: a step of one event is one ticket. Reads only."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from pendulum import DateTime

from ..context import Context
from ..database import Database
from ..errors import NotFound
from ..i18n import _
from ..models import QueueRow
from ..rules import past
from ..rules.past import END, Place
from ..rules.sla import Calendar, Policy
from ..timeutil import to_db

EVENT_COLUMNS = "id, at, actor, action, entity, entity_id, ticket_id, old, new"
RULE_ACTIONS = ("settings.set", "sla_policy.set")
# The events that change the SLA rules: the windows, the calendar, the time zone.
RULES_SQL = ("(action = 'sla_policy.set' OR (action = 'settings.set' AND (new LIKE '{\"calendar\"%'"
             " OR new LIKE '{\"timezone\"%')))")
CHUNK = 500  # ticket ids per IN (...) read


def _event(r: Any) -> dict[str, Any]:
    e = dict(zip(("id", "at", "actor", "action", "entity", "entity_id", "ticket_id", "old", "new"), r, strict=True))
    e["old"], e["new"] = json.loads(e["old"] or "{}"), json.loads(e["new"] or "{}")
    return e


class Loads:
    """The bulk loads of tickets (events with ``tickets_loaded``): which load
    brought a ticket that has no ``ticket.create``."""

    def __init__(self, db: Database):
        self.loads: list[tuple[Place, int, int]] = []
        for eid, at, new in db.q("SELECT id, at, new FROM events WHERE entity = 'database' AND ticket_id IS NULL"
                                 " AND new LIKE '%tickets_loaded%' ORDER BY id"):
            note = (json.loads(new or "{}") or {}).get("tickets_loaded")
            if isinstance(note, dict) and "first" in note:
                self.loads.append(((at, eid), int(note["first"]), int(note["last"])))

    def of(self, ticket_id: int) -> Place | None:
        for place, first, last in self.loads:
            if first <= ticket_id <= last:
                return place
        return None

    def between(self, a: Place, b: Place) -> list[tuple[Place, int, int]]:
        lo, hi = min(a, b), max(a, b)
        return [x for x in self.loads if lo < x[0] <= hi]


class Reader:
    """The reads the past queue is made of."""

    def __init__(self, db: Database):
        self.db = db
        self.loads = Loads(db)
        self._names: dict[str, dict[Any, str]] | None = None

    def rules(self, place: Place) -> dict[str, Any]:
        settings = {k: json.loads(v) for k, v in self.db.q(
            "SELECT key, value FROM settings WHERE key IN ('timezone', 'calendar')")}
        now = {"timezone": settings.get("timezone", "UTC"), "calendar": settings.get("calendar", {"kind": "24x7"}),
               "policy": {r[0]: list(r[1:]) for r in self.db.q(
                   "SELECT priority, response_min, onsite_min, resolve_min FROM sla_policy")}}
        changes = [_event(r) for r in self.db.q(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE action IN ('settings.set', 'sla_policy.set') AND at >= ?",
            (place[0],))]
        return past.rules_at(now, changes, place)

    def histories(self, ids: Iterable[int]) -> dict[int, tuple[list[dict[str, Any]], dict[str, Any] | None, Place | None]]:
        """Each ticket's events (log order), and for one loaded in bulk its
        state as loaded (the row and holds now with the later events undone)
        and the load's place; (events, None, None) for one with no history."""
        out: dict[int, tuple[list[dict[str, Any]], dict[str, Any] | None, Place | None]] = {}
        ids = sorted(set(ids))
        for i in range(0, len(ids), CHUNK):
            part = ids[i:i + CHUNK]
            marks = ", ".join("?" * len(part))
            by: dict[int, list[dict[str, Any]]] = {t: [] for t in part}
            for r in self.db.q(f"SELECT {EVENT_COLUMNS} FROM events WHERE ticket_id IN ({marks}) AND entity = 'ticket'"
                               " ORDER BY ticket_id, id", part):
                by[r[6]].append(_event(r))
            bulk = [t for t in part if not by[t] or by[t][0]["action"] != "ticket.create"]
            rows, pauses = self._now(bulk)
            for t in part:
                events = by[t]
                load = self.loads.of(t) if t in rows else None
                if load is None:
                    out[t] = (events, None, None)  # (no history at all: 'dispatch check' names it)
                else:
                    later = [e for e in events if e["id"] > load[1]]
                    out[t] = (events, past.loaded(rows[t], pauses.get(t, []), later), load)
        return out

    def touched(self, a: Place, b: Place) -> set[int]:
        """The tickets whose events lie in (a, b] (or (b, a])."""
        lo, hi = min(a, b), max(a, b)
        return {r[2] for r in self.db.q("SELECT id, at, ticket_id FROM events WHERE at >= ? AND at <= ?"
                                        " AND entity = 'ticket' AND ticket_id IS NOT NULL", (lo[0], hi[0]))
                if lo < (r[1], r[0]) <= hi}

    def states(self, ids: Iterable[int], place: Place) -> dict[int, dict[str, Any] | None]:
        """Each ticket at ``place`` from its own events."""
        return {t: past.replay_ticket(events, place, base, load)
                for t, (events, base, load) in self.histories(ids).items()}

    def _now(self, ids: list[int]) -> tuple[dict[int, dict[str, Any]], dict[int, list[dict[str, Any]]]]:
        if not ids:
            return {}, {}
        marks = ", ".join("?" * len(ids))
        # Only what the queue shows (past.FIELDS): a whole row is five times the reading.
        rows = {r["id"]: dict(r) for r in self.db.q(
            f"SELECT id, version, {', '.join(past.FIELDS)} FROM tickets WHERE id IN ({marks})", ids)}
        pauses: dict[int, list[dict[str, Any]]] = {}
        for r in self.db.q(f"SELECT ticket_id, reason, note, started_at, ended_at FROM pauses WHERE ticket_id IN ({marks})"
                           " ORDER BY ticket_id, id", ids):
            pauses.setdefault(r[0], []).append(dict(zip(("reason", "note", "started_at", "ended_at"), r[1:], strict=True)))
        return rows, pauses

    def names(self) -> dict[str, dict[Any, str]]:
        if self._names is None:
            self._names = {
                "sites": {r[0]: r[1] for r in self.db.q("SELECT id, name FROM sites")},
                "technicians": {r[0]: r[1] for r in self.db.q("SELECT id, name FROM technicians")},
                "equipment": {},
            }
        return self._names

    def equipment(self, ids: Iterable[int | None]) -> dict[Any, str]:
        known = self.names()["equipment"]
        want = [i for i in set(ids) if i is not None and i not in known]
        if want:
            marks = ", ".join("?" * len(want))
            known.update({r[0]: r[1] for r in self.db.q(f"SELECT id, asset_tag FROM equipment WHERE id IN ({marks})", want)})
        return known

    def snapshot_before(self, place: Place) -> dict[str, Any] | None:
        rows = self.db.q("SELECT id, at, event_id, rules, tickets FROM queue_snapshots WHERE tickets >= 0"
                         " AND (at < ? OR (at = ? AND event_id <= ?)) ORDER BY at DESC, event_id DESC LIMIT 1",
                         (place[0], place[0], place[1]))
        if not rows:
            return None
        r = rows[0]
        return {"id": r[0], "place": (r[1], r[2]), "rules": json.loads(r[3]), "tickets": r[4]}

    def all_ids(self) -> list[int]:
        return [r[0] for r in self.db.q("SELECT id FROM tickets ORDER BY id")]


Entry = tuple[dict[str, Any], dict[str, Any]]  # (state, derived) of an open ticket


class PastQueue:
    """The queue at one place of the log, kept so moving is incremental."""

    def __init__(self, reader: Reader, place: Place):
        self.r = reader
        self.place = place
        self.rules = reader.rules(place)
        self._made: tuple[dict[int, Policy], Calendar] = past.made(self.rules)
        self.base = reader.snapshot_before(place)
        if self.base is not None and (self.base["rules"] != self.rules
                                      or reader.loads.between(self.base["place"], place)):
            self.base = None  # rules changed or a load came since: no snapshot is ready for this stretch
        self._base_rows()
        self.overlay: dict[int, Entry | None] = {}
        self._in_base: dict[int, dict[str, Any]] = {}
        self._checked: set[int] = set()
        if self.base is None:
            self._touch(reader.all_ids())
        else:
            self._touch(reader.touched(self.base["place"], place))

    @property
    def at(self) -> str:
        """The instant the countdowns are read at (stored time text)."""
        return self.place[0]

    # --------------------------------------------------------------- base
    def _base_rows(self) -> None:
        """The snapshot's counts that time does not move (kept with it)."""
        self.held: Counter[str] = Counter()
        self.base_open = self.base_unassigned = 0
        if self.base is None:
            return
        r = self.r.db.one("SELECT tickets, unassigned, held_breached, held_at_risk FROM queue_snapshots WHERE id = ?",
                          (self.base["id"],))
        assert r is not None
        self.base_open, self.base_unassigned = r[0], r[1]
        self.held.update(breached=r[2], at_risk=r[3])

    def _running(self, column: str, at: str) -> int:
        """The snapshot's running clocks with ``column`` (due_at, risk_at) at or before ``at``: one index range."""
        if self.base is None:
            return 0
        return int(self.r.db.value(f"SELECT COUNT(*) FROM queue_snapshot_rows WHERE snapshot_id = ? AND {column} <= ?",
                                   (self.base["id"], at)))

    def _base_entries(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """The snapshot's derived columns of these tickets (those in it)."""
        if self.base is None or not ids:
            return {}
        out: dict[int, dict[str, Any]] = {}
        for i in range(0, len(ids), CHUNK):
            part = ids[i:i + CHUNK]
            for r in self.r.db.q(f"SELECT ticket_id, queue_key, due_at, risk_at, held, unassigned FROM queue_snapshot_rows"
                                 f" WHERE snapshot_id = ? AND ticket_id IN ({', '.join('?' * len(part))})",
                                 [self.base["id"], *part]):
                out[r[0]] = {"queue_key": r[1], "due_at": r[2], "risk_at": r[3], "held": r[4], "unassigned": r[5]}
        return out

    def _touch(self, ids: Iterable[int]) -> None:
        """Replay these tickets to the place, a chunk at a time (a first
        snapshot replays every ticket of the file: only the open stay held)."""
        ids = list(ids)
        for i in range(0, len(ids), CHUNK * 10):
            states = self.r.states(ids[i:i + CHUNK * 10], self.place)
            for tid, state in states.items():
                d = past.derived(state, self._made) if state is not None else None
                self.overlay[tid] = (state, d) if state is not None and d is not None else None
            new = sorted(t for t in states if t not in self._checked)
            self._checked.update(new)
            self._in_base.update(self._base_entries(new))

    # --------------------------------------------------------------- moves
    def move(self, place: Place) -> None:
        """To another place: the tickets the events in between touched are
        replayed; a change of rules, a load, or a place before the snapshot
        starts again from the nearest snapshot."""
        if place == self.place:
            return
        rules = self.r.rules(place)
        loads = self.r.loads.between(self.place, place)
        if rules != self.rules or loads or (self.base is not None and place < self.base["place"]):
            self.__init__(self.r, place)  # type: ignore[misc]
            return
        touched = self.r.touched(self.place, place)
        self.place = place
        if touched:
            self._touch(touched)

    # --------------------------------------------------------------- reads
    def counts(self) -> dict[str, int]:
        at = self.at
        breached = self._running("due_at", at)
        out = {"open": self.base_open, "breached": breached + self.held["breached"],
               "at_risk": self._running("risk_at", at) - breached + self.held["at_risk"],
               "unassigned": self.base_unassigned}
        for b in self._in_base.values():  # what the replayed tickets counted in the snapshot
            out["open"] -= 1
            out["unassigned"] -= b["unassigned"]
            s = b["held"] or (None if b["due_at"] is None else past.state_at(
                {"next_clock": "x", "due_at": b["due_at"], "risk_at": b["risk_at"], "frozen_left_s": 1, "window_s": 0}, at))
            if s in ("at_risk", "breached"):
                out[s] -= 1
        now = past.counts((e for e in self.overlay.values() if e is not None), at)
        return {k: out[k] + now[k] for k in out}

    def entries(self, offset: int = 0, limit: int = 100) -> list[Entry]:
        """The open tickets ``offset``.. in the live queue's order."""
        mine = sorted((e for e in self.overlay.values() if e is not None), key=lambda e: str(e[1]["queue_key"]))
        want = offset + limit
        base: list[tuple[str, Entry]] = []
        if self.base is not None:
            skip = set(self._in_base)
            for tid, key, row in self.r.db.q(
                    "SELECT ticket_id, queue_key, row FROM queue_snapshot_rows WHERE snapshot_id = ?"
                    " ORDER BY queue_key LIMIT ?", (self.base["id"], want + len(skip))):
                if tid not in skip:
                    state = json.loads(row)
                    base.append((key, (state, state.pop("derived"))))
                    if len(base) == want:
                        break
        merged = sorted([(str(e[1]["queue_key"]), e) for e in mine[:want]] + base[:want], key=lambda x: x[0])
        return [e for _k, e in merged[offset:want]]

    def rows(self, offset: int = 0, limit: int = 100) -> list[QueueRow]:
        entries = self.entries(offset, limit)
        names = dict(self.r.names())
        names["equipment"] = self.r.equipment(s["equipment_id"] for s, _d in entries)
        return [past.queue_row(s, d, names) for s, d in entries]

    def all_entries(self) -> list[Entry]:
        """Every open ticket (a snapshot's rows, the reference test)."""
        return self.entries(0, END)


def place_at(at: str) -> Place:
    return (at, END)


class PastRepo:
    """``store.past``: open the queue at an instant or just before an event,
    and find the places to step to."""

    def __init__(self, db: Database, ctx: Context):
        self.db, self.ctx = db, ctx  # ctx: as every repository is wired (store/store.py _Repo)

    def at(self, instant: DateTime) -> PastQueue:
        return self.open(place_at(to_db(instant)))

    def open(self, place: Place) -> PastQueue:
        return PastQueue(Reader(self.db), place)

    def event(self, event_id: int) -> dict[str, Any]:
        r = self.db.one(f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ?", (event_id,))
        if r is None:
            raise NotFound(_("No event {id} in the audit log").format(id=event_id))
        return _event(r)

    def before(self, event_id: int) -> tuple[PastQueue, dict[str, Any]]:
        """The queue just before event ``event_id`` was recorded: what its
        actor saw when they made it."""
        e = self.event(event_id)
        return PastQueue(Reader(self.db), (e["at"], e["id"] - 1)), e

    def step(self, place: Place, forward: bool) -> Place | None:
        """The place one queue event (a ticket's, or a change of the SLA
        rules) on or back; None at either end of the log."""
        where = f" AND (entity = 'ticket' OR {RULES_SQL})"
        if forward:
            r = self.db.one(f"SELECT at, id FROM events WHERE (at > ? OR (at = ? AND id > ?)){where}"
                            " ORDER BY at, id LIMIT 1", (place[0], place[0], place[1]))
            return (r[0], r[1]) if r is not None else None
        last = self.db.one(f"SELECT at, id FROM events WHERE (at < ? OR (at = ? AND id <= ?)){where}"
                           " ORDER BY at DESC, id DESC LIMIT 1", (place[0], place[0], place[1]))
        if last is None:
            return None
        # Back one: the place just before the last event there.
        return (last[0], last[1] - 1)

    def event_at(self, place: Place) -> dict[str, Any] | None:
        """The last event at or before ``place`` (what the last step showed)."""
        r = self.db.one(f"SELECT {EVENT_COLUMNS} FROM events WHERE (at < ? OR (at = ? AND id <= ?))"
                        f" AND (entity = 'ticket' OR {RULES_SQL}) ORDER BY at DESC, id DESC LIMIT 1",
                        (place[0], place[0], place[1]))
        return _event(r) if r is not None else None

    def ticket_events(self, ticket_id: int) -> list[Place]:
        """A ticket's events' places, in log order (to jump to them)."""
        return sorted((r[0], r[1]) for r in self.db.q(
            "SELECT at, id FROM events WHERE ticket_id = ? AND entity = 'ticket'", (ticket_id,)))
