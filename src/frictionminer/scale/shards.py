"""Case-hash shard files: how a log larger than memory is split and read back.

The per-case stage (normalise → instances → classify → annotate → case_measures) is a
pure function of the events of whole cases (DESIGN §5).  So a large Parquet log is split
by a hash of the case id into ``K`` shards (:func:`frictionminer.scale.plan.case_part`):
every case lands whole in exactly one shard.  The split is **one streaming pass** over
the source (:func:`split`: a lazy scan of the analysed columns sunk into one Parquet file
per shard, ``pl.PartitionBy``) into a temporary folder (:func:`workdir`) that is removed
as soon as the per-case stage is done, and also when anything fails.  Each shard is then
read from its own file (:func:`read_shard`), run through the per-case stage and reduced
to its small per-case tables; only those are kept.  Running the stage over the shards is
:class:`frictionminer.scale.executors.Sharded`'s business; peers, score, ranking and flags
then run on the gathered table (:func:`frictionminer.engine.pipeline.analyze`), exactly as
in memory — the result is the same, row for row (tests/test_shards.py checks it for
several ``K``).  Reading is linear in the events whatever ``K`` (before, every shard
re-scanned the whole source with a hash filter, so reading grew as events × K).

Memory.  During the per-case stage the peak is that of
:data:`~frictionminer.scale.executors.SHARD_WORKERS` shards' events (two shards are
measured at once, in threads, when two CPUs are available) plus the per-case tables
gathered so far; so ``K`` is chosen from the row count (Parquet metadata) and
:data:`EVENTS_PER_SHARD` (5M events: ~1 GB of working set per shard).  At 100M events (20
shards, 11.5M cases) that stage peaks at about 4 GiB.  The overall peak comes later, in
the gathered stage, which holds the scored case table (~3.2 GiB at 11.5M cases), the
flags (~1.7 GiB) and the JSON writer's working set (see docs/performance.md).  The same
per-shard function could be mapped by Spark, Dask or Ray over the shard files; here they
run in this process, which is what keeps memory bounded.

Decisions that depend on the whole log are taken once, before the shards run
(:func:`plan`):

* column roles are resolved on the schema of the whole source and passed explicitly to
  every shard, and only the columns the analysis reads are split;
* the lifecycle choice (``measures.lifecycle = "auto"``: are there ``complete``
  events at all?) is one order-free query over the whole scan;
* the timestamp format detected on the first shard is imposed on the others (the first
  shard with rows runs alone, before the others start).

``event_index`` is the row's position in the whole input (a row index added to the scan
before the split and stored in the shard files), as in memory, so ties in time break the
same way.

What a sharded :class:`~frictionminer.engine.result.Result` holds: ``cases``, ``flags``
and ``facts`` as usual; ``events`` and ``log.events`` are *empty* frames with the usual
columns (the events do not fit in memory — that is why we shard); ``n_events`` holds the
event count; ``sharded`` is the :class:`~frictionminer.scale.plan.ShardPlan`.
:meth:`Result.case` (``explain``) re-reads the one case it needs from the source with a
filter on the case id (:func:`case_rows`, run through the same per-case stage by the
re-reader the pipeline puts into the plan).

Only a single Parquet source without ``[[sources]]`` or ``[[case_tables]]`` is sharded;
anything else is analysed in memory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from frictionminer import schema as S
from frictionminer.errors import UsageError
from frictionminer.io.base import Finding, RawLog
from frictionminer.io.normalize import EventLog
from frictionminer.scale.plan import Lifecycle, ShardPlan, case_part
from frictionminer.settings import ColumnSettings, Settings

__all__ = [
    "EVENTS_PER_SHARD",
    "SHARD_THRESHOLD",
    "ShardPlan",
    "ShardRows",
    "case_rows",
    "choose_shards",
    "merge_findings",
    "parquet_rows",
    "plan",
    "read_shard",
    "sample_log",
    "slice_files",
    "source",
    "split",
    "workdir",
    "write_slice",
]

SHARD_THRESHOLD = 20_000_000
"""Events above which a Parquet log is analysed in shards (unless told otherwise)."""
EVENTS_PER_SHARD = 5_000_000
"""Events per shard when ``K`` is chosen automatically (see the module docstring)."""
_ROW = "__fm_row"
_SHARD = "__fm_shard"


def parquet_rows(path: str | Path) -> int | None:
    """Rows of a Parquet file, directory or glob (from metadata); None for other formats."""
    from frictionminer.io import detect_format
    from frictionminer.io.tabular import read_parquet

    if detect_format(path) != "parquet":
        return None
    raw = read_parquet(path)
    return int(raw.frame.select(pl.len()).collect().item())


def choose_shards(rows: int, events_per_shard: int = EVENTS_PER_SHARD) -> int:
    """``K`` for ``rows`` events: enough shards that each holds about ``events_per_shard``."""
    return max(1, math.ceil(rows / events_per_shard))


def plan(
    path: str | Path,
    settings: Settings,
    *,
    shards: int | None = None,
    threshold: int = SHARD_THRESHOLD,
) -> ShardPlan | None:
    """The shard plan for ``path``, or None when it is to be analysed in memory.

    ``shards=None`` shards a Parquet source above ``threshold`` rows; ``shards=K``
    forces ``K`` shards (``K = 1`` means in memory).  A source that cannot be sharded
    (not Parquet, or combined with other tables) with ``shards > 1`` is a UsageError.
    """
    from frictionminer.io.normalize import resolve_columns
    from frictionminer.io.tabular import read_parquet

    if shards is not None and shards < 1:
        raise UsageError(f"--shards must be at least 1, not {shards}")
    if shards == 1:
        return None
    shardable = not settings.sources and not settings.case_tables
    rows = parquet_rows(path) if shardable else None
    if rows is None:
        if shards is not None:
            raise UsageError(
                "--shards needs a single Parquet log (no [[sources]] or [[case_tables]])",
                hint="convert the log with `frictionminer convert LOG out.parquet`",
            )
        return None
    if shards is None:
        if rows <= threshold:
            return None
        shards = choose_shards(rows)
    raw = read_parquet(path)
    names = list(raw.frame.collect_schema().names())
    mapping, detected = resolve_columns(names, settings.columns, raw.source)
    given = {
        role: mapping.get(role) for role in (f.name for f in dataclasses.fields(ColumnSettings))
    }
    given["category"], given["value"] = settings.columns.category, settings.columns.value
    given["rating"] = settings.columns.rating
    columns = ColumnSettings(**given)  # type: ignore[arg-type]
    wanted: list[str] = []
    extra = (columns.category, columns.value, columns.rating, settings.measures.organisation)
    for col in (*mapping.values(), *extra):
        for c in col if isinstance(col, list) else [col]:
            if c is not None and c in names and c not in wanted:
                wanted.append(c)
    life = mapping.get("lifecycle")
    return ShardPlan(
        path=str(path),
        rows=rows,
        shards=shards,
        columns=columns,
        scan=tuple(wanted),
        lifecycle=Lifecycle.decide(
            raw.frame, life if isinstance(life, str) else None, settings.measures.lifecycle
        ).with_state_runs(mapping.get("activity"), settings.measures.state_runs),
        detected=tuple(role for role, yes in detected.items() if yes),
    )


def source(shard_plan: ShardPlan) -> RawLog:
    """The source as :func:`frictionminer.io.tabular.read_parquet` reads it (a lazy scan)."""
    from frictionminer.io.tabular import read_parquet

    return read_parquet(shard_plan.path)


def _scan(shard_plan: ShardPlan, *, every_column: bool = False) -> RawLog:
    """The source as a lazy scan with the global row index (only the analysed columns,
    unless ``every_column``)."""
    raw = source(shard_plan)
    frame = raw.frame if every_column else raw.frame.select(shard_plan.scan)
    frame = frame.with_row_index(_ROW)
    return dataclasses.replace(raw, frame=frame)


def _normalized(
    raw: RawLog, frame: pl.DataFrame, shard_plan: ShardPlan, settings: Settings
) -> EventLog:
    """The shard's rows normalised as ``load`` would, with the global ``event_index``."""
    from frictionminer.io.normalize import normalize

    ingest = settings.ingest
    if shard_plan.timestamp_format is not None:
        ingest = dataclasses.replace(ingest, timestamp_format=shard_plan.timestamp_format)
    one = dataclasses.replace(raw, frame=frame.lazy())
    log = normalize(one, shard_plan.columns, ingest)
    events = log.events.with_columns(pl.col(_ROW).cast(pl.Int64).alias(S.EVENT_INDEX)).drop(_ROW)
    detected = {role: role in shard_plan.detected for role in log.detected}
    return dataclasses.replace(log, events=events, detected=detected)


