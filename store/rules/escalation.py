"""The escalation ladder (DOMAIN.md §10): the setting, and when each level
falls due. Pure: no SQL, no I/O; the store calls ``to_fire`` inside the
write that records what fires, and stores ``next_due`` with the ticket so
that a scan for due escalations is one indexed range.

A level is a point on one clock of one ticket, given as the share of the
clock's window used: 0.75 is "at risk" (25 % of the window left), 1.0
"breached", 1.5 "breached by half the window again". It falls due when that
much working time has run, counted exactly as the clock itself counts it
(store/rules/sla.py ``deadline``: the calendar, its holidays, and the holds), so
the "breached" level falls due at the instant the queue marks the ticket ✗.

Firing (each (ticket, clock, level) at most once, whichever process notices
first): at an instant, a running clock fires the highest level it has
passed, if that is above every level already fired for that clock; lower
levels passed at the same time are skipped, not fired later. A held clock
fires nothing while held (what it passed before the hold fires after the
resume, if it is still the highest). A priority change, a calendar change
or a stated time moves the points with the new deadlines; what was fired is
remembered by its share, so it does not fire again.

The setting, as stored (JSON)::

    {"default": [{"at": "at_risk", "to": ["foreman"]},
                 {"at": "breached", "to": ["foreman", "duty_manager"]},
                 {"at": 1.5, "to": ["managers"]}],
     "priorities": {"1": {"response": [{"at": 0.5, "to": ["foreman"]}, …]}}}

``priorities`` overrides the default ladder for one priority and clock; an
empty list there means that clock of that priority never escalates.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pendulum import DateTime
from pydantic import BaseModel, ConfigDict

from ..errors import RuleViolation
from ..i18n import _, pgettext
from ..labels import PRIORITIES
from .derive import ran_out
from .lifecycle import ACTIVE_STATUSES
from .sla import AT_RISK_SHARE, CLOCKS, Calendar, ClockName, Pause, Policy, deadline, merge_pauses

Role = Literal["foreman", "duty_manager", "managers"]
ROLES: tuple[Role, ...] = ("foreman", "duty_manager", "managers")
AT_RISK = 1 - AT_RISK_SHARE  # the share of the window used when 25 % is left
BREACHED = 1.0
NAMED_SHARES: dict[str, float] = {"at_risk": AT_RISK, "breached": BREACHED}
MIN_SHARE, MAX_SHARE = 0.01, 10.0
MAX_LEVELS = 6
EXAMPLE = '[{"at": "at_risk", "to": ["foreman"]}, {"at": "breached", "to": ["foreman", "duty_manager"]}]'


class Level(BaseModel):
    """One rung: when (``at``, the share of the clock's window used) and to whom."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: float
    to: tuple[Role, ...]

    def to_json(self) -> dict[str, Any]:
        name = next((k for k, v in NAMED_SHARES.items() if v == self.at), None)
        return {"at": name or self.at, "to": list(self.to)}


Ladder = tuple[Level, ...]

DEFAULT_LADDER: Ladder = (
    Level(at=AT_RISK, to=("foreman",)),
    Level(at=BREACHED, to=("foreman", "duty_manager")),
    Level(at=1.5, to=("managers",)),
)


class EscalationSetting(BaseModel):
    """The ``escalation`` setting: a default ladder, and ladders for one
    priority and clock that replace it there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default: Ladder = DEFAULT_LADDER
    priorities: dict[int, dict[ClockName, Ladder]] = {}

    def ladder(self, priority: int, clock: ClockName) -> Ladder:
        return self.priorities.get(priority, {}).get(clock, self.default)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"default": [lv.to_json() for lv in self.default]}
        if self.priorities:
            out["priorities"] = {
                str(p): {c: [lv.to_json() for lv in ladder] for c, ladder in clocks.items()}
                for p, clocks in sorted(self.priorities.items())
            }
        return out


DEFAULT_SETTING = EscalationSetting()


# ------------------------------------------------------------------ words

def role_label(role: str) -> str:
    return {"foreman": _("the team's foreman"), "duty_manager": _("the duty manager"),
            "managers": _("the center's managers")}.get(role, role)


def share_label(at: float) -> str:
    """ "at risk (25 % left)", "breached", "breached by 50 % of the window", "60 % of the window used"."""
    if at == AT_RISK:
        return _("at risk (25 % left)")
    if at == BREACHED:
        return _("breached")
    if at > BREACHED:
        return _("breached by {p} % of the window").format(p=_percent(at - BREACHED))
    return _("{p} % of the window used").format(p=_percent(at))


def level_text(level: Level) -> str:
    """One rung as shown: "breached → the team's foreman, the duty manager"."""
    return f"{share_label(level.at)} → {roles_text(level.to)}"


def roles_text(roles: Iterable[str]) -> str:
    return pgettext("list separator", ", ").join(role_label(r) for r in roles)


def _percent(share: float) -> str:
    p = round(share * 100, 1)
    return f"{p:g}"


# -------------------------------------------------------------- checking

def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def _share(value: Any, where: str, i: int) -> float:
    if isinstance(value, str) and value.strip() in NAMED_SHARES:
        return NAMED_SHARES[value.strip()]
    if (isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value)
            or not MIN_SHARE <= value <= MAX_SHARE):
        raise RuleViolation(_(
            "escalation {where} level {i}: at must be at_risk, breached or the share of the window used,"
            " from {lo} to {hi} (1.5: breached by half the window again), not {v}").format(
                where=where, i=i, lo=MIN_SHARE, hi=f"{MAX_SHARE:g}", v=_show(value)))
    return float(value)


def _roles(value: Any, where: str, i: int) -> tuple[Role, ...]:
    if (not isinstance(value, list) or not value
            or any(not isinstance(r, str) or r not in ROLES for r in value)):
        raise RuleViolation(_("escalation {where} level {i}: to must list one or more of {roles}, not {v}").format(
            where=where, i=i, roles=", ".join(ROLES), v=_show(value)))
    roles = tuple(r for r in ROLES if r in value)  # in a fixed order, each once
    return roles


def parse_ladder(value: Any, where: str) -> Ladder:
    """A list of levels, checked: each with ``at`` and ``to``, later ones later."""
    if not isinstance(value, list) or len(value) > MAX_LEVELS:
        raise RuleViolation(_("escalation {where} must be a list of at most {n} levels, e.g. {example}").format(
            where=where, n=MAX_LEVELS, example=EXAMPLE))
    levels: list[Level] = []
    for i, item in enumerate(value, 1):
        if not isinstance(item, dict) or set(item) != {"at", "to"}:
            raise RuleViolation(_("escalation {where} level {i} must have the fields at and to, e.g. {example}").format(
                where=where, i=i, example='{"at": "breached", "to": ["foreman"]}'))
        level = Level(at=_share(item["at"], where, i), to=_roles(item["to"], where, i))
        if levels and level.at <= levels[-1].at:
            raise RuleViolation(_("escalation {where}: level {i} must come later than level {j} ({a} is not after {b})").format(
                where=where, i=i, j=i - 1, a=share_label(level.at), b=share_label(levels[-1].at)))
        levels.append(level)
    return tuple(levels)


def _priority(key: Any) -> int | None:
    text = str(key).strip().upper().removeprefix("P")
    return int(text) if text.isdigit() and int(text) in PRIORITIES else None


def parse_escalation(value: Any) -> EscalationSetting:
    """The setting checked, or RuleViolation with one line saying what is wrong."""
    if not isinstance(value, dict):
        raise RuleViolation(_("escalation must be a JSON object, e.g. {example}").format(
            example='{"default": ' + EXAMPLE + "}"))
    extra = sorted(set(value) - {"default", "priorities"})
    if extra:
        raise RuleViolation(_("escalation has unknown fields {f}; use default, priorities").format(
            f=", ".join(map(str, extra))))
    default = parse_ladder(value["default"], "default") if "default" in value else DEFAULT_LADDER
    raw = value.get("priorities", {})
    if not isinstance(raw, dict):
        raise RuleViolation(_("escalation priorities must map a priority to its clocks, e.g. {example}").format(
            example='{"1": {"response": ' + EXAMPLE + "}}"))
    priorities: dict[int, dict[ClockName, Ladder]] = {}
    seen: set[int] = set()
    for key, clocks in raw.items():
        p = _priority(key)
        if p is None or p in seen:
            raise RuleViolation(_("escalation priorities: {k} is not a priority (1 to 4) or is given twice").format(
                k=_show(key)))
        if not isinstance(clocks, dict):
            raise RuleViolation(_("escalation priorities {p} must map clocks to ladders, e.g. {example}").format(
                p=f"P{p}", example='{"response": ' + EXAMPLE + "}"))
        seen.add(p)
        ladders: dict[ClockName, Ladder] = {}
        for clock, ladder in clocks.items():
            name = next((c for c in CLOCKS if c == clock), None)
            if name is None:
                raise RuleViolation(_("escalation priorities {p}: {k} is not a clock; use {clocks}").format(
                    p=f"P{p}", k=_show(clock), clocks=", ".join(CLOCKS)))
            ladders[name] = parse_ladder(ladder, f"P{p} {name}")
        if ladders:
            priorities[p] = {c: ladders[c] for c in CLOCKS if c in ladders}
    return EscalationSetting(default=default, priorities=dict(sorted(priorities.items())))


def check_escalation(value: Any) -> dict[str, Any]:
    """The value to store, normalised; RuleViolation (one line) otherwise."""
    return parse_escalation(value).to_json()


def escalation_from(value: Any) -> EscalationSetting:
    """The ladder a stored setting describes (None: the default). A damaged
    value raises ValueError, as store.rules.calendar.calendar_from does."""
    if value is None:
        return DEFAULT_SETTING
    try:
        return parse_escalation(value)
    except RuleViolation as exc:
        raise ValueError(str(exc)) from None


# ------------------------------------------------------------------ math

@dataclass(frozen=True)
class ClockRun:
    """One clock of an open ticket that is not met yet, as the SLA counts it."""

    clock: ClockName
    window_s: int
    start: DateTime
    pauses: tuple[Pause, ...] = ()


@dataclass(frozen=True)
class Fire:
    """A level to record now: ``due_at`` is when it fell due (the first
    instant that much working time had run, holds excluded, as the clock
    counts now); ``skipped`` the lower levels passed with it, not fired."""

    clock: ClockName
    level: int  # 1-based, in its ladder
    at: float  # its share: what the store remembers as fired
    due_at: DateTime
    to: tuple[Role, ...]
    skipped: tuple[int, ...] = ()


def running_clocks(reported_at: DateTime, policy: Policy, met: Mapping[ClockName, DateTime | None],
                   pauses: Iterable[Pause] = (), *, status: str) -> list[ClockRun]:
    """The clocks that can escalate: those not met, of a ticket that is new,
    assigned, on site or waiting (``status``; a waiting one's open hold
    stops them). ``policy`` is the ticket's current priority's."""
    if status not in ACTIVE_STATUSES:
        return []  # resolved, closed, cancelled: nothing runs any more
    held = tuple(pauses)
    return [ClockRun(c, policy.window_s(c), reported_at, held) for c in CLOCKS if met.get(c) is None]


def _as_of(pauses: Sequence[Pause], now: DateTime) -> tuple[list[Pause], bool]:
    """The holds as known at ``now`` (one not ended by then is open), and
    whether the clock is held at ``now``."""
    known = [Pause(p.start, p.end if p.end is not None and p.end <= now else None) for p in pauses if p.start <= now]
    return known, any(p.end is None for p in known)


def level_due(run: ClockRun, at: float, calendar: Calendar, now: DateTime) -> DateTime | None:
    """When the level at share ``at`` falls due as the clock counts at
    ``now``; None while the clock is held (a held clock has no due instant)."""
    pauses, held = _as_of(run.pauses, now)
    if held:
        return None
    due, _frozen = deadline(run.start, at * run.window_s, pauses, calendar)
    return due


def to_fire(now: DateTime, runs: Sequence[ClockRun], setting: EscalationSetting, priority: int,
            calendar: Calendar, fired: Mapping[ClockName, float]) -> list[Fire]:
    """What to record at ``now``: per running clock, the highest level passed
    if it is above the highest share already fired for that clock (``fired``:
    clock → that share; absent: none). Never for a held clock."""
    out: list[Fire] = []
    for run in runs:
        fire = _fire_one(now, run, setting.ladder(priority, run.clock), calendar, fired.get(run.clock, 0.0))
        if fire is not None:
            out.append(fire)
    return out


def _fire_one(now: DateTime, run: ClockRun, ladder: Ladder, calendar: Calendar, done: float) -> Fire | None:
    pauses, held = _as_of(run.pauses, now)
    if held:
        return None
    open_levels = [(i, lv) for i, lv in enumerate(ladder, 1) if lv.at > done]

    def passed(level: Level) -> DateTime | None:
        due, _frozen = deadline(run.start, level.at * run.window_s, pauses, calendar)
        return due if due is not None and due <= now else None

    # Later levels fall due later (deadline grows with the window): when the
    # lowest open one has not passed, none has, which is most calls.
    if not open_levels or passed(open_levels[0][1]) is None:
        return None
    for k in range(len(open_levels) - 1, -1, -1):
        i, level = open_levels[k]
        due = passed(level)
        if due is not None:
            # deadline() moves a point already passed to after a later hold
            # (the overdue time resumes from there); the record wants when it
            # was first reached.
            first = ran_out(run.start, level.at * run.window_s, merge_pauses(pauses), calendar)
            return Fire(run.clock, i, level.at, min(first or due, due), level.to, tuple(j for j, _lv in open_levels[:k]))
    return None  # (not reached: the lowest has passed)


def next_due(now: DateTime, runs: Sequence[ClockRun], setting: EscalationSetting, priority: int,
             calendar: Calendar, fired: Mapping[ClockName, float]) -> DateTime | None:
    """The earliest instant at which ``to_fire`` will return something if
    nothing else changes (it may be ``now`` or earlier: due already); None
    when nothing can fire (all held, or every level fired). Stored with the
    ticket, it makes the sender's scan one indexed range (due <= now)."""
    best: DateTime | None = None
    for run in runs:
        done = fired.get(run.clock, 0.0)
        level = next((lv for lv in setting.ladder(priority, run.clock) if lv.at > done), None)
        if level is None:
            continue
        due = level_due(run, level.at, calendar, now)
        if due is not None and (best is None or due < best):
            best = due
    return best


__all__ = [
    "AT_RISK", "BREACHED", "DEFAULT_LADDER", "DEFAULT_SETTING", "ROLES", "ClockRun", "EscalationSetting", "Fire",
    "Level", "check_escalation", "escalation_from", "level_due", "level_text", "next_due", "parse_escalation",
    "role_label", "roles_text", "running_clocks", "share_label", "to_fire",
]
