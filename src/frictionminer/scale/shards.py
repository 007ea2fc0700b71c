"""Case-partitioned execution: score logs larger than memory, shard by shard.

The per-case stage (normalise → instances → classify → annotate → case_measures) is a
pure function of the events of whole cases (DESIGN §5).  So a large Parquet log is split
by a hash of the case id into ``K`` shards, ``hash(case_id) % K == k``: every case lands
whole in exactly one shard.  The split is **one streaming pass** over the source
(:func:`split`: a lazy scan of the analysed columns sunk into one Parquet file per shard,
``pl.PartitionBy``) into a temporary folder that is removed as soon as the per-case stage
is done, and also when anything fails.  Each shard is then read from its own file, run
through the per-case stage and reduced to its small per-case table; only those tables
are kept and concatenated.  Peers, score, ranking and flags then run on the gathered
table (:func:`frictionminer.engine.pipeline.score_and_flag_scored`), exactly as in memory — the
result is the same, row for row (tests/test_shards.py checks it for several ``K``).
Reading is linear in the events whatever ``K`` (before, every shard re-scanned the whole
source with a hash filter, so reading grew as events × K).

Memory.  During the per-case stage the peak is that of :data:`SHARD_WORKERS` shards'
events (two shards are measured at once, in threads, when two CPUs are available) plus
the per-case tables gathered so far; so ``K`` is chosen from the row count (Parquet
metadata) and :data:`EVENTS_PER_SHARD` (5M events: ~1 GB of working set per shard).  At
100M events (20 shards, 11.5M cases) that stage peaks at about 4 GiB.  The overall peak
comes later, in the gathered stage, which holds the scored case table (~3.2 GiB at
11.5M cases), the flags (~1.7 GiB) and the JSON writer's working set (see
docs/performance.md).  The same per-shard function could be mapped by Spark, Dask or Ray
over the shard files; here they run in this process, which is what keeps memory bounded.

Decisions that depend on the whole log are taken once, before the shards run:

* column roles are resolved on the schema of the whole source and passed explicitly to
  every shard, and only the columns the analysis reads are split;
* the lifecycle choice (``measures.lifecycle = "auto"``: are there ``complete``
  events at all?) is one order-free query over the whole scan;
* the timestamp format detected on the first shard is imposed on the others (the first
  shard with rows runs alone, before the others start).

``event_index`` is the row's position in the whole input (a row index added to the scan
before the split and stored in the shard files), as in memory, so ties in time break the
same way.  The gathered per-case table is sorted by case id before scoring, as the
serial in-memory table is, so float aggregates see the same order.

What a sharded :class:`~frictionminer.engine.result.Result` holds: ``cases`` and ``flags`` as
usual; ``events`` and ``log.events`` are *empty* frames with the usual columns (the
events do not fit in memory — that is why we shard); ``n_events`` holds the event
count; ``sharded`` is the :class:`~frictionminer.scale.plan.ShardPlan`.
:meth:`Result.case` (``explain``) re-reads the one case it needs from the source with a
filter on the case id (:func:`case_events`, which :func:`plan` puts into the plan as its
``reread``, so that ``analysis`` never imports this module).

Only a single Parquet source without ``[[sources]]`` or ``[[case_tables]]`` is sharded;
anything else is analysed in memory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import math
import os
import re
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from frictionminer import schema as S
from frictionminer.errors import UsageError
from frictionminer.io.base import Finding, RawLog
from frictionminer.io.normalize import EventLog
from frictionminer.scale.plan import ShardPlan
from frictionminer.settings import ColumnSettings, Settings

__all__ = [
    "EVENTS_PER_SHARD",
    "SHARD_THRESHOLD",
    "SHARD_WORKERS",
    "ShardPlan",
    "analyze_path",
    "analyze_sharded",
    "case_events",
    "choose_shards",
    "parquet_rows",
    "plan",
    "split",
]

if TYPE_CHECKING:
    from frictionminer.engine.result import Result

SHARD_THRESHOLD = 20_000_000
"""Events above which a Parquet log is analysed in shards (unless told otherwise)."""
EVENTS_PER_SHARD = 5_000_000
"""Events per shard when ``K`` is chosen automatically (see the module docstring)."""
SHARD_WORKERS = 2
"""Shards measured at once (threads), at most one per available CPU."""
SEED = 0x5EED
"""Seed of the case-id hash; fixed, so that a case is always in the same shard."""
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
    columns = ColumnSettings(**given)  # type: ignore[arg-type]
    wanted: list[str] = []
    for col in (*mapping.values(), columns.category, columns.value, settings.measures.organisation):
        for c in col if isinstance(col, list) else [col]:
            if c is not None and c in names and c not in wanted:
                wanted.append(c)
    return ShardPlan(
        path=str(path),
        rows=rows,
        shards=shards,
        columns=columns,
        scan=tuple(wanted),
        instances=_lifecycle_choice(raw, mapping.get("lifecycle"), settings),
        detected=tuple(role for role, yes in detected.items() if yes),
        reread=case_events,
    )


def _lifecycle_choice(
    raw: RawLog, column: str | list[str] | None, settings: Settings
) -> str | None:
    """The instance transition for the whole log (one order-free pass over one column)."""
    from frictionminer.engine.paths import instance_transition

    choice = settings.measures.lifecycle
    if not isinstance(column, str):
        return instance_transition(choice, False, False)
    any_complete = False
    if choice.lower() == "auto":
        life = pl.col(column).cast(pl.String).str.strip_chars().str.to_lowercase()
        any_complete = bool(raw.frame.select((life == "complete").any()).collect().item())
    return instance_transition(choice, True, any_complete)


def _scan(plan: ShardPlan, *, every_column: bool = False) -> RawLog:
    """The source as a lazy scan with the global row index (only the analysed columns,
    unless ``every_column``)."""
    from frictionminer.io.tabular import read_parquet

    raw = read_parquet(plan.path)
    frame = raw.frame if every_column else raw.frame.select(plan.scan)
    frame = frame.with_row_index(_ROW)
    return dataclasses.replace(raw, frame=frame)


def _normalized(raw: RawLog, frame: pl.DataFrame, plan: ShardPlan, settings: Settings) -> EventLog:
    """The shard's rows normalised as ``load`` would, with the global ``event_index``."""
    from frictionminer.io.normalize import normalize

    ingest = settings.ingest
    if plan.timestamp_format is not None:
        ingest = dataclasses.replace(ingest, timestamp_format=plan.timestamp_format)
    one = dataclasses.replace(raw, frame=frame.lazy())
    log = normalize(one, plan.columns, ingest)
    events = log.events.with_columns(pl.col(_ROW).cast(pl.Int64).alias(S.EVENT_INDEX)).drop(_ROW)
    detected = {role: role in plan.detected for role in log.detected}
    return dataclasses.replace(log, events=events, detected=detected)


