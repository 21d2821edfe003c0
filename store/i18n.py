"""The one translation function for every visible string (gettext, English first).

Lives in ``store`` because store error messages are shown to users too; the
console re-exports it. Catalogues go in ``store/locale/<lang>/LC_MESSAGES/dispatch.mo``.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

_LOCALE_DIR = Path(__file__).with_name("locale")
_translation: gettext.NullTranslations = gettext.NullTranslations()


def set_language(lang: str | None) -> None:
    """Switch the catalogue; unknown languages fall back to English."""
    global _translation
    langs = [lang] if lang else None
    _translation = gettext.translation(
        "dispatch", localedir=_LOCALE_DIR, languages=langs, fallback=True
    )


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


set_language(os.environ.get("DISPATCH_LANG"))
