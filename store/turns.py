"""Writers take turns: a first-come, first-served queue in front of SQLite's
write lock (README "Many writers, crashes and durability").

SQLite has no queue for its write lock: a writer that finds it taken sleeps
and asks again. Asked every 1–2 ms by 19 waiting writers, that was thousands
of tries a second on a 2-core machine, taking the CPU from the one writer
holding the lock, and luck decided who got in next (p99 321–528 ms at 20
writers). So a writer first takes a ticket and waits for the writer before it,
blocked in the kernel and using no CPU, until that writer has *begun* its
transaction; then it is the only one asking SQLite, and gets the lock the
moment the writer before it commits.

The queue is a lock file beside the database (``<file>-queue``, mode 660): a
counter in its first 8 bytes hands out tickets (under a short flock), and
ticket ``t`` holds a lock on one byte of its own until it has begun, which
ticket ``t + 1`` waits for (open-file-description locks: per open file, let go
by the kernel when a process dies, one waiter woken per release, in order).

The queue only decides who asks next: SQLite's lock still decides who writes.
A writer that cannot use the queue (a folder it may not write, a lock file of
another group) asks SQLite as before, so correctness never rests on it; a
writer that waits past its busy timeout leaves the queue without blocking the
ones behind it."""

from __future__ import annotations

import fcntl
import os
import queue
import random
import sqlite3
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .files import FILE_MODE

# Between two asks of SQLite by the writer whose turn it is: short, as it is
# the only one asking, and the lock is free the moment the writer before it commits.
TURN_PAUSE_S = 0.0001

SLOT_BASE = 4096  # the counter lives below, the tickets' bytes from here
SLOTS = 1 << 20  # ticket t's byte: SLOT_BASE + t mod SLOTS (a million writers ahead never wrap onto a live one)
_FLOCK = struct.Struct("hhqqi4x")  # struct flock on Linux x86-64 and arm64: type, whence, start, len, pid


def _byte(fd: int, ticket: int, kind: int, wait: bool = False) -> None:
    """Lock (kind F_WRLCK) or unlock (F_UNLCK) ticket's byte, as this open file."""
    cmd = fcntl.F_OFD_SETLKW if wait else fcntl.F_OFD_SETLK
    fcntl.fcntl(fd, cmd, _FLOCK.pack(kind, os.SEEK_SET, SLOT_BASE + ticket % SLOTS, 1, 0))


class _Wait:
    """A wait handed to the waiting thread: for the byte of ticket ``before``."""

    def __init__(self, before: int):
        self.before = before
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.granted = False
        self.abandoned = False


