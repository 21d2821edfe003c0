"""The tables besides tickets, replayed from their events and compared
(store/rules/ledger.py says how), one snapshot of the file: users, reference data,
the SLA policy, the settings, callbacks and their plans, self-evaluations,
improvement items and complaints.

A row's reference point is the newest record of it: a bulk load or an
upgrade (``rows_loaded`` in a ``database`` event: the rows whole, or for a
big table their ids and one digest), else how a new file starts (migration
0001's settings and SLA policy), else nothing (an event created it)."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..database import Executes
from ..i18n import _, ngettext
from ..rules import audit, ledger
from ..rules.ledger import TABLES, Effect, Schema, normal_row
from ..text import clean

ENTITIES = tuple(sorted({*ledger.ENTITY_TABLE, "database"}))


def shown(value: Any) -> str:
    """A value in a one-line problem: no control characters, at most 40 cells' worth."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = clean(text, single_line=True)
    return text if len(text) <= 40 else text[:39] + "…"


def _default(sql: str | None) -> Any:
    """A column's DEFAULT as a value (PRAGMA table_info gives its SQL text)."""
    if sql is None or sql.upper() == "NULL":
        return None
    if sql[:1] in ("'", '"'):
        return sql[1:-1].replace("''", "'")
    try:
        return int(sql)
    except ValueError:
        try:
            return float(sql)
        except ValueError:
            return sql


def table_schema(conn: Executes) -> dict[str, dict[str, Any]]:
    """Each audited table's columns and their defaults, as the file has them."""
    out = {}
    for table in TABLES:
        cols = conn.execute(f"PRAGMA table_info({table})").fetchall()
        if cols:
            out[table] = {c[1]: _default(c[4]) for c in cols}
    return out


def _rows(conn: Executes, table: str, columns: list[str],
          ranges: Iterable[Iterable[int]] | None = None) -> Iterable[dict[str, Any]]:
    key = TABLES[table]
    sql = f"SELECT {', '.join(columns)} FROM {table}"
    parts = [(sql + f" WHERE {key} BETWEEN ? AND ? ORDER BY {key}", tuple(r)) for r in ranges] if ranges is not None \
        else [(sql + f" ORDER BY {key}", ())]
    for query, params in parts:
        for r in conn.execute(query, params):
            yield normal_row(table, dict(zip(columns, r, strict=True)))


def rows_record(conn: Executes, table: str, keys: Iterable[Any] | None = None) -> dict[str, Any] | None:
    """What a load (or an upgrade) records of ``table``'s rows ``keys`` (all
    rows if None), read back as stored inside the loading transaction."""
    schema = table_schema(conn)
    if table not in schema:
        return None
    columns = list(schema[table])
    key = TABLES[table]
    wanted = None if keys is None else set(keys)
    runs = None if wanted is None or not all(isinstance(k, int) for k in wanted) else ledger.ranges(wanted)
    rows = [r for r in _rows(conn, table, columns, runs) if wanted is None or r[key] in wanted]
    if not rows:
        return None
    if len(rows) <= ledger.WHOLE_ROWS or not isinstance(rows[0][key], int):
        return {"columns": columns, "rows": [[r[c] for c in columns] for r in rows]}
    digest = audit.RowDigest(columns)
    for r in rows:
        digest.add(r)
    return {"columns": columns, "ranges": ledger.ranges(r[key] for r in rows), "count": digest.count,
            "sha256": digest.hexdigest()}


def rows_loaded(conn: Executes, keys: Mapping[str, Iterable[Any] | None]) -> dict[str, Any]:
    """``rows_loaded`` for a load event: per table, its rows ``keys`` (None: all)."""
    out = {}
    for table, wanted in keys.items():
        record = rows_record(conn, table, wanted)
        if record is not None:
            out[table] = record
    return out


@cache
def genesis() -> dict[str, dict[Any, dict[str, Any]]]:
    """The rows a new file starts with (migration 0001 run on a scratch
    database): the settings and SLA policy, before any event."""
    import sqlite_utils

    from ..migrations import load

    conn = sqlite3.connect(":memory:")
    try:
        load("0001_initial").apply(sqlite_utils.Database(conn))
        out = {}
        for table in ("settings", "sla_policy"):
            cur = conn.execute(f"SELECT * FROM {table}")
            names = [d[0] for d in cur.description]
            out[table] = {r[0]: normal_row(table, dict(zip(names, r, strict=True))) for r in cur}
        return out
    finally:
        conn.close()


