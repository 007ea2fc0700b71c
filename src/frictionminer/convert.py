"""Writing a normalised log as Parquet, CSV or XES (``convert``)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from frictionminer import schema as S
from frictionminer.errors import UsageError
from frictionminer.ingest.normalize import EventLog
from frictionminer.outputs import write_with

FORMATS = {".parquet": "parquet", ".csv": "csv", ".csv.gz": "csv", ".xes": "xes", ".xes.gz": "xes"}


def output_format(path: Path) -> str:
    """The format implied by ``path``'s suffix; UsageError for anything else."""
    name = path.name.lower()
    for suffix, fmt in sorted(FORMATS.items(), key=lambda kv: -len(kv[0])):
        if name.endswith(suffix):
            return fmt
    raise UsageError(
        f"{path}: cannot tell the output format from the suffix",
        hint="use .parquet, .csv, .csv.gz, .xes or .xes.gz",
    )


def _for_text(events: pl.DataFrame) -> pl.DataFrame:
    """CSV cannot hold nested values: write lists/structs as JSON-ish strings."""
    fix = [
        pl.col(c).cast(pl.String) if dt.is_nested() is False else pl.col(c).list.join(";")
        for c, dt in events.schema.items()
        if dt.is_nested()
    ]
    return events.with_columns(fix) if fix else events


def write_log(log: EventLog, path: Path, fmt: str) -> None:
    """Write the canonical table (rows in input order, without ``event_index``)."""
    events = log.events.sort(S.EVENT_INDEX)
    if fmt == "xes":
        from frictionminer.ingest.xes_write import write_xes

        write_with(path, lambda tmp: write_xes(events, tmp.with_name(tmp.name)))
        return
    table = events.drop(S.EVENT_INDEX)
    if fmt == "parquet":
        write_with(path, lambda tmp: table.write_parquet(tmp))
    elif fmt == "csv":
        text = _for_text(table)
        gz = path.name.lower().endswith(".gz")
        write_with(
            path,
            lambda tmp: text.write_csv(
                tmp,
                datetime_format="%Y-%m-%dT%H:%M:%S%.6f%:z",
                compression="gzip" if gz else "uncompressed",
                check_extension=False,
            ),
        )
    else:  # pragma: no cover - guarded by output_format
        raise UsageError(f"{path}: unknown format {fmt}")
