"""Case paths: each case's events in order, annotated with what the customer lived through.

Everything here is a whole-table polars expression — no per-case Python loops.  The
table is sorted once into path order; every per-case window is then a *segmented scan*
over that order: a global ``shift``/``forward_fill``/``cum_sum`` whose reach is cut at
the case's first and last rows (``_start``/``_stop``).  This is the same result as
``expr.over("case_id", order_by=...)`` (tests check it against a plain per-case
reference) but avoids one hash partition per column: at 10M events a window per
column cost about 1 s each, the scans a few hundredths.  The order the scans rely on
is the frame's own row order after an explicit sort, never an order assumed from a
``group_by`` or from the input.

Instances
    Where a log records lifecycle transitions, one activity instance is several events;
    measures count instances.  Which events are kept is a whole-log decision, taken
    before the per-case stage (:class:`frictionminer.scale.plan.Lifecycle`;
    :func:`select_instances` for a log in memory, re-exported here).

Order
    Events of a case are ordered by ``timestamp`` then ``event_index`` (input order), so
    ties in time keep the order of the file.  ``seq`` is the 0-based position.

The end (``is_end``, ``after_end``)
    The end of a case is its first ``resolution`` event, or its last event when it has
    none.  Events after the end still count for the counting measures but not for
    waiting: the customer is no longer waiting once the problem is solved.

Ball in court (``waiting_on``)
    The state of the interval that *starts* at an event.  A case starts waiting on the
    ``company``; a ``customer_task`` event switches it to the ``customer``; a
    ``customer_action`` switches it back.  An event that is both a task and an action
    (e.g. "reply from customer, ask for receipt") leaves the case waiting on the
    **customer**: the task wins, because after that event the customer again owes
    something.  dtype ``Enum(["company", "customer"])``.

Silence (``perceived``, ``silence_hours``)
    ``perceived`` events are those the customer notices: contact, notice,
    customer_action, customer_task or resolution.  The *boundaries* of silence are the
    perceived events up to the end, plus the first event and the end event (the
    customer's clock starts when the case starts and stops at the end).  On each
    boundary ``silence_hours`` is the time until the next boundary when the case waits
    on the company during it, else 0; internal events in between do not break it.  It
    is 0 on the end event (nothing after it counts) and null on events that are not
    boundaries, including every event after the end.

Teams (``handoff``, ``ping_pong``, ``group_ordinal``, ``external_handoff``)
    A *non-empty* value is neither null nor blank.  ``handoff``: the event's non-empty
    group differs from the previous non-empty group of the case (null groups in between
    are skipped, so A, -, A is no handoff).  ``ping_pong``: a handoff into a group that
    already appeared earlier in the case.  ``group_ordinal``: distinct non-empty groups
    seen so far, this event included.  ``external_handoff``: a handoff over the column
    named by ``[measures] organisation`` (always false when unset).

Contacts (``channel_switch``, ``reexplanation``)
    ``channel_switch``: a contact whose non-empty channel differs from the previous
    non-empty channel of a contact of the case (non-contact events do not count).
    ``reexplanation``: a contact whose current group (last non-empty group up to and
    including it) differs from the current group at the previous contact; both must be
    known — the customer has to explain again to a new team.

Requests (``repeat_request``)
    A customer_task whose activity already occurred as a customer_task earlier in the
    case.

Waiting by cause (``wait_cause``)
    The cause of the gap that *starts* at the event (null on the case's last event),
    dtype :data:`WAIT_CAUSE`.  In order of precedence, the first that applies:
    ``customer`` — the ball is in the customer's court (``waiting_on``); ``external`` —
    the event has the ``external_wait`` role (the case waits on an outside party);
    ``queue`` — the event has the ``queue`` role (nobody has picked the case up);
    ``handoff`` — the last event up to this one that names a team is a ``handoff``: the
    team changed and the new team has not acted yet (it first acts at the next event
    naming a team); ``in_work`` — any other wait on the company.  The wait roles
    describe the state that follows the event, so a state log's repeated row keeps them
    (a queue re-written on reassignment is still a queue).  The company-side causes
    split ``customer_wait_hours`` exactly (:mod:`frictionminer.engine.measures`).

``gap_hours`` is the time to the next event of the case (null on the last).  Missing
optional columns (group, channel) make their flags false.
"""

from __future__ import annotations

import polars as pl

