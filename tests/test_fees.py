"""Fees by a schedule (store/rules/fees.py): the schedule as stored, the proposed
fee item by item with exact Decimals, and the fee charged with a reason."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store import RuleViolation, ValidationFailed
from store.i18n import set_language
from store.rules.calendar import parse_calendar
from store.rules.fees import (
    FeeSchedule,
    PartUsed,
    Work,
    billed_minutes,
    charge,
    check_fee_schedule,
    item_text,
    parse_schedule,
    propose,
    schedule_from,
)
from store.rules.sla import Pause

D = Decimal
T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")  # a Monday


def work(minutes: int = 90, mode: str = "onsite", parts: tuple[PartUsed, ...] = (), priority: int = 2,
         pauses: tuple[Pause, ...] = ()) -> Work:
    return Work(priority, T0, T0.add(minutes=minutes), mode, pauses, parts)


def lines(fee) -> list[tuple[str, str, Decimal]]:
    return [(i.kind, i.label, i.amount) for i in fee.items]


def test_a_new_database_charges_the_parts_at_cost_and_nothing_under_warranty() -> None:
    fee = propose(work(parts=(PartUsed("drive belt", 2, D("21.00"), "charged"),
                              PartUsed("roller", 1, D("8.40"), "warranty"))), FeeSchedule())
    assert lines(fee) == [("part", "drive belt", D("21.00")), ("part", "roller", D("0.00"))]
    assert fee.total == D("21.00")
    assert [item_text(i) for i in fee.items] == ["2 units", "1 unit, under warranty"]


def test_labour_by_priority_and_a_call_out_only_on_site() -> None:
    schedule = parse_schedule({"per_priority": {"1": "300", "2": "200.50"}, "call_out": 50})
    assert lines(propose(work(priority=2), schedule)) == [
        ("labour", "Labour (P2)", D("200.50")), ("call_out", "Call-out", D("50"))]
    assert lines(propose(work(priority=2, mode="remote"), schedule)) == [("labour", "Labour (P2)", D("200.50"))]
    assert propose(work(priority=4), schedule).items[0].kind == "call_out"  # P4 has no labour amount


def test_hourly_labour_counts_working_time_from_arrival_to_resolution_less_holds() -> None:
    schedule = parse_schedule({"labour": "hourly", "hourly_rate": "120", "step_minutes": 30})
    # 09:00 → 11:31 with a hold 09:20–10:20: 1h31m worked, billed 2h00m in started half hours.
    fee = propose(work(151, pauses=(Pause(T0.add(minutes=20), T0.add(minutes=80)),)), schedule)
    (labour,) = fee.items
    assert (labour.amount, labour.quantity, labour.worked_s) == (D("240.00"), 120, 91 * 60)
    assert item_text(labour) == "1h31m worked, billed 2h00m"
    # Under business hours 08:30–17:30: Friday 17:00 → Monday 09:15 is 30 + 45 minutes.
    calendar = parse_calendar({"kind": "business", "opens": "08:30", "closes": "17:30"}).calendar("Asia/Shanghai")
    friday = pendulum.datetime(2026, 3, 6, 17, 0, tz="Asia/Shanghai")
    late = Work(3, friday, friday.add(days=2, hours=16, minutes=15), "remote")
    (labour,) = propose(late, schedule, calendar).items
    assert (labour.worked_s, labour.quantity, labour.amount) == (75 * 60, 90, D("180.00"))
    # 20-minute steps: a third of an hour at 100.00 is 33.333…, rounded half up to the fen.
    thirds = parse_schedule({"labour": "hourly", "hourly_rate": "100", "step_minutes": 20, "minimum_minutes": 60})
    assert propose(work(61), thirds).items[0].amount == D("133.33")
    assert propose(work(5), thirds).items[0].quantity == 60  # the minimum


def test_billed_minutes_are_started_steps_at_least_the_minimum() -> None:
    s = FeeSchedule(step_minutes=30, minimum_minutes=0)
    assert [billed_minutes(m * 60, s) for m in (0, 1, 30, 31, 60, 61)] == [0, 30, 30, 60, 60, 90]
    assert billed_minutes(3600.4, s) == 60  # (times are to the second)
    assert billed_minutes(0, FeeSchedule(minimum_minutes=45)) == 45


def test_parts_margin_and_the_total_are_rounded_half_up() -> None:
    schedule = parse_schedule({"parts_margin": "0.05"})
    # 10.10 × 1.05 = 10.605: half up is 10.61 (half to even would say 10.60).
    fee = propose(work(parts=(PartUsed("fuse", 1, D("10.10"), "charged"),)), schedule)
    assert fee.total == D("10.61")
    to_yuan = parse_schedule({"parts_margin": "0.15", "call_out": "50", "rounding": "1"})
    fee = propose(work(parts=(PartUsed("belt", 3, D("33.33"), "charged"),)), to_yuan)
    # 33.33 × 1.15 = 38.3295 → 38.33; + 50 = 88.33 → 88, the 0.33 a line of its own.
    assert lines(fee) == [("call_out", "Call-out", D("50")), ("part", "belt", D("38.33")),
                          ("rounding", "Rounding", D("-0.33"))]
    assert fee.total == D("88.00")
    fee = propose(work(parts=(PartUsed("belt", 1, D("33.48"), "charged"),)), to_yuan)
    assert fee.items[-1].amount == D("0.50") and fee.total == 89  # 38.50 + 50 → 89 (half up)


money = st.integers(0, 10**9).map(lambda c: D(c).scaleb(-2))


@settings(max_examples=200, deadline=None)
@given(labour=st.sampled_from(["priority", "hourly"]), rate=money, call_out=money,
       margin=st.integers(0, 1000).map(lambda m: D(m).scaleb(-3)), rounding=st.sampled_from(["0.01", "0.1", "1"]),
       step=st.integers(1, 240), minutes=st.integers(0, 5000), priority=st.integers(1, 4),
       mode=st.sampled_from(["onsite", "remote"]),
       parts=st.lists(st.tuples(st.integers(1, 50), money, st.booleans()), max_size=5))
def test_the_items_always_add_up_to_the_total(labour: str, rate: Decimal, call_out: Decimal, margin: Decimal,
                                              rounding: str, step: int, minutes: int, priority: int, mode: str,
                                              parts: list[tuple[int, Decimal, bool]]) -> None:
    schedule = parse_schedule({"labour": labour, "per_priority": {str(priority): str(rate)}, "hourly_rate": str(rate),
                               "step_minutes": step, "call_out": str(call_out), "parts_margin": str(margin),
                               "rounding": rounding})
    used = tuple(PartUsed(f"p{i}", q, cost, "warranty" if free else "charged") for i, (q, cost, free) in enumerate(parts))
    fee = propose(work(minutes, mode, used, priority), schedule)
    assert fee.total == sum((i.amount for i in fee.items), D(0))
    assert all(i.amount == i.amount.quantize(D("0.01")) for i in fee.items)
    assert fee.total % D(rounding) == 0 and fee.total >= 0
    before = sum((i.amount for i in fee.items if i.kind != "rounding"), D(0))
    assert abs(fee.total - before) <= D(rounding) / 2
    expected_parts = sum((0 if free else (cost * (1 + margin)) for _q, cost, free in parts), D(0))
    assert abs(sum((i.amount for i in fee.items if i.kind == "part"), D(0)) - expected_parts) <= D("0.005") * len(parts)
    assert all(i.amount == 0 for i in fee.items if i.warranty)
    assert any(i.kind == "call_out" for i in fee.items) == (mode == "onsite" and call_out > 0)


def test_the_schedule_is_stored_as_json_with_amounts_as_text() -> None:
    stored = check_fee_schedule({"labour": "hourly", "hourly_rate": 120.5, "per_priority": {1: "300"},
                                 "parts_margin": 0.15, "rounding": 1})
    assert stored == {"labour": "hourly", "per_priority": {"1": "300"}, "hourly_rate": "120.5", "step_minutes": 30,
                      "minimum_minutes": 0, "call_out": "0", "parts_margin": "0.15", "rounding": "1"}
    assert check_fee_schedule(stored) == stored
    assert schedule_from(stored) == parse_schedule(stored)
    assert schedule_from(None) == FeeSchedule()
    with pytest.raises(ValueError, match=r"^fee_schedule rounding"):
        schedule_from({"rounding": "5"})


@pytest.mark.parametrize(("value", "message"), [
    ({"parts_margin": 15}, "fee_schedule parts_margin: a share from 0 to 10: 0.15 is cost plus 15 %"),
    ({"per_priority": {"5": "10"}}, "fee_schedule per_priority: priorities are 1 to 4, not 5"),
    ({"per_priority": {"1": "1e3"}}, "fee_schedule per_priority: write the amount in full, without an exponent (1000, not 1e3)"),
    ({"per_priority": ["300"]}, 'fee_schedule per_priority: amounts by priority, e.g. {"1": "300", "2": "200"}'),
    ({"call_out": "12.345"}, "fee_schedule call_out: at most 2 decimals"),
    ({"rounding": "0.05"}, "fee_schedule rounding: one of: 0.01, 0.1, 1"),
    ({"labour": "daily"}, "fee_schedule labour: one of: priority, hourly"),
    ({"step_minutes": 0}, "fee_schedule step_minutes: a whole number from 1 to 240"),
    ({"tip": "5"}, "fee_schedule tip: not a field of this form"),
    ("[1]", "fee_schedule must be a JSON object, e.g. "),
])
def test_a_bad_schedule_is_refused_in_one_line(value: object, message: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        check_fee_schedule(value)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value) and "pydantic" not in str(caught.value)


def test_the_fee_charged_is_the_proposal_unless_changed_with_a_reason() -> None:
    fee = propose(work(parts=(PartUsed("belt", 1, D("88.40"), "charged"),)), FeeSchedule())
    assert charge(fee) == charge(fee, "") == charge(fee, "88.4", "no reason needed")
    kept = charge(fee)
    assert (kept.proposed, kept.amount, kept.reason, kept.overridden) == (D("88.40"), D("88.40"), "", False)
    with pytest.raises(ValidationFailed) as caught:
        charge(fee, "80", "  ", currency="$")
    assert caught.value.errors == {"reason": "required: the fee differs from the proposed $88.40"}
    lower = charge(fee, "1,080.00", "  belt  and\nfitting ")
    assert (lower.amount, lower.reason, lower.overridden) == (D("1080.00"), "belt and fitting", True)
    with pytest.raises(ValidationFailed) as caught:
        charge(fee, "abc", "typo")
    assert caught.value.errors == {"fee": "a number such as 120, 85.50 or 1,200.50"}
    with pytest.raises(ValidationFailed, match="at most 200 characters"):
        charge(fee, "1", "x" * 201)


def test_no_fee_is_proposed_before_the_ticket_is_resolved() -> None:
    with pytest.raises(RuleViolation, match="once the ticket is resolved"):
        propose(Work(1, T0, None, None), FeeSchedule())


def test_the_items_are_named_in_chinese_too() -> None:
    schedule = parse_schedule({"labour": "hourly", "hourly_rate": "100", "call_out": "30"})
    set_language("zh_Hans")
    try:
        fee = propose(work(61, parts=(PartUsed("传动皮带", 2, D("20.00"), "warranty"),)), schedule)
        shown = [(i.label, item_text(i)) for i in fee.items]
        with pytest.raises(ValidationFailed) as caught:
            charge(fee, "100")
    finally:
        set_language("en")
    assert shown == [("人工费", "工作 1h01m，计费 1h30m"), ("上门费", ""), ("传动皮带", "2 件，保修内免费")]
    assert caught.value.errors == {"reason": "必填：费用与建议费用 ¥180.00 不同，请说明原因"}


def test_the_schedule_written_in_docs_rules_is_one_the_store_takes() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Fees\n"):text.index("\n## Inspections\n")]
    example = json.loads(section.split("```json\n", 1)[1].split("```", 1)[0])
    assert check_fee_schedule(example) == example
