"""Issue 24: the 15-minute "engineer notified" figure. The time from report
to the delivery of the technician's assignment message, kept on the ticket
by the sender in the write that records the delivery (audited, replayed by
``dispatch check``, no version bump), shown per ticket and in the month's
report beside first response: the share within 15 minutes, mean and median,
and the tickets never told, by why."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from conftest import NOW, MutableClock, seeded_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_delivery import Receiver, receiver  # noqa: F401  (fixture)
from ticket_helpers import make

from store import Store
from store.delivery import Delivery, Outcome
from store.rules.figures import Dist
from store.rules.notified import Reason, summary
from store.rules.periods import Period
from store.sender import one_pass
from store.timeutil import to_db

HOOK = "json://localhost:9/hook"
DOWN = "json://localhost:9/down"


def deliver(urls: Sequence[str], title: str, body: str) -> Delivery:
    """Delivered, except to an address that ends in /down."""
    return Delivery(tuple(Outcome(i, "JSON", not u.endswith("/down"), "connection refused" if u.endswith("/down") else None)
                          for i, u in enumerate(urls, start=1)), 0.0)


def _check(store: Store) -> None:
    report = store.audit.verify_audit()
    assert report.ok, report.problems[:3]


def _month(store: Store) -> Period:
    return Period.month(NOW.in_timezone(store.settings.timezone).date())


def test_the_delivery_is_kept_on_the_ticket_audited_and_without_a_version(store: Store, clock: MutableClock) -> None:
    store.outbox.set_technician_addresses(1, [HOOK])
    t = make(store)
    t = store.tickets.assign(t.id, t.version, technician_id=1)
    assert store.outbox.notified(t.id).reason == "waiting"
    clock.advance(minutes=7, seconds=3)
    assert one_pass(store, deliver).sent == 1
    told = store.outbox.notified(t.id)
    assert (told.notified_at, told.delay_s, told.within, told.reason) == (to_db(clock()), 423.0, True, None)
    assert store.tickets.ticket(t.id).version == t.version  # a dispatcher's open form is not made stale
    (event,) = [e for e in store.tickets.timeline(t.id) if e.action == "ticket.notified"]
    assert event.new == {"notified_at": to_db(clock()), "technician_id": 1}
    # Reassigned and told again: the first delivery stays the ticket's.
    store.outbox.set_technician_addresses(2, [HOOK])
    t = store.tickets.assign(t.id, t.version, technician_id=2, reason="Li Wei is nearer")
    clock.advance(minutes=1)
    assert one_pass(store, deliver).sent == 1
    assert store.outbox.notified(t.id).delay_s == 423.0
    _check(store)


def test_the_check_finds_a_notified_time_changed_around_the_app(store: Store, clock: MutableClock) -> None:
    store.outbox.set_technician_addresses(1, [HOOK])
    t = make(store)
    store.tickets.assign(t.id, t.version, technician_id=1)
    clock.advance(minutes=3)
    one_pass(store, deliver)
    _check(store)
    with store.db.write("test.tamper") as tx:  # a write with its own event, but not the sender's
        tx.execute("UPDATE tickets SET notified_at = ? WHERE id = ?", (to_db(NOW.add(minutes=1)), t.id))
        tx.event("test.tamper", "database", None, None, {}, {})
    problems = store.audit.verify_audit().problems
    assert any(f"ticket #{t.id}'s technician notified time is" in p for p in problems), problems


def test_why_a_ticket_was_not_told(store: Store, clock: MutableClock) -> None:
    store.settings.set_setting("notify_retry", {"attempts": 1})
    store.outbox.set_technician_addresses(3, [DOWN])
    unassigned = make(store)
    no_address = make(store)
    store.tickets.assign(no_address.id, no_address.version, technician_id=2)
    failed = make(store)
    store.tickets.assign(failed.id, failed.version, technician_id=3)
    assert one_pass(store, deliver).failed == 1
    reasons = {t.id: store.outbox.notified(t.id).reason for t in (unassigned, no_address, failed)}
    assert reasons == {unassigned.id: "unassigned", no_address.id: "no_address", failed.id: "failed"}


def test_the_months_figure_is_exact_on_a_hand_built_month(store: Store, clock: MutableClock) -> None:
    store.settings.set_setting("notify_retry", {"attempts": 1})
    store.outbox.set_technician_addresses(1, [HOOK])
    store.outbox.set_technician_addresses(3, [DOWN])

    def told_after(minutes: int) -> None:
        t = make(store)
        store.tickets.assign(t.id, t.version, technician_id=1)
        clock.advance(minutes=minutes)
        assert one_pass(store, deliver).sent == 1

    told_after(5)
    told_after(15)  # exactly 15 minutes: within
    told_after(20)
    make(store)  # never assigned
    t = make(store)
    store.tickets.assign(t.id, t.version, technician_id=2)  # no address
    t = make(store)
    store.tickets.assign(t.id, t.version, technician_id=3)  # its one try fails
    assert one_pass(store, deliver).failed == 1
    t = make(store)
    store.tickets.cancel(t.id, t.version, reason="duplicate")  # cancelled before anyone was told: not counted
    t = make(store)
    store.tickets.assign(t.id, t.version, technician_id=1)  # not sent yet
    r = store.reports.report(_month(store))
    got = {f.key: (f.value, f.base) for f in r.figures if "notified" in f.key}
    assert got == {
        "notified_within": (2 / 7, 7), "notified_mean": (800.0, 3), "notified_median": (900.0, 3),
        "not_notified": (4.0, 7), "not_notified_no_address": (1.0, 7), "not_notified_failed": (1.0, 7),
    }
    assert [f.key for f in r.figures].index("notified_within") == [f.key for f in r.figures].index("response_online_mean") + 1
    assert r.figure("notified_within").target == 0.95 and r.figure("notified_within").on_target is False
    period = _month(store)
    assert store.reports.report_tickets(period, None, "not_notified")[0] == 4
    assert store.reports.report_tickets(period, None, "notified_late")[0] == 5
    _check(store)


def test_a_real_sender_pass_to_a_local_receiver_marks_the_ticket(store: Store, clock: MutableClock,
                                                                   receiver: Receiver) -> None:  # noqa: F811
    store.outbox.set_technician_addresses(1, [f"json://127.0.0.1:{receiver.port}/tech"])
    t = make(store)
    store.tickets.assign(t.id, t.version, technician_id=1)
    clock.advance(minutes=2)
    assert one_pass(store).sent == 1 and len(receiver.posts) == 1
    assert store.outbox.notified(t.id).delay_s == 120.0
    receiver.status = 500  # down: tried again later, and the ticket says so meanwhile
    t2 = make(store)
    store.tickets.assign(t2.id, t2.version, technician_id=1)
    assert one_pass(store).retrying == 1
    assert store.outbox.notified(t2.id).reason == "waiting"
    _check(store)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.integers(0, 3600), st.sampled_from(["unassigned", "no_address", "cancelled"])),
                min_size=1, max_size=10))
def test_the_sql_agrees_with_the_reference(tmp_path_factory: pytest.TempPathFactory, plan: list[int | str]) -> None:
    clock = MutableClock(NOW)
    store = seeded_file(tmp_path_factory.mktemp("n") / "t.db", "ann", clock=clock)
    try:
        store.outbox.set_technician_addresses(1, [HOOK])
        expected: list[tuple[float | None, Reason | None]] = []
        for step in plan:
            clock.set(NOW)
            t = make(store)
            if step == "cancelled":
                store.tickets.cancel(t.id, t.version, reason="duplicate")
            elif step == "unassigned":
                expected.append((None, "unassigned"))
            elif step == "no_address":
                store.tickets.assign(t.id, t.version, technician_id=2)
                expected.append((None, "no_address"))
            else:
                assert isinstance(step, int)
                store.tickets.assign(t.id, t.version, technician_id=1)
                clock.set(NOW.add(seconds=step))
                one_pass(store, deliver)
                expected.append((float(step), None))
        want = summary(expected)
        got = {f.key: (f.value, f.base) for f in store.reports.report(_month(store)).figures}
        assert got["notified_within"] == (want.within_share, want.counted)
        assert got["notified_mean"] == (want.mean, want.n)
        assert got["notified_median"] == (want.median, want.n)
        assert got["not_notified"] == (float(want.not_notified), want.counted)
        assert got["not_notified_no_address"][0] == want.never.get("no_address", 0)
    finally:
        store.close()


def test_the_reference_by_hand() -> None:
    raw = summary([(300.0, None), (900.0, None), (901.0, None), (None, "failed"), (None, "unassigned")])
    assert (raw.counted, raw.within, raw.not_notified, raw.never) == (5, 2, 2, {"failed": 1, "unassigned": 1})
    assert (raw.n, raw.total, raw.median, raw.within_share) == (3, 2101.0, 900.0, 0.4)
    # The median is the figures' nearest rank, whatever the order the delays come in.
    assert summary([(d, None) for d in (40.0, 4.0, 12.0, 6.0, 9.0)]).median == Dist.of([4, 6, 9, 12, 40]).median == 9


def test_dispatch_ticket_shows_it_in_text_and_json(store: Store, clock: MutableClock, db_path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from cli_clock import use_clock
    from click.testing import CliRunner

    from console.cli import cli

    use_clock(monkeypatch, clock)
    store.outbox.set_technician_addresses(1, [HOOK])
    told, never, new = make(store), make(store), make(store)
    store.tickets.assign(told.id, told.version, technician_id=1)
    store.tickets.assign(never.id, never.version, technician_id=2)
    clock.advance(minutes=21, seconds=5)
    one_pass(store, deliver)

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--db", str(db_path), "ticket", *args])
        assert result.exit_code == 0, result.output
        return result.output

    assert "Notified        2026-11-25 09:21, 21m05s after the report ✗ over 15 min" in run(str(told.id))
    assert "Notified        not notified: the technician has no address" in run(str(never.id))
    assert "Notified" not in run(str(new.id))  # nobody to tell yet
    data = json.loads(run(str(told.id), "--format", "json"))
    assert data["notified"] == {"notified_at": "2026-11-25T09:21:05+00:00", "delay_s": 1265.0, "within_15_min": False,
                                "not_notified": None}
    assert json.loads(run(str(never.id), "--format", "json"))["notified"]["not_notified"] == "no_address"


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=30))
def test_the_reference_median_and_mean_are_the_figures(delays: list[int]) -> None:
    raw = summary([(float(d), None) for d in delays])
    dist = Dist.of([float(d) for d in delays])
    assert (raw.median, raw.mean, raw.n) == (dist.median, dist.mean, dist.n)
    assert raw.within == sum(d <= 900 for d in delays)


def test_the_month_workbook_has_it_beside_first_response(store: Store, clock: MutableClock, db_path, tmp_path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl
    from cli_clock import use_clock
    from click.testing import CliRunner

    from console.cli import cli

    use_clock(monkeypatch, clock)
    store.outbox.set_technician_addresses(1, [HOOK])
    t = make(store)
    store.tickets.assign(t.id, t.version, technician_id=1)
    clock.advance(minutes=9)
    one_pass(store, deliver)
    out = tmp_path / "m.xlsx"
    result = CliRunner().invoke(cli, ["--db", str(db_path), "export", "month", "--month", "2026-11", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(openpyxl.load_workbook(out, data_only=True).worksheets[0].iter_rows(values_only=True))
    labels = [r[0] for r in rows]
    at = labels.index("Engineer notified within 15 min")
    assert labels[at - 1] == "First response, online requests, mean"
    assert rows[at][1:2] == ("100.0 %",) and rows[at + 2][1] == "9m00s" and rows[at + 3][1] == "0"
