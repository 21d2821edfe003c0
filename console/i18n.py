"""Re-export of the one translation function (it lives in store.i18n)."""

from store.i18n import _, ngettext, set_language

__all__ = ["_", "ngettext", "set_language"]
