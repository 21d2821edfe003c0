"""Issue 23: ``--format json`` carries typed values, tables carry the display.

Every command with a JSON format, run on the demo (with its users,
callbacks, items and complaints) at a fixed instant: numbers are numbers,
flags true/false, nothing is null (not "" or "—"), times are ISO 8601 in the
site's zone, days YYYY-MM-DD, and no value is a table's rendering ("83 %",
"*", "yes", "13m10s", "2026-11-25 14:05")."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from store import Store
from store.context import default_actor
from store.timeutil import fixed_clock
from tests.conftest import NOW, DemoBuild

# The module's ``demo_full`` file made once, on one worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("cli_json")

ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+08:00$")  # the demo is in Asia/Shanghai
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# What a table shows and JSON must not: shares, marks, words for flags, countdowns, local times, dashes.
DISPLAY = re.compile(r"^(\d+ %|\*|yes|no|—|[=+]?\d+[hdm]\d*[hms]?|\d+m\d+s|\d{4}-\d{2}-\d{2} \d{2}:\d{2}|-?\d+(\.\d+)?)$")


@pytest.fixture(scope="module")
def demo_full(demo_build: DemoBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session demo plus what 'dispatch demo' adds: users, callbacks, items, complaints."""
    from demo_data.callbacks import add_demo_evaluations
    from demo_data.items import add_demo_items
    from demo_data.users import add_demo_users

    path = tmp_path_factory.mktemp("json") / "demo.db"
    shutil.copy(demo_build.path, path)
    store = Store(path, clock=fixed_clock(NOW), actor=default_actor())
    add_demo_users(store, default_actor())
    add_demo_evaluations(store, NOW)
    add_demo_items(store, NOW)
    store.people.add_team("Spare team")  # no foreman
    store.close()
    return path


