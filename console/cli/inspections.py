"""``dispatch inspections plan add|list|edit|retire``, ``run``, ``list``,
``show``, ``record``, ``repair`` (issue 25): preventive inspections from the
command line. The rules and the writes are the store's
(store/repo/inspections.py); this reads what was typed and prints what they did.

A checklist file is JSON, one list of items per equipment category:
``{"ups": [{"key": "fan", "label": "Fan noise"},
{"key": "battery", "label": "Battery voltage", "kind": "measure", "unit": "V", "low": 12, "high": 14}]}``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from store.i18n import _, ngettext
from store.labels import category_label
from store.repo.inspection_rows import VisitRow
from store.rules.inspections import bounds_text
from store.text import clean

from .common import Ctx, cli, fail, file_options
from .output import Column, write_json, write_table

EVERY_HELP = _("month, quarter, or a number of days.")


def _one(text: Any) -> str:
    return clean("" if text is None else str(text), single_line=True)


def _checklists(path: Path) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(_("{file}: cannot read it ({e})").format(file=path, e=exc.strerror or exc))
    except (UnicodeDecodeError, ValueError):
        fail(_("{file}: not a JSON checklist file (see 'dispatch inspections plan add --help')").format(file=path))
    if not isinstance(data, dict):
        fail(_("{file}: not a JSON checklist file (see 'dispatch inspections plan add --help')").format(file=path))
    return data


def _every(text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    if text in ("month", "quarter"):
        return {"every": text, "days": None}
    if text.isdigit():
        return {"every": "days", "days": int(text)}
    fail(_("--every: {value} is not {what}").format(value=_one(text), what=EVERY_HELP))


def _refs(store: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """--site by code, --equipment by asset tag, --team by name (or each by its number)."""
    out = dict(fields)
    site = out.get("site_id")
    if site is not None:
        found = store.reference.site_by_code(site)
        out["site_id"] = found.id if found else int(site) if site.isdigit() else fail(
            _("--site: no site {ref} (its code or number)").format(ref=_one(site)))
    tag = out.get("equipment_id")
    if tag is not None:
        found = store.reference.equipment_by_tag(tag)
        out["equipment_id"] = found.id if found else int(tag) if tag.isdigit() else fail(
            _("--equipment: no equipment {ref} (its asset tag or number)").format(ref=_one(tag)))
    team = out.get("team_id")
    if team is not None:
        named = [t.id for t in store.people.teams() if t.name.casefold() == team.strip().casefold()]
        out["team_id"] = named[0] if len(named) == 1 else int(team) if team.isdigit() else fail(
            _("--team: no team {ref} (its name or number)").format(ref=_one(team)))
    return out


@cli.group(help=_("Preventive inspections: plans, the visits they make, checklists and their findings."))
def inspections() -> None:
    pass


@inspections.group(help=_("Inspection plans: add, list, edit, retire (managers)."))
def plan() -> None:
    pass


def _plan_line(p: Any) -> str:
    return _("plan {id}: {where}, {every} from {starts}, team {team} (version {v})").format(
        id=p.id, where=p.where, every=p.every_text(), starts=p.plan.starts.isoformat(), team=p.team, v=p.version)


@plan.command("add", help=_("Add a plan for a site (--site) or one piece of equipment (--equipment), with its"
                             " checklists (a JSON file: one list of items per equipment category)."))
@click.option("--site", "site_id", help=_("The site (its code or number): each piece of its equipment with a checklist."))
@click.option("--equipment", "equipment_id", help=_("One piece of equipment (its asset tag or number)."))
@click.option("--every", required=True, help=EVERY_HELP)
@click.option("--starts", required=True, help=_("The first visit, YYYY-MM-DD (today or later)."))
@click.option("--ends", help=_("The last day of the plan, YYYY-MM-DD."))
@click.option("--team", "team_id", required=True, help=_("The team that does the visits (its name or number)."))
@click.option("--notice", "notice_days", type=int, help=_("Days before a visit the customer is told (default 3)."))
@click.option("--checklist", "checklist", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help=_("The checklists, a JSON file."))
@file_options
@click.pass_obj
def plan_add(obj: Ctx, /, checklist: Path, every: str, **fields: Any) -> None:
    store = obj.open()
    values = _refs(store, {k: v for k, v in fields.items() if v is not None})
    p = store.inspections.add_plan(**values, **_every(every), checklists=_checklists(checklist))
    click.echo(_plan_line(p))


@plan.command("list", help=_("The plans in force (--all: the retired ones too)."))
@click.option("--all", "everything", is_flag=True, help=_("The retired plans too."))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", help=_("table or json."))
@file_options
@click.pass_obj
def plan_list(obj: Ctx, everything: bool, fmt: str) -> None:
    rows = obj.open(read_only=True).inspections.plans(retired=everything)
    if fmt == "json":
        write_json([p.to_json() for p in rows])
        return
    write_table([Column(_("plan"), right=True), Column(_("for"), rest=True), Column(_("how often")), Column(_("first visit")),
                 Column(_("team")), Column(_("checklists")), Column(_("version"), right=True)],
                [[str(p.id), p.where + (" " + _("(retired)") if p.retired_at else ""), p.every_text(),
                  p.plan.starts.isoformat(), p.team, ", ".join(category_label(c) for c in sorted(p.plan.checklists)),
                  str(p.version)] for p in rows])
    if not rows:
        click.echo(_("no inspection plans yet: 'dispatch inspections plan add'"), err=True)


@plan.command("edit", help=_("Change a plan: only the options given change; visits already made keep their dates."))
@click.argument("plan_id", type=int)
@click.option("--every", help=EVERY_HELP)
@click.option("--starts", help=_("The first visit, YYYY-MM-DD (today or later)."))
@click.option("--ends", help=_("The last day of the plan, YYYY-MM-DD."))
@click.option("--team", "team_id", help=_("The team that does the visits (its name or number)."))
@click.option("--notice", "notice_days", type=int, help=_("Days before a visit the customer is told (default 3)."))
@click.option("--checklist", "checklist", type=click.Path(path_type=Path, dir_okay=False), help=_("The checklists, a JSON file."))
@click.option("--expect-version", type=int, help=_("Refuse if the plan changed since this version (see 'plan list')."))
@file_options
@click.pass_obj
def plan_edit(obj: Ctx, /, plan_id: int, every: str | None, checklist: Path | None, expect_version: int | None,
              **fields: Any) -> None:
    store = obj.open()
    changes = _refs(store, {k: v for k, v in fields.items() if v is not None}) | _every(every)
    if checklist is not None:
        changes["checklists"] = _checklists(checklist)
    if not changes:
        fail(_("nothing to change: give --every, --starts, --ends, --team, --notice or --checklist"))
    p = store.inspections.plan(plan_id)
    p = store.inspections.edit_plan(plan_id, p.version if expect_version is None else expect_version, **changes)
    click.echo(_plan_line(p))


@plan.command("retire", help=_("Stop a plan making visits; the visits made stay."))
@click.argument("plan_id", type=int)
@file_options
@click.pass_obj
def plan_retire(obj: Ctx, plan_id: int) -> None:
    store = obj.open()
    p = store.inspections.retire_plan(plan_id, store.inspections.plan(plan_id).version)
    click.echo(_("plan {id} retired").format(id=p.id))


def _state(v: VisitRow) -> str:
    return {"done": _("done"), "overdue": _("overdue"), "open": _("open")}[v.state]


@inspections.command("run", help=_("Make the visits whose notice day has come (for cron; running it twice makes nothing twice)."))
@file_options
@click.pass_obj
def run(obj: Ctx) -> None:
    made = obj.open().inspections.run_inspections()
    for v in made:
        click.echo(_("visit {id}: {where}, due {due} ({key})").format(id=v.id, where=v.where, due=v.due.isoformat(), key=v.key))
        if v.notice == "no_address":  # said, not dropped: the customer has to be told another way
            click.echo("  " + _("the customer was not told: {where} has no address ('dispatch site contact')").format(
                where=v.where))
    click.echo(ngettext("{n} visit made", "{n} visits made", len(made)).format(n=len(made)))


@inspections.command("list", help=_("The visits overdue and due this week (--all: every visit, done ones too)."))
@click.option("--all", "everything", is_flag=True, help=_("Every visit, done ones too."))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", help=_("table or json."))
@file_options
@click.pass_obj
def visit_list(obj: Ctx, everything: bool, fmt: str) -> None:
    repo = obj.open(read_only=True).inspections
    rows = repo.visits(open_only=False) if everything else repo.due_now()
    if fmt == "json":
        write_json([v.to_json() for v in rows])
        return
    write_table([Column(_("visit"), right=True), Column(_("due")), Column(_("state")), Column(_("for"), rest=True),
                 Column(_("team")), Column(_("equipment"), right=True)],
                [[str(v.id), v.due.isoformat(), _state(v), v.where, v.team, str(len(v.equipment))] for v in rows])
    if not rows:
        click.echo(_("no visits due this week and none overdue"), err=True)


@inspections.command("show", help=_("One visit: its equipment, each checklist as recorded, the findings and their repairs."))
@click.argument("visit_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help=_("text or json."))
@file_options
@click.pass_obj
def show(obj: Ctx, visit_id: int, fmt: str) -> None:
    repo = obj.open(read_only=True).inspections
    v = repo.visit(visit_id)
    if fmt == "json":
        write_json(v.to_json())
        return
    click.echo(_("visit {id} ({key}): {where}, due {due}, {state}").format(
        id=v.id, key=v.key, where=v.where, due=v.due.isoformat(), state=_state(v)))
    done = {r.equipment_id: r for r in v.recorded}
    for eq in v.equipment:
        rec = done.get(eq)
        if rec is None:
            click.echo("  " + _("equipment {id}: not recorded yet").format(id=eq))
            continue
        click.echo("  " + _("equipment {id} {tag} ({category}), by {by}").format(
            id=eq, tag=_one(rec.tag), category=category_label(rec.category), by=_one(rec.by)))
        for x in rec.results:
            mark = _("pass") if x.outcome == "pass" else _("FAIL")
            value = "" if x.value is None else f" {x.value} {x.item.unit}".rstrip()
            bounds = f" [{bounds_text(x.item)}]" if bounds_text(x.item) else ""
            repair = f" → #{rec.repairs[x.item.key]}" if x.item.key in rec.repairs else ""
            note = f" — {_one(x.note)}" if x.note else ""
            click.echo(f"    {mark:5} {_one(x.item.label)}{value}{bounds}{note}{repair}")


def _answers(items: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """``KEY=pass``, ``KEY=fail:why``, ``KEY=11.2`` or ``KEY=11.2:fail:why`` as the rules' answers."""
    out: dict[str, dict[str, Any]] = {}
    for text in items:
        key, sep, rest = text.partition("=")
        if not sep or not key.strip():
            fail(_("--item {value}: KEY=pass, KEY=fail, KEY=VALUE, each with an optional :NOTE").format(value=_one(text)))
        head, _sep, note = rest.partition(":")
        answer: dict[str, Any] = {"note": note}
        if head.strip() in ("pass", "fail"):
            answer["outcome"] = head.strip()
        else:
            answer["value"] = head.strip()
            mark, _s, why = note.partition(":")
            if mark.strip() in ("pass", "fail"):
                answer["outcome"], answer["note"] = mark.strip(), why
        out[key.strip()] = answer
    return out


