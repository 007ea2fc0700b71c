"""The rich consoles: stdout for results, stderr for messages.

Colour follows rich's rules: off when ``NO_COLOR`` is set or the stream is not a
terminal, on with ``FORCE_COLOR``.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable

from rich.console import Console


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """Let a closed pipe surface as :class:`BrokenPipeError` (rich would exit 1, which
        ``audit`` defines as a breached gate); the command line maps it to its own code."""
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


def stdout(*, quiet: bool = False) -> Console:
    return _Console(highlight=False, quiet=quiet, soft_wrap=False)


def stderr() -> Console:
    return _Console(stderr=True, highlight=False, soft_wrap=True)


def render_to_text(draw: Callable[[Console], None], width: int = 120) -> str:
    """Render with ``draw`` into plain text (for ``-o FILE`` with a table format)."""
    import io

    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    draw(console)
    return console.export_text()
