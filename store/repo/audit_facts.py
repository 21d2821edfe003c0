"""The derived facts stored with each ticket (store/rules/derive.py DERIVED: the
queue key, the deadlines, the report facts) worked out again from the ticket
and its holds, and compared; and the counts triggers keep (queue_totals,
technician_load) counted again from the tickets.

A ticket's facts were worked out when it was last written, under the SLA
policy and calendar in force then; an open ticket's are moved to every new
policy or calendar (store/repo/settings.py recompute). So the check needs the
policy and calendar at any point of the history: the settings and SLA policy
as they are now, taken back through their events.

Tickets closed before the upgrade that brought this check (migration 0015)
were given their facts by older steps (0013 filled them in under the policy of
that day): theirs must be what some rules the file has had give, and the few
that no rules give are held to a digest the upgrade recorded (FactsCheck)."""

from __future__ import annotations

import bisect
import json
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..database import Executes
from ..i18n import _, ngettext
from ..rules import audit, ledger
from ..rules.calendar import calendar_from
from ..rules.derive import DERIVED, derive
from ..rules.lifecycle import OPEN_STATUSES
from ..rules.sla import AT_RISK_SHARE, AlwaysOpen, Calendar, Pause, Policy
from ..timeutil import from_db
from .audit_tables import History, read_history
from .audit_tables import shown as _shown

FACT_COLUMNS = ["id", *DERIVED]
MINUTE = 16  # characters of a stored time that name its minute (deadline_minutes, migration 0022)
_DEFAULTS = {"timezone": "UTC", "calendar": {"kind": "24x7"}}


@dataclass
class Config:
    """The rules deadlines were worked out under, from one event on."""

    since: int
    state: dict[str, Any]
    _made: tuple[dict[int, Policy], Calendar] | None = None
    broken: bool = False

    def rules(self) -> tuple[dict[int, Policy], Calendar] | None:
        if self._made is None and not self.broken:
            try:
                if any(v is ledger.UNKNOWN for v in self.state.values()):
                    raise ValueError("not recorded")
                policy = {p: Policy(*v) for p, v in self.state["policy"].items()}
                self._made = policy, calendar_from(self.state["calendar"], self.state["timezone"])
            except (ValueError, KeyError, TypeError, AttributeError):
                self.broken = True
        return self._made


class Configs:
    """The policy and calendar in force after each change, oldest first."""

    def __init__(self, conn: Executes, history: History):
        settings = {k: v for k, v in conn.execute("SELECT key, value FROM settings WHERE key IN ('timezone', 'calendar')")}
        state: dict[str, Any] = {}
        for k, default in _DEFAULTS.items():
            try:
                state[k] = json.loads(settings[k]) if k in settings else default
            except ValueError:
                state[k] = ledger.UNKNOWN
        state["policy"] = {r[0]: tuple(r[1:]) for r in conn.execute(
            "SELECT priority, response_min, onsite_min, resolve_min FROM sla_policy")}
        changes = [ef for k in _DEFAULTS for ef in history.effects.get("settings", {}).get(k, [])]
        changes += [ef for efs in history.effects.get("sla_policy", {}).values() for ef in efs]
        changes.sort(key=lambda ef: ef.event)
        snapshots: list[Config] = []
        for ef in reversed(changes):
            if not snapshots or snapshots[-1].since != ef.event:
                snapshots.append(Config(ef.event, _copy(state)))
            if ef.table == "settings":
                before = ef.old.get("value") if ef.kind == "update" else _DEFAULTS[ef.key]
                state[ef.key] = before
            elif ef.kind == "create":
                state["policy"].pop(ef.key, None)
            else:
                row = dict(zip(("response_min", "onsite_min", "resolve_min"), state["policy"].get(ef.key, ()), strict=False))
                row.update(ef.old)
                state["policy"][ef.key] = tuple(row.get(k, ledger.UNKNOWN) for k in ("response_min", "onsite_min", "resolve_min"))
                if ledger.UNKNOWN in state["policy"][ef.key]:
                    state["policy"][ef.key] = ledger.UNKNOWN
        snapshots.append(Config(0, _copy(state)))
        self.configs = list(reversed(snapshots))
        self._since = [c.since for c in self.configs]

    @property
    def current(self) -> Config:
        return self.configs[-1]

    def at(self, event: int) -> Config:
        """In force when event ``event`` was written (changed by events before it)."""
        return self.configs[max(0, bisect.bisect_left(self._since, event) - 1)]

    def from_(self, event: int) -> list[Config]:
        """Those in force at ``event`` or any time after it."""
        return self.configs[max(0, bisect.bisect_left(self._since, event) - 1):]


