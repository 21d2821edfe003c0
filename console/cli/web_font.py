"""A font with Chinese glyphs for ``dispatch serve``'s page.

The page draws the console on a canvas in textual-serve's Roboto Mono, which
has no CJK glyphs: a browser on a machine without a CJK font of its own shows
every Chinese name as boxes. The page asks first for the fonts such machines
usually have (``local()`` in the template); failing those, it loads the one
found here, on the host, so nothing comes from outside it.

Debian and Ubuntu install their CJK fonts as TrueType collections (``.ttc``:
several faces sharing tables). Chromium's font checker refuses the one in
``fonts-wqy-zenhei`` ("FFTM: misaligned table"), so the face is copied out
into a plain font file of its own (every table 4-byte aligned), in memory."""

from __future__ import annotations

import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Where Debian/Ubuntu (fonts-noto-cjk, fonts-wqy-zenhei, fonts-wqy-microhei,
# fonts-arphic-ukai), Fedora and Arch put theirs: tried when fc-list is missing.
KNOWN = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansMonoCJK-Regular.otf",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
)
SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")


@dataclass(frozen=True)
class WebFont:
    data: bytes  # one face, as a plain TrueType/OpenType file
    source: Path  # the host's file it came from
    mime: str  # font/ttf or font/otf


class FontError(ValueError):
    """A file that is not a font this module can read."""


def candidates() -> list[tuple[Path, int]]:
    """Fonts of this host that cover Chinese, monospaced ones first, as
    (file, face index); fontconfig's own list when it is installed."""
    found: list[tuple[Path, int]] = []
    if shutil.which("fc-list"):
        for pattern in (":lang=zh:spacing=mono", ":lang=zh"):
            try:
                out = subprocess.run(["fc-list", pattern, "--format", "%{file}\t%{index}\n"],
                                     capture_output=True, text=True, timeout=10, check=False).stdout
            except (OSError, subprocess.SubprocessError):
                out = ""
            for line in sorted(out.splitlines()):
                file, _tab, index = line.partition("\t")
                entry = (Path(file), int(index) if index.isdigit() else 0)
                if entry[0].suffix.lower() in SUFFIXES and entry not in found:
                    found.append(entry)
    found += [(Path(p), 0) for p in KNOWN if (Path(p), 0) not in found and Path(p).is_file()]
    return found


def find_cjk_font() -> WebFont | None:
    """The first font of this host with Chinese glyphs that a browser can use, or None."""
    for path, index in candidates():
        try:
            return load_font(path, index)
        except (OSError, FontError):
            continue
    return None


def load_font(path: Path, index: int = 0) -> WebFont:
    """``path`` (face ``index`` of a collection) as a file a browser accepts.
    Raises FontError for anything else, OSError when it cannot be read."""
    data = path.read_bytes()
    face = single_face(data, index)
    mime = "font/otf" if face[:4] == b"OTTO" else "font/ttf"
    return WebFont(face, path, mime)


def _tables(data: bytes, start: int) -> tuple[bytes, list[tuple[bytes, int, int, int]]]:
    """The sfnt version and (tag, checksum, offset, length) of each table of the face at ``start``."""
    try:
        version, count = struct.unpack_from(">4sH", data, start)
        if version not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
            raise FontError("not a TrueType or OpenType font")
        tables = [struct.unpack_from(">4sIII", data, start + 12 + 16 * i) for i in range(count)]
    except struct.error as exc:
        raise FontError("truncated font") from exc
    for _tag, _sum, offset, length in tables:
        if offset + length > len(data):
            raise FontError("truncated font")
    return version, tables


def single_face(data: bytes, index: int = 0) -> bytes:
    """Face ``index`` of a collection (or the font itself) rebuilt as one
    font file, tables in their order, each at a 4-byte boundary. The
    table checksums are kept: the bytes of each table are unchanged."""
    start = 0
    if data[:4] == b"ttcf":
        try:
            count = struct.unpack_from(">I", data, 8)[0]
            if not 0 <= index < count:
                raise FontError("no such face in the collection")
            start = struct.unpack_from(">I", data, 12 + 4 * index)[0]
        except struct.error as exc:
            raise FontError("truncated font collection") from exc
    version, tables = _tables(data, start)
    names = {tag for tag, *_rest in tables}
    if not {b"cmap", b"head"} <= names:
        raise FontError("a font without a character map")
    tables = sorted(tables)  # the directory is sorted by tag
    count = len(tables)
    power = 1 << (count.bit_length() - 1)
    header = struct.pack(">4sHHHH", version, count, power * 16, power.bit_length() - 1, count * 16 - power * 16)
    directory, body = [], []
    offset = 12 + 16 * count
    for tag, checksum, at, length in tables:
        directory.append(struct.pack(">4sIII", tag, checksum, offset, length))
        padded = data[at:at + length] + b"\0" * (-length % 4)
        body.append(padded)
        offset += len(padded)
    return header + b"".join(directory) + b"".join(body)
