"""Case-partitioned execution: score logs larger than memory, shard by shard.

The per-case stage (normalise → instances → classify → annotate → case_measures) is a
pure function of the events of whole cases (DESIGN §5).  So a large Parquet log is
scanned lazily and split by a hash of the case id into ``K`` shards,
``hash(case_id) % K == k``: every case lands whole in exactly one shard.  Each shard is
collected, run through the per-case stage and reduced to its small per-case table; only
those tables are kept and concatenated.  Peers, score, ranking and flags then run on the
gathered table (:func:`frictionminer.analysis.score_and_flag`), exactly as in memory —
the result is the same, row for row (tests/test_shards.py checks it for several ``K``).

Peak memory is that of one shard's events plus the gathered per-case table, so ``K`` is
chosen from the row count (cheap: Parquet metadata) and :data:`EVENTS_PER_SHARD`.  The
same function could be mapped by Spark, Dask or Ray over the shards; here they run one
after the other in this process, which is what keeps memory bounded.

Decisions that depend on the whole log are taken once, before the shards run:

* column roles are resolved on the schema of the whole source and passed explicitly to
  every shard, and only the columns the analysis reads are scanned;
* the lifecycle choice (``measures.lifecycle = "auto"``: are there ``complete``
  events at all?) is one order-free query over the whole scan;
* the timestamp format detected on the first shard is imposed on the others.

``event_index`` is the row's position in the whole input (a row index added to the scan
before the shard filter), as in memory, so ties in time break the same way.

What a sharded :class:`~frictionminer.analysis.Result` holds: ``cases`` and ``flags`` as
usual; ``events`` and ``log.events`` are *empty* frames with the usual columns (the
events do not fit in memory — that is why we shard); ``n_events`` holds the event
count; ``sharded`` is the :class:`ShardPlan`.  :meth:`Result.case` (``explain``) re-reads
the one case it needs with a filter on the case id (:func:`case_events`).

Only a single Parquet source without ``[[sources]]`` or ``[[case_tables]]`` is sharded;
anything else is analysed in memory.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from frictionminer import schema as S
from frictionminer.errors import UsageError
from frictionminer.ingest.base import Finding, RawLog
from frictionminer.ingest.normalize import EventLog
from frictionminer.settings import ColumnSettings, Settings

if TYPE_CHECKING:
    from frictionminer.analysis import Result

SHARD_THRESHOLD = 20_000_000
"""Events above which a Parquet log is analysed in shards (unless told otherwise)."""
EVENTS_PER_SHARD = 10_000_000
"""Events per shard when ``K`` is chosen automatically.  A shard's per-case stage
(normalise, classify, annotate, measure) peaks at about 250-300 bytes per event (2.7 GB
for the whole 10M-event run in memory), so a 10M-event shard takes about 3 GB, leaving
room within an 8 GiB budget for the gathered per-case table (about 350 bytes per case
once scored: 4 GB for the 11.5M cases of 100M events) and the output."""
SEED = 0x5EED
"""Seed of the case-id hash; fixed, so that a case is always in the same shard."""
_ROW = "__fm_row"


@dataclass(frozen=True)
class ShardPlan:
    """How a log is split: where it is, how many rows, how many shards, which columns."""

    path: str
    rows: int
    """Rows in the source (from the Parquet metadata, before normalisation)."""
    shards: int
    columns: ColumnSettings
    """The roles resolved on the whole source's schema (nothing left to detect)."""
    scan: tuple[str, ...]
    """Source columns read (the mapped roles plus category, value and organisation)."""
    instances: str | None
    """Lifecycle transition kept as instances, for all shards; None: every event."""
    detected: tuple[str, ...] = ()
    """Roles that were detected from column names rather than given."""
    timestamp_format: str | None = None
    """Format detected on the first shard, imposed on the rest (None: typed column)."""


def parquet_rows(path: str | Path) -> int | None:
    """Rows of a Parquet file, directory or glob (from metadata); None for other formats."""
    from frictionminer.ingest import detect_format
    from frictionminer.ingest.tabular import read_parquet

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
    from frictionminer.ingest.normalize import resolve_columns
    from frictionminer.ingest.tabular import read_parquet

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
    )


