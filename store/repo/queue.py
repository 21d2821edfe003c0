"""The live queue: windowed reads through the queue_key index, counts, crossings."""

from __future__ import annotations

from array import array
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
    _queue_row,
)
from ..timeutil import to_db
from .queue_order import QueueOrder
from .search import TRIGRAM, short_condition, text_condition

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

class QueueRepo:
    def __init__(self, db: Database, ctx: Context):
        self.db, self.ctx = db, ctx
        self.order = QueueOrder(db)

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
            # pairs for a shorter text; '#123' is that ticket only.
            sql, p = text_condition(text) if len(text) >= TRIGRAM or text.startswith("#") else short_condition(text)
            where.append(sql)
            params += p
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

    def _order(self, f: QueueFilter) -> array[int] | None:
        """The kept order of a filter whose matches must be sorted (several
        statuses or technicians, a text's matches: SQLite sorts every match
        for each window, count or position), or None for one read in order
        from an index range, where an index walk costs less than the list."""
        sql, params = self._order_sql(f)
        if not f.active or not self._sorts(sql, params):
            return None
        if len(f.statuses) > 1 and f.team_id is None and not f.text.strip():
            # Several statuses: walking the whole queue's index in order and
            # testing each ticket's status costs less than sorting the
            # matches (43k of 100k open: 60 against 74 ms at a load of 16).
            sql = sql.replace("FROM tickets t ", "FROM tickets t INDEXED BY tickets_queue ", 1)
        return self.order.ids(f, lambda: self.db.ids(sql, params))

    def _sorts(self, sql: str, params: list[Any]) -> bool:
        """The query's plan sorts its rows (a temporary B-tree for ORDER BY)."""
        plan = self.db.q("EXPLAIN QUERY PLAN " + sql, params)
        return any("ORDER BY" in str(step[3]) for step in plan)

    def _rows(self, ids: array[int]) -> list[QueueRow]:
        """The queue rows of these tickets, in this order (the window's joins, for its rows only)."""
        if not ids:
            return []
        rows = self.db.q(f"SELECT {QUEUE_COLUMNS} FROM tickets t {QUEUE_JOINS}"
                         f" WHERE t.id IN ({', '.join('?' for _ in ids)})", list(ids))
        at = {tid: i for i, tid in enumerate(ids)}
        # In the list's order, which the count and positions were taken from;
        # a ticket changed since is shown as it is now until the next poll reads again.
        return sorted((_queue_row(r) for r in rows), key=lambda r: at[r.id])

    def find(self, f: QueueFilter | None = None, offset: int = 0, limit: int = 100) -> list[QueueRow]:
        f = f or QueueFilter()
        order = self._order(f)
        if order is not None:
            return self._rows(order[offset:offset + limit])
        # Skip through an index that holds the filter's columns and the queue
        # key (0026_window_indexes: no ticket's row is read), then join only
        # the window's rows.
        sql, params = self._order_sql(f)
        rows = self.db.q(
            f"SELECT {QUEUE_COLUMNS} FROM ({sql} LIMIT ? OFFSET ?) w JOIN tickets t ON t.id = w.id {QUEUE_JOINS}"
            " ORDER BY t.queue_key",
            [*params, limit, offset],
        )
        return [_queue_row(r) for r in rows]

    def queue_count(self, f: QueueFilter | None = None) -> int:
        f = f or QueueFilter()
        if not f.active:  # kept by triggers: one row, not 100,000 index entries
            return int(self.db.value("SELECT open FROM queue_totals"))
        order = self._order(f)
        if order is not None:
            return len(order)
        where, params = self._filter_sql(f)
        return int(self.db.value(f"SELECT COUNT(*) FROM tickets t {where}", params))

    def queue_position(self, ticket_id: int, f: QueueFilter | None = None) -> int | None:
        """Index of a ticket in the filtered queue (None if it is not in it)."""
        f = f or QueueFilter()
        order = self._order(f)
        if order is not None:
            try:
                return order.index(ticket_id)
            except ValueError:
                return None
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
        (total, unassigned, held_breached, held_at_risk, running_due, running_risk, due_later, risk_later,
         due_soon, risk_soon) = self.db.q(
            "SELECT open, unassigned, held_breached, held_at_risk, running_due, running_risk,"
            " (SELECT COALESCE(SUM(due), 0) FROM deadline_minutes WHERE minute >= :minute),"
            " (SELECT COALESCE(SUM(risk), 0) FROM deadline_minutes WHERE minute >= :minute),"
            " (SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND due_at > :now AND due_at < :end),"
            " (SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND risk_at > :now AND risk_at < :end)"
            " FROM queue_totals", p)[0]
        breached = running_due - due_later - due_soon
        risky = running_risk - risk_later - risk_soon
        return QueueCounts(open=total, breached=breached + held_breached,
                           at_risk=risky - breached + held_at_risk,
                           unassigned=unassigned)

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
