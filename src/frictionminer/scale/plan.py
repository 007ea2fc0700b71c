"""Whole-log decisions, taken once before the per-case stage runs on any part.

The per-case stage (DESIGN §5) is a pure function of the events of whole cases, so a log
can be measured in one piece, in case-hash parts or in case-hash shard files with the
same rows -- as long as everything that depends on the *whole* log is decided first and
shipped to every part.  This module holds those decisions as data, and no analysis code:

* :class:`Lifecycle`: which events count as activity instances (``measures.lifecycle =
  "auto"`` asks whether *any* event of the log is ``complete``; deciding per part could
  keep different events than the whole log would);
* :func:`case_part`: which part a case belongs to (a hash of its id, so every case
  lands whole in exactly one part);
* :func:`available_cpus`: how many parts can run at once;
* :class:`ShardPlan`: how a large Parquet log is split into shard files (roles resolved
  on the whole source's schema, the lifecycle choice, the timestamp format).

A sharded :class:`~frictionminer.engine.result.Result` carries its :class:`ShardPlan` in
``Result.sharded``.  It no longer holds its events, so ``Result.case`` (``explain``) has
to re-read the one case it is asked for: the pipeline puts its re-reader into the plan
(:attr:`ShardPlan.reread`) and :meth:`ShardPlan.case_events` calls it, so that the
result never imports the code that runs the analysis.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import polars as pl

from frictionminer import schema as S

if TYPE_CHECKING:
    from frictionminer.settings import ColumnSettings, MeasureSettings, Settings

SEED = 0x5EED
"""Seed of the case-id hash; fixed, so that a case is always in the same part."""


def case_part(case: pl.Expr, parts: int) -> pl.Expr:
    """The part of each row: ``hash(case id) % parts`` -- a whole case, one part.

    The one place where cases are assigned to parts, for the in-memory parts and for the
    shard files alike.
    """
    return case.hash(seed=SEED) % parts


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _life(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String).str.strip_chars()


STATE_NAME = re.compile(r"(?:^|[^A-Za-z])(?i:state|status)(?:$|[^A-Za-z])|[a-z](?:State|Status)$")
"""A column name that says it holds a state: ``incident_state``, ``Status``, ``caseStatus``."""


@dataclass(frozen=True)
class Lifecycle:
    """Which events count as activity instances, decided once for the whole log.

    Where a log records lifecycle transitions, one activity instance is several events
    and measures count instances.  ``choice`` is ``measures.lifecycle``: ``"auto"`` keeps
    the ``complete`` events (case-insensitive) when the log has any, else every event;
    ``"all"`` keeps every event; any other value keeps that transition.  Events without a
    lifecycle value (null or blank) are always kept.
    """

    choice: str
    has_column: bool
    """The log has a lifecycle column."""
    any_complete: bool = False
    """Some event of the whole log is ``complete`` (only asked when ``choice`` is auto)."""
    collapse_runs: bool = False
    """Consecutive events of a case with the same activity are one occurrence for the
    roles and the paths: the activity is a state recorded on every update (a state log)."""
    runs_reason: str | None = None
    """Why runs are collapsed or not (``[measures] state_runs``, or the column's name)."""

    def with_state_runs(self, activity: str | list[str] | None, choice: str) -> Lifecycle:
        """This decision with the state-log one: ``choice`` is ``[measures] state_runs``;
        ``"auto"`` collapses when the activity column's name says it is a state or status
        (``incident_state``, ``Status``, ``caseStatus``): a repeated state then is one update
        row more, not a new occurrence.  The log's shape alone is not evidence enough
        (BPIC 2017 repeats 45% of its activities, BPIC 2013's status 44%; only the second is
        a state; docs/friction-model.md §2)."""
        names = [activity] if isinstance(activity, str) else list(activity or [])
        if choice == "collapse":
            return replace(self, collapse_runs=True, runs_reason="[measures] state_runs")
        if choice == "keep":
            return replace(self, collapse_runs=False, runs_reason="[measures] state_runs")
        stated = [n for n in names if STATE_NAME.search(n)]
        if stated:
            why = f"the activity column '{stated[0]}' names a state"
            return replace(self, collapse_runs=True, runs_reason=why)
        return self

    @classmethod
    def decide(
        cls, frame: pl.DataFrame | pl.LazyFrame, column: str | None, choice: str
    ) -> Lifecycle:
        """The decision for ``frame`` (a whole log, in memory or as a lazy scan): one
        order-free query over the lifecycle ``column`` (None: the log has none)."""
        if column is None or choice.lower() != "auto":
            return cls(choice, column is not None)
        query = frame.select((_life(column).str.to_lowercase() == "complete").any())
        found = query.collect() if isinstance(query, pl.LazyFrame) else query
        return cls(choice, True, bool(found.item()))

    @property
    def transition(self) -> str | None:
        """The lifecycle transition whose events count as instances; None for every event."""
        if not self.has_column or self.choice.lower() == "all":
            return None
        if self.choice.lower() == "auto":
            return "complete" if self.any_complete else None
        return self.choice.lower()

    def describe(self, kept: int, total: int) -> str:
        """One line for ``info`` and the summary: which events were kept, of how many, and
        whether runs of a state are collapsed (and why)."""
        line = self._describe_instances(kept, total)
        if self.collapse_runs:
            line += (
                f"; runs of the same activity are one occurrence ({self.runs_reason}; "
                "[measures] state_runs = 'keep' counts every event)"
            )
        return line

    def _describe_instances(self, kept: int, total: int) -> str:
        if not self.has_column:
            return "every event (the log has no lifecycle column)"
        if self.choice.lower() == "all":
            return "every event (measures.lifecycle = 'all')"
        wanted = self.transition
        if wanted is None:
            return "every event (no lifecycle transition is 'complete')"
        return (
            f"'{wanted}' events only ({kept} of {total} events; "
            f"measures.lifecycle = {self.choice!r})"
        )


def keep_instances(events: pl.DataFrame, wanted: str | None) -> pl.DataFrame:
    """``events`` restricted to the ``wanted`` transition (events without one are kept).

    A row filter, so it gives the same rows on the whole log or on any of its parts.
    """
    if wanted is None:
        return events
    life = _life(S.LIFECYCLE)
    return events.filter(life.is_null() | (life == "") | (life.str.to_lowercase() == wanted))


def select_instances(events: pl.DataFrame, measures: MeasureSettings) -> tuple[pl.DataFrame, str]:
    """Keep one event per activity instance of a whole log in memory; say which.

    Returns the kept events (input order) and :meth:`Lifecycle.describe`'s line.
    """
    column = S.LIFECYCLE if S.LIFECYCLE in events.columns else None
    lifecycle = Lifecycle.decide(events, column, measures.lifecycle)
    kept = keep_instances(events, lifecycle.transition)
    return kept, lifecycle.describe(kept.height, events.height)


CaseReader = Callable[["ShardPlan", "Settings", str], "pl.DataFrame"]
"""``reread(plan, settings, case_id)``: the annotated events of one case of the log."""


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
    lifecycle: Lifecycle
    """Which events are kept as instances, for all shards."""
    detected: tuple[str, ...] = ()
    """Roles that were detected from column names rather than given."""
    timestamp_format: str | None = None
    """Format detected on the first shard, imposed on the rest (None: typed column)."""
    reread: CaseReader | None = field(default=None, compare=False, repr=False)
    """Re-reads one case's events from :attr:`path` (set by the pipeline that ran it)."""

    def case_events(self, settings: Settings, case_id: str) -> pl.DataFrame:
        """The annotated events of ``case_id``, re-read from the source (see :attr:`reread`)."""
        if self.reread is None:
            raise RuntimeError("this shard plan has no case re-reader (ShardPlan.reread)")
        return self.reread(self, settings, case_id)


def repeat_count(events: pl.DataFrame) -> int:
    """Events that repeat their case's previous activity (in time order): the shape of a
    state log, where a status is written again on every update."""
    ordered = events.select(S.CASE, S.ACTIVITY, S.TIMESTAMP, S.EVENT_INDEX).sort(
        S.CASE, S.TIMESTAMP, S.EVENT_INDEX
    )
    case, activity = pl.col(S.CASE), pl.col(S.ACTIVITY)
    same = case.eq_missing(case.shift(1)) & activity.eq_missing(activity.shift(1))
    return int(ordered.select(same.sum()).item() or 0)
