"""``dispatch queue --at TIME`` and ``--before EVENT``: the queue as it stood
at a past moment, replayed from the audit log (docs/rules.md "The queue at a
past moment"); ``dispatch snapshot``, run from cron, keeps the snapshots that
make a moment a month back quick."""

from __future__ import annotations

import re
from typing import Any

import click

from console.format import fit, local_time
from store.errors import NotFound, ValidationFailed
from store.i18n import _, ngettext
from store.repo.past import PastQueue
from store.rules.stated import parse_stated
from store.store import Store
from store.text import clean
from store.timeutil import from_db

from .common import Ctx, cli, fail, file_options
from .output import terminal_width, write_csv, write_json

_BEFORE = re.compile(r"#?(\d+):(?:ticket\.)?([a-z_]+)(?::(\d+))?")


def event_words(e: dict[str, Any], tz: str) -> str:
    at = from_db(e["at"])
    assert at is not None
    ticket = f" #{e['ticket_id']}" if e["ticket_id"] else ""
    return _("event {id}: {action}{ticket} by {actor}, {at}").format(
        id=e["id"], action=e["action"], ticket=ticket, actor=clean(e["actor"], single_line=True),
        at=local_time(at, tz, "YYYY-MM-DD HH:mm:ss"))


def _before(store: Store, text: str) -> tuple[PastQueue, dict[str, Any]]:
    """An event number, or TICKET:ACTION[:N] (the ticket's N-th event of
    that kind, the first by default): the queue just before it."""
    t = text.strip()
    try:
        if t.lstrip("eE").isdigit():
            return store.past.before(int(t.lstrip("eE")))
        m = _BEFORE.fullmatch(t.casefold())
        if m is None:
            fail(_("--before {text}: give an event number or TICKET:ACTION, e.g. 1480:assign or 1480:reassign:2").format(
                text=t))
        ticket, action, nth = int(m.group(1)), "ticket." + m.group(2), int(m.group(3) or 1)
        ids = [r[0] for r in store.db.q("SELECT id FROM events WHERE ticket_id = ? AND entity = 'ticket' AND action = ?"
                                        " ORDER BY id", (ticket, action))]
        if len(ids) < nth or nth < 1:
            fail(ngettext("ticket #{id} has {n} {action} event", "ticket #{id} has {n} {action} events", len(ids)).format(
                id=ticket, n=len(ids), action=action))
        return store.past.before(ids[nth - 1])
    except NotFound as exc:
        fail(str(exc))


def past_queue(store: Store, at: str | None, before: str | None, limit: int, fmt: str,
               line: Any, table: Any, csv_fields: tuple[str, ...], display_only: set[str]) -> None:
    """Print the queue at ``at`` or just before event ``before``, as the live one is printed."""
    tz, now = store.settings.timezone, store.now()
    event = None
    if before is not None:
        q, event = _before(store, before)
    else:
        try:
            when = parse_stated(at, tz, now)
        except ValidationFailed as exc:
            fail(f"--at: {next(iter(exc.errors.values()))}")
        if when is None:
            fail(_("--at: give a time, e.g. 14:30, yesterday 14:30 or 2026-12-05 14:30"))
        if when > now:
            fail(_("--at {time}: that has not come yet; the queue now is 'dispatch queue'").format(time=at))
        q = store.past.at(when)
    instant = from_db(q.at)
    assert instant is not None
    lines = [line(r, instant, tz) for r in q.rows(0, limit)]
    c = q.counts()
    fmt = fmt.lower()
    if fmt == "json":
        write_json({
            "past": True, "at": instant, "timezone": tz,
            "before_event": None if event is None else {k: event[k] for k in ("id", "at", "actor", "action", "ticket_id")},
            "counts": c, "matching": c["open"],
            "tickets": [{k: v for k, v in d.items() if k not in display_only} for d in lines],
        }, tz)
        return
    if fmt == "csv":
        write_csv(lines, csv_fields)
        return
    summary = _("PAST {at} {tz} · open {o} · at risk {r} · breached {b} · unassigned {u}").format(
        o=c["open"], r=c["at_risk"], b=c["breached"], u=c["unassigned"], at=local_time(instant, tz, "YYYY-MM-DD HH:mm:ss"),
        tz=tz)
    width = terminal_width()
    if event is not None:
        click.echo(_("just before {event}").format(event=event_words(event, tz)))
    click.echo(fit(summary, width).rstrip() if width is not None else summary)
    if lines:
        table(lines)
    else:
        click.echo(_("no tickets"))


@cli.command(short_help=_("Keep the snapshots of the queue for 'dispatch queue --at' (run from cron)."),
             help=_("Keep the snapshots the queue at a past moment starts from: one every 2,000 events and after"
                    " each change of the SLA rules or bulk load, written in short transactions so others keep working."
                    " Run it from cron (e.g. hourly); 'dispatch check' checks them against the events."))
@file_options
@click.pass_obj
def snapshot(obj: Ctx) -> None:
    store = obj.open()
    made = store.snapshots.keep()
    click.echo(ngettext("{path}: {n} queue snapshot kept", "{path}: {n} queue snapshots kept", made).format(
        path=obj.db, n=made))
    store.close()
