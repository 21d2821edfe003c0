"""The rows the workbooks and the CSV/JSON exports write (store/transfer/
workbooks.py lays them out): the day's fault statistics (docs/rules.md §5), the
data exports of a period (tickets, technicians, evaluations, improvement
items; their SQL in export_rows.py), and one unsatisfied callback's form.
Plain dicts of plain values, read on the read connections in pages so a
long export can show its progress."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from ..context import Context
from ..database import Database
from ..errors import NotFound, RuleViolation
from ..i18n import _
from ..rules.evaluations import day_start_utc
from ..timeutil import to_db
from .export_rows import COLUMNS, SQL, ExportFilter, finish
from .settings import SettingsRepo

DAILY_SELECT = """
SELECT t.id, t.priority, t.reported_at, t.closed_at, s.name AS site, COALESCE(e.asset_tag, '') AS asset,
  t.category, t.reporter, t.phone, t.description, COALESCE(tech.name, '') AS technician,
  COALESCE(teams.name, '') AS team, tech.team_id, t.technician_id,
  COALESCE(t.symptom, '') AS symptom, COALESCE(t.cause, '') AS cause, COALESCE(t.action, '') AS action,
  COALESCE(t.parts, '') AS parts, COALESCE(t.signoff, '') AS signoff, t.fee_cents,
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

TICKET_COLUMNS = COLUMNS["tickets"]


class ExportsRepo:
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo):
        self.db, self.ctx, self.settings = db, ctx, settings

    def _utc_range(self, first: date, end: date) -> tuple[str, str]:
        tz = self.settings.timezone
        return to_db(day_start_utc(first, tz)) or "", to_db(day_start_utc(end, tz)) or ""

    def daily_rows(self, first: date, end: date) -> list[dict[str, Any]]:
        """Tickets closed on the local days ``first`` ≤ day < ``end``, one row
        each, with their evaluations (the daily fault-statistics workbook)."""
        s, e = self._utc_range(first, end)
        rows = self.db.q(DAILY_SELECT + " WHERE t.closed_at >= ? AND t.closed_at < ? AND t.status = 'closed'"
                       " ORDER BY teams.name, tech.name, t.id", (s, e))
        out = []
        for r in rows:
            d = dict(r)
            scores = [v for v in (d["foreman_score"], d["dispatcher_score"], d["manager_score"]) if v is not None]
            d["total"] = sum(scores) if scores else None
            out.append(d)
        return out

    def count_tickets(self, first: date, end: date) -> int:
        return self.export_count("tickets", ExportFilter(first, end))

    def ticket_rows(self, first: date, end: date, page: int = 5000) -> Iterator[list[dict[str, Any]]]:
        """Tickets reported on the local days ``first`` ≤ day < ``end``, by id, a page at a time."""
        return self.export_pages("tickets", ExportFilter(first, end), page)

    def _export_params(self, f: ExportFilter) -> dict[str, Any]:
        s, e = self._utc_range(f.first, f.end)
        today = self.ctx.now().in_timezone(self.settings.timezone).date().isoformat()
        return {**f.params(), "s": s, "e": e, "today": today, "currency": self.settings.currency}

    def export_count(self, kind: str, f: ExportFilter) -> int:
        """How many rows ``export_pages`` gives (for the progress bar)."""
        return int(self.db.q(SQL[kind][1], self._export_params(f))[0][0])

    def export_pages(self, kind: str, f: ExportFilter, page: int = 5000) -> Iterator[list[dict[str, Any]]]:
        """The rows of one export kind (store/repo/export_rows.py), ``page`` at a
        time: plain values, times as stored (UTC text)."""
        if kind not in SQL:
            raise ValueError(kind)
        p = {**self._export_params(f), "after": 0, "after_ord": -1, "page": page}
        while True:
            rows = self.db.q(SQL[kind][0], p)
            if not rows:
                return
            last = dict(rows[-1])
            p["after"], p["after_ord"] = last.get("ticket_id" if kind in ("evaluations", "fees") else "id"), last.get("ord", -1)
            yield [finish(kind, dict(r)) for r in rows]
            if len(rows) < page:
                return

    def callback_form(self, ticket_id: int) -> dict[str, Any]:
        """What the unsatisfied-callback form shows for one ticket."""
        rows = self.db.q(DAILY_SELECT + " WHERE t.id = ?", (ticket_id,))
        if not rows:
            raise NotFound(_("No ticket #{id}").format(id=ticket_id))
        d = dict(rows[0])
        # The form is for the foreman's visit after an unsatisfied answer: a
        # ticket without one has nothing to take to the reporter.
        extra = self.db.q("SELECT c.notes, c.logged_at, COALESCE(u.name, c.evaluator) FROM callbacks c"
                        " LEFT JOIN users u ON u.login = c.evaluator WHERE c.ticket_id = ? AND c.status = 'done'"
                        " AND c.rating = 'unsatisfied' ORDER BY c.logged_at, c.id LIMIT 1", (ticket_id,))
        if not extra:
            raise RuleViolation(_("Ticket #{id} has no unsatisfied callback answer; the form is only for those").format(
                id=ticket_id))
        d["call_notes"], d["called_at"], d["called_by"] = tuple(extra[0])
        foreman = self.db.q("SELECT u.name FROM users u WHERE u.role = 'foreman' AND u.team_id = ? AND u.disabled = 0"
                          " ORDER BY u.login LIMIT 1", (d["team_id"],))
        d["foreman"] = foreman[0][0] if foreman else ""
        return d
