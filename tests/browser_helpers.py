"""Helpers for the tests of ``dispatch serve``: the server in a subprocess, and
Debian's chromium through Playwright's Python package (``executable_path``;
never ``playwright install``). Without chromium the browser tests skip, saying
how to install it."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from store import Store

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def _browser_missing() -> str | None:
    # Looked up, not imported: the tests run in forked children, and the
    # worker that collects them should not load greenlet.
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed: pip install -e '.[test]'"
    if not os.access(CHROMIUM, os.X_OK):
        return ("no chromium: install Debian's (sudo apt-get install -y chromium); "
                "never 'playwright install', which downloads a browser of its own")
    return None


needs_chromium = pytest.mark.skipif(_browser_missing() is not None, reason=_browser_missing() or "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(db: Path, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Iterator[str]:
    """``dispatch serve`` in a subprocess on a free loopback port (``env`` added
    to the environment, started in ``cwd``); yields its URL once the page
    answers. Ends it (and every tab's console, its process group) afterwards."""
    port = free_port()
    # (the catalogues the suite compiled stay: tests/conftest.py)
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith("DISPATCH_") or k == "DISPATCH_LOCALE_DIR"} | (env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "console.cli", "--db", str(db.resolve()), "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environ, start_new_session=True, cwd=cwd)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(url, timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                pytest.fail(f"dispatch serve did not come up: {out}")
            time.sleep(0.2)
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def until_true(cond, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.2)
    return cond()


def until_on_page(page: object, cond, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    """until_true while the page's events keep coming: Playwright's sync API
    hands them over only inside its own calls, never during time.sleep."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        page.wait_for_timeout(200)  # type: ignore[attr-defined]
    return cond()


def fresh(db: Path) -> Store:
    """A second connection to read what the served consoles wrote."""
    return Store(db, actor="ann")


@contextmanager
def open_console(url: str, shot: Path, *, browser_env: dict[str, str] | None = None,
                 frames: list[bytes] | None = None, sent: list[str] | None = None,
                 ) -> Iterator[tuple[object, list[str]]]:
    """Chromium on the page, once the console has drawn into the canvas;
    yields the page and every URL it requested; screenshots at the end.
    ``browser_env``: chromium's environment (e.g. its fontconfig); ``frames``
    gets every binary websocket frame the page receives (the console's output),
    ``sent`` the websocket's URL and every text frame the page sends."""
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                                     env=browser_env)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("request", lambda request: requested.append(request.url))
            if frames is not None:
                page.on("websocket", lambda ws: ws.on(
                    "framereceived", lambda payload: frames.append(payload) if isinstance(payload, bytes) else None))
            if sent is not None:
                page.on("websocket", lambda ws: (sent.append(ws.url), ws.on(
                    "framesent", lambda payload: sent.append(payload) if isinstance(payload, str) else None)))
            page.goto(url)
            page.wait_for_selector(".textual-terminal canvas", state="attached", timeout=15_000)
            # textual.js marks the body when the console's first bytes arrive.
            page.wait_for_selector("body.-first-byte", state="attached", timeout=15_000)
            page.click(".textual-terminal")
            time.sleep(1.5)  # the queue's first read, in a worker
            yield page, requested
            time.sleep(0.5)
            page.screenshot(path=str(shot))
        finally:
            browser.close()
