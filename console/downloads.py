"""Files from a console in a browser tab: downloads, never the server's disk.

``dispatch serve`` runs each tab's console on the server, so a path typed in
the tab is a path on the server: the export form would write (and replace)
files there for whoever reaches the page, read-only tab or not. In a browser
tab (``App.is_web``) the console therefore never touches a file of the
server: an export is made in memory and sent to the page, which saves it in
the browser's downloads (Textual's ``deliver_binary``, carried by
textual-serve); what needs a file of the server (a CSV import) is refused,
saying how to do it there. A console in a terminal writes to the path typed."""

from __future__ import annotations

import io
import re
from typing import Any

from store.text import clean

from .i18n import _, ngettext

MIME = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}
DELIVERY = "dispatch-download"  # the name on Textual's DeliveryComplete/Failed: not its "screenshot"


def in_browser(app: Any) -> bool:
    """Is this console a browser tab of ``dispatch serve`` (Textual's web driver)?"""
    return bool(getattr(app, "is_web", False))


def name_refusal(text: str) -> str | None:
    """Why ``text`` cannot name a download (the browser picks the folder), or None."""
    name = text.strip()
    if not name:
        return _("the name of the file to download")
    if "/" in name or "\\" in name or name in (".", ".."):
        return _("a browser saves it in its downloads: type only the file's name, no folder")
    return None


def download_name(text: str) -> str:
    """``text`` as the name the browser gets: textual-serve puts it unquoted
    in the Content-Disposition header, where ``;`` and ``"`` would cut it
    short and a control character would break the header."""
    return re.sub(r'[;"\x00-\x1f\x7f]', "_", clean(text.strip(), single_line=True))


def send(app: Any, data: bytes, name: str) -> None:
    """Offer ``data`` to the browser as the download ``name`` (a download_name;
    call on the UI thread)."""
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    app.deliver_binary(io.BytesIO(data), save_filename=name, mime_type=MIME.get(suffix, "application/octet-stream"),
                       name=DELIVERY)


def sent_notice(name: str, rows: int | None = None) -> str:
    shown = clean(name, single_line=True)
    if rows is None:
        return _("Sent to your browser: {name} (see its downloads)").format(name=shown)
    return ngettext("Sent to your browser: {name}, {n:,} row (see its downloads)",
                    "Sent to your browser: {name}, {n:,} rows (see its downloads)", rows).format(name=shown, n=rows)


def import_refusal(table: str) -> str:
    return _("A browser tab cannot import: the file would be read on the server, not on your computer."
             " On the server: dispatch import {table} FILE").format(table=table)
