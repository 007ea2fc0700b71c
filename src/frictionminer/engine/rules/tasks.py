"""Tasks: work the company pushed to the customer, and requests it repeated.

One declaration per rule (:func:`~frictionminer.engine.rules.registry.rule`); the keywords'
defaults are in the ``[rules.<id>]`` tables of ``settings/defaults.toml``.
"""

from __future__ import annotations

import polars as pl

from frictionminer.engine.rules.messages import count_text, param_text
from frictionminer.engine.rules.registry import Params, rule


def _fm002_message(p: Params) -> pl.Expr:
    return pl.format(
        "{} pushed to the customer (threshold {})",
        count_text(pl.col("customer_tasks"), "task", "tasks"),
        pl.lit(param_text(p["min_customer_tasks"])),
    )


@rule(
    id="FM002",
    name="friction.tasks_pushed_to_customer",
    severity="warning",
    remedy="automation",
    keywords=("min_customer_tasks",),
    message=_fm002_message,
    measure="customer_tasks",
    floor="min_customer_tasks",
)
def tasks_pushed_to_customer(p: Params) -> pl.Expr:
    """The company asked the customer to do several things in one case.

    Flags a case with at least ``min_customer_tasks`` tasks pushed to the customer (send a
    document or photo, measure, choose, call back, go elsewhere).  One or two requests are
    normal; three or more usually mean the information was collected piecemeal.

    Customer harm: each task is work the company moved to the customer, often the slowest
    and most tedious part of the case (find the receipt, take the photo), and each one
    restarts the wait.

    Example: the shoelace service desk asks, one mail at a time, for a photo of the lace, the
    receipt, a photo of the label, the lace length and the colour — "5 tasks pushed to the
    customer (threshold 3)".  Remedy: ask for everything in one request, or a portal upload.
    """
    return pl.col("customer_tasks").ge(p["min_customer_tasks"])


def _fm003_message(p: Params) -> pl.Expr:
    return pl.format(
        "{}: the customer was asked again for something already asked for",
        count_text(pl.col("repeat_requests"), "repeated request", "repeated requests"),
    )


@rule(
    id="FM003",
    name="friction.repeated_request",
    severity="warning",
    remedy="operational",
    keywords=("min_repeat_requests",),
    message=_fm003_message,
    measure="repeat_requests",
    floor="min_repeat_requests",
)
def repeated_request(p: Params) -> pl.Expr:
    """The customer was asked for the same thing twice.

    Flags a case with at least ``min_repeat_requests`` tasks of a kind already requested
    earlier in the same case.  There is no tolerance by default: asking twice is a defect.

    Customer harm: repeating information is one of the effort drivers the customer-effort
    literature names; it tells the customer that their first answer was lost or ignored.

    Example: the receipt is requested on day 1, sent on day 2, and requested again on day 5
    after a handoff — "1 repeated request: the customer was asked again for something
    already asked for".
    """
    return pl.col("repeat_requests").ge(p["min_repeat_requests"])
