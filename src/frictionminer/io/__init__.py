"""Ingest: read a log (XES, CSV, Parquet, OCEL, a database) and normalise it to the canonical table.

``load(path, settings)`` is the one entry point; the format follows from the path
(suffix, directory or glob pattern).
"""

from __future__ import annotations

import dataclasses
import glob
from collections.abc import Sequence
from os import PathLike, fspath
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from frictionminer import schema as S
from frictionminer.errors import InputError, UsageError
from frictionminer.io.base import Finding, RawLog, display_path, is_url
from frictionminer.io.normalize import EventLog, check_extra_columns, normalize
from frictionminer.settings import CaseTableSettings, Settings, SourceSettings

if TYPE_CHECKING:
    from frictionminer.io.partitions import Manifest

__all__ = ["EventLog", "Finding", "RawLog", "detect_format", "load", "read_raw", "source_format"]

_CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz")
_XES_SUFFIXES = (".xes", ".xes.gz")
_PARQUET_SUFFIXES = (".parquet", ".pq")
SUPPORTED = (
    "XES (.xes, .xes.gz), CSV (.csv, .csv.gz, .tsv), Parquet (file, directory or glob), "
    "OCEL 1.0/2.0 (.jsonocel, .xmlocel, .sqlite, OCEL .json/.xml), a database "
    "(postgresql://, sqlite:///, duckdb:/// URIs; .duckdb, .db, .sqlite files) with --table "
    "or --query"
)


def _is_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def detect_format(path: str | Path) -> str:
    """``"xes"``, ``"csv"``, ``"parquet"``, ``"ocel"`` or ``"database"`` from the path (an
    OCEL log's ``.json``/``.xml``/``.sqlite`` also by its content); InputError otherwise.

    A database URI (``postgresql://``, ``sqlite:///``, ``duckdb:///``, …) or a ``.duckdb``
    or ``.db`` file is a database (a ``.sqlite`` file too, unless it holds an OCEL log);
    another URL (``s3://``, ``gs://``, ``file://``, …) is Parquet, passed to polars as it is."""
    from frictionminer.io.database import file_kind, uri_kind

    text = str(path)
    lower = text.lower()
    if uri_kind(text) is not None:
        return "database"
    if is_url(text):
        if lower.endswith(_XES_SUFFIXES + _CSV_SUFFIXES):
            raise InputError(
                f"{text}: only Parquet is read from a URL",
                hint="copy the file to a local path, or convert it to Parquet first",
            )
        return "parquet"
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
    from frictionminer.io.ocel import MAYBE_SUFFIXES, OCEL_SUFFIXES, sniff

    if lower.endswith(OCEL_SUFFIXES + MAYBE_SUFFIXES):
        if sniff(p) is not None:
            return "ocel"
        if file_kind(p) is not None:
            return "database"
        if lower.endswith(OCEL_SUFFIXES):
            raise InputError(
                f"{text}: not an object-centric log (OCEL 1.0 or 2.0)",
                hint="OCEL JSON starts with objectTypes/eventTypes (2.0) or "
                "ocel:global-log (1.0); OCEL SQLite has event, object and event_object tables",
            )
    if file_kind(p) is not None:
        return "database"
    raise InputError(f"{text}: unsupported file type", hint=f"frictionminer reads {SUPPORTED}")


def source_format(path: str | Path, settings: Settings) -> str:
    """:func:`detect_format`, where an OCEL SQLite file is a database when ``[database]``
    names a table or query (``--table``, ``--query``)."""
    from frictionminer.io.database import file_kind

    fmt = detect_format(path)
    db = settings.database
    if fmt == "ocel" and (db.table is not None or db.query is not None) and file_kind(path):
        return "database"
    return fmt


def read_raw(
    path: str | Path, settings: Settings, partitions: Sequence[str] | None = None
) -> RawLog:
    """Read the file(s) at ``path`` without mapping columns.

    A folder written by ``convert --partition-by`` is read through its manifest (only the
    ``partitions`` named, when given), without Hive columns: the partition key is a
    storage detail, not an attribute of the events.
    """
    fmt = source_format(path, settings)
    raw = _read_raw(path, settings, fmt, partitions)
    width = len(raw.frame.collect_schema())
    if width > settings.ingest.max_columns:
        message, hint = _too_wide(display_path(path), width, settings.ingest.max_columns)
        raise InputError(message, hint=hint)
    return raw


def _too_wide(shown: str, width: int, limit: int) -> tuple[str, str]:
    return (
        f"{shown}: {width:,} columns, more than the limit of {limit:,} ([ingest] max_columns)",
        "keep the columns the analysis needs, or raise [ingest] max_columns",
    )


