"""Tickets and their lifecycle: every change is optimistic (versions) and audited."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from pendulum import DateTime

from ..context import Context
from ..database import Database, Tx
from ..errors import MoveRefused, NotFound, StaleTicket, ValidationFailed
from ..i18n import _
from ..inputs import (
    ArriveInput,
    AssignInput,
    CancelInput,
    CloseInput,
    HoldInput,
    NewTicket,
    ResolveInput,
    RespondInput,
)
from ..models import Event, Ticket, validate
from ..rows import (
    TICKET_SELECT,
    _event_model,
    _ticket,
)
from ..rules import lifecycle as rules
from ..rules import merge as merge_rules
from ..rules.derive import DERIVED, derive, ticket_clocks
from ..rules.sla import ClockStatus, Pause
from ..text import clean
from ..timeutil import from_db, to_db
from .fee_work import fee_columns
from .outbox import queue_assignment
from .pauses import pauses
from .settings import SettingsRepo
from .ticket_edit import EDITABLE, Edited, TicketEdit
from .ticket_steps import changes_since, later_events, stated_time

NOTE_MAX = 2000  # a work note's characters
# The transition table's name (store/rules/lifecycle.py ``refusal``) of each step's audit action.
STEP_OF = {"ticket.respond": "respond", "ticket.assign": "assign", "ticket.reassign": "assign",
           "ticket.arrive": "arrive", "ticket.pause": "hold", "ticket.resume": "resume",
           "ticket.resolve": "resolve", "ticket.close": "close", "ticket.cancel": "cancel"}


class TicketsRepo:
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo):
        self.db, self.ctx, self.settings = db, ctx, settings

    # ------------------------------------------------------------- tickets
    def ticket(self, ticket_id: int) -> Ticket:
        return _ticket(self._ticket_row(ticket_id))

    def _ticket_row(self, ticket_id: int) -> sqlite3.Row:
        """The ticket's row as read now. Inside a write, the write reads it
        (what its own transaction left) and turns it into a Ticket after
        COMMIT: the lock is held only for the SQL (store/turns.py)."""
        rows = self.db.q(TICKET_SELECT + " WHERE t.id = ?", (ticket_id,))
        if not rows:
            raise NotFound(_("No ticket #{id}").format(id=ticket_id))
        return rows[0]

    def pauses(self, ticket_id: int) -> list[Pause]:
        return pauses(self.db, ticket_id)

    def clocks(self, ticket_id: int) -> list[ClockStatus]:
        row = self.db.q("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        if not row:
            raise NotFound(_("No ticket #{id}").format(id=ticket_id))
        return ticket_clocks(dict(row[0]), self.pauses(ticket_id), self.settings.policy(), self.settings.calendar())

    def timeline(self, ticket_id: int) -> list[Event]:
        rows = self.db.q("SELECT * FROM events WHERE ticket_id = ? ORDER BY id", (ticket_id,))
        return [_event_model(r) for r in rows]

    def timeline_page(self, ticket_id: int, after_id: int = 0, limit: int = 50) -> list[Event]:
        """The next ``limit`` events after event ``after_id``, in order: a long
        history is read a page at a time (the index on ticket_id holds the id)."""
        rows = self.db.q("SELECT * FROM events WHERE ticket_id = ? AND id > ? ORDER BY id LIMIT ?",
                       (ticket_id, after_id, limit))
        return [_event_model(r) for r in rows]

    def timeline_count(self, ticket_id: int) -> int:
        return int(self.db.value("SELECT COUNT(*) FROM events WHERE ticket_id = ?", (ticket_id,)))

    def events(self, limit: int = 100) -> list[Event]:
        rows = self.db.q("SELECT * FROM events ORDER BY id DESC LIMIT ?", (limit,))
        return [_event_model(r) for r in rows]

    def linked(self, ticket_id: int) -> list[Ticket]:
        """Second-repair links both ways: what this repeats, and what repeats it."""
        rows = self.db.q(
            TICKET_SELECT + " WHERE t.id = (SELECT repeat_of FROM tickets WHERE id = ?)"
            " OR t.repeat_of = ? ORDER BY t.id",
            (ticket_id, ticket_id),
        )
        return [_ticket(r) for r in rows]

    def _repeat_of(self, equipment_id: int, reported: DateTime) -> int | None:
        days = self.settings.setting("repeat_window_days", 30)
        # Only the latest candidate (text order is time order, store/timeutil.py),
        # by the index on (equipment_id, resolved_at): reading every repair of the
        # window and parsing its time cost a new ticket on busy equipment 18 ms
        # with the write lock held (bench/writers.py on a 100k file). The rule
        # (find_repeat) still decides on that one: if the latest fails it, all do.
        earlier = self.db.q(
            "SELECT id, resolved_at FROM tickets WHERE equipment_id = ? AND resolved_at IS NOT NULL "
            "AND resolved_at >= ? AND resolved_at <= ? AND status != 'cancelled' "
            "ORDER BY resolved_at DESC, id DESC LIMIT 1",
            (equipment_id, to_db(reported.subtract(days=days)), to_db(reported)),
        )
        return rules.find_repeat(((r[0], from_db(r[1])) for r in earlier), reported, days)

    def repeat_candidate(self, equipment_id: int) -> Ticket | None:
        """The earlier repair a new fault on this equipment would repeat (二次报修)."""
        found = self._repeat_of(equipment_id, self.ctx.now())
        return self.ticket(found) if found else None

    def create_ticket(self, data: NewTicket | dict[str, Any]) -> Ticket:
        if isinstance(data, dict):
            data = validate(NewTicket, data)
        assert isinstance(data, NewTicket)
        now = self.ctx.now()
        with self.db.write("ticket.create") as tx:
            ticket_id = self.insert_ticket(tx, data, now)
            # Read inside the transaction: after COMMIT another dispatcher may already have changed it.
            created = self._ticket_row(ticket_id)
        return _ticket(created)

    def insert_ticket(self, tx: Tx, data: NewTicket, now: DateTime) -> int:
        """A new ticket and its event inside the caller's write (an inspection's
        repair is made in the same transaction as its link)."""
        reported = (data.reported_at or now).in_timezone("UTC")
        site = tx.execute("SELECT id FROM sites WHERE id = ?", (data.site_id,)).fetchone()
        if site is None:
            raise ValidationFailed.one("site_id", _("no such site"))
        repeat_of = None
        if data.equipment_id is not None:
            eq = tx.execute("SELECT site_id FROM equipment WHERE id = ?", (data.equipment_id,)).fetchone()
            if eq is None:
                raise ValidationFailed.one("equipment_id", _("no such equipment"))
            if eq[0] != data.site_id:
                raise ValidationFailed.one("equipment_id", _("this equipment is at another site"))
            repeat_of = self._repeat_of(data.equipment_id, reported)
        row: dict[str, Any] = {
            "status": "new", "priority": data.priority, "channel": data.channel,
            "reporter": data.reporter, "phone": data.phone, "site_id": data.site_id,
            "equipment_id": data.equipment_id, "category": data.category,
            "description": data.description, "reported_at": to_db(reported),
            "created_by": self.ctx.actor, "repeat_of": repeat_of, "version": 1,
            "updated_at": to_db(now), "updated_by": self.ctx.actor, "is_open": 1,
        }
        cur = tx.execute(
            f"INSERT INTO tickets ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
        row["id"] = cur.lastrowid
        d = derive(row, [], self.settings.policy(), self.settings.calendar())
        tx.execute(
            "UPDATE tickets SET " + ", ".join(f"{k} = ?" for k in d) + " WHERE id = ?",
            [*d.values(), row["id"]],
        )
        public = {k: v for k, v in row.items() if k not in DERIVED and k not in ("version", "updated_at", "updated_by", "is_open")}
        tx.event("ticket.create", "ticket", row["id"], row["id"], {}, public, now)
        return int(row["id"])

    def _change(
        self, action: str, ticket_id: int, version: int,
        apply: Callable[[Tx, dict[str, Any], DateTime], dict[str, Any]],
        note: dict[str, Any] | None = None,
        after: Callable[[Tx, dict[str, Any], DateTime], None] | None = None,
        merges: bool = False,
    ) -> Ticket:
        """Optimistic concurrency: the write is based on the version the user
        saw. When someone wrote since, a step (assign, hold, …) goes ahead only
        if they changed intake fields alone (an assign after a priority edit);
        if they moved the ticket on, the step is checked against the state now
        and refused with the reason, or with StaleTicket saying who changed it
        and when. ``merges``: ``apply`` merges a stale edit itself (ticket_edit.py)."""
        now = self.ctx.now()
        note = {} if note is None else note
        with self.db.write(action, ticket_id) as tx:
            found = tx.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
            if found is None:
                raise NotFound(_("No ticket #{id}").format(id=ticket_id))
            row = dict(found)
            if row["version"] != version and (not merges or version > row["version"]):
                self._stale_step(tx, action, row, version, note, now)
            changes = apply(tx, row, now)
            if not changes:  # a stale edit that someone else already made: nothing to write
                return _ticket(self._ticket_row(ticket_id))
            merged = {**row, **changes}
            pauses = [
                Pause(from_db(p[0]), from_db(p[1]))
                for p in tx.execute(
                    "SELECT started_at, ended_at FROM pauses WHERE ticket_id = ? ORDER BY started_at", (ticket_id,)
                )
            ]
            derived = derive(merged, pauses, self.settings.policy(), self.settings.calendar())
            old = {k: row[k] for k in changes if row[k] != changes[k]}
            new = {k: changes[k] for k in old}
            # Reasons and notes live in the audit event, not in ticket columns.
            new.update({k: v for k, v in note.items() if v})
            # esc_due '': the escalation scan works this ticket's next level out again (store/repo/escalations.py).
            changes.update(derived, version=row["version"] + 1, updated_at=to_db(now), updated_by=self.ctx.actor,
                           esc_due="")
            tx.execute(
                "UPDATE tickets SET " + ", ".join(f"{k} = ?" for k in changes) + " WHERE id = ? AND version = ?",
                [*changes.values(), ticket_id, row["version"]],
            )
            tx.event(action, "ticket", ticket_id, ticket_id, old, new, now)
            if after is not None:  # what the change sets off in the same write (the technician's message)
                after(tx, {**merged, **changes}, now)
            # The ticket as this write left it, not as it is after COMMIT (someone may be next).
            changed = self._ticket_row(ticket_id)
        return _ticket(changed)

    def stale(self, tx: Tx, row: dict[str, Any], version: int, now: DateTime) -> StaleTicket:
        """Someone changed the ticket since ``version``: who, when, and what, in words."""
        since = changes_since(tx, row["id"], row["version"] - version, self.settings, now)
        return StaleTicket(row["id"], row["updated_by"], from_db(row["updated_at"]), row["version"], since,
                           self.settings.timezone)

    def _stale_step(self, tx: Tx, action: str, row: dict[str, Any], version: int,
                    note: dict[str, Any], now: DateTime) -> None:
        """A step on a stale version: returns if it may go ahead on the row
        now (recording the merge in ``note``), raises otherwise."""
        ticket_id = row["id"]
        step = STEP_OF.get(action)
        later = later_events(tx, ticket_id, row["version"] - version)
        # Not a lifecycle step; a version it never had; or writes with no event (a bulk load): as before.
        if step is None or len(later) != row["version"] - version:
            raise self.stale(tx, row, version, now)
        before = merge_rules.original(row, later)
        changed = merge_rules.changed_fields(later, before, row)
        if not set(changed) - set(EDITABLE):  # intake fields alone (a priority edit): the step is as valid as it was
            note["merged"] = merge_rules.Merged(version, changed, merge_rules.actors(later, changed)).record()
            return
        # The ticket moved on: the transition table decides on its state now.
        why = rules.refusal(step, row["status"], row["technician_id"], row["first_response_at"] is not None)
        if why is not None:
            since = changes_since(tx, ticket_id, row["version"] - version, self.settings, now)
            raise MoveRefused(ticket_id, row["updated_by"], from_db(row["updated_at"]), row["version"], since,
                              self.settings.timezone, why)
        raise self.stale(tx, row, version, now)  # still allowed, but on a state the person did not see: they look again

    def respond(self, ticket_id: int, version: int, at: str | DateTime | None = None, **data: Any) -> Ticket:
        """``at``: when it happened, if phoned in late (here and in arrive, hold, resume, resolve)."""
        inp: RespondInput = validate(RespondInput, data)
        note: dict[str, Any] = {"note": inp.note}

        def apply(tx: Tx, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            rules.check_respond(row["status"], row["first_response_at"])
            when = stated_time(tx, row, at, now, "respond", note, self.settings.timezone)
            return {"first_response_at": to_db(when)}

        return self._change("ticket.respond", ticket_id, version, apply, note)

    def assign(self, ticket_id: int, version: int, **data: Any) -> Ticket:
        inp: AssignInput = validate(AssignInput, data)

        def apply(tx: Tx, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            tech = tx.execute("SELECT on_duty, team_id FROM technicians WHERE id = ?", (inp.technician_id,)).fetchone()
            if tech is None:
                raise ValidationFailed.one("technician_id", _("no such technician"))
            if not tech[0]:  # the console offers only those on duty; a script or a stale picker is refused here
                name = tx.execute("SELECT name FROM technicians WHERE id = ?", (inp.technician_id,)).fetchone()[0]
                raise ValidationFailed.one("technician_id", _("{name} is off duty; assign a technician on duty").format(
                    name=clean(name, single_line=True)))
            # A foreman may hand work only to their own team (store/rules/auth.py).
            self.db.authorize("ticket.reassign" if row["technician_id"] else "ticket.assign", ticket_id, tech[1])
            rules.check_assign(row["status"], row["technician_id"], inp.technician_id, inp.reason)
            out = {
                "technician_id": inp.technician_id,
                "status": rules.status_after_assign(row["status"]),
                "assigned_at": to_db(now),
            }
            if row["status"] == "waiting":
                out["paused_from"] = "assigned"
            return out

        def tell(tx: Tx, row: dict[str, Any], now: DateTime) -> None:
            queue_assignment(tx, row, reassigned=action == "ticket.reassign", tz=self.settings.timezone, now=to_db(now))

        action = "ticket.reassign" if self._tech_of(ticket_id) else "ticket.assign"
        return self._change(action, ticket_id, version, apply, {"reason": inp.reason}, tell)

    def _tech_of(self, ticket_id: int) -> int | None:
        rows = self.db.q("SELECT technician_id FROM tickets WHERE id = ?", (ticket_id,))
        return rows[0][0] if rows else None

    def arrive(self, ticket_id: int, version: int, at: str | DateTime | None = None, **data: Any) -> Ticket:
        inp: ArriveInput = validate(ArriveInput, data)
        note: dict[str, Any] = {}

        def apply(tx: Tx, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            rules.check_arrive(row["status"], row["technician_id"])
            when = stated_time(tx, row, at, now, "arrive", note, self.settings.timezone)
            out = {"status": "onsite", "arrived_at": to_db(when), "arrival_mode": inp.mode}
            if row["first_response_at"] is None:
                out["first_response_at"] = to_db(when)  # reaching the site confirms the fault
            return out

        return self._change("ticket.arrive", ticket_id, version, apply, note)

    def hold(self, ticket_id: int, version: int, at: str | DateTime | None = None, **data: Any) -> Ticket:
        inp: HoldInput = validate(HoldInput, data)
        note: dict[str, Any] = {"note": inp.note}

        def apply(tx: Tx, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            rules.check_hold(row["status"])
            when = stated_time(tx, row, at, now, "hold", note, self.settings.timezone)
            tx.execute(
                "INSERT INTO pauses (ticket_id, reason, note, started_at) VALUES (?, ?, ?, ?)",
                (ticket_id, inp.reason, inp.note, to_db(when)),
            )
            return {"status": "waiting", "paused_from": row["status"], "wait_reason": inp.reason}

        # The hold writes the action "ticket.pause", its name since the first files: old files hold it,
        # their audit hash chain covers it, and history and replay read one vocabulary (docs/rules.md
        # "Hold: the names"). The rows go to the stored table ``pauses`` for the same reason.
        return self._change("ticket.pause", ticket_id, version, apply, note)

    def resume(self, ticket_id: int, version: int, at: str | DateTime | None = None) -> Ticket:
        note: dict[str, Any] = {}

        def apply(tx: Tx, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            rules.check_resume(row["status"])
            when = stated_time(tx, row, at, now, "resume", note, self.settings.timezone)
            tx.execute(
                "UPDATE pauses SET ended_at = ? WHERE ticket_id = ? AND ended_at IS NULL",
                (to_db(when), ticket_id),
            )
            return {"status": row["paused_from"] or "assigned", "wait_reason": None}

        return self._change("ticket.resume", ticket_id, version, apply, note)

    def resolve(self, ticket_id: int, version: int, at: str | DateTime | None = None,
                after: Callable[[Tx, dict[str, Any], DateTime], None] | None = None, **data: Any) -> Ticket:
        """``after``: more of the same write once the ticket is resolved (the
        parts used, store/repo/parts.py ``resolve_using``): refused, nothing is saved."""
        inp: ResolveInput = validate(ResolveInput, data)
        note: dict[str, Any] = {}

        def apply(tx: Tx, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            rules.check_resolve(row["status"])
            when = stated_time(tx, row, at, now, "resolve", note, self.settings.timezone)
            return {
                "status": "resolved", "resolved_at": to_db(when), "symptom": inp.symptom,
                "cause": inp.cause, "action": inp.action, "parts": inp.parts,
            }

        return self._change("ticket.resolve", ticket_id, version, apply, note, after)

    def edit_ticket(self, ticket_id: int, version: int, reason: str = "", **changes: Any) -> Ticket:
        """Correct what was taken down at intake (ticket_edit.py); on a stale
        version, a change to other fields than someone else's is merged."""
        return self.edit(ticket_id, version, changes, reason).ticket

    def edit(self, ticket_id: int, version: int, changes: dict[str, Any], reason: str = "") -> Edited:
        """``edit_ticket``, telling what was merged (None if nothing was)."""
        edit = TicketEdit(ticket_id, version, changes, reason, self._repeat_of, self.stale)
        return Edited(self._change("ticket.edit", ticket_id, version, edit.apply, edit.note, merges=True),
                      edit.merged)

    def close(self, ticket_id: int, version: int, **data: Any) -> Ticket:
        inp: CloseInput = validate(CloseInput, data)

        def apply(tx: Tx, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            rules.check_close(row["status"])
            return {"status": "closed", "closed_at": to_db(now), "signoff": inp.signoff,
                    **fee_columns(tx, ticket_id, self.settings, inp.fee, inp.reason)}

        return self._change("ticket.close", ticket_id, version, apply)

    def cancel(self, ticket_id: int, version: int, **data: Any) -> Ticket:
        inp: CancelInput = validate(CancelInput, data)

        def apply(tx: Tx, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            rules.check_cancel(row["status"], inp.reason)
            tx.execute(
                "UPDATE pauses SET ended_at = ? WHERE ticket_id = ? AND ended_at IS NULL",
                (to_db(now), ticket_id),
            )
            return {"status": "cancelled", "cancelled_at": to_db(now), "cancel_reason": inp.reason}

        return self._change("ticket.cancel", ticket_id, version, apply)

    def add_note(self, ticket_id: int, text: str) -> None:
        """A work note: appended to the ticket's audit events (append-only by
        the database's own triggers), so it shows in the timeline with who and
        when. It changes no ticket field, so it needs no version."""
        text = (text or "").strip()
        if not text:
            raise ValidationFailed.one("text", _("required"))
        if len(text) > NOTE_MAX:
            raise ValidationFailed.one("text", _("at most {n} characters").format(n=NOTE_MAX))
        with self.db.write("ticket.note", ticket_id) as tx:
            if tx.execute("SELECT 1 FROM tickets WHERE id = ?", (ticket_id,)).fetchone() is None:
                raise NotFound(_("No ticket #{id}").format(id=ticket_id))
            # entity 'note', not 'ticket': a conflict message lists ticket changes only.
            tx.event("ticket.note", "note", None, ticket_id, {}, {"note": text})
