"""Monthly and daily scores (store/rules/scoring.py), checked against a brute-force reference."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.rules.scoring import PER_TICKET, STAR_BONUS, Evaluated, Ranking, Row, daily, monthly, score, show

T0 = pendulum.datetime(2026, 3, 1, 8, 0, tz="UTC")


def ev(ticket: int, tech: int, scores: tuple[int, ...], *, team: int = 1, satisfied: int = 0, answers: int | None = None,
       last: int = 0, closed: pendulum.DateTime = T0) -> Evaluated:
    return Evaluated(
        ticket_id=ticket, technician_id=tech, team_id=team, closed_at=closed, scores=scores,
        satisfied_answers=satisfied, answers=len(scores) if answers is None else answers,
        last_evaluated_at=T0.add(hours=last),
    )


@st.composite
def evaluated(draw: st.DrawFn, ticket_id: int) -> Evaluated:
    # few values on purpose: equal scores, counts, shares and last evaluations happen often
    reached = draw(st.booleans())
    scores = (draw(st.sampled_from([6, 8, 10])),) + ((draw(st.sampled_from([6, 8, 10])),) if reached else ())
    satisfied = sum(1 for s in scores if s == 10)
    tech = draw(st.integers(1, 5))
    return Evaluated(
        ticket_id=ticket_id, technician_id=tech, team_id=draw(st.integers(1, 3)),
        closed_at=T0.add(hours=draw(st.integers(0, 24 * 30))),
        scores=scores, satisfied_answers=satisfied, answers=len(scores),
        last_evaluated_at=T0.add(days=draw(st.integers(0, 3))),
    )


months = st.integers(0, 14).flatmap(lambda n: st.tuples(*(evaluated(i) for i in range(1, n + 1))).map(list))


def reference(items: list[Evaluated], key_of) -> list[tuple[int, int, int, Fraction, Fraction, pendulum.DateTime, int]]:
    """(key, total, count, exact score, share, last, rank) by brute force: rank = 1 + how many rows beat it."""
    keys = sorted({key_of(t) for t in items})
    rows = []
    for k in keys:
        mine = [t for t in items if key_of(t) == k]
        total = sum(sum(t.scores) for t in mine)
        answers = sum(t.answers for t in mine)
        share = Fraction(sum(t.satisfied_answers for t in mine), answers) if answers else Fraction(0)
        exact = Fraction(total, len(mine)) + Fraction(15, 100) * len(mine)
        rows.append((k, total, len(mine), exact, share, max(t.last_evaluated_at for t in mine)))

    def beats(a, b) -> bool:
        if a[3] != b[3]:
            return a[3] > b[3]
        if a[2] != b[2]:
            return a[2] > b[2]
        if a[4] != b[4]:
            return a[4] > b[4]
        if a[5] != b[5]:
            return a[5] < b[5]
        return a[0] < b[0]

    ranked = [(*r, 1 + sum(beats(o, r) for o in rows)) for r in rows]
    return sorted(ranked, key=lambda r: r[-1])


def check(rows: list[Row], expected: list, first_flag: str) -> None:
    assert [r.key for r in rows] == [e[0] for e in expected]
    for row, (_key, total, count, exact, share, last, rank) in zip(rows, expected, strict=True):
        assert row.rank == rank
        assert (row.total, row.count, row.satisfied_share, row.last_evaluated_at) == (total, count, share, last)
        assert row.bonus_count == PER_TICKET * count == Decimal(count) * Decimal("0.15")
        assert row.mean == Decimal(total) / Decimal(count)
        assert row.score == row.mean + row.bonus_count
        assert abs(Fraction(row.score) - exact) < Fraction(1, 10**20)
        first = rank == 1
        assert getattr(row, first_flag) is first
        assert row.bonus == (STAR_BONUS if first and first_flag == "star" else 0)
    other = "winner" if first_flag == "star" else "star"
    assert not any(getattr(r, other) for r in rows)


@settings(max_examples=200, deadline=None)
@given(months)
def test_ranking_matches_the_brute_force_reference(items: list[Evaluated]) -> None:
    ranking = monthly(iter(items))
    check(ranking.technicians, reference(items, lambda t: t.technician_id), "star")
    check(ranking.teams, reference(items, lambda t: t.team_id), "winner")
    assert ranking.star is (ranking.technicians[0] if items else None)
    assert ranking.winner is (ranking.teams[0] if items else None)
    assert monthly(list(reversed(items))) == ranking


def test_the_formula_is_exact() -> None:
    # ten tickets of 82 in total: 8.2 + 0.15 × 10 = 9.7, exactly
    items = [ev(i, 1, (8,)) for i in range(1, 10)] + [ev(10, 1, (10,))]
    row = monthly(items).technicians[0]
    assert (row.total, row.count, row.mean, row.bonus_count, row.score) == (82, 10, Decimal("8.2"), Decimal("1.50"), Decimal("9.70"))
    assert score(82, 10) == Decimal("9.7") and show(row.score) == "9.70"
    assert score(20, 1) == Decimal("20.15")
    assert score(26, 3) == Decimal(26) / Decimal(3) + Decimal("0.45")
    assert show(score(26, 3)) == "9.12"  # 8.666… + 0.45 = 9.1166…


def test_show_rounds_half_up_to_two_decimals() -> None:
    assert show(Decimal("1.005")) == "1.01"
    assert show(Decimal("1.004999")) == "1.00"
    assert show(Decimal("2.125")) == "2.13"  # half even would give 2.12
    assert show(Decimal(20)) == "20.00"


def test_a_ticket_scores_the_sum_of_what_it_received() -> None:
    assert ev(1, 1, (10, 8)).total == 18
    assert ev(1, 1, (10,)).total == 10  # callback unreachable: the foreman's score alone
    ranking = monthly([ev(1, 1, (10, 8), satisfied=1), ev(2, 1, (10,), satisfied=1)])
    row = ranking.technicians[0]
    assert (row.total, row.count, row.satisfied_share) == (28, 2, Fraction(2, 3))


def test_ties_go_to_more_tickets() -> None:
    # 20 / 1 + 0.15 = 20.15 and 97 / 5 + 0.75 = 20.15
    one = [ev(1, 1, (10, 10), satisfied=2, team=1)]
    five = [ev(i, 2, (10, 10), satisfied=2, team=2) for i in range(2, 6)] + [ev(6, 2, (10, 7), satisfied=1, team=2)]
    ranking = monthly(one + five)
    assert [r.score for r in ranking.technicians] == [Decimal("20.15")] * 2
    assert [r.key for r in ranking.technicians] == [2, 1]
    assert [r.key for r in ranking.teams] == [2, 1]
    assert ranking.star.key == 2 and ranking.star.star and ranking.star.bonus == Decimal("0.5")
    assert ranking.winner.key == 2 and ranking.winner.winner and ranking.winner.bonus == 0


def test_a_small_difference_in_score_beats_more_tickets() -> None:
    # 20 + 0.15 = 20.15 against 186 / 10 + 1.5 = 20.10 (with 0.16 per ticket it would be 20.16 against 20.20)
    items = [ev(1, 1, (10, 10))] + [ev(i, 2, (10, 10)) for i in range(2, 8)] + [ev(i, 2, (10, 8)) for i in range(8, 11)]
    items.append(ev(11, 2, (6, 6)))
    ranking = monthly(items)
    assert [(r.key, r.score) for r in ranking.technicians] == [(1, Decimal("20.15")), (2, Decimal("20.10"))]


def test_then_a_higher_share_satisfied() -> None:
    items = [ev(1, 1, (10, 8), satisfied=1, last=0), ev(2, 2, (8, 10), satisfied=2, last=5)]
    assert [r.key for r in monthly(items).technicians] == [2, 1]
    assert monthly(items).technicians[0].satisfied_share == 1


def test_then_the_earlier_last_evaluation() -> None:
    items = [ev(1, 1, (10, 8), satisfied=1, last=3), ev(2, 1, (10, 8), satisfied=1, last=1),
             ev(3, 2, (10, 8), satisfied=1, last=2), ev(4, 2, (10, 8), satisfied=1, last=2)]
    ranking = monthly(items)
    assert [r.key for r in ranking.technicians] == [2, 1]
    assert [r.last_evaluated_at for r in ranking.technicians] == [T0.add(hours=2), T0.add(hours=3)]
    assert [r.rank for r in ranking.technicians] == [1, 2]


def test_a_full_tie_goes_to_the_lower_id() -> None:
    items = [ev(1, 9, (10,), team=4), ev(2, 3, (10,), team=4), ev(3, 5, (10,), team=2)]
    ranking = monthly(items)
    assert [r.key for r in ranking.technicians] == [3, 5, 9]
    assert [r.rank for r in ranking.technicians] == [1, 2, 3]
    assert [r.star for r in ranking.technicians] == [True, False, False]
    # team 4: two tickets of 10 -> 10.3; team 2: one -> 10.15
    assert [(r.key, r.score) for r in ranking.teams] == [(4, Decimal("10.30")), (2, Decimal("10.15"))]


def test_a_team_pools_the_tickets_of_its_technicians() -> None:
    items = [ev(1, 1, (10, 10), team=7), ev(2, 2, (6, 6), team=7), ev(3, 3, (8, 8), team=8)]
    ranking = monthly(items)
    team = {r.key: r for r in ranking.teams}
    assert (team[7].total, team[7].count, team[7].score) == (32, 2, Decimal("16.30"))
    assert (team[8].total, team[8].count, team[8].score) == (16, 1, Decimal("16.15"))
    assert ranking.winner.key == 7


def test_no_answer_means_a_share_of_zero() -> None:
    row = monthly([ev(1, 1, (10,), answers=0)]).technicians[0]
    assert row.satisfied_share == 0


def test_an_empty_month_has_no_star() -> None:
    ranking = monthly([])
    assert ranking == Ranking(technicians=[], teams=[])
    assert ranking.star is None and ranking.winner is None


def test_a_ticket_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^a ticket is listed twice$"):
        monthly([ev(1, 1, (10,)), ev(1, 2, (8,))])


@pytest.mark.parametrize(("satisfied", "answers"), [(3, 2), (-1, 2), (1, 0)])
def test_answers_must_be_consistent(satisfied: int, answers: int) -> None:
    with pytest.raises(ValueError, match=r"^ticket 5: satisfied answers must be between 0 and the answers$"):
        Evaluated(5, 1, 1, T0, (10,), satisfied, answers, T0)


@pytest.mark.parametrize(("satisfied", "answers"), [(0, 0), (2, 2), (0, 2)])
def test_consistent_answers_are_accepted(satisfied: int, answers: int) -> None:
    assert Evaluated(5, 1, 1, T0, (10,), satisfied, answers, T0).answers == answers


def test_daily_totals_use_the_site_day() -> None:
    late = pendulum.datetime(2026, 3, 1, 17, 0, tz="UTC")  # 2 March 01:00 in Shanghai
    items = [ev(1, 1, (10, 8), closed=late), ev(2, 1, (6,), closed=T0), ev(3, 2, (10, 10), closed=late)]
    assert daily(items, "Asia/Shanghai") == {
        (1, pendulum.date(2026, 3, 1)): 6, (1, pendulum.date(2026, 3, 2)): 18, (2, pendulum.date(2026, 3, 2)): 20,
    }
    assert daily(items, "UTC") == {(1, pendulum.date(2026, 3, 1)): 24, (2, pendulum.date(2026, 3, 1)): 20}
    assert daily([], "UTC") == {}


@settings(max_examples=100, deadline=None)
@given(months, st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York"]))
def test_daily_totals_match_the_reference(items: list[Evaluated], tz: str) -> None:
    got = daily(iter(items), tz)
    keys = {(t.technician_id, t.closed_at.in_timezone(tz).date()) for t in items}
    expected = {
        k: sum(sum(t.scores) for t in items if (t.technician_id, t.closed_at.in_timezone(tz).date()) == k)
        for k in sorted(keys)
    }
    assert got == expected
    assert list(got) == sorted(got)
    assert sum(got.values()) == sum(sum(t.scores) for t in items)