def _lifecycle_choice(
    raw: RawLog, column: str | list[str] | None, settings: Settings
) -> str | None:
    """The instance transition for the whole log (one order-free pass over one column)."""
    from frictionminer.paths import instance_transition

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
    from frictionminer.ingest.tabular import read_parquet

    raw = read_parquet(plan.path)
    frame = raw.frame if every_column else raw.frame.select(plan.scan)
    frame = frame.with_row_index(_ROW)
    return dataclasses.replace(raw, frame=frame)


def _normalized(raw: RawLog, frame: pl.DataFrame, plan: ShardPlan, settings: Settings) -> EventLog:
    """The shard's rows normalised as ``load`` would, with the global ``event_index``."""
    from frictionminer.ingest.normalize import normalize

    ingest = settings.ingest
    if plan.timestamp_format is not None:
        ingest = dataclasses.replace(ingest, timestamp_format=plan.timestamp_format)
    one = dataclasses.replace(raw, frame=frame.lazy())
    log = normalize(one, plan.columns, ingest)
    events = log.events.with_columns(pl.col(_ROW).cast(pl.Int64).alias(S.EVENT_INDEX)).drop(_ROW)
    detected = {role: role in plan.detected for role in log.detected}
    return dataclasses.replace(log, events=events, detected=detected)


def _shard_expr(plan: ShardPlan, k: int) -> pl.Expr:
    case = plan.columns.case
    assert isinstance(case, str)
    return pl.col(case).hash(seed=SEED) % plan.shards == k


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


def analyze_sharded(path: str | Path, settings: Settings, shard_plan: ShardPlan) -> Result:
    """Analyse ``path`` shard by shard (see the module docstring); a sharded Result."""
    from frictionminer.analysis import Result, measure_cases, score_and_flag_scored, sort_in_place
    from frictionminer.paths import describe_instances, keep_instances
    from frictionminer.score import score_cases

    raw = _scan(shard_plan)
    tables: list[pl.DataFrame] = []
    findings: list[list[Finding]] = []
    first: EventLog | None = None
    events_total = kept_total = 0
    for k in range(shard_plan.shards):
        frame = raw.frame.filter(_shard_expr(shard_plan, k)).collect()
        if frame.height == 0:
            continue
        log = _normalized(raw, frame, shard_plan, settings)
        del frame
        if first is None:
            first = log
            shard_plan = dataclasses.replace(shard_plan, timestamp_format=log.timestamp_format)
        findings.append(log.findings)
        instances = keep_instances(log.events, shard_plan.instances)
        events_total += log.events.height
        kept_total += instances.height
        _, measures = measure_cases(instances, settings)
        del log, instances
        tables.append(measures)
    if first is None:
        raise UsageError(f"{shard_plan.path}: the log is empty (no events)")
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
        findings=_merge_findings(findings),
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


def analyze_path(path: str | Path, settings: Settings, *, shards: int | None = None) -> Result:
    """``analyze(load(path))`` — in shards when the log is large (see :func:`plan`)."""
    from frictionminer.analysis import analyze
    from frictionminer.ingest import load

    shard_plan = plan(path, settings, shards=shards)
    if shard_plan is None:
        return analyze(load(path, settings), settings)
    return analyze_sharded(path, settings, shard_plan)


def case_events(shard_plan: ShardPlan, settings: Settings, case_id: str) -> pl.DataFrame:
    """The annotated events of one case, re-read from the source with a filter.

    Only the rows of that case are collected (the filter on the case id is pushed into
    the Parquet scan), then run through the same per-case stage as in the sharded run.
    """
    from frictionminer.analysis import measure_cases
    from frictionminer.paths import keep_instances

    raw = _scan(shard_plan, every_column=True)
    case = shard_plan.columns.case
    assert isinstance(case, str)
    frame = raw.frame.filter(pl.col(case).cast(pl.String) == case_id).collect()
    if frame.height == 0:
        return pl.DataFrame()
    log = _normalized(raw, frame, shard_plan, settings)
    events, _ = measure_cases(keep_instances(log.events, shard_plan.instances), settings)
    return events
