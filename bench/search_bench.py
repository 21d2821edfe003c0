"""History search on a big file: median time of typical queries.

Build the file first (about 70 s):
    .venv/bin/dispatch --db /tmp/tix/big.db demo --scale 1000000 --no-console
then:
    .venv/bin/python bench/search_bench.py /tmp/tix/big.db
(``QUEUE=0`` in the environment skips the queue's '/' filter; ``ONLY="'e',ter q"``
runs only the queries whose labels hold one of these.)
The target is under 50 ms per query (Store.search, 50 results, newest first),
rare or common, 1 to 20 characters: the short terms include rare ones
(鹦鹉, zq: few or no matches, the case a LIKE scan ran through the whole
file for) beside common ones. The load average is printed with the figures."""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

from store import Store
from store.models import QueueFilter
from store.repo.search import search_ids
from store.rows import TICKET_SELECT, _ticket

RUNS = int(os.environ.get("RUNS", "15"))
# Common and rare terms of 1, 2, 3, 5 and 20 characters, in Chinese and in
# Latin letters (the demo's descriptions: common ones are in thousands of
# tickets, rare ones in none; the hit count is printed beside each).
MATRIX = {
    "zh common 1 '机'": "机",
    "zh common 2 '钞箱'": "钞箱",
    "zh common 3 '打印机'": "打印机",
    "zh common 5 '柜台存折打'": "柜台存折打",
    "zh common 20": "存款模块卡钞，客户 10000 元未入账",
    "zh rare 1 '鹉'": "鹉",
    "zh rare 2 '鹦鹉'": "鹦鹉",
    "zh rare 3 '鹦鹉螺'": "鹦鹉螺",
    "zh rare 5 '鹦鹉螺号船'": "鹦鹉螺号船",
    "zh rare 20": "鹦鹉螺号船" * 4,
    "latin common 1 'e'": "e",
    "latin common 2 'er'": "er",
    "latin common 3 'ter'": "ter",
    "latin common 5 'count'": "count",
    "latin common 20": "Core banking termina",
    "latin rare 1 'q'": "q",
    "latin rare 2 'zq'": "zq",
    "latin rare 3 'zqx'": "zqx",
    "latin rare 5 'zqxwv'": "zqxwv",
    "latin rare 20": "zqxwv" * 4,
}

# Long and short terms together (issue 28, third round): common with common
# (found together or never), common with rare, rare with rare, Chinese with
# Latin letters, three terms; the long terms' pairs that fold differently in
# the two indexes (s, k) too.
TOGETHER = {
    "ATM e": "ATM e",
    "ATM q": "ATM q",
    "ATM a": "ATM a",
    "ATM 1": "ATM 1",
    "ATM 机": "ATM 机",
    "ATM 王": "ATM 王",
    "打印机 e": "打印机 e",
    "打印机 吞卡": "打印机 吞卡",
    "打印机 q": "打印机 q",
    "ter 机": "ter 机",
    "ter q": "ter q",
    "count e": "count e",
    "count 吞卡": "count 吞卡",
    "柜台存折打 e": "柜台存折打 e",
    "Sub-branch e": "Sub-branch e",
    "reader q": "reader q",
    "Fingerprint 王": "Fingerprint 王",
    "error 王": "error 王",
    "branch 吞卡": "branch 吞卡",
    "zqx e (rare long)": "zqx e",
    "ask e (s, k)": "ask e",
    "desk 鹉 (rare both)": "desk 鹉",
    "3 terms 'ATM 王 磊'": "ATM 王 磊",
    "3 terms 'ATM e r'": "ATM e r",
    "3 terms 'Core banking e'": "Core banking e",
}


CPU: list[float] = []  # the CPU time (this process) of each median_ms call, beside its wall time


def median_ms(fn: object) -> float:
    """The median wall time of RUNS calls; their median CPU time is appended
    to CPU (on a loaded machine the wall time is mostly waiting for a core)."""
    times, cpu = [], []
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    CPU.append(statistics.median(cpu))
    return statistics.median(times)


