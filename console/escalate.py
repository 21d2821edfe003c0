"""The consoles notice escalations too (issue 24): whichever process looks
first records a level that fell due, so a center that runs no `dispatch
notify` from cron still escalates while anyone has a console open.

Called from the live watcher's thread (console/screens/queue_poll.py), never
the UI thread. At most once a minute: the scan is one range of an index
(store/repo/escalations.py), and the store records each level once however
many consoles and senders race for it. A console whose person may not record
escalations (a foreman, a viewer, a read-only file) leaves it to the
others; asked again each minute, as a shared desk's sign-in changes who acts."""

from __future__ import annotations

from pendulum import DateTime, Duration, duration

from store.errors import DatabaseFileError, StoreError
from store.store import Store

EVERY: Duration = duration(minutes=1)
# Tickets looked at per poll: a file nobody opened for weeks, or a big history
# just loaded, has tens of thousands of levels due at once; firing them all in
# one poll kept the queue blank for minutes. One batch a poll, then the next.
PER_POLL = 200


class EscalationWatch:
    def __init__(self) -> None:
        self._next: DateTime | None = None

    def tick(self, store: Store, now: DateTime) -> list[int]:
        """Record what is due now if a minute has passed since the last look;
        the ids this console recorded (another process may have been first)."""
        if self._next is not None and now < self._next:
            return []
        self._next = now + EVERY
        if store.permits.refusal("escalation.fire") is not None:
            return []
        try:
            fired, more = store.escalations.fire_some(PER_POLL)
            if more:
                self._next = None  # the rest at the next poll, not in a minute
            return fired
        except DatabaseFileError:
            raise  # the file is gone or replaced: the poll says STALE
        except StoreError:
            # Busy past the timeout or a rule refused one ticket: the next
            # minute tries again; nothing was half written (one write each).
            return []
