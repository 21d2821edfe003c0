"""Report arrows compare the figures as they are shown (issue 22): two values
written the same ("1h55m" and "1h55m", "95.0 %" and "95.0 %") are "= same",
never "▲ worse". The console, `dispatch report` and the workbook all write Figure.arrow."""

from __future__ import annotations

import pytest

from store.rules.figures import Figure, arrow


@pytest.mark.parametrize(("unit", "now", "before", "better"), [
    ("seconds", 6930.0, 6900.0, "lower"),  # 1h55m30s and 1h55m: both "1h55m"
    ("share", 0.9504, 0.9501, "higher"),  # both "95.0 %"
    ("score", 8.921, 8.919, "higher"),  # both "8.92"
    ("count", 10.4, 10.2, None),  # both "10"
])
def test_equal_as_shown_is_the_same(unit: str, now: float, before: float, better: str | None) -> None:
    f = Figure("k", "label", unit, now, before, None, better)  # type: ignore[arg-type]
    assert (f.arrow, f.change) == ("= same", "same")


def test_a_change_that_shows_keeps_its_arrow() -> None:
    f = Figure("arrive_median", "Time to arrive, median", "seconds", 6990.0, 6900.0, None, "lower")
    assert f.arrow == "▲ worse"  # 1h56m after 1h55m
    assert arrow(0.9, 0.8, "higher", "share") == "▲ better" and arrow(100, 100.4, None, "count") == "= same"