def _shard_key(plan: ShardPlan) -> pl.Expr:
    """The shard number of each row: ``hash(case_id) % K`` (a whole case, one shard)."""
    case = plan.columns.case
    assert isinstance(case, str)
    return pl.col(case).hash(seed=SEED) % plan.shards


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


@contextlib.contextmanager
def _workdir(parent: str | Path | None) -> Iterator[Path]:
    """A fresh temporary folder (in ``parent``, else the system's temp folder, ``TMPDIR``)
    that is removed with everything in it on exit, also when the analysis fails."""
    with tempfile.TemporaryDirectory(prefix="frictionminer-shards-", dir=parent) as tmp:
        yield Path(tmp)


def _merge_findings(shards: list[list[Finding]]) -> list[Finding]:
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


@dataclasses.dataclass
class _Shard:
    """What the per-case stage leaves of one shard."""

    table: pl.DataFrame
    """One row of measures per case of the shard."""
    log: EventLog
    """The shard's log with its events emptied (findings, details, timestamp format)."""
    events: int
    kept: int
    """Events kept as activity instances."""


def _measure_shard(
    files: list[Path], raw: RawLog, shard_plan: ShardPlan, settings: Settings
) -> _Shard | None:
    """One shard's files through the per-case stage (None for a shard without rows).

    Only the per-case table is returned: the shard's events, instances and annotated
    events are released before this returns (none is kept alive by a name).
    """
    from frictionminer.engine.paths import keep_instances
    from frictionminer.engine.pipeline import measure_cases

    if not files:
        return None
    frame = pl.read_parquet(files, hive_partitioning=False)
    if frame.height == 0:
        return None
    log = _normalized(raw, frame, shard_plan, settings)
    del frame
    events = log.events.height
    instances = keep_instances(log.events, shard_plan.instances)
    meta = dataclasses.replace(log, events=log.events.clear())
    del log
    kept = instances.height
    table = measure_cases(instances, settings)[1]
    return _Shard(table, meta, events, kept)


def _workers(workers: int | None) -> int:
    """Shards measured at once: :data:`SHARD_WORKERS`, at most one per available CPU."""
    if workers is not None:
        return max(1, workers)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(SHARD_WORKERS, cpus or 1))


