"""A bulk load's tickets written without their indexes and insert
triggers; what those would have done is done once at the end, set-wise, in
the same transaction.

Through the ticket indexes and the six AFTER INSERT triggers (the trigram
search, the pairs index, the queue's totals, the held clocks, the
technicians' load, the per-minute deadline counts), each ticket inserted
costs a B-tree insert per index and half a dozen statements run for it
alone; the pairs document alone is a query over every character. Set aside,
the rows go in at the end of the table; then each derived table is filled by
one statement over the loaded ids (``id > after_id``; the counts over the
open ones, gathered once), and each index is sorted and written once
(SQLite's CREATE INDEX). All of it inside the load's one transaction: a build
killed midway leaves the file as it was, indexes and triggers included.

Only what is known to be rebuilt this way is set aside: the indexes on
tickets (CREATE INDEX again from their own SQL) and the insert triggers in
``SETWISE``, each only while its SQL is the one its statements were written
for (a fingerprint of the text the migrations made). A trigger added or
changed later keeps running row by row, as before (correct, only slower),
until its set-wise statements are added here (tests/test_bulk_build.py
says which)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..database import SEARCH_INDEXES, Tx
from ..migrations import load

_PAIRS = load("0021_search_pairs")

# What one ticket ``new`` counts in, as the triggers' WHEN/bodies say (0010, 0012, 0022).
_OPEN = "(new.is_open IS 1)"
_UNASSIGNED = "(new.is_open IS 1 AND new.technician_id IS NULL AND new.status IS NOT 'resolved')"
_BREACHED = "((new.is_open IS 1 AND new.due_at IS NULL AND new.next_clock IS NOT NULL AND new.frozen_left_s <= 0) IS 1)"
_AT_RISK = ("((new.is_open IS 1 AND new.due_at IS NULL AND new.next_clock IS NOT NULL AND new.frozen_left_s > 0"
            " AND new.frozen_left_s <= new.window_s * 0.25) IS 1)")
_LOAD = "((new.is_open IS 1 AND new.technician_id IS NOT NULL AND new.status IN ('assigned', 'onsite', 'waiting')) IS 1)"
_DUE = "(new.is_open IS 1 AND new.due_at IS NOT NULL)"
_RISK = "(new.is_open IS 1 AND new.risk_at IS NOT NULL)"
_PHONE = _PAIRS._digits("COALESCE(new.phone, '')")  # 0005's digits only, as 0021 copied them
_LOADED = "FROM tickets new WHERE new.id > :after"  # the loaded rows, named as the triggers name them
# The loaded rows that are open, gathered once by ``put_back``: every count below
# holds only for an open ticket (each of its conditions starts with is_open IS 1),
# and each statement over the whole load read every loaded row again (a million).
_OPEN_TABLE = "dispatch_bulk_open"
_OPEN_COLUMNS = "id, is_open, status, technician_id, next_clock, due_at, risk_at, frozen_left_s, window_s"
_LOADED_OPEN = f"FROM temp.{_OPEN_TABLE} new WHERE 1"


PAIRS_FUNCTION = "dispatch_pairs_document"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")  # SQLite's lower()
_HEX: dict[str, str] = {}


_SEEN: dict[tuple[object, str], str] = {}  # site names, asset tags, reporters recur: each worked out once
_SEEN_MAX = 100_000


def _tokens(text: object, mark: str) -> str:
    if text is None:
        return ""
    got = _SEEN.get((text, mark))
    if got is None:
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        got = _SEEN[text, mark] = _work_out(text, mark)
    return got


def _work_out(text: object, mark: str) -> str:
    """0021's ``_tokens`` in Python: for each of the first ``POSITIONS``
    characters, the hex of the pair starting there and of the character."""
    s = str(text)
    limit = s.find("\0")  # SQLite's length() of a text ends at a NUL
    limit = min(len(s) if limit < 0 else limit, _PAIRS.POSITIONS)
    if limit == 0:
        return ""
    low = s[:limit + 1].translate(_ASCII_LOWER)
    h = []
    for c in low:
        x = _HEX.get(c)
        if x is None:
            x = _HEX[c] = c.encode("utf-8", "surrogatepass").hex().upper()
        h.append(x)
    h.append("")  # substr(x, last, 2) is the last character alone
    return " ".join(f"{mark}{h[i]}{h[i + 1]} {mark}{h[i]}" for i in range(limit))


def pairs_document(d: object, r: object, s: object, a: object, p: object, state: object) -> str:
    """A ticket's ``ticket_pairs`` document from its six search values, as
    0021's ``document`` SQL makes it."""
    return " ".join((_tokens(d, ""), _tokens(r, ""), _tokens(s, ""), _tokens(a, ""), _tokens(p, "p"),
                     "open" if state == "open" else ""))


