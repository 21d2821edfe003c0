"""Inspection plans (issue 25, 'l' on the Inspections screen): each plan in
force with its site or equipment, how often, the team, how many days before
a visit the customer is told, and its next visit; below the list the
selected plan's checklists, one item a line.

'n' adds a plan, 'e' edits the selected one, 'x' retires it after asking.
The form takes the checklists as lines (store/rules/checklist_text.py); a
plan changed by someone else meanwhile (its version) is said in the form,
which keeps what was typed and saves over the new version on the next try.
Managers plan: for anyone else the keys say why and are out of the footer
(the store refuses anyway, console/permits.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from store.errors import ValidationFailed
from store.labels import category_label
from store.repo.inspection_rows import PlanRow
from store.rules.checklist_text import checklist_lines, parse_checklist_lines
from store.text import clean

from ..background import in_thread, write_refusal
from ..i18n import N_, _
from ..widgets.footer import Footer
from ..widgets.lists import ListTable
from .form import ActionForm, Field
from .listing import BACK, ListScreen

CHECKLIST_MAX = 20_000  # the form's text: a few hundred items


@dataclass(frozen=True)
class Read:
    plans: list[PlanRow]
    next_due: dict[int, date | None]
    sites: list[tuple[str, int]]  # (label, id) for the form
    teams: list[tuple[str, int]]
    today: date


def read_plans(store: Any) -> Read:
    """In a thread: the plans in force, their next visits, and the form's choices."""
    repo = store.inspections
    plans = repo.plans()
    sites = [(clean(f"{s.name} ({s.code})", single_line=True), s.id) for s in store.reference.sites(limit=10_000)]
    teams = [(clean(t.name, single_line=True), t.id) for t in store.people.teams()]
    return Read(plans, repo.next_dues(plans), sites, teams, repo.today())


def plan_values(store: Any, values: dict[str, Any]) -> dict[str, Any]:
    """In a thread: the form's text as the store's plan fields (ValidationFailed
    beside the field for an unknown asset tag or a checklist line)."""
    tag = (values.get("equipment_id") or "").strip()
    equipment_id = None
    if tag:
        found = store.reference.equipment_by_tag(tag)
        if found is None and not tag.isdigit():
            raise ValidationFailed.one("equipment_id", _("no equipment {ref} (its asset tag or number)").format(
                ref=clean(tag, single_line=True)))
        equipment_id = found.id if found is not None else int(tag)
    every = values.get("every") or "month"
    days = (values.get("days") or "").strip()
    out: dict[str, Any] = {
        "site_id": values.get("site_id"), "equipment_id": equipment_id, "every": every,
        "days": (days or None) if every == "days" else None, "starts": (values.get("starts") or "").strip(),
        "ends": (values.get("ends") or "").strip() or None, "team_id": values.get("team_id"),
        "checklists": parse_checklist_lines(values.get("checklists") or "")}
    notice = (values.get("notice_days") or "").strip()
    if notice:
        out["notice_days"] = notice
    return out


