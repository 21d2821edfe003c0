"""The callback loop's settings (docs/rules.md §5 "Settings"): their defaults
and the check of a value. Apart from store/rules/evaluations.py (which
re-exports them) so that the settings check a file runs when it opens does
not define that module's input and output models (29 ms of the console's
start)."""

from __future__ import annotations

from typing import Any

from ..errors import RuleViolation
from ..i18n import _

# Settings of the loop, with their defaults (docs/rules.md "Settings").
SETTINGS: dict[str, Any] = {
    "callback_manager_share": 0.10,
    "score_satisfied": 10,
    "score_basic": 8,
    "score_unsatisfied": 6,
    "callback_attempts": 3,
}
SCORE_KEYS = {"satisfied": "score_satisfied", "basic": "score_basic", "unsatisfied": "score_unsatisfied"}


def check_setting(key: str, value: Any) -> Any:
    """The value to store for one of the loop's settings, or RuleViolation.
    Text as typed after 'dispatch set' is read as a number first."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = float(text) if key == "callback_manager_share" else int(text)
        except ValueError:
            pass  # refused below, with the setting's own message
    if key == "callback_manager_share":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise RuleViolation(_("callback_manager_share must be a share from 0 to 1, e.g. 0.1"))
        return float(value)
    if key == "callback_attempts":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
            raise RuleViolation(_("callback_attempts must be a whole number from 1 to 10"))
        return value
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise RuleViolation(_("{key} must be a whole number of points from 0 to 100").format(key=key))
    return value
