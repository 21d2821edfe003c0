"""A ticket from another helpdesk's history (``dispatch import tickets``):
one row of the file checked and turned into the ticket it was, or refused
naming the row and the column. Pure: the sites, equipment, technicians and
numbers already in the file are handed in.

The row's steps are replayed through the lifecycle's own guards
(store/rules/lifecycle.py), in the order of their times: an old ticket is
stored only if it could have got where it is here (no resolve before an
arrival, no close before a resolve, a cancel only while still active). On
hold is not importable: a hold's start and end are not in such files, and a
held clock made up would be wrong; a ticket that was on hold is imported at
the state it reached after."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
from pendulum import DateTime

from ..errors import RuleViolation, StoreError
from ..i18n import _
from ..labels import CATEGORIES, CHANNELS
from . import lifecycle

REQUIRED = ("old_number", "opened_at", "site", "priority", "description", "reporter", "phone")
OPTIONAL = (
    "equipment",
    "category",
    "channel",
    "technician",
    "assigned_at",
    "responded_at",
    "arrived_at",
    "arrival",
    "resolved_at",
    "closed_at",
    "cancelled_at",
    "cancel_reason",
    "status",
    "symptom",
    "cause",
    "action",
    "parts",
    "signoff",
    "callback_at",
    "satisfaction",
)
COLUMNS = REQUIRED + OPTIONAL
OLD_NUMBER_MAX = 64
# The input models' limits (store/inputs.py NewTicket, ResolveInput, CancelInput).
LIMITS = {
    "reporter": 80,
    "phone": 24,
    "description": 4000,
    "symptom": 2000,
    "cause": 2000,
    "action": 2000,
    "parts": 1000,
    "signoff": 80,
    "cancel_reason": 1000,
    "old_number": OLD_NUMBER_MAX,
}
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{2,22}")
_WHEN = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)

# What other helpdesks and spreadsheets call a state and an answer, in English and Chinese.
STATUS_WORDS: dict[str, str] = {
    "new": "new",
    "open": "new",
    "新建": "new",
    "待派工": "new",
    "未派工": "new",
    "assigned": "assigned",
    "已派工": "assigned",
    "已指派": "assigned",
    "onsite": "onsite",
    "on site": "onsite",
    "on-site": "onsite",
    "remote": "onsite",
    "已到场": "onsite",
    "处理中": "onsite",
    "resolved": "resolved",
    "已解决": "resolved",
    "已修复": "resolved",
    "closed": "closed",
    "已关闭": "closed",
    "关闭": "closed",
    "已完成": "closed",
    "完成": "closed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "waiting": "waiting",
    "on hold": "waiting",
    "挂起": "waiting",
    "暂停": "waiting",
    "已取消": "cancelled",
    "取消": "cancelled",
}
RATING_WORDS: dict[str, str] = {
    "satisfied": "satisfied",
    "满意": "satisfied",
    "非常满意": "satisfied",
    "basic": "basic",
    "basically satisfied": "basic",
    "基本满意": "basic",
    "unsatisfied": "unsatisfied",
    "dissatisfied": "unsatisfied",
    "not satisfied": "unsatisfied",
    "不满意": "unsatisfied",
}
ARRIVAL_WORDS = {"onsite": "onsite", "on site": "onsite", "现场": "onsite", "到场": "onsite", "remote": "remote", "远程": "remote"}
PRIORITY_WORDS = {"1": 1, "2": 2, "3": 3, "4": 4, "p1": 1, "p2": 2, "p3": 3, "p4": 4}


class ImportRowError(StoreError):
    """One row refused: which (its row as a spreadsheet numbers it, the header
    being row 1), which column, and why."""

    def __init__(self, row: int, column: str, reason: str):
        super().__init__(_("row {row}, column {column}: {reason}").format(row=row, column=column, reason=reason))
        self.row, self.column, self.reason = row, column, reason


@dataclass(frozen=True)
class Known:
    """What the file already holds that a row may name."""

    sites: Mapping[str, int]  # code (as stored) -> id
    equipment: Mapping[str, tuple[int, int, str]]  # asset tag -> (id, site id, category)
    technicians: Mapping[str, tuple[int, int | None]]  # name, case folded -> (id, team id); -1: two share it
    timezone: str
    now: DateTime


@dataclass
class HistoryTicket:
    """A row as the ticket it becomes (``row``: the tickets table's columns,
    no id yet) and its callback's answer, if it had one."""

    line: int
    ticket: dict[str, Any]
    team_id: int | None = None
    rating: str | None = None
    callback_at: DateTime | None = None


@cache
def _zone(name: str) -> ZoneInfo:
    # Made once a name: pendulum reads the zone's file again for every time it is given one.
    return ZoneInfo(name)


