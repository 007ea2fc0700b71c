"""Outcome: whether the customer's problem was solved, and stayed solved.

One declaration per rule (:func:`~frictionminer.engine.rules.registry.rule`); the keywords'
defaults are in the ``[rules.<id>]`` tables of ``settings/defaults.toml``.
"""

from __future__ import annotations

import polars as pl

from frictionminer.engine.rules.messages import number_text
from frictionminer.engine.rules.registry import Params, rule


def _fm009_message(p: Params) -> pl.Expr:
    return (
        pl.when(pl.col("resolved").not_())
        .then(
            pl.format(
                "not resolved for the customer after {} days",
                number_text(pl.col("duration_hours") / 24.0),
            )
        )
        .otherwise(pl.lit("reopened after a resolution"))
    )


REASONS: dict[str, dict[str, pl.Expr]] = {
    "FM009": {
        "unresolved": pl.col("resolved").not_(),
        "reopened": pl.col("resolved"),
    }
}
"""Why a rule flagged a case, when it has several reasons: name -> condition on the
flagged case's row (disjoint).  FM009 flags a case that never reached a resolution, or
one reopened after it (``reopened`` implies ``resolved``)."""


@rule(
    id="FM009",
    name="friction.unresolved",
    severity="error",
    remedy="operational",
    keywords=("reopened",),
    message=_fm009_message,
    optional_columns={"reopened": pl.Boolean()},
)
def unresolved(p: Params) -> pl.Expr:
    """The customer's problem was not solved, or came back after it was.

    Flags a case without a resolution as the customer sees it (``resolved`` is false) and,
    when ``reopened`` is true and the table has a boolean ``reopened`` column, a case that
    was reopened after a resolution.  Cases still open when the log was extracted are
    flagged too: for the customer they are not solved yet.  The two reasons are disjoint
    (a reopened case had a resolution) and the summary states them separately
    (``flags.FM009.reasons``: ``unresolved`` and ``reopened``): its share is the share never
    resolved plus the share reopened, so it is not "100% minus resolved".  The rule needs a
    recognised resolution: on a log where ``[roles] resolution`` matches fewer than
    ``[roles] min_case_share`` of the cases it does not fire (docs/friction-model.md §6).

    Customer harm: everything else the customer went through was for nothing; an unresolved
    case is the most expensive friction there is, and a reopened one means the first
    "solution" did not hold.

    Example: the energy switch ends with no contract, the customer passed between three
    organisations — "not resolved for the customer after 12.5 days".
    """
    flagged = pl.col("resolved").not_()
    if p["reopened"]:
        flagged = flagged | pl.col("reopened").fill_null(False)
    return flagged
