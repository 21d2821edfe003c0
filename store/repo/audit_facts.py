"""The derived facts stored with each ticket (store/derive.py DERIVED: the
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
that day): their facts are held to a digest the upgrade recorded instead."""

from __future__ import annotations

import bisect
import json
import sqlite3
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import audit, ledger
from ..calendar import calendar_from
from ..derive import DERIVED, derive
from ..i18n import _, ngettext
from ..rules import OPEN_STATUSES
from ..sla import AT_RISK_SHARE, Calendar, Pause, Policy
from ..text import clean
from .audit_tables import History

FACT_COLUMNS = ["id", *DERIVED]
_DEFAULTS = {"timezone": "UTC", "calendar": {"kind": "24x7"}}


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = clean(text, single_line=True)
    return text if len(text) <= 40 else text[:39] + "…"


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

    def __init__(self, conn: sqlite3.Connection, history: History):
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


class FactsCheck:
    """Fed one ticket at a time (store/repo/audit_tickets.py), in id order."""

    def __init__(self, conn: sqlite3.Connection, history: History, note: dict[str, Any] | None):
        self.configs = Configs(conn, history)
        mark = conn.execute("SELECT value FROM settings WHERE key = 'recompute_pending'").fetchone()
        try:
            self.pending_after = int(json.loads(mark[0]).get("after_id", 0)) if mark else None
        except (ValueError, AttributeError, TypeError):
            self.pending_after = 0
        self.baseline, self.note = history.baseline, note or {}
        self.digest = audit.RowDigest(self.note.get("columns", FACT_COLUMNS))
        self.held_ids, self.held_written = array("q"), array("q")
        self.totals: Counter[str] = Counter()
        self.load: Counter[int] = Counter()

    def ticket(self, row: dict[str, Any], pauses: list[Pause], written: int, problems: list[str]) -> None:
        self._count(row)
        is_open = row["status"] in OPEN_STATUSES
        if not is_open and self.baseline is not None and written < self.baseline and row["id"] <= self.note.get("last_id", 0):
            self.digest.add(row)  # closed before the upgrade: as it recorded them
            self.held_ids.append(row["id"])
            self.held_written.append(written)
            return
        if not is_open:
            candidates = [self.configs.at(written)]
        elif self.pending_after is not None and row["id"] > self.pending_after:
            candidates = self.configs.from_(written)  # not yet moved to the newest rules
        else:
            candidates = [self.configs.current]
        first = None
        for config in candidates:
            want = _worked_out(row, pauses, config)
            if want is None:
                return  # rules not recorded (or damaged: the settings check says so)
            diffs = [(k, row.get(k), want[k]) for k in DERIVED if row.get(k) != want[k]]
            if not diffs:
                return
            first = first or diffs
        assert first is not None
        name, has, want_value = first[0]
        more = ngettext(" (and {n} more field)", " (and {n} more fields)", len(first) - 1).format(n=len(first) - 1) \
            if len(first) > 1 else ""
        problems.append(_("ticket #{id}'s stored {field} is {has}; worked out again from the ticket it is {want}{more}")
                        .format(id=row["id"], field=name, has=_shown(has), want=_shown(want_value), more=more))

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

    def finish(self, conn: sqlite3.Connection, problems: list[str]) -> None:
        if self.note and (self.digest.count != self.note.get("count") or self.digest.hexdigest() != self.note.get("sha256")):
            self._named(conn, problems)
        cols = {r[1] for r in conn.execute("PRAGMA table_info(queue_totals)")}
        row = conn.execute(f"SELECT {', '.join(sorted(cols - {'id'}))} FROM queue_totals").fetchone() if cols else None
        if row is not None:
            for name, has in zip(sorted(cols - {"id"}), row, strict=True):
                if has != self.totals[name]:
                    problems.append(_("queue_totals differs from the tickets: {field} is {has}, the tickets say {want}")
                                    .format(field=name, has=_shown(has), want=self.totals[name]))
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'technician_load'").fetchone():
            stored = {tid: n for tid, n in conn.execute("SELECT technician_id, open_load FROM technician_load") if n}
            for tid in sorted(set(stored) | set(self.load), key=str):
                if stored.get(tid, 0) != self.load.get(tid, 0):
                    problems.append(_("technician_load of technician {id} is {has}, the tickets say {want}").format(
                        id=_shown(tid), has=stored.get(tid, 0), want=self.load.get(tid, 0)))

    def _named(self, conn: sqlite3.Connection, problems: list[str]) -> None:
        """The digest of the tickets closed before the upgrade does not match:
        work each out again under every policy and calendar the file has had,
        and name those no rules give."""
        before = len(problems)
        ids, written = self.held_ids, self.held_written
        for start in range(0, len(ids), 5000):
            chunk = {ids[i]: written[i] for i in range(start, min(start + 5000, len(ids)))}
            lo, hi = min(chunk), max(chunk)
            holds: dict[int, list[Pause]] = {}
            from ..timeutil import from_db

            for tid, a, b in conn.execute("SELECT ticket_id, started_at, ended_at FROM pauses WHERE ticket_id BETWEEN ? AND ?"
                                          " ORDER BY ticket_id, id", (lo, hi)):
                holds.setdefault(tid, []).append(Pause(from_db(a), from_db(b)))  # type: ignore[arg-type]
            cur = conn.execute("SELECT * FROM tickets WHERE id BETWEEN ? AND ? ORDER BY id", (lo, hi))
            names = [d[0] for d in cur.description]
            for r in cur:
                row = dict(zip(names, r, strict=True))
                if row["id"] not in chunk:
                    continue
                matches = False
                for config in self.configs.configs:
                    want = _worked_out(row, holds.get(row["id"], []), config)
                    if want is None or all(row.get(k) == want[k] for k in DERIVED):
                        matches = True
                        break
                if not matches:
                    want = _worked_out(row, holds.get(row["id"], []), self.configs.at(chunk[row["id"]])) or {}
                    name = next((k for k in DERIVED if row.get(k) != want.get(k)), DERIVED[0])
                    problems.append(_("ticket #{id}'s stored {field} is {has}; worked out again from the ticket it is"
                                      " {want}").format(id=row["id"], field=name, has=_shown(row.get(name)),
                                                        want=_shown(want.get(name))))
        if len(problems) == before:
            problems.append(ngettext(
                "the stored facts of the {n} ticket closed before the upgrade (event {id}) are not as it recorded them",
                "the stored facts of the {n} tickets closed before the upgrade (event {id}) are not as it recorded them",
                self.note.get("count", 0)).format(n=self.note.get("count", 0), id=self.baseline))


def facts_note(conn: sqlite3.Connection) -> dict[str, Any]:
    """At the upgrade (migration 0015): a digest of the facts of the tickets
    closed then, whose facts older steps worked out (module docstring)."""
    digest = audit.RowDigest(FACT_COLUMNS)
    last = conn.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0]
    marks = ", ".join("?" * len(OPEN_STATUSES))
    cur = conn.execute(f"SELECT {', '.join(FACT_COLUMNS)} FROM tickets WHERE status NOT IN ({marks}) ORDER BY id",
                       OPEN_STATUSES)
    for r in cur:
        digest.add(dict(zip(FACT_COLUMNS, r, strict=True)))
    return {"last_id": last, "count": digest.count, "sha256": digest.hexdigest(), "columns": FACT_COLUMNS}


def pauses_as(rows: Sequence[Any]) -> list[Pause]:
    from ..timeutil import from_db

    return [Pause(from_db(p["started_at"]), from_db(p["ended_at"])) for p in rows]  # type: ignore[arg-type]
