"""History search on a big file: median time of typical queries.

Build the file first (about 70 s):
    .venv/bin/dispatch --db /tmp/tix/big.db demo --scale 1000000 --no-console
then:
    .venv/bin/python bench/search_bench.py /tmp/tix/big.db
The target is under 50 ms per query (Store.search, 50 results, newest first),
rare or common, 1 to 20 characters: the short terms include rare ones
(鹦鹉, zq: few or no matches, the case a LIKE scan ran through the whole
file for) beside common ones. The load average is printed with the figures."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

from store import Store
from store.models import QueueFilter

RUNS = int(os.environ.get("RUNS", "15"))


def median_ms(fn: object) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(path: str) -> None:
    store = Store(Path(path), actor="bench")
    total = store.db.q("SELECT COUNT(*) FROM tickets")[0][0]
    opened = store.db.q("SELECT COUNT(*) FROM tickets WHERE is_open = 1")[0][0]
    sample = store.tickets.ticket(store.db.q("SELECT MAX(id) FROM tickets WHERE equipment_id IS NOT NULL AND id <= ?", (total // 2,))[0][0])
    phone = "".join(ch for ch in sample.phone if ch.isdigit())
    spaced = " ".join(phone[i:i + 4] for i in range(0, len(phone), 4))
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
    print(f"{path}: {total:,} tickets, {opened:,} open; median of {RUNS} runs; load {os.getloadavg()[0]:.2f}")
    print("Store.search (history, open and closed, 50 newest):")
    for label, q in queries.items():
        n = len(store.search.find(q))
        print(f"  {median_ms(lambda q=q: store.search.find(q)):8.1f} ms  {n:3} hits  {label}")
    print("queue '/' filter (open tickets, first window of 100 + count):")
    for label, q in queries.items():
        f = QueueFilter(text=q)
        n = store.queue.queue_count(f)
        print(f"  {median_ms(lambda f=f: (store.queue.find(f, 0, 100), store.queue.queue_count(f))):8.1f} ms  {n:6} open  {label}")
    print("earlier_tickets (caller's phone + asset):")
    print(f"  {median_ms(lambda: store.search.earlier_tickets(phone=spaced, equipment_id=sample.equipment_id)):8.1f} ms  "
          f"{len(store.search.earlier_tickets(phone=spaced, equipment_id=sample.equipment_id))} tickets")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    store.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/tix/big.db")
