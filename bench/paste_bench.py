"""How long a long text takes to land in a form field, typed or pasted.

    python bench/paste_bench.py                   # 5,000 characters into the New ticket form
    python bench/paste_bench.py --sizes 1000 5000
    DISPATCH_SRC=/work/main python bench/paste_bench.py   # the same on another checkout (before/after)

For each size N it opens the real console (App.run_test at 80x24) on a small
file, opens the New ticket form with `n` and sends N characters to the
Reporter field (an Input) and to the Fault description (a TextArea), each twice:

- as a paste (one bracketed-paste event, what a terminal sends when the
  text is pasted with the mouse or shift+insert);
- as N key events in one burst (what `tmux send-keys` or a terminal without
  bracketed paste sends), each handled one after another (console/keys.py);

then one `tab`, and times how long until the tab has moved the focus to the
next field: until then the console is deaf to everything typed after the
text. Wall time and the process's CPU time (steadier on a shared machine).
The Reporter field takes at most 80 characters, the description 4,000
(store/inputs.py NewTicket); an older checkout without the limits takes all.

Each step has a budget (--budget, seconds): a step over it prints "> budget".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(os.environ.get("DISPATCH_SRC") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))

from store import Store  # noqa: E402
from store.context import default_actor  # noqa: E402


def build(path: Path) -> Store:
    store = Store(path, create=True, actor=default_actor())
    store.admin.load("bench.seed", {
        "sites": [{"id": 1, "code": "S1", "name": "Head Office", "address": "x"}],
        "teams": [{"id": 1, "name": "North", "foreman_id": None}],
        "technicians": [{"id": 1, "name": "Li Wei", "team_id": 1, "phone": "1", "skills": json.dumps(["atm"]),
                         "on_duty": 1}],
        "equipment": [{"id": 1, "site_id": 1, "asset_tag": "ATM-1", "category": "atm", "model": "m"}],
    }, {"seed": "bench"})
    store.users.add_user(default_actor(), "Bench", "manager")
    return store


FIELDS = {  # field -> (the one after it, what it is)
    "reporter": ("f-phone", "Input, at most 80 characters"),
    "description": ("save", "TextArea, at most 4,000 characters"),
}


async def run(store: Store, n: int, how: str, budget: float, field_name: str = "reporter") -> dict[str, float | str | int]:
    from textual import events
    from textual.widgets import Input

    from console.app import make_app
    from console.settings import ConsoleSettings

    out: dict[str, float | str | int] = {}
    app = make_app(store, settings=ConsoleSettings(poll_seconds=0.2, cursor_blink=False))
    text = ("Zhang Wei " * (n // 10 + 1))[:n]

    async def wait(cond, pilot) -> float | str:  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        while not cond():
            if time.perf_counter() - t0 > budget:
                return f"> {budget:g} s"
            await pilot.pause()
            await asyncio.sleep(0.005)
        return round(time.perf_counter() - t0, 3)

    def idle() -> bool:
        return not getattr(app, "_pending_input", None) and getattr(app, "_input_task", None) is None

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await wait(lambda: app.focused is not None and app.focused.id == "f-reporter", pilot)
        field = app.screen.query_one(f"#f-{field_name}")
        field.focus()
        await pilot.pause()
        after, _what = FIELDS[field_name]
        driver = app._driver
        assert driver is not None
        c0 = time.process_time()
        if how == "paste":
            driver.send_message(events.Paste(text))
        else:
            for ch in text:
                driver.send_message(events.Key(ch if ch != " " else "space", ch))
        # Then one more key: the focus moves on only once everything before it was handled.
        driver.send_message(events.Key("tab", "\t"))
        out["all handled, tab moved on"] = await wait(lambda: app.focused is not None
                                                      and app.focused.id == after and idle(), pilot)
        out["  of it CPU time"] = round(time.process_time() - c0, 3)
        out["field holds (characters)"] = len(field.value if isinstance(field, Input) else field.text)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[5_000])
    ap.add_argument("--budget", type=float, default=300.0)
    ap.add_argument("--fields", nargs="*", default=list(FIELDS), choices=list(FIELDS))
    args = ap.parse_args()
    print(f"source: {ROOT}")
    for field_name in args.fields:
        for n in args.sizes:
            for how in ("paste", "keys"):
                with tempfile.TemporaryDirectory() as tmp:
                    store = build(Path(tmp) / "p.db")
                    steps = asyncio.run(run(store, n, how, args.budget, field_name))
                    store.close()
                print(f"\n{field_name} ({FIELDS[field_name][1]}): {n:,} characters as "
                      f"{'one paste' if how == 'paste' else 'key events in one burst'}")
                for k, v in steps.items():
                    shown = v if isinstance(v, str) else (f"{v:10,}" if isinstance(v, int) else f"{v * 1000:10.0f} ms")
                    print(f"  {k:<34} {shown}")


if __name__ == "__main__":
    main()
