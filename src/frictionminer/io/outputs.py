"""Writing output files atomically: never a half-written file, never a stale one, never onto
an input or a device.

Everything is first written to a temporary file beside the target and moved into place
with :func:`os.replace` only when complete; on any error, and on SIGINT or SIGTERM (the
command line turns both into exceptions), the temporary file is removed.

What a target may be (docs/robustness.md):

* a new path in an existing, writable folder, or an existing regular file: replaced
  atomically;
* a symbolic link to a regular file: the file it points to is replaced (the link stays);
* ``-``: the output is written to standard output once complete;
* anything else (a folder, a device such as ``/dev/null``, a FIFO, a socket) is refused,
  as is a file this process reads as input (the log, a config, a baseline).
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from frictionminer import progress
from frictionminer.errors import OutputError, UsageError, check_signals

STDOUT = Path("-")
"""``-o -``: write to standard output."""

_INPUTS: set[tuple[int, int]] = set()
"""(device, inode) of every file this process has opened as an input."""


def protect_input(path: str | Path) -> None:
    """Remember ``path`` as an input, so that no output of this process replaces it.

    A folder protects the files in it, a glob the files it matches.
    """
    text = str(path)
    if any(ch in text for ch in "*?["):
        import glob

        paths = [Path(p) for p in glob.glob(text, recursive=True)]
    elif Path(text).is_dir():
        paths = [p for p in Path(text).rglob("*") if not p.is_dir()]
    else:
        paths = [Path(text)]
    for one in paths:
        try:
            st = os.stat(one)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            _INPUTS.add((st.st_dev, st.st_ino))


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def resolve_target(path: Path) -> Path:
    """The file an output to ``path`` replaces: ``path`` itself, or a symlink's target."""
    if path == STDOUT:
        return path
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def check_writable(path: Path) -> None:
    """Fail early (before any work) when ``path`` cannot or must not be written."""
    if path == STDOUT:
        return
    target = resolve_target(path)
    parent = target.parent if str(target.parent) else Path(".")
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        hint = "give a file name with -o" if stat.S_ISDIR(st.st_mode) else "use -o - for stdout"
        raise UsageError(f"{path}: is {_kind(st.st_mode)}, not a file", hint=hint)
    if st is not None and (st.st_dev, st.st_ino) in _INPUTS:
        raise UsageError(
            f"{path}: is an input of this run; refusing to replace it",
            hint="write the output to another file",
        )
    if not parent.is_dir():
        raise UsageError(f"{path}: folder '{parent}' does not exist", hint="create it first")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{path}: folder '{parent}' is not writable")


def _cannot_write(path: Path, exc: OSError) -> OutputError:
    return OutputError(
        f"{path}: cannot write: {exc.strerror or exc}",
        hint="free some space or write elsewhere" if exc.errno in _FULL else None,
    )


_FULL = {28, 27, 122}  # ENOSPC, EFBIG, EDQUOT


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` on success.

    The temporary name ends with the target's own name (``.x7f3.part-log.xes.gz``), so a
    writer that chooses by suffix (gzip for ``.gz``) writes what the target's name says.
    """
    check_writable(path)
    to_stdout = path == STDOUT
    target = resolve_target(path)
    folder = Path(tempfile.gettempdir()) if to_stdout else (target.parent or Path("."))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=f".part-{target.name}", dir=folder)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates 0600; give the result the permissions a plain open() would.
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp_path, 0o666 & ~umask)
        yield tmp_path
        check_signals()  # a run stopped inside native code must not publish its output
        if to_stdout:
            _copy_to_stdout(tmp_path)
            tmp_path.unlink()
        else:
            check_writable(path)  # the target may have become an input or a device meanwhile
            os.replace(tmp_path, target)
    except OSError as exc:
        tmp_path.unlink(missing_ok=True)
        if isinstance(exc, BrokenPipeError):
            raise
        raise _cannot_write(path, exc) from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _copy_to_stdout(path: Path) -> None:
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            write_stdout(chunk)


def write_stdout(data: str | bytes) -> None:
    """Write all of ``data`` to stdout, or raise (``BrokenPipeError`` when its reader left).

    One large ``write`` to an unbuffered stdout (``python -u``, ``PYTHONUNBUFFERED``) can be
    cut short without an error when the reader of a pipe leaves; the rest would be lost
    silently and the run would exit 0. Written in pieces, the next piece fails instead.
    """
    progress.finish()
    sys.stdout.flush()
    out = sys.stdout.buffer
    view = memoryview(data.encode("utf-8") if isinstance(data, str) else data)
    while view:
        piece = view[: 1 << 16]
        written = out.write(piece)
        view = view[len(piece) if written is None else written :]
    out.flush()


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_with(path: Path, writer: Callable[[Path], None]) -> None:
    """Run ``writer(tmp)`` and move the result onto ``path``."""
    with atomic_path(path) as tmp:
        writer(tmp)