@inspections.command("record", help=_("Record one piece of equipment's checklist on a visit: every item, as"
                                       " --item KEY=pass, KEY=fail:NOTE or KEY=VALUE (a measurement), or --json FILE."))
@click.argument("visit_id", type=int)
@click.argument("equipment_id", type=int)
@click.option("--item", "items", multiple=True, help=_("KEY=pass, KEY=fail:NOTE, KEY=VALUE[:pass|fail][:NOTE]."))
@click.option("--json", "json_file", type=click.Path(path_type=Path, dir_okay=False),
              help=_("The answers as JSON: {KEY: {\"outcome\": \"pass\", \"value\": \"12.4\", \"note\": \"…\"}}."))
@file_options
@click.pass_obj
def record(obj: Ctx, visit_id: int, equipment_id: int, items: tuple[str, ...], json_file: Path | None) -> None:
    answers = _answers(items)
    if json_file is not None:
        data = _checklists(json_file)
        answers |= {str(k): v if isinstance(v, dict) else {} for k, v in data.items()}
    v = obj.open().inspections.record_checklist(visit_id, equipment_id, answers)
    rec = next(r for r in v.recorded if r.equipment_id == equipment_id)
    failed = [x for x in rec.results if x.outcome == "fail"]
    click.echo(_("visit {id}, equipment {eq}: {n} items, {f} failed{done}").format(
        id=v.id, eq=equipment_id, n=len(rec.results), f=len(failed),
        done="; " + _("the visit is done") if v.done_at else ""))
    for x in failed:
        click.echo("  " + _("finding: {key} ('dispatch inspections repair {id} {eq} {key}' opens its repair)").format(
            key=x.item.key, id=v.id, eq=equipment_id))