@dataclass
class _Record:
    """One table's rows as a load recorded them."""

    event: int
    action: str
    columns: list[str]
    rows: dict[Any, dict[str, Any]] | None = None  # whole rows by key
    runs: list[list[int]] = field(default_factory=list)
    count: int = 0
    sha: str = ""
    digest: audit.RowDigest | None = None

    def covers(self, key: Any) -> bool:
        return key in self.rows if self.rows is not None else ledger.in_ranges(key, self.runs)


def _record(event: int, action: str, table: str, note: dict[str, Any]) -> _Record:
    columns = list(note["columns"])
    if "rows" in note:
        key = TABLES[table]
        rows = {}
        for values in note["rows"]:
            row = dict(zip(columns, values, strict=True))
            rows[row[key]] = row
        return _Record(event, action, columns, rows=rows)
    return _Record(event, action, columns, runs=note["ranges"], count=note["count"], sha=note["sha256"],
                   digest=audit.RowDigest(columns))


@dataclass
class History:
    """Every table effect in the file, and the loads that recorded rows."""

    schema: Schema
    effects: dict[str, dict[Any, list[Effect]]]
    records: dict[str, list[_Record]]  # per table, oldest first
    baseline: int | None  # the upgrade's event (migration 0015), if the file had one


def read_history(conn: Executes) -> History:
    schema = table_schema(conn)
    effects: dict[str, dict[Any, list[Effect]]] = defaultdict(lambda: defaultdict(list))
    records: dict[str, list[_Record]] = defaultdict(list)
    baseline = None
    marks = ", ".join("?" * len(ENTITIES))
    cur = conn.execute("SELECT id, at, actor, action, entity, entity_id, ticket_id, old, new FROM events"
                       f" WHERE entity IN ({marks}) ORDER BY id", ENTITIES)
    names = ("id", "at", "actor", "action", "entity", "entity_id", "ticket_id", "old", "new")
    for r in cur:
        e = dict(zip(names, r, strict=True))
        try:
            e["old"], e["new"] = json.loads(e["old"] or "{}"), json.loads(e["new"] or "{}")
            if e["entity"] == "database":
                loaded = e["new"].get("rows_loaded")
                if loaded and e["action"] == "audit.baseline":
                    baseline = e["id"]
                for table, note in (loaded or {}).items():
                    if table in schema:
                        records[table].append(_record(e["id"], e["action"], table, note))
                continue
            for ef in ledger.effects(e, schema):
                effects[ef.table][ef.key].append(ef)
        except (ValueError, AttributeError, KeyError, TypeError, IndexError):
            continue  # a damaged event is the chain's finding, not this one's
    return History(schema, effects, records, baseline)


def check_tables(conn: Executes, history: History, problems: list[str]) -> None:
    """Each audited table equal to its history (module docstring)."""
    first = genesis() if history.baseline is None else {}
    for table, key in TABLES.items():
        if table not in history.schema:
            continue
        columns = list(history.schema[table])
        current = {r[key]: r for r in _rows(conn, table, columns)}
        # An upgrade's record is the reference for every row there then: loads before it are history.
        records = [r for r in history.records.get(table, []) if history.baseline is None or r.event >= history.baseline]
        keys = set(current) | set(history.effects.get(table, {})) | set(first.get(table, {}))
        for rec in records:
            keys |= set(rec.rows or ())
        for k in sorted(keys, key=lambda k: (str(type(k)), k)):
            if (table, k) in ledger.BOOKKEEPING:
                continue
            _check_row(table, k, current.get(k), history.effects.get(table, {}).get(k, []), records,
                       first.get(table, {}).get(k), history.baseline or 0, problems)
        for rec in records:
            if rec.digest is not None and (rec.digest.count != rec.count or rec.digest.hexdigest() != rec.sha):
                problems.append(_(
                    "the {count} {table} rows recorded by event {id} ({action}) are not as recorded ({now} found):"
                    " a row among them was changed without an event").format(
                    count=rec.count, table=table, id=rec.event, action=shown(rec.action), now=rec.digest.count))


def _more(diffs: list[Any]) -> str:
    n = len(diffs) - 1
    return ngettext(" (and {n} more field)", " (and {n} more fields)", n).format(n=n) if n > 0 else ""


