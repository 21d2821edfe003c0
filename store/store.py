"""The Store: a thin front over the file (store/database.py) and one
repository per topic (store/repo/), holding who is writing and the clock.

    store = Store(path, actor="alice")
    store.tickets.assign(ticket_id, version, technician_id=3)
    store.queue.rows(QueueFilter(), 0, 50)

Each repository is built here with the Database, the shared Context and the
repositories it asks (passed in its constructor, so the wiring below is the
whole picture of who depends on whom). Every write goes through
``Database.write`` (authorise, BEGIN IMMEDIATE, the audit event in the same
transaction)."""

from __future__ import annotations

import importlib
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from pendulum import DateTime

from .anchors import heads_log
from .context import Context, default_actor
from .database import Database
from .repo.queue import CROSSINGS_LIMIT
from .repo.settings import SettingsRepo
from .rules.calendar import calendar_from
from .rules.derive import DERIVED, derive, ticket_clocks
from .timeutil import Clock, to_db

if TYPE_CHECKING:
    from .backup import FileReport
    from .repo.admin import AdminRepo
    from .repo.audit import AuditRepo, Progress
    from .repo.callbacks import CallbacksRepo
    from .repo.complaints import ComplaintsRepo
    from .repo.due_notices import DueNoticesRepo
    from .repo.escalations import EscalationsRepo
    from .repo.explain import ExplainRepo
    from .repo.exports import ExportsRepo
    from .repo.fees import FeesRepo
    from .repo.handover import HandoverRepo
    from .repo.imported import HistoryRepo
    from .repo.imports import ImportsRepo
    from .repo.inspections import InspectionsRepo
    from .repo.items import ItemsRepo
    from .repo.outbox import OutboxRepo
    from .repo.parts import PartsRepo
    from .repo.past import PastRepo
    from .repo.people import PeopleRepo
    from .repo.permits import PermitsRepo
    from .repo.pins import PinsRepo
    from .repo.queue import QueueRepo
    from .repo.reference import ReferenceRepo
    from .repo.reports import ReportsRepo
    from .repo.scores import ScoresRepo
    from .repo.search import SearchRepo
    from .repo.snapshots import SnapshotsRepo
    from .repo.tickets import TicketsRepo
    from .repo.users import UsersRepo

R = TypeVar("R")


class _Repo(Generic[R]):
    """A repository built the first time it is asked for, with the Database,
    the Context and the repositories named (so the wiring below is still the
    whole picture of who depends on whom). Its module is imported then too:
    a command that prints the queue does not load the parts, fees,
    inspections, imports or audit code (and what they import), a third of
    its start-up (tests/test_lazy_cli.py)."""

    def __init__(self, module: str, cls: str, *needs: str):
        self.module, self.cls, self.needs = module, cls, needs
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def repo_class(self) -> Any:
        return getattr(importlib.import_module(f"store.repo.{self.module}"), self.cls)

    @overload
    def __get__(self, store: None, owner: type) -> _Repo[R]: ...
    @overload
    def __get__(self, store: Store, owner: type) -> R: ...

    def __get__(self, store: Store | None, owner: type) -> _Repo[R] | R:
        if store is None:
            return self
        with store._wiring:  # two threads asking at once get the one repository
            built = store.__dict__.get(self.name)
            if built is None:
                built = self.repo_class()(store.db, store.ctx, *(getattr(store, n) for n in self.needs))
                store.__dict__[self.name] = built  # from now on a plain attribute
        return built  # type: ignore[no-any-return]



def _finish(conn: sqlite3.Connection) -> None:
    # Run only when migrations left work (store/db.py): store/upgrade.py and
    # the audit modules it loads are not imported by every opening.
    from .upgrade import finish

    finish(conn)


def _settings_problem(db: Database) -> str | None:
    return SettingsRepo(db, db.ctx).settings_problem()


