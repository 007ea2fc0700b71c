"""Handoffs: the case passed between teams and organisations.

One declaration per rule (:func:`~frictionminer.engine.rules.registry.rule`); the keywords'
defaults are in the ``[rules.<id>]`` tables of ``settings/defaults.toml``.
"""

from __future__ import annotations

import polars as pl

from frictionminer.engine.rules.messages import count_text, param_text
from frictionminer.engine.rules.registry import Params, rule


def _fm005_message(p: Params) -> pl.Expr:
    return pl.format(
        "{}: the case went back to a team that had already handled it",
        count_text(pl.col("ping_pongs"), "ping-pong", "ping-pongs"),
    )


@rule(
    id="FM005",
    name="friction.ping_pong",
    severity="warning",
    remedy="qualification",
    keywords=("min_ping_pongs",),
    message=_fm005_message,
    measure="ping_pongs",
    floor="min_ping_pongs",
)
def ping_pong(p: Params) -> pl.Expr:
    """The case bounced back to a team that had already handled it.

    Flags a case with at least ``min_ping_pongs`` handoffs into a team that held the case
    before (A→B→A, A→B→C→A).

    Customer harm: each bounce is waiting time and often another round of questions; the
    customer experiences being passed around without anyone owning the problem.

    Example: first-level support hands a warranty claim to the warehouse, which sends it
    back as "not ours" — "1 ping-pong: the case went back to a team that had already
    handled it".  Remedy: skills or routing rules for the team that hands on.
    """
    return pl.col("ping_pongs").ge(p["min_ping_pongs"])


def _fm006_message(p: Params) -> pl.Expr:
    external = pl.col("external_handoffs")
    return pl.format(
        "{} between teams{} (threshold {})",
        count_text(pl.col("handoffs"), "handoff", "handoffs"),
        pl.when(external > 0)
        .then(pl.format(", {} of them to another organisation", external))
        .otherwise(pl.lit("")),
        pl.lit(param_text(p["min_handoffs"])),
    )


@rule(
    id="FM006",
    name="friction.handoff_chain",
    severity="warning",
    remedy="redesign",
    keywords=("min_handoffs",),
    message=_fm006_message,
    measure="handoffs",
    floor="min_handoffs",
)
def handoff_chain(p: Params) -> pl.Expr:
    """The case passed through a long chain of teams.

    Flags a case with at least ``min_handoffs`` changes of the team holding it.  The message
    says how many of them went to another organisation.

    Customer harm: transfers are an effort driver in the customer-effort literature; each
    one risks a re-explanation, a new queue and lost context.

    Example: an energy-supplier switch goes from sales to onboarding to the grid operator to
    billing and back to sales — "4 handoffs between teams, 1 of them to another organisation
    (threshold 4)".
    """
    return pl.col("handoffs").ge(p["min_handoffs"])
