"""The whole friction pipeline behind every command: one call, one result.

``analyze(log, settings)`` runs classify -> paths -> measures -> score -> flags and
returns a :class:`~frictionminer.engine.result.Result` that every output reads and none
recomputes.
"""

from __future__ import annotations

import polars as pl

from frictionminer import schema as S
from frictionminer.engine.result import Result
from frictionminer.io.normalize import EventLog
from frictionminer.settings import Settings

PARALLEL_MIN_EVENTS = 1_000_000
"""Logs with at least this many instance events are measured in parallel parts."""
MAX_WORKERS = 4
FLAG_CHUNK = 1_000_000
"""Cases whose flags are evaluated per step (bounds the rules' intermediate columns)."""


def analyze(log: EventLog, settings: Settings) -> Result:
    """Classify, reconstruct paths, measure, score and flag every case of ``log``."""
    from frictionminer.engine.paths import select_instances

    instances, described = select_instances(log.events, settings.measures)
    events, measures = measure_cases_parallel(instances, settings)
    scored, flags = score_and_flag(measures, settings)
    return Result(
        log=log, settings=settings, events=events, cases=scored, flags=flags, instances=described
    )


def measure_cases(instances: pl.DataFrame, settings: Settings) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The per-case stage: instance events → (annotated events, one row of measures per case).

    A pure function of the events of whole cases (DESIGN §5): run on all events, or on
    each case-partitioned shard with the per-case tables concatenated (shards.py), it
    gives the same rows.
    """
    from frictionminer.engine.classify import classify
    from frictionminer.engine.measures import case_measures
    from frictionminer.engine.paths import annotate

    events = annotate(classify(instances, settings.roles), settings)
    return events, case_measures(events, settings)


def measure_cases_parallel(
    instances: pl.DataFrame, settings: Settings, workers: int | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`measure_cases` over case-hash parts of ``instances`` in parallel threads.

    Most of the per-case stage is a chain of segmented scans that polars runs on one
    core; the stage is a pure function of whole cases (shards.py relies on the same
    fact), so ``workers`` parts, each with every event of its cases, are measured at
    once (polars releases the GIL) and concatenated.  The rows equal the serial result
    up to order: events stay together per case, in time order.  Below
    :data:`PARALLEL_MIN_EVENTS`, or with one CPU, it is :func:`measure_cases`.
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    if workers is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        workers = min(cpus or 1, MAX_WORKERS)
    if workers < 2 or instances.height < PARALLEL_MIN_EVENTS:
        return measure_cases(instances, settings)
    part = (pl.col(S.CASE).cast(pl.String).hash(seed=0) % workers).alias("_part")
    parts = instances.with_columns(part).partition_by("_part", include_key=False)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        measured = list(pool.map(lambda p: measure_cases(p, settings), parts))
    del parts
    events = pl.concat([e for e, _ in measured], rechunk=False)
    measures = pl.concat([m for _, m in measured], rechunk=False)
    return events, measures


def score_and_flag(measures: pl.DataFrame, settings: Settings) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The gathered stage: peers, score and ranking, then flags, over all cases at once."""
    from frictionminer.engine.score import score_cases

    return score_and_flag_scored(score_cases(measures, settings), settings)


def score_and_flag_scored(
    scored: pl.DataFrame, settings: Settings
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rank ``scored`` (emptying it, see :func:`sort_in_place`) and evaluate the flags."""
    from frictionminer.engine.rules import evaluate_flags

    ranked = sort_in_place(scored, ["friction_score", S.CASE], descending=[True, False])
    if ranked.height <= FLAG_CHUNK:
        return ranked, evaluate_flags(ranked, settings)
    # A flag depends only on its case's row, so the rules can run over slices of the
    # table: evaluate_flags materialises a message column per rule and unpivots them
    # (rules x cases rows), which at 11.5M cases needed over 7 GB at once.
    # Flags come in row order, so the slices' flags concatenate in ranking order.
    parts = [
        evaluate_flags(ranked.slice(offset, FLAG_CHUNK), settings)
        for offset in range(0, ranked.height, FLAG_CHUNK)
    ]
    return ranked, pl.concat(parts)


def sort_in_place(frame: pl.DataFrame, by: list[str], descending: list[bool]) -> pl.DataFrame:
    """``frame.sort(by, descending=...)`` for a total order, column by column.

    ``DataFrame.sort`` builds the sorted copy while the original is alive, which doubles
    the memory of the (at 100M events, multi-GB) per-case table.  Here the order is
    computed once and each column is gathered and its original released from ``frame``
    (which is emptied) before the next, so the extra memory is one column.  The keys
    must make the order total (they end with the unique case id), so the result equals
    ``sort``'s.
    """
    order = frame.select(pl.arg_sort_by(by, descending=descending)).to_series()
    columns = [frame.drop_in_place(name).gather(order) for name in list(frame.columns)]
    return pl.DataFrame(columns)
