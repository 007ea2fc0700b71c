"""Error types and exit codes.

Every error a user can cause is a subclass of :class:`FrictionminerError`.  The CLI
catches that base class in one place, prints ``error: <message>`` (plus the hint) on
stderr and exits with :data:`EXIT_USAGE`.  Anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import re

EXIT_OK = 0
"""Success (for ``audit``: no gate breached)."""
EXIT_BREACH = 1
"""``audit`` found at least one breached gate."""
EXIT_USAGE = 2
"""Usage, input, configuration or output error (the cause is outside frictionminer)."""
EXIT_INTERNAL = 3
"""An internal error (a bug): one line on stderr, the traceback with ``--debug``."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C (SIGINT), as a shell reports 128 + 2."""
EXIT_TERMINATED = 143
"""Stopped by SIGTERM (what CI sends when a job is cancelled), as a shell reports 128 + 15."""
EXIT_BROKEN_PIPE = 141
"""Standard output was closed by its reader (``| head``), as a shell reports 128 + 13 (SIGPIPE)."""


_UNPRINTABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
"""Characters that would end a line or drive a terminal (a tab is kept)."""


def one_line(text: str) -> str:
    """``text`` as one printable line: each control character (a newline, ESC, BEL) written
    as Python writes it in a string literal (``\\n``, ``\\x1b``).  Messages quote what the
    input said (a config key, a column name, a path), and an error is one line on stderr."""
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


class FrictionminerError(Exception):
    """Base class of every error caused by input, usage or configuration."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} (hint: {self.hint})"
        return self.message


class InputError(FrictionminerError):
    """The log cannot be read: missing file, unknown format, broken or hostile content."""


class SchemaError(FrictionminerError):
    """The log is readable but its columns do not fit: a missing column, a bad timestamp."""


class ConfigError(FrictionminerError):
    """The configuration is invalid: an unknown key or a bad value."""


class OutputError(FrictionminerError):
    """An output cannot be written: a full disk, a quota, a file-size limit, a lost device."""


class UsageError(FrictionminerError):
    """The command line asks for something impossible (e.g. an unknown output suffix)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: raised in the main thread so that every ``finally`` cleans up.

    A :class:`KeyboardInterrupt`, so that code which stops on Ctrl-C stops on SIGTERM too.
    """


_SIGNALLED: list[bool] = []
"""One entry per SIGINT/SIGTERM received (True for SIGTERM): kept even when the exception
the handler raised was swallowed inside a native library (rustxes, polars)."""


def note_signal(*, terminate: bool) -> None:
    """Record a stop request (the command line's signal handlers call this, then raise)."""
    _SIGNALLED.append(terminate)


def check_signals() -> None:
    """Raise the stop request again if one arrived: call after native code and before an
    output is published, so that a stopped run never looks finished."""
    if _SIGNALLED:
        raise Terminated if _SIGNALLED[-1] else KeyboardInterrupt
