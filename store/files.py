"""Every file the project writes: made for the center's group and no one else,
written beside its name and renamed into place whole, a full disk called that.

The database holds the center's customers and phone numbers, and so does every
export, backup and staging copy of it: each is created with mode 660 (README
"People, roles and the file") from the moment it exists, whatever the umask,
so there is never a moment when anyone else may read it. SQLite gives a
database's -wal, -shm and -journal the mode of the database file, so a file
made here before SQLite opens it makes those 660 too.

No textual, no click: the command line, the console and cron use it."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from .errors import StoreError
from .i18n import _
from .text import clean

FILE_MODE = 0o660
FOLDER_MODE = 0o770  # a folder made for such files: the group may make its -wal/-shm there, others nothing
# A full disk, or the user's quota: either way, "disk full".
NO_ROOM = (errno.ENOSPC, errno.EDQUOT)


class OutputFileError(StoreError):
    """A file could not be written (a full disk, a folder not writable); nothing was left behind."""


def create_private(path: Path | str) -> None:
    """Create ``path`` (which must not exist) with mode 660. The mode given to
    open(2) is what the file has from its first moment: the umask can only take
    bits away from it, never add, and fchmod then gives the group back what a
    strict umask took, as the database has."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def no_room(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in NO_ROOM


def cannot_write(path: Path | str | None, exc: OSError) -> OutputFileError:
    """One line for a file that could not be written (``path`` None: standard output)."""
    if path is None and no_room(exc):
        return OutputFileError(_("standard output: disk full; what was written is incomplete"
                                 " (free some space on its disk and try again)"))
    where = clean(str(path), single_line=True) if path is not None else _("standard output")
    if no_room(exc):
        return OutputFileError(_("{path}: disk full; nothing was written (free some space on its disk and try again)")
                               .format(path=where))
    return OutputFileError(_("{path} cannot be written ({e}); nothing was written").format(
        path=where, e=clean(exc.strerror or type(exc).__name__, single_line=True)))


def unwrap(exc: BaseException) -> BaseException:
    """XlsxWriter reports a failed write as FileCreateError around the OSError."""
    inner = exc.args[0] if exc.args else None
    return inner if type(exc).__name__ == "FileCreateError" and isinstance(inner, OSError) else exc


@contextlib.contextmanager
def replace_when_done(path: Path) -> Iterator[Path]:
    """A temporary name beside ``path`` to write to; renamed to ``path`` when
    the block ends well, removed when it raises (a refusal, a full disk, a
    cancel), so ``path`` is either the whole new file or what it was before.
    A file replaced keeps its mode if that is stricter than 660. An OSError
    (XlsxWriter's included) leaves as OutputFileError: one line, "disk full"
    when it is."""
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.part"
    try:
        create_private(tmp)
        with contextlib.suppress(OSError):
            if path.is_file():
                os.chmod(tmp, path.stat().st_mode & FILE_MODE)
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        inner = unwrap(exc)
        if isinstance(inner, OSError):
            raise cannot_write(path, inner) from None
        raise


class FailOnce:
    """A file for a writer that cleans up after itself too eagerly: the first
    failed write or flush raises (a full disk), and after it, or once the file
    is closed, every write, flush and seek does nothing. XlsxWriter's zip
    writer, left half-done by an error (its own scratch file could not be
    written, or this one), finishes the archive again when it is collected,
    and an error raised there would be printed with a traceback no one can catch."""

    def __init__(self, fh: BinaryIO):
        self._fh = fh
        self.failed = False

    @property
    def _dead(self) -> bool:
        return self.failed or self._fh.closed

    def _do(self, method: str, *args: Any) -> Any:
        if self._dead:
            return 0
        try:
            return getattr(self._fh, method)(*args)
        except OSError:
            self.failed = True
            raise

    def write(self, data: bytes) -> int:
        return len(data) if self._dead else self._do("write", data)

    def flush(self) -> None:
        self._do("flush")

    def seek(self, offset: int, whence: int = 0) -> int:
        return int(self._do("seek", offset, whence))

    def tell(self) -> int:
        return int(self._do("tell"))

    def __getattr__(self, name: str) -> Any:  # seekable…: the file's own
        return getattr(self._fh, name)


@contextlib.contextmanager
def scratch_beside(path: Path) -> Iterator[Path]:
    """A private folder beside ``path`` for a writer's own temporary files
    (XlsxWriter streams each sheet to one), removed with everything in it
    however the block ends. Beside, not in /tmp: the whole export is on one
    disk, the one a "disk full" names, and a failure leaves nothing anywhere."""
    try:
        folder = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    except OSError as exc:
        raise cannot_write(path, exc) from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
