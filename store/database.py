"""The one SQLite file: its connections, and the only way to write it.

Connections: one for writes (serialised by a lock, in FIFO turns between
processes: store/turns.py), and a pool of read connections, one per thread
at a time, so a long read (a search, a report, an export) never stalls the
console's poll or a write. PRAGMA data_version is asked on a connection of
its own: its value only means something when it is always asked on the same one.

The write connection never leaves this module: ``Database.write`` opens
``BEGIN IMMEDIATE``, authorises the action and yields a ``Tx``, which alone
executes writes and appends the audit event, in that same transaction. The
read connections are ``query_only``, so a write anywhere else fails
(Datasette's database.py keeps its one writer the same way)."""

from __future__ import annotations

import json
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from pendulum import DateTime

from . import permissions
from .context import Context
from .db import connect_reader, explain, file_identity, open_database, wrap, writable
from .durable import WalSync
from .errors import DatabaseFileError, FileReplaced, PermissionDenied
from .i18n import _
from .rules import audit
from .timeutil import to_db
from .turns import Turns

Params = Sequence[Any] | Mapping[str, Any]

# The search indexes' merging, done a little in every write (migration 0029
# turned FTS5's own off): pages of each index merged at most per write. A
# write that adds to an index writes one or two leaf pages to it, which the
# merges later write again once per level (four or five on a 100k file), so 8
# keeps up; nothing to merge costs 4 us. FTS5's own did 64 pages a level at once.
MERGE_PAGES = 8
SEARCH_INDEXES: tuple[str, ...] = ("ticket_search", "ticket_pairs")


class Executes(Protocol):
    """What read helpers need of a connection: a plain sqlite3 connection or a ``Tx``."""

    def execute(self, sql: str, params: Params = ..., /) -> sqlite3.Cursor: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any] | Mapping[str, Any]], /) -> sqlite3.Cursor: ...


