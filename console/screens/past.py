"""Time travel (issue 27, `T` on the queue): the queue as it stood at a past
moment, replayed from the audit log (store/repo/past.py, docs/rules.md "The
queue at a past moment"). The same queue table, read-only, under a header
that says PAST and the instant in another colour; every write key says so.

Keys: ``[``/``]`` one event back/on, ``,``/``.`` a minute, ``{``/``}`` an
hour, ``@`` a typed instant, ``t``/``T`` the selected ticket's next/previous
event, esc back to the live queue. The held queue moves: a step of one event
replays the one ticket it touched (in a thread, never on the UI thread)."""

from __future__ import annotations

from typing import Any

from pendulum import DateTime
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from store.errors import StoreError, ValidationFailed
from store.limits import STATED_TIME_MAX
from store.models import QueueRow
from store.repo.past import PastQueue, place_at
from store.rules.history import verb
from store.rules.past import Place
from store.rules.stated import parse_stated
from store.text import clean
from store.timeutil import from_db, to_db, zone

from ..background import in_thread
from ..console_app import OnConsole
from ..i18n import N_, _
from ..widgets.footer import Footer
from ..widgets.queue import QueueTable
from .actions import ACTION_BINDINGS, HELP_BINDING
from .form import ActionForm, Field

# The queue's write keys: refused here, with the reason.
WRITE_KEYS = ("n", *(b.key for b in ACTION_BINDINGS))


