"""Compiles the translations when the package is built or installed.

The ``.po`` catalogues live in the repository; the ``.mo`` files gettext reads
at run time are made here (also for ``pip install -e``) and never committed,
so a fresh clone gets both languages from one ``pip install``. The test suite
compiles them too, into a folder of its own (tests/conftest.py).
"""

import os
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE = Path(__file__).parent / "store" / "locale"


def compile_catalogues(into: Path = LOCALE) -> None:
    """Each ``<lang>/LC_MESSAGES/dispatch.po`` to ``into/<lang>/LC_MESSAGES/dispatch.mo``
    (beside it by default: what the package ships)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(LOCALE.glob("*/LC_MESSAGES/dispatch.po")):
        with po.open("rb") as f:
            catalog = read_po(f)
        # Written aside, then renamed over: whoever reads the folder meanwhile
        # (a running console, another build) never sees a half-written file.
        mo = into / po.relative_to(LOCALE).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        part = mo.with_name(f"{mo.name}.{os.getpid()}.part")
        with part.open("wb") as f:
            write_mo(f, catalog)
        os.replace(part, mo)


class BuildPyWithCatalogues(build_py):
    def run(self) -> None:
        compile_catalogues()
        # The list of package data was taken before the .mo files existed.
        self.data_files = self._get_data_files()
        super().run()


if __name__ == "__main__":  # setuptools runs this file as __main__; tests/conftest.py imports it for compile_catalogues
    setup(cmdclass={"build_py": BuildPyWithCatalogues})