@pytest.fixture
def run(demo_full: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setattr("store.context.system_clock", fixed_clock(NOW))

    def go(*args: str) -> Any:
        from console.cli import cli

        result = CliRunner().invoke(cli, ["--db", str(demo_full), *args, "--format", "json"])
        assert result.exit_code == 0, (result.output, result.stderr)
        data = json.loads(result.output)
        assert_typed(data)
        return data

    yield go


def assert_typed(value: Any, where: str = "") -> None:
    """No table rendering anywhere in the document (keys named *label or title are the words, by design)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if not (k.endswith("label") or k in ("title", "name", "description", "notes", "matter", "phone", "reporter")):
                assert_typed(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            assert_typed(v, f"{where}[{i}]")
    elif isinstance(value, str):
        assert not DISPLAY.match(value), f"{where} = {value!r} is display text"


def every(rows: list[dict[str, Any]], key: str) -> list[Any]:
    return [r[key] for r in rows]


def test_queue(run: Any) -> None:
    data = run("queue", "--limit", "100")
    assert ISO_TIME.match(data["at"]) and isinstance(data["counts"]["open"], int)
    tickets = data["tickets"]
    assert tickets and all("countdown" not in t and "deadline" not in t for t in tickets)
    assert all(isinstance(t["seconds_left"], int) or t["seconds_left"] is None for t in tickets)
    assert all(t["due"] is None or ISO_TIME.match(t["due"]) for t in tickets)
    assert {t["state"] for t in tickets} >= {"ok", "at_risk", "breached"} and None in every(tickets, "state")
    resolved = next(t for t in tickets if t["status"] == "resolved")
    assert resolved["state"] is None and resolved["state_label"] is None and resolved["seconds_left"] is None
    held = [t for t in tickets if t["status"] == "waiting"]
    assert held and all(isinstance(t["seconds_left"], int) and t["due"] is None for t in held)


def test_ticket(run: Any) -> None:
    data = run("ticket", "1")
    assert ISO_TIME.match(data["reported_at"]) and ISO_TIME.match(data["at"])
    assert all("text" not in c for c in data["clocks"])
    assert all(c["due"] is None or ISO_TIME.match(c["due"]) for c in data["clocks"])
    assert all(isinstance(c["met_on_time"], bool) or c["met_on_time"] is None for c in data["clocks"])
    assert all(ISO_TIME.match(e["at"]) for e in data["timeline"])
    fees = [run("ticket", str(n))["fee"] for n in range(1, 40)]
    assert any(isinstance(f, float) for f in fees) and all(f is None or isinstance(f, float) for f in fees)


def test_reference_lists(run: Any) -> None:
    sites = run("site", "list", "--all")
    assert sites and all(isinstance(s["retired"], bool) for s in sites)
    equipment = run("equipment", "list")
    assert all(e["installed"] is None or DAY.match(e["installed"]) for e in equipment)
    techs = run("tech", "list")
    assert all(isinstance(t["on_duty"], bool) and isinstance(t["open_load"], int) for t in techs)
    assert all(isinstance(t["skills"], list) for t in techs)
    teams = run("team", "list")
    assert None in every(teams, "foreman") and "" not in every(teams, "foreman")
    policy = run("sla", "show")
    assert [p["priority"] for p in policy] == [1, 2, 3, 4] and all(isinstance(p["response_min"], int) for p in policy)


def test_users(run: Any) -> None:
    users = run("user", "list", "--all")
    assert all(isinstance(u["disabled"], bool) and isinstance(u["pin"], bool) for u in users)
    assert None in every(users, "team") and "" not in every(users, "team")
    assert {u["role"] for u in users} >= {"manager", "dispatcher", "foreman", "viewer"}


def test_callbacks(run: Any) -> None:
    calls = run("callbacks", "list", "--day", "2026-11-24")
    assert calls and all(DAY.match(c["due"]) for c in calls)
    assert {c["role"] for c in calls} <= {"dispatcher", "manager"}  # codes, not their words
    assert all(c["score"] is None or isinstance(c["score"], int) for c in calls)
    assert all(c["rating"] in (None, "satisfied", "basic", "unsatisfied") for c in calls)
    assert "" not in every(calls, "rating") and "" not in every(calls, "score")


def test_scores(run: Any) -> None:
    rows = run("scores", "--month", "2026-11")
    techs = [r for r in rows if r["kind"] == "technician"]
    teams = [r for r in rows if r["kind"] == "team"]
    assert every(techs, "star").count(True) == 1 and techs[0]["star"] is True
    assert every(teams, "winner").count(True) == 1 and all(t["team"] is None for t in teams)
    for r in rows:
        assert "mark" not in r and "satisfied" not in r
        assert isinstance(r["satisfied_share"], float) and 0 <= r["satisfied_share"] <= 1
        assert all(isinstance(r[k], float) for k in ("mean", "per_ticket", "score", "bonus"))
        assert isinstance(r["sum"], int) and isinstance(r["count"], int)
    star = techs[0]
    assert star["score"] == pytest.approx(star["mean"] + star["per_ticket"]) and star["bonus"] == 0.5
    daily = run("scores", "--month", "2026-11", "--daily")
    assert daily and all(DAY.match(d["day"]) and isinstance(d["points"], int) for d in daily)


def test_items_and_complaints(run: Any) -> None:
    items = run("items", "list")
    assert items and {i["state"] for i in items} <= {"open", "followed_up", "proposed", "submitted", "confirmed"}
    assert all(isinstance(i["overdue"], bool) and ISO_TIME.match(i["opened"]) and DAY.match(i["due"]) for i in items)
    assert {i["source"] for i in items} <= {"callback", "complaint"} and all(isinstance(i["source_id"], int)
                                                                          for i in items)
    assert None in every(items, "confirmed_by") and "" not in every(items, "measures")
    complaints = run("complaints", "list")
    assert complaints and all(ISO_TIME.match(c["received"]) for c in complaints)
    assert {c["state"] for c in complaints} <= {"registered", "accepted", "investigated", "handled", "followed_up",
                                                "closed"}
    assert all(c["next_step"] is None or c["next_step"].islower() for c in complaints)
    assert None in every(complaints, "item") and None in every(complaints, "due")


def test_report(run: Any) -> None:
    data = run("report", "--month", "2026-11")
    assert DAY.match(data["period"]["start"]) and data["scope"] == {"kind": "center", "value": None, "name": None}
    figures = data["figures"]
    assert all(f["value"] is None or isinstance(f["value"], int | float) for f in figures)
    assert all(f["change"] in (None, "better", "worse", "same", "up", "down") for f in figures)
    assert all(f["on_target"] is None or isinstance(f["on_target"], bool) for f in figures)


def test_calendar(run: Any) -> None:
    assert run("calendar", "show") == {"kind": "24x7"}  # the setting as 'calendar set --file' reads it


def test_data_export(run: Any) -> None:
    rows = run("export", "tickets", "--from", "2026-11-01", "--to", "2026-11-25")
    assert rows and all(ISO_TIME.match(r["reported_at"]) and isinstance(r["priority"], int) for r in rows)
    fees = every(rows, "fee")  # a number, as in 'ticket N' (the CSV keeps its text, "280.00")
    assert any(isinstance(f, float) for f in fees) and all(f is None or isinstance(f, float) for f in fees)
