"""0005_search: a trigram full-text index over what a dispatcher searches a ticket by.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

# Separators a phone number is typed with; the index keeps the digits only, so
# "138 0000-0001" and "13800000001" find each other. (A user function would be
# exact, but every connection, the sqlite3 shell included, would need it to
# write a ticket; replace() is built in.)
PHONE_SEPARATORS = (" ", "-", "(", ")", "+", ".", "/", "\t")


def digits_sql(expr: str) -> str:
    """SQL that strips the phone separators from ``expr``."""
    for sep in PHONE_SEPARATORS:
        expr = f"replace({expr}, '{sep}', '')"
    return expr


SEARCH_BACKFILL_BATCH = 50_000  # tickets per INSERT while back-filling: bounded memory on a big file


def apply(db: sqlite_utils.Database) -> None:
    """A trigram full-text index over what a dispatcher searches a ticket by:
    substrings in any script (CJK has no spaces), >= 3 characters. It keeps its
    own copy of the text (not external content): the site name and asset tag
    live in other tables, and a row is then removed by rowid alone. ``state``
    holds "open" while the ticket is open, so the live queue's search reads
    only open matches, not every match in the history."""
    conn = db.conn
    conn.execute(
        "CREATE VIRTUAL TABLE ticket_search USING fts5("
        "description, reporter, site, asset, phone, state, tokenize = 'trigram')"
    )
    row = (
        "{t}.id, {t}.description, {t}.reporter,"
        " (SELECT name FROM sites WHERE id = {t}.site_id),"
        " COALESCE((SELECT asset_tag FROM equipment WHERE id = {t}.equipment_id), ''),"
        " " + digits_sql("COALESCE({t}.phone, '')") + ","
        " CASE WHEN {t}.is_open THEN 'open' ELSE '' END"
    )
    insert = "INSERT INTO ticket_search (rowid, description, reporter, site, asset, phone, state) SELECT "
    # Triggers keep it in step inside the writing transaction. Every write sets
    # is_open (a derived field), so WHEN skips the writes that change nothing
    # here: most steps (respond, assign, arrive…) cost the index nothing.
    conn.execute(
        "CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets BEGIN "
        + insert + row.format(t="new") + "; END"
    )
    conn.execute(
        "CREATE TRIGGER tickets_search_update AFTER UPDATE OF description, reporter, phone, site_id, equipment_id,"
        " is_open ON tickets WHEN old.description IS NOT new.description OR old.reporter IS NOT new.reporter"
        " OR old.phone IS NOT new.phone OR old.site_id IS NOT new.site_id OR old.equipment_id IS NOT new.equipment_id"
        " OR old.is_open IS NOT new.is_open BEGIN DELETE FROM ticket_search WHERE rowid = old.id; "
        + insert + row.format(t="new") + "; END"
    )
    conn.execute(
        "CREATE TRIGGER tickets_search_delete AFTER DELETE ON tickets BEGIN "
        "DELETE FROM ticket_search WHERE rowid = old.id; END"
    )
    # A renamed site or re-tagged asset is found under its new name.
    conn.execute(
        "CREATE TRIGGER sites_search_rename AFTER UPDATE OF name ON sites BEGIN "
        "UPDATE ticket_search SET site = new.name WHERE rowid IN (SELECT id FROM tickets WHERE site_id = new.id); END"
    )
    conn.execute(
        "CREATE TRIGGER equipment_search_retag AFTER UPDATE OF asset_tag ON equipment BEGIN "
        "UPDATE ticket_search SET asset = new.asset_tag"
        " WHERE rowid IN (SELECT id FROM tickets WHERE equipment_id = new.id); END"
    )
    top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0]
    for start in range(0, top, SEARCH_BACKFILL_BATCH):
        conn.execute(insert + row.format(t="t") + " FROM tickets t WHERE t.id > ? AND t.id <= ?",
                     (start, start + SEARCH_BACKFILL_BATCH))
    # One merged b-tree per term instead of one per batch: faster queries from the start.
    conn.execute("INSERT INTO ticket_search (ticket_search) VALUES ('optimize')")
