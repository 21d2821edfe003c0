"""``dispatch parts add|edit|list|receive|move|count|use|import|report`` and
``dispatch stock`` (issue 25): one line per step, one-line errors with exit
2, hostile names printed cleaned, and ``dispatch check`` green after each."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_clock import use_clock
from cli_helpers import invoke, ok, one_line_error
from click.testing import CliRunner
from conftest import MutableClock
from hostile import HOSTILE
from rich.cells import cell_len
from ticket_helpers import make, to_onsite

from store import Store
from store.i18n import LOCALE_DIR, set_language


@pytest.fixture
def db(people: Store, db_path: Path, clock: MutableClock, monkeypatch: pytest.MonkeyPatch) -> str:
    use_clock(monkeypatch, clock)
    return str(db_path)


def test_a_part_from_catalogue_to_a_ticket(db: str, people: Store, clock: MutableClock) -> None:
    assert ok(db, "parts", "add", "DB-40", "drive belt", "--min", "4", "--cost", "11", "--for", "atm, printer") == \
        "part DB-40 added: drive belt\n"
    assert "received 3 × DB-40 at center store" in ok(db, "parts", "receive", "DB-40", "3", "10.50")
    clock.advance(days=3)
    ok(db, "parts", "receive", "DB-40", "5", "12.00")
    assert "moved 4 × DB-40 from center store to van of Li Wei, cost ¥43.50" in ok(
        db, "parts", "move", "DB-40", "4", "store", "van:Li Wei")
    t = to_onsite(people, make(people))
    out = ok(db, "parts", "use", str(t.id), "DB-40", "3")
    assert out.startswith(f"ticket #{t.id}: 3 × DB-40 from van of Li Wei, cost ¥31.50, charged")
    one_line_error(invoke(db, "parts", "use", str(t.id), "DB-40", "2"),
                   "Not enough drive belt (DB-40) at van of Li Wei: 2 wanted, 1 in stock, 1 missing")
    one_line_error(invoke(db, "parts", "use", str(t.id), "DB-40", "1", "--warranty"), "reason: required")
    ok(db, "parts", "use", str(t.id), "DB-40", "1", "--warranty", "--reason", "goodwill")
    timeline = ok(db, "ticket", str(t.id))
    assert "parts used  DB-40 × 3, cost ¥31.50, charged" in timeline
    assert "DB-40 × 1, cost ¥12.00, under warranty (goodwill)" in timeline
    stock = json.loads(ok(db, "stock", "--format", "json"))
    assert stock == [{"location": "center store", "code": "DB-40", "name": "drive belt", "unit": "pcs", "on_hand": 4,
                      "value": "48.00"}]
    assert ok(db, "stock", "--location", "van:1", "--format", "csv") == "location,code,name,on_hand,unit,value\n"
    listed = json.loads(ok(db, "parts", "list", "--low", "--format", "json"))
    assert [(p["code"], p["on_hand"], p["min_stock"]) for p in listed] == []  # 4 left, minimum 4
    report = json.loads(ok(db, "parts", "report", "--month", clock.now.format("YYYY-MM"), "--format", "json"))
    assert report["usage"]["total"] == {"quantity": 4, "cost": "43.50"}
    assert report["usage"]["charge"] == {"charged": {"quantity": 3, "cost": "31.50"},
                                         "warranty": {"quantity": 1, "cost": "12.00"}}


def test_counting_and_editing(db: str, people: Store) -> None:
    ok(db, "parts", "add", "RL-1", "roller", "--min", "10")
    ok(db, "parts", "receive", "RL-1", "6", "2.5")
    one_line_error(invoke(db, "parts", "count", "RL-1", "4"), "reason: required: say why the count differs")
    assert "RL-1 at center store: counted 4, expected 6" in ok(db, "parts", "count", "RL-1", "4", "--reason", "broken")
    low = ok(db, "parts", "list", "--low")
    assert "RL-1" in low and "roller" in low
    assert "version 2" in ok(db, "parts", "edit", "RL-1", "--min", "2")
    assert "RL-1" not in (low := ok(db, "parts", "list", "--low")) and "no parts below their minimum" in low
    one_line_error(invoke(db, "parts", "edit", "RL-1", "--name", "x", "--expect-version", "1"), "was changed by")
    one_line_error(invoke(db, "parts", "edit", "RL-1"), "nothing to change")
    one_line_error(invoke(db, "parts", "receive", "RL-1", "1.5", "2"), "quantity: a whole number from 1 to 1,000,000")
    one_line_error(invoke(db, "parts", "receive", "RL-1", "1", "1e3"), "unit_cost: write the amount in full")
    one_line_error(invoke(db, "parts", "move", "RL-1", "1", "store", "garage"), "location: 'store' or 'van:'")
    one_line_error(invoke(db, "parts", "receive", "NOPE", "1", "1"), "No part NOPE")


def test_the_catalogue_import_is_all_or_nothing(db: str, people: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"code,name,unit_cost,equipment_categories\nA-1,belt,1.50,atm\nA-2,,2,toaster\n")
    before = bad.read_bytes()
    result = invoke(db, "parts", "import", str(bad))
    assert result.exit_code == 2
    assert "line 3, name: required" in result.stderr and "line 3, equipment_categories" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"dispatch: error: {bad}: nothing imported, bad rows: 1"
    assert bad.read_bytes() == before and people.parts.parts() == []
    good = tmp_path / "good.csv"
    good.write_text("code,name,unit,min_stock,unit_cost,equipment_categories\nA-1,belt,pcs,2,1.50,\"atm, pc\"\n"
                    "A-2,cable,m,0,0.80,network\n", encoding="utf-8")
    assert ok(db, "parts", "import", str(good)) == "parts: 2 created, 0 updated, 0 unchanged\n"
    assert [p.code for p in people.parts.parts()] == ["A-1", "A-2"]
    assert "parts: 0 created, 0 updated, 2 unchanged" in ok(db, "import", "parts", str(good))


def test_hostile_names_are_stored_exactly_and_printed_cleaned(db: str, people: Store) -> None:
    for n, text in enumerate(HOSTILE.values()):
        ok(db, "parts", "add", f"H-{n}", text[:120])
        ok(db, "parts", "receive", f"H-{n}", "1", "1")
    assert {p.code: p.name for p in people.parts.parts()} == {
        f"H-{n}": t[:120].strip() for n, t in enumerate(HOSTILE.values())}
    for args in (["parts", "list"], ["stock"], ["parts", "list", "--format", "csv"]):
        out = ok(db, *args)
        assert "\x1b" not in out and "\u202e" not in out and "\x00" not in out
        # One row per part: no line breaks from a name (CSV quotes those it keeps).
        rows = list(csv.reader(io.StringIO(out))) if "csv" in args else out.splitlines()
        assert len(rows) == len(HOSTILE) + 1
    assert "[@click=app.quit]quit[/]" in ok(db, "stock")  # text, not markup


@pytest.fixture
def zh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DISPATCH_LANG", "zh_Hans")
    set_language("zh_Hans", localedir=LOCALE_DIR)
    yield
    set_language("en", localedir=LOCALE_DIR)


def test_in_chinese(db: str, people: Store, zh: None) -> None:
    ok(db, "parts", "add", "DB-40", "drive belt")
    assert ok(db, "parts", "receive", "DB-40", "2", "10") == "中心库 入库 2 × DB-40（库存流水 #1）\n"
    t = to_onsite(people, make(people))
    refused = invoke(db, "parts", "use", str(t.id), "DB-40", "1")  # the van holds none
    assert refused.exit_code == 2 and refused.stderr == (
        "dispatch：错误：Li Wei 的服务车的drive belt (DB-40)不足：需要 1，库存 0，缺 1\n")
    assert ok(db, "stock").splitlines()[0].split() == ["库位", "编码", "名称", "库存", "单位", "金额"]
    for args in (["parts", "--help"], ["parts", "use", "--help"], ["stock", "--help"]):
        from console.cli import cli

        shown = CliRunner().invoke(cli, args, terminal_width=80).output
        assert shown.startswith("用法:") and all(cell_len(line) <= 80 for line in shown.splitlines())


def test_the_catalogue_exported_imports_back_unchanged(db: str, people: Store, tmp_path: Path) -> None:
    ok(db, "parts", "add", "DB-40", "drive belt, 40 mm", "--min", "4", "--cost", "1,200.5", "--for", "atm, printer",
       "--unit", "m", "--category", "=wear")
    out = tmp_path / "parts.csv"
    ok(db, "export", "parts", "-o", str(out))
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[1] == "DB-40,\"drive belt, 40 mm\",'=wear,m,4,1200.50,\"atm, printer\""
    assert "parts: 0 created, 0 updated, 1 unchanged" in ok(db, "parts", "import", str(out))
