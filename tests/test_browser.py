"""``dispatch serve``: the console in a browser.

The browser tests drive real headless Chromium (Debian's ``chromium``, through
Playwright's Python package with ``executable_path``; never ``playwright
install``). The terminal is drawn on a canvas, so they assert on the database
and on a screenshot, never on page text. Without chromium they skip, saying
how to install it."""

from __future__ import annotations

import re
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_helpers import fresh, needs_chromium, open_console, serving, until_true
from click.testing import CliRunner
from console_helpers import make_ticket

from console.cli import cli
from console.cli.serve import BROWSER_VIEWER, app_environment, is_loopback
from store import PermissionDenied, Store


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
    base = {"USER": "root", "LOGNAME": "root", "DISPATCH_ACTOR": "li.wei", "DISPATCH_DB": "x.db"}
    viewer = app_environment(base, None)
    assert viewer["DISPATCH_READ_ONLY"] == "1" and viewer["USER"] == viewer["LOGNAME"] == BROWSER_VIEWER
    assert "DISPATCH_ACTOR" not in viewer  # a tab never acts for someone else
    ann = app_environment({**base, "DISPATCH_READ_ONLY": "1"}, "ann")
    assert "DISPATCH_READ_ONLY" not in ann and ann["USER"] == ann["LOGNAME"] == "ann" and "DISPATCH_ACTOR" not in ann


def test_a_read_only_store_refuses_every_write_even_a_managers(db_path: Path, store: Store) -> None:
    t = make_ticket(store)
    ro = Store(db_path, actor="ann", read_only=True)  # ann is a manager
    with pytest.raises(PermissionDenied, match="read-only"):
        ro.assign(t.id, t.version, technician_id=1)
    again = ro.reopen()
    with pytest.raises(PermissionDenied, match="read-only"):
        again.set_setting("center_name", "X")
    assert ro.ticket(t.id).status == "new"  # reads work
    ro.close_db()
    again.close_db()


def test_the_cli_honours_dispatch_read_only(db_path: Path, store: Store) -> None:
    result = CliRunner().invoke(cli, ["--db", str(db_path), "set", "center_name", "Elsewhere"],
                                env={"DISPATCH_READ_ONLY": "1"})
    assert result.exit_code == 2 and "read-only" in result.output
    assert store.setting("center_name") != "Elsewhere"


def test_serve_refuses_a_public_host_without_the_flag(db_path: Path, store: Store) -> None:
    result = CliRunner().invoke(cli, ["--db", str(db_path), "serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "--public-host-ok" in result.output
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")


@pytest.mark.parametrize("login,why", [("nobody", "not a user"), ("bob", "disabled")])
def test_serve_as_needs_an_active_user(db_path: Path, store: Store, login: str, why: str) -> None:
    store.disable_user("bob")
    result = CliRunner().invoke(cli, ["--db", str(db_path), "serve", "--as", login])
    assert result.exit_code == 2 and why in result.output


# ---------------------------------------------------------------- in Chromium
@needs_chromium
def test_assign_a_ticket_from_the_browser(db_path: Path, store: Store, tmp_path: Path) -> None:
    t = make_ticket(store, priority=1)
    shot = tmp_path / "browser-assigned.png"
    with serving(db_path, "--as", "ann") as url, open_console(url, shot) as (page, requested):
        page.keyboard.press("a")  # type: ignore[attr-defined]
        time.sleep(0.8)
        page.keyboard.press("Enter")  # type: ignore[attr-defined]
        assigned = until_true(lambda: fresh(db_path).ticket(t.id).technician_id is not None, 15)
    assert assigned, "the assignment typed in the browser did not reach the file"
    after = fresh(db_path)
    assert after.ticket(t.id).status == "assigned"
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
    assert fresh(db_path).ticket(t.id).technician_id is None
    assert shot.stat().st_size > 10_000
