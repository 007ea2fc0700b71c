"""Score cases: proportion against peers and value, per-measure contributions, one number.

The input is the per-case measures table (one row per case, see ``measures.case_measures``);
the output is that table plus the columns below, all computed over whole columns (window
expressions for peer groups), never per row in Python.

Proportion (DESIGN §3.2: "ten interactions for a shoelace stand out even where ten are
normal for a mortgage"):

``peer_group``
    the case's ``category`` when the log has that column and the category has at least
    ``proportion.min_peers`` cases, else ``"(all cases)"`` -- the whole log.
``peer_cases``, ``peer_effort_median``, ``peer_interactions_median``
    size of the peer group and its medians (the rules quote them in their messages).
``effort_z``
    robust z-score of ``effort_minutes`` against the peers:
    ``(effort - median) / scale``, clipped to ``[-cap, cap]``, where ``scale`` is
    ``1.4826 × MAD``; when the MAD is 0 (more than half the peers have the same effort) it is
    ``1.2533 × mean absolute deviation`` (both estimate a standard deviation for normal
    data); and it is never smaller than one contact's worth of effort (``effort.contact``
    minutes, at least 1), so a difference of a few minutes in a very uniform group does not
    look extreme.
``effort_per_value``, ``value_ratio``
    minutes of customer effort per unit of ``value`` and that figure divided by its
    log-wide median; null where the log has no ``value`` column or the value is not
    positive.  Always present so that the output schema does not depend on the log.
``disproportion``
    ``max(0, effort_z) + min(cap, max(0, log2(value_ratio)))``: 0 for a case that costs the
    customer no more than its peers and no more per unit of value than the log's median
    case; +1 for each robust standard deviation above the peers and for each doubling of
    effort per unit of value.

Score: ``contrib_<term> = weight × value`` for each term of :data:`SCORE_TERMS` (the keys of
:class:`~frictionminer.settings.WeightSettings`), and ``friction_score`` = their sum,
rounded to 3 decimals.  Null measures count as 0.  See docs/friction-model.md.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection

import polars as pl

from frictionminer.errors import SchemaError
from frictionminer.settings import ProportionSettings, Settings, WeightSettings

ALL_CASES = "(all cases)"
"""``peer_group`` of a case compared with the whole log."""

MAD_TO_SD = 1.4826
"""Median absolute deviation → standard deviation for normal data (1 / Φ⁻¹(3/4))."""
MEANAD_TO_SD = math.sqrt(math.pi / 2)
"""Mean absolute deviation → standard deviation for normal data (≈ 1.2533)."""

REQUIRED_COLUMNS = (
    "case_id",
    "interactions",
    "customer_tasks",
    "repeat_requests",
    "customer_wait_hours",
    "silent_wait_max_hours",
    "handoffs",
    "ping_pongs",
    "external_handoffs",
    "channel_switches",
    "effort_minutes",
    "resolved",
)
"""Measures the score reads; ``category`` and ``value`` are optional."""

_TERM_VALUES: dict[str, pl.Expr] = {
    "interactions": pl.col("interactions"),
    "customer_tasks": pl.col("customer_tasks"),
    "repeat_requests": pl.col("repeat_requests"),
    "customer_wait_days": pl.col("customer_wait_hours") / 24.0,
    "silent_wait_max_days": pl.col("silent_wait_max_hours") / 24.0,
    "handoffs": pl.col("handoffs"),
    "ping_pongs": pl.col("ping_pongs"),
    "external_handoffs": pl.col("external_handoffs"),
    "channel_switches": pl.col("channel_switches"),
    "unresolved": pl.col("resolved").not_(),
    "disproportion": pl.col("disproportion"),
}
"""The value each weight multiplies, by term name."""

SCORE_TERMS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(WeightSettings))
"""Names of the score's terms in report order; ``contrib_<term>`` holds each contribution."""

assert set(SCORE_TERMS) == set(_TERM_VALUES), "every weight needs a term value and vice versa"

PROPORTION_COLUMNS = (
    "peer_group",
    "peer_cases",
    "peer_effort_median",
    "peer_interactions_median",
    "effort_z",
    "effort_per_value",
    "value_ratio",
    "disproportion",
)
"""Columns added by the proportion step, in output order."""


def contribution_column(term: str) -> str:
    """Name of the column holding ``term``'s contribution to ``friction_score``."""
    return f"contrib_{term}"


