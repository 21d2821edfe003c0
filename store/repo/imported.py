"""Years of tickets from another helpdesk (``dispatch import tickets``): the
whole file checked first against what this file holds, then loaded through
the bulk path (store/repo/admin.py ``bulk`` and ``load``): one transaction,
the derived tables and indexes rebuilt set-wise at its end, SLA clocks and
report facts derived for each ticket as for any other. Killed midway, the
file is as it was.

Managers only (the action ``history.import`` is listed for no other role,
store/rules/auth.py), asked before anything is read. The audit log records
each chunk as a load (its tickets' digest, so ``dispatch check`` accounts
for them) and the import as a whole: who, the file's name, its row count
and SHA-256, the ticket numbers given, the callbacks loaded."""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pendulum

from ..context import Context
from ..database import Database
from ..errors import StoreError
from ..i18n import _
from ..rules import lifecycle
from ..rules.imported import HistoryTicket, ImportRowError, Known, check_row, local_day
from ..timeutil import from_db, to_db
from .admin import AdminRepo
from .audit_tables import rows_loaded
from .callbacks import CallbacksRepo
from .settings import SettingsRepo

ACTION = "history.import"
CHUNK = 10_000  # tickets a load: the progress line moves, each load's event stays small
_IMPORTED = 10**15  # a repeat's candidate from the file itself, until it has its number
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class HistoryReport:
    file: str
    sha256: str
    rows: int
    first: int | None  # the ticket numbers given, in the order the tickets were opened
    last: int | None
    callbacks: int
    dry_run: bool


@dataclass
class HistoryPlan:
    """A checked file: its tickets in the order they were opened."""

    tickets: list[HistoryTicket]
    repeats: dict[int, int]  # index in ``tickets`` -> a ticket here, or _IMPORTED + index of another


