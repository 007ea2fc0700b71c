"""Running rustxes and judging what it says: shared by the whole-file and the split XES paths.

rustxes reports repairs and panics by writing to file descriptor 2 from Rust; any such
output means its table may be silently wrong, so it is captured and the table refused.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from frictionminer.errors import check_signals


@dataclass
class Captured:
    text: str = ""


@contextlib.contextmanager
def captured_fd2() -> Iterator[Captured]:
    """Redirect file descriptor 2 into a temporary file for the duration of the block.

    rustxes reports repairs and panics by writing straight to fd 2 from Rust, which
    ``sys.stderr`` redirection cannot catch.  The captured text is kept (first 64 KiB)
    because *any* output means the table may be silently wrong.  Process-wide: other
    threads' stderr output during the call is captured too.
    """
    cap = Captured()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield cap
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            cap.text = tmp.read(1 << 16).decode("utf-8", errors="replace")


def run_rustxes(target: Path) -> tuple[pl.DataFrame, str] | str:
    """rustxes on ``target``; the table and its meta JSON, or why it is not trusted."""
    import rustxes  # imported lazily: it pulls in its own polars bindings

    failure: str | None = None
    df: pl.DataFrame | None = None
    meta = ""
    with captured_fd2() as cap:
        try:
            df, meta = rustxes.import_xes(str(target))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # pyo3's PanicException is a BaseException
            failure = f"rustxes failed: {type(exc).__name__}: {str(exc)[:200]}"
    check_signals()  # Ctrl-C or SIGTERM inside rustxes may have been swallowed there
    if failure is not None:
        return failure
    if cap.text.strip():
        first_line = cap.text.strip().splitlines()[0][:200]
        return f"rustxes reported a problem: {first_line}"
    assert df is not None
    return df, meta


UTC_OFFSETS = frozenset({"Z", "+00:00", "-00:00", "+0000"})
"""Offsets that are UTC as written: a log with only one of them gets no offset finding."""


def offset_counts_matter(offsets: set[str]) -> bool:
    """Whether the XES date findings report counts for these offsets (else only the set)."""
    return len(offsets) > 1 or bool(offsets - UTC_OFFSETS)
