"""Re-export of the one translation function (it lives in store.i18n), and
the language a console speaks to whoever is at the keyboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from store.i18n import N_, _, current_language, ngettext, pick_language, set_language

if TYPE_CHECKING:
    from store import Store

__all__ = ["N_", "_", "current_language", "language_for", "ngettext", "pick_language", "set_language"]


def language_for(store: Store) -> str | None:
    """The acting user's own language if they chose one (users.language),
    else the environment's (DISPATCH_LANG, then LC_ALL/LC_MESSAGES/LANG).
    Here, below the screens: the app asks it at start and the users screen
    when someone changes their own language."""
    me = store.users.me()
    return me.language if me is not None and me.language else pick_language()
