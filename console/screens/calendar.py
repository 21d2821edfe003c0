"""The calendar: the week's working periods and the holidays, changed from
the keyboard (issue 11 §5). Every change is one ``set_setting("calendar")``
in a worker: the store records it and recomputes the open tickets' deadlines,
and the queue sees it at its next poll. A change made elsewhere (another
console, ``dispatch calendar``) shows here as the queue's poll sees it."""

from __future__ import annotations

from dataclasses import replace

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from store.errors import RuleViolation, StoreError
from store.limits import CALENDAR_LINE_MAX
from store.rules.calendar import (
    CalendarSetting,
    day_names,
    day_text,
    holiday_label,
    holiday_name,
    open_now,
    parse_calendar,
    parse_holiday,
    parse_periods,
    period_text,
)
from store.text import clean

from ..format import pad
from ..i18n import N_, _
from ..widgets.footer import Footer
from ..widgets.form import Draft, KeepsDrafts
from ..widgets.lists import ListOptions
from ..widgets.textfield import TextInput
from .listing import ListScreen


class CalendarList(ListOptions):
    pass


class CalendarScreen(KeepsDrafts, ListScreen):
    """Week on top (Enter or e edits the highlighted day), holidays below
    (a adds one, d removes the highlighted one); Esc goes back."""

    BINDINGS = [
        Binding("escape,q", "back", N_("Back")),
        Binding("e", "edit_day", N_("Edit day")),
        Binding("a", "add_holiday", N_("Add holiday")),
        Binding("d,delete", "remove_holiday", N_("Remove holiday"), key_display="d"),
        Binding("ctrl+r", "reload", N_("Reload"), show=False),
    ]
    GUARDED = frozenset({"edit_day", "add_holiday", "remove_holiday"})
    DEFAULT_CSS = """
    CalendarScreen #calendar { padding: 0 1; }
    CalendarScreen .section { text-style: bold; margin-top: 1; color: $accent; }
    CalendarScreen OptionList { height: auto; max-height: 12; border: none; padding: 0; }
    CalendarScreen #edit-hint { color: $text-muted; margin-top: 1; display: none; }
    CalendarScreen #edit { display: none; }
    CalendarScreen #error { color: $error; text-style: bold; display: none; }
    CalendarScreen.-editing #edit, CalendarScreen.-editing #edit-hint { display: block; }
    CalendarScreen.-error #error { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.setting: CalendarSetting | None = None
        self.tz = "UTC"
        self._editing: tuple[str, int] | None = None  # ("day", weekday) or ("holiday", 0)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="calendar"):
            yield Static(_("Loading…"), id="summary")
            yield Static(_("Week"), classes="section")
            yield CalendarList(id="week", compact=True)
            yield Static(_("Holidays"), classes="section")
            yield CalendarList(id="holidays", compact=True)
            yield Static("", id="edit-hint")
            yield TextInput(id="edit", compact=True, max_length=CALENDAR_LINE_MAX)
            yield Static("", id="error")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def focus_list(self) -> None:
        self.query_one("#week").focus()

    def data_changed(self) -> None:
        self.load()

    # ------------------------------------------------------------ reading
    @work(thread=True, exclusive=True, group="calendar", exit_on_error=False)
    def load(self) -> None:
        store = self.app.store
        try:
            setting = parse_calendar(store.settings.setting("calendar", {"kind": "24x7"}))
            tz = store.settings.timezone
            now = open_now(setting.calendar(tz), store.now(), tz)
        except (StoreError, ValueError) as exc:
            self.app.call_from_thread(self._show_error, str(exc))
            return
        self.app.call_from_thread(self.show, setting, tz, now)

    def show(self, setting: CalendarSetting, tz: str, now: str) -> None:
        self.setting, self.tz = setting, tz
        kind = _("24x7, round the clock") if setting.kind == "24x7" else _("business hours")
        self.query_one("#summary", Static).update(Content(_("Calendar: {kind}, times in {tz}. Now: {now}.").format(
            kind=kind, tz=tz, now=now)))
        week = self.query_one("#week", CalendarList)
        highlighted = week.highlighted
        week.clear_options()
        for i, name in enumerate(day_names()):
            text = _("round the clock") if setting.kind == "24x7" else day_text(setting.week[i])
            week.add_option(Option(Content(pad(name, 5) + text), id=str(i)))
        week.highlighted = highlighted if highlighted is not None else 0
        holidays = self.query_one("#holidays", CalendarList)
        highlighted = holidays.highlighted
        holidays.clear_options()
        for i, h in enumerate(setting.holidays):
            holidays.add_option(Option(Content(pad(holiday_label(h), 24) + clean(h.name, single_line=True)), id=str(i)))
        if not setting.holidays:
            holidays.add_option(Option(Content(_("none (a adds one)")), id="none", disabled=True))
        else:
            holidays.highlighted = min(highlighted or 0, len(setting.holidays) - 1)
        self.refresh_bindings()

    def refusal(self, action: str) -> str | None:
        if self.setting is None:
            return _("The calendar is still being read.")
        if self._editing is not None:
            return _("Finish the change being typed first: enter saves, esc cancels.")
        if action == "remove_holiday" and not self.setting.holidays:
            return _("There are no holidays to remove.")
        return self.permits.refusal("settings.set")

    # ------------------------------------------------------------ editing
    def _start_edit(self, what: tuple[str, int], hint: str, value: str, placeholder: str = "") -> None:
        self._editing = what
        self._clear_error()
        self.query_one("#edit-hint", Static).update(Content(hint))
        edit = self.query_one("#edit", Input)
        edit.value, edit.placeholder = value, placeholder
        edit.select_on_focus = True  # the value shown is selected: typing replaces it
        self.add_class("-editing")
        edit.focus()
        self.refresh_bindings()
        # The line being edited is a form of its own: esc asks before dropping
        # what was typed, and a kept draft comes back when the same day (or a
        # new holiday) is edited again.
        self.draft_key = (f"calendar-{what[0]}", what[1])
        self.remember_initial()

    def read_draft(self) -> Draft:
        return {"text": self.query_one("#edit", Input).value}

    def write_draft(self, draft: Draft) -> None:
        edit = self.query_one("#edit", Input)
        edit.value = draft["text"]
        # A draft brought back is to be finished, not replaced by the next key:
        # the cursor at its end instead of the whole line selected on focus.
        edit.select_on_focus = False
        edit.cursor_position = len(edit.value)

    def _end_edit(self) -> None:
        self._editing = None
        self.remove_class("-editing")
        self.query_one("#week").focus()
        self.refresh_bindings()

    def action_edit_day(self) -> None:
        if self.setting is None:
            return
        day = self.query_one("#week", CalendarList).highlighted or 0
        current = "00:00-24:00" if self.setting.kind == "24x7" else ", ".join(
            period_text(p) for p in self.setting.week[day])
        self._start_edit(("day", day), _(
            "{day}: periods such as 08:30-12:00, 13:00-17:30; 18:30-07:30 runs overnight; 00:00-24:00 is the whole"
            " day; empty: closed. Enter saves, Esc cancels.").format(day=day_names()[day]), current)

    @on(OptionList.OptionSelected, "#week")
    def _day_chosen(self) -> None:
        self.action_edit_day()

    def action_add_holiday(self) -> None:
        self._start_edit(("holiday", 0), _(
            "A date or a range, then a name: 2026-12-25 Christmas, 2026-12-24..2026-12-26,"
            " --10-01 National Day (every year), --10-01..--10-07. Enter saves, Esc cancels."),
            "", placeholder=_("2026-12-25 Christmas"))

    def action_remove_holiday(self) -> None:
        if self.setting is None or not self.setting.holidays:
            return
        holidays = self.query_one("#holidays", CalendarList)
        index = holidays.highlighted
        if not holidays.has_focus or index is None:
            # Which one goes must be visible: d acts on the highlighted line of the holidays list.
            holidays.focus()
            self.notify(_("Choose the holiday with the arrows, then d removes it."), markup=False)
            return
        h = self.setting.holidays[index]
        self.save(self.setting.without_holiday(h), _("Holiday removed: {dates}").format(dates=holiday_label(h)))

    @on(Input.Submitted, "#edit")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.setting is None or self._editing is None:
            return
        what, day = self._editing
        text = event.value.strip()
        try:
            if what == "day":
                periods = parse_periods(text, day_names()[day]) if text else ()
                new = self.setting.with_day(day, periods)
                parse_calendar(new.to_json())  # at least one working day, say
                done = _("{day}: {hours}").format(day=day_names()[day], hours=day_text(periods))
            else:
                dates, _sep, name = text.partition(" ")
                h = replace(parse_holiday(dates), name=holiday_name(name))
                new = self.setting.with_holiday(h)
                done = _("Holiday added: {dates}").format(dates=holiday_label(h))
        except RuleViolation as exc:
            self._show_error(str(exc))
            return
        self.save(new, done)

    def _show_error(self, message: str) -> None:
        self.query_one("#error", Static).update(Content(clean(message, single_line=True)))
        self.add_class("-error")

    def _clear_error(self) -> None:
        self.remove_class("-error")

    @work(thread=True, exclusive=True, group="calendar-save", exit_on_error=False)
    def save(self, new: CalendarSetting, done: str) -> None:
        """In a thread: the store recomputes every open ticket's deadlines."""
        try:
            self.app.store.settings.set_setting("calendar", new.to_json())
        except (StoreError, ValueError) as exc:
            self.app.call_from_thread(self._show_error, str(exc))
            return
        self.app.call_from_thread(self._saved, done)

    def _saved(self, done: str) -> None:
        self._clear_error()
        if self._editing is not None:
            self.spend_draft()
            self._end_edit()
        self.notify(clean(done, single_line=True), markup=False)
        self.load()

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        if self._editing is not None:
            def close() -> None:
                self._clear_error()
                self._end_edit()
            self.close_asking(close)
            return
        self.dismiss(None)


__all__ = ["CalendarScreen"]
