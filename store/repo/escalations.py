"""Escalations (issue 24, DOMAIN.md §10): the ladder setting, firing what is
due, acknowledging, and who is told. The ladder's arithmetic is pure
(store/rules/escalation.py); this module reads the tickets, and records what
fires in one short write.

Fired exactly once per (ticket, clock, level) whichever process notices
first: the candidates are worked out from a read, then, inside one BEGIN
IMMEDIATE, each is checked again against what is recorded by then (another
process may have fired it, or a higher level) and inserted with INSERT OR
IGNORE on the UNIQUE (ticket, clock, share) key; only a row that went in
gets its audit event and its messages in the outbox, in that same write."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pendulum import DateTime

from ..context import Context
from ..database import Database, Tx
from ..errors import NotFound, RuleViolation
from ..i18n import _
from ..rules import escalation as esc
from ..rules.notices import Escalation as EscalationNotice
from ..rules.sla import ClockName, Pause
from ..text import clean
from ..timeutil import from_db, to_db
from .outbox import enqueue
from .settings import SettingsRepo

NOTE_MAX = 2000
BATCH = 500  # tickets per write when firing
# esc_due when nothing can fire until the ticket or the rules change (all held, every level fired).
NEVER = "9999-12-31T23:59:59Z"
_MET_AT: dict[ClockName, str] = {"response": "first_response_at", "onsite": "arrived_at", "resolve": "resolved_at"}


@dataclass(frozen=True)
class EscalationRecord:
    id: int
    ticket_id: int
    clock: str
    level: int
    at: float
    due_at: str
    fired_at: str
    roles: tuple[str, ...]
    recipients: tuple[str, ...]
    acknowledged_at: str | None
    acknowledged_by: str | None
    note: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "ticket": self.ticket_id, "clock": self.clock, "level": self.level, "at": self.at,
                "due_at": self.due_at, "fired_at": self.fired_at, "to": list(self.roles),
                "recipients": list(self.recipients), "acknowledged_at": self.acknowledged_at,
                "acknowledged_by": self.acknowledged_by, "note": self.note}


@dataclass(frozen=True)
class EscalationLine:
    """An escalation as the console lists it: with its ticket's title (the
    start of the fault text, stored as typed: clean it to show it)."""

    record: EscalationRecord
    title: str

    @property
    def id(self) -> int:
        return self.record.id


def _record(r: Any) -> EscalationRecord:
    return EscalationRecord(r["id"], r["ticket_id"], r["clock"], r["level"], r["at"], r["due_at"], r["fired_at"],
                            tuple(json.loads(r["roles"])), tuple(json.loads(r["recipients"])), r["acknowledged_at"],
                            r["acknowledged_by"], r["note"])


class EscalationsRepo:
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo):
        self.db, self.ctx, self.settings = db, ctx, settings

    # ------------------------------------------------------------- setting
    def ladder(self) -> esc.EscalationSetting:
        return esc.escalation_from(self.settings.setting("escalation"))

    def set_ladder(self, value: Any) -> esc.EscalationSetting:
        """Managers only (``settings.set``, audited as any setting)."""
        self.settings.set_setting("escalation", value)
        return self.ladder()

    # --------------------------------------------------------------- reads
    def escalations(self, *, unacknowledged: bool = False, ticket_id: int | None = None,
                    limit: int = 500) -> list[EscalationRecord]:
        where, params = [], []
        if unacknowledged:
            where.append("acknowledged_at IS NULL")
        if ticket_id is not None:
            where.append("ticket_id = ?")
            params.append(ticket_id)
        sql = "SELECT * FROM escalations" + (f" WHERE {' AND '.join(where)}" if where else "")
        return [_record(r) for r in self.db.q(sql + " ORDER BY fired_at DESC, id DESC LIMIT ?", (*params, limit))]

    def concerning(self, login: str | None, limit: int = 500, days: int = 7) -> list[EscalationLine]:
        """The escalations waiting for ``login`` (None: everyone's waiting),
        newest first, then those acknowledged in the last ``days`` days that
        were sent to them or acknowledged by them, last acknowledged first: a
        screen's list of what to act on. Both parts are index ranges (who waits
        for what; when acknowledged), so a file with years of escalations
        costs no more to list; their history is ``escalations()``."""
        cols = "x.*, substr(t.description, 1, 160) AS title"
        tickets = "JOIN tickets t ON t.id = x.ticket_id"
        if login is None:
            waiting = self.db.q(f"SELECT {cols} FROM escalations x {tickets} WHERE x.acknowledged_at IS NULL"
                                " ORDER BY x.fired_at DESC, x.id DESC LIMIT ?", (limit,))
        else:
            # The newest first among all that wait (a manager may have tens of
            # thousands): sorted on the escalations alone, the tickets joined
            # for the ones listed only.
            waiting = self.db.q(
                f"SELECT {cols} FROM (SELECT x.id FROM escalation_waiting w JOIN escalations x ON x.id = w.escalation_id"
                " WHERE w.login = ? ORDER BY x.fired_at DESC, x.id DESC LIMIT ?) top"
                f" JOIN escalations x ON x.id = top.id {tickets} ORDER BY x.fired_at DESC, x.id DESC", (login, limit))
        done: list[Any] = []
        if len(waiting) < limit:
            mine = "" if login is None else (" AND (x.acknowledged_by = :login OR EXISTS (SELECT 1 FROM"
                                             " json_each(x.recipients) j WHERE j.value = :login))")
            done = self.db.q(
                f"SELECT {cols} FROM escalations x {tickets} WHERE x.acknowledged_at >= :since{mine}"
                " ORDER BY x.acknowledged_at DESC, x.id DESC LIMIT :rest",
                {"since": to_db(self.ctx.now().subtract(days=days)), "login": login, "rest": limit - len(waiting)})
        return [EscalationLine(_record(r), r["title"]) for r in [*waiting, *done]]

    def waiting_for(self, login: str) -> int:
        """How many escalations sent to ``login`` nobody has acknowledged (the console's header count)."""
        return int(self.db.value("SELECT COUNT(*) FROM escalation_waiting WHERE login = ?", (login,)))

    # -------------------------------------------------------------- firing
    def _candidates(self, limit: int = -1) -> list[tuple[dict[str, Any], list[esc.ClockRun], dict[Any, float]]]:
        """The open tickets that may have a level due now: those whose
        ``esc_due`` has come or is not known ('', which sorts first): one
        range of an index, the earliest ``limit`` of them (-1: all). With their
        running clocks (none for a resolved ticket: it gets NEVER) and what
        fired for them."""
        now = to_db(self.ctx.now())
        rows = [dict(r) for r in self.db.q(
            "SELECT id, priority, status, reported_at, first_response_at, arrived_at, resolved_at, technician_id, esc_due"
            " FROM tickets WHERE is_open = 1 AND esc_due <= ? ORDER BY esc_due LIMIT ?", (now, limit))]
        if not rows:
            return []
        policy = self.settings.policy()
        ids = [r["id"] for r in rows]
        held: dict[int, list[Any]] = {}
        fired: dict[int, dict[Any, float]] = {}
        for chunk in range(0, len(ids), 500):
            # The ids as one JSON parameter, not one "?" each: the SQL text is
            # the same whatever the count. With "IN (?, ?, …)" every count of
            # candidates (1 to 200 a minute in a console) was a new text, so
            # each connection's statement cache (128) filled over hours with
            # prepared statements of up to 200 parameters: ~10 MB of RSS that
            # grew with the clock (issue 28). Same plan: the index on ticket_id.
            part = json.dumps(ids[chunk:chunk + 500])
            for p in self.db.q("SELECT ticket_id, started_at, ended_at FROM pauses"
                               " WHERE ticket_id IN (SELECT value FROM json_each(?)) ORDER BY started_at", (part,)):
                held.setdefault(p[0], []).append(Pause(from_db(p[1]), from_db(p[2])))
            for r in self.db.q("SELECT ticket_id, clock, MAX(at) FROM escalations"
                               " WHERE ticket_id IN (SELECT value FROM json_each(?)) GROUP BY ticket_id, clock", (part,)):
                fired.setdefault(r[0], {})[r[1]] = r[2]
        out = []
        for row in rows:
            pol = policy.get(row["priority"])
            if pol is None:
                continue
            met: dict[ClockName, DateTime | None] = {c: from_db(row[col]) for c, col in _MET_AT.items()}
            runs = esc.running_clocks(from_db(row["reported_at"]), pol, met, held.get(row["id"], []), status=row["status"])
            out.append((row, runs, fired.get(row["id"], {})))
        return out

    def fire_due(self) -> list[int]:
        """Record every level that is due now and not fired yet, with its
        messages; the ids of the escalations this call recorded (another
        process may have recorded some first: those are not here). Each ticket
        looked at gets its ``esc_due`` back: when it may next have one."""
        return self.fire_some()[0]

    def fire_some(self, limit: int = -1) -> tuple[list[int], bool]:
        """``fire_due`` for at most ``limit`` tickets (-1: all), the earliest
        due first; and whether more may be due. The consoles take one batch a
        poll: a file nobody opened for weeks (or a big imported history) has
        tens of thousands due at once, and the queue must show meanwhile."""
        found = self._candidates(limit)
        if not found:
            return [], False
        setting, calendar, tz = self.ladder(), self.settings.calendar(), self.settings.timezone
        now = self.ctx.now()
        done: list[int] = []
        # In short writes of BATCH tickets: a first pass over a big file (every
        # esc_due unknown) must not hold the write lock for seconds.
        for start in range(0, len(found), BATCH):
            done += self._fire_batch(found[start:start + BATCH], setting, calendar, tz, now)
        return done, limit >= 0 and len(found) >= limit

    def _fire_batch(self, found: list[tuple[dict[str, Any], list[esc.ClockRun], dict[Any, float]]],
                    setting: esc.EscalationSetting, calendar: Any, tz: str, now: DateTime) -> list[int]:
        done: list[int] = []
        with self.db.write("escalation.fire") as tx:
            for row, runs, fired in found:
                for fire in esc.to_fire(now, runs, setting, row["priority"], calendar, fired):
                    eid = self._fire(tx, row, fire, to_db(now), tz)
                    if eid is not None:
                        done.append(eid)
                # Again from what is recorded now (this process's and any other's).
                after = {r[0]: r[1] for r in tx.execute(
                    "SELECT clock, MAX(at) FROM escalations WHERE ticket_id = ? GROUP BY clock", (row["id"],))}
                nxt = esc.next_due(now, runs, setting, row["priority"], calendar, after)
                due = to_db(nxt) if nxt is not None else NEVER
                if due != row["esc_due"]:
                    tx.execute("UPDATE tickets SET esc_due = ? WHERE id = ?", (due, row["id"]))
        return done

    def _fire(self, tx: Tx, row: dict[str, Any], fire: esc.Fire, now: str, tz: str) -> int | None:
        tid = row["id"]
        # Again under the write lock: another process may have fired this level, or a higher one.
        top = tx.execute("SELECT MAX(at) FROM escalations WHERE ticket_id = ? AND clock = ?", (tid, fire.clock)).fetchone()[0]
        if top is not None and top >= fire.at:
            return None
        logins = self._recipients(tx, row, fire.to)
        values = {"clock": fire.clock, "at": fire.at, "level": fire.level, "due_at": to_db(fire.due_at), "fired_at": now,
                  "roles": json.dumps(list(fire.to)), "recipients": json.dumps(logins, ensure_ascii=False)}
        cur = tx.execute(
            "INSERT OR IGNORE INTO escalations (ticket_id, clock, at, level, due_at, fired_at, roles, recipients)"
            " VALUES (:ticket_id, :clock, :at, :level, :due_at, :fired_at, :roles, :recipients)", {**values, "ticket_id": tid})
        if cur.rowcount != 1:
            return None
        eid = int(cur.lastrowid or 0)
        tx.executemany("INSERT INTO escalation_waiting (login, escalation_id) VALUES (?, ?)", [(x, eid) for x in logins])
        info = tx.execute(
            "SELECT s.name AS site, tech.name AS technician FROM tickets t JOIN sites s ON s.id = t.site_id"
            " LEFT JOIN technicians tech ON tech.id = t.technician_id WHERE t.id = ?", (tid,)).fetchone()
        notice = EscalationNotice(ticket_id=tid, priority=row["priority"], clock=fire.clock, level=fire.level, at=fire.at,
                                  due_at=fire.due_at, site=info["site"] if info else "", tz=tz,
                                  technician=info["technician"] if info else None)
        queued = enqueue(tx, [f"user:{login}" for login in logins], notice, now)
        tx.event("escalation.fire", "escalation", eid, tid, {},
                 {**values, **({"skipped": list(fire.skipped)} if fire.skipped else {}), "outbox": queued})
        return eid

    @staticmethod
    def _recipients(tx: Tx, row: dict[str, Any], roles: Iterable[str]) -> list[str]:
        """The active people each role names for this ticket, in order, each
        once: the foremen of the technician's team (none while unassigned);
        the duty manager (the setting ``duty_manager``; every manager while it
        names nobody, or someone no longer an active manager); the center's
        managers."""
        out: list[str] = []
        for role in roles:
            if role == "foreman":
                rows = tx.execute(
                    "SELECT u.login FROM users u JOIN technicians tech ON tech.team_id = u.team_id"
                    " WHERE tech.id = ? AND u.role = 'foreman' AND NOT u.disabled ORDER BY u.login",
                    (row["technician_id"],)).fetchall()
            else:
                rows = tx.execute("SELECT login FROM users WHERE role = 'manager' AND NOT disabled ORDER BY login").fetchall()
                if role == "duty_manager":  # the one named by the setting while they are an active manager
                    duty = tx.execute("SELECT value FROM settings WHERE key = 'duty_manager'").fetchone()
                    named = json.loads(duty[0]) if duty else ""
                    rows = [r for r in rows if r[0] == named] or rows
            out += [r[0] for r in rows if r[0] not in out]
        return out

    # --------------------------------------------------------- acknowledge
    def acknowledge(self, escalation_id: int, note: str) -> EscalationRecord:
        """Acknowledged by the signed-in person, with a note (what is being
        done). A foreman acknowledges their own team's tickets only."""
        text = note.strip() if isinstance(note, str) else ""
        if not text or len(text) > NOTE_MAX:
            raise RuleViolation(_("An acknowledgement needs a note of 1 to {n} characters: what is being done").format(
                n=NOTE_MAX), "note")
        row = self.db.one("SELECT * FROM escalations WHERE id = ?", (escalation_id,))
        if row is None:
            raise NotFound(_("No escalation #{id}").format(id=escalation_id))
        with self.db.write("escalation.ack", ticket_id=row["ticket_id"]) as tx:
            cur = tx.execute("SELECT acknowledged_at, acknowledged_by FROM escalations WHERE id = ?", (escalation_id,)).fetchone()
            if cur["acknowledged_at"] is not None:
                raise RuleViolation(_("Escalation #{id} was acknowledged already by {who}").format(
                    id=escalation_id, who=clean(cur["acknowledged_by"] or "?", single_line=True)))
            new = {"acknowledged_at": to_db(self.ctx.now()), "acknowledged_by": self.ctx.actor, "note": text}
            tx.executemany("DELETE FROM escalation_waiting WHERE login = ? AND escalation_id = ?",  # by its key
                           [(x, escalation_id) for x in json.loads(row["recipients"])])
            tx.execute("UPDATE escalations SET acknowledged_at = :acknowledged_at, acknowledged_by = :acknowledged_by,"
                       " note = :note WHERE id = :id", {**new, "id": escalation_id})
            tx.event("escalation.ack", "escalation", escalation_id, row["ticket_id"],
                     {"acknowledged_at": None, "acknowledged_by": None, "note": None}, new)
        return _record(self.db.one("SELECT * FROM escalations WHERE id = ?", (escalation_id,)))
