"""``dispatch hq``: the head office's figures across the centers (issue 26,
README "Head-office figures"), read from the PostgreSQL the centers ship to
(``dispatch ship``). ``dispatch hq`` alone opens the read-only console view;
``hq report``, ``hq scores`` and ``hq export month`` answer on the command
line. Nothing here writes to the head office. The URL: ``--hq URL`` or
DISPATCH_HQ_URL (store/hq/connect.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import pendulum

from store.errors import RuleViolation, StoreError
from store.i18n import _, ngettext
from store.rules.figures import fmt
from store.rules.periods import Period, Scope
from store.text import clean

from .common import cli, fail
from .output import write_json, write_table

F = TypeVar("F", bound=Callable[..., Any])


def _hq_option(f: F) -> F:
    return click.option("--hq", "url", default=None, metavar="URL",
                        help=_("The head office's PostgreSQL URL (default: DISPATCH_HQ_URL)."))(f)


def _month_option(f: F) -> F:
    return click.option("--month", default=None, help=_("YYYY-MM (default this month)."))(f)


def _period(month: str | None) -> Period:
    # reports.py's parse_period for --month alone: that module (and the repositories it loads) is not imported,
    # which took most of `dispatch hq report`'s second at a million tickets (bench/hq_report.py).
    try:
        return Period.parse_month(month) if month else Period.month(pendulum.now("UTC").date())
    except RuleViolation as exc:
        fail(str(exc))


def _c(value: object) -> str:
    return clean(str(value), single_line=True)


def _read(url: str | None, work: Callable[[Any], Any]) -> Any:
    """``work(conn)`` on a read-only connection to the head office; a refusal is one line, exit 2."""
    from store.hq.connect import hq_url
    from store.hq.reading import reading

    try:
        with reading(hq_url(url)) as conn:
            return work(conn)
    except StoreError as exc:
        fail(str(exc))


@cli.group("hq", invoke_without_command=True, help=_(
    "The head office: every center's figures side by side and the company's, computed in PostgreSQL from what the"
    " centers ship ('dispatch ship'). Alone it opens the read-only view; 'hq report', 'hq scores' and"
    " 'hq export month' answer on the command line."))
@_hq_option
@_month_option
@click.pass_context
def hq(ctx: click.Context, url: str | None, month: str | None) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from store.hq.connect import hq_url

    period = _period(month)
    try:
        address = hq_url(url)
    except StoreError as exc:
        fail(str(exc))
    _read(address, lambda conn: None)  # an unreachable head office: one line here, not a console that cannot start
    from console.screens.hq import run_hq

    run_hq(address, period)


@hq.command("report", help=_(
    "The month's figures of every center side by side and the company's (the same formulas over the summed facts),"
    " exactly as each center's 'dispatch report'. --center C prints that center's report alone, as it prints it."))
@_hq_option
@_month_option
@click.option("--center", default=None, metavar="CODE", help=_("One center's figures only."))
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table", show_default=True)
def report(url: str | None, month: str | None, center: str | None, fmt_: str) -> None:
    from store.hq.figures import COMPANY, company_report

    period = _period(month)
    r = _read(url, lambda conn: company_report(conn, period, pendulum.now("UTC"), center=center))
    if center is not None:
        if not r.centers:
            fail(_("No center {code} at the head office").format(code=center))
        if fmt_ == "table":
            click.echo(_("center {code}").format(code=_c(center)))
        from .reports import show_report

        show_report(period, r.previous, Scope(), r.figures[center], fmt_)
        return
    codes = [c.code for c in r.centers]
    if fmt_ == "json":
        write_json({
            "period": {"kind": period.kind, "start": period.start, "end": period.end},
            "previous": {"start": r.previous.start, "end": r.previous.end},
            "centers": [{"code": c.code, "timezone": c.timezone, "shipped_at": c.shipped_at} for c in r.centers],
            "figures": [{"key": f.key, "label": f.label, "unit": f.unit,
                         "centers": {code: _values(r.figure(code, f.key)) for code in codes},
                         "company": _values(f)} for f in r.figures[COMPANY]]})
        return
    if not codes:
        click.echo(_("No center has shipped to the head office yet."))
        return
    click.echo(f"{period.label()} · " + _("compared with") + f" {r.previous.label()}")
    head = [_("figure"), *[_c(code) for code in codes], _("company"), _("change")]
    rows = [[f.label, *[fmt(r.figure(code, f.key).value, f.unit) for code in codes], fmt(f.value, f.unit), f.arrow]
            for f in r.figures[COMPANY]]
    write_table(head, rows)


def _values(f: Any) -> dict[str, Any]:
    return {"value": f.value, "previous": f.previous, "target": f.target, "on_target": f.on_target,
            "change": f.change or None, "base": f.base}


@hq.command("scores", help=_(
    "The month's ranking of technicians and teams across the centers, with the same formula and ties as"
    " 'dispatch scores' (a tie to the end goes to the lower center code, then id); * marks the company's star"
    " technician and winning team."))
@_hq_option
@_month_option
@click.option("--center", default=None, metavar="CODE", help=_("One center's ranking only."))
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table", show_default=True)
def scores(url: str | None, month: str | None, center: str | None, fmt_: str) -> None:
    from store.hq.scores import company_scores
    from store.rules.scoring import show  # (here: `hq report` does not need it at start-up)

    period = _period(month)
    label = period.label()
    ranking = _read(url, lambda conn: company_scores(conn, label, center))
    if fmt_ == "json":
        write_json([{"month": label, "kind": kind, "rank": r.rank, "star": r.star, "winner": r.winner,
                     "center": r.center, "name": r.name, "team": r.team_name if kind == "technician" else None,
                     "sum": r.total, "count": r.count, "mean": r.mean, "per_ticket": r.bonus_count, "score": r.score,
                     "bonus": r.bonus, "satisfied_share": r.satisfied_share}
                    for kind, rows in (("technician", ranking.technicians), ("team", ranking.teams)) for r in rows])
        return
    for title, rows, techs in ((_("Technicians"), ranking.technicians, True), (_("Teams"), ranking.teams, False)):
        click.echo(f"{title} — {label}")
        if not rows:
            click.echo(_("No evaluated tickets in {m}.").format(m=label))
            continue
        head = [_("#"), "", _("center"), _("name"), *([_("team")] if techs else []), _("sum"), _("count"), _("mean"),
                _("0.15×n"), _("score"), _("satisfied")]
        write_table(head, [[str(r.rank), "*" if r.star or r.winner else "", _c(r.center), _c(r.name),
                            *([_c(r.team_name)] if techs else []), str(r.total), str(r.count), show(r.mean),
                            show(r.bonus_count), show(r.score), f"{float(r.satisfied_share) * 100:.0f} %"]
                           for r in rows])
        click.echo("")
    star, winner = ranking.star, ranking.winner
    if star is not None and winner is not None:
        click.echo(_("Star technician: {name} ({center}). Winning team: {team} ({team_center}).").format(
            name=_c(star.name), center=_c(star.center), team=_c(winner.name), team_center=_c(winner.center)))
    click.echo(ngettext("{n} ticket evaluated, {w} waiting for their evaluations.",
                        "{n} tickets evaluated, {w} waiting for their evaluations.", ranking.evaluated).format(
        n=ranking.evaluated, w=ranking.waiting))


@hq.group("export", help=_("The company's workbooks."))
def export() -> None:
    pass


@export.command("month", help=_(
    "The company's month as a workbook: a sheet per group of figures with a column per center and one for the"
    " company (numbers: shares as fractions, times in seconds), the ranking across the centers, and the centers."))
@_hq_option
@_month_option
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True, metavar="FILE.xlsx")
def export_month(url: str | None, month: str | None, output: Path) -> None:
    from store.hq.figures import company_report
    from store.hq.scores import company_scores
    from store.transfer.hq_workbook import write_company_month

    period = _period(month)

    def both(conn: Any) -> Any:
        return company_report(conn, period, pendulum.now("UTC")), company_scores(conn, period.label())

    r, ranking = _read(url, both)
    try:
        done = write_company_month(r, ranking, output)
    except StoreError as exc:
        fail(str(exc))
    click.echo(_("{path}: {month}, {centers}").format(
        path=output, month=period.label(),
        centers=ngettext("{n} center", "{n} centers", done["centers"]).format(n=done["centers"])))
