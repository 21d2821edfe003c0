"""Is the history intact? ``verify_audit`` checks what ``dispatch check`` and
``dispatch backup`` report (README "A history nobody can quietly rewrite"):

- the triggers that keep the audit log append-only and its head moving;
- the hash chain over the events (store/rules/audit.py), and the head record
  (the last event's id and hash and the count: migration 0015);
- every ticket row and its holds equal to their events replayed, and the
  facts stored with it worked out again (audit_tickets.py, audit_facts.py);
- every other audited table equal to its events replayed (audit_tables.py);
- heads kept elsewhere (store/anchors.py) still in the chain."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..anchors import Anchor
from ..context import Context
from ..database import Database, Executes, append_events
from ..db import explain
from ..i18n import _
from ..migrations import NAMES, load
from ..rules import audit
from ..rules.replay import BOOKKEEPING
from .audit_facts import FactsCheck
from .audit_tables import check_notified, check_tables, check_waiting, read_history
from .audit_tables import shown as _shown
from .audit_tickets import check_tickets, pauses_note

Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 5000
# The triggers as the steps made them: the chain's (0008) and the whole file's (0015).
_CHAIN, _WHOLE = load("0008_audit_chain"), load("0015_audit_whole")
TRIGGERS = {"events_no_update": _CHAIN.EVENTS_NO_UPDATE, "events_no_delete": _CHAIN.EVENTS_NO_DELETE}
WHOLE_TRIGGERS: dict[str, str] = _WHOLE.TRIGGERS
# The schema version from which the whole file is under the check (migration 0015).
WHOLE_SINCE = NAMES.index("0015_audit_whole") + 1


@dataclass
class AuditReport:
    events: int = 0
    tickets: int = 0
    head: str = audit.GENESIS  # the last event's hash: keep it elsewhere to spot a recomputed chain
    head_id: int = 0  # and its id: ``ID:HASH`` is the head to keep (store/anchors.py)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _norm(sql: str | None) -> str:
    return " ".join((sql or "").lower().split())


def digest_columns(conn: Executes) -> list[str]:
    """What a bulk load's digest covers: the ticket fields history determines, and the version."""
    cols = [r[1] for r in conn.execute("PRAGMA table_info(tickets)")]
    return sorted({c for c in cols if c not in BOOKKEEPING} | {"version"})


def loaded_note(conn: Executes, ids: Iterable[int], holds: bool = False) -> dict[str, Any] | None:
    """``tickets_loaded`` for the load event of tickets ``ids`` (inside the
    loading transaction, read back as stored); ``holds``: and their holds
    (loads from migration 0015 on; the 0008 baseline records tickets only)."""
    ids = sorted(ids)
    if not ids:
        return None
    columns = digest_columns(conn)
    d = audit.RowDigest(columns)
    wanted = None if ids[-1] - ids[0] + 1 == len(ids) else set(ids)  # (sorted, distinct: a whole range)
    d.add_texts(_rows_json(conn, columns, ids[0], ids[-1], wanted))
    note = {"first": ids[0], "last": ids[-1], "count": d.count, "sha256": d.hexdigest(), "columns": columns}
    if holds:
        note["pauses"] = pauses_note(conn, ids[0], ids[-1], wanted if wanted is not None else set(ids))
    return note


_WINDOW = 16384


def _text_affinity(declared: str) -> bool:
    """SQLite's rule: a column whose declared type names CHAR, CLOB or TEXT
    (and not INT) keeps no REAL: a number stored there becomes text."""
    t = declared.upper()
    return "INT" not in t and any(k in t for k in ("CHAR", "CLOB", "TEXT"))


def _same_in_json(column: str) -> str:
    """SQL: this column's value is written by SQLite's json_array as Python's
    encoder writes it. Texts, integers and NULL are (an escape is looked for
    after); a REAL only when whole and of 1 to 15 digits (SQLite writes 15
    significant digits and 1e15 as 1.0e+15, Python the shortest repr)."""
    return f"(typeof({column}) <> 'real' OR ({column} = CAST({column} AS INTEGER) AND abs({column}) BETWEEN 1 AND 999999999999999))"


