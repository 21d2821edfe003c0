"""A store call's answer never lands on a screen being removed
(console/background.py): Textual removes a screen's widgets before it
cancels the screen's workers, and an answer arriving in between found none."""

from __future__ import annotations

import threading
import time

from console_helpers import app_for, settle, until
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from console.background import in_thread
from store import Store


class Reading(Screen[None]):
    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()
        self.answered: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="body")

    def on_mount(self) -> None:
        def call() -> str:
            self.started.set()
            # The answer comes once the screen is being removed (bounded: a
            # screen never removed fails the test below, not this thread).
            for _ in range(30_000):
                if self._pruning or self._closing or self._closed:
                    break
                time.sleep(0.001)
            return "read"

        def done(text: str) -> None:
            self.answered.append(text)
            self.query_one("#body", Static).update(text)

        in_thread(self, call, done)


async def test_an_answer_for_a_screen_being_removed_is_dropped(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = Reading()
        await app.push_screen(screen)
        await until(pilot, screen.started.is_set)
        app.pop_screen()
        await until(pilot, lambda: screen._closed)
        await settle(pilot)
        assert screen.answered == []
        assert app.is_running
