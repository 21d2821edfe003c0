"""The SQL of the data exports (tickets, technicians, evaluations, improvement
items as CSV or JSON), all under one filter: a period of local days and,
optionally, a team, a technician, a site and an equipment type. The methods
that run it are in store/repo/exports.py; this module only builds text.

What the period means for each kind (README "Reports"):
- tickets: reported in the period;
- technicians: one row per technician, counting the tickets reported and
  closed in the period and the evaluations of tickets closed in it;
- evaluations: the foreman's self-evaluations and the phone callbacks of the
  tickets closed in the period (``closed_day``, a local day);
- items: improvement items opened in the period;
- parts_usage: the spare parts used on tickets in the period;
- fees: the tickets closed in the period with a fee or a proposal (issue 25),
  one row each: the items, the proposed and recorded fee, the reason for a
  difference, the invoice and its check. Money is exact text ("6800.50",
  never a float) beside the site's currency, as `dispatch fees show` gives it.

Each query pages with a key (``after``) so a long export reads in slices and
can report its progress."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ..money import FEN

KINDS = ("tickets", "technicians", "evaluations", "items", "parts_usage", "fees")


@dataclass(frozen=True)
class ExportFilter:
    """Local days ``first`` ≤ day < ``end`` (site zone), and who or where."""

    first: date
    end: date
    team_id: int | None = None
    technician_id: int | None = None
    site_id: int | None = None
    category: str | None = None

    def params(self) -> dict[str, Any]:
        return {"d1": self.first.isoformat(), "d2": self.end.isoformat(), "team": self.team_id,
                "tech": self.technician_id, "site": self.site_id, "cat": self.category}


# The optional filters on a ticket ``t`` (and the technician/team credited with it).
def _where(team: str = "t.technician_id IN (SELECT id FROM technicians WHERE team_id = :team)",
           tech: str = "t.technician_id = :tech", who: bool = True) -> str:
    parts = ["(:site IS NULL OR t.site_id = :site)", "(:cat IS NULL OR t.category = :cat)"]
    if who:
        parts += [f"(:team IS NULL OR {team})", f"(:tech IS NULL OR {tech})"]
    return " AND ".join(parts)


COLUMNS: dict[str, tuple[str, ...]] = {
    "tickets": ("id", "status", "priority", "channel", "reported_at", "reporter", "phone", "site", "asset",
                "category", "description", "technician", "team", "first_response_at", "arrived_at", "resolved_at",
                "closed_at", "signoff", "fee", "cancelled_at", "symptom", "cause", "action", "parts", "repeat_of"),
    "technicians": ("id", "name", "team", "retired", "reported", "closed", "repeat_faults", "callbacks_done",
                    "callbacks_open", "unreachable", "satisfied", "basic", "unsatisfied", "callback_points",
                    "callback_mean", "self_evaluations", "self_points", "total_points"),
    "evaluations": ("ticket_id", "kind", "role", "evaluator", "evaluator_name", "technician", "team", "site",
                    "category", "closed_at", "closed_day", "due_day", "status", "attempts", "carry_reason", "rating",
                    "score", "contacted_within_hour", "polite", "impolite_note", "working", "record_complete",
                    "measures_right", "efficiency", "notes", "suggestion", "logged_by", "logged_at", "item_id"),
    "items": ("id", "ticket_id", "team", "technician", "site", "category", "foreman", "source", "source_id",
              "opened_at", "due_date", "state", "overdue", "weak_points", "measures", "sent_back_reason",
              "confirmed_by", "confirmed_at"),
    # Spare parts used on tickets (issue 25), one row per use: what it cost, under warranty or charged.
    "parts_usage": ("id", "used_at", "ticket_id", "code", "name", "quantity", "unit", "cost", "charge", "reason",
                    "location", "technician", "team", "equipment_category", "site"),
    # A closed ticket's fee (issue 25): the items by kind summed (parts charged at cost plus the margin), the
    # parts' cost, the items themselves, proposed against recorded and why, the invoice and who checked it.
    "fees": ("ticket_id", "closed_at", "priority", "site", "category", "technician", "team", "currency", "labour",
             "call_out", "parts", "rounding", "parts_cost", "warranty_units", "items", "proposed", "fee",
             "difference", "reason", "invoice_no", "invoice_at", "invoice_by", "checked_at", "checked_by"),
}
# Columns holding 0/1 that the exports give as true/false.
FLAGS = {"retired", "contacted_within_hour", "polite", "working", "record_complete", "measures_right", "efficiency",
         "overdue"}

TICKETS = f"""
SELECT t.id, t.status, t.priority, t.channel, t.reported_at, t.reporter, t.phone, s.name AS site,
  COALESCE(e.asset_tag, '') AS asset, t.category, t.description, COALESCE(tech.name, '') AS technician,
  COALESCE(teams.name, '') AS team, t.first_response_at, t.arrived_at, t.resolved_at, t.closed_at,
  t.signoff, t.fee_cents, t.cancelled_at, t.symptom, t.cause, t.action, t.parts, t.repeat_of
