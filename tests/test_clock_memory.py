"""A long shift gives memory back (issue 28, "Memory"): what the console
keeps after N simulated hours of clock ticks and live polls is what it keeps
after 2N. The clock is the store's MutableClock moved by hand: hours pass in
a few seconds. Counted, not timed: objects alive by type, not RSS."""

from __future__ import annotations

import asyncio
import functools
import gc
import threading
import weakref
from collections import Counter
from typing import Any

import textual.geometry
from console_helpers import app_for, settle
from ticket_helpers import make

from store import Store

# Simulated seconds a step: the main screen's clock tick and one poll each
# (escalations are looked for once a simulated minute: every step).
STEP_SECONDS = 120


def statements() -> int:
    """sqlite3's prepared statements alive (each connection caches up to 128)."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o).__qualname__ == "Statement" and type(o).__module__ == "sqlite3")


def alive() -> Counter[str]:
    """Objects alive by type, Textual's geometry caches emptied first: they are
    bounded (functools.lru_cache, 1,024 and 4,096 regions) and fill with the
    places toasts and the status bar's parts have been drawn at."""
    # Found through the module, not gc.get_objects(): the console freezes its
    # start-up objects (console/memory.py), and the collector lists no frozen one.
    for cls in vars(textual.geometry).values():
        for attr in vars(cls).values() if isinstance(cls, type) else (cls,):
            attr = getattr(attr, "fget", attr)  # a cached property's function
            if isinstance(attr, functools._lru_cache_wrapper):
                attr.cache_clear()
    gc.collect()
    # A weak reference to a cursor gone is not counted: sqlite3 keeps them in
    # the connection's list and prunes it every 200 cursors (bounded).
    return Counter(type(o).__qualname__ for o in gc.get_objects() if not (isinstance(o, weakref.ReferenceType) and o() is None))


def shift(store: Store, n: int) -> None:
    """Tickets at every priority, reported minutes apart: their clocks cross
    into at risk and breached, and their escalation levels fall due, all
    through the hours simulated."""
    for i in range(n):
        make(store, priority=1 + i % 3, description=f"ATM {i} swallows cards")
        store.clock.advance(minutes=7)  # type: ignore[attr-defined]  # the fixture's MutableClock


def test_escalation_candidates_of_any_count_share_one_statement(store: Store, clock: Any) -> None:
    """A console fires up to 200 candidates a minute; each count of them was
    a new SQL text ("IN (?, ?, …)"), kept prepared in the connection's cache."""
    for i in range(50):
        make(store, description=f"ATM {i} swallows cards")
    clock.advance(days=2)  # every level of every ticket due
    store.escalations.fire_some(1)  # the statements of a firing, prepared once
    before = statements()
    for k in range(2, 10):
        _fired, more = store.escalations.fire_some(k)
        assert more
    assert statements() == before


async def test_hours_of_ticks_and_polls_keep_nothing_more(store: Store, clock: Any) -> None:
    shift(store, 24)
    app = app_for(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen: Any = app.screen
        live = app.live

        async def hours(h: float) -> None:
            for _ in range(int(h * 3600 / STEP_SECONDS)):
                clock.advance(seconds=STEP_SECONDS)
                screen._tick_clock()  # what the screen's 1 s interval runs
                live._poll()  # what the watcher's timer runs
                while live._running:  # the poll's thread, then its result shown on this loop
                    await asyncio.sleep(0.001)
            await settle(pilot)
            app.clear_notifications()  # toasts leave on real seconds, not the simulated ones
            # Counted with no worker in flight: one still ending (a busy machine)
            # is not memory kept.
            await app.workers.wait_for_complete()
            await settle(pilot)

        await hours(2)  # warm-up: a rarer path (a crossing, a firing) prepares its statements once
        first, first_statements, first_threads = alive(), statements(), threading.active_count()
        await hours(1)
        second, second_statements, second_threads = alive(), statements(), threading.active_count()
        await hours(1)
        third, third_threads = alive(), threading.active_count()
        counts = (first, second, third)
        # Of two hours measured, the one with less in flight at its end (a busy machine
        # leaves a poll's work item, handle or timer alive at either): a leak shows in both.
        if sum((third - second).values()) < sum((second - first).values()):
            first, second, first_threads, second_threads = second, third, second_threads, third_threads
        # Bounded, not equal: a connection opened later (a poll's thread) prepares its
        # own few; what grew without bound (a new SQL text per count of ids) is the
        # test above's.
        assert second_statements <= first_statements + 32, (first_statements, second_statements)
        grown = second - first
        # Nothing grows with the hours but a few objects of asyncio's and
        # Textual's in flight (a timer handle, a message), and regions in
        # Textual's other bounded caches (the compositor's).
        regions = grown.pop("Region", 0) + grown.pop("Offset", 0)
        # asyncio's thread pool (the polls' threads) grows on demand up to its bound
        # when a busy machine overlaps them: each thread it adds brings its own few.
        added = max(0, second_threads - first_threads)
        assert sum(grown.values()) < 50 + 40 * added, (added, grown.most_common(10))
        assert regions < 200
        # Of these, one more at an hour's end can be one in flight (a timer set a moment
        # ago): what is kept grows in both hours.
        for kind in ("Notification", "Toast", "Timer", "Crossing", "DateTime", "QueueRow"):
            seen = [c[kind] for c in counts]
            assert not seen[0] < seen[1] < seen[2], (kind, seen)
    assert store.escalations.escalations(), "levels fell due in the shift"
