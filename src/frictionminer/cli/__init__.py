"""The command line: a thin shell over the library.

Each command module parses its options into :class:`~frictionminer.settings.Settings`,
calls one library function, hands the result to a reporter and maps the outcome to an exit
code. Heavy imports (polars, pm4py) happen inside the commands so that ``--help`` is instant.
"""

from frictionminer.cli.app import app, main

__all__ = ["app", "main"]
