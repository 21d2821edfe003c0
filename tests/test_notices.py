"""The notifications' text (store/rules/notices.py): what each says, in the
recipient's language, within an SMS's length, untrusted text cleaned, the
outbox id in it."""

from __future__ import annotations

import threading
from datetime import date

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pendulum import DateTime

from store.i18n import _, current_language, in_language, set_language
from store.rules.notices import (
    SMS_LIMIT,
    Assignment,
    ComplaintStepDue,
    Escalation,
    ItemDue,
    Notice,
    from_json,
    render,
    to_json,
    units,
)

TZ = "Asia/Shanghai"


def utc(text: str) -> DateTime:
    t = pendulum.parse(text, tz="UTC")
    assert isinstance(t, DateTime)
    return t


ASSIGNED = Assignment(ticket_id=1500, priority=1, site="Jianguo Rd branch", equipment="ATM-0042",
                      fault="card reader jams", tz=TZ, clock="onsite", due=utc("2026-11-25T06:05:00"))
ESCALATED = Escalation(ticket_id=1500, priority=1, clock="response", level=2, at=1.0, due_at=utc("2026-11-25T05:15:00"),
                       site="Jianguo Rd branch", technician="Wang Wei", tz=TZ)
ITEM = ItemDue(item_id=12, ticket_id=1377, due_date=date(2026, 12, 10), state="proposed", team="East 1")
COMPLAINT = ComplaintStepDue(complaint_id=5, ticket_id=1401, step="investigate", due_at=utc("2026-11-26T02:00:00"),
                             matter="technician was rude", tz=TZ)


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")


def test_the_technician_is_told_of_an_assignment() -> None:
    msg = render(ASSIGNED, 77, "en")
    assert msg.title == "#1500 P1 critical: assigned to you"
    assert msg.body == ("Site: Jianguo Rd branch\nEquipment: ATM-0042\nFault: card reader jams\n"
                        "On site by 2026-11-25 14:05\nref 77")  # the site's time (UTC+8)
    again = render(Assignment(**{**ASSIGNED.__dict__, "reassigned": True, "equipment": None, "clock": "response",
                                 "due": None}), 78, "en")
    assert again.title == "#1500 P1 critical: reassigned to you"
    assert again.body == "Site: Jianguo Rd branch\nFault: card reader jams\nClock stopped while the ticket is on hold\nref 78"


def test_a_chinese_speaking_technician_reads_chinese_while_the_process_speaks_english() -> None:
    msg = render(ASSIGNED, 77, "zh_CN")
    assert msg.title == "工单 #1500（P1 紧急）已派给您"
    assert msg.body == "网点：Jianguo Rd branch\n设备：ATM-0042\n故障：card reader jams\n到场时限：2026-11-25 14:05\n消息编号 77"
    assert current_language() == "en" and _("Priority") == "Priority"  # nothing leaked out of the message


def test_an_escalation_names_the_clock_the_level_and_when() -> None:
    assert render(ESCALATED, 90, "en").text == (
        "#1500 escalated, level 2: First response breached\n"
        "P1 critical · Jianguo Rd branch\nTechnician: Wang Wei\nFell due 2026-11-25 13:15\n"
        "Acknowledge it in the console.\nref 90")
    assert render(ESCALATED, 90, "zh_Hans").text == (
        "工单 #1500 升级至第 2 级：首次响应已超时\n"
        "P1 紧急 · Jianguo Rd branch\n维修员：Wang Wei\n到期时间：2026-11-25 13:15\n"
        "请在控制台确认。\n消息编号 90")
    nobody = Escalation(**{**ESCALATED.__dict__, "technician": None, "at": 0.75, "level": 1})
    assert render(nobody, 91, "en").text.splitlines()[:3] == [
        "#1500 escalated, level 1: First response at risk (25 % left)", "P1 critical · Jianguo Rd branch",
        "Technician: none assigned"]


