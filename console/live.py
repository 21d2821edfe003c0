"""One live watcher for the whole console: every screen follows the file.

Another dispatcher's commit moves SQLite's ``PRAGMA data_version`` (a
microsecond read). One thread of the watcher's own asks it every
``poll_seconds``; the next ask waits until the last one has been shown, so
polls never pile up or overlap (Dolphie; a refresh asked for while one runs
follows it at once), and after a failure the wait grows to at most 30 s while
the screens say STALE. The thread lives as long as the console: a Textual
worker and a timer a second, each with its messages, cost the UI thread more
than the poll's own reads (issue 28); what a poll read reaches the UI thread
as one message (``App.call_later``, which Textual makes thread-safe).

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

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

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
        self._failures = 0
        self._forced = True  # a full read asked for (a filter changed, an own write) and not yet made
        # A poll asked for or on its way and not yet shown (the tests' settle waits on it).
        self._running = False
        self._polls = 0
        self._thread: threading.Thread | None = None
        self._ask = threading.Event()  # poll now (a refresh; another asked meanwhile follows the one running)
        self._shown = threading.Event()  # the last poll's result has been shown: the next wait may begin
        self._wait: float | None = None  # seconds until the next timed poll (None: only when asked)
        self._stopped = False

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
            self._wait = None
        else:
            self.refresh()

    def reset(self) -> None:
        """The file was reopened: everything is read afresh from the new one."""
        self.version, self._failures = -1, 0
        self.refresh()

    def stop(self) -> None:
        """The console closes: the thread ends (it may be reading: it ends after)."""
        self._stopped = True
        self._ask.set()
        self._shown.set()

    # ---------------------------------------------------------------- poll
    def _poll(self) -> None:
        """On the UI thread: a poll now (after the one on its way, if any)."""
        if self._stopped:
            return
        self._running = True
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="dispatch-live", daemon=True)
            self._thread.start()
        self._ask.set()

    def _run(self) -> None:
        """The watcher's thread: a poll when asked or when its wait is over,
        each shown before the next wait begins."""
        while True:
            asked = self._ask.wait(self._wait)
            # Cleared before the read: a refresh asked from here on sets it again and
            # is never lost (one asked before ``_forced`` is read is read by this poll too).
            self._ask.clear()
            if self._stopped:
                return
            if not asked and self._wait is None:
                continue  # paused (or nothing booked) while the wait ran
            self._running = True
            self._shown.clear()
            if not self._read():
                return  # the console has closed
            self._shown.wait()

    def _read(self) -> bool:
        store = self._store()
        forced, self._forced = self._forced, False
        try:
            version = store.db.data_version()
            result = self.reader.read_live(version, forced or version != self.version) if self.reader else None
        except Exception as exc:  # any failure: say STALE and keep polling, never stop silently
            self._forced = True
            return self._call(self._failed, exc, store)
        self._polls += 1
        if self._polls % TRIM_EVERY_POLLS == 0:
            memory.give_back()  # in this thread: the UI thread does not wait on the walk
        return self._call(self._done, version, result, store)

    def _call(self, fn: Callable[..., None], *args: Any) -> bool:
        """``fn`` on the UI thread, after what it has queued (False: the console has closed)."""
        if self._stopped or not self.app.is_running or not self.app.call_later(fn, *args):
            self._running = False
            return False
        return True

    def _gone(self) -> bool:
        """The console is closing: nothing to show a poll on."""
        reader = self.reader
        return (not self.app.is_running or self.app._exit or self.app._closing
                or (reader is not None and not reader.is_attached))

    def _finished(self) -> None:
        """A poll has been shown (or dropped): the thread may wait for the next."""
        self._running = self._ask.is_set()  # another asked meanwhile: the thread reads it at once
        self._shown.set()

    def _stale(self, store: object) -> bool:
        """Read from a file since reopened (the poll on the new one decides:
        a reopen asks for it), or for a queue that has gone: shown nowhere,
        and no timed poll booked after it."""
        if store is not self._store() or self._gone():
            self._wait = None
            return True
        return False

    def _done(self, version: int, result: Any, store: object) -> None:
        try:
            if self._stale(store):
                return
            self._failures = 0
            if self.reader is not None:
                self.reader.show_live(result, store)
            if version != self.version:
                if self.version != -1:  # the first read: the permits were just read too
                    self._forget()  # a role or a ticket's team may have changed
                self.version = version
            self._tell_screens()
            self._book(self.seconds)
        finally:
            self._finished()

    def _failed(self, error: Exception, store: object) -> None:
        try:
            if self._stale(store):
                return
            self._failures += 1
            if self.reader is not None:
                self.reader.live_failed(error, store)
            self._book(min(FAILURE_BACKOFF_MAX, 2.0 * self._failures))
        finally:
            self._finished()

    def _tell_screens(self) -> None:
        version = self.version
        reader: object = self.reader  # a screen (the queue), typed as what it gives the watcher
        busy = {worker.node for worker in self.app.workers if worker.is_running}
        for screen in self.app.screen_stack:
            changed = getattr(screen, "data_changed", None)
            if screen is reader or not callable(changed) or screen in busy:
                continue
            seen = getattr(screen, "seen_version", None)
            screen.seen_version = version  # type: ignore[attr-defined]
            if seen is not None and seen != version:  # None: just opened, it read what it shows itself
                screen.call_later(changed)

    def _book(self, delay: float) -> None:
        """The next timed poll, ``delay`` after this one was shown (none while paused)."""
        self._wait = None if self.paused else delay