def _rows_json(conn: Executes, columns: list[str], first: int, last: int, wanted: set[int] | None) -> Iterator[str]:
    """Each ticket row's digest text (``RowDigest``), id order. Written by
    SQLite's json_array (the same text from Python was a tenth of a
    million-ticket build: each row read into Python and encoded); a row whose
    values SQLite might write otherwise (a fraction, any escaped character)
    is read and encoded by Python, and if any value is a BLOB (json_array
    refuses it) every row is."""
    declared = {r[1]: r[2] for r in conn.execute("PRAGMA table_info(tickets)")}
    same = " AND ".join(_same_in_json(c) for c in columns if not _text_affinity(declared.get(c) or "")) or "1"
    listed = ", ".join(columns)
    for lo in range(first, last + 1, _WINDOW):  # a window at a time: a big load's texts are not all held at once
        hi = min(last, lo + _WINDOW - 1)
        try:
            texts = [(tid, text) for tid, text in conn.execute(
                f"SELECT id, CASE WHEN {same} THEN json_array({listed}) END FROM tickets WHERE id BETWEEN ? AND ?"
                " ORDER BY id", (lo, hi)) if wanted is None or tid in wanted]
        except sqlite3.OperationalError:  # a BLOB somewhere: these rows in Python
            texts = [(tid, None) for (tid,) in conn.execute("SELECT id FROM tickets WHERE id BETWEEN ? AND ? ORDER BY id",
                                                            (lo, hi)) if wanted is None or tid in wanted]
        for tid, text in texts:
            if text is None or "\\" in text:
                row = conn.execute(f"SELECT {listed} FROM tickets WHERE id = ?", (tid,)).fetchone()
                text = audit.row_json(tuple(row))
            yield text


def baseline_event(conn: Executes) -> None:
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


def verify_connection(conn: Executes, progress: Progress | None = None,
                      anchors: Sequence[Anchor] = ()) -> AuditReport:
    """Triggers, chain, head, every audited table replayed, the tickets'
    facts, and kept heads (``anchors``), on one consistent snapshot of the
    file (a read transaction: others keep writing meanwhile). ``conn`` may be
    any connection to a file of this schema or an older one (a backup being
    checked): what an older file cannot have is not asked of it."""
    report = AuditReport()
    conn.execute("BEGIN")
    try:
        whole = conn.execute("PRAGMA user_version").fetchone()[0] >= WHOLE_SINCE
        AuditRepo._check_triggers(conn, report, whole)
        AuditRepo._check_chain(conn, report, progress)
        if whole:
            check_head(conn, report)
        check_anchors(conn, anchors, report.problems)
        history = read_history(conn) if whole else None
        if history is not None:
            check_tables(conn, history, report.problems)
            check_waiting(conn, report.problems)
            check_notified(conn, report.problems)
        baseline = _baseline_note(conn, history.baseline) if history is not None else {}
        facts = FactsCheck(conn, history, baseline.get("facts")) if history is not None else None
        check_tickets(conn, report, facts, baseline.get("pauses_loaded"), history.baseline if history else None, progress)
        if facts is not None:
            facts.finish(conn, report.problems)
    finally:
        conn.execute("ROLLBACK")
    return report


def _baseline_note(conn: Executes, event: int | None) -> dict[str, Any]:
    if event is None:
        return {}
    row = conn.execute("SELECT new FROM events WHERE id = ?", (event,)).fetchone()
    try:
        return json.loads(row[0]) if row else {}
    except ValueError:
        return {}


