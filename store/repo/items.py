"""Improvement items (docs/rules.md §6): opened by an unsatisfied phone callback
(the callbacks repo calls ``open_item`` inside its own write) or by a
complaint; worked by the team's foreman, confirmed or sent back by a manager
at the fault-analysis meeting. Every change is optimistic (versions) and
audited; states and words are in store/rules/improve.py."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any

import pendulum
from pendulum import DateTime

from ..context import Context
from ..database import Database, Tx
from ..errors import NotFound, ValidationFailed
from ..i18n import _
from ..rules import improve
from ..rules.evaluations import day_start_utc
from ..rules.improve import HistoryLine, Item, StaleRecord
from ..text import clean
from ..timeutil import from_db, to_db
from .settings import SettingsRepo

_ITEM_SELECT = """
SELECT i.*, teams.name AS team_name, tech.name AS technician_name
FROM improvement_items i
JOIN teams ON teams.id = i.team_id
JOIN tickets t ON t.id = i.ticket_id
LEFT JOIN technicians tech ON tech.id = t.technician_id
"""
TEXT_MAX = 4000


def _text(field: str, value: str | None, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed.one(field, _("required"))
    if len(text) > TEXT_MAX:
        raise ValidationFailed.one(field, _("at most {n} characters").format(n=TEXT_MAX))
    return text


class ItemsRepo:
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo):
        self.db, self.ctx, self.settings = db, ctx, settings

    # ------------------------------------------------------------ reading
    def meeting_day(self) -> int:
        return int(self.settings.setting("meeting_day", improve.DEFAULT_MEETING_DAY))

    def _today(self) -> str:
        return self.ctx.now().in_timezone(self.settings.timezone).date().isoformat()

    def _item(self, r: sqlite3.Row, today: str) -> Item:
        d = dict(r)
        return Item(
            id=d["id"], ticket_id=d["ticket_id"], team_id=d["team_id"], team_name=d["team_name"] or "",
            technician_name=d["technician_name"] or "", foreman=d["foreman"], source=d["source"],
            source_id=d["source_id"], opened_at=from_db(d["opened_at"]),
            due_date=pendulum.Date.fromisoformat(d["due_date"]), state=d["state"],
            weak_points=d["weak_points"], measures=d["measures"], sent_back_reason=d["sent_back_reason"],
            confirmed_by=d["confirmed_by"], confirmed_at=from_db(d["confirmed_at"]), version=d["version"],
            overdue=d["state"] != "confirmed" and d["due_date"] < today)

    def find(self, team_id: int | None = None, state: str | None = None, month: str | None = None,
              overdue: bool | None = None, login: str | None = None, opened: tuple[date, date] | None = None,
              ) -> list[Item]:
        """Items, overdue first then by due date. ``month`` ('YYYY-MM'): due at
        that month's meeting. ``opened``: opened on the local days first ≤ day <
        end (the period rule of the month workbook and ``dispatch export items``).
        ``login``: the items that user looks after (items_for)."""
        where: list[str] = []
        params: list[Any] = []
        today = self._today()
        if team_id is not None:
            where.append("i.team_id = ?")
            params.append(team_id)
        if state is not None:
            if state == "sent_back":
                where.append("i.state = 'proposed' AND i.sent_back_reason IS NOT NULL")
            else:
                where.append("i.state = ?")
                params.append(state)
        if month:
            start, end = improve.month_bounds(month)
            where.append("i.due_date >= ? AND i.due_date < ?")
            params += [start, end]
        if opened is not None:
            tz = self.settings.timezone
            where.append("i.opened_at >= ? AND i.opened_at < ?")
            params += [to_db(day_start_utc(opened[0], tz)), to_db(day_start_utc(opened[1], tz))]
        if overdue is not None:
            where.append("(i.state != 'confirmed' AND i.due_date < ?) = ?")
            params += [today, int(overdue)]
        if login is not None:
            scope, more = self._scope(login)
            where.append(scope)
            params += more
        sql = _ITEM_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY (i.state != 'confirmed' AND i.due_date < ?) DESC, i.state = 'confirmed', i.due_date, i.id"
        return [self._item(r, today) for r in self.db.q(sql, [*params, today])]

    def _scope(self, login: str) -> tuple[str, list[Any]]:
        """Whose items a user looks after: a foreman their team's, a manager all, others none."""
        rows = self.db.q("SELECT role, team_id FROM users WHERE login = ? AND disabled = 0", (login,))
        if not rows:
            return "i.foreman = ?", [login]
        role, team = rows[0]
        if role == "manager":
            return "1", []
        if role == "foreman":
            return "(i.team_id = ? OR i.foreman = ?)", [team, login]
        return "i.foreman = ?", [login]

    def items_for(self, login: str) -> list[Item]:
        """The items this user looks after that are not yet confirmed."""
        return [i for i in self.find(login=login) if i.state != "confirmed"]

    def overdue_items_count(self, login: str) -> int:
        """For the main screen's header: overdue items this user looks after."""
        scope, params = self._scope(login)
        return int(self.db.q(
            "SELECT count(*) FROM improvement_items i WHERE i.state != 'confirmed' AND i.due_date < ? AND " + scope,
            [self._today(), *params])[0][0])

    def item(self, item_id: int) -> Item:
        rows = self.db.q(_ITEM_SELECT + " WHERE i.id = ?", (item_id,))
        if not rows:
            raise NotFound(_("No improvement item #{id}").format(id=item_id))
        return self._item(rows[0], self._today())

    def item_history(self, item_id: int) -> list[HistoryLine]:
        """The item's audit events in words, oldest first."""
        self.item(item_id)
        rows = self.db.q("SELECT at, actor, action, new FROM events WHERE entity = 'item' AND entity_id = ? ORDER BY id",
                       (item_id,))
        return [HistoryLine(at=from_db(r["at"]), actor=r["actor"], text=_item_words(r["action"], json.loads(r["new"] or "{}")))
                for r in rows]

    def closed_tickets_with_team(self, limit: int = 20) -> list[tuple[int, int, DateTime]]:
        """The earliest closed tickets whose technician has a team: (ticket, team, closed at).
        For the demo, which opens items and complaints on them."""
        rows = self.db.q("SELECT t.id, tech.team_id, t.closed_at FROM tickets t JOIN technicians tech"
                       " ON tech.id = t.technician_id WHERE t.status = 'closed' ORDER BY t.closed_at, t.id LIMIT ?",
                       (limit,))
        return [(r[0], r[1], from_db(r[2])) for r in rows]

    # ------------------------------------------------------------ opening
    def open_item(self, tx: Tx, *, ticket_id: int, team_id: int, source: str,
                   source_id: int, opened_at: DateTime) -> int:
        """Open an item inside the caller's write transaction (``tx``), owned
        by the team's foreman, due at the meeting of the month after; the
        caller has authorised its own action. Returns the item id."""
        if source not in ("callback", "complaint"):
            raise ValueError(f"unknown item source {source!r}")
        found = tx.execute("SELECT id FROM improvement_items WHERE source = ? AND source_id = ?",
                             (source, source_id)).fetchone()
        if found:
            return int(found[0])  # one item per callback or complaint
        foreman = tx.execute(
            "SELECT login FROM users WHERE role = 'foreman' AND team_id = ? AND disabled = 0 ORDER BY login LIMIT 1",
            (team_id,)).fetchone()
        due = improve.due_date(opened_at, self.settings.timezone, self.meeting_day())
        cur = tx.execute(
            "INSERT INTO improvement_items (ticket_id, team_id, foreman, source, source_id, opened_at, due_date)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (ticket_id, team_id, foreman[0] if foreman else None, source, source_id, to_db(opened_at),
             due.isoformat()))
        item_id = int(cur.lastrowid)  # type: ignore[arg-type]
        tx.event("item.open", "item", item_id, ticket_id, {}, {
            "state": "open", "team_id": team_id, "foreman": foreman[0] if foreman else None,
            "source": source, "source_id": source_id, "due_date": due.isoformat()}, at=opened_at)
        return item_id

    def open_seeded(self, ticket_id: int, team_id: int, source_id: int, opened_at: DateTime) -> int:
        """An item on a closed ticket with no callback record behind it, in a
        write of its own ("demo.items": managers only): for a demo file, whose
        callbacks are loaded in bulk. Returns the item id."""
        with self.db.write("demo.items") as tx:
            return self.open_item(tx, ticket_id=ticket_id, team_id=team_id, source="callback",
                                  source_id=source_id, opened_at=opened_at)

    # ------------------------------------------------------------ moving
    def _move_item(self, action: str, item_id: int, version: int, fields: dict[str, Any]) -> Item:
        """One state change: authorise (foremen: their team's), check the version and the state, audit."""
        team = self.db.q("SELECT team_id FROM improvement_items WHERE id = ?", (item_id,))
        if not team:
            raise NotFound(_("No improvement item #{id}").format(id=item_id))
        with self.db.write(f"item.{action}", team_id=team[0][0]) as tx:
            row = dict(tx.execute("SELECT * FROM improvement_items WHERE id = ?", (item_id,)).fetchone())
            if row["version"] != version:
                last = tx.execute("SELECT actor, at FROM events WHERE entity = 'item' AND entity_id = ?"
                                    " ORDER BY id DESC LIMIT 1", (item_id,)).fetchone()
                raise StaleRecord(_("Improvement item"), item_id, last[0] if last else "?",
                                  from_db(last[1]) if last else None, row["version"], self.settings.timezone)
            new = {"state": improve.check_item_move(action, row["state"]), **fields}
            sets = ", ".join(f"{k} = ?" for k in new)
            tx.execute(f"UPDATE improvement_items SET {sets}, version = version + 1 WHERE id = ?",
                         [*new.values(), item_id])
            tx.event(f"item.{action}", "item", item_id, row["ticket_id"],
                        {k: row[k] for k in new}, new)
        return self.item(item_id)

    def item_follow_up(self, item_id: int, version: int, weak_points: str) -> Item:
        """The foreman's visit to the reporter: the weak points found."""
        return self._move_item("follow_up", item_id, version, {"weak_points": _text("weak_points", weak_points)})

    def item_propose(self, item_id: int, version: int, measures: str) -> Item:
        return self._move_item("propose", item_id, version, {"measures": _text("measures", measures)})

    def item_submit(self, item_id: int, version: int) -> Item:
        return self._move_item("submit", item_id, version, {})

    def item_confirm(self, item_id: int, version: int) -> Item:
        """A manager, at the fault-analysis meeting."""
        return self._move_item("confirm", item_id, version,
                               {"confirmed_by": self.ctx.actor, "confirmed_at": to_db(self.ctx.now())})

    def item_send_back(self, item_id: int, version: int, reason: str) -> Item:
        """A manager, at the meeting: back to measures proposed, with the reason."""
        return self._move_item("send_back", item_id, version, {"sent_back_reason": _text("reason", reason)})


def _item_words(action: str, new: dict[str, Any]) -> str:
    """One history line: what happened to the item, in words."""
    def one(key: str) -> str:
        return clean(str(new.get(key) or ""), single_line=True)

    if action == "item.open":
        return _("opened from {source} #{id}, due {due}, owner {owner}").format(
            source=improve.source_label(new.get("source", "")), id=new.get("source_id"),
            due=new.get("due_date"), owner=one("foreman") or _("no foreman user"))
    if action == "item.follow_up":
        return _("follow-up done; weak points: {text}").format(text=one("weak_points"))
    if action == "item.propose":
        return _("measures proposed: {text}").format(text=one("measures"))
    if action == "item.submit":
        return _("submitted for the meeting")
    if action == "item.confirm":
        return _("confirmed at the meeting")
    if action == "item.send_back":
        return _("sent back: {text}").format(text=one("sent_back_reason"))
    return action
