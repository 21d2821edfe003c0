"""Keys land where they were typed, whatever the timing.

Over SSH keys arrive in bursts. Textual forwards each key to whatever has
focus *when the key is read*, while the key before it may still be on its way
through the widgets (a binding runs only once the key has bubbled up to the
app). So in ``:1397⏎`` the digits reached the queue before ``:`` had opened
the go-to dialog, and text typed right after Tab went into the previous field.

The app therefore handles one key (or paste) at a time: it forwards it, then
waits until every widget of the current screen has processed what it was sent
and the focus and screen have stopped moving (a dialog opened by the key has
mounted and focused its first field), and only then forwards the next one.
"""

from __future__ import annotations

import asyncio
from collections import deque

from textual import events
from textual.app import App
from textual.message_pump import MessagePump

MIN_WIDTH, MIN_HEIGHT = 80, 24
# While the terminal is too small nothing acts on the hidden screen but these.
QUIT_KEYS = frozenset({"ctrl+q", "q", "ctrl+c"})
SETTLE_ROUNDS = 40  # a key bubbles through at most a few levels; dialogs mount in a few rounds
# No time limit on settling: no handler waits on the file (every store call
# runs in a thread, console/background.py), so each round ends as soon as the
# widgets have handled what they were sent.
CLOSED_CHECK = 0.05  # how often a wait looks for nodes removed meanwhile (not a time limit)


class OrderedKeys(App[None]):
    """App mixin: keys and pastes are handled strictly one after another."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._pending_input: deque[events.Event] = deque()
        self._input_task: asyncio.Task[None] | None = None

    @property
    def too_small(self) -> bool:
        width, height = self.size
        return width < MIN_WIDTH or height < MIN_HEIGHT

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            self._pending_input.append(event)
            if self._input_task is None:
                self._input_task = asyncio.create_task(self._drain_input())
            return
        await super().on_event(event)

    async def _drain_input(self) -> None:
        try:
            while self._pending_input:
                event = self._pending_input.popleft()
                if self.too_small and not (isinstance(event, events.Key) and event.key in QUIT_KEYS):
                    continue
                if self.too_small:
                    self.exit()
                    continue
                await super().on_event(event)
                await self._settle()
        except Exception as exc:  # the same as an error in a handler: Textual shows it and exits
            self._handle_exception(exc)
        finally:
            self._input_task = None

    async def _settle(self) -> None:
        """Wait until the screen has processed everything the last key caused."""
        for _ in range(SETTLE_ROUNDS):
            screen, focused = self.screen, self.focused
            nodes: list[MessagePump] = [self, *screen.walk_children(with_self=True)]
            # _message_queue is private, but it is the one place that says a
            # widget still has work queued (a key bubbling up, a mount).
            busy = any(not node._message_queue.empty() for node in nodes)
            if not busy and self.screen is screen and self.focused is focused and screen.is_mounted:
                return
            events_ = [asyncio.Event() for _n in nodes]
            waiting = [(node, asyncio.ensure_future(ev.wait())) for node, ev in zip(nodes, events_, strict=True)
                       if node.call_later(ev.set)]
            if not waiting:
                await asyncio.sleep(0)
                continue
            try:
                while waiting:
                    await asyncio.wait([task for _node, task in waiting], timeout=CLOSED_CHECK)
                    # A node removed meanwhile (a dialog the key closed) never runs its callback.
                    waiting = [(node, task) for node, task in waiting
                               if not task.done() and not (node._closing or node._closed)]
            finally:
                for _node, task in waiting:
                    task.cancel()
