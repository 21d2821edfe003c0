"""Small helpers the demo generators share: times as text, weighted picks,
phone numbers and names, fault descriptions."""

from __future__ import annotations

import random
import time
from typing import Any

from store import Store
from store.rules.sla import Policy

from .tables import CODES, DAY, DESCRIPTIONS, EN_NAMES, GIVEN, MIN, SURNAMES


def _iso(s: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s))


class _IsoTable:
    """Fast ``to_db`` text for integer epoch seconds: a day prefix plus a
    precomputed time of day (86,400 strings), falling back to strftime."""

    def __init__(self, lo: int, hi: int):
        self.base = lo // DAY
        self.days = [time.strftime("%Y-%m-%dT", time.gmtime(d * DAY)) for d in range(self.base, hi // DAY + 1)]
        self.tod = [f"{h:02d}:{m:02d}:{s:02d}Z" for h in range(24) for m in range(60) for s in range(60)]

    def __call__(self, s: int) -> str:
        i = s // DAY - self.base
        if 0 <= i < len(self.days):
            return self.days[i] + self.tod[s % DAY]
        return _iso(s)


def _weighted(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randint(0, 9)} {rng.randint(0, 9999):04d} {rng.randint(0, 9999):04d}"


def _person(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(EN_NAMES)
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _describe(rng: random.Random, category: str) -> str:
    text = rng.choice(DESCRIPTIONS[category])
    return text.format(code=rng.choice(CODES), n=rng.randint(1, 8), amount=rng.choice((2000, 5000, 10000)))


def _windows(pol: Policy) -> tuple[int, int, int]:
    return pol.response_min * MIN, pol.onsite_min * MIN, pol.resolve_min * MIN


def _empty(store: Store) -> bool:
    return not store.reference.sites(limit=1)
