"""Checks, statistics and the bulk load (demo, benchmarks)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from ..base import StoreBase, append_events
from ..db import explain, quick_check, wrap
from ..derive import derive
from ..sla import Pause
from ..timeutil import from_db
from .audit import loaded_note
from .audit_tables import rows_loaded


class AdminRepo(StoreBase):
    # ---------------------------------------------------------- bulk/admin
    def check(self) -> list[str]:
        with self._reader() as conn:
            try:
                return quick_check(conn)
            except sqlite3.DatabaseError as exc:
                raise explain(self.path, exc) from None

    def schema_version(self) -> int:
        return self._q("PRAGMA user_version")[0][0]

    def stats(self) -> dict[str, int]:
        tables = ("sites", "equipment", "teams", "technicians", "tickets", "events")
        return {t: self._q(f"SELECT COUNT(*) FROM {t}")[0][0] for t in tables}

    def load(self, action: str, data: dict[str, list[dict[str, Any]]], note: dict[str, Any]) -> None:
        """Bulk insert of already-consistent rows (demo, later CSV import) in one
        transaction; tickets get their derived SLA fields here. Rows named
        'events' are audit history and are appended as they are."""
        policy, cal = self.policy(), self.calendar()
        db = wrap(self.conn)
        reference = [t for t in ("sites", "teams", "technicians", "equipment") if data.get(t)]
        with self._write(action):
            top = {t: self.conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}").fetchone()[0] for t in reference}
            for table in reference:
                db[table].insert_all(data[table], batch_size=2000)
            pauses: dict[int, list[Pause]] = {}
            for p in data.get("pauses", []):
                pauses.setdefault(p["ticket_id"], []).append(Pause(from_db(p["started_at"]), from_db(p["ended_at"])))  # type: ignore[arg-type]
            if data.get("tickets"):
                def rows() -> Iterator[dict[str, Any]]:
                    for t in data["tickets"]:
                        yield {**t, **derive(t, pauses.get(t["id"], []), policy, cal)}
                db["tickets"].insert_all(rows(), batch_size=2000)
            if data.get("pauses"):
                db["pauses"].insert_all(data["pauses"], batch_size=2000)
            if data.get("events"):
                # Chained like any other event (store/audit.py); old/new as the JSON text stored.
                append_events(self.conn, [
                    {**e, **{k: e[k] if isinstance(e.get(k), str | None) else json.dumps(e[k], ensure_ascii=False, default=str)
                             for k in ("old", "new")}} for e in data["events"]])
            if data.get("tickets"):
                # Loaded tickets have no ticket.create of their own: the load's
                # event records them (and their holds) as loaded, for the audit check.
                note = {**note, "tickets_loaded": loaded_note(self.conn, (t["id"] for t in data["tickets"]), holds=True)}
            # So do the reference rows loaded (store/ledger.py replays them from here).
            # (the ids given, and those SQLite gave rows that came without one)
            loaded = rows_loaded(self.conn, {t: {r["id"] for r in data[t] if r.get("id") is not None}
                                             | {r[0] for r in self.conn.execute(f"SELECT id FROM {t} WHERE id > ?", (top[t],))}
                                             for t in reference})
            if loaded:
                note = {**note, "rows_loaded": loaded}
            self._event(action, "database", None, None, {}, note)

    def max_ticket_id(self) -> int:
        return self._q("SELECT COALESCE(MAX(id), 0) FROM tickets")[0][0]
