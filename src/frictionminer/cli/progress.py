"""The progress display: what the library reports (:mod:`frictionminer.progress`), drawn
on stderr with rich, only where a person watches.

Shown when stderr is a terminal, and not in CI (``CI`` set), with ``--quiet``, or when
stderr is redirected.  The display starts at the first stage the library reports (a
short command draws nothing until then) and disappears when the command ends: the
results and messages stay as they were.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


def wanted(quiet: bool) -> bool:
    """Whether a person is watching stderr."""
    if quiet or os.environ.get("CI", "").strip() not in ("", "0", "false"):
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class _Display:
    """A rich progress bar per stage: a spinner and the elapsed time, with a bar and
    ``done/total`` when the stage has a total (parts or shards)."""

    def __init__(self) -> None:
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def stage(self, code: str, total: int | None) -> None:
        from frictionminer.reporting.catalogue import PROGRESS

        progress = self.progress or self._start()
        if self.task is not None:
            progress.update(self.task, visible=False)
        self.task = progress.add_task(PROGRESS[code]["en"], total=total)

    def advance(self, steps: int) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task, steps)

    def _start(self) -> Progress:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            Task,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.text import Text

        from frictionminer.reporting.console import stderr

        class Steps(MofNCompleteColumn):
            def render(self, task: Task) -> Text:
                return Text("") if task.total is None else super().render(task)

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            Steps(),
            TimeElapsedColumn(),
            console=stderr(),
            transient=True,
            redirect_stdout=False,  # results go to stdout, never into the display
        )
        self.progress.start()
        return self.progress

    def finish(self) -> None:
        """Clear the display (it is transient) before results reach the terminal; a later
        stage starts it again."""
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
            self.task = None

    stop = finish


@contextmanager
def shown(quiet: bool) -> Iterator[None]:
    """Draw the library's progress on stderr for the block, when a person watches."""
    if not wanted(quiet):
        yield
        return
    from frictionminer import progress

    display = _Display()
    try:
        with progress.listening(display):
            yield
    finally:
        display.stop()
