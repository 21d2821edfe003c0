"""The shift handed over, exported (docs/rules.md "Handing over a shift"):
plain text for a chat message, and a printable sheet, A4 portrait, as the
unsatisfied-callback form is printed (callback_form.py): an XlsxWriter
workbook fitted to the page width, written beside its name and renamed into
place when complete (or made in memory for a browser tab's download); or the
same sheet as one HTML page with A4 print rules, for a browser's Print (every
text escaped: a ticket's words are never markup)."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

from ..files import FailOnce, replace_when_done, scratch_beside
from ..i18n import _, ngettext
from ..repo.handover import Handover
from ..text import clean
from ..timeutil import zone
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


def write_handover_html(h: Handover, tz: str, by: str, path: Path) -> None:
    """The sheet as an HTML page at ``path``, replaced only once it is whole."""
    with replace_when_done(path) as tmp:
        tmp.write_text(handover_html(h, tz, by), encoding="utf-8")


def handover_html(h: Handover, tz: str, by: str) -> str:
    e = html.escape
    rows = []
    for g in h.groups:
        rows.append(f'<tr class="group"><th colspan="3">{e(g.title)} ({g.total})</th></tr>')
        for x in g.lines:
            when = x.at.in_timezone(zone(tz)).strftime("%m-%d %H:%M") if x.at is not None else ""
            rows.append(f"<tr><td>#{x.ticket}</td><td>{e(when)}</td><td>{e(x.text)}</td></tr>")
        more = more_line(len(g.lines), g.total)
        if more:
            rows.append(f'<tr><td></td><td></td><td>{e(more)}</td></tr>')
    note = note_lines(h, tz)
    title, handed, taken = e(_("Handover")), e(_("Handed over by")), e(_("Taken over by"))
    note_html = (f'<p class="note"><b>{e(note[0])}</b><br>' + "<br>".join(e(x.strip()) for x in note[1:]) + "</p>"
                 if note else "")
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{title}</title><style>"
        "@page { size: A4 portrait; margin: 15mm; } body { font: 10pt sans-serif; }"
        " table { border-collapse: collapse; width: 100%; } td, th { text-align: left; vertical-align: top;"
        " padding: 1mm 2mm; border-bottom: 0.2mm solid #999; } tr.group th { padding-top: 4mm; border-bottom: 0.5mm solid #000; }"
        " .note { border: 0.3mm solid #000; padding: 2mm; } .sign td { height: 12mm; border: 0.3mm solid #000; }"
        " thead { display: table-header-group; } tr { page-break-inside: avoid; }"
        f"</style></head><body><h1>{e(heading(h, tz, by))}</h1>{note_html}"
        f"<table>{''.join(rows)}</table><table class=\"sign\"><tr><th>{handed}</th><td></td></tr>"
        f"<tr><th>{taken}</th><td></td></tr></table></body></html>\n"
    )


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
            ws.write_string(row, 1, x.at.in_timezone(zone(tz)).strftime("%m-%d %H:%M") if x.at is not None else "", f["wrap"])
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
