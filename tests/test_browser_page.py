"""The page of ``dispatch serve`` as an attacker and a viewer meet it (issue 21):

- a browser tab never writes a file of the server: its exports are downloads,
  a path typed is refused, a CSV import (a file of the server) too;
- only the page's own origin (or one given with ``--origin``) opens a console;
- Chinese names render in a browser that has no CJK font of its own.

Everything goes through a real ``dispatch serve`` process, with Debian's
chromium (Playwright) or aiohttp's websocket client."""

from __future__ import annotations

import asyncio
import io
import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from browser_helpers import needs_chromium, open_console, serving, until_on_page
from click.testing import CliRunner
from console_helpers import make_ticket
from rich.cells import cell_len

from console.cli import cli
from store import Store

# Each test in a forked child (pytest-forked): Playwright's sync API runs on
# greenlet, and a crash in it once took a whole xdist worker down, with the
# tests grouped on that worker never run and the suite hung. In a child the
# crash fails one test; the worker never imports playwright or greenlet.
pytestmark = pytest.mark.forked


def files_under(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, but the database's own (it is
    read by the tabs: SQLite may make its -wal/-shm)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".db" not in p.name}


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].strip("/"))


# ------------------------------------------------------------ the websocket
class WebConsole:
    """One console through the page's websocket, as textual.js drives it."""

    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse, url: str) -> None:
        self.session, self.ws, self.url = session, ws, url
        self.output = bytearray()
        self.deliveries: list[str] = []

    async def keys(self, *keys: str) -> None:
        for key in keys:
            await self.ws.send_json(["stdin", key])

    def text(self) -> str:
        """What the console printed, escape sequences removed (each run of
        text stays whole; where it was on the screen is lost)."""
        plain = re.sub(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78M]|\x1b\][^\x07]*\x07",
                       "\n", self.output.decode("utf-8", errors="replace"))
        return plain

    async def until(self, condition: Any, seconds: float = 30) -> bool:
        deadline = asyncio.get_running_loop().time() + seconds
        while not condition():
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return False
            try:
                msg = await asyncio.wait_for(self.ws.receive(), left)
            except TimeoutError:
                return False
            if msg.type == aiohttp.WSMsgType.BINARY:
                self.output += msg.data
            elif msg.type == aiohttp.WSMsgType.TEXT:
                envelope = json.loads(msg.data)
                if envelope[0] == "deliver_file_start":
                    self.deliveries.append(envelope[1])
            else:
                return condition()
        return True

    async def download(self, key: str) -> tuple[str, bytes]:
        """What the browser's download of ``key`` gets: its name and bytes."""
        async with self.session.get(f"{self.url}download/{key}") as response:
            assert response.status == 200
            return response.headers["Content-Disposition"], await response.read()


async def connect(url: str, origin: str | None, host: str | None = None) -> tuple[int, bytes]:
    """Open the page's websocket with these headers: (HTTP status, the console's first bytes)."""
    headers = {k: v for k, v in (("Origin", origin), ("Host", host)) if v is not None}
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(f"{url}ws?width=100&height=30", headers=headers) as ws:
                console = WebConsole(session, ws, url)
                await console.until(lambda: b"Quit" in console.output, 30)  # the footer: a console drew
                return 101, bytes(console.output)
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status, b""


# ----------------------------------------------------------- 2. the origin
def test_only_the_pages_own_origin_opens_a_console(db_path: Path, store: Store) -> None:
    with serving(db_path) as url:
        port = port_of(url)
        own, own_bytes = asyncio.run(connect(url, f"http://127.0.0.1:{port}"))
        evil, evil_bytes = asyncio.run(connect(url, "https://evil.example"))
        missing, _none = asyncio.run(connect(url, None))
        null, _none = asyncio.run(connect(url, "null"))
        other_port, _none = asyncio.run(connect(url, "http://127.0.0.1:1"))
        # DNS rebinding: a name of the attacker's pointed at this machine is same-origin with itself.
        rebound, _none = asyncio.run(connect(url, f"http://evil.example:{port}", host=f"evil.example:{port}"))
        localhost, _bytes = asyncio.run(connect(url, f"http://localhost:{port}", host=f"localhost:{port}"))
        with urllib.request.urlopen(url, timeout=10) as page:  # the page itself, as ever
            assert page.status == 200
    assert (evil, missing, null, other_port, rebound) == (403, 403, 403, 403, 403) and not evil_bytes
    assert (own, localhost) == (101, 101) and b"Quit" in own_bytes  # the footer: a console drew


