"""The escalation ladder (issue 24), from Setup: for each priority and clock
the levels, when each falls due (the share of the clock's window used) and
whom it tells. Managers edit, add and remove levels and reset a ladder to
the default; everyone else sees it read-only (the store's rule: the ladder
is the ``escalation`` setting, ``settings.set``).

Every change goes through the same store call as ``dispatch escalation set``
(``store.escalations.set_ladder``), in a thread: checked there, audited as
any setting, and the open tickets' next escalation worked out again.

The screen shows one ladder at a time, chosen with 'p' (or tab to the list
of ladders): the default, which every priority and clock follows unless it
has its own, or one priority and clock. A change to a priority and clock
that follows the default gives it its own ladder, starting from the
default's levels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Select, Static

from store.errors import RuleViolation
from store.labels import PRIORITIES, priority_label
from store.rules.countdown import clock_title
from store.rules.escalation import (
    AT_RISK,
    BREACHED,
    DEFAULT_LADDER,
    MAX_SHARE,
    MIN_SHARE,
    ROLES,
    EscalationSetting,
    Ladder,
    Level,
    role_label,
    roles_text,
    share_label,
)
from store.rules.sla import CLOCKS

from ..background import in_thread, write_refusal
from ..i18n import N_, _
from ..widgets.footer import Footer
from ..widgets.lists import ListTable
from .form import ActionForm, Field
from .listing import BACK, ListScreen

Key = str  # "default", or "P:clock" ("1:response")
DEFAULT = "default"
# Every non-empty choice of whom to tell, in the ladder's own order.
TELL: list[tuple[str, ...]] = [
    tuple(r for i, r in enumerate(ROLES) if mask & (1 << i)) for mask in range(1, 1 << len(ROLES))]
TELL.sort(key=lambda roles: (len(roles), [ROLES.index(r) for r in roles]))


def keys() -> list[Key]:
    return [DEFAULT, *(f"{p}:{c}" for p in PRIORITIES for c in CLOCKS)]


def split(key: Key) -> tuple[int, str] | None:
    if key == DEFAULT:
        return None
    p, _sep, clock = key.partition(":")
    return int(p), clock


def own(setting: EscalationSetting, key: Key) -> Ladder | None:
    """The ladder ``key`` has of its own (None: it follows the default)."""
    where = split(key)
    if where is None:
        return setting.default
    return setting.priorities.get(where[0], {}).get(where[1])  # type: ignore[call-overload, no-any-return]


def ladder_of(setting: EscalationSetting, key: Key) -> Ladder:
    mine = own(setting, key)
    return mine if mine is not None else setting.default


def key_label(key: Key, setting: EscalationSetting | None = None) -> str:
    where = split(key)
    if where is None:
        return _("Default: every priority and clock without its own")
    text = f"{priority_label(where[0])} · {clock_title(where[1])}"
    if setting is not None:
        text += " — " + (_("own ladder") if own(setting, key) is not None else _("follows the default"))
    return text


def with_ladder(setting: EscalationSetting, key: Key, levels: Ladder | None) -> dict[str, Any]:
    """The setting's JSON with ``key``'s ladder replaced (None: the default
    ladder put back for the default, or the priority and clock following
    the default again)."""
    value = setting.to_json()
    where = split(key)
    if where is None:
        value["default"] = [lv.to_json() for lv in (DEFAULT_LADDER if levels is None else levels)]
        return value
    p, clock = str(where[0]), where[1]
    priorities: dict[str, Any] = value.setdefault("priorities", {})
    clocks: dict[str, Any] = priorities.setdefault(p, {})
    if levels is None:
        clocks.pop(clock, None)
    else:
        clocks[clock] = [lv.to_json() for lv in levels]
    if not clocks:
        priorities.pop(p)
    if not priorities:
        value.pop("priorities")
    return value


def percent(at: float) -> str:
    return f"{round(at * 100, 1):g}"


def when(at: float) -> str:
    """A level's point in the table: the percent, and its name when it has one ("75 % at risk (25 % left)")."""
    return f"{percent(at)} %" + (f"  {share_label(at)}" if at in (AT_RISK, BREACHED) else "")


def share_typed(text: str) -> float:
    """The share of the window from what was typed: a percent of it used."""
    t = (text or "").strip().removesuffix("%").strip()
    try:
        value = float(t)
    except ValueError:
        value = -1.0
    if not MIN_SHARE * 100 <= value <= MAX_SHARE * 100:
        raise RuleViolation(_("a percent of the window used, from {lo} to {hi} (75: at risk, 100: breached)").format(
            lo=f"{MIN_SHARE * 100:g}", hi=f"{MAX_SHARE * 100:g}"), "at")
    return value / 100


