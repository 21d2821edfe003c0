"""What everyone sees (issue 22): help lists each key once; search results
write dates as everywhere else (2026-11-25); the complaints list gives the
complainant the width the terminal has; ticks and the filter's highlighted
row are shapes (✓, ▶), not colours only."""

from __future__ import annotations

import pendulum
from console_helpers import app_for, burst, make_ticket, settle, until
from textual.widgets import Static

from console.screens.search import ticket_line
from store import Store

LONG = "Mr Zhao Guangming, branch manager of the North Branch"


async def test_help_lists_question_mark_once(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, "question_mark")
        await until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        text = str(app.screen.query_one(Static).render())
        assert sum(1 for line in text.splitlines() if line.startswith("? ")) == 1


def test_search_results_write_the_whole_date(store: Store) -> None:
    t = make_ticket(store)
    line = ticket_line(store.tickets.ticket(t.id), "UTC").plain
    assert "2026-11-25 09:00" in line and " 26-11-25" not in line
    assert pendulum.now  # (the store's clock is the test's: 2026-11-25 09:00 UTC)


async def test_the_complainant_follows_the_terminals_width(store: Store) -> None:
    t = make_ticket(store)
    store.complaints.add_complaint(t.id, LONG, "Nobody called back")
    for size, shown in (((160, 40), LONG), ((80, 24), "Mr Zhao Gua…")):  # 80: what the other columns leave
        app = app_for(store)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await burst(pilot, "C")
            screen = app.screen
            await until(pilot, lambda s=screen: type(s).__name__ == "ComplaintsScreen" and s.shown)  # type: ignore[misc]
            await settle(pilot)
            table = screen.query_one("#complaints")
            line = table.render_line(1).text
            assert shown in line, (size, line)
            assert table.virtual_size.width <= table.size.width  # no column pushed out of view


async def test_ticks_and_the_highlighted_row_are_shapes(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "f")
        await until(pilot, lambda: type(app.screen).__name__ == "FilterScreen")
        statuses = app.screen.query_one("#statuses")
        await burst(pilot, "space")  # ticks "new"
        first, second = statuses.render_line(0).text, statuses.render_line(1).text
        assert first.startswith("▶✓") and "new" in first
        assert second.startswith("▐ ") and "✓" not in second
        box = app.screen.query_one("#unassigned")
        assert "✓" not in box.render().plain
        box.value = True
        assert "✓" in box.render().plain