FROM tickets t JOIN sites s ON s.id = t.site_id LEFT JOIN equipment e ON e.id = t.equipment_id
LEFT JOIN technicians tech ON tech.id = t.technician_id LEFT JOIN teams ON teams.id = tech.team_id
WHERE t.reported_at >= :s AND t.reported_at < :e AND {_where()} AND t.id > :after ORDER BY t.id LIMIT :page
"""
TICKETS_COUNT = f"SELECT count(*) FROM tickets t WHERE t.reported_at >= :s AND t.reported_at < :e AND {_where()}"

# One row per technician: the period's figures are grouped once each, not
# counted per technician (a month holds ~50,000 tickets).
TECHNICIANS = f"""
WITH rep AS (SELECT t.technician_id AS id, count(*) AS n FROM tickets t
             WHERE t.reported_at >= :s AND t.reported_at < :e AND {_where(who=False)} GROUP BY 1),
clo AS (SELECT t.technician_id AS id, count(*) AS n,
          sum(EXISTS (SELECT 1 FROM tickets r WHERE r.repeat_of = t.id)) AS again
        FROM tickets t WHERE t.closed_at >= :s AND t.closed_at < :e AND t.status = 'closed' AND {_where(who=False)}
        GROUP BY 1),
cb AS (SELECT c.technician_id AS id, sum(c.status = 'done') AS done, sum(c.status = 'open') AS open_,
         sum(c.status = 'unreachable') AS unreach, sum(c.rating = 'satisfied') AS sat, sum(c.rating = 'basic') AS basic,
         sum(c.rating = 'unsatisfied') AS unsat, sum(c.score) AS pts
       FROM callbacks c JOIN tickets t ON t.id = c.ticket_id
       WHERE c.closed_day >= :d1 AND c.closed_day < :d2 AND {_where(who=False)} GROUP BY 1),
se AS (SELECT e.technician_id AS id, count(*) AS n, sum(e.score) AS pts
       FROM self_evaluations e JOIN tickets t ON t.id = e.ticket_id
       WHERE e.closed_day >= :d1 AND e.closed_day < :d2 AND {_where(who=False)} GROUP BY 1)
SELECT tech.id, tech.name, COALESCE(teams.name, '') AS team, tech.retired,
  COALESCE(rep.n, 0) AS reported, COALESCE(clo.n, 0) AS closed, COALESCE(clo.again, 0) AS repeat_faults,
  COALESCE(cb.done, 0) AS callbacks_done, COALESCE(cb.open_, 0) AS callbacks_open,
  COALESCE(cb.unreach, 0) AS unreachable, COALESCE(cb.sat, 0) AS satisfied, COALESCE(cb.basic, 0) AS basic,
  COALESCE(cb.unsat, 0) AS unsatisfied, COALESCE(cb.pts, 0) AS callback_points,
  COALESCE(se.n, 0) AS self_evaluations, COALESCE(se.pts, 0) AS self_points
