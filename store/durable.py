"""When a write is on disk: the commit's fsync, made after the write lock is
let go (README "Many writers, crashes and durability").

With ``synchronous = FULL`` SQLite fsyncs the WAL inside COMMIT, while it
still holds the one write lock: every other writer waits for the disk too, so
with 20 writers the lock was busy with fsyncs and p99 went to 321–528 ms.
Instead the write connection runs ``synchronous = NORMAL`` (WAL stays
consistent after a power cut; SQLite still fsyncs before and after each
checkpoint) and the write path fsyncs the WAL itself after COMMIT, before the
caller is told the write is done. So no write is reported done before it is on
disk, as with FULL; the lock is held only while the transaction runs; and one
fsync of the WAL covers every commit written to it before, so writers that
finish together share the disk's flush instead of queueing for one each.

What differs from FULL: another dispatcher may *see* a commit in the moment
between its COMMIT and its fsync. A power cut in that moment loses it (and any
commit after it), as FULL would have lost a write that had not returned;
nothing reported done is lost, and what survives is a prefix of the history."""

from __future__ import annotations

import os
from pathlib import Path


class WalSync:
    """fsync of one database's WAL file. The first time a WAL file (by inode)
    is synced, its folder is synced too, so the file itself survives a power
    cut (SQLite syncs the folder of a journal it creates, with FULL)."""

    def __init__(self, path: Path):
        self.wal = f"{path}-wal"
        self.folder = str(Path(path).absolute().parent)
        self._synced: tuple[int, int] | None = None

    def __call__(self) -> None:
        try:
            fd = os.open(self.wal, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return  # no WAL: the file is not in WAL mode, and SQLite synced the commit itself (FULL)
        try:
            os.fdatasync(fd)
            st = os.fstat(fd)
        finally:
            os.close(fd)  # SQLite keeps no lock on the -wal itself, so closing this one releases nothing of its
        if self._synced != (st.st_dev, st.st_ino):
            dir_fd = os.open(self.folder, os.O_RDONLY | os.O_CLOEXEC)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
            self._synced = (st.st_dev, st.st_ino)