def test_a_proxys_origin_is_accepted_when_named(db_path: Path, store: Store) -> None:
    with serving(db_path, "--origin", "https://dispatch.example.org") as url:
        # nginx passes its own Host (127.0.0.1:port); Caddy the page's.
        nginx, nginx_bytes = asyncio.run(connect(url, "https://dispatch.example.org"))
        caddy, _bytes = asyncio.run(connect(url, "https://dispatch.example.org", host="dispatch.example.org"))
        other, _none = asyncio.run(connect(url, "https://other.example.org"))
    assert (nginx, caddy, other) == (101, 101, 403) and b"Quit" in nginx_bytes


def test_origin_policy_rules() -> None:
    from console.cli.web_origin import OriginPolicy, parse_origin

    assert parse_origin("https://Dispatch.Example.org") == ("https", "dispatch.example.org", 443)
    assert parse_origin("http://[::1]:8000") == ("http", "::1", 8000)
    for bad in (None, "", "null", "file://", "ftp://x", "https://x/path", "https://u@x", "https://x:99999", "x"):
        assert parse_origin(bad) is None, bad
    policy = OriginPolicy("127.0.0.1", frozenset({("https", "dispatch.example.org", 443)}))
    assert policy.allows("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert policy.allows("https://dispatch.example.org", "127.0.0.1:8000")  # nginx's Host
    assert policy.allows("https://dispatch.example.org", "dispatch.example.org")  # Caddy's Host
    assert not policy.allows("http://127.0.0.1:8001", "127.0.0.1:8000")
    assert not policy.allows("http://evil.example:8000", "evil.example:8000")
    assert not policy.allows("https://evil.example", "127.0.0.1:8000")
    assert OriginPolicy("dispatch.lan").allows("http://dispatch.lan:8000", "dispatch.lan:8000")


def test_a_bad_origin_option_is_one_line(db_path: Path, store: Store) -> None:
    result = CliRunner().invoke(cli, ["--db", str(db_path), "serve", "--origin", "dispatch.example.org/x"])
    assert result.exit_code == 2 and result.output.startswith("dispatch: error:") and "--origin" in result.output
    assert len(result.output.strip().splitlines()) == 1


# ------------------------------------------------ 1. no file of the server
def _cells(book: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_a_workbook_made_in_memory_is_the_one_written_to_a_file(store: Store, tmp_path: Path) -> None:
    """What a browser tab downloads is what a terminal writes (same sheets, same cells)."""
    from datetime import date

    from openpyxl import load_workbook
    from report_data import build_october

    from store.transfer.workbooks import daily_bytes, month_bytes, write_daily, write_month

    build_october(store)
    written = write_month(store, "2026-10", tmp_path / "m.xlsx")
    data, counts = month_bytes(store, "2026-10")
    assert counts == written and counts["tickets"] > 0
    assert _cells(load_workbook(io.BytesIO(data))) == _cells(load_workbook(tmp_path / "m.xlsx"))
    n = write_daily(store, date(2026, 10, 2), tmp_path / "d.xlsx")
    data, m = daily_bytes(store, date(2026, 10, 2))
    assert n == m == 1 and _cells(load_workbook(io.BytesIO(data))) == _cells(load_workbook(tmp_path / "d.xlsx"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.xlsx", "m.xlsx", "t.db", "t.db-queue", "t.db-shm", "t.db-wal"]


@needs_chromium
def test_a_read_only_tab_exports_a_download_and_writes_nothing_on_the_server(
        db_path: Path, store: Store, tmp_path: Path) -> None:
    """R x in a tab started without --as: what wrote ~/dispatch-exports/… (or
    replaced any file typed) on the server is now the browser's download."""
    make_ticket(store)
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    existing = work / "config.xlsx"
    existing.write_bytes(b"the server's own file")
    before = files_under(tmp_path)
    shot = tmp_path / "shots" / "export.png"
    shot.parent.mkdir()
    with serving(db_path, env={"HOME": str(home)}, cwd=work) as url, open_console(url, shot) as (page, requested):
        keyboard = page.keyboard  # type: ignore[attr-defined]
        # The reports, the export form, its file field: a path of the server typed and sent (before:
        # "exists. Replace?" and r replaced it), then a plain name. One burst: the console takes
        # one key at a time and waits for the screen a key opened.
        for key in ("R", "x", "Tab", "End", *["Backspace"] * 40):
            keyboard.press(key)
        keyboard.type(str(existing))
        keyboard.press("Control+s")
        keyboard.press("r")
        for key in ("End", *["Backspace"] * (len(str(existing)) + 5)):
            keyboard.press(key)
        keyboard.type("month.xlsx")
        with page.expect_download(timeout=60_000) as download:  # type: ignore[attr-defined]
            keyboard.press("Control+s")
        data = Path(download.value.path()).read_bytes()
        name = download.value.suggested_filename
    assert name == "month.xlsx"
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    assert "Figures" in book.sheetnames and "Tickets" in book.sheetnames
    after = files_under(tmp_path)
    after.pop(str(shot.relative_to(tmp_path)), None)
    assert after == before  # nothing made, nothing replaced: config.xlsx as it was
    assert not (home / "dispatch-exports").exists()
    assert {u.split("/")[2] for u in requested} == {url.split("/")[2]}  # the download came from the page's host


def test_a_download_is_named_by_its_name_only() -> None:
    from console.downloads import download_name, name_refusal

    assert name_refusal("月报 十二月.xlsx") is None and download_name(" 月报 十二月.xlsx ") == "月报 十二月.xlsx"
    for path in ("/etc/x.xlsx", "../x.xlsx", "a\\b.xlsx", "..", ""):
        assert name_refusal(path), path
    # What the Content-Disposition header would cut short or break.
    assert download_name('a;b="c".csv') == "a_b=_c_.csv" and download_name("x\x1b[2Jy.csv") == "x[2Jy.csv"


def test_a_read_only_tab_sends_csv_and_screenshots_and_refuses_an_import(
        db_path: Path, store: Store, tmp_path: Path) -> None:
    """The other ways the console made files: a table's CSV export (setup, E),
    the palette's screenshot (written into the server's working folder), and
    the CSV import (a file of the server read into the tab)."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    before = files_under(tmp_path)

    async def drive(url: str) -> tuple[list[tuple[str, bytes]], str]:
        port = port_of(url)
        async with aiohttp.ClientSession() as session, session.ws_connect(
                f"{url}ws?width=100&height=30", headers={"Origin": f"http://127.0.0.1:{port}"}) as ws:
            console = WebConsole(session, ws, url)
            assert await console.until(lambda: "READ-ONLY" in console.text())
            await console.keys("S", "s", "E", "\r")  # setup, sites, export, enter on its name
            assert await console.until(lambda: len(console.deliveries) == 1), console.text()[-2000:]
            mark = len(console.output)
            await console.keys("\x1b")  # a lone ESC: the next key only once the form is gone (else alt+key)
            assert await console.until(lambda: b"Export" in console.output[mark:])  # the footer again (no Import: read-only)
            await console.keys("i")  # import: refused (a read-only tab), saying where it can be done
            assert await console.until(lambda: "read-only" in console.text() and "terminal console" in console.text()), \
                console.text()[-2000:]
            await console.keys("\x10")  # ctrl+p: the palette
            assert await console.until(lambda: "Search for commands" in console.text())
            await console.keys("Screenshot", "\r")
            assert await console.until(lambda: len(console.deliveries) == 2), console.text()[-2000:]
            got = [await console.download(key) for key in console.deliveries]
            return got, console.text()

    with serving(db_path, env={"HOME": str(home)}, cwd=work) as url:
        (csv_name, csv_data), (svg_name, svg_data) = asyncio.run(drive(url))[0]
    assert "sites.csv" in csv_name
    assert csv_data.startswith(b"\xef\xbb\xbfcode,") and b"Head Office" in csv_data
    assert svg_name.endswith('.svg"') or svg_name.endswith(".svg")
    assert svg_data.lstrip().startswith(b"<svg") and b"Head&#160;Office" in svg_data  # the sites table
    assert files_under(tmp_path) == before  # no CSV, no screenshot, nothing imported
    assert [s.code for s in store.reference.sites()] == ["HQ", "NB"]


# ------------------------------------------------------- 3. Chinese glyphs
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>{dirs}<cachedir>{cache}</cachedir></fontconfig>
"""


def latin_only_fontconfig(tmp_path: Path) -> Path:
    """A fontconfig for chromium that sees only Latin fonts: a viewer's machine
    without any CJK font (whatever this one has installed)."""
    dirs = "".join(f"<dir>{d}</dir>" for d in ("/usr/share/fonts/truetype/dejavu",
                                               "/usr/share/fonts/truetype/liberation") if Path(d).is_dir())
    conf = tmp_path / "fonts.conf"
    conf.write_text(FONTS_CONF.format(dirs=dirs, cache=tmp_path / "fc-cache"))
    return conf


def where_drawn(output: bytes, text: str) -> tuple[int, int]:
    """(column, row) of the first cell of ``text`` in the console's output: its
    last cursor move (\\x1b[row;colH) before it, plus the cells printed between."""
    stream = output.decode("utf-8", errors="replace")
    at = stream.rindex(text)
    moves = list(re.finditer(r"\x1b\[(\d+);(\d+)H", stream[:at]))
    assert moves, "no cursor move before the text"
    move = moves[-1]
    between = re.sub(r"\x1b\[[0-9;?]*[@-~]", "", stream[move.end():at])
    return int(move.group(2)) - 1 + cell_len(between), int(move.group(1)) - 1


def terminal_size(sent: list[str]) -> tuple[int, int]:
    """The terminal's columns and rows as the page last told the server: the
    websocket's URL (?width=&height=), then each ["resize", {...}]."""
    size = (0, 0)
    for item in sent:
        if item.startswith("ws"):
            found = re.search(r"width=(\d+)&height=(\d+)", item)
            if found:
                size = (int(found.group(1)), int(found.group(2)))
        elif item.startswith('["resize"'):
            data = json.loads(item)[1]
            size = (int(data["width"]), int(data["height"]))
    assert size != (0, 0), sent
    return size


def test_serve_font_option_takes_only_a_font(db_path: Path, store: Store, tmp_path: Path) -> None:
    not_a_font = tmp_path / "notes.ttf"
    not_a_font.write_bytes(b"\x00\x01\x00\x00 not really a font")
    result = CliRunner().invoke(cli, ["--db", str(db_path), "serve", "--font", str(not_a_font)])
    assert result.exit_code == 2 and result.output.startswith("dispatch: error:") and "not a TrueType" in result.output
    missing = CliRunner().invoke(cli, ["--db", str(db_path), "serve", "--font", str(tmp_path / "gone.ttf")])
    assert missing.exit_code == 2 and "cannot read the font" in missing.output
    assert not_a_font.read_bytes() == b"\x00\x01\x00\x00 not really a font"


def test_serve_names_the_package_when_the_host_has_no_cjk_font(monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from console.cli import serve, web_font

    monkeypatch.setattr(web_font, "candidates", lambda: [])
    monkeypatch.setattr(serve, "find_cjk_font", web_font.find_cjk_font)
    assert serve.web_font(None) is None
    err = capsys.readouterr().err
    assert err.startswith("dispatch: warning:") and "fonts-noto-cjk" in err and len(err.strip().splitlines()) == 1


def test_a_font_collection_becomes_one_plain_font() -> None:
    """A face copied out of a .ttc: a plain sfnt, every table 4-byte aligned
    and its bytes unchanged (what Chromium's font checker refused in wqy's)."""
    import struct

    from console.cli.web_font import FontError, candidates, single_face

    collections = [(path, index) for path, index in candidates() if path.suffix == ".ttc"]
    if not collections:
        pytest.skip("no font collection on this host: apt-get install fonts-wqy-zenhei")
    path, index = collections[0]
    data = path.read_bytes()
    face = single_face(data, index)
    count = struct.unpack_from(">H", face, 4)[0]
    start = struct.unpack_from(">I", data, 12 + 4 * index)[0]
    original = {struct.unpack_from(">4s", data, start + 12 + 16 * i)[0]: struct.unpack_from(">4sIII", data, start + 12 + 16 * i)
                for i in range(struct.unpack_from(">H", data, start + 4)[0])}
    for i in range(count):
        tag, checksum, offset, length = struct.unpack_from(">4sIII", face, 12 + 16 * i)
        assert offset % 4 == 0
        _tag, _sum, at, size = original[tag]
        assert (checksum, length) == (_sum, size) and face[offset:offset + length] == data[at:at + size]
    assert count == len(original)
    with pytest.raises(FontError):
        single_face(data, 99)
    with pytest.raises(FontError):
        single_face(b"not a font at all")


def _no_cjk_font_on_host() -> str | None:
    from console.cli.web_font import find_cjk_font

    return None if find_cjk_font() else "no CJK font on this host: apt-get install fonts-wqy-zenhei (or fonts-noto-cjk)"


@needs_chromium
def test_chinese_names_render_in_a_browser_without_a_cjk_font(db_path: Path, store: Store, tmp_path: Path) -> None:
    missing = _no_cjk_font_on_host()
    if missing:
        pytest.skip(missing)
    name = "东区维修中心"
    store.settings.set_setting("center_name", name)
    frames: list[bytes] = []
    sent: list[str] = []
    shot = tmp_path / "chinese.png"
    env = {"FONTCONFIG_FILE": str(latin_only_fontconfig(tmp_path)), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    with serving(db_path) as url, open_console(url, shot, browser_env=env, frames=frames, sent=sent) as (
            page, requested):
        assert until_on_page(page, lambda: name.encode() in b"".join(frames), 30), "the center's name was never drawn"
        col, row = where_drawn(b"".join(frames), name)
        cols, rows = terminal_size(sent)
        x0, y0, width, height = page.evaluate(  # type: ignore[attr-defined]
            "() => { const r = document.querySelector('.xterm-screen').getBoundingClientRect();"
            " return [r.x, r.y, r.width, r.height]; }")
        cell_w, cell_h = width / cols, height / rows

        def glyph(n: int) -> bytes:  # the two cells of the n-th character of the name
            return page.screenshot(clip={"x": x0 + (col + 2 * n) * cell_w, "y": y0 + row * cell_h,  # type: ignore[attr-defined]
                                         "width": 2 * cell_w, "height": cell_h})

        blank = page.screenshot(clip={"x": x0 + (cols - 1) * cell_w, "y": y0 + (rows // 2) * cell_h,  # type: ignore[attr-defined]
                                      "width": 2 * cell_w, "height": cell_h})
        # Tofu draws every character as the same box: two different ones must differ.
        assert until_on_page(page, lambda: glyph(0) != glyph(1) and glyph(2) != glyph(3), 15), \
            "Chinese characters are drawn as identical boxes"
        assert glyph(0) != blank
    assert {u.split("/")[2] for u in requested} == {url.split("/")[2]}  # the font came from this host
    assert any(u.endswith("/fonts/cjk") for u in requested)