def _shard_key(shard_plan: ShardPlan) -> pl.Expr:
    """The shard number of each row (a whole case, one shard), on the source's column."""
    case = shard_plan.columns.case
    assert isinstance(case, str)
    return case_part(pl.col(case), shard_plan.shards)


def split(shard_plan: ShardPlan, folder: str | Path) -> list[list[Path]]:
    """Write the analysed columns of the source into ``folder``, one set of Parquet files
    per shard, in one streaming pass; the files of each shard, shard by shard.

    Each row keeps its position in the whole source (``__fm_row``, the global row index)
    and rows keep their input order within a shard.  polars ≥ 2 partitions the scan in
    one pass (``PartitionBy``, one file per shard); older polars gets one filtered
    streaming pass per shard (``K`` reads, still nothing collected).  The files are
    uncompressed and without statistics: they live only as long as the analysis, and
    at 100M events the split took 23-24 CPU seconds instead of 27-28 with LZ4 (zstd:
    three times LZ4's time at 10M events), for 1.8 GB of files (LZ4: 1.4 GB; the
    strings are dictionary-encoded either way).  A shard that gets no rows has no files.
    """
    folder = Path(folder)
    frame = _scan(shard_plan).frame
    key = _shard_key(shard_plan)
    partition_by = getattr(pl, "PartitionBy", None)
    if partition_by is not None:
        frame.sink_parquet(
            partition_by(
                folder,
                key={_SHARD: key},
                include_key=False,
                approximate_bytes_per_file=None,
            ),
            mkdir=True,
            compression="uncompressed",
            statistics=False,
        )
    else:  # polars < 2 (tests hide PartitionBy to run this path)
        for k in range(shard_plan.shards):
            target = folder / f"{_SHARD}={k}" / "0.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            frame.filter(key == k).sink_parquet(
                target, compression="uncompressed", statistics=False
            )
    return [sorted((folder / f"{_SHARD}={k}").glob("*.parquet")) for k in range(shard_plan.shards)]