def _sum(expr: str) -> str:
    return f"(SELECT COALESCE(SUM({expr}), 0) {_LOADED_OPEN})"


# Trigger name -> (fingerprint of its SQL, the statements doing its work for every loaded row),
# in the order they run: the pairs document is made from the search rows.
SETWISE: dict[str, tuple[str, tuple[str, ...]]] = {
    "tickets_search_insert": ("fdfd2385968a7a9e", (
        "INSERT INTO ticket_search (rowid, description, reporter, site, asset, phone, state) SELECT new.id,"
        " new.description, new.reporter, (SELECT name FROM sites WHERE id = new.site_id),"
        " COALESCE((SELECT asset_tag FROM equipment WHERE id = new.equipment_id), ''),"
        f" {_PHONE},"
        f" CASE WHEN new.is_open THEN 'open' ELSE '' END {_LOADED} ORDER BY new.id",)),
    # From the search row just written: the very text 0021's backfill indexes, its
    # document made by ``pairs_document`` (the trigger's SQL, a query per character, was
    # half of a build; tests/test_bulk_load.py checks the two give the same tokens).
    "tickets_pairs_insert": ("58c2875158a8c715", (
        f"INSERT INTO ticket_pairs (rowid, pairs) SELECT ts.rowid, {PAIRS_FUNCTION}(ts.description, ts.reporter,"
        " ts.site, ts.asset, ts.phone, ts.state) FROM ticket_search ts WHERE ts.rowid > :after ORDER BY ts.rowid",)),
    "tickets_totals_insert": ("ce8540200571624b", (
        f"UPDATE queue_totals SET open = open + {_sum(_OPEN)}, unassigned = unassigned + {_sum(_UNASSIGNED)}",)),
    "tickets_held_insert": ("805138acc188a7f0", (
        f"UPDATE queue_totals SET held_breached = held_breached + {_sum(_BREACHED)},"
        f" held_at_risk = held_at_risk + {_sum(_AT_RISK)}",)),
    "tickets_load_insert": ("5aa6cb8ac6f913cb", (
        f"INSERT INTO technician_load (technician_id, open_load) SELECT new.technician_id, COUNT(*) {_LOADED_OPEN}"
        f" AND {_LOAD} GROUP BY new.technician_id"
        " ON CONFLICT (technician_id) DO UPDATE SET open_load = open_load + excluded.open_load",)),
    "tickets_minutes_insert": ("cd5dfe7da3888eff", (
        "INSERT INTO deadline_minutes (minute, due, risk) SELECT minute, SUM(due), SUM(risk) FROM ("
        f" SELECT substr(new.due_at, 1, 16) AS minute, 1 AS due, 0 AS risk {_LOADED_OPEN} AND {_DUE}"
        f" UNION ALL SELECT substr(new.risk_at, 1, 16), 0, 1 {_LOADED_OPEN} AND {_RISK}) GROUP BY minute"
        " ON CONFLICT (minute) DO UPDATE SET due = due + excluded.due, risk = risk + excluded.risk",
        f"UPDATE queue_totals SET running_due = running_due + {_sum(_DUE)},"
        f" running_risk = running_risk + {_sum(_RISK)}",)),
}


def fingerprint(sql: str) -> str:
    """A trigger's SQL, case and spacing aside, in 16 hex digits."""
    return hashlib.sha256(" ".join(sql.lower().split()).encode()).hexdigest()[:16]


