"""Which web pages may open a console of ``dispatch serve`` (console/cli/web.py
says why). Kept apart from the server so the command line can check
``--origin`` without loading aiohttp."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Origin = tuple[str, str, int]  # scheme, host (lower case, no brackets), port
DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_origin(text: str | None) -> Origin | None:
    """An ``Origin`` header or ``--origin`` value as (scheme, host, port), or
    None when it is none (missing, ``null``, another scheme, a path)."""
    if not text:
        return None
    try:
        url = urlsplit(text.strip())
        port = url.port
    except ValueError:
        return None
    if url.scheme not in DEFAULT_PORTS or not url.hostname or url.path not in ("", "/") or url.query \
            or url.fragment or url.username is not None:
        return None
    return url.scheme, url.hostname.lower(), port or DEFAULT_PORTS[url.scheme]


def origin_text(origin: Origin) -> str:
    scheme, host, port = origin
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" + ("" if DEFAULT_PORTS[scheme] == port else f":{port}")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class OriginPolicy:
    """Which pages may open a console: see the module's docstring."""

    bind_host: str
    extra: frozenset[Origin] = field(default_factory=frozenset)

    def own_host(self, host: str) -> bool:
        """A Host this server answers to as itself: an address, localhost, the
        --host, or a proxy's name given with --origin."""
        return (_is_ip(host) or host == "localhost" or host == self.bind_host.strip("[]").lower()
                or any(host == name for _scheme, name, _port in self.extra))

    def allows(self, origin_header: str | None, host_header: str | None) -> bool:
        origin = parse_origin(origin_header)
        if origin is None:
            return False
        if origin in self.extra:
            return True
        try:
            host = urlsplit("//" + (host_header or "").strip())
            host_name, host_port = (host.hostname or "").lower(), host.port
        except ValueError:
            return False
        scheme, name, port = origin
        # The scheme is not compared: behind a proxy with TLS the request comes
        # here as http while the page is https, under the same name and port.
        return (bool(host_name) and self.own_host(host_name) and host_name == name
                and (host_port or DEFAULT_PORTS[scheme]) == port)
