"""A real PostgreSQL for the head-office tests (issue 26): fixtures `hq_server`,
`hq_url` and `hq_conn`, imported by tests/conftest.py.

One server per test process (each xdist worker starts its own: nothing is
shared between workers, so no locking): `initdb` into a temporary folder, then
`pg_ctl start` on a free loopback port with its unix socket in that folder.
PostgreSQL refuses to run as root, so as root the folder is given to the
`postgres` OS user and the commands run through `runuser -u postgres --`
(pytest-postgresql 10 fails as root, hence this small fixture).

Sign-in over TCP needs a password (scram-sha-256), like a real head office,
so the tests see a URL with a password in it and can check that it never
shows in an error. Each test gets a fresh empty database (`CREATE DATABASE …
TEMPLATE template0`, a few tens of milliseconds), dropped afterwards.

Where no server binary is installed the tests skip and say how to install it
(.ci/run installs Debian's `postgresql` as it does chromium).
Set DISPATCH_TEST_PG_BIN to use another installation's bin folder.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "hq-test-s3cret"  # a throwaway server's
_counter = itertools.count()


def _bin_dir() -> Path | None:
    chosen = os.environ.get("DISPATCH_TEST_PG_BIN")
    candidates = [chosen] if chosen else sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    user: str
    password: str
    socket_dir: str

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{dbname}"


def _as_server_user(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120, **kw)


class Unavailable(Exception):
    """No PostgreSQL server can be started here (the reason says why)."""


@contextmanager
def pg_server() -> Iterator[PgServer]:
    """A throwaway PostgreSQL server for the block (tests, bench/hq_ship.py)."""
    bindir = _bin_dir()
    if bindir is None:
        raise Unavailable("no PostgreSQL server here (/usr/lib/postgresql/*/bin/initdb): apt-get install postgresql")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        raise Unavailable("running as root without runuser: PostgreSQL cannot be started")
    # /tmp rather than /dev/shm: the socket path must stay short (107 bytes).
    root = Path(tempfile.mkdtemp(prefix="hqpg-", dir="/tmp"))
    data, pwfile = root / "data", root / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(pwfile, "postgres")
    port = _free_port()
    log = root / "log"
    try:
        _as_server_user([
            str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--pwfile", str(pwfile),
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        ])
        opts = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=60 -c shared_buffers=64MB")
        _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", opts, "-w", "-t", "60", "start"])
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = log.read_text() if log.exists() else getattr(exc, "stderr", "")
        shutil.rmtree(root, ignore_errors=True)
        raise Unavailable(f"PostgreSQL could not be started here: {str(detail).strip()[-300:]}") from None
    try:
        yield PgServer("127.0.0.1", port, "postgres", PASSWORD, str(root))
    finally:
        try:
            _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def hq_server() -> Iterator[PgServer]:
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[test]'")
    try:
        with pg_server() as server:
            yield server
    except Unavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture
def hq_url(hq_server: PgServer) -> Iterator[str]:
    """The URL (with password) of a fresh empty database on the test server."""
    import psycopg

    name = f"hq_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(hq_server.url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        yield hq_server.url(name)
    finally:
        with psycopg.connect(hq_server.url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def hq_conn(hq_url: str) -> Iterator[Any]:
    """A connection (psycopg.Connection, autocommit off) to that fresh database."""
    import psycopg

    with psycopg.connect(hq_url) as conn:
        yield conn