def _per_case(
    files: list[list[Path]], shard_plan: ShardPlan, settings: Settings, workers: int = 1
) -> tuple[ShardPlan, list[_Shard]]:
    """Every shard through the per-case stage, ``workers`` shards at a time; the plan
    (with the timestamp format now fixed) and the shards' results in shard order.

    The first shard with rows runs alone: the timestamp format detected on it is imposed
    on all the others.  The rest run in a thread pool (polars releases the GIL; most of
    the per-case stage is segmented scans that polars runs on one core, so two shards
    at once use both cores).  If one fails, the shards not yet started are cancelled.
    """
    from frictionminer.io.tabular import read_parquet

    raw = read_parquet(shard_plan.path)
    done: list[_Shard] = []
    rest = iter(files)
    for shard_files in rest:
        first = _measure_shard(shard_files, raw, shard_plan, settings)
        if first is not None:
            done.append(first)
            shard_plan = dataclasses.replace(
                shard_plan, timestamp_format=first.log.timestamp_format
            )
            break
    if not done:
        raise UsageError(f"{shard_plan.path}: the log is empty (no events)")
    remaining = list(rest)
    if workers < 2 or len(remaining) < 2:
        results = [_measure_shard(f, raw, shard_plan, settings) for f in remaining]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fm-shard") as pool:
            futures = [pool.submit(_measure_shard, f, raw, shard_plan, settings) for f in remaining]
            try:
                results = [future.result() for future in futures]
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    done.extend(shard for shard in results if shard is not None)
    return shard_plan, done


def analyze_sharded(
    path: str | Path,
    settings: Settings,
    shard_plan: ShardPlan,
    *,
    workdir: str | Path | None = None,
    workers: int | None = None,
) -> Result:
    """Analyse ``path`` shard by shard (see the module docstring); a sharded Result.

    The shard files are written into a temporary folder inside ``workdir`` (default: the
    system's temp folder, ``TMPDIR``), which is removed as soon as the per-case stage is
    done, and also when it fails.  ``workers`` shards are measured at once (default:
    :data:`SHARD_WORKERS`, at most one per CPU).
    """
    from frictionminer.engine.paths import describe_instances, keep_instances
    from frictionminer.engine.pipeline import (
        measure_cases,
        score_and_flag_scored,
        sort_in_place,
    )
    from frictionminer.engine.result import Result
    from frictionminer.engine.score import score_cases

    with _workdir(workdir) as folder:
        shard_plan, shards = _per_case(
            split(shard_plan, folder), shard_plan, settings, _workers(workers)
        )
    gc.collect()
    tables = [shard.table for shard in shards]
    first = shards[0].log
    findings = _merge_findings([shard.log.findings for shard in shards])
    events_total = sum(shard.events for shard in shards)
    kept_total = sum(shard.kept for shard in shards)
    del shards
    # Empty frames with every column an in-memory run would have: the per-case stage
    # run on the source's first row, all columns.
    full = _scan(shard_plan, every_column=True)
    sample = _normalized(full, full.frame.head(1).collect(), shard_plan, settings).events
    empty_events = measure_cases(keep_instances(sample, None), settings)[0].clear()
    # The gathered stage holds only per-case tables; each step releases its input
    # before the next (no second copy of the table at a sort), which is what bounds
    # the peak at 100M events (11.5M cases).
    measures = pl.concat(tables, how="vertical_relaxed", rechunk=False)
    tables.clear()
    measures = sort_in_place(measures, [S.CASE], [False])
    scored = score_cases(measures, settings)
    del measures
    scored, flags = score_and_flag_scored(scored, settings)
    has_life = isinstance(shard_plan.columns.lifecycle, str)
    described = describe_instances(
        settings.measures.lifecycle,
        has_life,
        shard_plan.instances is not None,
        kept_total,
        events_total,
    )
    log = dataclasses.replace(
        first,
        events=sample.clear(),
        findings=findings,
        details={**first.details, "shards": shard_plan.shards, "rows": shard_plan.rows},
    )
    return Result(
        log=log,
        settings=settings,
        events=empty_events,
        cases=scored,
        flags=flags,
        instances=described,
        n_events=events_total,
        sharded=shard_plan,
    )


def analyze_path(
    path: str | Path,
    settings: Settings,
    *,
    shards: int | None = None,
    workdir: str | Path | None = None,
    workers: int | None = None,
) -> Result:
    """``analyze(load(path))`` — in shards when the log is large (see :func:`plan`);
    ``workdir`` and ``workers`` as for :func:`analyze_sharded`."""
    from frictionminer.engine.pipeline import analyze
    from frictionminer.io import load

    shard_plan = plan(path, settings, shards=shards)
    if shard_plan is None:
        return analyze(load(path, settings), settings)
    return analyze_sharded(path, settings, shard_plan, workdir=workdir, workers=workers)


def case_events(shard_plan: ShardPlan, settings: Settings, case_id: str) -> pl.DataFrame:
    """The annotated events of one case, re-read from the source with a filter.

    Only the rows of that case are collected (the filter on the case id is pushed into
    the Parquet scan), then run through the same per-case stage as in the sharded run.
    """
    from frictionminer.engine.paths import keep_instances
    from frictionminer.engine.pipeline import measure_cases

    raw = _scan(shard_plan, every_column=True)
    case = shard_plan.columns.case
    assert isinstance(case, str)
    frame = raw.frame.filter(pl.col(case).cast(pl.String) == case_id).collect()
    if frame.height == 0:
        return pl.DataFrame()
    log = _normalized(raw, frame, shard_plan, settings)
    events, _ = measure_cases(keep_instances(log.events, shard_plan.instances), settings)
    return events
