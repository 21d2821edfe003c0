"""``dispatch items …`` and ``dispatch complaints …``: improvement items and
complaints as plain text, CSV or JSON; registering a complaint. Overdue rows
carry a "!" (and an ``overdue`` field), never colour alone."""

from __future__ import annotations

from typing import Any

import click
import pendulum

from store.i18n import N_, _
from store.rules import improve
from store.rules.improve import Complaint, Item
from store.store import Store
from store.text import clean

from .common import Ctx, cli, fail, file_options
from .output import FORMATS, write_csv, write_json, write_table
from .users import _team_id

ITEM_FIELDS = ["id", "overdue", "state", "ticket", "team", "technician", "foreman", "source", "opened", "due",
               "weak_points", "measures", "sent_back_reason", "confirmed_by"]
COMPLAINT_FIELDS = ["id", "overdue", "state", "ticket", "received", "complainant", "matter", "next_step", "due",
                    "item"]


# The headings of the table format (CSV and JSON keep the field names, for scripts).
HEADINGS = {
    "id": N_("#"), "state": N_("State"), "ticket": N_("Ticket"), "team": N_("Team"), "foreman": N_("Foreman"),
    "due": N_("Due"), "source": N_("Source"), "received": N_("Received"), "complainant": N_("Complainant"),
    "next_step": N_("Next step"),
}


def _table_cell(column: str, value: Any) -> str:
    if column == "source":  # "callback #8": the kind by its name in the language in use
        kind, sep, number = str(value).partition(" #")
        return f"{improve.source_label(kind)}{sep}{number}"
    return str(value)


def _local(store: Store, at: pendulum.DateTime | None) -> str:
    return at.in_timezone(store.settings.timezone).format("YYYY-MM-DD HH:mm") if at else ""


def _item_row(store: Store, i: Item) -> dict[str, Any]:
    return {"id": i.id, "overdue": i.overdue, "state": i.state_label, "ticket": i.ticket_id, "team": i.team_name,
            "technician": i.technician_name, "foreman": i.foreman or "", "source": f"{i.source} #{i.source_id}",
            "opened": _local(store, i.opened_at), "due": i.due_date.isoformat(), "weak_points": i.weak_points or "",
            "measures": i.measures or "", "sent_back_reason": i.sent_back_reason or "",
            "confirmed_by": i.confirmed_by or ""}


def _item_json(i: Item, tz: str) -> dict[str, Any]:
    """JSON: codes and typed values (a table shows their words)."""
    return {"id": i.id, "overdue": i.overdue, "state": i.state, "ticket": i.ticket_id, "team": i.team_name or None,
            "technician": i.technician_name or None, "foreman": i.foreman, "source": i.source, "source_id": i.source_id,
            "opened": i.opened_at.in_timezone(tz), "due": i.due_date, "weak_points": i.weak_points,
            "measures": i.measures, "sent_back_reason": i.sent_back_reason, "confirmed_by": i.confirmed_by,
            "confirmed_at": i.confirmed_at.in_timezone(tz) if i.confirmed_at else None}


def _complaint_json(c: Complaint, tz: str) -> dict[str, Any]:
    return {"id": c.id, "overdue": c.overdue, "state": c.state, "ticket": c.ticket_id,
            "received": c.received_at.in_timezone(tz), "complainant": c.complainant, "matter": c.matter,
            "next_step": c.next_step, "due": c.due_at.in_timezone(tz) if c.due_at else None, "item": c.item_id}


def _complaint_row(store: Store, c: Complaint) -> dict[str, Any]:
    return {"id": c.id, "overdue": c.overdue, "state": improve.complaint_state_label(c.state), "ticket": c.ticket_id,
            "received": _local(store, c.received_at), "complainant": c.complainant, "matter": c.matter,
            "next_step": improve.complaint_step_label(c.next_step) if c.next_step else "",
            "due": _local(store, c.due_at), "item": c.item_id or ""}


