"""The queue's columns: which there are, how wide each is at a given
terminal width (the fault text first, then the names), and site names cut to
fit from the left where they share a start."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rich.cells import cell_len

from ..format import cells_prefix, fit, fit_window
from ..i18n import _


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int  # the width without rows; for sized columns the floor when names are long
    drop: int  # dropped first when narrow: higher goes first; 0 never
    flex: bool = False
    most: int = 0  # sized by the names loaded, up to this many cells (0: fixed)


# The fault text is what a dispatcher reads first: it gets this much before
# the name columns grow past their floor.
FAULT_COMFORT = 20


def columns() -> list[Column]:
    # The countdown is the first cell on purpose: Textual 8.2.8 sends a partial
    # update from the widget's left edge to the dirty cell's end
    # (ChopsUpdate.render_segments crops only on the right), so a tick sends
    # seven cells per row instead of a whole line.
    return [
        Column("left", _("Left"), 7, 0),
        Column("sym", "", 1, 0),
        Column("clock", _("Next"), 4, 1),
        Column("id", _("No."), 7, 0),
        Column("prio", _("P"), 2, 0),
        # The highest escalation level nobody has acknowledged ("↑2"): a mark, not a colour.
        Column("esc", "↑", 2, 0),
        Column("status", _("Status"), 8, 3),
        Column("site", _("Site"), 14, 4, most=30),
        Column("equip", _("Equipment"), 9, 6, most=14),
        Column("fault", _("Fault"), 12, 5, flex=True),
        Column("tech", _("Technician"), 10, 2, most=16),
    ]


def layout(width: int, wants: Mapping[str, int] | None = None) -> list[tuple[Column, int, int]]:
    """(column, x, width) that fit in ``width`` cells, dropping columns by rank.

    ``wants`` holds the widest name per sized column in the rows loaded: a
    column of short names shrinks (never below its title), one of long names
    grows up to ``most`` once the fault text has FAULT_COMFORT cells."""
    wants = wants or {}
    cols = columns()
    size = {
        c.key: max(cell_len(c.title), min(c.width, wants[c.key])) if c.most and c.key in wants else c.width
        for c in cols
    }

    def need(cs: list[Column]) -> int:
        return sum(size[c.key] for c in cs) + len(cs) - 1
    while need(cols) > width and any(c.drop for c in cols):
        cols.remove(max(cols, key=lambda c: c.drop))
    spare = max(0, width - need(cols))
    flex = next((c for c in cols if c.flex), None)
    if flex is not None:
        give = min(spare, max(0, FAULT_COMFORT - size[flex.key]))
        size[flex.key] += give
        spare -= give
    for c in cols:
        if c.most and c.key in wants:
            give = min(spare, max(0, min(c.most, wants[c.key]) - size[c.key]))
            size[c.key] += give
            spare -= give
    last = flex or (cols[-1] if cols else None)
    if last is not None:
        size[last.key] += spare
    out, x = [], 0
    for c in cols:
        out.append((c, x, size[c.key]))
        x += size[c.key] + 1
    return out


def _cut_left(text: str, width: int) -> str:
    """Keep the end of ``text`` in ``width`` cells, '…' marking the cut; start
    at a word if that still fills half the cell ("…Zhongguancun", not "…k Zhongguancun")."""
    if len(text) <= fit_window(width) and cell_len(text) <= width:
        return text
    # The end that fits, found on at most fit_window(width) characters (the
    # old one-character-at-a-time trim was quadratic in the name's length).
    text = cells_prefix(text[-fit_window(width):][::-1], width - 1)[::-1]
    space = text.find(" ")
    if 0 <= space < len(text) - 1 and cell_len(text[space + 1:]) >= width // 2:
        text = text[space + 1:]
    return "…" + text


def _shared_start(a: str, b: str) -> str:
    """The start two strings share (of sorted names, the first and last share
    what all do)."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


@dataclass(frozen=True)
class SiteNames:
    """What tells the sites in view apart, learnt from the names loaded.

    Site names run from the general to the particular ("建设银行 亚运村支行",
    "Hang Seng Bank Zhongguancun Sub-branch"): when one does not fit, drop
    the prefix every site shares, then a designation word several sites end
    with ("Branch"), then cut from the left so the branch part stays."""

    prefix: str = ""
    designations: frozenset[str] = frozenset()

    @classmethod
    def learn(cls, names: Iterable[str]) -> SiteNames:
        distinct = sorted(set(names))
        prefix = _shared_start(distinct[0], distinct[-1]) if len(distinct) > 1 else ""
        if " " in prefix:
            prefix = prefix[:prefix.rindex(" ") + 1]  # whole words only
        elif len(prefix) < 2 or any(cell_len(ch) < 2 for ch in prefix):
            prefix = ""  # unspaced scripts (工商银行北京…) may share characters; Latin text only words
        # "Bank Place Branch": a last word several three-word names end with
        # says what kind of site it is, not which. Two-word names ("建设银行
        # 朝阳支行") keep theirs: there the last word is the branch itself.
        ends = Counter(words[-1].casefold() for words in (n.split() for n in distinct) if len(words) >= 3)
        return cls(prefix, frozenset(w for w, n in ends.items() if n > 1))

    def fit(self, name: str, width: int) -> str:
        def wider(text: str) -> bool:  # measured on a bounded window only (a name may be a megabyte)
            return len(text) > fit_window(width) or cell_len(text) > width

        if wider(name) and self.prefix and name.startswith(self.prefix) and name != self.prefix:
            name = name[len(self.prefix):]
        words = name.split()
        if wider(name) and len(words) >= 3 and words[-1].casefold() in self.designations:
            name = " ".join(words[:-1])
        return fit(_cut_left(name, width), width)