class Store:
    """Everything the console and the command line ask of the file."""

    _wiring = threading.RLock()  # shared by every Store: building a repository takes microseconds
    people: _Repo[PeopleRepo] = _Repo("people", "PeopleRepo")
    users: _Repo[UsersRepo] = _Repo("users", "UsersRepo", "settings")
    pins: _Repo[PinsRepo] = _Repo("pins", "PinsRepo", "users")
    permits: _Repo[PermitsRepo] = _Repo("permits", "PermitsRepo")
    tickets: _Repo[TicketsRepo] = _Repo("tickets", "TicketsRepo", "settings")
    reference: _Repo[ReferenceRepo] = _Repo("reference", "ReferenceRepo", "people", "tickets")
    parts: _Repo[PartsRepo] = _Repo("parts", "PartsRepo", "settings", "tickets")
    fees: _Repo[FeesRepo] = _Repo("fees", "FeesRepo", "settings", "tickets")
    imports: _Repo[ImportsRepo] = _Repo("imports", "ImportsRepo", "people", "reference", "users", "parts")
    history: _Repo[HistoryRepo] = _Repo("imported", "HistoryRepo", "settings", "admin", "callbacks")
    search: _Repo[SearchRepo] = _Repo("search", "SearchRepo")
    queue: _Repo[QueueRepo] = _Repo("queue", "QueueRepo")
    admin: _Repo[AdminRepo] = _Repo("admin", "AdminRepo", "settings")
    items: _Repo[ItemsRepo] = _Repo("items", "ItemsRepo", "settings")
    callbacks: _Repo[CallbacksRepo] = _Repo("callbacks", "CallbacksRepo", "settings", "items")
    scores: _Repo[ScoresRepo] = _Repo("scores", "ScoresRepo", "settings", "callbacks")
    complaints: _Repo[ComplaintsRepo] = _Repo("complaints", "ComplaintsRepo", "settings", "items")
    audit: _Repo[AuditRepo] = _Repo("audit", "AuditRepo")
    reports: _Repo[ReportsRepo] = _Repo("reports", "ReportsRepo", "settings")
    explain: _Repo[ExplainRepo] = _Repo("explain", "ExplainRepo", "settings")
    exports: _Repo[ExportsRepo] = _Repo("exports", "ExportsRepo", "settings")
    escalations: _Repo[EscalationsRepo] = _Repo("escalations", "EscalationsRepo", "settings")
    outbox: _Repo[OutboxRepo] = _Repo("outbox", "OutboxRepo", "settings")
    due_notices: _Repo[DueNoticesRepo] = _Repo("due_notices", "DueNoticesRepo", "settings")
    inspections: _Repo[InspectionsRepo] = _Repo("inspections", "InspectionsRepo", "settings", "tickets")
    handover: _Repo[HandoverRepo] = _Repo("handover", "HandoverRepo", "settings")
    past: _Repo[PastRepo] = _Repo("past", "PastRepo")
    snapshots: _Repo[SnapshotsRepo] = _Repo("snapshots", "SnapshotsRepo")

    @classmethod
    def repositories(cls) -> list[str]:
        """Every repository's name (built or not yet)."""
        return ["settings", *(n for n, v in vars(cls).items() if isinstance(v, _Repo))]

    @classmethod
    def repository_classes(cls) -> list[type]:
        """Every repository's class (their modules imported)."""
        return [SettingsRepo, *(v.repo_class() for v in vars(cls).values() if isinstance(v, _Repo))]

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
        """``repair``: 'dispatch set' opens a file whose settings are damaged
        to mend one (it checks the new value itself); nothing else may."""
        self.ctx = Context.make(actor, by, os_login, clock)
        self.db = Database(path, self.ctx, create=create, busy_timeout_ms=busy_timeout_ms, read_only=read_only,
                           repair=repair, problem=_settings_problem, finish=_finish)
        self.settings = SettingsRepo(self.db, self.ctx)  # opening reads it (the file's zone, calendar, policy)

    # ------------------------------------------------------------ who, when
    @property
    def actor(self) -> str:
        return self.ctx.actor

    @actor.setter
    def actor(self, login: str) -> None:
        self.ctx.actor = login

    @property
    def by(self) -> str | None:
        return self.ctx.by

    @by.setter
    def by(self, login: str | None) -> None:
        self.ctx.by = login

    @property
    def os_login(self) -> str:
        return self.ctx.os_login

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.ctx.clock = clock

    def now(self) -> DateTime:
        return self.ctx.now()

    # ------------------------------------------------------------- the file
    @property
    def path(self) -> Path:
        return self.db.path

    @property
    def read_only(self) -> bool:
        """Nothing can be written through this store: a read-only file or console, or a viewer."""
        return self.db.read_only

    @property
    def file_read_only(self) -> bool:
        return self.db.file_read_only

    def backup(self, dest: Path, progress: Progress | None = None) -> FileReport:
        """A checked copy of this file at ``dest`` (store/backup.py), made from
        one read snapshot while others keep writing; its head goes to the heads
        log beside it (store/anchors.py), whose heads must all be in it. Here on
        the front, not in AuditRepo: store/backup.py checks the copy with the
        audit repo's check, so the repo calling back up into it was a cycle."""
        from .backup import backup

        with self.db.reader() as conn:
            return backup(conn, dest, progress, heads_log(dest.parent, self.db.path), to_db(self.now()))

    def close(self) -> None:
        """Close every connection."""
        self.db.close()

    def reopen(self) -> Store:
        """A fresh Store on the same path (same actor and clock): the file that
        is there now. Raises DatabaseFileError if it is gone or unusable; this
        store stays open, so the caller closes it once the new one works
        (SQLite neither checkpoints nor deletes anything when closing a moved file)."""
        if self.db.file_state() == "replaced":
            self.db.drop_old_journal()
        return Store(self.db.path, actor=self.actor, by=self.by, os_login=self.os_login, clock=self.clock,
                     busy_timeout_ms=self.db.busy_timeout_ms, read_only=self.db.asked_read_only)


__all__ = ["CROSSINGS_LIMIT", "DERIVED", "Store", "calendar_from", "default_actor", "derive", "ticket_clocks"]
