"""An improvement item or a complaint step falling due tells its owner
(issue 24), found by the sender's pass (store/sender.py, ``dispatch notify``)
beside the escalations.

- An improvement item falls due when its due day begins (midnight, site
  time): its foreman is told (the item's, else the team's active foremen),
  while it is still theirs (open, followed up, measures proposed; a
  submitted item waits on the managers' meeting).
- A complaint's next step falls due ``complaint_step_hours`` after it was
  received: whoever registered it is told.

Each is looked for by an index range (items by (state, due_date), complaints
by (state, received_at): a step due h hours after receipt is due now for
the complaints received before now - h), and fired once per item or step and
due time: the UNIQUE (kind, ref_id, step, due) key of ``due_notices``,
checked again by INSERT OR IGNORE under the write lock, so two processes
record one; a due date changed later is a new key and tells again. The
record, its audit event (``notify.due``) and the messages go in one write."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pendulum

from ..context import Context
from ..database import Database, Tx
from ..rules import improve
from ..rules.notices import ComplaintStepDue, ItemDue, Notice
from ..timeutil import from_db, to_db
from .outbox import enqueue
from .settings import SettingsRepo

# The item states in which the item is still its foreman's to work on.
ITEM_STATES = ("open", "followed_up", "proposed")


@dataclass(frozen=True)
class _Due:
    kind: str
    ref_id: int
    step: str
    due: str
    ticket_id: int
    notice: Notice
    owners: tuple[str, ...]  # logins named by the row (the item's foreman, the complaint's registrar)
    team_id: int | None = None


class DueNoticesRepo:
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo):
        self.db, self.ctx, self.settings = db, ctx, settings

    # --------------------------------------------------------------- scan
    def _items(self, today: str) -> list[_Due]:
        qs = ", ".join("?" * len(ITEM_STATES))
        rows = self.db.q(
            "SELECT i.id, i.ticket_id, i.team_id, i.foreman, i.due_date, i.state, COALESCE(tm.name, '') AS team"
            f" FROM improvement_items i LEFT JOIN teams tm ON tm.id = i.team_id WHERE i.state IN ({qs})"
            " AND i.due_date <= ? AND NOT EXISTS (SELECT 1 FROM due_notices n WHERE n.kind = 'item'"
            " AND n.ref_id = i.id AND n.step = '' AND n.due = i.due_date)", (*ITEM_STATES, today))
        return [_Due("item", r["id"], "", r["due_date"], r["ticket_id"],
                     ItemDue(item_id=r["id"], ticket_id=r["ticket_id"], due_date=date.fromisoformat(r["due_date"]),
                             state=r["state"], team=r["team"]),
                     (r["foreman"],) if r["foreman"] else (), r["team_id"]) for r in rows]

    def _complaints(self, now: pendulum.DateTime) -> list[_Due]:
        hours = dict(self.settings.setting("complaint_step_hours", improve.DEFAULT_STEP_HOURS))
        tz = self.settings.timezone
        out: list[_Due] = []
        for step, (state, _to) in improve.COMPLAINT_STEPS.items():
            h = int(hours.get(step, improve.DEFAULT_STEP_HOURS[step]))
            rows = self.db.q("SELECT id, ticket_id, received_at, registered_by, matter FROM complaints"
                             " WHERE state = ? AND received_at <= ?", (state, to_db(now.subtract(hours=h))))
            for r in rows:
                received = from_db(r["received_at"])
                assert received is not None
                due_at = received.add(hours=h)
                out.append(_Due("complaint", r["id"], step, to_db(due_at), r["ticket_id"],
                                ComplaintStepDue(complaint_id=r["id"], ticket_id=r["ticket_id"], step=step, due_at=due_at,
                                                 matter=r["matter"], tz=tz), (r["registered_by"],)))
        if not out:
            return out
        # Those told already (an overdue complaint stays in its range until it moves on).
        ids = sorted({d.ref_id for d in out})
        told = {(r[0], r[1], r[2]) for r in self.db.q(
            f"SELECT ref_id, step, due FROM due_notices WHERE kind = 'complaint' AND ref_id IN ({', '.join('?' * len(ids))})",
            ids)}
        return [d for d in out if (d.ref_id, d.step, d.due) not in told]

    def pending(self) -> list[tuple[str, int, str, str]]:
        """(kind, id, step, due) of what has fallen due and not been told (for tests and status)."""
        now = self.ctx.now()
        found = self._items(now.in_timezone(self.settings.timezone).date().isoformat()) + self._complaints(now)
        return [(d.kind, d.ref_id, d.step, d.due) for d in found]

    # ------------------------------------------------------------- firing
    def fire_due(self) -> list[int]:
        """Record and queue each item or step that has fallen due and was not
        told yet; the ids of the records this call made (another process may
        have made some first)."""
        now = self.ctx.now()
        found = self._items(now.in_timezone(self.settings.timezone).date().isoformat()) + self._complaints(now)
        if not found:
            return []
        done: list[int] = []
        with self.db.write("notify.due") as tx:
            for d in found:
                nid = self._fire(tx, d, to_db(now))
                if nid is not None:
                    done.append(nid)
        return done

    def _fire(self, tx: Tx, d: _Due, now: str) -> int | None:
        logins = _owners(tx, d)
        values = {"kind": d.kind, "ref_id": d.ref_id, "step": d.step, "due": d.due, "fired_at": now,
                  "recipients": json.dumps(logins, ensure_ascii=False)}
        cur = tx.execute("INSERT OR IGNORE INTO due_notices (kind, ref_id, step, due, fired_at, recipients)"
                         " VALUES (:kind, :ref_id, :step, :due, :fired_at, :recipients)", values)
        if cur.rowcount != 1:
            return None  # told already, by another process
        nid = int(cur.lastrowid or 0)
        queued = enqueue(tx, [f"user:{login}" for login in logins], d.notice, now)
        tx.event("notify.due", "due_notice", nid, d.ticket_id, {}, {**values, "outbox": queued})
        return nid


def _owners(tx: Tx, d: _Due) -> list[str]:
    """The active users the row names; an item with no foreman of its own
    (or one no longer active): its team's active foremen."""
    active = [x for x in d.owners if tx.execute("SELECT 1 FROM users WHERE login = ? AND NOT disabled", (x,)).fetchone()]
    if active or d.kind != "item":
        return active
    return [r[0] for r in tx.execute("SELECT login FROM users WHERE role = 'foreman' AND team_id = ? AND NOT disabled"
                                     " ORDER BY login", (d.team_id,))]


