"""Run a program in a pseudo-terminal and record everything it writes.

The reader thread drains the pty master continuously (a full pty buffer
would block the program), keeping (time, bytes) chunks so callers can ask
"when did this text first appear" and "how many bytes between t1 and t2".
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
import struct
import subprocess
import termios
import threading
import time


class PtyProc:
    def __init__(self, argv: list[str], cols: int = 160, rows: int = 50, env: dict[str, str] | None = None,
                 cwd: str | None = None, mark: re.Pattern[str] | None = None) -> None:
        """``mark``: the reader thread notes when the output first matches it and
        the program's CPU time then (``mark_t``, ``mark_cpu``): CPU to first paint
        does not depend on how long the program waited for a core."""
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = dict(os.environ)
        full_env.update({"TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)})
        full_env.pop("TEXTUAL", None)  # no devtools
        if env:
            full_env.update(env)

        def child_setup() -> None:  # new session with the pty as controlling terminal
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.master = master
        self.chunks: list[tuple[float, bytes]] = []
        self._lock = threading.Lock()
        self._buf = bytearray()
        self._mark = mark
        self.mark_t: float | None = None
        self.mark_cpu: float | None = None
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=full_env, cwd=cwd,
                                     preexec_fn=child_setup, close_fds=True)
        os.close(slave)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                break
            if not data:
                break
            now = time.perf_counter()
            with self._lock:
                self.chunks.append((now, data))
                self._buf += data
            if self._mark is not None and self.mark_t is None:
                with self._lock:
                    tail = bytes(self._buf[-(len(data) + 256):])
                if self._mark.search(tail.decode("utf-8", "replace")):
                    self.mark_t = now
                    try:
                        self.mark_cpu = cpu_seconds(self.proc.pid)
                    except OSError:
                        pass

    def text(self) -> str:
        with self._lock:
            return self._buf.decode("utf-8", "replace")

    def size(self) -> int:
        with self._lock:
            return len(self._buf)

    def wait_for(self, pattern: str | re.Pattern[str], timeout: float, start: int = 0) -> float | None:
        """perf_counter time of the chunk at which ``pattern`` first matches the output after byte ``start``."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.perf_counter() + timeout
        seen = 0
        while True:
            with self._lock:
                chunks = list(self.chunks)
            buf = b""
            pos = 0
            # rebuild incrementally: find first chunk index at which the match is complete
            if len(chunks) != seen:
                seen = len(chunks)
                acc = bytearray()
                for t, data in chunks:
                    pos += len(data)
                    if pos <= start:
                        continue
                    acc += data if pos - len(data) >= start else data[start - (pos - len(data)):]
                    if rx.search(acc.decode("utf-8", "replace")):
                        return t
                del buf
            if time.perf_counter() > deadline or self.proc.poll() is not None:
                return None
            time.sleep(0.005)

    def bytes_between(self, t1: float, t2: float) -> int:
        with self._lock:
            return sum(len(d) for t, d in self.chunks if t1 <= t < t2)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def rss_kb(self) -> int | None:
        return rss_kb(self.proc.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.proc.pid)

    def close(self, quit_keys: bytes | None = b"\x11", grace: float = 3.0) -> None:
        if self.proc.poll() is None and quit_keys:
            try:
                self.send(quit_keys)
            except OSError:
                pass
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(grace)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        try:
            os.close(self.master)
        except OSError:
            pass


def rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