class Turns:
    """The queue of one Store. ``take(timeout)`` waits for this writer's turn
    (False: none came in time, or no queue here); ``give()`` lets the next one
    start asking SQLite. One turn at a time (the Store's write lock)."""

    def __init__(self, path: Path, busy_timeout_ms: int = 5000):
        self.path = f"{path}-queue"
        self.busy_timeout_ms = busy_timeout_ms
        self._busy_ms = busy_timeout_ms  # the write connection's busy_timeout now (begin)
        self._fd: int | None = None
        self._usable = hasattr(fcntl, "F_OFD_SETLKW")  # Linux
        self._mine: int | None = None  # the ticket held until give()
        self._waits: queue.SimpleQueue[_Wait | None] = queue.SimpleQueue()
        self._waiter: threading.Thread | None = None

    def _open(self) -> int | None:
        if self._fd is None and self._usable:
            try:
                try:
                    fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
                    os.fchmod(fd, FILE_MODE)  # 660 whatever the umask, as the database (store/files.py)
                except FileExistsError:
                    fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
            except OSError:  # a folder we may not write, a lock file of another group: no queue
                self._usable = False
                return None
            self._fd = fd
        return self._fd

    def _ticket(self, fd: int, timeout: float) -> int:
        """The next ticket, its byte locked as ours before anyone can wait for
        it. The counter's flock is held for a read and a write; waited for by
        asking again, so that even a writer stopped while holding it (ctrl+z)
        cannot keep the others past their busy timeout."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError from None
                time.sleep(0.0001)
        try:
            raw = os.pread(fd, 8, 0)
            ticket = int.from_bytes(raw, "little") if len(raw) == 8 else 0
            os.pwrite(fd, (ticket + 1).to_bytes(8, "little"), 0)
            _byte(fd, ticket, fcntl.F_WRLCK)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        return ticket

    def begin(self, conn: sqlite3.Connection, waiting: Callable[[], None] | None = None) -> None:
        """BEGIN IMMEDIATE on ``conn`` (the Store's write connection, used for
        nothing else), waiting up to the busy timeout for other writers: first
        for this writer's turn, then asking SQLite until the writer before it
        commits. SQLite's own busy handler looks again only every 100 ms after
        a while, so with many writers a waiter kept missing the moments the
        lock was free and got "locked" after 5 s; the writer whose turn it is
        asks every 0.1 ms, and without a turn (no queue here) every millisecond
        or two, as before the queue. ``waiting`` is called when this write
        has to wait for another writer (the console lets keys through to a
        form whose save waits: console/keys.py)."""
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        turn = self.take(self.busy_timeout_ms / 1000, waiting)
        busy = 0 if turn else 2  # SQLite's own wait: none with a turn (we ask again ourselves), 2 ms without
        if busy != self._busy_ms:
            conn.execute(f"PRAGMA busy_timeout = {busy}")
            self._busy_ms = busy
        try:
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    left = deadline - time.monotonic()
                    if "locked" not in str(exc).lower() or left <= 0:
                        raise
                    if waiting is not None:
                        waiting()
                    time.sleep(min(left, TURN_PAUSE_S if turn else random.uniform(0.0005, 0.002)))
        finally:
            self.give()  # begun (or given up): the next writer in line may start asking

    def take(self, timeout: float, waiting: Callable[[], None] | None = None) -> bool:
        fd = self._open()
        if fd is None:
            return False
        try:
            self._mine = self._ticket(fd, timeout)
        except TimeoutError:
            return False
        except OSError:  # a full disk for the counter, a file system without these locks: no queue
            self._usable = False
            return False
        try:
            _byte(fd, self._mine - 1, fcntl.F_WRLCK)  # the writer before has begun (or is gone)
            _byte(fd, self._mine - 1, fcntl.F_UNLCK)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            return self._wait(fd, timeout)
        except OSError:  # a file system without these locks: no queue
            self.give()
            self._usable = False
            return False
        return True

    def _wait(self, fd: int, timeout: float) -> bool:
        """Wait in the kernel, on a thread of our own, so that the wait can end
        at the busy timeout (a lock wait has none of its own)."""
        assert self._mine is not None
        wait = _Wait(self._mine - 1)
        if self._waiter is None:
            self._waiter = threading.Thread(target=self._wait_turns, args=(fd,), name="dispatch-turns", daemon=True)
            self._waiter.start()
        self._waits.put(wait)
        wait.done.wait(timeout)
        with wait.lock:
            if wait.granted:
                return True
            wait.abandoned = True  # the waiting thread lets that byte go when it comes
        self.give()  # out of the queue: the writers behind need not wait for us
        return False

    def _wait_turns(self, fd: int) -> None:
        while (wait := self._waits.get()) is not None:
            try:
                _byte(fd, wait.before, fcntl.F_WRLCK, wait=True)
                if self._fd == fd:  # (closed meanwhile: the lock went with it, and the number may be another file's)
                    _byte(fd, wait.before, fcntl.F_UNLCK)
            except OSError:
                pass  # the file was closed (give up the wait: the writer asks SQLite)
            with wait.lock:
                wait.granted = not wait.abandoned
            wait.done.set()

    def give(self) -> None:
        if self._mine is not None and self._fd is not None:
            ticket, self._mine = self._mine, None
            try:
                _byte(self._fd, ticket, fcntl.F_UNLCK)
            except OSError:  # not on an open file; were it so, closing the file lets the turn go
                self._usable = False
                fd, self._fd = self._fd, None
                os.close(fd)

    def close(self) -> None:
        if self._waiter is not None:
            self._waits.put(None)
        if self._fd is not None:
            self.give()
            fd, self._fd = self._fd, None
            os.close(fd)  # its locks go with it
