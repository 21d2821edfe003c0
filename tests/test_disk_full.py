"""Every export on a full disk: one line saying "disk full", exit 2 (in the
console a message, the form kept), and nothing left behind, no partial file
and no temporary one.

`export month` said "internal error (FileCreateError…)" with a traceback, a
CSV export "[Errno 28] …". The real thing runs on a small tmpfs filled to the
brim where the tests may mount one (root); the same paths also run
everywhere with the write failing ENOSPC by hand."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from console_helpers import app_for, burst, settle, until
from report_data import build_october
from textual.widgets import Input, Static

from console.cli import cli
from console.screens.export_form import ExportScreen
from console.screens.reports import ReportsScreen
from store import Store
from store.files import OutputFileError, replace_when_done
from store.transfer.workbooks import write_month
from tests.conftest import ROOT

EXPORTS = {
    "daily.xlsx": ["daily", "--day", "2026-10-02"],
    "month.xlsx": ["month", "--month", "2026-10"],
    "form.xlsx": ["form", "--ticket", "2"],
    "tickets.csv": ["tickets", "--from", "2026-10-01", "--to", "2026-10-31"],
    "tickets.json": ["tickets", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json"],
    "technicians.csv": ["technicians", "--from", "2026-10-01", "--to", "2026-10-31"],
    "evaluations.csv": ["evaluations", "--from", "2026-10-01", "--to", "2026-10-31"],
    "items.json": ["items", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json"],
    "sites.csv": ["sites"],
}


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a 256 KiB tmpfs with not a byte left (and the filler in it)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a tmpfs")
    mnt = tmp_path / "full"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 512):
                pass
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(fd)
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)  # -l: never left mounted


def left(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "filler")


def one_disk_full_line(output: str, name: str) -> None:
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dispatch: error: "), output
    assert "disk full" in lines[0] and name in lines[0] and "Errno" not in lines[0], output


def test_cli_exports_on_a_full_disk(store: Store, db_path: Path, full_disk: Path) -> None:
    build_october(store)
    for name, args in EXPORTS.items():
        got = CliRunner().invoke(cli, ["--db", str(db_path), "export", *args, "-o", str(full_disk / name)])
        assert got.exit_code == 2, (name, got.output)
        one_disk_full_line(got.output, name)
        assert left(full_disk) == [], name


def test_an_export_to_stdout_on_a_full_disk(store: Store, db_path: Path, full_disk: Path) -> None:
    build_october(store)
    store.close()
    for args in (["export", "tickets", "--from", "2026-10-01", "--to", "2026-10-31"], ["export", "sites"],
                 ["queue", "--format", "json"]):
        with (full_disk / "out").open("wb") as out:
            got = subprocess.run([sys.executable, "-m", "console.cli", "--db", str(db_path), *args], cwd=ROOT,
                                 stdout=out, stderr=subprocess.PIPE, text=True, timeout=120)
        assert got.returncode == 2, got.stderr
        one_disk_full_line(got.stderr, "standard output")
        assert "incomplete" in got.stderr


async def test_console_exports_on_a_full_disk(store: Store, full_disk: Path) -> None:
    """The reports screen's export (a workbook and a CSV) and the sites
    table's CSV export: a message, the form still there, nothing left."""
    build_october(store)
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "R")
        await settle(pilot)
        assert isinstance(app.screen, ReportsScreen)
        await burst(pilot, "left_square_bracket", "x")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        report = screen.query_one("#report", Static)
        for kind, name in (("month", "m.xlsx"), ("tickets", "t.csv")):
            screen.query_one("#f-kind").value = kind  # type: ignore[attr-defined]
            await pilot.pause()
            screen.query_one("#f-path", Input).value = str(full_disk / name)
            await burst(pilot, "ctrl+s")
            await until(pilot, lambda: not screen.busy and "disk full" in str(report.render()))
            assert app.screen is screen and "Errno" not in str(report.render())
            assert left(full_disk) == []
        await burst(pilot, "escape", "escape")
        await settle(pilot)
        await burst(pilot, "S", "s")
        await settle(pilot)
        await burst(pilot, "E", "ctrl+u", *str(full_disk / "sites.csv"), "enter")
        await until(pilot, lambda: "disk full" in str(app.screen.query_one("#report", Static).render()))
        assert "Errno" not in str(app.screen.query_one("#report", Static).render())
        assert left(full_disk) == []


# ------------------------------------ the same paths, the write failing by hand
def test_a_write_failing_enospc_says_disk_full_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    with pytest.raises(OutputFileError) as info, replace_when_done(out) as tmp:
        tmp.write_text("part")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert "disk full" in str(info.value) and "\n" not in str(info.value) and "Errno" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_a_workbook_failing_enospc_at_close_says_disk_full(store: Store, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """XlsxWriter wraps the OSError of its final write in FileCreateError."""
    import xlsxwriter.workbook

    class FullZip(xlsxwriter.workbook.ZipFile):  # type: ignore[name-defined,misc]
        def write(self, *args: object, **kwargs: object) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    build_october(store)
    monkeypatch.setattr(xlsxwriter.workbook, "ZipFile", FullZip)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(OutputFileError) as info:
        write_month(store, "2026-10", out / "m.xlsx")
    assert "disk full" in str(info.value) and "FileCreateError" not in str(info.value)
    assert list(out.iterdir()) == []
