"""A filtered queue's order, read once and then kept up to date (issue 28).

For a filter whose matches SQLite must sort (several statuses or
technicians, a team, a text's matches from the search index), every window,
count and position sorted all the matches again, and a window near the end
skipped all but 150 of them: 150–365 ms on a 1M-ticket file. Such a filter's
order is read once, as a list of ids; a window at any depth is then a slice
of the list and the joins for its 150 rows, the count its length, a position
an index in it. A filter read in order from one index range (a priority, a
status, unassigned, one technician, the whole queue) walks that index
instead: no ticket row is read (0026_window_indexes), and reading 100,000
ids into a list costs more than the walk.

When the file changes (PRAGMA data_version, which our own commits move too,
as they go through another connection), the list is brought up to date
rather than read again: the tickets changed since it was read are named by
``queue_changes`` (0027_queue_changes, kept by triggers, so every writer is
seen) and the new ones are those above the highest id it saw. Each of them
leaves the list and, if the filter holds it now, goes back in at its current
queue key's place (a binary search whose probes read the keys of the
tickets around it). All of it in one read transaction, so the changes, the
keys and the matches are of one moment. Read again instead: more changes
than ``CATCH_UP`` (a recompute, a bulk load), a row saying everything may
have moved (a technician or site renamed), the schema changed (a bulk load
sets the indexes aside), or a text whose matches cannot be tested one
ticket at a time.

A text alone (the queue's ``/``) is read lazily: its matches as a set of ids
from the search index (``members``), which gives the count; the first
windows by walking the queue's own index from the top and keeping the
members (``head``: for ``/e``, 65,000 of 100,000 open tickets, the first 150
are within the first 250 entries); the whole order only when a window or a
position lies deeper. Sorting 65,000 matches to show the first 150 cost
350 ms. The whole open queue's order is kept too, brought up to date the
same way, so a dense text's whole order is its members picked from it (a
deep cursor in /ATM: 41–44 → 22–23 ms of CPU on a 1M file), and its first
windows are slices of it once it is there.

One filter is kept (the console shows one at a time) besides the whole
queue: 8 bytes a ticket in queue order, under 1 MB each for 100,000 open tickets (a text's member set, about
4 MB for 65,000, until its whole order is read)."""

from __future__ import annotations

import json
import sqlite3
import threading
from array import array
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from ..database import Database
from ..db import explain
from ..models import QueueFilter

CATCH_UP = 256  # changed tickets beyond which reading the order again costs less
WALK_FIRST = 1024  # entries of the queue's index read first for a text's top windows (then 4x more each time)
WALK_MAX = 16_384  # deeper than this, the whole order is read instead of walking on
SPARSE = 20  # a text in fewer than 1/SPARSE of the open tickets: its matches sorted at once (a short sort)
_WALK = (
    "SELECT json_group_array(id) FROM (SELECT id FROM tickets INDEXED BY tickets_queue WHERE is_open = 1"
    " ORDER BY queue_key LIMIT ? OFFSET ?)"
)
_KEY = "SELECT queue_key FROM tickets WHERE id = ?"
_SORT = (
    "SELECT t.id FROM tickets t INDEXED BY tickets_open_key WHERE t.is_open = 1"
    " AND t.id IN (SELECT value FROM json_each(?)) ORDER BY t.queue_key"
)
T = TypeVar("T")


def _open_keys(conn: sqlite3.Connection, ids: list[int]) -> dict[int, str]:
    """Of these ids, the open tickets with their queue keys (the whole queue's ``matching``)."""
    rows = conn.execute(
        f"SELECT id, queue_key FROM tickets WHERE is_open = 1 AND id IN ({', '.join('?' for _ in ids)})", ids
    ).fetchall()
    return {int(r[0]): r[1] or "" for r in rows}


@dataclass(frozen=True)
class Source:
    """How to read one filter, given by the queue (store/repo/queue.py)."""

    order_sql: str  # the matches' ids in queue order
    order_params: list[object]
    # Of these ids, the ones the filter holds now, with their queue keys;
    # None when a text's matches cannot be tested one by one (read again).
    matching: Callable[[sqlite3.Connection, list[int]], dict[int, str]] | None
    # A text alone: the ids of all its matches, in any order (read lazily).
    members: Callable[[sqlite3.Connection], frozenset[int]] | None = None


# The whole open queue (QueueOrder._base_now).
_BASE = Source("SELECT id FROM tickets INDEXED BY tickets_queue WHERE is_open = 1 ORDER BY queue_key", [], _open_keys)


@dataclass(frozen=True)
class _Kept:
    version: int  # PRAGMA data_version when read
    f: QueueFilter
    seq: int  # the last change of queue_changes seen
    top: int  # the highest ticket id seen
    schema: int  # PRAGMA schema_version
    order: array[int] | None  # all matches in queue order; or, for a text read lazily:
    members: frozenset[int] | None = None  # its matches
    head: array[int] | None = None  # its first matches in queue order
    walked: int = 0  # entries of the queue's index the head was read from
    walk_done: bool = False  # the walk reached the end of the queue

    def count(self) -> int:
        if self.order is not None:
            return len(self.order)
        assert self.members is not None
        return len(self.members)


