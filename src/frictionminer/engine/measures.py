"""Measures per case: the customer's burden, one row per case (DESIGN §3.2).

Input: events annotated by :func:`frictionminer.engine.paths.annotate` (roles, path order,
end, ball in court, silences, handoffs).  Output columns, sorted by ``case_id``:

========================  ========  =====================================================
column                    dtype     definition
========================  ========  =====================================================
``case_id``               String
``events``                Int64     activity instances in the case (all, also after end)
``start``                 Datetime  timestamp of the first event
``end``                   Datetime  timestamp of the end event (first resolution, else
                                    last event)
``interactions``          Int64     events with role contact (whole case)
``customer_tasks``        Int64     events with role customer_task (whole case)
``repeat_requests``       Int64     customer_tasks whose activity was already asked for
``customer_wait_hours``   Float64   sum of the gaps between consecutive events, from the
                                    first event to the end, in which the case waits on
                                    the company
``wait_queue_hours``      Float64   the part of ``customer_wait_hours`` whose gaps have
                                    ``wait_cause`` queue (in a queue nobody picked up)
``wait_handoff_hours``    Float64   … handoff (after a handoff, before the new team acts)
``wait_external_hours``   Float64   … external (at an outside party)
``wait_in_work_hours``    Float64   … in_work (the rest of the company's side)
``on_customer_hours``     Float64   gaps from the first event to the end in which the
                                    case waits on the customer (not customer_wait)
``silent_wait_max_hours`` Float64   longest silence: time between consecutive boundaries
                                    (perceived events, first event, end) up to the end
                                    while waiting on the company; 0 when none
``handoffs``              Int64     changes between consecutive non-empty groups
``ping_pongs``            Int64     handoffs into a group that already had the case
``external_handoffs``     Int64     handoffs over ``[measures] organisation``
``channel_switches``      Int64     contacts whose channel differs from the previous
                                    contact's channel
``reexplanations``        Int64     contacts at a different team than the previous contact
``duration_hours``        Float64   first to last event (calendar time)
``effort_minutes``        Float64   effort.contact × interactions + effort.customer_task ×
                                    customer_tasks + effort.channel_switch ×
                                    channel_switches + effort.reexplanation ×
                                    reexplanations
``resolved``              Boolean   the case has a resolution event
``reopened``              Boolean   the customer had to act again after the first
                                    resolution (the problem came back)
``category``              (as is)   first non-null value of ``[columns] category`` (if set)
``value``                 Float64   first non-null value of ``[columns] value`` (if set)
``rating``                Float64   first non-null value of ``[columns] rating`` (if set),
                                    as a number: yes/true/ja/ja/1 are 1, no/false/nein/
                                    nee/0 are 0 (a complaint marker), other text is read
                                    as a number or null (:func:`rating_number`)
``surveys``               Int64     events with role survey (whole case; always present)
========================  ========  =====================================================

The four ``wait_*_hours`` add up to ``customer_wait_hours`` exactly: each is a sum of
whole microseconds, the total is the sum of the four sums, and every hour figure is that
integer divided by 3.6e9 once (:mod:`frictionminer.engine.paths`, ``wait_cause``).

Counting measures cover the whole case — a contact after the resolution still costs
the customer time; the waiting measures stop at the end.  Time is calendar time.

:func:`case_measures` is a pure function of the events of whole cases, so it can be
mapped over case-partitioned shards.  It is one ``group_by`` aggregation: every
aggregate is order-free except ``category``/``value``, which state their order.

Speed: grouping 10M events by a string key hashes every case id again (about 1.4 s at
10M events).  The annotated table is normally still in path order — each case one
contiguous run starting at ``seq == 0`` — so when a cheap linear check confirms that, the
rows are grouped by the run number instead: an integer key flagged as sorted, which
polars aggregates without hashing (about 0.2 s).  The aggregates are the same either way;
only the grouping key differs, and ``case_id`` is taken from the run.
"""

from __future__ import annotations

import polars as pl
from polars.exceptions import InvalidOperationError

from frictionminer import schema as S
from frictionminer.engine.classify import ROLE_COLUMNS, SIGNAL_ROLE_COLUMNS
from frictionminer.engine.paths import ANNOTATIONS, SEQ
from frictionminer.errors import SchemaError
from frictionminer.settings import Settings

