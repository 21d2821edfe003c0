"""``dispatch handover``: the shift handed over (docs/rules.md "Handing over a
shift") as plain text for a chat message, as JSON with the same groups, or as
the printable A4 sheet (``-o FILE.xlsx``, or ``-o FILE.html`` to print from a browser). Reads only. Headless: no textual."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from store.errors import ValidationFailed
from store.i18n import _
from store.repo.handover import Handover
from store.rules.stated import parse_stated

from .common import Ctx, cli, fail, file_options
from .output import write_json


def handover_json(h: Handover) -> dict[str, Any]:
    """The same groups as the text, in the order shown, with their totals."""
    return {
        "since": h.since, "until": h.until, "items": h.items,
        "groups": [{"key": g.key, "title": g.title, "action": g.action, "total": g.total,
                    "lines": [{"ticket": x.ticket, "at": x.at, "text": x.text} for x in g.lines]} for g in h.groups],
        "note": None if h.note is None else {"id": h.note.id, "at": h.note.at, "by": h.note.by,
                                             "since": h.note.since, "body": h.note.body, "items": h.note.items},
    }


@cli.command("handover", help=_(
    "What changed during the shift and what the next dispatcher must know, grouped by what needs action first."
    " Default period: since the start of your shift (your first change in the last 12 hours, else 8 hours ago)."))
@click.option("--since", default=None, metavar="TIME",
              help=_("Start of the period, site time: 08:00, yesterday 20:00, 12-05 08:00 or 2026-12-05 08:00."))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", "output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              metavar="FILE", help=_("Write the printable A4 sheet there instead: a workbook (.xlsx) or a page to print (.html)."))
@file_options
@click.pass_obj
def handover(obj: Ctx, since: str | None, fmt: str, output: Path | None) -> None:
    if output is not None:
        if output.suffix.lower() not in (".xlsx", ".html"):
            fail(_("{path}: the printable sheet is a workbook (.xlsx) or a page (.html)").format(path=output))
        if not output.parent.exists():
            fail(_("{path}: no such folder").format(path=output.parent))
    store = obj.open()
    try:
        tz = store.settings.timezone
        try:
            start = parse_stated(since, tz, store.now())
        except ValidationFailed as exc:
            fail(f"--since: {next(iter(exc.errors.values()))}")
        h = store.handover.report(start)
        if output is not None:
            from store.transfer.handover_sheet import write_handover_html, write_handover_sheet

            write = write_handover_html if output.suffix.lower() == ".html" else write_handover_sheet
            write(h, tz, store.actor, output)
            click.echo(str(output))
        elif fmt == "json":
            write_json(handover_json(h), tz)
        else:
            from store.transfer.handover_sheet import chat_text

            click.echo(chat_text(h, tz, store.actor), nl=False)
    finally:
        store.close()
