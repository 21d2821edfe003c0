"""Issue 28: a partial repaint renders each group of changed regions alone
(console/output.py ``render_partial_update``) instead of every widget in the
box around all of them. What reaches the terminal must not change: for many
sets of regions on the real main screen (queue, board, status bar, footer),
the bytes written are those Textual's own method writes."""

from __future__ import annotations

import random
from typing import Any

from conftest import MutableClock
from console_helpers import app_for, make_ticket, queue, settle, until
from rich.console import Console
from textual.geometry import Region

from console import output
from store import Store
from store.rules.countdown import row_clock

CONSOLE = Console(color_system="256", force_terminal=True, width=160)


def written(app: Any, regions: list[Region], ours: bool) -> str:
    compositor = app.screen._compositor
    compositor._dirty_regions = set(regions)
    update = output.render_partial_update(compositor) if ours else output._ORIGINAL_PARTIAL(compositor)
    return "" if update is None else output.render_segments(update, CONSOLE)


def test_groups_join_regions_that_overlap_or_touch() -> None:
    a, b, far = Region(0, 0, 5, 1), Region(5, 0, 3, 1), Region(100, 30, 2, 1)
    assert sorted(output.groups([a, b, far])) == sorted([Region(0, 0, 8, 1), far])
    assert output.groups([a, far, Region(3, 0, 100, 31)]) == [Region(0, 0, 103, 31)]  # one joins all


async def test_what_is_sent_is_what_textual_sends(store: Store, clock: MutableClock) -> None:
    for priority in (1, 2, 3, 1, 4, 2):
        make_ticket(store, priority=priority)
    app = app_for(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: queue(app).total >= 6)
        await pilot.pause()
        table = queue(app)
        board = app.screen.query_one("#board")
        status = app.screen.query_one("StatusBar")
        # The console's own second: countdown cells, the read time, a count; then any regions.
        countdowns = Region(table.region.x + 20, table.region.y + 1, 8, 6)
        cases = [
            [countdowns],
            [countdowns, Region(status.region.right - 10, status.region.y, 8, 1)],
            [countdowns, Region(status.region.x + 5, status.region.y, 2, 1), Region(board.region.x + 3, board.region.y + 2, 10, 2)],
            [Region(0, 0, 160, 40)],
        ]
        rng = random.Random(28)
        for _ in range(60):
            screen = Region(0, 0, 160, 40)  # Textual asks only for regions on the screen
            cases.append(
                [
                    Region(rng.randrange(0, 160), rng.randrange(0, 40), rng.randrange(1, 40), rng.randrange(1, 6)).intersection(screen)
                    for _ in range(rng.randrange(1, 6))
                ]
            )
        for regions in cases:
            assert written(app, regions, ours=True) == written(app, regions, ours=False), regions


async def test_the_countdown_cells_drawn_alone_are_what_textual_draws(store: Store, clock: MutableClock) -> None:
    """The tick's repaint asks the queue for its countdown cells only
    (QueueTable.render_cells): the same bytes as Textual's whole lines cut,
    for rows ok, at risk and breached, the cursor's row among them."""
    for priority in (1, 2, 3, 4, 1, 2, 3, 4):
        make_ticket(store, priority=priority)
    app = app_for(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        table = queue(app)
        await until(pilot, lambda: table.total >= 8)
        drawn: list[bool] = []
        render_cells = table.render_cells

        def counted(crop: Region) -> Any:
            lines = render_cells(crop)
            drawn.append(lines is not None)
            return lines

        table.render_cells = counted  # type: ignore[method-assign]
        states = set()
        for minutes in (0, 12, 50, 200):  # fresh, then the P1s at risk and past due, then more
            clock.advance(minutes=minutes)
            table.cursor = 2
            await pilot.pause()
            top = table.region.y + 1
            states |= {row_clock(row, clock().timestamp())[1] for row in table.rows}
            for x1, width in ((0, 7), (6, 1), (4, 3), (0, 1), (2, 2)):
                for y1, height in ((0, 8), (2, 1), (1, 4)):
                    regions = [Region(table.region.x + x1, top + y1, width, height)]
                    drawn.clear()
                    ours = written(app, regions, ours=True)
                    assert drawn == [True], "the countdown cells were not drawn alone"
                    table._styles_cache.clear()  # as a refresh of those lines would: drawn afresh
                    assert ours == written(app, regions, ours=False), (minutes, regions)
        assert {"ok", "at_risk", "breached"} <= states, states
