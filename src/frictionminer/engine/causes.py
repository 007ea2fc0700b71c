"""Where the customer's burden comes from: activities, teams, paths and categories.

Measures and flags say *which* cases hurt; this stage says *why*, in the terms a process
owner can act on: the steps that push tasks onto customers, ask again, or start a silent
wait; the teams that hand cases on and the pairs that pass them back and forth; the paths
(variants) and categories that carry most of the friction.  Each finding carries its
numbers, the ids it is about (activity, teams, path, category, rule), a remedy type
(DESIGN §3.4) and which suggestion fits (:class:`Advice`) — never a sentence: the words,
in English and German, are :mod:`frictionminer.reporting.catalogue`'s.

Causes are read from :class:`~frictionminer.engine.facts.Facts` (small tables gathered per
part of whole cases), never from the events, so they work on a sharded result too, and
everything is whole-table polars: the cost grows with the facts, not with per-case loops.

Impact is counted in *friction points*, the unit of ``friction_score``: a finding's
``impact`` estimates how many of the log's friction points it accounts for (its task
events × the task weight, its silent days × the silence weight, …), so findings of
different kinds can be ranked against each other and against the log's total.

Example:
    >>> from frictionminer.engine.causes import find_causes
    >>> causes = find_causes(result)                     # doctest: +SKIP
    >>> [(f.kind, f.ids) for f in causes.headline(3)]    # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from frictionminer import schema as S
from frictionminer.engine.facts import (
    END,
    START,
    Facts,
    gather_facts,
    silent_wait_hours,
)
from frictionminer.engine.waits import wait_tables, wait_totals

if TYPE_CHECKING:
    from frictionminer.engine.result import Result
    from frictionminer.engine.rules import Rule
    from frictionminer.settings import Settings

__all__ = [
    "END",
    "START",
    "Advice",
    "Causes",
    "Finding",
    "FindingKind",
    "find_causes",
    "log_level_rules",
    "median_of_multiset",
    "result_facts",
]

Remedy = Literal["operational", "automation", "redesign", "qualification"]
REMEDY_ORDER: tuple[Remedy, ...] = ("operational", "automation", "redesign", "qualification")
"""Remedy types in DESIGN §3.4 order."""

_TABLE_ROWS = 50
"""Rows per table in :meth:`Causes.as_record` (the tables themselves are complete)."""
_US_PER_HOUR = 3_600_000_000.0

LOG_LEVEL_MEASURES: dict[str, str] = {
    "channel_switches": "channel_switches",
    "resolved": "unresolved",
}
"""Measures whose friction no cause table traces to an activity, team or path, with the
score term that weighs each.  A rule whose condition reads one of them is reported once for
the log (a ``rule`` finding), its impact the contributions of that term."""


class FindingKind(StrEnum):
    """What a finding is about; the catalogue words each kind's title."""

    TASK_ACTIVITY = "task_activity"
    """A step that pushes tasks onto the customer (ids: activity)."""
    REPEAT_REQUEST = "repeat_request"
    """A step that asks the customer again (ids: activity)."""
    SILENT_WAIT = "silent_wait"
    """A step after which customers wait without news (ids: activity)."""
    HANDOFF_TEAM = "handoff_team"
    """A team that hands cases on (ids: team, to_team: where most go)."""
    PING_PONG_PAIR = "ping_pong_pair"
    """Two teams passing cases back and forth (ids: team_a < team_b)."""
    VARIANT = "variant"
    """A path through the process with above-median friction (ids: path)."""
    CATEGORY = "category"
    """A category with above-average friction (ids: category, top_rule)."""
    RULE = "rule"
    """A rule whose friction has no activity or team to point at (ids: rule)."""


