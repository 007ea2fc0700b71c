"""The rich consoles: stdout for results, stderr for messages.

Colour follows rich's rules: off when ``NO_COLOR`` is set or the stream is not a
terminal, on with ``FORCE_COLOR``.
"""

from __future__ import annotations

from rich.console import Console


def stdout(*, quiet: bool = False) -> Console:
    return Console(highlight=False, quiet=quiet, soft_wrap=False)


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)