from frictionminer import schema as S
from frictionminer.engine.classify import ROLE_COLUMNS, WAIT_ROLE_COLUMNS
from frictionminer.errors import SchemaError
from frictionminer.scale.plan import select_instances
from frictionminer.settings import Settings

__all__ = [
    "ANNOTATIONS",
    "SEQ",
    "WAITING_ON",
    "WAIT_CAUSE",
    "WAIT_CAUSES",
    "annotate",
    "in_path_order",
    "select_instances",
]

SEQ = "seq"
WAITING_ON = pl.Enum(["company", "customer"])
"""dtype of ``waiting_on``."""
WAIT_CAUSES: tuple[str, ...] = ("queue", "handoff", "external", "in_work", "customer")
"""Causes of a wait (``wait_cause``): the four company-side parts, then the customer's."""
WAIT_CAUSE = pl.Enum(list(WAIT_CAUSES))
"""dtype of ``wait_cause``."""

STATE_REPEAT = "state_repeat"
"""Annotation of a state log: the event repeats its case's previous activity (one run)."""
ANNOTATIONS: tuple[str, ...] = (
    SEQ,
    "is_end",
    "after_end",
    "waiting_on",
    "gap_hours",
    "perceived",
    "silence_hours",
    "handoff",
    "ping_pong",
    "group_ordinal",
    "external_handoff",
    "channel_switch",
    "repeat_request",
    "reexplanation",
    "wait_cause",
)
"""Columns :func:`annotate` adds, in order."""

_US_PER_HOUR = 3_600_000_000.0

_ROW, _START, _STOP, _CASE_NO = "_row", "_start", "_stop", "_case_no"
_FIRST, _LAST, _END = "_first", "_last", "_end"


def _ffill(expr: pl.Expr) -> pl.Expr:
    """Last non-null value of ``expr`` in the case up to and including this row."""
    pos = pl.when(expr.is_not_null()).then(pl.col(_ROW)).forward_fill()
    return pl.when(pos >= pl.col(_START)).then(expr.forward_fill())


def _previous(expr: pl.Expr) -> pl.Expr:
    """Last non-null value of ``expr`` in the case strictly before this row."""
    pos = pl.when(expr.is_not_null()).then(pl.col(_ROW)).forward_fill().shift(1)
    return pl.when(pos >= pl.col(_START)).then(expr.forward_fill().shift(1))


def _following(expr: pl.Expr) -> pl.Expr:
    """First non-null value of ``expr`` in the case strictly after this row."""
    pos = pl.when(expr.is_not_null()).then(pl.col(_ROW)).backward_fill().shift(-1)
    return pl.when(pos <= pl.col(_STOP)).then(expr.backward_fill().shift(-1))


def _code(expr: pl.Expr) -> pl.Expr:
    """An integer standing for each distinct string (equal strings, equal codes).

    Comparing, filling and hashing integers is several times cheaper than strings at
    millions of events; only equality of values matters here.
    """
    return expr.cast(pl.Categorical).to_physical().cast(pl.Int64)


def _first_in_case(code: pl.Expr) -> pl.Expr:
    """Whether this row holds the first occurrence of its non-null ``code`` in the case.

    The code is combined with the case number, so one hash pass over integers answers
    it for every case at once.
    """
    key = pl.col(_CASE_NO) * (1 << 32) + code
    return code.is_not_null() & key.is_first_distinct()


def _hours(delta: pl.Expr) -> pl.Expr:
    return delta.dt.total_microseconds().cast(pl.Float64) / _US_PER_HOUR


def _non_empty(events: pl.DataFrame, column: str | None) -> pl.Expr | None:
    """Codes of the column's values with blanks as null; None when the column is absent.

    Blank values are found among the distinct values (few) rather than per event.
    """
    if column is None or column not in events.columns:
        return None
    value = pl.col(column).cast(pl.String)
    distinct = events.select(value.unique().alias("v")).get_column("v")
    blanks = [v for v in distinct.to_list() if v is not None and not v.strip()]
    if blanks:
        value = pl.when(~value.is_in(blanks)).then(value)
    return _code(value)


def _handoff(value: str, present: bool) -> pl.Expr:
    """A non-empty ``value`` that differs from the previous non-empty one of the case."""
    if not present:
        return pl.lit(False)
    return (pl.col(value) != _previous(pl.col(value))).fill_null(False)


