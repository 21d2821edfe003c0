"""Console settings: one model, a docstring per field. Tests build their own."""

from __future__ import annotations

import os

from pydantic import BaseModel, Field
from textual.dom import DOMNode


class ConsoleSettings(BaseModel):
    poll_seconds: float = Field(default=1.0, gt=0)
    """How often to ask the file whether another dispatcher changed it (PRAGMA data_version)."""

    cursor_blink: bool = True
    """Blink the text cursor in inputs (off in tests and snapshots)."""

    mouse: bool = True
    """Mouse support; off saves the upstream bytes of mouse tracking over slow SSH (DISPATCH_MOUSE=0)."""

    @classmethod
    def from_env(cls) -> ConsoleSettings:
        return cls(
            poll_seconds=float(os.environ.get("DISPATCH_POLL_SECONDS", "1.0")),
            mouse=os.environ.get("DISPATCH_MOUSE", "1") != "0",
        )


def apply_blink(node: DOMNode) -> None:
    """Inputs and text areas under ``node`` follow the cursor_blink setting."""
    settings: ConsoleSettings = node.app.settings  # type: ignore[attr-defined]
    if not settings.cursor_blink:
        for widget in node.query("Input, TextArea"):
            widget.cursor_blink = False  # type: ignore[attr-defined]