def _read_raw(
    path: str | Path, settings: Settings, fmt: str, partitions: Sequence[str] | None
) -> RawLog:
    if fmt == "database":
        from frictionminer.io.database import read_database

        return read_database(str(path), settings.database)
    if Path(path).is_file():
        from frictionminer.io.xes_scan import check_compression

        check_compression(Path(path), str(path), settings.ingest.max_compression_ratio)
    if fmt == "parquet" and Path(path).is_dir():
        from frictionminer.io.partitions import read_manifest

        manifest = read_manifest(path)
        if manifest is not None:
            return _read_partitioned(path, manifest, partitions)
    if fmt == "xes":
        from frictionminer.io.xes import read_xes

        return read_xes(path, timezone=settings.ingest.timezone)
    if fmt == "ocel":
        from frictionminer.io.ocel import read_ocel

        return read_ocel(path, settings.ocel)
    if fmt == "csv":
        from frictionminer.io.tabular import CsvOptions, read_csv

        ing = settings.ingest
        return read_csv(
            path,
            CsvOptions(
                delimiter=ing.delimiter,
                encoding=ing.encoding,
                decimal_comma=ing.decimal_comma,
                max_columns=ing.max_columns,
            ),
            keep_text=lambda names: _identifier_columns(names, settings, str(path)),
        )
    from frictionminer.io.tabular import read_parquet

    return read_parquet(path)


def _read_partitioned(path: str | Path, manifest: Manifest, keys: Sequence[str] | None) -> RawLog:
    from frictionminer.io.partitions import scan_partitions

    wanted = manifest.partitions
    if keys is not None:
        chosen = set(keys)
        wanted = [p for p in manifest.partitions if p.key in chosen]
    frame = scan_partitions(path, wanted)
    details: dict[str, object] = {
        "files": sum(len(p.files) for p in wanted),
        "partition_by": manifest.partition_by,
        "partitions_read": len(wanted),
        "partitions": len(manifest.partitions),
        "log_bounds": (manifest.first_event, manifest.last_event),
        "hive_partitioning": False,
    }
    return RawLog(frame=frame, source=str(path), format="parquet", details=details)


def _identifier_columns(names: list[str], settings: Settings, source: str) -> list[str]:
    """Source columns that hold identifiers or labels (never typed as numbers/booleans)."""
    from frictionminer.io.normalize import resolve_columns

    mapping, _ = resolve_columns(names, settings.columns, source)
    out: list[str] = []
    for role, col in mapping.items():
        if role != "timestamp":
            out.extend(col if isinstance(col, list) else [col])
    if settings.columns.category is not None:
        out.append(settings.columns.category)
    return out


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _named_columns(settings: Settings) -> list[str | None]:
    """Source columns that settings other than ``[columns]`` refer to by name."""
    return [settings.measures.organisation, settings.roles.match]


def _load_one(
    path: str | Path, settings: Settings, partitions: Sequence[str] | None = None
) -> EventLog:
    raw = read_raw(path, settings, partitions)
    return normalize(raw, settings.columns, settings.ingest, _named_columns(settings))


def _source_settings(settings: Settings, src: SourceSettings) -> Settings:
    overrides = {
        k: getattr(src, k)
        for k in ("timezone", "timestamp_format", "delimiter", "encoding", "null_values")
        if getattr(src, k) is not None
    }
    database = dataclasses.replace(settings.database, table=src.table, query=src.query)
    return dataclasses.replace(
        settings,
        columns=src.columns,
        ingest=dataclasses.replace(settings.ingest, **overrides),
        database=database,
    )


SOURCE_TABLE = "source_table"
"""Column naming the table an event came from, when a log has several."""


def _combine(logs: list[EventLog]) -> EventLog:
    """Several event tables of one log as one canonical table (joined on the case id)."""
    if len(logs) == 1:
        return logs[0]
    events = pl.concat(
        [lg.events.with_columns(pl.lit(lg.source).alias(SOURCE_TABLE)) for lg in logs],
        how="diagonal_relaxed",
    ).with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias(S.EVENT_INDEX))
    findings: list[Finding] = []
    for lg in logs:
        findings += [
            dataclasses.replace(f, message=f"{lg.source}: {f.message}") for f in lg.findings
        ]
    counts = ", ".join(f"{lg.source} ({lg.events.height:,} events)" for lg in logs)
    findings.append(
        Finding("sources", f"events from {len(logs)} tables: {counts}", len(logs), "info")
    )
    first = logs[0]
    return EventLog(
        events=events,
        source=" + ".join(lg.source for lg in logs),
        format="+".join(sorted({lg.format for lg in logs})),
        columns=first.columns,
        detected=first.detected,
        classifiers=first.classifiers,
        findings=findings,
        details={**first.details, "sources": [lg.source for lg in logs]},
        timestamp_format=first.timestamp_format,
    )


