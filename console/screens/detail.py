"""Ticket detail: every field, the three SLA clocks, the timeline, linked tickets."""

from __future__ import annotations

from typing import Any

from pendulum import DateTime
from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from store.labels import category_label, channel_label, priority_label, wait_reason_label
from store.models import Event, Ticket
from store.money import DEFAULT_CURRENCY, format_money
from store.repo.escalations import EscalationRecord
from store.rules.countdown import STATE_SYMBOL, clock_title, clock_words, state_label
from store.rules.history import Names, entries, mode_before, short_time
from store.rules.lifecycle import status_label
from store.rules.notified import TicketNotified
from store.rules.sla import ClockStatus
from store.text import BLOCK_LIMIT, LINE_LIMIT, clean, indented

from ..format import escalation_text, fee_item_lines, fit, invoice_text, local_time, notified_text, pad
from ..i18n import N_, _, ngettext
from ..widgets.footer import Footer
from ..widgets.lists import MOVE_KEYS
from .actions import ACTION_BINDINGS, HELP_BINDING, Target, TicketActions, target_of

# Timeline entries read and mounted at a time: a ticket with thousands of
# audit events paints its first screen at once; the next page is read from
# the store and mounted when the page is scrolled near its end.
TIMELINE_PAGE = 25


def escalation_lines(escalations: list[EscalationRecord], tz: str) -> Content:
    """The ticket's escalations (console/format.py ``escalation_text``), those
    nobody acknowledged in bold."""
    lines = [Content.styled(text, "bold") if waiting else Content(text) for text, waiting in escalation_text(escalations, tz)]
    return Content("\n").join(lines) if lines else Content(_("none"))


class DetailBody(VerticalScroll):
    """The scrolling page: j/k/g/G like the queue, on top of the arrows,
    PgUp/PgDn and Home/End a VerticalScroll already has. None of these keys
    is a ticket action (a r o w u v c x)."""

    BINDINGS = [
        Binding("j", "scroll_down", N_("Scroll down"), show=False),
        Binding("k", "scroll_up", N_("Scroll up"), show=False),
        Binding("g", "scroll_home", N_("Top"), show=False),
        Binding("G", "scroll_end", N_("Bottom"), show=False),
    ]

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new >= self.max_scroll_y - self.size.height:
            more = getattr(self.screen, "more_timeline", None)
            if more is not None:
                more()


class LinkList(OptionList):
    """Linked repairs: pick one and Enter opens its detail."""

    BINDINGS = MOVE_KEYS