MEASURES: tuple[str, ...] = (
    "events",
    "start",
    "end",
    "interactions",
    "customer_tasks",
    "repeat_requests",
    "customer_wait_hours",
    "wait_queue_hours",
    "wait_handoff_hours",
    "wait_external_hours",
    "wait_in_work_hours",
    "on_customer_hours",
    "silent_wait_max_hours",
    "handoffs",
    "ping_pongs",
    "external_handoffs",
    "channel_switches",
    "reexplanations",
    "duration_hours",
    "effort_minutes",
    "resolved",
    "reopened",
)
"""Measure columns of :func:`case_measures`, in order (``category``/``value`` follow
when configured)."""

WAIT_PARTS: dict[str, str] = {
    "queue": "wait_queue_hours",
    "handoff": "wait_handoff_hours",
    "external": "wait_external_hours",
    "in_work": "wait_in_work_hours",
}
"""Company-side wait cause -> its measure; the parts of ``customer_wait_hours``."""
CUSTOMER_SIDE = "on_customer_hours"
"""The customer's own side of the clock, kept apart from ``customer_wait_hours``."""
WAIT_MEASURES: tuple[str, ...] = (*WAIT_PARTS.values(), CUSTOMER_SIDE)
"""Waiting by cause: reported per case, team and handoff pair; not gated by ``audit``
(its defaults and baselines stay those of the measures before them)."""

SURVEYS = "surveys"
"""Survey events per case (role survey), after the measures and ``category``/``value``/
``rating``: not a measure of the score (a survey is counted as a contact already)."""
_YES = ("yes", "y", "true", "t", "ja", "j", "1", "complaint", "complained")
_NO = ("no", "n", "false", "f", "nein", "nee", "0", "none")
_US_PER_HOUR = 3_600_000_000.0
_RUN = "_run"


def _count(expr: pl.Expr) -> pl.Expr:
    return expr.sum().cast(pl.Int64)


def _first_value(column: str) -> pl.Expr:
    """The case's first non-null value of ``column`` in path order."""
    return (
        pl.col(column)
        .filter(pl.col(column).is_not_null())
        .sort_by(pl.col(SEQ).filter(pl.col(column).is_not_null()))
        .first()
    )


