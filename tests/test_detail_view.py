"""Detail view (scrolling, the timeline in words, clocks at 80 columns, linked
repairs) and column sizing in the queue and the assign list (issue 10, items 11, 13, 14)."""

from __future__ import annotations

from typing import Any

from console_helpers import app_for, line_text, make_ticket, queue, settle, until
from rich.cells import cell_len
from textual.widgets import OptionList, Static

from console.screens.assign import AssignScreen
from console.screens.detail import DetailBody, DetailScreen, LinkList
from console.widgets.queue_columns import SiteNames, layout
from store import Store
from store.rules.history import Names, entries, money


def timeline_text(screen: Any) -> str:
    return "\n".join(str(s.render()) for s in screen.query("#timeline Static"))


def long_history(store: Store, clock: Any) -> int:
    """A ticket through every step: a timeline longer than a 24-line screen."""
    t = make_ticket(store, priority=1)
    v = 1
    for call, kw in [
        (store.tickets.assign, {"technician_id": 1}),
        (store.tickets.respond, {"note": "called the branch"}),
        (store.tickets.arrive, {"mode": "remote"}),
        (store.tickets.hold, {"reason": "parts", "note": "waiting for a card reader"}),
        (store.tickets.resume, {}),
        (store.tickets.resolve, {"symptom": "cards stuck", "cause": "worn roller", "action": "replaced roller",
                         "parts": "roller"}),
        (store.tickets.close, {"signoff": "Mrs Zhao", "fee": "120.5"}),
    ]:
        clock.advance(minutes=7)
        call(t.id, v, **kw)
        v += 1
    return t.id


async def open_detail(pilot: Any, ticket_id: int) -> DetailScreen:
    pilot.app.push_screen(DetailScreen(ticket_id))
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DetailScreen)
    await until(pilot, lambda: screen.ticket is not None and bool(screen.query("#timeline Static")))
    return screen


# ------------------------------------------------------------- item 11
async def test_detail_scrolls_with_j_k_g_G(store: Store, clock) -> None:
    tid = long_history(store, clock)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_detail(pilot, tid)
        body = screen.query_one(DetailBody)
        assert body.has_focus and body.max_scroll_y > 0
        await pilot.press("j", "j")
        await pilot.pause()
        assert body.scroll_y == 2
        await pilot.press("k")
        await pilot.pause()
        assert body.scroll_y == 1
        await pilot.press("G")
        await until(pilot, lambda: body.scroll_y == body.max_scroll_y)
        await pilot.press("g")
        await until(pilot, lambda: body.scroll_y == 0)
        await pilot.press("down", "pagedown")
        await until(pilot, lambda: body.scroll_y > 1)
        await pilot.press("home")
        await until(pilot, lambda: body.scroll_y == 0)
        assert isinstance(app.screen, DetailScreen)  # none of the keys left the screen


# ------------------------------------------------------------- item 13
async def test_timeline_speaks_in_words_and_local_time(store: Store, clock) -> None:
    store.settings.set_setting("timezone", "Asia/Shanghai")  # 09:00 UTC is 17:00 there
    tid = long_history(store, clock)
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = timeline_text(await open_detail(pilot, tid))
        for raw in ("first_response_at", "fee_cents", "technician_id", "arrived_at", "wait_reason",
                    "ticket.", "paused_from", "onsite"):
            assert raw not in text, raw
        for words in ("logged", "assigned", "responded", "started remote work", "put on hold", "resumed",
                      "resolved", "closed", "Technician: Li Wei", "Priority: P1 critical",
                      "Status: assigned → remote", "Status: remote → on hold", "Status: on hold → remote",
                      "Hold reason: parts", "Note: waiting for a card reader", "Fee: ¥120.50",
                      "First response: 17:14", "11-25 17:07:00"):
            assert words in text, words


async def test_reassign_shows_both_technicians_by_name(store: Store) -> None:
    t = make_ticket(store)
    store.tickets.assign(t.id, 1, technician_id=1)
    store.tickets.assign(t.id, 2, technician_id=3, reason="closer to the branch")
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        text = timeline_text(await open_detail(pilot, t.id))
        assert "reassigned" in text
        assert "Technician: Li Wei → Wang Fang" in text
        assert "Reason: closer to the branch" in text


async def test_clock_lines_fit_80_columns(store: Store, clock) -> None:
    t = make_ticket(store, priority=1)
    clock.advance(minutes=20)  # the 15-minute first response is met late
    store.tickets.respond(t.id, 1)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_detail(pilot, t.id)
        clocks = screen.query_one("#clocks", Static)
        await until(pilot, lambda: "(late)" in str(clocks.render()))
        lines = str(clocks.render()).rstrip("\n").split("\n")
        assert len(lines) == 3
        assert all(cell_len(line) <= clocks.content_size.width for line in lines), lines
        assert any("met" in line and "(late)" in line for line in lines)
        assert clocks.size.height == 3  # nothing wrapped onto a line of its own


async def test_linked_repair_opens_with_enter(store: Store, clock) -> None:
    first = make_ticket(store, description="first fault")
    store.tickets.assign(first.id, 1, technician_id=1)
    store.tickets.arrive(first.id, 2)
    store.tickets.resolve(first.id, 3, symptom="s", cause="c", action="a", parts="none")
    clock.advance(days=2)
    again = make_ticket(store, description="same ATM again")
    assert again.repeat_of == first.id
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_detail(pilot, again.id)
        links = screen.query_one(LinkList)
        assert links.option_count == 1 and links.display
        await pilot.press("enter")  # from the page to the list
        await pilot.pause()
        assert links.has_focus
        await pilot.press("enter")  # opens the highlighted repair
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen is not screen
        await until(pilot, lambda: app.screen.ticket is not None)
        assert app.screen.ticket.id == first.id
        # and back: the earlier repair lists the repeat, Escape returns
        assert app.screen.query_one(LinkList).option_count == 1
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


