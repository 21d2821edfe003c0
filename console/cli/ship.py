"""`dispatch ship`: this center's new history to the head office (PostgreSQL),
and `dispatch ship --status`: each center's lag there (store/hq/)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from store.i18n import _, ngettext

from .common import Ctx, cli, fail, file_options
from .output import write_json, write_table

if TYPE_CHECKING:
    from store.hq.ship import CenterLag


def _ago(then: datetime | None, now: datetime) -> str:
    if then is None:
        return "—"
    s = max(0, int((now - then).total_seconds()))
    if s < 120:
        return _("{n} s").format(n=s)
    if s < 7200:
        return _("{n} min").format(n=s // 60)
    if s < 172800:
        return _("{n} h").format(n=s // 3600)
    return _("{n} days").format(n=s // 86400)


def _parse(at: str | None) -> datetime | None:
    return datetime.fromisoformat(at.replace("Z", "+00:00")) if at else None


@cli.command("ship", help=_(
    "Send this center's new audit events and the rows they changed to the head office's PostgreSQL, in batches"
    " (each one transaction; killed and run again, nothing is lost or doubled). The head office checks that the"
    " history continues the one it holds: a file restored from an older backup, replaced or rewritten is refused."
    " The URL comes from --hq or DISPATCH_HQ_URL (never from the file). One shipper per center: a second run says"
    " 'already shipping' and exits 0. See README \"Head office (PostgreSQL)\"."))
@click.option("--hq", "url", metavar="URL", help=_("The head office, e.g. postgresql://ship@hq.example/dispatch"
                                                   " (default: DISPATCH_HQ_URL)."))
@click.option("--status", "show_status", is_flag=True, help=_("Only show each center's lag at the head office."))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help=_("How --status prints."))
@click.option("--batch", type=click.IntRange(1, 1_000_000), default=5000, show_default=True,
              help=_("Events per batch (one head-office transaction each)."))
@click.option("--rebuild-summaries", "rebuild", is_flag=True, help=_(
    "Only make the head office's month summaries (what 'dispatch hq report --month' reads) again from the shipped"
    " tickets, every center's, each while no run of its own ships. Runs keep them; a head office upgraded to them"
    " makes them itself."))
@file_options
@click.pass_obj
def ship_cmd(obj: Ctx, url: str | None, show_status: bool, fmt: str, batch: int, rebuild: bool) -> None:
    from store.errors import StoreError
    from store.hq import connect, ship

    try:
        target = connect.hq_url(url)
        with connect.connect(target) as conn, connect.failures(conn):
            if show_status:
                _status(ship.status(conn), fmt)
                return
            if rebuild:
                made = ship.rebuild_summaries(conn)
                click.echo(ngettext("head office: {n:,} center-month of figures made again",
                                    "head office: {n:,} center-months of figures made again", made).format(n=made))
                return
            result = ship.ship(Path(obj.db), conn, batch=batch, progress=_progress())
    except StoreError as exc:
        fail(str(exc))
    if result.already_shipping:
        click.echo(_("center {center}: already shipping (another run holds the lock); nothing done").format(
            center=result.center), err=True)
        return
    if result.waits_for_recompute:
        click.echo(_("center {center}: the rest waits for new deadlines to be written (a calendar or time zone change);"
                     " the next run sends it").format(center=result.center), err=True)
    if sys.stderr.isatty() and result.events:
        click.echo("", err=True)
    click.echo(ngettext("center {center}: {n:,} event shipped ({rows:,} rows, {s:.1f} s); head office at event {last}",
                        "center {center}: {n:,} events shipped ({rows:,} rows, {s:.1f} s); head office at event {last}",
                        result.events).format(center=result.center, n=result.events,
                                              rows=sum(result.rows.values()), s=result.seconds, last=result.last_event_id))


def _progress() -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty():
        return None  # cron: the summary line only

    def show(done: int, total: int) -> None:
        click.echo("\r" + _("shipping: {done:,} / {total:,} events").format(done=done, total=total), err=True, nl=False)

    return show


def _status(rows: list[CenterLag], fmt: str) -> None:
    now = datetime.now(UTC)
    if fmt == "json":
        write_json([{"center": r.code, "name": r.name, "last_event_id": r.last_event_id,
                     "last_event_at": r.last_event_at, "lag_events": r.lag_events,
                     "last_shipped_at": r.last_shipped_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if r.last_shipped_at else None,
                     "events": r.events} for r in rows])
        return
    if not rows:
        click.echo(_("No center has shipped to this head office yet."))
        return
    write_table([_("Center"), _("Name"), _("Events held"), _("Last event"), _("Behind by"), _("Newest held"),
                 _("Last ship")],
                [[r.code, r.name or "", f"{r.events:,}", str(r.last_event_id), f"{r.lag_events:,}",
                  _ago(_parse(r.last_event_at), now), _ago(r.last_shipped_at, now)] for r in rows])
