"""Where the customer's burden comes from: activities, teams, paths and categories.

Measures and flags say *which* cases hurt; this stage says *why*, in the terms a process
owner can act on: the steps that push tasks onto customers, ask again, or start a silent
wait; the teams that hand cases on and the pairs that pass them back and forth; the paths
(variants) and categories that carry most of the friction.  Each finding carries its
numbers, a remedy type (DESIGN §3.4) and a concrete suggestion derived from the data.

Everything is whole-table polars (``group_by``, shifts over the path-ordered event table);
there are no per-case Python loops, so the cost grows with the events, not the cases.

Impact is counted in *friction points*, the unit of ``friction_score``: a finding's
``impact`` estimates how many of the log's friction points it accounts for (its task
events × the task weight, its silent days × the silence weight, …), so findings of
different kinds can be ranked against each other and against the log's total.

Example:
    >>> from frictionminer.engine.causes import find_causes
    >>> causes = find_causes(result)                     # doctest: +SKIP
    >>> [f.title for f in causes.headline(3)]            # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from frictionminer import schema as S

if TYPE_CHECKING:
    from frictionminer.engine.result import Result
    from frictionminer.settings import Settings

Remedy = Literal["operational", "automation", "redesign", "qualification"]
Lang = Literal["en", "de"]

START, END = "▶ start", "■ end"
"""Pseudo-activities for the start and end of every case in :attr:`Causes.flows`."""

_TASK, _CONTACT = "role_customer_task", "role_contact"
_ARROW = " → "
_TABLE_ROWS = 50
"""Rows per table in :meth:`Causes.as_record` (the tables themselves are complete)."""


@dataclass(frozen=True)
class Finding:
    """One cause, with the numbers that back it and what to do about it.

    ``title`` and ``suggestion`` are English; :meth:`text` renders them in another
    language from the same ``kind`` and ``numbers``, so that no number is ever typed twice.
    """

    id: str
    kind: str
    title: str
    suggestion: str
    remedy: Remedy
    impact: float
    """Friction points this cause accounts for (see the module docstring)."""
    impact_share: float
    """``impact`` as a share of all friction points of the log."""
    numbers: dict[str, Any]
    teams: list[str] = field(default_factory=list)
    """Teams involved, most involved first."""

    def text(self, lang: Lang = "en") -> tuple[str, str]:
        """(title, suggestion) in ``lang``."""
        return render_finding(self.kind, self.numbers, lang)

    def as_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "suggestion": self.suggestion,
            "remedy": self.remedy,
            "impact": round(self.impact, 3),
            "impact_share": round(self.impact_share, 4),
            "numbers": self.numbers,
            "teams": list(self.teams),
        }


@dataclass
class Causes:
    """The cause tables and the findings drawn from them."""

    cases: int
    friction_points: float
    """Sum of ``friction_score`` over all cases: the denominator of impact shares."""
    silent_hours: float
    """Threshold for a silent wait (FM004's ``min_silent_hours``)."""
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

    def headline(self, n: int = 5) -> list[Finding]:
        """The ``n`` findings with the largest impact, one per kind and subject."""
        return self.findings[:n]

    def by_remedy(self) -> dict[str, list[Finding]]:
        """Findings grouped by remedy type, in DESIGN §3.4 order."""
        out: dict[str, list[Finding]] = {
            r: [] for r in ("operational", "automation", "redesign", "qualification")
        }
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
        }


# ------------------------------------------------------------------------------- tables


def _non_empty_group(events: pl.DataFrame) -> pl.Expr:
    if S.GROUP not in events.columns:
        return pl.lit(None, dtype=pl.String)
    g = pl.col(S.GROUP).cast(pl.String)
    return pl.when(g.str.strip_chars() != "").then(g)