def append_events(conn: Executes, events: list[dict[str, Any]]) -> None:
    """Append audit events (``old``/``new`` as JSON text), each chained to the
    one before it (store/rules/audit.py). Only inside a write transaction: the last
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


class Tx:
    """One write transaction, handed out by ``Database.write`` and dead once
    its block ends: the only object that can change the file."""

    def __init__(self, conn: sqlite3.Connection, db: Database):
        self._conn: sqlite3.Connection | None = conn
        self._db = db

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("a write transaction used after its block ended")
        return self._conn

    def execute(self, sql: str, params: Params = (), /) -> sqlite3.Cursor:
        return self._live().execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any] | Mapping[str, Any]], /) -> sqlite3.Cursor:
        return self._live().executemany(sql, rows)

    def function(self, name: str, nargs: int, fn: Callable[..., str | int | float | None]) -> None:
        """A deterministic SQL function for this connection's statements (a
        bulk load's set-wise work; triggers never call one: every connection,
        the sqlite3 shell included, must be able to write)."""
        self._live().create_function(name, nargs, fn, deterministic=True)

    def insert_all(self, table: str, rows: Iterable[dict[str, Any]], batch_size: int = 2000) -> None:
        """Rows of consistent columns, in batches (sqlite-utils, which nests
        savepoints inside this transaction)."""
        wrap(self._live()).table(table).insert_all(rows, batch_size=batch_size)

    def authorize(self, action: str, ticket_id: int | None = None, team_id: int | None = None) -> None:
        """A second check inside the transaction, once the write knows more
        (the team a ticket is handed to)."""
        self._live()
        self._db.authorize(action, ticket_id, team_id)

    def event(self, action: str, entity: str, entity_id: int | None, ticket_id: int | None,
              old: dict[str, Any], new: dict[str, Any], at: DateTime | None = None, actor: str | None = None) -> None:
        """The audit event of this write. ``actor``: someone other than the
        store's actor made this happen on their own (the OS login at the
        keyboard, for a PIN try); no one entered it for them."""
        ctx = self._db.ctx
        append_events(self, [{
            "at": to_db(at or ctx.now()), "actor": actor or ctx.actor, "entered_by": None if actor else ctx.by,
            "action": action, "entity": entity, "entity_id": entity_id, "ticket_id": ticket_id,
            "old": json.dumps(old, ensure_ascii=False, default=str),
            "new": json.dumps(new, ensure_ascii=False, default=str),
        }])

    def events(self, events: list[dict[str, Any]]) -> None:
        """Events as given (a bulk load's history), chained like any other."""
        append_events(self, events)

    def close(self) -> None:
        self._conn = None


class Database:
    def __init__(
        self,
        path: str | Path,
        ctx: Context,
        *,
        create: bool = False,
        busy_timeout_ms: int = 5000,
        read_only: bool = False,
        repair: bool = False,
        problem: Callable[[Database], str | None] | None = None,
        finish: Callable[[sqlite3.Connection], None] | None = None,
    ):
        """``problem``: what is wrong with the file's settings (one line), asked
        before anything that may write is opened; ``repair`` ('dispatch set'
        mending a damaged setting) skips it. ``read_only``: open the file so
        that nothing can be written (the queue, check and ticket commands; a
        browser console no one signed into). ``finish``: the work the migrations
        leave to today's rules (store/upgrade.py), done on opening by the
        front that stands above those rules."""
        self.path = Path(path)
        self.ctx = ctx
        self.busy_timeout_ms = busy_timeout_ms
        self._problem = problem
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._opened: list[sqlite3.Connection] = []
        # Held while a read connection goes back to the pool or the Store closes.
        self._pool_lock = threading.Lock()
        self._closed = False
        self._local = threading.local()  # .writing: this thread is inside write()
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

        self._writer = open_database(self.path, create=create, busy_timeout_ms=busy_timeout_ms, read_only=read_only,
                                     vet=None if repair or problem is None else vet, finish=finish)
        self._sync = WalSync(self.path)
        self._turns = Turns(self.path, busy_timeout_ms)
        # Opened so that nothing can be written: asked for, or a file we may not write.
        self.file_read_only = read_only or not writable(self.path)
        self.asked_read_only = read_only
        # The file this connection holds: if the path later names another file
        # (or none), our reads and writes would go to a file no one else sees.
        self._identity = file_identity(self.path)
        # And its WAL journal and index: while this connection is open SQLite
        # keeps them (and their inodes), so a journal with these ids at the path
        # after a replace is the old database's, not the new file's.
        self._journal = {sfx: file_identity(Path(f"{self.path}{sfx}")) for sfx in ("-wal", "-shm")}
        self._writer.row_factory = sqlite3.Row
        self._indexes = SEARCH_INDEXES  # those of this file (store/migrations/0029_search_merges.py)
        self._lock = threading.RLock()  # the write connection, one transaction at a time
        # Set while the write under way waits for another writer (another
        # dispatcher's, another process's): the console then lets keys through
        # to the form that is saving instead of holding them for it.
        self.waiting = threading.Event()
        self._watch_lock = threading.Lock()
        self._watch: sqlite3.Connection | None = None
        try:
            if not repair and not vetted:  # a file just created or upgraded
                self._check_settings()
            self.read_only = self.file_read_only or self._is_viewer()
        except DatabaseFileError:
            self.close()
            raise

    def _check_settings(self) -> None:
        """Settings and SLA policy are read everywhere: a bad value is reported
        now, as a damaged file naming the fix, not as a traceback later."""
        found = self._problem(self) if self._problem is not None else None
        if found is not None:
            raise DatabaseFileError(found)

    def _is_viewer(self) -> bool:
        """A viewer opens the file read-only (the console says READ-ONLY); the
        role check refuses their writes, as it would anyway."""
        rows = self.q("SELECT role FROM users WHERE login = ? AND NOT disabled", (self.ctx.by or self.ctx.actor,))
        return bool(rows) and rows[0][0] == "viewer"

    def close(self) -> None:
        """Close every connection. One another thread is reading with (the
        console's poll, a screen's read still running as the console closes)
        is closed when that read ends, not under it: closing a connection
        another thread is using crashed the process (a segmentation fault)."""
        with self._lock:
            self._writer.close()
            self._turns.close()
        with self._pool_lock:
            self._closed = True
        self._close_idle_readers()

    # ---------------------------------------------------------------- reads
    def _new_reader(self) -> sqlite3.Connection:
        try:
            conn = connect_reader(self.path, self.busy_timeout_ms)
        except sqlite3.Error as exc:
            raise explain(self.path, exc) from None
        conn.row_factory = sqlite3.Row
        self._opened.append(conn)
        return conn

    @contextmanager
    def reader(self) -> Iterator[sqlite3.Connection]:
        """A read connection for this thread while the block runs. Inside a
        write transaction, the write connection: reads there must see what the
        transaction has written so far."""
        if getattr(self._local, "writing", False):
            yield self._writer
            return
        self._refuse_closed()
        try:
            conn = self._readers.get_nowait()
        except queue.Empty:
            conn = self._new_reader()
        try:
            yield conn
        finally:
            with self._pool_lock:
                back = not self._closed
                if back:
                    self._readers.put(conn)
            if not back:  # the Store closed during this read
                self._opened.remove(conn)
                conn.close()

    def q(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        with self.reader() as conn:
            try:
                return conn.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:  # locked, corrupt, vanished: one line
                raise explain(self.path, exc) from None

    def one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = self.q(sql, params)
        return rows[0] if rows else None

    def value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row (a count, a max)."""
        return self.q(sql, params)[0][0]

    def ids(self, sql: str, params: Params = ()) -> list[int]:
        """The ``id`` column of ``sql``'s rows, in their order (many ticket
        ids): gathered into one JSON array by SQLite, so 100,000 ids cross
        into Python as one value, not as 100,000 rows (60 ms against 170 ms
        at a load of 8). The order is kept: an aggregate over a subquery with
        ORDER BY reads its rows in that order (the subquery is not flattened
        into an aggregate)."""
        found: list[int] = json.loads(self.value(f"SELECT json_group_array(id) FROM ({sql})", params))
        return found

    def _refuse_closed(self) -> None:
        """A closed Store opens no connection again: its reads fail as SQLite's own on a closed one."""
        if self._closed:
            raise explain(self.path, sqlite3.ProgrammingError("Cannot operate on a closed database."))

    @property
    def in_write(self) -> bool:
        """This thread is inside a write or a batch: its reads see what is not committed yet."""
        return bool(getattr(self._local, "writing", False))

    def data_version(self) -> int:
        """Changes when any other connection commits (our own writes included,
        as they go through another connection): a microsecond poll. Raises
        FileReplaced once the path names another file, which no commit to it
        would ever show here."""
        self.check_file()
        with self._watch_lock:
            self._refuse_closed()
            if self._watch is None:
                self._watch = self._new_reader()
            try:
                return int(self._watch.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.DatabaseError as exc:
                raise explain(self.path, exc) from None

    # --------------------------------------------------------------- writes
    def authorize(self, action: str, ticket_id: int | None = None, team_id: int | None = None) -> None:
        """The one place a permission check is asked (store/permissions.py).
        Inside a write it runs in the transaction, so the roles and the ticket
        it reads are the ones the write sees."""
        permissions.authorize(self.q, self.ctx.actor, self.ctx.by, action, ticket_id, team_id)

    def refuse_write(self) -> None:
        """What refuses any write before a lock is taken: no user name, a
        read-only file or console."""
        if not self.ctx.actor.strip():  # nothing to look up
            raise PermissionDenied(_("No user name: set --actor or DISPATCH_ACTOR."))
        if self.file_read_only:
            if self.asked_read_only:  # a console no one signed into (browser mode without --as)
                raise PermissionDenied(_(
                    "This console is read-only: no one is signed in to it (a browser console without --as)."
                    " Use the terminal console, or ask whoever runs 'dispatch serve' to start it for you"))
            raise DatabaseFileError(_("{path} is open read-only; nothing was saved (ask for write access, or use a copy)").format(
                path=self.path))

    def _begin(self) -> None:
        """BEGIN IMMEDIATE on the write connection, in this writer's turn (store/turns.py)."""
        self._turns.begin(self._writer, self.waiting.set)

    @contextmanager
    def write(self, action: str, ticket_id: int | None = None, team_id: int | None = None) -> Iterator[Tx]:
        """The single write path: BEGIN IMMEDIATE, authorise, commit or roll back.
        Inside ``batch()``, a savepoint of the batch's one transaction instead."""
        self.refuse_write()
        self.check_file()
        if getattr(self._local, "batch", False):
            with self._savepoint(action, ticket_id, team_id) as tx:
                yield tx
            return
        with self._lock:
            self.waiting.clear()
            try:
                self._begin()
            except sqlite3.Error as exc:
                raise explain(self.path, exc) from None
            self._local.writing = True
            tx = Tx(self._writer, self)
            try:
                self.authorize(action, ticket_id, team_id)
                yield tx
                self._merge_indexes()
                # Again at the last moment: a file swapped during the write
                # must not receive it (the rollback below undoes it all).
                self.check_file()
                self._writer.execute("COMMIT")
            except BaseException as exc:
                if self._writer.in_transaction:
                    self._writer.execute("ROLLBACK")
                self._refused(exc)
                raise
            finally:
                tx.close()
                self._local.writing = False
        # Committed, and the lock is free for the next writer: now to disk,
        # before the caller hears it is done (store/durable.py).
        try:
            self._sync()
        except OSError as exc:
            raise DatabaseFileError(_("{path}: the change was written but could not be flushed to disk ({e});"
                                      " check the disk, then the file ('dispatch check')").format(
                path=self.path, e=exc.strerror or exc)) from None

    def _merge_indexes(self) -> None:
        """A few pages of the search indexes' merging, inside the write's
        transaction (store/migrations/0029_search_merges.py): a write that
        added a segment to an index merges about as much as it added, none
        of them the 64 pages a level FTS5 merged at once."""
        for table in self._indexes:
            try:
                self._writer.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('merge', {MERGE_PAGES})")
            except sqlite3.OperationalError as exc:
                if "no such table" not in str(exc):
                    raise
                # An old file built by today's code (tests only: opening
                # migrates any other): it has no such index to merge.
                self._indexes = tuple(t for t in self._indexes if t != table)

    @contextmanager
    def _savepoint(self, action: str, ticket_id: int | None, team_id: int | None) -> Iterator[Tx]:
        """One write of a batch: it is undone alone when it fails, as its own
        transaction would have been, and the batch goes on."""
        self._writer.execute("SAVEPOINT write")
        tx = Tx(self._writer, self)
        try:
            self.authorize(action, ticket_id, team_id)
            yield tx
            self._writer.execute("RELEASE write")
        except BaseException as exc:
            self._writer.execute("ROLLBACK TO write")
            self._writer.execute("RELEASE write")
            self._refused(exc)
            raise
        finally:
            tx.close()

    def _refused(self, exc: BaseException) -> None:
        """A failed write's error in one line, where SQLite's own would be raw."""
        if isinstance(exc, sqlite3.IntegrityError) and "audit" in str(exc):
            # The audit triggers (migration 0015): events were cut from the log's end by hand.
            raise DatabaseFileError(_(
                "{path}: its audit log was cut back or edited by hand, so nothing more can be added to it;"
                " nothing was saved. Run 'dispatch check' and restore a backup").format(path=self.path)) from None
        if isinstance(exc, sqlite3.Error) and not isinstance(exc, sqlite3.IntegrityError):
            raise explain(self.path, exc) from None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many writes of this thread as one transaction, committed (and
        flushed to disk) once at the end, or not at all: a build's history
        (``dispatch demo``), thousands of writes that would each take the lock
        and fsync. Each write inside is still authorised and audited, in a
        savepoint of its own. Other writers wait until it ends: only for a
        file no one else uses yet, or a load that must land whole."""
        self.refuse_write()
        self.check_file()
        with self._lock:
            self.waiting.clear()
            try:
                self._begin()
            except sqlite3.Error as exc:
                raise explain(self.path, exc) from None
            self._local.writing = self._local.batch = True
            try:
                yield
                self._merge_indexes()
                self.check_file()
                self._writer.execute("COMMIT")
            except BaseException:
                if self._writer.in_transaction:
                    self._writer.execute("ROLLBACK")
                raise
            finally:
                self._local.writing = self._local.batch = False
        try:
            self._sync()
        except OSError as exc:
            raise DatabaseFileError(_("{path}: the change was written but could not be flushed to disk ({e});"
                                      " check the disk, then the file ('dispatch check')").format(
                path=self.path, e=exc.strerror or exc)) from None

    # ---------------------------------------------------- a file being built
    @contextmanager
    def unjournaled(self) -> Iterator[None]:
        """Writes to a file no one else has open yet, which is thrown away
        whole if the build fails (``dispatch demo``'s temp file, renamed into
        place only when complete): journal in memory, nothing flushed. In WAL
        a big build wrote every page twice, into the WAL and again at the
        checkpoint, and flushed both. Savepoints still roll back (the journal
        is in memory). On leaving, WAL again, and the file flushed to disk
        once, before anyone is told it is built."""
        with self._lock:
            self._close_idle_readers()  # (leaving WAL needs the only connection)
            mode = self._writer.execute("PRAGMA journal_mode = MEMORY").fetchone()[0].lower()
            if mode == "memory":
                self._writer.execute("PRAGMA synchronous = OFF")
                # This SQLite is built to zero every page it frees (SECURE_DELETE):
                # a build's FTS merges free hundreds of MB that no one has ever
                # seen, each written again as zeros. Put back on leaving.
                secure = self._writer.execute("PRAGMA secure_delete").fetchone()[0]
                self._writer.execute("PRAGMA secure_delete = OFF")
        if mode != "memory":  # someone else has it open after all: as usual
            yield
            return
        yield  # (failed: the file is thrown away as it is)
        with self._lock:
            self._close_idle_readers()
            self._writer.execute("PRAGMA journal_mode = WAL")
            self._writer.execute("PRAGMA synchronous = NORMAL")
            self._writer.execute(f"PRAGMA secure_delete = {int(secure)}")
        fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _close_idle_readers(self) -> None:
        with self._watch_lock:
            if self._watch is not None:
                self._opened.remove(self._watch)
                self._watch.close()
                self._watch = None
        while True:
            try:
                conn = self._readers.get_nowait()
            except queue.Empty:
                return
            self._opened.remove(conn)
            conn.close()

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

    def drop_old_journal(self) -> None:
        """A file put in place with os.replace leaves the old database's -wal and
        -shm beside it, and SQLite would read the old pages from them into the
        new file. Remove only those this connection still holds open (same
        device and inode), which no other file can be using."""
        with self._lock:
            for sfx, ident in self._journal.items():
                journal = Path(f"{self.path}{sfx}")
                if ident is not None and file_identity(journal) == ident:
                    journal.unlink(missing_ok=True)
