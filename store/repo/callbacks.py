"""The daily callback plan and the phone callbacks (docs/rules.md §5; rules in
store/rules/sampling.py and store/rules/evaluations.py). Managers plan a day; the
dispatchers and managers it names call the reporters and log the answers."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from typing import Any

import pendulum

from ..context import Context
from ..database import Database, Tx
from ..errors import NotFound, PermissionDenied, RuleViolation
from ..i18n import _
from ..models import validate
from ..permissions import _one
from ..rules import sampling
from ..rules.evaluations import (
    SCORE_KEYS,
    SETTINGS,
    AttemptInput,
    Callback,
    CallbackLog,
    CarryInput,
    DayPlan,
    carry_refusal,
    day_start_utc,
    open_state,
    rating_label,
    role_label,
    today_in,
)
from ..timeutil import from_db, to_db
from .items import ItemsRepo
from .settings import SettingsRepo

CALLBACK_SELECT = """
SELECT c.*, COALESCE(u.name, c.evaluator) AS evaluator_name, COALESCE(tech.name, '?') AS technician_name,
  COALESCE(teams.name, '?') AS team_name, s.name AS site_name, t.reporter, t.phone,
  substr(t.description, 1, 300) AS description
FROM callbacks c
JOIN tickets t ON t.id = c.ticket_id
JOIN sites s ON s.id = t.site_id
LEFT JOIN users u ON u.login = c.evaluator
LEFT JOIN technicians tech ON tech.id = c.technician_id
LEFT JOIN teams ON teams.id = c.team_id
"""


def _day(value: date | str | None) -> pendulum.Date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise RuleViolation(_("A day is written YYYY-MM-DD, e.g. 2026-11-24, not {d}").format(d=value)) from None
    return pendulum.Date(value.year, value.month, value.day)


def _bool(v: Any) -> bool | None:
    return None if v is None else bool(v)


class CallbacksRepo:
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo, items: ItemsRepo):
        self.db, self.ctx, self.settings, self.items = db, ctx, settings, items

    # ------------------------------------------------------------ settings
    def loop_setting(self, key: str) -> Any:
        return self.settings.setting(key, SETTINGS[key])

    def points(self, rating: str) -> int:
        """The points of an answer now (settings score_satisfied, _basic, _unsatisfied)."""
        return int(self.loop_setting(SCORE_KEYS[rating]))

    def today(self) -> pendulum.Date:
        """Today in the site's time zone."""
        return today_in(self.ctx.now(), self.settings.timezone)

    # ---------------------------------------------------------------- plan
    def plan_callbacks(self, day: date | str | None = None, save: bool = True) -> DayPlan:
        """Plan the calls of ``day`` (default today, site zone): the tickets
        closed the day before. ``save=False`` previews without writing. A day
        may be planned again until its first callback is logged."""
        call_day = _day(day) or self.today()
        if call_day > self.today():
            raise RuleViolation(_("{day} has not come yet: its callbacks are planned on the day, once the tickets of"
                                  " the day before have all closed").format(day=call_day.isoformat()))
        closed_day = call_day.subtract(days=1)
        if not save:
            self._check_replannable(closed_day)
            return self._plan_view(call_day, self._compute_plan(closed_day), saved=False)
        with self.db.write("callback.plan") as tx:
            old = tx.execute("SELECT * FROM callback_plans WHERE closed_day = ?", (closed_day.isoformat(),)).fetchone()
            self._check_replannable(closed_day)
            plan = self._compute_plan(closed_day)
            old_calls: dict[str, list[int]] = {}
            replaced: dict[str, Any] = {}
            if old is not None:
                # The plan and callbacks that go, whole: the audit check replays them (store/rules/ledger.py).
                gone = [dict(r) for r in tx.execute("SELECT * FROM callbacks WHERE plan_id = ? ORDER BY id", (old["id"],))]
                for r in sorted(gone, key=lambda r: r["ticket_id"]):
                    old_calls.setdefault(r["evaluator"], []).append(r["ticket_id"])
                replaced = {"by_evaluator": old_calls, "plan": dict(old), "calls": gone}
                tx.execute("DELETE FROM callbacks WHERE plan_id = ?", (old["id"],))
                tx.execute("DELETE FROM callback_plans WHERE id = ?", (old["id"],))
            now = self.ctx.now()
            share = float(self.loop_setting("callback_manager_share"))
            cur = tx.execute(
                "INSERT INTO callback_plans (closed_day, call_day, planned_by, planned_at, tickets, manager_share)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (closed_day.isoformat(), call_day.isoformat(), self.ctx.actor, to_db(now), len(plan.assignments), share))
            plan_id = int(cur.lastrowid or 0)
            facts = self._closed_facts(closed_day)
            managers = set(plan.manager_tickets)
            tx.executemany(
                "INSERT INTO callbacks (plan_id, ticket_id, role, evaluator, technician_id, team_id, closed_at,"
                " closed_day, due_day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(plan_id, tid, "manager" if tid in managers else "dispatcher", login, facts[tid][0], facts[tid][1],
                  facts[tid][2], closed_day.isoformat(), call_day.isoformat()) for tid, login in plan.assignments.items()])
            calls = [dict(r) for r in tx.execute(
                "SELECT id, ticket_id, role, evaluator, technician_id, team_id, closed_at FROM callbacks"
                " WHERE plan_id = ? ORDER BY id", (plan_id,))]
            tx.event("callback.plan", "callback_plan", plan_id, None, replaced, {
                "closed_day": closed_day.isoformat(), "call_day": call_day.isoformat(),
                "tickets": len(plan.assignments), "manager_tickets": list(plan.manager_tickets),
                "by_evaluator": {k: list(v) for k, v in plan.by_evaluator.items() if v},
                "manager_share": share, "calls": calls}, at=now)
        return self._plan_view(call_day, plan, saved=True, replanned=old is not None, planned_by=self.ctx.actor,
                               planned_at=now)

    def _closed_facts(self, closed_day: pendulum.Date) -> dict[int, tuple[int, int, str]]:
        """ticket -> (technician, team, closed_at) of the tickets closed on that day."""
        tz = self.settings.timezone
        rows = self.db.q(
            "SELECT t.id, t.technician_id, tech.team_id, t.closed_at FROM tickets t"
            " JOIN technicians tech ON tech.id = t.technician_id"
            " WHERE t.closed_at >= ? AND t.closed_at < ? AND t.status = 'closed'",
            (to_db(day_start_utc(closed_day, tz)), to_db(day_start_utc(closed_day.add(days=1), tz))))
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def _compute_plan(self, closed_day: pendulum.Date) -> sampling.Plan:
        facts = self._closed_facts(closed_day)
        tickets = [sampling.ClosedTicket(tid, tech, from_db(at)) for tid, (tech, _team, at) in facts.items()]
        people = self.db.q("SELECT login, role FROM users WHERE disabled = 0 AND role IN ('dispatcher', 'manager')")
        share = Decimal(str(self.loop_setting("callback_manager_share")))
        return sampling.plan_day(tickets, [r[0] for r in people if r[1] == "dispatcher"],
                                 [r[0] for r in people if r[1] == "manager"], closed_day, share)

    def _check_replannable(self, closed_day: pendulum.Date) -> None:
        first = self.db.q(
            "SELECT c.logged_by, c.logged_at, c.ticket_id, c.attempts, c.carry_reason FROM callbacks c"
            " JOIN callback_plans p ON p.id = c.plan_id WHERE p.closed_day = ?"
            " AND (c.status != 'open' OR c.attempts > 0 OR c.carry_reason IS NOT NULL) LIMIT 1",
            (closed_day.isoformat(),))
        if first:
            raise RuleViolation(_(
                "The callbacks of {day} are under way (ticket #{id} already logged): the plan can no longer change;"
                " carry over what cannot be called today").format(day=closed_day.add(days=1).isoformat(),
                                                                   id=first[0]["ticket_id"]))

    def _plan_view(self, call_day: pendulum.Date, plan: sampling.Plan, **kw: Any) -> DayPlan:
        people = self.db.q("SELECT login, name, role FROM users")
        techs = {r[0]: r[1] for r in self.db.q("SELECT id, name FROM technicians")}
        return DayPlan(call_day=call_day, plan=plan, names={r[0]: r[1] for r in people}, technicians=techs,
                       roles={r[0]: r[2] for r in people}, **kw)

    def saved_plan(self, day: date | str | None = None) -> dict[str, Any] | None:
        """Who planned ``day``'s calls and when, or None if not planned yet."""
        call_day = _day(day) or self.today()
        rows = self.db.q("SELECT * FROM callback_plans WHERE call_day = ?", (call_day.isoformat(),))
        return dict(rows[0]) if rows else None

    # --------------------------------------------------------------- reads
    def _callback(self, r: sqlite3.Row, today: pendulum.Date) -> Callback:
        d = dict(r)
        due = date.fromisoformat(d["due_day"])
        state = d["status"] if d["status"] != "open" else open_state(due, d["carry_reason"] is not None, today)
        return Callback(
            id=d["id"], ticket_id=d["ticket_id"], role=d["role"], evaluator=d["evaluator"],
            evaluator_name=d["evaluator_name"], closed_day=date.fromisoformat(d["closed_day"]), due_day=due,
            closed_at=from_db(d["closed_at"]), technician_id=d["technician_id"], technician_name=d["technician_name"],
            team_id=d["team_id"], team_name=d["team_name"], site_name=d["site_name"], reporter=d["reporter"],
            phone=d["phone"] or "", description=d["description"], status=d["status"], state=state,
            attempts=d["attempts"], carry_reason=d["carry_reason"], rating=d["rating"], score=d["score"],
            contacted_within_hour=_bool(d["contacted_within_hour"]), polite=_bool(d["polite"]),
            impolite_note=d["impolite_note"], working=_bool(d["working"]), notes=d["notes"],
            logged_by=d["logged_by"], logged_at=from_db(d["logged_at"]), item_id=d["item_id"])

    def callback(self, callback_id: int) -> Callback:
        rows = self.db.q(CALLBACK_SELECT + " WHERE c.id = ?", (callback_id,))
        if not rows:
            raise NotFound(_("No callback {id}").format(id=callback_id))
        return self._callback(rows[0], self.today())

    def find(self, day: date | str | None = None, evaluator: str | None = None,
                  status: str | None = None) -> list[Callback]:
        """Callbacks of a call ``day`` (any day if None), of one evaluator,
        in one status ("open", "done", "unreachable"), by ticket."""
        where, params = [], []
        if (d := _day(day)) is not None:
            where.append("c.due_day = ?")
            params.append(d.isoformat())
        if evaluator:
            where.append("c.evaluator = ?")
            params.append(evaluator)
        if status:
            where.append("c.status = ?")
            params.append(status)
        sql = CALLBACK_SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY c.due_day, c.ticket_id"
        today = self.today()
        return [self._callback(r, today) for r in self.db.q(sql, params)]

    def my_callbacks(self, login: str | None = None) -> list[Callback]:
        """The open callbacks of ``login`` (default: the actor) due by today, overdue first."""
        today = self.today()
        rows = self.db.q(CALLBACK_SELECT + " WHERE c.evaluator = ? AND c.status = 'open' AND c.due_day <= ?",
                       (login or self.ctx.actor, today.isoformat()))
        calls = [self._callback(r, today) for r in rows]
        return sorted(calls, key=lambda c: (not c.overdue, c.due_day, c.ticket_id))

    def team_foreman_name(self, team_id: int) -> str:
        """Who an improvement item of this team goes to: its foreman user, else the team's foreman technician."""
        rows = self.db.q("SELECT name FROM users WHERE role = 'foreman' AND team_id = ? AND disabled = 0"
                       " ORDER BY login LIMIT 1", (team_id,))
        if not rows:
            rows = self.db.q("SELECT tech.name FROM teams JOIN technicians tech ON tech.id = teams.foreman_id"
                           " WHERE teams.id = ?", (team_id,))
        return rows[0][0] if rows else _("the team's foreman (none set up)")

    # -------------------------------------------------------------- writes
    def _open_call(self, tx: Tx, callback_id: int) -> dict[str, Any]:
        """The callback, if still open and in the actor's lane (a dispatcher
        logs the dispatchers' calls, a manager the managers')."""
        row = tx.execute("SELECT * FROM callbacks WHERE id = ?", (callback_id,)).fetchone()
        if row is None:
            raise NotFound(_("No callback {id}").format(id=callback_id))
        me = tx.execute("SELECT role FROM users WHERE login = ?", (self.ctx.actor,)).fetchone()
        if me is not None and me[0] != row["role"]:
            raise PermissionDenied(_(
                "Ticket #{id}'s callback is a {lane}'s call (planned for {who}); {login} is a {role} and logs the"
                " {role}s' calls").format(id=row["ticket_id"], lane=role_label(row["role"]), who=_one(row["evaluator"]),
                                          login=_one(self.ctx.actor), role=role_label(me[0])))
        if row["status"] != "open":
            raise RuleViolation(_("Ticket #{id}'s callback is already closed ({what}, by {who})").format(
                id=row["ticket_id"], what=rating_label(row["rating"]) if row["status"] == "done" else _("unreachable"),
                who=_one(row["logged_by"] or "?")))
        return dict(row)

    def _ticket_of(self, callback_id: int) -> int | None:
        rows = self.db.q("SELECT ticket_id FROM callbacks WHERE id = ?", (callback_id,))
        return rows[0][0] if rows else None

    def log_callback(self, callback_id: int, *, rating: str, answers: dict[str, Any] | Any,
                     notes: str = "") -> Callback:
        """Record the call's answers and overall rating. An unsatisfied answer
        opens an improvement item for the team's foreman, in the same write."""
        if hasattr(answers, "model_dump"):
            answers = answers.model_dump()
        inp: CallbackLog = validate(CallbackLog, {"rating": rating, "answers": answers, "notes": notes})
        with self.db.write("callback.log", ticket_id=self._ticket_of(callback_id)) as tx:
            row = self._open_call(tx, callback_id)
            now = self.ctx.now()
            a = inp.answers
            tx.execute(
                "UPDATE callbacks SET status = 'done', rating = ?, score = ?, contacted_within_hour = ?, polite = ?,"
                " impolite_note = ?, working = ?, notes = ?, logged_by = ?, logged_at = ? WHERE id = ?",
                (inp.rating, self.points(inp.rating), int(a.contacted_within_hour), int(a.polite), a.impolite_note,
                 int(a.working), inp.notes, self.ctx.actor, to_db(now), callback_id))
            item = None
            if inp.rating == "unsatisfied":
                item = self.items.open_item(tx,
                                       ticket_id=row["ticket_id"], team_id=row["team_id"], source="callback",
                                       source_id=callback_id, opened_at=now)
                tx.execute("UPDATE callbacks SET item_id = ? WHERE id = ?", (item, callback_id))
            # ``row``: the columns the timeline does not show, before and after (store/rules/ledger.py).
            kept = ("rating", "score", "contacted_within_hour", "polite", "impolite_note", "working", "notes",
                    "logged_by", "logged_at", "item_id")
            tx.event("callback.log", "callback", callback_id, row["ticket_id"],
                        {"status": "open", "row": {k: row[k] for k in kept}}, {
                "status": "done", "rating": inp.rating, "score": self.points(inp.rating), **a.model_dump(),
                "notes": inp.notes, "row": {"logged_by": self.ctx.actor, "logged_at": to_db(now), "item_id": item}}, at=now)
        return self.callback(callback_id)

    def log_unreachable(self, callback_id: int, note: str = "") -> Callback:
        """One "could not reach" attempt; the last allowed one (setting
        callback_attempts) closes the callback as unreachable."""
        inp: AttemptInput = validate(AttemptInput, {"note": note})
        with self.db.write("callback.attempt", ticket_id=self._ticket_of(callback_id)) as tx:
            row = self._open_call(tx, callback_id)
            now = self.ctx.now()
            attempts = row["attempts"] + 1
            done = attempts >= int(self.loop_setting("callback_attempts"))
            local = now.in_timezone(self.settings.timezone).format("MM-DD HH:mm")
            line = _("{at} could not reach ({n})").format(at=local, n=attempts) + (f": {inp.note}" if inp.note else "")
            notes = (row["notes"] + "\n" if row["notes"] else "") + line
            tx.execute("UPDATE callbacks SET attempts = ?, notes = ?, status = ?, logged_by = ?, logged_at = ?"
                         " WHERE id = ?", (attempts, notes, "unreachable" if done else "open",
                                           self.ctx.actor if done else None, to_db(now) if done else None, callback_id))
            tx.event("callback.attempt", "callback", callback_id, row["ticket_id"],
                        {"attempts": row["attempts"], "status": "open",
                         "row": {"notes": row["notes"], "logged_by": row["logged_by"], "logged_at": row["logged_at"]}},
                        {"attempts": attempts, "status": "unreachable" if done else "open", "note": inp.note,
                         "row": {"notes": notes, "logged_by": self.ctx.actor if done else None,
                                 "logged_at": to_db(now) if done else None}}, at=now)
        return self.callback(callback_id)

    def carry_over(self, callback_id: int, reason: str) -> Callback:
        """Allow one more day, with a reason; after it the callback is overdue."""
        inp: CarryInput = validate(CarryInput, {"reason": reason})
        with self.db.write("callback.carry", ticket_id=self._ticket_of(callback_id)) as tx:
            row = self._open_call(tx, callback_id)
            due = pendulum.Date.fromisoformat(row["due_day"])
            why = carry_refusal(row["ticket_id"], row["carry_reason"], due, self.today())
            if why:
                raise RuleViolation(why)
            # Due the next day everywhere: the lists, the counts and --day all read due_day.
            until = due.add(days=1).isoformat()
            tx.execute("UPDATE callbacks SET carry_reason = ?, due_day = ? WHERE id = ?",
                         (inp.reason, until, callback_id))
            tx.event("callback.carry", "callback", callback_id, row["ticket_id"],
                        {"carry_reason": None, "due_day": row["due_day"]},
                        {"carry_reason": inp.reason, "due_day": until, "until": until})
        return self.callback(callback_id)
