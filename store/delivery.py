"""Delivery of one message to a person's addresses, through Apprise (issue 24):
e-mail through the center's SMTP, WeCom/DingTalk/Feishu bots, Telegram, SMS
gateways, a JSON webhook. No sender is written by hand.

``send`` blocks for up to ``timeout`` seconds per address (a host that does
not answer is waited for; a refused connection fails at once), so it is
never called on the console's UI thread nor inside a write: the sender
process (``dispatch notify``) calls it between its short transactions.

An address holds secrets (passwords, bot tokens), so nothing here ever puts
one in a message: an address is named by its place in the list and its
service ("address 2 (E-Mail)"), and a failure by our own words for what went
wrong, found in Apprise's log lines but never quoting them. Apprise's own log
is kept out of the process's log for the same reason.

``Retry`` is the schedule after a failure (pure): when the next attempt is
due, and when to give up.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from pendulum import DateTime

from .errors import RuleViolation
from .i18n import _
from .text import clean

DEFAULT_TIMEOUT_S = 15.0
MAX_ADDRESSES = 10  # per person
MAX_URL = 2000
EXAMPLES = "mailto://user:password@smtp.example.com?to=name@example.com, wecombot://KEY, dingtalk://TOKEN, json://host/path"
_SCHEMA = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]{0,31})://")
_BAD_CHARS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def _apprise() -> ModuleType:
    """Apprise, imported on first use (half a second to two: only the sender
    and an address check pay it). Its log lines can quote a URL's token, so
    they never reach the process's log; at DEBUG they reach only the result
    of a call, where _reason reads them. Set before the import: importing
    Apprise already logs (its locale), which reached the process's log when
    a command's first send was also its first import."""
    log = logging.getLogger("apprise")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    import apprise

    return apprise


# ------------------------------------------------------------- addresses

def _schema(url: str) -> str:
    m = _SCHEMA.match(url)
    return m[1].lower() if m else "?"


def check_address(url: Any, n: int = 1) -> str:
    """The address to store (stripped), or RuleViolation: one line naming
    address ``n`` and at most its schema, never the rest (it may hold a token)."""
    text = url.strip() if isinstance(url, str) else ""
    if not text:
        raise RuleViolation(_("notification address {n} is empty").format(n=n))
    if len(text) > MAX_URL or _BAD_CHARS.search(text):
        raise RuleViolation(_("notification address {n} has spaces or control characters, or is longer than {max}").format(
            n=n, max=MAX_URL))
    if _apprise().Apprise.instantiate(text) is None:
        raise RuleViolation(_("notification address {n} ({schema}://…) is not one Apprise can send to; e.g. {examples}").format(
            n=n, schema=_schema(text), examples=EXAMPLES))
    return text


def check_addresses(urls: Sequence[Any]) -> list[str]:
    """A person's addresses checked, duplicates once; none is allowed (none: nothing is sent)."""
    if len(urls) > MAX_ADDRESSES:
        raise RuleViolation(_("at most {n} notification addresses per person").format(n=MAX_ADDRESSES))
    return list(dict.fromkeys(check_address(u, i) for i, u in enumerate(urls, 1)))


def address_label(url: str) -> str:
    """An address as shown: its service and the URL with secrets masked
    (Apprise's privacy form), no query, and any long path part that is not an
    e-mail address masked too (a webhook's path is often its token)."""
    plugin = _apprise().Apprise.instantiate(url)
    if plugin is None:
        return _("{schema}:// (not a valid address)").format(schema=_schema(url))
    head, sep, path = str(plugin.url(privacy=True)).split("?", 1)[0].partition("://")
    host, slash, rest = path.partition("/")
    parts = [p if len(p) < 8 or "@" in p or "%40" in p else f"{p[0]}...{p[-1]}" for p in rest.split("/")]
    return clean(f"{plugin.service_name} · {head}{sep}{host}{slash}{'/'.join(parts)}", single_line=True, limit=200)


# -------------------------------------------------------------- sending

@dataclass(frozen=True)
class Outcome:
    index: int  # 1-based, in the list given to send()
    service: str  # Apprise's name for it: "E-Mail", "JSON", "WeCom Bot"
    ok: bool
    reason: str | None = None  # one line, ours


