"""Is the history intact? ``verify_audit`` checks what ``dispatch check`` and
``dispatch backup`` report: the append-only triggers, the hash chain over the
events (store/audit.py), and that each ticket row is its events replayed
(store/replay.py).

Tickets that came in a bulk load (the demo's --scale, benchmarks) have no
``ticket.create`` of their own: the load's event records how many there were
and a digest of them as loaded (``tickets_loaded``), and the check undoes their
later events to compare. A ticket with no history and no load is one someone
added around the app."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from .. import audit
from ..base import StoreBase, append_events
from ..db import explain
from ..i18n import _, ngettext
from ..replay import BOOKKEEPING, differences, undo
from ..schema_later import EVENTS_NO_DELETE, EVENTS_NO_UPDATE
from ..text import clean

Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 5000
TRIGGERS = {"events_no_update": EVENTS_NO_UPDATE, "events_no_delete": EVENTS_NO_DELETE}


@dataclass
class AuditReport:
    events: int = 0
    tickets: int = 0
    head: str = audit.GENESIS  # the last event's hash: keep it elsewhere to spot a recomputed chain
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = clean(text, single_line=True)
    return text if len(text) <= 40 else text[:39] + "…"


def _norm(sql: str | None) -> str:
    return " ".join((sql or "").lower().split())


def digest_columns(conn: sqlite3.Connection) -> list[str]:
    """What a bulk load's digest covers: the ticket fields history determines, and the version."""
    cols = [r[1] for r in conn.execute("PRAGMA table_info(tickets)")]
    return sorted({c for c in cols if c not in BOOKKEEPING} | {"version"})


