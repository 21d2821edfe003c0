"""The main screen: live queue, technician board, counts."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from pendulum import DateTime
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Input, Static

from store.errors import FileReplaced, StoreError
from store.models import Crossing, QueueCounts, QueueFilter, QueueRow, Technician
from store.store import CROSSINGS_LIMIT
from store.text import clean
from store.timeutil import zone

from ..actions import ACTION_BINDINGS, HELP_BINDING, Target, TicketActions
from ..format import clock_title, state_label
from ..i18n import N_, _, ngettext
from ..settings import apply_blink
from ..widgets.board import TechBoard
from ..widgets.footer import Footer
from ..widgets.queue import QueueTable
from ..widgets.status import StatusBar
from .links import ScreenLinks
from .reopen import ReopenFile

BOARD_MIN_WIDTH = 110  # below this the board starts hidden; 'b' shows it
CROSSING_TOASTS_A_MINUTE = 3  # toasts of their own for crossings; more are summed into one a minute
SEARCH_DEBOUNCE = 0.25  # seconds of quiet typing before the queue is searched: a burst is one query


@dataclass
class Snapshot:
    """What one poll read. Without a data change only counts and crossings."""

    version: int
    counts: QueueCounts
    crossings: list[Crossing]
    total: int = 0
    offset: int = 0
    rows: list[QueueRow] | None = None
    cursor: int | None = None
    scroll: int | None = None
    techs: list[Technician] | None = None
    filter: QueueFilter | None = None  # rows read for another filter are dropped
    goto: int | None = None  # the ticket the cursor was asked to land on
    seq: int = 0  # which poll read it: an older poll's rows never replace a newer one's
    due: tuple[int, int] | None = None  # my due callbacks, my overdue improvement items


def search_placeholder() -> str:
    return _("Search: text, site, asset tag, technician or #number  (enter keeps, esc clears)")


class MainScreen(ReopenFile, ScreenLinks, TicketActions):
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
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = QueueFilter()
        self.live = True
        self._data_version = -1
        self._last_check: DateTime | None = None
        self._poll_timer: Timer | None = None
        # The read time, and counts moved only by clocks crossing: shown with the next clock tick.
        self._live_line: tuple[str, bool] | None = None
        self._live_counts: QueueCounts | None = None
        self._failures = 0
        # A refresh asked for (own write, filter change) survives a poll being
        # superseded by a newer one in the exclusive worker group.
        self._dirty = True
        self._burst = 0
        self._counts: QueueCounts | None = None
        self._techs: list[Technician] = []
        self._last_burst: DateTime | None = None
        self._toasted: list[DateTime] = []  # when the last minute's crossing toasts were shown
        self._goto: int | None = None  # a ticket the cursor should land on at the next refresh (a new one)
        self._allowed: tuple[str, ...] | None = None  # actions the footer shows now
        self._search_timer: Timer | None = None
        self._poll_numbers = itertools.count(1)
        self._shown_seq = 0
        # "replaced"/"deleted" while the path no longer names the file read here.
        self._orphan: str | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar(self.app.center, id="status",  # type: ignore[attr-defined]
                        read_only=getattr(self.app.store, "read_only", False),  # type: ignore[attr-defined]
                        # store.by: the manager typing for store.actor, whom the writes are for.
                        acting_for=self.app.store.actor if getattr(self.app.store, "by", None) else "")  # type: ignore[attr-defined]
        yield Static("", id="filterline")
        yield Static("", id="too-small")
        with Horizontal(id="body"):
            yield QueueTable(self.app.clock, own_tick=False, id="queue")  # type: ignore[attr-defined]
            yield TechBoard(id="board")
        # Compact: a one-line bar shows the text itself, not the top of a boxed input.
        yield Input(placeholder=search_placeholder(), id="search", compact=True)
        # Compact, and no palette hint (ctrl+p is in help): more keys fit at 80 columns.
        yield Footer(compact=True, show_command_palette=False)

    @property
    def table(self) -> QueueTable:
        return self.query_one(QueueTable)

    def on_mount(self) -> None:
        apply_blink(self)
        self.table.focus()
        self.query_one(TechBoard).display = self.app.size.width >= BOARD_MIN_WIDTH
        self._last_check = self.app.clock()  # type: ignore[attr-defined]
        self._first_rows()
        self._tick_clock()
        self.set_interval(1.0, self._tick_clock, name="clock")
        self.watch(self.table, "cursor", lambda: self._selection_changed(), init=False)
        self.request_refresh()

    def _first_rows(self) -> None:
        """The top of the queue, read before the first frame: the console opens
        with its rows in one paint instead of an empty table repainted once a
        poll thread has read them (~70 ms at 100,000 open). One window read
        (a few ms); the counts and the board come with the first poll."""
        store = self.app.store  # type: ignore[attr-defined]
        try:
            total = store.queue.queue_count(self.filter)
            # The table has no size before the first layout: a window for the whole screen.
            rows = store.queue.find(self.filter, 0, max(self.table.window, 3 * self.app.size.height))
        except StoreError:
            return  # the first poll says what is wrong (STALE) and keeps trying
        self._show_rows(total, 0, rows, 0, 0)

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

    # What the user's role allows besides the ticket steps (console/actions.py): the store's answer.
    def _refusal(self, action: str) -> str | None:
        permits = self.app.permits  # type: ignore[attr-defined]
        if action == "new_ticket":
            return permits.ticket("create", None, False)  # type: ignore[no-any-return]
        if action == "duty":
            return permits.refusal("technician.duty")  # type: ignore[no-any-return]
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
        if self._live_line is not None:
            bar.set_live(*self._live_line)
            self._live_line = None
        if self._live_counts is not None:
            bar.set_counts(self._live_counts)
            self._live_counts = None
        bar.set_clock(self.app.clock(), self.app.tz)  # type: ignore[attr-defined]

    # -------------------------------------------------------------- polling
    def _view_state(self) -> tuple[int | None, int | None, int, int, int]:
        """(ticket to keep the cursor on, ticket asked for, cursor index, its
        screen line, rows at the top): read together on the UI thread, so a
        poll never pairs an old cursor with a cleared request."""
        table = self.table
        current = table.current
        top = int(table.scroll_offset.y)
        return (current.id if current else None, self._goto, table.cursor, table.cursor - top,
                table.scrollable_content_region.height - 1 if top == 0 else 0)

    def request_refresh(self) -> None:
        self._dirty = True
        self.poll()

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def poll(self) -> None:
        """Two clocks: this one reads the database (PRAGMA data_version first,
        a query only on change); the queue's 1-second tick never queries."""
        store = self.app.store  # type: ignore[attr-defined]
        # Polls may overlap (a refresh asked for while one runs): number them,
        # so rows read from an older view state never land after newer ones.
        seq = next(self._poll_numbers)
        try:
            version = store.db.data_version()
            now = self.app.clock()  # type: ignore[attr-defined]
            since = self._last_check or now
            crossings = store.queue.crossings(since, now) if now > since else []
            self._last_check = now
            force, self._dirty = self._dirty, False
            if not force and version == self._data_version:
                # Nothing written: rows repaint themselves on the tick; only the
                # counts move when a clock crosses a threshold.
                counts = self._counts
                if crossings and counts is not None and len(crossings) < CROSSINGS_LIMIT:
                    snap = Snapshot(version, counts.after(crossings), crossings)
                elif crossings:
                    snap = Snapshot(version, store.queue.counts(now), crossings)
                else:
                    snap = None
                self.app.call_from_thread(self._poll_ok, snap, store)
                return
            # The goto is kept until a snapshot made with it is shown: an older
            # poll that finishes late must not swallow it.
            cursor_id, goto, cursor_index, screen_line, top_rows = self.app.call_from_thread(self._view_state)
            cursor_id = goto or cursor_id
            f = self.filter
            total = store.queue.queue_count(f)
            position = store.queue.queue_position(cursor_id, f) if cursor_id is not None else None
            if position is None:
                position = min(cursor_index, max(0, total - 1))
            # Keep the selected ticket on its screen line, but a view at the top
            # stays at the top, so a new urgent ticket is seen, not scrolled past.
            scroll = 0 if position < top_rows else max(0, position - max(0, screen_line))
            window = self.table.window
            offset = max(0, scroll - window // 3)
            rows = store.queue.find(f, offset, window)
            if self._counts is None:
                # First paint: show the rows before the slower counts are in.
                self.app.call_from_thread(self._show_rows, total, offset, rows, position, scroll)
            snap = Snapshot(
                version=version, counts=store.queue.counts(now), crossings=crossings, total=total, offset=offset,
                rows=rows, cursor=position, scroll=scroll, techs=store.people.technicians(), filter=f, goto=goto, seq=seq,
                due=(store.scores.due_callbacks_count(store.actor), store.items.overdue_items_count(store.actor)),
            )
        except Exception as exc:  # any failure: say STALE and keep polling, never stop silently
            self._dirty = True
            self.app.call_from_thread(self._poll_failed, exc, store)
            return
        self.app.call_from_thread(self._poll_ok, snap, store)

    def _poll_ok(self, snap: Snapshot | None, store: object = None) -> None:
        if store is not None and store is not self.app.store:  # type: ignore[attr-defined]
            return  # read from a file since reopened: the poll on the new one decides
        self._failures = 0
        if snap is not None and snap.rows is not None:
            if snap.seq < self._shown_seq:
                snap = None  # an older poll finished after a newer one was shown: drop what it read
            else:
                self._shown_seq = snap.seq
        if self._orphan is not None:  # the file came back (moved back in place)
            self._orphan = None
            self.refresh_bindings()
        if snap is not None:
            self._counts = snap.counts
            if snap.rows is None:  # only clocks crossed: shown with the next clock tick (one update a second)
                self._live_counts = snap.counts
            else:
                self._live_counts = None
                self.query_one(StatusBar).set_counts(snap.counts)
            if snap.due is not None:
                self.query_one(StatusBar).set_due(*snap.due)
            self._notify_crossings(snap.crossings)
        if snap is not None and snap.rows is not None and snap.filter != self.filter:
            self.request_refresh()  # an older poll finished after the filter changed
            return
        if snap is not None and snap.rows is not None:
            if snap.goto is not None and snap.goto == self._goto:
                self._goto = None
            if snap.version != self._data_version:
                self.app.permits.forget()  # type: ignore[attr-defined]  # a role or a ticket's team may have changed
            self._data_version = snap.version
            self._show_rows(snap.total, snap.offset, snap.rows, snap.cursor, snap.scroll)
            self._techs = snap.techs or []
            self.query_one(TechBoard).show(self._techs)
        # Every successful poll, changed or not: the time says the view is live.
        # After a poll that read no write it is shown with the next clock tick
        # (a quiet second is one screen update, not two); the first one, one
        # that read rows, and one after STALE are shown at once.
        self._tell_screens()
        read = self.app.clock().in_timezone(zone(self.app.tz)).format("HH:mm:ss")  # type: ignore[attr-defined]
        self._live_line = (_("● read {t}").format(t=read) if self.live else _("PAUSED"), not self.live)
        bar = self.query_one(StatusBar)
        if not bar.live or bar.alert or (snap is not None and snap.rows is not None):
            bar.set_live(*self._live_line)
            self._live_line = None
        self._schedule_poll(self.app.poll_seconds)  # type: ignore[attr-defined]

    @property
    def data_version(self) -> int:
        """The file's data_version the queue last read rows at (-1: not yet)."""
        return self._data_version

    def _tell_screens(self) -> None:
        """The screens open above the queue that show stored data follow the
        file with this poll (it keeps running under them: one poller for all).
        Each reads again once the file changed since it last did, and not
        while it is still reading: a read cancelled by the next is wasted."""
        version = self._data_version
        busy = {worker.node for worker in self.app.workers if worker.is_running}
        for screen in self.app.screen_stack:
            changed = getattr(screen, "data_changed", None)
            if screen is self or not callable(changed) or screen in busy:
                continue
            seen = getattr(screen, "seen_version", None)
            screen.seen_version = version  # type: ignore[attr-defined]
            if seen is not None and seen != version:  # None: just opened, it read what it shows itself
                screen.call_later(changed)

    def _show_rows(self, total: int, offset: int, rows: list[QueueRow], cursor: int | None, scroll: int | None) -> None:
        table = self.table
        table.set_rows(total, offset, rows, cursor=cursor)
        if scroll is not None:
            table.scroll_to(y=scroll, animate=False, immediate=True)
        self._selection_changed()

    def _poll_failed(self, error: Exception | str, store: object = None) -> None:
        # Keep showing the last data, say it is stale, and back off.
        if store is not None and store is not self.app.store:  # type: ignore[attr-defined]
            return  # the old file's connection, closed by a reopen
        self._failures += 1
        if isinstance(error, FileReplaced):
            # The bar may be cut at 80 columns: the footer shows the key and
            # the toast (once per change, not every poll) says the rest.
            line = _("STALE: file deleted · ctrl+o reopens") if error.deleted else _(
                "STALE: file replaced · ctrl+o reopens")
            state = "deleted" if error.deleted else "replaced"
            if state != self._orphan:
                self._orphan = state
                self.refresh_bindings()
                path = clean(str(error.path), single_line=True)
                self.notify(
                    _("{path} was deleted or moved. This console still shows the old data and will not save it; "
                      "press ctrl+o to reopen the path once the file is back.").format(path=path)
                    if error.deleted else
                    _("{path} was replaced by another file. This console still shows the old one and will not "
                      "save to it; press ctrl+o to open the new file.").format(path=path),
                    severity="error", timeout=30, markup=False)
        else:
            line = _("STALE: {msg}").format(msg=clean(str(error), single_line=True)[:60])
        self.query_one(StatusBar).set_live(line, True)
        self._schedule_poll(min(30.0, 2.0 * self._failures))

    def _schedule_poll(self, delay: float) -> None:
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self._poll_timer = self.set_timer(delay, self.poll) if self.live else None

    def _notify_crossings(self, crossings: list[Crossing]) -> None:
        if not crossings:
            return
        now = self.app.clock()  # type: ignore[attr-defined]
        self._toasted = [t for t in self._toasted if (now - t).total_seconds() < 60]
        # A toast repaints what it covers as it comes, moves and goes: a file
        # whose clocks cross a few times a second (100,000 open) would stack a
        # new one every poll (~8 KB/s and 60 ms/s of CPU measured). A few a
        # minute are toasts of their own; beyond that they are counted into
        # one summary toast a minute (the counts line shows them at once).
        if len(crossings) > 3 or len(self._toasted) + len(crossings) > CROSSING_TOASTS_A_MINUTE:
            self._burst += len(crossings)
            if self._last_burst is None or (now - self._last_burst).total_seconds() >= 60:
                self.notify(ngettext("{n} ticket crossed into at risk or breached.",
                                     "{n} tickets crossed into at risk or breached.", self._burst).format(n=self._burst),
                            severity="warning", markup=False)
                self._last_burst, self._burst = now, 0
            return
        for c in crossings:
            self._toasted.append(now)
            self.notify(
                _("#{id} {site}: {clock} {state}").format(
                    id=c.ticket_id, site=clean(c.site_name, single_line=True),
                    clock=clock_title(c.clock), state=state_label(c.state)),
                severity="error" if c.state == "breached" else "warning", markup=False,
            )

    @on(QueueTable.WindowNeeded)
    def _window(self, message: QueueTable.WindowNeeded) -> None:
        self.fetch_window(message.offset)

    @work(thread=True, exclusive=True, group="window", exit_on_error=False)
    def fetch_window(self, offset: int) -> None:
        f = self.filter
        try:
            rows = self.app.store.queue.find(f, offset, self.table.window)  # type: ignore[attr-defined]
        except Exception as exc:
            self.app.call_from_thread(self._poll_failed, str(exc))
            return
        if f == self.filter:
            self.app.call_from_thread(lambda: self.table.set_rows(self.table.total, offset, rows))

    # ------------------------------------------------------------- actions
    def selected(self) -> Target | None:
        row = self.table.current
        if row is None:
            return None
        return Target(row.id, row.version, row.status, row.technician_id, bool(row.responded),
                      row.site_name, row.description, row.reporter)

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

        def created(ticket: object) -> None:
            if ticket is None:
                return
            tid = getattr(ticket, "id", None)
            note = _("Ticket #{id} created.").format(id=tid)
            self._goto = tid  # the cursor goes to the new ticket
            if getattr(ticket, "repeat_of", None):
                note += " " + _("Second repair: linked to #{prev}.").format(prev=ticket.repeat_of)  # type: ignore[attr-defined]
            self.notify(note, markup=False)
            self.after_change()

        self.app.push_screen(NewTicketScreen(), created)

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("visible")
        search.focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        # Debounced: each key restarts the timer, so a burst of typing is one
        # query by the poll worker, not one per key.
        self._stop_search_timer()
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE, self._apply_search, name="search")

    def _apply_search(self) -> None:
        self._search_timer = None
        text = self.query_one("#search", Input).value
        self._set_filter(self.filter.model_copy(update={"text": text}))

    def _stop_search_timer(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        # Enter applies at once and closes the bar; the filter line keeps
        # showing what is searched, and '/' opens the bar again to edit it.
        self._stop_search_timer()
        self._apply_search()
        self.query_one("#search", Input).remove_class("visible")
        self.table.focus()

    def action_clear_filters(self) -> None:
        self._stop_search_timer()  # a pending search must not come back after esc
        search = self.query_one("#search", Input)
        search.remove_class("visible")
        if search.value:
            with search.prevent(Input.Changed):
                search.value = ""
        self._set_filter(QueueFilter())
        self.table.focus()

    def action_filters(self) -> None:
        from .filters import FilterScreen

        self.app.push_screen(FilterScreen(self.filter, self._teams()), lambda f: f is not None and self._set_filter(f))

    def _set_filter(self, f: QueueFilter) -> None:
        if f == self.filter:
            return
        self.filter = f
        line = self.query_one("#filterline", Static)
        line.set_class(f.active, "visible")
        from .filters import describe_filter  # the filter screen's module loads when first used

        line.update(Content(describe_filter(f, self._teams())))
        self.table.empty_text = _("No open tickets match the filter (esc clears it).") if f.active else _("No open tickets.")
        self.request_refresh()

    def language_changed(self) -> None:
        """Another language (a user signed in with their own): every word
        drawn here is drawn again; the footer follows its bindings."""
        self.query_one("#search", Input).placeholder = search_placeholder()
        f = self.filter
        if f.active:
            from .filters import describe_filter

            self.query_one("#filterline", Static).update(Content(describe_filter(f, self._teams())))
        self.table.empty_text = _("No open tickets match the filter (esc clears it).") if f.active else _("No open tickets.")
        self.table.language_changed()
        self.query_one(TechBoard).redraw()
        self.query_one(StatusBar).redraw()
        self.on_resize()
        self.request_refresh()  # the status line's "read" time and counts, in words of the new language

    def _teams(self) -> dict[int, str]:
        """Team names from the technicians the last poll read: no query on the UI thread."""
        return {t.team_id: t.team_name for t in self._techs}

    def action_toggle_board(self) -> None:
        board = self.query_one(TechBoard)
        board.display = not board.display

    def action_toggle_live(self) -> None:
        self.live = not self.live
        self.query_one(StatusBar).set_live(_("live") if self.live else _("PAUSED"), not self.live)
        if self.live:
            self.request_refresh()
        elif self._poll_timer is not None:
            self._poll_timer.stop()

    def action_refresh_now(self) -> None:
        self.request_refresh()

    def action_quit_app(self) -> None:
        self.app.exit()
