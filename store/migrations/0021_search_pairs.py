"""0021_search_pairs: an index of every character and every pair of
neighbouring characters in what a dispatcher searches a ticket by, for the
terms of one or two characters the trigram index (0005_search) cannot serve
(王磊, 吞卡, "zq", "7"), as CJK search engines index bigrams.

``ticket_pairs`` is a contentless FTS5 table (``detail=none``: it only says
which tickets hold a token). Each ticket's one document lists, as tokens:
for every position of the description, reporter, site name and asset tag
(from ``ticket_search``'s own copy, the very text the trigram index holds),
the hex of the character and of the pair starting there, ASCII folded to
lower case as LIKE folds it; the phone's digits the same way behind ``p``
(the live queue's short filter does not look at the phone); ``open`` while
the ticket is open. Hex keeps every character one token whatever the
tokenizer thinks of punctuation or CJK, and UTF-8 is prefix-free, so a
character's token never equals a pair's.

Triggers keep it in step in the writing transaction, as 0005's keep
``ticket_search``: a contentless table forgets a row only when told the
tokens it was given, so the BEFORE triggers remove a row with the text
``ticket_search`` still holds (0005's AFTER triggers have not run yet), and
the AFTER triggers add it back from the new values.

Text is indexed up to ``POSITIONS`` characters (a description's limit is
4,000, store/inputs.py at the time of this step).

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

POSITIONS = 4096
BACKFILL_BATCH = 50_000  # tickets per INSERT: bounded memory on a big file
PHONE_SEPARATORS = (" ", "-", "(", ")", "+", ".", "/", "\t")  # 0005_search's, copied


def _digits(expr: str) -> str:
    for sep in PHONE_SEPARATORS:
        expr = f"replace({expr}, '{sep}', '')"
    return expr


def _tokens(expr: str, mark: str = "") -> str:
    """SQL: the tokens of one text (its characters and pairs), '' for none."""
    return (
        f"COALESCE((SELECT group_concat('{mark}' || hex(lower(substr({expr}, n, 2))) || ' {mark}'"
        f" || hex(lower(substr({expr}, n, 1))), ' ') FROM search_positions WHERE n <= length({expr})), '')"
    )


def document(d: str, r: str, s: str, a: str, p: str, state: str) -> str:
    """SQL: a ticket's document from the six values ``ticket_search`` holds
    (``state``: an expression that is 'open' for an open ticket)."""
    parts = [_tokens(d), _tokens(r), _tokens(s), _tokens(a), _tokens(p, "p"),
             f"CASE WHEN {state} = 'open' THEN 'open' ELSE '' END"]
    return " || ' ' || ".join(parts)


# The six values, as 0005_search's triggers compute them from a ticket row.
_NEW = (
    "new.description", "new.reporter", "(SELECT name FROM sites WHERE id = new.site_id)",
    "COALESCE((SELECT asset_tag FROM equipment WHERE id = new.equipment_id), '')",
    _digits("COALESCE(new.phone, '')"), "CASE WHEN new.is_open THEN 'open' ELSE '' END",
)
_HELD = ("ts.description", "ts.reporter", "ts.site", "ts.asset", "ts.phone", "ts.state")
_ADD = "INSERT INTO ticket_pairs (rowid, pairs) "
_REMOVE = "INSERT INTO ticket_pairs (ticket_pairs, rowid, pairs) "
_CHANGED = (
    "old.description IS NOT new.description OR old.reporter IS NOT new.reporter"
    " OR old.phone IS NOT new.phone OR old.site_id IS NOT new.site_id OR old.equipment_id IS NOT new.equipment_id"
    " OR old.is_open IS NOT new.is_open"
)  # 0005's WHEN: the writes that change what is indexed


def _remove_held(where: str) -> str:
    return _REMOVE + f"SELECT 'delete', ts.rowid, {document(*_HELD)} FROM ticket_search ts WHERE {where}"


def apply(db: sqlite_utils.Database) -> None:
    conn = db.conn
    conn.execute("CREATE TABLE search_positions (n INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO search_positions (n) VALUES (?)", [(n,) for n in range(1, POSITIONS + 1)])
    conn.execute(
        "CREATE VIRTUAL TABLE ticket_pairs USING fts5("
        "pairs, content = '', detail = none, columnsize = 0, tokenize = 'ascii')"
    )
    add_new = _ADD + f"VALUES (new.id, {document(*_NEW)})"
    for sql in (
        f"CREATE TRIGGER tickets_pairs_insert AFTER INSERT ON tickets BEGIN {add_new}; END",
        f"CREATE TRIGGER tickets_pairs_unindex BEFORE UPDATE OF description, reporter, phone, site_id,"
        f" equipment_id, is_open ON tickets WHEN {_CHANGED} BEGIN {_remove_held('ts.rowid = old.id')}; END",
        f"CREATE TRIGGER tickets_pairs_update AFTER UPDATE OF description, reporter, phone, site_id,"
        f" equipment_id, is_open ON tickets WHEN {_CHANGED} BEGIN {add_new}; END",
        f"CREATE TRIGGER tickets_pairs_delete BEFORE DELETE ON tickets BEGIN {_remove_held('ts.rowid = old.id')}; END",
        # A renamed site or re-tagged asset: out with the held text, in with the new name.
        "CREATE TRIGGER sites_pairs_unindex BEFORE UPDATE OF name ON sites WHEN old.name IS NOT new.name BEGIN "
        + _remove_held("ts.rowid IN (SELECT id FROM tickets WHERE site_id = old.id)") + "; END",
        "CREATE TRIGGER sites_pairs_rename AFTER UPDATE OF name ON sites WHEN old.name IS NOT new.name BEGIN "
        + _ADD + f"SELECT ts.rowid, {document(*_HELD[:2], 'new.name', *_HELD[3:])} FROM ticket_search ts"
        " WHERE ts.rowid IN (SELECT id FROM tickets WHERE site_id = new.id); END",
        "CREATE TRIGGER equipment_pairs_unindex BEFORE UPDATE OF asset_tag ON equipment"
        " WHEN old.asset_tag IS NOT new.asset_tag BEGIN "
        + _remove_held("ts.rowid IN (SELECT id FROM tickets WHERE equipment_id = old.id)") + "; END",
        "CREATE TRIGGER equipment_pairs_retag AFTER UPDATE OF asset_tag ON equipment"
        " WHEN old.asset_tag IS NOT new.asset_tag BEGIN "
        + _ADD + f"SELECT ts.rowid, {document(*_HELD[:3], 'new.asset_tag', *_HELD[4:])} FROM ticket_search ts"
        " WHERE ts.rowid IN (SELECT id FROM tickets WHERE equipment_id = new.id); END",
    ):
        conn.execute(sql)
    top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0]
    for start in range(0, top, BACKFILL_BATCH):
        conn.execute(_ADD + f"SELECT ts.rowid, {document(*_HELD)} FROM ticket_search ts"
                     " WHERE ts.rowid > ? AND ts.rowid <= ?", (start, start + BACKFILL_BATCH))
    conn.execute("INSERT INTO ticket_pairs (ticket_pairs) VALUES ('optimize')")
