"""A process of tests/test_parts_store.py: waits for GO to exist, then uses
one drive belt from the store on TICKET, and prints "ok" or "refused: …".

    python tests/parts_worker.py DB TICKET GO"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store import Store
from store.errors import StoreError


def main(db: str, ticket: str, go: str) -> None:
    store = Store(db, actor="bob", busy_timeout_ms=60000)
    while not Path(go).exists():  # a condition, not a time: both start together
        time.sleep(0.001)
    try:
        store.parts.use_parts(int(ticket), "DB-40", 1, location="store")
        print("ok")
    except StoreError as exc:
        print(f"refused: {exc}")
    finally:
        store.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
