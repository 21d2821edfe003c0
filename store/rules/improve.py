"""Improvement items (docs/rules.md §6) and complaints (§7): their states, the
action each state allows, due times, and the models the store hands out.
Pure: no SQL, no UI; store/repo/items.py and store/repo/complaints.py use it.

An item: open → follow-up done → measures proposed → submitted → confirmed at
the fault-analysis meeting by a manager, or sent back with a reason (back to
measures proposed). Due on the meeting day (setting meeting_day, default the
10th) of the month after it opened; overdue once that day has passed and it
is not confirmed.

A complaint: registered → accepted → investigated → handled (plan, the
complainant informed) → followed up (the follow-up callback) → closed (the
analysis of the cause). Each step is due a number of hours after the
complaint was received (setting complaint_step_hours)."""

from __future__ import annotations

from typing import Any

import pendulum
from pendulum import Date, DateTime

from ..errors import RuleViolation, StaleTicket, StoreError
from ..i18n import _
from ..models import Out
from ..text import clean

DEFAULT_MEETING_DAY = 10
ITEM_STATES = ("open", "followed_up", "proposed", "submitted", "confirmed")
# action → the states it may start from, and the state it leads to.
ITEM_MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "follow_up": (("open",), "followed_up"),
    "propose": (("followed_up", "proposed"), "proposed"),
    "submit": (("proposed",), "submitted"),
    "confirm": (("submitted",), "confirmed"),
    "send_back": (("submitted",), "proposed"),
}
# Who moves an item: the team's foreman does the work, a manager decides at the meeting.
MANAGER_ITEM_ACTIONS = ("confirm", "send_back")

COMPLAINT_STATES = ("registered", "accepted", "investigated", "handled", "followed_up", "closed")
# step (the action) → the state it starts from and the state it leads to.
COMPLAINT_STEPS: dict[str, tuple[str, str]] = {
    "accept": ("registered", "accepted"),
    "investigate": ("accepted", "investigated"),
    "handle": ("investigated", "handled"),
    "follow_up": ("handled", "followed_up"),
    "close": ("followed_up", "closed"),
}
DEFAULT_STEP_HOURS = {"accept": 2, "investigate": 24, "handle": 48, "follow_up": 72, "close": 168}
STEP_DONE_AT = {"accept": "accepted_at", "investigate": "investigated_at", "handle": "handled_at",
                "follow_up": "followed_up_at", "close": "closed_at"}

OVERDUE_MARK = "!"  # shown beside anything overdue: colour never carries it alone


def item_state_label(state: str) -> str:
    return {"open": _("open"), "followed_up": _("follow-up done"), "proposed": _("measures proposed"),
            "submitted": _("submitted"), "confirmed": _("confirmed")}.get(state, state)


def item_action_label(action: str) -> str:
    return {"follow_up": _("Follow-up done"), "propose": _("Propose measures"), "submit": _("Submit"),
            "confirm": _("Confirm"), "send_back": _("Send back")}.get(action, action)


def complaint_state_label(state: str) -> str:
    return {"registered": _("registered"), "accepted": _("accepted"), "investigated": _("investigated"),
            "handled": _("handled"), "followed_up": _("followed up"), "closed": _("closed")}.get(state, state)


def complaint_step_label(step: str) -> str:
    return {"accept": _("Accept"), "investigate": _("Investigate"), "handle": _("Handle"),
            "follow_up": _("Follow-up callback"), "close": _("Close")}.get(step, step)


def source_label(source: str) -> str:
    return {"callback": _("unsatisfied callback"), "complaint": _("complaint")}.get(source, source)


def item_actions(state: str, role: str | None) -> list[str]:
    """The actions of this state for a role (None: no users set up, all)."""
    out = [a for a, (starts, _to) in ITEM_MOVES.items() if state in starts]
    if role in (None, "manager"):
        return out
    if role == "foreman":
        return [a for a in out if a not in MANAGER_ITEM_ACTIONS]
    return []


def check_item_move(action: str, state: str) -> str:
    starts, to = ITEM_MOVES[action]
    if state not in starts:
        raise RuleViolation(_("An item that is {state} cannot be moved by '{action}'; it needs to be {need}").format(
            state=item_state_label(state), action=item_action_label(action),
            need=_(" or ").join(item_state_label(s) for s in starts)))
    return to


