"""The per-case stage on a Dask cluster: :class:`DaskCases`, one more executor strategy.

``[engine] name = "dask"`` (``--engine dask``) runs the per-case stage on the workers of a
Dask cluster: an existing one (``[engine] scheduler``, ``--scheduler ADDRESS``) or, without
an address, a :class:`~dask.distributed.LocalCluster` on this machine (one worker process
per available CPU, one thread each), closed at the end of the run (:func:`session`).
Dask is an optional extra (``pip install 'frictionminer[dask]'``), imported here only
when asked for; without it the run stops with one line saying so.

What runs where:

* **Whole-log decisions, here, once.**  For a Parquet log the shard plan
  (:func:`frictionminer.scale.shards.plan`: column roles resolved on the whole source's
  schema, the lifecycle choice, the state-log choice) is taken in this process and
  shipped to the workers inside every task; a timestamp column stored as text gets its
  format from the first part with rows, which runs alone before the others, as in
  :class:`~frictionminer.scale.executors.Sharded`.
* **The split by case, on the workers.**  Each worker reads a slice of the source's
  rows and writes them, split by :func:`~frictionminer.scale.plan.case_part`, into one
  file per case-hash part in a temporary folder all workers see
  (:func:`frictionminer.scale.shards.write_slice`).  This was measured against Dask's own
  shuffle of a ``dask.dataframe`` on the case hash (docs/scale-out.md: the files were
  faster and lighter here, and keep polars end to end).
* **The per-case stage, on the workers**: one task per part reads that part's files,
  normalises them with the plan and runs the stage the engine gives; only the stage's
  small per-case and per-activity tables come back.  Peers, score, ranking and flags
  then run here on the gathered table, as for every strategy, so the result is the
  in-memory one row for row.

A log that is not Parquet (CSV, XES) or is already in memory (``audit``'s window) is
loaded here, its whole-log decisions taken here, cut into case-hash parts and each part
sent to the cluster inside its task; the parts' annotated events come back with their
tables, as in memory.  Tasks hold their inputs (a slice's row range, a part's file
names, or the part itself), so when a worker dies the scheduler reruns its tasks
elsewhere; a rerun slice replaces its files whole.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from frictionminer import schema as S
from frictionminer.errors import UsageError
from frictionminer.io.normalize import EventLog
from frictionminer.scale import shards
from frictionminer.scale.plan import Lifecycle, ShardPlan, available_cpus, case_part
from frictionminer.scale.runs import Run, Shard, lifecycle_of, measure_shard, sharded_run
from frictionminer.settings import EngineSettings, Settings

INSTALL = "pip install 'frictionminer[dask]'"
"""How the optional extra is installed (said by the error when Dask is missing)."""
SLICE_ROWS = 5_000_000
"""Source rows one split task reads at most (at least one slice per worker)."""
PARTS_PER_WORKER = 2
"""Case-hash parts per worker when ``[engine] parts`` is unset."""
CONNECT_TIMEOUT = "20s"
"""How long to try to reach ``--scheduler`` before giving up."""
_PART = "__fm_part"

P = TypeVar("P")

_ACTIVE: list[Any] = []
"""The client of the :func:`session` that is open (at most one)."""


def distributed() -> Any:
    """``dask.distributed``, or a UsageError naming the extra to install."""
    try:
        import dask.distributed as module
    except ImportError:
        raise UsageError(f"--engine dask needs Dask, which is not installed: {INSTALL}") from None
    return module


@contextlib.contextmanager
def session(engine: EngineSettings) -> Iterator[Any]:
    """A Dask client for the run: to ``engine.scheduler``, else to a LocalCluster sized to
    this machine (worker processes, one per available CPU, one thread each) that is
    closed on exit.  Re-entrant: inside an open session, that session's client."""
    if _ACTIVE:
        yield _ACTIVE[-1]
        return
    dd = distributed()
    with contextlib.ExitStack() as stack:
        if engine.scheduler:
            try:
                client = dd.Client(engine.scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise UsageError(
                    f"--scheduler {engine.scheduler}: no Dask scheduler answers there ({exc})"
                ) from None
        else:
            import multiprocessing

            import dask

            if "forkserver" in multiprocessing.get_all_start_methods():
                # workers forked from a fresh server process: 3.0 s to start two here and
                # 0.04 s to close them, against 5.1 s and 1.2 s spawned (the default);
                # never forked from this process, whose polars threads are running
                stack.enter_context(
                    dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
                )
            # the workers' scratch space in a folder of this run's own, removed after the
            # cluster is closed (Dask's default, <tmp>/dask-scratch-space, stays behind)
            scratch = stack.enter_context(
                tempfile.TemporaryDirectory(
                    prefix="frictionminer-dask-", ignore_cleanup_errors=True
                )
            )
            stack.enter_context(dask.config.set({"temporary-directory": scratch}))
            cluster = dd.LocalCluster(
                local_directory=scratch,
                n_workers=available_cpus(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                scheduler_kwargs={"dashboard_address": ":0"},  # no fixed port to collide on
                silence_logs=logging.ERROR,
            )
            stack.callback(cluster.close)
            # results straight from the workers (by default they pass through the scheduler,
            # which is what works when only the scheduler is reachable)
            client = dd.Client(cluster, set_as_default=False, direct_to_workers=True)
        stack.callback(client.close)
        if engine.scheduler:
            _check_workers(client, engine.scheduler)
        _ACTIVE.append(client)
        try:
            yield client
        finally:
            _ACTIVE.pop()


def _check_workers(client: Any, address: str) -> None:
    """Every worker has this frictionminer (the tasks call its functions by name)."""
    from importlib.metadata import version

    here = version("frictionminer")
    try:
        there: dict[str, str] = client.run(version, "frictionminer")
    except ImportError:  # PackageNotFoundError, raised on a worker
        there = {"a worker": "none"}
    wrong = {worker: v for worker, v in there.items() if v != here}
    if wrong:
        worker, found = next(iter(wrong.items()))
        raise UsageError(
            f"--scheduler {address}: {worker} has frictionminer {found}, this is {here}; "
            "install the same version on every worker"
        )


def _workers(client: Any) -> int:
    """Workers of the cluster (at least one: a scheduler without workers waits for one)."""
    return max(1, len(client.scheduler_info(n_workers=-1)["workers"]))


def _submit(client: Any, fn: Callable[..., Any], *args: Any, key: str) -> Any:
    """``fn(*args)`` as a task whose inputs travel with it (so it can be rerun anywhere)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Ll]arge graph.*")
        return client.submit(fn, *args, key=key, pure=False)


class DaskCases:
    """The per-case stage on a Dask cluster's workers (see the module docstring).

    ``source`` is a Parquet path (file, folder or glob: split on the workers, events not
    kept, like :class:`~frictionminer.scale.executors.Sharded`) or anything else the
    pipeline reads (loaded here and sent in parts, events kept).  ``parts`` is the number
    of case-hash parts (default ``[engine] parts``, else :data:`PARTS_PER_WORKER` per
    worker and at least one per :data:`~frictionminer.scale.shards.EVENTS_PER_SHARD`
    events); ``workdir`` is where the parts' files are written (default ``[engine]
    workdir``, else the system's temp folder), and must be the same folder for every
    worker and this process.
    """

    def __init__(
        self,
        source: EventLog | str | os.PathLike[str],
        settings: Settings,
        *,
        parts: int | None = None,
        workdir: str | Path | None = None,
    ) -> None:
        self.settings = settings
        self.engine = settings.engine
        self.parts = parts if parts is not None else settings.engine.parts
        self.workdir = workdir if workdir is not None else settings.engine.workdir
        self.plan: ShardPlan | None = None
        self.log: EventLog | None = None
        if isinstance(source, EventLog):
            self.log = source
        else:
            path = os.fspath(source)
            shardable = not settings.sources and not settings.case_tables
            rows = shards.parquet_rows(path) if shardable else None
            if rows is None:
                from frictionminer.io import load

                self.log = load(path, settings)
            else:  # any K > 1 gives the plan; the count is fixed once the workers are known
                self.plan = shards.plan(path, settings, shards=2)
        if self.log is not None:
            self._lifecycle = lifecycle_of(self.log, settings.measures)
        else:
            assert self.plan is not None
            self._lifecycle = self.plan.lifecycle

    @property
    def lifecycle(self) -> Lifecycle:
        return self._lifecycle

    @property
    def keeps_events(self) -> bool:
        """Events come back only for a log that was in memory here anyway."""
        return self.plan is None

    def map_cases(self, stage: Callable[[pl.DataFrame], P]) -> Run[P]:
        with session(self.engine) as client:
            if self.plan is None:
                assert self.log is not None
                return self._sent(client, self.log, stage)
            return self._split(client, self.plan, stage)

    def _count(self, client: Any, rows: int) -> int:
        if self.parts is not None:
            return max(1, self.parts)
        workers = _workers(client)
        return max(PARTS_PER_WORKER * workers, shards.choose_shards(rows))

    def _sent(self, client: Any, log: EventLog, stage: Callable[[pl.DataFrame], P]) -> Run[P]:
        """A log in memory here: cut into case-hash parts, each sent inside its task."""
        count = self._count(client, log.events.height)
        key = case_part(pl.col(S.CASE), count).alias(_PART)
        parts = log.events.with_columns(key).partition_by(_PART, include_key=False)
        token = uuid.uuid4().hex[:12]
        futures = [
            _submit(client, stage, parts.pop(0), key=f"fm-cases-{token}-{i}")
            for i in range(len(parts))
        ]
        return Run(_gather(client, futures), log)

    def _split(
        self, client: Any, shard_plan: ShardPlan, stage: Callable[[pl.DataFrame], P]
    ) -> Run[P]:
        """A Parquet log: split by case on the workers, one task per part."""
        workers = _workers(client)
        shard_plan = replace(shard_plan, shards=self._count(client, shard_plan.rows))
        slices = max(workers, math.ceil(shard_plan.rows / SLICE_ROWS))
        size = max(1, math.ceil(shard_plan.rows / slices))
        token = uuid.uuid4().hex[:12]
        with shards.workdir(self.workdir) as folder:
            futures = [
                _submit(
                    client,
                    shards.write_slice,
                    shard_plan,
                    str(folder),
                    i,
                    offset,
                    size,
                    key=f"fm-split-{token}-{i}",
                )
                for i, offset in enumerate(range(0, shard_plan.rows, size))
            ]
            written: list[list[int]] = _gather(client, futures)
            files = shards.slice_files(folder, written, shard_plan.shards)
            done: list[Shard[P]] = []
            pending = list(enumerate(files))
            if _needs_format(shard_plan, self.settings):
                # the first part with rows runs alone: its timestamp format is imposed on all
                while pending and not done:
                    k, part_files = pending.pop(0)
                    first = _gather(
                        client,
                        [
                            _submit(
                                client,
                                measure_shard,
                                part_files,
                                shard_plan,
                                self.settings,
                                stage,
                                key=f"fm-part-{token}-{k}",
                            )
                        ],
                    )[0]
                    if first is not None:
                        done.append(first)
                        shard_plan = replace(
                            shard_plan, timestamp_format=first.log.timestamp_format
                        )
            futures = [
                _submit(
                    client,
                    measure_shard,
                    part_files,
                    shard_plan,
                    self.settings,
                    stage,
                    key=f"fm-part-{token}-{k}",
                )
                for k, part_files in pending
            ]
            done.extend(shard for shard in _gather(client, futures) if shard is not None)
        return sharded_run(shard_plan, self.settings, done)


def _needs_format(shard_plan: ShardPlan, settings: Settings) -> bool:
    """Whether the timestamp column is text whose format is still to be detected."""
    if settings.ingest.timestamp_format is not None:
        return False
    column = shard_plan.columns.timestamp
    schema = shards.source(shard_plan).frame.collect_schema()
    return not isinstance(column, str) or not schema.get(column, pl.String).is_temporal()


def _gather(client: Any, futures: list[Any]) -> list[Any]:
    """The futures' results in order, each fetched as soon as its task is done and then
    released on its worker (so a worker holds the results of its running task only, not of
    every part it measured); when one fails, the others are cancelled and its error is
    raised (as it was raised on the worker)."""
    dd = distributed()
    where = {future.key: i for i, future in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    try:
        for future in dd.as_completed(futures, loop=client.loop):
            results[where[future.key]] = future.result()
            future.release()
    except BaseException:
        client.cancel(futures)
        raise
    return results