def write_slice(
    shard_plan: ShardPlan, folder: str | Path, index: int, offset: int, length: int
) -> list[int]:
    """Rows ``offset`` to ``offset + length`` of the source split by shard into ``folder``:
    one file per shard that gets rows (``__fm_shard=K/{index}.parquet``, written under a
    temporary name and renamed, so a rerun of the same slice replaces it whole); the
    shards written to.

    The split of :func:`split` cut into slices of the source that run anywhere the folder
    is visible (a cluster's workers); a shard's files read in ``index`` order hold its rows
    in input order, as :func:`split`'s do.  Each row keeps its global row index.
    """
    folder = Path(folder)
    scan = _scan(shard_plan).frame.slice(offset, length)
    frame = scan.with_columns(_shard_key(shard_plan).alias(_SHARD)).collect()
    written: list[int] = []
    for key, part in frame.partition_by(_SHARD, as_dict=True, include_key=False).items():
        shard = int(key[0])
        target = folder / f"{_SHARD}={shard}" / f"{index:06d}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
        part.write_parquet(partial, compression="uncompressed", statistics=False)
        os.replace(partial, target)
        written.append(shard)
    return sorted(written)


def slice_files(folder: str | Path, written: list[list[int]], count: int) -> list[list[Path]]:
    """The files of each of ``count`` shards, in slice order, from what each slice of
    :func:`write_slice` wrote (``written[index]``)."""
    files: list[list[Path]] = [[] for _ in range(count)]
    for index, shard_numbers in enumerate(written):
        for shard in shard_numbers:
            files[shard].append(Path(folder) / f"{_SHARD}={shard}" / f"{index:06d}.parquet")
    return files


