"""Journeys: the customer's burden across cases, evaluated on the journeys table.

These rules read one row per journey (:func:`frictionminer.engine.journeys.build_journeys`),
not the scored cases, and run only with ``--journey``; they are registered with
``scope="journey"`` in :data:`~frictionminer.engine.rules.registry.JOURNEY_RULES`.
"""

from __future__ import annotations

import polars as pl

from frictionminer.engine.rules.messages import count_text, number_text
from frictionminer.engine.rules.registry import Params, rule


def _fm010_message(p: Params) -> pl.Expr:
    return pl.format(
        "customer {} came back {} within {} days of a resolution (journey of {})",
        pl.col("customer"),
        count_text(pl.col("repeat_contacts"), "time", "times"),
        number_text(pl.col("repeat_within_hours") / 24.0),
        count_text(pl.col("cases"), "case", "cases"),
    )


@rule(
    id="FM010",
    name="friction.came_back_after_resolution",
    severity="warning",
    remedy="redesign",
    keywords=("min_repeat_contacts",),
    message=_fm010_message,
    scope="journey",
)
def came_back(p: Params) -> pl.Expr:
    """The customer came back after a resolution: the problem was not solved.

    Flags a journey with at least ``min_repeat_contacts`` repeat contacts: a case of the
    journey was resolved, and within ``[journey] repeat_within`` (7 days by default) the
    customer opened a new case or acted again on the resolved one.  The count is per
    resolution (docs/friction-model.md, "Journeys"), so a journey of one case resolved
    once and never touched again is never flagged.

    Customer harm: the ticket was closed, the problem was not; the customer has to get in
    touch again, tell the story again, and wait again.  The industry's repeat-contact rate
    and first-contact resolution measure exactly this, per customer, not per ticket.

    Example: a router fault "resolved" on day 2; the customer calls again on day 5 with
    the same fault — "customer C-17 came back 1 time within 7 days of a resolution
    (journey of 2 cases)".
    """
    return pl.col("repeat_contacts") >= p["min_repeat_contacts"]


def _fm011_message(p: Params) -> pl.Expr:
    return pl.format(
        "customer {} was passed between {} parties ({}), waiting up to {} days at a handoff",
        pl.col("customer"),
        pl.col("parties"),
        pl.col("party_path"),
        number_text(pl.col("handoff_wait_max_hours") / 24.0),
    )


@rule(
    id="FM011",
    name="friction.stranded_between_parties",
    severity="warning",
    remedy="redesign",
    keywords=("min_parties", "min_wait_hours"),
    message=_fm011_message,
    scope="journey",
)
def stranded(p: Params) -> pl.Expr:
    """The customer was passed between three or more parties and waited between them.

    Flags a journey across at least ``min_parties`` organisations (``[measures]
    organisation``; else teams, the group column) whose longest wait at a handoff between
    two of them (``handoff_wait_max_hours``: from the last event at one party to the first
    at the next) is at least ``min_wait_hours``.

    Customer harm: every party ran a correct process of its own; the customer stood
    between them, the only one holding the whole problem, and nobody owned it.

    Example: the energy switch — old supplier, grid operator, fallback supplier, each in a
    case of its own — "customer K-4 was passed between 3 parties (old supplier → grid
    operator → fallback supplier), waiting up to 6 days at a handoff".
    """
    return (pl.col("parties") >= p["min_parties"]) & (
        pl.col("handoff_wait_max_hours") >= p["min_wait_hours"]
    )
