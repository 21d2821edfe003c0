"""The Store: one front over the repositories in store/repo/, holding the
actor and the clock. The SQL lives in those modules, one topic each; every
write goes through ``StoreBase._write`` (authorise, BEGIN IMMEDIATE, audit
event in the same transaction)."""

from __future__ import annotations

from .base import default_actor
from .derive import DERIVED, derive, ticket_clocks
from .repo.admin import AdminRepo
from .repo.audit import AuditRepo
from .repo.callbacks import CallbacksRepo
from .repo.complaints import ComplaintsRepo
from .repo.exports import ExportsRepo
from .repo.imports import ImportRepo
from .repo.items import ItemsRepo
from .repo.people import PeopleRepo
from .repo.permits import PermitsRepo
from .repo.pins import PinsRepo
from .repo.queue import CROSSINGS_LIMIT, QueueRepo
from .repo.reference import ReferenceRepo
from .repo.reports import ReportsRepo
from .repo.scores import ScoresRepo
from .repo.search import SearchRepo
from .repo.settings import SettingsRepo, calendar_from
from .repo.tickets import TicketRepo
from .repo.users import UsersRepo
from .upgrade import finish


class Store(SettingsRepo, ReferenceRepo, PeopleRepo, UsersRepo, PinsRepo, TicketRepo, SearchRepo, QueueRepo, AdminRepo,
            ImportRepo, CallbacksRepo, ScoresRepo, ItemsRepo, ComplaintsRepo, AuditRepo, ReportsRepo, ExportsRepo,
            PermitsRepo):
    """Everything the console and the command line ask of the file."""

    finish_upgrade = staticmethod(finish)


__all__ = ["CROSSINGS_LIMIT", "DERIVED", "Store", "calendar_from", "default_actor", "derive", "ticket_clocks"]
