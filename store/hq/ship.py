"""`dispatch ship`: a center's new audit events, and the rows they produced, to
the head office (issue 26; schema in store/hq/schema.py).

Contract: ``ship(db_path, conn, center=None, batch=…, progress=…) -> ShipResult``.

How a run goes:
1. The center's file is read through its own read-only connection (SQLite's
   mode=ro; a plain copy with no journal beside it, as a Litestream restore
   leaves, is read as immutable): a shipper never takes the write lock, so
   the dispatchers' writes go on while it reads.
2. One shipper per center: a PostgreSQL advisory lock keyed by the center's
   code, held by this connection for the run (so it works across hosts and from
   a replica in a read-only folder). A second run finds it taken and returns
   ``already_shipping`` (the CLI says so and exits 0: cron's next tick retries).
3. Verified before anything is written: the head office's ``centers`` row holds
   the last event id and hash it has; the file must hold that event with that
   hash, and every newer event must continue the chain from it (prev = the hash
   before, hash = store/rules/audit.py ``link``). Otherwise ShipRefused names the
   center and the event, and nothing of the run is written.
4. Then batches of ``batch`` events, each ONE PostgreSQL transaction: the
   events (COPY), the current rows of the tickets they touched and of those
   tickets' children (COPY into temp tables, then delete-and-upsert, so a row
   removed at the center goes here too), the reference tables when an event
   may have changed them and their digest differs from the one held, and the
   ``centers`` row moved to the batch's last event (id, hash). Killed at any
   point, a batch is wholly in or wholly out; the next run starts after the last
   batch in, and rows are replaced, never added twice.

What a ticket event touches: its ticket (tickets by id; pauses, callbacks,
complaints, improvement_items, self_evaluations, stock_moves by ticket_id). A
callback plan touches its callbacks, a stock event its move. Events that may
change many tickets without naming them (a bulk load, an upgrade, the demo's
reference load: entity 'database'; a setting or the SLA policy, which recompute
deadlines: calendar, time zone, escalation ladder) send every ticket row again;
such a change's recompute writes the open tickets in batches of its own with no
event each, so while it is under way (the ``recompute_pending`` mark) a run
stops before that change and the next run sends it with every row. Rows are sent as they are when the
batch is read (never older than its events): the head office is exactly the
file once a run has caught up.

With every batch (and once in a run with no new events) the center's undelivered
assignment messages go too, outbox id, ticket id and state only (UNDELIVERED), replacing
the set the head office held: why a ticket was never told (waiting, delivery failed).

Events: every one is sent but those of people (PRIVATE_ENTITIES: sign-ins,
users added, locked; the ids run on past them), with the old/new JSON only of
the ticket entities (EVENT_CONTENT). The others' content (users, sign-ins, settings,
notifications) stays at the center: what they changed is in the mirrored rows.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..db import connect_look
from ..i18n import _
from ..migrations import SCHEMA_VERSION
from ..rules import audit
from ..rules.evaluations import SETTINGS as EVALUATION_SETTINGS
from . import summary
from .connect import HqError
from .schema import COLUMNS_0001, KEYS, columns, migrate

Progress = Callable[[int, int], None]  # (events sent, events to send)

# Tables whose rows belong to one ticket: table -> the column naming the ticket.
TICKET_TABLES: dict[str, str] = {
    "tickets": "id", "pauses": "ticket_id", "callbacks": "ticket_id", "complaints": "ticket_id",
    "improvement_items": "ticket_id", "self_evaluations": "ticket_id", "stock_moves": "ticket_id",
}
# Small tables sent whole when their digest changes.
REFERENCE_TABLES = (
    "sites", "technicians", "teams", "equipment", "sla_policy", "settings", "parts", "callback_plans",
    "inspection_plans", "inspection_visits", "inspection_results", "inspection_findings", "stock_locations",
    "stock_lots",
)
# The settings the figures and scores read (never the notification or sign-in ones).
SETTINGS_SHIPPED = ("calendar", "center_code", "center_name", "complaint_step_hours", "currency", "fee_schedule",
                    "invoice_check_days", "meeting_day", "repeat_window_days", "report_targets", "timezone",
                    *EVALUATION_SETTINGS)
# Events whose old/new JSON is sent (what a ticket went through).
EVENT_CONTENT = frozenset({"ticket", "note", "callback", "complaint", "item", "self_evaluation", "inspection_finding"})
# Events never sent at all (sign-ins, people and their roles): the run still
# checks them in the chain and moves the head past them.
PRIVATE_ENTITIES = frozenset({"user"})
# Entities (with no ticket) whose events may change any ticket's row; of the
# settings, those that recompute the open tickets' deadlines (store/repo/settings.py).
EVERY_TICKET = frozenset({"database", "sla_policy"})
RECOMPUTING_SETTINGS = frozenset({"calendar", "timezone", "escalation"})
EVENT_COLUMNS = [n for n, _ in columns(COLUMNS_0001["events"])]
DEFAULT_BATCH = 5000
# Why a ticket was never told (store/rules/notified.py reason_of) is its assignment messages' states, which
# change with no ticket event (the sender's and a retry's events are the outbox's): the few undelivered ones
# (pending, or given up) are sent whole with every batch, ticket and state only (never an address or the text),
# and replace the center's set (hq_undelivered) in the batch's transaction. By the state index outbox_due.
UNDELIVERED = ("SELECT id, ticket_id, state FROM outbox WHERE state IN ('pending', 'failed') AND ticket_id IS NOT NULL"
               " AND json_extract(notice, '$.kind') = 'assignment' ORDER BY id")


class ShipRefused(HqError):
    """The file does not continue the history the head office holds."""


@dataclass
class ShipResult:
    center: str
    events: int = 0
    batches: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    last_event_id: int = 0
    already_shipping: bool = False
    waits_for_recompute: bool = False  # stopped before a calendar/zone change whose recompute is not done
    summary_seconds: float = 0.0  # of ``seconds``, keeping the month summaries (store/hq/summary.py)
    months: int = 0  # center-months recomputed
    undelivered: int = 0  # the center's undelivered assignment messages as last sent (UNDELIVERED)


def center_code(lite: sqlite3.Connection) -> str | None:
    row = lite.execute("SELECT value FROM settings WHERE key = 'center_code'").fetchone()
    if row is None:
        return None
    value = json.loads(row[0])
    return value if isinstance(value, str) and value else None


def _names(table: str) -> list[str]:
    return [n for n, _ in columns(COLUMNS_0001[table])]


def _q(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def open_center(db_path: Path) -> sqlite3.Connection:
    """The center's file, read only; HqError when it is not a dispatch file this version ships."""
    if not Path(db_path).is_file():
        raise HqError(_("{path}: no such file").format(path=db_path))
    try:
        lite = connect_look(Path(db_path))
        version = lite.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        raise HqError(_("{path} cannot be read: {reason}").format(path=db_path, reason=exc)) from None
    if version != SCHEMA_VERSION:
        lite.close()
        raise HqError(_("{path} has schema version {found}; this dispatch ships version {known} (open it with this "
                        "dispatch first)").format(path=db_path, found=version, known=SCHEMA_VERSION))
    return lite


