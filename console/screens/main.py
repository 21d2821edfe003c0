"""The main screen: live queue, technician board, counts. What it reads at
each poll is in queue_poll.py, the crossing toasts in crossings.py, the
search bar and filters in search_bar.py; the poll itself is the console's
one live watcher (console/live.py)."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Static

from store.errors import StoreError
from store.models import QueueCounts, QueueFilter, Technician, Ticket

from ..background import read
from ..i18n import N_, _
from ..settings import apply_blink
from ..widgets.board import TechBoard
from ..widgets.footer import Footer
from ..widgets.queue import QueueTable
from ..widgets.status import StatusBar
from ..widgets.textinput import TextInput
from .actions import ACTION_BINDINGS, HELP_BINDING, Target, TicketActions
from .crossings import CROSSING_TOASTS_A_MINUTE, CrossingToasts
from .links import ScreenLinks
from .queue_poll import QueuePoll, Snapshot
from .reopen import ReopenFile
from .search_bar import SearchBar, search_placeholder

BOARD_MIN_WIDTH = 110  # below this the board starts hidden; 'b' shows it

__all__ = ["CROSSING_TOASTS_A_MINUTE", "MainScreen", "Snapshot"]


class MainScreen(QueuePoll, CrossingToasts, SearchBar, ReopenFile, ScreenLinks, TicketActions):
    BINDINGS = [
        # First, so the footer shows it even at 80 columns; only while the file is replaced or gone.
        Binding("ctrl+o", "reopen_file", N_("Reopen file")),
        HELP_BINDING,
        Binding("n", "new_ticket", N_("New")),
        *ACTION_BINDINGS,
        Binding("slash", "search", N_("Search"), key_display="/"),
        Binding("ctrl+f", "search_history", N_("Search all tickets"), show=False),
        Binding("f", "filters", N_("Filter")),
        Binding("escape", "clear_filters", N_("Clear filter"), show=False),
        Binding("b", "toggle_board", N_("Board"), show=False),
        Binding("d", "duty", N_("Duty"), show=False),
        Binding("S", "setup", N_("Setup")),
        Binding("h", "calendar", N_("Hours & holidays"), show=False),
        Binding("p", "toggle_live", N_("Pause live"), show=False),
        Binding("ctrl+r", "refresh_now", N_("Refresh now"), show=False),
        Binding("colon", "jump", N_("Go to ticket"), key_display=":", show=False),
        Binding("q", "quit_app", N_("Quit")),
        Binding("I", "items", N_("Improvement items"), show=False),
        Binding("C", "complaints", N_("Complaints"), show=False),
        Binding("K", "callbacks", N_("Callbacks"), show=False),
        Binding("Y", "scores", N_("Scores"), show=False),
        Binding("R", "reports", N_("Reports"), show=False),
        # The header says how many wait for me, with this key: "↑ 2 escalations (E)".
        Binding("E", "escalations", N_("Escalations"), show=False),
        Binding("M", "messages", N_("Messages"), show=False),
        Binding("V", "inspections", N_("Inspections"), show=False),
        Binding("F", "invoices", N_("Invoices to check"), show=False),
        # The header says how many parts are low, with this key: "⚠ 3 parts low (P)".
        Binding("P", "parts", N_("Spare parts"), show=False),
        # The header says when a note was left for me, with this key: "✎ handover from mei.lin, 18:00: 3 items (H)".
        Binding("H", "handover", N_("Handover"), show=False),
        # The queue as it stood at a past moment, from the audit log (issue 27).
        Binding("T", "time_travel", N_("Time travel"), show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = QueueFilter()
        self.live = True
        self._counts: QueueCounts | None = None
        self._techs: list[Technician] = []
        self._goto: int | None = None  # a ticket the cursor should land on at the next refresh (a new one)
        self._allowed: tuple[str, ...] | None = None  # actions the footer shows now
        # "replaced"/"deleted" while the path no longer names the file read here.
        self._orphan: str | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar(self.app.center, id="status",
                        read_only=getattr(self.app.store, "read_only", False),
                        # store.by: the manager typing for store.actor, whom the writes are for.
                        acting_for=self.app.store.actor if getattr(self.app.store, "by", None) else "")
        yield Static("", id="filterline")
        yield Static("", id="too-small")
        with Horizontal(id="body"):
            yield QueueTable(self.app.clock, own_tick=False, id="queue")
            yield TechBoard(id="board")
        # Compact: a one-line bar shows the text itself, not the top of a boxed input.
        yield TextInput(placeholder=search_placeholder(), id="search", compact=True)  # shown cleaned
        # Compact, and no palette hint (ctrl+p is in help): more keys fit at 80 columns.
        yield Footer(compact=True, show_command_palette=False)

    @property
    def table(self) -> QueueTable:
        return self.query_one(QueueTable)

    async def on_mount(self) -> None:
        apply_blink(self)
        self.table.focus()
        self.query_one(TechBoard).display = self.app.size.width >= BOARD_MIN_WIDTH
        self._last_check = self.app.clock()
        await self._first_rows()
        self._tick_clock()
        self.set_interval(1.0, self._tick_clock, name="clock")
        self.watch(self.table, "cursor", lambda: self._selection_changed(), init=False)
        # The first poll (counts, board, the status bar's figures: a dozen reads and
        # the repositories they import) starts once the first frame is painted: in its
        # thread it would hold the GIL while the frame is laid out (issue 28).
        self.call_after_refresh(self.app.live.start, self)

    async def _first_rows(self) -> None:
        """The top of the queue, read before the first frame: the console opens
        with its rows in one paint instead of an empty table repainted once a
        poll has read them (~70 ms at 100,000 open). One window read (a few
        ms, in a thread: a read never waits on another dispatcher's write);
        the counts and the board come with the first poll."""
        store, f = self.app.store, self.filter
        # The table has no size before the first layout: a window for the whole screen.
        window = max(self.table.window, 3 * self.app.size.height)
        try:
            total, rows = await read(lambda: (store.queue.queue_count(f), store.queue.find(f, 0, window)))
        except StoreError:
            return  # the first poll says what is wrong (STALE) and keeps trying
        self._show_rows(total, 0, rows, 0, 0)

    def permits_known(self) -> None:
        """The store's answers about the role came in: the footer follows them."""
        self._allowed = None
        self._selection_changed()
        self.refresh_bindings()

    def _selection_changed(self) -> None:
        """The footer offers what the selected ticket's state allows: recomposed
        only when that set changes, not on every move (bytes over SSH)."""
        target = self.selected()
        allowed = None if target is None else tuple(
            a for a in ("assign", "respond", "arrive", "hold", "resume", "resolve", "close", "cancel", "edit", "note")
            if self.why_not(a, target) is None)
        if allowed != self._allowed:
            self._allowed = allowed
            self.refresh_bindings()

    # What the user's role allows besides the ticket steps (console/screens/actions.py): the store's answer.
    def _refusal(self, action: str) -> str | None:
        permits = self.app.permits
        if action == "new_ticket":
            return permits.ticket("create", None, False)
        if action == "duty":
            return permits.refusal("technician.duty")
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("new_ticket", "duty"):
            return self._refusal(action) is None
        return super().check_action(action, parameters)

    def on_key(self, event: events.Key) -> None:
        action = {"n": "new_ticket", "d": "duty"}.get(event.key)
        why = self._refusal(action) if action else None
        if why:
            event.stop()
            event.prevent_default()
            self.notify(why, severity="warning", markup=False)
            return
        super().on_key(event)

    def on_resize(self) -> None:
        width, height = self.app.size
        small = width < 80 or height < 24
        self.set_class(small, "-too-small")
        if small:
            self.query_one("#too-small", Static).update(
                _("Terminal too small: need 80×24, have {w}×{h}.").format(w=width, h=height))

    def _tick_clock(self) -> None:
        """Each second: the countdowns, the clock and what the last poll read,
        together (one screen update a second when nothing was written)."""
        self.table.tick()
        bar = self.query_one(StatusBar)
        with bar.together():
            if self._live_line is not None:
                bar.set_live(*self._live_line)
                self._live_line = None
            if self._live_counts is not None:
                bar.set_counts(self._live_counts)
                self._live_counts = None
            bar.set_clock(self.app.clock(), self.app.tz)

    # ------------------------------------------------------------- actions
    def selected(self) -> Target | None:
        row = self.table.current
        if row is None:
            return None
        return Target(row.id, row.version, row.status, row.technician_id, bool(row.responded),
                      row.site_name, row.description, row.reporter)

    def request_refresh(self) -> None:
        """Read the queue again now (a filter changed, an own write)."""
        self.app.live.refresh()

    def after_change(self) -> None:
        # Our own commits do not move PRAGMA data_version: refresh explicitly.
        self.request_refresh()

    @on(QueueTable.Selected)
    def _open(self, message: QueueTable.Selected) -> None:
        self.open_detail(message.ticket_id)

    def open_detail(self, ticket_id: int) -> None:
        from .detail import DetailScreen

        self.app.push_screen(DetailScreen(ticket_id), lambda _r: self.after_change())

    def action_new_ticket(self) -> None:
        from .new_ticket import NewTicketScreen

        def created(ticket: Ticket | None) -> None:
            if ticket is None:
                return
            note = _("Ticket #{id} created.").format(id=ticket.id)
            self._goto = ticket.id  # the cursor goes to the new ticket
            if ticket.repeat_of:
                note += " " + _("Second repair: linked to #{prev}.").format(prev=ticket.repeat_of)
            self.notify(note, markup=False)
            self.after_change()

        self.app.push_screen(NewTicketScreen(), created)

    def language_changed(self) -> None:
        """Another language (a user signed in with their own): every word
        drawn here is drawn again; the footer follows its bindings."""
        self.query_one("#search", Input).placeholder = search_placeholder()
        self.describe_filter()
        self.table.language_changed()
        self.query_one(TechBoard).redraw()
        self.query_one(StatusBar).redraw()
        self.on_resize()
        self.request_refresh()  # the status line's "read" time and counts, in words of the new language

    def action_toggle_board(self) -> None:
        board = self.query_one(TechBoard)
        board.display = not board.display

    def action_toggle_live(self) -> None:
        self.live = not self.live
        self._live_line = None  # a read time kept for the next tick would cover PAUSED (or be stale after it)
        self.query_one(StatusBar).set_live(_("live") if self.live else _("PAUSED"), not self.live)
        self.app.live.pause(not self.live)

    def action_refresh_now(self) -> None:
        self.request_refresh()

    def action_quit_app(self) -> None:
        self.app.exit()
