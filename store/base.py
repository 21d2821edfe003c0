"""The Store's plumbing: connections, the one write path, the audit event,
and the file it holds. Every repository in store/repo/ builds on this.

Connections: one for writes (serialised by a lock), and a pool of read
connections, one per thread at a time, so a long read (a search, a report, an
export) never stalls the console's poll or a write. PRAGMA data_version is
asked on a connection of its own: its value only means something when it is
always asked on the same one."""

from __future__ import annotations

import getpass
import json
import queue
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pendulum import DateTime

from .db import connect_reader, explain, file_identity, open_database
from .errors import DatabaseFileError, FileReplaced, PermissionDenied
from .i18n import _
from .models import PRIORITIES
from .timeutil import Clock, system_clock, to_db, valid_timezone


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (e.g. a container without passwd entry)
        return "unknown"


class StoreBase:
    def __init__(
        self,
        path: str | Path,
        *,
        actor: str | None = None,
        clock: Clock | None = None,
        create: bool = False,
        busy_timeout_ms: int = 5000,
    ):
        self.path = Path(path)
        self.actor = actor or default_actor()
        self.clock: Clock = clock or system_clock
        self.busy_timeout_ms = busy_timeout_ms
        self.conn = open_database(self.path, create=create, busy_timeout_ms=busy_timeout_ms)
        # The file this connection holds: if the path later names another file
        # (or none), our reads and writes would go to a file no one else sees.
        self._identity = file_identity(self.path)
        # And its WAL journal and index: while this connection is open SQLite
        # keeps them (and their inodes), so a journal with these ids at the path
        # after a replace is the old database's, not the new file's.
        self._journal = {sfx: file_identity(Path(f"{self.path}{sfx}")) for sfx in ("-wal", "-shm")}
        self.conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()  # the write connection, one transaction at a time
        self._local = threading.local()  # .writing: this thread is inside _write
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._opened: list[sqlite3.Connection] = []
        self._watch_lock = threading.Lock()
        self._watch: sqlite3.Connection | None = None
        try:
            self._check_settings()
        except DatabaseFileError:
            self.close_db()
            raise

    def _check_settings(self) -> None:
        """Settings and SLA policy are read everywhere: a bad value is reported
        now, as a damaged file, not as a traceback later."""
        try:
            tz = self.timezone  # type: ignore[attr-defined]
            if not valid_timezone(str(tz)):
                raise ValueError(f"unknown time zone {tz!r}")
            self.calendar()  # type: ignore[attr-defined]
            missing = set(PRIORITIES) - set(self.policy())  # type: ignore[attr-defined]
            if missing:
                raise ValueError(f"no SLA policy for priority {sorted(missing)}")
            int(self.setting("repeat_window_days", 30))  # type: ignore[attr-defined]
            self._check_money_settings()  # type: ignore[attr-defined]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DatabaseFileError(
                _("{path} has a damaged setting ({detail}); fix it with 'dispatch set' or restore a backup").format(
                    path=self.path, detail=exc)) from None

    # ------------------------------------------------------------ plumbing
    def close_db(self) -> None:
        """Close every connection. (``close`` is the ticket action: closing a ticket.)"""
        with self._lock:
            self.conn.close()
        for conn in self._opened:
            conn.close()
        self._opened.clear()

    def now(self) -> DateTime:
        return self.clock().in_timezone("UTC")

    def _new_reader(self) -> sqlite3.Connection:
        try:
            conn = connect_reader(self.path, self.busy_timeout_ms)
        except sqlite3.Error as exc:
            raise explain(self.path, exc) from None
        conn.row_factory = sqlite3.Row
        self._opened.append(conn)
        return conn

    @contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        """A read connection for this thread while the block runs. Inside a
        write transaction, the write connection: reads there must see what the
        transaction has written so far."""
        if getattr(self._local, "writing", False):
            yield self.conn
            return
        try:
            conn = self._readers.get_nowait()
        except queue.Empty:
            conn = self._new_reader()
        try:
            yield conn
        finally:
            self._readers.put(conn)

    def _q(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self._reader() as conn:
            try:
                return conn.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:  # locked, corrupt, vanished: one line
                raise explain(self.path, exc) from None

    def data_version(self) -> int:
        """Changes when any other connection commits (our own writes included,
        as they go through another connection): a microsecond poll. Raises
        FileReplaced once the path names another file, which no commit to it
        would ever show here."""
        self.check_file()
        with self._watch_lock:
            if self._watch is None:
                self._watch = self._new_reader()
            try:
                return self._watch.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                raise explain(self.path, exc) from None

    def _authorize(self, action: str) -> None:
        # The one place a permission check lives; roles come in a later migration.
        if not self.actor.strip():
            raise PermissionDenied(_("No user name: set --actor or DISPATCH_ACTOR."))

    @contextmanager
    def _write(self, action: str) -> Iterator[sqlite3.Connection]:
        """The single write path: authorise, BEGIN IMMEDIATE, commit or roll back."""
        self._authorize(action)
        self.check_file()
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise explain(self.path, exc) from None
            self._local.writing = True
            try:
                yield self.conn
                # Again at the last moment: a file swapped during the write
                # must not receive it (the rollback below undoes it all).
                self.check_file()
                self.conn.execute("COMMIT")
            except BaseException as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error) and not isinstance(exc, sqlite3.IntegrityError):
                    raise explain(self.path, exc) from None
                raise
            finally:
                self._local.writing = False

    def _event(
        self, action: str, entity: str, entity_id: int | None, ticket_id: int | None,
        old: dict[str, Any], new: dict[str, Any], at: DateTime | None = None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO events (at, actor, action, entity, entity_id, ticket_id, old, new)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (to_db(at or self.now()), self.actor, action, entity, entity_id, ticket_id,
             json.dumps(old, ensure_ascii=False, default=str),
             json.dumps(new, ensure_ascii=False, default=str)),
        )

    # ------------------------------------------------------ the file itself
    def file_state(self) -> str | None:
        """None while the path still names the file we opened; "replaced" when
        it names another file, "deleted" when it names none. One stat() call."""
        now = file_identity(self.path)
        if now == self._identity:
            return None
        return "deleted" if now is None else "replaced"

    def check_file(self) -> None:
        state = self.file_state()
        if state is not None:
            raise FileReplaced(self.path, deleted=state == "deleted")

    def reopen(self) -> Any:
        """A fresh Store on the same path (same actor and clock): the file that
        is there now. Raises DatabaseFileError if it is gone or unusable; this
        store stays open, so the caller closes it once the new one works
        (SQLite neither checkpoints nor deletes anything when closing a moved file)."""
        if self.file_state() is not None and file_identity(self.path) is not None:
            self._drop_old_journal()
        return type(self)(self.path, actor=self.actor, clock=self.clock, busy_timeout_ms=self.busy_timeout_ms)

    def _drop_old_journal(self) -> None:
        """A file put in place with os.replace leaves the old database's -wal and
        -shm beside it, and SQLite would read the old pages from them into the
        new file. Remove only those this connection still holds open (same
        device and inode), which no other file can be using."""
        with self._lock:
            for sfx, ident in self._journal.items():
                journal = Path(f"{self.path}{sfx}")
                if ident is not None and file_identity(journal) == ident:
                    journal.unlink(missing_ok=True)
