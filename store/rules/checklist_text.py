"""A plan's checklists as lines of text, for the console's plan form
(issue 25): one item a line, ``category | key | label``, and a measurement
with a fourth part, its unit and bounds::

    atm | reader | Card reader clean
    atm | volts | Battery voltage | V 12..14
    ups | temp | Room temperature | °C ..30

Blank lines and lines starting with ``#`` are left out. The bounds are
``LOW..HIGH`` (either may be left out); the rest of the fourth part is the
unit; an empty fourth part is a measurement with neither. Pure: the text
back and forth, each item checked as the store checks it, a refusal naming
its line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ValidationFailed
from ..i18n import _
from ..labels import CATEGORIES, Category
from ..validation import validate
from .inspections import ChecklistItem


def checklist_lines(checklists: Mapping[Category, Sequence[ChecklistItem]]) -> str:
    """The checklists as the form shows them, categories in order."""
    lines: list[str] = []
    for category in sorted(checklists):
        for item in checklists[category]:
            parts = [category, item.key, item.label]
            if item.kind == "measure":
                bounds = ""
                if item.low is not None or item.high is not None:
                    bounds = f"{'' if item.low is None else item.low}..{'' if item.high is None else item.high}"
                parts.append(" ".join(x for x in (item.unit, bounds) if x))
            lines.append(" | ".join(parts))
    return "\n".join(lines)


def _measure(text: str) -> dict[str, Any]:
    words = text.split()
    bounds = [w for w in words if ".." in w]
    out: dict[str, Any] = {"kind": "measure", "unit": " ".join(w for w in words if ".." not in w)}
    if len(bounds) > 1:
        raise ValueError(_("one range of bounds, e.g. 12..14"))
    if bounds:
        low, _sep, high = bounds[0].partition("..")
        out["low"], out["high"] = low or None, high or None
    return out


def parse_checklist_lines(text: str) -> dict[str, list[dict[str, Any]]]:
    """The checklists a form's text gives, each item checked; ValidationFailed
    on ``checklists`` naming the first line refused."""
    out: dict[str, list[dict[str, Any]]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        try:
            if len(parts) not in (3, 4):
                raise ValueError(_("category | key | label, and for a measurement | unit LOW..HIGH"))
            category, key, label = parts[:3]
            if category not in CATEGORIES:
                raise ValueError(_("{category} is not an equipment category: one of {choices}").format(
                    category=category, choices=", ".join(CATEGORIES)))
            item: dict[str, Any] = {"key": key, "label": label}
            if len(parts) == 4:
                item |= _measure(parts[3])
            checked = validate(ChecklistItem, item)
        except ValueError as exc:
            raise ValidationFailed.one("checklists", _("line {n}: {why}").format(n=number, why=exc)) from None
        except ValidationFailed as exc:
            why = "; ".join(v if k == "_" else f"{k}: {v}" for k, v in exc.errors.items())
            raise ValidationFailed.one("checklists", _("line {n}: {why}").format(n=number, why=why)) from None
        out.setdefault(category, []).append(checked.model_dump(mode="json", exclude_defaults=True))
    return out
