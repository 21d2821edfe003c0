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
