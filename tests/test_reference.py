"""Reference data through the store: sites, equipment, teams, technicians
added, edited and retired, each change audited; retired records leave the
pickers but tickets keep their names; a taken code is a field error. The
technicians' load, and the candidates for a ticket ranked by skill then load."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from ticket_helpers import make, to_onsite, to_resolved

from store import Store
from store.errors import NotFound, ValidationFailed
from store.migrations import NAMES, SCHEMA_VERSION


def events(store: Store, entity: str) -> list[tuple[str, int, dict[str, Any], dict[str, Any]]]:
    rows = store.db.q("SELECT action, entity_id, old, new FROM events WHERE entity = ? ORDER BY id", (entity,))
    return [(r[0], r[1], json.loads(r[2]), json.loads(r[3])) for r in rows]


def test_migration_is_named_and_old_rows_get_defaults(store: Store) -> None:
    assert "0003_reference" in NAMES
    hq = store.reference.site(1)
    assert hq.contact == "" and hq.retired is False
    assert store.reference.equipment_item(1).installed is None and store.people.team(1).retired is False


def test_site_add_edit_retire_audited(store: Store) -> None:
    site = store.reference.add_site(code="EB", name="East Branch", address="Dock Road", contact="Ms Qian 6612")
    assert (site.code, site.contact, site.retired) == ("EB", "Ms Qian 6612", False)
    edited = store.reference.edit_site(site.id, name="East Branch (new)")
    assert edited.name == "East Branch (new)" and edited.address == "Dock Road"
    store.reference.retire_site(site.id)
    assert [e[0] for e in events(store, "site")] == ["site.add", "site.edit", "site.retire"]
    _action, entity_id, old, new = events(store, "site")[1]
    assert entity_id == site.id and old == {"name": "East Branch"} and new == {"name": "East Branch (new)"}
    assert all(e[0] != "site.edit" for e in events(store, "site")[2:])


def test_duplicate_code_and_tag_are_field_errors(store: Store) -> None:
    with pytest.raises(ValidationFailed) as exc:
        store.reference.add_site(code="HQ", name="Another")
    assert "code" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        store.reference.edit_site(2, code="HQ")
    assert "code" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        store.reference.add_equipment(asset_tag="HQ-ATM-A", site_id=2, category="atm")
    assert "asset_tag" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        store.people.add_team("alpha team")
    assert "name" in exc.value.errors
    assert len(store.reference.sites(include_retired=True)) == 2  # nothing half-written


def test_input_messages_name_the_limits(store: Store) -> None:
    with pytest.raises(ValidationFailed) as exc:
        store.reference.add_site(code="X" * 17, name="")
    assert exc.value.errors == {"code": "at most 16 characters", "name": "required"}
    with pytest.raises(ValidationFailed) as exc:
        store.reference.add_equipment(asset_tag="T-1", site_id=1, installed="yesterday")
    assert exc.value.errors == {"installed": "a date like 2026-03-31"}
    with pytest.raises(ValidationFailed) as exc:
        store.reference.add_equipment(asset_tag="T-1", site_id=99)
    assert "site_id" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        store.people.add_technician("New", 1, skills=("atm", "teleport"))
    assert "teleport" in exc.value.errors["skills"]
    with pytest.raises(NotFound):
        store.reference.edit_site(99, name="x")


def test_equipment_dates(store: Store) -> None:
    e = store.reference.add_equipment(asset_tag="NB-UPS-A", site_id=2, category="ups", model="APC",
                            installed="2024-03-01", warranty_until="2027-02-28")
    assert e.installed == date(2024, 3, 1) and e.warranty_until == date(2027, 2, 28)
    with pytest.raises(ValidationFailed) as exc:
        store.reference.edit_equipment(e.id, warranty_until="2023-01-01")
    assert "warranty_until" in exc.value.errors
    assert store.reference.edit_equipment(e.id, warranty_until="").warranty_until is None
    assert [a for a, *_rest in events(store, "equipment")] == ["equipment.add", "equipment.edit"]


def test_teams_and_technicians(store: Store) -> None:
    team = store.people.add_team("Charlie Team", foreman_id=2)
    tech = store.people.add_technician("Zhao Lei", team.id, phone="139 0000 0001", skills="atm|ups")
    assert tech.team_name == "Charlie Team" and tech.skills == ("atm", "ups") and tech.on_duty
    assert store.people.edit_technician(tech.id, phone="139 0000 0002").phone == "139 0000 0002"
    store.people.set_on_duty(tech.id, False)
    assert store.people.technician(tech.id).on_duty is False
    assert store.people.edit_team(team.id, name="Charlie").name == "Charlie"
    actions = [a for a, *_rest in events(store, "technician")]
    assert actions == ["technician.add", "technician.edit", "technician.duty"]
    assert [a for a, *_rest in events(store, "team")] == ["team.add", "team.edit"]


def test_retired_hidden_from_pickers_but_named_on_tickets(store: Store) -> None:
    ticket = store.tickets.create_ticket({
        "channel": "phone", "reporter": "Mrs Zhao", "phone": "010 6666 8888", "site_id": 2,
        "equipment_id": 3, "category": "atm", "priority": 2, "description": "ATM swallows cards"})
    ticket = store.tickets.assign(ticket.id, ticket.version, technician_id=3)
    store.reference.retire_site(2)
    store.reference.retire_equipment(3)
    store.people.retire_technician(3)
    store.people.retire_team(2)
    assert [s.code for s in store.reference.sites()] == ["HQ"]
    assert "NB-ATM-A" not in [e.asset_tag for e in store.reference.equipment()]
    assert [e.asset_tag for e in store.reference.equipment(2)] == ["NB-NET-A"]
    assert 3 not in [t.id for t in store.people.technicians()]
    assert 3 in [t.id for t in store.people.technicians(include_retired=True)]
    assert [t.name for t in store.people.teams()] == ["Alpha Team"]
    ticket2 = store.tickets.create_ticket({
        "channel": "phone", "reporter": "Mr Li", "phone": "010 6666 8889", "site_id": 1,
        "category": "atm", "priority": 3, "description": "ATM slow"})
    assert 3 not in [t.id for t, _match in store.reference.candidates(ticket2.id)]
    kept = store.tickets.ticket(ticket.id)
    assert (kept.site_name, kept.equipment_tag, kept.technician_name) == ("North Branch", "NB-ATM-A", "Wang Fang")
    # A new record cannot point at a retired one; an old one may keep pointing.
    with pytest.raises(ValidationFailed) as exc:
        store.reference.add_equipment(asset_tag="NB-NEW", site_id=2)
    assert "site_id" in exc.value.errors
    assert store.reference.edit_equipment(4, model="Cisco 2").site_id == 2
    assert store.reference.retire_site(2, retired=False).retired is False
    assert [a for a, *_rest in events(store, "site")] == ["site.retire", "site.retire"]


def test_store_reads_its_reference_data(store: Store) -> None:
    assert [s.code for s in store.reference.sites()] == ["HQ", "NB"]
    assert [s.code for s in store.reference.sites("river")] == ["NB"]
    assert store.reference.sites("%") == []
    assert store.reference.site(2).name == "North Branch"
    with pytest.raises(NotFound):
        store.reference.site(9)
    assert [e.asset_tag for e in store.reference.equipment(site_id=2)] == ["NB-ATM-A", "NB-NET-A"]
    assert [e.asset_tag for e in store.reference.equipment(query="atm")] == ["HQ-ATM-A", "NB-ATM-A"]
    assert [t.name for t in store.people.teams()] == ["Alpha Team", "Bravo Team"]
    assert store.admin.schema_version() == SCHEMA_VERSION
    assert store.admin.check() == []
    assert store.admin.max_ticket_id() == 0

def test_technician_load(store: Store) -> None:
    a = store.tickets.assign(make(store).id, 1, technician_id=1)
    b = to_onsite(store, make(store), tech=1)
    to_resolved(store, make(store), tech=1)  # resolved: no longer load
    closed = to_resolved(store, make(store), tech=3)
    store.tickets.close(closed.id, closed.version, signoff="ok")
    store.tickets.assign(make(store, site_id=2, equipment_id=4, category="network").id, 1, technician_id=3)
    load = {t.name: (t.open_load, t.current_ticket) for t in store.people.technicians()}
    assert load == {
        "Li Wei": (2, b.id),  # the ticket on site is the current one
        "Zhang Min": (0, None),
        "Chen Jie": (0, None),
        "Wang Fang": (1, closed.id + 1),
    }
    assert a.technician_id == 1
    names = [t.name for t in store.people.technicians()]
    assert names == ["Li Wei", "Zhang Min", "Chen Jie", "Wang Fang"]  # by team, then name
    li = store.people.technicians()[0]
    assert (li.team_name, li.skills, li.on_duty) == ("Alpha Team", ("atm", "cash"), True)

def test_candidates_rank_skill_then_load(store: Store) -> None:
    t = make(store)  # an ATM
    ranked = [(tech.name, skilled) for tech, skilled in store.reference.candidates(t.id)]
    # Chen Jie has the skill but is off duty.
    assert ranked == [("Li Wei", True), ("Wang Fang", True), ("Zhang Min", False)]
    store.tickets.assign(make(store).id, 1, technician_id=1)  # Li Wei now has one open ticket
    ranked = [(tech.name, skilled) for tech, skilled in store.reference.candidates(t.id)]
    assert ranked == [("Wang Fang", True), ("Li Wei", True), ("Zhang Min", False)]
    store.people.set_on_duty(4, True)
    ranked = [(tech.name, skilled) for tech, skilled in store.reference.candidates(t.id)]
    assert ranked == [("Chen Jie", True), ("Wang Fang", True), ("Li Wei", True), ("Zhang Min", False)]
    printer = make(store, equipment_id=2, category="printer")
    assert store.reference.candidates(printer.id)[0] == (store.people.technicians()[1], True)  # Zhang Min
    with pytest.raises(NotFound):
        store.people.set_on_duty(99, True)