@dataclass(frozen=True)
class Delivery:
    outcomes: tuple[Outcome, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        """Every address took it (no address at all: nothing to do, and no error)."""
        return all(o.ok for o in self.outcomes)

    @property
    def failed(self) -> tuple[int, ...]:
        """The addresses to try again (1-based): those that took it are not sent to twice."""
        return tuple(o.index for o in self.outcomes if not o.ok)

    @property
    def error(self) -> str | None:
        bad = [_("address {n} ({service}): {reason}").format(n=o.index, service=o.service, reason=o.reason)
               for o in self.outcomes if not o.ok]
        return "; ".join(bad) or None


def send(urls: Sequence[str], title: str, body: str, *, timeout: float = DEFAULT_TIMEOUT_S) -> Delivery:
    """Send one plain-text message to each address, one after the other, each
    given at most ``timeout`` seconds. Never raises for a delivery problem."""
    started = time.monotonic()
    outcomes = tuple(_send_one(i, url, title, body, timeout) for i, url in enumerate(urls, 1))
    return Delivery(outcomes, time.monotonic() - started)


def _send_one(index: int, url: str, title: str, body: str, timeout: float) -> Outcome:
    apprise = _apprise()
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return Outcome(index, _schema(url), False, _("not an address Apprise can send to"))
    service = clean(str(plugin.service_name), single_line=True, limit=40)
    # Each socket wait no longer than the whole call may take (Apprise's own
    # defaults: 4 s to connect, 4 s to read; SMTP 15 s).
    plugin.socket_connect_timeout = min(float(plugin.socket_connect_timeout), timeout)
    plugin.socket_read_timeout = min(float(plugin.socket_read_timeout), timeout)
    try:
        box = apprise.Apprise()
        box.add(plugin)
        result = box.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT, timeout=timeout,
                            log_level=logging.DEBUG)
        if result:
            return Outcome(index, service, True)
        lines = [str(entry.message) for entry in result.logs()]
        return Outcome(index, service, False, _reason(result.status.name, lines, timeout))
    except Exception:  # a plugin's own bug: one failed attempt, never a traceback in the sender
        return Outcome(index, service, False, _("the notification library failed"))


def _reason(status: str, lines: Sequence[str], timeout: float) -> str:
    """Our words for a failure, from Apprise's status and log lines (read, never quoted)."""
    text = " ".join(lines)
    if status == "TIMEOUT" or re.search(r"timed? ?out", text, re.I):
        return _("no answer within {n} s").format(n=f"{timeout:g}")
    if re.search(r"refused", text, re.I):
        return _("connection refused")
    if re.search(r"NameResolution|Name or service not known|getaddrinfo|nodename nor servname|No address associated", text):
        return _("host name not found")
    if re.search(r"\bSSL\b|\bTLS\b|certificate", text, re.I):
        return _("TLS (SSL) error")
    m = re.search(r"error=(\d{3})\b", text)
    if m and m[1] in ("401", "403"):
        return _("credentials refused (HTTP {code})").format(code=m[1])
    if m:
        return _("the service answered HTTP {code}").format(code=m[1])
    if re.search(r"authenticat|login", text, re.I):
        return _("authentication failed")
    if re.search(r"connect", text, re.I):
        return _("could not connect")
    return _("the service did not take the message")


# ------------------------------------------------------------ retrying

@dataclass(frozen=True)
class Retry:
    """After a failed attempt, wait ``first_s``, then twice as long each time
    up to ``max_s``; give up after ``attempts`` attempts in all (8: the
    last 2 h 3 min after the first; the failure is then shown, not retried)."""

    attempts: int = 8
    first_s: int = 60
    max_s: int = 3600

    def delay_s(self, done: int) -> int:
        """Seconds from the ``done``-th failed attempt to the next."""
        return min(self.max_s, self.first_s << max(0, done - 1))

    def gives_up(self, done: int) -> bool:
        return done >= self.attempts

    def next_at(self, done: int, last_at: DateTime) -> DateTime | None:
        """When attempt ``done + 1`` is due, ``done`` attempts having failed,
        the last at ``last_at``; None: give up (``done`` 0: due now)."""
        if self.gives_up(done):
            return None
        return last_at if done == 0 else last_at.add(seconds=self.delay_s(done))

    def to_json(self) -> dict[str, int]:
        return {"attempts": self.attempts, "first_s": self.first_s, "max_s": self.max_s}


def check_retry(value: Any) -> Retry:
    """The ``notify_retry`` setting, e.g. {"attempts": 8, "first_s": 60, "max_s": 3600}; RuleViolation otherwise."""
    example = '{"attempts": 8, "first_s": 60, "max_s": 3600}'
    if not isinstance(value, dict) or set(value) - {"attempts", "first_s", "max_s"}:
        raise RuleViolation(_("notify_retry takes attempts, first_s and max_s, e.g. {example}").format(example=example))
    merged = {**Retry().to_json(), **value}
    limits = {"attempts": (1, 50), "first_s": (10, 86400), "max_s": (10, 7 * 86400)}
    for key, (lo, hi) in limits.items():
        v = merged[key]
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise RuleViolation(_("notify_retry {key} must be a whole number from {lo} to {hi}").format(key=key, lo=lo, hi=hi))
    if merged["max_s"] < merged["first_s"]:
        raise RuleViolation(_("notify_retry max_s must be at least first_s"))
    return Retry(**merged)


__all__ = [
    "DEFAULT_TIMEOUT_S", "Delivery", "Outcome", "Retry", "address_label", "check_address", "check_addresses",
    "check_retry", "send",
]