class Advice(StrEnum):
    """Which suggestion fits a finding, decided on its numbers; the catalogue words it."""

    ASK_ONCE = "ask_once"
    """Tasks: the customer gets more than one request in ≥ 20 % of the cases."""
    AVOID_TASK = "avoid_task"
    """Tasks: otherwise — is the task needed at all?"""
    COMPLETENESS_CHECK = "completeness_check"
    INTERIM_NOTICE = "interim_notice"
    BUILD_SKILLS = "build_skills"
    """Handoffs: the team hands on ≥ 80 % of its cases (remedy: qualification)."""
    QUALITY_GATE = "quality_gate"
    """Handoffs: otherwise (remedy: redesign)."""
    AGREE_OWNER = "agree_owner"
    WALK_PATH = "walk_path"
    FIND_OUT = "find_out"
    RULE = "rule"
    """The rule's own advice (by rule id)."""


PIECEMEAL_SHARE = 0.2
"""From this share of cases with more than one request a task finding advises asking once."""
HANDS_ON_SHARE = 0.8
"""From this share of its cases handed on a team's finding is a qualification issue."""


@dataclass(frozen=True)
class Finding:
    """One cause: what it is about, the numbers that back it, and what to do about it.

    ``numbers`` holds numbers only, exact; :meth:`reported` rounds floats to 4 digits, as
    every output states them.  ``ids`` the names it is about (activity, team, path,
    category, rule id), taken from the log or the rule table.  Text is made from them by
    the report's catalogue: a title restates the reported numbers, a suggestion is filled
    from the exact ones (no double rounding: 0.89498 is "89%", not "90%").
    """

    id: str
    kind: FindingKind
    advice: Advice
    remedy: Remedy
    impact: float
    """Friction points this cause accounts for (see the module docstring)."""
    impact_share: float
    """``impact`` as a share of all friction points of the log."""
    numbers: dict[str, int | float]
    ids: dict[str, str | int | float | None]
    """Names as the log has them (a category may be a number)."""
    teams: list[str] = field(default_factory=list)
    """Teams involved, most involved first."""

    def reported(self) -> dict[str, int | float]:
        """The numbers as outputs state them (floats rounded to 4 digits)."""
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.numbers.items()}

    def as_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": str(self.kind),
            "advice": str(self.advice),
            "remedy": self.remedy,
            "impact": round(self.impact, 3),
            "impact_share": round(self.impact_share, 4),
            "numbers": self.reported(),
            "ids": dict(self.ids),
            "teams": list(self.teams),
        }


@dataclass
class Causes:
    """The cause tables and the findings drawn from them."""

    cases: int
    friction_points: float
    """Sum of ``friction_score`` over all cases: the denominator of impact shares."""
    silent_hours: float
    """Threshold for a silent wait (the silent-wait rule's ``min_silent_hours``)."""
    by_activity: pl.DataFrame
    by_team: pl.DataFrame
    handoff_pairs: pl.DataFrame
    """Directed team → team handoffs, with how many of them were ping-pong returns."""
    ping_pong_pairs: pl.DataFrame
    """Unordered team pairs (team_a < team_b) with their ping-pong returns."""
    by_variant: pl.DataFrame
    by_category: pl.DataFrame | None
    flows: pl.DataFrame
    """Directly-follows relations (with START/END) and the waits on them."""
    findings: list[Finding]
    waits_by_team: pl.DataFrame = field(default_factory=pl.DataFrame)
    """Waiting by cause per team holding the case (:mod:`frictionminer.engine.waits`)."""
    waits_by_pair: pl.DataFrame = field(default_factory=pl.DataFrame)
    """Waiting by cause per handoff pair, while the receiving team held the case."""
    waits: dict[str, Any] = field(default_factory=dict)
    """The log's waits by cause (:func:`frictionminer.engine.waits.wait_totals`)."""

    def headline(self, n: int = 5) -> list[Finding]:
        """The ``n`` findings with the largest impact, one per kind and subject."""
        return self.findings[:n]

    def by_remedy(self) -> dict[str, list[Finding]]:
        """Findings grouped by remedy type, in DESIGN §3.4 order."""
        out: dict[str, list[Finding]] = {r: [] for r in REMEDY_ORDER}
        for f in self.findings:
            out[f.remedy].append(f)
        return out

    def as_record(self) -> dict[str, Any]:
        """Plain builtins: findings in full, each table's first rows."""

        def rows(df: pl.DataFrame | None) -> list[dict[str, Any]]:
            if df is None:
                return []
            return [
                {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}
                for r in df.head(_TABLE_ROWS).iter_rows(named=True)
            ]

        return {
            "cases": self.cases,
            "friction_points": round(self.friction_points, 3),
            "findings": [f.as_record() for f in self.findings],
            "by_activity": rows(self.by_activity),
            "by_team": rows(self.by_team),
            "handoff_pairs": rows(self.handoff_pairs),
            "ping_pong_pairs": rows(self.ping_pong_pairs),
            "by_variant": rows(self.by_variant),
            "by_category": rows(self.by_category),
            "waits": self.waits,
            "waits_by_team": rows(self.waits_by_team),
            "waits_by_handoff_pair": rows(self.waits_by_pair),
        }


