"""``dispatch ticket assign|respond|arrive|hold|resume|resolve|close|cancel N``:
a ticket's steps from a shell, by the store calls the console's forms make
(console/screens/actions.py), so the rules, roles, audit events and messages
are theirs. ``--version V`` refuses the change if someone changed the ticket
since V (optimistic, as a form that was open); without it the ticket's
version just read is used. ``tickets.py`` puts these on the ``ticket`` group."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

import click

from store.errors import MoveRefused, StaleTicket, ValidationFailed
from store.i18n import _
from store.models import Ticket
from store.money import format_money
from store.store import Store
from store.text import clean

from ..format import fee_item_lines
from .common import Ctx, fail, file_options
from .queue import ticket as show
from .records import find

FORMAT_CHOICE = click.Choice(["text", "json"], case_sensitive=False)


def ticket_number(text: str) -> int:
    digits = text.strip().lstrip("#")
    if not digits.isdigit():
        fail(_("not a ticket number: {n}").format(n=text))
    return int(digits)


def refused(errors: dict[str, str], names: dict[str, str]) -> NoReturn:
    """Bad values, one line: each field by the name it was given as (an option, or a JSON key)."""
    fail("; ".join(f"{names.get(k, '--' + k.replace('_', '-'))}: {v}" for k, v in errors.items()))


def stale(exc: StaleTicket, given: int, tz: str) -> NoReturn:
    if given > exc.version:  # a version it never had: nobody changed it since
        fail(_("ticket #{id} is at version {current}, not {given}; nothing was saved").format(
            id=exc.ticket_id, current=exc.version, given=given))
    when = exc.at.in_timezone(tz).format("YYYY-MM-DD HH:mm") if exc.at else "?"
    what = " (" + "; ".join(exc.changes) + ")" if exc.changes else ""
    message = _("ticket #{id} is at version {current}, not {given}: changed by {by} at {when}{what};"
                " nothing was saved, check it and try again").format(
        id=exc.ticket_id, current=exc.version, given=given, by=exc.by, when=when, what=what)
    if isinstance(exc, MoveRefused):  # the state now refuses the step: say why
        message += " " + _("Now: {why}").format(why=exc.reason)
    fail(message)


def print_ticket(ctx: click.Context, t: Ticket, fmt: str, line: str) -> None:
    """``line`` for a person, or the ticket as ``ticket N --format json`` prints it."""
    if fmt.lower() == "json":
        ctx.invoke(show, number=str(t.id), fmt="json")
    else:
        click.echo(clean(line, single_line=True))


Call = Callable[[Store, Ticket, int], Ticket]


def change(ctx: click.Context, number: str, version: int | None, fmt: str, call: Call, done: str,
           names: dict[str, str] | None = None) -> None:
    """Read the ticket, make the change on ``version`` (or the version read),
    print what was done and the version it is at now."""
    obj: Ctx = ctx.obj
    store = obj.open()
    current = store.tickets.ticket(ticket_number(number))
    at = current.version if version is None else version
    try:
        t = call(store, current, at)
    except StaleTicket as exc:
        stale(exc, at, store.settings.timezone)
    except ValidationFailed as exc:
        refused(exc.errors, names or {})
    print_ticket(ctx, t, fmt, done.format(id=t.id) + " " + _("Now at version {v}.").format(v=t.version))


def step(name: str, short: str, help: str) -> Callable[[Callable[..., None]], click.Command]:
    """A step's command: its number, --version, --format and the file options
    around its own options (given between ``step`` and the function)."""

    def wrap(f: Callable[..., None]) -> click.Command:
        f = click.pass_context(f)
        f = file_options(f)
        f = click.option("--format", "fmt", type=FORMAT_CHOICE, default="text", show_default=True,
                         help=_("text: what was done and the new version; json: the ticket as"
                                " 'dispatch ticket N --format json' prints it."))(f)
        f = click.option("--version", type=click.IntRange(min=1), metavar="V",
                         help=_("Refuse the change if the ticket is no longer at version V (as last printed):"
                                " someone changed it meanwhile."))(f)
        f = click.argument("number", metavar="N")(f)
        cmd = click.command(name, short_help=short, help=help)(f)
        # Help lists the step's own options first, then the ones every step has.
        shared = ("number", "version", "fmt", "db", "actor")
        by_name = {p.name: p for p in cmd.params}
        cmd.params = [by_name["number"], *(p for p in cmd.params if p.name not in shared),
                      *(by_name[n] for n in shared[1:])]
        return cmd

    return wrap


def time_option(f: Callable[..., None]) -> Callable[..., None]:
    return click.option("--at", metavar="TIME",
                        help=_("When it happened, if not now: 14:05, yesterday 21:00 or 11-25 14:05 (site time)."))(f)


@step("assign", _("Assign or reassign it to a technician on duty."),
      _("Assign the ticket to a technician on duty, or reassign it (with --reason). The technician is"
        " told as from the console."))
@click.option("--technician", required=True, metavar="NAME", help=_("The technician's name (or #id)."))
@click.option("--reason", default="", help=_("Why it is reassigned (needed to reassign)."))
def assign(ctx: click.Context, number: str, version: int | None, fmt: str, technician: str, reason: str) -> None:
    def call(store: Store, t: Ticket, at: int) -> Ticket:
        # One off duty is refused by the store, as the console's picker would not offer them.
        tech_id = find(_("technician"), technician, [(x.id, x.name) for x in store.people.technicians()])
        return store.tickets.assign(t.id, at, technician_id=tech_id, reason=reason)

    change(ctx, number, version, fmt, call, _("Ticket #{id} assigned."), {"technician_id": "--technician"})


@step("respond", _("Log the first response."), _("Log the first response: the reporter was contacted and the fault confirmed."))
@click.option("--note", default="", help=_("What was confirmed with the reporter."))
@time_option
def respond(ctx: click.Context, number: str, version: int | None, fmt: str, note: str, at: str | None) -> None:
    change(ctx, number, version, fmt, lambda s, t, v: s.tickets.respond(t.id, v, at=at, note=note),
           _("First response logged on #{id}."))


@step("arrive", _("Log the arrival, on site or remote."), _("Log the arrival: the work starts on site, or remotely."))
@click.option("--mode", type=click.Choice(["onsite", "remote"], case_sensitive=False), default="onsite",
              show_default=True, help=_("Where the work starts: onsite or remote."))
@time_option
def arrive(ctx: click.Context, number: str, version: int | None, fmt: str, mode: str, at: str | None) -> None:
    change(ctx, number, version, fmt, lambda s, t, v: s.tickets.arrive(t.id, v, at=at, mode=mode.lower()),
           _("Arrival logged on #{id}."))


@step("hold", _("Put it on hold: its SLA clock stops."),
      _("Put the ticket on hold (waiting for the customer or for parts): its SLA clock stops."))
@click.option("--reason", required=True, type=click.Choice(["customer", "parts"], case_sensitive=False),
              help=_("What it waits for: customer or parts."))
@click.option("--note", default="", help=_("A note on the hold."))
@time_option
def hold(ctx: click.Context, number: str, version: int | None, fmt: str, reason: str, note: str,
         at: str | None) -> None:
    change(ctx, number, version, fmt,
           lambda s, t, v: s.tickets.hold(t.id, v, at=at, reason=reason.lower(), note=note),
           _("Ticket #{id} is on hold; its SLA clock is stopped."))


@step("resume", _("End the hold: the SLA clock runs again."), _("End the hold: the SLA clock runs again."))
@time_option
def resume(ctx: click.Context, number: str, version: int | None, fmt: str, at: str | None) -> None:
    change(ctx, number, version, fmt, lambda s, t, v: s.tickets.resume(t.id, v, at=at),
           _("Ticket #{id} resumed; its SLA clock runs again."))


@step("resolve", _("Resolve it with its repair record."), _("Resolve the ticket with its repair record."))
@click.option("--symptom", help=_("The fault seen (default: the fault as reported)."))
@click.option("--cause", required=True, help=_("The cause found."))
@click.option("--action", "action_taken", required=True, help=_("What was done."))
@click.option("--parts", required=True, help=_("The parts used ('none' if none)."))
@time_option
def resolve(ctx: click.Context, number: str, version: int | None, fmt: str, symptom: str | None, cause: str,
            action_taken: str, parts: str, at: str | None) -> None:
    def call(store: Store, t: Ticket, v: int) -> Ticket:
        # The console's form starts the symptom as the reported fault: so does this.
        seen = t.description if symptom is None else symptom
        return store.tickets.resolve(t.id, v, at=at, symptom=seen, cause=cause, action=action_taken, parts=parts)

    change(ctx, number, version, fmt, call, _("Ticket #{id} resolved."), {"action": "--action"})


@step("close", _("Close it with the customer's sign-off."), _("Close the ticket with the customer's sign-off and the fee,"
      " if any. With a fee schedule the fee is proposed from it and the parts used (printed item by item); a"
      " different --fee needs a --reason."))
@click.option("--signoff", required=True, metavar="NAME", help=_("Who signed off for the customer."))
@click.option("--fee", help=_("The fee charged, e.g. 1,200.50 (blank: the proposed fee, or none without a schedule)."))
@click.option("--reason", default="", help=_("Why the fee differs from the proposed fee."))
@click.option("--yes", is_flag=True, help=_("Save a fee above the setting fee_confirm_above (the console asks)."))
def close(ctx: click.Context, number: str, version: int | None, fmt: str, signoff: str, fee: str | None,
          reason: str, yes: bool) -> None:
    def call(store: Store, t: Ticket, v: int) -> Ticket:
        s = store.settings
        if fee is not None and s.fee_needs_confirm(fee) and not yes:
            amount = s.parse_fee(fee)
            assert amount is not None  # a fee above the ceiling is a fee
            fail(_("a fee of {fee} is above {limit}: add --yes to save it").format(
                fee=s.format_money(amount), limit=s.format_money(s.fee_confirm_above)))
        done = store.tickets.close(t.id, v, signoff=signoff, fee=fee, reason=reason)
        closed.append((done, s.currency))
        return done

    closed: list[tuple[Ticket, str]] = []
    change(ctx, number, version, fmt, call, _("Ticket #{id} closed."))
    t, currency = closed[0] if closed else (None, "")
    if fmt.lower() == "text" and t is not None and t.fee_proposed is not None and t.fee is not None:
        for line in fee_item_lines(t.fee_items, currency):
            click.echo("  " + line)
        click.echo("  " + _("Proposed {proposed}, charged {fee}").format(
            proposed=format_money(t.fee_proposed, currency), fee=format_money(t.fee, currency))
            + (" — " + clean(t.fee_reason, single_line=True) if t.fee_reason else ""))


@step("cancel", _("Cancel it, with the reason."), _("Cancel the ticket, with the reason: it leaves the queue, its history is kept."))
@click.option("--reason", required=True, help=_("Why it is cancelled."))
def cancel(ctx: click.Context, number: str, version: int | None, fmt: str, reason: str) -> None:
    change(ctx, number, version, fmt, lambda s, t, v: s.tickets.cancel(t.id, v, reason=reason),
           _("Ticket #{id} cancelled."))


STEPS = (assign, respond, arrive, hold, resume, resolve, close, cancel)