def _wait_cause(frame: pl.DataFrame) -> pl.Expr:
    """``wait_cause`` of every event of the annotated ``frame`` (module docstring).

    A wait role column the events do not have (classified by an older or hand-made
    table) is false.
    """

    def role(name: str) -> pl.Expr:
        column = WAIT_ROLE_COLUMNS[name]
        return pl.col(column).fill_null(False) if column in frame.columns else pl.lit(False)

    # The last event naming a team, up to this one, is a handoff (the new team's turn).
    after_handoff = _ffill(pl.when(pl.col("_group").is_not_null()).then(pl.col("handoff")))

    def cause(name: str) -> pl.Expr:  # typed literals: no string is built per event
        return pl.lit(name, dtype=WAIT_CAUSE)

    return (
        pl.when(pl.col(_LAST))
        .then(pl.lit(None, dtype=WAIT_CAUSE))
        .when(pl.col("_on_customer"))
        .then(cause("customer"))
        .when(role("external_wait"))
        .then(cause("external"))
        .when(role("queue"))
        .then(cause("queue"))
        .when(after_handoff.fill_null(False))
        .then(cause("handoff"))
        .otherwise(cause("in_work"))
    )


def in_path_order(events: pl.DataFrame) -> pl.DataFrame:
    """``events`` sorted by (case_id, timestamp, event_index); unchanged when already so.

    Sorting millions of rows by a string key is the most expensive step of the whole
    per-case stage, and logs often arrive in this order already (XES traces, exports
    sorted by case), so a linear check comes first.  ``event_index`` is unique in a
    normalised log, so the order is total.
    """
    case, ts, index = pl.col(S.CASE), pl.col(S.TIMESTAMP), pl.col(S.EVENT_INDEX)
    same_case = case == case.shift(1)
    later = (ts > ts.shift(1)) | ((ts == ts.shift(1)) & (index > index.shift(1)))
    ordered = (case.shift(1).is_null() | (case > case.shift(1)) | (same_case & later)).all()
    if events.height < 2 or events.select(ordered).item():
        return events
    return events.sort([S.CASE, S.TIMESTAMP, S.EVENT_INDEX])