def _copy(state: dict[str, Any]) -> dict[str, Any]:
    policy = state["policy"]
    return {**state, "policy": dict(policy) if isinstance(policy, dict) else policy}


def _worked_out(row: dict[str, Any], pauses: list[Pause], config: Config) -> dict[str, Any] | None:
    rules = config.rules()
    if rules is None:
        return None
    try:
        return derive(row, pauses, *rules)
    except (ValueError, KeyError, TypeError, AssertionError):
        return None


def _differs(row: dict[str, Any], pauses: list[Pause], configs: Sequence[Config]) -> list[tuple[str, Any, Any]] | None:
    """Where the row's facts are not what any of ``configs`` gives (the first
    config's differences), [] when one gives them, None when none is known."""
    first = None
    for config in configs:
        want = _worked_out(row, pauses, config)
        if want is None:
            return None  # rules not recorded (or damaged: the settings check says so)
        diffs = [(k, row.get(k), want[k]) for k in DERIVED if row.get(k) != want[k]]
        if not diffs:
            return []
        first = first or diffs
    return first or []


def _problem(tid: int, diffs: list[tuple[str, Any, Any]]) -> str:
    name, has, want = diffs[0]
    more = ngettext(" (and {n} more field)", " (and {n} more fields)", len(diffs) - 1).format(n=len(diffs) - 1) \
        if len(diffs) > 1 else ""
    return _("ticket #{id}'s stored {field} is {has}; worked out again from the ticket it is {want}{more}").format(
        id=tid, field=name, has=_shown(has), want=_shown(want), more=more)


def _fact_sql(clock: str, met: str) -> str:
    """SQL true when a closed ticket's facts of ``clock`` are derive.py's
    _facts_24x7 (no holds, 24x7) under the SLA policy joined as ``p``."""
    window = f"p.{clock}_min * 60"
    took = f"max(0, unixepoch(t.{met}) - unixepoch(t.reported_at))"
    return (f"CASE WHEN t.{met} IS NULL THEN t.f_{clock}_s IS NULL AND t.f_{clock}_ok IS NULL AND t.f_{clock}_late IS"
            f" strftime('%Y-%m-%dT%H:%M:%SZ', unixepoch(t.reported_at) + {window}, 'unixepoch')"
            f" ELSE t.f_{clock}_late IS NULL AND t.f_{clock}_s IS {took} * 1.0 AND t.f_{clock}_ok IS ({took} <= {window}) END")


# Closed tickets with no holds whose stored facts are not what 24x7 and the
# current SLA policy give: the few to work out in Python (a million checked in
# one scan instead of a million derive() calls; tests/test_audit_facts.py
# holds it to derive()).
CLOSED_24X7_MISMATCHES = (
    "SELECT t.id FROM tickets t JOIN sla_policy p ON p.priority = t.priority"
    " WHERE t.status IN ('closed', 'cancelled') AND NOT EXISTS (SELECT 1 FROM pauses WHERE ticket_id = t.id)"
    " AND NOT (t.is_open IS 0 AND t.next_clock IS NULL AND t.due_at IS NULL AND t.risk_at IS NULL"
    " AND t.frozen_left_s IS NULL AND t.window_s IS NULL AND t.queue_key IS NULL"
    f" AND {_fact_sql('response', 'first_response_at')} AND {_fact_sql('onsite', 'arrived_at')}"
    f" AND {_fact_sql('resolve', 'resolved_at')}) ORDER BY t.id")


def _in(ids: array[int], tid: int) -> bool:
    """Whether ``tid`` is in ``ids`` (kept in id order)."""
    i = bisect.bisect_left(ids, tid)
    return i < len(ids) and ids[i] == tid


