"""Progress of long work, as events for whoever listens: the command line draws them.

The library reports stages (:data:`STAGES`: codes, not words) and, where a total is
known, steps of it (parts or shards measured).  Nothing is drawn here and nothing is
imported: with no listener installed every call is a no-op costing one global read, so
the library and the tests pay nothing.  The command line installs a listener that draws
a rich progress display on stderr when stderr is a terminal (``cli/progress.py``).
Calls may come from worker threads (parts and shards are measured in a thread pool).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar

STAGES = ("read", "split", "cases", "score", "report")
"""read the log; split a large log into case-hash shard files; measure the cases (per part
or shard); score, rank and flag; write the report (charts, process map, HTML)."""

T = TypeVar("T")
R = TypeVar("R")


class Listener(Protocol):
    def stage(self, code: str, total: int | None) -> None:
        """A new stage begins; ``total`` steps when known."""
        ...

    def advance(self, steps: int) -> None:
        """``steps`` more of the current stage are done."""
        ...

    def finish(self) -> None:
        """The work is done; results are about to be written."""
        ...


_listener: list[Listener] = []


def stage(code: str, total: int | None = None) -> None:
    """Tell the listener (if any) that stage ``code`` begins."""
    if _listener:
        _listener[-1].stage(code, total)


def advance(steps: int = 1) -> None:
    """Tell the listener (if any) that ``steps`` of the current stage are done."""
    if _listener:
        _listener[-1].advance(steps)


def finish() -> None:
    """Tell the listener (if any) that results are about to be written: a display on the
    terminal gives way to them."""
    if _listener:
        _listener[-1].finish()


def counted(fn: Callable[[T], R]) -> Callable[[T], R]:
    """``fn`` that advances the current stage by one each time it returns."""

    def step(arg: T) -> R:
        result = fn(arg)
        advance()
        return result

    return step


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send the progress of the work inside the block to ``listener``."""
    _listener.append(listener)
    try:
        yield
    finally:
        _listener.remove(listener)
