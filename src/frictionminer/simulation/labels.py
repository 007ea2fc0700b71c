"""The ``injected`` labels: which flags a case's injected friction should trigger.

A label is the rule's **documented** definition (docs/rules.md, default thresholds from
the rule table) applied to the **ground truth** the generator kept while building the case
(:class:`~frictionminer.simulation.engine.Truth`): the counts it put into the case, with
the roles it declared for its activities.  The engine's measures and peer comparison are
never run to make a label, so a detector that misreads a log loses precision or recall
here.  The definition is the rule's own condition (``Rule.when``) applied to those true
measures, so every rule of :data:`~frictionminer.engine.rules.RULES` is labelled without
a list of rules here.

Only cases with injected friction carry labels; clean cases are built so that none of the
definitions holds for them (the test suite checks this on the ground truth).

FM001 and FM008 compare a case with its peers.  Their labels apply the documented peer
comparison (category with at least ``proportion.min_peers`` cases, else the whole log;
median interactions; robust z-score of effort with the MAD, mean-deviation fallback,
one-contact floor and cap; effort per unit of value against the log's median) to the
true measures of all simulated cases.  The patterns that should trigger them are made
strong (piecemeal requests and disproportionate effort add an hour or more of the
customer's time to a case whose clean peers need a quarter of an hour), so few labels
hinge on the exact threshold.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from frictionminer.simulation.engine import HOUR, BoolArray, Truth

MAD_TO_SD = 1.4826
MEANAD_TO_SD = math.sqrt(math.pi / 2)


def truth_table(truth: Truth, category: pl.Series, value: pl.Series) -> pl.DataFrame:
    """One row per case: the true measures the labels are computed from."""
    from frictionminer.settings import Settings

    effort = Settings().effort
    t = truth
    minutes = (
        effort.contact * t.interactions
        + effort.customer_task * t.customer_tasks
        + effort.channel_switch * t.channel_switches
        + effort.reexplanation * t.reexplanations
    )
    return pl.DataFrame(
        {
            "interactions": t.interactions,
            "customer_tasks": t.customer_tasks,
            "repeat_requests": t.repeat_requests,
            "silent_wait_max_hours": t.silent_max / HOUR,
            "handoffs": t.handoffs,
            "ping_pongs": t.ping_pongs,
            "channel_switches": t.channel_switches,
            "reexplanations": t.reexplanations,
            "effort_minutes": minutes.astype(np.float64),
            "resolved": t.resolved,
            "category": category,
            "value": value,
        }
    )


def survey_truth(table: pl.DataFrame, truth: Truth, surveyed: BoolArray) -> pl.DataFrame:
    """The truth with the surveys sent and the company-side wait, for FM013's true score
    (:func:`flag_truth` adds ``friction_score`` and ``friction_percentile``)."""
    return table.with_columns(
        pl.Series("surveys", surveyed.astype(np.int64)),
        pl.Series("customer_wait_hours", truth.company_wait / HOUR),
    )


def true_ratings(truth: pl.DataFrame, rng: np.random.Generator) -> pl.Series:
    """Each surveyed case's CSAT rating (null for the others): it falls with the true
    friction percentile, ``round(5 − 4 · percentile + N(0, 0.8))`` clipped to 1..5."""
    pct = truth.get_column("friction_percentile").to_numpy()
    surveyed = truth.get_column("surveys").to_numpy() > 0
    csat = np.clip(np.round(5.0 - 4.0 * pct + rng.normal(0.0, 0.8, len(pct))), 1, 5)
    return pl.Series("rating", np.where(surveyed, csat, np.nan)).fill_nan(None).cast(pl.Int64)


def _true_score(frame: pl.DataFrame, cap: float) -> pl.DataFrame:
    """The score's documented formula (docs/friction-model.md §5) on the true measures:
    external handoffs are not kept (0), disproportion from the true peer columns."""
    from frictionminer.engine.score import percentile_of
    from frictionminer.settings import Settings

    w = Settings().weights
    ratio = pl.col("value_ratio")
    value_term = pl.when(ratio > 1).then(ratio.log(2).clip(upper_bound=cap)).otherwise(0.0)
    disproportion = pl.col("effort_z").clip(lower_bound=0).fill_null(0.0) + value_term.fill_null(
        0.0
    )
    score = (
        w.interactions * pl.col("interactions")
        + w.customer_tasks * pl.col("customer_tasks")
        + w.repeat_requests * pl.col("repeat_requests")
        + w.customer_wait_days * pl.col("customer_wait_hours") / 24.0
        + w.silent_wait_max_days * pl.col("silent_wait_max_hours") / 24.0
        + w.handoffs * pl.col("handoffs")
        + w.ping_pongs * pl.col("ping_pongs")
        + w.channel_switches * pl.col("channel_switches")
        + w.unresolved * pl.col("resolved").not_().cast(pl.Float64)
        + w.disproportion * disproportion
    )
    return frame.with_columns(score.round(3).alias("friction_score")).with_columns(
        percentile_of("friction_score").alias("friction_percentile")
    )


def _peer(expr: pl.Expr) -> pl.Expr:
    return pl.when(pl.col("_key").is_null()).then(expr).otherwise(expr.over("_key"))


def flag_truth(table: pl.DataFrame, reopened: BoolArray) -> pl.DataFrame:
    """``table`` plus one Boolean column per rule id: its definition holds on the truth.

    The definitions are the rules' own conditions (``Rule.when`` with the default
    keywords) evaluated on the true measures and on peer columns computed here, under the
    names the rules read (``peer_interactions_median``, ``effort_z``, ``value_ratio``):
    every rule of the table is labelled, and a new rule whose columns the truth lacks fails
    loudly instead of going unlabelled.
    """
    from frictionminer.engine.rules import RULES
    from frictionminer.settings import Settings

    settings = Settings()
    min_peers, cap = settings.proportion.min_peers, settings.proportion.cap
    floor = max(settings.effort.contact, 1.0)
    effort = pl.col("effort_minutes")
    big = pl.len().over("category") >= min_peers
    frame = table.with_columns(
        pl.when(big).then(pl.col("category")).alias("_key"),
        pl.Series("reopened", reopened),
    )
    frame = frame.with_columns(
        _peer(pl.col("interactions").cast(pl.Float64).median()).alias("peer_interactions_median"),
        _peer(effort.median()).alias("_emed"),
    )
    dev = (effort - pl.col("_emed")).abs()
    frame = frame.with_columns(
        _peer(dev.median()).alias("_mad"), _peer(dev.mean()).alias("_meanad")
    )
    spread = (
        pl.when(pl.col("_mad") > 0)
        .then(MAD_TO_SD * pl.col("_mad"))
        .otherwise(MEANAD_TO_SD * pl.col("_meanad"))
    )
    scale = pl.max_horizontal(spread, pl.lit(floor))
    z = ((effort - pl.col("_emed")) / scale).clip(-cap, cap)
    per_value = pl.when(pl.col("value") > 0).then(effort / pl.col("value"))
    frame = frame.with_columns(z.alias("effort_z"), per_value.alias("_epv")).with_columns(
        (pl.col("_epv") / pl.col("_epv").median()).alias("value_ratio")
    )
    if "surveys" in frame.columns:  # FM013: the true score's percentile (see _true_score)
        frame = _true_score(frame, cap)
    else:  # no survey was simulated: FM013 holds for no case
        frame = frame.with_columns(
            pl.lit(0, dtype=pl.Int64).alias("surveys"),
            pl.lit(0.0).alias("friction_score"),
            pl.lit(0.0).alias("friction_percentile"),
        )
    if "promises_broken" not in frame.columns:  # no promise was simulated: FM012 holds for none
        frame = frame.with_columns(
            pl.lit(0, dtype=pl.Int64).alias("promises_made"),
            pl.lit(0, dtype=pl.Int64).alias("promises_broken"),
        )
    return frame.with_columns(
        rule.when(rule.defaults).fill_null(False).alias(rid) for rid, rule in RULES.items()
    )


def label_column(flagged: pl.DataFrame, injected: BoolArray) -> pl.Series:
    """``;``-joined ids of the rules that hold, for cases with injected friction; else ''."""
    from frictionminer.engine.rules import RULES

    ids = [c for c in flagged.columns if c in RULES]
    joined = flagged.select(
        pl.concat_str(
            [pl.when(pl.col(r)).then(pl.lit(r)) for r in ids], separator=";", ignore_nulls=True
        ).alias("injected")
    ).to_series()
    return pl.select(
        pl.when(pl.lit(pl.Series(injected))).then(joined).otherwise(pl.lit(""))
    ).to_series()
