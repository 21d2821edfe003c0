"""Complaints (docs/rules.md §7): registered against a ticket, then accepted,
investigated, handled, followed up and closed with an analysis; each step is
due some hours after the complaint was received (setting
complaint_step_hours). Dispatchers and managers move them; a complaint can
open an improvement item for the foreman of the ticket's technician's team.
Optimistic (versions) and audited like every other write."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pendulum
from pendulum import DateTime

from ..context import Context
from ..database import Database, Tx
from ..errors import NotFound, RuleViolation, ValidationFailed
from ..i18n import _
from ..rules import improve
from ..rules.improve import Complaint, HistoryLine, StaleRecord
from ..text import clean
from ..timeutil import from_db, to_db
from .items import ItemsRepo, _text
from .settings import SettingsRepo

_STEP_FIELDS = {"investigate": "findings", "handle": "plan", "follow_up": "follow_up", "close": "analysis"}


class ComplaintsRepo:
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo, items: ItemsRepo):
        self.db, self.ctx, self.settings, self.items = db, ctx, settings, items

    # ------------------------------------------------------------ reading
    def complaint_step_hours(self) -> dict[str, int]:
        return dict(self.settings.setting("complaint_step_hours", improve.DEFAULT_STEP_HOURS))

    def _complaint(self, r: sqlite3.Row, hours: dict[str, int], now: DateTime) -> Complaint:
        d = dict(r)
        received = from_db(d["received_at"])
        assert received is not None
        due = {s: received.add(hours=h) for s, h in hours.items()}
        done = {s: at for s, col in improve.STEP_DONE_AT.items() if (at := from_db(d[col])) is not None}
        nxt = improve.complaint_next_step(d["state"])
        return Complaint(
            id=d["id"], ticket_id=d["ticket_id"], received_at=received, registered_by=d["registered_by"],
            complainant=d["complainant"], matter=d["matter"], state=d["state"], step_done=done, step_due=due,
            findings=d["findings"], plan=d["plan"], informed=bool(d["informed"]), follow_up=d["follow_up"],
            analysis=d["analysis"], item_id=d["item_id"], version=d["version"], next_step=nxt,
            due_at=due[nxt] if nxt else None, overdue=bool(nxt and now > due[nxt]))

    def find(self, state: str | None = None, month: str | None = None, overdue: bool | None = None,
                   ticket_id: int | None = None) -> list[Complaint]:
        """Complaints, overdue first, then open before closed, oldest first.
        ``month`` ('YYYY-MM'): received that month (site time)."""
        where: list[str] = []
        params: list[Any] = []
        if state is not None:
            where.append("c.state = ?")
            params.append(state)
        if ticket_id is not None:
            where.append("c.ticket_id = ?")
            params.append(ticket_id)
        if month:
            start, end = improve.month_bounds(month)
            tz = self.settings.timezone
            for bound in (pendulum.parse(start, tz=tz), pendulum.parse(end, tz=tz)):
                assert isinstance(bound, DateTime)  # 'YYYY-MM-DD' with a zone parses to a time
                params.append(to_db(bound))
            where.append("c.received_at >= ? AND c.received_at < ?")
        sql = "SELECT c.* FROM complaints c" + (" WHERE " + " AND ".join(where) if where else "")
        hours, now = self.complaint_step_hours(), self.ctx.now()
        out = [self._complaint(r, hours, now) for r in self.db.q(sql + " ORDER BY c.received_at, c.id", params)]
        if overdue is not None:
            out = [c for c in out if c.overdue == overdue]
        return sorted(out, key=lambda c: (not c.overdue, c.state == "closed"))

    def complaint(self, complaint_id: int) -> Complaint:
        rows = self.db.q("SELECT * FROM complaints WHERE id = ?", (complaint_id,))
        if not rows:
            raise NotFound(_("No complaint #{id}").format(id=complaint_id))
        return self._complaint(rows[0], self.complaint_step_hours(), self.ctx.now())

    def overdue_complaints_count(self) -> int:
        return sum(1 for c in self.find(overdue=True))

    def complaint_history(self, complaint_id: int) -> list[HistoryLine]:
        self.complaint(complaint_id)
        rows = self.db.q("SELECT at, actor, action, new FROM events WHERE entity = 'complaint' AND entity_id = ?"
                       " ORDER BY id", (complaint_id,))
        return [HistoryLine(at=from_db(r["at"]), actor=r["actor"],
                            text=_complaint_words(r["action"], json.loads(r["new"] or "{}"))) for r in rows]

    # ------------------------------------------------------------ writing
    def add_complaint(self, ticket_id: int, complainant: str, matter: str,
                      received_at: DateTime | None = None) -> Complaint:
        """Register a complaint against a ticket (time, complainant, matter)."""
        who, what = _text("complainant", complainant), _text("matter", matter)
        if len(who) > 120:
            raise ValidationFailed.one("complainant", _("at most {n} characters").format(n=120))
        now = self.ctx.now()
        received = (received_at or now).in_timezone("UTC")
        if received > now:
            raise ValidationFailed.one("received_at", _("cannot be in the future"))
        with self.db.write("complaint.add") as tx:
            if tx.execute("SELECT 1 FROM tickets WHERE id = ?", (ticket_id,)).fetchone() is None:
                raise ValidationFailed.one("ticket_id", _("No ticket #{id}").format(id=ticket_id))
            cur = tx.execute(
                "INSERT INTO complaints (ticket_id, received_at, registered_by, complainant, matter)"
                " VALUES (?, ?, ?, ?, ?)", (ticket_id, to_db(received), self.ctx.actor, who, what))
            cid = int(cur.lastrowid)  # type: ignore[arg-type]
            tx.event("complaint.add", "complaint", cid, ticket_id, {}, {
                "state": "registered", "received_at": to_db(received), "complainant": who, "matter": what})
        return self.complaint(cid)

    def _step(self, step: str, complaint_id: int, version: int, fields: dict[str, Any]) -> Complaint:
        with self.db.write(f"complaint.{step}") as tx:
            row = self._locked_complaint(tx, complaint_id, version)
            new = {"state": improve.check_complaint_step(step, row["state"]),
                   improve.STEP_DONE_AT[step]: to_db(self.ctx.now()), **fields}
            sets = ", ".join(f"{k} = ?" for k in new)
            tx.execute(f"UPDATE complaints SET {sets}, version = version + 1 WHERE id = ?",
                         [*new.values(), complaint_id])
            tx.event(f"complaint.{step}", "complaint", complaint_id, row["ticket_id"],
                        {k: row[k] for k in new}, new)
        return self.complaint(complaint_id)

    def _locked_complaint(self, tx: Tx, complaint_id: int, version: int) -> dict[str, Any]:
        found = tx.execute("SELECT * FROM complaints WHERE id = ?", (complaint_id,)).fetchone()
        if found is None:
            raise NotFound(_("No complaint #{id}").format(id=complaint_id))
        row = dict(found)
        if row["version"] != version:
            last = tx.execute("SELECT actor, at FROM events WHERE entity = 'complaint' AND entity_id = ?"
                                " ORDER BY id DESC LIMIT 1", (complaint_id,)).fetchone()
            raise StaleRecord(_("Complaint"), complaint_id, last[0] if last else "?",
                              from_db(last[1]) if last else None, row["version"], self.settings.timezone)
        return row

    def accept_complaint(self, complaint_id: int, version: int) -> Complaint:
        return self._step("accept", complaint_id, version, {})

    def investigate_complaint(self, complaint_id: int, version: int, findings: str) -> Complaint:
        """Work records, feedback, photos: what was found."""
        return self._step("investigate", complaint_id, version, {"findings": _text("findings", findings)})

    def handle_complaint(self, complaint_id: int, version: int, plan: str, informed: bool) -> Complaint:
        """The plan, and whether the complainant has been told (they must be)."""
        if not informed:
            raise ValidationFailed.one("informed", _("inform the complainant of the plan before handling is recorded"))
        return self._step("handle", complaint_id, version, {"plan": _text("plan", plan), "informed": 1})

    def follow_up_complaint(self, complaint_id: int, version: int, note: str) -> Complaint:
        """The follow-up callback to the complainant."""
        return self._step("follow_up", complaint_id, version, {"follow_up": _text("note", note)})

    def close_complaint(self, complaint_id: int, version: int, analysis: str) -> Complaint:
        """Closed with an analysis of the cause, so it does not recur."""
        return self._step("close", complaint_id, version, {"analysis": _text("analysis", analysis)})

    def open_item_from_complaint(self, complaint_id: int, version: int) -> Complaint:
        """An improvement item for the foreman of the ticket's technician's team."""
        with self.db.write("complaint.open_item") as tx:
            row = self._locked_complaint(tx, complaint_id, version)
            if row["item_id"] is not None:
                raise RuleViolation(_("Complaint #{id} already has improvement item #{item}").format(
                    id=complaint_id, item=row["item_id"]))
            team = tx.execute("SELECT tech.team_id FROM tickets t JOIN technicians tech ON tech.id = t.technician_id"
                                " WHERE t.id = ?", (row["ticket_id"],)).fetchone()
            if team is None:
                raise RuleViolation(_("Ticket #{id} has no technician, so no team to own an improvement item").format(
                    id=row["ticket_id"]))
            item_id = self.items.open_item(
                tx, ticket_id=row["ticket_id"], team_id=team[0], source="complaint", source_id=complaint_id,
                opened_at=self.ctx.now())
            tx.execute("UPDATE complaints SET item_id = ?, version = version + 1 WHERE id = ?", (item_id, complaint_id))
            tx.event("complaint.open_item", "complaint", complaint_id, row["ticket_id"], {"item_id": None},
                        {"item_id": item_id})
        return self.complaint(complaint_id)


def _complaint_words(action: str, new: dict[str, Any]) -> str:
    def one(key: str) -> str:
        return clean(str(new.get(key) or ""), single_line=True)

    return {
        "complaint.add": lambda: _("registered: {who}: {matter}").format(who=one("complainant"), matter=one("matter")),
        "complaint.accept": lambda: _("accepted"),
        "complaint.investigate": lambda: _("investigated; findings: {text}").format(text=one("findings")),
        "complaint.handle": lambda: _("handled; plan: {text} (complainant informed)").format(text=one("plan")),
        "complaint.follow_up": lambda: _("follow-up callback: {text}").format(text=one("follow_up")),
        "complaint.close": lambda: _("closed; analysis: {text}").format(text=one("analysis")),
        "complaint.open_item": lambda: _("opened improvement item #{id}").format(id=new.get("item_id")),
    }.get(action, lambda: action)()