def score_cases(
    measures: pl.DataFrame, settings: Settings, *, zero_terms: Collection[str] = ()
) -> pl.DataFrame:
    """Add proportion, per-term contributions and ``friction_score`` to the measures.

    The input frame is not changed; the result has its columns first, then
    :data:`PROPORTION_COLUMNS`, the ``contrib_*`` columns, ``friction_score`` and
    ``friction_percentile`` (the share of the log's cases scoring lower; FM013).
    ``zero_terms`` contribute 0: their role is unseen on this log
    (:attr:`frictionminer.engine.coverage.RoleCoverage.zero_terms`).
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in measures.columns]
    if missing:
        raise SchemaError(
            f"cannot score cases: measures lack column(s) {', '.join(missing)}",
            hint="score the output of measures.case_measures()",
        )
    floor = max(settings.effort.contact, 1.0)
    scored = add_proportion(measures, settings.proportion, scale_floor=floor)
    contribs = [
        (
            pl.lit(0.0)
            if term in zero_terms
            else (getattr(settings.weights, term) * _TERM_VALUES[term].cast(pl.Float64)).fill_null(
                0.0
            )
        ).alias(contribution_column(term))
        for term in SCORE_TERMS
    ]
    scored = scored.with_columns(contribs).with_columns(
        pl.sum_horizontal([contribution_column(t) for t in SCORE_TERMS])
        .round(3)
        .alias("friction_score")
    )
    return scored.with_columns(percentile_of("friction_score").alias(PERCENTILE))


PERCENTILE = "friction_percentile"
"""The share of the log's cases whose friction score is lower than the case's."""


def percentile_of(column: str) -> pl.Expr:
    """The share of the rows whose ``column`` is lower than the row's (0 for the lowest,
    ties alike): ``(rank_min - 1) / n``, over the whole table."""
    n = pl.len().cast(pl.Float64)
    return ((pl.col(column).rank("min").cast(pl.Float64) - 1.0) / n).fill_nan(0.0)


def _by_peers(agg: pl.Expr) -> pl.Expr:
    """An aggregate over the case's peer group: its category, or the whole log."""
    return pl.when(pl.col("_peer_key").is_null()).then(agg).otherwise(agg.over("_peer_key"))


def add_proportion(
    measures: pl.DataFrame, proportion: ProportionSettings, *, scale_floor: float = 1.0
) -> pl.DataFrame:
    """Add :data:`PROPORTION_COLUMNS`; see the module docstring for the definitions.

    Peer statistics are window aggregates over a private key column (the category where its
    group is large enough, null for "compare with the whole log"), so the whole log is one
    pass of column expressions however many categories there are.
    """
    effort = pl.col("effort_minutes").cast(pl.Float64)
    if "category" in measures.columns:
        category = pl.col("category").cast(pl.String)
        big_enough = category.is_not_null() & (pl.len().over(category) >= proportion.min_peers)
        key = pl.when(big_enough).then(category).otherwise(None)
    else:
        key = pl.lit(None, dtype=pl.String)
    cap = proportion.cap

    frame = measures.with_columns(key.alias("_peer_key")).with_columns(
        pl.col("_peer_key").fill_null(ALL_CASES).alias("peer_group"),
        _by_peers(pl.len()).cast(pl.Int64).alias("peer_cases"),
        _by_peers(effort.median()).alias("peer_effort_median"),
        _by_peers(pl.col("interactions").cast(pl.Float64).median()).alias(
            "peer_interactions_median"
        ),
        # deviations from the log's median, for the whole-log MAD of every case
        (effort - effort.median()).abs().alias("_dev_log"),
    )
    dev_peer = (effort - pl.col("peer_effort_median")).abs()
    frame = frame.with_columns(dev_peer.alias("_dev_peer")).with_columns(
        pl.when(pl.col("_peer_key").is_null())
        .then(pl.col("_dev_log").median())
        .otherwise(pl.col("_dev_peer").median().over("_peer_key"))
        .alias("_mad"),
        pl.when(pl.col("_peer_key").is_null())
        .then(pl.col("_dev_log").mean())
        .otherwise(pl.col("_dev_peer").mean().over("_peer_key"))
        .alias("_meanad"),
    )
    spread = (
        pl.when(pl.col("_mad") > 0)
        .then(MAD_TO_SD * pl.col("_mad"))
        .otherwise(MEANAD_TO_SD * pl.col("_meanad"))
    )
    scale = pl.max_horizontal(spread.fill_null(0.0), pl.lit(scale_floor))
    effort_z = ((effort - pl.col("peer_effort_median")) / scale).clip(-cap, cap)

    if "value" in measures.columns:
        value = pl.col("value").cast(pl.Float64)
        per_value = pl.when(value > 0).then(effort / value).otherwise(None)
    else:
        per_value = pl.lit(None, dtype=pl.Float64)
    frame = frame.with_columns(
        effort_z.alias("effort_z"), per_value.alias("effort_per_value")
    ).with_columns(
        pl.when(pl.col("effort_per_value").median() > 0)
        .then(pl.col("effort_per_value") / pl.col("effort_per_value").median())
        .otherwise(None)
        .alias("value_ratio")
    )
    ratio = pl.col("value_ratio")
    value_term = pl.when(ratio > 1).then(ratio.log(2).clip(upper_bound=cap)).otherwise(0.0)
    frame = frame.with_columns(
        (pl.col("effort_z").clip(lower_bound=0).fill_null(0.0) + value_term.fill_null(0.0)).alias(
            "disproportion"
        )
    )
    return frame.select(*measures.columns, *PROPORTION_COLUMNS)
