"""``dispatch callbacks plan|list`` and ``dispatch scores``: the satisfaction
loop from the command line (docs/rules.md "Callbacks and scores"). Names and
notes are cleaned before printing; days are the site's."""

from __future__ import annotations

from typing import Any

import click

from store.i18n import _, ngettext
from store.rules.evaluations import plan_lines, rating_label, role_label, state_label
from store.rules.scoring import show
from store.text import clean

from .common import Ctx, cli, file_options
from .output import FORMATS, Column, write_csv, write_json, write_table


def _c(value: object) -> str:
    return clean(str(value), single_line=True)


def _emit(rows: list[dict[str, Any]], fmt: str, head: list[str | Column], empty: str,
          typed: list[dict[str, Any]] | None = None) -> None:
    """Rows as JSON (``typed`` when given: the values the rows display), CSV
    (keys as header) or an aligned table (``head`` as column titles)."""
    fmt = fmt.lower()
    if fmt == "json":
        write_json(rows if typed is None else typed)
    elif fmt == "csv":
        write_csv(rows, list(rows[0]) if rows else [c.head if isinstance(c, Column) else c for c in head])
    elif not rows:
        click.echo(empty)
    else:
        write_table(head, [[str(v) for v in r.values()] for r in rows])


@cli.group(help=_("The daily callbacks: plan a day, list the calls."))
def callbacks() -> None:
    pass


@callbacks.command("plan", help=_(
    "Plan the callbacks of DAY (default today, site time zone): the tickets closed the day before, a tenth to managers,"
    " the rest shared among the dispatchers. Managers only. May be run again until the first call of the day is logged."))
@click.option("--day", default=None, help=_("The day of the calls, YYYY-MM-DD (default today)."))
@click.option("--dry-run", is_flag=True, help=_("Show the plan without saving it."))
@file_options
@click.pass_obj
def plan(obj: Ctx, day: str | None, dry_run: bool) -> None:
    store = obj.open()
    try:
        view = store.callbacks.plan_callbacks(day, save=not dry_run)
    finally:
        store.close()
    for line in plan_lines(view):
        click.echo(line)
    if dry_run:
        click.echo(_("Not saved (--dry-run)."))
    else:
        click.echo((_("Planned again by {who}.") if view.replanned else _("Planned by {who}.")).format(who=_c(view.planned_by)))


@callbacks.command("list", help=_("List callbacks: of a call day, or your own open ones (--mine), overdue first."))
@click.option("--day", default=None, help=_("The day of the calls, YYYY-MM-DD."))
@click.option("--mine", is_flag=True, help=_("Only my open callbacks due by today."))
@click.option("--status", type=click.Choice(["open", "done", "unreachable"]), default=None)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help=_("Output format."))
@file_options
@click.pass_obj
def list_(obj: Ctx, day: str | None, mine: bool, status: str | None, fmt: str) -> None:
    store = obj.open()
    try:
        calls = store.callbacks.my_callbacks() if mine else store.callbacks.find(day=day, status=status)
    finally:
        store.close()
    rows = [{"ticket": c.ticket_id, "due": c.due_day.isoformat(), "state": state_label(c.state),
             "role": role_label(c.role), "evaluator": c.evaluator, "technician": c.technician_name,
             "team": c.team_name, "attempts": c.attempts, "rating": rating_label(c.rating),
             "score": "" if c.score is None else c.score} for c in calls]
    if fmt.lower() != "table":
        for r, c in zip(rows, calls, strict=True):
            r.update({"id": c.id, "state": c.state, "rating": c.rating or "", "notes": c.notes,
                      "carry_reason": c.carry_reason or ""})
    typed = [{"id": c.id, "ticket": c.ticket_id, "due": c.due_day, "state": c.state, "role": c.role,
              "evaluator": c.evaluator, "technician": c.technician_name, "team": c.team_name, "attempts": c.attempts,
              "rating": c.rating, "score": c.score, "notes": c.notes or None, "carry_reason": c.carry_reason}
             for c in calls]
    _emit(rows, fmt, [_("ticket"), _("due"), _("state"), _("role"), _("evaluator"), _("technician"), _("team"),
                      _("tries"), _("answer"), _("points")], _("No callbacks."), typed)


@cli.command("scores", help=_(
    "A month's ranking of technicians and teams: sum, count, mean, 0.15 × count and the score; * marks the star"
    " technician and the winning team. --daily lists each technician's points per day."))
@click.option("--month", default=None, help=_("YYYY-MM (default this month)."))
@click.option("--daily", is_flag=True, help=_("Points per technician per day instead of the ranking."))
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help=_("Output format."))
@file_options
@click.pass_obj
def scores(obj: Ctx, month: str | None, daily: bool, fmt: str) -> None:
    store = obj.open()
    try:
        month = month or store.scores.this_month()
        if daily:
            days = store.scores.daily_scores(month)
        else:
            ranking = store.scores.month_scores(month)
    finally:
        store.close()
    if daily:
        _emit([{"technician": d.name, "day": d.day.isoformat(), "tickets": d.count, "points": d.total} for d in days],
              fmt, [_("technician"), _("day"), _("tickets"), _("points")], _("No evaluated tickets in {m}.").format(m=month))
        return
    table = fmt.lower() == "table"
    everything: list[dict[str, Any]] = []
    typed: list[dict[str, Any]] = []
    for kind, rows in ((_("Technicians"), ranking.technicians), (_("Teams"), ranking.teams)):
        techs = rows is ranking.technicians
        out = [{"rank": r.rank, "mark": "*" if r.star or r.winner else "", "name": r.name,
                **({"team": r.team_name} if techs or not table else {}),
                "sum": r.total, "count": r.count, "mean": show(r.mean), "per_ticket": show(r.bonus_count),
                "score": show(r.score), "bonus": show(r.bonus) if r.bonus else "",
                "satisfied": f"{r.satisfied_share * 100:.0f} %"} for r in rows]
        if not table:  # one list: technicians then teams, told apart by "kind"
            everything += [{"month": month, "kind": "technician" if techs else "team", **o} for o in out]
            # JSON: the values the table shows, exact (the table rounds to two places).
            typed += [{"month": month, "kind": "technician" if techs else "team", "rank": r.rank, "star": r.star,
                       "winner": r.winner, "name": r.name, "team": r.team_name if techs else None, "sum": r.total,
                       "count": r.count, "mean": r.mean, "per_ticket": r.bonus_count, "score": r.score,
                       "bonus": r.bonus, "satisfied_share": r.satisfied_share} for r in rows]
            continue
        click.echo(f"{kind} — {month}")
        head: list[str | Column] = [_("#"), "", _("name"), *([_("team")] if techs else []), _("sum"), _("count"),
                                    _("mean"), _("0.15×n"), _("score"), _("bonus"), _("satisfied")]
        _emit(out, fmt, head, _("No evaluated tickets in {m}.").format(m=month))
        click.echo("")
    if not table:
        _emit(everything, fmt, ["month", "kind", "rank", "mark", "name", "team", "sum", "count", "mean", "per_ticket",
                                "score", "bonus", "satisfied"], "", typed)
    else:
        click.echo(ngettext("{n} ticket evaluated, {w} waiting for their evaluations. * star technician (+0.5 on record),"
                              " winning team.",
                              "{n} tickets evaluated, {w} waiting for their evaluations. * star technician (+0.5 on record),"
                              " winning team.", ranking.evaluated).format(n=ranking.evaluated, w=ranking.waiting))
