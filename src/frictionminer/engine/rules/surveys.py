"""Surveys: asking the customer for a rating after a case that cost them the most.

One declaration per rule (:func:`~frictionminer.engine.rules.registry.rule`); the keywords'
defaults are in the ``[rules.<id>]`` tables of ``settings/defaults.toml``.
"""

from __future__ import annotations

import polars as pl

from frictionminer.engine.rules.messages import count_text, number_text
from frictionminer.engine.rules.registry import Params, rule


def _fm013_message(p: Params) -> pl.Expr:
    return pl.format(
        "{} after a friction score of {}, higher than {}% of the log's cases",
        count_text(pl.col("surveys"), "survey sent", "surveys sent"),
        number_text(pl.col("friction_score")),
        number_text(pl.col("friction_percentile") * 100.0, 0),
    )


@rule(
    id="FM013",
    name="friction.survey_after_friction",
    severity="warning",
    remedy="operational",
    keywords=("min_percentile",),
    message=_fm013_message,
    optional_columns={"surveys": pl.Int64(), "friction_percentile": pl.Float64()},
)
def survey_after_friction(p: Params) -> pl.Expr:
    """A satisfaction survey was sent after a case among the log's worst.

    Flags a case with at least one event of the ``survey`` role (``surveys`` ≥ 1) whose
    ``friction_percentile`` — the share of the log's cases with a lower friction score,
    computed once the whole log is scored — is at least ``min_percentile`` (0.9: the case
    scores higher than nine in ten of the log's cases, above the log's p90).  Cases with
    a friction score of 0 are never flagged.  The percentile is a whole-log figure, so
    every execution (serial, threads, shards, Dask) flags the same cases.

    Customer harm: after ten contacts and a week of waiting, a request to rate the service
    is one more task, and reads as if nobody noticed what the customer went through; its
    answer arrives too late to help this customer.

    Example: the shoelace customer, after ten interactions and a week, gets "How satisfied
    were you?" as the last message — "1 survey sent after a friction score of 31.4,
    higher than 97% of the log's cases".
    """
    return (
        (pl.col("surveys") >= 1)
        & (pl.col("friction_score") > 0)
        & (pl.col("friction_percentile") >= p["min_percentile"])
    )