FROM technicians tech LEFT JOIN teams ON teams.id = tech.team_id
LEFT JOIN rep ON rep.id = tech.id LEFT JOIN clo ON clo.id = tech.id
LEFT JOIN cb ON cb.id = tech.id LEFT JOIN se ON se.id = tech.id
WHERE (:team IS NULL OR tech.team_id = :team) AND (:tech IS NULL OR tech.id = :tech)
  -- a retired technician with nothing in the period is left out
  AND (tech.retired = 0 OR rep.n IS NOT NULL OR clo.n IS NOT NULL OR cb.id IS NOT NULL OR se.id IS NOT NULL)
  AND tech.id > :after
ORDER BY tech.id LIMIT :page
"""
TECHNICIANS_COUNT = ("SELECT count(*) FROM technicians tech WHERE (:team IS NULL OR tech.team_id = :team)"
                     " AND (:tech IS NULL OR tech.id = :tech)")

# Both kinds of evaluation of a ticket, the foreman's first (ord 0), then the
# phone callback (ord 1); a callback credits the technician and team recorded
# on it when the ticket closed.
_CB_WHERE = _where(team="c.team_id = :team", tech="c.technician_id = :tech")
_SE_WHERE = _where(team="e.team_id = :team", tech="e.technician_id = :tech")
_EVALUATIONS = f"""
SELECT e.ticket_id, 0 AS ord, 'self' AS kind, 'foreman' AS role, e.foreman AS evaluator,
  COALESCE(u.name, e.foreman) AS evaluator_name, COALESCE(tech.name, '') AS technician,
  COALESCE(teams.name, '') AS team, s.name AS site, t.category, e.closed_at, e.closed_day, NULL AS due_day,
  'done' AS status, NULL AS attempts, NULL AS carry_reason, e.rating, e.score, NULL AS contacted_within_hour,
  NULL AS polite, '' AS impolite_note, NULL AS working, e.record_complete, e.measures_right, e.efficiency,
  e.comment AS notes, e.suggestion, e.foreman AS logged_by, e.at AS logged_at, NULL AS item_id
FROM self_evaluations e JOIN tickets t ON t.id = e.ticket_id JOIN sites s ON s.id = t.site_id
LEFT JOIN users u ON u.login = e.foreman LEFT JOIN technicians tech ON tech.id = e.technician_id
LEFT JOIN teams ON teams.id = e.team_id
WHERE e.closed_day >= :d1 AND e.closed_day < :d2 AND {_SE_WHERE}
UNION ALL
SELECT c.ticket_id, 1, 'callback', c.role, c.evaluator, COALESCE(u.name, c.evaluator), COALESCE(tech.name, ''),
  COALESCE(teams.name, ''), s.name, t.category, c.closed_at, c.closed_day, c.due_day, c.status, c.attempts,
  c.carry_reason, c.rating, c.score, c.contacted_within_hour, c.polite, c.impolite_note, c.working, NULL, NULL, NULL,
  c.notes, '', c.logged_by, c.logged_at, c.item_id
