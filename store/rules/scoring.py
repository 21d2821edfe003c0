"""Monthly and daily scores from callbacks (docs/rules.md §5). Pure rules, no I/O.

The caller hands one :class:`Evaluated` per ticket whose evaluations are
complete: the foreman's evaluation and the phone callback, or the foreman's
and a callback closed as unreachable. :func:`monthly` takes the tickets of
one month (the month each ticket was *closed* in, in the site's zone; the
caller selects them).

- **A ticket's score** is the sum of the scores it received (``scores``):
  foreman 10 + callback 8 = 18. Answers are worth satisfied 10, basically
  satisfied 8, unsatisfied 6 (settings, applied by the caller).
- **Unreachable callback.** The ticket still counts, with the scores it did
  receive: its score is the foreman's alone (10, not 10 + something), and it
  counts as one evaluated ticket like any other. The unreachable call gives
  no score and no answer: it adds nothing to ``answers`` nor to
  ``satisfied_answers``.
- **Share of satisfied answers** of a technician or team = the satisfied
  answers of its tickets ÷ all the answers of its tickets (the foreman's and
  the reached callbacks'), pooled over the tickets, not averaged per ticket.
  With no answer at all the share is 0. It is kept as an exact fraction.
- **Monthly score** = total ÷ count + 0.15 × count, where count is the number
  of evaluated tickets and total the sum of their scores. A team's is the
  same formula over every evaluated ticket of its technicians; a ticket
  belongs to the team it names (``team_id``), so a technician who changed
  team mid-month counts for both, each ticket once.
- **Ranking**, best first: higher score; then more evaluated tickets; then a
  higher share of satisfied answers; then the earlier last evaluation (the
  latest ``last_evaluated_at`` of the row's tickets: who finished first);
  then, only if all of that is equal, the lower id, so there is always one
  first. Ranks are the positions 1, 2, 3, … .
- The first technician is the month's **star**, with a bonus of 0.5 points
  on record (``bonus``; it is not added to ``score``). The first team is the
  **winner**.
- Scores are :class:`~decimal.Decimal` (0.15 × n is exact); the mean is
  divided to 28 significant digits, and the ranking compares exact fractions,
  so rounding never decides a place. Round only to show: :func:`show`.
- **Daily totals**: :func:`daily` sums the ticket scores per technician per
  day the ticket was closed, in the site's zone ``tz`` (a day is the smallest
  unit; the zone has no default, so a caller cannot forget it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pendulum
from pendulum import DateTime

PER_TICKET = Decimal("0.15")
STAR_BONUS = Decimal("0.5")


@dataclass(frozen=True)
class Evaluated:
    ticket_id: int
    technician_id: int
    team_id: int
    closed_at: DateTime
    scores: tuple[int, ...]
    satisfied_answers: int
    answers: int
    last_evaluated_at: DateTime

    def __post_init__(self) -> None:
        if not 0 <= self.satisfied_answers <= self.answers:
            raise ValueError(f"ticket {self.ticket_id}: satisfied answers must be between 0 and the answers")

    @property
    def total(self) -> int:
        return sum(self.scores)


@dataclass(frozen=True)
class Row:
    key: int  # technician id or team id
    total: int
    count: int
    mean: Decimal
    bonus_count: Decimal  # 0.15 × count
    score: Decimal  # mean + bonus_count
    satisfied_share: Fraction
    last_evaluated_at: DateTime
    rank: int
    star: bool = False  # the first technician
    winner: bool = False  # the first team
    bonus: Decimal = Decimal(0)  # 0.5 for the star, on record only


@dataclass(frozen=True)
class Ranking:
    technicians: list[Row]
    teams: list[Row]

    @property
    def star(self) -> Row | None:
        return self.technicians[0] if self.technicians else None

    @property
    def winner(self) -> Row | None:
        return self.teams[0] if self.teams else None


def show(value: Decimal) -> str:
    """A score for display: two decimals, rounded half up."""
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def score(total: int, count: int) -> Decimal:
    """The monthly formula: total ÷ count + 0.15 × count."""
    return Decimal(total) / Decimal(count) + PER_TICKET * count


def monthly(tickets: Iterable[Evaluated]) -> Ranking:
    """Rank technicians and teams over one month's evaluated tickets."""
    items = list(tickets)
    ids = [t.ticket_id for t in items]
    if len(set(ids)) != len(ids):
        raise ValueError("a ticket is listed twice")
    techs = _rank(items, lambda t: t.technician_id)
    teams = _rank(items, lambda t: t.team_id)
    if techs:
        techs[0] = replace(techs[0], star=True, bonus=STAR_BONUS)
    if teams:
        teams[0] = replace(teams[0], winner=True)
    return Ranking(technicians=techs, teams=teams)


def _rank(items: list[Evaluated], key_of: Callable[[Evaluated], int]) -> list[Row]:
    groups: dict[int, list[Evaluated]] = {}
    for t in items:
        groups.setdefault(key_of(t), []).append(t)
    stats = []
    for key, group in groups.items():
        total = sum(t.total for t in group)
        count = len(group)
        answers = sum(t.answers for t in group)
        share = Fraction(sum(t.satisfied_answers for t in group), answers) if answers else Fraction(0)
        last = max(t.last_evaluated_at for t in group)
        exact = Fraction(total, count) + Fraction(15, 100) * count
        stats.append((key, total, count, share, last, exact))
    stats.sort(key=lambda s: (-s[5], -s[2], -s[3], s[4], s[0]))
    return [
        Row(
            key=key,
            total=total,
            count=count,
            mean=Decimal(total) / Decimal(count),
            bonus_count=PER_TICKET * count,
            score=score(total, count),
            satisfied_share=share,
            last_evaluated_at=last,
            rank=rank,
        )
        for rank, (key, total, count, share, last, _exact) in enumerate(stats, start=1)
    ]


def daily(tickets: Iterable[Evaluated], tz: str) -> dict[tuple[int, pendulum.Date], int]:
    """Sum of ticket scores per (technician, day closed in ``tz``), sorted by technician then day."""
    totals: dict[tuple[int, pendulum.Date], int] = {}
    for t in tickets:
        key = (t.technician_id, t.closed_at.in_timezone(tz).date())
        totals[key] = totals.get(key, 0) + t.total
    return dict(sorted(totals.items()))