def parse_when(text: str, tz: str, *, date_only: bool = False) -> DateTime:
    """``2025-03-04 09:15`` (or ``T``, ``/``, seconds) in the site's zone,
    unless it carries ``Z`` or an offset; ``date_only``: a day alone is that
    day's noon (a callback's day, when the old system kept no time). UTC.
    ValueError saying which forms are read."""
    m = _WHEN.fullmatch(text.strip())
    if m is None or (m[4] is None and not date_only):
        raise ValueError(_("a date and time like 2025-03-04 09:15 (site time) or 2025-03-04T09:15+08:00"))
    y, mo, d = int(m[1]), int(m[2]), int(m[3])
    h, mi, s = (12, 0, 0) if m[4] is None else (int(m[4]), int(m[5]), int(m[6] or 0))
    zone: tzinfo = _zone(tz)
    if m[7]:
        off = m[7].upper()
        if off == "Z":
            zone = UTC
        else:
            digits = off[1:].replace(":", "")
            minutes = int(digits[:2]) * 60 + int(digits[2:])
            zone = timezone(timedelta(minutes=minutes if off[0] == "+" else -minutes))
    try:
        u = datetime(y, mo, d, h, mi, s, tzinfo=zone).astimezone(UTC)
    except ValueError:
        raise ValueError(_("{text} is not a real date and time").format(text=text.strip())) from None
    # The standard library's conversion (a 50,000-row file has 300,000 times), then pendulum's type.
    return DateTime(u.year, u.month, u.day, u.hour, u.minute, u.second, tzinfo=pendulum.UTC)


def _text(dt: DateTime | None) -> str | None:
    """A UTC time as stored (store/timeutil.py ``to_db``, without its conversion to UTC)."""
    if dt is None:
        return None
    return f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}Z"


def local_day(dt: DateTime, tz: str) -> date:
    return dt.astimezone(_zone(tz)).date()


def _word(table: Mapping[str, Any], text: str) -> Any:
    return table.get(" ".join(text.strip().lower().split()))


# The steps a row's times stand for, the lifecycle guard each must pass, in the
# order they happen when two share a time.
_STEPS = ("assigned_at", "responded_at", "arrived_at", "resolved_at", "closed_at", "cancelled_at")


