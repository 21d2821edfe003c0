"""The shift handed over (docs/rules.md "Handing over a shift"): the facts of
a period read from the tables and the audit events (store/rules/handover.py
groups and orders them), and the note left at the end of a shift with who
has opened it (migration 0024).

The report is reads only, on the read connection. The note and "seen" are
one audited write each, replayed by ``dispatch check`` (store/rules/ledger.py)."""

from __future__ import annotations

from typing import Any

from pendulum import DateTime

from ..context import Context
from ..database import Database
from ..errors import PermissionDenied, ValidationFailed
from ..i18n import _
from ..models import Out
from ..rules import handover as rules
from ..timeutil import from_db, to_db, zone
from .settings import SettingsRepo

NOTE_MAX = 4000
NOTE_FRESH_H = 24  # a note older than this is no longer shown at sign-in


class Line(Out):
    ticket: int
    at: DateTime | None = None
    text: str  # in words, the site's zone, cleaned to one line


class Group(Out):
    key: str
    title: str
    total: int  # lines in the group; at most rules.LIMIT are listed
    action: bool
    lines: list[Line]


class Note(Out):
    id: int
    at: DateTime
    by: str
    since: DateTime
    body: str
    items: int


class Handover(Out):
    since: DateTime
    until: DateTime
    groups: list[Group]
    note: Note | None = None  # the newest note left in the period

    @property
    def items(self) -> int:
        """Lines someone must act on."""
        return sum(g.total for g in self.groups if g.action)


_LIMIT = f" LIMIT {rules.LIMIT}"


