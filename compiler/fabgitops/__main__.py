"""Allow ``python -m fabgitops``."""

from fabgitops.cli import main

main()
