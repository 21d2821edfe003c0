"""Each ticket row and its holds are their events replayed (store/rules/replay.py),
and its stored facts are worked out again (audit_facts.py): one pass over the
tickets in id order, beside their events and holds in the same order.

Tickets that came in a bulk load (the demo's --scale, benchmarks) have no
``ticket.create`` of their own: the load's event records how many there were
and a digest of them and their holds as loaded (``tickets_loaded``), and the
check undoes their later events to compare. A ticket with no history and no
load is one someone added around the app."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from itertools import groupby
from typing import Any

from ..database import Executes
from ..i18n import _, ngettext
from ..rules import audit
from ..rules.replay import differences, hold_differences, holds, undo, unhold
from .audit_facts import FactsCheck, pauses_as
from .audit_tables import shown as _shown

Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 5000
PAUSE_COLUMNS = ["id", "ticket_id", "reason", "note", "started_at", "ended_at"]


class _Load:
    def __init__(self, event_id: int, action: str, note: dict[str, Any]):
        self.id, self.action = event_id, action
        self.first, self.last, self.count, self.sha = note["first"], note["last"], note["count"], note["sha256"]
        self.digest = audit.RowDigest(note["columns"])
        self.holds = note.get("pauses")  # {count, sha256}: loads from migration 0015 on
        self.hold_digest = audit.RowDigest(PAUSE_COLUMNS)


def pauses_note(conn: Executes, first: int, last: int, wanted: set[int] | None = None) -> dict[str, Any]:
    """A digest of the holds of tickets ``first``..``last`` (those in ``wanted``), as stored."""
    d = audit.RowDigest(PAUSE_COLUMNS)
    for r in conn.execute(f"SELECT {', '.join(PAUSE_COLUMNS)} FROM pauses WHERE ticket_id BETWEEN ? AND ?"
                          " ORDER BY ticket_id, id", (first, last)):
        row = dict(zip(PAUSE_COLUMNS, r, strict=True))
        if wanted is None or row["ticket_id"] in wanted:
            d.add(row)
    return {"count": d.count, "sha256": d.hexdigest()}


def _grouped(cur: sqlite3.Cursor, names: tuple[str, ...], key: int) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    for tid, rows in groupby(cur, key=lambda r: r[key]):
        yield tid, [dict(zip(names, r, strict=True)) for r in rows]


def _histories(conn: Executes) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    cur = conn.execute("SELECT id, at, actor, action, ticket_id, old, new FROM events"
                       " WHERE entity = 'ticket' AND ticket_id IS NOT NULL ORDER BY ticket_id, id")
    for tid, events in _grouped(cur, ("id", "at", "actor", "action", "ticket_id", "old", "new"), 4):
        for e in events:
            try:
                e["old"], e["new"] = json.loads(e["old"] or "{}"), json.loads(e["new"] or "{}")
            except ValueError:
                e["old"], e["new"] = {}, {}
        yield tid, events


def _next(it: Iterator[tuple[int, list[dict[str, Any]]]], tid: int, pending: list[Any],
          gone: Callable[[int], None]) -> list[dict[str, Any]]:
    """The group of ticket ``tid`` from a stream in ticket order (``pending``
    holds the stream's next group); groups of tickets with no row go to ``gone``."""
    while pending[0] is not None and pending[0][0] < tid:
        gone(pending[0][0])
        pending[0] = next(it, None)
    if pending[0] is not None and pending[0][0] == tid:
        out: list[dict[str, Any]] = pending[0][1]
        pending[0] = next(it, None)
        return out
    return []


def check_tickets(conn: Executes, report: Any, facts: FactsCheck | None, baseline_holds: dict[str, Any] | None,
                  baseline: int | None, progress: Progress | None) -> None:
    loads: list[_Load] = []
    for eid, action, new in conn.execute("SELECT id, action, new FROM events WHERE entity = 'database' ORDER BY id"):
        try:
            note = json.loads(new or "{}").get("tickets_loaded")
            if note:
                loads.append(_Load(eid, action, note))
        except (ValueError, AttributeError, KeyError, TypeError):
            continue  # a damaged event is the chain's finding, not this one's
    base_digest = audit.RowDigest(PAUSE_COLUMNS) if baseline_holds else None
    total = conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
    history = _histories(conn)
    hold_rows = _grouped(conn.execute(f"SELECT {', '.join(PAUSE_COLUMNS)} FROM pauses ORDER BY ticket_id, id"),
                         tuple(PAUSE_COLUMNS), 1)
    events_next: list[Any] = [next(history, None)]
    holds_next: list[Any] = [next(hold_rows, None)]

    def no_row(tid: int) -> None:
        report.problems.append(_("ticket #{id} has audit events but no row (deleted around the app)").format(id=tid))

    def stray_holds(tid: int) -> None:
        report.problems.append(_("ticket #{id} has holds but no row (deleted around the app)").format(id=tid))

    n, lookup = 0, _Loads(loads)
    cur = conn.execute("SELECT * FROM tickets ORDER BY id")
    names = [d[0] for d in cur.description]
    for r in cur:
        row = dict(zip(names, r, strict=True))
        tid = row["id"]
        events = _next(history, tid, events_next, no_row)
        pauses = _next(hold_rows, tid, holds_next, stray_holds)
        written = _check_ticket(row, events, pauses, lookup, report.problems, base_digest, baseline)
        if facts is not None and written is not None:
            facts.ticket(row, pauses_as(pauses), written, report.problems)
        n += 1
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress("tickets", n, total)
    _next(history, 1 << 62, events_next, no_row)
    _next(hold_rows, 1 << 62, holds_next, stray_holds)
    for load in loads:
        if load.digest.count != load.count or load.digest.hexdigest() != load.sha:
            report.problems.append(_(
                "the {count} tickets loaded in bulk by event {id} ({action}) are not as loaded"
                " ({now} found): a ticket among #{first}–#{last} was changed without an event").format(
                count=load.count, id=load.id, action=_shown(load.action), now=load.digest.count,
                first=load.first, last=load.last))
        if load.holds and (load.hold_digest.count != load.holds["count"] or load.hold_digest.hexdigest() != load.holds["sha256"]):
            report.problems.append(_(
                "the holds of the tickets loaded in bulk by event {id} ({action}) are not as loaded: a hold of a ticket"
                " among #{first}–#{last} was changed without an event").format(
                id=load.id, action=_shown(load.action), first=load.first, last=load.last))
    if base_digest is not None and baseline_holds and (
            base_digest.count != baseline_holds["count"] or base_digest.hexdigest() != baseline_holds["sha256"]):
        report.problems.append(_("the holds of tickets loaded in bulk before the upgrade (event {id}) are not as it"
                                 " recorded them: one was changed without an event").format(id=baseline))
    report.tickets = n
    if progress is not None:
        progress("tickets", n, total)


class _Loads:
    """The newest load whose ids hold a ticket's id. Tickets come in id
    order, so the load found last usually holds the next one too (a million
    tickets in twenty loads: one look each instead of twenty)."""

    def __init__(self, loads: list[_Load]):
        self.loads = loads
        # A load no newer load overlaps can answer alone for its own ids.
        self.alone = {id(ld) for i, ld in enumerate(loads)
                      if not any(n.first <= ld.last and ld.first <= n.last for n in loads[i + 1:])}
        self.last: _Load | None = None

    def of(self, tid: int) -> _Load | None:
        last = self.last
        if last is not None and last.first <= tid <= last.last and id(last) in self.alone:
            return last
        self.last = next((ld for ld in reversed(self.loads) if ld.first <= tid <= ld.last), None)
        return self.last


def _check_ticket(row: dict[str, Any], events: list[dict[str, Any]], pauses: list[dict[str, Any]], loads: _Loads,
                  problems: list[str], base_digest: audit.RowDigest | None, baseline: int | None) -> int | None:
    """Compare one ticket and its holds; returns the event its row was last
    written by (its load's, if none since), None if it has no history."""
    tid = row["id"]
    if events and events[0]["action"] == "ticket.create":
        diffs = differences(row, events)
        hold_diff = hold_differences(pauses, holds(events))
        written: int | None = events[-1]["id"]
    else:
        load = loads.of(tid)
        if load is None:
            problems.append(_("ticket #{id} has no history (no ticket.create event): it was added around the app")
                            .format(id=tid))
            return None
        later = [e for e in events if e["id"] > load.id]
        state, diffs = undo(row, later)
        state["version"] = row["version"] - len(later)
        load.digest.add(state)
        if later:
            last = later[-1]
            diffs += [(f, row[f], want) for f, want in (("updated_at", last["at"]), ("updated_by", last["actor"]))
                      if row.get(f) != want]
        since = load.id if load.holds or base_digest is None or baseline is None else baseline
        loaded, wrong = unhold(pauses, [e for e in events if e["id"] > since])
        hold_diff = (0, wrong[0], None, None) if wrong else None
        target = load.hold_digest if load.holds or base_digest is None else base_digest
        for p in loaded:
            target.add(p)
        written = later[-1]["id"] if later else load.id
    if diffs:
        name, has, want = diffs[0]
        more = ngettext(" (and {n} more field)",
                        " (and {n} more fields)", len(diffs) - 1).format(n=len(diffs) - 1) if len(diffs) > 1 else ""
        problems.append(_("ticket #{id} differs from its history: {field} is {has}, its events say {want}{more}")
                        .format(id=tid, field=name, has=_shown(has), want=_shown(want), more=more))
    elif hold_diff is not None:
        number, name, has, want = hold_diff
        if name == "holds":
            problems.append(_("ticket #{id} has {has} holds, its events say {want}").format(id=tid, has=has, want=want))
        elif number:
            problems.append(_("ticket #{id}'s hold {n} differs from its history: {field} is {has}, its events say {want}")
                            .format(id=tid, n=number, field=name, has=_shown(has), want=_shown(want)))
        else:
            problems.append(_("ticket #{id}'s holds differ from the events after its bulk load ({field})")
                            .format(id=tid, field=name))
    return written
