"""The work the migrations leave to today's rules, done right after them.

A frozen step (store/migrations/) never runs live domain code: where it needs
values only today's rules give, it records the work in the ``migrations``
log (``pending``) and this module does it, before the store is used:

- ``report_facts`` (0013): every ticket's report facts (store/rules/derive.py ``facts``);
- ``open_deadlines`` (0002, 0015): every open ticket's derived fields, as a
  finished recompute leaves them (store/repo/settings.py ``recompute``);
- ``audit_baseline`` (0015): the event the audit check starts from on a file
  that had history before the whole file came under it.

In that order (the baseline records the facts the first two leave), each in
batches by ticket id, every batch one short BEGIN IMMEDIATE whose cursor is
saved with it: others' writes get in between, a process that stops halfway
leaves the rest to the next opening, and two processes finishing at once never
do a batch twice (the cursor is read again under the write lock). So
``dispatch check``, which works the facts out with today's rules, agrees by
construction. The baseline is one transaction: it records one moment."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import migrations
from .database import append_events
from .durable import WalSync
from .repo.audit_facts import facts_note
from .repo.audit_tables import rows_loaded
from .repo.audit_tickets import PAUSE_COLUMNS
from .rules import audit
from .rules.calendar import calendar_from
from .rules.derive import DERIVED, FACTS, derive, facts
from .rules.ledger import TABLES
from .rules.sla import Pause, Policy
from .timeutil import from_db

Progress = Callable[[str, int, int], None]  # (work, done, total)
ORDER = ("report_facts", "open_deadlines", "audit_baseline")
BATCH = 5000
# Between batches the lock is left free this long, as the recompute does (a
# waiting writer's busy handler looks again every 100 ms at most).
PAUSE_S = 0.11


def finish(conn: sqlite3.Connection, progress: Progress | None = None, batch: int = BATCH) -> None:
    """Do the work the migrations left (module docstring) on the write
    connection ``conn``; ``progress(work, done, total)`` after each batch."""
    if not migrations.unfinished(conn):
        return
    for work in ORDER:
        if work == "audit_baseline":
            _in_write(conn, _baseline)
        else:
            _batches(conn, work, progress, batch)
    WalSync(Path(conn.execute("PRAGMA database_list").fetchone()[2]))()


def _in_write(conn: sqlite3.Connection, do: Callable[[sqlite3.Connection], Any]) -> Any:
    """``do(conn)`` in one BEGIN IMMEDIATE (it reads what is left under the write lock)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        out = do(conn)
        conn.execute("COMMIT")
        return out
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _waiting(conn: sqlite3.Connection, work: str) -> dict[str, dict[str, Any]]:
    """The steps whose pending work includes ``work``, with what they left."""
    return {name: left for name, left in migrations.unfinished(conn) if work in left.get("todo", ())}


def _done(conn: sqlite3.Connection, steps: dict[str, dict[str, Any]], work: str, after: int | None,
          **keep: Any) -> None:
    """Move ``work``'s cursor to ``after`` in each of ``steps`` (None: that work
    is finished); ``keep``: more to remember with it until it is."""
    for name, left in steps.items():
        cursors = dict(left.get("after", {}))
        if after is None:
            todo = [w for w in left["todo"] if w != work]
            cursors.pop(work, None)
        else:
            todo, cursors[work] = left["todo"], after
        rest = {k: v for k, v in left.items() if k not in ("todo", "after")} | keep
        migrations.leave(conn, name, {"todo": todo, **({"after": cursors} if cursors else {}), **rest} if todo else None)


