"""Experiment (not part of run.py): where do the console's steady-state bytes go,
and what would two small fixes save? Runs the console in a pty as shipped and
with patches applied by a launcher (console/ itself is not modified):

  hscroll    QueueTable { overflow-x: hidden; }  — set_rows sizes the virtual
             width before the vertical scrollbar exists, so a 2-column
             horizontal scrollbar appears and is repainted cell by cell
  statusbar  StatusBar updates with Static.update(..., layout=False) — the bar
             is one line at full width, so its updates need no layout pass

    python bench/experiment_bytes.py --db FILE [--seconds 10]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

LAUNCHER = r'''
import sys
sys.path.insert(0, {root!r})
patches = {patches!r}
if "hscroll" in patches:
    from console.widgets.queue import QueueTable
    QueueTable.DEFAULT_CSS += "\nQueueTable {{ overflow-x: hidden; }}\n"
if "statusbar" in patches:
    from textual.widgets import Static
    from console.widgets.status import StatusBar
    def update(self, content="", *, layout=True):
        Static.update(self, content, layout=False)
    StatusBar.update = update
from console.cli import main
sys.argv = ["dispatch", "--db", {db!r}]
main()
'''


def split(data: bytes, seconds: float) -> dict[str, float]:
    """Bytes per second by screen area, attributing each piece to its cursor move."""
    c: Counter[str] = Counter()
    for piece in re.split(rb"(?=\x1b\[\d+;\d+H)", data):
        m = re.match(rb"\x1b\[(\d+);(\d+)H", piece)
        if not m:
            c["other"] += len(piece)
            continue
        y, x = int(m[1]), int(m[2])
        key = ("status" if y == 1 else "footer" if y == 50 else "queue" if x <= 128
               else "vscroll" if x in (129, 130) else "board")
        c[key] += len(piece)
    return {k: v / seconds for k, v in c.items()}


def measure(argv: list[str], db: Path, visible: int, page: int, seconds: float) -> dict:
    from ptyrun import PtyProc
    from run import COLS, DOWN, HOME, PAGE_DOWN, ROW_RX, ROWS, ticking_region

    p = PtyProc(argv, COLS, ROWS, cwd=str(ROOT))
    out: dict = {}
    try:
        if p.wait_for(ROW_RX, 30) is None:
            return out
        time.sleep(2.5)
        for label in ("top", "ticking"):
            if label == "ticking":
                region = ticking_region(db, visible)
                target = region["start"] + visible - 1
                p.send(HOME)
                time.sleep(0.3)
                for _ in range(target // page):
                    p.send(PAGE_DOWN)
                    time.sleep(0.03)
                for _ in range(target % page):
                    p.send(DOWN)
                    time.sleep(0.01)
                time.sleep(3)
            n = len(p.chunks)
            t1, c1 = time.perf_counter(), p.cpu_seconds()
            time.sleep(seconds)
            t2, c2 = time.perf_counter(), p.cpu_seconds()
            data = b"".join(d for _t, d in p.chunks[n:])
            out[label] = {"bytes_per_s": len(data) / (t2 - t1), "cpu_ms_per_s": (c2 - c1) / (t2 - t1) * 1000,
                          "areas": split(data, t2 - t1)}
        return out
    finally:
        p.close(b"\x11")


def main() -> None:
    from run import DISPATCH, OUT, PY

    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--visible", type=int, default=46)
    ap.add_argument("--page", type=int, default=45)
    a = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    variants = {"as shipped": None, "hscroll": ["hscroll"], "hscroll+statusbar": ["hscroll", "statusbar"]}
    for name, patches in variants.items():
        if patches is None:
            argv = [DISPATCH, "--db", str(a.db)]
        else:
            launcher = OUT / f"patched_{'_'.join(patches)}.py"
            launcher.write_text(LAUNCHER.format(root=str(ROOT), db=str(a.db), patches=patches))
            argv = [PY, str(launcher)]
        page = a.page + 1 if patches and "hscroll" in patches else a.page  # one more row without the scrollbar
        visible = a.visible + 1 if patches and "hscroll" in patches else a.visible
        r = measure(argv, a.db, visible, page, a.seconds)
        for label, m in r.items():
            areas = ", ".join(f"{k} {v:.0f}" for k, v in sorted(m["areas"].items(), key=lambda kv: -kv[1]))
            print(f"{name:18s} {label:8s} {m['bytes_per_s']:6.0f} B/s  CPU {m['cpu_ms_per_s']:5.1f} ms/s  [{areas}]",
                  flush=True)


if __name__ == "__main__":
    main()
