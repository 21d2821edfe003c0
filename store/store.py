"""The Store: the only place with SQL. Every write goes through ``_write``,
which knows its actor, runs in a short BEGIN IMMEDIATE transaction and adds
its audit event in the same transaction."""

from __future__ import annotations

import getpass
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from pendulum import DateTime

from . import rules
from .db import explain, file_identity, open_database, quick_check, wrap
from .errors import DatabaseFileError, FileReplaced, NotFound, PermissionDenied, RuleViolation, StaleTicket, ValidationFailed
from .i18n import _
from .models import (
    DEFAULT_CURRENCY,
    DEFAULT_FEE_CONFIRM_ABOVE,
    PRIORITIES,
    ArriveInput,
    AssignInput,
    CancelInput,
    CloseInput,
    Crossing,
    Equipment,
    Event,
    NewTicket,
    PauseInput,
    QueueCounts,
    QueueFilter,
    QueueRow,
    ResolveInput,
    RespondInput,
    Site,
    Team,
    Technician,
    Ticket,
    check_currency,
    check_fee_confirm_above,
    parse_fee,
    validate,
)
from .sla import (
    AlwaysOpen,
    BusinessHours,
    Calendar,
    ClockStatus,
    Pause,
    Policy,
    clock_statuses,
    next_unmet,
)
from .timeutil import Clock, from_db, system_clock, to_db, valid_timezone

TICKET_SELECT = """
SELECT t.*, s.name AS site_name, e.asset_tag AS equipment_tag, tech.name AS technician_name
FROM tickets t
JOIN sites s ON s.id = t.site_id
LEFT JOIN equipment e ON e.id = t.equipment_id
LEFT JOIN technicians tech ON tech.id = t.technician_id
"""
QUEUE_COLUMNS = """
t.id, t.version, t.priority, t.status, t.arrival_mode, s.name AS site_name,
e.asset_tag AS equipment_tag, substr(t.description, 1, 160) AS description,
tech.name AS technician_name, t.repeat_of, t.next_clock, t.due_at, t.risk_at,
t.frozen_left_s, t.window_s, t.technician_id, t.first_response_at IS NOT NULL AS responded, t.reporter
"""
QUEUE_JOINS = """
JOIN sites s ON s.id = t.site_id
LEFT JOIN equipment e ON e.id = t.equipment_id
LEFT JOIN technicians tech ON tech.id = t.technician_id
"""
QUEUE_FROM = "FROM tickets t" + QUEUE_JOINS
DERIVED = ("is_open", "next_clock", "due_at", "risk_at", "frozen_left_s", "window_s", "queue_key")
CROSSINGS_LIMIT = 1000  # more than this in one poll (after a suspend): recount instead
TIME_FIELDS = (
    "reported_at", "first_response_at", "assigned_at", "arrived_at", "resolved_at",
    "closed_at", "cancelled_at", "updated_at",
)


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (e.g. a container without passwd entry)
        return "unknown"


def calendar_from(setting: dict[str, Any], tz: str) -> Calendar:
    if setting.get("kind") == "business":
        return BusinessHours(
            tz=tz,
            opens=time.fromisoformat(setting.get("opens", "08:30")),
            closes=time.fromisoformat(setting.get("closes", "17:30")),
            weekdays=frozenset(setting.get("weekdays", [1, 2, 3, 4, 5])),
        )
    return AlwaysOpen()


def derive(row: dict[str, Any], pauses: list[Pause], policy: dict[int, Policy], calendar: Calendar) -> dict[str, Any]:
    """The SLA fields stored with a ticket so the queue sorts by an index.

    queue_key orders by priority, then: running clocks by absolute deadline,
    clocks stopped while waiting by the frozen time left (overdue ones first,
    most overdue first), resolved tickets (no clock) last. The deadline order
    does not change as time passes."""
    status = row["status"]
    is_open = status in rules.OPEN_STATUSES
    out: dict[str, Any] = dict.fromkeys(DERIVED)
    out["is_open"] = int(is_open)
    if not is_open:
        return out
    tid = f"{row['id']:012d}"
    prio = str(row["priority"])
    nxt = None
    if status in rules.ACTIVE_STATUSES:
        nxt = next_unmet(ticket_clocks(row, pauses, policy, calendar))
    if nxt is None:
        out["queue_key"] = f"{prio}2{row.get('resolved_at') or row['reported_at']}{tid}"
        return out
    out.update(next_clock=nxt.clock, window_s=nxt.window_s)
    if nxt.due is not None:
        out.update(due_at=to_db(nxt.due), risk_at=to_db(nxt.risk_at))
        out["queue_key"] = f"{prio}0{out['due_at']}{tid}"
    else:
        out["frozen_left_s"] = nxt.frozen_left_s
        left = nxt.frozen_left_s or 0.0
        # 12 characters that sort as the time left does. Stopped overdue
        # (negative) starts with '-', before every digit, then a complement so
        # the most overdue comes first; time left keeps the form keys had before.
        frozen = f"{int(left):012d}" if left >= 0 else f"-{max(0, 10**11 + int(left // 1)):011d}"
        out["queue_key"] = f"{prio}1{frozen}{tid}"
    return out


def ticket_clocks(row: dict[str, Any], pauses: list[Pause], policy: dict[int, Policy], calendar: Calendar) -> list[ClockStatus]:
    def t(key: str) -> DateTime | None:
        value = row.get(key)
        return value if isinstance(value, DateTime) or value is None else from_db(value)

    reported = t("reported_at")
    assert reported is not None
    met = {"response": t("first_response_at"), "onsite": t("arrived_at"), "resolve": t("resolved_at")}
    return clock_statuses(reported, policy[row["priority"]], met, pauses, calendar)  # type: ignore[arg-type]


