"""The head office's month summaries (store/hq/summary.py, issue 26): after random
work at three centers shipped in random batches, some of them killed half-way
(inside the batch's transaction, after its summaries were recomputed), the
summaries are exactly what the mirrored tickets give, and the report read
from them is figure by figure the report computed by passes over the tickets
(store/hq/figures.py), for the months around and at several report times (a
clock not decided yet counts as missed once its deadline is before "now")."""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum
import pytest
from cli_clock import use_clock
from cli_helpers import invoke
from hq_compare import report_both_ways

import store.hq.figures as figures
import store.hq.summary as summary
from store.hq.connect import connect
from store.hq.ship import ship
from store.rules.periods import Period

pytestmark = pytest.mark.xdist_group("hq")
MONTHS = ("2026-10", "2026-11", "2026-12")


class Killed(Exception):
    """The shipper dies inside a batch's transaction."""


def _act(db: Path, rng: random.Random, now: Any) -> bool:
    """One random step at the center, as its people take it (the CLI); False when refused."""
    lite = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    open_ids = [r[0] for r in lite.execute("SELECT id FROM tickets WHERE is_open = 1 ORDER BY id")]
    resolved = [r[0] for r in lite.execute("SELECT id FROM tickets WHERE status = 'resolved' ORDER BY id")]
    techs = [r[0] for r in lite.execute("SELECT name FROM technicians WHERE on_duty = 1 AND retired = 0 ORDER BY id")]
    tags = [r[0] for r in lite.execute("SELECT asset_tag FROM equipment WHERE retired = 0 ORDER BY id")]
    lite.close()
    kind = rng.choice(("add", "add", "assign", "respond", "arrive", "resolve", "resolve", "cancel", "close"))
    if kind == "add" or not open_ids:
        # On equipment with a recent fault now and then: a repeat makes the earlier one "failed again".
        return (
            invoke(
                str(db),
                "ticket",
                "add",
                "--equipment",
                rng.choice(tags),
                "--description",
                "random fault",
                "--priority",
                str(rng.randint(1, 4)),
                "--channel",
                rng.choice(("phone", "online")),
                "--at",
                now.subtract(minutes=rng.randint(0, 600)).to_iso8601_string(),
            ).exit_code
            == 0
        )
    n = str(rng.choice(resolved if kind == "close" and resolved else open_ids))
    args: dict[str, tuple[str, ...]] = {
        "assign": ("--technician", rng.choice(techs)) if techs else (),
        "respond": ("--note", "called back"),
        "arrive": ("--mode", rng.choice(("onsite", "remote"))),
        "resolve": ("--cause", "worn", "--action", "replaced", "--parts", "none"),
        "cancel": ("--reason", "duplicate"),
        "close": ("--signoff", "ok"),
    }
    return invoke(str(db), "ticket", kind, n, *args[kind]).exit_code == 0


def _months(conn: Any, code: str) -> list[tuple[Any, ...]]:
    rows = conn.execute(f"SELECT {', '.join(summary.COLUMNS)} FROM hq_months WHERE center = %s ORDER BY month", (code,)).fetchall()
    return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows]



