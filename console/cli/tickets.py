"""``dispatch ticket``: tickets from other systems (issue 24). A web form, a
mail gateway or a phone system creates and moves tickets without the console.

- ``dispatch ticket N`` (or ``ticket show N``) prints one (queue.py);
- ``ticket add`` creates one from options, or from one JSON object on stdin
  (``--json -``) whose keys are those ``ticket N --format json`` prints, so a
  printed ticket can be fed back: the keys it prints but intake does not take
  (id, status, version, the clocks, …) are ignored, any other is refused;
- ``ticket assign|respond|arrive|hold|resume|resolve|close|cancel N`` take it
  through its steps (ticket_steps.py); ``ticket edit N`` corrects its intake
  fields, merged with others' changes (ticket_edit.py).

Every write is the store call the console's forms make (store/repo/tickets.py):
the same input models, rules, roles, audit events, and the technician's
message queued with the assignment. Text is stored as given and printed cleaned."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import click
from pendulum import DateTime

from store.errors import ValidationFailed
from store.i18n import _
from store.labels import CATEGORIES, CHANNELS
from store.models import Ticket
from store.store import Store

from .common import Ctx, cli, fail, file_options
from .queue import ticket as show
from .records import find
from .ticket_edit import ticket_edit
from .ticket_steps import STEPS, print_ticket, refused

# What intake takes (store/inputs.py NewTicket), by the names the printed JSON uses.
WRITABLE = ("channel", "reporter", "phone", "site_id", "equipment_id", "category", "priority", "description",
            "reported_at")
# Printed by 'ticket N --format json' and ignored when fed back: the ticket's other
# fields (its state, the clocks' times, who changed it) and what the show adds.
READ_ONLY = frozenset(Ticket.model_fields) - set(WRITABLE) | {
    "status_label", "priority_label", "timezone", "at", "clocks", "linked", "timeline", "notified", "escalations"}
# A time as the JSON prints it (2026-12-07T09:30:00+08:00); a zone-less one is site time.
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
JSON_MAX = 1_000_000  # bytes on stdin: a ticket is a few kilobytes (a description at most 4,000 characters)
# A field's option, for an error about a value given on the command line.
OPTION_OF = {"site_id": "--site", "equipment_id": "--equipment", "technician_id": "--technician",
             "reported_at": "--at"}


class TicketGroup(click.Group):
    """``dispatch ticket 12`` is ``dispatch ticket show 12``: a first word
    that names no command (a number, an option) goes to ``show``, and so
    does none: "Missing argument 'N'", as before there were commands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["show", *args]
        return super().parse_args(ctx, args)


@cli.group(cls=TicketGroup, short_help=_("One ticket: print it, add one, or take it through its steps."),
           help=_("One ticket: print it ('dispatch ticket N' is 'dispatch ticket show N'), add one from options or"
                  " JSON, or take it through its steps as the console does: the same rules, roles, audit and"
                  " messages."))
def ticket() -> None:
    pass


ticket.add_command(show)


# ------------------------------------------------------------------- add

def _read_json(source: str) -> dict[str, Any]:
    """One JSON object from stdin (``-``) or a file; every way it can be wrong is one line."""
    try:
        if source == "-":
            raw = sys.stdin.buffer.read(JSON_MAX + 1)
        else:
            with open(source, "rb") as f:
                raw = f.read(JSON_MAX + 1)
    except OSError as exc:
        fail(_("--json: cannot read {path} ({e})").format(path=source, e=exc.strerror or exc))
    if len(raw) > JSON_MAX:
        fail(_("--json: more than {n} bytes; one ticket is expected").format(n=JSON_MAX))
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        fail(_("--json: not UTF-8 text"))
    except json.JSONDecodeError as exc:
        fail(_("--json: not valid JSON (line {line}, column {column})").format(line=exc.lineno, column=exc.colno))
    except RecursionError:
        fail(_("--json: nested too deeply"))
    if not isinstance(data, dict):
        fail(_("--json: one JSON object expected, like the one 'dispatch ticket N --format json' prints"))
    unknown = [k for k in data if k not in WRITABLE and k not in READ_ONLY]
    if unknown:
        fail(_("--json: unknown key {key}; the keys are those 'dispatch ticket N --format json' prints").format(
            key=json.dumps(unknown[0], ensure_ascii=False)))
    return {k: v for k, v in data.items() if k in WRITABLE}


def _priority(value: Any) -> Any:
    """P1–P4 as the queue prints them, or the number."""
    if isinstance(value, str) and value.strip()[:1] in ("p", "P") and value.strip()[1:].isdigit():
        return int(value.strip()[1:])
    return value


