"""0023_inspection_notice: the customer told before an inspection visit
(issue 25, docs/rules.md "Inspections").

- ``notify_urls`` on sites: the site contact's Apprise addresses (a JSON
  list, as on users and technicians); NULL: none, the customer cannot be told.
- ``language`` on sites: the contact's language (``zh_Hans``, ``en``); NULL:
  the sender's own (as for a technician).
- ``inspection_notices``: one row per visit whose customer was told, or
  found with no address to tell (``outbox_id`` NULL, ``missing`` says why).
  UNIQUE (visit_id): two scheduler runs at once tell a visit once (the second
  INSERT OR IGNORE is a no-op).

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    for sql in (
        "ALTER TABLE sites ADD COLUMN notify_urls TEXT",
        "ALTER TABLE sites ADD COLUMN language TEXT",
        "CREATE TABLE inspection_notices ("
        " id INTEGER PRIMARY KEY,"
        " visit_id INTEGER NOT NULL UNIQUE REFERENCES inspection_visits(id),"
        " told_at TEXT NOT NULL,"
        " recipient TEXT,"
        " outbox_id INTEGER REFERENCES outbox(id),"
        " missing TEXT)",
    ):
        db.execute(sql)
