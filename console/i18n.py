"""Re-export of the one translation function (it lives in store.i18n)."""

from store.i18n import N_, _, current_language, ngettext, pick_language, set_language

__all__ = ["N_", "_", "current_language", "ngettext", "pick_language", "set_language"]
