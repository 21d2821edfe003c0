"""One writer process of the stress test (tests/test_stress.py) and of
bench/writers.py: random workflow operations through the Store on one file
until its time is up.

    python -m tests.stress_worker DB LOG NAME SEED SECONDS [VARIANT]

VARIANT (bench/writers.py compares them; default: as the Store writes) is
``full`` (SQLite's fsync inside COMMIT, while the write lock is held, instead
of the Store's after it), ``normal`` (no fsync at all: not durable, the
floor), ``noqueue`` (no turns: every waiting writer asks SQLite), or
``full+noqueue`` (both: how writes were made before the queue).

After each call returns (the transaction committed), one JSON line goes to
LOG and is fsynced: what was done, to which ticket, the version the call
returned, and how long it took. So a line in the log is a promise that the
operation is in the file, whenever the process is killed. Some operations
are spare-parts steps (receive, move, use on a ticket, resolve using parts:
store/repo/parts.py); their lines carry the stock movements they made
(``moves``), which tests/test_stress.py checks the stock against. Only StaleTicket
(and EditConflict, an edit of a field someone else just changed) is retried (another writer was first, as in the console); a refused step
(a rule, a bad value) is simply not logged; any other error, "database is
locked" first of all, is logged as a failure."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from store import Store
from store.errors import DatabaseFileError, EditConflict, NotFound, RuleViolation, StaleTicket, ValidationFailed
from store.repo.parts_rows import PartUse, Step
from store.rules.lifecycle import OPEN_STATUSES, allowed_actions

TECHS = (1, 2, 3)  # on duty in tests/conftest.py's SEED
PARTS = ("DB-40", "FU-10", "RL-7")  # tests/test_stress.py's make_file puts them in the catalogue
PLACES = ("store", "van:1", "van:2", "van:3")
STOCK_SHARE = 0.2  # of the operations: few units, many writers, so shortages happen and are refused


def keeper(name: str) -> str:
    """The manager who receives deliveries for writer ``name`` (w3 -> k3: make_file adds them)."""
    return "k" + name[1:]


def moved(step: Step, ticket: int | None = None) -> dict[str, Any]:
    """A stock movement as the log promises it."""
    return {"id": step.id, "kind": step.movement.kind, "part": step.part.code, "from": step.location.id,
            "to": step.to.id if step.to else None, "q": step.movement.quantity, "ticket": ticket}


def stock_op(store: Store, rng: random.Random, name: str, top: int) -> dict[str, Any]:
    """A delivery (by the writer's manager), a move between the store and
    the vans, or parts used on a ticket; a shortage or a closed ticket is
    refused (RuleViolation: not logged)."""
    part, r = rng.choice(PARTS), rng.random()
    if r < 0.3:
        store.actor = keeper(name)
        try:
            step = store.parts.receive_parts(part, rng.randint(1, 6), rng.choice(("10.50", "12.00", "0.80")),
                                             rng.choice(("store", "store", "van:1")))
        finally:
            store.actor = name
        return {"op": "receive", "moves": [moved(step)]}
    if r < 0.6:
        source, to = rng.sample(PLACES, 2)
        return {"op": "move", "moves": [moved(store.parts.move_parts(part, rng.randint(1, 3), source, to))]}
    tid = rng.randint(1, top)
    step = store.parts.use_parts(tid, part, rng.randint(1, 2))  # the ticket's van, or the store
    return {"op": "use", "ticket": tid, "moves": [moved(step, tid)]}


def create(store: Store, rng: random.Random) -> Any:
    site = rng.choice((1, 2))
    return store.tickets.create_ticket({
        "site_id": site, "equipment_id": rng.choice((None, 1 if site == 1 else 3)),
        "priority": rng.randint(1, 4), "category": rng.choice(("atm", "printer", "network")),
        "description": f"fault {rng.random():.6f}", "reporter": "Ms Sun", "phone": "13900000000"})


def step(store: Store, rng: random.Random, op: str, t: Any) -> Any:
    tid, v = t.id, t.version
    if op == "assign":
        tech = rng.choice([x for x in TECHS if x != t.technician_id])
        return store.tickets.assign(tid, v, technician_id=tech, reason="stress" if t.technician_id else "")
    if op == "respond":
        return store.tickets.respond(tid, v, note="on it")
    if op == "arrive":
        return store.tickets.arrive(tid, v, mode=rng.choice(("onsite", "remote")))
    if op == "hold":
        return store.tickets.hold(tid, v, reason=rng.choice(("customer", "parts")), note="waiting")
    if op == "resume":
        return store.tickets.resume(tid, v)
    if op == "resolve":
        return store.tickets.resolve(tid, v, symptom="s", cause="c", action="a", parts="p")
    if op == "close":
        return store.tickets.close(tid, v, signoff="Ms Sun", fee=rng.choice((None, "120.50")))
    if op == "cancel":
        return store.tickets.cancel(tid, v, reason="duplicate")
    if op == "edit":
        return store.tickets.edit_ticket(tid, v, description=f"edited {rng.random():.6f}")
    raise ValueError(op)


def resolve_using(store: Store, rng: random.Random, t: Any) -> dict[str, Any]:
    """Resolve with catalogue parts, one write: a shortage refuses both."""
    uses = [PartUse(part, rng.randint(1, 2)) for part in rng.sample(PARTS, rng.randint(1, 2))]
    done, steps = store.parts.resolve_using(t.id, t.version, uses, symptom="s", cause="c", action="a", parts="p")
    return {"op": "resolve", "ticket": done.id, "version": done.version, "moves": [moved(x, t.id) for x in steps]}


def one_op(store: Store, rng: random.Random, name: str, seq: int) -> dict[str, Any] | None:
    # The highest ticket id (not stats(): its COUNT(*) of every event is the
    # bench's own cost, tens of milliseconds an operation on a 100k file).
    top = store.db.value("SELECT COALESCE(MAX(id), 0) FROM tickets")
    if top < 5 or rng.random() < 0.15:
        t = create(store, rng)
        return {"op": "create", "ticket": t.id, "version": t.version}
    if rng.random() < STOCK_SHARE:
        return stock_op(store, rng, name, top)
    tid = rng.randint(1, top)
    for _attempt in range(20):
        t = store.tickets.ticket(tid)
        if rng.random() < 0.1:
            token = f"{name}#{seq}"
            store.tickets.add_note(tid, token)
            return {"op": "note", "ticket": tid, "token": token}
        ops = list(allowed_actions(t.status, t.technician_id, t.first_response_at is not None))
        if t.status in OPEN_STATUSES:
            ops.append("edit")
        if not ops:
            return None
        op = rng.choice(ops)
        try:
            if op == "resolve" and rng.random() < 0.5:
                return resolve_using(store, rng, t)
            done = step(store, rng, op, t)
        except (StaleTicket, EditConflict):
            continue  # someone else was first (an edit of the same field: a conflict): read it again and choose again
        return {"op": op, "ticket": done.id, "version": done.version}
    return None


# ----------------------------------------------- the fleet (test and bench)
ROOT = Path(__file__).resolve().parent.parent


def spawn(db: Path, log: Path, name: str, seed: int, seconds: float,
          variant: str | None = None) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "tests.stress_worker", str(db), str(log), name, str(seed), f"{seconds:.2f}"]
    return subprocess.Popen([*args, *([variant] if variant else [])], cwd=ROOT, stderr=subprocess.PIPE)


def run_fleet(db: Path, logs: Path, writers: int, seconds: float, *, kills: int = 0, variant: str | None = None,
              seed: int = 0) -> tuple[list[dict[str, Any]], int, list[str]]:
    """``writers`` processes for ``seconds``; ``kills`` times a random one is
    SIGKILLed at a random moment and started again (a new log) for the time
    left. Returns every logged entry, how many were killed, and the stderr of
    any process that ended with an error."""
    rng = random.Random(seed)
    logs.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    procs = {f"w{i}": spawn(db, logs / f"w{i}.0.log", f"w{i}", seed * 1000 + i, seconds, variant)
             for i in range(writers)}
    moments = sorted(rng.uniform(0.2 * seconds, 0.8 * seconds) for _ in range(kills))
    killed, errors = 0, []
    for n, at in enumerate(moments, start=1):
        time.sleep(max(0.0, start + at - time.monotonic()))
        name = rng.choice(sorted(procs))
        proc = procs[name]
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
        left = seconds - (time.monotonic() - start)
        procs[name] = spawn(db, logs / f"{name}.{n}.log", name, seed * 1000 + 100 * n, max(1.0, left), variant)
    for proc in procs.values():
        _out, err = proc.communicate()
        if proc.returncode not in (0, -signal.SIGKILL):
            errors.append(err.decode(errors="replace")[-2000:])
    return read_logs(logs), killed, errors


def read_logs(logs: Path) -> list[dict[str, Any]]:
    """Every entry; a killed process's last line may be torn (killed while
    writing it): its operation committed but was never promised."""
    out = []
    for log in sorted(logs.glob("*.log")):
        for line in log.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


class Phases:
    """Where an operation's time went (bench/writers.py prints it), summed
    over its writes: ``wait`` for the write lock (the turn in the queue, then
    SQLite's lock: store/turns.py), of it ``turn`` (the queue alone) and
    ``naps`` (the sleeps between asks of SQLite), ``body`` (BEGIN to COMMIT:
    the transaction holding the lock), ``commit`` (COMMIT itself, with any
    checkpoint SQLite runs after it), ``sync`` (the fsync after it:
    store/durable.py), and ``cpu`` (the process's CPU for the whole
    operation). Measured by wrapping the Store's own calls, so the write path
    is the one shipped."""

    def __init__(self, store: Store) -> None:
        import store.turns as turns_module

        self.t: dict[str, float] = {}
        # Each write's (BEGIN done, COMMIT asked, COMMIT done) on the
        # machine-wide monotonic clock: bench/writers.py lays every writer's
        # side by side to see how long the lock lay free between two writes.
        self.spans: list[tuple[float, float, float, float]] = []
        db, turns = store.db, store.db._turns
        begin, take, sync = db._begin, turns.take, db._sync
        clock = time.perf_counter

        def timed(key: str, call: Any) -> Any:
            def run(*args: Any, **kwargs: Any) -> Any:
                started = clock()
                try:
                    return call(*args, **kwargs)
                finally:
                    self.add(key, clock() - started)
            return run

        def turned(timeout: float, waiting: Any = None) -> Any:
            try:
                return take(timeout, waiting)
            finally:
                self.turned = clock()

        def begun() -> None:
            begin()
            self.begun = clock()

        def synced() -> None:
            now = clock()
            self.add("commit", now - self.committing)
            self.spans.append((self.begun, self.committing, now, self.turned))
            sync()
            self.add("sync", clock() - now)

        def traced(sql: str) -> None:
            if sql == "COMMIT":
                self.committing = clock()
                self.add("body", self.committing - self.begun)
                self.add("writes", 1)

        class Naps:  # store.turns' time module, its sleeps counted
            def __getattr__(self, name: str) -> Any:
                return getattr(time, name)

            @staticmethod
            def sleep(seconds: float) -> None:
                timed("naps", time.sleep)(seconds)

        self.begun = self.committing = self.turned = clock()
        db._begin = timed("wait", begun)  # type: ignore[method-assign]
        turns.take = timed("turn", turned)  # type: ignore[method-assign]
        db._sync = synced  # type: ignore[method-assign]
        db._writer.set_trace_callback(traced)
        turns_module.time = Naps()  # type: ignore[assignment]

    def add(self, key: str, value: float) -> None:
        self.t[key] = self.t.get(key, 0.0) + value

    def take(self) -> dict[str, float]:
        """This operation's figures in ms (writes: how many), and a fresh start."""
        out = {k: (v if k == "writes" else round(v * 1000, 3)) for k, v in self.t.items()}
        self.t = {}
        return out


def main(argv: list[str]) -> int:
    db, log, name, seed, seconds = argv[0], argv[1], argv[2], int(argv[3]), float(argv[4])
    store = Store(db, actor=name, busy_timeout_ms=int(os.environ.get("DISPATCH_BUSY_TIMEOUT_MS", "5000")))
    variant = set(argv[5].split("+")) if len(argv) > 5 else set()
    if variant & {"full", "normal"}:  # bench/writers.py: SQLite's fsync in COMMIT, or none at all
        store.db._writer.execute(f"PRAGMA synchronous = {'FULL' if 'full' in variant else 'NORMAL'}")
        store.db._sync = lambda: None  # type: ignore[method-assign]
    if "noqueue" in variant:
        store.db._turns._usable = False
    phases = Phases(store) if os.environ.get("DISPATCH_BENCH_PHASES") else None
    rng = random.Random(seed)
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    deadline = time.monotonic() + seconds
    seq = 0
    while time.monotonic() < deadline:
        seq += 1
        started, cpu = time.perf_counter(), time.process_time()
        entry: dict[str, Any] | None
        try:
            entry = one_op(store, rng, name, seq)
        except (RuleViolation, ValidationFailed, NotFound):
            entry = None  # a step the rules refuse: nothing was written
        except DatabaseFileError as exc:  # "locked" must never reach a caller
            entry = {"fail": str(exc)}
        if entry is None:
            if phases is not None:
                phases.take()
            continue
        entry |= {"w": name, "ms": round((time.perf_counter() - started) * 1000, 3)}
        if phases is not None:
            entry |= {"phases": phases.take() | {"cpu": round((time.process_time() - cpu) * 1000, 3)}}
        os.write(fd, (json.dumps(entry) + "\n").encode())
        os.fsync(fd)  # after the commit returned: logged means committed
    os.close(fd)
    if phases is not None:
        Path(f"{log}.spans").write_text(json.dumps(phases.spans))
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
