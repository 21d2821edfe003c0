"""``dispatch escalation show|set|list`` and ``dispatch notify [--watch] | status``
(issue 24): the escalation ladder, the escalations fired, and the sender that
fires what is due and delivers the outbox (store/sender.py)."""

from __future__ import annotations

import json
import time
from typing import Any

import click

from store.i18n import _, ngettext
from store.rules.escalation import level_text
from store.rules.sla import CLOCKS
from store.text import clean

from .common import Ctx, cli, fail, file_options
from .output import FORMATS, write_csv, write_json, write_table

LIST_FIELDS = ["id", "ticket", "clock", "level", "due_at", "fired_at", "recipients", "acknowledged_by", "acknowledged_at",
               "note"]


@cli.group(help=_("The escalation ladder, and the escalations fired."))
def escalation() -> None:
    pass


@escalation.command("show", help=_("Show the ladder: per clock, when each level falls due and whom it goes to."))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", help=_("table or json."))
@file_options
@click.pass_obj
def esc_show(obj: Ctx, fmt: str) -> None:
    setting = obj.open(read_only=True).escalations.ladder()
    if fmt == "json":
        write_json(setting.to_json())
        return
    click.echo(_("Every priority and clock, unless given below:"))
    for lv in setting.default:
        click.echo(f"  {level_text(lv)}")
    for p, clocks in setting.priorities.items():
        for clock in CLOCKS:
            if clock in clocks:
                click.echo(_("P{p} {clock}:").format(p=p, clock=clock))
                for lv in clocks[clock] or ():
                    click.echo(f"  {level_text(lv)}")
                if not clocks[clock]:
                    click.echo("  " + _("never escalates"))


@escalation.command("set", help=_("Set the ladder (managers only) from JSON, e.g. "
                                   "'{\"default\": [{\"at\": \"at_risk\", \"to\": [\"foreman\"]}]}'."))
@click.argument("value")
@file_options
@click.pass_obj
def esc_set(obj: Ctx, value: str) -> None:
    try:
        parsed = json.loads(value)
    except ValueError:
        fail(_("the ladder must be JSON, e.g. {example}").format(
            example='{"default": [{"at": "breached", "to": ["foreman"]}]}'))
    obj.open().escalations.set_ladder(parsed)
    click.echo(_("escalation ladder saved"))


@escalation.command("list", help=_("The escalations fired, newest first: ticket, clock, level, recipients, acknowledged."))
@click.option("--open", "unacknowledged", is_flag=True, help=_("Only those nobody has acknowledged."))
@click.option("--ticket", "ticket_id", type=int, help=_("Only this ticket's."))
@click.option("--limit", type=click.IntRange(1, 100_000), default=500, show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="table", help=_("table, csv or json."))
@file_options
@click.pass_obj
def esc_list(obj: Ctx, unacknowledged: bool, ticket_id: int | None, limit: int, fmt: str) -> None:
    store = obj.open(read_only=True)
    rows = [e.to_json() for e in store.escalations.escalations(unacknowledged=unacknowledged, ticket_id=ticket_id,
                                                             limit=limit)]
    if fmt == "json":
        write_json(rows)
        return
    flat = [{**r, "recipients": ", ".join(r["recipients"])} for r in rows]
    if fmt == "csv":
        write_csv(flat, LIST_FIELDS)
        return
    write_table(LIST_FIELDS, [[clean("" if r[f] is None else str(r[f]), single_line=True) for f in LIST_FIELDS]
                              for r in flat])


@escalation.command("ack", help=_("Acknowledge an escalation with a note (what is being done)."))
@click.argument("escalation_id", type=int)
@click.argument("note")
@file_options
@click.pass_obj
def esc_ack(obj: Ctx, escalation_id: int, note: str) -> None:
    e = obj.open().escalations.acknowledge(escalation_id, note)
    click.echo(_("escalation #{id} acknowledged").format(id=e.id))


# ----------------------------------------------------------------- sender

@cli.group(invoke_without_command=True,
           help=_("Send the notifications that are due (one pass; --watch keeps running), or show their status."))
@click.option("--watch", is_flag=True, help=_("Keep running: a pass every --every seconds."))
@click.option("--every", type=click.IntRange(5, 3600), default=60, show_default=True, help=_("Seconds between passes."))
@file_options
@click.pass_context
def notify(ctx: click.Context, watch: bool, every: int) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from store.sender import SenderBusy, one_pass, sender_lock

    obj: Ctx = ctx.obj
    store = obj.open()
    try:
        with sender_lock(store.path):
            while True:
                done = one_pass(store)
                click.echo(_("fired {fired}, sent {sent}, to retry {retrying}, given up {failed}").format(
                    fired=len(done.fired), sent=done.sent, retrying=done.retrying, failed=done.failed))
                if done.due:
                    click.echo(ngettext("{n} improvement item or complaint step fallen due: its owner told",
                                        "{n} improvement items or complaint steps fallen due: their owners told",
                                        len(done.due)).format(n=len(done.due)))
                for line in done.errors:
                    click.echo(clean(line, single_line=True), err=True)
                if not watch:
                    return
                time.sleep(every)
    except SenderBusy as exc:
        fail(str(exc))


@notify.command("status", help=_("How many notifications are waiting, sent and given up on; the failures."))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", help=_("table or json."))
@file_options
@click.pass_obj
def notify_status(obj: Ctx, fmt: str) -> None:
    status: dict[str, Any] = obj.open(read_only=True).outbox.status()
    if fmt == "json":
        write_json(status)
        return
    click.echo(_("waiting {pending}, sent {sent}, given up {failed}").format(**status))
    for f in status["given_up"]:
        click.echo(_("#{id} to {recipient}, {attempts} attempts: {error}").format(
            id=f["id"], recipient=clean(f["recipient"], single_line=True), attempts=f["attempts"],
            error=clean(f["last_error"] or "", single_line=True)))
