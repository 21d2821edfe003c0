"""Every head-office row of a center against the center's file, and the figures read both ways (tests of store/hq)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import store.hq.figures as figures
from store.hq.schema import COLUMNS_0001, columns
from store.hq.ship import EVENT_CONTENT, PRIVATE_ENTITIES, SETTINGS_SHIPPED


def center_rows(db: Path, table: str) -> list[tuple[Any, ...]]:
    names = [n for n, _ in columns(COLUMNS_0001[table])]
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as lite:
        rows = lite.execute(f"SELECT {', '.join(names)} FROM {table}").fetchall()
    if table == "settings":
        rows = [r for r in rows if r[0] in SETTINGS_SHIPPED]
    if table == "events":
        i_old, i_new, i_entity = names.index("old"), names.index("new"), names.index("entity")
        rows = [tuple(None if i in (i_old, i_new) and r[i_entity] not in EVENT_CONTENT else v for i, v in enumerate(r))
                for r in rows if r[i_entity] not in PRIVATE_ENTITIES]
    return sorted(rows, key=repr)


def hq_rows(conn: Any, center: str, table: str) -> list[tuple[Any, ...]]:
    names = [n for n, _ in columns(COLUMNS_0001[table])]
    rows = conn.execute(f'SELECT {", ".join(chr(34) + n + chr(34) for n in names)} FROM "{table}" WHERE center = %s',
                        (center,)).fetchall()
    conn.rollback()
    return sorted((tuple(r) for r in rows), key=repr)


def differences(db: Path, conn: Any, center: str) -> dict[str, tuple[int, int]]:
    """Tables whose rows differ: (rows at the center, rows at the head office)."""
    out = {}
    for table in COLUMNS_0001:
        a, b = center_rows(db, table), hq_rows(conn, center, table)
        if a != b:
            out[table] = (len(a), len(b))
    return out


def report_both_ways(conn: Any, period: Any, now: Any) -> tuple[Any, Any]:
    """The company's report from the month summaries, and by passes over the tickets (no summaries)."""
    fast = figures.company_report(conn, period, now)
    real = figures._summaries
    figures._summaries = lambda *a: None
    try:
        slow = figures.company_report(conn, period, now)
    finally:
        figures._summaries = real
    conn.rollback()
    return fast, slow
