"""The friction analysis written back onto the events, for other tools (``convert --annotate``).

Every event of the log gets

* ``friction:contact``, ``friction:customer_task``, ``friction:customer_action``,
  ``friction:notice``, ``friction:resolution``: the customer roles it matched (booleans);
* ``friction:wait_hours``: the time to the case's next event, and ``friction:waiting_on``:
  who that wait was on (``company`` or ``customer``);

and every case (as ``case:`` attributes, i.e. XES trace attributes)

* ``case:friction:score``: the friction score;
* ``case:friction:flags``: the rules raised, comma-separated (empty when none);
* ``case:friction:FM001`` … one boolean per rule.

Events that are not activity instances (a ``start`` event when only ``complete`` events
are counted) keep their rows with these attributes empty.
"""

from __future__ import annotations

import polars as pl

from frictionminer import schema as S
from frictionminer.engine.classify import ROLE_COLUMNS
from frictionminer.engine.result import Result

PREFIX = "friction:"
ROLE_ATTRIBUTES = {role: f"{PREFIX}{role}" for role in ROLE_COLUMNS}
WAIT = f"{PREFIX}wait_hours"
WAITING_ON = f"{PREFIX}waiting_on"
SCORE = f"{S.CASE_PREFIX}{PREFIX}score"
FLAGS = f"{S.CASE_PREFIX}{PREFIX}flags"


def annotate(result: Result) -> pl.DataFrame:
    """The log's events (all of them, in their order) with the annotation columns."""
    if result.sharded is not None:  # pragma: no cover - callers analyse in memory
        raise ValueError("annotate() needs a result computed in memory (shards=1)")
    per_event = result.events.select(
        S.EVENT_INDEX,
        *[pl.col(col).alias(ROLE_ATTRIBUTES[role]) for role, col in ROLE_COLUMNS.items()],
        pl.col("gap_hours").alias(WAIT),
        pl.col("waiting_on").cast(pl.String).alias(WAITING_ON),
    )
    rules = sorted(result.settings.rules)
    raised = result.flags.select(S.CASE, "rule").unique()
    per_case = (
        result.cases.select(S.CASE, pl.col("friction_score").alias(SCORE))
        .join(
            raised.group_by(S.CASE).agg(pl.col("rule").sort().str.join(",").alias(FLAGS)),
            on=S.CASE,
            how="left",
        )
        .with_columns(pl.col(FLAGS).fill_null(""))
        .with_columns(
            pl.col(FLAGS).str.split(",").list.contains(rule).alias(f"{S.CASE_PREFIX}{PREFIX}{rule}")
            for rule in rules
        )
    )
    events = result.log.events
    clash = [c for c in (*per_event.columns[1:], *per_case.columns[1:]) if c in events.columns]
    return (
        events.drop(clash)
        .join(per_event, on=S.EVENT_INDEX, how="left", maintain_order="left")
        .join(per_case, on=S.CASE, how="left", maintain_order="left")
    )
