"""The CLI's Store reads the test's clock (the store's default clock is patched)."""

from __future__ import annotations

import pytest

import store.base


def use_clock(monkeypatch: pytest.MonkeyPatch, clock: object) -> None:
    monkeypatch.setattr(store.base, "system_clock", clock)
