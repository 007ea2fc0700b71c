"""The one friction pipeline behind every command: one call, one result.

``analyze(source, settings)`` returns a :class:`~frictionminer.engine.result.Result` that
every output reads and none recomputes; ``score``, ``explain``, ``report`` and ``audit``
all go through it.  It runs in three stages (DESIGN §5):

1. **Whole-log decisions**, taken once by the strategy chosen for the source
   (:func:`frictionminer.scale.executors.executor_for`): column roles, the lifecycle
   choice and, for shards, the timestamp format.
2. **The per-case stage** (:func:`case_stage`): instances → classify → censoring (only
   with ``censor_at``) → annotate → case measures, plus the facts causes and reports
   need.  A pure function of the events of whole cases, so the strategy maps it over
   case-hash parts: the whole log in memory, parts in threads, or shard files two at a
   time (:mod:`frictionminer.scale.executors`).
3. **The gathered stage**: the parts' per-case tables concatenated and sorted by case
   id (the order of the serial table, so float aggregates see the same order), scored
   against their peers, ranked, flagged; the parts' facts combined.

Whatever the strategy, the cases, flags and facts are the same, row for row
(tests/test_parallel.py, tests/test_shards.py).
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from frictionminer import progress
from frictionminer import schema as S
from frictionminer.engine.result import Result
from frictionminer.scale.executors import Source, executor_for
from frictionminer.scale.plan import ShardPlan, keep_instances
from frictionminer.settings import Settings

if TYPE_CHECKING:
    from frictionminer.engine.coverage import RoleCoverage
    from frictionminer.engine.facts import Facts
    from frictionminer.engine.rules.registry import Norm

FLAG_CHUNK = 1_000_000
"""Cases whose flags are evaluated per step (bounds the rules' intermediate columns)."""
WINDOW_END_ACTIVITY = "(window end)"
"""Activity of the synthetic event that censors an open case at ``censor_at``."""
_SYNTHETIC = "_window_end"

Censor = datetime | timedelta
"""Where open cases are censored: one moment for every case (a window's end), or a
follow-up horizon after each case's first event (``audit``'s common horizon)."""


def analyze(
    source: Source,
    settings: Settings,
    *,
    censor_at: Censor | None = None,
    coverage: RoleCoverage | None = None,
    shards: int | None = None,
    workdir: str | Path | None = None,
    workers: int | None = None,
    summary_only: bool = False,
    keep_events: bool = True,
    keep_log_events: bool = True,
    flag_texts: bool = True,
) -> Result:
    """Classify, reconstruct paths, measure, score and flag every case of ``source``.

    ``source`` is a log in memory or a path (file, folder or glob; read with
    :func:`frictionminer.io.load`, or in shards when it is a large Parquet log).
    ``censor_at`` ends the waits of every case without a resolution at that moment, as
    if it were observed up to then (``audit``'s window end; see :func:`case_stage`); a
    ``timedelta`` observes each case only for that long after its first event.
    ``coverage`` judges which roles the log shows from another run (``audit``'s whole
    window, for the same cases cut at a horizon) instead of from ``source``.
    ``shards`` forces ``K`` case-hash shard files (1: in memory), ``workdir`` is where
    they are written, ``workers`` how many parts or shards are measured at once
    (:mod:`frictionminer.scale.executors`).  ``summary_only`` gathers only the facts the
    summary reads (:data:`frictionminer.engine.facts.SUMMARY_TABLES`; ``score``).
    ``keep_events=False`` keeps no events in the result, as a sharded run does (``score``
    writing cases and a summary needs none): they are released part by part.
    ``keep_log_events=False`` keeps the annotated events but not the log's own (every
    event, before instances are chosen: only ``annotate`` and a pseudonymised log read
    them; ``report``).  ``flag_texts=False`` leaves the flags' names, severities, remedies
    and messages empty, for outputs that show rule ids only (``score`` to CSV or Parquet).
    """
    from frictionminer.engine.coverage import coverage_from_table
    from frictionminer.engine.facts import combine_facts
    from frictionminer.engine.promises import resolve as resolve_promises
    from frictionminer.engine.rules.systemic import log_norms
    from frictionminer.engine.score import score_cases

    progress.stage("read")
    executor = executor_for(
        source,
        settings,
        shards=shards,
        workdir=workdir,
        workers=workers,
        keep_events=keep_events,
        keep_log_events=keep_log_events,
    )
    lifecycle = executor.lifecycle
    stage = functools.partial(
        case_stage,
        settings=settings,
        transition=lifecycle.transition,
        censor_at=censor_at,
        keep_events=executor.keeps_events,
        collapse_runs=lifecycle.collapse_runs,
        summary_only=summary_only,
    )
    run = executor.map_cases(progress.counted(stage))
    progress.stage("score")
    parts, run.parts = run.parts, []
    kept = sum(part.kept for part in parts)
    facts = combine_facts([part.facts for part in parts])
    if run.sample is None:
        events = _concat([part.events for part in parts if part.events is not None])
    else:  # the events are not kept: an empty table with the columns they would have
        sample = case_stage(run.sample, settings).events
        assert sample is not None
        events = sample.clear()
    tables = [part.measures for part in parts]
    del parts
    # The gathered stage holds only per-case tables; each step releases its input
    # before the next (no second copy of the table at a sort), which is what bounds
    # the peak at 100M events (11.5M cases).
    measures = _concat(tables)
    tables.clear()
    if not measures.get_column(S.CASE).is_sorted():
        measures = _sort_draining(measures, [S.CASE], [False])
    # Whole-log: which roles the log shows, from the parts' combined counts (exact).
    if coverage is None:
        coverage = coverage_from_table(
            facts.tables.get("roles"), measures.height, settings.roles.min_case_share
        )
    # Whole-log: promises still pending at their case's end, decided against the log's end.
    measures, promise_tables, promised = resolve_promises(
        measures, facts.tables, settings, coverage, censor_at
    )
    facts = replace(facts, tables=promise_tables)
    scored = score_cases(measures, settings, zero_terms=coverage.zero_terms)
    del measures
    suppressed = coverage.suppressed_rules
    # Whole-log: which rules hold for so much of the log that they are systemic on it.
    norms = log_norms(scored, settings, suppressed=suppressed)
    ranked, flags = _rank_and_flag_draining(
        scored, settings, suppressed=suppressed, norms=norms, texts=flag_texts
    )
    plan = run.plan
    if plan is not None:
        plan = replace(plan, reread=functools.partial(_reread_case, censor_at=censor_at))
    total = run.log.events.height if run.events is None else run.events
    return Result(
        log=run.log,
        settings=settings,
        events=events,
        cases=ranked,
        flags=flags,
        instances=lifecycle.describe(kept, total),
        n_events=run.events,
        sharded=plan,
        facts=facts,
        coverage=coverage,
        norms=norms,
        promises=promised,
    )


@dataclass(frozen=True)
class CaseTables:
    """What the per-case stage leaves of one part of the log (whole cases)."""

    events: pl.DataFrame | None
    """Annotated instance events in path order; None when the strategy does not keep
    them (shards: they do not fit in memory)."""
    measures: pl.DataFrame
    """One row of measures per case, sorted by case id."""
    facts: Facts
    """The small tables causes and reports need (:mod:`frictionminer.engine.facts`)."""
    kept: int
    """Events kept as activity instances."""


def case_stage(
    events: pl.DataFrame,
    settings: Settings,
    *,
    transition: str | None = None,
    censor_at: Censor | None = None,
    keep_events: bool = True,
    collapse_runs: bool = False,
    summary_only: bool = False,
) -> CaseTables:
    """The per-case stage: normalised events of whole cases → :class:`CaseTables`.

    ``transition`` is the whole log's lifecycle choice
    (:attr:`frictionminer.scale.plan.Lifecycle.transition`).  With ``censor_at``, each
    case without a resolution event gets one role-less event at that moment (activity
    :data:`WINDOW_END_ACTIVITY`) before its path is annotated, so its waits run to
    ``censor_at``; those events are not counted in the ``events`` measure and are
    dropped from the annotated events.  A ``timedelta`` ``censor_at`` (a follow-up
    horizon *H*) first drops each case's events from its first event + *H* on and then
    censors at that moment, case by case.  Each step drops its input when done, so a part
    handed over by its only holder is released early.
    """
    from frictionminer.engine.classify import classify
    from frictionminer.engine.facts import gather_facts
    from frictionminer.engine.measures import case_measures
    from frictionminer.engine.paths import annotate
    from frictionminer.engine.promises import case_promises

    instances = keep_instances(events, transition)
    del events
    if isinstance(censor_at, timedelta):
        first = pl.col(S.TIMESTAMP).min().over(S.CASE)
        instances = instances.filter(pl.col(S.TIMESTAMP) < first + censor_at)
    kept = instances.height
    classified = classify(instances, settings.roles)
    del instances
    if censor_at is not None:
        classified = _censored(classified, censor_at)
    annotated = annotate(classified, settings, collapse_runs=collapse_runs)
    del classified
    measures = case_measures(annotated, settings)
    if censor_at is not None:
        measures, annotated = _uncensored(measures, annotated)
    facts = gather_facts(annotated, settings, summary_only=summary_only)
    measures, promised = case_promises(annotated, measures, settings, censor_at)
    facts.tables.update(promised)
    return CaseTables(annotated if keep_events else None, measures, facts, kept)


def _censored(classified: pl.DataFrame, end: Censor) -> pl.DataFrame:
    """``classified`` with a role-less event at ``end`` for each case without a resolution
    (a ``timedelta``: at the case's first event + ``end``).

    The synthetic event copies the case's last event (same attributes), then takes the
    time ``end``, the activity :data:`WINDOW_END_ACTIVITY`, no role, and an
    ``event_index`` after every real one of the part, one per open case in case-id order
    (it only has to sort after the case's own events when times tie).  A column marks
    the synthetic events for :func:`_uncensored`.
    """
    from frictionminer.engine.classify import ROLE_COLUMNS, SIGNAL_ROLE_COLUMNS

    classified = classified.with_columns(pl.lit(False).alias(_SYNTHETIC))
    resolution = ROLE_COLUMNS["resolution"]
    ts = pl.col(S.TIMESTAMP)
    open_ids = classified.group_by(S.CASE).agg(
        pl.col(resolution).any().alias("_resolved"),
        (ts.min() + end if isinstance(end, timedelta) else pl.lit(end))
        .cast(S.TIMESTAMP_DTYPE)
        .alias("_end"),
    )
    open_ids = open_ids.filter(~pl.col("_resolved")).select(S.CASE, "_end")
    if open_ids.height == 0:
        return classified
    start_index = int(classified[S.EVENT_INDEX].max() or 0) + 1  # type: ignore[arg-type]
    tail = (
        classified.join(open_ids, on=S.CASE)
        .sort(S.CASE, S.TIMESTAMP, S.EVENT_INDEX)
        .group_by(S.CASE, maintain_order=True)
        .last()
        .select(*classified.columns, "_end")
    )
    tail = tail.with_columns(
        pl.col("_end").alias(S.TIMESTAMP),
        (pl.int_range(pl.len(), dtype=pl.Int64) + start_index).alias(S.EVENT_INDEX),
        pl.lit(WINDOW_END_ACTIVITY).alias(S.ACTIVITY),
        *[pl.lit(False).alias(c) for c in ROLE_COLUMNS.values()],
        *[pl.lit(False).alias(c) for c in SIGNAL_ROLE_COLUMNS.values() if c in classified.columns],
        pl.lit(True).alias(_SYNTHETIC),
    )
    return pl.concat([classified, tail.select(classified.columns)])


def _uncensored(
    measures: pl.DataFrame, annotated: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The synthetic events of :func:`_censored` taken out of the ``events`` measure and
    of the annotated events (the waits they ended stay as measured)."""
    synthetic = annotated.group_by(S.CASE).agg(pl.col(_SYNTHETIC).sum().cast(pl.Int64).alias("_s"))
    measures = (
        measures.join(synthetic, on=S.CASE, how="left", maintain_order="left")
        .with_columns((pl.col("events") - pl.col("_s")).alias("events"))
        .drop("_s")
    )
    return measures, annotated.filter(~pl.col(_SYNTHETIC)).drop(_SYNTHETIC)


def _reread_case(
    plan: ShardPlan, settings: Settings, case_id: str, *, censor_at: Censor | None
) -> pl.DataFrame:
    """One case of a sharded run re-read from its source and run through the same
    per-case stage (the :attr:`ShardPlan.reread` of a sharded Result)."""
    from frictionminer.scale.shards import case_rows

    rows = case_rows(plan, settings, case_id)
    if rows.height == 0:
        return rows
    part = case_stage(rows, settings, transition=plan.lifecycle.transition, censor_at=censor_at)
    assert part.events is not None
    return part.events


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The parts' tables one after the other, without copying (one part: itself)."""
    if len(frames) == 1:
        return frames[0]
    return pl.concat(frames, how="vertical_relaxed", rechunk=False)


def score_and_flag_scored(
    scored: pl.DataFrame, settings: Settings, *, suppressed: Collection[str] = ()
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The scored cases ranked (by friction score, then case id) and their flags (with the
    log's norms for systemic rules, :func:`~frictionminer.engine.rules.systemic.log_norms`).

    ``scored`` is left as it is: the ranking drains a shallow copy of it.
    """
    from frictionminer.engine.rules.systemic import log_norms

    norms = log_norms(scored, settings, suppressed=suppressed)
    return _rank_and_flag_draining(scored.clone(), settings, suppressed=suppressed, norms=norms)


def _rank_and_flag_draining(
    scored: pl.DataFrame,
    settings: Settings,
    *,
    suppressed: Collection[str] = (),
    norms: Mapping[str, Norm] | None = None,
    texts: bool = True,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`score_and_flag_scored` for a table its caller owns: ``scored`` is emptied
    (:func:`_sort_draining`), so that the ranked copy never coexists with it."""
    from frictionminer.engine.rules import evaluate_flags

    if scored.get_column(S.CASE).is_sorted():
        # Rows in case-id order: a stable sort on the score alone gives the order of
        # (score descending, case id), without comparing strings (100M events: 11.5M
        # cases, the ranking's sort took 8 s).
        ranked = _sort_draining(scored, ["friction_score"], [True], stable=True)
    else:
        ranked = _sort_draining(scored, ["friction_score", S.CASE], descending=[True, False])
    if ranked.height <= FLAG_CHUNK:
        flags = evaluate_flags(ranked, settings, suppressed=suppressed, norms=norms, texts=texts)
        return ranked, flags
    # A flag depends only on its case's row, so the rules can run over slices of the
    # table: evaluate_flags materialises a message column per rule and unpivots them
    # (rules x cases rows), which at 11.5M cases needed over 7 GB at once.
    # Flags come in row order, so the slices' flags concatenate in ranking order.
    parts = [
        evaluate_flags(
            ranked.slice(offset, FLAG_CHUNK),
            settings,
            suppressed=suppressed,
            norms=norms,
            texts=texts,
        )
        for offset in range(0, ranked.height, FLAG_CHUNK)
    ]
    return ranked, pl.concat(parts)


def _sort_draining(
    frame: pl.DataFrame, by: list[str], descending: list[bool], *, stable: bool = False
) -> pl.DataFrame:
    """``frame.sort(by, descending=...)`` for a total order, column by column; ``frame``
    is emptied.

    ``DataFrame.sort`` builds the sorted copy while the original is alive, which doubles
    the memory of the (at 100M events, multi-GB) per-case table.  Here the order is
    computed once and each column is gathered and its original released from ``frame``
    before the next, so the extra memory is one column.  The keys must make the order
    total (they end with the unique case id), so the result equals ``sort``'s; or the
    sort is ``stable`` and the rows' order breaks the ties.
    """
    order = frame.select(
        pl.arg_sort_by(by, descending=descending, maintain_order=stable)
    ).to_series()
    columns = [frame.drop_in_place(name).gather(order) for name in list(frame.columns)]
    return pl.DataFrame(columns)
