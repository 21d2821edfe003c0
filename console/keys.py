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
import sys
import unicodedata
from collections import deque
from typing import Any

from textual import events
from textual.app import App
from textual.keys import _character_to_key
from textual.message_pump import MessagePump
from textual.widget import Widget
from textual.widgets import Input

MIN_WIDTH, MIN_HEIGHT = 80, 24
# While the terminal is too small nothing acts on the hidden screen but these.
QUIT_KEYS = frozenset({"ctrl+q", "q", "ctrl+c"})
SETTLE_ROUNDS = 40  # a key bubbles through at most a few levels; dialogs mount in a few rounds
# No time limit on settling: no handler waits on the file (every store call
# runs in a thread, console/background.py), so each round ends as soon as the
# widgets have handled what they were sent.
CLOSED_CHECK = 0.05  # how often a wait looks for nodes removed meanwhile (not a time limit)
# Keys typed after a form's ctrl+s wait for its save, so they go to the screen
# the save leads to, as they were typed (ctrl+s esc t over SSH: saved, back,
# then t), however slow the machine. A save that waits for another
# dispatcher's write lets them through at once to the form, which answers
# while its busy mark shows (``save_waits_on_others``); this is only a cap.
SAVE_GRACE = 10.0


class OrderedKeys(App[None]):
    """App mixin: keys and pastes are handled strictly one after another."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending_input: deque[events.Event] = deque()
        self._input_task: asyncio.Task[None] | None = None
        self._actions_running = 0  # bindings' actions under way (one may await a read before its form opens)
        self._saves: list[tuple[asyncio.Event, float]] = []  # forms' saves on their way, each with its deadline
        self._keys_open = asyncio.Event()  # cleared while the first screen is on its way (hold_keys)
        self._keys_open.set()

    def hold_keys(self) -> None:
        """Keys typed from now on wait (in order) until ``release_keys``: the
        screen they were typed for is not up yet."""
        self._keys_open.clear()

    def release_keys(self) -> None:
        self._keys_open.set()

    def save_waits_on_others(self) -> bool:
        """A save under way waits for another writer (the app knows its store)."""
        return False

    def save_started(self) -> asyncio.Event:
        """A form's save went to a thread: the keys typed after it wait for
        it (up to SAVE_GRACE); set the event once the save has landed and
        its form is closed or shows why not."""
        done = asyncio.Event()
        self._saves.append((done, asyncio.get_running_loop().time() + SAVE_GRACE))
        return done

    @property
    def too_small(self) -> bool:
        width, height = self.size
        return width < MIN_WIDTH or height < MIN_HEIGHT

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            self._pending_input.extend(split_alt(event))
            if self._input_task is None:
                self._input_task = asyncio.create_task(self._drain_input())
            return
        await super().on_event(event)

    async def run_action(self, action: Any, default_namespace: Any = None, namespaces: Any = None) -> bool:
        """Every binding's action runs through here: counted while it runs, so
        settling waits for one that awaits a read before it opens a form ('n'
        on a list, 'e' on the queue). Textual's queues are empty once the key
        is taken off them, while its handler may still be awaiting."""
        self._actions_running += 1
        try:
            return await super().run_action(action, default_namespace, namespaces)
        finally:
            self._actions_running -= 1

    async def _drain_input(self) -> None:
        try:
            await self._keys_open.wait()
            while self._pending_input:
                event = self._pending_input.popleft()
                if self.too_small and not (isinstance(event, events.Key) and event.key in QUIT_KEYS):
                    continue
                if self.too_small:
                    self.exit()
                    continue
                for forward in self._text_run(event):
                    await super().on_event(forward)
                await self._settle()
                if await self._saved():
                    await self._settle()  # the form the save closed is gone, the screen under it back
        except Exception as exc:  # the same as an error in a handler: Textual shows it and exits
            self._handle_exception(exc)
        finally:
            self._input_task = None

    async def _saved(self) -> bool:
        """Wait for the saves under way, each until its deadline: True if any was waited for."""
        loop, waited = asyncio.get_running_loop(), False
        for done, deadline in self._saves:
            while not done.is_set() and loop.time() < deadline and not self.save_waits_on_others():
                waited = True
                try:  # the save's end, or a look every CLOSED_CHECK whether it now waits for another writer
                    await asyncio.wait_for(done.wait(), timeout=CLOSED_CHECK)
                except TimeoutError:
                    pass
        self._saves = [(done, deadline) for done, deadline in self._saves if not done.is_set()]
        return waited

    def _text_run(self, first: events.Event) -> list[events.Event]:
        """What to hand on before settling: the event, or a run of characters
        typed into a text field together with it.

        A character typed into a field stays in that field: it moves no focus
        and opens no screen, so there is nothing to wait for between two of
        them. Settling after each one let the screen lay itself out and
        repaint once per character (tens of milliseconds each): a long burst
        kept the console deaf for minutes. An Input still takes them one by
        one (its own rules, such as digits only, apply to each); a text box
        takes the run as one insertion, which is what typing it does, since
        Textual's TextArea re-wraps the whole line on every edit."""
        target = self.focused
        box = _is_text_box(target)
        if not types_text(first) or not (box or isinstance(target, Input)) or getattr(target, "read_only", False):
            return [first]  # (a read-only box does not take the character: a binding may)
        run = [first]
        while self._pending_input and types_text(self._pending_input[0]):
            run.append(self._pending_input.popleft())
        if box and len(run) > 1:
            return [events.Paste("".join(key.character or "" for key in run))]  # type: ignore[attr-defined]
        # Textual's fields take only what str.isprintable() accepts: a joiner
        # or an ideographic space typed as a key would be dropped. As a
        # paste of that one character it goes in through the field's own
        # rules (limit, digits only) like any other character.
        return [key if key.is_printable else events.Paste(key.character or "")  # type: ignore[attr-defined]
                for key in run]

    async def _settle(self) -> None:
        """Wait until the screen has processed everything the last key caused."""
        for _ in range(SETTLE_ROUNDS):
            screen, focused = self.screen, self.focused
            nodes: list[MessagePump] = [self, *screen.walk_children(with_self=True)]
            # _message_queue is private, but it is the one place that says a
            # widget still has work queued (a key bubbling up, a mount).
            busy = self._actions_running > 0 or any(not node._message_queue.empty() for node in nodes)
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


