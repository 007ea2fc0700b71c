"""Promises: what the company said it would do by when, and did not.

One declaration per rule (:func:`~frictionminer.engine.rules.registry.rule`); the keywords'
defaults are in the ``[rules.<id>]`` tables of ``settings/defaults.toml``.
"""

from __future__ import annotations

import polars as pl

from frictionminer.engine.rules.messages import count_text, param_text
from frictionminer.engine.rules.registry import Params, rule


def _fm012_message(p: Params) -> pl.Expr:
    return pl.format(
        "{} of {} broken (threshold {})",
        count_text(pl.col("promises_broken"), "promise", "promises"),
        pl.col("promises_made"),
        pl.lit(param_text(p["min_broken_promises"])),
    )


@rule(
    id="FM012",
    name="friction.broken_promise",
    severity="warning",
    remedy="operational",
    keywords=("min_broken_promises",),
    message=_fm012_message,
    optional_columns={"promises_broken": pl.Int64(), "promises_made": pl.Int64()},
    measure="promises_broken",
    floor="min_broken_promises",
)
def broken_promise(p: Params) -> pl.Expr:
    """The company broke a promise it made to the customer.

    Flags a case with at least ``min_broken_promises`` promises broken: a promise is made
    by the event its ``after`` names and kept by the first later event its ``before``
    names; it is broken when that event came after the deadline (``within``, in calendar
    or business time), or has not come and the deadline lies before the end of the log
    (``[[promises]]``; the built-in first response of ``[builtin_promises]``: news within
    24 hours of the case opening, where the log shows notices or tasks).  A promise whose
    deadline lies after the log's end is open, not broken.

    Customer harm: a broken promise costs more than the wait itself: the customer planned
    around it, stayed by the phone, and now chases the company and trusts its next
    promise less.  Promises break most where a case changes hands: the team that made it
    is not the team that must keep it.

    Example: "we call you back within 2 days" on Monday, the callback on Friday — "1
    promise of 1 broken (threshold 1)".
    """
    return pl.col("promises_broken").ge(p["min_broken_promises"])
