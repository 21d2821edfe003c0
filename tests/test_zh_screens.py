"""Screens opened in Chinese (zh_Hans, the real catalogue) show no English
interface words: the ones a review in Chinese found on screen (the help
legend's marks, the command palette, the skills column, the reports legend).

Data typed by people (names, descriptions) stays as typed; the checks look
only for the English words of the interface that were found and fixed."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from console_helpers import app_for, make_ticket, settle, until
from textual.pilot import Pilot

from store import Store
from store.i18n import LOCALE_DIR, set_language


@pytest.fixture(autouse=True)
def chinese(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DISPATCH_LANG", "zh_Hans")
    set_language("zh_Hans", localedir=LOCALE_DIR)
    yield
    set_language("en", localedir=LOCALE_DIR)


def screen_lines(pilot: Pilot) -> list[str]:
    """The text on screen, one string a row (from the SVG screenshot: its
    <text> runs grouped by their y, so a word never runs into the next row)."""
    svg = pilot.app.export_screenshot()
    rows: dict[float, list[tuple[float, str]]] = {}
    for x, y, text in re.findall(r'<text[^>]*?x="([\d.]+)"[^>]*?y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows.setdefault(float(y), []).append((float(x), html.unescape(text).replace("\xa0", " ")))
    return ["".join(t for _x, t in sorted(runs)) for _y, runs in sorted(rows.items())]


def english(lines: list[str], words: set[str]) -> set[str]:
    """Which of ``words`` (ASCII, 4+ letters) stand on screen as words."""
    found = set(re.findall(r"[A-Za-z]{4,}", "\n".join(lines)))
    return found & words


async def open_setup_table(pilot: Pilot, key: str) -> None:
    await pilot.press("S")
    await settle(pilot)
    await pilot.press(key)
    await settle(pilot)


async def test_help_legend_and_skills_are_chinese(store: Store) -> None:
    """Translated already (existing msgids): the legend's clock marks and the
    technicians' skills were shown as English codes (resp, site, fix, done;
    atm, printer, network …)."""
    app = app_for(store)
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        lines = screen_lines(pilot)
        legend = [line for line in lines if "下一时限：" in line or "关闭前不再计时" in line]
        assert len(legend) == 4, lines
        # The marks stand first in each legend line, as the queue shows them.
        assert not english(legend, {"resp", "site", "done"}), legend
        assert not any(re.search(r"│\s*fix\s", line) for line in legend), legend
        await pilot.press("escape")
        await settle(pilot)

        await open_setup_table(pilot, "c")
        rows = [line for line in screen_lines(pilot) if "Zhang Min" in line or "Wang Fang" in line]
        assert len(rows) == 2, rows
        assert not english(rows, {"printer", "network"}), rows


async def test_reports_legend_names_equipment_types(store: Store, clock, now) -> None:
    """The missed-clock chart's legend listed equipment types by code (network, printer)."""
    clock.set(now.subtract(days=1))
    late = make_ticket(store, priority=1, category="network", equipment_id=None,
                       description="断网")
    clock.set(now)
    assert late
    app = app_for(store)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "ReportsScreen")
        await settle(pilot)
        for _ in range(4):  # to the chart of missed clocks by site (and equipment type)
            await pilot.press("v")
            await settle(pilot)
            if any("超时工单（按网点）" in line for line in screen_lines(pilot)):
                break
        lines = screen_lines(pilot)
        assert any("超时工单（按网点）" in line for line in lines), lines
        assert not english(lines, {"network"}), [line for line in lines if "network" in line]


async def test_new_messages_are_chinese(store: Store) -> None:
    """New msgids from this review (English until the lead translates them):
    the command palette's prompt, "No matches found" and Textual's own
    commands; "STALE" in the help legend."""
    app = app_for(store)
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        assert not english(screen_lines(pilot), {"STALE", "PAUSED"})
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("ctrl+p")
        await settle(pilot)
        lines = screen_lines(pilot)
        assert not english(lines, {"Search", "commands", "Theme", "Quit", "Keys", "Screenshot", "Maximize",
                                   "Change", "current", "application"}), lines
        await pilot.press(*"zzzz")
        await until(pilot, lambda: any("zzzz" in line for line in screen_lines(pilot)))
        # The palette says "no matches" half a second after the search: waited for as
        # drawn (a fixed pause checked nothing when the machine was slower than it).
        await until(pilot, lambda: any("没有匹配项" in line for line in screen_lines(pilot)))
        assert not english(screen_lines(pilot), {"matches", "found"})
