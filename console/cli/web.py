"""The web server behind ``dispatch serve``: textual-serve's, with two changes.

**Only the page's own origin may open a console.** A browser lets any web page
open a websocket to any address, 127.0.0.1 included, and sends along the page's
origin; textual-serve (1.1.x) does not look at it, so any site a dispatcher
visited could read the live queue through their browser (and, with ``--as``,
write). The websocket is accepted only from

- the page's own address: an ``Origin`` with the scheme's host and port that
  the request was sent to (its ``Host``), when that host is an IP address,
  ``localhost`` or the ``--host`` given; a DNS name of someone else's that
  resolves to this machine (DNS rebinding) is not one of them;
- an origin given with ``--origin`` (the address of a proxy in front);

and refused with 403 otherwise, a missing ``Origin`` included (every browser
sends one on a websocket; a script that sends none is not a page).

**A font with Chinese glyphs** from this host (console/cli/web_font.py),
offered to the page for the CJK ranges only."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server

from store.i18n import _
from store.text import clean

from .web_font import WebFont
from .web_origin import OriginPolicy

log = logging.getLogger("dispatch.serve")


class DispatchServer(Server):
    """textual-serve's Server with the origin check and the CJK font route."""

    def __init__(self, command: str, *, policy: OriginPolicy, font: WebFont | None, **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self.policy = policy
        self.font = font

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        if self.font is not None:
            app.router.add_get("/fonts/cjk", self.handle_font, name="cjk-font")
        return app

    async def handle_font(self, request: web.Request) -> web.Response:
        assert self.font is not None
        # About 10 MB for a full CJK font: kept by the browser for a day, not fetched per tab.
        return web.Response(body=self.font.data, content_type=self.font.mime,
                            headers={"Cache-Control": "max-age=86400"})

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        context: dict[str, Any] = await Server.handle_index.__wrapped__(self, request)  # type: ignore[attr-defined]
        context["cjk_font"] = "fonts/cjk" if self.font is not None else ""
        return context

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        origin, host = request.headers.get("Origin"), request.headers.get("Host")
        if not self.policy.allows(origin, host):
            log.warning(_("refused a console to a page from {origin} (sent to {host}): not this page's own"
                          " address; a proxy's address needs --origin").format(
                origin=clean(origin or _("no origin"), single_line=True, limit=200),
                host=clean(host or "?", single_line=True, limit=200)))
            raise web.HTTPForbidden(text=_("This page's origin may not open the console."))
        websocket: web.WebSocketResponse = await super().handle_websocket(request)
        return websocket
