"""What every reader returns: the raw table plus what was learned while reading."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl

from frictionminer.errors import InputError

Severity = Literal["info", "warning"]


@dataclass(frozen=True)
class Finding:
    """A data-quality finding: something repaired, dropped, or worth knowing.

    ``code`` is a stable identifier (e.g. ``"empty-rows-dropped"``), ``count`` how many
    rows/values it concerns, ``message`` a one-line explanation for humans.
    """

    code: str
    message: str
    count: int = 0
    severity: Severity = "warning"

    def as_record(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "count": self.count,
            "message": self.message,
        }


@dataclass
class RawLog:
    """A log as read from its file(s), before columns are mapped to roles.

    ``frame`` keeps the source's column names (XES keys such as ``concept:name``;
    CSV headers as written).  XES trace attributes carry a ``case:`` prefix.
    Rows are in input order.
    """

    frame: pl.LazyFrame
    source: str
    format: str  # "xes" | "csv" | "parquet"
    classifiers: dict[str, list[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(path: str | Path) -> bool:
    """``s3://…``, ``gs://…``, ``file://…``: a location polars reads itself, not a local path."""
    return isinstance(path, str) and bool(_URL.match(path))


def read_error(shown: str, exc: OSError) -> InputError:
    """One line for a file the operating system would not let us read."""
    if isinstance(exc, PermissionError):
        return InputError(
            f"{shown}: cannot read (permission denied)",
            hint="check the file's permissions (ls -l): the run needs read access",
        )
    if isinstance(exc, IsADirectoryError):
        return InputError(f"{shown}: is a folder, not a file", hint="give the path of the log")
    return InputError(f"{shown}: cannot read ({exc.strerror or exc})")


_SHOWN: dict[str, str] = {}
"""Names that stand for internal paths in messages (:func:`shown_as`)."""


def display_path(path: str | Path) -> str:
    """The path as the user gave it, for error messages (or the name it stands for)."""
    return _SHOWN.get(str(path), str(path))


@contextlib.contextmanager
def shown_as(path: str | Path, name: str) -> Iterator[None]:
    """While inside, messages and log names give ``name`` for ``path``: a database's
    temporary Parquet parts are named as the database (its URI, masked)."""
    _SHOWN[str(path)] = name
    try:
        yield
    finally:
        _SHOWN.pop(str(path), None)