def complaint_next_step(state: str) -> str | None:
    return next((step for step, (start, _to) in COMPLAINT_STEPS.items() if start == state), None)


def check_complaint_step(step: str, state: str) -> str:
    start, to = COMPLAINT_STEPS[step]
    if state != start:
        nxt = complaint_next_step(state)
        raise RuleViolation(_("A complaint that is {state} cannot take the step '{step}'; its next step is {next}").format(
            state=complaint_state_label(state), step=complaint_step_label(step),
            next=complaint_step_label(nxt) if nxt else _("none (closed)")))
    return to


def due_date(opened_at: DateTime, tz: str, meeting_day: int) -> Date:
    """The meeting day of the month after ``opened_at`` (site date)."""
    first = opened_at.in_timezone(tz).date().replace(day=1).add(months=1)
    return first.replace(day=meeting_day)


def check_meeting_day(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 28:
        raise RuleViolation(_("meeting_day must be a day of the month from 1 to 28"))
    return value


def check_step_hours(value: Any) -> dict[str, int]:
    """complaint_step_hours: hours from registration for each step, rising."""
    example = '{"accept": 2, "investigate": 24, "handle": 48, "follow_up": 72, "close": 168}'
    if not isinstance(value, dict) or set(value) != set(COMPLAINT_STEPS):
        raise RuleViolation(_("complaint_step_hours must name every step, e.g. {example}").format(example=example))
    hours = [value[s] for s in COMPLAINT_STEPS]
    if any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in hours) or hours != sorted(hours):
        raise RuleViolation(_("complaint_step_hours must be whole hours of at least 1, in step order, e.g. {example}")
                            .format(example=example))
    return {s: value[s] for s in COMPLAINT_STEPS}


def month_bounds(month: str) -> tuple[str, str]:
    """'YYYY-MM' → the first day of it and of the next, as ISO dates; RuleViolation otherwise."""
    try:
        start = pendulum.from_format(month, "YYYY-MM").date()
    except ValueError:
        raise RuleViolation(_("A month is written YYYY-MM, e.g. 2026-11, not {m}").format(m=clean(month, single_line=True))) from None
    return start.isoformat(), start.add(months=1).isoformat()


class StaleRecord(StaleTicket):
    """Optimistic concurrency for items and complaints: someone else changed it
    first. A StaleTicket, so the console's forms take the new version the same way."""

    def __init__(self, what: str, record_id: int, by: str, at: DateTime | None, version: int, tz: str = "UTC"):
        self.ticket_id = self.record_id = record_id
        self.by, self.at, self.version, self.changes = by, at, version, []
        when = at.in_timezone(tz).format("YYYY-MM-DD HH:mm:ss") if at else "?"
        StoreError.__init__(self, _("{what} #{id} was changed by {by} at {when}; it has been reloaded, check and try again.").format(
            what=what, id=record_id, by=clean(by, single_line=True), when=when))


class Item(Out):
    id: int
    ticket_id: int
    team_id: int
    team_name: str = ""
    technician_name: str = ""
    foreman: str | None = None
    source: str
    source_id: int
    opened_at: DateTime
    due_date: Date
    state: str
    weak_points: str | None = None
    measures: str | None = None
    sent_back_reason: str | None = None
    confirmed_by: str | None = None
    confirmed_at: DateTime | None = None
    version: int
    overdue: bool = False

    @property
    def state_label(self) -> str:
        if self.state == "proposed" and self.sent_back_reason:
            return _("sent back")
        return item_state_label(self.state)


class Complaint(Out):
    id: int
    ticket_id: int
    received_at: DateTime
    registered_by: str
    complainant: str
    matter: str
    state: str
    step_done: dict[str, DateTime]  # step → when it was taken
    step_due: dict[str, DateTime]  # step → when it is due
    findings: str | None = None
    plan: str | None = None
    informed: bool = False
    follow_up: str | None = None
    analysis: str | None = None
    item_id: int | None = None
    version: int
    next_step: str | None = None
    due_at: DateTime | None = None  # of the next step
    overdue: bool = False

    def late_steps(self, now: DateTime) -> list[str]:
        """Steps taken after their due time, or not taken and past it."""
        return [s for s, due in self.step_due.items()
                if (self.step_done.get(s) or (now if s == self.next_step else None) or due) > due]


class HistoryLine(Out):
    at: DateTime
    actor: str
    text: str
