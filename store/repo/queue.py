"""The live queue: windowed reads through the queue_key index, counts, crossings."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from itertools import chain
from typing import Any

from pendulum import DateTime

from ..context import Context
from ..database import Database
from ..models import (
    Crossing,
    QueueCounts,
    QueueFilter,
    QueueRow,
)
from ..rows import (
    QUEUE_COLUMNS,
    QUEUE_JOINS,
    _escape_like,
    _queue_row,
)
from ..timeutil import to_db
from .queue_order import QueueOrder, Source
from .search import _ID, _TECHNICIAN, PAIRS, TRIGRAM, exact_id, pairs_match, search_ids

# search_ids' query for long and short terms together, and the same asked of one ticket (?3).
_MIXED = "SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? AND +rowid IN ({pairs})"
_MIXED_PROBE = (
    "SELECT 1 WHERE EXISTS (SELECT 1 FROM ticket_search WHERE ticket_search MATCH ?1 AND rowid = ?3)"
    " AND EXISTS (SELECT 1 FROM ticket_pairs WHERE ticket_pairs MATCH ?2 AND rowid = ?3)"
)
MINUTE = 16  # characters of a stored time that name its minute (deadline_minutes)
CROSSINGS_LIMIT = 1000  # more than this in one poll (after a suspend): recount instead


def _runs(values: list[int]) -> list[tuple[int, int]]:
    """Sorted integers as (first, last) runs: [1, 2, 4] -> [(1, 2), (4, 4)]."""
    out: list[tuple[int, int]] = []
    for v in values:
        if out and v == out[-1][1] + 1:
            out[-1] = (out[-1][0], v)
        else:
            out.append((v, v))
    return out


def text_parts(text: str) -> list[tuple[str, list[Any], str | None]]:
    """The queue's text filter (not a ``#number``) as the lists of ticket ids
    whose union it is, each with the column naming its id (None: the number
    itself, for digits): the search index's open matches (trigrams, or
    characters and pairs for a shorter text: repo/search.py), the open
    tickets of the technicians whose name holds it, and for digits that
    ticket number. The union is the filter's SQL (``_filter_sql``); each
    list alone is asked for one ticket when the kept order is brought up to
    date (repo/queue_order.py), and for all its ids when a text is read lazily."""
    text = text.strip()
    parts: list[tuple[str, list[Any], str | None]] = []
    if len(text) >= TRIGRAM or text.startswith("#"):
        sub = search_ids(text, open_only=True)
        if sub is not None:
            parts.append((sub[0], list(sub[1]), "rowid"))
    else:  # never the phone: one or two digits are in most numbers
        parts.append((PAIRS, [pairs_match([text], open_only=True, phone=False)], "rowid"))
    parts.append((_TECHNICIAN, [f"%{_escape_like(text)}%"], "id"))
    if text.isdigit():
        parts.append(("SELECT ?", [int(text)], None))
    return parts


class QueueRepo:
    def __init__(self, db: Database, ctx: Context):
        self.db, self.ctx = db, ctx
        self.order = QueueOrder(db)
        self._probed: tuple[str, list[tuple[str, list[Any]]] | None] | None = None  # (text, its probes)

    # --------------------------------------------------------------- queue
    def _filter_sql(self, f: QueueFilter) -> tuple[str, list[Any]]:
        """The WHERE clause of a filter over tickets ``t`` (no joins needed)."""
        where = ["t.is_open = 1"]
        params: list[Any] = []
        if f.statuses:
            where.append(f"t.status IN ({', '.join('?' for _ in f.statuses)})")
            params += list(f.statuses)
        if f.priorities:
            # The queue key starts with the priority (store/rules/derive.py): each run
            # of priorities is a range of tickets_queue, counted from the index alone.
            ranges: list[str] = []
            for lo, hi in _runs(sorted(set(f.priorities))):
                ranges.append("(t.queue_key >= ? AND t.queue_key < ?)")
                params += [str(lo), str(hi + 1)]
            where.append("(" + " OR ".join(ranges) + ")")
        if f.team_id is not None:
            where.append("t.technician_id IN (SELECT id FROM technicians WHERE team_id = ?)")
            params.append(f.team_id)
        if f.unassigned:
            where.append("t.technician_id IS NULL")
        if f.text.strip():
            text = f.text.strip()
            # Through the indexes (see repo/search.py): trigrams, or characters and
            # pairs for a shorter text; '#123' is that ticket only. One id list
            # (a UNION, not ORs): the matches drive the read, by rowid, instead
            # of every open ticket being tested against each alternative.
            if _ID.fullmatch(text):
                where.append("t.id = ?")
                params.append(exact_id(text))
            else:
                parts = text_parts(text)
                where.append(f"t.id IN ({' UNION '.join(sql for sql, _, _ in parts)})")
                params += [p for _, ps, _ in parts for p in ps]
        return " WHERE " + " AND ".join(where), params

    def _order_sql(self, f: QueueFilter) -> tuple[str, list[Any]]:
        """The ids of the filter's tickets in queue order: from an index that
        holds the queue key (tickets_queue, tickets_status_queue,
        tickets_tech_queue: only the matches are read, sorted when several
        statuses or technicians or a text's matches are merged)."""
        if not f.active:
            return "SELECT id FROM tickets WHERE is_open = 1 ORDER BY queue_key", []
        where, params = self._filter_sql(f)
        # Each index holds every column a filter tests (0026_window_indexes),
        # so no ticket's row is read. A text's matches are ids from the search
        # index: their keys from tickets_open_key, not from the rows.
        index = ""
        if f.text.strip():
            index = " INDEXED BY tickets_open_key"
        elif f.team_id is not None and not f.statuses:
            index = " INDEXED BY tickets_tech_queue"
        return f"SELECT t.id FROM tickets t{index} {where} ORDER BY t.queue_key", params

    def _source(self, f: QueueFilter) -> Source | None:
        """How to keep the order of a filter whose matches must be sorted
        (several statuses or technicians, a text's matches: SQLite sorts
        every match for each window, count or position), or None for one
        read in order from an index range, where an index walk costs less
        than the list."""
        sql, params = self._order_sql(f)
        if not f.active or not self._sorts(sql, params):
            return None
        if len(f.statuses) > 1 and f.team_id is None and not f.text.strip():
            # Several statuses: walking the whole queue's index in order and
            # testing each ticket's status costs less than sorting the
            # matches (43k of 100k open: 60 against 74 ms at a load of 16).
            sql = sql.replace("FROM tickets t ", "FROM tickets t INDEXED BY tickets_queue ", 1)
        text = f.text.strip()
        parts = text_parts(text) if text and not _ID.fullmatch(text) else []
        if self._probed is None or self._probed[0] != text:
            self._probed = (text, self._probes(parts))
        probes = self._probed[1]
        matching = None if probes is None else lambda conn, ids: self._matching(conn, f, probes, ids)
        alone = bool(parts) and f == QueueFilter(text=f.text)
        return Source(sql, params, matching, (lambda conn: self._members(conn, parts)) if alone else None)

    def _probes(self, parts: list[tuple[str, list[Any], str | None]]) -> list[tuple[str, list[Any]]] | None:
        """Each of a text's id lists asked for one ticket (``?`` last), or
        None when one of them cannot be asked that way without reading all
        its matches (several terms, one of them short: the pairs index's list
        is read whole for each ask, 450 ms for /ATM e)."""
        probes: list[tuple[str, list[Any]]] = []
        for sql, params, column in parts:
            if sql == _MIXED.format(pairs=PAIRS):
                # Long and short terms together (`ter q`): each index asked for
                # the one ticket (a seek in each), where the subquery read the
                # short terms' whole list for every ask; so such a text is kept
                # up to date after a write like the others, not read again.
                probes.append((_MIXED_PROBE, params))
                continue
            probe = f"SELECT 1 FROM ({sql}) m WHERE m.{column} = ?" if column else "SELECT 1 WHERE ? = ?"
            plan = self.db.q("EXPLAIN QUERY PLAN " + probe, [*params, 0])
            if any("SUBQUERY" in str(step[3]) or "B-TREE" in str(step[3]) for step in plan) and column == "rowid":
                return None
            probes.append((probe, params))
        return probes

    def _matching(self, conn: sqlite3.Connection, f: QueueFilter, probes: list[tuple[str, list[Any]]], ids: list[int]) -> dict[int, str]:
        """Those of ``ids`` the filter holds now, with their queue keys: the
        filter without its text in one query over these rows, then the
        text's lists asked for each (about 1 ms a ticket for /e)."""
        base = f.model_copy(update={"text": ""}) if probes else f
        where, params = self._filter_sql(base)
        rows = conn.execute(
            f"SELECT t.id, t.queue_key FROM tickets t {where} AND t.id IN ({', '.join('?' for _ in ids)})", [*params, *ids]
        ).fetchall()
        found = {int(r[0]): r[1] or "" for r in rows}
        if probes:
            found = {tid: key for tid, key in found.items() if any(conn.execute(sql, [*ps, tid]).fetchone() for sql, ps in probes)}
        return found

    @staticmethod
    def _members(conn: sqlite3.Connection, parts: list[tuple[str, list[Any], str | None]]) -> frozenset[int]:
        """A text's matches, open tickets only, as one set built once: each of
        its lists read as one JSON array (for /e, 63,000 ids from the pairs index)."""
        lists: list[list[int]] = []
        for sql, params, column in parts:
            if column is None:  # the ticket of that number, when it is open
                if conn.execute("SELECT 1 FROM tickets WHERE id = ? AND is_open = 1", params).fetchone():
                    lists.append([int(params[0])])
                continue
            lists.append(json.loads(conn.execute(f"SELECT json_group_array(m.{column}) FROM ({sql}) m", params).fetchone()[0]))
        return frozenset(chain.from_iterable(lists))

    def _sorts(self, sql: str, params: list[Any]) -> bool:
        """The query's plan sorts its rows (a temporary B-tree for ORDER BY)."""
        plan = self.db.q("EXPLAIN QUERY PLAN " + sql, params)
        return any("ORDER BY" in str(step[3]) for step in plan)

    def _rows(self, ids: Sequence[int]) -> list[QueueRow]:
        """The queue rows of these tickets, in this order (the window's joins, for its rows only)."""
        if not ids:
            return []
        rows = self.db.q(f"SELECT {QUEUE_COLUMNS} FROM tickets t {QUEUE_JOINS} WHERE t.id IN ({', '.join('?' for _ in ids)})", list(ids))
        at = {tid: i for i, tid in enumerate(ids)}
        # In the list's order, which the count and positions were taken from;
        # a ticket changed since is shown as it is now until the next poll reads again.
        return sorted((_queue_row(r) for r in rows), key=lambda r: at[r.id])

    def find(self, f: QueueFilter | None = None, offset: int = 0, limit: int = 100) -> list[QueueRow]:
        f = f or QueueFilter()
        src = self._source(f)
        if src is not None:
            return self._rows(self.order.window(f, src, offset, limit))
        # Skip through an index that holds the filter's columns and the queue
        # key (0026_window_indexes: no ticket's row is read), then join only
        # the window's rows.
        sql, params = self._order_sql(f)
        rows = self.db.q(
            f"SELECT {QUEUE_COLUMNS} FROM ({sql} LIMIT ? OFFSET ?) w JOIN tickets t ON t.id = w.id {QUEUE_JOINS} ORDER BY t.queue_key",
            [*params, limit, offset],
        )
        return [_queue_row(r) for r in rows]

    def queue_count(self, f: QueueFilter | None = None) -> int:
        f = f or QueueFilter()
        if not f.active:  # kept by triggers: one row, not 100,000 index entries
            return int(self.db.value("SELECT open FROM queue_totals"))
        src = self._source(f)
        if src is not None:
            return self.order.count(f, src)
        where, params = self._filter_sql(f)
        return int(self.db.value(f"SELECT COUNT(*) FROM tickets t {where}", params))

    def queue_position(self, ticket_id: int, f: QueueFilter | None = None) -> int | None:
        """Index of a ticket in the filtered queue (None if it is not in it)."""
        f = f or QueueFilter()
        src = self._source(f)
        if src is not None:
            return self.order.position(f, src, ticket_id)
        where, params = self._filter_sql(f)
        key = self.db.q("SELECT queue_key FROM tickets WHERE id = ? AND is_open = 1", (ticket_id,))
        if not key:
            return None
        found = self.db.q(f"SELECT 1 FROM tickets t {where} AND t.id = ?", [*params, ticket_id])
        if not found:
            return None
        return int(self.db.value(f"SELECT COUNT(*) FROM tickets t {where} AND t.queue_key < ?", [*params, key[0][0]]))

    def counts(self, now: DateTime | None = None) -> QueueCounts:
        """Header counts from kept totals, so a poll costs the same on a file
        left running as on a fresh one (issue 28, migration 0022_running_counts).
        risk_at < due_at always, so the running at-risk count is a difference."""
        now = now or self.ctx.now()
        end = to_db(now.in_timezone("UTC").start_of("minute").add(minutes=1))
        p = {"now": to_db(now), "end": end, "minute": end[:MINUTE]}
        # Kept by triggers (migrations filter_indexes, held_totals, running_counts):
        # one row, not 100,000 index entries. Held clocks do not move, so their
        # counts need no time. Of the running ones, those not yet breached (at
        # risk) are the later minutes' kept counts and the deadlines still to
        # come in this minute (one short index range): counting the deadlines
        # that passed instead grew with every one that passed (8 ms after 50
        # minutes, 200 ms on a 1M file a day old).
        (total, unassigned, held_breached, held_at_risk, running_due, running_risk, due_later, risk_later, due_soon, risk_soon) = self.db.q(
            "SELECT open, unassigned, held_breached, held_at_risk, running_due, running_risk,"
            " (SELECT COALESCE(SUM(due), 0) FROM deadline_minutes WHERE minute >= :minute),"
            " (SELECT COALESCE(SUM(risk), 0) FROM deadline_minutes WHERE minute >= :minute),"
            " (SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND due_at > :now AND due_at < :end),"
            " (SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND risk_at > :now AND risk_at < :end)"
            " FROM queue_totals",
            p,
        )[0]
        breached = running_due - due_later - due_soon
        risky = running_risk - risk_later - risk_soon
        return QueueCounts(open=total, breached=breached + held_breached, at_risk=risky - breached + held_at_risk, unassigned=unassigned)

    def crossings(self, since: DateTime, until: DateTime) -> list[Crossing]:
        """Tickets whose clock crossed into at risk or breached in (since, until]:
        two index range searches, not a scan."""
        p = {"a": to_db(since), "b": to_db(until), "limit": CROSSINGS_LIMIT}
        rows = self.db.q(
            """
            SELECT t.id, t.next_clock, 'breached', s.name, t.risk_at <= :a FROM tickets t
            JOIN sites s ON s.id = t.site_id
            WHERE t.is_open = 1 AND t.due_at > :a AND t.due_at <= :b
            UNION ALL
            SELECT t.id, t.next_clock, 'at_risk', s.name, 0 FROM tickets t JOIN sites s ON s.id = t.site_id
            WHERE t.is_open = 1 AND t.risk_at > :a AND t.risk_at <= :b
            LIMIT :limit
            """,
            p,
        )
        seen: dict[int, Crossing] = {}
        for r in rows:  # a ticket that crossed both in one poll is reported as breached
            if r[0] not in seen or r[2] == "breached":
                seen[r[0]] = Crossing(ticket_id=r[0], clock=r[1], state=r[2], site_name=r[3], was_at_risk=bool(r[4]))
        return sorted(seen.values(), key=lambda c: c.ticket_id)
