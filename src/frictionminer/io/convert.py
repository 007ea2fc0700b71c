"""Writing a normalised log as Parquet, CSV, XES or OCEL 2.0 JSON (``convert``)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from frictionminer import schema as S
from frictionminer.errors import SchemaError, UsageError
from frictionminer.io.base import Finding
from frictionminer.io.normalize import EventLog
from frictionminer.io.outputs import check_writable, write_with
from frictionminer.settings import Settings

FORMATS = {
    ".parquet": "parquet",
    ".csv": "csv",
    ".csv.gz": "csv",
    ".xes": "xes",
    ".xes.gz": "xes",
    ".jsonocel": "ocel",
}


def output_format(path: Path) -> str:
    """The format implied by ``path``'s suffix; UsageError for anything else."""
    name = path.name.lower()
    for suffix, fmt in sorted(FORMATS.items(), key=lambda kv: -len(kv[0])):
        if name.endswith(suffix):
            return fmt
    raise UsageError(
        f"{path}: cannot tell the output format from the suffix",
        hint="use .parquet, .csv, .csv.gz, .xes, .xes.gz or .jsonocel (OCEL 2.0 JSON)",
    )


FORMULA_START = r"^[=+\-@\t\r]"
"""What a spreadsheet reads as the start of a formula (OWASP "CSV injection")."""


