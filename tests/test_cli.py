"""The dispatch command: every level has --help, and every bad file gives one
line on stderr and a non-zero exit through the real entry point."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from console.cli import cli
from store import Store

DISPATCH = [sys.executable, "-c", "from console.cli import main; main()"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*DISPATCH, *args], capture_output=True, text=True, timeout=60, env=full_env)


def one_line_error(result: subprocess.CompletedProcess[str], path: Path, words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dispatch: error:") and str(path) in lines[0] and words in lines[0]
    assert "Traceback" not in result.stderr


@pytest.fixture
def good_db(tmp_path: Path) -> Path:
    path = tmp_path / "good.db"
    Store(path, create=True, actor="ann").close()
    return path


def test_bad_files_through_the_real_command(tmp_path: Path, good_db: Path) -> None:
    missing = tmp_path / "missing.db"
    one_line_error(run("--db", str(missing), "check"), missing, "does not exist")

    text = tmp_path / "notes.db"
    text.write_text("not a database\n")
    one_line_error(run("--db", str(text), "check"), text, "not SQLite")

    future = tmp_path / "future.db"
    future.write_bytes(good_db.read_bytes())
    raw = sqlite3.connect(future)
    raw.execute("PRAGMA user_version = 42")
    raw.close()
    one_line_error(run("--db", str(future), "queue"), future, "newer")

    corrupt = tmp_path / "corrupt.db"
    data = bytearray(good_db.read_bytes())
    data[100:2000] = b"\xa5" * 1900
    corrupt.write_bytes(bytes(data))
    result = run("--db", str(corrupt), "check")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

    ro = tmp_path / "ro.db"
    ro.write_bytes(good_db.read_bytes())
    ro.chmod(0o444)
    try:
        assert run("--db", str(ro), "queue").returncode == 0  # reading a read-only file works
        one_line_error(run("--db", str(ro), "set", "center_name", "X"), ro, "read-only")
    finally:
        ro.chmod(0o644)

    one_line_error(run("--db", str(tmp_path), "check"), tmp_path, "folder")


def test_locked_file_through_the_real_command(good_db: Path) -> None:
    holder = sqlite3.connect(good_db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        # Reading never waits for a writer; writing does, and says so.
        assert run("--db", str(good_db), "queue", env={"DISPATCH_BUSY_TIMEOUT_MS": "200"}).returncode == 0
        result = run("--db", str(good_db), "set", "center_name", "X", env={"DISPATCH_BUSY_TIMEOUT_MS": "200"})
        one_line_error(result, good_db, "locked")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_console_start_on_missing_file_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    one_line_error(run("--db", str(missing)), missing, "does not exist")


@pytest.mark.parametrize("args", [[], ["init"], ["demo"], ["check"], ["queue"], ["set"]])
def test_help_on_every_level(args: list[str]) -> None:
    result = CliRunner().invoke(cli, [*args, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_init_check_queue_and_set(tmp_path: Path) -> None:
    path = tmp_path / "new" / "d.db"
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(path), "init", "--timezone", "Asia/Shanghai", "--center", "East"])
    assert result.exit_code == 0, result.output
    store = Store(path, actor="t")
    assert store.settings.timezone == "Asia/Shanghai" and store.settings.setting("center_name") == "East"
    store.close()
    assert runner.invoke(cli, ["--db", str(path), "check"]).exit_code == 0
    result = runner.invoke(cli, ["--db", str(path), "queue"])
    assert result.exit_code == 0 and "open 0" in result.output
    result = runner.invoke(cli, ["--db", str(path), "set", "repeat_window_days", "14"])
    assert result.exit_code == 0
    store = Store(path, actor="t")
    assert store.settings.setting("repeat_window_days") == 14
    store.close()
    bad = runner.invoke(cli, ["--db", str(path), "set", "timezone", "Mars/Olympus"])
    assert bad.exit_code == 2 and "Mars/Olympus" in bad.output


def test_demo_builds_and_refuses_to_overwrite_a_real_database(good_db: Path, demo_cli_copy: Callable[[str], Path]) -> None:
    runner = CliRunner()
    # A demo as 'dispatch demo' leaves it (conftest; a build into a new path: test_cli_shift.py), rebuilt here.
    demo = demo_cli_copy("demo.db")
    again = runner.invoke(cli, ["--db", str(demo), "demo", "--no-console", "--scale", "2000"])
    assert again.exit_code == 0, again.output
    store = Store(demo, actor="t")
    assert store.admin.stats()["tickets"] > 3000 and store.queue.counts().open > 30
    store.close()
    refused = runner.invoke(cli, ["--db", str(good_db), "demo", "--no-console"])
    assert refused.exit_code == 2 and "not a demo database" in refused.output


def test_bad_folder_and_bad_environment_are_one_line(tmp_path: Path, good_db: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    inside = blocker / "d.db"
    result = run("--db", str(inside), "init")
    assert result.returncode == 2 and "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = run("--db", str(good_db), "check", env={"DISPATCH_BUSY_TIMEOUT_MS": "soon"})
    assert result.returncode == 2 and "DISPATCH_BUSY_TIMEOUT_MS" in result.stderr and "Traceback" not in result.stderr
