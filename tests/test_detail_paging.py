"""Issue 16: the detail screen reads a long history from the store a page at a
time (store.tickets.timeline_page, keyset on the event id): opening it reads the
first page only, and scrolling to the end reads the next ones, in order."""

from __future__ import annotations

from typing import Any

import pytest

from console.screens.detail import TIMELINE_PAGE, DetailScreen
from store import Store
from tests.console_helpers import app_for, make_ticket, settle, until

EVENTS = 120


def long_history(store: Store) -> int:
    t = make_ticket(store)
    t = store.tickets.respond(t.id, t.version, note="first call")
    for i in range(EVENTS - 2):  # written as the app writes it (the audit chain refuses hand inserts)
        store.tickets.add_note(t.id, f"call {i}")
    return t.id


def test_pages_are_the_timeline_in_order(store: Store) -> None:
    tid = long_history(store)
    whole = [e.id for e in store.tickets.timeline(tid)]
    paged: list[int] = []
    while page := store.tickets.timeline_page(tid, paged[-1] if paged else 0, 50):
        paged += [e.id for e in page]
    assert paged == whole and len(whole) == EVENTS == store.tickets.timeline_count(tid)


async def test_the_detail_screen_reads_one_page_then_the_next_on_scroll(
    store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    tid = long_history(store)
    read: list[int] = []
    page = store.tickets.timeline_page

    def counting_page(ticket_id: int, after_id: int = 0, limit: int = 50) -> list[Any]:
        events = page(ticket_id, after_id, limit)
        if ticket_id == tid:
            read.append(len(events))
        return events

    def whole(ticket_id: int) -> list[Any]:
        raise AssertionError("the detail screen read the whole timeline")

    monkeypatch.setattr(store.tickets, "timeline_page", counting_page)
    monkeypatch.setattr(store.tickets, "timeline", whole)
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(tid))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        await until(pilot, lambda: bool(read))
        await settle(pilot)
        assert read == [TIMELINE_PAGE]
        for _ in range(EVENTS // TIMELINE_PAGE + 2):
            await pilot.press("G")
            await settle(pilot)
        await until(pilot, lambda: sum(read) == EVENTS)
        assert all(n == TIMELINE_PAGE for n in read[:-1])
        shown = len(screen.query("#timeline Static").exclude(".changes"))
        assert shown == EVENTS
        assert not screen.query_one("#timeline-more").display