def neutralize_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as a formula (``=HYPERLINK(...)``,
    ``=cmd|' /C calc'!A0``, ``+``, ``-``, ``@``, tab, CR first) get a leading ``'``, which
    spreadsheets show as text; numbers and other cells are unchanged."""
    text = [c for c, dt in frame.schema.items() if dt == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text
    )


def _for_text(events: pl.DataFrame) -> pl.DataFrame:
    """CSV cannot hold nested values: write lists/structs as JSON-ish strings."""
    fix = [
        pl.col(c).cast(pl.String) if dt.is_nested() is False else pl.col(c).list.join(";")
        for c, dt in events.schema.items()
        if dt.is_nested()
    ]
    return events.with_columns(fix) if fix else events


def write_log(log: EventLog, path: Path, fmt: str, *, verbatim: bool = False) -> None:
    """Write the canonical table (rows in input order, without ``event_index``).

    CSV cells that a spreadsheet would run as formulas are neutralised unless ``verbatim``.
    """
    events = log.events.sort(S.EVENT_INDEX)
    if fmt == "xes":
        from frictionminer.io.xes_write import write_xes

        write_with(path, lambda tmp: write_xes(events, tmp))  # tmp ends with path's name
        return
    if fmt == "ocel":
        from frictionminer.io.ocel_write import write_ocel2_json

        case_type = log.details.get("ocel_case_type")
        customer_type = log.details.get("ocel_customer_type")
        write_with(
            path,
            lambda tmp: write_ocel2_json(
                events,
                tmp,
                case_type=str(case_type) if case_type else "case",
                customer_type=str(customer_type) if customer_type else "customer",
            ),
        )
        return
    table = events.drop(S.EVENT_INDEX)
    if fmt == "parquet":
        write_with(path, lambda tmp: table.write_parquet(tmp))
    elif fmt == "csv":
        text = _for_text(table) if verbatim else neutralize_formulas(_for_text(table))
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


# --------------------------------------------------------------------------- convert, scaled

STREAM_MIN_BYTES = 1 << 30
"""XES inputs whose decompressed size is estimated above this are converted chunk by chunk:
the in-memory readers need about 1 GB per million events (rustxes), so 10M events would
need 10 GB; streamed, memory stays at a few chunks."""


EventsHook = Callable[[pl.DataFrame, Mapping[str, "str | list[str]"]], pl.DataFrame]
"""Applied to the normalised events (and the log's column roles) before they are written:
e.g. pseudonymisation, which lives in a higher layer and is passed in by the caller."""


@dataclass
class ConvertSummary:
    """What ``convert`` wrote, for the one-line report."""

    output: Path
    format: str
    events: int
    cases: int
    streamed: bool = False
    chunks: int = 1
    partitions: int = 0
    findings: list[Finding] = field(default_factory=list)


def decompressed_estimate(path: Path) -> int:
    """The file's size, or for gzip an estimate of its decompressed size.

    The gzip trailer holds the size modulo 4 GiB; XES compresses 10-30x, so the larger of
    the trailer and 5x the compressed size is a safe lower bound for a decision.
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        if fh.read(2) != b"\x1f\x8b" or size < 20:
            return size
        fh.seek(-4, os.SEEK_END)
        isize = int.from_bytes(fh.read(4), "little")
    return max(isize, 5 * size)


def should_stream(log: str, settings: Settings) -> bool:
    """Stream big single XES files; anything else (or extra tables) is read in memory."""
    from frictionminer.io import detect_format

    if settings.sources or settings.case_tables or detect_format(log) != "xes":
        return False
    return decompressed_estimate(Path(log)) > STREAM_MIN_BYTES


def convert(
    log: str,
    output: Path,
    settings: Settings,
    *,
    partition_by: str | None = None,
    overwrite: bool = False,
    stream: bool | None = None,
    chunk_events: int | None = None,
    workers: int = 2,
    verbatim: bool = False,
    events_hook: EventsHook | None = None,
    loaded: EventLog | None = None,
) -> ConvertSummary:
    """Convert ``log`` to ``output`` (a file, or with ``partition_by`` a folder).

    ``stream=None`` decides by size (:func:`should_stream`); a streamed XES file gives the
    same table as the in-memory path (see ``docs/performance-ingest.md``).  ``events_hook``
    rewrites the events before they are written (every chunk, when streamed).  ``loaded``
    is the log already read (and e.g. annotated by the caller): it is written as it is.
    """
    from frictionminer.io.partitions import atomic_directory, check_output_dir
    from frictionminer.io.xes import STREAM_CHUNK_EVENTS, NotStreamable

    fmt = "parquet" if partition_by else output_format(output)
    if partition_by:
        check_output_dir(output, overwrite)
    else:
        check_writable(output)
    if stream is None:
        stream = loaded is None and fmt == "parquet" and should_stream(log, settings)
    if stream:
        try:
            return _convert_streamed(
                log,
                output,
                settings,
                partition_by=partition_by,
                overwrite=overwrite,
                chunk_events=chunk_events or STREAM_CHUNK_EVENTS,
                workers=workers,
                events_hook=events_hook,
            )
        except NotStreamable:
            pass  # comments/CDATA in the body or an odd header: the in-memory reader copes
    from frictionminer.io import load

    event_log = loaded if loaded is not None else load(log, settings)
    if events_hook is not None:
        event_log = replace(event_log, events=events_hook(event_log.events, event_log.columns))
    n_cases = event_log.events[S.CASE].n_unique()
    if partition_by:
        from frictionminer.io.partitions import PartitionWriter

        with atomic_directory(output, overwrite) as tmp:
            writer = PartitionWriter(tmp, partition_by)
            writer.add(event_log.events.sort(S.EVENT_INDEX))
            manifest = writer.finish(event_log.source)
        return ConvertSummary(
            output,
            fmt,
            event_log.events.height,
            n_cases,
            partitions=len(manifest.partitions),
            findings=event_log.findings,
        )
    write_log(event_log, output, fmt, verbatim=verbatim)
    return ConvertSummary(
        output, fmt, event_log.events.height, n_cases, findings=event_log.findings
    )


def _widen(dtypes: list[pl.DataType]) -> pl.DataType | None:
    """One dtype for a column typed differently in different chunks; None: text."""
    kinds = {d for d in dtypes if d != pl.Null}
    if not kinds:
        return pl.String()
    if len(kinds) == 1:
        return kinds.pop()
    if kinds <= {pl.Int64(), pl.Float64()}:
        return pl.Float64()
    return None


def _as_type(name: str, have: pl.DataType, want: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if have == want:
        return col
    if want == pl.String and isinstance(have, pl.Datetime):
        return col.dt.to_string("%Y-%m-%dT%H:%M:%S%.f%:z").alias(name)
    return col.cast(want).alias(name)


def _merge_findings(groups: list[list[Finding]]) -> list[Finding]:
    """Findings of several chunks as one list: row counts summed, identical facts once."""
    by_code: dict[str, list[Finding]] = {}
    for group in groups:
        for f in group:
            by_code.setdefault(f.code, []).append(f)
    out = []
    for code, fs in by_code.items():
        if len({f.message for f in fs}) == 1:
            out.append(fs[0])
            continue
        total = sum(f.count for f in fs)
        out.append(
            Finding(
                code,
                f"{fs[0].message} [first chunk; {total:,} in {len(fs)} chunks]",
                total,
                fs[0].severity,
            )
        )
    return out


def _convert_streamed(
    log: str,
    output: Path,
    settings: Settings,
    *,
    partition_by: str | None,
    overwrite: bool,
    chunk_events: int,
    workers: int,
    events_hook: EventsHook | None = None,
) -> ConvertSummary:
    """XES → raw Parquet parts (in worker processes) → one schema → normalised output.

    The schema is fixed only once every chunk is read, so a column typed differently in a
    later chunk (an ``int`` key written as ``string`` in a few traces) widens the whole
    column instead of failing or losing values; each widening is a finding.
    """
    from frictionminer.io.base import RawLog
    from frictionminer.io.normalize import normalize
    from frictionminer.io.partitions import PartitionWriter, atomic_directory
    from frictionminer.io.xes import ordered_columns, stream_xes

    parent = output.parent if str(output.parent) else Path(".")
    with tempfile.TemporaryDirectory(prefix=".frictionminer-stream-", dir=parent) as work_dir:
        work = Path(work_dir)
        streamed = stream_xes(log, work, chunk_events=chunk_events, workers=workers)
        schemas = [pl.read_parquet_schema(c.part) for c in streamed.chunks]
        seen: dict[str, list[pl.DataType]] = {}
        for sch in schemas:
            for name, dtype in sch.items():
                seen.setdefault(name, []).append(dtype)
        target: dict[str, pl.DataType] = {}
        widened: list[str] = []
        for name, dtypes in seen.items():
            wide = _widen(dtypes)
            if wide is None:
                widened.append(name)
                wide = pl.String()
            target[name] = wide
        names = ordered_columns(list(target))
        findings = streamed.findings()
        if widened:
            findings.append(
                Finding(
                    "mixed-attribute-types",
                    "attribute(s) typed differently in different chunks were kept as text: "
                    + ", ".join(sorted(widened)),
                    len(widened),
                )
            )
        chunk_findings: list[list[Finding]] = []
        offset = events = 0
        norm_files: list[str] = []
        writer = None
        with contextlib.ExitStack() as stack:
            if partition_by:
                tmp_dir = stack.enter_context(atomic_directory(output, overwrite))
                writer = PartitionWriter(tmp_dir, partition_by)
            for chunk, sch in zip(streamed.chunks, schemas, strict=True):
                raw_frame = pl.read_parquet(chunk.part)
                chunk.part.unlink()
                if raw_frame.height == 0:
                    continue
                raw_frame = raw_frame.select(
                    _as_type(n, sch[n], target[n])
                    if n in sch
                    else pl.lit(None, dtype=target[n]).alias(n)
                    for n in names
                )
                raw = RawLog(
                    frame=raw_frame.lazy(),
                    source=streamed.shown,
                    format="xes",
                    classifiers=streamed.header.classifiers,
                )
                part_log = normalize(raw, settings.columns, settings.ingest)
                chunk_findings.append(part_log.findings)
                frame = part_log.events.with_columns(pl.col(S.EVENT_INDEX) + offset)
                if events_hook is not None:
                    frame = events_hook(frame, part_log.columns)
                offset += raw_frame.height
                events += frame.height
                del raw_frame, raw, part_log
                if writer is not None:
                    writer.add(frame)
                else:
                    norm = work / f"norm-{len(norm_files):05d}.parquet"
                    frame.drop(S.EVENT_INDEX).write_parquet(norm)
                    norm_files.append(str(norm))
            if events == 0:
                raise SchemaError(f"{streamed.shown}: the log is empty (no events)")
            findings += _merge_findings(chunk_findings)
            if writer is not None:
                manifest = writer.finish(streamed.shown)
                return ConvertSummary(
                    output,
                    "parquet",
                    events,
                    sum(p.cases for p in manifest.partitions),
                    streamed=True,
                    chunks=len(streamed.chunks),
                    partitions=len(manifest.partitions),
                    findings=findings,
                )
        lazy = pl.scan_parquet(norm_files, glob=False)
        write_with(output, lambda tmp: lazy.sink_parquet(tmp))
        cases = pl.scan_parquet(str(output)).select(pl.col(S.CASE).n_unique()).collect().item()
        return ConvertSummary(
            output,
            "parquet",
            events,
            int(cases),
            streamed=True,
            chunks=len(streamed.chunks),
            findings=findings,
        )
