"""``python -m frictionminer``: the command line."""

from frictionminer.cli import main

main()
