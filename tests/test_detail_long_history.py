"""Issue 16: a ticket with thousands of audit events paints its detail screen
at once: the timeline mounts a page, and the next page when the reader
scrolls near its end, until the last event is shown."""

from __future__ import annotations

from console.screens.detail import TIMELINE_PAGE, DetailBody, DetailScreen
from store import Store
from tests.console_helpers import app_for, make_ticket, settle, until


def entries_mounted(screen: DetailScreen) -> int:
    return len(screen.query("#timeline Static").exclude(".changes"))


async def test_long_timeline_mounts_a_page_then_more_on_scroll(store: Store, db_path) -> None:
    t = make_ticket(store)
    t = store.tickets.respond(t.id, t.version, note="first call")
    events = 400
    for i in range(events - 2):  # a long history, written as the app writes it (the audit chain holds)
        store.tickets.add_note(t.id, f"call {i}")
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(t.id))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        await until(pilot, lambda: entries_mounted(screen) > 0)
        assert entries_mounted(screen) == TIMELINE_PAGE
        more = screen.query_one("#timeline-more")
        assert more.display and f"{events - TIMELINE_PAGE} more" in str(more.render())
        body = screen.query_one(DetailBody)
        for _ in range(events // TIMELINE_PAGE + 2):  # G: to the end of what is mounted; the next page comes
            await pilot.press("G")
            await settle(pilot)
        await until(pilot, lambda: entries_mounted(screen) == events)
        await settle(pilot)
        assert not more.display
        assert body.scroll_y <= body.max_scroll_y