def _join_case_table(log: EventLog, table: CaseTableSettings, settings: Settings) -> EventLog:
    """Join a one-row-per-case table as ``case:`` attributes; count what did not match."""
    from frictionminer.errors import SchemaError
    from frictionminer.io.normalize import missing_column

    fmt = detect_format(table.path)
    if fmt in ("xes", "ocel"):
        raise InputError(
            f"{table.path}: a case table must be CSV or Parquet", hint="one row per case"
        )
    if fmt == "csv":
        from frictionminer.io.tabular import CsvOptions, read_csv

        raw = read_csv(
            table.path,
            CsvOptions(delimiter=table.delimiter, encoding=table.encoding),
            keep_text=lambda names: [table.key] if table.key in names else [],
        )
    else:
        from frictionminer.io.tabular import read_parquet

        raw = read_parquet(table.path)
    frame = raw.frame.collect()
    names = frame.columns
    if table.key not in names:
        raise missing_column(table.path, "case table key", table.key, names)
    wanted = table.columns if table.columns is not None else [c for c in names if c != table.key]
    for col in wanted:
        if col not in names:
            raise missing_column(table.path, "case table column", col, names)
    attrs = frame.select(
        pl.col(table.key).cast(pl.String).alias(S.CASE),
        *[pl.col(c).alias(f"{table.prefix}{c}") for c in wanted],
    ).filter(pl.col(S.CASE).is_not_null())
    clash = [c for c in attrs.columns[1:] if c in log.events.columns]
    if clash:
        raise SchemaError(
            f"{table.path}: case table columns {clash} already exist in the log",
            hint="set another prefix in [[case_tables]]",
        )
    findings = list(log.findings)
    dups = attrs.height - attrs[S.CASE].n_unique()
    if dups:
        attrs = attrs.unique(S.CASE, keep="first", maintain_order=True)
        findings.append(
            Finding(
                "case-table-duplicate-keys",
                f"{table.path}: {dups} repeated '{table.key}' rows ignored (first row kept)",
                dups,
            )
        )
    cases = log.events.select(pl.col(S.CASE).unique())
    unmatched = cases.join(attrs, on=S.CASE, how="anti").height
    if unmatched:
        findings.append(
            Finding(
                "case-table-unmatched",
                f"{table.path}: {unmatched:,} of {cases.height:,} cases have no row "
                "(their attributes are null)",
                unmatched,
                "info",
            )
        )
    events = log.events.join(attrs, on=S.CASE, how="left", maintain_order="left")
    return dataclasses.replace(log, events=events, findings=findings)


def _frame_log(frame: object, settings: Settings) -> EventLog | None:
    """A polars or pandas frame as an :class:`EventLog`; None when ``frame`` is neither.

    pandas is not a dependency: a pandas frame is recognised by its type's module and
    converted with :func:`polars.from_pandas` (which needs pandas, already imported then).
    """
    if isinstance(frame, pl.DataFrame | pl.LazyFrame):
        lazy, kind = frame.lazy(), f"polars.{type(frame).__name__}"
    elif type(frame).__module__.split(".")[0] == "pandas" and type(frame).__name__ == "DataFrame":
        lazy, kind = pl.from_pandas(frame).lazy(), "pandas.DataFrame"
    else:
        return None
    raw = RawLog(frame=lazy, source=f"<{kind}>", format="dataframe")
    return normalize(raw, settings.columns, settings.ingest, _named_columns(settings))


def load(
    path: str | PathLike[str] | pl.DataFrame | pl.LazyFrame | None,
    settings: Settings | None = None,
    *,
    partitions: Sequence[str] | None = None,
) -> EventLog:
    """Read and normalise a log: ``path`` plus the config's ``[[sources]]`` (more event
    tables, each with its own columns) and ``[[case_tables]]`` (case attributes).

    ``path`` may also be a polars (or pandas) DataFrame or a polars LazyFrame: its
    columns are mapped to roles exactly as a file's are (``settings.columns``, else
    detected from the names).  ``partitions`` restricts a folder written by
    ``convert --partition-by`` to those partition keys (``audit --window`` reads only the
    partitions its window needs).

    >>> log = load("sample_logs/shoelace.csv")
    >>> log.events.height
    41
    >>> load(pl.read_csv("sample_logs/shoelace.csv")).events.height
    41
    """
    if settings is None:
        from frictionminer.settings import read_settings

        settings = read_settings()
    logs: list[EventLog] = []
    if path is not None:
        framed = _frame_log(path, settings)
        if framed is not None:
            logs.append(framed)
        elif isinstance(path, str | PathLike):
            logs.append(_load_one(fspath(path), settings, partitions))
        else:
            raise UsageError(
                f"cannot read a log from {type(path).__name__} {_shorten(repr(path))}",
                hint="give a path (str or pathlib.Path), or a polars or pandas DataFrame",
            )
    for src in settings.sources:
        one = _load_one(src.path, _source_settings(settings, src))
        if src.activity_prefix:
            events = one.events.with_columns(
                (pl.lit(src.activity_prefix) + pl.col(S.ACTIVITY)).alias(S.ACTIVITY)
            )
            one = dataclasses.replace(one, events=events)
        logs.append(one)
    if not logs:
        raise UsageError("no log to read", hint="give a LOG argument or [[sources]] in the config")
    log = _combine(logs)
    for table in settings.case_tables:
        log = _join_case_table(log, table, settings)
    more: dict[str, str | None] = {"[roles] match": settings.roles.match}
    more["[measures] organisation"] = settings.measures.organisation
    check_extra_columns(log.events.columns, settings.columns, log.source, more)
    return log
