"""How the per-case stage runs over a log: the strategies behind the one pipeline.

:func:`frictionminer.engine.pipeline.analyze` is one function for every command; only the
way it maps the per-case stage over a log differs, and that is chosen here
(:func:`executor_for`):

* :class:`Serial` -- the log in memory, one part;
* :class:`ThreadParts` -- the log in memory, cut into case-hash parts measured at once
  in threads (at least :data:`PARALLEL_MIN_EVENTS` events and two CPUs);
* :class:`Sharded` -- a large Parquet log split once into case-hash shard files, read
  back and measured shard by shard, two at a time (:mod:`frictionminer.scale.shards`).

Each is an :class:`Executor`: it takes the whole-log decisions on its own input
(:attr:`Executor.lifecycle`; the shard plan resolves roles and fixes the timestamp
format too), then :meth:`Executor.map_cases` applies the stage it is given to the
normalised events of each part -- every part holding every event of its cases -- and
returns the parts' results with the log they came from (:class:`Run`).  The stage is a
callable from the engine, which this layer never imports: a strategy knows how to cut,
read and schedule, not what a case's measures are.

* :class:`frictionminer.scale.dask_cluster.DaskCases` (``[engine] name = "dask"``) -- the
  same stage on a Dask cluster's workers: a Parquet log split by case on the workers into
  files per case-hash part, one task per part; in its own module so that Dask is imported
  only when asked for.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

import polars as pl

from frictionminer import progress
from frictionminer import schema as S
from frictionminer.errors import UsageError
from frictionminer.io.normalize import EventLog
from frictionminer.scale import shards
from frictionminer.scale.plan import Lifecycle, ShardPlan, available_cpus, case_part
from frictionminer.scale.runs import Run, Shard, lifecycle_of, measure_shard, sharded_run
from frictionminer.scale.shards import plan as plan_shards
from frictionminer.settings import MeasureSettings, Settings

PARALLEL_MIN_EVENTS = 1_000_000
"""Logs in memory with at least this many events are measured in parallel parts."""
MAX_WORKERS = 4
"""Parts measured at once in memory, at most one per available CPU."""
SHARD_WORKERS = 2
"""Shards measured at once (threads), at most one per available CPU."""
_PART = "__fm_part"

P = TypeVar("P")

Source = EventLog | str | os.PathLike[str]
"""What the pipeline analyses: a log in memory, or a path (file, folder or glob)."""


class Executor(Protocol):
    """One way to run the per-case stage over the case-hash parts of one log."""

    @property
    def lifecycle(self) -> Lifecycle:
        """Which events count as instances: decided on the whole log, before any part."""
        ...

    @property
    def keeps_events(self) -> bool:
        """Whether the parts' annotated events fit in memory and are to be kept."""
        ...

    def map_cases(self, stage: Callable[[pl.DataFrame], P]) -> Run[P]:
        """``stage`` applied to the normalised events of each part (whole cases)."""
        ...


class Serial:
    """The log in memory, measured as one part.

    With ``keep_events`` False the run keeps no events, as a sharded one: the log's
    events are handed to the stage and dropped from the log (its columns stay), so that
    they are released as soon as the stage is done with them (``score``: at 10M events
    they are 0.6 GB).  With ``keep_log_events`` False only the log's own events are
    dropped; the parts' annotated events are kept (``report``).
    """

    def __init__(
        self,
        log: EventLog,
        measures: MeasureSettings,
        keep_events: bool = True,
        keep_log_events: bool = True,
    ) -> None:
        self.log = log
        self.lifecycle = lifecycle_of(log, measures)
        self.keeps_events = keep_events
        self.keeps_log_events = keep_events and keep_log_events

    def _handed_over(self) -> tuple[pl.DataFrame, Run[Any]]:
        """The log's events, and the :class:`Run` to fill: when the log's events are not
        kept, it knows their number (and one row, for the columns, when no events are
        kept at all); the log then holds none."""
        events = self.log.events
        if self.keeps_log_events:
            return events, Run([], self.log)
        self.log = replace(self.log, events=events.clear())
        if self.keeps_events:
            return events, Run([], self.log, events=events.height)
        return events, Run([], self.log, events=events.height, sample=events.head(1))

    def map_cases(self, stage: Callable[[pl.DataFrame], P]) -> Run[P]:
        progress.stage("cases", 1)
        events, run = self._handed_over()
        parts = [events]
        del events
        run.parts.append(stage(parts.pop()))
        return run


class ThreadParts(Serial):
    """The log in memory, in ``workers`` case-hash parts measured at once in threads.

    Most of the per-case stage is a chain of segmented scans that polars runs on one
    core; the stage is a pure function of whole cases, so parts that each hold every
    event of their cases are measured at once (polars releases the GIL).  Each part is
    handed to its thread and held by nothing else, so it is released when its stage is
    done.  The parts' annotated events keep each case together and in time order.
    """

    def __init__(
        self,
        log: EventLog,
        measures: MeasureSettings,
        workers: int,
        keep_events: bool = True,
        keep_log_events: bool = True,
    ) -> None:
        super().__init__(log, measures, keep_events, keep_log_events)
        self.workers = workers

    def map_cases(self, stage: Callable[[pl.DataFrame], P]) -> Run[P]:
        key = case_part(pl.col(S.CASE), self.workers).alias(_PART)
        events, run = self._handed_over()
        parts = events.with_columns(key).partition_by(_PART, include_key=False)
        del events
        progress.stage("cases", len(parts))
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="fm-part") as pool:
            futures = [pool.submit(stage, parts.pop(0)) for _ in range(len(parts))]
            run.parts = _results(futures)
            return run


