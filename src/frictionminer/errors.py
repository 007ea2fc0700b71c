"""Error types and exit codes.

Every error a user can cause is a subclass of :class:`FrictionminerError`.  The CLI
catches that base class in one place, prints ``error: <message>`` (plus the hint) on
stderr and exits with :data:`EXIT_USAGE`.  Anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

EXIT_OK = 0
"""Success (for ``audit``: no gate breached)."""
EXIT_BREACH = 1
"""``audit`` found at least one breached gate."""
EXIT_USAGE = 2
"""Usage, input or configuration error."""


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


class UsageError(FrictionminerError):
    """The command line asks for something impossible (e.g. an unknown output suffix)."""
