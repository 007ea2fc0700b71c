"""The small facts of whole cases that causes and reports need, gathered per part.

The per-case stage (classify → annotate → measures) runs on the events of whole cases, in
memory, in parallel parts or in shards.  What :mod:`frictionminer.engine.causes` and the
report need from the events is gathered in the same stage, per part, as small tables (per
activity, per team, per handoff pair, per case path, directly-follows counts, …) and the
parts are combined by :func:`combine_facts`; nothing later goes back to the events.

Interface (stable; the tables are :mod:`frictionminer.engine.causes`' business):

* ``gather_facts(events, settings) -> Facts``: from the annotated events of whole cases;
* ``combine_facts(parts) -> Facts``: the facts of the union of the parts' cases (the
  parts hold disjoint sets of whole cases).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from frictionminer.settings import Settings


@dataclass(frozen=True)
class Facts:
    """Named small tables gathered from the annotated events of whole cases."""

    tables: dict[str, pl.DataFrame] = field(default_factory=dict)


def gather_facts(events: pl.DataFrame, settings: Settings) -> Facts:
    """The facts of the cases in ``events`` (annotated events of whole cases)."""
    return Facts()


def combine_facts(parts: Sequence[Facts]) -> Facts:
    """The facts of all the parts' cases together."""
    names = {name for part in parts for name in part.tables}
    return Facts(
        {
            name: pl.concat(
                [p.tables[name] for p in parts if name in p.tables], how="vertical_relaxed"
            )
            for name in sorted(names)
        }
    )
