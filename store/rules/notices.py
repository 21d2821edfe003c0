"""The text of each notification (issue 24), in its recipient's language.
Pure: no SQL, no I/O. The store keeps a notice's facts (``to_json``) in the
outbox row, in the same write as the change it reports; the sender renders it
with the row's id when it sends (``render``), so the id is in the message and
a duplicate (at-least-once delivery) can be spotted.

Short enough for an SMS: title and body together are at most SMS_LIMIT
UTF-16 units. One Chinese character puts a whole SMS in UCS-2, 70 units, or
67 per part once it is split; 200 is three parts, which every gateway joins
into one message on the phone, while one part (70) cannot hold a site, the
equipment and a fault. The same text goes to e-mail and chat bots: plain,
no markup. Untrusted text (names, the fault, a complaint's matter) is cleaned
(store/text.py) and cut with '…' to fit, the fault first; the ids, priority
and times always fit.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Literal

from pendulum import DateTime

from ..i18n import _, in_language
from ..labels import priority_label
from ..text import clean
from ..timeutil import from_db, local, to_db
from .countdown import clock_title
from .escalation import share_label
from .improve import complaint_step_label, item_state_label
from .sla import ClockName

SMS_LIMIT = 200
# When the text is too long, these give way first, down to this many units.
_GIVES_WAY = (("fault", 16), ("matter", 16), ("part", 16), ("site", 12), ("equipment", 8), ("technician", 8), ("team", 8))
_FIELD_LIMIT = 300  # a field is never looked at past this (store/text.py clean's limit)


@dataclass(frozen=True)
class Message:
    title: str
    body: str

    @property
    def text(self) -> str:
        """Title and body as one plain text (how an SMS gateway sends them)."""
        return f"{self.title}\n{self.body}"


# ------------------------------------------------------------- the facts

@dataclass(frozen=True)
class Assignment:
    """To the technician: a ticket assigned (or reassigned) to them."""

    ticket_id: int
    priority: int
    site: str
    fault: str
    tz: str
    equipment: str | None = None
    reassigned: bool = False
    clock: ClockName | None = None  # the next unmet clock and its deadline
    due: DateTime | None = None  # None: the clock is stopped (waiting)
    kind: Literal["assignment"] = "assignment"


@dataclass(frozen=True)
class Escalation:
    """To each recipient of a level (store/rules/escalation.py Fire)."""

    ticket_id: int
    priority: int
    clock: ClockName
    level: int
    at: float  # the level's share of the window
    due_at: DateTime  # when it fell due
    site: str
    tz: str
    technician: str | None = None
    kind: Literal["escalation"] = "escalation"


@dataclass(frozen=True)
class ItemDue:
    """To the team's foreman: an improvement item falling due (a site date)."""

    item_id: int
    ticket_id: int
    due_date: date
    state: str
    team: str = ""
    kind: Literal["item_due"] = "item_due"


@dataclass(frozen=True)
class ComplaintStepDue:
    """To the complaint's owner: its next step falling due."""

    complaint_id: int
    ticket_id: int
    step: str
    due_at: DateTime
    matter: str
    tz: str
    kind: Literal["complaint_step"] = "complaint_step"


@dataclass(frozen=True)
class LowStock:
    """To the store keeper: a part fell below its minimum (all locations
    together), by a use on a ticket (``ticket_id``) or a stock-taking (None)."""

    code: str
    name: str
    on_hand: int
    min_stock: int
    unit: str
    ticket_id: int | None = None
    kind: Literal["low_stock"] = "low_stock"


@dataclass(frozen=True)
class InspectionDue:
    """To the site's contact: a preventive inspection visit coming (its notice day)."""

    visit_id: int
    due_date: date
    site: str
    team: str = ""
    ticket_id: None = None  # about no ticket
    kind: Literal["inspection_due"] = "inspection_due"


Notice = Assignment | Escalation | ItemDue | ComplaintStepDue | LowStock | InspectionDue
_KINDS: dict[str, type[Notice]] = {"assignment": Assignment, "escalation": Escalation, "item_due": ItemDue,
                                   "complaint_step": ComplaintStepDue, "low_stock": LowStock,
                                   "inspection_due": InspectionDue}


def to_json(notice: Notice) -> str:
    """The facts as stored in the outbox (times as the file stores them)."""
    out: dict[str, Any] = {}
    for key, value in asdict(notice).items():
        if isinstance(value, DateTime):
            value = to_db(value)
        elif isinstance(value, date):
            value = value.isoformat()
        out[key] = value
    return json.dumps(out, ensure_ascii=False, sort_keys=True)