FROM callbacks c JOIN tickets t ON t.id = c.ticket_id JOIN sites s ON s.id = t.site_id
LEFT JOIN users u ON u.login = c.evaluator LEFT JOIN technicians tech ON tech.id = c.technician_id
LEFT JOIN teams ON teams.id = c.team_id
WHERE c.closed_day >= :d1 AND c.closed_day < :d2 AND {_CB_WHERE}
"""
EVALUATIONS = (f"SELECT * FROM ({_EVALUATIONS}) WHERE (ticket_id, ord) > (:after, :after_ord)"
               " ORDER BY ticket_id, ord LIMIT :page")
EVALUATIONS_COUNT = (
    f"SELECT (SELECT count(*) FROM self_evaluations e JOIN tickets t ON t.id = e.ticket_id"
    f" WHERE e.closed_day >= :d1 AND e.closed_day < :d2 AND {_SE_WHERE})"
    f" + (SELECT count(*) FROM callbacks c JOIN tickets t ON t.id = c.ticket_id"
    f" WHERE c.closed_day >= :d1 AND c.closed_day < :d2 AND {_CB_WHERE})")

_ITEM_WHERE = _where(team="i.team_id = :team")
ITEMS = f"""
SELECT i.id, i.ticket_id, COALESCE(teams.name, '') AS team, COALESCE(tech.name, '') AS technician, s.name AS site,
  t.category, i.foreman, i.source, i.source_id, i.opened_at, i.due_date, i.state,
  i.state != 'confirmed' AND i.due_date < :today AS overdue, i.weak_points, i.measures, i.sent_back_reason,
  i.confirmed_by, i.confirmed_at
