"""The periods and scopes a report covers (docs/rules.md §8): a day, a week,
a month or a range of days, for the whole center or one team, technician,
site or equipment type. Pure: no SQL, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from ..errors import RuleViolation
from ..i18n import _
from ..labels import category_label

PeriodKind = Literal["day", "week", "month", "custom"]
ScopeKind = Literal["center", "team", "technician", "site", "category"]
SCOPE_KINDS: tuple[ScopeKind, ...] = ("center", "team", "technician", "site", "category")


@dataclass(frozen=True)
class Period:
    """Local days ``start`` .. ``end`` (exclusive) in the site's zone."""

    kind: PeriodKind
    start: date
    end: date

    @classmethod
    def day(cls, d: date) -> Period:
        return cls("day", d, d + timedelta(days=1))

    @classmethod
    def week(cls, d: date) -> Period:
        """The ISO week (Monday first) holding ``d``."""
        monday = d - timedelta(days=d.weekday())
        return cls("week", monday, monday + timedelta(days=7))

    @classmethod
    def month(cls, d: date) -> Period:
        first = date(d.year, d.month, 1)
        nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        return cls("month", first, nxt)

    @classmethod
    def custom(cls, start: date, last: date) -> Period:
        """``start`` to ``last`` inclusive."""
        if last < start:
            raise RuleViolation(_("The period ends ({last}) before it starts ({start})").format(last=last, start=start))
        return cls("custom", start, last + timedelta(days=1))

    @classmethod
    def parse_month(cls, text: str) -> Period:
        try:
            year, mon = (int(p) for p in text.strip().split("-"))
            return cls.month(date(year, mon, 1))
        except (ValueError, TypeError):
            raise RuleViolation(_("A month is written YYYY-MM, e.g. 2026-11, not {m}").format(m=text)) from None

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        """The period just before: the day, week or calendar month before; a
        custom range the same number of days before."""
        if self.kind == "month":
            return Period.month(self.start - timedelta(days=1))
        return Period(self.kind, self.start - timedelta(days=self.days), self.start)

    def following(self) -> Period:
        if self.kind == "month":
            return Period.month(self.end)
        return Period(self.kind, self.end, self.end + timedelta(days=self.days))

    def label(self) -> str:
        if self.kind == "month":
            return self.start.strftime("%Y-%m")
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "week":
            year, week, _day = self.start.isocalendar()
            return f"{year}-W{week:02d} ({self.start.isoformat()})"
        return f"{self.start.isoformat()} – {(self.end - timedelta(days=1)).isoformat()}"

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]


@dataclass(frozen=True)
class Scope:
    """Whose tickets: the whole center, or one team, technician, site or
    equipment type (``value``: the id, or the category text)."""

    kind: ScopeKind = "center"
    value: int | str | None = None
    name: str = ""

    def label(self) -> str:
        if self.kind == "center":
            return _("whole center")
        # An equipment type picked without a name (a drill from the legend) shows its name, not its code.
        name = self.name or (category_label(str(self.value)) if self.kind == "category" else self.value)
        return _("{kind}: {name}").format(kind=scope_word(self.kind), name=name)


def scope_word(kind: str) -> str:
    return {"center": _("center"), "team": _("team"), "technician": _("technician"), "site": _("site"),
            "category": _("equipment type")}.get(kind, kind)
