"""The figures' targets (docs/rules.md §8's reference figures) and the
``report_targets`` setting that changes them. Pure: no SQL, no I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import RuleViolation
from ..i18n import _

Better = Literal["higher", "lower"]


@dataclass(frozen=True)
class Target:
    value: float
    better: Better


# docs/rules.md §8's reference figures. A manager changes them with
# `dispatch set report_targets '{"completion": 0.95}'` (only the keys given change).
DEFAULT_TARGETS: dict[str, Target] = {
    "completion": Target(0.98, "higher"),  # 98 % completion (000)
    "within_4h": Target(0.80, "higher"),  # 80 % of repairs within 4 h (000)
    "response_online_mean": Target(300.0, "lower"),  # first response under 5 min for online requests (002)
    "mttr_mean": Target(48 * 3600.0, "lower"),  # MTTR under 48 h (002)
    "score_mean": Target(8.2, "higher"),  # satisfaction 8.2–8.7 / 10 (002), checked as a floor: ≥ 8.2 is met
    "sla_response": Target(0.95, "higher"),  # 95 % within target (000)
    "sla_onsite": Target(0.95, "higher"),
    "sla_resolve": Target(0.95, "higher"),
    # Engineer told within 15 min (003), held to the share the clocks are (000).
    "notified_within": Target(0.95, "higher"),
}


# Targets that are shares, written as fractions: 0.95 is 95 %.
SHARE_TARGETS = frozenset({"completion", "within_4h", "sla_response", "sla_onsite", "sla_resolve", "notified_within"})


def check_targets(value: Any) -> dict[str, float | None]:
    """The setting ``report_targets``: a mapping of figure key → number (a
    share from 0 to 1), or null to put that key back at its default."""
    if not isinstance(value, dict):
        raise RuleViolation(_("report_targets is a mapping such as {example}").format(example='{"completion": 0.95}'))
    out: dict[str, float | None] = {}
    for key, v in value.items():
        if key not in DEFAULT_TARGETS:
            raise RuleViolation(_("report_targets: unknown figure {key}; known: {known}").format(
                key=key, known=", ".join(DEFAULT_TARGETS)))
        if v is None:
            out[key] = None
            continue
        if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or not math.isfinite(v):
            raise RuleViolation(_("report_targets: {key} must be a number ≥ 0").format(key=key))
        if key in SHARE_TARGETS and v > 1:
            raise RuleViolation(_("report_targets: {key} is a share from 0 to 1 (0.95 for 95 %), not {value}").format(
                key=key, value=v))
        out[key] = float(v)
    return out


def merge_targets(current: Any, given: dict[str, float | None]) -> dict[str, float]:
    """The targets stored after ``dispatch set report_targets``: the keys
    given change (null: back to the default, so the key is dropped), the
    others keep their current value. A damaged current value counts as none."""
    out: dict[str, float] = {}
    if isinstance(current, dict):
        for key, v in current.items():
            try:
                checked = check_targets({key: v})[key]
            except RuleViolation:
                continue
            if checked is not None:
                out[key] = checked
    for key, v in given.items():
        if v is None:
            out.pop(key, None)
        else:
            out[key] = v
    return out


def targets_from(setting: dict[str, Any] | None) -> dict[str, Target]:
    out = dict(DEFAULT_TARGETS)
    for key, v in (setting or {}).items():
        if key in out and isinstance(v, int | float) and not isinstance(v, bool):
            out[key] = Target(float(v), out[key].better)
    return out