def _reported(value: Any, tz: str, now: DateTime) -> DateTime | None:
    """When the fault was reported: a stated time as the console's forms take
    one (14:05, yesterday 21:00, 11-25 14:05, site time), or ISO 8601 with its
    offset as the JSON prints it; never in the future."""
    import pendulum

    from store.rules.stated import check_stated, parse_stated

    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    bad = ValidationFailed.one("at", _("a time like 14:05, yesterday 21:00 or 11-25 14:05 (site time)"))
    if not isinstance(value, str):
        raise bad
    if ISO.fullmatch(value.strip()) is None:
        at = parse_stated(value, tz, now)
    else:
        try:
            parsed = pendulum.parse(value.strip(), tz=tz)
        except (ValueError, TypeError, OverflowError):
            raise bad from None
        if not isinstance(parsed, DateTime):
            raise bad
        at = parsed.in_timezone("UTC")
    assert at is not None
    check_stated(at, now, [], tz)
    return at


def _site(store: Store, code: str) -> int:
    return find(_("site"), code, [(s.id, s.code) for s in store.reference.sites(limit=-1)])


@ticket.command("add", short_help=_("Add a ticket from options or JSON (another system's)."),
                help=_("Add a ticket from options, or from one JSON object (--json -) with the keys"
                       " 'dispatch ticket N --format json' prints; options win over the JSON. Prints the"
                       " new ticket's number, or the ticket as JSON."))
@click.option("--json", "source", metavar="FILE|-",
              help=_("Read the ticket from this JSON file, or stdin (-). Keys it prints but intake does not"
                     " take (id, status, version, the clocks, …) are ignored; any other key is refused."))
@click.option("--channel", type=click.Choice(CHANNELS, case_sensitive=False),
              help=_("How it was reported (default phone)."))
@click.option("--reporter", help=_("Who reported it."))
@click.option("--phone", help=_("The reporter's phone."))
@click.option("--site", metavar="CODE", help=_("The site's code (or #id)."))
@click.option("--equipment", metavar="TAG", help=_("The equipment's asset tag (or #id); without --site, the site is its own."))
@click.option("--category", type=click.Choice(CATEGORIES, case_sensitive=False),
              help=_("The kind of equipment (default: the equipment's, else other)."))
@click.option("--priority", metavar="P", help=_("1 to 4 or P1 to P4 (default 3, as the console's form)."))
@click.option("--description", help=_("The fault as reported."))
@click.option("--at", "reported", metavar="TIME",
              help=_("When it was reported, if not now: 14:05, yesterday 21:00, 11-25 14:05 (site time) or ISO 8601."))
@click.option("--format", "fmt", type=click.Choice(["text", "json"], case_sensitive=False), default="text", show_default=True,
              help=_("text: the new number; json: the ticket as 'dispatch ticket N --format json' prints it."))
@file_options
@click.pass_context
def ticket_add(ctx: click.Context, source: str | None, channel: str | None, reporter: str | None, phone: str | None,
               site: str | None, equipment: str | None, category: str | None, priority: str | None,
               description: str | None, reported: str | None, fmt: str) -> None:
    obj: Ctx = ctx.obj
    data = _read_json(source) if source is not None else {}
    # An error names a field as it was given: its option, else its JSON key.
    names = {k: k if source is not None else OPTION_OF.get(k, "--" + k) for k in WRITABLE}
    store = obj.open()
    given = {"channel": channel and channel.lower(), "reporter": reporter, "phone": phone,
             "category": category and category.lower(), "priority": priority, "description": description,
             "reported_at": reported}
    for key, value in given.items():
        if value is not None:
            data[key], names[key] = value, OPTION_OF.get(key, "--" + key)
    if site is not None:
        data["site_id"], names["site_id"] = _site(store, site), "--site"
    if equipment is not None:
        site_of = data.get("site_id") if isinstance(data.get("site_id"), int) else None
        found = store.reference.equipment(site_of, limit=-1)
        data["equipment_id"] = find(_("equipment"), equipment, [(e.id, e.asset_tag) for e in found])
        names["equipment_id"] = "--equipment"
        picked = next(e for e in found if e.id == data["equipment_id"])
        if "category" not in data:  # as the console's form does when the equipment is picked
            data["category"] = picked.category
        if "site_id" not in data:  # where the equipment stands
            data["site_id"], names["site_id"] = picked.site_id, "--equipment"
    data.setdefault("priority", 3)
    data["priority"] = _priority(data["priority"])
    try:
        data["reported_at"] = _reported(data.get("reported_at"), store.settings.timezone, store.now())
        t = store.tickets.create_ticket(data)
    except ValidationFailed as exc:
        errors = {("reported_at" if k == "at" else k): v for k, v in exc.errors.items()}
        refused(errors, names)
    if t.repeat_of:
        click.echo(_("linked as a second repair of #{id}").format(id=t.repeat_of), err=True)
    print_ticket(ctx, t, fmt, str(t.id))


for step in STEPS:
    ticket.add_command(step)
ticket.add_command(ticket_edit)