# ------------------------------------------------------------------------------- tables


def median_of_multiset(values: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per ``keys``, the median of a multiset given as ``hours`` (a value) and ``n``.

    Each group's values are repeated ``n`` times and handed to polars' own ``median``: the
    very float a median over the events gives, whatever order the facts came in.  The
    repeated values exist one group at a time (a float per event of the group).
    """
    return values.group_by(keys).agg(
        pl.col("hours").repeat_by("n").explode().median().alias("median")
    )


def _summed_hours(values: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per ``keys``, the sum and count of a multiset of hours (``hours``, ``n``).

    Summed in whole microseconds (every duration is a whole number of them), so the sum is
    exact and the same however the cases were split into parts.
    """
    micros = (pl.col("hours") * _US_PER_HOUR).round().cast(pl.Int64)
    return values.group_by(keys).agg(
        ((micros * pl.col("n")).sum() / _US_PER_HOUR).alias("sum"), pl.col("n").sum().alias("count")
    )


def _top_teams(counts: pl.DataFrame, by: str, n: int = 3) -> pl.DataFrame:
    """Per ``by``, the ``n`` teams with most events (ties: by name), as a list."""
    return (
        counts.sort(["events", "team"], descending=[True, False])
        .group_by(by, maintain_order=True)
        .agg(pl.col("team").head(n).alias("teams"))
    )


def _activity_table(facts: Facts, n_cases: int) -> pl.DataFrame:
    silences = facts["silences"]
    silent = (
        _summed_hours(silences, [S.ACTIVITY])
        .select(S.ACTIVITY, (pl.col("sum") / 24.0).alias("silent_days"))
        .join(
            median_of_multiset(silences, [S.ACTIVITY]).rename({"median": "silent_median_hours"}),
            on=S.ACTIVITY,
        )
    )
    # The waits after a step are those on every pair it starts.
    after = median_of_multiset(facts["waits"], ["source"]).select(
        pl.col("source").alias(S.ACTIVITY), pl.col("median").alias("median_wait_after_hours")
    )
    return (
        facts["activities"]
        .join(silent, on=S.ACTIVITY, how="left")
        .join(after, on=S.ACTIVITY, how="left")
        .join(_top_teams(facts["activity_teams"], S.ACTIVITY), on=S.ACTIVITY, how="left")
        .with_columns(
            pl.col("silent_days").fill_null(0.0),
            (pl.col("cases") / max(n_cases, 1)).alias("case_share"),
            (pl.col("task_cases") / max(n_cases, 1)).alias("task_case_share"),
            pl.when(pl.col("task_cases") > 0)
            .then(pl.col("piecemeal_cases") / pl.col("task_cases"))
            .otherwise(0.0)
            .alias("piecemeal_share"),
            pl.col("teams").fill_null([]),
        )
        .sort(
            ["task_events", "silent_starts", "events", S.ACTIVITY],
            descending=[True, True, True, False],
        )
    )


def _team_tables(facts: Facts) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    by_team = (
        facts["teams"]
        .with_columns((pl.col("cases_handed_on") / pl.col("cases")).alias("handed_on_share"))
        .sort(["handoffs_out", "ping_pong_in", "team"], descending=[True, True, False])
    )
    pairs = facts["handoff_pairs"].sort(
        ["ping_pongs", "handoffs", "from", "to"], descending=[True, True, False, False]
    )
    pp = facts["ping_pong_pairs"].sort(
        ["returns", "cases", "team_a", "team_b"], descending=[True, True, False, False]
    )
    return by_team, pairs, pp


def _variant_table(paths: pl.DataFrame, cases: pl.DataFrame, flagged: pl.Series) -> pl.DataFrame:
    n = max(cases.height, 1)
    scored = cases.select(
        S.CASE, "friction_score", "customer_tasks", "handoffs", "interactions"
    ).join(paths, on=S.CASE, how="left", maintain_order="left")
    scored = scored.with_columns(pl.col(S.CASE).is_in(flagged.implode()).alias("flagged"))
    median = float(cases["friction_score"].median() or 0.0)  # type: ignore[arg-type]
    return (
        scored.group_by("variant")
        .agg(
            pl.len().alias("cases"),
            pl.col("steps").first(),
            pl.col("friction_score").mean().alias("mean_score"),
            pl.col("friction_score").sum().alias("total_score"),
            (pl.col("friction_score") - median).clip(0.0).sum().alias("excess_score"),
            pl.col("customer_tasks").mean().alias("tasks_per_case"),
            pl.col("handoffs").mean().alias("handoffs_per_case"),
            pl.col("interactions").mean().alias("interactions_per_case"),
            pl.col("flagged").mean().alias("flagged_share"),
        )
        .with_columns((pl.col("cases") / n).alias("case_share"))
        .sort(["total_score", "cases", "variant"], descending=[True, True, False])
        .with_row_index("rank", offset=1)
    )


def path_table(result: Result) -> pl.DataFrame:
    """One row per distinct path (variant) of ``result``'s cases, ranked by the friction it
    carries (``paths`` command): cases and share, the friction score's total, mean and
    median, the customer's burden per case, the share of cases flagged and how many cases
    each rule flagged (``flag_counts``: ``"FM002:12;FM004:3"``, most first).

    Built from the per-case table and the ``paths`` fact (one variant string per case,
    made once per case in the per-case stage), never from the events.
    """
    paths = result_facts(result)["paths"]
    cases = result.cases
    table = _variant_table(paths, cases, result.flags[S.CASE].unique())
    per_case = (
        cases.select(S.CASE, "friction_score", "customer_wait_hours")
        .join(paths.select(S.CASE, "variant"), on=S.CASE, how="left")
        .group_by("variant")
        .agg(
            pl.col("friction_score").median().alias("median_score"),
            pl.col("customer_wait_hours").mean().alias("wait_hours_per_case"),
        )
    )
    flag_counts = (
        result.flags.select(S.CASE, "rule")
        .unique()
        .join(paths.select(S.CASE, "variant"), on=S.CASE, how="inner")
        .group_by("variant", "rule")
        .agg(pl.len().alias("n"))
        .sort(["variant", "n", "rule"], descending=[False, True, False])
        .group_by("variant", maintain_order=True)
        .agg(pl.format("{}:{}", "rule", "n").str.join(";").alias("flag_counts"))
    )
    return (
        table.join(per_case, on="variant", how="left", maintain_order="left")
        .join(flag_counts, on="variant", how="left", maintain_order="left")
        .with_columns(pl.col("flag_counts").fill_null(""))
    )


def _category_table(cases: pl.DataFrame, flags: pl.DataFrame) -> pl.DataFrame | None:
    if "category" not in cases.columns or cases["category"].null_count() == cases.height:
        return None
    top_rule = (
        flags.join(cases.select(S.CASE, "category"), on=S.CASE)
        .group_by("category", "rule")
        .agg(pl.col(S.CASE).n_unique().alias("n"))
        .sort(["n", "rule"], descending=[True, False])
        .group_by("category", maintain_order=True)
        .agg(pl.col("rule").first().alias("top_rule"), pl.col("n").first().alias("top_rule_cases"))
    )
    flagged = flags.select(S.CASE).unique().with_columns(pl.lit(True).alias("_flagged"))
    return (
        cases.join(flagged, on=S.CASE, how="left")
        .group_by("category")
        .agg(
            pl.len().alias("cases"),
            pl.col("friction_score").mean().alias("mean_score"),
            pl.col("friction_score").sum().alias("total_score"),
            pl.col("effort_minutes").median().alias("median_effort_minutes"),
            pl.col("customer_tasks").mean().alias("tasks_per_case"),
            pl.col("_flagged").fill_null(False).mean().alias("flagged_share"),
        )
        .join(top_rule, on="category", how="left")
        .with_columns(pl.col("top_rule_cases").fill_null(0))
        .sort(["total_score", "category"], descending=[True, False], nulls_last=True)
    )


def _flow_table(facts: Facts) -> pl.DataFrame:
    """Directly-follows pairs with the time between them, plus START/END edges."""
    waits = facts["waits"]
    stats = _summed_hours(waits, ["source", "target"]).join(
        median_of_multiset(waits, ["source", "target"]), on=["source", "target"]
    )
    return (
        facts["flows"]
        .join(stats, on=["source", "target"], how="left")
        .select(
            "source",
            "target",
            "transitions",
            "cases",
            pl.col("median").alias("median_wait_hours"),
            (pl.col("sum") / pl.col("count")).alias("mean_wait_hours"),
            # the share of transitions on which the customer waits on the company (before
            # the case's end: after the resolution the customer no longer waits)
            (pl.col("customer_transitions") / pl.col("transitions")).alias("company_wait_share"),
            # the customer's wait per transition: time on the company before the end
            # (after the resolution nobody waits; an automatic close is no wait)
            (pl.col("customer_wait_us") / _US_PER_HOUR / pl.col("transitions")).alias(
                "customer_wait_hours"
            ),
        )
        .sort(["transitions", "source", "target"], descending=[True, False, False])
    )


# ------------------------------------------------------------------------------ findings


def _teams_of(case_teams: pl.DataFrame, case_ids: pl.Series, n: int = 3) -> list[str]:
    """The ``n`` teams with most events in the given cases (for a finding's "teams involved")."""
    top = (
        case_teams.filter(pl.col(S.CASE).is_in(case_ids.implode()))
        .group_by("team")
        .agg(pl.col("events").sum())
        .sort(["events", "team"], descending=[True, False])
        .head(n)
    )
    return [str(t) for t in top["team"].to_list()]


def log_level_rules() -> dict[str, str]:
    """Rules reported once for the log, by id, with the score term of their friction: those
    whose condition reads a measure of :data:`LOG_LEVEL_MEASURES`."""
    from frictionminer.engine.rules import RULES

    out: dict[str, str] = {}
    for rid, rule in RULES.items():
        read = set(_columns_read(rule))
        term = next((t for m, t in LOG_LEVEL_MEASURES.items() if m in read), None)
        if term is not None:
            out[rid] = term
    return out


def _columns_read(rule: Rule) -> list[str]:
    return rule.when(rule.defaults).meta.root_names()


def _finding(
    fid: str,
    kind: FindingKind,
    advice: Advice,
    remedy: Remedy,
    impact: float,
    total: float,
    numbers: dict[str, Any],
    ids: dict[str, Any],
    teams: list[str] | None = None,
) -> Finding:
    return Finding(
        id=fid,
        kind=kind,
        advice=advice,
        remedy=remedy,
        impact=float(impact),
        impact_share=float(impact / total) if total > 0 else 0.0,
        numbers=dict(numbers),
        ids={
            k: v if v is None or isinstance(v, str | int | float) else str(v)
            for k, v in ids.items()
        },
        teams=list(teams or []),
    )


def _findings(
    causes: Causes, result: Result, settings: Settings, per_kind: int, facts: Facts
) -> list[Finding]:
    from frictionminer.engine.rules import RULES
    from frictionminer.engine.score import contribution_column

    w = settings.weights
    total = causes.friction_points
    n = max(causes.cases, 1)
    min_cases = max(2, math.ceil(0.005 * n)) if n >= 20 else 1
    out: list[Finding] = []
    act = causes.by_activity

    tasks = act.filter(pl.col("task_cases") >= min_cases).sort(
        ["task_events", S.ACTIVITY], descending=[True, False]
    )
    for r in tasks.head(per_kind).iter_rows(named=True):
        piecemeal = r["piecemeal_share"] >= PIECEMEAL_SHARE
        out.append(
            _finding(
                f"task:{r[S.ACTIVITY]}",
                FindingKind.TASK_ACTIVITY,
                Advice.ASK_ONCE if piecemeal else Advice.AVOID_TASK,
                "automation",
                r["task_events"] * w.customer_tasks,
                total,
                {
                    k: r[k]
                    for k in ("task_events", "task_cases", "task_case_share", "piecemeal_share")
                },
                {"activity": r[S.ACTIVITY]},
                r["teams"],
            )
        )

    repeats = act.filter(pl.col("repeat_cases") >= min_cases).sort(
        ["repeat_events", S.ACTIVITY], descending=[True, False]
    )
    for r in repeats.head(per_kind).iter_rows(named=True):
        out.append(
            _finding(
                f"repeat:{r[S.ACTIVITY]}",
                FindingKind.REPEAT_REQUEST,
                Advice.COMPLETENESS_CHECK,
                "operational",
                r["repeat_events"] * w.repeat_requests,
                total,
                {k: r[k] for k in ("repeat_events", "repeat_cases", "task_cases")},
                {"activity": r[S.ACTIVITY]},
                r["teams"],
            )
        )

    silent = act.filter(pl.col("silent_cases") >= min_cases).sort(
        ["silent_days", S.ACTIVITY], descending=[True, False]
    )
    for r in silent.head(per_kind).iter_rows(named=True):
        numbers = {
            "silent_cases": r["silent_cases"],
            "silent_starts": r["silent_starts"],
            "silent_days": r["silent_days"],
            "silent_median_days": float(r["silent_median_hours"] or 0.0) / 24.0,
            "threshold_days": round(causes.silent_hours / 24.0, 1),
            "notice_hours": max(4.0, math.floor(causes.silent_hours / 2)),
        }
        out.append(
            _finding(
                f"silence:{r[S.ACTIVITY]}",
                FindingKind.SILENT_WAIT,
                Advice.INTERIM_NOTICE,
                "redesign",
                r["silent_days"] * w.silent_wait_max_days,
                total,
                numbers,
                {"activity": r[S.ACTIVITY]},
                r["teams"],
            )
        )

    dest = (
        causes.handoff_pairs.sort(["handoffs", "to"], descending=[True, False])
        .group_by("from", maintain_order=True)
        .agg(pl.col("to").first(), pl.col("handoffs").first().alias("to_handoffs"))
    )
    teams = (
        causes.by_team.filter(pl.col("cases_handed_on") >= min_cases)
        .join(dest, left_on="team", right_on="from", how="left")
        .sort(["handoffs_out", "team"], descending=[True, False])
    )
    for r in teams.head(per_kind).iter_rows(named=True):
        always = float(r["handed_on_share"]) >= HANDS_ON_SHARE
        numbers = {k: r[k] for k in ("handoffs_out", "cases", "cases_handed_on")}
        numbers |= {
            "handed_on_share": float(r["handed_on_share"]),
            "to_share": (r["to_handoffs"] or 0) / max(r["handoffs_out"], 1),
        }
        out.append(
            _finding(
                f"handoff:{r['team']}",
                FindingKind.HANDOFF_TEAM,
                Advice.BUILD_SKILLS if always else Advice.QUALITY_GATE,
                "qualification" if always else "redesign",
                r["handoffs_out"] * w.handoffs,
                total,
                numbers,
                {"team": r["team"], "to_team": r["to"]},
                [r["team"], r["to"]] if r["to"] else [r["team"]],
            )
        )

    pp = causes.ping_pong_pairs.filter(pl.col("cases") >= min_cases)
    for r in pp.head(per_kind).iter_rows(named=True):
        out.append(
            _finding(
                f"ping-pong:{r['team_a']}|{r['team_b']}",
                FindingKind.PING_PONG_PAIR,
                Advice.AGREE_OWNER,
                "qualification",
                r["returns"] * w.ping_pongs,
                total,
                {k: r[k] for k in ("returns", "cases")},
                {"team_a": r["team_a"], "team_b": r["team_b"]},
                [r["team_a"], r["team_b"]],
            )
        )

    case_teams = facts["case_teams"]
    median = float(result.cases["friction_score"].median() or 0.0)  # type: ignore[arg-type]
    variants = causes.by_variant.filter(
        (pl.col("cases") >= max(min_cases, 2)) & (pl.col("mean_score") > median)
    ).sort(["excess_score", "rank"], descending=[True, False])
    for r in variants.head(per_kind).iter_rows(named=True):
        keys = ("rank", "cases", "case_share", "mean_score", "tasks_per_case", "handoffs_per_case")
        numbers = {k: r[k] for k in keys}
        numbers |= {"ratio": r["mean_score"] / median if median > 0 else 0.0}
        ids = facts["paths"].filter(pl.col("variant") == r["variant"]).get_column(S.CASE)
        out.append(
            _finding(
                f"variant:{r['rank']}",
                FindingKind.VARIANT,
                Advice.WALK_PATH,
                "redesign",
                r["excess_score"],
                total,
                numbers,
                {"path": r["variant"]},
                _teams_of(case_teams, ids),
            )
        )

    if causes.by_category is not None and total > 0:
        mean = total / n
        cats = causes.by_category.filter(
            (pl.col("cases") >= max(min_cases, settings.proportion.min_peers))
            & (pl.col("mean_score") > mean * 1.2)
            & pl.col("category").is_not_null()
        ).with_columns(((pl.col("mean_score") - mean) * pl.col("cases")).alias("_excess"))
        for r in cats.sort("_excess", descending=True).head(per_kind).iter_rows(named=True):
            numbers = {
                "cases": r["cases"],
                "mean_score": r["mean_score"],
                "ratio": r["mean_score"] / mean,
                "top_rule_share": (r["top_rule_cases"] or 0) / r["cases"],
            }
            ids = result.cases.filter(pl.col("category") == r["category"])[S.CASE]
            out.append(
                _finding(
                    f"category:{r['category']}",
                    FindingKind.CATEGORY,
                    Advice.FIND_OUT,
                    "redesign",
                    r["_excess"],
                    total,
                    numbers,
                    {"category": r["category"], "top_rule": r["top_rule"]},
                    _teams_of(case_teams, ids),
                )
            )

    flagged = result.summary()["flags"]
    for rid, term in log_level_rules().items():
        stats = flagged.get(rid)
        if not stats or stats["share"] < 0.02:
            continue
        impact = float(result.cases[contribution_column(term)].sum())
        out.append(
            _finding(
                f"rule:{rid}",
                FindingKind.RULE,
                Advice.RULE,
                RULES[rid].remedy,
                impact,
                total,
                {"share": stats["share"], "flagged": stats["cases"]},
                {"rule": rid},
            )
        )

    out = [f for f in out if not _unseen(f.kind, result)]
    out.sort(key=lambda f: (-f.impact, f.id))
    return out


KIND_NEEDS: dict[FindingKind, str] = {
    FindingKind.TASK_ACTIVITY: "customer_task",
    FindingKind.REPEAT_REQUEST: "customer_task",
    FindingKind.SILENT_WAIT: "news",
}
"""Findings built on a role (:data:`frictionminer.engine.coverage.NEEDS`): none is drawn
when the log does not show it (no interim-notice advice from a log without any news)."""


def _unseen(kind: FindingKind, result: Result) -> bool:
    coverage = getattr(result, "coverage", None)
    need = KIND_NEEDS.get(kind)
    return coverage is not None and need is not None and coverage.is_unseen(need)


# --------------------------------------------------------------------------------- entry


def result_facts(
    result: Result, settings: Settings | None = None, facts: Facts | None = None
) -> Facts:
    """The facts of ``result``'s cases: ``facts`` or the ones it carries, else gathered
    from its events.

    Given or carried facts are used when they were gathered with the silent-wait threshold of
    ``settings`` and cover exactly the result's cases (a result whose case ids were
    pseudonymised after the facts were gathered does not: its events are gathered again).
    A result without events (computed in shards) must carry its facts.
    """
    settings = settings or result.settings
    threshold = silent_wait_hours(settings)
    if facts is None:
        facts = getattr(result, "facts", None)
    if facts is not None and facts.silent_hours == threshold and _covers(facts, result.cases):
        return facts
    if result.events.height == 0 and result.cases.height > 0:
        raise ValueError(
            "causes need the facts of the result's cases: this result holds no events "
            "(computed in shards) and no facts gathered with these settings"
        )
    return gather_facts(result.events, settings)


def _covers(facts: Facts, cases: pl.DataFrame) -> bool:
    if "paths" not in facts.tables or facts.cases != cases.height:
        return False
    ids = facts["paths"].select(S.CASE)
    return cases.select(S.CASE).join(ids, on=S.CASE, how="anti").height == 0


def find_causes(
    result: Result,
    settings: Settings | None = None,
    *,
    per_kind: int = 3,
    facts: Facts | None = None,
) -> Causes:
    """Trace the burden of ``result``'s cases to activities, teams, variants and categories.

    ``settings`` defaults to the result's own (weights turn counts into friction points;
    the silent-wait rule's ``min_silent_hours`` sets what counts as a silent wait).
    ``per_kind`` caps the findings of each kind (activities with tasks, team pairs, paths, …).
    Reads facts, never events: ``facts`` when given, else the result's
    (:func:`result_facts`); facts that do not fit the result are replaced as there.
    """
    settings = settings or result.settings
    facts = result_facts(result, settings, facts)
    cases = result.cases
    by_team, pairs, pp = _team_tables(facts)
    waits_by_team, waits_by_pair = wait_tables(facts)
    causes = Causes(
        cases=cases.height,
        friction_points=float(cases["friction_score"].sum()),
        silent_hours=facts.silent_hours,
        by_activity=_activity_table(facts, cases.height),
        by_team=by_team,
        handoff_pairs=pairs,
        ping_pong_pairs=pp,
        by_variant=_variant_table(facts["paths"], cases, result.flags[S.CASE].unique()),
        by_category=_category_table(cases, result.flags),
        flows=_flow_table(facts),
        findings=[],
        waits_by_team=waits_by_team,
        waits_by_pair=waits_by_pair,
        waits=wait_totals(cases, facts),
    )
    causes.findings = _findings(causes, result, settings, per_kind, facts)
    return causes