def _emit(rows: list[dict[str, Any]], fields: list[str], fmt: str, table: list[str], empty: str,
          typed: list[dict[str, Any]]) -> None:
    fmt = fmt.lower()
    if fmt == "json":
        write_json(typed)
        return
    if fmt == "csv":
        write_csv(rows, fields)
        return
    if not rows:
        click.echo(empty)
        return
    head = ["", *[_(HEADINGS[c]) for c in table]]
    body = [[improve.OVERDUE_MARK if r["overdue"] else "",
             *[clean(_table_cell(c, r[c]), single_line=True)[:40] for c in table]] for r in rows]
    write_table(head, body)


def _month(month: str | None) -> str | None:
    if month is not None:
        improve.month_bounds(month)  # a one-line error for a bad month
    return month


@cli.group(help=_("Improvement items from unsatisfied callbacks and complaints."))
def items() -> None:
    pass


@items.command("list", help=_("List improvement items, overdue first (marked !)."))
@click.option("--team", default=None, help=_("Only this team (id or name)."))
@click.option("--state", type=click.Choice([*improve.ITEM_STATES, "sent_back"]), default=None, help=_("Only this state."))
@click.option("--month", default=None, metavar="YYYY-MM", help=_("Only items due at that month's meeting."))
@click.option("--overdue", is_flag=True, help=_("Only overdue items."))
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help=_("Output format."))
@file_options
@click.pass_obj
def items_list(obj: Ctx, team: str | None, state: str | None, month: str | None, overdue: bool, fmt: str) -> None:
    store = obj.open()
    try:
        found = store.items.find(team_id=_team_id(store, team), state=state, month=_month(month), overdue=overdue or None)
        rows = [_item_row(store, i) for i in found]
        typed = [_item_json(i, store.settings.timezone) for i in found]
    finally:
        store.close()
    _emit(rows, ITEM_FIELDS, fmt, ["id", "state", "ticket", "team", "foreman", "due", "source"],
          _("No improvement items match."), typed)


@cli.group(help=_("Complaints against tickets: accept, investigate, handle, follow up, close."))
def complaints() -> None:
    pass


@complaints.command("list", help=_("List complaints, overdue steps first (marked !)."))
@click.option("--state", type=click.Choice(improve.COMPLAINT_STATES), default=None, help=_("Only this state."))
@click.option("--month", default=None, metavar="YYYY-MM", help=_("Only complaints received that month."))
@click.option("--overdue", is_flag=True, help=_("Only complaints with an overdue step."))
@click.option("--ticket", type=int, default=None, help=_("Only complaints about this ticket."))
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help=_("Output format."))
@file_options
@click.pass_obj
def complaints_list(obj: Ctx, state: str | None, month: str | None, overdue: bool, ticket: int | None,
                    fmt: str) -> None:
    store = obj.open()
    try:
        found = store.complaints.find(state=state, month=_month(month), overdue=overdue or None, ticket_id=ticket)
        rows = [_complaint_row(store, c) for c in found]
        typed = [_complaint_json(c, store.settings.timezone) for c in found]
    finally:
        store.close()
    _emit(rows, COMPLAINT_FIELDS, fmt, ["id", "state", "ticket", "received", "complainant", "next_step", "due"],
          _("No complaints match."), typed)


@complaints.command("add", help=_("Register a complaint against a ticket."))
@click.argument("ticket", type=int)
@click.option("--complainant", required=True, help=_("Who complains."))
@click.option("--matter", required=True, help=_("What about."))
@click.option("--received", default=None, metavar="'YYYY-MM-DD HH:mm'",
              help=_("When it came in (site time; default now)."))
@file_options
@click.pass_obj
def complaints_add(obj: Ctx, ticket: int, complainant: str, matter: str, received: str | None) -> None:
    store = obj.open()
    try:
        at = None
        if received:
            try:
                at = pendulum.from_format(received, "YYYY-MM-DD HH:mm", tz=store.settings.timezone)
            except ValueError:
                fail(_("--received is written 'YYYY-MM-DD HH:mm', not {v}").format(v=received))
        c = store.complaints.add_complaint(ticket, complainant, matter, received_at=at)
        done = _("complaint #{id} registered against ticket #{ticket}; accept it by {due}").format(
            id=c.id, ticket=c.ticket_id, due=_local(store, c.due_at))
    finally:
        store.close()
    click.echo(done)
