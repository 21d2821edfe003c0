"""Checks, statistics and the bulk load (demo, benchmarks)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from typing import Any

from ..context import Context
from ..database import Database
from ..db import explain, quick_check
from ..rules.derive import DERIVED, derive
from ..rules.sla import Calendar, Pause, Policy
from ..timeutil import from_db
from .audit import loaded_note
from .audit_tables import rows_loaded
from .bulk import put_back, set_aside
from .settings import SettingsRepo


@dataclass(frozen=True)
class TicketRows:
    """Tickets as ``load``'s INSERT binds them: the columns, and a tuple of
    values a ticket in that order, derived fields included."""

    columns: list[str]
    values: list[tuple[Any, ...]]


def _ticket_rows(tickets: list[dict[str, Any]], holds: list[dict[str, Any]], policy: dict[int, Policy],
                 cal: Calendar) -> TicketRows:
    pauses: dict[int, list[Pause]] = {}
    for p in holds:
        pauses.setdefault(p["ticket_id"], []).append(Pause(from_db(p["started_at"]), from_db(p["ended_at"])))
    # Every column any row names (rows may differ: a closed ticket has more).
    # (C-level: no generator step a key; derive() gives every DERIVED field, over the row's.)
    columns = list(dict.fromkeys(chain(chain.from_iterable(tickets), DERIVED)))
    none: list[Pause] = []
    return TicketRows(columns, [tuple(map({**t, **derive(t, pauses.get(t["id"], none), policy, cal)}.get, columns))
                                for t in tickets])


class AdminRepo:
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo):
        self.db, self.ctx, self.settings = db, ctx, settings

    # ---------------------------------------------------------- bulk/admin
    def check(self) -> list[str]:
        with self.db.reader() as conn:
            try:
                return quick_check(conn)
            except sqlite3.DatabaseError as exc:
                raise explain(self.db.path, exc) from None

    def schema_version(self) -> int:
        return int(self.db.value("PRAGMA user_version"))

    def stats(self) -> dict[str, int]:
        tables = ("sites", "equipment", "teams", "technicians", "tickets", "events")
        return {t: self.db.q(f"SELECT COUNT(*) FROM {t}")[0][0] for t in tables}

    def ticket_rows(self) -> Callable[[list[dict[str, Any]], list[dict[str, Any]]], TicketRows]:
        """What ``load`` does to tickets before writing them (their derived SLA
        fields and facts, the row as the INSERT binds it), as a pure function
        of the rows and their holds under this file's policy and calendar, read
        now: no store call inside, so a build may run it in a second process
        (demo_data/scale.py) and hand ``load`` the result (``rows``)."""
        policy, cal = self.settings.policy(), self.settings.calendar()

        def prepare(tickets: list[dict[str, Any]], holds: list[dict[str, Any]]) -> TicketRows:
            return _ticket_rows(tickets, holds, policy, cal)

        return prepare

    def load(self, action: str, data: dict[str, list[dict[str, Any]]], note: dict[str, Any],
             rows: TicketRows | None = None) -> None:
        """Bulk insert of already-consistent rows (demo, later CSV import) in one
        transaction; tickets get their derived SLA fields here (or come as
        ``rows``, made by ``ticket_rows()`` from data["tickets"] and data["pauses"]).
        Rows named 'events' are audit history and are appended as they are."""
        if rows is None and data.get("tickets"):
            policy, cal = self.settings.policy(), self.settings.calendar()
            rows = _ticket_rows(data["tickets"], data.get("pauses", []), policy, cal)
        reference = [t for t in ("sites", "teams", "technicians", "equipment") if data.get(t)]
        with self.db.write(action) as tx:
            top = {t: tx.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}").fetchone()[0] for t in reference}
            for table in reference:
                tx.insert_all(table, data[table])
            if rows is not None and rows.values:
                # Plain executemany: sqlite-utils' row preparation was a tenth of a big build.
                tx.executemany(
                    f"INSERT INTO tickets ({', '.join(rows.columns)}) VALUES ({', '.join('?' * len(rows.columns))})",
                    rows.values)
            if data.get("pauses"):
                tx.insert_all("pauses", data["pauses"])
            if data.get("events"):
                # Chained like any other event (store/rules/audit.py); old/new as the JSON text stored.
                tx.events([
                    {**e, **{k: e[k] if isinstance(e.get(k), str | None) else json.dumps(e[k], ensure_ascii=False, default=str)
                             for k in ("old", "new")}} for e in data["events"]])
            if rows is not None and rows.values:
                # Loaded tickets have no ticket.create of their own: the load's
                # event records them (and their holds) as loaded, for the audit check.
                at = rows.columns.index("id")
                note = {**note, "tickets_loaded": loaded_note(tx, (v[at] for v in rows.values), holds=True)}
            # So do the reference rows loaded (store/rules/ledger.py replays them from here).
            # (the ids given, and those SQLite gave rows that came without one)
            loaded = rows_loaded(tx, {t: {r["id"] for r in data[t] if r.get("id") is not None}
                                             | {r[0] for r in tx.execute(f"SELECT id FROM {t} WHERE id > ?", (top[t],))}
                                             for t in reference})
            if loaded:
                note = {**note, "rows_loaded": loaded}
            tx.event(action, "database", None, None, {}, note)

    @contextmanager
    def bulk(self, action: str, building: Callable[[], None] | None = None) -> Iterator[None]:
        """Many ``load`` calls as one transaction (a big build, years of
        history from another helpdesk): the tickets' indexes and insert
        triggers set aside while they run, their work done set-wise once at
        the end (store/repo/bulk.py); ``building()`` is called before that. Killed
        or failed midway, nothing of it is left in the file."""
        with self.db.batch():
            with self.db.write(action) as tx:
                aside = set_aside(tx)
                cache = tx.execute("PRAGMA cache_size").fetchone()[0]
                tx.execute("PRAGMA cache_size = -131072")  # 128 MB: the index sorts stay in memory
                # The index sorts at the end on SQLite's own worker threads (0 by
                # default): a second core, when there is one, without the GIL.
                threads = tx.execute("PRAGMA threads").fetchone()[0]
                tx.execute("PRAGMA threads = 2")
            yield
            if building is not None:
                building()
            with self.db.write(action) as tx:
                put_back(tx, aside)
                tx.execute(f"PRAGMA cache_size = {int(cache)}")
                tx.execute(f"PRAGMA threads = {int(threads)}")

    def reference_rows(self) -> dict[str, list[dict[str, Any]]]:
        """Sites, teams, technicians and equipment as stored, by id: the shape
        ``load`` takes (a scale build adds tickets to a demo's reference data)."""
        return {t: [dict(r) for r in self.db.q(f"SELECT * FROM {t} ORDER BY id")]
                for t in ("sites", "teams", "technicians", "equipment")}

    def max_ticket_id(self) -> int:
        return int(self.db.value("SELECT COALESCE(MAX(id), 0) FROM tickets"))
