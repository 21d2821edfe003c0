"""A clock's explanation (store/rules/explain.py) in words and as JSON, for
``dispatch ticket N --explain``, the console's "Explain clocks" and
``dispatch report --explain-ticket N``. Times in the site's zone. Typed text
(hold notes, priority reasons) is cleaned for display and never markup: the
console shows these lines as Content. Pure: no I/O."""

from __future__ import annotations

from typing import Any

from pendulum import DateTime

from ..i18n import _
from ..labels import wait_reason_label
from ..text import clean
from .countdown import clock_title
from .explain import ClockExplanation, Hold, HoldStep, SettingChange, Span, Step, TicketExplanation, figure_count
from .history import verb

_FMT = "MM-DD HH:mm"


def duration(seconds: float) -> str:
    """1 h 20 m, 2 d 3 h, 40 m, 30 s: the two largest units."""
    s = round(abs(seconds))
    if s >= 86400:
        d, h = s // 86400, (s % 86400) // 3600
        return _("{d} d {h} h").format(d=d, h=h) if h else _("{d} d").format(d=d)
    if s >= 3600:
        h, m = s // 3600, (s % 3600) // 60
        return _("{h} h {m} m").format(h=h, m=m) if m else _("{h} h").format(h=h)
    if s >= 60:
        return _("{m} m").format(m=s // 60)
    return _("{s} s").format(s=s)


def _t(at: DateTime, tz: str) -> str:
    return at.in_timezone(tz).format(_FMT)


def _span(a: DateTime, b: DateTime | None, tz: str) -> str:
    if b is None:
        return _("{start}–(still waiting)").format(start=_t(a, tz))
    end = b.in_timezone(tz)
    same_day = end.date() == a.in_timezone(tz).date() or (end.hour, end.minute) == (0, 0)
    return f"{_t(a, tz)}–{end.format('HH:mm') if same_day else end.format(_FMT)}"


def _period(p: Span, tz: str) -> str:
    # The length of the minutes shown (seconds cut at both ends), so the periods of a window add up to it
    # as the reader adds them: 21:17–00:00 (2 h 43 m) + 00:00–01:17 (1 h 17 m) = 4 h, not 2 h 42 m + 1 h 17 m.
    shown = (_minute(p.end) - _minute(p.start)).total_seconds()
    return f"{_span(p.start, p.end, tz)} ({duration(shown)})"


def _minute(at: DateTime) -> DateTime:
    return at.replace(second=0, microsecond=0)


def _stated(entered: DateTime | None, tz: str) -> str:
    return "" if entered is None else " " + _("(stated, typed {at})").format(at=_t(entered, tz))


def _who(actor: str) -> str:
    return " " + _("by {who}").format(who=clean(actor, single_line=True)) if actor else ""


def _hold_who(h: Hold, tz: str) -> str:
    text = (" " + _("for {reason}").format(reason=wait_reason_label(h.reason)) if h.reason else "") + _who(h.actor)
    if h.note:
        text += " " + _("(note: {note})").format(note=clean(h.note, single_line=True))
    if h.start_entered is not None:
        text += " " + _("(start stated, typed {at})").format(at=_t(h.start_entered, tz))
    if h.end_entered is not None:
        text += " " + _("(end stated, typed {at})").format(at=_t(h.end_entered, tz))
    return text


def _step(s: Step, tz: str) -> str:
    return f"{verb(s.action, {})} {_t(s.at, tz)}{_who(s.actor)}{_stated(s.entered, tz)}"


def _hold_line(step: HoldStep, tz: str) -> str:
    who = "".join(_hold_who(h, tz) for h in step.holds)
    when = _span(step.start, step.end, tz)
    if step.end is None:
        return _("on hold {when}{who}: the clock is stopped").format(when=when, who=who)
    if step.overdue:
        return _("held {when}{who} while overdue: the overdue time stopped (+{held})").format(
            when=when, who=who, held=duration(step.held_s))
    return _("held {when}{who} (+{held})").format(when=when, who=who, held=duration(step.held_s))


def clock_lines(e: ClockExplanation, tz: str) -> list[str]:
    """The explanation of one clock: a headline, then one line per part."""
    window = duration(e.window_s)
    head = clock_title(e.clock) + ": "
    if e.due is not None:
        head += _("due {due} = reported {reported} + {window} of working time").format(
            due=_t(e.due, tz), reported=_t(e.reported_at, tz), window=window)
    else:
        head += _("stopped: reported {reported} + {window} of working time, on hold now").format(
            reported=_t(e.reported_at, tz), window=window)
    lines = [head, "  " + _("window of P{p} for this clock: {window}").format(p=e.priority, window=window)]
    if e.periods:
        lines.append("  " + _("working time counted: {periods}").format(
            periods=", ".join(_period(p, tz) for p in e.periods)))
    if e.holidays:
        lines.append("  " + _("holidays, no working time: {days}").format(days=", ".join(
            d.strftime("%m-%d") + (f" {clean(name, single_line=True)}" if name else "") for d, name in e.holidays)))
    for step in e.holds:
        lines.append("  " + _hold_line(step, tz))
    for h in e.ignored:
        after_met = e.met_at is not None and h.start >= e.met_at
        lines.append("  " + (_("held {when}{who}: not counted, the clock was met before") if after_met else
                             _("held {when}{who}: not counted, it ended before the report")).format(
            when=_span(h.start, h.end, tz), who=_hold_who(h, tz)))
    lines.append("  " + result_line(e, tz))
    if e.late_step is not None and e.ran_out is not None:
        lines.append("  " + _("it ran out at {at}, after the step: {step}").format(
            at=_t(e.ran_out, tz), step=_step(e.late_step, tz)))
    return lines


def result_line(e: ClockExplanation, tz: str) -> str:
    met = ""
    if e.met_at is not None:
        met = _step(e.met_step, tz) if e.met_step is not None else _t(e.met_at, tz)
    if e.verdict == "met":
        spare = ""
        if e.due is not None and e.met_at is not None and e.met_at < e.due:
            spare = " " + _("({left} before the deadline)").format(left=duration((e.due - e.met_at).total_seconds()))
        return _("met on time: {met}{spare}").format(met=met, spare=spare)
    if e.verdict == "late":
        return _("late by {late}: {met}").format(late=duration(e.late_by_s or 0), met=met)
    if e.verdict == "overdue":
        return _("overdue by {late}: not met yet").format(late=duration(e.late_by_s or 0))
    if e.verdict == "stopped":
        left = e.frozen_left_s or 0.0
        return (_("stopped with {left} left").format(left=duration(left)) if left > 0
                else _("stopped {late} overdue").format(late=duration(left)))
    return _("running: not met yet")


def change_lines(x: TicketExplanation) -> list[str]:
    """Settings changed after the report, and what that means for this ticket."""
    if not x.changes:
        return []
    what = {"calendar": _("calendar"), "timezone": _("time zone"), "sla": _("SLA windows")}
    listed = "; ".join(f"{what[c.what]} {_t(c.at, x.timezone)}{_who(c.actor)}" for c in x.changes)
    lines = [_("changed after the report: {changes}").format(changes=listed)]
    if x.is_open:
        lines.append(_("the clocks above are counted under the settings in force now (open tickets are worked out again)"))
    else:
        at = _t(x.last_write, x.timezone) if x.last_write else "—"
        lines.append(_("the clocks above use the settings in force now; the figures keep what was worked out at the "
                       "ticket's last write ({at})").format(at=at))
    return lines


def priority_lines(e: ClockExplanation, tz: str) -> list[str]:
    """Each priority change with its reason: the windows are those of the
    priority in force, counted from the report (docs/rules.md "Lifecycle")."""
    if not e.priority_changes:
        return []
    lines = ["  " + _("priority P{old} → P{new} {at}{who}: {reason}").format(
        old=c.old, new=c.new, at=_t(c.at, tz), who=_who(c.actor), reason=clean(c.reason, single_line=True))
        for c in e.priority_changes]
    lines.append("  " + _("the deadlines are counted from the report under P{p}, the priority in force").format(p=e.priority))
    return lines


def ticket_lines(x: TicketExplanation) -> list[str]:
    lines = [_("Ticket #{id}: how its clocks are counted (times in {tz})").format(id=x.ticket_id, tz=x.timezone)]
    if x.clocks and x.reported_entered is not None:
        lines.append("  " + _("reported {at}").format(at=_t(x.clocks[0].reported_at, x.timezone))
                     + _stated(x.reported_entered, x.timezone))
    if x.clocks:
        lines.extend(priority_lines(x.clocks[0], x.timezone))
    for c in x.clocks:
        lines.extend(clock_lines(c, x.timezone))
    lines.extend(change_lines(x))
    return lines


def _iso(at: DateTime | None, tz: str) -> str | None:
    return None if at is None else at.in_timezone(tz).isoformat()


def _hold_json(h: Hold, tz: str) -> dict[str, Any]:
    return {"start": _iso(h.start, tz), "end": _iso(h.end, tz), "reason": h.reason, "note": h.note, "by": h.actor,
            "start_typed": _iso(h.start_entered, tz), "end_typed": _iso(h.end_entered, tz)}


def _step_json(s: Step | None, tz: str) -> dict[str, Any] | None:
    return None if s is None else {"at": _iso(s.at, tz), "action": s.action, "by": s.actor, "typed": _iso(s.entered, tz)}


def clock_json(e: ClockExplanation, tz: str) -> dict[str, Any]:
    return {
        "clock": e.clock, "priority": e.priority, "window_s": e.window_s, "reported_at": _iso(e.reported_at, tz),
        "due_at": _iso(e.due, tz), "verdict": e.verdict, "late_by_s": e.late_by_s, "frozen_left_s": e.frozen_left_s,
        "met_at": _iso(e.met_at, tz), "met_step": _step_json(e.met_step, tz), "ran_out_at": _iso(e.ran_out, tz),
        "late_step": _step_json(e.late_step, tz), "working_s": e.used_s,
        "periods": [{"start": _iso(p.start, tz), "end": _iso(p.end, tz), "seconds": p.seconds} for p in e.periods],
        "holds": [{"start": _iso(s.start, tz), "end": _iso(s.end, tz), "held_s": s.held_s, "overdue": s.overdue,
                   "due_before": _iso(s.due_before, tz), "due_after": _iso(s.due_after, tz),
                   "holds": [_hold_json(h, tz) for h in s.holds]} for s in e.holds],
        "not_counted": [_hold_json(h, tz) for h in e.ignored],
        "holidays": [{"date": d.isoformat(), "name": name} for d, name in e.holidays],
        "priority_changes": [{"at": _iso(c.at, tz), "old": c.old, "new": c.new, "reason": c.reason, "by": c.actor}
                             for c in e.priority_changes],
        "text": clock_lines(e, tz) + priority_lines(e, tz),
    }


def ticket_json(x: TicketExplanation) -> dict[str, Any]:
    return {"ticket": x.ticket_id, "priority": x.priority, "status": x.status, "timezone": x.timezone,
            "clocks": [clock_json(c, x.timezone) for c in x.clocks],
            "settings_changed": [_change_json(c, x.timezone) for c in x.changes], "notes": change_lines(x)}


def _change_json(c: SettingChange, tz: str) -> dict[str, Any]:
    return {"what": c.what, "at": _iso(c.at, tz), "by": c.actor}


def count_word(count: str) -> str:
    return {"met": _("counts as met"), "missed": _("counts as missed"), "not_counted": _("not counted")}[count]


def report_lines(x: TicketExplanation, counts: dict[str, Any], period: str) -> list[str]:
    """Why the ticket counts as it does in the period's deadline figures:
    the figures' own tests on its stored facts, then each clock explained at
    the end of the period (or now), and where the two differ, why."""
    tz = x.timezone
    lines = [_("Ticket #{id} in the figures of {period} (counted up to {cap})").format(
        id=x.ticket_id, period=period, cap=_t(counts["cap"], tz))]
    if counts["reported_in"]:
        lines.append(_("reported in the period: it counts in \"SLA met\" per clock"))
        for c in x.clocks:
            count = counts[c.clock]
            why = ""
            if count == "not_counted":
                why = (_("cancelled before the step") if counts["cancelled"] and c.met_at is None
                       else _("still inside its window, or stopped by a hold, at {cap}").format(cap=_t(counts["cap"], tz)))
            lines.append("  " + _("SLA met, {clock}: {count}").format(clock=clock_title(c.clock), count=count_word(count))
                         + (f" ({why})" if why else ""))
    else:
        lines.append(_("not reported in the period: not in \"SLA met\""))
    if counts["resolved_in"]:
        yes, no = _("yes"), _("no")
        lines.append(_("resolved in the period: completed within the time limit: {a}; resolved within 4 h: {b}").format(
            a=yes if counts["completed_in_time"] else no, b=yes if counts["within_4h"] else no))
    else:
        lines.append(_("not resolved in the period: not in \"completed within the time limit\""))
    lines.extend(differences(x, counts))
    if x.clocks:
        lines.extend(priority_lines(x.clocks[0], tz))
    for c in x.clocks:
        lines.extend(clock_lines(c, tz))
    lines.extend(change_lines(x))
    return lines


def differences(x: TicketExplanation, counts: dict[str, Any]) -> list[str]:
    """Where today's settings count a clock otherwise than the stored facts
    (a closed ticket keeps the facts of its last write)."""
    out: list[str] = []
    if not counts["reported_in"]:
        return out
    for c in x.clocks:
        again = figure_count(c, counts["cancelled"], counts["cap"])
        if again != counts[c.clock]:
            at = _t(x.last_write, x.timezone) if x.last_write else "—"
            out.append(_("{clock}: the figure keeps the facts worked out at the ticket's last write ({at}); under "
                         "today's settings it would be: {count}").format(clock=clock_title(c.clock), at=at,
                                                                         count=count_word(again)))
    return out
