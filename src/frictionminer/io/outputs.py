"""Writing output files atomically: never a half-written file, never a stale one.

Everything is first written to a temporary file beside the target and moved into place
with :func:`os.replace` only when complete; on any error the temporary file is removed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from frictionminer.errors import InputError, UsageError


def check_writable(path: Path) -> None:
    """Fail early (before any work) when ``path`` cannot be written."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UsageError(f"{path}: is a directory", hint="give a file name with -o")
    if not parent.is_dir():
        raise UsageError(f"{path}: folder '{parent}' does not exist", hint="create it first")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{path}: folder '{parent}' is not writable")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` on success."""
    check_writable(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or ".")
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates 0600; give the result the permissions a plain open() would.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_with(path: Path, writer: Callable[[Path], None]) -> None:
    """Run ``writer(tmp)`` and move the result onto ``path``."""
    with atomic_path(path) as tmp:
        try:
            writer(tmp)
        except OSError as exc:
            raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
