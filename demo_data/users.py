"""The demo's people: whoever builds the demo runs it (manager), plus a few
people of each other role, so every lane can be tried (sign-in included:
every demo user's PIN is DEMO_PIN)."""

from __future__ import annotations

from store.store import Store

DEMO_PIN = "123456"
DISPATCHERS = [("mei.lin", "Lin Mei"), ("hao.chen", "Chen Hao")]
FOREMEN = [("gang.zhou", "Zhou Gang"), ("yang.liu", "Liu Yang"), ("li.sun", "Sun Li")]
VIEWERS = [("qa.wu", "Wu Qing (QA)")]


def add_demo_users(store: Store, login: str) -> None:
    """``login`` (the current OS user) as manager, two dispatchers, a foreman
    for each of the first three teams, and a viewer. Logins already there stay."""
    have = {u.login for u in store.users.find(include_disabled=True)}

    def add(who: str, name: str, role: str, team_id: int | None = None) -> None:
        if who not in have:
            store.users.add_user(who, name, role, team_id=team_id, pin=DEMO_PIN)
            have.add(who)

    add(login, login, "manager")
    for who, name in DISPATCHERS:
        add(who, name, "dispatcher")
    for (who, name), team in zip(FOREMEN, store.people.teams()[:len(FOREMEN)], strict=False):
        add(who, name, "foreman", team.id)
    for who, name in VIEWERS:
        add(who, name, "viewer")
