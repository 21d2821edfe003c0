"""A write returns the ticket as its own transaction left it.

Re-reading after COMMIT returned another dispatcher's later change (11 of
31,830 rows in a stress run): here bob's write is slipped in exactly when
the write lock is let go, between the COMMIT and anything after it."""

from __future__ import annotations

import threading
from typing import Any

from store import Store
from tests.conftest import MutableClock


class BobAfterCommit:
    """The store's write lock; letting it go lets bob edit ticket ``target``."""

    def __init__(self, bob: Store):
        self.lock, self.bob = threading.RLock(), bob
        self.target: int | None = None

    def __enter__(self) -> Any:
        return self.lock.__enter__()

    def __exit__(self, *exc: Any) -> None:
        self.lock.__exit__(*exc)
        target, self.target = self.target, None
        if target is not None:
            t = self.bob.tickets.ticket(target)
            self.bob.tickets.edit_ticket(target, t.version, description=f"bob's edit {t.version}")


def test_writes_return_their_own_version(store: Store, clock: MutableClock) -> None:
    bob = Store(store.path, clock=clock, actor="bob")
    store.actor = "alice"
    store.db._lock = hook = BobAfterCommit(bob)  # type: ignore[assignment]
    hook.target = 1
    created = store.tickets.create_ticket({"site_id": 1, "priority": 3, "category": "atm",
                                   "description": "cash jam", "reporter": "Ms Sun", "phone": "13900000000"})
    assert (created.id, created.version, created.description) == (1, 1, "cash jam")
    hook.target = 1
    assigned = store.tickets.assign(1, 2, technician_id=1)  # bob's edit made it version 2
    assert (assigned.version, assigned.technician_id, assigned.description) == (3, 1, "bob's edit 1")
    assert store.tickets.ticket(1).version == 4  # bob wrote again after alice's assignment
    bob.close()