def rating_number(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A rating column's values as numbers (per value, so every part reads them alike):
    numbers as they are, Booleans as 1/0, text yes/no words as 1/0 (a complaint marker),
    other text as a number where it is one, else null."""
    if dtype == pl.Boolean or dtype.is_numeric():
        return expr.cast(pl.Float64)
    text = expr.cast(pl.String).str.strip_chars().str.to_lowercase()
    return (
        pl.when(text.is_in(_YES))
        .then(1.0)
        .when(text.is_in(_NO))
        .then(0.0)
        .otherwise(text.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False))
    )


def case_measures(annotated: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """One row per case with the columns of :data:`MEASURES` (see the module docstring)."""
    required = [S.CASE, S.TIMESTAMP, *ROLE_COLUMNS.values(), *ANNOTATIONS]
    missing = [c for c in required if c not in annotated.columns]
    if missing:
        raise SchemaError(
            f"cannot measure cases: missing column(s) {', '.join(missing)}",
            hint="annotate the events first (frictionminer.engine.paths.annotate)",
        )
    extras: list[pl.Expr] = []
    category, value = settings.columns.category, settings.columns.value
    rating = settings.columns.rating
    for key, column in (("category", category), ("value", value), ("rating", rating)):
        if column is not None and column not in annotated.columns:
            raise SchemaError(
                f"columns.{key}: no column {column!r} in the log",
                hint=f"name an existing column with [columns] {key}",
            )
    if category is not None:
        extras.append(_first_value(category).alias("category"))
    if value is not None:
        extras.append(_first_value(value).alias("value"))
    if rating is not None:
        numbers = rating_number(pl.col(rating), annotated.schema[rating])
        extras.append(
            numbers.filter(numbers.is_not_null())
            .sort_by(pl.col(SEQ).filter(numbers.is_not_null()))
            .first()
            .alias("rating")
        )
    survey = SIGNAL_ROLE_COLUMNS["survey"]
    if survey in annotated.columns:
        extras.append(_count(pl.col(survey)).alias(SURVEYS))

    ts = pl.col(S.TIMESTAMP)
    cause = pl.col("wait_cause")
    gap_us = (pl.col("gap_hours") * _US_PER_HOUR).round().cast(pl.Int64)
    before_end = ~pl.col("is_end") & ~pl.col("after_end")
    counts = {
        "interactions": _count(pl.col(ROLE_COLUMNS["contact"])),
        "customer_tasks": _count(pl.col(ROLE_COLUMNS["customer_task"])),
        "repeat_requests": _count(pl.col("repeat_request")),
        "handoffs": _count(pl.col("handoff")),
        "ping_pongs": _count(pl.col("ping_pong")),
        "external_handoffs": _count(pl.col("external_handoff")),
        "channel_switches": _count(pl.col("channel_switch")),
        "reexplanations": _count(pl.col("reexplanation")),
    }
    case = pl.col(S.CASE)
    starts = case.ne_missing(case.shift(1))
    contiguous = annotated.height == 0 or bool(
        annotated.select((starts == (pl.col(SEQ) == 0)).all()).item()
    )
    if contiguous:
        # Each case is one run beginning at seq 0 (annotate gives every case exactly one
        # seq 0), so the run number identifies the case and is sorted by construction.
        frame = annotated.lazy().with_columns(
            starts.cum_sum().cast(pl.Int64).set_sorted().alias(_RUN)
        )
        key, carried = _RUN, [case.first()]
    else:
        frame, key, carried = annotated.lazy(), S.CASE, []
    out = (
        frame.group_by(key)
        .agg(
            *carried,
            pl.len().cast(pl.Int64).alias("events"),
            ts.min().alias("start"),
            ts.filter(pl.col("is_end")).first().alias("end"),
            ts.max().alias("_last"),
            *[expr.alias(name) for name, expr in counts.items()],
            # Summed as whole microseconds (each gap is an exact number of them) and
            # divided below, over the whole column: the total does not depend on the
            # order, chunking or grouping path of the summation, so a case measured in
            # a shard or a parallel part gets the same bits as in memory.
            *[
                gap_us.filter(before_end & (cause == name)).sum().alias(f"_{name}_us")
                for name in (*WAIT_PARTS, "customer")
            ],
            pl.col("silence_hours")
            .max()
            .fill_null(0.0)
            .cast(pl.Float64)
            .alias("silent_wait_max_hours"),
            pl.col(ROLE_COLUMNS["resolution"]).any().alias("resolved"),
            (pl.col(ROLE_COLUMNS["customer_action"]) & pl.col("after_end")).any().alias("reopened"),
            *extras,
        )
        .sort(S.CASE)
        .collect()
    )
    effort = settings.effort
    out = out.with_columns(
        (
            pl.sum_horizontal(f"_{name}_us" for name in WAIT_PARTS).cast(pl.Float64) / _US_PER_HOUR
        ).alias("customer_wait_hours"),
        *[
            (pl.col(f"_{name}_us").cast(pl.Float64) / _US_PER_HOUR).alias(column)
            for name, column in WAIT_PARTS.items()
        ],
        (pl.col("_customer_us").cast(pl.Float64) / _US_PER_HOUR).alias(CUSTOMER_SIDE),
        (
            (pl.col("_last") - pl.col("start")).dt.total_microseconds().cast(pl.Float64)
            / _US_PER_HOUR
        ).alias("duration_hours"),
        (
            effort.contact * pl.col("interactions")
            + effort.customer_task * pl.col("customer_tasks")
            + effort.channel_switch * pl.col("channel_switches")
            + effort.reexplanation * pl.col("reexplanations")
        )
        .cast(pl.Float64)
        .alias("effort_minutes"),
    )
    if value is not None:
        try:
            out = out.with_columns(pl.col("value").cast(pl.Float64, strict=True))
        except InvalidOperationError:
            raise SchemaError(
                f"{settings.source}: key 'columns.value': column {value!r} is not numeric",
                hint="name a numeric column (amounts with a decimal point), or unset it",
            ) from None
    if SURVEYS not in out.columns:
        out = out.with_columns(pl.lit(0, dtype=pl.Int64).alias(SURVEYS))
    tail = [c for c in ("category", "value", "rating", SURVEYS) if c in out.columns]
    return out.select(S.CASE, *MEASURES, *tail)