def check_row(row: Mapping[str, str], line: int, known: Known) -> HistoryTicket:
    """The ticket of one row, or ImportRowError for its first problem."""

    def bad(column: str, reason: str) -> ImportRowError:
        return ImportRowError(line, column, reason)

    cell = {c: (row.get(c) or "").strip() for c in COLUMNS}
    for column in REQUIRED:
        if not cell[column]:
            raise bad(column, _("required"))
    for column, limit in LIMITS.items():
        if len(cell[column]) > limit:
            raise bad(column, _("at most {n} characters").format(n=limit))
    if not _PHONE.fullmatch(cell["phone"]):
        raise bad("phone", _("digits, spaces, + - ( ) only; at least 3 digits"))
    priority = _word(PRIORITY_WORDS, cell["priority"])
    if priority is None:
        raise bad("priority", _("1 to 4 (or P1 to P4), not {value}").format(value=cell["priority"]))
    site_id = known.sites.get(cell["site"])
    if site_id is None:
        raise bad("site", _("no site with the code {code} in this file (dispatch import sites first)").format(code=cell["site"]))
    equipment_id, category = None, cell["category"].lower() or "other"
    if cell["equipment"]:
        found = known.equipment.get(cell["equipment"])
        if found is None:
            raise bad("equipment", _("no equipment with the asset tag {tag} in this file").format(tag=cell["equipment"]))
        equipment_id, at_site, category = found
        if at_site != site_id:
            raise bad("equipment", _("{tag} is not at site {code}").format(tag=cell["equipment"], code=cell["site"]))
    elif category not in CATEGORIES:
        raise bad("category", _("one of {choices}, not {value}").format(choices=", ".join(CATEGORIES), value=category))
    channel = cell["channel"].lower() or "phone"
    if channel not in CHANNELS:
        raise bad("channel", _("one of {choices}, not {value}").format(choices=", ".join(CHANNELS), value=channel))

    when: dict[str, DateTime] = {}
    for column in ("opened_at", *_STEPS, "callback_at"):
        if cell[column]:
            try:
                when[column] = parse_when(cell[column], known.timezone, date_only=column == "callback_at")
            except ValueError as exc:
                raise bad(column, str(exc)) from None
            if when[column] > known.now:
                raise bad(column, _("{column} is in the future").format(column=column))
    opened = when["opened_at"]

    technician_id, team_id = None, None
    if cell["technician"]:
        tech = known.technicians.get(cell["technician"].casefold())
        if tech is None:
            raise bad(
                "technician",
                _("no technician named {name} in this file (dispatch import technicians first)").format(name=cell["technician"]),
            )
        if tech[0] < 0:
            raise bad("technician", _("two technicians are named {name}; rename one first").format(name=cell["technician"]))
        technician_id, team_id = tech
        when.setdefault("assigned_at", opened)  # the old system kept who, not when: from the start
    elif "assigned_at" in when:
        raise bad("technician", _("required with assigned_at"))
    if cell["cancel_reason"] and "cancelled_at" not in when:
        raise bad("cancelled_at", _("required with cancel_reason"))
    arrival = "onsite"
    if cell["arrival"]:
        arrival = _word(ARRIVAL_WORDS, cell["arrival"])
        if arrival is None:
            raise bad("arrival", _("onsite or remote, not {value}").format(value=cell["arrival"]))

    # The steps in the order they happened, each through the guard the console asks.
    status, tech_now, responded = "new", None, None
    for column in sorted((c for c in _STEPS if c in when), key=lambda c: (when[c], _STEPS.index(c))):
        if when[column] < opened:
            raise bad(column, _("{column} is before opened_at").format(column=column))
        try:
            if column == "assigned_at":
                lifecycle.check_assignable(status)
                status, tech_now = lifecycle.status_after_assign(status), technician_id
            elif column == "responded_at":
                lifecycle.check_respond(status, responded)
                responded = when[column]
            elif column == "arrived_at":
                lifecycle.check_arrive(status, tech_now)
                status = "onsite"
            elif column == "resolved_at":
                lifecycle.check_resolve(status)
                status = "resolved"
            elif column == "closed_at":
                lifecycle.check_close(status)
                status = "closed"
            else:
                lifecycle.check_cancel(status, cell["cancel_reason"])
                status = "cancelled"
        except RuleViolation as exc:
            raise bad("cancel_reason" if exc.field == "reason" else column, str(exc)) from None
    if cell["status"]:
        stated = _word(STATUS_WORDS, cell["status"])
        if stated == "waiting":
            raise bad("status", _("on hold is not imported (the file has no hold times): give the state it reached, or leave it blank"))
        if stated is None:
            raise bad("status", _("new, assigned, onsite, resolved, closed or cancelled, not {value}").format(value=cell["status"]))
        if stated != status:
            raise bad(
                "status",
                _("{stated}, but its times make it {status}").format(
                    stated=lifecycle.status_label(stated), status=lifecycle.status_label(status)
                ),
            )

    rating = None
    if cell["satisfaction"] or "callback_at" in when:
        if not cell["satisfaction"]:
            raise bad("satisfaction", _("required with callback_at"))
        rating = _word(RATING_WORDS, cell["satisfaction"])
        if rating is None:
            raise bad(
                "satisfaction",
                _("满意, 基本满意 or 不满意 (satisfied, basic, unsatisfied), not {value}").format(value=cell["satisfaction"]),
            )
        if status != "closed":
            raise bad("satisfaction", _("only a closed ticket has a callback"))
        if team_id is None:
            raise bad("technician", _("a callback counts for the technician's team, and {name} has none").format(name=cell["technician"]))
        when.setdefault("callback_at", when["closed_at"])
        if when["callback_at"] < when["closed_at"]:
            # A day alone is read as its noon: a call that morning is still that day.
            if local_day(when["callback_at"], known.timezone) < local_day(when["closed_at"], known.timezone):
                raise bad("callback_at", _("callback_at is before closed_at"))
            when["callback_at"] = when["closed_at"]

    times = [opened, *(when[c] for c in _STEPS if c in when)]
    resolved = "resolved_at" in when
    ticket: dict[str, Any] = {
        "external_ref": cell["old_number"],
        "status": status,
        "priority": priority,
        "channel": channel,
        "reporter": cell["reporter"],
        "phone": cell["phone"],
        "site_id": site_id,
        "equipment_id": equipment_id,
        "category": category,
        "description": cell["description"],
        "reported_at": _text(opened),
        "technician_id": tech_now,
        "assigned_at": _text(when.get("assigned_at")),
        "first_response_at": _text(when.get("responded_at")),
        "arrived_at": _text(when.get("arrived_at")),
        "arrival_mode": arrival if "arrived_at" in when else None,
        "resolved_at": _text(when.get("resolved_at")),
        "closed_at": _text(when.get("closed_at")),
        "cancelled_at": _text(when.get("cancelled_at")),
        "cancel_reason": cell["cancel_reason"] or None,
        "symptom": (cell["symptom"] or cell["description"]) if resolved else None,
        "cause": cell["cause"] or None,
        "action": cell["action"] or None,
        "parts": cell["parts"] or None,
        "signoff": (cell["signoff"] or cell["reporter"]) if "closed_at" in when else None,
        "version": len(times),
        "updated_at": _text(max(times)),
        "is_open": int(status in lifecycle.OPEN_STATUSES),
    }
    return HistoryTicket(line, ticket, team_id, rating, when.get("callback_at"))