class EscalationScreen(ListScreen):
    DEFAULT_CSS = """
    EscalationScreen .title { text-style: bold; padding: 0 1; }
    EscalationScreen #which { margin: 0 1; width: 1fr; }
    EscalationScreen #ladder-note { padding: 0 1; color: $text-muted; }
    EscalationScreen #levels { height: 1fr; }
    EscalationScreen .hint { color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("e", "edit", N_("Edit")),
        Binding("n,plus", "add", N_("Add"), key_display="n"),
        Binding("d,x", "remove", N_("Remove"), key_display="d"),
        Binding("r", "reset", N_("Reset")),
        Binding("p", "choose", N_("Ladder")),
        BACK,
    ]
    GUARDED = frozenset({"edit", "add", "remove", "reset"})

    def __init__(self) -> None:
        super().__init__()
        self.setting: EscalationSetting | None = None
        self.key: Key = DEFAULT

    def compose(self) -> ComposeResult:
        yield Static(Content(_("Escalation ladder")), classes="title")
        yield Select([(key_label(k), k) for k in keys()], value=DEFAULT, allow_blank=False, id="which", compact=True)
        yield Static("", id="ladder-note")
        yield ListTable(id="levels")
        yield Static(Content(_("A level falls due when that share of the clock's working time has run (holds and "
                               "closed hours do not count). 75 %: at risk; 100 %: breached; 150 %: breached by half "
                               "the window again. Each level fires once per ticket and clock.")), classes="hint")
        yield Footer()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#levels", DataTable)

    def on_mount(self) -> None:
        self.table.add_columns(*self._headers())
        self.reload()

    @staticmethod
    def _headers() -> list[Text]:
        return [Text(_("Level")), Text(_("When (percent used)")), Text(_("Tell"))]

    # ---------------------------------------------------------------- read
    def reload(self) -> None:
        store = self.app.store
        in_thread(self, store.escalations.ladder, self._show, group="ladder", exclusive=True)

    def data_changed(self) -> None:
        self.reload()

    def _show(self, setting: EscalationSetting) -> None:
        self.setting = setting
        which = self.query_one("#which", Select)
        with which.prevent(Select.Changed):
            which.set_options([(key_label(k, setting), k) for k in keys()])
            which.value = self.key
        self._fill()

    def _fill(self) -> None:
        setting = self.setting
        if setting is None:
            return
        table = self.table
        at = table.cursor_row
        table.clear()
        levels = ladder_of(setting, self.key)
        follows = own(setting, self.key) is None
        for n, level in enumerate(levels, 1):
            style = "dim" if follows else ""
            # One line per person told: three long role names do not fit beside the rest at 80 columns.
            table.add_row(Text(str(n), style=style), Text(when(level.at), style=style),
                          Text("\n".join(role_label(r) for r in level.to), style=style), height=len(level.to))
        if levels:
            table.move_cursor(row=min(max(at, 0), len(levels) - 1))
        if follows:
            note = _("Follows the default ladder; a change here gives it its own.")
        elif not levels:
            note = _("Never escalates: no levels. 'n' adds one, 'r' resets it.")
        elif self.key == DEFAULT:
            note = _("Every priority and clock without its own ladder follows this one.")
        else:
            note = _("Its own ladder; 'r' makes it follow the default again.")
        if self.permits.refusal("settings.set"):
            note = _("Read-only: managers change the ladder.") + " " + note
        self.query_one("#ladder-note", Static).update(Content(note))
        self.refresh_bindings()

    def permits_known(self) -> None:
        """The store's answer about the role came in: the keys and the read-only note follow it."""
        self._fill()

    @on(Select.Changed, "#which")
    def _chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.key = event.value
            self._fill()
            self.table.focus()

    def action_choose(self) -> None:
        which = self.query_one("#which", Select)
        which.focus()
        which.expanded = True

    def level_index(self) -> int | None:
        if self.setting is None:
            return None
        levels = ladder_of(self.setting, self.key)
        row = self.table.cursor_row
        return row if levels and 0 <= row < len(levels) else None

    # -------------------------------------------------------------- writes
    def refusal(self, action: str) -> str | None:
        if self.setting is None:
            return _("The ladder is still being read.")
        if action in ("edit", "remove") and self.level_index() is None:
            return _("No level selected.")
        if action == "add" and len(ladder_of(self.setting, self.key)) >= 6:
            return _("A ladder has at most 6 levels.")
        if action == "reset" and self.key != DEFAULT and own(self.setting, self.key) is None:
            return _("It follows the default ladder already.")
        return self.permits.refusal("settings.set")

    def _change(self, seen: Ladder, change: Callable[[list[Level]], Ladder | None]) -> Callable[[], Any]:
        """In a thread: the ladder read again, refused if another manager
        changed it since it was shown, then changed and saved."""
        store, key = self.app.store, self.key

        def run() -> Any:
            now = store.escalations.ladder()
            if ladder_of(now, key) != seen:
                raise RuleViolation(_("The ladder was changed meanwhile by someone else: look again, then redo "
                                      "the change."))
            new = change(list(seen))
            if new == seen and own(now, key) is not None:
                return now  # nothing changed (saved as it was): nothing written
            return store.escalations.set_ladder(with_ladder(now, key, new))

        return run

    def _saved(self, setting: Any) -> None:
        if isinstance(setting, EscalationSetting):
            self.notify(_("Escalation ladder saved: {which}.").format(which=key_label(self.key)), markup=False)
            self._show(setting)

    def _level_form(self, title: str, level: Level | None, put: Callable[[list[Level], Level], Ladder]) -> None:
        assert self.setting is not None
        seen = ladder_of(self.setting, self.key)
        choices = [(roles_text(roles), roles) for roles in TELL]
        fields = [
            Field("at", _("When (percent used)"), value=percent(level.at) if level else "",
                  placeholder=_("75 at risk, 100 breached, 150"), max_length=8),
            Field("to", _("Tell"), "select", choices, level.to if level else ("foreman",)),
        ]

        def submit(values: dict[str, Any], version: int) -> Any:
            new = Level(at=share_typed(values.get("at") or ""), to=tuple(values.get("to") or ()))
            if not new.to:
                raise RuleViolation(_("choose whom to tell"), "to")
            return self._change(seen, lambda levels: put(levels, new))()

        self.app.push_screen(ActionForm(title, fields, submit, 0, hint=key_label(self.key)), self._saved)

    def action_edit(self) -> None:
        i = self.level_index()
        if i is None or self.refusal("edit") or self.setting is None:
            return
        level = ladder_of(self.setting, self.key)[i]

        def put(levels: list[Level], new: Level) -> Ladder:
            levels[i] = new
            return tuple(sorted(levels, key=lambda lv: lv.at))

        self._level_form(_("Escalation level {n}").format(n=i + 1), level, put)

    def on_data_table_row_selected(self) -> None:
        if not self.refusal("edit"):
            self.action_edit()

    def action_add(self) -> None:
        if self.refusal("add"):
            return

        def put(levels: list[Level], new: Level) -> Ladder:
            return tuple(sorted([*levels, new], key=lambda lv: lv.at))

        self._level_form(_("A new escalation level"), None, put)

    def _confirmed(self, question: str, yes: str, change: Callable[[list[Level]], Ladder | None]) -> None:
        from ..widgets.confirm import ConfirmScreen

        assert self.setting is not None
        run = self._change(ladder_of(self.setting, self.key), change)

        def answered(choice: str | None) -> None:
            if choice == "yes":
                in_thread(self, run, self._saved,
                          lambda exc: self.notify(write_refusal(exc), severity="error", markup=False), group="ladder-write")

        self.app.push_screen(ConfirmScreen(question, [("yes", yes, "y")]), answered)

    def action_remove(self) -> None:
        i = self.level_index()
        if i is None or self.refusal("remove") or self.setting is None:
            return
        level = ladder_of(self.setting, self.key)[i]
        question = _("Remove level {n} ({when} → {to}) from {which}?").format(
            n=i + 1, when=share_label(level.at), to=roles_text(level.to), which=key_label(self.key))
        self._confirmed(question, _("Remove"), lambda levels: tuple(lv for j, lv in enumerate(levels) if j != i))

    def action_reset(self) -> None:
        if self.refusal("reset"):
            return
        question = (_("Put back the default ladder (at risk → foreman; breached → foreman and duty manager; "
                      "breached by half again → the center's managers)?") if self.key == DEFAULT else
                    _("Make {which} follow the default ladder again?").format(which=key_label(self.key)))
        self._confirmed(question, _("Reset"), lambda _levels: None)

    def language_changed(self) -> None:
        table = self.table
        table.clear(columns=True)
        table.add_columns(*self._headers())
        self.reload()
