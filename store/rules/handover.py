"""The shift handed over (docs/rules.md "Handing over a shift"): what changed
since a time and what the next dispatcher must know, in groups ordered by
what needs action first. Every line names its ticket.

The repository (store/repo/handover.py) reads the facts; this module decides
the groups, their order and the order of lines in each, and says a line in
words. Pure: no SQL, no I/O.

When the shift started, if not given: the person's first event in the last
``LOOK_BACK_H`` hours (their sign-in or first change, not what the console
wrote on its own: ``AUTOMATIC``; a night shift that began before midnight
counts whole), else ``DEFAULT_H`` hours ago. The
calendar is not asked: it says when the SLA clocks run, not who works when
(a 24×7 center has no shift edges in it)."""

from __future__ import annotations

from collections.abc import Iterable

from pendulum import DateTime

from ..i18n import N_, _, ngettext
from ..text import clean

LOOK_BACK_H = 12
# Writes the console makes on its own while someone is signed in (a level
# fired at the poll, a message sent, a note marked read): not the person at work.
AUTOMATIC = ("escalation.fire", "notify.send", "notify.due", "notify.queue", "self.handover_seen")
DEFAULT_H = 8
LIMIT = 200  # lines shown per group; the group's total is still counted

# (key, title), in the order they are shown: what needs action first.
GROUPS: tuple[tuple[str, str], ...] = (
    ("breached", N_("Breached now")),
    ("escalated", N_("Escalations not acknowledged")),
    ("off_duty", N_("Off duty with open tickets")),
    ("unreached", N_("Callbacks not reached")),
    ("promised", N_("Callbacks promised or overdue")),
    ("waiting", N_("Waiting on parts or the customer")),
    ("notes", N_("Notes left")),
    ("acknowledged", N_("Escalations acknowledged")),
    ("opened", N_("Opened")),
    ("closed", N_("Closed")),
)
# The groups whose lines someone must act on: they make the note's item count.
ACTION = frozenset({"breached", "escalated", "off_duty", "unreached", "promised", "waiting"})
# Lines oldest first (the longest overdue, the longest waiting) or newest first.
_NEWEST_FIRST = frozenset({"notes", "acknowledged", "opened", "closed"})


def shift_start(now: DateTime, first_event: DateTime | None) -> DateTime:
    """Where the shift began when no time is given (see the module's doc)."""
    if first_event is not None and first_event >= now.subtract(hours=LOOK_BACK_H) and first_event <= now:
        return first_event
    return now.subtract(hours=DEFAULT_H)


def title(key: str) -> str:
    return _(dict(GROUPS)[key])


def order(key: str, lines: Iterable[dict[str, object]]) -> list[dict[str, object]]:
    """The lines of group ``key`` in the order shown: by their time, oldest or
    newest first, then by ticket number (a stable order for equal times)."""
    rows = list(lines)
    rows.sort(key=lambda r: (str(r.get("at") or ""), int(str(r["ticket"]))))
    if key in _NEWEST_FIRST:
        rows.sort(key=lambda r: str(r.get("at") or ""), reverse=True)
    return rows


def age(since: DateTime, now: DateTime) -> str:
    """A span as the queue says it: 2d 3h, 3h 05m, 12m."""
    # Seconds apart, not pendulum's Interval: a report says this for hundreds of lines.
    minutes = max(0, int((now.timestamp() - since.timestamp()) // 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins:02d}m"
    return f"{mins}m"


def _reason(reason: object) -> str:
    return {"parts": _("parts"), "customer": _("the customer")}.get(str(reason), str(reason or ""))


def _clock(clock: object) -> str:
    return {"response": _("response"), "onsite": _("on-site"), "resolve": _("resolution")}.get(str(clock), str(clock or ""))


def words(key: str, line: dict[str, object], local: str, now: DateTime, at: DateTime | None) -> str:
    """One line in words (without its ticket number), untrusted text cleaned
    to one line. ``local``: the line's time in the site's zone."""
    who = clean(str(line.get("who") or ""), single_line=True)
    text = clean(str(line.get("text") or ""), single_line=True, limit=200)
    since = age(at, now) if at is not None else ""
    if key == "breached":
        return _("{clock} overdue {age}, {who}").format(clock=_clock(line.get("clock")), age=since,
                                                        who=who or _("unassigned"))
    if key in ("escalated", "acknowledged"):
        base = _("{clock} escalation, level {level}").format(clock=_clock(line.get("clock")), level=line.get("level"))
        return base + (": " + _("{who}: {note}").format(who=who, note=text) if key == "acknowledged" else "")
    if key == "off_duty":
        return _("{who} went off duty at {time}; ticket still open").format(who=who, time=local)
    if key == "unreached":
        tries = int(str(line.get("attempts") or 0))
        return ngettext("callback by {who}: not reached, {n} try", "callback by {who}: not reached, {n} tries",
                        tries).format(who=who, n=tries)
    if key == "promised":
        base = _("callback due {day}, {who}").format(day=line.get("day"), who=who)
        return base + (": " + _("carried over: {reason}").format(reason=text) if text else "")
    if key == "waiting":
        return _("waiting on {reason} for {age}").format(reason=_reason(line.get("reason")), age=since) + (
            f": {text}" if text else "")
    if key == "notes":
        return f"{local} {who}: {text}"
    if key == "opened":
        return _("opened {time} by {who}: {text}").format(time=local, who=who, text=text)
    return _("closed {time}, {who}").format(time=local, who=who or "-")
