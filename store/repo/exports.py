"""The rows the workbooks and the CSV/JSON exports write (store/transfer/
workbooks.py lays them out): the day's fault statistics (docs/rules.md §5), the
tickets of a range, and one unsatisfied callback's form. Plain dicts of
plain values, read on the read connections in pages so a long export can
show its progress."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from ..base import StoreBase
from ..errors import NotFound
from ..evaluations import day_start_utc
from ..i18n import _
from ..timeutil import to_db

DAILY_SELECT = """
SELECT t.id, t.priority, t.reported_at, t.closed_at, s.name AS site, COALESCE(e.asset_tag, '') AS asset,
  t.category, t.reporter, t.phone, t.description, COALESCE(tech.name, '') AS technician,
  COALESCE(teams.name, '') AS team, tech.team_id, t.technician_id,
  COALESCE(t.symptom, '') AS symptom, COALESCE(t.cause, '') AS cause, COALESCE(t.action, '') AS action,
  COALESCE(t.parts, '') AS parts,
  se.score AS foreman_score, COALESCE(se.comment, '') AS foreman_comment, COALESCE(se.suggestion, '') AS foreman_suggestion,
  se.rating AS foreman_rating,
  CASE WHEN c.role = 'dispatcher' THEN c.score END AS dispatcher_score,
  CASE WHEN c.role = 'dispatcher' THEN c.notes ELSE '' END AS dispatcher_notes,
  CASE WHEN c.role = 'manager' THEN COALESCE(u.name, c.evaluator) ELSE '' END AS manager,
  CASE WHEN c.role = 'manager' THEN c.score END AS manager_score,
  CASE WHEN c.role = 'manager' THEN c.notes ELSE '' END AS manager_notes,
  c.status AS call_status, c.rating AS call_rating, COALESCE(c.impolite_note, '') AS impolite_note,
  COALESCE(i.weak_points, '') AS weak_points, COALESCE(i.measures, '') AS measures
FROM tickets t
JOIN sites s ON s.id = t.site_id
LEFT JOIN equipment e ON e.id = t.equipment_id
LEFT JOIN technicians tech ON tech.id = t.technician_id
LEFT JOIN teams ON teams.id = tech.team_id
LEFT JOIN self_evaluations se ON se.ticket_id = t.id
LEFT JOIN callbacks c ON c.ticket_id = t.id
LEFT JOIN users u ON u.login = c.evaluator
LEFT JOIN improvement_items i ON i.source = 'callback' AND i.source_id = c.id
"""

TICKET_COLUMNS = ("id", "status", "priority", "channel", "reported_at", "reporter", "phone", "site", "asset",
                  "category", "description", "technician", "team", "first_response_at", "arrived_at", "resolved_at",
                  "closed_at", "cancelled_at", "symptom", "cause", "action", "parts", "repeat_of")


class ExportsRepo(StoreBase):
    def _utc_range(self, first: date, end: date) -> tuple[str, str]:
        tz = self.timezone  # type: ignore[attr-defined]
        return to_db(day_start_utc(first, tz)) or "", to_db(day_start_utc(end, tz)) or ""

    def daily_rows(self, first: date, end: date) -> list[dict[str, Any]]:
        """Tickets closed on the local days ``first`` ≤ day < ``end``, one row
        each, with their evaluations (the daily fault-statistics workbook)."""
        s, e = self._utc_range(first, end)
        rows = self._q(DAILY_SELECT + " WHERE t.closed_at >= ? AND t.closed_at < ? AND t.status = 'closed'"
                       " ORDER BY teams.name, tech.name, t.id", (s, e))
        out = []
        for r in rows:
            d = dict(r)
            scores = [v for v in (d["foreman_score"], d["dispatcher_score"], d["manager_score"]) if v is not None]
            d["total"] = sum(scores) if scores else None
            out.append(d)
        return out

    def count_tickets(self, first: date, end: date) -> int:
        s, e = self._utc_range(first, end)
        return int(self._q("SELECT count(*) FROM tickets WHERE reported_at >= ? AND reported_at < ?", (s, e))[0][0])

    def ticket_rows(self, first: date, end: date, page: int = 5000) -> Iterator[list[dict[str, Any]]]:
        """Tickets reported on the local days ``first`` ≤ day < ``end``, by id, a page at a time."""
        s, e = self._utc_range(first, end)
        after = 0
        while True:
            rows = self._q(
                "SELECT t.id, t.status, t.priority, t.channel, t.reported_at, t.reporter, t.phone, s.name AS site,"
                " COALESCE(e.asset_tag, '') AS asset, t.category, t.description, COALESCE(tech.name, '') AS technician,"
                " COALESCE(teams.name, '') AS team, t.first_response_at, t.arrived_at, t.resolved_at, t.closed_at,"
                " t.cancelled_at, t.symptom, t.cause, t.action, t.parts, t.repeat_of"
                " FROM tickets t JOIN sites s ON s.id = t.site_id LEFT JOIN equipment e ON e.id = t.equipment_id"
                " LEFT JOIN technicians tech ON tech.id = t.technician_id LEFT JOIN teams ON teams.id = tech.team_id"
                " WHERE t.reported_at >= ? AND t.reported_at < ? AND t.id > ? ORDER BY t.id LIMIT ?",
                (s, e, after, page))
            if not rows:
                return
            yield [dict(r) for r in rows]
            after = rows[-1][0]

    def callback_form(self, ticket_id: int) -> dict[str, Any]:
        """What the unsatisfied-callback form shows for one ticket."""
        rows = self._q(DAILY_SELECT + " WHERE t.id = ?", (ticket_id,))
        if not rows:
            raise NotFound(_("No ticket #{id}").format(id=ticket_id))
        d = dict(rows[0])
        extra = self._q("SELECT c.notes, c.logged_at, COALESCE(u.name, c.evaluator) FROM callbacks c"
                        " LEFT JOIN users u ON u.login = c.evaluator WHERE c.ticket_id = ?", (ticket_id,))
        d["call_notes"], d["called_at"], d["called_by"] = tuple(extra[0]) if extra else ("", None, "")
        foreman = self._q("SELECT u.name FROM users u WHERE u.role = 'foreman' AND u.team_id = ? AND u.disabled = 0"
                          " ORDER BY u.login LIMIT 1", (d["team_id"],))
        d["foreman"] = foreman[0][0] if foreman else ""
        return d
