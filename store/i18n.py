"""The one translation function for every visible string (gettext, English first).

Lives in ``store`` because store error messages are shown to users too; the
console re-exports it. Catalogues go in ``store/locale/<lang>/LC_MESSAGES/dispatch.mo``
(compiled there by ``pip install``, setup.py), or in the folder ``DISPATCH_LOCALE_DIR``
names: the test suite compiles the ``.po`` files into a temporary one, so what it
reads is the catalogue as edited, and the source tree is never written.

``_()`` and ``ngettext()`` read the current catalogue each time they are
called, so the language can change while the console runs. Text defined at
import time (class-level BINDINGS, module-level tables of labels) is marked
with ``N_()`` instead: it stays the English msgid and is translated with
``_()`` where it is shown.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

LOCALE_DIR = Path(os.environ.get("DISPATCH_LOCALE_DIR") or Path(__file__).with_name("locale"))
_localedir: Path = LOCALE_DIR
_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"

# The languages there are catalogues for; "en" is the msgids themselves.
LANGUAGES = ("en", "zh_Hans")
# in_language(): another language for this thread (or task) only, e.g. a
# message in its recipient's language rendered in a worker while the console
# goes on in its user's. (A new thread starts without it.)
_override: ContextVar[tuple[str, gettext.NullTranslations] | None] = ContextVar("dispatch_language", default=None)
_catalogues: dict[tuple[Path, str], gettext.NullTranslations] = {}


def language_name(code: str | None) -> str:
    """A language as its speakers write it (the same in every catalogue, so
    someone lost in the wrong language finds their own); None: the default."""
    return {"en": "English", "zh_Hans": "简体中文"}.get(code or "", _("default (from the environment)"))


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (yet)."""
    return message


def normalize(tag: str | None) -> str | None:
    """A locale name or language tag -> one of LANGUAGES, or None (unknown).

    By hand, not Babel's negotiate_locale: Babel is a build-time tool here, and
    gettext alone finds no ``zh_Hans`` catalogue for ``zh_CN``."""
    if not tag:
        return None
    # "zh_CN.UTF-8", "en_US@euro", "zh-Hans-CN": drop the codeset and modifier.
    tag = tag.split(".", 1)[0].split("@", 1)[0].strip().replace("-", "_")
    low = tag.lower()
    if low in ("c", "posix") or low == "en" or low.startswith("en_"):
        return "en"
    if low in ("zh", "zh_cn", "zh_sg") or low == "zh_hans" or low.startswith("zh_hans_"):
        return "zh_Hans"
    return None


def pick_language(env: Mapping[str, str] = os.environ) -> str | None:
    """The language the environment asks for: DISPATCH_LANG, else the first
    non-empty of LC_ALL, LC_MESSAGES, LANG (as POSIX reads them). None: English."""
    explicit = env.get("DISPATCH_LANG", "").strip()
    if explicit:
        return normalize(explicit)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").strip()
        if value:
            return normalize(value)
    return None


def set_language(lang: str | None, localedir: str | Path | None = None) -> None:
    """Switch the catalogue; unknown languages (and None) are English.
    ``localedir`` points at another catalogue folder (tests) and stays in use
    for later switches until another is given (``LOCALE_DIR``: the package's)."""
    global _translation, _language, _localedir
    if localedir is not None:
        _localedir = Path(localedir)
    code = normalize(lang)
    _translation = gettext.translation(
        "dispatch", localedir=_localedir, languages=[code] if code else ["en"], fallback=True
    )
    _language = code or "en"


def current_language() -> str:
    """The language in use here: in_language's, else the one set last ("en" or "zh_Hans")."""
    override = _override.get()
    return _language if override is None else override[0]


@contextmanager
def in_language(lang: str | None) -> Iterator[str]:
    """Text in ``lang`` (unknown: English) inside the block, in this thread
    only: every ``_()`` below, the labels of other modules included. Yields
    the language used."""
    code = normalize(lang) or "en"
    key = (_localedir, code)
    if key not in _catalogues:
        _catalogues[key] = gettext.translation("dispatch", localedir=_localedir, languages=[code], fallback=True)
    token = _override.set((code, _catalogues[key]))
    try:
        yield code
    finally:
        _override.reset(token)


def _now() -> gettext.NullTranslations:
    override = _override.get()
    return _translation if override is None else override[1]


def _(message: str) -> str:
    override = _override.get()  # (inline, not _now(): this is called for every word on screen)
    return (_translation if override is None else override[1]).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _now().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in ``context``, for one English word with two meanings
    ("site": a bank branch, and the on-site clock in the countdown)."""
    return _now().pgettext(context, message)


set_language(pick_language())
