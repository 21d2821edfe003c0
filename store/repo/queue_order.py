"""A filtered queue's order, read once per change of the file (issue 28).

For a filter whose matches SQLite must sort (several statuses or
technicians, a team, a text's matches from the search index), every window,
count and position sorted all the matches again, and a window near the end
skipped all but 150 of them: 150–365 ms on a 1M-ticket file. Such a filter's
order is read once, as a list of ids, and kept until the file changes
(PRAGMA data_version, which our own commits move too, as they go through
another connection); a window at any depth is then a slice of the list and
the joins for its 150 rows, the count its length, a position an index in it.
A filter read in order from one index range (a priority, a status,
unassigned, one technician, the whole queue) walks that index instead: no
ticket row is read (0026_window_indexes), and reading 100,000 ids into a
list costs more than the walk.

One list is kept (the console shows one filter at a time): 8 bytes a
ticket, under 1 MB for 100,000 open tickets."""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable

from ..database import Database
from ..models import QueueFilter


class QueueOrder:
    def __init__(self, db: Database):
        self.db = db
        # One reader builds at a time: the poll and a scroll's window asking
        # together after a change read the file once, not twice.
        self._lock = threading.Lock()
        self._held: tuple[int, QueueFilter, array[int]] | None = None

    def ids(self, f: QueueFilter, read: Callable[[], list[int]]) -> array[int]:
        """The ids in queue order: the kept list, or ``read()`` when the file
        changed. Inside a write, read afresh and not kept: the write's reads
        see what is not committed, which no other reader may be given."""
        if self.db.in_write:
            return array("q", read())
        with self._lock:
            # The version before the read: a commit landing during the read
            # moves it, so the next ask reads again rather than keep a list
            # older than its version.
            version = self.db.data_version()
            held = self._held
            if held is not None and held[0] == version and held[1] == f:
                return held[2]
            self._held = None  # the old list goes before the new one is read
            order = array("q", read())
            self._held = (version, f, order)
            return order

    def forget(self) -> None:
        """Drop the kept list (a bench measuring the read after a change)."""
        self._held = None
