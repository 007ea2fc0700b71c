"""The rich consoles: stdout for results, stderr for messages.

Colour follows rich's rules: off when ``NO_COLOR`` is set or the stream is not a
terminal, on with ``FORCE_COLOR``.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console


def stdout(*, quiet: bool = False) -> Console:
    return Console(highlight=False, quiet=quiet, soft_wrap=False)


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def render_to_text(draw: Callable[[Console], None], width: int = 120) -> str:
    """Render with ``draw`` into plain text (for ``-o FILE`` with a table format)."""
    import io

    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    draw(console)
    return console.export_text()
