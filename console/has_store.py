"""What a screen knows of its app: the Store (``DispatchApp.store``), typed,
without importing the app (the app imports the screens)."""

from __future__ import annotations

from typing import Protocol

from store import Store


class HasStore(Protocol):
    store: Store
