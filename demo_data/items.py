"""The demo's improvement items and complaints: items in every state (some
overdue, one sent back), complaints in every state (one with an overdue step,
one that opened an item). Items come from the unsatisfied callbacks of the
demo evaluations where there are any; the rest are opened on the earliest
closed tickets as an unsatisfied callback would open them. Every write goes
through the store as the person who would make it, at a time in the past."""

from __future__ import annotations

from pendulum import DateTime

from store.store import Store
from store.timeutil import fixed_clock

from .users import DISPATCHERS

# (state to reach, weak points, measures) per demo item, in order.
ITEM_PLAN = [
    ("open", "", ""),
    ("followed_up", "Technician did not call within the hour", ""),
    ("open", "", ""),
    ("followed_up", "Customer was not told a part was on order", ""),
    ("proposed", "Second visit needed for the same card reader", "Carry a spare reader on every ATM call"),
    ("submitted", "Site left untidy after the repair", "Checklist at sign-off includes clean-up"),
    ("confirmed", "Printer jammed again the next day", "Replace the feed roller, not only clean it"),
    ("sent_back", "Reporter found the technician impolite", "Talk to the technician"),
]
COMPLAINTS = [
    ("Mr Zhao, branch manager", "Technician arrived two hours late and did not apologise"),
    ("Ms Qian, teller", "ATM was declared fixed but still swallows cards"),
    ("Mr Sun, security", "Engineer left the safe room door open"),
    ("Ms Li, branch office", "Nobody called back about the printer"),
    ("Mr Zhou, customer", "Rude language on the phone"),
    ("Ms Wu, branch manager", "Charged for a repair under warranty"),
    ("Mr Zheng, IT", "Network switch replaced without notice"),
]


def add_demo_items(store: Store, now: DateTime) -> None:
    actor, clock = store.actor, store.clock
    manager = actor
    _NOW[:] = [now]
    try:
        _items(store, now, manager)
        _complaints(store, now, manager)
    finally:
        store.actor, store.clock = actor, clock


def _as(store: Store, login: str, at: DateTime) -> Store:
    """The store writing as ``login`` at ``at`` (never after the demo's now)."""
    store.actor, store.clock = login, fixed_clock(min(at, _NOW[0]))
    return store


_NOW: list[DateTime] = []


def _items(store: Store, now: DateTime, manager: str) -> None:
    foremen_teams = {u.team_id for u in store.users.find() if u.role == "foreman"}
    items = [i for i in store.items.find() if i.source == "callback" and i.state == "open" and i.team_id in foremen_teams]
    if len(items) < len(ITEM_PLAN):
        taken = {i.ticket_id for i in store.items.find()}
        candidates = [c for c in store.items.closed_tickets_with_team(200)
                      if c[0] not in taken and c[1] in foremen_teams]
        # Demo callbacks have ids of their own; these items name a source id
        # far above them so they never collide with a real callback's item.
        for n, (ticket_id, team_id, closed_at) in enumerate(candidates[:len(ITEM_PLAN) - len(items)]):
            # The first two overdue (due two meetings ago), the rest opened
            # last week: due at a meeting still to come, whatever today's date.
            opened = min(closed_at.add(days=1), now.subtract(months=2)) if n < 2 else max(
                closed_at.add(days=1), now.subtract(days=6))
            store.items.open_seeded(ticket_id, team_id, 900_000 + n, opened)
        items = store.items.find()[:len(ITEM_PLAN)]
    items.sort(key=lambda i: i.opened_at)
    for (target, weak, measures), item in zip(ITEM_PLAN, items, strict=False):
        if target == "open":
            continue
        step = item.opened_at.add(days=2)
        owner = item.foreman or manager
        item = _as(store, owner, step).items.item_follow_up(item.id, item.version, weak_points=weak)
        if target == "followed_up":
            continue
        item = _as(store, owner, step.add(days=1)).items.item_propose(item.id, item.version, measures=measures)
        if target == "proposed":
            continue
        item = _as(store, owner, step.add(days=2)).items.item_submit(item.id, item.version)
        if target == "submitted":
            continue
        if target == "confirmed":
            _as(store, manager, step.add(days=3)).items.item_confirm(item.id, item.version)
        else:
            _as(store, manager, step.add(days=3)).items.item_send_back(
                item.id, item.version, reason="Say who talks to the technician and when")


def _complaints(store: Store, now: DateTime, manager: str) -> None:
    tickets = store.items.closed_tickets_with_team(60)[-len(COMPLAINTS):]
    desk = DISPATCHERS[0][0] if any(u.login == DISPATCHERS[0][0] for u in store.users.find()) else manager
    hours = store.complaints.complaint_step_hours()
    steps = ["accept", "investigate", "handle", "follow_up", "close"]
    # complaint n takes its first n steps (the last takes them all and opens an item);
    # the registered one is 3 hours old: its accept step is overdue.
    for n, ((who, matter), (ticket_id, _team, _closed)) in enumerate(zip(COMPLAINTS, tickets, strict=False)):
        taken = min(n, len(steps))
        if n == 0 or n >= len(steps):  # registered 3 hours ago (overdue), or closed
            received = now.subtract(hours=3) if n == 0 else now.subtract(hours=hours["close"] + 24 * n)
        else:  # its next step falls due in a few hours, except the handled one (overdue)
            received = now.subtract(hours=hours[steps[n]] + (5 if n == 3 else -4))
        c = _as(store, desk, received).complaints.add_complaint(ticket_id, who, matter, received_at=received)
        for k, step in enumerate(steps[:taken]):
            at = received.add(hours=hours[step] - 1 if k != 2 or n != 3 else hours[step] + 5)  # one handled late
            s = _as(store, desk, at)
            if step == "accept":
                c = s.complaints.accept_complaint(c.id, c.version)
            elif step == "investigate":
                c = s.complaints.investigate_complaint(c.id, c.version, "Work record and the reporter's account agree")
            elif step == "handle":
                c = s.complaints.handle_complaint(c.id, c.version, "Apologise, revisit within a day", informed=True)
            elif step == "follow_up":
                c = s.complaints.follow_up_complaint(c.id, c.version, "Reporter satisfied with the revisit")
            else:
                c = s.complaints.close_complaint(c.id, c.version, "Cause found; the team briefed at the morning meeting")
        if n >= len(steps):
            _as(store, manager, now).complaints.open_item_from_complaint(c.id, c.version)

