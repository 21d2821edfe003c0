"""Foremen's self-evaluations and the monthly scores (docs/rules.md §5; the
formula and the ranking are store/rules/scoring.py's). A ticket counts in the month
it closed once both its evaluations are in: the foreman's, and the phone
callback logged or closed as unreachable."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

import pendulum
from pendulum import DateTime

from ..context import Context
from ..database import Database
from ..errors import NotFound, PermissionDenied, RuleViolation
from ..i18n import _
from ..models import Out, validate
from ..rules import scoring
from ..rules.evaluations import SELF_EVAL_DAYS, PendingSelfEval, SelfEvalInput, SelfEvaluation, day_start_utc, month_bounds
from ..timeutil import from_db, to_db
from .audit_tables import rows_loaded
from .callbacks import CallbacksRepo
from .settings import SettingsRepo


class ScoreRow(Out):
    key: int  # technician or team id
    name: str
    team_name: str = ""  # a technician's team
    total: int
    count: int
    mean: Any  # Decimal
    bonus_count: Any  # 0.15 × count, Decimal
    score: Any  # Decimal
    satisfied_share: float
    last_evaluated_at: DateTime
    rank: int
    star: bool = False
    winner: bool = False
    bonus: Any = 0  # 0.5 for the star, on record only


class MonthScores(Out):
    month: str
    technicians: list[ScoreRow]
    teams: list[ScoreRow]
    evaluated: int  # tickets counted
    waiting: int  # tickets closed in the month whose evaluations are not complete yet

    @property
    def star(self) -> ScoreRow | None:
        return self.technicians[0] if self.technicians else None

    @property
    def winner(self) -> ScoreRow | None:
        return self.teams[0] if self.teams else None


class DailyScore(Out):
    technician_id: int
    name: str
    day: date
    total: int
    count: int


def _row(r: scoring.Row, name: str, team_name: str = "") -> ScoreRow:
    at = pendulum.instance(r.last_evaluated_at).in_timezone("UTC")
    return ScoreRow(key=r.key, name=name, team_name=team_name, total=r.total, count=r.count, mean=r.mean,
                    bonus_count=r.bonus_count, score=r.score, satisfied_share=float(r.satisfied_share),
                    last_evaluated_at=at, rank=r.rank, star=r.star, winner=r.winner, bonus=r.bonus)


class ScoresRepo:
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo, callbacks: CallbacksRepo):
        self.db, self.ctx, self.settings, self.callbacks = db, ctx, settings, callbacks

    # ---------------------------------------------------- self-evaluations
    def due_callbacks_count(self, login: str | None = None) -> int:
        """What ``login`` has to do today: open callbacks due by today, and for
        a foreman the team's closed tickets waiting for a self-evaluation."""
        login = login or self.ctx.actor
        n = self.db.q("SELECT COUNT(*) FROM callbacks WHERE evaluator = ? AND status = 'open' AND due_day <= ?",
                    (login, self.callbacks.today().isoformat()))[0][0]
        return int(n) + len(self.pending_self_evaluations(login))

    def self_evaluate(self, ticket_id: int, *, record_complete: bool, measures_right: bool, efficiency: bool,
                      rating: str, comment: str = "", suggestion: str = "") -> SelfEvaluation:
        """The foreman's evaluation of a closed ticket of the own team (no call).
        An unsatisfied one carries a corrective suggestion and opens no item."""
        inp: SelfEvalInput = validate(SelfEvalInput, {
            "record_complete": record_complete, "measures_right": measures_right, "efficiency": efficiency,
            "rating": rating, "comment": comment, "suggestion": suggestion})
        with self.db.write("evaluation.self", ticket_id=ticket_id) as tx:
            t = tx.execute("SELECT t.status, t.closed_at, t.technician_id, tech.team_id FROM tickets t"
                             " LEFT JOIN technicians tech ON tech.id = t.technician_id WHERE t.id = ?",
                             (ticket_id,)).fetchone()
            if t is None:
                raise NotFound(_("No ticket #{id}").format(id=ticket_id))
            if t["status"] != "closed" or t["technician_id"] is None:
                raise RuleViolation(_("Ticket #{id} is not closed: only closed tickets are evaluated").format(id=ticket_id))
            me = tx.execute("SELECT role FROM users WHERE login = ?", (self.ctx.actor,)).fetchone()
            if me is not None and me[0] != "foreman":
                raise PermissionDenied(_("Self-evaluation is the team foreman's; ask the foreman of ticket #{id}'s"
                                         " team").format(id=ticket_id))
            if tx.execute("SELECT 1 FROM self_evaluations WHERE ticket_id = ?", (ticket_id,)).fetchone():
                raise RuleViolation(_("Ticket #{id} has its self-evaluation already: one per ticket").format(id=ticket_id))
            now = self.ctx.now()
            closed = from_db(t["closed_at"])
            assert closed is not None
            local = closed.in_timezone(self.settings.timezone)
            points = self.callbacks.points(inp.rating)
            values = {
                "ticket_id": ticket_id, "foreman": self.ctx.actor, "technician_id": t["technician_id"],
                "team_id": t["team_id"], "closed_at": t["closed_at"], "closed_day": local.date().isoformat(),
                "record_complete": int(inp.record_complete), "measures_right": int(inp.measures_right),
                "efficiency": int(inp.efficiency), "rating": inp.rating, "score": points, "comment": inp.comment,
                "suggestion": inp.suggestion, "at": to_db(now)}
            cur = tx.execute(f"INSERT INTO self_evaluations ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                               list(values.values()))
            tx.event("evaluation.self", "self_evaluation", int(cur.lastrowid or 0), ticket_id, {},
                        {**{k: v for k, v in values.items() if k not in ("ticket_id", "closed_at", "at")},
                         "row": {"closed_at": t["closed_at"]}}, at=now)
        return self.self_evaluation(ticket_id)  # type: ignore[return-value]

    def self_evaluation(self, ticket_id: int) -> SelfEvaluation | None:
        rows = self.db.q("SELECT * FROM self_evaluations WHERE ticket_id = ?", (ticket_id,))
        if not rows:
            return None
        d = dict(rows[0])
        return SelfEvaluation(**{k: d[k] for k in SelfEvaluation.model_fields if k != "at"}, at=from_db(d["at"]))

    def pending_self_evaluations(self, login: str | None = None) -> list[PendingSelfEval]:
        """The closed tickets of a foreman's team (recent days) still without a self-evaluation."""
        rows = self.db.q("SELECT role, team_id FROM users WHERE login = ? AND disabled = 0", (login or self.ctx.actor,))
        if not rows or rows[0][0] != "foreman" or rows[0][1] is None:
            return []
        since = day_start_utc(self.callbacks.today().subtract(
            days=SELF_EVAL_DAYS), self.settings.timezone)
        found = self.db.q(
            "SELECT t.id, t.closed_at, tech.name AS tech, t.technician_id, s.name AS site, substr(t.description, 1, 200) AS d"
            " FROM tickets t JOIN technicians tech ON tech.id = t.technician_id JOIN sites s ON s.id = t.site_id"
            " WHERE t.closed_at >= ? AND t.status = 'closed' AND tech.team_id = ?"
            " AND NOT EXISTS (SELECT 1 FROM self_evaluations e WHERE e.ticket_id = t.id) ORDER BY t.closed_at, t.id",
            (to_db(since), rows[0][1]))
        return [PendingSelfEval(ticket_id=r[0], closed_at=from_db(r[1]), technician_name=r[2], technician_id=r[3],
                                site_name=r[4], description=r[5]) for r in found]

    # -------------------------------------------------------------- scores
    def _evaluated(self, month: str, technician_id: int | None = None) -> tuple[list[tuple[scoring.Evaluated, str]], int]:
        """The month's tickets with complete evaluations, each with its closing
        day (site zone, as stored when planned), and how many still wait."""
        first, nxt = month_bounds(month, self.settings.timezone)
        params: list[Any] = [first.isoformat(), nxt.isoformat()]
        extra = ""
        if technician_id is not None:
            extra, params = " AND c.technician_id = ?", [*params, technician_id]
        rows = self.db.q(
            "SELECT c.ticket_id, c.technician_id, c.team_id, c.closed_at, c.status, c.rating, c.score, c.logged_at,"
            " e.rating AS e_rating, e.score AS e_score, e.at AS e_at, c.closed_day"
            " FROM callbacks c LEFT JOIN self_evaluations e ON e.ticket_id = c.ticket_id"
            " WHERE c.closed_day >= ? AND c.closed_day < ?" + extra, params)
        out, waiting = [], 0
        # The standard library's parser (C) instead of pendulum's: a month at scale is
        # ~150,000 times; only the ranking's few rows are turned into pendulum times.
        parse = datetime.fromisoformat
        for r in rows:
            if r[8] is None or r[4] == "open":
                waiting += 1
                continue
            reached = r[4] == "done"
            scores = (r[9], r[6]) if reached else (r[9],)
            satisfied = (r[8] == "satisfied") + (reached and r[5] == "satisfied")
            last = max(r[10], r[7] or r[10])  # fixed-width UTC text: text order is time order
            out.append((scoring.Evaluated(r[0], r[1], r[2], parse(r[3]), scores, satisfied,  # type: ignore[arg-type]
                                          2 if reached else 1, parse(last)), r[11]))  # type: ignore[arg-type]
        return out, waiting

    def month_scores(self, month: str) -> MonthScores:
        """The month's ranking (``month`` "YYYY-MM", closing month in the site zone)."""
        tickets, waiting = self._evaluated(month)
        ranking = scoring.monthly(t for t, _day in tickets)
        techs = {r[0]: (r[1], r[2]) for r in self.db.q(
            "SELECT tech.id, tech.name, teams.name FROM technicians tech JOIN teams ON teams.id = tech.team_id")}
        teams = {r[0]: r[1] for r in self.db.q("SELECT id, name FROM teams")}
        return MonthScores(
            month=month, evaluated=len(tickets), waiting=waiting,
            technicians=[_row(r, *techs.get(r.key, ("?", ""))) for r in ranking.technicians],
            teams=[_row(r, teams.get(r.key, "?")) for r in ranking.teams])

    def daily_scores(self, month: str, technician_id: int | None = None) -> list[DailyScore]:
        """Points per technician per closing day of the month (site zone)."""
        # scoring.daily's sums, over the closing day stored in the site's zone
        # when planned: no time-zone conversion per ticket (seconds at scale).
        tickets, _waiting = self._evaluated(month, technician_id)
        totals: Counter[tuple[int, str]] = Counter()
        counts: Counter[tuple[int, str]] = Counter()
        for t, day in tickets:
            totals[(t.technician_id, day)] += t.total
            counts[(t.technician_id, day)] += 1
        names = {r[0]: r[1] for r in self.db.q("SELECT id, name FROM technicians")}
        return [DailyScore(technician_id=tech, name=names.get(tech, "?"), day=date.fromisoformat(day),
                           total=totals[(tech, day)], count=counts[(tech, day)]) for tech, day in sorted(totals)]

    @staticmethod
    def previous_month(month: str, step: int = -1) -> str:
        first, _next = month_bounds(month, "UTC")
        return first.add(months=step).format("YYYY-MM")

    def this_month(self) -> str:
        return self.callbacks.today().format("YYYY-MM")

    # ----------------------------------------------------------- bulk load
    def load_evaluations(self, month: str, *, seed: int = 7, foreman: str = "bulk") -> int:
        """Plans, callbacks and self-evaluations for every closed ticket of a
        month at once (benchmarks; managers only, one write, one event).
        Ratings come from ``seed``: 70 % satisfied, 20 % basic, 10 % unsatisfied."""
        import random

        rng = random.Random(seed)
        first, nxt = month_bounds(month, self.settings.timezone)
        tz = self.settings.timezone
        ratings = ["satisfied"] * 7 + ["basic"] * 2 + ["unsatisfied"]
        with self.db.write("demo.evaluations") as tx:
            before = {t: tx.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}").fetchone()[0]
                      for t in ("callback_plans", "callbacks", "self_evaluations")}
            rows = tx.execute(
                "SELECT t.id, t.technician_id, tech.team_id, t.closed_at FROM tickets t"
                " JOIN technicians tech ON tech.id = t.technician_id WHERE t.closed_at >= ? AND t.closed_at < ?"
                " AND t.status = 'closed' AND t.id NOT IN (SELECT ticket_id FROM callbacks)",
                (to_db(day_start_utc(first, tz)), to_db(day_start_utc(nxt, tz)))).fetchall()
            plans: dict[str, int] = {}
            calls, evals = [], []
            for tid, tech, team, closed in rows:
                day = from_db(closed).in_timezone(tz).date().isoformat()
                if day not in plans:
                    call = pendulum.Date.fromisoformat(day).add(days=1).isoformat()
                    cur = tx.execute("INSERT OR IGNORE INTO callback_plans (closed_day, call_day, planned_by,"
                                       " planned_at, tickets, manager_share) VALUES (?, ?, ?, ?, 0, 0.1)",
                                       (day, call, self.ctx.actor, closed))
                    plans[day] = int(cur.lastrowid or tx.execute(
                        "SELECT id FROM callback_plans WHERE closed_day = ?", (day,)).fetchone()[0])
                rating, mine = rng.choice(ratings), rng.choice(ratings)
                at = closed[:10] + "T23:00:00Z"
                calls.append((plans[day], tid, "dispatcher", self.ctx.actor, tech, team, closed, day,
                              pendulum.Date.fromisoformat(day).add(days=1).isoformat(), "done", rating,
                              self.callbacks.points(rating), self.ctx.actor, at))
                evals.append((tid, foreman, tech, team, closed, day, mine, self.callbacks.points(mine), at))
            tx.executemany(
                "INSERT INTO callbacks (plan_id, ticket_id, role, evaluator, technician_id, team_id, closed_at,"
                " closed_day, due_day, status, rating, score, logged_by, logged_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", calls)
            tx.executemany(
                "INSERT OR IGNORE INTO self_evaluations (ticket_id, foreman, technician_id, team_id, closed_at,"
                " closed_day, record_complete, measures_right, efficiency, rating, score, at)"
                " VALUES (?, ?, ?, ?, ?, ?, 1, 1, 1, ?, ?, ?)", evals)
            # The rows as loaded, for the audit check (store/rules/ledger.py): one event, no event per row.
            new_ids = {t: [r[0] for r in tx.execute(f"SELECT id FROM {t} WHERE id > ?", (before[t],))]
                       for t in before}
            loaded = rows_loaded(tx, new_ids)
            tx.event("demo.evaluations", "database", None, None, {},
                        {"month": month, "tickets": len(calls), "seed": seed, "rows_loaded": loaded})
        return len(calls)