def test_summaries_equal_the_tickets_after_random_ships_and_kills(
    center_builds: dict[str, Path], tmp_path: Path, hq_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(26)
    files = {}
    for code, path in center_builds.items():
        files[code] = tmp_path / path.name
        shutil.copy(path, files[code])
    conn = connect(hq_url)
    for code, db in files.items():  # their history so far, as the first run sends it
        ship(db, conn, code)
    at = [pendulum.datetime(2026, 11, 29, 9, 0, tz="UTC")]
    use_clock(monkeypatch, lambda: at[0])
    real_after = summary.after
    kills = steps = 0
    for round_ in range(4):
        for code, db in files.items():
            for _ in range(rng.randint(3, 8)):
                at[0] = at[0].add(minutes=rng.randint(5, 240))  # into December (Asia/Shanghai) by the last rounds
                steps += _act(db, rng, at[0])
            if round_ and rng.random() < 0.5:  # killed inside one of this run's batches
                left = [rng.randint(0, 2)]

                def dying(cur: Any, t: Any, left: list[int] = left) -> int:
                    if left[0] == 0:
                        raise Killed
                    left[0] -= 1
                    return real_after(cur, t)

                monkeypatch.setattr(summary, "after", dying)
                try:
                    ship(db, conn, code, batch=rng.choice((1, 3, 7)))
                except Killed:
                    kills += 1
                conn.rollback()
                monkeypatch.setattr(summary, "after", real_after)
            ship(db, conn, code, batch=rng.choice((2, 5, 50, 5000)))
    assert steps > 15 and kills >= 2
    # The summaries kept batch by batch are the ones made afresh from the mirrored tickets.
    kept = {code: _months(conn, code) for code in files}
    conn.rollback()
    summary.rebuild(conn.cursor())  # inside a transaction rolled back: the head office is left as it was
    fresh = {code: _months(conn, code) for code in files}
    conn.rollback()
    assert kept == fresh
    assert any(row[1] == "2026-12" for rows in kept.values() for row in rows)
    # The report read from them is the report by passes over the tickets, at several report times.
    for month in MONTHS:
        period = Period.parse_month(month)
        for now in (at[0], pendulum.datetime(2026, 11, 20, 3, 0, tz="UTC"), pendulum.datetime(2027, 1, 5, tz="UTC")):
            fast, slow = report_both_ways(conn, period, now)
            assert fast.figures == slow.figures, (month, now)
    conn.close()


def test_the_schema_step_builds_the_summaries_of_an_existing_head_office(shipped: Callable[[], dict[str, Path]], hq_url: str) -> None:
    from store.hq.schema import migrate

    shipped()
    conn = connect(hq_url)
    before = {code: _months(conn, code) for code in ("BJ", "GZ", "SH")}
    # A head office shipped to before the step: no summaries, the step not recorded.
    conn.execute("DROP TABLE hq_months")
    conn.execute("DROP TABLE hq_summary_heads")
    conn.execute("DROP INDEX tickets_equipment")
    conn.execute("DELETE FROM hq_migrations WHERE name IN ('0002_month_summaries', '0003_backlog_counts')")
    conn.commit()
    assert migrate(conn) == ["0002_month_summaries", "0003_backlog_counts"]
    assert {code: _months(conn, code) for code in before} == before
    assert all(before.values())
    # A head office at step 0002: the backlog counts added and filled, the rest as it was.
    conn.execute("ALTER TABLE hq_months DROP COLUMN closed_n, DROP COLUMN cancelled_n, DROP COLUMN left_n")
    conn.execute("ALTER TABLE hq_summary_heads DROP COLUMN counts_event_id")
    conn.execute("DELETE FROM hq_migrations WHERE name = '0003_backlog_counts'")
    conn.commit()
    assert migrate(conn) == ["0003_backlog_counts"]
    assert {code: _months(conn, code) for code in before} == before
    assert any(row[-1] for rows in before.values() for row in rows)  # tickets left the backlog
    conn.close()


def test_ship_rebuild_summaries_makes_them_again(shipped: Callable[[], dict[str, Path]], hq_url: str) -> None:
    files = shipped()
    conn = connect(hq_url)
    before = {code: _months(conn, code) for code in files}
    conn.execute("DELETE FROM hq_months WHERE center = 'GZ'")  # e.g. rows deleted by hand
    conn.execute("UPDATE hq_months SET opened = opened + 1 WHERE center = 'BJ'")
    conn.commit()
    result = invoke(str(files["BJ"]), "ship", "--hq", hq_url, "--rebuild-summaries")
    assert result.exit_code == 0, (result.output, result.stderr)
    made = sum(len(rows) for rows in before.values())
    assert result.output == f"head office: {made:,} center-months of figures made again\n"
    assert {code: _months(conn, code) for code in files} == before
    conn.close()


def test_a_center_shipping_with_an_older_dispatch_is_read_from_its_tickets(shipped: Callable[[], dict[str, Path]], hq_url: str) -> None:
    """Its shipper moves its head but keeps no summary: the report reads the tickets, not stale rows."""
    shipped()
    conn = connect(hq_url)
    period, now = Period.parse_month("2026-11"), pendulum.datetime(2026, 12, 7, tz="UTC")
    want = figures.company_report(conn, period, now).figures
    conn.rollback()
    conn.execute("UPDATE hq_months SET opened = opened + 1000 WHERE center = 'SH'")  # stale
    conn.execute("UPDATE centers SET last_event_id = last_event_id + 1 WHERE code = 'SH'")  # moved on without them
    conn.commit()
    assert figures.company_report(conn, period, now).figures == want
    conn.rollback()
    conn.close()


def test_a_month_that_cannot_be_kept_exactly_is_made_again(
    shipped: Callable[[], dict[str, Path]], hq_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's tickets are taken out of their months and put back (summary.Acc): exact for counts, sorted
    values and whole-second totals; a total that is not whole (a duration with a fraction) makes the month
    again from its tickets, and the kept rows are still the fresh ones."""
    files = shipped()
    conn: Any = connect(hq_url)
    use_clock(monkeypatch, lambda: pendulum.datetime(2026, 11, 29, 9, 0, tz="UTC"))
    tid = _open(files["SH"])
    zone = summary.zone_of(conn, "SH")
    stamp = str(conn.execute("SELECT reported_at FROM tickets WHERE center = 'SH' AND id = %s", (tid,)).fetchone()[0])
    # Another ticket of its month, at the head office, with a fraction of a second; the month made again.
    other = next(i for i, at in conn.execute(
        "SELECT id, reported_at FROM tickets WHERE center = 'SH' AND id <> %s AND f_response_s IS NOT NULL"
        " ORDER BY id", (tid,)).fetchall() if summary.month_of(at, zone) == summary.month_of(stamp, zone))
    conn.execute("UPDATE tickets SET f_response_s = f_response_s + 0.5 WHERE center = 'SH' AND id = %s", (other,))
    summary.rebuild(conn.cursor(), "SH")
    conn.commit()
    again: list[Any] = []
    real = summary.recompute

    def counted(cur: Any, center: str, zone: str, m: Any, *a: Any) -> bool:
        again.append(m.isoformat()[:7])
        return real(cur, center, zone, m, *a)

    monkeypatch.setattr(summary, "recompute", counted)
    assert invoke(str(files["SH"]), "ticket", "cancel", str(tid), "--reason", "duplicate").exit_code == 0
    assert invoke(str(files["GZ"]), "ticket", "cancel", str(_open(files["GZ"])), "--reason", "duplicate").exit_code == 0
    ship(files["SH"], conn, "SH")
    ship(files["GZ"], conn, "GZ")
    assert again == [summary.month_of(stamp, zone).isoformat()[:7]]  # that month only (GZ's: kept exactly)
    monkeypatch.setattr(summary, "recompute", real)
    kept = {code: _months(conn, code) for code in files}
    conn.rollback()
    summary.rebuild(conn.cursor())
    assert {code: _months(conn, code) for code in files} == kept
    conn.rollback()
    conn.close()


def _open(db: Path) -> int:
    lite = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(lite.execute("SELECT id FROM tickets WHERE is_open = 1 ORDER BY id LIMIT 1").fetchone()[0])
    finally:
        lite.close()