class HandoverRepo:
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo):
        self.db, self.ctx, self.settings = db, ctx, settings

    # ----------------------------------------------------------- the report
    def shift_start(self, login: str | None = None) -> DateTime:
        """When ``login``'s shift began (default: the signed-in person), by
        store/rules/handover.py ``shift_start``."""
        now = self.ctx.now()
        skip = ", ".join("?" * len(rules.AUTOMATIC))
        first = self.db.value(f"SELECT min(at) FROM events WHERE actor = ? AND at >= ? AND at <= ? AND action NOT IN ({skip})",
                              (login or self.ctx.actor, to_db(now.subtract(hours=rules.LOOK_BACK_H)), to_db(now),
                               *rules.AUTOMATIC))
        return rules.shift_start(now, from_db(first) if first else None)

    def report(self, since: DateTime | None = None) -> Handover:
        """What changed since ``since`` (default: the shift's start) and what is
        open now, in groups, what needs action first."""
        now = self.ctx.now()
        start = (since or self.shift_start()).in_timezone("UTC")
        s, n = to_db(start), to_db(now)
        tz = zone(self.settings.timezone)  # loaded once: each line's time is shown in it
        today = now.in_timezone(tz).date().isoformat()
        facts: dict[str, tuple[list[dict[str, Any]], int]] = {
            "breached": self._rows(
                "SELECT t.id AS ticket, t.due_at AS at, t.next_clock AS clock, tech.name AS who FROM tickets t"
                " LEFT JOIN technicians tech ON tech.id = t.technician_id"
                " WHERE t.is_open = 1 AND t.status != 'waiting' AND t.due_at <= ?", (n,), "t.due_at"),
            "escalated": self._rows(
                "SELECT e.ticket_id AS ticket, e.fired_at AS at, e.clock, e.level FROM escalations e"
                " JOIN tickets t ON t.id = e.ticket_id WHERE e.acknowledged_at IS NULL AND t.is_open = 1", (),
                "e.fired_at"),
            "off_duty": self._rows(
                "SELECT t.id AS ticket, max(e.at) AS at, tech.name AS who FROM events e"
                " JOIN technicians tech ON tech.id = e.entity_id AND tech.on_duty = 0"
                " JOIN tickets t ON t.technician_id = tech.id AND t.is_open = 1"
                " WHERE e.action = 'technician.duty' AND e.at >= ? AND json_extract(e.new, '$.on_duty') = 0"
                " GROUP BY t.id", (s,), "at"),
            "unreached": self._rows(
                "SELECT ticket_id AS ticket, coalesce(logged_at, due_day) AS at, evaluator AS who, attempts"
                " FROM callbacks WHERE (status = 'unreachable' AND logged_at >= ?) OR (status = 'open' AND attempts > 0)",
                (s,), "at"),
            "promised": self._rows(
                "SELECT ticket_id AS ticket, due_day AS at, due_day AS day, evaluator AS who, carry_reason AS text"
                " FROM callbacks WHERE status = 'open' AND attempts = 0"
                " AND (carry_reason IS NOT NULL OR due_day < ?)", (today,), "due_day"),
            "waiting": self._rows(
                "SELECT t.id AS ticket, p.started_at AS at, t.wait_reason AS reason, p.note AS text FROM tickets t"
                " LEFT JOIN pauses p ON p.ticket_id = t.id AND p.ended_at IS NULL"
                " WHERE t.is_open = 1 AND t.status = 'waiting'", (), "p.started_at"),
            "notes": self._rows(
                "SELECT ticket_id AS ticket, at, actor AS who, json_extract(new, '$.note') AS text FROM events"
                " WHERE action = 'ticket.note' AND at >= ? AND at <= ? AND ticket_id IS NOT NULL", (s, n), "at DESC"),
            "acknowledged": self._rows(
                "SELECT ticket_id AS ticket, acknowledged_at AS at, clock, level, acknowledged_by AS who, note AS text"
                " FROM escalations WHERE acknowledged_at >= ? AND acknowledged_at <= ?", (s, n), "acknowledged_at DESC"),
            "opened": self._rows(
                "SELECT id AS ticket, reported_at AS at, created_by AS who, description AS text FROM tickets"
                " WHERE reported_at >= ? AND reported_at <= ?", (s, n), "reported_at DESC"),
            "closed": self._rows(
                "SELECT e.ticket_id AS ticket, max(e.at) AS at, e.actor AS who FROM events e"
                " JOIN tickets t ON t.id = e.ticket_id AND t.status = 'closed'"
                " WHERE e.action = 'ticket.close' AND e.at >= ? AND e.at <= ? GROUP BY e.ticket_id", (s, n), "at DESC"),
        }
        groups = []
        for key, _title in rules.GROUPS:
            rows, total = facts[key]
            lines = []
            for r in rules.order(key, rows):
                at = self._time(r.get("at"))
                local = at.in_timezone(tz).strftime("%m-%d %H:%M") if at is not None else ""
                lines.append(Line(ticket=int(str(r["ticket"])), at=at, text=rules.words(key, r, local, now, at)))
            groups.append(Group(key=key, title=rules.title(key), total=total, action=key in rules.ACTION, lines=lines))
        note = self.db.one("SELECT * FROM handover_notes WHERE at >= ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1",
                           (s, n))
        return Handover(since=start, until=now, groups=groups, note=_note(note) if note else None)

    def _rows(self, sql: str, params: tuple[Any, ...], order: str) -> tuple[list[dict[str, Any]], int]:
        """The group's first rules.LIMIT rows (in ``order``) and how many there are."""
        rows = [dict(r) for r in self.db.q(f"{sql} ORDER BY {order}{_LIMIT}", params)]
        total = len(rows) if len(rows) < rules.LIMIT else int(self.db.value(f"SELECT count(*) FROM ({sql})", params))
        return rows, total

    @staticmethod
    def _time(value: Any) -> DateTime | None:
        if not value:
            return None
        text = str(value)
        if len(text) == 10:  # a day (a callback's due day): its start
            text += "T00:00:00Z"
        return from_db(text)

    # ------------------------------------------------------------- the note
    def leave_note(self, body: str, since: DateTime | None = None) -> Note:
        """The note left at the end of a shift, with the number of lines that
        need action now; one audited write (dispatchers, foremen, managers)."""
        text = (body or "").strip()
        if not text:
            raise ValidationFailed.one("body", _("required"))
        if len(text) > NOTE_MAX:
            raise ValidationFailed.one("body", _("at most {n} characters").format(n=NOTE_MAX))
        if self.db.read_only:
            self.db.refuse_write()
        report = self.report(since)
        with self.db.write("self.handover_note") as tx:
            now = self.ctx.now()
            row = {"at": to_db(now), "by": self.ctx.actor, "since": to_db(report.since), "body": text,
                   "items": report.items}
            cur = tx.execute("INSERT INTO handover_notes (at, by, since, body, items) VALUES (?, ?, ?, ?, ?)",
                             tuple(row.values()))
            note_id = int(cur.lastrowid or 0)
            tx.event("self.handover_note", "handover_note", note_id, None, {}, row, at=now)
        return Note(id=note_id, at=from_db(to_db(now)), by=self.ctx.actor, since=report.since, body=text,
                    items=report.items)

    def waiting_note(self) -> Note | None:
        """The newest note someone else left in the last NOTE_FRESH_H hours
        that the signed-in person has not opened, or None."""
        now = self.ctx.now()
        row = self.db.one(
            "SELECT n.* FROM handover_notes n WHERE n.at >= ? AND n.by != ? ORDER BY n.at DESC, n.id DESC LIMIT 1",
            (to_db(now.subtract(hours=NOTE_FRESH_H)), self.ctx.actor))
        if row is None or self.db.one("SELECT 1 FROM handover_seen WHERE note_id = ? AND login = ?",
                                      (row["id"], self.ctx.actor)) is not None:
            return None
        return _note(row)

    def note(self, note_id: int) -> Note | None:
        row = self.db.one("SELECT * FROM handover_notes WHERE id = ?", (note_id,))
        return _note(row) if row else None

    def mark_seen(self, note_id: int) -> bool:
        """Record that the signed-in person opened note ``note_id`` (once;
        False when already recorded). Nothing is written from a console that
        cannot write (a viewer's): the header then keeps the note for the session."""
        if self.db.read_only:
            raise PermissionDenied(_("This console is read-only; the note stays marked new"))
        with self.db.write("self.handover_seen") as tx:
            if tx.execute("SELECT 1 FROM handover_notes WHERE id = ?", (note_id,)).fetchone() is None:
                raise ValidationFailed.one("note", _("No handover note {id}").format(id=note_id))
            if tx.execute("SELECT 1 FROM handover_seen WHERE note_id = ? AND login = ?",
                          (note_id, self.ctx.actor)).fetchone():
                return False
            now = self.ctx.now()
            row = {"note_id": note_id, "login": self.ctx.actor, "at": to_db(now)}
            cur = tx.execute("INSERT INTO handover_seen (note_id, login, at) VALUES (?, ?, ?)", tuple(row.values()))
            tx.event("self.handover_seen", "handover_seen", int(cur.lastrowid or 0), None, {}, row, at=now)
        return True


def _note(row: Any) -> Note:
    return Note(id=row["id"], at=from_db(row["at"]), by=row["by"], since=from_db(row["since"]), body=row["body"],
                items=row["items"])


def as_json(h: Handover) -> dict[str, Any]:
    """The report as the CLI's --format json gives it (times in UTC, ISO 8601)."""
    def t(d: DateTime | None) -> str | None:
        return to_db(d) if d is not None else None
    return {
        "since": t(h.since), "until": t(h.until), "items": h.items,
        "groups": [{"key": g.key, "title": g.title, "action": g.action, "total": g.total,
                    "lines": [{"ticket": x.ticket, "at": t(x.at), "text": x.text} for x in g.lines]} for g in h.groups],
        "note": None if h.note is None else {"id": h.note.id, "at": t(h.note.at), "by": h.note.by,
                                             "since": t(h.note.since), "body": h.note.body, "items": h.note.items},
    }


__all__ = ["Group", "Handover", "HandoverRepo", "Line", "Note", "as_json"]
