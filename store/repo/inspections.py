"""Preventive inspections (issue 25, docs/rules.md "Inspections"): plans,
the visits a scheduler run makes, each piece of equipment's checklist, and
a failed item's repair ticket. The rules are store/rules/inspections.py.

A visit is not a ticket: it has its own due date (no fault clocks) and its
own list (the console's Inspections screen), so it never pushes a fault down
the queue. A failed item opens a real fault ticket, linked to the visit by
``inspection_findings`` (the figures then know it was found, not missed).

``run`` is idempotent under any number of processes: it reads and decides
inside its own BEGIN IMMEDIATE write, and the UNIQUE (plan, due) key is the
backstop (INSERT OR IGNORE). Each write has one audit event per row it makes
or changes, replayed by ``dispatch check`` (store/rules/ledger.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from ..context import Context
from ..database import Database, Tx
from ..delivery import check_addresses
from ..errors import NotFound, RuleViolation, ValidationFailed
from ..i18n import LANGUAGES, _
from ..inputs import NewTicket
from ..rules import inspections as rules
from ..rules.improve import StaleRecord
from ..rules.periods import Period
from ..text import clean
from ..timeutil import from_db, to_db
from . import inspection_figures_sql, inspection_notices
from .inspection_figures_sql import InspectionRaw
from .inspection_rows import PlanRow, Recorded, VisitRow, checklists_json, done_at_of, plan_of
from .settings import SettingsRepo
from .tickets import TicketsRepo

_PLAN_SQL = ("SELECT p.*, COALESCE(s.name, es.name || ' · ' || e.asset_tag) AS place, t.name AS team_name"
             " FROM inspection_plans p LEFT JOIN sites s ON s.id = p.site_id"
             " LEFT JOIN equipment e ON e.id = p.equipment_id LEFT JOIN sites es ON es.id = e.site_id"
             " LEFT JOIN teams t ON t.id = p.team_id")
_VISIT_SQL = ("SELECT v.*, COALESCE(s.name, es.name || ' · ' || e.asset_tag) AS place, t.name AS team_name,"
              " p.team_id, (SELECT COUNT(*) FROM inspection_results x WHERE x.visit_id = v.id) AS pieces_done,"
              " (SELECT COALESCE(n.missing, 'told') FROM inspection_notices n WHERE n.visit_id = v.id) AS notice"
              " FROM inspection_visits v JOIN inspection_plans p ON p.id = v.plan_id"
              " LEFT JOIN sites s ON s.id = p.site_id LEFT JOIN equipment e ON e.id = p.equipment_id"
              " LEFT JOIN sites es ON es.id = e.site_id LEFT JOIN teams t ON t.id = p.team_id")


def _plan_row(r: Any) -> PlanRow:
    return PlanRow(plan_of(r), clean(r["place"] or "?", single_line=True), clean(r["team_name"] or "?", single_line=True),
                   from_db(r["retired_at"]) if r["retired_at"] else None, r["version"])


def _plan_columns(plan: rules.Plan) -> dict[str, Any]:
    return {"site_id": plan.site_id, "equipment_id": plan.equipment_id, "every": plan.every, "days": plan.days,
            "starts": plan.starts.isoformat(), "ends": plan.ends.isoformat() if plan.ends else None,
            "team_id": plan.team_id, "notice_days": plan.notice_days, "checklists": checklists_json(plan)}


class InspectionsRepo:
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo, tickets: TicketsRepo):
        self.db, self.ctx, self.settings, self.tickets = db, ctx, settings, tickets

    def today(self) -> date:
        return rules.site_day(self.ctx.now(), self.settings.timezone)

    # ---------------------------------------------------------------- plans
    def plans(self, retired: bool = False) -> list[PlanRow]:
        return [_plan_row(r) for r in self.db.q(
            _PLAN_SQL + ("" if retired else " WHERE p.retired_at IS NULL") + " ORDER BY p.id")]

    def plan(self, plan_id: int) -> PlanRow:
        r = self.db.one(_PLAN_SQL + " WHERE p.id = ?", (plan_id,))
        if r is None:
            raise NotFound(_("No inspection plan {ref}").format(ref=plan_id))
        return _plan_row(r)

    def next_dues(self, plans: list[PlanRow]) -> dict[int, date | None]:
        """Each plan's next visit (rules.next_due): its earliest open visit,
        else the next of its series."""
        made = {int(r[0]): (r[1], r[2]) for r in self.db.q(
            "SELECT plan_id, MIN(CASE WHEN done_at IS NULL THEN due END), MAX(due) FROM inspection_visits GROUP BY plan_id")}
        today, out = self.today(), {}
        for p in plans:
            open_due, last = made.get(p.id, (None, None))
            out[p.id] = rules.next_due(p.plan, today, date.fromisoformat(open_due) if open_due else None,
                                       date.fromisoformat(last) if last else None)
        return out

    def _check_refs(self, tx: Tx, plan: rules.Plan) -> None:
        for table, key, value, words in (("sites", "site_id", plan.site_id, _("no such site")),
                                         ("equipment", "equipment_id", plan.equipment_id, _("no such equipment")),
                                         ("teams", "team_id", plan.team_id, _("no such team"))):
            if value is not None and tx.execute(f"SELECT 1 FROM {table} WHERE id = ? AND retired = 0",
                                                (value,)).fetchone() is None:
                raise ValidationFailed.one(key, words)

    def add_plan(self, **fields: Any) -> PlanRow:
        """A new plan (managers); its first visit is today or later."""
        plan = rules.check_plan(fields, self.today())
        with self.db.write("inspection.plan_add", team_id=plan.team_id) as tx:
            self._check_refs(tx, plan)
            plan_id = int(tx.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM inspection_plans").fetchone()[0])
            row = {"id": plan_id, **_plan_columns(plan), "version": 1}
            tx.execute(f"INSERT INTO inspection_plans ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                       list(row.values()))
            tx.event("inspection.plan_add", "inspection_plan", plan_id, None, {}, row)
        return self.plan(plan_id)

    def _current(self, plan_id: int, version: int) -> Any:
        old = self.db.one("SELECT * FROM inspection_plans WHERE id = ?", (plan_id,))
        if old is None:
            raise NotFound(_("No inspection plan {ref}").format(ref=plan_id))
        if old["version"] != version:
            last = self.db.one("SELECT actor, at FROM events WHERE entity = 'inspection_plan' AND entity_id = ?"
                               " ORDER BY id DESC LIMIT 1", (plan_id,))
            raise StaleRecord(_("Inspection plan"), plan_id, last[0] if last else "?",
                              from_db(last[1]) if last else None, old["version"], self.settings.timezone)
        if old["retired_at"] is not None:
            raise RuleViolation(_("Inspection plan {id} is retired").format(id=plan_id))
        return old

    def edit_plan(self, plan_id: int, version: int, **changes: Any) -> PlanRow:
        """Change a plan (managers); visits already made keep their dates.
        A changed first visit is today or later."""
        with self.db.write("inspection.plan_edit") as tx:
            old = self._current(plan_id, version)
            base = plan_of(old).model_dump()
            merged = {**base, **changes}
            plan = rules.check_plan(merged, self.today() if "starts" in changes and str(changes["starts"]) != old["starts"]
                                    else None)
            self._check_refs(tx, plan)
            values = _plan_columns(plan)
            changed = {k: v for k, v in values.items() if old[k] != v}
            if changed:
                tx.execute(f"UPDATE inspection_plans SET {', '.join(f'{k} = ?' for k in changed)}, version = version + 1"
                           " WHERE id = ?", [*changed.values(), plan_id])
                tx.event("inspection.plan_edit", "inspection_plan", plan_id, None, {k: old[k] for k in changed}, changed)
        return self.plan(plan_id)

    def retire_plan(self, plan_id: int, version: int) -> PlanRow:
        """Stop a plan making visits (managers); the visits made stay."""
        with self.db.write("inspection.plan_retire") as tx:
            self._current(plan_id, version)
            at = to_db(self.ctx.now())
            tx.execute("UPDATE inspection_plans SET retired_at = ?, version = version + 1 WHERE id = ?", (at, plan_id))
            tx.event("inspection.plan_retire", "inspection_plan", plan_id, None, {"retired_at": None}, {"retired_at": at})
        return self.plan(plan_id)

    # ---------------------------------------------------------------- the run
    def _scope(self, tx: Tx, plan: rules.Plan) -> list[int]:
        """The equipment a visit covers: the plan's piece, or the site's pieces
        whose category has a checklist (in service when the visit is made)."""
        if plan.equipment_id is not None:
            return [plan.equipment_id]
        cats = sorted(plan.checklists)
        return [int(r[0]) for r in tx.execute(
            f"SELECT id FROM equipment WHERE site_id = ? AND retired = 0 AND category IN ({', '.join('?' * len(cats))})"
            " ORDER BY id", (plan.site_id, *cats))]

    def run_inspections(self) -> list[VisitRow]:
        """Make the visits whose notice day has come (dispatch inspections run,
        for cron): each exactly once, however often or concurrently it runs."""
        tz, now = self.settings.timezone, self.ctx.now()
        made_ids: list[int] = []
        with self.db.write("inspection.run") as tx:
            rows = tx.execute("SELECT * FROM inspection_plans WHERE retired_at IS NULL ORDER BY id").fetchall()
            plans = [plan_of(r) for r in rows]
            last = {int(r[0]): date.fromisoformat(r[1]) for r in tx.execute(
                "SELECT plan_id, MAX(due) FROM inspection_visits GROUP BY plan_id")}
            made = [f"{r[0]}:{r[1]}" for r in tx.execute(
                "SELECT v.plan_id, v.due FROM inspection_visits v JOIN (SELECT plan_id, MAX(due) AS due"
                " FROM inspection_visits GROUP BY plan_id) m ON m.plan_id = v.plan_id AND m.due = v.due")]
            by_id = {p.id: p for p in plans}
            next_id = int(tx.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM inspection_visits").fetchone()[0])
            for visit in rules.run(plans, made, now, tz, last):
                row = {"id": next_id, "plan_id": visit.plan_id, "due": visit.due.isoformat(),
                       "notify_on": visit.notify_on.isoformat(), "made_at": to_db(now),
                       "equipment": json.dumps(self._scope(tx, by_id[visit.plan_id]))}
                cur = tx.execute(f"INSERT OR IGNORE INTO inspection_visits ({', '.join(row)})"
                                 f" VALUES ({', '.join('?' * len(row))})", list(row.values()))
                if cur.rowcount != 1:
                    continue  # made already: the key decides
                tx.event("inspection.visit", "inspection_visit", next_id, None, {}, row)
                made_ids.append(next_id)
                next_id += 1
            inspection_notices.tell_due(tx, rules.site_day(now, tz), to_db(now))
        return [self.visit(i) for i in made_ids]

    def site_addresses(self, site_id: int) -> list[str]:
        """The addresses an inspection's notice goes to at a site (none: the
        customer is not told)."""
        row = self.db.one("SELECT notify_urls FROM sites WHERE id = ?", (site_id,))
        if row is None:
            raise NotFound(_("No site {ref}").format(ref=site_id))
        return list(json.loads(row[0])) if row[0] else []

    def set_site_contact(self, site_id: int, urls: list[str], language: str | None = None,
                         keep_language: bool = False) -> list[str]:
        """The addresses (and language) an inspection's notice goes to at a site
        (managers; none: cleared, the customer is then not told). The console's
        form changes the addresses only: ``keep_language`` keeps the site's."""
        checked = check_addresses(urls)
        if language is not None and language not in LANGUAGES:
            raise ValidationFailed.one("language", _("one of: {choices}").format(choices=", ".join(LANGUAGES)))
        with self.db.write("site.address") as tx:
            row = tx.execute("SELECT notify_urls, language FROM sites WHERE id = ?", (site_id,)).fetchone()
            if row is None:
                raise NotFound(_("No site {ref}").format(ref=site_id))
            old = {"notify_urls": row[0], "language": row[1]}
            new = {"notify_urls": inspection_notices.site_contact_json(checked),
                   "language": row[1] if keep_language else language}
            if old != new:
                tx.execute("UPDATE sites SET notify_urls = ?, language = ? WHERE id = ?", (*new.values(), site_id))
                tx.event("site.address", "site", site_id, None, old, new)
        return checked

    def notice_of(self, visit_id: int) -> tuple[str | None, int | None]:
        """(None, outbox id) once the customer was told of the visit, ("no_address",
        None) when the site had no address, (None, None) before its notice day."""
        r = self.db.one("SELECT missing, outbox_id FROM inspection_notices WHERE visit_id = ?", (visit_id,))
        return (r[0], r[1]) if r else (None, None)

    def figures(self, period: Period) -> InspectionRaw:
        """The period's inspection figures for the whole center, with the
        findings per equipment category and the inspections that missed a fault."""
        with self.db.reader() as conn:
            return inspection_figures_sql.period_raw(conn, "center", None, period, self.ctx.now(), self.settings.timezone)

    # ---------------------------------------------------------------- visits
    def _visit_row(self, r: Any, recorded: tuple[Recorded, ...] = ()) -> VisitRow:
        due, done = date.fromisoformat(r["due"]), done_at_of(r)
        return VisitRow(r["id"], r["plan_id"], due, date.fromisoformat(r["notify_on"]), tuple(json.loads(r["equipment"])),
                        done, r["done_by"], rules.visit_state(due, done, self.ctx.now(), self.settings.timezone),
                        clean(r["place"] or "?", single_line=True), clean(r["team_name"] or "?", single_line=True),
                        r["team_id"], recorded, r["pieces_done"], r["notice"])

    def visits(self, due_before: date | None = None, open_only: bool = True, limit: int = 500) -> list[VisitRow]:
        """Visits by due date: the open ones (not done) due before ``due_before``
        (all if None), or every visit when ``open_only`` is False."""
        where, params = [], []
        if open_only:
            where.append("v.done_at IS NULL")
        if due_before is not None:
            where.append("v.due < ?")
            params.append(due_before.isoformat())
        sql = _VISIT_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY v.due, v.id LIMIT ?"
        return [self._visit_row(r) for r in self.db.q(sql, (*params, limit))]

    def due_now(self) -> list[VisitRow]:
        """What the console lists: the overdue visits and those due this week (site's zone)."""
        return self.visits(due_before=Period.week(self.today()).end)

    def visit(self, visit_id: int) -> VisitRow:
        r = self.db.one(_VISIT_SQL + " WHERE v.id = ?", (visit_id,))
        if r is None:
            raise NotFound(_("No inspection visit {ref}").format(ref=visit_id))
        repairs: dict[int, dict[str, int]] = {}
        for f in self.db.q("SELECT equipment_id, item, ticket_id FROM inspection_findings WHERE visit_id = ?", (visit_id,)):
            repairs.setdefault(f["equipment_id"], {})[f["item"]] = f["ticket_id"]
        plan = self.plan(r["plan_id"]).plan
        recorded = []
        for x in self.db.q("SELECT x.*, e.asset_tag FROM inspection_results x JOIN equipment e ON e.id = x.equipment_id"
                           " WHERE x.visit_id = ? ORDER BY x.equipment_id", (visit_id,)):
            items = {i.key: i for i in dict(plan.checklists).get(x["category"], ())}
            results = tuple(rules.Result(items[a["key"]], a["outcome"], rules.parse_number(a.get("value")), a.get("note", ""))
                            for a in json.loads(x["results"]) if a["key"] in items)
            recorded.append(Recorded(x["equipment_id"], x["asset_tag"], x["category"], results, from_db(x["at"]), x["by"],
                                     repairs.get(x["equipment_id"], {})))
        return self._visit_row(r, tuple(recorded))

    def checklist(self, visit_id: int, equipment_id: int) -> tuple[str, tuple[rules.ChecklistItem, ...]]:
        """The category and the items to check on one piece of a visit's equipment."""
        v = self.visit(visit_id)
        if equipment_id not in v.equipment:
            raise ValidationFailed.one("equipment", _("equipment {id} is not on this visit").format(id=equipment_id))
        e = self.db.one("SELECT category FROM equipment WHERE id = ?", (equipment_id,))
        plan = self.plan(v.plan_id).plan
        category = str(e["category"]) if e else ""
        if category not in plan.checklists:
            raise ValidationFailed.one("equipment", _("the plan has no checklist for this equipment's category"))
        return category, dict(plan.checklists)[category]

    # ---------------------------------------------------------------- recording
    def record_checklist(self, visit_id: int, equipment_id: int, answers: Mapping[str, Mapping[str, Any]]) -> VisitRow:
        """One piece of equipment's checklist on a visit, every item answered;
        the visit is done once each of its pieces is recorded."""
        category, items = self.checklist(visit_id, equipment_id)
        results = rules.check_results(items, answers)
        v = self.visit(visit_id)
        now = self.ctx.now()
        with self.db.write("inspection.record", team_id=v.team_id) as tx:
            if tx.execute("SELECT 1 FROM inspection_results WHERE visit_id = ? AND equipment_id = ?",
                          (visit_id, equipment_id)).fetchone():
                raise RuleViolation(_("This equipment's checklist is already recorded for this visit"))
            result_id = int(tx.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM inspection_results").fetchone()[0])
            row = {"id": result_id, "visit_id": visit_id, "equipment_id": equipment_id, "category": category,
                   "results": json.dumps([{"key": r.item.key, "outcome": r.outcome,
                                           **({"value": str(r.value)} if r.value is not None else {}),
                                           **({"note": r.note} if r.note else {})} for r in results], ensure_ascii=False),
                   "findings": len(rules.findings(category, results)), "at": to_db(now), "by": self.ctx.actor}
            tx.execute(f"INSERT INTO inspection_results ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                       list(row.values()))
            tx.event("inspection.record", "inspection_result", result_id, None, {}, row)
            done = {int(r[0]) for r in tx.execute("SELECT equipment_id FROM inspection_results WHERE visit_id = ?",
                                                  (visit_id,))}
            if set(v.equipment) <= done:
                changed = {"done_at": to_db(now), "done_by": self.ctx.actor}
                tx.execute("UPDATE inspection_visits SET done_at = ?, done_by = ? WHERE id = ?",
                           (changed["done_at"], changed["done_by"], visit_id))
                tx.event("inspection.done", "inspection_visit", visit_id, None, {"done_at": None, "done_by": None}, changed)
        return self.visit(visit_id)

    def open_repair(self, visit_id: int, equipment_id: int, item: str, priority: int = 3) -> int:
        """A repair ticket for a failed item, linked to the visit; returns its id.
        One repair per failed item."""
        v = self.visit(visit_id)
        rec = next((r for r in v.recorded if r.equipment_id == equipment_id), None)
        result = next((x for x in rec.results if x.item.key == item), None) if rec else None
        if rec is None or result is None or result.outcome != "fail":
            raise ValidationFailed.one("item", _("not a failed item of this visit"))
        if item in rec.repairs:
            raise RuleViolation(_("Ticket #{id} is already this finding's repair").format(id=rec.repairs[item]))
        e = self.db.one("SELECT e.site_id, e.category, s.contact FROM equipment e JOIN sites s ON s.id = e.site_id"
                        " WHERE e.id = ?", (equipment_id,))
        assert e is not None
        text = _("Inspection {key} found: {finding}").format(
            key=v.key, finding=rules.Finding(rec.category, result).text())
        data = NewTicket.model_construct(
            channel="other", reporter=_("Inspection"), phone=clean(e["contact"] or "", single_line=True)[:24],
            site_id=e["site_id"], equipment_id=equipment_id, category=e["category"], priority=priority,
            description=text[:4000], reported_at=None)
        with self.db.write("inspection.repair", team_id=v.team_id) as tx:
            if tx.execute("SELECT 1 FROM inspection_findings WHERE visit_id = ? AND equipment_id = ? AND item = ?",
                          (visit_id, equipment_id, item)).fetchone():
                raise RuleViolation(_("This finding already has its repair ticket"))
            ticket_id = self.tickets.insert_ticket(tx, data, self.ctx.now())
            finding_id = int(tx.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM inspection_findings").fetchone()[0])
            row = {"id": finding_id, "visit_id": visit_id, "equipment_id": equipment_id, "item": item,
                   "ticket_id": ticket_id}
            tx.execute("INSERT INTO inspection_findings (id, visit_id, equipment_id, item, ticket_id) VALUES (?, ?, ?, ?, ?)",
                       list(row.values()))
            tx.event("inspection.repair", "inspection_finding", finding_id, ticket_id, {}, row)
        return ticket_id
