"""One live watcher for the whole console: every screen follows the file.

Another dispatcher's commit moves SQLite's ``PRAGMA data_version`` (a
microsecond read). One worker asks it every ``poll_seconds``; the next ask is
booked when the last one has finished, so polls never pile up or overlap
(Dolphie; a refresh asked for while one runs follows it at once), and
after a failure the wait grows to at most 30 s while the screens say STALE.

What a poll gives the screens:

- the *reader* (the queue, which also moves with the clock: crossings and
  counts) reads what it shows in the same worker thread, every poll, and
  gets the result on the UI thread (``LiveReader``);
- every other screen of the stack with a ``data_changed`` method has it
  called on the UI thread once the file changed since it last read (its
  ``seen_version``), and not while it is still reading: a read cancelled by
  the next is wasted. A screen just opened (``seen_version`` None) read what
  it shows itself.

Own writes do not move data_version (they go through this process's write
connection): the screen that wrote reloads itself, or asks ``refresh()``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from textual.timer import Timer

from . import memory

if TYPE_CHECKING:
    from textual.app import App

    from store import Store

FAILURE_BACKOFF_MAX = 30.0  # seconds between polls while the file cannot be read
# The C heap's free pages go back to the system every this many polls (a
# minute at the default 1 s; console/memory.py): RSS rose with the hours of a
# shift from memory freed but kept in pieces by malloc. Not every poll: a
# trim walks the whole heap (9–19 ms of CPU measured on a 170 MB process),
# holding each arena's lock meanwhile.
TRIM_EVERY_POLLS = 60


class LiveReader(Protocol):
    """What the queue gives the watcher (console/screens/queue_poll.py)."""

    @property
    def is_attached(self) -> bool:
        """Still in the DOM (a Screen's own property)."""

    def read_live(self, version: int, forced: bool) -> Any:
        """In the worker thread: what the screen shows, read at ``version``."""

    def show_live(self, result: Any, store: object) -> None:
        """On the UI thread: show what ``read_live`` returned."""

    def live_failed(self, error: Exception, store: object) -> None:
        """On the UI thread: the file could not be read (STALE)."""


class LiveWatcher:
    def __init__(self, app: App[Any], seconds: float, store: Callable[[], Store], forget: Callable[[], None]) -> None:
        """``store``: the app's store now (a reopen replaces it); ``forget``:
        drop what the app knows of roles and teams (the file changed). Asked
        as functions, so the watcher stands below the app that holds it."""
        self.app = app
        self._store, self._forget = store, forget
        self.seconds = seconds
        self.version = -1  # the data_version the screens were last told about (-1: not yet)
        self.paused = False
        self.reader: LiveReader | None = None
        self._timer: Timer | None = None
        self._failures = 0
        self._forced = True  # a full read asked for (a filter changed, an own write) and not yet made
        self._running = False  # a poll is on its way: another asked meanwhile follows it at once
        self._again = False
        self._polls = 0

    # ------------------------------------------------------------- control
    def start(self, reader: LiveReader) -> None:
        self.reader = reader
        self.refresh()

    def refresh(self) -> None:
        """Poll now, and have the reader read everything again."""
        self._forced = True
        self._poll()

    def pause(self, paused: bool) -> None:
        """The live view paused (``p``): no polls until resumed (which polls at once)."""
        self.paused = paused
        if paused:
            self._stop_timer()
        else:
            self.refresh()

    def reset(self) -> None:
        """The file was reopened: everything is read afresh from the new one."""
        self.version, self._failures = -1, 0
        self.refresh()

    # ---------------------------------------------------------------- poll
    def _poll(self) -> None:
        self._stop_timer()
        if self._running:  # never two at once: the one running is followed by another
            self._again = True
            return
        self._running, self._again = True, False
        # exit_on_error: a failure to read is caught (STALE); one in showing it is a bug, shown as any other.
        self.app.run_worker(self._read, thread=True, group="live", exit_on_error=True)

    def _read(self) -> None:
        store = self._store()
        forced, self._forced = self._forced, False
        try:
            version = store.db.data_version()
            result = self.reader.read_live(version, forced or version != self.version) if self.reader else None
        except Exception as exc:  # any failure: say STALE and keep polling, never stop silently
            self._forced = True
            self._call(self._failed, exc, store)
            return
        self._polls += 1
        if self._polls % TRIM_EVERY_POLLS == 0:
            memory.give_back()  # in this thread: the UI thread does not wait on the walk
        self._call(self._done, version, result, store)

    def _call(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            self.app.call_from_thread(fn, *args)
        except RuntimeError:  # the app has closed meanwhile
            self._running = False

    def _gone(self) -> bool:
        """The console is closing: nothing to show a poll on."""
        reader = self.reader
        return (not self.app.is_running or self.app._exit or self.app._closing
                or (reader is not None and not reader.is_attached))

    def _finished(self) -> bool:
        """A poll ended: True if another was asked for meanwhile (and is now started)."""
        self._running = False
        if self._again and not self._gone():
            self._poll()
            return True
        return False

    def _done(self, version: int, result: Any, store: object) -> None:
        again = self._finished()
        if store is not self._store() or self._gone():
            return  # read from a file since reopened: the poll on the new one decides
        self._failures = 0
        if self.reader is not None:
            self.reader.show_live(result, store)
        if version != self.version:
            if self.version != -1:  # the first read: the permits were just read too
                self._forget()  # a role or a ticket's team may have changed
            self.version = version
        self._tell_screens()
        if not again:
            self._book(self.seconds)

    def _failed(self, error: Exception, store: object) -> None:
        again = self._finished()
        if store is not self._store() or self._gone():
            return  # the old file's connection, closed by a reopen
        self._failures += 1
        if self.reader is not None:
            self.reader.live_failed(error, store)
        if not again:
            self._book(min(FAILURE_BACKOFF_MAX, 2.0 * self._failures))

    def _tell_screens(self) -> None:
        version = self.version
        reader: object = self.reader  # a screen (the queue), typed as what it gives the watcher
        busy = {worker.node for worker in self.app.workers if worker.is_running and worker.group != "live"}
        for screen in self.app.screen_stack:
            changed = getattr(screen, "data_changed", None)
            if screen is reader or not callable(changed) or screen in busy:
                continue
            seen = getattr(screen, "seen_version", None)
            screen.seen_version = version  # type: ignore[attr-defined]
            if seen is not None and seen != version:  # None: just opened, it read what it shows itself
                screen.call_later(changed)

    def _book(self, delay: float) -> None:
        self._stop_timer()
        if not self.paused:
            self._timer = self.app.set_timer(delay, self._poll, name="live")

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