@dataclass
class SetAside:
    after_id: int  # tickets above this id are the load's
    indexes: list[str] = field(default_factory=list)  # their CREATE INDEX statements
    triggers: list[str] = field(default_factory=list)  # the CREATE TRIGGER statements dropped
    setwise: list[str] = field(default_factory=list)  # the statements doing their work, in order
    hashsize: dict[str, int | None] = field(default_factory=dict)  # full-text table -> its own, if set


def set_aside(tx: Tx) -> SetAside:
    """Drop the tickets' indexes and known insert triggers (inside the load's
    transaction) and say how to put them back."""
    aside = SetAside(int(tx.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0]))
    merging(tx, 4)
    for name, sql in tx.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets'"
                                " AND sql IS NOT NULL ORDER BY name").fetchall():
        aside.indexes.append(sql)
        tx.execute(f'DROP INDEX "{name}"')
    triggers = dict(tx.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                               " AND tbl_name = 'tickets'").fetchall())
    for name, (known, statements) in SETWISE.items():
        sql = triggers.get(name)
        if sql is None or fingerprint(sql) != known:
            continue  # absent, or changed since: left running
        aside.triggers.append(sql)
        aside.setwise += statements
        if name == "tickets_pairs_insert":
            tx.function(PAIRS_FUNCTION, 6, pairs_document)
        tx.execute(f'DROP TRIGGER "{name}"')
    aside.hashsize = _hashsize(tx, _HASHSIZE)
    return aside


# The full-text tables' in-memory batch during a load (FTS5 'hashsize', 1 MB by
# default): fewer, larger segments for FTS5 to merge (a fifth of the search's time
# at 300,000 tickets). Put back after as it was (by default, no row): the file as
# the row-by-row load leaves it.
_FTS_TABLES = ("ticket_search", "ticket_pairs")
_HASHSIZE, _HASHSIZE_DEFAULT = 64 * 1024 * 1024, 1024 * 1024


def _hashsize(tx: Tx, size: int | dict[str, int | None]) -> dict[str, int | None]:
    """Each full-text table's batch set to ``size`` (or to its own of before:
    None, the default, its row taken out); returns what each had."""
    had: dict[str, int | None] = {}
    for table in _FTS_TABLES:
        if not tx.execute("SELECT 1 FROM sqlite_master WHERE name = ? AND type = 'table'", (f"{table}_config",)).fetchone():
            continue
        row = tx.execute(f"SELECT v FROM {table}_config WHERE k = 'hashsize'").fetchone()
        had[table] = None if row is None else int(row[0])
        new = size if isinstance(size, int) else size.get(table)
        tx.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('hashsize', ?)", (new or _HASHSIZE_DEFAULT,))
        if new is None:
            tx.execute(f"DELETE FROM {table}_config WHERE k = 'hashsize'")
    return had


def put_back(tx: Tx, aside: SetAside) -> None:
    """The triggers' work over the tickets loaded, the triggers and the indexes again."""
    params = {"after": aside.after_id}
    if any(_OPEN_TABLE in sql for sql in aside.setwise):
        tx.execute(f"CREATE TEMP TABLE {_OPEN_TABLE} AS SELECT {_OPEN_COLUMNS} FROM tickets"
                   " WHERE id > :after AND is_open IS 1", params)
    for sql in aside.setwise:
        tx.execute(sql, params)
    _hashsize(tx, aside.hashsize)
    tx.execute(f"DROP TABLE IF EXISTS temp.{_OPEN_TABLE}")
    for sql in aside.triggers:
        tx.execute(sql)
    for sql in aside.indexes:
        tx.execute(sql)
    merging(tx, 0)


def merging(tx: Tx, segments: int) -> None:
    """FTS5's own merging of the search indexes (``automerge``: merge a level
    once it has this many segments; 0: none) for the rest of the transaction.
    On while a load fills them, as before migration 0029 turned it off for
    the write path (whose writes merge a few pages each: store/database.py
    MERGE_PAGES), so a loaded file's indexes are as compact as they were."""
    for table in SEARCH_INDEXES:
        tx.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', {segments})")
