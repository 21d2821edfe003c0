"""What the one records screen needs to know about each reference table:
its columns, its form fields and which store calls list, add, edit and retire.

Every callable taking a ``store`` runs in a worker thread, never on the UI
thread; the screen only formats what they return. Choices and picker labels
are read with the list, so a form opens at once: keys typed right after 'n'
land in it, not in the list behind it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from store.inputs import (
    ADDRESS_MAX,
    ASSET_TAG_MAX,
    CODE_MAX,
    CONTACT_MAX,
    MODEL_MAX,
    NAME_MAX,
    PERSON_MAX,
    PHONE_MAX,
    SKILLS_SEPARATOR,
    split_skills,
)
from store.labels import CATEGORIES, category_label
from store.text import clean

from ..i18n import N_, _

Choices = list[tuple[str, Any]]
DATE_MAX = 20  # "2026-03-31", with room for spaces around it
SKILLS_MAX = 200  # every category, named, with separators


@dataclass(frozen=True)
class FormField:
    """One form line. ``choices`` (select) and ``search`` (picker) read the
    store in a thread; ``shown`` turns a record's value into what the widget
    holds, ``stored`` turns what was typed back into the store's value."""

    name: str
    label: str
    kind: Literal["input", "select", "picker"] = "input"
    placeholder: str = ""
    choices: Callable[[Any], Choices] | None = None
    search: Callable[[Any, str], list[tuple[int, str]]] | None = None
    labels: Callable[[Any], dict[Any, str]] | None = None  # picker: the text of each value that may be set
    shown: Callable[[Any], Any] = lambda v: "" if v is None else str(v)
    stored: Callable[[Any], Any] = lambda v: v
    optional_choice: bool = False  # a select that may stay blank
    default: Any = None
    max_length: int = 0  # an input's limit, the store's (store/inputs.py): the field takes no more


@dataclass(frozen=True)
class TableSpec:
    table: str  # also the CSV table name
    entity: str  # what its writes are named by ("site" in "site.add", store/repo/)
    title: str
    noun: str  # "site": confirm questions and notes
    columns: Sequence[tuple[str, int]]  # header, width
    fields: Sequence[FormField]
    rows: Callable[[Any, str, bool], list[tuple[Any, list[str]]]]  # (store, query, retired) -> (record, cells)
    add: Callable[..., Any]
    edit: Callable[..., Any]
    retire: Callable[[Any, int, bool], Any]
    describe: Callable[[Any], str]
    hint: str = ""
    hint_values: Mapping[str, str] = field(default_factory=dict)  # what the hint's {placeholders} stand for
    csv: bool = True  # importable and exportable (store/transfer/csv_io)
    # Notification addresses (issue 24), when its records have them: (read, write) of a record's, in a thread.
    addresses: tuple[Callable[[Any, int], list[str]], Callable[[Any, int, list[str]], list[str]]] | None = None

    # Labels here are English msgids (N_): the specs are built at import, so
    # they are translated when shown, in the language in use then.
    def hint_text(self) -> str:
        return _(self.hint).format(**self.hint_values) if self.hint else ""


def _text(value: Any) -> str:
    return clean("" if value is None else str(value), single_line=True)


def _retired(record: Any) -> str:
    return _("retired") if getattr(record, "retired", False) else ""


def _matches(query: str, *values: Any) -> bool:
    q = query.strip().casefold()
    return not q or any(q in _text(v).casefold() for v in values)