def _lock_key(center: str) -> int:
    return int.from_bytes(hashlib.sha256(f"dispatch ship {center}".encode()).digest()[:8], "big", signed=True)


def _verify(lite: sqlite3.Connection, center: str, last_id: int, last_hash: str) -> tuple[int, str | None, int]:
    """Raise ShipRefused unless the file continues what the head office holds;
    return the file's newest event id and time, and the last event among the new
    ones that sends every ticket again (0: none)."""
    newest, newest_at = lite.execute("SELECT id, at FROM events ORDER BY id DESC LIMIT 1").fetchone() or (0, None)
    if last_id:
        if newest < last_id:
            raise ShipRefused(_("center {center}: the file ends at event {newest} but the head office holds events up "
                                "to {held} (restored from an older backup?); nothing shipped").format(
                center=center, newest=newest, held=last_id))
        row = lite.execute("SELECT hash FROM events WHERE id = ?", (last_id,)).fetchone()
        if row is None or row[0] != last_hash:
            raise ShipRefused(_("center {center}: event {id} is not the one the head office holds (a replaced file or "
                                "a rewritten history); nothing shipped").format(center=center, id=last_id))
    prev, last_every = last_hash, 0
    cur = lite.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE id > ? ORDER BY id", (last_id,))
    for r in cur:
        e = dict(zip(EVENT_COLUMNS, r, strict=True))
        if e["prev"] != prev or e["hash"] != audit.link(prev, e):
            raise ShipRefused(_("center {center}: event {id} does not continue the audit chain (a rewritten "
                                "history); nothing shipped").format(center=center, id=e["id"]))
        prev = e["hash"]
        if _sends_every(e):
            last_every = e["id"]
    return newest, newest_at, last_every


