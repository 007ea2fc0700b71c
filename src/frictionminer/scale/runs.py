"""What an executor returns, and the pieces the sharded strategies share.

:class:`Run` is what :meth:`frictionminer.scale.executors.Executor.map_cases` returns,
whichever strategy ran the stage; :func:`measure_shard` is one shard's (or one cluster
part's) work and :func:`sharded_run` the run its results make.  Shared by
:mod:`frictionminer.scale.executors` and :mod:`frictionminer.scale.dask_cluster`, which
import this module and not each other the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Generic, TypeVar

import polars as pl

from frictionminer import schema as S
from frictionminer.errors import UsageError
from frictionminer.io.base import RawLog
from frictionminer.io.normalize import EventLog
from frictionminer.scale import shards
from frictionminer.scale.plan import Lifecycle, ShardPlan
from frictionminer.settings import MeasureSettings, Settings

P = TypeVar("P")


@dataclass
class Run(Generic[P]):
    """What an executor returns: the stage's result for each part, and the log."""

    parts: list[P]
    """The per-case stage's result of each part, in part order."""
    log: EventLog
    """The log as the Result holds it; its events are empty (same columns) when the
    executor does not keep them (:attr:`Executor.keeps_events`)."""
    events: int | None = None
    """Events of the log when ``log.events`` does not hold them (sharded), else None."""
    plan: ShardPlan | None = None
    """How the log was split into shard files (None: in memory)."""
    sample: pl.DataFrame | None = None
    """One normalised event with every column, when ``log.events`` is empty: the stage
    run on it gives the columns of an empty annotated events table."""


def lifecycle_of(log: EventLog, measures: MeasureSettings) -> Lifecycle:
    column = S.LIFECYCLE if S.LIFECYCLE in log.events.columns else None
    decided = Lifecycle.decide(log.events, column, measures.lifecycle)
    return decided.with_state_runs(log.columns.get("activity"), measures.state_runs)


@dataclass
class Shard(Generic[P]):
    """What is kept of one shard: its log's metadata, its event count, the stage's result."""

    log: EventLog
    events: int
    part: P


def measure_shard(
    files: list[Path],
    shard_plan: ShardPlan,
    settings: Settings,
    stage: Callable[[pl.DataFrame], P],
    raw: RawLog | None = None,
) -> Shard[P] | None:
    """One shard's files read, normalised and run through ``stage``; None when it has no
    rows.  ``raw`` is :func:`shards.source` when the caller has it (read once)."""
    rows = shards.read_shard(
        files, shards.source(shard_plan) if raw is None else raw, shard_plan, settings
    )
    if rows is None:
        return None
    return Shard(rows.log, rows.events, stage(rows.take()))


def sharded_run(shard_plan: ShardPlan, settings: Settings, done: list[Shard[P]]) -> Run[P]:
    """The :class:`Run` of a log measured shard by shard: the shards' results, and the log
    with empty events (the columns of one normalised row) and the shards' findings."""
    if not done:
        raise UsageError(f"{shard_plan.path}: the log is empty (no events)")
    first = done[0].log
    sample = shards.sample_log(shard_plan, settings).events
    log = replace(
        first,
        events=sample.clear(),
        findings=shards.merge_findings([shard.log.findings for shard in done]),
        details={**first.details, "shards": shard_plan.shards, "rows": shard_plan.rows},
    )
    events = sum(shard.events for shard in done)
    return Run([shard.part for shard in done], log, events, shard_plan, sample)