def test_timeline_labels_status_with_the_arrival_mode_of_its_time(now) -> None:
    from store.models import Event

    def ev(i: int, action: str, old: dict[str, Any], new: dict[str, Any]) -> Event:
        return Event(id=i, at=now, actor="ann", action=action, ticket_id=1, old=old, new=new)

    events = [
        ev(1, "ticket.arrive", {"status": "assigned"}, {"status": "onsite", "arrival_mode": "remote"}),
        ev(2, "ticket.pause", {"status": "onsite"}, {"status": "waiting", "paused_from": "onsite",
                                                     "wait_reason": "customer"}),
        ev(3, "ticket.close", {"status": "resolved"}, {"status": "closed", "fee_cents": 5}),
    ]
    out = entries(events, Names({}, {}, {}), "UTC")
    assert out[0].changes == ["Status: assigned → remote"]
    assert out[1].verb == "put on hold"
    assert out[1].changes == ["Status: remote → on hold", "Hold reason: customer"]
    assert out[2].changes == ["Status: resolved → closed", "Fee: ¥0.05"]
    assert money(12050) == "¥120.50" and money(680050, "$") == "$6,800.50"


# ------------------------------------------------------------- item 14
BANK_SITES = [
    {"id": 11, "code": "CY", "name": "工商银行北京朝阳支行", "address": "a"},
    {"id": 12, "code": "HD", "name": "工商银行北京海淀支行", "address": "b"},
    {"id": 13, "code": "ZGC", "name": "Hang Seng Bank Zhongguancun Sub-branch", "address": "c"},
    {"id": 14, "code": "WJ", "name": "Bank of East Asia Wangjing Sub-branch", "address": "d"},
]


def add_sites(store: Store, sites: list[dict[str, Any]]) -> None:
    store.admin.load("test.sites", {"sites": sites}, {"sites": len(sites)})


async def test_queue_site_column_keeps_the_branch_at_80(store: Store) -> None:
    add_sites(store, BANK_SITES[:2])
    make_ticket(store, site_id=11, equipment_id=None, priority=1)
    make_ticket(store, site_id=12, equipment_id=None, priority=2)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = [line_text(queue(app), y) for y in (1, 2)]
        assert "朝阳支行" in lines[0] and "海淀支行" in lines[1], lines
        assert line_text(queue(app), 1).startswith(" ")  # the countdown is still the first cell
        assert line_text(queue(app), 0).lstrip().startswith("Left")


async def test_queue_site_column_grows_with_long_names_when_wide(store: Store) -> None:
    add_sites(store, BANK_SITES[2:])
    make_ticket(store, site_id=13, equipment_id=None, priority=1)
    make_ticket(store, site_id=14, equipment_id=None, priority=2)
    app = app_for(store)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        lines = [line_text(queue(app), y) for y in (1, 2)]
        assert "Hang Seng Bank Zhongguancun" in lines[0], lines
        assert "Bank of East Asia Wangjing" in lines[1], lines
    async with app_for(store).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = [line_text(queue(pilot.app), y) for y in (1, 2)]
        assert "Zhongguancun" in lines[0] and "Wangjing" in lines[1], lines


def test_site_names_keep_what_tells_them_apart() -> None:
    names = SiteNames.learn(s["name"] for s in BANK_SITES[:2])
    assert names.fit("工商银行北京朝阳支行", 14).rstrip() == "朝阳支行"
    english = SiteNames.learn(["Hang Seng Bank Zhongguancun Sub-branch", "Bank of East Asia Wangjing Sub-branch",
                               "Citibank Sanlitun Branch"])
    assert english.fit("Hang Seng Bank Zhongguancun Sub-branch", 14).rstrip() == "…Zhongguancun"
    assert english.fit("Citibank Sanlitun Branch", 30).rstrip() == "Citibank Sanlitun Branch"  # fits: whole
    # two-word names keep their last word: there it is the branch itself
    cjk = SiteNames.learn(["建设银行 朝阳支行", "招商银行 朝阳支行", "中国银行 海淀支行"])
    assert cjk.fit("建设银行 朝阳支行", 14).rstrip() == "…朝阳支行"
    # names that share only a letter keep it
    assert SiteNames.learn(["HSBC Central", "Hang Seng Mongkok"]).prefix == ""


def test_layout_sizes_name_columns_from_content() -> None:
    wide = layout(160, {"site": 38, "equip": 8, "tech": 9})
    cols = {c.key: (x, w) for c, x, w in wide}
    assert cols["left"][0] == 0  # the countdown stays the first cell
    assert cols["site"][1] == 30  # grown to its limit
    assert cols["tech"][1] == 10  # never narrower than its title
    assert sum(w for _c, _x, w in wide) + len(wide) - 1 == 160
    narrow = {c.key: w for c, _x, w in layout(80, {"site": 38, "equip": 8, "tech": 9})}
    assert narrow["fault"] >= 12 and sum(narrow.values()) + len(narrow) - 1 == 80


async def test_assign_list_shows_whole_team_names(store: Store) -> None:
    store.admin.load("test.teams", {
        "teams": [{"id": 3, "name": "东区工班 East District", "foreman_id": 5}],
        "technicians": [{"id": 5, "name": "Mike Chen", "team_id": 3, "phone": "13800000005",
                         "skills": '["atm"]', "on_duty": 1}],
    }, {})
    t = make_ticket(store)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AssignScreen)
        options = app.screen.query_one(OptionList)
        rows = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("东区工班 East District" in r and "Mike Chen" in r for r in rows), rows
        assert all("…" not in r for r in rows), rows
        assert t.id
