"""Heads kept off the file (README "A history nobody can quietly rewrite").

A head is the last event's id and hash, written ``ID:HASH``. Anyone who can
write the file can cut events off its end and rewind its head record, or
rewrite events and recompute every hash after them; what they cannot do is
change a head already written down somewhere else. So ``dispatch backup``
appends the head to a heads log in its destination folder (and refuses when
today's history no longer contains a head recorded there), ``dispatch check
--head`` prints it for a manager to keep, and ``dispatch check --anchor`` /
``--anchors`` verifies kept heads are still in the chain.

A heads log line: ``<UTC time>\\t<ID>:<HASH>\\t<what it was kept from>``."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import DatabaseFileError
from .i18n import _

_HEAD = re.compile(r"(?<![0-9A-Za-z])(\d+):([0-9a-f]{64})(?![0-9a-f])")
HEADS_MODE = 0o660  # as the database (store/db.py FILE_MODE)


@dataclass(frozen=True)
class Anchor:
    event: int
    hash: str
    source: str  # where it was kept: a file and line, or the command line


def parse_anchor(text: str, source: str) -> Anchor:
    found = _HEAD.search(text.strip().lower())
    if found is None:
        raise DatabaseFileError(_("{text} is not a head: a head is written ID:HASH, an event number and 64 hex digits"
                                  " (dispatch check --head prints it)").format(text=text.strip()[:80]))
    return Anchor(int(found.group(1)), found.group(2), source)


# A heads log line whose note starts with this records a restore: the history
# went back to that head, so the heads recorded before it no longer apply.
RESTORED = "restored from"


def read_anchors(path: Path) -> list[Anchor]:
    """Every head in a file (a heads log, or lines kept from ``check --head``);
    of a heads log, those from its last restore on."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise DatabaseFileError(_("{path} cannot be read ({e})").format(path=path, e=exc.strerror or exc)) from None
    out: list[Anchor] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        found = _HEAD.search(line)
        if found is not None:
            if line[found.end():].strip().startswith(RESTORED):
                out.clear()
            out.append(Anchor(int(found.group(1)), found.group(2), f"{path}:{n}"))
    return out


def head_line(at: str, event: int, digest: str, what: str) -> str:
    return f"{at}\t{event}:{digest}\t{' '.join(what.split())}\n"


def heads_log(folder: Path, database: Path) -> Path:
    """The heads log of ``database``'s backups in ``folder``."""
    return folder / f"{database.stem}.heads"


def append_head(log: Path, line: str) -> None:
    """Append one line and sync it: the log is only ever added to."""
    try:
        created = not log.exists()
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, HEADS_MODE)
        try:
            if created:  # whatever the umask, as the database itself
                os.fchmod(fd, HEADS_MODE)
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise DatabaseFileError(_("{path} cannot be written ({e}); the backup is in place but its head was not"
                                  " recorded").format(path=log, e=exc.strerror or exc)) from None
