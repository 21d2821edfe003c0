"""The search indexes are merged a little by every write, not in lumps
(store/migrations/0029_search_merges.py, store/database.py MERGE_PAGES).

FTS5's own merging did 64 pages a level at once inside whichever write
crossed the line, with the write lock held (100-460 ms on a 100k file while
every other writer waited). Now it is off, and each write merges a few pages:
the indexes stay as compact as before (a handful of segments, not the 16 a
level FTS5 lets pile up before its crisis merge), and a search still finds
every ticket. Nothing here is timed."""

from __future__ import annotations

from pathlib import Path

import pytest

from store import Store
from store.database import SEARCH_INDEXES
from tests.conftest import seeded_file

WRITES = 40


def segments(s: Store, table: str) -> int:
    """How many segments the index is in (each has rows in its %_idx table)."""
    return int(s.db.value(f"SELECT count(DISTINCT segid) FROM {table}_idx"))


def create(s: Store, n: int) -> None:
    s.tickets.create_ticket(
        {"reporter": f"Reporter {n}", "phone": f"139 0000 {n:04d}", "site_id": 1, "priority": 3, "description": f"cash jam number {n} 吞卡"}
    )


@pytest.mark.parametrize("merged", [True, False])
def test_every_write_merges_a_little_and_the_indexes_stay_compact(tmp_path: Path, merged: bool) -> None:
    s = seeded_file(tmp_path / "m.db", "ann")
    for table in SEARCH_INDEXES:  # FTS5's own lumps are off in the file
        assert s.db.value(f"SELECT v FROM {table}_config WHERE k = 'automerge'") == 0
    if not merged:  # the control: what the same writes leave without the write path's merging
        s.db._merge_indexes = lambda: None  # type: ignore[method-assign]
    most = dict.fromkeys(SEARCH_INDEXES, 0)
    for n in range(WRITES):
        create(s, n)
        for table in SEARCH_INDEXES:
            most[table] = max(most[table], segments(s, table))
    if merged:
        assert all(count <= 8 for count in most.values()), most
    else:  # one new segment a write, merged only when 16 pile up on a level
        assert all(count >= 12 for count in most.values()), most
    # Found by both indexes, however merged: the pairs (two characters) and the trigrams.
    assert len(s.search.find("吞卡", limit=100)) == WRITES
    assert len(s.search.find("cash jam", limit=100)) == WRITES
    s.close()