def _activity_table(events: pl.DataFrame, silent_hours: float, n_cases: int) -> pl.DataFrame:
    task = pl.col(_TASK)
    silent = pl.col("silence_hours").fill_null(0.0) >= silent_hours
    case = pl.col(S.CASE)
    ev = events.with_columns(
        task.sum().over(S.CASE).alias("_case_tasks"), _non_empty_group(events).alias("_team")
    )
    table = ev.group_by(S.ACTIVITY).agg(
        pl.len().alias("events"),
        case.n_unique().alias("cases"),
        pl.col(_CONTACT).sum().alias("contacts"),
        task.sum().alias("task_events"),
        case.filter(task).n_unique().alias("task_cases"),
        case.filter(task & (pl.col("_case_tasks") >= 2)).n_unique().alias("piecemeal_cases"),
        pl.col("repeat_request").sum().alias("repeat_events"),
        case.filter(pl.col("repeat_request")).n_unique().alias("repeat_cases"),
        silent.sum().alias("silent_starts"),
        case.filter(silent).n_unique().alias("silent_cases"),
        (pl.col("silence_hours").filter(silent).sum() / 24.0).alias("silent_days"),
        pl.col("silence_hours").filter(silent).median().alias("silent_median_hours"),
        pl.col("gap_hours").median().alias("median_wait_after_hours"),
    )
    teams = (
        ev.filter(pl.col("_team").is_not_null())
        .group_by(S.ACTIVITY, "_team")
        .len()
        .sort(["len", "_team"], descending=[True, False])
        .group_by(S.ACTIVITY, maintain_order=True)
        .agg(pl.col("_team").head(3).alias("teams"))
    )
    return (
        table.join(teams, on=S.ACTIVITY, how="left")
        .with_columns(
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


def _handoffs(events: pl.DataFrame) -> pl.DataFrame:
    """One row per handoff: case, from team, to team, whether it was a ping-pong return."""
    case = pl.col(S.CASE)
    g = events.select(S.CASE, _non_empty_group(events).alias("to"), "handoff", "ping_pong").filter(
        pl.col("to").is_not_null()
    )
    g = g.with_columns(pl.when(case == case.shift(1)).then(pl.col("to").shift(1)).alias("from"))
    return g.filter(pl.col("handoff") & pl.col("from").is_not_null())


def _team_tables(
    events: pl.DataFrame, silent_hours: float
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    team = _non_empty_group(events)
    ev = events.with_columns(team.alias("team")).filter(pl.col("team").is_not_null())
    silent = pl.col("silence_hours").fill_null(0.0) >= silent_hours
    held = ev.group_by("team").agg(
        pl.len().alias("events"),
        pl.col(S.CASE).n_unique().alias("cases"),
        pl.col(_TASK).sum().alias("task_events"),
        silent.sum().alias("silent_starts"),
    )
    hand = _handoffs(events)
    out = hand.group_by(pl.col("from").alias("team")).agg(
        pl.len().alias("handoffs_out"), pl.col(S.CASE).n_unique().alias("cases_handed_on")
    )
    into = hand.group_by(pl.col("to").alias("team")).agg(
        pl.len().alias("handoffs_in"), pl.col("ping_pong").sum().alias("ping_pong_in")
    )
    by_team = (
        held.join(out, on="team", how="left")
        .join(into, on="team", how="left")
        .with_columns(pl.col(c).fill_null(0) for c in ("handoffs_out", "cases_handed_on"))
        .with_columns(pl.col(c).fill_null(0) for c in ("handoffs_in", "ping_pong_in"))
        .with_columns((pl.col("cases_handed_on") / pl.col("cases")).alias("handed_on_share"))
        .sort(["handoffs_out", "ping_pong_in", "team"], descending=[True, True, False])
    )
    pairs = (
        hand.group_by("from", "to")
        .agg(
            pl.len().alias("handoffs"),
            pl.col("ping_pong").sum().alias("ping_pongs"),
            pl.col(S.CASE).n_unique().alias("cases"),
        )
        .sort(["ping_pongs", "handoffs", "from", "to"], descending=[True, True, False, False])
    )
    pp = (
        hand.filter(pl.col("ping_pong"))
        .with_columns(
            pl.min_horizontal("from", "to").alias("team_a"),
            pl.max_horizontal("from", "to").alias("team_b"),
        )
        .group_by("team_a", "team_b")
        .agg(pl.len().alias("returns"), pl.col(S.CASE).n_unique().alias("cases"))
        .sort(["returns", "cases", "team_a", "team_b"], descending=[True, True, False, False])
    )
    return by_team, pairs, pp


def _case_paths(events: pl.DataFrame) -> pl.DataFrame:
    """Each case's path (``variant``: activities joined with " → ") and its ``steps``.

    Built once per :func:`find_causes`: joining the activity names of every event is the
    costly part of the variant analysis (at 10M events it was done four times).
    """
    return events.group_by(S.CASE).agg(
        pl.col(S.ACTIVITY).str.join(_ARROW).alias("variant"), pl.len().alias("steps")
    )


def _variant_table(paths: pl.DataFrame, cases: pl.DataFrame, flagged: pl.Series) -> pl.DataFrame:
    n = max(cases.height, 1)
    scored = cases.select(
        S.CASE, "friction_score", "customer_tasks", "handoffs", "interactions"
    ).join(paths, on=S.CASE, how="left")
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


def _flows(events: pl.DataFrame) -> pl.DataFrame:
    """Directly-follows pairs with the time between them, plus START/END edges."""
    case = pl.col(S.CASE)
    first = case.ne_missing(case.shift(1))
    last = case.ne_missing(case.shift(-1))
    ev = events.select(
        S.CASE,
        S.ACTIVITY,
        "gap_hours",
        (pl.col("waiting_on").cast(pl.String) == "company").alias("on_company"),
        pl.when(last).then(pl.lit(END)).otherwise(pl.col(S.ACTIVITY).shift(-1)).alias("target"),
        first.alias("_first"),
    )
    inner = ev.select(
        pl.col(S.ACTIVITY).alias("source"),
        "target",
        S.CASE,
        pl.when(pl.col("target") != END).then(pl.col("gap_hours")).alias("wait_hours"),
        "on_company",
    )
    starts = ev.filter(pl.col("_first")).select(
        pl.lit(START).alias("source"),
        pl.col(S.ACTIVITY).alias("target"),
        S.CASE,
        pl.lit(None, dtype=pl.Float64).alias("wait_hours"),
        pl.lit(False).alias("on_company"),
    )
    return (
        pl.concat([starts, inner])
        .group_by("source", "target")
        .agg(
            pl.len().alias("transitions"),
            pl.col(S.CASE).n_unique().alias("cases"),
            pl.col("wait_hours").median().alias("median_wait_hours"),
            pl.col("wait_hours").mean().alias("mean_wait_hours"),
            pl.col("on_company").mean().alias("company_wait_share"),
        )
        .sort(["transitions", "source", "target"], descending=[True, False, False])
    )


# ------------------------------------------------------------------------------ findings

_TEXTS: dict[str, dict[Lang, tuple[str, str]]] = {
    "task_activity": {
        "en": (
            "'{activity}' pushes a task onto the customer in {task_cases:,} cases "
            "({task_case_share:.0%} of all cases)",
            "{task_advice_en}",
        ),
        "de": (
            "„{activity}“ überträgt dem Kunden in {task_cases:,} Fällen eine Aufgabe "
            "({task_case_share:.0%} aller Fälle)",
            "{task_advice_de}",
        ),
    },
    "repeat_request": {
        "en": (
            "'{activity}' asks the customer again in {repeat_cases:,} cases "
            "({repeat_events:,} repeated requests)",
            "Say exactly what is missing the first time and check completeness on receipt: "
            "a completeness check before '{activity}' is sent again.",
        ),
        "de": (
            "„{activity}“ fragt den Kunden in {repeat_cases:,} Fällen erneut "
            "({repeat_events:,} wiederholte Anfragen)",
            "Beim ersten Mal genau sagen, was fehlt, und beim Eingang auf Vollständigkeit "
            "prüfen: eine Vollständigkeitsprüfung, bevor „{activity}“ erneut verschickt wird.",
        ),
    },
    "silent_wait": {
        "en": (
            "After '{activity}', customers waited {threshold_days:g}+ days without news in "
            "{silent_cases:,} cases (median {silent_median_days:.1f} days)",
            "Send an interim notice when a case has sat after '{activity}' for "
            "{notice_hours:g} hours: what happens next, and by when.",
        ),
        "de": (
            "Nach „{activity}“ warteten Kunden in {silent_cases:,} Fällen {threshold_days:g} "
            "Tage oder länger ohne Nachricht (Median {silent_median_days:.1f} Tage)",
            "Einen Zwischenbescheid senden, wenn ein Fall nach „{activity}“ {notice_hours:g} "
            "Stunden liegt: was als Nächstes geschieht und bis wann.",
        ),
    },
    "handoff_team": {
        "en": (
            "'{team}' hands cases on {handoffs_out:,} times: {handed_on_share:.0%} of the "
            "{cases:,} cases it handles",
            "{handoff_advice_en}",
        ),
        "de": (
            "„{team}“ gibt Fälle {handoffs_out:,}-mal weiter: {handed_on_share:.0%} der "
            "{cases:,} Fälle, die es bearbeitet",
            "{handoff_advice_de}",
        ),
    },
    "ping_pong_pair": {
        "en": (
            "'{team_a}' and '{team_b}' passed {cases:,} cases back and forth ({returns:,} returns)",
            "Agree who owns these cases: a routing rule between '{team_a}' and '{team_b}', "
            "and coaching for the team that sends them back.",
        ),
        "de": (
            "„{team_a}“ und „{team_b}“ schoben {cases:,} Fälle hin und her ({returns:,} Rückgaben)",
            "Klären, wem diese Fälle gehören: eine Zuständigkeitsregel zwischen „{team_a}“ "
            "und „{team_b}“ und Schulung für das Team, das sie zurückgibt.",
        ),
    },
    "variant": {
        "en": (
            "Path #{rank} ({cases:,} cases, {case_share:.1%}) averages {mean_score:.1f} "
            "friction points, {ratio:.1f}× the median case",
            "Walk this path with the teams involved: {tasks_per_case:.1f} customer tasks "
            "and {handoffs_per_case:.1f} handoffs per case are where to start. "
            "Path: {path_short}",
        ),
        "de": (
            "Pfad Nr. {rank} ({cases:,} Fälle, {case_share:.1%}) hat im Schnitt "
            "{mean_score:.1f} Reibungspunkte, {ratio:.1f}× der mittlere Fall",
            "Diesen Pfad mit den beteiligten Teams durchgehen: {tasks_per_case:.1f} "
            "Kundenaufgaben und {handoffs_per_case:.1f} Übergaben je Fall sind der Ansatzpunkt. "
            "Pfad: {path_short}",
        ),
    },
    "category": {
        "en": (
            "Cases in '{category}' average {mean_score:.1f} friction points, {ratio:.1f}× "
            "the log's average ({cases:,} cases)",
            "Find out what makes '{category}' harder for customers: its most frequent flag "
            "is {top_rule} ({top_rule_share:.0%} of its cases).",
        ),
        "de": (
            "Fälle zu „{category}“ haben im Schnitt {mean_score:.1f} Reibungspunkte, "
            "{ratio:.1f}× der Durchschnitt ({cases:,} Fälle)",
            "Herausfinden, was „{category}“ für Kunden schwerer macht: die häufigste Markierung "
            "ist {top_rule} ({top_rule_share:.0%} seiner Fälle).",
        ),
    },
    "rule": {
        "en": ("{rule} {rule_label}: {share:.0%} of cases ({flagged:,})", "{rule_advice_en}"),
        "de": ("{rule} {rule_label}: {share:.0%} der Fälle ({flagged:,})", "{rule_advice_de}"),
    },
}

_RULE_ADVICE: dict[str, tuple[Remedy, str, str]] = {
    "FM007": (
        "automation",
        "Let customers finish in the channel they started in: one case history visible in "
        "every channel, and callbacks instead of 'please write to us'.",
        "Kunden im Kanal bleiben lassen, in dem sie begonnen haben: eine Fallhistorie in "
        "jedem Kanal und Rückrufe statt „bitte schreiben Sie uns“.",
    ),
    "FM009": (
        "operational",
        "Close the loop: review open and reopened cases weekly and tell each customer where "
        "the case stands.",
        "Den Kreis schließen: offene und wiedereröffnete Fälle wöchentlich prüfen und jedem "
        "Kunden sagen, wo sein Fall steht.",
    ),
}


def render_finding(kind: str, numbers: dict[str, Any], lang: Lang = "en") -> tuple[str, str]:
    """(title, suggestion) of a finding of ``kind`` in ``lang``, filled from ``numbers``."""
    title, suggestion = _TEXTS[kind][lang]
    return title.format(**numbers), suggestion.format(**numbers)


def _task_advice(activity: str, piecemeal: float, teams: list[str]) -> tuple[str, str]:
    team = f"'{teams[0]}'" if teams else "the team"
    team_de = f"„{teams[0]}“" if teams else "das Team"
    if piecemeal >= 0.2:
        return (
            f"{team} asks one thing at a time: in {piecemeal:.0%} of the cases with "
            f"'{activity}' the customer gets more than one request. Ask once, with a checklist "
            "of everything needed, or a portal upload.",
            f"{team_de} fragt Stück für Stück: in {piecemeal:.0%} der Fälle mit „{activity}“ "
            "bekommt der Kunde mehr als eine Anfrage. Einmal fragen, mit einer Checkliste aller "
            "nötigen Angaben, oder ein Upload im Portal.",
        )
    return (
        f"Check whether '{activity}' is needed: take the information from records the "
        "company already holds, or offer self-service.",
        f"Prüfen, ob „{activity}“ nötig ist: die Angaben aus vorhandenen Unterlagen nehmen "
        "oder Self-Service anbieten.",
    )


def _teams_of(events: pl.DataFrame, case_ids: pl.Series, n: int = 3) -> list[str]:
    """The ``n`` teams with most events in the given cases (for a finding's "teams involved")."""
    if S.GROUP not in events.columns:
        return []
    top = (
        events.filter(pl.col(S.CASE).is_in(case_ids.implode()))
        .select(_non_empty_group(events).alias("team"))
        .drop_nulls()
        .group_by("team")
        .len()
        .sort(["len", "team"], descending=[True, False])
        .head(n)
    )
    return [str(t) for t in top["team"].to_list()]


def shorten_path(path: str, steps: int = 6) -> str:
    parts = path.split(_ARROW)
    if len(parts) <= steps:
        return path
    return _ARROW.join([*parts[: steps - 1], f"… ({len(parts) - steps + 1} more)", parts[-1]])


def _finding(
    fid: str,
    kind: str,
    remedy: Remedy,
    impact: float,
    total: float,
    numbers: dict[str, Any],
    teams: list[str] | None = None,
) -> Finding:
    numbers = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in numbers.items()}
    title, suggestion = render_finding(kind, numbers, "en")
    return Finding(
        id=fid,
        kind=kind,
        title=title,
        suggestion=suggestion,
        remedy=remedy,
        impact=float(impact),
        impact_share=float(impact / total) if total > 0 else 0.0,
        numbers=numbers,
        teams=list(teams or []),
    )


def _findings(
    causes: Causes, result: Result, settings: Settings, per_kind: int, paths: pl.DataFrame
) -> list[Finding]:
    from frictionminer.engine.rules import RULES

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
        en, de = _task_advice(r[S.ACTIVITY], r["piecemeal_share"], r["teams"])
        numbers = {k: r[k] for k in ("task_events", "task_cases", "task_case_share")}
        numbers |= {"activity": r[S.ACTIVITY], "piecemeal_share": r["piecemeal_share"]}
        numbers |= {"task_advice_en": en, "task_advice_de": de}
        out.append(
            _finding(
                f"task:{r[S.ACTIVITY]}",
                "task_activity",
                "automation",
                r["task_events"] * w.customer_tasks,
                total,
                numbers,
                r["teams"],
            )
        )

    repeats = act.filter(pl.col("repeat_cases") >= min_cases).sort(
        ["repeat_events", S.ACTIVITY], descending=[True, False]
    )
    for r in repeats.head(per_kind).iter_rows(named=True):
        numbers = {"activity": r[S.ACTIVITY]} | {
            k: r[k] for k in ("repeat_events", "repeat_cases", "task_cases")
        }
        out.append(
            _finding(
                f"repeat:{r[S.ACTIVITY]}",
                "repeat_request",
                "operational",
                r["repeat_events"] * w.repeat_requests,
                total,
                numbers,
                r["teams"],
            )
        )

    silent = act.filter(pl.col("silent_cases") >= min_cases).sort(
        ["silent_days", S.ACTIVITY], descending=[True, False]
    )
    threshold_days = causes.silent_hours / 24.0
    for r in silent.head(per_kind).iter_rows(named=True):
        median_days = float(r["silent_median_hours"] or 0.0) / 24.0
        numbers = {
            "activity": r[S.ACTIVITY],
            "silent_cases": r["silent_cases"],
            "silent_starts": r["silent_starts"],
            "silent_days": r["silent_days"],
            "silent_median_days": median_days,
            "threshold_days": round(threshold_days, 1),
            "notice_hours": max(4.0, math.floor(causes.silent_hours / 2)),
        }
        out.append(
            _finding(
                f"silence:{r[S.ACTIVITY]}",
                "silent_wait",
                "redesign",
                r["silent_days"] * w.silent_wait_max_days,
                total,
                numbers,
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
        share = float(r["handed_on_share"])
        to_share = (r["to_handoffs"] or 0) / max(r["handoffs_out"], 1)
        always = share >= 0.8
        en = (
            f"'{r['team']}' hands on almost every case: check its skills and authority to "
            f"solve cases itself; most go to '{r['to']}' ({to_share:.0%})."
            if always
            else f"Give '{r['team']}' what it needs to finish more cases itself, and a "
            f"quality gate before '{r['to']}' ({to_share:.0%} of its handoffs)."
        )
        de = (
            f"„{r['team']}“ gibt fast jeden Fall weiter: Fähigkeiten und Befugnisse prüfen, "
            f"Fälle selbst zu lösen; die meisten gehen an „{r['to']}“ ({to_share:.0%})."
            if always
            else f"„{r['team']}“ in die Lage versetzen, mehr Fälle selbst abzuschließen, und "
            f"eine Qualitätsprüfung vor „{r['to']}“ ({to_share:.0%} seiner Übergaben)."
        )
        numbers = {k: r[k] for k in ("team", "handoffs_out", "cases", "cases_handed_on")}
        numbers |= {"handed_on_share": share, "to_team": r["to"], "to_share": to_share}
        numbers |= {"handoff_advice_en": en, "handoff_advice_de": de}
        out.append(
            _finding(
                f"handoff:{r['team']}",
                "handoff_team",
                "qualification" if always else "redesign",
                r["handoffs_out"] * w.handoffs,
                total,
                numbers,
                [r["team"], r["to"]] if r["to"] else [r["team"]],
            )
        )

    pp = causes.ping_pong_pairs.filter(pl.col("cases") >= min_cases)
    for r in pp.head(per_kind).iter_rows(named=True):
        out.append(
            _finding(
                f"ping-pong:{r['team_a']}|{r['team_b']}",
                "ping_pong_pair",
                "qualification",
                r["returns"] * w.ping_pongs,
                total,
                {k: r[k] for k in ("team_a", "team_b", "returns", "cases")},
                [r["team_a"], r["team_b"]],
            )
        )

    median = float(result.cases["friction_score"].median() or 0.0)  # type: ignore[arg-type]
    variants = causes.by_variant.filter(
        (pl.col("cases") >= max(min_cases, 2)) & (pl.col("mean_score") > median)
    ).sort(["excess_score", "rank"], descending=[True, False])
    for r in variants.head(per_kind).iter_rows(named=True):
        numbers = {
            k: r[k]
            for k in (
                "rank",
                "cases",
                "case_share",
                "mean_score",
                "tasks_per_case",
                "handoffs_per_case",
            )
        }
        numbers |= {
            "ratio": r["mean_score"] / median if median > 0 else 0.0,
            "path": r["variant"],
            "path_short": shorten_path(r["variant"]),
        }
        ids = paths.filter(pl.col("variant") == r["variant"]).get_column(S.CASE)
        out.append(
            _finding(
                f"variant:{r['rank']}",
                "variant",
                "redesign",
                r["excess_score"],
                total,
                numbers,
                _teams_of(result.events, ids),
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
            numbers = {k: r[k] for k in ("category", "cases", "mean_score", "top_rule")}
            numbers |= {
                "ratio": r["mean_score"] / mean,
                "top_rule": r["top_rule"] or "—",
                "top_rule_share": (r["top_rule_cases"] or 0) / r["cases"],
            }
            ids = result.cases.filter(pl.col("category") == r["category"])[S.CASE]
            out.append(
                _finding(
                    f"category:{r['category']}",
                    "category",
                    "redesign",
                    r["_excess"],
                    total,
                    numbers,
                    _teams_of(result.events, ids),
                )
            )

    flagged = result.summary()["flags"]
    for rid, (remedy, en, de) in _RULE_ADVICE.items():
        stats = flagged.get(rid)
        if not stats or stats["share"] < 0.02 or rid not in RULES:
            continue
        term = {"FM007": "channel_switches", "FM009": "unresolved"}[rid]
        impact = float(result.cases[f"contrib_{term}"].sum())
        label = RULES[rid].name.removeprefix("friction.").replace("_", " ")
        numbers = {
            "rule": rid,
            "rule_label": label,
            "share": stats["share"],
            "flagged": stats["cases"],
            "rule_advice_en": en,
            "rule_advice_de": de,
        }
        out.append(_finding(f"rule:{rid}", "rule", remedy, impact, total, numbers))

    out.sort(key=lambda f: (-f.impact, f.id))
    return out


def find_causes(result: Result, settings: Settings | None = None, *, per_kind: int = 3) -> Causes:
    """Trace the burden of ``result``'s cases to activities, teams, variants and categories.

    ``settings`` defaults to the result's own (weights turn counts into friction points;
    FM004's ``min_silent_hours`` sets what counts as a silent wait).  ``per_kind`` caps the
    findings of each kind (activities with tasks, team pairs, paths, …).
    """
    from frictionminer.engine.rules import RULES, effective_params

    settings = settings or result.settings
    events, cases = result.events, result.cases
    silent_hours = float(
        effective_params(RULES["FM004"], settings.rules).get("min_silent_hours", 72.0)
        if "FM004" in RULES
        else 72.0
    )
    by_team, pairs, pp = _team_tables(events, silent_hours)
    flagged = result.flags[S.CASE].unique()
    paths = _case_paths(events)
    causes = Causes(
        cases=cases.height,
        friction_points=float(cases["friction_score"].sum()),
        silent_hours=silent_hours,
        by_activity=_activity_table(events, silent_hours, cases.height),
        by_team=by_team,
        handoff_pairs=pairs,
        ping_pong_pairs=pp,
        by_variant=_variant_table(paths, cases, flagged),
        by_category=_category_table(cases, result.flags),
        flows=_flows(events),
        findings=[],
    )
    causes.findings = _findings(causes, result, settings, per_kind, paths)
    return causes