class Store:
    def __init__(
        self,
        path: str | Path,
        *,
        actor: str | None = None,
        clock: Clock | None = None,
        create: bool = False,
        busy_timeout_ms: int = 5000,
    ):
        self.path = Path(path)
        self.actor = actor or default_actor()
        self.clock: Clock = clock or system_clock
        self.busy_timeout_ms = busy_timeout_ms
        self.conn = open_database(self.path, create=create, busy_timeout_ms=busy_timeout_ms)
        # The file this connection holds: if the path later names another file
        # (or none), our reads and writes would go to a file no one else sees.
        self._identity = file_identity(self.path)
        # And its WAL journal and index: while this connection is open SQLite
        # keeps them (and their inodes), so a journal with these ids at the path
        # after a replace is the old database's, not the new file's.
        self._journal = {sfx: file_identity(Path(f"{self.path}{sfx}")) for sfx in ("-wal", "-shm")}
        self.conn.row_factory = sqlite3.Row
        # One connection shared by the console's worker threads: serialise it.
        self._lock = threading.RLock()
        self._check_settings()
        self._check_money_settings()

    def _check_settings(self) -> None:
        """Settings and SLA policy are read everywhere: a bad value is reported
        now, as a damaged file, not as a traceback later."""
        try:
            tz = self.timezone
            if not valid_timezone(str(tz)):
                raise ValueError(f"unknown time zone {tz!r}")
            calendar_from(self.setting("calendar", {"kind": "24x7"}), tz)
            missing = set(PRIORITIES) - set(self.policy())
            if missing:
                raise ValueError(f"no SLA policy for priority {sorted(missing)}")
            int(self.setting("repeat_window_days", 30))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self.conn.close()
            raise DatabaseFileError(
                _("{path} has a damaged setting ({detail}); fix it with 'dispatch set' or restore a backup").format(
                    path=self.path, detail=exc)) from None

    # ------------------------------------------------------------ plumbing
    def close_db(self) -> None:
        """Close the connection. (``close`` is the ticket action: closing a ticket.)"""
        with self._lock:
            self.conn.close()

    def now(self) -> DateTime:
        return self.clock().in_timezone("UTC")

    def _q(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:  # locked, corrupt, vanished: one line
                raise explain(self.path, exc) from None

    def data_version(self) -> int:
        """Changes when another connection commits: a microsecond poll. Raises
        FileReplaced once the path names another file, which no commit to it
        would ever show here."""
        self.check_file()
        return self._q("PRAGMA data_version")[0][0]

    def _authorize(self, action: str) -> None:
        # The one place a permission check lives; roles come in a later migration.
        if not self.actor.strip():
            raise PermissionDenied(_("No user name: set --actor or DISPATCH_ACTOR."))

    @contextmanager
    def _write(self, action: str) -> Iterator[sqlite3.Connection]:
        """The single write path: authorise, BEGIN IMMEDIATE, commit or roll back."""
        self._authorize(action)
        self.check_file()
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise explain(self.path, exc) from None
            try:
                yield self.conn
                # Again at the last moment: a file swapped during the write
                # must not receive it (the rollback below undoes it all).
                self.check_file()
                self.conn.execute("COMMIT")
            except BaseException as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error) and not isinstance(exc, sqlite3.IntegrityError):
                    raise explain(self.path, exc) from None
                raise

    def _event(
        self, action: str, entity: str, entity_id: int | None, ticket_id: int | None,
        old: dict[str, Any], new: dict[str, Any], at: DateTime | None = None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO events (at, actor, action, entity, entity_id, ticket_id, old, new)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (to_db(at or self.now()), self.actor, action, entity, entity_id, ticket_id,
             json.dumps(old, ensure_ascii=False, default=str),
             json.dumps(new, ensure_ascii=False, default=str)),
        )

    # ------------------------------------------------------------ settings
    def setting(self, key: str, default: Any = None) -> Any:
        rows = self._q("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    @property
    def timezone(self) -> str:
        return self.setting("timezone", "UTC")

    def calendar(self) -> Calendar:
        return calendar_from(self.setting("calendar", {"kind": "24x7"}), self.timezone)

    def policy(self) -> dict[int, Policy]:
        return {
            r["priority"]: Policy(r["response_min"], r["onsite_min"], r["resolve_min"])
            for r in self._q("SELECT * FROM sla_policy")
        }

    # Settings a user may change (``dispatch set``); internal keys such as the
    # demo marker are written only by their own methods, never through here.
    SETTABLE = ("calendar", "center_name", "currency", "fee_confirm_above", "repeat_window_days", "timezone")

    @staticmethod
    def check_setting(key: str, value: Any) -> Any:
        """The value to store for ``key``, normalised; RuleViolation with one
        line saying what is wrong otherwise. Touches no file, so callers can
        validate before creating one."""
        if key not in Store.SETTABLE:
            raise RuleViolation(_("Unknown setting {key}; known: {known}").format(
                key=key, known=", ".join(Store.SETTABLE)))
        if key == "timezone":
            if not isinstance(value, str) or not valid_timezone(value):
                raise RuleViolation(_("Unknown time zone {tz}").format(tz=value))
            return value
        if key == "center_name":
            name = value.strip() if isinstance(value, str) else ""
            if not name or len(name) > 120:
                raise RuleViolation(_("center_name must be 1 to 120 characters"))
            return name
        if key in ("currency", "fee_confirm_above"):
            try:
                return check_currency(value) if key == "currency" else str(check_fee_confirm_above(value))
            except ValueError as exc:
                raise RuleViolation(str(exc)) from None
        if key == "repeat_window_days":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365:
                raise RuleViolation(_("repeat_window_days must be a whole number of days from 1 to 365"))
            return value
        return Store._check_calendar(value)

    @staticmethod
    def _check_calendar(value: Any) -> dict[str, Any]:
        """A calendar setting, normalised, or RuleViolation: never a traceback
        later when deadlines are computed with it."""
        example = '{"kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 2, 3, 4, 5]}'
        if not isinstance(value, dict):
            raise RuleViolation(_("calendar must be a JSON object, e.g. {example}").format(example=example))
        extra = sorted(set(value) - {"kind", "opens", "closes", "weekdays"})
        if extra:
            raise RuleViolation(_("calendar has unknown fields {f}; use kind, opens, closes, weekdays").format(
                f=", ".join(map(str, extra))))
        kind = value.get("kind", "24x7")
        if kind == "24x7":
            return {"kind": "24x7"}
        if kind != "business":
            raise RuleViolation(_("calendar kind must be 24x7 or business, not {k}").format(k=kind))
        hours: dict[str, time] = {}
        for field, default in (("opens", "08:30"), ("closes", "17:30")):
            text = value.get(field, default)
            try:
                hh, mm = str(text).split(":") if isinstance(text, str) else ("", "")
                if not (hh.isdigit() and len(hh) <= 2 and mm.isdigit() and len(mm) == 2):
                    raise ValueError(text)
                hours[field] = time(int(hh), int(mm))
            except ValueError:
                raise RuleViolation(_("calendar {field} must be a time like 08:30, not {v}").format(
                    field=field, v=json.dumps(text, ensure_ascii=False))) from None
        if hours["closes"] <= hours["opens"]:
            # Overnight shifts (opens 18:30, closes 07:30) are a later feature.
            raise RuleViolation(_("calendar closes ({c}) must be after opens ({o}) on the same day").format(
                c=hours["closes"].strftime("%H:%M"), o=hours["opens"].strftime("%H:%M")))
        days = value.get("weekdays", [1, 2, 3, 4, 5])
        if (not isinstance(days, list) or not days
                or any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7 for d in days)):
            raise RuleViolation(_("calendar weekdays must list at least one day, 1 (Monday) to 7 (Sunday)"))
        return {"kind": "business", "opens": hours["opens"].strftime("%H:%M"),
                "closes": hours["closes"].strftime("%H:%M"), "weekdays": sorted(set(days))}

    def set_setting(self, key: str, value: Any) -> None:
        value = self.check_setting(key, value)
        with self._write("settings.set") as conn:
            old = self.setting(key)
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value, ensure_ascii=False)),
            )
            self._event("settings.set", "setting", None, None, {key: old}, {key: value})
            # Deadlines depend on the zone only through a business-hours calendar.
            if key == "calendar" or (key == "timezone" and self.setting("calendar", {}).get("kind") == "business"):
                try:
                    self._recompute_open()
                except ValueError as exc:  # e.g. one short window a week: deadlines decades away
                    raise RuleViolation(_("This calendar cannot place the open tickets' deadlines ({e})").format(
                        e=exc)) from None

    def mark_demo(self, seed: int) -> None:
        """Mark the file as a demo, which ``dispatch demo`` may delete and rebuild.
        Not a settable key: 'dispatch set' cannot turn a live file into a demo."""
        with self._write("settings.demo") as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES ('demo', 'true') "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            self._event("settings.demo", "setting", None, None, {}, {"demo": True, "seed": seed})

    def set_policy(self, priority: int, response_min: int, onsite_min: int, resolve_min: int) -> None:
        if not (0 < response_min <= onsite_min <= resolve_min):
            raise RuleViolation(_("Windows must be positive and response ≤ on site ≤ resolved"))
        with self._write("sla_policy.set") as conn:
            old = self.policy().get(priority)
            conn.execute(
                "INSERT INTO sla_policy VALUES (?, ?, ?, ?) ON CONFLICT(priority) DO UPDATE SET "
                "response_min = excluded.response_min, onsite_min = excluded.onsite_min, "
                "resolve_min = excluded.resolve_min",
                (priority, response_min, onsite_min, resolve_min),
            )
            self._event("sla_policy.set", "sla_policy", priority, None,
                        {"policy": old.__dict__ if old else None},
                        {"policy": [response_min, onsite_min, resolve_min]})
            self._recompute_open()

    def _recompute_open(self) -> None:
        """New SLA rules apply to open tickets at once (inside the caller's write)."""
        policy, cal = self.policy(), self.calendar()
        pauses = self._pauses_by_ticket()
        rows = self.conn.execute("SELECT * FROM tickets WHERE is_open = 1").fetchall()
        for r in rows:
            row = dict(r)
            d = derive(row, pauses.get(row["id"], []), policy, cal)
            self.conn.execute(
                "UPDATE tickets SET " + ", ".join(f"{k} = ?" for k in d) + " WHERE id = ?",
                [*d.values(), row["id"]],
            )

    # ------------------------------------------------------ reference data
    def sites(self, query: str = "", limit: int = 50) -> list[Site]:
        like = f"%{_escape_like(query)}%"
        rows = self._q(
            "SELECT * FROM sites WHERE name LIKE ? ESCAPE '\\' OR code LIKE ? ESCAPE '\\' "
            "OR address LIKE ? ESCAPE '\\' ORDER BY code LIMIT ?",
            (like, like, like, limit),
        )
        return [Site(**dict(r)) for r in rows]

    def site(self, site_id: int) -> Site:
        rows = self._q("SELECT * FROM sites WHERE id = ?", (site_id,))
        if not rows:
            raise NotFound(_("No site {id}").format(id=site_id))
        return Site(**dict(rows[0]))

    def equipment(self, site_id: int | None = None, query: str = "", limit: int = 50) -> list[Equipment]:
        like = f"%{_escape_like(query)}%"
        sql = "SELECT * FROM equipment WHERE (asset_tag LIKE ? ESCAPE '\\' OR model LIKE ? ESCAPE '\\' OR category LIKE ? ESCAPE '\\')"
        params: list[Any] = [like, like, like]
        if site_id is not None:
            sql += " AND site_id = ?"
            params.append(site_id)
        rows = self._q(sql + " ORDER BY asset_tag LIMIT ?", [*params, limit])
        return [Equipment(**dict(r)) for r in rows]

    def teams(self) -> list[Team]:
        return [Team(**dict(r)) for r in self._q("SELECT * FROM teams ORDER BY name")]

    def technicians(self) -> list[Technician]:
        # Correlated counts use the (technician_id, status) index: no scan of open tickets.
        rows = self._q(
            """
            SELECT tech.*, teams.name AS team_name,
              (SELECT COUNT(*) FROM tickets t WHERE t.is_open = 1 AND t.technician_id = tech.id
                 AND t.status IN ('assigned', 'onsite', 'waiting')) AS open_load,
              COALESCE(
                (SELECT MIN(t.id) FROM tickets t WHERE t.is_open = 1 AND t.technician_id = tech.id
                   AND t.status = 'onsite'),
                (SELECT MIN(t.id) FROM tickets t WHERE t.is_open = 1 AND t.technician_id = tech.id
                   AND t.status IN ('assigned', 'waiting'))) AS current_ticket
            FROM technicians tech
            JOIN teams ON teams.id = tech.team_id
            ORDER BY teams.name, tech.name
            """
        )
        return [_technician(r) for r in rows]

    def candidates(self, ticket_id: int) -> list[tuple[Technician, bool]]:
        """On-duty technicians, best first: skill match, then fewest open tickets."""
        ticket = self.ticket(ticket_id)
        return rules.rank_technicians(self.technicians(), ticket.category)

    def set_on_duty(self, technician_id: int, on_duty: bool) -> None:
        with self._write("technician.duty") as conn:
            rows = conn.execute("SELECT on_duty FROM technicians WHERE id = ?", (technician_id,)).fetchall()
            if not rows:
                raise NotFound(_("No technician {id}").format(id=technician_id))
            conn.execute("UPDATE technicians SET on_duty = ? WHERE id = ?", (int(on_duty), technician_id))
            self._event("technician.duty", "technician", technician_id, None,
                        {"on_duty": bool(rows[0][0])}, {"on_duty": on_duty})

    # ------------------------------------------------------------- tickets
    def ticket(self, ticket_id: int) -> Ticket:
        rows = self._q(TICKET_SELECT + " WHERE t.id = ?", (ticket_id,))
        if not rows:
            raise NotFound(_("No ticket #{id}").format(id=ticket_id))
        return _ticket(rows[0])

    def pauses(self, ticket_id: int) -> list[Pause]:
        return self._pauses_by_ticket(ticket_id).get(ticket_id, [])

    def _pauses_by_ticket(self, ticket_id: int | None = None) -> dict[int, list[Pause]]:
        sql = "SELECT ticket_id, started_at, ended_at FROM pauses"
        params: tuple[Any, ...] = ()
        if ticket_id is not None:
            sql += " WHERE ticket_id = ?"
            params = (ticket_id,)
        else:
            sql += " WHERE ticket_id IN (SELECT id FROM tickets WHERE is_open = 1)"
        out: dict[int, list[Pause]] = {}
        for r in self._q(sql + " ORDER BY started_at", params):
            out.setdefault(r[0], []).append(Pause(from_db(r[1]), from_db(r[2])))  # type: ignore[arg-type]
        return out

    def clocks(self, ticket_id: int) -> list[ClockStatus]:
        row = self._q("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        if not row:
            raise NotFound(_("No ticket #{id}").format(id=ticket_id))
        return ticket_clocks(dict(row[0]), self.pauses(ticket_id), self.policy(), self.calendar())

    def timeline(self, ticket_id: int) -> list[Event]:
        rows = self._q("SELECT * FROM events WHERE ticket_id = ? ORDER BY id", (ticket_id,))
        return [_event_model(r) for r in rows]

    def events(self, limit: int = 100) -> list[Event]:
        rows = self._q("SELECT * FROM events ORDER BY id DESC LIMIT ?", (limit,))
        return [_event_model(r) for r in rows]

    def linked(self, ticket_id: int) -> list[Ticket]:
        """Second-repair links both ways: what this repeats, and what repeats it."""
        rows = self._q(
            TICKET_SELECT + " WHERE t.id = (SELECT repeat_of FROM tickets WHERE id = ?)"
            " OR t.repeat_of = ? ORDER BY t.id",
            (ticket_id, ticket_id),
        )
        return [_ticket(r) for r in rows]

    def _repeat_of(self, equipment_id: int, reported: DateTime) -> int | None:
        days = self.setting("repeat_window_days", 30)
        earlier = self._q(
            "SELECT id, resolved_at FROM tickets WHERE equipment_id = ? AND resolved_at IS NOT NULL "
            "AND resolved_at >= ? AND status != 'cancelled'",
            (equipment_id, to_db(reported.subtract(days=days))),
        )
        return rules.find_repeat(((r[0], from_db(r[1])) for r in earlier), reported, days)

    def repeat_candidate(self, equipment_id: int) -> Ticket | None:
        """The earlier repair a new fault on this equipment would repeat (二次报修)."""
        found = self._repeat_of(equipment_id, self.now())
        return self.ticket(found) if found else None

    def create_ticket(self, data: NewTicket | dict[str, Any]) -> Ticket:
        if isinstance(data, dict):
            data = validate(NewTicket, data)
        assert isinstance(data, NewTicket)
        now = self.now()
        reported = (data.reported_at or now).in_timezone("UTC")
        with self._write("ticket.create") as conn:
            site = conn.execute("SELECT id FROM sites WHERE id = ?", (data.site_id,)).fetchone()
            if site is None:
                raise ValidationFailed.one("site_id", _("no such site"))
            repeat_of = None
            if data.equipment_id is not None:
                eq = conn.execute("SELECT site_id FROM equipment WHERE id = ?", (data.equipment_id,)).fetchone()
                if eq is None:
                    raise ValidationFailed.one("equipment_id", _("no such equipment"))
                if eq[0] != data.site_id:
                    raise ValidationFailed.one("equipment_id", _("this equipment is at another site"))
                repeat_of = self._repeat_of(data.equipment_id, reported)
            row: dict[str, Any] = {
                "status": "new", "priority": data.priority, "channel": data.channel,
                "reporter": data.reporter, "phone": data.phone, "site_id": data.site_id,
                "equipment_id": data.equipment_id, "category": data.category,
                "description": data.description, "reported_at": to_db(reported),
                "created_by": self.actor, "repeat_of": repeat_of, "version": 1,
                "updated_at": to_db(now), "updated_by": self.actor, "is_open": 1,
            }
            cur = conn.execute(
                f"INSERT INTO tickets ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                list(row.values()),
            )
            row["id"] = cur.lastrowid
            d = derive(row, [], self.policy(), self.calendar())
            conn.execute(
                "UPDATE tickets SET " + ", ".join(f"{k} = ?" for k in d) + " WHERE id = ?",
                [*d.values(), row["id"]],
            )
            public = {k: v for k, v in row.items() if k not in DERIVED and k not in ("version", "updated_at", "updated_by", "is_open")}
            self._event("ticket.create", "ticket", row["id"], row["id"], {}, public, now)
        return self.ticket(row["id"])

    def _change(
        self, action: str, ticket_id: int, version: int,
        apply: Callable[[sqlite3.Connection, dict[str, Any], DateTime], dict[str, Any]],
        note: dict[str, Any] | None = None,
    ) -> Ticket:
        """Optimistic concurrency: the write only happens on the version the
        user saw; otherwise StaleTicket says who changed it and when."""
        now = self.now()
        with self._write(action) as conn:
            found = conn.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
            if found is None:
                raise NotFound(_("No ticket #{id}").format(id=ticket_id))
            row = dict(found)
            if row["version"] != version:
                raise StaleTicket(ticket_id, row["updated_by"], from_db(row["updated_at"]), row["version"],
                                  self._changes_since(conn, ticket_id, row["version"] - version), self.timezone)
            changes = apply(conn, row, now)
            merged = {**row, **changes}
            pauses = [
                Pause(from_db(p[0]), from_db(p[1]))  # type: ignore[arg-type]
                for p in conn.execute(
                    "SELECT started_at, ended_at FROM pauses WHERE ticket_id = ? ORDER BY started_at", (ticket_id,)
                )
            ]
            derived = derive(merged, pauses, self.policy(), self.calendar())
            old = {k: row[k] for k in changes if row[k] != changes[k]}
            new = {k: changes[k] for k in old}
            # Reasons and notes live in the audit event, not in ticket columns.
            new.update({k: v for k, v in (note or {}).items() if v})
            changes.update(derived, version=version + 1, updated_at=to_db(now), updated_by=self.actor)
            conn.execute(
                "UPDATE tickets SET " + ", ".join(f"{k} = ?" for k in changes) + " WHERE id = ? AND version = ?",
                [*changes.values(), ticket_id, version],
            )
            self._event(action, "ticket", ticket_id, ticket_id, old, new, now)
        return self.ticket(ticket_id)

    def _changes_since(self, conn: sqlite3.Connection, ticket_id: int, count: int) -> list[str]:
        """The last ``count`` changes of a ticket in words (each write bumps the version once)."""
        from .history import HIDDEN, Names, change_text

        rows = conn.execute(
            "SELECT old, new FROM events WHERE ticket_id = ? AND entity = 'ticket' AND action != 'ticket.create'"
            " ORDER BY id DESC LIMIT ?", (ticket_id, max(1, min(count, 5)))).fetchall()
        names = Names(dict(conn.execute("SELECT id, name FROM technicians").fetchall()), {}, {})
        now, out = self.now(), []
        for r in reversed(rows):
            old, new = json.loads(r[0] or "{}"), json.loads(r[1] or "{}")
            out += [change_text(k, old.get(k), v, names, self.timezone, now, 24) for k, v in new.items() if k not in HIDDEN]
        return out

    def respond(self, ticket_id: int, version: int, **data: Any) -> Ticket:
        inp: RespondInput = validate(RespondInput, data)

        def apply(conn: sqlite3.Connection, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            rules.check_respond(row["status"], row["first_response_at"])
            return {"first_response_at": to_db(now)}

        return self._change("ticket.respond", ticket_id, version, apply, {"note": inp.note})

    def assign(self, ticket_id: int, version: int, **data: Any) -> Ticket:
        inp: AssignInput = validate(AssignInput, data)

        def apply(conn: sqlite3.Connection, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            tech = conn.execute("SELECT on_duty FROM technicians WHERE id = ?", (inp.technician_id,)).fetchone()
            if tech is None:
                raise ValidationFailed.one("technician_id", _("no such technician"))
            rules.check_assign(row["status"], row["technician_id"], inp.technician_id, inp.reason)
            out = {
                "technician_id": inp.technician_id,
                "status": rules.status_after_assign(row["status"]),
                "assigned_at": to_db(now),
            }
            if row["status"] == "waiting":
                out["paused_from"] = "assigned"
            return out

        return self._change(
            "ticket.reassign" if self._tech_of(ticket_id) else "ticket.assign",
            ticket_id, version, apply, {"reason": inp.reason},
        )

    def _tech_of(self, ticket_id: int) -> int | None:
        rows = self._q("SELECT technician_id FROM tickets WHERE id = ?", (ticket_id,))
        return rows[0][0] if rows else None

    def arrive(self, ticket_id: int, version: int, **data: Any) -> Ticket:
        inp: ArriveInput = validate(ArriveInput, data)

        def apply(conn: sqlite3.Connection, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            rules.check_arrive(row["status"], row["technician_id"])
            out = {"status": "onsite", "arrived_at": to_db(now), "arrival_mode": inp.mode}
            if row["first_response_at"] is None:
                out["first_response_at"] = to_db(now)  # reaching the site confirms the fault
            return out

        return self._change("ticket.arrive", ticket_id, version, apply)

    def pause(self, ticket_id: int, version: int, **data: Any) -> Ticket:
        inp: PauseInput = validate(PauseInput, data)

        def apply(conn: sqlite3.Connection, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            rules.check_pause(row["status"])
            conn.execute(
                "INSERT INTO pauses (ticket_id, reason, note, started_at) VALUES (?, ?, ?, ?)",
                (ticket_id, inp.reason, inp.note, to_db(now)),
            )
            return {"status": "waiting", "paused_from": row["status"], "wait_reason": inp.reason}

        return self._change("ticket.pause", ticket_id, version, apply, {"note": inp.note})

    def resume(self, ticket_id: int, version: int) -> Ticket:
        def apply(conn: sqlite3.Connection, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            rules.check_resume(row["status"])
            conn.execute(
                "UPDATE pauses SET ended_at = ? WHERE ticket_id = ? AND ended_at IS NULL",
                (to_db(now), ticket_id),
            )
            return {"status": row["paused_from"] or "assigned", "wait_reason": None}

        return self._change("ticket.resume", ticket_id, version, apply)

    def resolve(self, ticket_id: int, version: int, **data: Any) -> Ticket:
        inp: ResolveInput = validate(ResolveInput, data)

        def apply(conn: sqlite3.Connection, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            rules.check_resolve(row["status"])
            return {
                "status": "resolved", "resolved_at": to_db(now), "symptom": inp.symptom,
                "cause": inp.cause, "action": inp.action, "parts": inp.parts,
            }

        return self._change("ticket.resolve", ticket_id, version, apply)

    def close(self, ticket_id: int, version: int, **data: Any) -> Ticket:
        inp: CloseInput = validate(CloseInput, data)

        def apply(conn: sqlite3.Connection, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            rules.check_close(row["status"])
            fee = None if inp.fee is None else int(inp.fee * 100)
            return {"status": "closed", "closed_at": to_db(now), "signoff": inp.signoff, "fee_cents": fee}

        return self._change("ticket.close", ticket_id, version, apply)

    def cancel(self, ticket_id: int, version: int, **data: Any) -> Ticket:
        inp: CancelInput = validate(CancelInput, data)

        def apply(conn: sqlite3.Connection, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            rules.check_cancel(row["status"], inp.reason)
            conn.execute(
                "UPDATE pauses SET ended_at = ? WHERE ticket_id = ? AND ended_at IS NULL",
                (to_db(now), ticket_id),
            )
            return {"status": "cancelled", "cancelled_at": to_db(now), "cancel_reason": inp.reason}

        return self._change("ticket.cancel", ticket_id, version, apply)

    # --------------------------------------------------------------- queue
    def _filter_sql(self, f: QueueFilter) -> tuple[str, list[Any]]:
        where, params = ["t.is_open = 1"], []
        if f.statuses:
            where.append(f"t.status IN ({', '.join('?' for _ in f.statuses)})")
            params += list(f.statuses)
        if f.priorities:
            where.append(f"t.priority IN ({', '.join('?' for _ in f.priorities)})")
            params += list(f.priorities)
        if f.team_id is not None:
            where.append("t.technician_id IN (SELECT id FROM technicians WHERE team_id = ?)")
            params.append(f.team_id)
        if f.unassigned:
            where.append("t.technician_id IS NULL")
        if f.text.strip():
            text = f.text.strip().lstrip("#")
            like = f"%{_escape_like(text)}%"
            where.append(
                "(t.description LIKE ? ESCAPE '\\' OR t.reporter LIKE ? ESCAPE '\\' OR s.name LIKE ? ESCAPE '\\'"
                " OR e.asset_tag LIKE ? ESCAPE '\\' OR tech.name LIKE ? ESCAPE '\\' OR CAST(t.id AS TEXT) = ?)"
            )
            params += [like] * 5 + [text]
        return " WHERE " + " AND ".join(where), params

    def queue(self, f: QueueFilter | None = None, offset: int = 0, limit: int = 100) -> list[QueueRow]:
        f = f or QueueFilter()
        if not f.active:
            # Skip through the covering index first, then join only the window.
            rows = self._q(
                f"SELECT {QUEUE_COLUMNS} FROM (SELECT id FROM tickets WHERE is_open = 1 ORDER BY queue_key"
                f" LIMIT ? OFFSET ?) w JOIN tickets t ON t.id = w.id {QUEUE_JOINS}"
                " ORDER BY t.queue_key",
                [limit, offset],
            )
        else:
            where, params = self._filter_sql(f)
            rows = self._q(
                f"SELECT {QUEUE_COLUMNS} {QUEUE_FROM} {where} ORDER BY t.queue_key LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
        return [_queue_row(r) for r in rows]

    def queue_count(self, f: QueueFilter | None = None) -> int:
        f = f or QueueFilter()
        where, params = self._filter_sql(f)
        joins = QUEUE_FROM if f.text.strip() else "FROM tickets t"
        return self._q(f"SELECT COUNT(*) {joins} {where}", params)[0][0]

    def queue_position(self, ticket_id: int, f: QueueFilter | None = None) -> int | None:
        """Index of a ticket in the filtered queue (None if it is not in it)."""
        f = f or QueueFilter()
        where, params = self._filter_sql(f)
        key = self._q("SELECT queue_key FROM tickets WHERE id = ? AND is_open = 1", (ticket_id,))
        if not key:
            return None
        found = self._q(f"SELECT 1 {QUEUE_FROM} {where} AND t.id = ?", [*params, ticket_id])
        if not found:
            return None
        joins = QUEUE_FROM if f.text.strip() else "FROM tickets t"
        return self._q(f"SELECT COUNT(*) {joins} {where} AND t.queue_key < ?", [*params, key[0][0]])[0][0]

    def counts(self, now: DateTime | None = None) -> QueueCounts:
        """Header counts as index range counts, so they stay cheap at 100k open.
        risk_at < due_at always, so the running at-risk count is a difference."""
        p = {"now": to_db(now or self.now())}
        one = lambda sql: self._q(sql, p)[0][0]  # noqa: E731
        total = one("SELECT COUNT(*) FROM tickets WHERE is_open = 1")
        breached = one("SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND due_at <= :now")
        risky = one("SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND risk_at <= :now")
        # Clocks stopped while waiting: few rows, found through the NULL end of tickets_due.
        held = self._q(
            "SELECT COALESCE(SUM(frozen_left_s <= 0), 0),"
            " COALESCE(SUM(frozen_left_s > 0 AND frozen_left_s <= window_s * 0.25), 0)"
            " FROM tickets INDEXED BY tickets_held WHERE is_open = 1 AND due_at IS NULL AND next_clock IS NOT NULL",
            p)[0]
        unassigned = one(
            "SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND technician_id IS NULL AND status != 'resolved'")
        return QueueCounts(open=total, breached=breached + held[0], at_risk=risky - breached + held[1],
                           unassigned=unassigned)

    def crossings(self, since: DateTime, until: DateTime) -> list[Crossing]:
        """Tickets whose clock crossed into at risk or breached in (since, until]:
        two index range searches, not a scan."""
        p = {"a": to_db(since), "b": to_db(until), "limit": CROSSINGS_LIMIT}
        rows = self._q(
            """
            SELECT t.id, t.next_clock, 'breached', s.name, t.risk_at <= :a FROM tickets t
            JOIN sites s ON s.id = t.site_id
            WHERE t.is_open = 1 AND t.due_at > :a AND t.due_at <= :b
            UNION ALL
            SELECT t.id, t.next_clock, 'at_risk', s.name, 0 FROM tickets t JOIN sites s ON s.id = t.site_id
            WHERE t.is_open = 1 AND t.risk_at > :a AND t.risk_at <= :b
            LIMIT :limit
            """,
            p,
        )
        seen: dict[int, Crossing] = {}
        for r in rows:  # a ticket that crossed both in one poll is reported as breached
            if r[0] not in seen or r[2] == "breached":
                seen[r[0]] = Crossing(ticket_id=r[0], clock=r[1], state=r[2], site_name=r[3], was_at_risk=bool(r[4]))
        return sorted(seen.values(), key=lambda c: c.ticket_id)

    # ---------------------------------------------------------- bulk/admin
    def check(self) -> list[str]:
        with self._lock:
            try:
                return quick_check(self.conn)
            except sqlite3.DatabaseError as exc:
                raise explain(self.path, exc) from None

    def schema_version(self) -> int:
        return self._q("PRAGMA user_version")[0][0]

    def stats(self) -> dict[str, int]:
        tables = ("sites", "equipment", "teams", "technicians", "tickets", "events")
        return {t: self._q(f"SELECT COUNT(*) FROM {t}")[0][0] for t in tables}

    def load(self, action: str, data: dict[str, list[dict[str, Any]]], note: dict[str, Any]) -> None:
        """Bulk insert of already-consistent rows (demo, later CSV import) in one
        transaction; tickets get their derived SLA fields here. Rows named
        'events' are audit history and are appended as they are."""
        policy, cal = self.policy(), self.calendar()
        db = wrap(self.conn)
        with self._write(action):
            for table in ("sites", "teams", "technicians", "equipment"):
                if data.get(table):
                    db[table].insert_all(data[table], batch_size=2000)
            pauses: dict[int, list[Pause]] = {}
            for p in data.get("pauses", []):
                pauses.setdefault(p["ticket_id"], []).append(Pause(from_db(p["started_at"]), from_db(p["ended_at"])))  # type: ignore[arg-type]
            if data.get("tickets"):
                def rows() -> Iterator[dict[str, Any]]:
                    for t in data["tickets"]:
                        yield {**t, **derive(t, pauses.get(t["id"], []), policy, cal)}
                db["tickets"].insert_all(rows(), batch_size=2000)
            if data.get("pauses"):
                db["pauses"].insert_all(data["pauses"], batch_size=2000)
            if data.get("events"):
                db["events"].insert_all(data["events"], batch_size=2000)
            self._event(action, "database", None, None, {}, note)

    def max_ticket_id(self) -> int:
        return self._q("SELECT COALESCE(MAX(id), 0) FROM tickets")[0][0]

    # ------------------------------------------------------ the file itself
    def file_state(self) -> str | None:
        """None while the path still names the file we opened; "replaced" when
        it names another file, "deleted" when it names none. One stat() call."""
        now = file_identity(self.path)
        if now == self._identity:
            return None
        return "deleted" if now is None else "replaced"

    def check_file(self) -> None:
        state = self.file_state()
        if state is not None:
            raise FileReplaced(self.path, deleted=state == "deleted")

    def reopen(self) -> Store:
        """A fresh Store on the same path (same actor and clock): the file that
        is there now. Raises DatabaseFileError if it is gone or unusable; this
        store stays open, so the caller closes it once the new one works
        (SQLite neither checkpoints nor deletes anything when closing a moved file)."""
        if self.file_state() is not None and file_identity(self.path) is not None:
            self._drop_old_journal()
        return Store(self.path, actor=self.actor, clock=self.clock, busy_timeout_ms=self.busy_timeout_ms)

    def _drop_old_journal(self) -> None:
        """A file put in place with os.replace leaves the old database's -wal and
        -shm beside it, and SQLite would read the old pages from them into the
        new file. Remove only those this connection still holds open (same
        device and inode), which no other file can be using."""
        with self._lock:
            for sfx, ident in self._journal.items():
                journal = Path(f"{self.path}{sfx}")
                if ident is not None and file_identity(journal) == ident:
                    journal.unlink(missing_ok=True)

    # ------------------------------------------------------------- money
    def _check_money_settings(self) -> None:
        """Like _check_settings: a damaged value is a one-line file error now."""
        try:
            check_currency(self.setting("currency", DEFAULT_CURRENCY))
            check_fee_confirm_above(self.setting("fee_confirm_above", DEFAULT_FEE_CONFIRM_ABOVE))
        except ValueError as exc:
            self.conn.close()
            raise DatabaseFileError(
                _("{path} has a damaged setting ({detail}); fix it with 'dispatch set' or restore a backup").format(
                    path=self.path, detail=exc)) from None

    @property
    def currency(self) -> str:
        """The symbol written before amounts (setting ``currency``, default ¥)."""
        return check_currency(self.setting("currency", DEFAULT_CURRENCY))

    def format_money(self, amount: Decimal) -> str:
        """An amount for display: the currency symbol, digits grouped, two decimals ("¥1,200.50")."""
        sign = "-" if amount < 0 else ""
        return f"{sign}{self.currency}{abs(amount):,.2f}"

    @property
    def fee_confirm_above(self) -> Decimal:
        """Fees above this ask the user to confirm (setting ``fee_confirm_above``, default 5000)."""
        return check_fee_confirm_above(self.setting("fee_confirm_above", DEFAULT_FEE_CONFIRM_ABOVE))

    def parse_fee(self, value: Any) -> Decimal | None:
        """A fee as the close form would save it, or ValidationFailed on "fee"."""
        try:
            return parse_fee(value)
        except ValueError as exc:
            raise ValidationFailed.one("fee", str(exc)) from None

    def fee_needs_confirm(self, fee: Decimal | str | None) -> bool:
        """Whether this fee is above ``fee_confirm_above`` (blank or bad: no)."""
        try:
            amount = parse_fee(fee)
        except ValueError:
            return False
        return amount is not None and amount > self.fee_confirm_above


# ------------------------------------------------------------------ helpers
def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _technician(r: sqlite3.Row) -> Technician:
    d = dict(r)
    d["skills"] = tuple(json.loads(d.get("skills") or "[]"))
    d["on_duty"] = bool(d["on_duty"])
    return Technician(**d)


def _ticket(r: sqlite3.Row) -> Ticket:
    d = dict(r)
    for k in TIME_FIELDS:
        d[k] = from_db(d.get(k))
    fee = d.pop("fee_cents", None)
    d["fee"] = None if fee is None else Decimal(fee) / 100
    return Ticket(**{k: v for k, v in d.items() if k in Ticket.model_fields})


def _queue_row(r: sqlite3.Row) -> QueueRow:
    d = dict(r)
    due, risk = from_db(d["due_at"]), from_db(d["risk_at"])
    d.update(due_at=due, risk_at=risk, due_ts=due.timestamp() if due else None,
             risk_ts=risk.timestamp() if risk else None)
    return QueueRow.model_construct(**d)


def _event_model(r: sqlite3.Row) -> Event:
    d = dict(r)
    return Event(
        id=d["id"], at=from_db(d["at"]), actor=d["actor"], action=d["action"],  # type: ignore[arg-type]
        ticket_id=d["ticket_id"], old=json.loads(d["old"] or "{}"), new=json.loads(d["new"] or "{}"),
    )
