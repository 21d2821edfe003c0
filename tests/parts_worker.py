"""A process of tests/test_parts_store.py: waits for GO to exist, then uses
one drive belt from the store on TICKET, USES times, and prints a line per
use: "ok" or "refused: …".

    python tests/parts_worker.py DB TICKET GO [USES]"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store import Store
from store.errors import StoreError


def main(db: str, ticket: str, go: str, uses: str = "1") -> None:
    store = Store(db, actor="bob", busy_timeout_ms=60000)
    while not Path(go).exists():  # a condition, not a time: all start together
        time.sleep(0.001)
    try:
        for _n in range(int(uses)):
            try:
                store.parts.use_parts(int(ticket), "DB-40", 1, location="store")
                print("ok", flush=True)
            except StoreError as exc:
                print(f"refused: {exc}", flush=True)
    finally:
        store.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
