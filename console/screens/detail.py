"""Ticket detail: every field, the three SLA clocks, the timeline, linked tickets."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Static

from store.models import Event, Ticket, category_label, channel_label, priority_label, wait_reason_label
from store.rules import status_label
from store.sla import ClockStatus
from store.text import clean
from store.timeutil import from_db

from ..actions import ACTION_BINDINGS, HELP_BINDING, Target, TicketActions, target_of
from ..format import STATE_SYMBOL, clock_title, duration, fit, local_time, state_label
from ..i18n import _


class DetailScreen(TicketActions):
    BINDINGS = [
        HELP_BINDING,
        Binding("escape,q", "back", _("Back")),
        *ACTION_BINDINGS,
        Binding("ctrl+r", "reload", _("Reload"), show=False),
    ]
    DEFAULT_CSS = """
    DetailScreen #detail { padding: 0 1; }
    DetailScreen .section { text-style: bold; margin-top: 1; color: $accent; }
    """

    def __init__(self, ticket_id: int) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.ticket: Ticket | None = None
        self._version = -1
        self._clocks: list[ClockStatus] = []
        self._clocks_text: Content | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static(_("Loading…"), id="fields")
            yield Static(_("SLA clocks"), classes="section")
            yield Static("", id="clocks")
            yield Static(_("Second-repair links"), classes="section")
            yield Static("", id="linked")
            yield Static(_("Timeline"), classes="section")
            yield Static("", id="timeline")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#detail").focus()
        self.load()
        self.set_interval(1.0, self._render_clocks, name="clocks")
        self.set_interval(self.app.poll_seconds, self.watch_file, name="poll")  # type: ignore[attr-defined]

    @work(thread=True, exclusive=True, group="detail-poll", exit_on_error=False)
    def watch_file(self) -> None:
        """Live like the queue: reload when another process wrote to the file."""
        try:
            version = self.app.store.data_version()  # type: ignore[attr-defined]
        except Exception:
            return
        if version != self._version:
            first = self._version == -1
            self._version = version
            if not first:
                self.app.call_from_thread(self.load)

    def selected(self) -> Target | None:
        return target_of(self.ticket) if self.ticket else None

    def after_change(self) -> None:
        self.load()

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def load(self) -> None:
        store = self.app.store  # type: ignore[attr-defined]
        try:
            data = (store.ticket(self.ticket_id), store.clocks(self.ticket_id),
                    store.linked(self.ticket_id), store.timeline(self.ticket_id),
                    {tech.id: tech.name for tech in store.technicians()})
        except Exception as exc:
            self.app.call_from_thread(self.notify, clean(str(exc), single_line=True), severity="error", markup=False)
            return
        self.app.call_from_thread(self.show, *data)

    def _render_clocks(self) -> None:
        """Countdowns tick; the Static is updated only when its text changes."""
        if self.ticket is None:
            return
        t, tz = self.ticket, self.app.tz  # type: ignore[attr-defined]
        now = self.app.clock()  # type: ignore[attr-defined]
        rows = []
        for c in self._clocks:
            state = c.state(now)
            if c.met_at is not None:
                when = _("met {at}").format(at=local_time(c.met_at, tz))
                if not c.met_on_time:
                    when += " " + _("(late)")
            elif c.due is None:
                when = _("stopped, {left} left").format(left=duration(c.frozen_left_s or 0))
            else:
                left = c.seconds_left(now)
                when = (_("{d} overdue") if left < 0 else _("{d} left")).format(d=duration(left))
            open_ticket = t.status not in ("closed", "cancelled")
            shown = state_label(state) if (open_ticket or c.met_at) else "—"
            rows.append(Content(
                f"{STATE_SYMBOL.get(state, ' ')} {clock_title(c.clock):<18} "
                f"{_('due')} {local_time(c.due, tz) if c.due else '—':<17} {shown:<9} {when}\n"
            ).stylize("$error bold" if state == "breached" else ("$warning" if state == "at_risk" else "")))
        text = Content("").join(rows)
        if text != self._clocks_text:
            self._clocks_text = text
            self.query_one("#clocks", Static).update(text)

    def show(
        self, t: Ticket, clocks: list[ClockStatus], linked: list[Ticket], events: list[Event], names: dict[int, str],
    ) -> None:
        self.ticket = t
        self.refresh_bindings()  # the footer offers what this state allows
        tz = self.app.tz  # type: ignore[attr-defined]

        def line(label: str, value: Any) -> Content:
            text = clean(str(value) if value not in (None, "") else "—")
            return Content.assemble((f"{label:<16}", "bold"), text, "\n")

        fields = [
            Content.styled(_("Ticket #{id}").format(id=t.id) + f"  {priority_label(t.priority)}  "
                           + status_label(t.status, t.arrival_mode), "bold reverse"),
            Content("\n"),
            line(_("Reported"), local_time(t.reported_at, tz) + f"  ({channel_label(t.channel)})"),
            line(_("Reporter"), f"{t.reporter}  {t.phone}"),
            line(_("Site"), t.site_name),
            line(_("Equipment"), t.equipment_tag),
            line(_("Category"), category_label(t.category)),
            line(_("Description"), t.description),
            line(_("Technician"), t.technician_name),
            line(_("Logged by"), t.created_by),
        ]
        if t.wait_reason:
            fields.append(line(_("Waiting on"), wait_reason_label(t.wait_reason)))
        if t.resolved_at:
            fields += [line(_("Symptom"), t.symptom), line(_("Cause"), t.cause),
                       line(_("Action"), t.action), line(_("Parts"), t.parts)]
        if t.closed_at:
            fields += [line(_("Signed off by"), t.signoff), line(_("Fee"), t.fee)]
        if t.cancelled_at:
            fields.append(line(_("Cancelled"), t.cancel_reason))
        fields.append(line(_("Version"), _("{v}, last change by {by} at {at}").format(
            v=t.version, by=t.updated_by, at=local_time(t.updated_at, tz, "YYYY-MM-DD HH:mm:ss"))))
        self.query_one("#fields", Static).update(Content("").join(fields))

        self._clocks = clocks
        self._clocks_text = None
        self._render_clocks()

        links = [
            Content(f"#{o.id}  {local_time(o.reported_at, tz)}  {status_label(o.status)}  "
                    + (_("repeats this ticket") if o.repeat_of == t.id else _("earlier repair"))
                    + f"  {clean(o.description, single_line=True)[:50]}\n")
            for o in linked
        ]
        self.query_one("#linked", Static).update(Content("").join(links) if links else Content(_("none")))

        def value(key: str, v: object) -> str:
            if key == "technician_id" and isinstance(v, int):
                v = names.get(v, v)
            elif key.endswith("_at") and isinstance(v, str):
                v = local_time(from_db(v), tz, "MM-DD HH:mm")
            return clean("—" if v in (None, "") else str(v), single_line=True)[:40]

        timeline = []
        for e in events:
            if e.action == "ticket.create":
                changes = f"P{e.new.get('priority')} {clean(str(e.new.get('description', '')), single_line=True)[:60]}"
            else:
                # The audit row as recorded: field, old → new (names for ids, local times).
                changes = ", ".join(
                    f"{k.removesuffix('_id')}: {value(k, e.old[k])} → {value(k, v)}" if k in e.old
                    else f"{k}: {value(k, v)}"
                    for k, v in e.new.items()
                )
            timeline.append(Content(
                f"{local_time(e.at, tz, 'MM-DD HH:mm:ss')}  {fit(clean(e.actor, single_line=True), 10)} "
                f"{e.action.removeprefix('ticket.'):<9} {changes}\n"
            ))
        self.query_one("#timeline", Static).update(Content("").join(timeline))
