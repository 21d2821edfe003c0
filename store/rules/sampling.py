"""The daily callback plan (docs/rules.md §5): who phones which closed ticket. Pure rules, no I/O.

Every ticket closed on day D (in the site's zone) gets exactly one phone
callback, made on D+1. The caller selects the tickets closed on D and the
evaluators on shift; :func:`plan_day` splits them:

- **Managers** take ``manager_share`` of the tickets (a setting, 10 % by
  default), rounded half up: 5 tickets give 0.5, so 1 manager call; 14 give
  1.4, so 1; 15 give 1.5, so 2. A share of 0 gives no manager call.
- **Manager picks are spread over technicians.** The technicians of the day
  are taken in a round: each gives one ticket before any gives a second, so a
  technician never has two manager calls while another technician with
  tickets that day has none. Within a technician, the tickets go in order of
  closing (then id).
- **The round rotates from day to day.** It starts at position
  ``ordinal(D) × picks`` of the technicians sorted by id, counted round the
  list, so with the same technicians and the same count, day D+1 starts where
  day D stopped: consecutive days pick other technicians while there are
  technicians not picked yet.
- **Manager picks are spread over managers**: dealt in turn over the managers
  sorted by login (counts differ by at most one), starting at position
  ``ordinal(D) × picks`` too, so the same manager does not always get the
  day's only call.
- **Dispatchers take the rest**, dealt in turn over the dispatchers sorted by
  login, starting at position ``ordinal(D)`` (the odd ticket goes to another
  dispatcher each day), the tickets taken technician by technician
  (technicians by id, each one's tickets by closing then id). Dealing a list
  in turn gives every dispatcher the same number of tickets, give or take
  one; dealing each technician's tickets as one run in turn gives each
  dispatcher the same number of that technician's tickets, give or take one.

Decisions:

- The result depends only on the day and the data: inputs are sorted first,
  there is no random number, so the same input in any order gives the same plan.
- No dispatcher on shift while tickets are left for dispatchers, or no manager
  while the share asks for a manager call, raises :class:`NoEvaluator` (a
  :class:`~store.errors.RuleViolation` and a ``ValueError``): the plan is not
  silently shifted onto the other role; the caller puts someone on shift or
  changes the share. With no ticket at all, the plan is empty and needs nobody.
- A login listed both as dispatcher and manager, a repeated ticket id or a
  share outside 0..1 is a programming error: ``ValueError``.
- A second repair is its own ticket: it is planned like any other.
- Recording the plan (who planned it, when) and refusing to re-plan once the
  first callback of the day is logged are the store's job, not this module's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pendulum
from pendulum import DateTime

from ..errors import RuleViolation
from ..i18n import _

DEFAULT_MANAGER_SHARE = Decimal("0.10")


class NoEvaluator(RuleViolation, ValueError):
    """Nobody of the needed role is on shift to take the day's callbacks."""


@dataclass(frozen=True)
class ClosedTicket:
    id: int
    technician_id: int
    closed_at: DateTime


@dataclass(frozen=True)
class Plan:
    """One day's callbacks. ``day`` is the day the tickets were closed."""

    day: pendulum.Date
    assignments: dict[int, str]  # ticket id -> evaluator login
    manager_tickets: tuple[int, ...]  # sorted ticket ids
    by_evaluator: dict[str, tuple[int, ...]]  # every evaluator given, even with no ticket
    by_technician: dict[int, dict[str, int]]  # technician -> evaluator -> number of tickets


def manager_count(tickets: int, share: Decimal | float = DEFAULT_MANAGER_SHARE) -> int:
    """How many of ``tickets`` go to managers: ``tickets × share`` rounded half up."""
    return int((tickets * _share(share)).to_integral_value(rounding=ROUND_HALF_UP))


def _share(share: Decimal | float) -> Decimal:
    # Through str(): Decimal(0.1) is 0.1000000000000000055..., the setting means 0.1.
    value = Decimal(str(share))
    if not Decimal(0) <= value <= Decimal(1):
        raise ValueError(f"manager share must be between 0 and 1, not {share}")
    return value


def plan_day(
    tickets: Sequence[ClosedTicket],
    dispatchers: Sequence[str],
    managers: Sequence[str],
    day: pendulum.Date,
    manager_share: Decimal | float = DEFAULT_MANAGER_SHARE,
) -> Plan:
    """Plan the phone callbacks of the tickets closed on ``day`` (see the module docstring)."""
    ids = [t.id for t in tickets]
    if len(set(ids)) != len(ids):
        raise ValueError("a ticket is listed twice")
    disp = sorted(set(dispatchers))
    mgrs = sorted(set(managers))
    if set(disp) & set(mgrs):
        raise ValueError("a login is listed both as dispatcher and as manager")
    picks = manager_count(len(tickets), manager_share)
    if picks and not mgrs:
        raise NoEvaluator(_("No manager is on shift to take the day's manager callbacks."))
    if len(tickets) > picks and not disp:
        raise NoEvaluator(_("No dispatcher is on shift to take the day's callbacks."))

    per_tech: dict[int, list[ClosedTicket]] = {}
    for t in sorted(tickets, key=lambda t: (t.technician_id, t.closed_at, t.id)):
        per_tech.setdefault(t.technician_id, []).append(t)
    techs = sorted(per_tech)
    start = day.toordinal() * picks

    # Rounds over the technicians from the day's starting one: every technician's
    # first ticket, then every second ticket, ...; the first `picks` are taken.
    order = [per_tech[techs[(start + i) % len(techs)]] for i in range(len(techs))]
    depth = max((len(own) for own in order), default=0)
    chosen = [own[r].id for r in range(depth) for own in order if r < len(own)][:picks]

    assignments: dict[int, str] = {}
    for i, ticket_id in enumerate(chosen):
        assignments[ticket_id] = mgrs[(start + i) % len(mgrs)]
    taken = set(chosen)
    rest = [t.id for tech in techs for t in per_tech[tech] if t.id not in taken]
    for i, ticket_id in enumerate(rest):
        assignments[ticket_id] = disp[(day.toordinal() + i) % len(disp)]

    by_evaluator: dict[str, list[int]] = {login: [] for login in sorted(disp + mgrs)}
    by_technician: dict[int, dict[str, int]] = {}
    tech_of = {t.id: t.technician_id for t in tickets}
    for ticket_id in sorted(assignments):
        login = assignments[ticket_id]
        by_evaluator[login].append(ticket_id)
        counts = by_technician.setdefault(tech_of[ticket_id], {})
        counts[login] = counts.get(login, 0) + 1
    return Plan(
        day=day,
        assignments=dict(sorted(assignments.items())),
        manager_tickets=tuple(sorted(chosen)),
        by_evaluator={login: tuple(ids) for login, ids in by_evaluator.items()},
        by_technician={tech: dict(sorted(c.items())) for tech, c in sorted(by_technician.items())},
    )
