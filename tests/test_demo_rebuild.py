"""`dispatch demo` rebuilds beside the file and renames it into place.

Deleting and rebuilding in place lost the later commits of consoles that
had it open; now they see a replaced file (and reopen). A build that dies
leaves the old demo as it was, and its leftovers do not block the next."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import demo_data.demo
from console.cli import cli
from store import Store
from store.context import default_actor


def build(path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(path), "demo", "--no-console"])
    assert result.exit_code == 0, result.output


def test_rebuild_replaces_the_file_under_an_open_console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         demo_cli_copy: Callable[[str], Path]) -> None:
    path = demo_cli_copy("demo.db")  # the demo as 'dispatch demo' built it (conftest); rebuilt below
    console = Store(path, actor=default_actor())
    console.tickets.add_note(1, "written while the demo is rebuilt")  # leaves a -wal behind while open
    build(path)
    assert console.db.file_state() == "replaced"
    fresh = console.reopen()
    console.close()
    assert fresh.settings.setting("demo") and fresh.admin.check() == []
    assert not [e for e in fresh.tickets.timeline(1) if e.action == "ticket.note"]  # the new file's own history
    fresh.close()
    assert not list(tmp_path.glob(".demo.db.building-*"))

    # A build that dies half-way leaves the demo as it was, and nothing that blocks the next.
    before = hashlib.sha256(path.read_bytes()).digest()

    def dies(*args: object, **kw: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(demo_data.demo, "generate_demo", dies)
    result = CliRunner().invoke(cli, ["--db", str(path), "demo", "--no-console"])
    assert result.exit_code != 0
    assert hashlib.sha256(path.read_bytes()).digest() == before
    monkeypatch.undo()
    (tmp_path / ".demo.db.building-999999999").write_bytes(b"half a demo")  # killed: its process is gone
    build(path)
    assert not list(tmp_path.glob(".demo.db.building-*"))