@contextlib.contextmanager
def workdir(parent: str | Path | None) -> Iterator[Path]:
    """A fresh temporary folder (in ``parent``, else the system's temp folder, ``TMPDIR``)
    that is removed with everything in it on exit, also when the analysis fails."""
    with tempfile.TemporaryDirectory(prefix="frictionminer-shards-", dir=parent) as tmp:
        yield Path(tmp)


def merge_findings(shards: list[list[Finding]]) -> list[Finding]:
    """Findings of all shards, one per code: counts summed, the message's count updated."""
    merged: dict[str, Finding] = {}
    for findings in shards:
        for f in findings:
            seen = merged.get(f.code)
            if seen is None:
                merged[f.code] = f
                continue
            total = seen.count + f.count
            message = seen.message
            if seen.count and re.search(rf"\b{seen.count}\b", message):
                message = re.sub(rf"\b{seen.count}\b", str(total), message, count=1)
            merged[f.code] = dataclasses.replace(seen, count=total, message=message)
    return list(merged.values())


class ShardRows:
    """One shard read back and normalised: its events, handed over once, and what stays.

    The events are the bulk of a shard's memory.  :meth:`take` hands them to the per-case
    stage and drops this object's reference, so that the stage's first step (the
    instance filter) can release them while the stage runs.
    """

    def __init__(self, log: EventLog) -> None:
        self.log = dataclasses.replace(log, events=log.events.clear())
        """The shard's log with its events emptied (findings, details, timestamp format)."""
        self.events = log.events.height
        """Events of the shard after normalisation."""
        self._rows: pl.DataFrame | None = log.events

    def take(self) -> pl.DataFrame:
        """The shard's normalised events; they are no longer held here afterwards."""
        rows, self._rows = self._rows, None
        if rows is None:
            raise RuntimeError("a shard's events are taken once")
        return rows


def read_shard(
    files: list[Path], raw: RawLog, shard_plan: ShardPlan, settings: Settings
) -> ShardRows | None:
    """One shard's files, normalised with the plan's roles and timestamp format; None for
    a shard without rows.  ``raw`` is :func:`source` (read once, shared by all shards)."""
    if not files:
        return None
    frame = pl.read_parquet(files, hive_partitioning=False)
    if frame.height == 0:
        return None
    log = _normalized(raw, frame, shard_plan, settings)
    del frame
    return ShardRows(log)


def sample_log(shard_plan: ShardPlan, settings: Settings) -> EventLog:
    """The source's first row, every column, normalised as the shards are: the columns an
    in-memory run would have, for the empty event tables of a sharded result."""
    full = _scan(shard_plan, every_column=True)
    return _normalized(full, full.frame.head(1).collect(), shard_plan, settings)


def case_rows(shard_plan: ShardPlan, settings: Settings, case_id: str) -> pl.DataFrame:
    """The normalised events of one case, re-read from the source with a filter (empty
    when there are none).

    Only the rows of that case are collected (the filter on the case id is pushed into
    the Parquet scan); the caller runs them through the same per-case stage as the shards.
    """
    raw = _scan(shard_plan, every_column=True)
    case = shard_plan.columns.case
    assert isinstance(case, str)
    frame = raw.frame.filter(pl.col(case).cast(pl.String) == case_id).collect()
    if frame.height == 0:
        return pl.DataFrame()
    return _normalized(raw, frame, shard_plan, settings).events
