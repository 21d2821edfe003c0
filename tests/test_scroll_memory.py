"""Scrolling gives memory back (issue 28, "Memory"): what the console keeps
per row or per footer key is bounded by what is on screen, not by how far
the dispatcher has scrolled. Counted, not timed: objects alive and cache
lengths after K moves, then again after K more."""

from __future__ import annotations

import gc
from typing import Any

from console_helpers import app_for, make_ticket, queue, settle, until
from textual._styles_cache import StylesCache
from textual.widgets._footer import FooterKey

from store import Store


def alive(kind: type) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, kind))


def many_tickets(store: Store, n: int) -> None:
    """Every other one assigned: the footer's keys change at each row (the
    actions a new and an assigned ticket allow differ)."""
    for i in range(n):
        t = make_ticket(store, description=f"ATM {i} swallows cards")
        if i % 2:
            store.tickets.assign(t.id, t.version, technician_id=1)


async def moves(pilot: Any, key: str, n: int) -> None:
    for _ in range(n):
        await pilot.press(key)
        await pilot.pause()
    await settle(pilot)


async def test_footer_keys_of_past_rows_are_not_kept(store: Store) -> None:
    many_tickets(store, 12)
    app = app_for(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: queue(app).total == 12)
        await moves(pilot, "down", 10)
        keys, caches = alive(FooterKey), alive(StylesCache)
        await moves(pilot, "up", 10)
        await moves(pilot, "down", 10)
        mounted = len(app.screen.query(FooterKey))
        # Textual's data binding kept every key of every recompose in the
        # footer's watcher list, and its style cache kept their rendered lines.
        assert alive(FooterKey) == mounted
        assert alive(StylesCache) <= caches
        assert keys == mounted


async def test_row_cells_are_kept_for_the_loaded_rows_only(store: Store) -> None:
    many_tickets(store, 160)
    app = app_for(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = queue(app)
        await until(pilot, lambda: table.total == 160)
        for _ in range(8):
            await moves(pilot, "pagedown", 1)
            await until(pilot, lambda: table.current is not None)
        await until(pilot, lambda: table.row_at(table.cursor) is not None and table.start > 0)
        # 160 rows scrolled past; the window holds about three screens.
        assert len(table.rows) < 160
        assert set(table._tails) <= {r.id for r in table.rows}