def loaded_note(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[str, Any] | None:
    """``tickets_loaded`` for the load event of tickets ``ids`` (inside the
    loading transaction, read back as stored)."""
    ids = sorted(ids)
    if not ids:
        return None
    columns = digest_columns(conn)
    d = audit.RowDigest(columns)
    wanted = set(ids)
    cur = conn.execute(f"SELECT {', '.join(columns)} FROM tickets WHERE id BETWEEN ? AND ? ORDER BY id", (ids[0], ids[-1]))
    for r in cur:
        row = dict(zip(columns, r, strict=True))
        if row["id"] in wanted:
            d.add(row)
    return {"first": ids[0], "last": ids[-1], "count": d.count, "sha256": d.hexdigest(), "columns": columns}


def baseline_event(conn: sqlite3.Connection) -> None:
    """At the upgrade that starts the chain: tickets already there without a
    ``ticket.create`` (earlier bulk loads) are recorded as they are now."""
    ids = [r[0] for r in conn.execute(
        "SELECT id FROM tickets WHERE id NOT IN"
        " (SELECT ticket_id FROM events WHERE action = 'ticket.create' AND ticket_id IS NOT NULL)")]
    note = loaded_note(conn, ids)
    if note is None:
        return
    at = conn.execute("SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now')").fetchone()[0]
    append_events(conn, [{"at": at, "actor": "dispatch", "entered_by": None, "action": "audit.baseline",
                          "entity": "database", "entity_id": None, "ticket_id": None, "old": "{}",
                          "new": json.dumps({"tickets_loaded": note}, ensure_ascii=False)}])


class _Load:
    def __init__(self, event_id: int, action: str, note: dict[str, Any]):
        self.id, self.action = event_id, action
        self.first, self.last, self.count, self.sha = note["first"], note["last"], note["count"], note["sha256"]
        self.digest = audit.RowDigest(note["columns"])


def verify_connection(conn: sqlite3.Connection, progress: Progress | None = None) -> AuditReport:
    """Triggers, chain and replay, on one consistent snapshot of the file (a
    read transaction: others keep writing meanwhile). ``conn`` may be any
    connection to a file of the current schema (a backup being checked)."""
    report = AuditReport()
    conn.execute("BEGIN")
    try:
        AuditRepo._check_triggers(conn, report)
        AuditRepo._check_chain(conn, report, progress)
        AuditRepo._check_tickets(conn, report, progress)
    finally:
        conn.execute("ROLLBACK")
    return report


class AuditRepo(StoreBase):
    def verify_audit(self, progress: Progress | None = None) -> AuditReport:
        """Is the history intact? (module docstring)."""
        with self._reader() as conn:
            try:
                return verify_connection(conn, progress)
            except sqlite3.DatabaseError as exc:
                raise explain(self.path, exc) from None

    @staticmethod
    def _check_triggers(conn: sqlite3.Connection, report: AuditReport) -> None:
        found = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"))
        for name, sql in TRIGGERS.items():
            if name not in found:
                report.problems.append(_("trigger {name} is missing: the audit log can be edited (it was dropped)").format(
                    name=name))
            elif _norm(found[name]) != _norm(sql):
                report.problems.append(_("trigger {name} was changed: it no longer refuses edits to the audit log").format(
                    name=name))

    @staticmethod
    def _check_chain(conn: sqlite3.Connection, report: AuditReport, progress: Progress | None) -> None:
        total = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        prev, n = audit.GENESIS, 0
        cur = conn.execute(f"SELECT id, {', '.join(audit.FIELDS)}, prev, hash FROM events ORDER BY id")
        for r in cur:
            eid, values, stored_prev, stored = r[0], tuple(r[1:-2]), r[-2], r[-1]
            what = _("event {id} ({action}, {at})").format(id=eid, action=_shown(values[3]), at=_shown(values[0]))
            if stored is None:
                report.problems.append(_("{event} has no hash: it was written around the app").format(event=what))
            elif stored_prev != prev:
                report.problems.append(_("{event} does not follow the event before it:"
                                         " an event was removed, inserted or rewritten there").format(event=what))
            elif audit.link(stored_prev, values) != stored:
                report.problems.append(_("{event} was changed after it was written: its content does not match its hash")
                                       .format(event=what))
            prev = stored or prev
            n += 1
            if progress is not None and n % PROGRESS_EVERY == 0:
                progress("chain", n, total)
        report.events, report.head = n, prev
        if progress is not None:
            progress("chain", n, total)

    @staticmethod
    def _check_tickets(conn: sqlite3.Connection, report: AuditReport, progress: Progress | None) -> None:
        loads: list[_Load] = []
        for eid, action, new in conn.execute("SELECT id, action, new FROM events WHERE entity = 'database' ORDER BY id"):
            try:
                note = json.loads(new or "{}").get("tickets_loaded")
                if note:
                    loads.append(_Load(eid, action, note))
            except (ValueError, AttributeError, KeyError, TypeError):
                continue  # a damaged event is the chain's finding, not this one's
        total = conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        history = AuditRepo._histories(conn)
        pending = next(history, None)
        n = 0
        cur = conn.execute("SELECT * FROM tickets ORDER BY id")
        names = [d[0] for d in cur.description]
        for r in cur:
            row = dict(zip(names, r, strict=True))
            tid = row["id"]
            while pending is not None and pending[0] < tid:
                report.problems.append(_("ticket #{id} has audit events but no row (deleted around the app)").format(
                    id=pending[0]))
                pending = next(history, None)
            events: list[dict[str, Any]] = []
            if pending is not None and pending[0] == tid:
                events = pending[1]
                pending = next(history, None)
            AuditRepo._check_ticket(row, events, loads, report)
            n += 1
            if progress is not None and n % PROGRESS_EVERY == 0:
                progress("tickets", n, total)
        while pending is not None:
            report.problems.append(_("ticket #{id} has audit events but no row (deleted around the app)").format(id=pending[0]))
            pending = next(history, None)
        for load in loads:
            if load.digest.count != load.count or load.digest.hexdigest() != load.sha:
                report.problems.append(_(
                    "the {count} tickets loaded in bulk by event {id} ({action}) are not as loaded"
                    " ({now} found): a ticket among #{first}–#{last} was changed without an event").format(
                    count=load.count, id=load.id, action=_shown(load.action), now=load.digest.count,
                    first=load.first, last=load.last))
        report.tickets = n
        if progress is not None:
            progress("tickets", n, total)

    @staticmethod
    def _histories(conn: sqlite3.Connection) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        cur = conn.execute("SELECT id, at, actor, action, ticket_id, old, new FROM events"
                           " WHERE entity = 'ticket' AND ticket_id IS NOT NULL ORDER BY ticket_id, id")
        names = ("id", "at", "actor", "action", "ticket_id", "old", "new")
        for tid, rows in groupby(cur, key=lambda r: r[4]):
            events = []
            for r in rows:
                e = dict(zip(names, r, strict=True))
                try:
                    e["old"], e["new"] = json.loads(e["old"] or "{}"), json.loads(e["new"] or "{}")
                except ValueError:
                    e["old"], e["new"] = {}, {}
                events.append(e)
            yield tid, events

    @staticmethod
    def _check_ticket(row: dict[str, Any], events: list[dict[str, Any]], loads: list[_Load], report: AuditReport) -> None:
        tid = row["id"]
        if events and events[0]["action"] == "ticket.create":
            diffs = differences(row, events)
        else:
            load = next((ld for ld in reversed(loads) if ld.first <= tid <= ld.last), None)
            if load is None:
                report.problems.append(_("ticket #{id} has no history (no ticket.create event): it was added around the app")
                                       .format(id=tid))
                return
            later = [e for e in events if e["id"] > load.id]
            state, diffs = undo(row, later)
            state["version"] = row["version"] - len(later)
            load.digest.add(state)
            if later:
                last = later[-1]
                diffs += [(f, row[f], want) for f, want in (("updated_at", last["at"]), ("updated_by", last["actor"]))
                          if row.get(f) != want]
        if diffs:
            name, has, want = diffs[0]
            more = ngettext(" (and {n} more field)",
                            " (and {n} more fields)", len(diffs) - 1).format(n=len(diffs) - 1) if len(diffs) > 1 else ""
            report.problems.append(_("ticket #{id} differs from its history: {field} is {has}, its events say {want}{more}")
                                   .format(id=tid, field=name, has=_shown(has), want=_shown(want), more=more))

    def backup(self, dest: Path, progress: Progress | None = None) -> Any:
        """A checked copy of this file at ``dest`` (store/backup.py), made from
        one read snapshot while others keep writing."""
        from ..backup import backup

        with self._reader() as conn:
            return backup(conn, dest, progress)
