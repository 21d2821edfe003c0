"""Preventive inspections' records as the store hands them out
(store/repo/inspections.py): a plan, a visit with its state, one piece of
equipment's checklist as recorded."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pendulum import DateTime

from ..rules.inspections import ChecklistItem, Plan, Result, VisitState, visit_key
from ..timeutil import from_db


def plan_of(r: sqlite3.Row | dict[str, Any]) -> Plan:
    """The stored row as the rules' Plan (stored rows were checked when written)."""
    lists = {cat: tuple(ChecklistItem.model_validate(i) for i in items)
             for cat, items in json.loads(r["checklists"]).items()}
    return Plan.model_validate({
        "id": r["id"], "site_id": r["site_id"], "equipment_id": r["equipment_id"], "every": r["every"],
        "days": r["days"], "starts": date.fromisoformat(r["starts"]),
        "ends": date.fromisoformat(r["ends"]) if r["ends"] else None, "team_id": r["team_id"],
        "notice_days": r["notice_days"], "checklists": lists})


def checklists_json(plan: Plan) -> str:
    return json.dumps({cat: [i.model_dump(mode="json", exclude_defaults=True) for i in items]
                       for cat, items in sorted(plan.checklists.items())}, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class PlanRow:
    plan: Plan
    where: str  # the site's name, or the equipment's tag and site
    team: str
    retired_at: DateTime | None
    version: int

    @property
    def id(self) -> int:
        return self.plan.id

    def every_text(self) -> str:
        from ..i18n import _
        p = self.plan
        return {"month": _("every month"), "quarter": _("every quarter")}.get(
            p.every, _("every {n} days").format(n=p.days))

    def to_json(self) -> dict[str, Any]:
        p = self.plan
        return {"id": p.id, "site_id": p.site_id, "equipment_id": p.equipment_id, "where": self.where,
                "every": p.every, "days": p.days, "starts": p.starts.isoformat(),
                "ends": p.ends.isoformat() if p.ends else None, "team_id": p.team_id, "team": self.team,
                "notice_days": p.notice_days, "checklists": json.loads(checklists_json(p)),
                "retired": self.retired_at is not None, "version": self.version}


@dataclass(frozen=True)
class Recorded:
    """One piece of equipment's checklist on a visit."""

    equipment_id: int
    tag: str
    category: str
    results: tuple[Result, ...]
    at: DateTime
    by: str
    repairs: dict[str, int] = field(default_factory=dict)  # failed item key -> repair ticket


@dataclass(frozen=True)
class VisitRow:
    id: int
    plan_id: int
    due: date
    notify_on: date
    equipment: tuple[int, ...]
    done_at: DateTime | None
    done_by: str | None
    state: VisitState
    where: str
    team: str
    team_id: int
    recorded: tuple[Recorded, ...] = ()
    pieces_done: int = 0  # pieces whose checklist is recorded
    notice: str | None = None  # the customer: "told", "no_address" (not told), None (notice day not come)

    @property
    def key(self) -> str:
        return visit_key(self.plan_id, self.due)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "plan_id": self.plan_id, "key": self.key, "due": self.due.isoformat(),
                "notify_on": self.notify_on.isoformat(), "state": self.state, "where": self.where,
                "team": self.team, "equipment": list(self.equipment), "notice": self.notice,
                "done_at": self.done_at.isoformat() if self.done_at else None, "done_by": self.done_by,
                "recorded": [{"equipment_id": r.equipment_id, "tag": r.tag, "category": r.category,
                              "at": r.at.isoformat(), "by": r.by,
                              "results": [{"key": x.item.key, "label": x.item.label, "outcome": x.outcome,
                                           "value": None if x.value is None else str(x.value), "note": x.note,
                                           "repair": r.repairs.get(x.item.key)} for x in r.results]}
                             for r in self.recorded]}


def done_at_of(r: sqlite3.Row) -> DateTime | None:
    return from_db(r["done_at"]) if r["done_at"] else None