def check_head(conn: Executes, report: AuditReport) -> None:
    """The head record (migration 0015) moves with every append, in the same
    statement (a trigger): events removed from the end leave it ahead of them."""
    head = conn.execute("SELECT event_id, hash, events FROM audit_head").fetchone()
    if head is None:
        report.problems.append(_("the audit head record is missing (it was deleted): the newest events may have been"
                                 " removed; compare with a kept head (dispatch check --anchors)"))
        return
    last = conn.execute("SELECT id FROM events ORDER BY id DESC LIMIT 1").fetchone()
    last_id = last[0] if last else 0
    if head[0] != last_id or head[2] != report.events:
        report.problems.append(_(
            "the audit log ends at event {last} with {n} events, but its head record says event {head} with {count}:"
            " events were removed from it (or added around the app)").format(
            last=last_id, n=report.events, head=head[0], count=head[2]))
    elif (head[1] or audit.GENESIS) != report.head:
        report.problems.append(_("the audit head record's hash is not the last event's: the newest event was rewritten"))


def check_anchors(conn: Executes, anchors: Sequence[Anchor], problems: list[str]) -> None:
    """Each kept head still in the chain: the event is there with that hash
    (the chain check says whether everything up to it still links)."""
    for a in anchors:
        row = conn.execute("SELECT hash FROM events WHERE id = ?", (a.event,)).fetchone()
        where = _shown(a.source)
        if row is None:
            problems.append(_("the head kept in {where} (event {id}, {hash}) is gone: the audit history was cut back"
                              " before it").format(where=where, id=a.event, hash=a.hash[:16]))
        elif row[0] != a.hash:
            problems.append(_("the head kept in {where} (event {id}, {hash}) is not in the audit history: event {id}"
                              " now has hash {now}, so the history up to it was rewritten").format(
                where=where, id=a.event, hash=a.hash[:16], now=(row[0] or "-")[:16]))


def _event_words(eid: int, values: tuple[Any, ...]) -> str:
    """An event named in a problem (only then: a million events are checked)."""
    return _("event {id} ({action}, {at})").format(id=eid, action=_shown(values[3]), at=_shown(values[0]))


class AuditRepo:
    def __init__(self, db: Database, ctx: Context):
        self.db, self.ctx = db, ctx

    def verify_audit(self, progress: Progress | None = None, anchors: Sequence[Anchor] = ()) -> AuditReport:
        """Is the history intact? (module docstring); ``anchors``: heads kept elsewhere, still in it?"""
        with self.db.reader() as conn:
            try:
                return verify_connection(conn, progress, anchors)
            except sqlite3.DatabaseError as exc:
                raise explain(self.db.path, exc) from None

    @staticmethod
    def _check_triggers(conn: Executes, report: AuditReport, whole: bool = True) -> None:
        found = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                                  " AND tbl_name IN ('events', 'audit_head')"))
        for name, sql in (TRIGGERS | WHOLE_TRIGGERS if whole else TRIGGERS).items():
            if name not in found:
                report.problems.append(_("trigger {name} is missing: the audit log can be edited (it was dropped)").format(
                    name=name))
            elif _norm(found[name]) != _norm(sql):
                report.problems.append(_("trigger {name} was changed: it no longer refuses edits to the audit log").format(
                    name=name))

    @staticmethod
    def _check_chain(conn: Executes, report: AuditReport, progress: Progress | None) -> None:
        total = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        prev, n, eid = audit.GENESIS, 0, 0
        cur = conn.execute(f"SELECT id, {', '.join(audit.FIELDS)}, prev, hash FROM events ORDER BY id")
        for r in cur:
            eid, values, stored_prev, stored = r[0], tuple(r[1:-2]), r[-2], r[-1]
            if stored is None:
                report.problems.append(_("{event} has no hash: it was written around the app").format(
                    event=_event_words(eid, values)))
            elif stored_prev != prev:
                report.problems.append(_("{event} does not follow the event before it:"
                                         " an event was removed, inserted or rewritten there").format(
                    event=_event_words(eid, values)))
            elif audit.link(stored_prev, values) != stored:
                report.problems.append(_("{event} was changed after it was written: its content does not match its hash")
                                       .format(event=_event_words(eid, values)))
            prev = stored or prev
            n += 1
            if progress is not None and n % PROGRESS_EVERY == 0:
                progress("chain", n, total)
        report.events, report.head, report.head_id = n, prev, eid
        if progress is not None:
            progress("chain", n, total)
