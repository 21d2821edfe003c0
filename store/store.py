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

from pathlib import Path

from pendulum import DateTime

from .anchors import heads_log
from .backup import FileReport, backup
from .context import Context, default_actor
from .database import Database
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
from .repo.imports import ImportsRepo
from .repo.inspections import InspectionsRepo
from .repo.items import ItemsRepo
from .repo.outbox import OutboxRepo
from .repo.parts import PartsRepo
from .repo.past import PastRepo
from .repo.people import PeopleRepo
from .repo.permits import PermitsRepo
from .repo.pins import PinsRepo
from .repo.queue import CROSSINGS_LIMIT, QueueRepo
from .repo.reference import ReferenceRepo
from .repo.reports import ReportsRepo
from .repo.scores import ScoresRepo
from .repo.search import SearchRepo
from .repo.settings import SettingsRepo
from .repo.snapshots import SnapshotsRepo
from .repo.tickets import TicketsRepo
from .repo.users import UsersRepo
from .rules.calendar import calendar_from
from .rules.derive import DERIVED, derive, ticket_clocks
from .timeutil import Clock, to_db
from .upgrade import finish


def _settings_problem(db: Database) -> str | None:
    return SettingsRepo(db, db.ctx).settings_problem()


class Store:
    """Everything the console and the command line ask of the file."""

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
                           repair=repair, problem=_settings_problem, finish=finish)
        db, ctx = self.db, self.ctx
        self.settings = SettingsRepo(db, ctx)
        self.people = PeopleRepo(db, ctx)
        self.users = UsersRepo(db, ctx, self.settings)
        self.pins = PinsRepo(db, ctx, self.users)
        self.permits = PermitsRepo(db, ctx)
        self.tickets = TicketsRepo(db, ctx, self.settings)
        self.reference = ReferenceRepo(db, ctx, self.people, self.tickets)
        self.parts = PartsRepo(db, ctx, self.settings, self.tickets)
        self.fees = FeesRepo(db, ctx, self.settings, self.tickets)
        self.imports = ImportsRepo(db, ctx, self.people, self.reference, self.users, self.parts)
        self.search = SearchRepo(db, ctx)
        self.queue = QueueRepo(db, ctx)
        self.admin = AdminRepo(db, ctx, self.settings)
        self.items = ItemsRepo(db, ctx, self.settings)
        self.callbacks = CallbacksRepo(db, ctx, self.settings, self.items)
        self.scores = ScoresRepo(db, ctx, self.settings, self.callbacks)
        self.complaints = ComplaintsRepo(db, ctx, self.settings, self.items)
        self.audit = AuditRepo(db, ctx)
        self.reports = ReportsRepo(db, ctx, self.settings)
        self.explain = ExplainRepo(db, ctx, self.settings)
        self.exports = ExportsRepo(db, ctx, self.settings)
        self.escalations = EscalationsRepo(db, ctx, self.settings)
        self.outbox = OutboxRepo(db, ctx, self.settings)
        self.due_notices = DueNoticesRepo(db, ctx, self.settings)
        self.inspections = InspectionsRepo(db, ctx, self.settings, self.tickets)
        self.handover = HandoverRepo(db, ctx, self.settings)
        self.past = PastRepo(db)
        self.snapshots = SnapshotsRepo(db, ctx)

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
