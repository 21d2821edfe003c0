"""A person's notification addresses (issue 24) in a form: the Users screen
and the technicians in Setup open it with 'm'. Written through the same
store calls as ``dispatch user address`` / ``dispatch tech address``, checked
by the same function (store/delivery.py ``check_addresses``).

An address holds secrets (a password, a bot's token), so the form never
shows one: the addresses there now are listed masked, as the CLI prints
them, and stand in the field as ``#1``, ``#2``… A line left as ``#2`` keeps
that address as it is, a line removed drops it, a new URL adds one; an empty
field clears them all (asked first)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from textual.widgets import TextArea

from store.errors import RuleViolation

from ..background import read
from ..i18n import _, ngettext
from .form import ActionForm, Field

# Entries are separated by new lines, or by commas before the next address
# (an Apprise URL may hold commas itself: mailto://…?to=a@x.org,b@x.org).
_SPLIT = re.compile(r"\n|,\s*(?=#\d|[A-Za-z][A-Za-z0-9+.-]{0,31}://)")
_KEEP = re.compile(r"#(\d{1,3})")
FIELD_MAX = 25_000  # MAX_ADDRESSES addresses of MAX_URL, with separators


def entries(text: str) -> list[str]:
    """What was typed, one entry each (blank ones dropped)."""
    return [e.strip() for e in _SPLIT.split(text or "") if e.strip()]


def resolve(typed: list[str], current: list[str]) -> list[str]:
    """``#n`` entries as the n-th address held now; the rest as typed."""
    out = []
    for entry in typed:
        m = _KEEP.fullmatch(entry)
        if m is None:
            out.append(entry)
            continue
        n = int(m[1])
        if not 1 <= n <= len(current):
            raise RuleViolation(_("#{n} is not one of the addresses listed above").format(n=n), "addresses")
        out.append(current[n - 1])
    return out


def _labels(urls: list[str]) -> list[str]:
    from store.delivery import address_label  # Apprise: imported in the reading thread, on first use

    return [address_label(u) for u in urls]


async def open_address_form(node: Any, who: str, current: Callable[[], list[str]],
                            write: Callable[[list[str]], list[str]], done: Callable[[Any], None]) -> None:
    """Read ``who``'s addresses (``current``, in a thread, with their masked
    labels), then open the form; ``write`` (in a thread) saves the list."""
    urls, labels = await read(lambda: (lambda u: (u, _labels(u)))(current()))
    listed = "\n".join(f"#{n}  {label}" for n, label in enumerate(labels, 1)) or _("none: nothing is sent to them")
    hint = (_("Addresses now:") + "\n" + listed + "\n\n"
            + _("Apprise URLs, one per line or separated by commas (e.g. mailto://user:password@smtp.example.com"
                "?to=name@example.com, wecombot://KEY, dingtalk://TOKEN). #1 keeps address 1 as it is; "
                "an empty field clears them all."))
    fields = [Field("addresses", _("Addresses"), "text", value="\n".join(f"#{n}" for n in range(1, len(urls) + 1)),
                    max_length=FIELD_MAX)]

    def submit(values: dict[str, Any], version: int) -> list[str]:
        checked = resolve(entries(values.get("addresses") or ""), urls)
        try:
            return write(checked)
        except RuleViolation as exc:  # the store's check of an address: said beside the field
            if exc.field:
                raise
            raise RuleViolation(str(exc), "addresses") from None

    def confirm(values: dict[str, Any]) -> str | None:
        if urls and not entries(values.get("addresses") or ""):
            return ngettext("Clear the {n} notification address of {who}? Nothing is sent to them then.",
                            "Clear the {n} notification addresses of {who}? Nothing is sent to them then.",
                            len(urls)).format(n=len(urls), who=who)
        return None

    def saved(result: Any) -> None:
        if result is not None:
            node.notify(ngettext("{who}: {n} notification address saved.", "{who}: {n} notification addresses saved.",
                                 len(result)).format(who=who, n=len(result)) if result else
                        _("{who} has no notification address: nothing is sent to them.").format(who=who), markup=False)
        done(result)

    title = _("Notification addresses of {who}").format(who=who)
    node.app.push_screen(AddressForm(title, fields, submit, 0, hint=hint, confirm=confirm), saved)


class AddressForm(ActionForm):
    """The cursor after the addresses kept (#1, #2…), not all of them
    selected: what is typed first is a new address, added, not a
    replacement of every address there is."""

    def on_mount(self) -> None:
        # Textual calls ActionForm's own on_mount after this one (it selects a prefilled text): after it.
        self.call_after_refresh(self._to_end)

    def _to_end(self) -> None:
        box = self.query_one("#f-addresses", TextArea)
        box.move_cursor(box.document.end)