class QueueOrder:
    def __init__(self, db: Database):
        self.db = db
        # One reader builds at a time: the poll and a scroll's window asking
        # together after a change read the file once, not twice.
        self._lock = threading.Lock()
        self._held: _Kept | None = None
        # The whole queue's order, kept up to date like a filter's: a dense
        # text's whole order is its members picked from it (a pass in Python)
        # instead of the queue's index walked again and 100,000 ids parsed.
        self._base: _Kept | None = None

    # ----------------------------------------------------------- answers
    def count(self, f: QueueFilter, src: Source) -> int:
        return self._use(f, src, lambda conn, kept: (kept, kept.count()))

    def window(self, f: QueueFilter, src: Source, offset: int, limit: int) -> array[int]:
        def take(conn: sqlite3.Connection, kept: _Kept) -> tuple[_Kept, array[int]]:
            kept = self._deep_enough(conn, kept, src, offset + limit)
            rows = kept.order if kept.order is not None else kept.head
            assert rows is not None
            return kept, rows[offset : offset + limit]

        return self._use(f, src, take)

    def position(self, f: QueueFilter, src: Source, ticket_id: int) -> int | None:
        def find(conn: sqlite3.Connection, kept: _Kept) -> tuple[_Kept, int | None]:
            if kept.members is not None and ticket_id not in kept.members:
                return kept, None
            if kept.order is None and kept.head is not None and ticket_id in kept.head:
                return kept, kept.head.index(ticket_id)
            if kept.order is None:
                kept = self._whole(conn, kept, src)
            assert kept.order is not None
            try:
                return kept, kept.order.index(ticket_id)
            except ValueError:
                return kept, None

        return self._use(f, src, find)

    def forget(self) -> None:
        """Drop the kept order (a bench measuring the read after a change).
        The whole queue's order stays: a change brings it up to date."""
        self._held = None

    # ------------------------------------------------------------ keeping
    def _use(self, f: QueueFilter, src: Source, answer: Callable[[sqlite3.Connection, _Kept], tuple[_Kept, T]]) -> T:
        """``answer`` from the order brought up to date, in one read
        transaction. Inside a write, read afresh and not kept: the write's
        reads see what is not committed, which no other reader may be given."""
        if self.db.in_write:
            with self.db.reader() as conn:
                return answer(conn, self._read(conn, f, src, 0))[1]
        with self._lock:
            # The version before the read: a commit landing during the read
            # moves it, so the next ask looks again rather than keep a list
            # older than its version.
            version = self.db.data_version()
            held = self._held if self._held is not None and self._held.f == f else None
            with self.db.reader() as conn:
                try:
                    conn.execute("BEGIN")
                    try:
                        if held is not None and held.version != version:
                            held = self._catch_up(conn, held, src, version)
                        if held is None:
                            self._held = None  # the old list goes before the new one is read
                            held = self._read(conn, f, src, version)
                        held, out = answer(conn, held)
                    finally:
                        conn.execute("COMMIT")
                except sqlite3.DatabaseError as exc:
                    raise explain(self.db.path, exc) from None
            self._held = held
            return out

    @staticmethod
    def _marks(conn: sqlite3.Connection) -> tuple[int, int, int]:
        """(last change, highest ticket id, schema version) as of this transaction."""
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM queue_changes").fetchone()[0]
        top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0]
        schema = conn.execute("PRAGMA schema_version").fetchone()[0]
        return int(seq), int(top), int(schema)

    def _read(self, conn: sqlite3.Connection, f: QueueFilter, src: Source, version: int) -> _Kept:
        seq, top, schema = self._marks(conn)
        if src.members is not None:
            return _Kept(version, f, seq, top, schema, None, src.members(conn))
        return _Kept(version, f, seq, top, schema, _ids(conn, src.order_sql, src.order_params))

    def _catch_up(self, conn: sqlite3.Connection, held: _Kept, src: Source, version: int) -> _Kept | None:
        """``held`` brought up to what this transaction sees, or None when
        reading it again is the way (module docstring)."""
        seq, top, schema = self._marks(conn)
        if schema != held.schema or src.matching is None:
            return None
        changed = {r[0] for r in conn.execute("SELECT ticket_id FROM queue_changes WHERE seq > ? LIMIT ?", (held.seq, CATCH_UP + 1))}
        changed.update(r[0] for r in conn.execute("SELECT id FROM tickets WHERE id > ? LIMIT ?", (held.top, CATCH_UP + 1)))
        if 0 in changed or len(changed) > CATCH_UP:
            return None
        if not changed:  # a write elsewhere (an outbox, a note): nothing of ours moved
            return replace(held, version=version, seq=seq, top=top)
        now = src.matching(conn, sorted(changed))
        if held.order is None:
            assert held.members is not None
            members = (held.members - changed) | now.keys()
            # The head is walked again when asked for (a few hundred entries).
            return _Kept(version, held.f, seq, top, schema, None, frozenset(members))
        order = _without(held.order, changed)
        keys: dict[int, str] = dict(now)

        def key(tid: int) -> str:
            got = keys.get(tid)
            if got is None:
                row = conn.execute(_KEY, (tid,)).fetchone()
                got = keys[tid] = (row[0] if row is not None else None) or ""
            return got

        # Every ticket left in the list is unchanged, so the list is in order
        # of the keys read now: each changed one goes where its key falls.
        for tid, k in sorted(now.items(), key=lambda kv: kv[1]):
            order.insert(bisect_left(order, k, key=key), tid)
        return _Kept(version, held.f, seq, top, schema, order)

    # ------------------------------------------------- a text read lazily
    def _deep_enough(self, conn: sqlite3.Connection, kept: _Kept, src: Source, need: int) -> _Kept:
        """``kept`` with its first ``need`` matches in order (or all there are)."""
        if kept.order is not None:
            return kept
        members = kept.members
        assert members is not None
        if kept.head is not None and (len(kept.head) >= need or kept.walk_done):
            return kept
        open_total = int(conn.execute("SELECT open FROM queue_totals").fetchone()[0])
        if len(members) * SPARSE < open_total:
            return self._whole(conn, kept, src)  # few matches: sorting them costs less than walking to them
        base = self._base_now(conn, kept.version, read=False)
        if base is not None:  # the whole queue kept: its members in order, as far as needed
            head = array("q", kept.head or ())
            at = kept.walked
            while len(head) < need and at < len(base):
                step = base[at : at + max(WALK_FIRST, need - len(head))]
                head.extend(filter(members.__contains__, step))
                at += len(step)
            return replace(kept, head=head, walked=at, walk_done=at >= len(base))
        head = array("q", kept.head or ())
        offset, chunk, done = kept.walked, max(WALK_FIRST, kept.walked * 3), False
        while len(head) < need:
            if offset >= WALK_MAX:
                return self._whole(conn, kept, src)
            ids = json.loads(conn.execute(_WALK, (chunk, offset)).fetchone()[0])
            head.extend(tid for tid in ids if tid in members)
            offset += len(ids)
            if len(ids) < chunk:
                done = True
                break
            chunk *= 4
        return replace(kept, head=head, walked=offset, walk_done=done)

    def _whole(self, conn: sqlite3.Connection, kept: _Kept, src: Source) -> _Kept:
        """A text's whole order: its matches sorted when they are few, else
        the whole queue's index walked, keeping its members (for /e, 65,000
        of 100,000: the walk is one read of an index, the sort 65,000 lookups)."""
        members = kept.members
        assert members is not None
        open_total = int(conn.execute("SELECT open FROM queue_totals").fetchone()[0])
        if len(members) * SPARSE < open_total:
            # Few: each one's key by its id (tickets_open_key), not the text's lists read again.
            order = _ids(conn, _SORT, [json.dumps(sorted(members))])
        else:
            base = self._base_now(conn, kept.version, read=True)
            assert base is not None
            order = array("q", filter(members.__contains__, base))
        return _Kept(kept.version, kept.f, kept.seq, kept.top, kept.schema, order)

    def _base_now(self, conn: sqlite3.Connection, version: int, read: bool) -> array[int] | None:
        """The whole queue's ids in order as this transaction sees them: the
        kept list brought up to date (the changes since, as a filter's), or
        read (``read``; else None). Inside a write it is read and not kept."""
        if self.db.in_write:
            return _ids(conn, _BASE.order_sql, []) if read else None
        base = self._base
        if base is not None and base.version != version:
            base = self._catch_up(conn, base, _BASE, version)
        if base is None:
            if not read:
                self._base = None
                return None
            seq, top, schema = self._marks(conn)
            base = _Kept(version, QueueFilter(), seq, top, schema, _ids(conn, _BASE.order_sql, []))
        self._base = base
        assert base.order is not None
        return base.order


def _ids(conn: sqlite3.Connection, sql: str, params: list[object]) -> array[int]:
    """The ids of ``sql``'s rows in order, as one JSON array (Database.ids: 100,000 ids as one value)."""
    return array("q", json.loads(conn.execute(f"SELECT json_group_array(id) FROM ({sql})", params).fetchone()[0]))


def _without(order: array[int], gone: set[int]) -> array[int]:
    """A copy of ``order`` without the ids in ``gone`` (the kept list may be
    in a caller's hands: never changed in place). Each is found by a byte
    search of the list, 8-byte aligned: about 0.1 ms in 100,000."""
    raw = order.tobytes()
    at: list[int] = []
    for tid in gone:
        pattern = array("q", [tid]).tobytes()
        pos = raw.find(pattern)
        while pos != -1 and pos % order.itemsize:
            pos = raw.find(pattern, pos + 1)
        if pos != -1:
            at.append(pos // order.itemsize)
    out = array("q", order)
    for i in sorted(at, reverse=True):
        del out[i]
    return out