class DetailScreen(TicketActions):
    BINDINGS = [
        HELP_BINDING,
        Binding("escape,q", "back", N_("Back")),
        Binding("enter", "linked", N_("Linked")),
        *ACTION_BINDINGS,
        # ctrl+e as on the new-ticket form; h is Hours & holidays on the queue: one meaning per key.
        Binding("ctrl+e", "earlier", N_("Earlier tickets")),
        # y: why is it due then (? is Help everywhere): the clocks' deadlines explained.
        Binding("y", "explain", N_("Explain clocks")),
        Binding("ctrl+r", "refresh_now", N_("Refresh now"), show=False),
    ]
    DEFAULT_CSS = """
    DetailScreen #detail { padding: 0 1; }
    DetailScreen .section { text-style: bold; margin-top: 1; color: $accent; }
    DetailScreen #linked { height: auto; border: none; padding: 0; }
    DetailScreen #timeline { height: auto; }
    DetailScreen #timeline .changes { padding-left: 4; }
    """

    def __init__(self, ticket_id: int) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.ticket: Ticket | None = None
        self._clocks: list[ClockStatus] = []
        self._clocks_text: Content | None = None
        self._shown: tuple[Any, ...] | None = None
        self._links: list[int] = []
        # The timeline, read, put into words and mounted a page at a time.
        self._names: Names | None = None
        self._mounted = 0  # entries shown
        self._total = 0  # events the ticket has
        self._last_id = 0  # the last shown event's id: the next page starts after it
        self._mode: str | None = None  # the arrival mode in force after the last shown event
        self._fetching = False
        self._tz = ""
        self._currency = DEFAULT_CURRENCY

    def compose(self) -> ComposeResult:
        with DetailBody(id="detail"):
            yield Static(_("Loading…"), id="fields")
            yield Static(_("SLA clocks"), classes="section")
            yield Static("", id="clocks")
            yield Static(_("Escalations"), classes="section")
            yield Static("", id="escalations")
            yield Static(_("Second-repair links"), classes="section", id="linked-title")
            yield Static(_("none"), id="no-links")
            yield LinkList(id="linked", compact=True)
            yield Static(_("Timeline"), classes="section")
            yield Vertical(id="timeline")
            yield Static("", id="timeline-more")
        # Compact, and no palette hint (ctrl+p is in help): more keys fit at 80 columns.
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#linked").display = False
        self.query_one("#detail").focus()
        self.load()
        self.set_interval(1.0, self._render_clocks, name="clocks")
        # Live like the queue: the console's watcher (console/live.py) calls
        # data_changed once another process wrote to the file after this read.
        self.seen_version = self.app.live.version

    def data_changed(self) -> None:
        self.load()

    def selected(self) -> Target | None:
        return target_of(self.ticket) if self.ticket else None

    def after_change(self) -> None:
        self.load()

    def action_refresh_now(self) -> None:
        self.load()

    def action_explain(self) -> None:
        from .explain import ExplainScreen

        self.app.push_screen(ExplainScreen(self.ticket_id))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_earlier(self) -> None:
        """The caller's and the asset's other tickets, open and closed."""
        from .search import EarlierScreen

        t = self.ticket
        if t is not None:
            what = "  ".join(x for x in (t.reporter, t.phone, t.equipment_tag or "") if x)
            self.app.push_screen(EarlierScreen(t.phone, t.equipment_id, exclude=t.id, what=what))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "linked":
            return bool(self._links)  # shown only when there is something to open
        return super().check_action(action, parameters)

    def action_linked(self) -> None:
        """Enter on the page moves to the linked repairs; Enter there opens one."""
        links = self.query_one(LinkList)
        if self._links:
            links.focus()
            links.scroll_visible(animate=False)

    @on(OptionList.OptionSelected, "#linked")
    def _open_linked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.app.push_screen(DetailScreen(int(event.option.id)))

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def load(self) -> None:
        store = self.app.store
        try:
            # A reload reads as many events as the reader had scrolled to (and,
            # when all were shown, the new ones too).
            keep = max(TIMELINE_PAGE, self._mounted + (TIMELINE_PAGE if self._mounted >= self._total else 0))
            data = (store.tickets.ticket(self.ticket_id), store.tickets.clocks(self.ticket_id),
                    store.tickets.linked(self.ticket_id),
                    (store.tickets.timeline_page(self.ticket_id, 0, keep), store.tickets.timeline_count(self.ticket_id)),
                    {tech.id: tech.name for tech in store.people.technicians(include_retired=True)}, store.settings.currency,
                    store.escalations.escalations(ticket_id=self.ticket_id), store.outbox.notified(self.ticket_id))
        except Exception as exc:
            self.app.call_from_thread(self.notify, clean(str(exc), single_line=True), severity="error", markup=False)
            return
        self.app.call_from_thread(self.show, *data)

    def _clock_lines(self, now: DateTime, width: int) -> list[Content]:
        """One line per clock, columns sized from the labels (translations
        differ in width); when a line would not fit, its status goes on a
        line of its own instead of wrapping mid-phrase."""
        assert self.ticket is not None
        t, tz = self.ticket, self.app.tz
        title_w = max(cell_len(clock_title(c.clock)) for c in self._clocks)
        state_w = max(cell_len(state_label(s)) for s in ("ok", "at_risk", "breached"))
        cells = []
        for c in self._clocks:
            state = c.state(now)
            met = short_time(c.met_at, tz, c.due or now) if c.met_at else ""
            when = clock_words(c, c.seconds_left(now), met)
            open_ticket = t.status not in ("closed", "cancelled")
            shown = state_label(state) if (open_ticket or c.met_at) else "—"
            cells.append((c, state, short_time(c.due, tz, now) if c.due else "—", shown, when))
        due_w = max(cell_len(due) for _c, _s, due, _sh, _w in cells)
        rows, due_word = [], _("due")
        for c, state, due, shown, when in cells:
            head = (f"{STATE_SYMBOL.get(state, ' ')} {fit(clock_title(c.clock), title_w)}  "
                    f"{due_word} {fit(due, due_w)}  {fit(shown, state_w)}")
            line = f"{head}  {when}" if not width or cell_len(head) + 2 + cell_len(when) <= width \
                else f"{head}\n{' ' * (title_w + 4)}{when}"
            rows.append(Content(line + "\n").stylize(
                "$error bold" if state == "breached" else ("$warning" if state == "at_risk" else "")))
        return rows

    def _render_clocks(self) -> None:
        """Countdowns tick; the Static is updated only when its text changes."""
        if self.ticket is None or not self._clocks:
            return
        clocks = self.query_one("#clocks", Static)
        text = Content("").join(self._clock_lines(self.app.clock(), clocks.content_size.width)).rstrip()
        if text != self._clocks_text:
            self._clocks_text = text
            clocks.update(text)

    def on_resize(self) -> None:
        self.call_after_refresh(self._render_clocks)

    def show(
        self, t: Ticket, clocks: list[ClockStatus], linked: list[Ticket], timeline: tuple[list[Event], int],
        names: dict[int, str], currency: str = DEFAULT_CURRENCY, escalations: list[EscalationRecord] | None = None,
        notified: TicketNotified | None = None,
    ) -> None:
        self.ticket = t
        self._currency = currency
        self.refresh_bindings()  # the footer offers what this state allows
        tz = self.app.tz

        def line(label: str, value: Any) -> Content:
            # Continuation lines indented past the labels: a line "Technician  X"
            # in a description cannot pass for a field of its own.
            text = indented(clean(str(value) if value not in (None, "") else "—", limit=BLOCK_LIMIT), 16)
            return Content.assemble((pad(label, 16), "bold"), text, "\n")

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
        ]
        if notified is not None and ((t.technician_id is not None and t.external_ref is None)
                                     or notified.notified_at is not None):
            fields.append(line(_("Notified"), notified_text(notified, tz)))  # the 15-minute figure, this ticket's
        fields.append(line(_("Logged by"), t.created_by))
        if t.external_ref is not None:  # its number in the helpdesk it came from
            fields.append(line(_("Imported as"), t.external_ref))
        if t.wait_reason:
            fields.append(line(_("Hold reason"), wait_reason_label(t.wait_reason)))
        if t.resolved_at:
            fields += [line(_("Symptom"), t.symptom), line(_("Cause"), t.cause),
                       line(_("Action"), t.action), line(_("Parts"), t.parts)]
        if t.closed_at:
            fields += [line(_("Signed off by"), t.signoff), line(_("Fee"), None if t.fee is None else format_money(t.fee, currency))]
            if t.fee_proposed is not None:  # proposed by the schedule: its items, and why the fee differs
                items = fee_item_lines(t.fee_items, currency, width=52)
                fields.append(line(_("Fee items"), "\n".join(items) if items else None))
                if t.fee_reason:
                    fields.append(line(_("Fee changed"), _("proposed {fee}: {reason}").format(
                        fee=format_money(t.fee_proposed, currency), reason=t.fee_reason)))
            if t.fee:
                fields.append(line(_("Invoice"), invoice_text(t, tz)))
        if t.cancelled_at:
            fields.append(line(_("Cancelled"), t.cancel_reason))
        fields.append(line(_("Version"), _("{v}, last change by {by} at {at}").format(
            v=t.version, by=t.updated_by, at=local_time(t.updated_at, tz, "YYYY-MM-DD HH:mm:ss"))))
        self.query_one("#fields", Static).update(Content("").join(fields).rstrip())

        self._clocks = clocks
        self._clocks_text = None
        self._render_clocks()
        self.query_one("#escalations", Static).update(escalation_lines(escalations or [], tz))

        # The lists below are rebuilt only when they changed: a live reload
        # must not move the highlighted link or repaint the whole history.
        shown = (linked, timeline, names, tz)
        if shown == self._shown:
            return
        self._shown = shown
        self._show_links(t, linked, tz)
        self._show_timeline(t, *timeline, names, tz)

    def _show_links(self, t: Ticket, linked: list[Ticket], tz: str) -> None:
        links = self.query_one(LinkList)
        was = links.highlighted
        links.clear_options()
        links.add_options(
            Option(Content(
                f"#{o.id}  {local_time(o.reported_at, tz)}  {status_label(o.status, o.arrival_mode)}  "
                + (_("repeats this ticket") if o.repeat_of == t.id else _("earlier repair"))
                + f"  {clean(o.description, single_line=True, limit=LINE_LIMIT)}"), id=str(o.id))
            for o in linked
        )
        self._links = [o.id for o in linked]
        links.display = bool(linked)
        self.query_one("#no-links").display = not linked
        if linked:
            links.highlighted = min(was or 0, len(linked) - 1)
        self.refresh_bindings()

    def _show_timeline(self, t: Ticket, events: list[Event], total: int, names: dict[int, str], tz: str) -> None:
        """The first page(s) of the timeline, ``events`` of ``total``."""
        self._names = Names(names, {t.site_id: t.site_name},
                            {t.equipment_id: t.equipment_tag} if t.equipment_id and t.equipment_tag else {},
                            self._currency)
        self._tz, self._total, self._mounted, self._last_id, self._mode = tz, total, 0, 0, None
        with self.app.batch_update():
            self.query_one("#timeline").remove_children()
            self._mount_events(events)

    def more_timeline(self, count: int = TIMELINE_PAGE) -> None:
        """Read and mount the next ``count`` timeline entries (none left, or a
        page already on its way: nothing)."""
        if self._fetching or self._names is None or self._mounted >= self._total:
            return
        self._fetching = True
        self._read_more(self._last_id, count)

    @work(thread=True, group="timeline", exit_on_error=False)
    def _read_more(self, after_id: int, count: int) -> None:
        try:
            events = self.app.store.tickets.timeline_page(self.ticket_id, after_id, count)
        except Exception as exc:
            events = []
            self.app.call_from_thread(self.notify, clean(str(exc), single_line=True), severity="error", markup=False)
        self.app.call_from_thread(self._more_read, after_id, events)

    def _more_read(self, after_id: int, events: list[Event]) -> None:
        self._fetching = False
        if after_id == self._last_id:  # else a reload rebuilt the timeline meanwhile
            self._mount_events(events)

    def _mount_events(self, events: list[Event]) -> None:
        """Put a page of events into words (that page only) and mount it after the others."""
        tz, names = self._tz, self._names
        if events and names is not None:
            page = entries(events, names, tz, self._mode)
            self._mode = mode_before(events, self._mode)
            self._mounted += len(events)
            self._last_id = events[-1].id
            widgets: list[Static] = []
            for entry in page:
                widgets.append(Static(Content.assemble(
                    f"{local_time(entry.at, tz, 'MM-DD HH:mm:ss')}  {fit(entry.actor, 10)}  ", (entry.verb, "bold"))))
                if entry.changes:
                    widgets.append(Static(Content(" · ".join(entry.changes)), classes="changes"))
            self.query_one("#timeline").mount_all(widgets)
        elif not events:  # nothing more after all (the count was read before): stop asking
            self._total = self._mounted
        left = self._total - self._mounted
        more = self.query_one("#timeline-more", Static)
        more.display = left > 0
        if left > 0:
            more.update(Content.styled(ngettext("… {n} more event: scroll down to show it",
                                                "… {n} more events: scroll down to show them", left).format(n=left), "dim"))
