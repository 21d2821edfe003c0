"""Issue 16: at 100,000 open the header counts change every second (clocks
crossing); a count that changes one digit repaints that digit's cells, not
the whole counts line (~290 bytes a second over SSH). Regions, not time."""

from __future__ import annotations

from console_helpers import app_for, settle

from console.widgets.status import StatusBar
from store import Store
from store.models import QueueCounts


async def test_a_count_changing_one_digit_repaints_only_that_digit(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(StatusBar)
        bar.set_counts(QueueCounts(open=120, at_risk=31, breached=42, unassigned=17))
        await pilot.pause()
        part = bar.query_one("#counts")
        line = part.render().plain
        bar.set_counts(QueueCounts(open=120, at_risk=31, breached=43, unassigned=17))
        assert part.render().plain == line.replace("42", "43")
        # The widget's dirty regions (its own coordinates): the one cell of the digit.
        assert [(r.x, r.y, r.width, r.height) for r in part._dirty_regions] == [(line.index("42") + 1, 0, 1, 1)]
