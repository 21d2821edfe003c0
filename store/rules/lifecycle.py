"""Lifecycle guard rules (docs/rules.md §3): pure functions, no I/O.

Each guard raises RuleViolation with a message that says what to do instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pendulum import DateTime

from ..errors import RuleViolation
from ..i18n import _
from ..models import Technician

Status = Literal["new", "assigned", "onsite", "waiting", "resolved", "closed", "cancelled"]
STATUSES: tuple[Status, ...] = (
    "new", "assigned", "onsite", "waiting", "resolved", "closed", "cancelled",
)
OPEN_STATUSES: tuple[Status, ...] = ("new", "assigned", "onsite", "waiting", "resolved")
ACTIVE_STATUSES: tuple[Status, ...] = ("new", "assigned", "onsite", "waiting")


def status_label(status: str, arrival_mode: str | None = None) -> str:
    # One word translated, not all seven: asked for every action a ticket
    # cannot take (allowed_actions), it was a tenth of a writer's CPU.
    match status:
        case "onsite" if arrival_mode == "remote":
            return _("remote")
        case "new":
            return _("new")
        case "assigned":
            return _("assigned")
        case "onsite":
            return _("on site")
        case "waiting":  # the state a hold leads to (stored "waiting")
            return _("on hold")
        case "resolved":
            return _("resolved")
        case "closed":
            return _("closed")
        case "cancelled":
            return _("cancelled")
    return status


def _require(status: str, allowed: Iterable[str], message: str) -> None:
    if status not in allowed:
        raise RuleViolation(message.format(status=status_label(status)))


def check_respond(status: str, first_response_at: object) -> None:
    """``first_response_at``: when it was logged, or None (only its presence matters)."""
    _require(status, ACTIVE_STATUSES, _("A {status} ticket takes no first response."))
    if first_response_at is not None and first_response_at is not False:
        raise RuleViolation(_("The first response is already logged."))


def check_assignable(status: str) -> None:
    _require(status, ACTIVE_STATUSES, _("A {status} ticket cannot be assigned."))


def check_assign(status: str, current_tech: int | None, new_tech: int, reason: str) -> None:
    check_assignable(status)
    if current_tech is not None:
        if new_tech == current_tech:
            raise RuleViolation(_("The ticket is already assigned to this technician."), "technician_id")
        if not reason.strip():
            raise RuleViolation(_("A reassignment needs a reason."), "reason")


def status_after_assign(status: str) -> str:
    # A new technician has not arrived yet; a waiting ticket keeps waiting.
    return "waiting" if status == "waiting" else "assigned"


def check_arrive(status: str, technician_id: int | None) -> None:
    if technician_id is None:
        raise RuleViolation(_("Assign a technician before logging the arrival."))
    if status == "onsite":
        raise RuleViolation(_("The arrival is already logged."))
    if status == "waiting":  # "A on hold ticket …" would not read: say what to do
        raise RuleViolation(_("Resume the ticket before logging the arrival."))
    _require(status, ("assigned",), _("A {status} ticket cannot be marked arrived."))


def check_hold(status: str) -> None:
    if status == "waiting":
        raise RuleViolation(_("The ticket is already on hold."))
    _require(status, ("new", "assigned", "onsite"), _("A {status} ticket cannot be put on hold."))


def check_resume(status: str) -> None:
    _require(status, ("waiting",), _("Only a ticket on hold can be resumed."))


def check_resolve(status: str) -> None:
    if status in ("new", "assigned"):
        raise RuleViolation(_("Log the arrival (on site or remote) before resolving."))
    if status == "waiting":
        raise RuleViolation(_("Resume the ticket before resolving it."))
    _require(status, ("onsite",), _("A {status} ticket cannot be resolved."))


def check_close(status: str) -> None:
    if status in ACTIVE_STATUSES:
        raise RuleViolation(_("Resolve the ticket before closing it."))
    _require(status, ("resolved",), _("A {status} ticket cannot be closed."))


def check_cancellable(status: str) -> None:
    _require(status, ACTIVE_STATUSES, _("A {status} ticket cannot be cancelled."))


def check_cancel(status: str, reason: str) -> None:
    check_cancellable(status)
    if not reason.strip():
        raise RuleViolation(_("Cancelling needs a reason."), "reason")


def check_edit(status: str) -> None:
    # A closed or cancelled ticket is history: what it says is what was signed off.
    _require(status, OPEN_STATUSES, _("A {status} ticket cannot be edited."))


# The ticket actions a dispatcher can take, in the order screens offer them.
TICKET_ACTIONS: tuple[str, ...] = ("assign", "respond", "arrive", "hold", "resume", "resolve", "close", "cancel")


def refusal(action: str, status: str, technician_id: int | None, responded: bool) -> str | None:
    """Why ``action`` is not allowed on a ticket in this state now, or None.

    The one transition table the console and the CLI ask ("which actions, and
    why not"), so no caller invents arguments to probe a guard. What depends on
    the user's input (a reassignment's reason, the chosen technician) is still
    checked by the guards when the action is saved."""
    guards = {
        "assign": lambda: check_assignable(status),
        "respond": lambda: check_respond(status, responded or None),
        "arrive": lambda: check_arrive(status, technician_id),
        "hold": lambda: check_hold(status),
        "resume": lambda: check_resume(status),
        "resolve": lambda: check_resolve(status),
        "close": lambda: check_close(status),
        "cancel": lambda: check_cancellable(status),
        "edit": lambda: check_edit(status),
        "note": lambda: None,  # a work note can always be added, closed tickets included
    }
    try:
        guards[action]()
    except RuleViolation as exc:
        return str(exc)
    return None


def allowed_actions(status: str, technician_id: int | None, responded: bool) -> tuple[str, ...]:
    return tuple(a for a in TICKET_ACTIONS if refusal(a, status, technician_id, responded) is None)


def find_repeat(
    earlier: Iterable[tuple[int, DateTime | None]], reported_at: DateTime, window_days: int
) -> int | None:
    """Second repair (二次报修): the same equipment fails again within
    ``window_days`` of an earlier repair being resolved. ``earlier`` holds
    (ticket id, resolved_at) of that equipment's tickets, in any order; returns
    the most recently resolved match, and of several resolved at the same
    instant the highest ticket number (the one logged last), so the link never
    depends on the order the rows come in."""
    best: tuple[DateTime, int] | None = None
    horizon = reported_at.subtract(days=window_days)
    for ticket_id, resolved_at in earlier:
        if resolved_at is None or not (horizon <= resolved_at <= reported_at):
            continue
        if best is None or (resolved_at, ticket_id) > best:
            best = (resolved_at, ticket_id)
    return best[1] if best else None


def rank_technicians(techs: Iterable[Technician], category: str) -> list[tuple[Technician, bool]]:
    """On-duty technicians, best first: skill match, then fewest open tickets (docs/rules.md §4)."""
    ranked = [(t, category in t.skills) for t in techs if t.on_duty]
    ranked.sort(key=lambda pair: (not pair[1], pair[0].open_load, pair[0].name))
    return ranked
