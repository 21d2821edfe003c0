"""A search-as-you-type picker: an Input with a short list of matches below."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from store.limits import SEARCH_MAX
from store.text import clean

from .textfield import TextInput


class Picker(Vertical):
    DEFAULT_CSS = """
    Picker { height: auto; width: 1fr; }
    Picker OptionList { height: auto; max-height: 6; display: none; }
    Picker.open OptionList { display: block; }
    """

    class Picked(Message):
        def __init__(self, picker: Picker, value: int | None) -> None:
            self.picker = picker
            self.value = value
            super().__init__()

        @property
        def control(self) -> Picker:
            return self.picker

    def __init__(self, search: Callable[[str], list[tuple[int, str]]], placeholder: str = "", *,
                 none_hint: str = "", **kwargs: Any) -> None:
        """``none_hint``: shown under the field when there is nothing at all to pick
        (the search of no text found nothing: a center's first day, before its sites)."""
        super().__init__(**kwargs)
        self.search = search
        self.placeholder = placeholder
        self.none_hint = none_hint
        self.none_at_all = False
        self.value: int | None = None
        self._label = ""

    def compose(self) -> ComposeResult:
        yield TextInput(placeholder=self.placeholder, compact=True, max_length=SEARCH_MAX)
        # The list never takes the focus: the input keeps it (up/down move the
        # highlight from there), so tab goes on to the next field, never into
        # the list where typing would be lost.
        matches = OptionList(compact=True)
        matches.can_focus = False
        yield matches

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    def clear(self) -> None:
        """No choice and no text (another site was picked: its equipment goes).
        Says so with ``Picked(None)`` if there was a choice, so what depended on
        it (the repeat fault banner) goes too."""
        had = self.value is not None
        self.value, self._label = None, ""
        with self.input.prevent(Input.Changed):
            self.input.value = ""
        if had:
            self.post_message(self.Picked(self, None))

    @property
    def picked(self) -> tuple[int | None, str, str]:
        """What a form's draft keeps: the choice, its label, and the text in the field."""
        return self.value, self._label, self.input.value

    @picked.setter
    def picked(self, state: tuple[int | None, str, str]) -> None:
        """Shown as it was (a choice made, or text typed), without searching again."""
        self.value, self._label, text = state
        with self.input.prevent(Input.Changed):
            self.input.value = text

    async def refresh_matches(self, text: str | None = None) -> None:
        text = self.input.value if text is None else text
        matches, none_at_all = await asyncio.to_thread(self._look, text)
        if text != self.input.value:
            return  # typed since: the search of the newer text shows its own matches, whichever answers last
        options = self.query_one(OptionList)
        options.clear_options()
        for value, label in matches:
            options.add_option(Option(Content(clean(label, single_line=True)), id=str(value)))
        if none_at_all is not None:
            self.none_at_all = none_at_all
        hint = self.none_at_all and bool(self.none_hint)
        if hint:
            options.add_option(Option(Content(self.none_hint), disabled=True))
        self.set_class((bool(matches) or hint) and self.input.has_focus, "open")
        options.highlighted = 0 if matches else None

    def _look(self, text: str) -> tuple[list[tuple[int, str]], bool | None]:
        """In a thread: the matches of ``text``, and whether there is nothing at
        all to pick (None: not known). Text typed in a burst, before the
        search of the empty field ran, found nothing: the empty search says
        whether anything exists, for a field whose hint would say so."""
        matches = self.search(text)
        if matches or not text.strip():
            return matches, not matches
        return matches, (not self.search("")) if self.none_hint else None

    @on(Input.Changed)
    async def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value == self._label and self.value is not None:
            return
        if self.value is not None:
            self.value = None
            self.post_message(self.Picked(self, None))
        if event.value != self.input.value:
            return  # more was typed since (a burst): search once, for the latest text
        await self.refresh_matches(event.value)

    def on_descendant_focus(self) -> None:
        if self.value is None:
            self.run_worker(self.refresh_matches(), exclusive=True, group="picker")

    def on_descendant_blur(self) -> None:
        self.call_after_refresh(lambda: self.set_class(self.has_focus_within, "open"))

    def on_key(self, event: events.Key) -> None:
        """Up/down move the highlight; tab on a highlighted match takes it and
        moves on, as enter does (the keys typed next go to the next field).
        A key reaches here after the searches of the text typed before it
        (this widget's messages are handled in order), so a tab sent in the
        same burst as the text still finds the list it should pick from."""
        key = event.key
        options = self.query_one(OptionList)
        if not self.has_class("open") or not self.input.has_focus:
            return
        if key == "down":
            options.action_cursor_down()
        elif key == "up":
            options.action_cursor_up()
        elif key == "tab" and options.highlighted is not None:
            self._choose(options.get_option_at_index(options.highlighted))
        else:
            return
        event.stop()
        event.prevent_default()

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if self.has_class("open") and options.highlighted is not None:
            event.stop()
            self._choose(options.get_option_at_index(options.highlighted))

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option)

    def _choose(self, option: Option) -> None:
        self.value = int(option.id or 0)
        self._label = str(option.prompt)
        self.input.value = self._label
        self.remove_class("open")
        self.post_message(self.Picked(self, self.value))
        self.screen.focus_next()