class FactsCheck:
    """Fed one ticket at a time (store/repo/audit_tickets.py), in id order.

    A closed ticket's facts are those of the rules in force when it was last
    written; one closed before the upgrade (migration 0015) those of any rules
    the file has had, or, for the few that match none (older versions' ways),
    as the upgrade recorded them. An open ticket's are those of the rules in
    force now (or, while a recompute is pending, of any since its last write).
    Closed tickets with no holds under 24x7 rules are checked in one SQL scan
    at the end (CLOSED_24X7_MISMATCHES)."""

    def __init__(self, conn: Executes, history: History, note: dict[str, Any] | None):
        self.configs = Configs(conn, history)
        mark = conn.execute("SELECT value FROM settings WHERE key = 'recompute_pending'").fetchone()
        try:
            self.pending_after = int(json.loads(mark[0]).get("after_id", 0)) if mark else None
        except (ValueError, AttributeError, TypeError):
            self.pending_after = 0
        self.baseline, self.note = history.baseline, note or {}
        self.kept = self.note.get("kept") or {"ranges": [], "count": 0, "sha256": audit.RowDigest(FACT_COLUMNS).hexdigest()}
        self.digest = audit.RowDigest(FACT_COLUMNS)
        rules = self.configs.current.rules()
        self.fast = rules is not None and isinstance(rules[1], AlwaysOpen)
        self.deferred, self.deferred_old = array("q"), array("q")  # for the SQL scan: written under the current rules / before the upgrade
        self.totals: Counter[str] = Counter()
        self.load: Counter[int] = Counter()
        self.minutes: Counter[tuple[str, str]] = Counter()  # (minute, 'due' | 'risk'): deadline_minutes

    def ticket(self, row: dict[str, Any], pauses: list[Pause], written: int, problems: list[str]) -> None:
        self._count(row)
        tid = row["id"]
        if row["status"] not in OPEN_STATUSES:
            old = self.baseline is not None and written < self.baseline and tid <= self.note.get("last_id", 0)
            if old and self.kept["ranges"] and ledger.in_ranges(tid, self.kept["ranges"]):
                self.digest.add(row)  # as the upgrade recorded it
                return
            config = self.configs.at(written)
            if not pauses and self.fast and (old or config is self.configs.current):
                (self.deferred_old if old else self.deferred).append(tid)
                return
            candidates = self.configs.configs if old else [config]
        elif self.pending_after is not None and tid > self.pending_after:
            candidates = self.configs.from_(written)  # not yet moved to the newest rules
        else:
            candidates = [self.configs.current]
        diffs = _differs(row, pauses, candidates)
        if diffs:
            problems.append(_problem(tid, diffs))

    def _count(self, row: dict[str, Any]) -> None:
        """What the triggers add up for this ticket (migrations 0010, 0012)."""
        if row.get("is_open") != 1:
            return
        t = self.totals
        t["open"] += 1
        t["unassigned"] += row["technician_id"] is None and row["status"] != "resolved"
        if row.get("due_at") is None and row.get("next_clock") is not None and row.get("frozen_left_s") is not None:
            left = row["frozen_left_s"]
            t["held_breached"] += left <= 0
            t["held_at_risk"] += 0 < left <= (row.get("window_s") or 0) * AT_RISK_SHARE
        if row["technician_id"] is not None and row["status"] in ("assigned", "onsite", "waiting"):
            self.load[row["technician_id"]] += 1
        for col, name in (("due_at", "due"), ("risk_at", "risk")):  # migration 0022
            if row.get(col) is not None:
                t[f"running_{name}"] += 1
                self.minutes[(str(row[col])[:MINUTE], name)] += 1

    def finish(self, conn: Executes, problems: list[str]) -> None:
        if self.deferred or self.deferred_old:
            for tid, in conn.execute(CLOSED_24X7_MISMATCHES):
                old = _in(self.deferred_old, tid)
                if not old and not _in(self.deferred, tid):
                    continue  # worked out in the pass (other rules, or kept)
                cur = conn.execute("SELECT * FROM tickets WHERE id = ?", (tid,))
                row = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
                diffs = _differs(row, [], self.configs.configs if old else [self.configs.current])
                if diffs:
                    problems.append(_problem(tid, diffs))
        if self.digest.count != self.kept["count"] or self.digest.hexdigest() != self.kept["sha256"]:
            problems.append(ngettext(
                "the stored facts of the {n} ticket the upgrade (event {id}) recorded as older versions left them are"
                " not as it recorded them", "the stored facts of the {n} tickets the upgrade (event {id}) recorded as"
                " older versions left them are not as it recorded them", self.kept["count"]).format(
                n=self.kept["count"], id=self.baseline))
        cols = {r[1] for r in conn.execute("PRAGMA table_info(queue_totals)")}
        found = conn.execute(f"SELECT {', '.join(sorted(cols - {'id'}))} FROM queue_totals").fetchone() if cols else None
        if found is not None:
            for name, has in zip(sorted(cols - {"id"}), found, strict=True):
                if has != self.totals[name]:
                    problems.append(_("queue_totals differs from the tickets: {field} is {has}, the tickets say {want}")
                                    .format(field=name, has=_shown(has), want=self.totals[name]))
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'technician_load'").fetchone():
            stored = {tid: n for tid, n in conn.execute("SELECT technician_id, open_load FROM technician_load") if n}
            for tid in sorted(set(stored) | set(self.load), key=str):
                if stored.get(tid, 0) != self.load.get(tid, 0):
                    problems.append(_("technician_load of technician {id} is {has}, the tickets say {want}").format(
                        id=_shown(tid), has=stored.get(tid, 0), want=self.load.get(tid, 0)))
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'deadline_minutes'").fetchone():
            kept: Counter[tuple[str, str]] = Counter()
            for minute, due, risk in conn.execute("SELECT minute, due, risk FROM deadline_minutes"):
                kept[(minute, "due")], kept[(minute, "risk")] = due, risk
            for minute, name in sorted((k for k in set(kept) | set(self.minutes) if kept[k] != self.minutes[k]), key=str):
                problems.append(_("deadline_minutes of minute {minute} counts {has} {name}, the tickets say {want}")
                                .format(minute=_shown(minute), has=_shown(kept[(minute, name)]), name=name,
                                        want=self.minutes[(minute, name)]))


