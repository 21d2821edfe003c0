"""What the queue reads at each poll of the live watcher (console/live.py),
and how it shows it: the rows around the cursor, the counts, the board,
the clocks that crossed into at risk or breached, and STALE when the file
cannot be read. Mixed into the main screen."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pendulum import DateTime
from textual import on, work

from store.errors import FileReplaced
from store.models import Crossing, QueueCounts, QueueFilter, QueueRow, Technician
from store.store import CROSSINGS_LIMIT, Store
from store.text import clean
from store.timeutil import zone

from ..console_app import OnConsole
from ..escalate import EscalationWatch
from ..i18n import _
from ..widgets.board import TechBoard
from ..widgets.queue import QueueTable
from ..widgets.status import StatusBar
from .behind import SeenBehind

if TYPE_CHECKING:
    from store.repo.handover import Note  # (the first poll reads it: not imported for the first frame)


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
    escalations: int | None = None  # escalations waiting for me to acknowledge (issue 24)
    failed: int = 0  # messages given up on (counted for those who may queue them again: managers)
    low_parts: int = 0  # spare parts below their minimum (issue 25): everyone sees it, 'P' lists them
    handover: Note | None = None  # the handover note left for me and not opened yet (issue 27): 'H' opens it


class QueuePoll(OnConsole, SeenBehind):
    """The main screen's side of the live watcher. The screen provides
    ``filter``, ``live``, ``table``, ``_goto``, ``_orphan``, ``_techs``,
    ``_counts``, ``_selection_changed``, ``_notify_crossings`` and ``request_refresh``."""

    filter: QueueFilter
    live: bool
    _goto: int | None
    _orphan: str | None
    _techs: list[Technician]
    _counts: QueueCounts | None
    # The read time, and counts moved only by clocks crossing: shown with the next clock tick.
    _live_line: tuple[str, bool] | None = None
    _live_counts: QueueCounts | None = None
    _last_check: DateTime | None = None
    _shown_seq = 0
    _data_version = -1
    _escalations: EscalationWatch | None = None

    if TYPE_CHECKING:  # the main screen's, and its other mixins' (crossings.py)
        @property
        def table(self) -> QueueTable: ...
        def _selection_changed(self) -> None: ...
        def _notify_crossings(self, crossings: list[Crossing]) -> None: ...
        def request_refresh(self) -> None: ...

    def _view_state(self) -> tuple[int | None, int | None, int, int, int]:
        """(ticket to keep the cursor on, ticket asked for, cursor index, its
        screen line, rows at the top): read together on the UI thread, so a
        poll never pairs an old cursor with a cleared request."""
        table = self.table
        current = table.current
        top = int(table.scroll_offset.y)
        return (current.id if current else None, self._goto, table.cursor, table.cursor - top,
                table.scrollable_content_region.height - 1 if top == 0 else 0)

    _poll_numbers = itertools.count(1)

    def read_live(self, version: int, changed: bool) -> Snapshot | None:
        """In the watcher's thread: the crossings since the last poll, and
        when the file changed (or a full read was asked for) the rows too."""
        store = self.app.store
        # Polls may overlap (a refresh asked for while one runs): number them,
        # so rows read from an older view state never land after newer ones.
        seq = next(self._poll_numbers)
        now = self.app.clock()
        since = self._last_check or now
        crossings = store.queue.crossings(since, now) if now > since else []
        self._last_check = now
        snap = self._read(store, now, version, changed, seq, crossings)
        # Record levels that fell due after the rows are read, so the first
        # paint never waits for them (a write, when any did: the next poll
        # reads it).
        self._escalations = self._escalations or EscalationWatch()
        self._escalations.tick(store, now)
        return snap

    def _read(self, store: Store, now: DateTime, version: int, changed: bool, seq: int,
              crossings: list[Crossing]) -> Snapshot | None:
        if not changed:
            # Nothing written: rows repaint themselves on the tick; only the
            # counts move when a clock crosses a threshold.
            counts = self._counts
            if crossings and counts is not None and len(crossings) < CROSSINGS_LIMIT:
                return Snapshot(version, counts.after(crossings), crossings)
            if crossings:
                return Snapshot(version, store.queue.counts(now), crossings)
            return None
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
        return Snapshot(
            version=version, counts=store.queue.counts(now), crossings=crossings, total=total, offset=offset,
            rows=rows, cursor=position, scroll=scroll, techs=store.people.technicians(), filter=f, goto=goto, seq=seq,
            due=(store.scores.due_callbacks_count(store.actor), store.items.overdue_items_count(store.actor)),
            # One index range (escalation_waiting): fired by a sender or another
            # console is a write, so it is read again with the rows.
            escalations=store.escalations.waiting_for(store.actor),
            failed=store.outbox.failed_count() if store.permits.refusal("notify.retry") is None else 0,
            # A stock step is a write: read again with the rows (one pass over the parts with a minimum).
            low_parts=store.parts.low_count(),
            # A note left or opened is a write: read again with the rows (one row by the index on its time).
            handover=store.handover.waiting_note(),
        )

    def show_live(self, result: Any, store: object) -> None:
        self._poll_ok(result, store)

    def _poll_ok(self, snap: Snapshot | None, store: object = None) -> None:
        if store is not None and store is not self.app.store:
            return  # read from a file since reopened: the poll on the new one decides
        if snap is not None and snap.rows is not None:
            if snap.seq < self._shown_seq:
                snap = None  # an older poll finished after a newer one was shown: drop what it read
            else:
                self._shown_seq = snap.seq
        if self._orphan is not None:  # the file came back (moved back in place)
            self._orphan = None
            self.refresh_bindings()
        bar = self.query_one(StatusBar)
        with bar.together():  # the counts, what they add up to and the read time: one layout of the line
            self._show_snapshot(snap, bar)

    def _show_snapshot(self, snap: Snapshot | None, bar: StatusBar) -> None:
        if snap is not None:
            self._counts = snap.counts
            if snap.rows is None:  # only clocks crossed: shown with the next clock tick (one update a second)
                self._live_counts = snap.counts
            else:
                self._live_counts = None
                bar.set_counts(snap.counts)
            if snap.due is not None:  # read with the rows, as is `failed`
                bar.set_due(*snap.due)
                bar.set_failed(snap.failed)
                bar.set_low_parts(snap.low_parts)
                bar.set_handover(snap.handover, self.app.tz)
            if snap.escalations is not None:
                bar.set_escalations(snap.escalations)
            self._notify_crossings(snap.crossings)
        if snap is not None and snap.rows is not None and snap.filter != self.filter:
            self.request_refresh()  # an older poll finished after the filter changed
            return
        if snap is not None and snap.rows is not None:
            if snap.goto is not None and snap.goto == self._goto:
                self._goto = None
            self._data_version = snap.version
            self._show_rows(snap.total, snap.offset, snap.rows, snap.cursor, snap.scroll)
            self._techs = snap.techs or []
            self.query_one(TechBoard).show(self._techs)
        # Every successful poll, changed or not: the time says the view is live.
        # After a poll that read no write it is shown with the next clock tick
        # (a quiet second is one screen update, not two); the first one, one
        # that read rows, and one after STALE are shown at once.
        read = self.app.clock().in_timezone(zone(self.app.tz)).format("HH:mm:ss")
        self._live_line = (_("● read {t}").format(t=read) if self.live else _("PAUSED"), not self.live)
        if not bar.live or bar.alert or (snap is not None and snap.rows is not None):
            bar.set_live(*self._live_line)
            self._live_line = None

    @property
    def data_version(self) -> int:
        """The file's data_version the queue last read rows at (-1: not yet)."""
        return self._data_version

    def _show_rows(self, total: int, offset: int, rows: list[QueueRow], cursor: int | None, scroll: int | None) -> None:
        table = self.table
        table.set_rows(total, offset, rows, cursor=cursor)
        if scroll is not None:
            table.scroll_to(y=scroll, animate=False, immediate=True)
        self._selection_changed()

    def live_failed(self, error: Exception, store: object) -> None:
        self._poll_failed(error, store)

    def _poll_failed(self, error: Exception | str, store: object = None) -> None:
        """Keep showing the last data and say it is stale (the watcher backs off)."""
        if store is not None and store is not self.app.store:
            return  # the old file's connection, closed by a reopen
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
        # A read time still waiting for the clock tick (an earlier poll's) must
        # not replace STALE a moment later: the file is failing now.
        self._live_line = None
        self.query_one(StatusBar).set_live(line, True)

    @on(QueueTable.WindowNeeded)
    def _window(self, message: QueueTable.WindowNeeded) -> None:
        self.fetch_window(message.offset)

    @work(thread=True, exclusive=True, group="window", exit_on_error=False)
    def fetch_window(self, offset: int) -> None:
        f = self.filter
        try:
            rows = self.app.store.queue.find(f, offset, self.table.window)
        except Exception as exc:
            self.app.call_from_thread(self._poll_failed, str(exc))
            return
        if f == self.filter:
            self.app.call_from_thread(lambda: self.table.set_rows(self.table.total, offset, rows))