class PastScreen(OnConsole, Screen[None]):
    BINDINGS = [
        HELP_BINDING,
        Binding("escape", "live", N_("Live")),  # first: the way back is always on the footer
        Binding("left_square_bracket", "step_event(-1)", N_("Event back"), key_display="["),
        Binding("right_square_bracket", "step_event(1)", N_("Event on"), key_display="]"),
        Binding("comma", "step_time(-60)", N_("Minute back"), key_display=","),
        Binding("full_stop", "step_time(60)", N_("Minute on"), key_display="."),
        Binding("left_curly_bracket", "step_time(-3600)", N_("Hour back"), key_display="{"),
        Binding("right_curly_bracket", "step_time(3600)", N_("Hour on"), key_display="}"),
        Binding("at", "go", N_("Go to time"), key_display="@"),  # (g is the first row, as on the queue)
        # enter too (priority: the queue table's enter opens a ticket's live detail, not the past).
        Binding("enter", "ticket_event(1)", N_("Ticket's next event"), priority=True),
        Binding("t", "ticket_event(1)", N_("Ticket's next event"), show=False),
        Binding("T", "ticket_event(-1)", N_("Ticket's previous event"), show=False),
        *(Binding(k, "refuse", show=False) for k in WRITE_KEYS),
    ]
    DEFAULT_CSS = """
    PastScreen #past-head { height: 1; background: $warning 40%; color: $text; text-style: bold; }
    PastScreen #past-what { height: 1; background: $warning 20%; color: $text; }
    PastScreen QueueTable { height: 1fr; }
    """

    def __init__(self, at: DateTime) -> None:
        super().__init__()
        self.place: Place = place_at(to_db(at))
        self.queue: PastQueue | None = None
        self.busy = False
        self.waiting: list[tuple[str, Any]] = []  # moves asked for while one runs: done in order

    def compose(self) -> ComposeResult:
        yield Static(Content(_("PAST")), id="past-head")
        yield Static(Content(_("replaying the audit log…")), id="past-what")
        yield QueueTable(self._instant, own_tick=False, id="past-queue")
        yield Footer(compact=True, show_command_palette=False)

    def _instant(self) -> DateTime:
        at = from_db(self.place[0])
        assert at is not None
        return at

    @property
    def table(self) -> QueueTable:
        return self.query_one(QueueTable)

    def on_mount(self) -> None:
        self.table.empty_text = _("No open tickets then.")
        self.table.focus()
        self._move("place", self.place)

    # ------------------------------------------------------------- moves
    def _move(self, kind: str, arg: Any) -> None:
        """One move at a time, in a thread: the held queue is not shared."""
        if self.busy:
            self.waiting.append((kind, arg))
            return
        self.busy = True
        store, queue, place, window = self.store, self.queue, self.place, self.table.window

        def work() -> tuple[PastQueue, Place, list[QueueRow], dict[str, int], Any] | None:
            target: Place | None
            if kind == "event":
                target = store.past.step(place, forward=arg > 0)
            elif kind == "time":
                at = from_db(place[0])
                assert at is not None
                target = place_at(to_db(min(at.add(seconds=arg), store.now())))
            elif kind == "ticket":
                tid, direction = arg
                marks = store.past.ticket_events(tid)
                later = [p for p in marks if p > place] if direction > 0 else [p for p in marks if p <= place]
                target = (later[0] if direction > 0 else (later[-1][0], later[-1][1] - 1)) if later else None
            else:
                target = arg
            if target is None:
                return None
            if queue is None:
                q = store.past.open(target)
            else:
                q = queue
                q.move(target)
            return q, target, q.rows(0, window), q.counts(), store.past.event_at(target)

        in_thread(self, work, self._moved, self._failed, group="past")

    def _moved(self, got: tuple[PastQueue, Place, list[QueueRow], dict[str, int], Any] | None) -> None:
        self.busy = False
        if got is None:
            self.notify(_("Nothing further that way in the audit log."), timeout=3)
        else:
            self.queue, self.place, rows, counts, event = got
            self._show(rows, counts, event)
        if self.waiting:
            self._move(*self.waiting.pop(0))

    def _failed(self, error: Exception) -> None:
        self.busy = False
        self.waiting.clear()
        self.notify(str(error) if isinstance(error, StoreError) else _("The audit log could not be read."),
                    severity="error", markup=False)

    def _show(self, rows: list[QueueRow], counts: dict[str, int], event: dict[str, Any] | None) -> None:
        tz = zone(self.app.tz)
        at = self._instant().in_timezone(tz).format("YYYY-MM-DD HH:mm:ss")
        self.query_one("#past-head", Static).update(Content(
            _("PAST {at} · open {o} · at risk {r} · breached {b} · unassigned {u}").format(
                at=at, o=counts["open"], r=counts["at_risk"], b=counts["breached"], u=counts["unassigned"])))
        what = _("read-only · esc: live")
        if event is not None:
            when = from_db(event["at"])
            assert when is not None
            what = _("read-only · last event: {action}{ticket} by {actor}, {at}").format(
                action=_event_words(event), ticket=f" #{event['ticket_id']}" if event["ticket_id"] else "",
                actor=clean(event["actor"], single_line=True), at=when.in_timezone(tz).format("MM-DD HH:mm:ss"))
        self.query_one("#past-what", Static).update(Content(what))
        self.table.set_rows(counts["open"], 0, rows)
        self.table.tick()

    @on(QueueTable.WindowNeeded)
    def _window(self, message: QueueTable.WindowNeeded) -> None:
        queue, window, offset = self.queue, self.table.window, message.offset
        if queue is None or self.busy:
            return

        def read() -> tuple[int, list[QueueRow]]:
            return offset, queue.rows(offset, window)

        in_thread(self, read, lambda got: self.table.set_rows(self.table.total, got[0], got[1]), group="past-window",
                  exclusive=True)

    # ------------------------------------------------------------ actions
    def action_step_event(self, direction: int) -> None:
        self._move("event", direction)

    def action_step_time(self, seconds: int) -> None:
        self._move("time", seconds)

    def action_ticket_event(self, direction: int) -> None:
        row = self.table.current
        if row is None:
            self.notify(_("Select a ticket first."), timeout=3)
            return
        self._move("ticket", (row.id, direction))

    def action_go(self) -> None:
        store, tz = self.store, self.app.tz

        def when(values: dict[str, str], _version: int) -> DateTime:
            text = (values.get("at") or "").strip()
            try:
                at = parse_stated(text, tz, store.now())
            except ValidationFailed:
                raise ValidationFailed({"at": _("a time, e.g. 14:30, yesterday 14:30 or 2026-12-05 14:30")}) from None
            if at is None:
                raise ValidationFailed({"at": _("a time, e.g. 14:30, yesterday 14:30 or 2026-12-05 14:30")})
            if at > store.now():
                raise ValidationFailed({"at": _("that has not come yet")})
            return at

        self.app.push_screen(
            ActionForm(_("The queue at"), [Field("at", _("Time (site time)"),
                                                 placeholder=_("14:30, yesterday 14:30, 12-05 14:30"),
                                                 max_length=STATED_TIME_MAX)], when, 0,
                       save_label=_("Go (enter)"), keep_draft=False, reads=True),
            lambda at: None if at is None else self._move("place", place_at(to_db(at))))

    def action_refuse(self) -> None:
        self.notify(_("This is the past, read-only: esc returns to the live queue."), severity="warning", timeout=3)

    def action_live(self) -> None:
        self.dismiss(None)


def _event_words(event: dict[str, Any]) -> str:
    """The last event's action in words, as the ticket's timeline says it
    (the log stores its name: "ticket.assign" -> "assigned")."""
    if event["action"] == "sla_policy.set":
        return _("SLA windows changed")
    if event["action"] == "settings.set":
        return _("calendar or time zone changed")
    return verb(event["action"], event["new"])
