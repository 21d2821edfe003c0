"""``dispatch serve``: the console in a browser.

The browser tests drive real headless Chromium (Debian's ``chromium``, through
Playwright's Python package with ``executable_path``; never ``playwright
install``). The terminal is drawn on a canvas, so they assert on the database
and on a screenshot, never on page text. Without chromium they skip, saying
how to install it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_helpers import fresh, needs_chromium, open_console, serving, until_on_page, until_true
from click.testing import CliRunner
from console_helpers import make_ticket

import console.cli.serve as serve_module
from console.cli import cli
from console.cli.serve import app_environment, is_loopback
from store import PermissionDenied, Store
from store.context import default_actor

# Each test in a forked child (pytest-forked): Playwright's sync API runs on
# greenlet, and a crash in it once took a whole xdist worker down, with the
# tests grouped on that worker never run and the suite hung. In a child the
# crash fails one test; the worker never imports playwright or greenlet.
pytestmark = pytest.mark.forked


# ---------------------------------------------------------------- the page
def test_served_page_loads_nothing_from_outside_the_host(db_path: Path, store: Store) -> None:
    with serving(db_path) as url:
        with urllib.request.urlopen(url, timeout=5) as r:
            html = r.read().decode()
    assert "googleapis" not in html and "fonts.g" not in html
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']|url\(\s*["']?([^"')]*)""", html)
    refs = [a or b for a, b in refs]
    assert any("RobotoMono" in ref for ref in refs)  # the shipped font, served from here
    for ref in refs:
        assert urlsplit(ref).netloc == "" and not ref.startswith("//"), ref
    # The websocket is found from the page's own address (works behind a proxy), not a fixed host.
    assert "ws://" not in html and "127.0.0.1" not in html


# ---------------------------------------------------------------- who acts
def test_a_browser_tab_is_read_only_unless_started_for_a_user() -> None:
    """The identity is the server's OS user (no variable changes it): --as someone
    else is acting for them (DISPATCH_ACTOR), and a tab without --as is read-only
    (DISPATCH_READ_ONLY=1, which only ever takes rights away)."""
    base = {"USER": "mallory", "LOGNAME": "mallory", "DISPATCH_ACTOR": "li.wei", "DISPATCH_DB": "x.db"}
    viewer = app_environment(base, None, "root")
    assert viewer["DISPATCH_READ_ONLY"] == "1" and "DISPATCH_ACTOR" not in viewer  # no acting-for without --as
    ann = app_environment({**base, "DISPATCH_READ_ONLY": "1"}, "ann", "root")
    assert "DISPATCH_READ_ONLY" not in ann and ann["DISPATCH_ACTOR"] == "ann"
    own = app_environment({**base, "DISPATCH_READ_ONLY": "1"}, "root", "root")
    assert "DISPATCH_READ_ONLY" not in own and "DISPATCH_ACTOR" not in own  # the server's own login: itself
    assert viewer["USER"] == ann["LOGNAME"] == "mallory"  # left as they were: they name no one now


def test_a_tab_started_for_someone_acts_for_them_with_their_rights(db_path: Path, store: Store) -> None:
    """What a tab's console does with the environment serve gives it (the real CLI,
    in its own process): --as bob (a dispatcher) writes bob's work, entered by the
    server's login, and only bob's; without --as nothing is written."""
    me = default_actor()

    def tab(login: str | None, *args: str) -> subprocess.CompletedProcess[str]:
        kept = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_") or k == "DISPATCH_LOCALE_DIR"}
        env = app_environment(kept, login, me)
        return subprocess.run([sys.executable, "-m", "console.cli", "--db", str(db_path), *args],
                              env=env, capture_output=True, text=True, timeout=60)

    assert tab("bob", "tech", "duty", "Zhang Min", "off").returncode == 0
    event = store.tickets.events(1)[0]
    assert (event.action, event.actor, event.entered_by) == ("technician.duty", "bob", me)
    refused = tab("bob", "set", "center_name", "Elsewhere")
    assert refused.returncode == 2 and "bob is a dispatcher" in refused.stderr, refused.stderr
    read_only = tab(None, "tech", "duty", "Zhang Min", "on")
    assert read_only.returncode == 2 and "read-only" in read_only.stderr, read_only.stderr
    assert store.tickets.events(1)[0].id == event.id and store.settings.setting("center_name") != "Elsewhere"