def _optional(value: Any) -> Any:
    """Blank means none: an empty date or a blank optional choice."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


# ------------------------------------------------------------------ sites
def _site_rows(store: Any, query: str, retired: bool) -> list[tuple[Any, list[str]]]:
    return [(s, [s.code, s.name, s.address, s.contact, _retired(s)])
            for s in store.reference.sites(query, limit=500, include_retired=retired)]


SITES = TableSpec(
    table="sites", entity="site", title=N_("Sites"), noun=N_("site"),
    columns=[(N_("Code"), 8), (N_("Name"), 22), (N_("Address"), 20), (N_("Contact"), 12), (N_("State"), 7)],
    fields=[
        FormField("code", N_("Code"), placeholder=N_("short and unique, e.g. NB01"), max_length=CODE_MAX),
        FormField("name", N_("Name"), placeholder=N_("e.g. North Branch"), max_length=NAME_MAX),
        FormField("address", N_("Address"), max_length=ADDRESS_MAX),
        FormField("contact", N_("Contact"), placeholder=N_("name and phone on site"), max_length=CONTACT_MAX),
    ],
    rows=_site_rows,
    add=lambda store, **f: store.reference.add_site(**f),
    edit=lambda store, rid, **c: store.reference.edit_site(rid, **c),
    retire=lambda store, rid, retired: store.reference.retire_site(rid, retired=retired),
    describe=lambda s: f"{_text(s.code)} {_text(s.name)}",
    # Where an inspection's notice to the customer goes (`dispatch site contact`; managers).
    addresses=(lambda store, rid: store.inspections.site_addresses(rid),
               lambda store, rid, urls: store.inspections.set_site_contact(rid, urls, keep_language=True)),
)


# -------------------------------------------------------------- equipment
def _equipment_rows(store: Any, query: str, retired: bool) -> list[tuple[Any, list[str]]]:
    codes = {s.id: s.code for s in store.reference.sites("", limit=100_000, include_retired=True)}
    return [(e, [e.asset_tag, codes.get(e.site_id, "?"), category_label(e.category), e.model,
                 _text(e.installed or ""), _text(e.warranty_until or ""), _retired(e)])
            for e in store.reference.equipment(None, query, limit=500, include_retired=retired)]


def _site_choices(store: Any, text: str) -> list[tuple[int, str]]:
    return [(s.id, f"{s.code} {s.name}") for s in store.reference.sites(text, limit=8)]


def _site_labels(store: Any) -> dict[Any, str]:
    return {s.id: f"{s.code} {s.name}" for s in store.reference.sites("", limit=100_000, include_retired=True)}


EQUIPMENT = TableSpec(
    table="equipment", entity="equipment", title=N_("Equipment"), noun=N_("equipment"),
    columns=[(N_("Asset tag"), 12), (N_("Site"), 6), (N_("Category"), 10), (N_("Model"), 10),
             (N_("Installed"), 10), (N_("Warranty"), 10), (N_("State"), 7)],
    fields=[
        FormField("asset_tag", N_("Asset tag"), placeholder=N_("unique, e.g. NB01-ATM-1"), max_length=ASSET_TAG_MAX),
        FormField("site_id", N_("Site (type to search)"), kind="picker", placeholder=N_("branch name or code"),
                  search=_site_choices, labels=_site_labels),
        FormField("category", N_("Category"), kind="select", default="atm",
                  choices=lambda _store: [(category_label(c), c) for c in CATEGORIES]),
        FormField("model", N_("Model"), max_length=MODEL_MAX),
        FormField("installed", N_("Installed"), placeholder=N_("YYYY-MM-DD (optional)"), stored=_optional,
                  max_length=DATE_MAX),
        FormField("warranty_until", N_("Warranty until"), placeholder=N_("YYYY-MM-DD (optional)"), stored=_optional,
                  max_length=DATE_MAX),
    ],
    rows=_equipment_rows,
    add=lambda store, **f: store.reference.add_equipment(**f),
    edit=lambda store, rid, **c: store.reference.edit_equipment(rid, **c),
    retire=lambda store, rid, retired: store.reference.retire_equipment(rid, retired=retired),
    describe=lambda e: f"{_text(e.asset_tag)} ({category_label(e.category)} {_text(e.model)})",
)


# ------------------------------------------------------------------ teams
def _team_rows(store: Any, query: str, retired: bool) -> list[tuple[Any, list[str]]]:
    techs = store.people.technicians(include_retired=True)
    names = {t.id: t.name for t in techs}
    members: dict[int, int] = {}
    for t in techs:
        if not getattr(t, "retired", False):
            members[t.team_id] = members.get(t.team_id, 0) + 1
    return [(t, [t.name, names.get(t.foreman_id, "") if t.foreman_id else "", str(members.get(t.id, 0)), _retired(t)])
            for t in store.people.teams(include_retired=retired)
            if _matches(query, t.name, names.get(t.foreman_id, ""))]


def _foreman_choices(store: Any) -> Choices:
    return [(f"{t.name} ({t.team_name})", t.id) for t in store.people.technicians()]


TEAMS = TableSpec(
    table="teams", entity="team", title=N_("Teams"), noun=N_("team"),
    columns=[(N_("Name"), 24), (N_("Foreman"), 20), (N_("Technicians"), 11), (N_("State"), 7)],
    fields=[
        FormField("name", N_("Name"), placeholder=N_("e.g. North Team"), max_length=PERSON_MAX),
        FormField("foreman_id", N_("Foreman (optional)"), kind="select", choices=_foreman_choices,
                  optional_choice=True),
    ],
    rows=_team_rows,
    add=lambda store, **f: store.people.add_team(**f),
    edit=lambda store, rid, **c: store.people.edit_team(rid, **c),
    retire=lambda store, rid, retired: store.people.retire_team(rid, retired=retired),
    describe=lambda t: _text(t.name),
    csv=False,
)


# ------------------------------------------------------------ technicians
def _skills_shown(value: Any) -> str:
    return SKILLS_SEPARATOR.join(value or ())


def _skills_listed(value: Any) -> str:
    """Skills in the table: category names in the language in use, not the codes."""
    return SKILLS_SEPARATOR.join(category_label(s) for s in value or ())


def _skills_stored(value: Any) -> tuple[str, ...]:
    # Codes as the hint shows them, or the category names as the table shows
    # them; separated as anywhere else (store/inputs.py split_skills).
    names = {category_label(c).casefold(): c for c in CATEGORIES}
    return tuple(names.get(s.casefold(), s) for s in split_skills(str(value or "")))


def _duty_label(on: bool) -> str:
    return _("on duty") if on else _("off duty")


def _tech_rows(store: Any, query: str, retired: bool) -> list[tuple[Any, list[str]]]:
    return [(t, [t.name, t.team_name, t.phone, _skills_listed(t.skills), _duty_label(t.on_duty), _retired(t)])
            for t in store.people.technicians(include_retired=retired)
            if _matches(query, t.name, t.team_name, t.phone, *t.skills, _skills_listed(t.skills))]


TECHNICIANS = TableSpec(
    table="technicians", entity="technician", title=N_("Technicians"), noun=N_("technician"),
    columns=[(N_("Name"), 16), (N_("Team"), 12), (N_("Phone"), 13), (N_("Skills"), 11), (N_("Duty"), 8), (N_("State"), 7)],
    fields=[
        FormField("name", N_("Name"), max_length=PERSON_MAX),
        FormField("team_id", N_("Team"), kind="select",
                  choices=lambda store: [(t.name, t.id) for t in store.people.teams()]),
        FormField("phone", N_("Phone"), max_length=PHONE_MAX),
        # The hint above the form lists every category; the field shows an example, not the list again.
        FormField("skills", N_("Skills"), placeholder=N_("e.g. atm, cash"), shown=_skills_shown,
                  stored=_skills_stored, max_length=SKILLS_MAX),
        FormField("on_duty", N_("Duty"), kind="select", default=True,
                  choices=lambda _store: [(_duty_label(True), True), (_duty_label(False), False)]),
    ],
    rows=_tech_rows,
    add=lambda store, **f: store.people.add_technician(**f),
    edit=lambda store, rid, **c: store.people.edit_technician(rid, **c),
    retire=lambda store, rid, retired: store.people.retire_technician(rid, retired=retired),
    describe=lambda t: f"{_text(t.name)} ({_text(t.team_name)})",
    hint=N_("Skills: categories separated by commas ({all})."), hint_values={"all": SKILLS_SEPARATOR.join(CATEGORIES)},
    addresses=(lambda store, rid: store.outbox.technician_addresses(rid),
               lambda store, rid, urls: store.outbox.set_technician_addresses(rid, urls)),
)

SPECS: dict[str, TableSpec] = {s.table: s for s in (SITES, EQUIPMENT, TEAMS, TECHNICIANS)}