@inspections.command("repair", help=_("Open the repair ticket for a failed item of a visit, linked to it."))
@click.argument("visit_id", type=int)
@click.argument("equipment_id", type=int)
@click.argument("item")
@click.option("--priority", type=click.IntRange(1, 4), default=3, show_default=True, help=_("The ticket's priority."))
@file_options
@click.pass_obj
def repair(obj: Ctx, visit_id: int, equipment_id: int, item: str, priority: int) -> None:
    ticket_id = obj.open().inspections.open_repair(visit_id, equipment_id, item, priority)
    click.echo(_("ticket #{t} opened for the finding {key} of visit {id}").format(t=ticket_id, key=_one(item), id=visit_id))


@inspections.command("report", help=_("The inspection report of a visit for the customer: an A4 sheet to print"
                                       " and sign, and the results as data (.xlsx)."))
@click.argument("visit_id", type=int)
@click.option("-o", "--output", "output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              metavar="FILE.xlsx")
@file_options
@click.pass_obj
def report(obj: Ctx, visit_id: int, output: Path) -> None:
    from store.transfer.inspection_report import write_inspection_report

    if output.suffix.lower() != ".xlsx":
        fail(_("{path}: a workbook's name ends in .xlsx").format(path=output))
    if not output.parent.exists():
        fail(_("{path}: no such folder").format(path=output.parent))
    store = obj.open(read_only=True)
    try:
        write_inspection_report(store, visit_id, output)
    finally:
        store.close()
    click.echo(str(output))


@inspections.command("figures", help=_("A month's inspection figures: done on time, findings per equipment category,"
                                        " and the inspections after which a fault came within 30 days."))
@click.option("--month", required=True, help=_("The month, YYYY-MM."))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", help=_("table or json."))
@file_options
@click.pass_obj
def figures(obj: Ctx, month: str, fmt: str) -> None:
    from store.rules.periods import Period

    period = Period.parse_month(month)
    raw = obj.open(read_only=True).inspections.figures(period)
    missed: list[dict[str, Any]] = [{"visit": x.key, "equipment_id": x.equipment_id, "tickets": list(t)}
                                    for x, t in raw.missed]
    if fmt == "json":
        write_json({"month": month, "on_time": raw.on_time, "counted": raw.counted,
                    "per_category": {c: {"findings": f, "inspected": n} for c, (f, n) in raw.per_category.items()},
                    "missed": missed})
        return
    share = f"{raw.on_time / raw.counted:.1%}" if raw.counted else "–"
    click.echo(_("Done on time: {share} ({on_time} of {counted} visits)").format(
        share=share, on_time=raw.on_time, counted=raw.counted))
    write_table([Column(_("category"), rest=True), Column(_("findings"), right=True), Column(_("inspected"), right=True)],
                [[category_label(c), str(f), str(n)] for c, (f, n) in raw.per_category.items()])
    for m in missed:
        click.echo(_("visit {key}, equipment {eq}: a fault within 30 days ({tickets})").format(
            key=m["visit"], eq=m["equipment_id"], tickets=", ".join(f"#{t}" for t in m["tickets"])))