def test_items_and_complaint_steps_falling_due() -> None:
    assert render(ITEM, 5, "en").text == "Improvement item #12 due 2026-12-10\nTicket #1377 · team East 1\nState: measures proposed\nref 5"
    assert render(ITEM, 5, "zh_Hans").text == "改善项目 #12 将于 2026-12-10 到期\n工单 #1377 · 工班 East 1\n状态：已提措施\n消息编号 5"
    assert render(COMPLAINT, 6, "en").text == (
        "Complaint #5: Investigate due 2026-11-26 10:00\nTicket #1401\nMatter: technician was rude\nref 6")
    assert render(COMPLAINT, 6, "zh_Hans").text == (
        "投诉 #5：调查 将于 2026-11-26 10:00 到期\n工单 #1401\n事由：technician was rude\n消息编号 6")


def test_untrusted_text_is_cleaned_and_never_read_for_slots() -> None:
    hostile = Assignment(**{**ASSIGNED.__dict__, "site": "Branch\x1b]52;c;ZXZpbA==\x07 7\u202e",
                            "fault": "line one\nline two {ref} [b]x[/b]", "equipment": "ATM\u200b-1\x9b2J"})
    body = render(hostile, 42, "en").body
    assert body.splitlines() == ["Site: Branch]52;c;ZXZpbA== 7", "Equipment: ATM-12J", "Fault: line one line two {ref} [b]x[/b]",
                                 "On site by 2026-11-25 14:05", "ref 42"]


def test_a_long_fault_gives_way_and_the_rest_stays_whole() -> None:
    long = Assignment(**{**ASSIGNED.__dict__, "fault": "读卡器卡卡，屏幕无显示。" * 200, "site": "建国路支行营业部" * 10})
    for lang in ("en", "zh_Hans"):
        msg = render(long, 123456, lang)
        assert units(msg.text) <= SMS_LIMIT
        lines = msg.body.splitlines()
        assert lines[2].endswith("…") and lines[-1].endswith("123456") and "2026-11-25 14:05" in lines[-2]
        assert "#1500" in msg.title


NOTICES = [ASSIGNED, ESCALATED, ITEM, COMPLAINT]
hostile_text = st.text(st.characters(codec="utf-8"), max_size=400)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(NOTICES), hostile_text, hostile_text, st.sampled_from(["en", "zh_Hans"]),
       st.integers(1, 10**12), st.integers(1, 7), st.sampled_from([0.05, 0.75, 1.0, 1.5, 9.95]))
def test_every_message_fits_an_sms_and_holds_its_reference(notice: Notice, a: str, b: str, lang: str, ref: int,
                                                            level: int, at: float) -> None:
    fields = {Assignment: ("site", "fault"), Escalation: ("site", "technician"), ItemDue: ("team", "team"),
              ComplaintStepDue: ("matter", "matter")}[type(notice)]
    ids = {"ticket_id": ref, **({"item_id": ref} if isinstance(notice, ItemDue) else {}),
           **({"complaint_id": ref} if isinstance(notice, ComplaintStepDue) else {})}
    changed = type(notice)(**{**notice.__dict__, fields[0]: a, fields[1]: b, **ids,
                              **({"level": level, "at": at} if isinstance(notice, Escalation) else {})})
    msg = render(changed, ref, lang)
    assert units(msg.text) <= SMS_LIMIT, msg.text
    assert msg.body.splitlines()[-1].endswith(f" {ref}") and f"#{ref}" in msg.title
    assert not any((ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in msg.text)


def test_the_facts_round_trip_through_the_outbox() -> None:
    for notice in NOTICES:
        assert from_json(to_json(notice)) == notice
    assert '"kind": "escalation"' in to_json(ESCALATED) and "2026-11-25T05:15:00Z" in to_json(ESCALATED)
    for bad in ("", "{}", '{"kind": "fax"}', '{"kind": "item_due", "item_id": 1}', "[1]", '{"kind": "escalation", "due_at": 5}'):
        with pytest.raises(ValueError, match="not a notice"):
            from_json(bad)


def test_each_thread_renders_in_its_own_language() -> None:
    seen: dict[str, str] = {}
    go = threading.Barrier(2)

    def worker(lang: str) -> None:
        with in_language(lang):
            go.wait(timeout=30)
            seen[lang] = _("Priority")
            go.wait(timeout=30)

    threads = [threading.Thread(target=worker, args=(lang,)) for lang in ("en", "zh_Hans")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert seen == {"en": "Priority", "zh_Hans": "优先级"}
    assert _("Priority") == "Priority"