def annotate(
    events: pl.DataFrame, settings: Settings, *, collapse_runs: bool = False
) -> pl.DataFrame:
    """The classified ``events`` in path order with the columns of :data:`ANNOTATIONS`.

    Input: events with the ``role_*`` columns of :func:`frictionminer.engine.classify.classify`.
    The input frame is not changed; helper columns are dropped.  With ``collapse_runs`` (a
    state log, :meth:`frictionminer.scale.plan.Lifecycle.with_state_runs`) an event that
    repeats its case's previous activity is one more update row of the same state: it has
    no role (only the first event of the run is a contact, task, action, notice or
    resolution, and only it starts or ends a wait), while its other columns still count (a
    team change inside the run is a handoff).  Such events are marked ``state_repeat``.
    """
    required = [S.CASE, S.ACTIVITY, S.TIMESTAMP, S.EVENT_INDEX, *ROLE_COLUMNS.values()]
    missing = [c for c in required if c not in events.columns]
    if missing:
        raise SchemaError(
            f"cannot build case paths: missing column(s) {', '.join(missing)}",
            hint="classify the events first (frictionminer.engine.classify.classify)",
        )
    org = settings.measures.organisation
    if org is not None and org not in events.columns:
        raise SchemaError(
            f"measures.organisation: no column {org!r} for external handoffs",
            hint="name an existing column, or unset [measures] organisation",
        )
    contact = pl.col(ROLE_COLUMNS["contact"])
    task = pl.col(ROLE_COLUMNS["customer_task"])
    action = pl.col(ROLE_COLUMNS["customer_action"])
    resolution = pl.col(ROLE_COLUMNS["resolution"])
    ts = pl.col(S.TIMESTAMP)
    seq = pl.col(SEQ)

    row = pl.col(_ROW)
    case = pl.col(S.CASE)
    # The case boundaries are computed once, as Boolean columns: comparing string case
    # ids with their neighbours costs about 0.3 s per use at 10M events, and many of
    # the scans below need them.
    first, last = pl.col(_FIRST), pl.col(_LAST)
    frame = in_path_order(events)
    frame = frame.with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias(_ROW),
        case.ne_missing(case.shift(1)).alias(_FIRST),
        case.ne_missing(case.shift(-1)).alias(_LAST),
    )
    if collapse_runs:
        activity = pl.col(S.ACTIVITY)
        repeat = ~first & activity.eq_missing(activity.shift(1))
        frame = frame.with_columns(repeat.alias(STATE_REPEAT)).with_columns(
            (pl.col(c) & ~pl.col(STATE_REPEAT)).alias(c) for c in ROLE_COLUMNS.values()
        )
    frame = frame.with_columns(
        first.cum_sum().cast(pl.Int64).alias(_CASE_NO),
        pl.when(first).then(row).forward_fill().alias(_START),
        pl.when(last).then(row).backward_fill().alias(_STOP),
    )
    # First resolution at or after the case's first row; beyond the case's last row
    # means the case has none and ends at its last event.
    # (pl.len() stands for "none left", so every case's first row has a value to carry.)
    resolution_row = pl.when(resolution).then(row).backward_fill().fill_null(pl.len())
    first_resolution = pl.when(first).then(resolution_row).forward_fill()
    frame = frame.with_columns(
        pl.when(first_resolution <= pl.col(_STOP))
        .then(first_resolution)
        .otherwise(pl.col(_STOP))
        .alias(_END)
    )
    end_row = pl.col(_END)
    group_code = _non_empty(events, S.GROUP)
    org_code = _non_empty(events, org)
    channel_code = _non_empty(events, S.CHANNEL)
    none = pl.lit(None, dtype=pl.Int64)
    # Task wins over action on the same event; a case starts waiting on the company.
    switch = pl.when(task).then(True).when(action).then(False).when(first).then(False)
    frame = frame.with_columns(
        (row - pl.col(_START)).alias(SEQ),
        (row == end_row).alias("is_end"),
        (row > end_row).alias("after_end"),
        switch.forward_fill().alias("_on_customer"),
        _hours(pl.when(~last).then(ts.shift(-1)) - ts).alias("gap_hours"),
        pl.any_horizontal(pl.col(c) for c in ROLE_COLUMNS.values()).alias("perceived"),
        (group_code if group_code is not None else none).alias("_group"),
        (org_code if org_code is not None else none).alias("_org"),
        pl.when(contact).then(channel_code if channel_code is not None else none).alias("_channel"),
        _code(pl.when(task).then(pl.col(S.ACTIVITY))).alias("_task"),
    )
    group = pl.col("_group")
    boundary = (pl.col("perceived") | (seq == 0) | pl.col("is_end")) & ~pl.col("after_end")
    next_boundary = _following(pl.when(boundary).then(ts))
    first_group = _first_in_case(group)
    frame = frame.with_columns(
        pl.when(boundary)
        .then(
            pl.when(pl.col("_on_customer"))
            .then(0.0)
            .otherwise(_hours(next_boundary - ts).fill_null(0.0))
        )
        .alias("silence_hours"),
        _handoff("_group", group_code is not None).alias("handoff"),
        first_group.alias("_first_group"),
        _handoff("_org", org_code is not None).alias("external_handoff"),
        _handoff("_channel", channel_code is not None).alias("channel_switch"),
        (task & ~_first_in_case(pl.col("_task"))).alias("repeat_request"),
        _ffill(group).alias("_current"),
    )
    # Distinct groups so far: a running count cut at the case's first row.
    seen = pl.col("_first_group").cast(pl.Int64).cum_sum()
    seen_before_case = pl.when(first).then(seen - pl.col("_first_group").cast(pl.Int64))
    # The current group at each contact, -1 when unknown (never a code), carried to the
    # next contact of the case.
    at_contact = pl.when(contact).then(pl.col("_current").fill_null(-1))
    previous_contact = _previous(at_contact)
    frame = frame.with_columns(
        (pl.col("handoff") & ~pl.col("_first_group")).alias("ping_pong"),
        (seen - seen_before_case.forward_fill()).alias("group_ordinal"),
        (
            contact
            & pl.col("_current").is_not_null()
            & (previous_contact != -1).fill_null(False)
            & (pl.col("_current") != previous_contact).fill_null(False)
        ).alias("reexplanation"),
        pl.when(pl.col("_on_customer"))
        .then(pl.lit("customer", dtype=WAITING_ON))
        .otherwise(pl.lit("company", dtype=WAITING_ON))
        .alias("waiting_on"),
    )
    frame = frame.with_columns(_wait_cause(frame).alias("wait_cause"))
    keep = [c for c in events.columns if c not in ANNOTATIONS and c != STATE_REPEAT]
    runs = [STATE_REPEAT] if collapse_runs else []
    return frame.select(*keep, *ANNOTATIONS, *runs)
