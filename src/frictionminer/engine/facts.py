"""The small facts of whole cases that causes and reports need, gathered per part.

The per-case stage (classify → annotate → measures) runs on the events of whole cases, in
memory, in parallel parts or in shards.  What :mod:`frictionminer.engine.causes` needs
from the events is gathered in the same stage, per part, as small tables, and the parts are
combined by :func:`combine_facts`; nothing later goes back to the events, so causes and the
report work on a sharded result, which holds no events.

Interface:

* ``gather_facts(events, settings) -> Facts``: from the annotated events of whole cases;
* ``combine_facts(parts) -> Facts``: the facts of the union of the parts' cases (the
  parts hold disjoint sets of whole cases).

Exact by construction.  Every table is one of two sorts:

* **counts** (:data:`SUMMED`): key columns and integer counts.  A count of distinct cases
  is a count too, because the parts hold disjoint sets of whole cases: a case is counted in
  exactly one part.  Combining sums the counts per key.
* **per case** (:data:`PER_CASE`): one row per case (or per case and team).  Combining
  concatenates.

What does not add up — medians, means and sums of durations — is kept as a multiset of
values (a value and how often it occurs: ``silences``, ``waits``) and aggregated only
after combining, by :mod:`~frictionminer.engine.causes`, in a way that does not depend on
row order.  So ``combine_facts([gather_facts(a), gather_facts(b)])`` equals
``gather_facts(a ∪ b)`` table for table, up to the order of rows (:meth:`Facts.sorted`).

The tables (``team`` is a non-empty ``group``; ``silent`` means a silence of at least
:func:`silent_wait_hours`):

========================  ==========================================================
``activities``            per activity: events, cases, contacts, task events and cases,
                          cases with two or more tasks (piecemeal), repeated requests,
                          silent waits started and their cases
``activity_teams``        events per activity and team
``silences``              per activity, the silent waits that start there: hours → n
``teams``                 per team: events, cases, task events, silent waits started,
                          handoffs out (and cases handed on), handoffs and ping-pong
                          returns in
``handoff_pairs``         per directed pair of teams: handoffs, ping-pong returns, cases
``ping_pong_pairs``       per unordered pair (``team_a`` < ``team_b``): returns, cases
``flows``                 per directly-follows pair (with :data:`START`/:data:`END`):
                          transitions, cases, transitions waiting on the company, those
                          of them before the case's end (the customer's side) and their
                          time in whole microseconds
``waits``                 per directly-follows pair, the time to the next step: hours → n
``paths``                 per case: its path (``variant``, activities joined with " → ")
                          and its number of steps, built once per case
``case_teams``            events per case and team ("teams involved" in a set of cases)
``wait_teams``            per team holding the case and wait cause (``wait_cause``, the
                          company's four and ``customer``): gaps before the case's end,
                          their cases and their time in whole microseconds (``us``); a
                          gap before any team is named has a null team
``wait_pairs``            per handoff pair (``from`` → ``to``) and wait cause: the gaps
                          while ``to`` holds the case after a handoff from ``from``
                          (until the next handoff), their cases and microseconds
``roles``                 per role (and ``news``: contact, notice, task or action), the
                          events it matched and their cases
                          (:mod:`~frictionminer.engine.coverage`)
``promises``              promises made per promise, team that made it, team holding
                          the case when it was kept or fell due, and status
                          (:mod:`~frictionminer.engine.promises`)
``promise_pending``       the same per deadline, for promises not kept by their case's
                          end (decided against the log's end when the parts are gathered)
``observed``              each part's last event (the log's end is the latest)
========================  ==========================================================

The one table that can grow with the events is ``waits``: exact medians need every
distinct value.  It holds one row per distinct (pair, wait), four narrow columns (about
half as many rows as events in a simulated 1.2M-event log with times to the second).

``paths`` and ``case_teams`` carry case ids: whoever replaces the case ids of a result
(pseudonymisation) replaces them here too; facts that do not match the result's cases are
not used (:func:`~frictionminer.engine.causes.result_facts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from frictionminer import schema as S
from frictionminer.engine.coverage import role_table
from frictionminer.engine.paths import STATE_REPEAT, WAIT_CAUSE, WAIT_CAUSES, WAITING_ON
from frictionminer.settings import Settings

if TYPE_CHECKING:
    from frictionminer.engine.rules import Rule

START, END = "▶ start", "■ end"
"""Pseudo-activities for the start and end of every case in the ``flows`` table."""

ARROW = " → "
"""Separator of the activities of a path (``variant``)."""

SILENT_KEYWORD = "min_silent_hours"
"""The rule keyword that says how long a wait without news must be to count as silent."""
DEFAULT_SILENT_HOURS = 72.0

SUMMED: dict[str, tuple[str, ...]] = {
    "activities": (S.ACTIVITY,),
    "activity_teams": (S.ACTIVITY, "team"),
    "silences": (S.ACTIVITY, "hours"),
    "teams": ("team",),
    "handoff_pairs": ("from", "to"),
    "ping_pong_pairs": ("team_a", "team_b"),
    "flows": ("source", "target"),
    "waits": ("source", "target", "hours"),
    "roles": ("role",),
    "wait_teams": ("team", "cause"),
    "wait_pairs": ("from", "to", "cause"),
    "promises": ("promise", "team", "holder", "status"),
    "promise_pending": ("promise", "team", "holder", "due"),
    "observed": ("last",),
}
"""Count tables and their keys: every other column is a count, summed over parts."""

PER_CASE: dict[str, tuple[str, ...]] = {
    "paths": (S.CASE,),
    "case_teams": (S.CASE, "team"),
}
"""Per-case tables and their keys: parts are concatenated."""

_COUNT = pl.Int64
_CODE = pl.UInt32
"""dtype of the codes standing for activities and teams while the facts are grouped."""
_TEAM_COLUMNS = ("team", "from", "to", "team_a", "team_b")
"""Columns of the facts that hold teams (codes while gathering)."""
_NO = "_case_no"
"""A number per case within the part (events are in path order: a case's events are
together): counting and grouping on it is several times cheaper than on the case id."""
_TASK, _CONTACT = "role_customer_task", "role_contact"
_US_PER_HOUR = 3_600_000_000.0


@dataclass(frozen=True)
class Facts:
    """Named small tables gathered from the annotated events of whole cases.

    ``silent_hours`` is the threshold the silent-wait counts were gathered with: facts
    gathered with another threshold answer another question.
    """

    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    silent_hours: float = DEFAULT_SILENT_HOURS

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.tables[name]

    def sorted(self) -> Facts:
        """The same facts with every table sorted by its keys: equal facts, equal frames.

        Nothing needs the order (causes sort what they show); it is for comparing facts.
        """
        return Facts(
            {n: df.sort(list(SUMMED.get(n) or PER_CASE[n])) for n, df in self.tables.items()},
            self.silent_hours,
        )

    @property
    def cases(self) -> int:
        """Cases the facts were gathered from."""
        return self.tables["paths"].height if "paths" in self.tables else 0


def silent_wait_rule() -> Rule | None:
    """The rule that defines a silent wait: the one with the keyword :data:`SILENT_KEYWORD`."""
    from frictionminer.engine.rules import RULES

    return next((r for r in RULES.values() if SILENT_KEYWORD in r.defaults), None)


def silent_wait_hours(settings: Settings) -> float:
    """How long a wait without news must last to count as silent (the rule's effective value)."""
    from frictionminer.engine.rules import effective_params

    rule = silent_wait_rule()
    if rule is None:
        return DEFAULT_SILENT_HOURS
    return float(effective_params(rule, settings.rules).get(SILENT_KEYWORD, DEFAULT_SILENT_HOURS))


def non_empty_group(events: pl.DataFrame) -> pl.Expr:
    """The event's team: its ``group`` unless blank (null when the log has no groups)."""
    if S.GROUP not in events.columns:
        return pl.lit(None, dtype=pl.String)
    g = pl.col(S.GROUP).cast(pl.String)
    return pl.when(g.str.strip_chars() != "").then(g)


def team_codes(events: pl.DataFrame) -> tuple[pl.Expr, pl.Series]:
    """The event's team (:func:`non_empty_group`) as a code, and the teams' names: code
    ``k`` stands for ``names[k]``; the names are sorted, so codes order as names do.

    Blank values are found among the distinct values (a few hundred teams), not per
    event, and grouping, filling and comparing integer codes is several times cheaper
    than strings (at 5M events the waits by team took 0.5 s on strings).
    """
    if S.GROUP not in events.columns:
        return pl.lit(None, dtype=_CODE), pl.Series("team", [], dtype=pl.String)
    g = pl.col(S.GROUP).cast(pl.String)
    distinct = events.select(g.unique().alias("v")).get_column("v").drop_nulls()
    names = distinct.filter(distinct.str.strip_chars() != "").sort()
    codes = pl.int_range(names.len(), dtype=_CODE, eager=True)
    return g.replace_strict(names, codes, default=None, return_dtype=_CODE), names


def _named(table: pl.DataFrame, columns: Sequence[str], names: pl.Series) -> pl.DataFrame:
    """``table`` with the code columns ``columns`` replaced by the names they stand for."""
    present = [c for c in columns if c in table.columns]
    return table.with_columns(
        pl.lit(names, dtype=pl.String).gather(pl.col(c)).alias(c) for c in present
    )


# ------------------------------------------------------------------------------- gather


SUMMARY_TABLES: tuple[str, ...] = ("roles", "wait_teams", "wait_pairs")
"""The facts ``score``'s summary reads (which roles the log shows, the waits by team):
all a run gathers with ``summary_only``."""


def gather_facts(events: pl.DataFrame, settings: Settings, *, summary_only: bool = False) -> Facts:
    """The facts of the cases in ``events``: annotated events of whole cases, in path order
    (each case's events together, in time order), as :func:`~frictionminer.engine.paths.annotate`
    leaves them.

    ``summary_only``: only :data:`SUMMARY_TABLES` (``score`` needs no causes: at 10M events
    the others took 3 s of each part's 6).  Causes then gather the facts again from the
    events when asked for (:func:`frictionminer.engine.causes.result_facts`: the facts
    have no ``paths``, so they do not cover the result's cases)."""
    silent_hours = silent_wait_hours(settings)
    team, teams = team_codes(events)
    # The cases numbered once: comparing string ids costs about 0.15 s per 5M events
    # each time, and counting distinct values of a sorted number is nearly free.
    events = events.with_columns(pl.col(S.CASE).rle_id().alias(_NO))
    roles = role_table(events, pl.col(_NO))
    if summary_only:
        waits = _waits(events, events.select(_wait_columns(team)))
        return Facts(
            {
                "roles": roles,
                **{name: _named(t, _TEAM_COLUMNS, teams) for name, t in waits.items()},
            },
            silent_hours,
        )
    on_company = pl.col("waiting_on") == pl.lit("company", dtype=WAITING_ON)
    ev = events.select(
        S.CASE,
        *_wait_columns(team),
        S.ACTIVITY,
        pl.col(_TASK).alias("task"),
        pl.col(_CONTACT).alias("contact"),
        "repeat_request",
        "silence_hours",
        "ping_pong",
        on_company.alias("on_company"),
        # the customer's side of a wait: on the company, before the case's end
        (on_company & ~pl.col("is_end") & ~pl.col("after_end")).alias("customer_side"),
        (pl.col("silence_hours").fill_null(0.0) >= silent_hours).alias("silent"),
        (pl.col(STATE_REPEAT) if STATE_REPEAT in events.columns else pl.lit(False)).alias(
            "_repeat"
        ),
    )
    # Activities as small integer codes while grouping (a group by a string column hashes
    # every string again; by a code, 2-3 times faster at 5M events); named back at the end.
    names = ev.select(pl.col(S.ACTIVITY).unique().sort()).to_series()
    codes = (
        ev.get_column(S.ACTIVITY).replace_strict(
            names, pl.int_range(names.len(), dtype=pl.UInt32, eager=True), return_dtype=pl.UInt32
        )
        if ev.height
        else pl.Series(S.ACTIVITY, [], dtype=pl.UInt32)  # replace_strict keeps String there
    )
    ev = ev.with_columns(codes)
    runs = _runs(ev)  # a state log's paths: one step per run of the same activity
    hand = _handoffs(ev)
    tables = {
        "activities": _activities(ev),
        "activity_teams": ev.filter(pl.col("team").is_not_null())
        .group_by(S.ACTIVITY, "team")
        .agg(pl.len().cast(_COUNT).alias("events")),
        "silences": ev.filter(pl.col("silent") & pl.col("silence_hours").is_not_null())
        .group_by(S.ACTIVITY, pl.col("silence_hours").alias("hours"))
        .agg(pl.len().cast(_COUNT).alias("n")),
        "teams": _teams(ev, hand),
        "handoff_pairs": hand.group_by("from", "to").agg(
            pl.len().cast(_COUNT).alias("handoffs"),
            pl.col("ping_pong").sum().cast(_COUNT).alias("ping_pongs"),
            pl.col(_NO).n_unique().cast(_COUNT).alias("cases"),
        ),
        "ping_pong_pairs": hand.filter(pl.col("ping_pong"))
        .group_by(
            pl.min_horizontal("from", "to").alias("team_a"),
            pl.max_horizontal("from", "to").alias("team_b"),
        )
        .agg(
            pl.len().cast(_COUNT).alias("returns"),
            pl.col(_NO).n_unique().cast(_COUNT).alias("cases"),
        ),
        **_flows(runs, names.len()),
        "paths": _paths(runs, names),
        "case_teams": ev.filter(pl.col("team").is_not_null())
        .group_by(_NO, "team")
        .agg(pl.col(S.CASE).first(), pl.len().cast(_COUNT).alias("events"))
        .select(S.CASE, "team", "events"),
        "roles": roles,
        **_waits(events, ev),
    }
    named = pl.concat([names, pl.Series([START, END], dtype=pl.String)])
    for name in ("activities", "activity_teams", "silences", "flows", "waits"):
        tables[name] = _named(tables[name], (S.ACTIVITY, "source", "target"), named)
    for name, table in tables.items():
        tables[name] = _named(table, _TEAM_COLUMNS, teams)
    return Facts(tables, silent_hours)


def _wait_columns(team: pl.Expr) -> list[pl.Expr]:
    """The columns :func:`_waits` reads of the events (part of every gathering's ``ev``);
    ``team`` is the team's code (:func:`team_codes`), the events are numbered by case."""
    return [
        pl.col(_NO),
        team.alias("team"),
        pl.col("gap_hours"),
        pl.col("handoff"),
        pl.col("is_end").alias("_is_end"),
        pl.col("after_end").alias("_after_end"),
    ]


def in_case_ffill(expr: pl.Expr) -> pl.Expr:
    """Last non-null value of ``expr`` in the case up to this row (rows in path order, each
    case numbered in a ``_case_no`` column)."""
    source_case = pl.when(expr.is_not_null()).then(pl.col(_NO)).forward_fill()
    return pl.when(source_case == pl.col(_NO)).then(expr.forward_fill())


def _waits(events: pl.DataFrame, ev: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """``wait_teams`` and ``wait_pairs``: the gaps before the end by cause, per team
    holding the case and per handoff pair (module docstring)."""
    case = pl.col(_NO)
    # the cause as its Enum code while grouping, named back at the end
    if "wait_cause" in events.columns:
        cause = events.get_column("wait_cause").cast(WAIT_CAUSE).to_physical().cast(_CODE)
    else:  # annotated by an older table: nothing to split
        cause = pl.Series("wait_cause", [None] * events.height, dtype=_CODE)
    team = pl.col("team")
    current = in_case_ffill(team)
    previous = pl.when(case == case.shift(1)).then(current.shift(1))
    w = ev.select(
        _NO,
        "team",
        "handoff",
        "gap_hours",
        pl.lit(cause).alias("cause"),
        (~pl.col("_after_end") & ~pl.col("_is_end")).alias("_before_end"),
    ).with_columns(
        current.alias("_current"),
        pl.when(pl.col("handoff") & team.is_not_null()).then(previous).alias("_from"),
    )
    gaps = w.with_columns(in_case_ffill(pl.col("_from")).alias("_from")).filter(
        pl.col("_before_end") & pl.col("cause").is_not_null() & pl.col("gap_hours").is_not_null()
    )
    us = (pl.col("gap_hours") * _US_PER_HOUR).round().cast(_COUNT)

    def summed(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
        return frame.group_by(keys).agg(
            pl.len().cast(_COUNT).alias("gaps"),
            case.n_unique().cast(_COUNT).alias("cases"),
            us.sum().alias("us"),
        )

    teams = summed(gaps.rename({"team": "_event_team", "_current": "team"}), ["team", "cause"])
    pairs = summed(
        gaps.filter(pl.col("_from").is_not_null()).rename({"_from": "from", "_current": "to"}),
        ["from", "to", "cause"],
    )
    causes = pl.Series(WAIT_CAUSES, dtype=pl.String)
    return {
        "wait_teams": _named(teams, ["cause"], causes),
        "wait_pairs": _named(pairs, ["cause"], causes),
    }


def _paths(runs: pl.DataFrame, names: pl.Series) -> pl.DataFrame:
    """Per case its path (``variant``: the activities joined with :data:`ARROW`) and steps;
    ``runs`` holds the activities as codes into ``names``.

    Each distinct path's text is built once: the cases' activities as lists of codes, the
    distinct lists joined into text, the text joined back to the cases.  Joining every
    case's activities into a string took three times as long (1.4 s for 5M events, most
    cases sharing a few hundred paths)."""
    code = pl.col(S.ACTIVITY)
    per_case = runs.group_by(_NO).agg(
        pl.col(S.CASE).first(), code.alias("_codes"), pl.len().cast(_COUNT).alias("steps")
    )
    texts = per_case.select(pl.col("_codes").unique()).with_columns(
        pl.col("_codes")
        .list.eval(pl.lit(names).gather(pl.element()))
        .list.join(ARROW)
        .alias("variant")
    )
    return per_case.join(texts, on="_codes", how="left").select(S.CASE, "variant", "steps")


def _runs(ev: pl.DataFrame) -> pl.DataFrame:
    """``ev`` with each run of a repeated activity as one row (its first), the run's gaps
    summed; ``ev`` itself when no event repeats (not a state log)."""
    if not ev.get_column("_repeat").any():
        return ev
    run = (~pl.col("_repeat")).cum_sum().alias("_run")
    return (
        ev.with_columns(run)
        .group_by("_run", maintain_order=True)
        .agg(pl.all().exclude("gap_hours").first(), pl.col("gap_hours").sum())
        .drop("_run")
        .select(ev.columns)
    )


def _activities(ev: pl.DataFrame) -> pl.DataFrame:
    task, silent, repeat = pl.col("task"), pl.col("silent"), pl.col("repeat_request")
    case = pl.col(_NO)
    piecemeal = task & pl.col("_piecemeal")

    def count(expr: pl.Expr) -> pl.Expr:
        return expr.sum().cast(_COUNT)

    def cases(expr: pl.Expr) -> pl.Expr:
        return case.filter(expr).n_unique().cast(_COUNT)

    # The case's task count over all its events (not within the activity's group).
    tasks_of_case = ev.with_columns((task.sum().over(_NO) >= 2).alias("_piecemeal"))
    return tasks_of_case.group_by(S.ACTIVITY).agg(
        pl.len().cast(_COUNT).alias("events"),
        case.n_unique().cast(_COUNT).alias("cases"),
        count(pl.col("contact")).alias("contacts"),
        count(task).alias("task_events"),
        cases(task).alias("task_cases"),
        cases(piecemeal).alias("piecemeal_cases"),
        count(repeat).alias("repeat_events"),
        cases(repeat).alias("repeat_cases"),
        count(silent).alias("silent_starts"),
        cases(silent).alias("silent_cases"),
    )


def _handoffs(ev: pl.DataFrame) -> pl.DataFrame:
    """One row per handoff: case, from team, to team, whether it was a ping-pong return."""
    case = pl.col(_NO)
    g = ev.select(_NO, pl.col("team").alias("to"), "handoff", "ping_pong").filter(
        pl.col("to").is_not_null()
    )
    g = g.with_columns(pl.when(case == case.shift(1)).then(pl.col("to").shift(1)).alias("from"))
    return g.filter(pl.col("handoff") & pl.col("from").is_not_null()).select(
        _NO, "from", "to", "ping_pong"
    )


def _teams(ev: pl.DataFrame, hand: pl.DataFrame) -> pl.DataFrame:
    held = (
        ev.filter(pl.col("team").is_not_null())
        .group_by("team")
        .agg(
            pl.len().cast(_COUNT).alias("events"),
            pl.col(_NO).n_unique().cast(_COUNT).alias("cases"),
            pl.col("task").sum().cast(_COUNT).alias("task_events"),
            pl.col("silent").sum().cast(_COUNT).alias("silent_starts"),
        )
    )
    out = hand.group_by(pl.col("from").alias("team")).agg(
        pl.len().cast(_COUNT).alias("handoffs_out"),
        pl.col(_NO).n_unique().cast(_COUNT).alias("cases_handed_on"),
    )
    into = hand.group_by(pl.col("to").alias("team")).agg(
        pl.len().cast(_COUNT).alias("handoffs_in"),
        pl.col("ping_pong").sum().cast(_COUNT).alias("ping_pong_in"),
    )
    added = ("handoffs_out", "cases_handed_on", "handoffs_in", "ping_pong_in")
    return (
        held.join(out, on="team", how="left")
        .join(into, on="team", how="left")
        .with_columns(pl.col(c).fill_null(0) for c in added)
    )


def _flows(ev: pl.DataFrame, start: int) -> dict[str, pl.DataFrame]:
    """Directly-follows pairs with START/END edges, and the multiset of waits on them;
    activities are codes, :data:`START` is ``start`` and :data:`END` ``start + 1``."""
    case = pl.col(_NO)
    start_code, end_code = pl.lit(start, dtype=pl.UInt32), pl.lit(start + 1, dtype=pl.UInt32)
    first = case.ne_missing(case.shift(1))
    last = case.ne_missing(case.shift(-1))
    steps = ev.select(
        _NO,
        pl.col(S.ACTIVITY).alias("source"),
        pl.when(last).then(end_code).otherwise(pl.col(S.ACTIVITY).shift(-1)).alias("target"),
        pl.when(~last).then(pl.col("gap_hours")).alias("hours"),
        "on_company",
        "customer_side",
    )
    starts = ev.filter(first).select(
        _NO,
        start_code.alias("source"),
        pl.col(S.ACTIVITY).alias("target"),
        pl.lit(None, dtype=pl.Float64).alias("hours"),
        pl.lit(False).alias("on_company"),
        pl.lit(False).alias("customer_side"),
    )
    edges = pl.concat([starts, steps])
    flows = edges.group_by("source", "target").agg(
        pl.len().cast(_COUNT).alias("transitions"),
        case.n_unique().cast(_COUNT).alias("cases"),
        pl.col("on_company").sum().cast(_COUNT).alias("company_transitions"),
        pl.col("customer_side").sum().cast(_COUNT).alias("customer_transitions"),
        # whole microseconds, so that the parts' sums add up exactly
        (pl.col("hours") * _US_PER_HOUR)
        .round()
        .cast(_COUNT)
        .filter(pl.col("customer_side"))
        .sum()
        .alias("customer_wait_us"),
    )
    waits = (
        edges.filter(pl.col("hours").is_not_null())
        .group_by("source", "target", "hours")
        .agg(pl.len().cast(_COUNT).alias("n"))
    )
    return {"flows": flows, "waits": waits}


# ------------------------------------------------------------------------------ combine


def combine_facts(parts: Sequence[Facts]) -> Facts:
    """The facts of all the parts' cases together (parts hold disjoint sets of whole cases).

    Count tables are summed per key, per-case tables concatenated; see the module docstring.
    """
    parts = [p for p in parts if p.tables]
    if not parts:
        return Facts()
    thresholds = {p.silent_hours for p in parts}
    if len(thresholds) > 1:
        raise ValueError(f"facts gathered with different silent-wait thresholds: {thresholds}")
    if len(parts) == 1:
        return parts[0]
    tables: dict[str, pl.DataFrame] = {}
    for name in parts[0].tables:
        frames = pl.concat([p.tables[name] for p in parts], how="vertical_relaxed")
        if name in SUMMED:
            keys = list(SUMMED[name])
            counts = [c for c in frames.columns if c not in keys]
            frames = frames.group_by(keys).agg(pl.col(c).sum() for c in counts)
        tables[name] = frames
    return Facts(tables, parts[0].silent_hours)