def main(path: str) -> None:
    store = Store(Path(path), actor="bench")
    total = store.db.q("SELECT COUNT(*) FROM tickets")[0][0]
    opened = store.db.q("SELECT COUNT(*) FROM tickets WHERE is_open = 1")[0][0]
    sample = store.tickets.ticket(store.db.q("SELECT MAX(id) FROM tickets WHERE equipment_id IS NOT NULL AND id <= ?", (total // 2,))[0][0])
    phone = "".join(ch for ch in sample.phone if ch.isdigit())
    spaced = " ".join(phone[i : i + 4] for i in range(0, len(phone), 4))
    words = sample.description.split()
    cjk = next((w[:3] for w in words if len(w) >= 3), sample.description[:3])
    queries = {
        "#id exact": f"#{sample.id}",
        f"reporter {sample.reporter!r}": sample.reporter,
        f"phone spaced {spaced!r}": spaced,
        f"asset tag {sample.equipment_tag!r}": sample.equipment_tag or "ATM",
        f"site {sample.site_name!r}": sample.site_name,
        f"text {cjk!r}": cjk,
        "rare text 'zzzq' (no match)": "zzzq",
        "two words 'ATM 吞卡'": "ATM 吞卡",
        "short '卡' (common, 1 char)": "卡",
        "short '吞卡' (common, 2 chars)": "吞卡",
        "short '王磊' (a name)": "王磊",
        "rare short '鹦鹉'": "鹦鹉",
        "rare short 'zq'": "zq",
        "rare short 'Zq' (case folded)": "Zq",
        "rare 1 char '鹉'": "鹉",
        "two short 'ATM zq' (common long, rare short)": "ATM zq",
        "20 chars": (sample.description * 3)[:20],
    }
    for label, q in MATRIX.items():
        queries[label] = q
    for label, q in TOGETHER.items():
        queries[f"together {label}"] = q
    # ONLY="'e',together ter q": the queries whose labels hold one of these (before and after alternating quickly).
    only = [w.strip() for w in os.environ.get("ONLY", "").split(",") if w.strip()]
    if only:
        queries = {k: v for k, v in queries.items() if any(w in k for w in only)}
    # The floor: 50 tickets read by their ids (no index asked), as rows with a
    # bare sqlite3 connection, and as the store's Ticket models (what any
    # answer of 50 costs, whatever found it).
    newest = [r[0] for r in store.db.q("SELECT id FROM tickets ORDER BY id DESC LIMIT 50")]
    marks = ", ".join("?" for _ in newest)
    bare = sqlite3.connect(path)
    floor = median_ms(lambda: bare.execute(f"SELECT * FROM tickets WHERE id IN ({marks})", newest).fetchall())
    bare.close()
    models = median_ms(lambda: [_ticket(r) for r in store.db.q(TICKET_SELECT + f" WHERE t.id IN ({marks})", newest)])
    print(f"{path}: {total:,} tickets, {opened:,} open; median of {RUNS} runs; load {os.getloadavg()[0]:.2f}")
    print(f"floor: 50 tickets by id, bare sqlite3 {floor:.1f} ms; as the store's Ticket models {models:.1f} ms (CPU {CPU[-1]:.1f} ms)")
    print("Store.search (history, open and closed, 50 newest; goal ≤ 50 ms): wall, CPU, matches")
    for label, q in queries.items():
        sub = search_ids(q)
        n = store.db.value(f"SELECT COUNT(*) FROM ({sub[0]})", sub[1]) if sub else len(store.search.find(q))
        wall = median_ms(lambda q=q: store.search.find(q))
        print(f"  {wall:8.1f} ms {CPU[-1]:6.1f} ms CPU {n:7} matches  {label}")
    print(f"load {os.getloadavg()[0]:.2f}")
    if os.environ.get("QUEUE") == "0":
        store.close()
        return
    forget = getattr(getattr(store.queue, "order", None), "forget", lambda: None)  # absent in older code
    print("queue '/' filter (open tickets: count + first window of 100, the order read afresh as after a change):")
    for label, q in queries.items():
        f = QueueFilter(text=q)
        n = store.queue.queue_count(f)

        def queue_filter(f: QueueFilter = f) -> None:
            forget()
            store.queue.queue_count(f)
            store.queue.find(f, 0, 100)

        wall = median_ms(queue_filter)
        print(f"  {wall:8.1f} ms {CPU[-1]:6.1f} ms CPU {n:6} open  {label}")
    print("earlier_tickets (caller's phone + asset):")
    print(
        f"  {median_ms(lambda: store.search.earlier_tickets(phone=spaced, equipment_id=sample.equipment_id)):8.1f} ms  "
        f"{len(store.search.earlier_tickets(phone=spaced, equipment_id=sample.equipment_id))} tickets"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    store.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/tix/big.db")
