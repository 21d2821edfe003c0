"""Reading the queue from a shell: ``queue`` (the live queue as a table, CSV or
JSON) and ``ticket show`` (one ticket with its clocks and timeline; the
``ticket`` group, in tickets.py, runs it for ``dispatch ticket N``).

Untrusted text (descriptions, names, notes) is cleaned of control characters
before it is printed, in every format; times are in the site's time zone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import click
from pendulum import DateTime

from console.format import escalation_text, fee_item_lines, fit, invoice_text, local_time, notified_text
from store.i18n import _
from store.labels import category_label, channel_label, priority_label, wait_reason_label
from store.models import QueueFilter, QueueRow, Ticket
from store.rules.countdown import clock_label, clock_title, clock_words, row_clock, state_label
from store.rules.lifecycle import OPEN_STATUSES, status_label
from store.rules.sla import ClockStatus
from store.store import Store
from store.text import clean
from store.timeutil import from_db

from .common import Ctx, cli, fail, file_options
from .output import FORMATS, Column, terminal_width, write_csv, write_json, write_table

PAGE = 1000
CSV_FIELDS = ("id", "priority", "status", "status_label", "technician", "site", "equipment", "description",
              "repeat_of", "next_clock", "due", "deadline", "seconds_left", "countdown", "state", "state_label")
DISPLAY_ONLY = {"deadline", "countdown"}  # the table's words for next_clock + due and seconds_left: not in JSON
SYMBOL = {"at_risk": "!", "breached": "✗"}  # colour never carries meaning alone, and a pipe has none


def _key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _statuses(values: Iterable[str]) -> tuple[str, ...]:
    known = {}
    for s in OPEN_STATUSES:
        known[_key(s)] = s
        known[_key(status_label(s))] = s
    # The English label works in every language, as "on site" does (its key is the stored name):
    # help and docs name the held state "on hold"; "waiting" is its stored name.
    known[_key("on hold")] = "waiting"
    out = []
    for part in (p for v in values for p in v.split(",") if p.strip()):
        if _key(part) not in known:
            fail(_("unknown status {s}; use {known}").format(
                s=part, known=", ".join(status_label(s) for s in OPEN_STATUSES)))
        out.append(known[_key(part)])
    return tuple(dict.fromkeys(out))


def _priorities(values: Iterable[str]) -> tuple[int, ...]:
    out = []
    for part in (p.strip() for v in values for p in v.split(",") if p.strip()):
        digits = part[1:] if part[:1] in "pP" else part
        if digits not in ("1", "2", "3", "4"):
            fail(_("unknown priority {p}; use 1 to 4 (or P1 to P4)").format(p=part))
        out.append(int(digits))
    return tuple(dict.fromkeys(out))


def _pick(kind: str, query: str, items: list[tuple[int, str]]) -> tuple[int, str]:
    """By id, by whole name, or by a part of a name that only one has (any case)."""
    q = query.strip().lstrip("#")
    if q.isdigit():
        found = [i for i in items if i[0] == int(q)]
    else:
        found = [i for i in items if i[1].casefold() == q.casefold()]
        found = found or [i for i in items if q.casefold() in i[1].casefold()]
    if len(found) == 1:
        return found[0]
    names = ", ".join(clean(n, single_line=True) for _, n in items[:12])
    if found:
        fail(_("{q} matches several: {names}; give more of the name").format(
            q=query, names=", ".join(clean(n, single_line=True) for _, n in found)))
    fail(_("no {kind} matches {q}; there are: {names}").format(kind=kind, q=query, names=names or "—"))


def _fetch(store: Store, f: QueueFilter, technician: str | None, limit: int) -> tuple[list[QueueRow], int]:
    """The first ``limit`` rows and how many match in all. The store filters by
    team, not by technician: narrow by the name in SQL, keep exact matches."""
    if technician is None:
        return store.queue.find(f, limit=limit), store.queue.queue_count(f)
    narrowed = f.model_copy(update={"text": technician})
    rows: list[QueueRow] = []
    total, offset = 0, 0
    while True:
        page = store.queue.find(narrowed, offset=offset, limit=PAGE)
        for r in page:
            if r.technician_name == technician:
                total += 1
                if len(rows) < limit:
                    rows.append(r)
        if len(page) < PAGE:
            return rows, total
        offset += PAGE


def _when(dt: DateTime, tz: str, today: date) -> str:
    local = dt.in_timezone(tz)
    return local.format("HH:mm") if local.date() == today else local.format("MM-DD HH:mm")


def _line(row: QueueRow, now: DateTime, tz: str) -> dict[str, Any]:
    left, state = row_clock(row, now.timestamp())
    if row.next_clock is None:
        deadline, seconds = "—", None
    elif row.due_at is None:
        deadline = clock_label(row.next_clock) + " " + _("on hold")
        seconds = None if row.frozen_left_s is None else round(row.frozen_left_s)
    else:
        deadline = f"{clock_label(row.next_clock)} {_when(row.due_at, tz, now.in_timezone(tz).date())}"
        seconds = round(row.due_at.timestamp() - now.timestamp())
    return {
        "id": row.id,
        "priority": row.priority,
        "status": row.status,
        "status_label": status_label(row.status, row.arrival_mode),
        "technician": clean(row.technician_name, single_line=True) or None,
        "site": clean(row.site_name, single_line=True),
        "equipment": clean(row.equipment_tag, single_line=True) or None,
        "description": clean(row.description, single_line=True),
        "repeat_of": row.repeat_of,
        "next_clock": row.next_clock,
        "due": row.due_at.in_timezone(tz).isoformat() if row.due_at else None,
        "deadline": deadline,
        "seconds_left": seconds,
        "countdown": left,
        "state": state or None,
        "state_label": state_label(state) if state else None,
    }


def _table(lines: list[dict[str, Any]]) -> None:
    """On a terminal the description takes what is left of the line, after the
    technician (at most 12 cells) and the site (at most 24) give way down to 6
    and 8; piped, every cell is whole."""
    columns = [Column(_("#"), least=None), Column(_("P"), least=None), Column(_("status"), least=None),
               Column(_("technician"), most=12, least=6), Column(_("next deadline"), least=None),
               Column(_("left"), right=True, least=None), Column(_("state"), least=None),
               Column(_("site"), most=24, least=8), Column(_("description"), rest=True, least=10)]
    write_table(columns, [[
        f"#{d['id']}", f"P{d['priority']}", d["status_label"] + (" ↻" if d["repeat_of"] else ""),
        d["technician"] or "—", d["deadline"], d["countdown"],
        f"{SYMBOL.get(d['state'] or '', ' ')} {d['state_label'] or ''}".rstrip(), d["site"], d["description"],
    ] for d in lines], gap=1)


@cli.command(short_help=_("Print the live queue as a table, CSV or JSON."),
             help=_("Print the live queue (priority, then time left) as a table, CSV or JSON: each ticket's"
                    " technician, next deadline (site time), time left and state. A table is fitted to the"
                    " terminal's width, and whole when piped. With --at or --before, the queue as it stood then,"
                    " replayed from the audit log (docs/rules.md \"The queue at a past moment\")."))
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help=_("How many tickets to list."))
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help=_("Output format."))
@click.option("--status", multiple=True, metavar="STATUS",
              help=_("Only this status: new, assigned, on site, on hold, resolved (repeat or comma-separate)."))
@click.option("--priority", multiple=True, metavar="P", help=_("Only this priority, 1–4 or P1–P4 (repeat or comma-separate)."))
@click.option("--team", metavar="NAME|ID", help=_("Only tickets of this team's technicians."))
@click.option("--technician", metavar="NAME|ID", help=_("Only tickets assigned to this technician."))
@click.option("--unassigned", is_flag=True, help=_("Only tickets with no technician."))
@click.option("--at", "at", metavar="TIME",
              help=_("The queue as it stood then (site time: 14:30, yesterday 14:30, 2026-12-05 14:30), from the audit log."))
@click.option("--before", "before", metavar="EVENT",
              help=_("The queue just before an event, as its actor saw it: an event number, or TICKET:ACTION"
                     " (1480:assign, 1480:reassign:2)."))
@file_options
@click.pass_obj
def queue(obj: Ctx, limit: int, fmt: str, status: tuple[str, ...], priority: tuple[str, ...], team: str | None,
          technician: str | None, unassigned: bool, at: str | None, before: str | None) -> None:
    if at is not None or before is not None:
        if at is not None and before is not None:
            fail(_("--at and --before exclude each other"))
        if status or priority or team or technician or unassigned:
            fail(_("the queue at a past moment is shown whole: --status, --priority, --team, --technician and"
                   " --unassigned do not apply with --at or --before"))
        from .past import past_queue

        past_queue(obj.open(read_only=True), at, before, limit, fmt, _line, _table, CSV_FIELDS, DISPLAY_ONLY)
        return
    if technician and unassigned:
        fail(_("--technician and --unassigned exclude each other"))
    store = obj.open(read_only=True)  # reading never takes the write lock
    f = QueueFilter(statuses=_statuses(status), priorities=_priorities(priority), unassigned=unassigned)
    if team:
        f = f.model_copy(update={"team_id": _pick(_("team"), team, [(t.id, t.name) for t in store.people.teams()])[0]})
    tech_name = None
    if technician:
        tech_name = _pick(_("technician"), technician, [(t.id, t.name) for t in store.people.technicians()])[1]
    now, tz = store.now(), store.settings.timezone
    rows, total = _fetch(store, f, tech_name, limit)
    lines = [_line(r, now, tz) for r in rows]
    c = store.queue.counts(now)
    fmt = fmt.lower()
    if fmt == "json":  # the values; the table's deadline and countdown are their display
        write_json({
            "at": now.replace(microsecond=0), "timezone": tz,
            "counts": {"open": c.open, "at_risk": c.at_risk, "breached": c.breached, "unassigned": c.unassigned},
            "matching": total, "tickets": [{k: v for k, v in d.items() if k not in DISPLAY_ONLY} for d in lines],
        }, tz)
        return
    if fmt == "csv":
        write_csv(lines, CSV_FIELDS)
        return
    summary = _("open {o} · at risk {r} · breached {b} · unassigned {u} · {at} {tz}").format(
        o=c.open, r=c.at_risk, b=c.breached, u=c.unassigned, at=local_time(now, tz, "YYYY-MM-DD HH:mm"), tz=tz)
    width = terminal_width()
    if width is not None:
        summary = fit(summary, width).rstrip()
    click.echo(summary)
    if f.active or tech_name:
        click.echo(_("{n} match, {shown} shown").format(n=total, shown=len(lines)))
    if lines:
        _table(lines)
    else:
        click.echo(_("no tickets"))


# ---------------------------------------------------------------- ticket

def _clock(c: ClockStatus, t: Ticket, now: DateTime, tz: str) -> dict[str, Any]:
    state = c.state(now)
    seconds = None if c.met_at is not None else c.seconds_left(now)
    when = clock_words(c, seconds, local_time(c.met_at, tz) if c.met_at else "")
    open_ticket = t.status not in ("closed", "cancelled")
    counts = open_ticket or c.met_at is not None  # a cancelled ticket's unmet clocks mean nothing
    return {
        "clock": c.clock, "title": clock_title(c.clock), "due": c.due, "met_at": c.met_at,
        "met_on_time": c.met_on_time, "seconds_left": None if seconds is None else round(seconds),
        "state": state if counts else None, "state_label": state_label(state) if counts else None,
        "text": when if counts else "",
        "_due_text": local_time(c.due, tz) if c.due else "—",
    }


# 'dispatch ticket show N', also 'dispatch ticket N': the group is in tickets.py, with add and the steps.
@click.command("show", short_help=_("Print one ticket with its clocks and timeline."),
               help=_("Print one ticket: its fields, SLA clocks, second-repair links and timeline, in the site's time zone."))
@click.argument("number", metavar="N")
@click.option("--format", "fmt", type=click.Choice(["text", "json"], case_sensitive=False), default="text",
              show_default=True, help=_("Output format."))
@click.option("--explain", is_flag=True, help=_("How each clock's deadline is counted: the window, the working time "
                                                  "day by day, the holds, and met or late (docs/rules.md \"Explaining a clock\")."))
@file_options
@click.pass_obj
def ticket(obj: Ctx, number: str, fmt: str, explain: bool) -> None:
    digits = number.strip().lstrip("#")
    if not digits.isdigit():
        fail(_("not a ticket number: {n}").format(n=number))
    # A ticket's history and its explanation (with the escalation rules they
    # read): here, so that printing the queue does not load them.
    from store.rules.explain_text import ticket_json, ticket_lines
    from store.rules.history import Names, entries

    store = obj.open(read_only=True)
    tid = int(digits)
    if explain:
        x = store.explain.ticket(tid)
        if fmt.lower() == "json":
            write_json(ticket_json(x), x.timezone)
        else:
            click.echo("\n".join(ticket_lines(x)))
        return
    t = store.tickets.ticket(tid)
    now, tz = store.now(), store.settings.timezone
    clocks = [_clock(c, t, now, tz) for c in store.tickets.clocks(tid)]
    linked = store.tickets.linked(tid)
    events = store.tickets.timeline(tid)
    names = {tech.id: tech.name for tech in store.people.technicians(include_retired=True)}
    notified = store.outbox.notified(tid)
    escalations = store.escalations.escalations(ticket_id=tid)
    if fmt.lower() == "json":  # the values: the clocks' words ("text") are the text format's
        data = t.model_dump()
        data.update(
            status_label=status_label(t.status, t.arrival_mode), priority_label=priority_label(t.priority),
            timezone=tz, at=now.replace(microsecond=0),
            clocks=[{k: v for k, v in c.items() if not k.startswith("_") and k != "text"} for c in clocks],
            linked=[{"id": o.id, "relation": "repeated_by" if o.repeat_of == t.id else "repeats",
                     "status": o.status, "reported_at": o.reported_at} for o in linked],
            timeline=[{"at": e.at, "actor": e.actor, "action": e.action, "old": e.old, "new": e.new} for e in events],
            notified={**notified.to_json(), "notified_at": from_db(notified.notified_at)},
            escalations=[e.to_json() for e in sorted(escalations, key=lambda x: (x.due_at, x.id))],
        )
        write_json(data, tz)
        return


    out: list[str] = []

    def field(label: str, value: Any) -> None:
        text = clean(str(value)) if value not in (None, "") else "—"
        first, *rest = text.split("\n")
        out.append(f"{fit(label, 15)} {first}")
        out.extend(" " * 16 + more for more in rest)  # a multi-line description stays readable

    out.append(_("Ticket #{id}").format(id=t.id) + f"  {priority_label(t.priority)}  {status_label(t.status, t.arrival_mode)}"
               + ("  ↻" if t.repeat_of else ""))
    field(_("Reported"), f"{local_time(t.reported_at, tz)}  ({channel_label(t.channel)})")
    field(_("Reporter"), f"{t.reporter}  {t.phone}")
    field(_("Site"), t.site_name)
    field(_("Equipment"), t.equipment_tag)
    field(_("Category"), category_label(t.category))
    field(_("Description"), t.description)
    field(_("Technician"), t.technician_name)
    if (t.technician_id is not None and t.external_ref is None) or notified.notified_at is not None:
        field(_("Notified"), notified_text(notified, tz))  # an imported ticket's notices were the old system's
    field(_("Logged by"), t.created_by)
    if t.external_ref is not None:
        field(_("Imported as"), t.external_ref)
    if t.wait_reason:
        field(_("Hold reason"), wait_reason_label(t.wait_reason))
    if t.resolved_at:
        for label, value in ((_("Symptom"), t.symptom), (_("Cause"), t.cause), (_("Action"), t.action),
                             (_("Parts"), t.parts)):
            field(label, value)
    if t.closed_at:
        field(_("Signed off by"), t.signoff)
        field(_("Fee"), None if t.fee is None else store.settings.format_money(t.fee))
        currency = store.settings.currency
        if t.fee_proposed is not None:  # proposed by the schedule: its items, and why the fee differs
            field(_("Fee items"), "\n".join(fee_item_lines(t.fee_items, currency, width=52)) or None)
            if t.fee_reason:
                field(_("Fee changed"), _("proposed {fee}: {reason}").format(
                    fee=store.settings.format_money(t.fee_proposed), reason=t.fee_reason))
        if t.fee:
            field(_("Invoice"), invoice_text(t, tz))
    if t.cancelled_at:
        field(_("Cancelled"), t.cancel_reason)
    field(_("Version"), _("{v}, last change by {by} at {at}").format(
        v=t.version, by=clean(t.updated_by, single_line=True), at=local_time(t.updated_at, tz, "YYYY-MM-DD HH:mm:ss")))
    out += ["", _("SLA clocks (times in {tz})").format(tz=tz)]
    due_word = _("due")
    for c in clocks:
        out.append(f"{SYMBOL.get(c['state'] or '', ' ')} {fit(c['title'], 18)} {due_word} {fit(c['_due_text'], 17)}"
                   f" {fit(c['state_label'] or '—', 9)} {c['text']}".rstrip())
    out += ["", _("Second-repair links")]
    for o in linked:
        relation = _("repeats this ticket") if o.repeat_of == t.id else _("earlier repair")
        out.append(f"  #{o.id}  {local_time(o.reported_at, tz)}  {status_label(o.status)}  {relation}  "
                   f"{clean(o.description, single_line=True)}")
    if not linked:
        out.append("  " + _("none"))
    out += ["", _("Escalations")]
    out += ["  " + text.replace("\n", "\n  ") for text, _waiting in escalation_text(escalations, tz)] or ["  " + _("none")]
    out += ["", _("Timeline")]
    lookup = Names(names, {t.site_id: t.site_name},
                   {t.equipment_id: t.equipment_tag} if t.equipment_id and t.equipment_tag else {}, store.settings.currency)
    for entry in entries(events, lookup, tz):
        out.append(f"  {local_time(entry.at, tz, 'YYYY-MM-DD HH:mm:ss')}  {fit(entry.actor, 10)} "
                   f"{fit(entry.verb, 11)} {'; '.join(entry.changes)}".rstrip())
    click.echo("\n".join(out))