class HistoryRepo:
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo, admin: AdminRepo, callbacks: CallbacksRepo):
        self.db, self.ctx, self.settings, self.admin, self.callbacks = db, ctx, settings, admin, callbacks

    def known(self) -> Known:
        """The sites, equipment and technicians rows may name (retired ones too:
        the history is from when they served)."""
        techs: dict[str, tuple[int, int | None]] = {}
        for tid, name, team in self.db.q("SELECT id, name, team_id FROM technicians ORDER BY id"):
            key = name.strip().casefold()
            techs[key] = (-1, None) if key in techs else (tid, team)
        return Known(
            sites={code: sid for sid, code in self.db.q("SELECT id, code FROM sites")},
            equipment={tag: (eid, sid, cat) for eid, tag, sid, cat in self.db.q("SELECT id, asset_tag, site_id, category FROM equipment")},
            technicians=techs,
            timezone=self.settings.timezone,
            now=self.ctx.now(),
        )

    def check(self, rows: Sequence[Mapping[str, Any]], progress: Progress | None = None) -> HistoryPlan:
        """Every row checked, in file order: ImportRowError names the first bad
        one. A number twice in the file, or already here, is refused by name.
        ``progress(done, total)`` every CHUNK rows."""
        self.db.authorize(ACTION)
        known = self.known()
        seen: dict[str, int] = {}
        checked = []
        for row in rows:
            line = int(row["_line"])
            ticket = check_row(row, line, known)
            ref = ticket.ticket["external_ref"]
            if ref in seen:
                raise ImportRowError(line, "old_number", _("{ref} is also on row {other}").format(ref=ref, other=seen[ref]))
            seen[ref] = line
            checked.append(ticket)
            if progress is not None and len(checked) % CHUNK == 0 and len(checked) < len(rows):
                progress(len(checked), len(rows))
        here = self._imported_already(list(seen))
        if here:
            first = min(here, key=lambda ref: seen[ref])
            raise ImportRowError(
                seen[first],
                "old_number",
                _("{ref} was imported already, as ticket #{id}; nothing of this file was imported").format(ref=first, id=here[first]),
            )
        checked.sort(key=lambda t: (t.ticket["reported_at"], t.line))  # numbers given in the order opened
        return HistoryPlan(checked, self._repeats(checked))

    def _imported_already(self, refs: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for i in range(0, len(refs), 500):
            part = refs[i : i + 500]
            rows = self.db.q(f"SELECT external_ref, id FROM tickets WHERE external_ref IN ({', '.join('?' * len(part))})", part)
            found.update((str(r[0]), int(r[1])) for r in rows)
        return found

    def _repeats(self, tickets: list[HistoryTicket]) -> dict[int, int]:
        """Second repairs (二次报修), as a new ticket is linked (store/repo/tickets.py):
        the latest repair of the same equipment resolved by the report (of two
        at once the later number), here already or in the file; the rule
        (find_repeat) decides on that one, as for a new ticket: if the latest
        is outside the window, all are."""
        days = int(self.settings.setting("repeat_window_days", 30))
        wanted = {t.ticket["equipment_id"] for t in tickets if t.ticket["equipment_id"] is not None}
        if not wanted:
            return {}
        since = to_db(from_db(min(t.ticket["reported_at"] for t in tickets)).subtract(days=days))
        # Per machine, its repairs as (resolved_at text, number): text order is time order.
        repairs: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for eid in wanted:  # each through the (equipment_id, resolved_at) index
            repairs[eid] += [
                (r[1], r[0])
                for r in self.db.q(
                    "SELECT id, resolved_at FROM tickets WHERE equipment_id = ? AND resolved_at >= ? AND status != 'cancelled'",
                    (eid, since),
                )
            ]
        for i, t in enumerate(tickets):
            if t.ticket["equipment_id"] is not None and t.ticket["resolved_at"] and t.ticket["status"] != "cancelled":
                repairs[t.ticket["equipment_id"]].append((t.ticket["resolved_at"], _IMPORTED + i))
        for found in repairs.values():
            found.sort()
        out = {}
        for i, t in enumerate(tickets):
            eid = t.ticket["equipment_id"]
            if eid is None:
                continue
            reported, found = t.ticket["reported_at"], repairs[eid]
            at = bisect_right(found, (reported, _IMPORTED * 2)) - 1
            while at >= 0 and found[at][1] == _IMPORTED + i:
                at -= 1  # not its own repair (resolved the moment it was reported)
            if at < 0:
                continue
            got = lifecycle.find_repeat([(found[at][1], from_db(found[at][0]))], from_db(reported), days)
            if got is not None:
                out[i] = got
        return out

    def load(
        self,
        plan: HistoryPlan,
        file: str,
        sha256: str,
        rows: int,
        progress: Progress | None = None,
        building: Callable[[], None] | None = None,
        chunk: int = CHUNK,
    ) -> HistoryReport:
        """The checked tickets and their callbacks in one transaction (the bulk
        path). ``progress(done, total)`` after each chunk; ``building()`` before
        the indexes and search are rebuilt."""
        tickets = plan.tickets
        if not tickets:
            return HistoryReport(file, sha256, rows, None, None, 0, False)
        actor = self.ctx.actor
        note = {"file": file, "sha256": sha256}
        try:
            with self.admin.bulk(ACTION, building):
                with self.db.write(ACTION) as tx:
                    first = int(tx.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0]) + 1
                batch: list[dict[str, Any]] = []
                for i, t in enumerate(tickets):
                    row = {**t.ticket, "id": first + i, "created_by": actor, "updated_by": actor, "repeat_of": None}
                    found = plan.repeats.get(i)
                    if found is not None:
                        row["repeat_of"] = first + found - _IMPORTED if found >= _IMPORTED else found
                    batch.append(row)
                    if len(batch) >= chunk or i == len(tickets) - 1:
                        self.admin.load(ACTION, {"tickets": batch}, {**note, "first": batch[0]["id"], "last": row["id"]})
                        if progress is not None:
                            progress(i + 1, len(tickets))
                        batch = []
                calls = self._callbacks(tickets, first, file, sha256, rows)
        except sqlite3.IntegrityError as exc:
            if "external_ref" not in str(exc):
                raise
            # Checked before the load; only another import finishing meanwhile gets here.
            raise StoreError(
                _("another import of the same old numbers finished first; nothing of this file was imported (run it again to see which)")
            ) from None
        return HistoryReport(file, sha256, rows, first, first + len(tickets) - 1, calls, False)

    def _callbacks(self, tickets: list[HistoryTicket], first: int, file: str, sha256: str, rows: int) -> int:
        """The callbacks' answers, each on its closing day's plan (made when the
        day has none), and the import's own event: who, which file, how many."""
        tz = self.settings.timezone
        actor = self.ctx.actor
        with self.db.write(ACTION) as tx:
            before = {t: tx.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}").fetchone()[0] for t in ("callback_plans", "callbacks")}
            answered = [(first + i, t) for i, t in enumerate(tickets) if t.rating is not None]
            days: dict[str, list[int]] = defaultdict(list)
            for tid, t in answered:
                days[local_day(from_db(t.ticket["closed_at"]), tz).isoformat()].append(tid)
            plans: dict[str, int] = {}
            for day, ids in sorted(days.items()):
                got = tx.execute("SELECT id FROM callback_plans WHERE closed_day = ?", (day,)).fetchone()
                if got is None:
                    call_day = pendulum.Date.fromisoformat(day).add(days=1).isoformat()
                    got = (
                        tx.execute(
                            "INSERT INTO callback_plans (closed_day, call_day, planned_by, planned_at, tickets,"
                            " manager_share) VALUES (?, ?, ?, ?, ?, 0)",
                            (day, call_day, actor, to_db(self.ctx.now()), len(ids)),
                        ).lastrowid,
                    )
                plans[day] = int(got[0])
            tx.executemany(
                "INSERT INTO callbacks (plan_id, ticket_id, role, evaluator, technician_id, team_id, closed_at, closed_day,"
                " due_day, status, attempts, rating, score, logged_by, logged_at)"
                " VALUES (?, ?, 'dispatcher', ?, ?, ?, ?, ?, ?, 'done', 1, ?, ?, ?, ?)",
                list(self._callback_rows(answered, plans, tz)),
            )
            loaded = rows_loaded(tx, {t: [r[0] for r in tx.execute(f"SELECT id FROM {t} WHERE id > ?", (before[t],))] for t in before})
            summary: dict[str, Any] = {
                "file": file,
                "rows": rows,
                "sha256": sha256,
                "first": first,
                "last": first + len(tickets) - 1,
                "callbacks": len(answered),
            }
            if loaded:
                summary["rows_loaded"] = loaded
            tx.event(ACTION, "database", None, None, {}, summary)
        return len(answered)

    def _callback_rows(self, answered: Iterable[tuple[int, HistoryTicket]], plans: Mapping[str, int], tz: str) -> Iterable[tuple[Any, ...]]:
        points = {r: self.callbacks.points(r) for r in ("satisfied", "basic", "unsatisfied")}
        actor = self.ctx.actor
        for tid, t in answered:
            closed = t.ticket["closed_at"]
            day = local_day(from_db(closed), tz)
            assert t.rating is not None and t.callback_at is not None
            yield (
                plans[day.isoformat()],
                tid,
                actor,
                t.ticket["technician_id"],
                t.team_id,
                closed,
                day.isoformat(),
                (day + timedelta(days=1)).isoformat(),
                t.rating,
                points[t.rating],
                actor,
                to_db(t.callback_at),
            )