def _check_row(table: str, key: Any, row: dict[str, Any] | None, effects: list[Effect], records: list[_Record],
               start: dict[str, Any] | None, baseline: int, problems: list[str]) -> None:
    rec = next((r for r in reversed(records) if r.covers(key)), None)
    # Before an upgrade's record, events were written in older forms: not replayed.
    since = rec.event if rec is not None else baseline
    later = [ef for ef in effects if ef.event > since]
    unw = ledger.unwind(row, later)
    what = {"table": table, "key": shown(key)}
    if unw.missing is not None:
        problems.append(_("{table} row {key} has audit events but no row (deleted around the app)").format(**what))
        return
    if unw.extra:
        problems.append(_("{table} row {key} is there although its last event removed it (put back around the app)")
                        .format(**what))
        return
    if unw.diffs:
        name, has, want = unw.diffs[0]
        problems.append(_("{table} row {key} differs from its history: {field} is {has}, its events say {want}{more}")
                        .format(**what, field=name, has=shown(has), want=shown(want), more=_more(unw.diffs)))
        return
    before = unw.before
    if rec is not None and rec.rows is not None:
        want = rec.rows.get(key)
        if before is None:
            problems.append(_("{table} row {key}, recorded by event {id} ({action}), is gone (deleted around the app)")
                            .format(**what, id=rec.event, action=shown(rec.action)))
            return
        diffs = ledger.differences(before, want or {}, rec.columns)
        if diffs:
            name, has, was = diffs[0]
            problems.append(_("{table} row {key} is not as event {id} ({action}) recorded it: {field} is {has},"
                              " it recorded {want}{more}").format(
                **what, id=rec.event, action=shown(rec.action), field=name, has=shown(has), want=shown(was),
                more=_more(diffs)))
        return
    if rec is not None:
        if before is not None:
            assert rec.digest is not None
            rec.digest.add(before)
        return
    if start is not None:
        diffs = [] if before is None else ledger.differences(before, start, start)
        if before is None or diffs:
            name, has, was = diffs[0] if diffs else ("row", None, "")
            problems.append(_("{table} row {key} is not as a new file starts: {field} is {has}, it starts {want}")
                            .format(**what, field=name, has=shown(has), want=shown(was)))
        return
    if before is not None:
        problems.append(_("{table} row {key} has no history: it was added around the app").format(**what))


def check_waiting(conn: Executes, problems: list[str]) -> None:
    """Who has which escalation waiting (``escalation_waiting``, the console's
    count) is what the escalations say: their recipients, until acknowledged."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'escalation_waiting'").fetchone() is None:
        return
    want = {(r[0], r[1]) for r in conn.execute(
        "SELECT j.value, e.id FROM escalations e, json_each(e.recipients) j WHERE e.acknowledged_at IS NULL")}
    has = {(r[0], r[1]) for r in conn.execute("SELECT login, escalation_id FROM escalation_waiting")}
    for login, eid in sorted(want ^ has, key=lambda x: (x[1], str(x[0])))[:3]:
        text = (_("escalation {id} is missing from {login}'s waiting count, against its record") if (login, eid) in want
                else _("escalation {id} is in {login}'s waiting count, against its record (acknowledged or not theirs)"))
        problems.append(text.format(id=eid, login=shown(login)))


def check_notified(conn: Executes, problems: list[str]) -> None:
    """Each ticket's ``notified_at`` (when its technician was first told,
    store/repo/outbox.py) is what its ``ticket.notified`` event says, and
    that is when the message it names was delivered."""
    if conn.execute("SELECT 1 FROM pragma_table_info('tickets') WHERE name = 'notified_at'").fetchone() is None:
        return
    want: dict[int, Any] = {}
    sent: dict[int, Any] = {}
    for tid, at, sent_at in conn.execute(
            "SELECT e.ticket_id, json_extract(e.new, '$.notified_at'), o.sent_at FROM events e"
            " LEFT JOIN outbox o ON o.id = e.entity_id WHERE e.action = 'ticket.notified' ORDER BY e.id"):
        want.setdefault(tid, at)
        sent.setdefault(tid, sent_at)
    has = dict(conn.execute("SELECT id, notified_at FROM tickets WHERE notified_at IS NOT NULL").fetchall())
    shown_ = 0
    for tid in sorted(set(want) | set(has), key=lambda x: (x is None, x or 0)):
        if has.get(tid) != want.get(tid):
            problems.append(_("ticket #{id}'s technician notified time is {has}, its events say {want}").format(
                id=tid, has=shown(has.get(tid)), want=shown(want.get(tid))))
        elif sent.get(tid) != want.get(tid):
            problems.append(_("ticket #{id}'s technician notified time is {has}, but its message was delivered at {sent}")
                            .format(id=tid, has=shown(has.get(tid)), sent=shown(sent.get(tid))))
        else:
            continue
        shown_ += 1
        if shown_ == 3:
            return
