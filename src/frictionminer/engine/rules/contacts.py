"""Contacts: how often the customer had to get in touch, and through how many channels.

One declaration per rule (:func:`~frictionminer.engine.rules.registry.rule`); the keywords'
defaults are in the ``[rules.<id>]`` tables of ``settings/defaults.toml``.
"""

from __future__ import annotations

import polars as pl

from frictionminer.engine.rules.messages import count_text, number_text, param_text, peers_text
from frictionminer.engine.rules.registry import Params, rule


def _fm001_message(p: Params) -> pl.Expr:
    return pl.format(
        "{} where {} need {} (median)",
        count_text(pl.col("interactions"), "interaction", "interactions"),
        peers_text(),
        number_text(pl.col("peer_interactions_median")),
    )


@rule(
    id="FM001",
    name="friction.excessive_interactions",
    severity="warning",
    remedy="redesign",
    keywords=("min_interactions", "peer_factor"),
    message=_fm001_message,
    measure="interactions",
    floor="min_interactions",
)
def excessive_interactions(p: Params) -> pl.Expr:
    """Many more contacts than the case's peers need.

    Flags a case with at least ``min_interactions`` contacts that is also at least
    ``peer_factor`` times the median of its peer group (its category, or the whole log when
    the category is small or absent).  Both conditions are needed: the absolute minimum
    keeps 3-versus-1 noise quiet, the relative one keeps a mortgage with the usual ten
    contacts quiet.

    Customer harm: every contact is the customer's time and attention; repeat contacts are
    among the drivers of effort named in the customer-effort literature (Dixon, Freeman &
    Toman 2010).

    Example: a broken shoelace under warranty takes 12 mails and calls where shoelace cases
    normally need 4 — "12 interactions where 'shoelace' cases need 4 (median)".
    """
    n = pl.col("interactions")
    peers = pl.col("peer_interactions_median") * pl.lit(p["peer_factor"])
    return n.ge(p["min_interactions"]) & (n >= peers)


def _fm007_message(p: Params) -> pl.Expr:
    return pl.format(
        "{} forced on the customer (threshold {})",
        count_text(pl.col("channel_switches"), "channel switch", "channel switches"),
        pl.lit(param_text(p["min_channel_switches"])),
    )


@rule(
    id="FM007",
    name="friction.channel_switch",
    severity="info",
    remedy="automation",
    keywords=("min_channel_switches",),
    message=_fm007_message,
    measure="channel_switches",
    floor="min_channel_switches",
)
def channel_switch(p: Params) -> pl.Expr:
    """The customer had to change channel again and again.

    Flags a case with at least ``min_channel_switches`` changes of channel between the
    customer's contacts.  One switch is common (a mail answered by a call); two or more mean
    the process sends the customer around.

    Customer harm: channel switching is one of the effort drivers the customer-effort
    literature names: finding the other number or portal, starting over there.

    Example: a chat says "please call us", the call says "please send it by mail" —
    "2 channel switches forced on the customer (threshold 2)".
    """
    return pl.col("channel_switches").ge(p["min_channel_switches"])
