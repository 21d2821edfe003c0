"""The shift handed over, exported (docs/rules.md "Handing over a shift"):
plain text for a chat message, and a printable sheet, A4 portrait, as the
unsatisfied-callback form is printed (callback_form.py): an XlsxWriter
workbook fitted to the page width, written beside its name and renamed into
place when complete (or made in memory for a browser tab's download)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ..files import FailOnce, replace_when_done, scratch_beside
from ..i18n import _, ngettext
from ..repo.handover import Handover
from ..text import clean
from .xlsx import new_book


def heading(h: Handover, tz: str, by: str) -> str:
    """"Handover by mei.lin, 12-07 08:00 – 16:00: 5 items need action"."""
    return _("Handover by {by}, {since} – {until}: {items}").format(
        by=clean(by, single_line=True), since=h.since.in_timezone(tz).format("MM-DD HH:mm"),
        until=h.until.in_timezone(tz).format("MM-DD HH:mm"),
        items=ngettext("{n} item needs action", "{n} items need action", h.items).format(n=h.items))


def note_lines(h: Handover, tz: str) -> list[str]:
    if h.note is None:
        return []
    head = _("Note from {by}, {at}:").format(by=clean(h.note.by, single_line=True),
                                            at=h.note.at.in_timezone(tz).format("MM-DD HH:mm"))
    return [head, *("  " + clean(x, single_line=True) for x in h.note.body.splitlines() if x.strip())]


def more_line(shown: int, total: int) -> str | None:
    return _("… and {n} more").format(n=total - shown) if total > shown else None


def chat_text(h: Handover, tz: str, by: str) -> str:
    """The handover as plain text for a chat message: no colour, no markup,
    one line per ticket under each group that has any."""
    out = [heading(h, tz, by)]
    note = note_lines(h, tz)
    if note:
        out += ["", *note]
    empty = []
    for g in h.groups:
        if not g.total:
            empty.append(g.title)
            continue
        out += ["", f"{g.title} ({g.total})"]
        out += [f"  #{x.ticket} {x.text}" for x in g.lines]
        more = more_line(len(g.lines), g.total)
        if more:
            out.append("  " + more)
    if empty:
        out += ["", _("Nothing: {groups}").format(groups=", ".join(empty))]
    return "\n".join(out) + "\n"


def write_handover_sheet(h: Handover, tz: str, by: str, path: Path) -> None:
    """The sheet at ``path`` (an .xlsx), replaced only once it is whole."""
    with replace_when_done(path) as tmp, scratch_beside(path) as scratch, tmp.open("wb") as fh:
        _write(h, tz, by, FailOnce(fh), scratch)


def handover_sheet_bytes(h: Handover, tz: str, by: str) -> bytes:
    """The same sheet made in memory (a console in a browser tab downloads it)."""
    buf = io.BytesIO()
    _write(h, tz, by, buf, None)
    return buf.getvalue()


def _write(h: Handover, tz: str, by: str, out: Any, scratch: Path | None) -> None:
    book, f = new_book(out, scratch, streamed=False)
    ws = book.add_worksheet(_("Handover"))
    ws.set_paper(9)  # A4
    ws.set_portrait()
    ws.fit_to_pages(1, 0)  # the page's width; as many pages as it takes
    ws.set_margins(left=0.6, right=0.6, top=0.7, bottom=0.7)
    ws.repeat_rows(0)
    ws.set_column(0, 0, 9)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 62)
    ws.merge_range(0, 0, 0, 2, heading(h, tz, by), f["title"])
    row = 2
    note = note_lines(h, tz)
    if note:
        ws.write_string(row, 0, note[0], f["label"])
        ws.merge_range(row, 1, row, 2, "\n".join(x.strip() for x in note[1:]), f["box"])
        ws.set_row(row, 15 * max(1, len(note) - 1))
        row += 2
    for g in h.groups:
        ws.merge_range(row, 0, row, 2, f"{g.title} ({g.total})", f["head"])
        row += 1
        for x in g.lines:
            ws.write_string(row, 0, f"#{x.ticket}", f["wrap"])
            ws.write_string(row, 1, x.at.in_timezone(tz).format("MM-DD HH:mm") if x.at is not None else "", f["wrap"])
            ws.write_string(row, 2, x.text, f["wrap"])
            row += 1
        more = more_line(len(g.lines), g.total)
        if more:
            ws.write_string(row, 2, more, f["wrap"])
            row += 1
        row += 1
    ws.write_string(row, 0, _("Handed over by"), f["label"])
    ws.merge_range(row, 1, row, 2, "", f["box"])
    ws.write_string(row + 1, 0, _("Taken over by"), f["label"])
    ws.merge_range(row + 1, 1, row + 1, 2, "", f["box"])
    ws.set_row(row, 30)
    ws.set_row(row + 1, 30)
    ws.print_area(0, 0, row + 1, 2)
    book.close()