def from_json(text: str) -> Notice:
    """A notice read back; ValueError when the text is not one (a damaged row)."""
    try:
        data = json.loads(text)
        cls = _KINDS[data.pop("kind")]
        for key in ("due", "due_at"):
            if isinstance(data.get(key), str):
                data[key] = from_db(data[key])
        if isinstance(data.get("due_date"), str):
            data["due_date"] = date.fromisoformat(data["due_date"])
        return cls(**data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a notice: {type(exc).__name__}") from None


# ------------------------------------------------------------- the words

def render(notice: Notice, outbox_id: int, lang: str | None) -> Message:
    """The message in ``lang`` (a recipient's; unknown: English), with the
    outbox id, within SMS_LIMIT."""
    with in_language(lang):
        title, lines, values = _words(notice)
        lines.append(_("ref {ref}"))
        return _fit(title, lines, {**values, "ref": str(outbox_id)})


def _words(n: Notice) -> tuple[str, list[str], dict[str, str]]:
    """(title, body lines with {slots}, the values of the slots). Every line
    is ours: a value is put in once, never read for slots itself."""
    if isinstance(n, Assignment):
        title = (_("#{id} {priority}: reassigned to you") if n.reassigned
                 else _("#{id} {priority}: assigned to you")).format(id=n.ticket_id, priority=priority_label(n.priority))
        lines = [_("Site: {site}"), *([_("Equipment: {equipment}")] if n.equipment else []), _("Fault: {fault}")]
        if n.clock is not None:
            lines.append(_due_line(n.clock, n.due, n.tz))
        return title, lines, {"site": _one_line(n.site), "fault": _one_line(n.fault), "equipment": _one_line(n.equipment)}
    if isinstance(n, Escalation):
        title = _("#{id} escalated, level {level}: {clock} {when}").format(
            id=n.ticket_id, level=n.level, clock=clock_title(n.clock), when=share_label(n.at))
        return title, [
            _("{priority} · {site}"),
            _("Technician: {technician}") if n.technician else _("Technician: none assigned"),
            _("Fell due {time}"),
            _("Acknowledge it in the console."),
        ], {"priority": priority_label(n.priority), "site": _one_line(n.site), "technician": _one_line(n.technician),
            "time": _time(n.due_at, n.tz)}
    if isinstance(n, ItemDue):
        title = _("Improvement item #{id} due {date}").format(id=n.item_id, date=n.due_date.isoformat())
        return title, [
            _("Ticket #{ticket} · team {team}") if n.team else _("Ticket #{ticket}"),
            _("State: {state}"),
        ], {"ticket": str(n.ticket_id), "team": _one_line(n.team), "state": item_state_label(n.state)}
    if isinstance(n, InspectionDue):
        title = _("Preventive inspection on {date}").format(date=n.due_date.isoformat())
        return title, [_("Site: {site}"), *([_("Team: {team}")] if n.team else []),
                       _("Our technicians will call on this day to inspect your equipment.")], {
            "site": _one_line(n.site), "team": _one_line(n.team)}
    if isinstance(n, LowStock):
        title = _("Low stock: {code} {on_hand} of minimum {min}").format(code=_one_line(n.code)[:40], on_hand=n.on_hand, min=n.min_stock)
        return title, [
            _("Part: {part}"),
            _("In stock (all locations): {on_hand} {unit}"),
            *([_("Used on ticket #{ticket}")] if n.ticket_id is not None else []),
            _("Order more, or move some back to the store."),
        ], {"part": _one_line(n.name), "on_hand": str(n.on_hand), "unit": _one_line(n.unit),
            "ticket": str(n.ticket_id)}
    title = _("Complaint #{id}: {step} due {time}").format(
        id=n.complaint_id, step=complaint_step_label(n.step), time=_time(n.due_at, n.tz))
    return title, [_("Ticket #{ticket}"), _("Matter: {matter}")], {"ticket": str(n.ticket_id),
                                                                     "matter": _one_line(n.matter)}


def _due_line(clock: ClockName, due: DateTime | None, tz: str) -> str:
    if due is None:
        return _("Clock stopped while the ticket is on hold")
    text = {"response": _("Respond by {time}"), "onsite": _("On site by {time}"),
            "resolve": _("Resolve by {time}")}[clock]
    return text.format(time=_time(due, tz))


def _time(t: DateTime, tz: str) -> str:
    return local(t, tz).format("YYYY-MM-DD HH:mm")


def _one_line(text: str | None) -> str:
    return clean(text, single_line=True, limit=_FIELD_LIMIT)


def units(text: str) -> int:
    """Length as an SMS counts it: UTF-16 units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, n: int) -> str:
    """``text`` in at most ``n`` units, ending with '…' when cut."""
    if units(text) <= n:
        return text
    out = ""
    for ch in text:
        if units(out + ch) > n - 1:
            break
        out += ch
    return out + "…"


def _fit(title: str, lines: list[str], values: dict[str, str]) -> Message:
    """Fill the slots, cutting the untrusted values (in _GIVES_WAY order)
    until title and body fit in SMS_LIMIT."""
    def fill() -> Message:
        return Message(title, "\n".join(line.format_map(values) for line in lines))

    msg = fill()
    # Down to each one's floor first; only if that is not enough (ids of ten
    # digits and more), down to '…'.
    for key, floor in (*_GIVES_WAY, *((k, 1) for k, _floor in _GIVES_WAY)):
        over = units(msg.text) - SMS_LIMIT
        if over <= 0:
            break
        if key in values and units(values[key]) > floor:
            values[key] = _cut(values[key], max(floor, units(values[key]) - over))
            msg = fill()
    return msg


__all__ = [
    "SMS_LIMIT", "Assignment", "ComplaintStepDue", "Escalation", "ItemDue", "LowStock", "Message", "Notice", "from_json", "render",
    "to_json", "units",
]