@pytest.mark.parametrize("login", ["bob", "ann"])
def test_serve_as_someone_else_needs_a_manager_to_start_it(
        db_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch, login: str) -> None:
    started: list[tuple[str | None, str]] = []
    monkeypatch.setattr(serve_module, "run_server",
                        lambda db, host, port, login, server_login, *rest: started.append((login, server_login)))
    ok = CliRunner().invoke(cli, ["--db", str(db_path), "serve", "--as", login])  # the runner is a manager
    assert ok.exit_code == 0, ok.output
    assert started == [(login, default_actor())]
    store.users.set_role(default_actor(), "dispatcher")  # ann is still a manager
    refused = CliRunner().invoke(cli, ["--db", str(db_path), "serve", "--as", login])
    assert refused.exit_code == 2 and refused.output.count("\n") == 1, refused.output
    assert refused.output.startswith("dispatch: error:") and "not an active manager" in refused.output
    own = CliRunner().invoke(cli, ["--db", str(db_path), "serve", "--as", default_actor()])  # one's own login: fine
    assert own.exit_code == 0 and started[-1] == (default_actor(), default_actor()), own.output


def test_a_read_only_store_refuses_every_write_even_a_managers(db_path: Path, store: Store) -> None:
    t = make_ticket(store)
    ro = Store(db_path, actor="ann", read_only=True)  # ann is a manager
    with pytest.raises(PermissionDenied, match="read-only"):
        ro.tickets.assign(t.id, t.version, technician_id=1)
    again = ro.reopen()
    with pytest.raises(PermissionDenied, match="read-only"):
        again.settings.set_setting("center_name", "X")
    assert ro.tickets.ticket(t.id).status == "new"  # reads work
    ro.close()
    again.close()


def test_the_cli_honours_dispatch_read_only(db_path: Path, store: Store) -> None:
    result = CliRunner().invoke(cli, ["--db", str(db_path), "set", "center_name", "Elsewhere"],
                                env={"DISPATCH_READ_ONLY": "1"})
    assert result.exit_code == 2 and "read-only" in result.output
    assert store.settings.setting("center_name") != "Elsewhere"


def test_serve_refuses_a_public_host_without_the_flag(db_path: Path, store: Store) -> None:
    result = CliRunner().invoke(cli, ["--db", str(db_path), "serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "--public-host-ok" in result.output
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")


@pytest.mark.parametrize("login,why", [("nobody", "not a user"), ("bob", "disabled")])
def test_serve_as_needs_an_active_user(db_path: Path, store: Store, login: str, why: str) -> None:
    store.users.disable_user("bob")
    result = CliRunner().invoke(cli, ["--db", str(db_path), "serve", "--as", login])
    assert result.exit_code == 2 and why in result.output


# ---------------------------------------------------------------- in Chromium
@needs_chromium
def test_assign_a_ticket_from_the_browser(db_path: Path, store: Store, tmp_path: Path) -> None:
    t = make_ticket(store, priority=1)
    shot = tmp_path / "browser-assigned.png"
    frames: list[bytes] = []  # what the console drew: each key waits for what the one before it opens

    def drawn(text: str) -> bool:
        return until_on_page(page, lambda: text.encode() in b"".join(frames), 60)

    with serving(db_path, "--as", "ann") as url, open_console(url, shot, frames=frames) as (page, requested):
        # Keys sent before the queue's first read, or before the dialog opened, went
        # elsewhere on a loaded machine (the Enter opened the ticket): waited for as drawn.
        assert drawn("ATM swallows"), "the queue was never drawn"
        page.keyboard.press("a")  # type: ignore[attr-defined]
        assert drawn(f"Assign #{t.id}"), "the assign dialog was never drawn"
        page.keyboard.press("Enter")  # type: ignore[attr-defined]
        assigned = until_true(lambda: fresh(db_path).tickets.ticket(t.id).technician_id is not None, 15)
    assert assigned, "the assignment typed in the browser did not reach the file"
    after = fresh(db_path)
    assert after.tickets.ticket(t.id).status == "assigned"
    # --as ann: the tab acted for ann, entered by the server's own OS login.
    assigned_event = next(e for e in after.tickets.events(20) if e.action == "ticket.assign")
    assert (assigned_event.actor, assigned_event.entered_by) == ("ann", default_actor())
    assert shot.stat().st_size > 10_000  # a drawn console, not a blank page
    # Every request went to this host: no CDN font, no outside script.
    assert requested and {urlsplit(u).hostname for u in requested} == {"127.0.0.1"}, requested


@needs_chromium
def test_a_browser_tab_without_as_cannot_write(db_path: Path, store: Store, tmp_path: Path) -> None:
    t = make_ticket(store, priority=1)
    shot = tmp_path / "browser-read-only.png"
    with serving(db_path) as url, open_console(url, shot) as (page, _requested):
        page.keyboard.press("a")  # type: ignore[attr-defined]
        time.sleep(0.8)
        page.keyboard.press("Enter")  # type: ignore[attr-defined]
        time.sleep(3)  # what the assign above took, with room to spare
    assert fresh(db_path).tickets.ticket(t.id).technician_id is None
    assert shot.stat().st_size > 10_000
