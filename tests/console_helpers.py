"""Helpers for driving the real console against a real temp database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from console.app import DispatchApp, make_app
from console.settings import ConsoleSettings
from console.widgets.queue import QueueTable
from store import Store

FAST = ConsoleSettings(poll_seconds=0.05, cursor_blink=False)


def app_for(store: Store, **kw: Any) -> DispatchApp:
    return make_app(store, clock=store.clock, settings=kw.pop("settings", FAST), **kw)


async def settle(pilot: Pilot) -> None:
    await pilot.pause()
    await wait_for_poll(pilot.app)
    await wait_for_workers(pilot.app)
    await wait_for_poll(pilot.app)
    await pilot.pause()


async def wait_for_poll(app: Any) -> None:
    """The live watcher's poll asked for or on its way, read and shown (its
    own thread, not a worker: console/live.py)."""
    live = getattr(app, "live", None)
    while live is not None and live._running and app.is_running:
        await asyncio.sleep(0.001)


async def wait_for_workers(app: Any) -> None:
    """Every worker the app has now, finished. One cancelled is not a failure
    (an exclusive poll replaced by the next one, a screen's work when it
    closes: Textual's ``wait_for_complete`` raises WorkerCancelled for it);
    one that failed still fails the test."""
    results = await asyncio.gather(*(w.wait() for w in list(app.workers)), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, WorkerCancelled):
            raise result


async def until(pilot: Pilot, cond: Callable[[], bool], tries: int = 1000) -> None:
    """Wait for a condition by yielding to the app (bounded by count, not by time)."""
    for _ in range(tries):
        if cond():
            return
        await pilot.pause()
        await asyncio.sleep(0.01)
    assert cond(), "condition never became true"


def queue(app: DispatchApp) -> QueueTable:
    return app.screen.query_one(QueueTable)


def queue_ids(app: DispatchApp) -> list[int]:
    return [r.id for r in queue(app).rows]


def line_text(table: QueueTable, y: int) -> str:
    return "".join(seg.text for seg in table.render_line(y))


def make_ticket(store: Store, **kw: Any):
    data = {"reporter": "Wang", "phone": "138 0000 0000", "site_id": 1, "equipment_id": 1,
            "category": "atm", "priority": 2, "description": "ATM swallows cards"}
    data.update(kw)
    return store.tickets.create_ticket(data)


async def burst(pilot: Pilot, *keys: str) -> None:
    """Send keys the way SSH delivers a burst: all at once, no pause between them."""
    from textual import events

    driver = pilot.app._driver
    assert driver is not None
    for key in keys:
        char = key if len(key) == 1 else {"enter": "\r", "tab": "\t", "space": " "}.get(key)
        name = {":": "colon", "#": "number_sign", "/": "slash", " ": "space", "?": "question_mark"}.get(key, key)
        driver.send_message(events.Key(name, char))
    await settle(pilot)
    await until(pilot, lambda: not getattr(pilot.app, "_pending_input", None) and getattr(pilot.app, "_input_task", None) is None)
    await settle(pilot)


async def paste(pilot: Pilot, text: str) -> None:
    from textual import events

    driver = pilot.app._driver
    assert driver is not None
    driver.send_message(events.Paste(text))
    await settle(pilot)


def screen_rows(app: Any) -> list[str]:
    """The text on screen as drawn, one string a row (the SVG screenshot's
    <text> runs grouped by their y): what a snapshot will show, dialogs and
    the screens seen behind them together."""
    import html
    import re

    rows: dict[float, list[tuple[float, str]]] = {}
    for x, y, text in re.findall(r'<text[^>]*?x="([\d.]+)"[^>]*?y="([\d.]+)"[^>]*>(.*?)</text>', app.export_screenshot()):
        rows.setdefault(float(y), []).append((float(x), html.unescape(text).replace("\xa0", " ")))
    return ["".join(t for _x, t in sorted(runs)) for _y, runs in sorted(rows.items())]