def facts_note(conn: Executes) -> dict[str, Any]:
    """At the upgrade (migration 0015): the closed tickets whose stored facts no
    rules the file has had give (older versions worked some out their own
    way), recorded with a digest; the check holds the rest to derive()."""
    history = read_history(conn)
    configs = Configs(conn, history)
    rules = configs.current.rules()
    marks = ", ".join("?" * len(OPEN_STATUSES))
    suspects: set[int] = set()
    if rules is not None and isinstance(rules[1], AlwaysOpen):
        suspects |= {r[0] for r in conn.execute(CLOSED_24X7_MISMATCHES)}
        suspects |= {r[0] for r in conn.execute(
            f"SELECT DISTINCT p.ticket_id FROM pauses p JOIN tickets t ON t.id = p.ticket_id WHERE t.status NOT IN ({marks})",
            OPEN_STATUSES)}
        where, params = "id IN (SELECT value FROM json_each(?))", [json.dumps(sorted(suspects))]
    else:
        where, params = f"status NOT IN ({marks})", list(OPEN_STATUSES)
    kept = []
    digest = audit.RowDigest(FACT_COLUMNS)
    cur = conn.execute(f"SELECT * FROM tickets WHERE {where} ORDER BY id", params)
    names = [d[0] for d in cur.description]
    for r in cur:
        row = dict(zip(names, r, strict=True))
        holds = [Pause(from_db(a), from_db(b)) for a, b in conn.execute(
            "SELECT started_at, ended_at FROM pauses WHERE ticket_id = ? ORDER BY started_at", (row["id"],))]
        if _differs(row, holds, configs.configs):
            kept.append(row["id"])
            digest.add(row)
    last = conn.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0]
    return {"last_id": last, "kept": {"ranges": ledger.ranges(kept), "count": digest.count, "sha256": digest.hexdigest()}}


def pauses_as(rows: Sequence[Any]) -> list[Pause]:
    if not rows:
        return []
    return [Pause(from_db(p["started_at"]), from_db(p["ended_at"])) for p in rows]
