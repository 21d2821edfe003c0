"""Keys sent in one burst reach a list screen's key checks before its table
is built (a ``C n`` burst crashed with NoMatches on the complaints screen):
asking for the selected row then means none, never an exception."""

from __future__ import annotations

from console.screens.complaints import ComplaintsScreen
from console.screens.items import ItemsScreen


def test_nothing_is_selected_before_the_table_is_built() -> None:
    assert ComplaintsScreen().selected() is None
    assert ItemsScreen().selected() is None
