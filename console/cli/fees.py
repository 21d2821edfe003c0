"""``dispatch fees show|set|propose`` and ``dispatch invoices
list|record|check`` (issue 25, "Fees and invoices"): the schedule managers
keep, the fee it proposes for a resolved ticket item by item, and the
invoices customer service records and checks. The rules and the writes are
the store's (store/rules/fees.py, store/repo/fees.py)."""

from __future__ import annotations

import json
from typing import Any

import click

from store.errors import StaleTicket, ValidationFailed
from store.i18n import _
from store.rules.fees import EXAMPLE
from store.text import clean

from ..format import fee_item_lines
from .common import Ctx, cli, fail, file_options
from .output import FORMATS, Column, write_csv, write_json, write_table
from .ticket_steps import refused, stale, ticket_number

INVOICE_FIELDS = ["ticket", "site", "closed_at", "fee", "invoice_no", "invoice_at", "invoice_by", "checked_at",
                  "checked_by", "version"]


def _one(text: Any) -> str:
    return clean("" if text is None else str(text), single_line=True)


@cli.group(help=_("The fee schedule (managers) and the fee it proposes for a ticket."))
def fees() -> None:
    pass


@fees.command("show", help=_("Print the fee schedule as JSON (the value 'fees set' takes)."))
@file_options
@click.pass_obj
def fees_show(obj: Ctx, /) -> None:
    schedule = obj.open(read_only=True).settings.fee_schedule()
    if schedule is None:
        click.echo(_("no fee schedule yet: the fee is typed at closing; set one with 'dispatch fees set JSON'"),
                   err=True)
        return
    click.echo(json.dumps(schedule.to_json(), ensure_ascii=False))


@fees.command("set", help=_("Set the fee schedule (managers), as JSON, e.g. {example}").format(example=EXAMPLE))
@click.argument("schedule", metavar="JSON")
@file_options
@click.pass_obj
def fees_set(obj: Ctx, /, schedule: str) -> None:
    store = obj.open()
    store.fees.set_schedule(schedule)
    shown = store.settings.fee_schedule()
    assert shown is not None  # just set
    click.echo(_("fee schedule saved: {value}").format(value=json.dumps(shown.to_json(), ensure_ascii=False)))


@fees.command("propose", help=_("The fee the schedule proposes for a resolved ticket, item by item."))
@click.argument("number", metavar="N")
@file_options
@click.pass_obj
def fees_propose(obj: Ctx, /, number: str) -> None:
    store = obj.open(read_only=True)
    t = store.tickets.ticket(ticket_number(number))
    fee = store.fees.proposal(t.id)
    if fee is None:
        fail(_("no fee schedule yet: set one with 'dispatch fees set JSON'"))
    currency = store.settings.currency
    for line in fee_item_lines(fee.to_json(), currency):
        click.echo(line)
    click.echo(_("Proposed fee: {fee}").format(fee=store.settings.format_money(fee.total)))


# ------------------------------------------------------------------ invoices
@cli.group(help=_("Invoices of closed tickets: customer service records the number and checks it."))
def invoices() -> None:
    pass


@invoices.command("list", help=_("Closed tickets with a fee and their invoices, oldest first."))
@click.option("--unchecked", is_flag=True, help=_("Only the invoices not checked yet."))
@click.option("--older", type=click.IntRange(min=0, max=3650), metavar="N",
              help=_("Only tickets closed more than N days ago."))
@click.option("--format", "fmt", type=FORMATS, default="table", help=_("table, csv or json."))
@file_options
@click.pass_obj
def invoices_list(obj: Ctx, /, unchecked: bool, older: int | None, fmt: str) -> None:
    store = obj.open(read_only=True)
    tz = store.settings.timezone
    found = store.fees.invoices(unchecked=unchecked, older_days=older)
    rows = [i.to_json() for i in found]
    if fmt == "json":
        write_json(rows)
        return
    if fmt == "csv":
        write_csv(rows, INVOICE_FIELDS)
        return

    def when(at: Any) -> str:
        return "" if at is None else at.in_timezone(tz).format("YYYY-MM-DD HH:mm")

    heads = [Column(_("ticket"), right=True), Column(_("site"), rest=True), Column(_("closed")),
             Column(_("fee"), right=True), Column(_("invoice")), Column(_("checked"))]
    write_table(heads, [[f"#{i.ticket_id}", _one(i.site), when(i.closed_at), store.settings.format_money(i.fee),
                         _one(i.number or "—"),
                         _("{who} {when}").format(who=_one(i.checked_by), when=when(i.checked_at)) if i.checked_by else "—"]
                        for i in found])
    if not found:
        click.echo(_("no invoices to list"), err=True)


def _invoice_step(obj: Ctx, number: str, version: int | None, call: Any, done: str) -> None:
    store = obj.open()
    t = store.tickets.ticket(ticket_number(number))
    at = t.version if version is None else version
    try:
        t = call(store, t.id, at)
    except StaleTicket as exc:
        stale(exc, at, store.settings.timezone)
    except ValidationFailed as exc:
        refused(exc.errors, {"invoice_no": "INVOICE_NO"})
    click.echo(done.format(id=t.id) + " " + _("Now at version {v}.").format(v=t.version))


_VERSION = click.option("--version", type=click.IntRange(min=1), metavar="V",
                        help=_("Refuse the change if the ticket is no longer at version V (as last printed):"
                               " someone changed it meanwhile."))


@invoices.command("record", help=_("Record the invoice number of a closed ticket (customer service)."))
@click.argument("number", metavar="N")
@click.argument("invoice_no", metavar="INVOICE_NO")
@_VERSION
@file_options
@click.pass_obj
def invoices_record(obj: Ctx, /, number: str, invoice_no: str, version: int | None) -> None:
    _invoice_step(obj, number, version, lambda s, tid, v: s.fees.record_invoice(tid, v, invoice_no),
                  _("Invoice of ticket #{id} recorded."))


@invoices.command("check", help=_("Mark a ticket's invoice as checked against its fee (customer service)."))
@click.argument("number", metavar="N")
@_VERSION
@file_options
@click.pass_obj
def invoices_check(obj: Ctx, /, number: str, version: int | None) -> None:
    _invoice_step(obj, number, version, lambda s, tid, v: s.fees.check_invoice(tid, v),
                  _("Invoice of ticket #{id} checked."))
