"""Ingest: read a log file (XES, CSV, Parquet) and normalise it to the canonical table.

``load(path, settings)`` is the one entry point; the format follows from the path
(suffix, directory or glob pattern).
"""

from __future__ import annotations

import glob
from pathlib import Path

from frictionminer.errors import InputError
from frictionminer.ingest.base import Finding, RawLog
from frictionminer.ingest.normalize import EventLog, normalize
from frictionminer.settings import Settings

__all__ = ["EventLog", "Finding", "RawLog", "detect_format", "load", "read_raw"]

_CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz")
_XES_SUFFIXES = (".xes", ".xes.gz")
_PARQUET_SUFFIXES = (".parquet", ".pq")
SUPPORTED = "XES (.xes, .xes.gz), CSV (.csv, .csv.gz, .tsv), Parquet (file, directory or glob)"


def _is_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def detect_format(path: str | Path) -> str:
    """``"xes"``, ``"csv"`` or ``"parquet"`` from the path; InputError otherwise."""
    text = str(path)
    lower = text.lower()
    if _is_glob(text):
        if not glob.glob(text, recursive=True):
            raise InputError(f"{text}: no file matches this pattern")
        return "parquet"
    p = Path(text)
    if not p.exists():
        hint = "check the path"
        parent = p.parent if str(p.parent) else Path(".")
        if parent.is_dir():
            import difflib

            near = difflib.get_close_matches(p.name, [c.name for c in parent.iterdir()], n=1)
            if near:
                hint = f"did you mean '{parent / near[0]}'?"
        raise InputError(f"{text}: no such file", hint=hint)
    if p.is_dir():
        return "parquet"
    if lower.endswith(_XES_SUFFIXES):
        return "xes"
    if lower.endswith(_CSV_SUFFIXES):
        return "csv"
    if lower.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    raise InputError(f"{text}: unsupported file type", hint=f"frictionminer reads {SUPPORTED}")


def read_raw(path: str | Path, settings: Settings) -> RawLog:
    """Read the file(s) at ``path`` without mapping columns."""
    fmt = detect_format(path)
    if fmt == "xes":
        from frictionminer.ingest.xes import read_xes

        return read_xes(path)
    if fmt == "csv":
        from frictionminer.ingest.tabular import CsvOptions, read_csv

        ing = settings.ingest
        return read_csv(
            path,
            CsvOptions(
                delimiter=ing.delimiter, encoding=ing.encoding, decimal_comma=ing.decimal_comma
            ),
            keep_text=lambda names: _identifier_columns(names, settings, str(path)),
        )
    from frictionminer.ingest.tabular import read_parquet

    return read_parquet(path)


def _identifier_columns(names: list[str], settings: Settings, source: str) -> list[str]:
    """Source columns that hold identifiers or labels (never typed as numbers/booleans)."""
    from frictionminer.ingest.normalize import resolve_columns

    mapping, _ = resolve_columns(names, settings.columns, source)
    out: list[str] = []
    for role, col in mapping.items():
        if role != "timestamp":
            out.extend(col if isinstance(col, list) else [col])
    if settings.columns.category is not None:
        out.append(settings.columns.category)
    return out


def load(path: str | Path, settings: Settings | None = None) -> EventLog:
    """Read and normalise a log.

    >>> from frictionminer.settings import load_settings
    >>> log = load("sample_logs/running-example.csv")  # doctest: +SKIP
    """
    if settings is None:
        from frictionminer.settings import load_settings

        settings = load_settings()
    raw = read_raw(path, settings)
    return normalize(raw, settings.columns, settings.ingest)
