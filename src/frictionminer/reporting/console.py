"""The rich consoles: stdout for results, stderr for messages.

Colour follows rich's rules: off when ``NO_COLOR`` is set or the stream is not a
terminal, on with ``FORCE_COLOR``.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console
from rich.segment import Segment

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""C0 and C1 control characters but tab and newline: from a log, they could clear the
screen, retitle the window or hide text (ESC sequences)."""


def printable(text: str) -> str:
    """``text`` without control characters (tab and newline kept)."""
    return _CONTROL.sub("", text)


class _Console(Console):
    def render(self, renderable: Any, options: Any = None) -> Iterator[Segment]:
        """Every segment without control characters, except rich's own control segments:
        text from a log never reaches the terminal as an escape sequence."""
        for segment in super().render(renderable, options):
            if segment.control or not _CONTROL.search(segment.text):
                yield segment
            else:
                yield Segment(printable(segment.text), segment.style, segment.control)

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
