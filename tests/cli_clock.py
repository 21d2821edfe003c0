"""The CLI's Store reads the test's clock (the store's default clock is patched)."""

from __future__ import annotations

import pytest

import store.context


def use_clock(monkeypatch: pytest.MonkeyPatch, clock: object) -> None:
    monkeypatch.setattr(store.context, "system_clock", clock)