class PlansScreen(ListScreen):
    DEFAULT_CSS = """
    PlansScreen .title { text-style: bold; padding: 0 1; }
    PlansScreen #plans { height: 1fr; }
    PlansScreen #plan-detail { height: auto; max-height: 7; padding: 0 1; }
    """
    BINDINGS = [
        Binding("n", "add", N_("Add")),
        Binding("e", "edit", N_("Edit")),
        Binding("x", "retire", N_("Retire")),
        BACK,
    ]
    GUARDED = frozenset({"add", "edit", "retire"})
    WRITES = {"add": "inspection.plan_add", "edit": "inspection.plan_edit", "retire": "inspection.plan_retire"}

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[PlanRow] = []
        self.read: Read | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content(_("Inspection plans")), id="plans-title", classes="title")
        yield ListTable(id="plans")
        yield Static("", id="plan-detail")
        yield Footer()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#plans", DataTable)

    def on_mount(self) -> None:
        self._columns()
        self.reload()

    def _columns(self) -> None:
        for head in (_("#"), _("Next visit"), _("Site or equipment"), _("How often"), _("Team"), _("Notice")):
            self.table.add_column(Text(head))

    def language_changed(self) -> None:
        self.table.clear(columns=True)
        self._columns()
        self.reload()

    def data_changed(self) -> None:
        self.reload()

    def reload(self, keep: int | None = None) -> None:
        store, current = self.app.store, self.selected()
        keep = keep if keep is not None else (current.id if current is not None else None)
        in_thread(self, lambda: read_plans(store), lambda r: self._show(r, keep), group="plans", exclusive=True)

    def _show(self, read: Read, keep: int | None) -> None:
        table, at = self.table, self.table.cursor_row
        self.read, self.shown = read, read.plans
        table.clear()
        for p in read.plans:
            nxt = read.next_due.get(p.id)
            style = "bold red" if nxt is not None and nxt < read.today else ""
            where, team = Text(p.where, no_wrap=True), Text(p.team, no_wrap=True)
            where.truncate(26, overflow="ellipsis")  # wide names (CJK) keep the next visit on an 80-column screen
            team.truncate(12, overflow="ellipsis")
            table.add_row(Text(str(p.id)), Text(nxt.isoformat() if nxt else _("ended"), style=style), where,
                          Text(p.every_text()), team, Text(_("{n} d").format(n=p.plan.notice_days), justify="right"),
                          key=str(p.id))
        ids = [p.id for p in read.plans]
        if keep in ids:
            at = ids.index(keep)
        if ids:
            table.move_cursor(row=min(max(at, 0), len(ids) - 1))
        self.query_one("#plans-title", Static).update(Content(_("Inspection plans") + f" ({len(ids)})"))
        self._detail()

    def selected(self) -> PlanRow | None:
        if not self.shown:
            return None
        row = self.table.cursor_row
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def on_data_table_row_highlighted(self) -> None:
        self._detail()

    def _detail(self) -> None:
        self.refresh_bindings()
        p = self.selected()
        detail = self.query_one("#plan-detail", Static)
        if p is None:
            detail.update(Content(_("No inspection plans: 'n' adds one.")))
            return
        dates = _("from {starts}").format(starts=p.plan.starts.isoformat())
        if p.plan.ends:
            dates += " " + _("to {ends}").format(ends=p.plan.ends.isoformat())
        lines = [f"{p.where} · {p.every_text()} {dates} · " + _("version {v}").format(v=p.version)]
        for category, items in sorted(p.plan.checklists.items()):
            labels = ", ".join(clean(i.label, single_line=True) for i in items)
            lines.append(f"{category_label(category)}: {labels}")
        detail.update(Content("\n".join(lines)))

    # --------------------------------------------------------------- writes
    def refusal(self, action: str) -> str | None:
        if action != "add" and self.selected() is None:
            return _("No plan selected.")
        return self.permits.refusal(self.WRITES[action])

    def _fields(self, p: PlanRow | None) -> list[Field]:
        read = self.read
        sites, teams = (read.sites, read.teams) if read else ([], [])
        plan = p.plan if p else None
        tag = ""
        if plan is not None and plan.equipment_id is not None:
            tag = p.where.rpartition(" · ")[2] if p else ""
        every = [(_("every month"), "month"), (_("every quarter"), "quarter"), (_("every N days"), "days")]
        return [
            Field("site_id", _("Site"), kind="select", options=sites, value=plan.site_id if plan else None),
            Field("equipment_id", _("Or one piece"), value=tag, placeholder=_("asset tag (instead of a site)"),
                  max_length=40),
            Field("every", _("How often"), kind="select", options=every, value=plan.every if plan else "month"),
            Field("days", _("N days"), value=str(plan.days) if plan and plan.days else "", max_length=3),
            Field("starts", _("First visit"), value=(plan.starts if plan else read.today if read else date.today()).isoformat(),
                  placeholder="YYYY-MM-DD", max_length=10),
            Field("ends", _("Last day"), value=plan.ends.isoformat() if plan and plan.ends else "",
                  placeholder=_("YYYY-MM-DD, blank: no end"), max_length=10),
            Field("team_id", _("Team"), kind="select", options=teams, value=plan.team_id if plan else None),
            Field("notice_days", _("Tell the customer (days before)"), value=str(plan.notice_days if plan else 3),
                  max_length=2),
            Field("checklists", _("Checklists"), kind="text", value=checklist_lines(plan.checklists) if plan else "",
                  max_length=CHECKLIST_MAX),
        ]

    def _hint(self) -> str:
        return _("One item a line: category | key | label; a measurement adds | unit LOW..HIGH,"
                 " e.g. ups | volts | Battery voltage | V 12..14")

    def action_add(self) -> None:
        if self.refusal("add"):
            return
        store = self.app.store

        def saved(p: PlanRow | None) -> None:
            if p is not None:
                self.notify(_("Plan {id} added.").format(id=p.id), markup=False)
                self.reload(keep=p.id)

        self.app.push_screen(ActionForm(
            _("New inspection plan"), self._fields(None),
            lambda values, _v: store.inspections.add_plan(**plan_values(store, values)), 0,
            hint=self._hint(), draft_key=("plan", 0)), saved)

    def action_edit(self) -> None:
        p = self.selected()
        if p is None or self.refusal("edit"):
            return
        store, plan_id = self.app.store, p.id

        def saved(row: PlanRow | None) -> None:
            if row is not None:
                self.notify(_("Plan {id} saved (version {v}).").format(id=row.id, v=row.version), markup=False)
                self.reload(keep=row.id)

        self.app.push_screen(ActionForm(
            _("Inspection plan {id}").format(id=plan_id), self._fields(p),
            lambda values, version: store.inspections.edit_plan(plan_id, version, **plan_values(store, values)),
            p.version, hint=self._hint(), draft_key=("plan", plan_id)), saved)

    def action_retire(self) -> None:
        p = self.selected()
        if p is None or self.refusal("retire"):
            return
        from ..widgets.confirm import ConfirmScreen

        store, plan_id, version = self.app.store, p.id, p.version

        def retired(_row: PlanRow) -> None:
            self.notify(_("Plan {id} retired: it makes no more visits.").format(id=plan_id), markup=False)
            self.reload()

        def refused(exc: Exception) -> None:  # changed or retired meanwhile: say so, show what is there now
            self.notify(write_refusal(exc), severity="error", markup=False)
            self.reload()

        def answered(choice: str | None) -> None:
            if choice == "retire":
                in_thread(self, lambda: store.inspections.retire_plan(plan_id, version), retired, refused, group="retire")

        self.app.push_screen(ConfirmScreen(
            _("Retire plan {id} ({where})? It makes no more visits; those made stay.").format(id=plan_id, where=p.where),
            [("retire", _("Retire"), "y")]), answered)
