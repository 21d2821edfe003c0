"""``dispatch ticket edit N``: correct what was taken down at intake, as the
console's edit form does (store/repo/ticket_edit.py). With ``--version V``
(the version last printed) a ticket someone changed since is merged field by
field: their changes to other fields are kept and the command says so; a
field both changed to different values is a conflict, one line naming the
fields (``--format json``: each field's original, theirs and yours), exit 2,
nothing saved."""

from __future__ import annotations

import sys
from typing import Any

import click

from store.errors import EditConflict, StaleTicket, ValidationFailed
from store.i18n import _
from store.labels import CATEGORIES
from store.rules.history import field_label
from store.text import clean

from .common import Ctx, fail, file_options
from .output import write_json
from .records import find
from .ticket_steps import FORMAT_CHOICE, print_ticket, refused, stale, ticket_number

NONE_WORDS = ("none", "-")  # --equipment none: no equipment
OPTIONS = {"site_id": "--site", "equipment_id": "--equipment"}


def _priority(text: str) -> int | str:
    """P1–P4 as the queue prints them, or the number (as ``ticket add``)."""
    digits = text.strip().lstrip("pP")
    return int(digits) if digits.isdigit() else text


def _conflict_json(exc: EditConflict) -> dict[str, object]:
    return {
        "error": str(exc), "ticket": exc.ticket_id, "version": exc.version, "by": list(exc.by),
        "conflicts": {k: {"original": o, "theirs": t, "yours": y} for k, (o, t, y) in exc.conflicts.items()},
    }


@click.command("edit", short_help=_("Correct what was taken down at intake."),
                help=_("Correct the ticket's intake fields (priority, category, reporter, phone, site, equipment,"
                       " description). With --version, a ticket someone changed since is merged: their changes to"
                       " other fields are kept; the same field changed to another value is refused, naming it."))
@click.argument("number", metavar="N")
@click.option("--priority", metavar="P", help=_("1 to 4 or P1 to P4 (needs --reason)."))
@click.option("--reason", default="", help=_("Why the priority changes."))
@click.option("--category", type=click.Choice(CATEGORIES, case_sensitive=False), help=_("The kind of equipment."))
@click.option("--reporter", help=_("Who reported it."))
@click.option("--phone", help=_("The reporter's phone."))
@click.option("--site", metavar="CODE", help=_("The site's code (or #id)."))
@click.option("--equipment", metavar="TAG", help=_("The equipment's asset tag (or #id), or 'none'."))
@click.option("--description", help=_("The fault as reported."))
@click.option("--version", type=click.IntRange(min=1), metavar="V",
              help=_("The version the change is based on (as last printed): changes made since to other fields"
                     " are kept, the same field changed to another value is refused."))
@click.option("--format", "fmt", type=FORMAT_CHOICE, default="text", show_default=True,
              help=_("text: what was done and the new version; json: the ticket as"
                     " 'dispatch ticket N --format json' prints it (a conflict: its fields)."))
@file_options
@click.pass_context
def ticket_edit(ctx: click.Context, number: str, priority: str | None, reason: str, category: str | None,
                reporter: str | None, phone: str | None, site: str | None, equipment: str | None,
                description: str | None, version: int | None, fmt: str) -> None:
    obj: Ctx = ctx.obj
    store = obj.open()
    current = store.tickets.ticket(ticket_number(number))
    changes: dict[str, Any] = {k: v for k, v in (("reporter", reporter), ("phone", phone),
                                                  ("description", description)) if v is not None}
    if priority is not None:
        changes["priority"] = _priority(priority)
    if category is not None:
        changes["category"] = category.lower()
    if site is not None:
        changes["site_id"] = find(_("site"), site, [(s.id, s.code) for s in store.reference.sites(limit=-1)])
    if equipment is not None:
        if equipment.strip().lower() in NONE_WORDS:
            changes["equipment_id"] = None
        else:
            found = store.reference.equipment(changes.get("site_id"), limit=-1)
            changes["equipment_id"] = find(_("equipment"), equipment, [(e.id, e.asset_tag) for e in found])
    if not changes:
        fail(_("nothing to change: give at least one of --priority, --category, --reporter, --phone, --site,"
               " --equipment, --description"))
    at = current.version if version is None else version
    try:
        done = store.tickets.edit(current.id, at, changes, reason=reason)
    except EditConflict as exc:
        if fmt.lower() == "json":
            write_json(_conflict_json(exc))
        fail(_("ticket #{id}: {by} changed {fields} meanwhile to other values; nothing was saved. Choose and"
               " run again with --version {version}").format(
            id=exc.ticket_id, by=", ".join(exc.by), version=exc.version,
            fields=", ".join(field_label(k) for k in exc.conflicts)))
    except StaleTicket as exc:
        stale(exc, at, store.settings.timezone)
    except ValidationFailed as exc:
        refused(exc.errors, OPTIONS)
    if done.merged is not None and done.merged.fields:
        # On stderr: the text or JSON on stdout stays what 'ticket N' prints.
        click.echo(clean(_("merged with {by}'s change: {fields}").format(
            by=", ".join(done.merged.by), fields=", ".join(field_label(k) for k in done.merged.fields)),
            single_line=True), err=True)
    t = done.ticket
    print_ticket(ctx, t, fmt, _("Ticket #{id} edited.").format(id=t.id) + " "
                 + _("Now at version {v}.").format(v=t.version))
    sys.stdout.flush()
