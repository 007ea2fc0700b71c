"""Proportion: the customer's effort against the case's peers and its value.

One declaration per rule (:func:`~frictionminer.engine.rules.registry.rule`); the keywords'
defaults are in the ``[rules.<id>]`` tables of ``settings/defaults.toml``.
"""

from __future__ import annotations

import polars as pl

from frictionminer.engine.rules.messages import number_text, peers_text
from frictionminer.engine.rules.registry import Params, rule


def _fm008_message(p: Params) -> pl.Expr:
    ratio = pl.col("value_ratio")
    return pl.format(
        "{} min of customer effort where {} need {} (median; robust z {}){}",
        number_text(pl.col("effort_minutes"), 0),
        peers_text(),
        number_text(pl.col("peer_effort_median"), 0),
        number_text(pl.col("effort_z")),
        pl.when(ratio.is_not_null())
        .then(pl.format("; {}× the log's median effort per unit of value", number_text(ratio)))
        .otherwise(pl.lit("")),
    )


@rule(
    id="FM008",
    name="friction.effort_out_of_proportion",
    severity="warning",
    remedy="redesign",
    keywords=("min_effort_minutes", "min_effort_z", "min_value_ratio"),
    message=_fm008_message,
    measure="effort_minutes",
    floor="min_effort_minutes",
)
def effort_out_of_proportion(p: Params) -> pl.Expr:
    """The customer's effort is out of proportion to the case's peers or its value.

    Flags a case costing the customer at least ``min_effort_minutes`` of their own time that
    is also either at least ``min_effort_z`` robust standard deviations above its peer
    group's median effort (``effort_z``; 3.5 is the usual outlier cut-off for a robust
    z-score) or at least ``min_value_ratio`` times the log's median effort per unit of value
    (``value_ratio``, only where the log has a value column).  The minimum effort keeps
    cheap but ordinary cases quiet: effort per euro is always high for a shoelace.

    Customer harm: the customer weighs the trouble against what is at stake; two and a half
    hours of their time for a part worth a few euros feels absurd even when every step was
    correct.

    Example: a shoelace claim costs 155 minutes where shoelace cases need 16 — "155 min of
    customer effort where 'shoelace' cases need 16 (median; robust z 10); 12.3× the log's
    median effort per unit of value".  Remedy: a proportionate path (replace on the spot).
    """
    enough = pl.col("effort_minutes").ge(p["min_effort_minutes"])
    outlier = pl.col("effort_z").ge(p["min_effort_z"])
    costly = pl.col("value_ratio").ge(p["min_value_ratio"]).fill_null(False)
    return enough & (outlier | costly)