def _ids_json(ids: Iterable[int]) -> str:
    return json.dumps(sorted(ids))


def _rows(lite: sqlite3.Connection, table: str, where: str = "1", args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    return lite.execute(f"SELECT {', '.join(_names(table))} FROM {table} WHERE {where}", args).fetchall()


def _reference(lite: sqlite3.Connection, table: str) -> list[tuple[Any, ...]]:
    if table == "settings":
        marks = ", ".join("?" * len(SETTINGS_SHIPPED))
        return _rows(lite, table, f"key IN ({marks}) ORDER BY key", SETTINGS_SHIPPED)
    return _rows(lite, table, "1 ORDER BY " + ", ".join(KEYS[table]))


def _digest(rows: list[tuple[Any, ...]]) -> str:
    h = hashlib.sha256()
    for r in rows:
        h.update(json.dumps(r, ensure_ascii=False, default=str).encode("utf-8", "surrogatepass") + b"\n")
    return h.hexdigest()


def _sends_every(event: dict[str, Any]) -> bool:
    return event["ticket_id"] is None and (event["entity"] in EVERY_TICKET or _recomputes(event))


def _recomputes(event: dict[str, Any]) -> bool:
    """A settings event that moved the open tickets' deadlines (or one we cannot read: to be safe)."""
    if event["entity"] != "setting":
        return False
    try:
        keys = set(json.loads(event["new"] or "{}"))
    except (ValueError, TypeError):
        return True
    return bool(keys & RECOMPUTING_SETTINGS)


@dataclass
class _Batch:
    events: list[dict[str, Any]]
    rows: dict[str, list[tuple[Any, ...]]]
    touched: dict[str, list[int] | None]  # table -> keys replaced (None: every row of the center)
    reference: dict[str, tuple[str, list[tuple[Any, ...]]]]  # table -> (digest, rows), changed ones only
    undelivered: list[tuple[Any, ...]] = field(default_factory=list)  # UNDELIVERED, as the batch was read


def _read_batch(lite: sqlite3.Connection, after: int, size: int, digests: dict[str, str], every_later: int = 0) -> _Batch:
    """One batch read in one SQLite read transaction (a snapshot; writers go on).
    ``every_later``: an event after this batch sends every ticket again, so this
    batch's ticket rows are left to it (a run killed before it starts after
    this batch, and so meets that event again)."""
    lite.execute("BEGIN")
    try:
        cur = lite.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE id > ? ORDER BY id LIMIT ?", (after, size))
        events = [dict(zip(EVENT_COLUMNS, r, strict=True)) for r in cur]
        undelivered = lite.execute(UNDELIVERED).fetchall()
        if lite.execute("SELECT 1 FROM settings WHERE key = 'recompute_pending'").fetchone():
            # New deadlines are being written (in batches, with no event each): this
            # batch stops before the change that started it; the next run sends it all.
            cut = next((i for i, e in enumerate(events) if e["ticket_id"] is None and _recomputes(e)), None)
            if cut is not None:
                events = events[:cut]
        tickets: set[int] = set()
        plans: set[int] = set()
        moves: set[int] = set()
        every, ref = False, False
        for e in events:
            if e["ticket_id"] is not None:
                tickets.add(e["ticket_id"])
            if e["entity"] == "ticket" and e["entity_id"] is not None:
                tickets.add(e["entity_id"])
            if _sends_every(e):
                every = True
            if e["entity"] == "callback_plan" and e["entity_id"] is not None:
                plans.add(e["entity_id"])
            if e["entity"] == "stock_move" and e["entity_id"] is not None:
                moves.add(e["entity_id"])
            if e["entity"] not in EVENT_CONTENT:
                ref = True
        if events and every_later > events[-1]["id"]:
            tickets, plans, moves, every = set(), set(), set(), False
        rows: dict[str, list[tuple[Any, ...]]] = {}
        touched: dict[str, list[int] | None] = {}
        ids = _ids_json(tickets)
        for table, key in TICKET_TABLES.items():
            if every:
                rows[table], touched[table] = _rows(lite, table), None
                continue
            where = f"{key} IN (SELECT value FROM json_each(?))"
            args: list[Any] = [ids]
            if table == "callbacks" and plans:
                where += " OR plan_id IN (SELECT value FROM json_each(?))"
                args.append(_ids_json(plans))
            if table == "stock_moves" and moves:
                where += " OR id IN (SELECT value FROM json_each(?))"
                args.append(_ids_json(moves))
            rows[table] = _rows(lite, table, where, args)
            # Replaced here: the touched tickets' rows (gone ones included) and the rows read.
            keys = {r[0] for r in rows[table]}
            touched[table] = sorted(keys) if table != "tickets" else sorted(tickets | keys)
            if table != "tickets":
                touched[f"{table}:ticket"] = sorted(tickets)
        reference: dict[str, tuple[str, list[tuple[Any, ...]]]] = {}
        if ref or every:
            for table in REFERENCE_TABLES:
                got = _reference(lite, table)
                d = _digest(got)
                if digests.get(table) != d:
                    reference[table] = (d, got)
    finally:
        lite.execute("COMMIT")
    return _Batch(events, rows, touched, reference, undelivered)


def _copy(cur: Any, table: str, center: str, rows: Iterable[tuple[Any, ...]]) -> int:
    n = 0
    with cur.copy(f'COPY "{table}" (center, {_q(_names(table.removeprefix("_in_")))}) FROM STDIN') as cp:
        for r in rows:
            cp.write_row((center, *r))
            n += 1
    return n


def _write_batch(conn: Any, center: str, b: _Batch, prev_id: int, prev_hash: str,
                 digests: dict[str, str], seen: tuple[int, str | None], result: ShipResult) -> dict[str, int]:
    """The batch in one PostgreSQL transaction, with the centers row."""
    counts: dict[str, int] = {}
    with conn.transaction(), conn.cursor() as cur:
        row = cur.execute("SELECT last_event_id, last_hash FROM centers WHERE code = %s FOR UPDATE", (center,)).fetchone()
        held = (row[0], row[1]) if row else (0, audit.GENESIS)
        if held != (prev_id, prev_hash):  # cannot happen under the lock; never write over another's work
            raise ShipRefused(_("center {center}: the head office moved to event {id} during this run; nothing of this "
                                "batch written").format(center=center, id=held[0]))
        events = [tuple(e[c] if c not in ("old", "new") or e["entity"] in EVENT_CONTENT else None for c in EVENT_COLUMNS)
                  for e in b.events if e["entity"] not in PRIVATE_ENTITIES]
        counts["events"] = _copy(cur, "events", center, events)
        # The month summaries follow the tickets in this same transaction (store/hq/summary.py).
        started = time.monotonic()
        every = b.touched["tickets"] is None
        touched = None if every else summary.before(cur, center, b.touched["tickets"] or [])
        result.summary_seconds += time.monotonic() - started
        for table, key in TICKET_TABLES.items():
            keys = b.touched[table]
            if keys is None:  # every row again: straight in after the delete (no key can clash)
                cur.execute(f'DELETE FROM "{table}" WHERE center = %s', (center,))
                counts[table] = _copy(cur, table, center, b.rows[table])
                continue
            if table != "tickets":
                cur.execute(f'DELETE FROM "{table}" WHERE center = %s AND "{key}" = ANY(%s)',
                            (center, b.touched[f"{table}:ticket"]))
            if not keys:
                continue
            counts[table] = _upsert(cur, table, center, b.rows[table])
        for table, (digest, rows) in b.reference.items():
            cur.execute(f'DELETE FROM "{table}" WHERE center = %s', (center,))
            counts[table] = _copy(cur, table, center, rows)
            digests[table] = digest
        result.undelivered = _undelivered(cur, center, b.undelivered, b.events[-1]["id"])
        started = time.monotonic()
        if every:
            result.months += summary.rebuild(cur, center)
        elif touched is not None and touched.ids:
            result.months += summary.after(cur, touched)
        summary.mark(cur, center, b.events[-1]["id"])
        result.summary_seconds += time.monotonic() - started
        last = b.events[-1]
        cur.execute(
            "INSERT INTO centers AS c (code, last_event_id, last_hash, last_event_at, last_shipped_at, events, digests,"
            " seen_event_id, seen_event_at, seen_at) VALUES (%s, %s, %s, %s, now(), %s, %s, %s, %s, now())"
            " ON CONFLICT (code) DO UPDATE SET last_event_id = excluded.last_event_id, last_hash = excluded.last_hash,"
            " last_event_at = excluded.last_event_at, last_shipped_at = now(), events = c.events + excluded.events,"
            " digests = excluded.digests, seen_event_id = excluded.seen_event_id, seen_event_at = excluded.seen_event_at,"
            " seen_at = now()",
            (center, last["id"], last["hash"], last["at"], len(b.events), json.dumps(digests), seen[0], seen[1]))
        name = next((json.loads(r[1]) for r in b.reference.get("settings", ("", []))[1] if r[0] == "center_name"), None)
        if name is not None:
            cur.execute("UPDATE centers SET name = %s WHERE code = %s", (name, center))
    return counts


def _undelivered(cur: Any, center: str, rows: list[tuple[Any, ...]], last_event_id: int) -> int:
    """The center's undelivered assignment messages replaced by ``rows`` (UNDELIVERED), as of the center's head
    ``last_event_id`` (read only while the head office holds that head: store/hq/figures.py ``_fresh``)."""
    cur.execute("INSERT INTO hq_undelivered_heads (center, last_event_id) VALUES (%s, %s)"
                " ON CONFLICT (center) DO UPDATE SET last_event_id = excluded.last_event_id", (center, last_event_id))
    cur.execute("DELETE FROM hq_undelivered WHERE center = %s", (center,))
    if not rows:
        return 0
    with cur.copy("COPY hq_undelivered (center, id, ticket_id, state) FROM STDIN") as cp:
        for r in rows:
            cp.write_row((center, *r))
    # Each ticket's report time as the head office holds it now (the batch's tickets are in): the month reads its
    # few by it (store/hq/figures.py _UNTOLD); a ticket not there yet has none, and no month to count in.
    cur.execute("UPDATE hq_undelivered o SET reported_at = t.reported_at FROM tickets t WHERE o.center = %s"
                " AND t.center = o.center AND t.id = o.ticket_id", (center,))
    return len(rows)


def _upsert(cur: Any, table: str, center: str, rows: list[tuple[Any, ...]]) -> int:
    """COPY into a temp table, then insert-or-update by the key."""
    if not rows:
        return 0
    names = _names(table)
    tmp = f"_in_{table}"
    cur.execute(f'CREATE TEMP TABLE IF NOT EXISTS "{tmp}" (LIKE "{table}") ON COMMIT DELETE ROWS')
    n = _copy(cur, tmp, center, rows)
    key = ("center", *KEYS[table])
    sets = ", ".join(f'"{c}" = excluded."{c}"' for c in names if c not in key)
    cur.execute(f'INSERT INTO "{table}" SELECT * FROM "{tmp}" ON CONFLICT ({_q(key)}) DO UPDATE SET {sets}')
    cur.execute(f'TRUNCATE "{tmp}"')
    return n


def ship(db_path: Path, conn: Any, center: str | None = None, *, batch: int = DEFAULT_BATCH,
         progress: Progress | None = None) -> ShipResult:
    """Send what the head office does not hold yet (module docstring). ``conn``: a
    psycopg connection (store/hq/connect.py), left open."""
    started = time.monotonic()
    lite = open_center(Path(db_path))
    try:
        center = center or center_code(lite)
        if not center:
            raise HqError(_("{path} has no center code: dispatch set center_code CODE").format(path=db_path))
        migrate(conn)
        result = ShipResult(center)
        key = _lock_key(center)
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            conn.commit()
            result.already_shipping = True
            return result
        try:
            conn.commit()
            row = conn.execute("SELECT last_event_id, last_hash, digests FROM centers WHERE code = %s", (center,)).fetchone()
            conn.commit()
            last_id, last_hash, digests = (row[0], row[1], dict(row[2])) if row else (0, audit.GENESIS, {})
            seen = _verify(lite, center, last_id, last_hash)
            total = lite.execute("SELECT COUNT(*) FROM events WHERE id > ?", (last_id,)).fetchone()[0]
            result.last_event_id = last_id
            while True:
                b = _read_batch(lite, last_id, batch, digests, seen[2])
                if not b.events:
                    result.waits_for_recompute = last_id < lite.execute("SELECT COALESCE(max(id), 0) FROM events").fetchone()[0]
                    if not result.batches and row is not None:
                        # Nothing new, and the set sent all the same: the first run after the head office's
                        # step 0004 fills it, and a state changed around the app (no event) gets there too.
                        with conn.transaction(), conn.cursor() as cur:
                            result.undelivered = _undelivered(cur, center, b.undelivered, last_id)
                    break
                if b.events[0]["prev"] != last_hash:  # the file changed under us since the check
                    raise ShipRefused(_("center {center}: event {id} does not continue the audit chain (a rewritten "
                                        "history); nothing shipped").format(center=center, id=b.events[0]["id"]))
                for e in b.events:  # events written since _verify: checked here
                    if e["hash"] != audit.link(e["prev"], e):
                        raise ShipRefused(_("center {center}: event {id} does not continue the audit chain (a rewritten "
                                            "history); nothing shipped").format(center=center, id=e["id"]))
                for a, z in zip(b.events, b.events[1:], strict=False):
                    if z["prev"] != a["hash"]:
                        raise ShipRefused(_("center {center}: event {id} does not continue the audit chain (a "
                                            "rewritten history); nothing shipped").format(center=center, id=z["id"]))
                counts = _write_batch(conn, center, b, last_id, last_hash, digests, seen[:2], result)
                if b.touched["tickets"] is None:
                    # Every ticket sent again (the first run's COPY): fresh statistics, or the next batches'
                    # lookups and month summaries are planned as for the table before it (passes over it all).
                    conn.execute("ANALYZE tickets")
                    conn.commit()
                for t, n in counts.items():
                    result.rows[t] = result.rows.get(t, 0) + n
                last_id, last_hash = b.events[-1]["id"], b.events[-1]["hash"]
                result.events += len(b.events)
                result.batches += 1
                result.last_event_id = last_id
                if progress:
                    progress(result.events, max(total, result.events))
        finally:
            conn.rollback()
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
            conn.commit()
        result.seconds = time.monotonic() - started
        return result
    finally:
        lite.close()


def rebuild_summaries(conn: Any) -> int:
    """Every center's month summaries (store/hq/summary.py) made again from its mirrored tickets, each center
    in its own transaction under its shipper's lock (waiting for a run under way); the center-months made."""
    migrate(conn)
    codes = [r[0] for r in conn.execute("SELECT code FROM centers ORDER BY code").fetchall()]
    conn.commit()
    made = 0
    for code in codes:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key(code),))
            made += summary.rebuild(cur, code)
    return made


@dataclass
class CenterLag:
    """One center as the head office sees it (`dispatch ship --status`)."""

    code: str
    name: str | None
    last_event_id: int
    last_event_at: str | None  # the newest event held (the center's time, ISO UTC)
    last_shipped_at: Any  # datetime (UTC) of the last batch in
    events: int
    lag_events: int  # events the file held at the last run's start and the head office does not
    seen_at: Any


def status(conn: Any) -> list[CenterLag]:
    """Every center's lag, read only (an empty list before the first ship)."""
    if conn.execute("SELECT to_regclass('centers')").fetchone()[0] is None:
        conn.rollback()
        return []
    rows = conn.execute(
        "SELECT code, name, last_event_id, last_event_at, last_shipped_at, events,"
        " GREATEST(COALESCE(seen_event_id, 0) - last_event_id, 0), seen_at FROM centers ORDER BY code").fetchall()
    conn.rollback()
    return [CenterLag(*r) for r in rows]