def _batches(conn: sqlite3.Connection, work: str, progress: Progress | None, batch: int) -> None:
    where = "is_open = 1 AND " if work == "open_deadlines" else ""
    total = done = None
    while True:
        def one(conn: sqlite3.Connection) -> int | None:
            nonlocal total
            steps = _waiting(conn, work)
            if not steps:
                return None
            after = min(int(left.get("after", {}).get(work, 0)) for left in steps.values())
            if total is None:
                total = conn.execute(f"SELECT COUNT(*) FROM tickets WHERE {where}id > ?", (after,)).fetchone()[0]
            cur = conn.execute(f"SELECT * FROM tickets WHERE {where}id > ? ORDER BY id LIMIT ?", (after, batch))
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
            # The last event when this work began: a change of the rules after it
            # starts a recompute of its own, which must not be cut short here.
            since = next((left["since_event"] for left in steps.values() if "since_event" in left), None)
            if since is None:
                since = conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0]
            _work_out(conn, rows, work)
            more = len(rows) == batch
            if not more and work == "open_deadlines" and not _rules_changed(conn, since):
                # Every open ticket now follows the rules in force: a recompute pending is done with.
                conn.execute("DELETE FROM settings WHERE key = 'recompute_pending'")
            _done(conn, steps, work, rows[-1]["id"] if more else None,
                  **({"since_event": since} if work == "open_deadlines" else {}))
            return len(rows)

        n = _in_write(conn, one)
        if n is None:
            return
        done = (done or 0) + n
        if progress is not None:
            progress(work, done, max(total or 0, done))
        if n < batch:
            return
        time.sleep(PAUSE_S)


def _rules_changed(conn: sqlite3.Connection, since: int) -> bool:
    """Whether the SLA policy or the settings changed after event ``since`` (a write of them is audited)."""
    return conn.execute("SELECT 1 FROM events WHERE id > ? AND entity IN ('setting', 'sla_policy') LIMIT 1",
                        (since,)).fetchone() is not None


def _rules(conn: sqlite3.Connection) -> tuple[dict[int, Policy], Any]:
    """The file's SLA policy and calendar, as the store reads them."""
    settings = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM settings WHERE key IN ('calendar', 'timezone')")}
    policy = {r[0]: Policy(r[1], r[2], r[3])
              for r in conn.execute("SELECT priority, response_min, onsite_min, resolve_min FROM sla_policy")}
    return policy, calendar_from(settings.get("calendar", {"kind": "24x7"}), settings.get("timezone", "UTC"))


def _work_out(conn: sqlite3.Connection, rows: list[dict[str, Any]], work: str) -> None:
    """The batch's facts (``report_facts``) or all derived fields (``open_deadlines``), written where they differ."""
    if not rows:
        return
    policy, calendar = _rules(conn)
    pauses: dict[int, list[Pause]] = {}
    for tid, start, end in conn.execute("SELECT ticket_id, started_at, ended_at FROM pauses WHERE ticket_id BETWEEN ? AND ?"
                                        " ORDER BY started_at", (rows[0]["id"], rows[-1]["id"])):
        pauses.setdefault(tid, []).append(Pause(from_db(start), from_db(end)))
    rule, fields = (facts, FACTS) if work == "report_facts" else (derive, DERIVED)
    changed = []
    for row in rows:
        d = rule(row, pauses.get(row["id"], []), policy, calendar)
        if any(row[k] != d[k] for k in fields):
            changed.append([*(d[k] for k in fields), row["id"]])
    conn.executemany(f"UPDATE tickets SET {', '.join(f'{k} = ?' for k in fields)} WHERE id = ?", changed)


def _baseline(conn: sqlite3.Connection) -> None:
    """The audit baseline (0015): every audited table's rows as they are, the
    closed tickets' facts no rules give, and the holds of tickets that came in
    bulk loads, in one event."""
    steps = _waiting(conn, "audit_baseline")
    if not steps:
        return
    holds = audit.RowDigest(PAUSE_COLUMNS)
    for r in conn.execute(
            f"SELECT {', '.join(PAUSE_COLUMNS)} FROM pauses WHERE ticket_id NOT IN (SELECT ticket_id FROM events"
            " WHERE action = 'ticket.create' AND ticket_id IS NOT NULL) ORDER BY ticket_id, id"):
        holds.add(dict(zip(PAUSE_COLUMNS, r, strict=True)))
    note = {"rows_loaded": rows_loaded(conn, dict.fromkeys(TABLES)), "facts": facts_note(conn),
            "pauses_loaded": {"count": holds.count, "sha256": holds.hexdigest()}}
    at = conn.execute("SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now')").fetchone()[0]
    append_events(conn, [{"at": at, "actor": "dispatch", "entered_by": None, "action": "audit.baseline",
                          "entity": "database", "entity_id": None, "ticket_id": None, "old": "{}",
                          "new": json.dumps(note, ensure_ascii=False)}])
    _done(conn, steps, "audit_baseline", None)
