"""CSV import and export of reference tables, through the store and the
``dispatch import``/``export`` commands: all rows or none, each bad row
reported, UTF-8 (BOM or not) and GB18030, re-import updates, hostile text
stored untouched and exported inert."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from console.cli import cli
from store import Store
from store.models import ImportReport
from store.transfer.csv_io import ImportFileError, export_csv, import_rows, read_csv

SITES = "code,name,address,contact\nWB,West Branch,Hill Road 3,Mr Sun 6601\nSB,South Branch,,\n"


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def load(store: Store, path: Path, table: str) -> ImportReport:
    return import_rows(store, table, read_csv(path, table))


def test_good_file(store: Store, tmp_path: Path) -> None:
    report = load(store, write(tmp_path, SITES), "sites")
    assert (report.created, report.updated, report.errors) == (2, 0, ())
    west = store.reference.site_by_code("WB")
    assert west is not None and (west.name, west.address, west.contact) == ("West Branch", "Hill Road 3", "Mr Sun 6601")
    actions = [r[0] for r in store.db.q("SELECT action FROM events WHERE entity = 'site'")]
    assert actions == ["site.add", "site.add"]


def test_bad_rows_import_nothing_and_each_is_reported(store: Store, tmp_path: Path) -> None:
    text = ("asset_tag,category,model,site_code,installed,warranty_until\n"
            "WB-ATM-1,atm,NCR,HQ,2024-01-02,2028-01-01\n"
            "WB-ATM-2,toaster,NCR,HQ,,\n"
            "WB-ATM-3,atm,NCR,ZZ,,\n"
            "WB-ATM-4,atm,NCR,HQ,02/03/2024,\n"
            "WB-ATM-1,atm,NCR,HQ,,\n")
    report = load(store, write(tmp_path, text), "equipment")
    assert report.created == 0 and not report.ok
    assert [(line, field) for line, field, _reason in report.errors] == [
        (3, "category"), (4, "site_code"), (5, "installed"), (6, "asset_tag")]
    assert "also on line 2" in report.errors[-1][2]
    assert store.reference.equipment_by_tag("WB-ATM-1") is None  # the good row was not kept either
    assert store.db.q("SELECT COUNT(*) FROM events WHERE entity = 'equipment'")[0][0] == 0


def test_gb18030_and_bom(store: Store, tmp_path: Path) -> None:
    text = "code,name,address,contact\nGZ,广州天河支行,天河路 385 号,李经理\n"
    load(store, write(tmp_path, text, "gb18030", "gb.csv"), "sites")
    gz = store.reference.site_by_code("GZ")
    assert gz is not None and (gz.name, gz.contact) == ("广州天河支行", "李经理")
    load(store, write(tmp_path, text.replace("GZ", "SZ"), "utf-8-sig", "bom.csv"), "sites")
    sz = store.reference.site_by_code("SZ")  # the BOM is not part of the first column's name
    assert sz is not None and sz.address == "天河路 385 号"


def test_reimport_updates_instead_of_duplicating(store: Store, tmp_path: Path) -> None:
    load(store, write(tmp_path, SITES), "sites")
    again = load(store, write(tmp_path, "code,contact\nWB,Ms Zhou 6602\nSB,\n", name="b.csv"), "sites")
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    west = store.reference.site_by_code("WB")
    assert west is not None and west.contact == "Ms Zhou 6602" and west.name == "West Branch"  # name kept
    assert len(store.reference.sites(include_retired=True)) == 4
    text = "name,phone,team,skills,on_duty\nLi Wei,13900000009,Alpha Team,atm;ups,no\nNew Guy,,Bravo Team,pc,\n"
    report = load(store, write(tmp_path, text, name="t.csv"), "technicians")
    assert (report.created, report.updated) == (1, 1)
    li = store.people.technician(1)
    assert (li.phone, li.skills, li.on_duty) == ("13900000009", ("atm", "ups"), False)
    assert len(store.people.technicians(include_retired=True)) == 5


def test_hostile_text_stored_untouched_and_exported_inert(store: Store, tmp_path: Path) -> None:
    hostile = "[@click=app.quit]boom[/] \x1b]52;c;ZXZpbA==\x07 \x1b[2J"
    rows = [["code", "name", "address", "contact"],
            ["HX", hostile, "=HYPERLINK(\"http://evil\",\"x\")", "+86 138 0000"],
            ["HY", "@SUM(A1)", "-2+3", "ok"]]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    assert load(store, write(tmp_path, buf.getvalue()), "sites").ok
    hx = store.reference.site_by_code("HX")
    assert hx is not None and hx.name == hostile and hx.address.startswith("=HYPERLINK")
    out = io.StringIO()
    export_csv(store, "sites", out)
    exported = {r["code"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert exported["HX"]["name"] == hostile
    assert exported["HX"]["address"].startswith("'=") and exported["HX"]["contact"] == "'+86 138 0000"
    assert exported["HY"]["name"] == "'@SUM(A1)" and exported["HY"]["address"] == "'-2+3"
    # Export then import is a round trip: the apostrophes come off again.
    path = tmp_path / "out.csv"
    export_csv(store, "sites", path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    again = load(store, path, "sites")
    assert again.ok and again.updated == 0 and store.reference.site_by_code("HY").address == "-2+3"  # type: ignore[union-attr]


def test_unknown_column_and_missing_key(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="unknown column colour"):
        read_csv(write(tmp_path, "code,name,colour\nX,Y,red\n"), "sites")
    with pytest.raises(ImportFileError, match="code"):
        read_csv(write(tmp_path, "name\nY\n"), "sites")
    assert read_csv(write(tmp_path, "code,name\nX,Y\n"), "sites")[0] == {"code": "X", "name": "Y", "_line": 2}


def test_users_import(store: Store, tmp_path: Path) -> None:
    if not hasattr(store, "add_user"):
        pytest.skip("needs the roles helper's users table and Store.add_user (migration 0003_users)")
    report = load(store, write(tmp_path, "login,name,role,team\nzhou,Zhou Ping,dispatcher,Alpha Team\n"), "users")
    assert report.ok and report.created == 1


# ------------------------------------------------------------------ CLI

def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), "--actor", "ann", *args])


def test_cli_import_export_and_lists(store: Store, db_path: Path, tmp_path: Path) -> None:
    big = "asset_tag,category,model,site_code\n" + "".join(f"BIG-{i},atm,NCR,HQ\n" for i in range(2500))
    result = run(db_path, "import", "equipment", str(write(tmp_path, big)))
    assert result.exit_code == 0, result.output
    assert "2000/2500 rows checked" in result.output and "2500 created" in result.output
    bad = run(db_path, "import", "sites", str(write(tmp_path, "code,name\nQQ,Q\n,No code\nHQ2,\n", name="b.csv")))
    assert bad.exit_code == 2
    assert "line 3, code: required" in bad.output and "line 4, name: required" in bad.output
    assert "nothing imported" in bad.output and store.reference.site_by_code("QQ") is None
    unknown = run(db_path, "import", "sites", str(write(tmp_path, "code,colour\n", name="c.csv")))
    assert unknown.exit_code == 2 and "unknown column colour" in unknown.output
    listed = run(db_path, "site", "list", "--format", "json")
    assert [s["code"] for s in json.loads(listed.output)] == ["HQ", "NB"]
    out = tmp_path / "eq.csv"
    assert run(db_path, "export", "equipment", "-o", str(out)).exit_code == 0
    assert len(read_csv(out, "equipment")) == 2504


def test_cli_reference_commands(store: Store, db_path: Path) -> None:
    assert run(db_path, "site", "add", "WB", "West Branch", "--contact", "Mr Sun").exit_code == 0
    assert run(db_path, "team", "add", "Delta").exit_code == 0
    added = run(db_path, "tech", "add", "Gao Yan", "--team", "delta", "--skills", "atm;pc")
    assert added.exit_code == 0, added.output
    assert run(db_path, "equipment", "add", "WB-ATM", "--site", "WB", "--category", "atm",
               "--installed", "2025-01-01").exit_code == 0
    assert run(db_path, "tech", "duty", "Gao Yan", "off").exit_code == 0
    techs = run(db_path, "tech", "list", "--format", "csv").output
    assert 'Gao Yan,,Delta,"atm, pc",no,0' in techs  # one separator shown: commas
    dup = run(db_path, "site", "add", "WB", "Again")
    assert dup.exit_code == 2 and "code" in dup.output
    assert run(db_path, "site", "edit", "WB", "--address", "Hill Road").exit_code == 0
    assert run(db_path, "site", "retire", "WB").exit_code == 0
    assert "WB" not in run(db_path, "site", "list").output
    assert "WB" in run(db_path, "site", "list", "--all").output
    assert run(db_path, "sla", "set", "1", "10", "45", "200").exit_code == 0
    shown = json.loads(run(db_path, "sla", "show", "--format", "json").output)
    assert shown[0] == {"priority": 1, "label": "P1 critical", "response_min": 10, "onsite_min": 45,
                        "resolve_min": 200}
    store2 = Store(db_path, actor="t")
    actions = [r[0] for r in store2.db.q("SELECT action FROM events WHERE actor = 'ann' AND entity != 'ticket'")]
    store2.close()
    assert {"site.add", "team.add", "technician.add", "equipment.add", "technician.duty", "site.edit",
            "site.retire", "sla_policy.set"} <= set(actions)