def split_alt(event: events.Event) -> list[events.Event]:
    """Esc then a key, as one burst: the terminal sends ESC and the key's
    character in one read, which Textual's parser takes for alt+key, and both
    were lost (esc t on a list went neither back nor to Teams). The console
    binds no alt key, so such a key is what was typed: esc, then the key."""
    character = getattr(event, "character", None) or ""
    if not (isinstance(event, events.Key) and event.key.startswith("alt+") and len(character) == 1
            and character.isprintable()):
        return [event]
    return [events.Key("escape", "\x1b"), events.Key(character if character.isalnum() else _character_to_key(character),
                                                     character)]


def types_text(event: events.Event) -> bool:
    """A key that types one character (not enter, tab or a control key).

    Text is more than what Python calls printable: format characters (the
    zero-width joiner inside "👩\u200d👩\u200d👧", direction marks), spaces
    other than ' ' (U+3000, the ideographic space of Chinese input; U+00A0)
    and characters newer than this Python's Unicode tables are typed too, and
    are stored as typed (they are cleaned only for display: store/text.py).
    Controls (escape, tab, enter, ctrl+…) are not text."""
    if not isinstance(event, events.Key) or len(event.character or "") != 1:
        return False
    return event.is_printable or unicodedata.category(event.character or "") not in ("Cc", "Cs")


def _is_text_box(widget: Widget | None) -> bool:
    """A TextArea, without importing it: the console opens without loading the
    forms' widgets (tests/test_lazy_console.py), and none can have the focus
    before its module is loaded."""
    module = sys.modules.get("textual.widgets._text_area")
    return module is not None and isinstance(widget, module.TextArea)
