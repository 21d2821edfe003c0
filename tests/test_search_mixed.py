"""A search of long and short terms together (issue 28): a rare short term's
few tickets drive it, each tested against the long terms, instead of every
match of a common long term tested against the short term's list (`ATM zq`:
85 ms at 1M tickets, 0.3 ms so). tests/test_search_together.py has the other
ways (common terms together) and checks them all against each index alone."""

from __future__ import annotations

from ticket_helpers import make

from store import Store
from store.repo.search import FEW


def test_a_rare_short_term_drives_and_the_answer_is_the_same(store: Store) -> None:
    both = make(store, description="ATM shows zq on screen")
    # The short term without the long one (a printer: its asset tag HQ-PRN-A holds no "ATM").
    make(store, description="zq printed on the receipt", equipment_id=2, category="printer")
    atm = [make(store, description=f"ATM swallows cards {i}") for i in range(FEW + 2)]
    assert store.search._together("ATM zq", 50) == [both.id]
    assert [t.id for t in store.search.find("ATM zq")] == [both.id]
    assert [t.id for t in store.search.find("zq atm")] == [both.id]  # any order, case folded
    assert store.search.find("ATM zq", offset=1) == []
    # A short term in FEW tickets or more: the same answer another way.
    assert {t.id for t in store.search.find("ATM sw", limit=100)} == {t.id for t in atm}
    assert store.search._together("ATM", 50) is None and store.search._together("zq", 50) is None


def test_the_open_matches_of_long_and_short_terms_are_the_open_ones_of_all(store: Store) -> None:
    """The queue's text filter asks the pair index for open tickets only (a common
    short term's list of the whole history was most of its time): the same
    tickets as all matches less the closed ones, after tickets close and open again."""
    from store.repo.search import search_ids

    tickets = [make(store, description=f"ATM {word} {i}") for i, word in enumerate(["e-jam", "screen", "kq", "dark"] * 3)]
    make(store, description="printer e-jam", equipment_id=2, category="printer")
    for t in tickets[::3]:
        store.tickets.cancel(t.id, t.version, reason="duplicate")
    texts = ["ATM e", "ATM kq", "ATM q", "atm E", "jam e", "ATM 1", "ATM zz"]
    for text in texts:
        every = search_ids(text)
        open_only = search_ids(text, open_only=True)
        assert every is not None and open_only is not None
        all_ids = {r[0] for r in store.db.q(every[0], every[1])}
        open_ids = {r[0] for r in store.db.q("SELECT id FROM tickets WHERE is_open = 1")}
        assert {r[0] for r in store.db.q(open_only[0], open_only[1])} == all_ids & open_ids, text
