"""The rich consoles: stdout for results, stderr for messages.

Colour follows rich's rules (off when the stream is not a terminal, on with
``FORCE_COLOR``), but ``NO_COLOR`` (any non-empty value, no-color.org) and ``--no-color``
remove every style, bold and dim included, not only the colours.  Output that does not go
to a terminal is as wide as ``COLUMNS`` says, else as wide as its lines: a table written
with ``>`` is not cut at rich's 80 columns.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from frictionminer import progress

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


_plain = {"on": False}

UNBOUNDED_WIDTH = 1000
"""The width of output that is not a terminal and has no ``COLUMNS``: wider than any table
the commands draw, so nothing is wrapped or cut for the terminal that is not there."""


def set_plain(on: bool) -> None:
    """``--no-color``: every console made after this has no styles (set per command run)."""
    _plain["on"] = on


def plain() -> bool:
    """True when no style may be written: ``--no-color`` or a non-empty ``NO_COLOR``."""
    return _plain["on"] or os.environ.get("NO_COLOR", "") != ""


def _make(*, stderr: bool, quiet: bool = False, soft_wrap: bool) -> Console:
    bare = plain()  # no colour system: rich then writes no style at all, bold and dim too
    console = _Console(
        stderr=stderr,
        highlight=False,
        quiet=quiet,
        soft_wrap=soft_wrap,
        color_system=None if bare else "auto",
        no_color=bare or None,
    )
    if not console.is_terminal and not os.environ.get("COLUMNS", "").strip().isdigit():
        console.width = UNBOUNDED_WIDTH
    return console


def stdout(*, quiet: bool = False) -> Console:
    progress.finish()  # results follow: a progress display gives way
    return _make(stderr=False, quiet=quiet, soft_wrap=False)


def stderr() -> Console:
    return _make(stderr=True, soft_wrap=True)


def render_to_text(draw: Callable[[Console], None], width: int = 120) -> str:
    """Render with ``draw`` into plain text (for ``-o FILE`` with a table format)."""
    import io

    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    draw(console)
    return console.export_text()


def fitted(console: Console, draw: Callable[[int], Table], optional: int) -> Table:
    """The table with as many optional columns as the console's width holds.

    ``draw(k)`` builds it with the ``k`` most important optional columns; the least
    important go first.  Ids are never cut: their column folds (wraps) when even the
    table without any optional column is wider than the terminal.
    """
    unbounded = console.options.update_width(UNBOUNDED_WIDTH * 10)
    for k in range(optional, 0, -1):
        table = draw(k)
        if Measurement.get(console, unbounded, table).maximum <= console.width:
            return table
    return draw(0)


NARROW = 100
"""Below this width a timeline is drawn as stacked blocks rather than a table of six
columns, each of which would wrap word by word."""

TimelineRow = Sequence[str | Text] | Text
"""A step (one cell per header) or a note between steps (a wait, a handoff)."""


def timeline(
    console: Console,
    *,
    title: str,
    headers: Sequence[str],
    rows: Sequence[TimelineRow],
    main: int,
) -> RenderableType:
    """A case's or journey's steps: a table on a wide terminal; on a narrow one each
    step as a block (time and ``headers[main]`` on the first line, the other cells below,
    the last, what the step meant for the customer, on its own line), notes indented."""
    if console.width >= NARROW:
        table = Table(show_lines=False, title=title, title_justify="left")
        for header in headers:
            table.add_column(header)
        for row in rows:
            if isinstance(row, Text):
                cells: list[str | Text] = [""] * len(headers)
                cells[main] = Text("   ") + row
                table.add_row(*cells)
            else:
                table.add_row(*row)
        return table
    blocks: list[RenderableType] = [Text(title, style="italic")] if title else []
    for row in rows:
        if isinstance(row, Text):
            blocks.append(Padding(row, (0, 0, 0, 4)))
            continue
        head = Text.assemble((str(row[0]), "bold"), "  ", row[main])
        rest = [
            Text(c) if isinstance(c, str) else c
            for i, c in enumerate(row[1:-1], 1)
            if i != main and str(c)
        ]
        blocks.append(head)
        if rest:
            blocks.append(Padding(Text(" · ").join(rest), (0, 0, 0, 2)))
        if str(row[-1]):
            blocks.append(Padding(Text(str(row[-1]), style="dim"), (0, 0, 0, 2)))
    return Group(*blocks)
