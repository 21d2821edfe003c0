"""`dispatch ship` (issue 26): a center's history to the head office's PostgreSQL,
incremental, resumable and verified (store/hq/ship.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke, ok, one_line_error
from hq_compare import differences

from store.hq import schema
from store.hq.ship import ship

pytestmark = pytest.mark.xdist_group("hq")


def test_first_ship_mirrors_every_row(demo_copy: Callable[[str], Path], hq_url: str, hq_conn: Any) -> None:
    db = demo_copy("c1.db")
    ok(str(db), "set", "center_code", "BJ-01")
    result = invoke(str(db), "ship", "--hq", hq_url)
    assert result.exit_code == 0, (result.output, result.stderr)
    assert "center BJ-01:" in result.output and "events shipped" in result.output
    assert differences(db, hq_conn, "BJ-01") == {}
    events = sqlite3.connect(db).execute("SELECT max(id), count(*) FROM events").fetchone()
    held = hq_conn.execute("SELECT last_event_id, events FROM centers WHERE code = 'BJ-01'").fetchone()
    assert tuple(held) == events
    # Again: nothing new, nothing doubled.
    again = invoke(str(db), "ship", "--hq", hq_url)
    assert again.exit_code == 0 and "0 events shipped" in again.output, again.output
    assert differences(db, hq_conn, "BJ-01") == {}


def test_center_code_is_validated(demo_copy: Callable[[str], Path]) -> None:
    db = demo_copy("c1.db")
    one_line_error(invoke(str(db), "set", "center_code", "bj 01"), "center_code must be")
    one_line_error(invoke(str(db), "set", "center_code", "A" * 17), "center_code must be")


def test_schema_has_every_shipped_column(demo_copy: Callable[[str], Path]) -> None:
    """A new column at the center needs a head-office step (schema.py is frozen per step)."""
    from store.hq.ship import REFERENCE_TABLES, TICKET_TABLES

    db = demo_copy("c1.db")
    lite = sqlite3.connect(db)
    private = {("sites", "notify_urls"), ("technicians", "notify_urls")}
    for table in ("events", *TICKET_TABLES, *REFERENCE_TABLES):
        have = {n for n, _ in schema.columns(schema.COLUMNS_0001[table])}
        at_center = {r[1] for r in lite.execute(f"PRAGMA table_info({table})")} - {c for t, c in private if t == table}
        assert at_center == have, table


def test_ship_api_twice_in_batches(demo_copy: Callable[[str], Path], hq_conn: Any) -> None:
    db = demo_copy("c1.db")
    ok(str(db), "set", "center_code", "SH")
    seen: list[tuple[int, int]] = []
    r = ship(db, hq_conn, batch=1000, progress=lambda d, t: seen.append((d, t)))
    assert r.batches >= 10 and r.events == seen[-1][0] == seen[-1][1]
    assert differences(db, hq_conn, "SH") == {}
