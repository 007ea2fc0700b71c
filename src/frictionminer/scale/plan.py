"""The shard plan: how a large log is split, as data (no analysis code here).

:class:`ShardPlan` is what a sharded :class:`~frictionminer.engine.result.Result` carries in
``Result.sharded``.  It lives apart from :mod:`frictionminer.scale.shards` (which runs the
analysis and so imports :mod:`frictionminer.engine.pipeline`) so that ``analysis`` can name the
type without importing ``shards``: the dependency goes one way only,
``shards → analysis → shardplan``.

A sharded result no longer holds its events, so ``Result.case`` (``explain``) has to
re-read the one case it is asked for.  How to do that is the sharding code's business:
:func:`frictionminer.scale.shards.plan` puts its re-reader into the plan
(:attr:`ShardPlan.reread`), and :meth:`ShardPlan.case_events` calls it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

    from frictionminer.settings import ColumnSettings, Settings

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
    instances: str | None
    """Lifecycle transition kept as instances, for all shards; None: every event."""
    detected: tuple[str, ...] = ()
    """Roles that were detected from column names rather than given."""
    timestamp_format: str | None = None
    """Format detected on the first shard, imposed on the rest (None: typed column)."""
    reread: CaseReader | None = field(default=None, compare=False, repr=False)
    """Re-reads one case's events from :attr:`path` (set by ``shards.plan``)."""

    def case_events(self, settings: Settings, case_id: str) -> pl.DataFrame:
        """The annotated events of ``case_id``, re-read from the source (see :attr:`reread`)."""
        if self.reread is None:
            raise RuntimeError("this shard plan has no case re-reader (ShardPlan.reread)")
        return self.reread(self, settings, case_id)
