"""``python -m console.cli`` is ``dispatch``."""

from console.cli import main

main()
