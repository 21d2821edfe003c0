"""The demo's reference data (teams, technicians, sites, machines, contacts)
and its loading through the store."""

from __future__ import annotations

import json
import random
from typing import Any

from .helpers import _mobile, _person
from .tables import BANKS, CN_BRANCHES, EN_SITES, MODELS, PER_SITE, PREFIX, SURNAMES, TEAMS


def _reference(rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    teams: list[dict[str, Any]] = []
    techs: list[dict[str, Any]] = []
    for team_id, (team_name, members) in enumerate(TEAMS, start=1):
        first = len(techs) + 1
        for name, phone, skills, on_duty in members:
            techs.append({
                "id": len(techs) + 1, "name": name, "team_id": team_id, "phone": phone,
                "skills": json.dumps(skills), "on_duty": int(on_duty),
            })
        teams.append({"id": team_id, "name": team_name, "foreman_id": first})

    named = []
    for branch, road in CN_BRANCHES:
        name = f"{rng.choice(BANKS)} {branch}"
        named.append((name, f"北京市{road} {rng.randint(1, 199)} 号"))
    named += EN_SITES
    rng.shuffle(named)
    sites = [
        {"id": i, "code": f"BR{i:03d}", "name": name, "address": address}
        for i, (name, address) in enumerate(named, start=1)
    ]

    equipment: list[dict[str, Any]] = []
    numbers = dict.fromkeys(PREFIX, 0)
    for site in sites:
        for category, (fixed, extra) in PER_SITE.items():
            for _ in range(fixed + (rng.random() < extra)):
                numbers[category] += 1 + (rng.random() < 0.15)  # some tags retired: gaps
                equipment.append({
                    "id": len(equipment) + 1, "site_id": site["id"],
                    "asset_tag": f"{PREFIX[category]}-{numbers[category]:04d}",
                    "category": category, "model": rng.choice(MODELS[category]),
                })
    return {"sites": sites, "teams": teams, "technicians": techs, "equipment": equipment}


def _contacts(rng: random.Random, sites: list[dict[str, Any]]) -> dict[int, list[tuple[str, str]]]:
    """A few regular callers per branch (the same people phone again)."""
    out = {}
    for site in sites:
        people = [(_person(rng), _mobile(rng)) for _ in range(3)]
        people.append((f"{rng.choice(SURNAMES)}主任", f"010-{rng.randint(5000, 8999)} {rng.randint(0, 9999):04d}"))
        out[site["id"]] = people
    return out


class _Crew:
    """Picks technicians: the branch's team first, with the skill, on duty if asked."""

    def __init__(self, ref: dict[str, list[dict[str, Any]]]):
        self.techs = ref["technicians"]
        self.skills = {t["id"]: set(json.loads(t["skills"])) for t in self.techs}
        self.team_ids = sorted({t["team_id"] for t in self.techs})

    def team_of(self, site_id: int) -> int:
        return int(self.team_ids[(site_id - 1) % len(self.team_ids)])

    def pick(self, rng: random.Random, site_id: int, category: str, on_duty: bool, not_id: int | None = None) -> int:
        team = self.team_of(site_id)
        pool = [t for t in self.techs if t["id"] != not_id and (t["on_duty"] or not on_duty)]
        for choice in (
            [t for t in pool if t["team_id"] == team and category in self.skills[t["id"]]],
            [t for t in pool if category in self.skills[t["id"]]],
            pool,
        ):
            if choice:
                return int(rng.choice(choice)["id"])
        return int(self.techs[0]["id"])
