"""Issue 16: a partial repaint sends the cells asked for, not everything from
the widget's left edge (Textual's own writer, console/output.py). What is
checked is the text that would go to the terminal, not time."""

from __future__ import annotations

import re
from typing import Any

from conftest import MutableClock
from console_helpers import app_for, make_ticket, queue, settle, until
from rich.console import Console
from rich.segment import Segment
from textual._compositor import ChopsUpdate
from textual.strip import Strip

from console import output
from console.widgets.status import StatusBar
from store import Store
from store.models import QueueCounts

MOVE = re.compile(r"\x1b\[(\d+);(\d+)H")
SGR = re.compile(r"\x1b\[[\d;]*m")
CONSOLE = Console(color_system=None, force_terminal=True, width=80)


def sent_from(data: str) -> list[tuple[int, int, str]]:
    """(line, column, text) of each cursor move and what follows it."""
    parts = MOVE.split(SGR.sub("", data))[1:]
    return [(int(parts[i]) - 1, int(parts[i + 1]) - 1, parts[i + 2].rstrip("\n")) for i in range(0, len(parts), 3)]


def sent(update: ChopsUpdate) -> list[tuple[int, int, str]]:
    return sent_from(output.render_segments(update, CONSOLE))


def one_line(text: str, x1: int, x2: int) -> ChopsUpdate:
    strip = Strip([Segment(text)])
    return ChopsUpdate([{0: strip}], [(0, x1, x2)], [[strip.cell_length]])


def test_the_cells_asked_for_and_no_more() -> None:
    assert sent(one_line("open 120 · breached 42", 20, 22)) == [(0, 20, "42")]
    assert sent(one_line("abcdef", 0, 6)) == [(0, 0, "abcdef")]
    assert sent(one_line("abcdef", 2, 3)) == [(0, 2, "c")]


def test_a_crop_never_starts_inside_a_wide_character() -> None:
    # 中 takes cells 2-3: a span from cell 3 starts at 2, with the whole character.
    assert sent(one_line("ab中文ef", 3, 5)) == [(0, 2, "中文")]
    assert sent(one_line("ab中文ef", 4, 6)) == [(0, 4, "文")]


def test_textual_alone_would_send_from_the_left_edge() -> None:
    """What the patch is for: Textual's own method resends the start of the widget."""
    update = one_line("open 120 · breached 42", 20, 22)
    plain = output._ORIGINAL(update, CONSOLE)
    assert "open 120" in plain and "open 120" not in output.render_segments(update, CONSOLE)


def captured(app: Any) -> list[str]:
    """What each screen update would write, collected as the app displays it."""
    out: list[str] = []
    display = app._display

    def spy(screen: Any, renderable: Any) -> None:
        if isinstance(renderable, ChopsUpdate):
            out.append(output.render_segments(renderable, CONSOLE))
        display(screen, renderable)

    app._display = spy
    return out


async def test_a_ticking_countdown_sends_its_last_digit(store: Store, clock: MutableClock) -> None:
    for _ in range(4):
        make_ticket(store, priority=1)
    app = app_for(store)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        table = queue(app)
        await until(pilot, lambda: table.total >= 4)
        clock.advance(seconds=1)  # 15m00s → 14m59s
        table.tick()
        await pilot.pause()
        writes = captured(app)
        clock.advance(seconds=1)  # 14m59s → 14m58s: the last digit of each countdown
        table.tick()
        await pilot.pause()
        top = table.region.y + 1  # the table's first row, below its header line
    cells = [c for w in writes for c in sent_from(w) if c[0] >= top]
    # Four countdowns: one digit each, not the 7-cell cell, never the rest of the row.
    assert len(cells) == 4 and all(len(text) == 1 and text.isdigit() for _y, _x, text in cells), cells


async def test_a_count_changing_one_digit_sends_that_digit(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(StatusBar)
        bar.set_counts(QueueCounts(open=120, at_risk=31, breached=42, unassigned=17))
        await pilot.pause()
        writes = captured(app)
        bar.set_counts(QueueCounts(open=120, at_risk=31, breached=43, unassigned=17))
        await pilot.pause()
    assert ChopsUpdate.render_segments is output.render_segments  # make_app put ours in place
    texts = [text for w in writes for y, _x, text in sent_from(w) if y == 0]
    assert "3" in texts and not any("open" in t or "breached" in t for t in texts), texts