def _results(futures: list[Future[P]]) -> list[P]:
    """The futures' results in order; when one fails, the ones not yet started are
    cancelled and its error is raised."""
    try:
        return [future.result() for future in futures]
    except BaseException:
        for future in futures:
            future.cancel()
        raise


class Sharded:
    """A Parquet log split once into case-hash shard files, measured shard by shard.

    The shard files are written into a temporary folder inside ``workdir`` (default: the
    system's temp folder, ``TMPDIR``), removed as soon as the per-case stage is done,
    and also when it fails.  ``workers`` shards are measured at once (default:
    :data:`SHARD_WORKERS`, at most one per CPU).  Only the stage's results are kept of a
    shard: its events are released before the next shard is read.
    """

    keeps_events = False

    def __init__(
        self,
        shard_plan: ShardPlan,
        settings: Settings,
        *,
        workdir: str | Path | None = None,
        workers: int | None = None,
    ) -> None:
        self.plan = shard_plan
        self.settings = settings
        self.workdir = workdir
        self.workers = _workers(workers, SHARD_WORKERS)

    @property
    def lifecycle(self) -> Lifecycle:
        return self.plan.lifecycle

    def map_cases(self, stage: Callable[[pl.DataFrame], P]) -> Run[P]:
        with shards.workdir(self.workdir) as folder:
            progress.stage("split")
            files = shards.split(self.plan, folder)
            progress.stage("cases", len(files))
            shard_plan, done = self._per_case(files, stage)
        gc.collect()
        return sharded_run(shard_plan, self.settings, done)

    def _per_case(
        self, files: list[list[Path]], stage: Callable[[pl.DataFrame], P]
    ) -> tuple[ShardPlan, list[Shard[P]]]:
        """Every shard through ``stage``, :attr:`workers` shards at a time; the plan (with
        the timestamp format now fixed) and the shards' results in shard order.

        The first shard with rows runs alone: the timestamp format detected on it is
        imposed on all the others.  The rest run in a thread pool (polars releases the
        GIL; most of the per-case stage is segmented scans that polars runs on one core,
        so two shards at once use both cores).  If one fails, the shards not yet started
        are cancelled.
        """
        raw = shards.source(self.plan)

        def measure(shard_files: list[Path], shard_plan: ShardPlan) -> Shard[P] | None:
            return measure_shard(shard_files, shard_plan, self.settings, stage, raw)

        shard_plan = self.plan
        done: list[Shard[P]] = []
        rest = iter(files)
        for shard_files in rest:
            first = measure(shard_files, shard_plan)
            if first is not None:
                done.append(first)
                shard_plan = replace(shard_plan, timestamp_format=first.log.timestamp_format)
                break
        if not done:
            raise UsageError(f"{shard_plan.path}: the log is empty (no events)")
        remaining = list(rest)
        if self.workers < 2 or len(remaining) < 2:
            results = [measure(f, shard_plan) for f in remaining]
        else:
            pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="fm-shard")
            with pool:
                results = _results([pool.submit(measure, f, shard_plan) for f in remaining])
        done.extend(shard for shard in results if shard is not None)
        return shard_plan, done


def _workers(workers: int | None, most: int) -> int:
    """``workers`` when given, else ``most``, at most one per available CPU."""
    if workers is not None:
        return max(1, workers)
    return max(1, min(most, available_cpus()))


def executor_for(
    source: Source,
    settings: Settings,
    *,
    shards: int | None = None,
    workdir: str | Path | None = None,
    workers: int | None = None,
    keep_events: bool = True,
    keep_log_events: bool = True,
) -> Executor:
    """The strategy for ``source``: sharded for a large Parquet path or ``shards > 1``
    (see :func:`frictionminer.scale.shards.plan`), else the log in memory, in parallel
    parts from :data:`PARALLEL_MIN_EVENTS` events when two CPUs (``workers``) are there.

    A log already in memory cannot be sharded: ``shards > 1`` is then a UsageError.
    With ``[engine] name = "dask"`` the stage runs on a Dask cluster instead
    (:class:`frictionminer.scale.dask_cluster.DaskCases`; ``shards`` is then its number
    of case-hash parts).
    """
    if settings.engine.name == "dask":
        from frictionminer.scale.dask_cluster import DaskCases, distributed

        distributed()  # Dask is there, or one line saying how to install it
        return DaskCases(source, settings, parts=shards, workdir=workdir)
    if isinstance(source, EventLog):
        if shards is not None and shards != 1:
            raise UsageError(
                f"--shards {shards} needs the log's path (a Parquet file), not a loaded log"
            )
        log = source
    else:
        from frictionminer.io import load, source_format

        path = os.fspath(source)
        staged, shard_plan = None, None
        if source_format(path, settings) == "database":  # its rows as Parquet parts
            from frictionminer.io.database import keep

            staged = keep(path, settings.database, workdir)
            path = str(staged.folder)
        try:
            shard_plan = plan_shards(path, settings, shards=shards)
            if shard_plan is not None:  # the parts stay until the command ends (rereads)
                return Sharded(shard_plan, settings, workdir=workdir, workers=workers)
            log = load(path, settings)
        finally:
            if staged is not None and shard_plan is None:  # in memory now: parts not needed
                from frictionminer.io.database import release

                release(staged)
        if staged is not None:
            findings = [*staged.findings, *log.findings]
            log = replace(log, format="database", details=staged.details, findings=findings)
    parts = _workers(workers, MAX_WORKERS)
    if parts >= 2 and log.events.height >= PARALLEL_MIN_EVENTS:
        return ThreadParts(log, settings.measures, parts, keep_events, keep_log_events)
    return Serial(log, settings.measures, keep_events, keep_log_events)
