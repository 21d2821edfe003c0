"""The month's scores across the centers (docs/rules.md §5): technicians and
teams of every center ranked together, by the same formula and ties as a
center's ``dispatch scores`` (store/rules/scoring.py ``monthly``; the SQL
picks the tickets as store/repo/scores.py ``_evaluated`` does).

Ids are a center's own, so the same technician id names different people
in two centers: each row is keyed by (center, id), given to the rule as one
whole number in (center, id) order, so the last tie-break ("the lower id")
is the center's code, then the id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..rules import scoring
from ..rules.evaluations import month_bounds

_EVALUATED = (
    "SELECT c.center, c.ticket_id, c.technician_id, c.team_id, c.closed_at, c.status, c.rating, c.score, c.logged_at,"
    " e.rating, e.score, e.at FROM callbacks c LEFT JOIN self_evaluations e"
    " ON e.center = c.center AND e.ticket_id = c.ticket_id"
    " WHERE c.closed_day >= %(first)s AND c.closed_day < %(next)s AND (%(center)s::text IS NULL OR c.center = %(center)s)"
    " ORDER BY c.center, c.ticket_id")


@dataclass(frozen=True)
class HqScore:
    center: str
    key: int  # the technician's or team's id in its center
    name: str
    team_name: str
    total: int
    count: int
    mean: Decimal
    bonus_count: Decimal
    score: Decimal
    satisfied_share: Fraction
    rank: int
    star: bool
    winner: bool
    bonus: Decimal


@dataclass(frozen=True)
class HqScores:
    month: str
    technicians: list[HqScore]
    teams: list[HqScore]
    evaluated: int
    waiting: int

    @property
    def star(self) -> HqScore | None:
        return self.technicians[0] if self.technicians else None

    @property
    def winner(self) -> HqScore | None:
        return self.teams[0] if self.teams else None


def company_scores(conn: Any, month: str, center: str | None = None) -> HqScores:
    """``month`` ("YYYY-MM": the closing month, in each center's zone as the
    center stored it) ranked over every center (or ``center`` alone)."""
    first, nxt = month_bounds(month, "UTC")  # closed_day is the center's local day already
    rows = conn.execute(_EVALUATED, {"first": first.isoformat(), "next": nxt.isoformat(), "center": center}).fetchall()
    techs: dict[tuple[str, int], int] = {}
    teams: dict[tuple[str, int], int] = {}
    tickets: list[scoring.Evaluated] = []
    waiting = 0
    parse = datetime.fromisoformat
    for code, _tid, tech, team, closed, status, rating, score, logged, e_rating, e_score, e_at in rows:
        if e_rating is None or status == "open":
            waiting += 1
            continue
        reached = status == "done"
        satisfied = (e_rating == "satisfied") + (reached and rating == "satisfied")
        last = max(e_at, logged or e_at)
        tickets.append(scoring.Evaluated(
            len(tickets), techs.setdefault((code, tech), len(techs)), teams.setdefault((code, team), len(teams)),
            parse(closed), (e_score, score) if reached else (e_score,), satisfied, 2 if reached else 1,  # type: ignore[arg-type]
            parse(last)))  # type: ignore[arg-type]
    # Global keys in (center, id) order, so "the lower id" breaks a tie the same way everywhere.
    tech_keys = {k: i for i, k in enumerate(sorted(techs))}
    team_keys = {k: i for i, k in enumerate(sorted(teams))}
    by_tech = {techs[k]: tech_keys[k] for k in techs}
    by_team = {teams[k]: team_keys[k] for k in teams}
    ranking = scoring.monthly(
        scoring.Evaluated(t.ticket_id, by_tech[t.technician_id], by_team[t.team_id], t.closed_at, t.scores,
                          t.satisfied_answers, t.answers, t.last_evaluated_at) for t in tickets)
    tech_of = {v: k for k, v in tech_keys.items()}
    team_of = {v: k for k, v in team_keys.items()}
    names = {(r[0], r[1]): (r[2], r[3] or "") for r in conn.execute(
        "SELECT tech.center, tech.id, tech.name, teams.name FROM technicians tech LEFT JOIN teams"
        " ON teams.center = tech.center AND teams.id = tech.team_id").fetchall()}
    team_names = {(r[0], r[1]): r[2] for r in conn.execute("SELECT center, id, name FROM teams").fetchall()}

    def row(r: scoring.Row, where: tuple[str, int], name: str, team_name: str) -> HqScore:
        return HqScore(where[0], where[1], name, team_name, r.total, r.count, r.mean, r.bonus_count, r.score,
                       r.satisfied_share, r.rank, r.star, r.winner, r.bonus)

    return HqScores(
        month=month, evaluated=len(tickets), waiting=waiting,
        technicians=[row(r, tech_of[r.key], *names.get(tech_of[r.key], ("?", ""))) for r in ranking.technicians],
        teams=[row(r, team_of[r.key], team_names.get(team_of[r.key], "?"), "") for r in ranking.teams])
