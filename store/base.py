"""The Store's plumbing: connections, the one write path, the audit event,
and the file it holds. Every repository in store/repo/ builds on this.

Connections: one for writes (serialised by a lock), and a pool of read
connections, one per thread at a time, so a long read (a search, a report, an
export) never stalls the console's poll or a write. PRAGMA data_version is
asked on a connection of its own: its value only means something when it is
always asked on the same one."""

from __future__ import annotations

import json
import os
import pwd
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pendulum import DateTime

from . import audit, permissions
from .db import connect_reader, explain, file_identity, open_database, writable
from .durable import WalSync
from .errors import DatabaseFileError, FileReplaced, PermissionDenied
from .i18n import _
from .timeutil import Clock, system_clock, to_db
from .turns import Turns


def default_actor() -> str:
    """Who is at the keyboard: the process's effective OS user, from the
    passwd database. Never LOGNAME/USER or any environment variable (what
    getpass reads): anyone can set those, and a dispatcher's account passed
    for the manager's with ``LOGNAME=root`` (issue 21). A uid with no passwd
    entry (a container run with ``--user 1234``) gets the fixed name "uid1234"."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid{uid}"


def append_events(conn: sqlite3.Connection, events: list[dict[str, Any]]) -> None:
    """Append audit events (``old``/``new`` as JSON text), each chained to the
    one before it (store/audit.py). Only inside a write transaction: the last
    hash read here is still the last one when these rows land."""
    try:
        row = conn.execute("SELECT hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such column" not in str(exc):
            raise
        # A file from before the chain (only ever written by tests that build
        # old files with today's code): its upgrade back-fills the chain.
        conn.executemany(f"INSERT INTO events ({', '.join(audit.FIELDS)}) VALUES ({', '.join('?' * len(audit.FIELDS))})",
                         [[e.get(f) for f in audit.FIELDS] for e in events])
        return
    prev = (row[0] if row else None) or audit.GENESIS
    out = []
    for e in events:
        values = [e.get(f) for f in audit.FIELDS]
        h = audit.link(prev, values)
        out.append((*values, prev, h))
        prev = h
    conn.executemany(
        f"INSERT INTO events ({', '.join(audit.FIELDS)}, prev, hash) VALUES ({', '.join('?' * (len(audit.FIELDS) + 2))})",
        out)


class StoreBase:
    # Does the work the migrations leave to today's rules (store/upgrade.py),
    # on opening: set by the Store front, which stands above the rules it uses.
    finish_upgrade: Callable[[sqlite3.Connection], None] | None = None

    def __init__(
        self,
        path: str | Path,
        *,
        actor: str | None = None,
        by: str | None = None,
        os_login: str | None = None,
        clock: Clock | None = None,
        create: bool = False,
        busy_timeout_ms: int = 5000,
        read_only: bool = False,
        repair: bool = False,
    ):
        self.path = Path(path)
        # read_only: open the file so that nothing can be written (the queue,
        # check and ticket commands; a browser console no one signed into).
        self.read_only = read_only
        # ``actor``: the person each write is for (the audit's actor). ``by``:
        # the OS login typing, when it is someone else (a manager using --actor
        # or DISPATCH_ACTOR); only a manager may, and events record it.
        self.actor = actor or default_actor()
        self.by = by if by and by != self.actor else None
        # ``os_login``: the OS login at the keyboard, which a PIN sign-in at a
        # shared desk does not change (its failed tries are recorded as its own).
        self.os_login = os_login or self.by or self.actor
        self.clock: Clock = clock or system_clock
        self.busy_timeout_ms = busy_timeout_ms
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._opened: list[sqlite3.Connection] = []
        self._local = threading.local()  # .writing: this thread is inside _write
        vetted: list[bool] = []

        def vet(look: sqlite3.Connection) -> None:
            """The settings checked through the connection that looked at the
            file: a file refused for a damaged setting is left as it was, with
            nothing beside it (store/db.py ``connect_look``)."""
            look.row_factory = sqlite3.Row
            self._readers.put(look)
            try:
                self._check_settings()
            finally:
                while not self._readers.empty():
                    self._readers.get_nowait()
            vetted.append(True)

        # ``repair``: 'dispatch set' opens a file whose settings are damaged
        # to mend one (it checks the new value itself); nothing else may.
        self.conn = open_database(self.path, create=create, busy_timeout_ms=busy_timeout_ms, read_only=read_only,
                                  vet=None if repair else vet, finish=self.finish_upgrade)
        self._sync = WalSync(self.path)
        self._turns = Turns(self.path, busy_timeout_ms)
        # Opened so that nothing can be written: asked for, or a file we may not write.
        self.file_read_only = read_only or not writable(self.path)
        self._asked_read_only = read_only
        # The file this connection holds: if the path later names another file
        # (or none), our reads and writes would go to a file no one else sees.
        self._identity = file_identity(self.path)
        # And its WAL journal and index: while this connection is open SQLite
        # keeps them (and their inodes), so a journal with these ids at the path
        # after a replace is the old database's, not the new file's.
        self._journal = {sfx: file_identity(Path(f"{self.path}{sfx}")) for sfx in ("-wal", "-shm")}
        self.conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()  # the write connection, one transaction at a time
        self._watch_lock = threading.Lock()
        self._watch: sqlite3.Connection | None = None
        try:
            if not repair and not vetted:  # a file just created or upgraded
                self._check_settings()
            self.read_only = self.file_read_only or self._is_viewer()
        except DatabaseFileError:
            self.close_db()
            raise

    def _check_settings(self) -> None:
        """Settings and SLA policy are read everywhere: a bad value is reported
        now, as a damaged file naming the fix, not as a traceback later."""
        problem = self.settings_problem()  # type: ignore[attr-defined]
        if problem is not None:
            raise DatabaseFileError(problem)

    def _is_viewer(self) -> bool:
        """A viewer opens the file read-only (the console says READ-ONLY); the
        role check refuses their writes, as it would anyway."""
        rows = self._q("SELECT role FROM users WHERE login = ? AND NOT disabled", (self.by or self.actor,))
        return bool(rows) and rows[0][0] == "viewer"

    # ------------------------------------------------------------ plumbing
    def close_db(self) -> None:
        """Close every connection. (``close`` is the ticket action: closing a ticket.)"""
        with self._lock:
            self.conn.close()
            self._turns.close()
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

    def _authorize(self, action: str, ticket_id: int | None = None, team_id: int | None = None) -> None:
        """The one place a permission check is asked (store/permissions.py).
        Runs inside the write transaction, so the roles and the ticket it reads
        are the ones the write sees."""
        permissions.authorize(self._q, self.actor, self.by, action, ticket_id, team_id)

    def _begin(self) -> None:
        """BEGIN IMMEDIATE on the write connection, in this writer's turn (store/turns.py)."""
        self._turns.begin(self.conn)

    @contextmanager
    def _write(self, action: str, ticket_id: int | None = None,
               team_id: int | None = None) -> Iterator[sqlite3.Connection]:
        """The single write path: BEGIN IMMEDIATE, authorise, commit or roll back."""
        if not self.actor.strip():  # before taking the write lock: nothing to look up
            raise PermissionDenied(_("No user name: set --actor or DISPATCH_ACTOR."))
        if self.file_read_only:
            if self._asked_read_only:  # a console no one signed into (browser mode without --as)
                raise PermissionDenied(_(
                    "This console is read-only: no one is signed in to it (a browser console without --as)."
                    " Use the terminal console, or ask whoever runs 'dispatch serve' to start it for you"))
            raise DatabaseFileError(_("{path} is open read-only; nothing was saved (ask for write access, or use a copy)").format(
                path=self.path))
        self.check_file()
        with self._lock:
            try:
                self._begin()
            except sqlite3.Error as exc:
                raise explain(self.path, exc) from None
            self._local.writing = True
            try:
                self._authorize(action, ticket_id, team_id)
                yield self.conn
                # Again at the last moment: a file swapped during the write
                # must not receive it (the rollback below undoes it all).
                self.check_file()
                self.conn.execute("COMMIT")
            except BaseException as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.IntegrityError) and "audit" in str(exc):
                    # The audit triggers (migration 0015): events were cut from the log's end by hand.
                    raise DatabaseFileError(_(
                        "{path}: its audit log was cut back or edited by hand, so nothing more can be added to it;"
                        " nothing was saved. Run 'dispatch check' and restore a backup").format(path=self.path)) from None
                if isinstance(exc, sqlite3.Error) and not isinstance(exc, sqlite3.IntegrityError):
                    raise explain(self.path, exc) from None
                raise
            finally:
                self._local.writing = False
        # Committed, and the lock is free for the next writer: now to disk,
        # before the caller hears it is done (store/durable.py).
        try:
            self._sync()
        except OSError as exc:
            raise DatabaseFileError(_("{path}: the change was written but could not be flushed to disk ({e});"
                                      " check the disk, then the file ('dispatch check')").format(
                path=self.path, e=exc.strerror or exc)) from None

    def _event(
        self, action: str, entity: str, entity_id: int | None, ticket_id: int | None,
        old: dict[str, Any], new: dict[str, Any], at: DateTime | None = None, actor: str | None = None,
    ) -> None:
        """``actor``: someone other than the store's actor made this happen on
        their own (the OS login at the keyboard, for a PIN try); no one entered it for them."""
        append_events(self.conn, [{
            "at": to_db(at or self.now()), "actor": actor or self.actor, "entered_by": None if actor else self.by,
            "action": action,
            "entity": entity, "entity_id": entity_id, "ticket_id": ticket_id,
            "old": json.dumps(old, ensure_ascii=False, default=str),
            "new": json.dumps(new, ensure_ascii=False, default=str),
        }])

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
        return type(self)(self.path, actor=self.actor, by=self.by, os_login=self.os_login, clock=self.clock,
                          busy_timeout_ms=self.busy_timeout_ms, read_only=self._asked_read_only)

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