FROM improvement_items i JOIN tickets t ON t.id = i.ticket_id JOIN sites s ON s.id = t.site_id
LEFT JOIN teams ON teams.id = i.team_id LEFT JOIN technicians tech ON tech.id = t.technician_id
WHERE i.opened_at >= :s AND i.opened_at < :e AND {_ITEM_WHERE} AND i.id > :after ORDER BY i.id LIMIT :page
"""
ITEMS_COUNT = (f"SELECT count(*) FROM improvement_items i JOIN tickets t ON t.id = i.ticket_id"
               f" WHERE i.opened_at >= :s AND i.opened_at < :e AND {_ITEM_WHERE}")

_USES = """FROM stock_moves m JOIN parts p ON p.id = m.part_id JOIN tickets t ON t.id = m.ticket_id
JOIN sites s ON s.id = t.site_id LEFT JOIN technicians tech ON tech.id = m.technician_id
LEFT JOIN teams ON teams.id = tech.team_id JOIN stock_locations l ON l.id = m.location_id
LEFT JOIN technicians van ON van.id = l.technician_id
WHERE m.kind = 'use' AND m.at >= :s AND m.at < :e"""
# The technician and team are those credited with the use (m.technician_id), as the parts report counts them.
_USE_WHERE = _where(team="tech.team_id = :team", tech="m.technician_id = :tech")
PARTS_USAGE = f"""
SELECT m.id, m.at AS used_at, m.ticket_id, p.code, p.name, m.quantity, p.unit, m.cost, m.charge, m.reason,
  CASE WHEN l.kind = 'store' THEN 'store' ELSE 'van:' || COALESCE(van.name, l.technician_id) END AS location,
  COALESCE(tech.name, '') AS technician, COALESCE(teams.name, '') AS team, m.equipment_category, s.name AS site
{_USES} AND {_USE_WHERE} AND m.id > :after ORDER BY m.id LIMIT :page
"""
PARTS_USAGE_COUNT = f"SELECT count(*) {_USES} AND {_USE_WHERE}"

# Closed with a fee typed (no schedule) or proposed (fee_items): a ticket closed without either has no fee row.
_FEES = f"""FROM tickets t JOIN sites s ON s.id = t.site_id
WHERE t.status = 'closed' AND t.closed_at >= :s AND t.closed_at < :e
  AND (t.fee_cents IS NOT NULL OR t.fee_items IS NOT NULL) AND {_where()}"""
FEES = f"""
SELECT t.id AS ticket_id, t.closed_at, t.priority, s.name AS site, t.category,
  COALESCE((SELECT name FROM technicians WHERE id = t.technician_id), '') AS technician,
  COALESCE((SELECT teams.name FROM technicians x JOIN teams ON teams.id = x.team_id WHERE x.id = t.technician_id), '')
    AS team, :currency AS currency, t.fee_items, t.fee_proposed_cents, t.fee_cents, t.fee_reason AS reason,
  t.invoice_no, t.invoice_at, t.invoice_by, t.invoice_checked_at AS checked_at, t.invoice_checked_by AS checked_by,
  (SELECT json_group_array(m.cost) FROM stock_moves m WHERE m.ticket_id = t.id AND m.kind = 'use') AS costs,
  (SELECT SUM(m.quantity) FROM stock_moves m WHERE m.ticket_id = t.id AND m.kind = 'use' AND m.charge = 'warranty')
    AS warranty_units
{_FEES} AND t.id > :after ORDER BY t.id LIMIT :page
"""
FEES_COUNT = f"SELECT count(*) {_FEES}"

SQL = {"fees": (FEES, FEES_COUNT), "parts_usage": (PARTS_USAGE, PARTS_USAGE_COUNT), "tickets": (TICKETS, TICKETS_COUNT),
       "technicians": (TECHNICIANS, TECHNICIANS_COUNT), "evaluations": (EVALUATIONS, EVALUATIONS_COUNT), "items": (ITEMS, ITEMS_COUNT)}


def fee_amount(cents: int | None) -> Decimal | None:
    """A fee as the data exports give it: the exact amount with two decimals
    (680050 -> Decimal("6800.50")): CSV writes its text ("6800.50", no symbol
    or grouping), JSON a number (6800.5), as for every typed value."""
    return None if cents is None else Decimal(cents).scaleb(-2)


# Kinds whose amounts JSON gives as exact text ("6800.50"), never a number a
# reader may take as a float (the fees: `dispatch fees show` writes them so).
MONEY_AS_TEXT = {"fees"}


def money_text(amount: Decimal | None) -> Decimal | None:
    """An amount of the fees export, exact with two decimals: CSV writes its
    text, JSON the same text (MONEY_AS_TEXT)."""
    return None if amount is None else amount.quantize(FEN)


def fee_row(d: dict[str, Any]) -> None:
    """The fees export's money worked out from a ticket's columns: the items
    as recorded summed by kind, the parts' cost (their lots'), the
    difference between the fee recorded and the proposal."""
    items = json.loads(d.pop("fee_items") or "null")
    fee, proposed = fee_amount(d.pop("fee_cents", None)), fee_amount(d.pop("fee_proposed_cents", None))
    by_kind: dict[str, Decimal] = {}
    for i in items or ():
        by_kind[i["kind"]] = by_kind.get(i["kind"], Decimal(0)) + Decimal(i["amount"])
    for kind in ("labour", "call_out", "rounding"):
        d[kind] = money_text(by_kind.get(kind, Decimal(0))) if items is not None else None
    d["parts"] = money_text(by_kind.get("part", Decimal(0))) if items is not None else None
    d["parts_cost"] = money_text(sum((Decimal(c) for c in json.loads(d.pop("costs") or "[]")), Decimal(0)))
    d["warranty_units"] = d["warranty_units"] or 0
    d["items"] = None if items is None else [
        {"kind": i["kind"], "label": i["label"], "quantity": i["quantity"], "amount": str(money_text(Decimal(i["amount"]))),
         "warranty": bool(i.get("warranty"))} for i in items]
    d["proposed"], d["fee"] = money_text(proposed), money_text(fee)
    d["difference"] = money_text(fee - proposed) if fee is not None and proposed is not None else None


def finish(kind: str, d: dict[str, Any]) -> dict[str, Any]:
    """A row as the exports give it: flags as booleans, the technicians' means worked out."""
    d.pop("ord", None)
    if kind == "fees":
        fee_row(d)
    if kind == "tickets":
        d["fee"] = fee_amount(d.pop("fee_cents", None))
    if kind == "parts_usage":
        d["cost"] = Decimal(d["cost"])  # exact: CSV its text, JSON a number
    for k in FLAGS & d.keys():
        if d[k] is not None:
            d[k] = bool(d[k])
    if kind == "technicians":
        done = d["callbacks_done"]
        d["callback_mean"] = round(d["callback_points"] / done, 2) if done else None
        d["total_points"] = d["callback_points"] + d["self_points"]
    return {k: d.get(k) for k in COLUMNS[kind]}
