"""Waiting: time the customer spent waiting on the company without news.

One declaration per rule (:func:`~frictionminer.engine.rules.registry.rule`); the keywords'
defaults are in the ``[rules.<id>]`` tables of ``settings/defaults.toml``.
"""

from __future__ import annotations

import polars as pl

from frictionminer.engine.rules.messages import number_text, param_text
from frictionminer.engine.rules.registry import Params, rule


def _fm004_message(p: Params) -> pl.Expr:
    hours = pl.col("silent_wait_max_hours")
    return pl.format(
        "{} h ({} days) waiting on the company without news (threshold {} h)",
        number_text(hours, 0),
        number_text(hours / 24.0),
        pl.lit(param_text(p["min_silent_hours"])),
    )


@rule(
    id="FM004",
    name="friction.silent_wait",
    severity="warning",
    remedy="redesign",
    keywords=("min_silent_hours",),
    message=_fm004_message,
    measure="silent_wait_max_hours",
    floor="min_silent_hours",
)
def silent_wait(p: Params) -> pl.Expr:
    """The customer waited on the company for days without any news.

    Flags a case whose longest stretch waiting on the company with no contact or interim
    notice (``silent_wait_max_hours``) is at least ``min_silent_hours`` — 72 hours, three
    calendar days, by default.  Customer time is calendar time: a weekend counts.  The rule
    needs some news in the log (a contact, notice, task or action): where none of them
    matches at least ``[roles] min_case_share`` of the cases, every wait would be one
    silence from start to end, and the rule does not fire (docs/friction-model.md §6).

    Customer harm: most customers accept long handling times when someone tells them what is
    happening; silence is what hurts, and it is what produces "where is my case?" contacts.

    Example: a complaint sits "in progress" from Thursday to Monday evening with no word to
    the customer — "101 h (4.2 days) waiting on the company without news (threshold 72 h)".
    Remedy: an interim-notice rule.
    """
    return pl.col("silent_wait_max_hours").ge(p["min_silent_hours"])
