"""Promises: made by one event, kept by a later one within a time, or broken.

A promise (``[[promises]]``, or a built-in of ``[builtin_promises]``) is *made* by every
event its ``after`` matches and *kept* by the first later event of the case that its
``before`` matches.  Its deadline is the moment it was made plus ``within``: calendar
time, or working time of the ``[calendar]`` (``clock = "business"``,
:func:`frictionminer.engine.calendar.business_deadline`).  Each promise made is then

* **kept** — the keeping event came by the deadline;
* **broken** — it came after the deadline, or none came and the deadline passed before the
  end of what the log observed;
* **open** — none came yet and the deadline lies after the end of what the log observed
  (censored: the log cannot say).

What the log observed ends at its last event (``score``), at the audited window's end, or
each case's follow-up horizon (``audit``'s ``censor_at``).  The log's last event is a
whole-log figure, so a promise still waiting for its keeping event at the end of its case is
*pending* in the per-case stage (its deadline kept), and decided when the parts are gathered
(:func:`resolve`); every execution strategy decides it alike.

Built-in promises (kept only where the log shows what they need, else not computed):

``first response``
    Made by the case's first event when it is a ``contact`` (the customer's request opens
    the case); kept by the first event the customer hears from the company: a ``notice``,
    a ``customer_task`` or the ``resolution`` — the first event itself when it is one.
    Needs notices or tasks in at least ``[builtin_promises] min_news_share`` of the
    cases.
``interim notice``
    Made whenever the case starts waiting on the company without news (each silence of
    :mod:`frictionminer.engine.paths`); kept by the next news or the end.  Needs news.

Who broke it: each promise counts for the team holding the case when it was made
(``team``) and the team holding it when it was kept or fell due (``holder``); a promise
whose case changed hands in between counts for that handoff pair as well.

Interface: :func:`promise_specs` (from the settings), :func:`case_promises` (per-case stage:
per-case columns and facts), :func:`resolve` (gathered stage), :func:`promise_summary` and
:func:`case_promise_rows` (one case's promises, for ``explain``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from frictionminer import schema as S
from frictionminer.engine.calendar import business_deadline, calendar_of
from frictionminer.engine.classify import ROLE_COLUMNS, pattern_columns
from frictionminer.engine.coverage import RoleCoverage
from frictionminer.engine.facts import in_case_ffill, non_empty_group
from frictionminer.settings import (
    FIRST_RESPONSE,
    INTERIM_NOTICE,
    ROLE_PREFIX,
    Settings,
    business_span_seconds,
    span_seconds,
)

__all__ = [
    "NO_PROMISE",
    "PER_CASE",
    "STATUSES",
    "PromiseSpec",
    "case_promise_rows",
    "case_promises",
    "promise_specs",
    "promise_summary",
    "resolve",
]

STATUSES: tuple[str, ...] = ("kept", "broken", "open")
NO_PROMISE = "no_promise"
"""Why FM012 is not computed on a log (the summary's ``suppressed``): no promise was
evaluated there (none configured, and the built-in ones not computed)."""
PER_CASE: tuple[str, ...] = tuple(f"promises_{s}" for s in ("made", *STATUSES))
"""The per-case columns: promises made, kept, broken and still open (after the measures)."""
_PENDING = "pending"
_FIRST_RESPONSE_KEEPERS = ("notice", "customer_task", "resolution")
_NO = "_case_no"


@dataclass(frozen=True)
class PromiseSpec:
    """One promise, ready to evaluate."""

    name: str
    after: str
    before: str
    seconds: float
    business: bool
    builtin: bool = False

    @property
    def needs(self) -> tuple[str, ...]:
        """Coverage roles the log must show for a built-in promise to mean anything."""
        if not self.builtin:
            return ()
        return ("notice", "customer_task") if self.name == FIRST_RESPONSE else ("news",)


def promise_specs(settings: Settings) -> tuple[PromiseSpec, ...]:
    """The built-in promises switched on, then ``[[promises]]`` in file order.

    A promise kept in business time counts its ``within`` in working time: a day is one
    working day of the ``[calendar]`` (9 hours from 08:00 to 17:00), a week its working
    days."""

    def seconds(text: str, business: bool) -> float:
        return business_span_seconds(text, settings.calendar) if business else span_seconds(text)

    built = settings.builtin_promises
    business = built.clock == "business"
    specs: list[PromiseSpec] = []
    for name, within in (
        (FIRST_RESPONSE, built.first_response),
        (INTERIM_NOTICE, built.interim_notice),
    ):
        if within.strip():
            specs.append(PromiseSpec(name, "", "", seconds(within, business), business, True))
    specs.extend(
        PromiseSpec(
            p.name,
            p.after,
            p.before,
            seconds(p.within, p.clock == "business"),
            p.clock == "business",
        )
        for p in settings.promises
    )
    return tuple(specs)


# ------------------------------------------------------------------ per-case stage


def _matchers(
    annotated: pl.DataFrame, specs: tuple[PromiseSpec, ...], settings: Settings
) -> tuple[pl.DataFrame, list[tuple[pl.Expr, pl.Expr, bool]]]:
    """``annotated`` with a Boolean column per pattern, and per promise its (maker, keeper,
    keeps-itself) expressions."""
    patterns: dict[str, str] = {}
    for i, spec in enumerate(specs):
        for which in ("after", "before"):
            text = getattr(spec, which)
            if text and not text.startswith(ROLE_PREFIX):
                patterns[f"_pm{i}_{which}"] = text
    frame = pattern_columns(annotated, settings.roles, patterns) if patterns else annotated

    def side(spec: PromiseSpec, i: int, name: str) -> pl.Expr:
        text = getattr(spec, name)
        if text.startswith(ROLE_PREFIX):
            return pl.col(ROLE_COLUMNS[text[len(ROLE_PREFIX) :]])
        return pl.col(f"_pm{i}_{name}")

    before_end = ~pl.col("is_end") & ~pl.col("after_end")
    out: list[tuple[pl.Expr, pl.Expr, bool]] = []
    for i, spec in enumerate(specs):
        if spec.name == FIRST_RESPONSE and spec.builtin:
            keeper = pl.any_horizontal(pl.col(ROLE_COLUMNS[r]) for r in _FIRST_RESPONSE_KEEPERS)
            opens = (pl.col("seq") == 0) & pl.col(ROLE_COLUMNS["contact"])
            out.append((opens, keeper, True))
        elif spec.name == INTERIM_NOTICE and spec.builtin:
            waiting = (pl.col("waiting_on").cast(pl.String) == "company") & before_end
            boundary = pl.col("silence_hours").is_not_null()
            out.append((boundary & waiting, boundary, False))
        else:
            out.append((side(spec, i, "after"), side(spec, i, "before"), False))
    return frame, out


def _team(frame: pl.DataFrame) -> pl.Expr:
    """The team holding the case at each event: the last non-empty group so far."""
    return in_case_ffill(non_empty_group(frame))


def _unkept(due: pl.Expr, until: pl.Expr | datetime | None) -> pl.Expr:
    """The status of a promise not kept: broken when its deadline lies by ``until`` (the
    end of what the log observed), else open; open when ``until`` is None."""
    if until is None:
        return pl.lit("open")
    return pl.when(due <= until).then(pl.lit("broken")).otherwise(pl.lit("open"))


def promise_instances(
    annotated: pl.DataFrame,
    settings: Settings,
    specs: tuple[PromiseSpec, ...],
    censor_at: datetime | timedelta | None = None,
) -> pl.DataFrame:
    """One row per promise made: ``case_id``, ``promise`` (its index in ``specs``),
    ``made_at``, ``due``, ``kept_at``, ``status`` (kept, broken, open, or pending: not kept
    by the case's end, decided by :func:`resolve`), ``team`` and ``holder``.

    ``annotated``: the annotated events of whole cases in path order.
    """
    schema: dict[str, pl.DataType] = {
        S.CASE: pl.String(),
        "promise": pl.Int32(),
        "made_at": S.TIMESTAMP_DTYPE,
        "due": S.TIMESTAMP_DTYPE,
        "kept_at": S.TIMESTAMP_DTYPE,
        "status": pl.String(),
        "team": pl.String(),
        "holder": pl.String(),
    }
    if not specs or annotated.height == 0:
        return pl.DataFrame(schema=schema)
    frame, sides = _matchers(annotated, specs, settings)
    # Most logs make few promises or none (a first response needs a case opened by a
    # contact): only the cases that made one are followed further (whole cases, in order).
    makers = pl.any_horizontal(m for m, _, _ in sides)
    promised = frame.filter(makers).get_column(S.CASE).unique()
    if promised.len() == 0:
        return pl.DataFrame(schema=schema)
    if promised.len() < frame.height // 20:  # keep only the cases that made a promise
        frame = frame.filter(pl.col(S.CASE).is_in(promised.implode()))
    ts = pl.col(S.TIMESTAMP)
    ev = frame.with_columns(pl.col(S.CASE).rle_id().alias(_NO)).with_columns(
        _team(frame).alias("_team")
    )
    calendar = calendar_of(settings.calendar)
    rows: list[pl.DataFrame] = []
    for i, (maker, keeper, keeps_itself) in enumerate(sides):
        spec = specs[i]
        k_ts: pl.Expr = pl.when(keeper).then(ts)
        k_no: pl.Expr = pl.when(keeper).then(pl.col(_NO))
        if not keeps_itself:  # the first keeping event strictly after this one
            k_ts, k_no = k_ts.shift(-1), k_no.shift(-1)
        made = ev.select(
            S.CASE,
            _NO,
            maker.alias("_maker"),
            ts.alias("made_at"),
            pl.col("_team").alias("team"),
            pl.when(k_no.backward_fill() == pl.col(_NO))
            .then(k_ts.backward_fill())
            .alias("kept_at"),
        ).filter(pl.col("_maker"))
        if made.height == 0:
            continue
        if spec.business:
            due = business_deadline(made.get_column("made_at"), spec.seconds, calendar)
        else:
            due = (made.get_column("made_at") + timedelta(seconds=spec.seconds)).alias("due")
        rows.append(made.with_columns(pl.lit(i, dtype=pl.Int32).alias("promise"), due.alias("due")))
    if not rows:
        return pl.DataFrame(schema=schema)
    made = pl.concat(rows)
    kept_at, due_at = pl.col("kept_at"), pl.col("due")
    if isinstance(censor_at, timedelta):
        first = ev.group_by(_NO).agg(ts.min().alias("_first"))
        made = made.join(first, on=_NO, how="left")
        seen_until: pl.Expr | None = pl.col("_first") + censor_at
    elif isinstance(censor_at, datetime):
        seen_until = pl.lit(censor_at, dtype=S.TIMESTAMP_DTYPE)
    else:
        seen_until = None
    unkept = pl.lit(_PENDING) if seen_until is None else _unkept(due_at, seen_until)
    made = made.with_columns(
        pl.when(kept_at.is_null())
        .then(unkept)
        .when(kept_at <= due_at)
        .then(pl.lit("kept"))
        .otherwise(pl.lit("broken"))
        .alias("status"),
        pl.min_horizontal(kept_at, due_at).alias("_at"),
    )
    # the team holding the case when the promise was kept or fell due
    changes = (
        ev.filter(pl.col("_team").is_not_null())
        .select(_NO, ts.alias("_at"), pl.col("_team").alias("holder"))
        .sort("_at")
    )
    made = made.sort("_at").join_asof(
        changes, on="_at", by=_NO, strategy="backward", check_sortedness=False
    )
    return made.select(
        S.CASE,
        "promise",
        "made_at",
        "due",
        "kept_at",
        "status",
        "team",
        pl.col("holder").fill_null(pl.col("team")),
    ).sort(S.CASE, "made_at", "promise")


def _internal(i: int, what: str) -> str:
    return f"_promise{i}_{what}"


def case_promises(
    annotated: pl.DataFrame,
    measures: pl.DataFrame,
    settings: Settings,
    censor_at: datetime | timedelta | None = None,
) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """The per-case stage's part: ``measures`` with, per promise ``i``, its counts by
    status and the deadlines still pending (internal columns, turned into
    :data:`PER_CASE` by :func:`resolve`), and the facts: ``promises`` (made per promise,
    team, holder and status), ``promise_pending`` (per deadline) and ``observed`` (the
    part's last event)."""
    specs = promise_specs(settings)
    inst = promise_instances(annotated, settings, specs, censor_at)
    names = pl.Series([s.name for s in specs], dtype=pl.String)
    named = inst.with_columns(
        pl.lit(names).gather(pl.col("promise")).alias("name")
        if specs
        else pl.lit(None, dtype=pl.String).alias("name")
    )
    facts = {
        "promises": named.filter(pl.col("status") != _PENDING)
        .group_by(pl.col("name").alias("promise"), "team", "holder", "status")
        .agg(pl.len().cast(pl.Int64).alias("n")),
        "promise_pending": named.filter(pl.col("status") == _PENDING)
        .group_by(pl.col("name").alias("promise"), "team", "holder", "due")
        .agg(pl.len().cast(pl.Int64).alias("n")),
        "observed": annotated.select(pl.col(S.TIMESTAMP).max().alias("last"))
        .filter(pl.col("last").is_not_null())
        .with_columns(pl.lit(1, dtype=pl.Int64).alias("n")),
    }
    if not specs:
        return measures, facts
    per_case = inst.group_by(S.CASE).agg(
        *[
            (pl.col("promise") == i).sum().cast(pl.Int64).alias(_internal(i, "made"))
            for i in range(len(specs))
        ],
        *[
            ((pl.col("promise") == i) & (pl.col("status") == status))
            .sum()
            .cast(pl.Int64)
            .alias(_internal(i, status))
            for i in range(len(specs))
            for status in STATUSES
        ],
        *[
            pl.col("due")
            .filter((pl.col("promise") == i) & (pl.col("status") == _PENDING))
            .alias(_internal(i, _PENDING))
            for i in range(len(specs))
        ],
    )
    counts = [c for c in per_case.columns if c != S.CASE and not c.endswith(_PENDING)]
    out = measures.join(per_case, on=S.CASE, how="left", maintain_order="left")
    return out.with_columns(pl.col(counts).fill_null(0)), facts


# ------------------------------------------------------------------ gathered stage


def _shown(spec: PromiseSpec, coverage: RoleCoverage, settings: Settings) -> bool:
    """Whether the log shows what a built-in promise needs.

    The first response needs the company's news — notices, or tasks asked of the
    customer — in at least ``[builtin_promises] min_news_share`` of the cases: a log
    that records them for a few cases only would show every other case's first response
    as the resolution, or as missing.  The interim notice needs news in at least
    ``[roles] min_case_share`` of the cases (what FM004 needs)."""
    if not spec.builtin:
        return True
    if spec.name == FIRST_RESPONSE:
        share = max(coverage.case_share("notice"), coverage.case_share("customer_task"))
        return share >= settings.builtin_promises.min_news_share
    return not coverage.is_role_unseen("news")


@dataclass(frozen=True)
class PromiseOutcome:
    """What the gathered stage decided: which promises were computed, until when."""

    computed: tuple[str, ...]
    """Promises evaluated on this log, in :func:`promise_specs` order."""
    not_computed: dict[str, tuple[str, ...]]
    """Built-in promises left out, with the roles the log does not show."""
    observed_until: datetime | None
    """The end of what the log observed (None: each case's own horizon)."""


def resolve(
    measures: pl.DataFrame,
    facts: dict[str, pl.DataFrame],
    settings: Settings,
    coverage: RoleCoverage,
    censor_at: datetime | timedelta | None,
) -> tuple[pl.DataFrame, dict[str, pl.DataFrame], PromiseOutcome]:
    """Pending promises decided against the end of what the log observed, built-in
    promises the log cannot show dropped (:func:`_shown`), and the per-case totals
    :data:`PER_CASE` (null in a log with no promise to evaluate)."""
    specs = promise_specs(settings)
    if isinstance(censor_at, datetime):
        end: datetime | None = censor_at
    elif censor_at is None and "observed" in facts and facts["observed"].height:
        end = facts["observed"].get_column("last").max()  # type: ignore[assignment]
    else:
        end = None
    skipped = {s.name: s.needs for s in specs if s.needs and not _shown(s, coverage, settings)}
    computed = [i for i, s in enumerate(specs) if s.name not in skipped]
    outcome = PromiseOutcome(tuple(specs[i].name for i in computed), skipped, end)
    counted: dict[str, list[pl.Expr]] = {status: [] for status in ("made", *STATUSES)}
    for i in computed:
        pending = pl.col(_internal(i, _PENDING))
        late = (
            pending.list.eval(pl.element() <= end).list.sum()
            if end is not None
            else pl.lit(0, dtype=pl.UInt32)
        )
        late = late.fill_null(0).cast(pl.Int64)
        waiting = pending.list.len().fill_null(0).cast(pl.Int64) - late
        counted["made"].append(pl.col(_internal(i, "made")))
        counted["kept"].append(pl.col(_internal(i, "kept")))
        counted["broken"].append(pl.col(_internal(i, "broken")) + late)
        counted["open"].append(pl.col(_internal(i, "open")) + waiting)
    internal = [c for c in measures.columns if c.startswith("_promise")]
    if computed:
        totals = [pl.sum_horizontal(exprs).alias(f"promises_{k}") for k, exprs in counted.items()]
    else:
        totals = [pl.lit(None, dtype=pl.Int64).alias(c) for c in PER_CASE]
    measures = measures.with_columns(totals).drop(internal)
    facts = dict(facts)
    pending_rows = facts.pop("promise_pending", None)
    table = facts.get("promises")
    if table is not None and pending_rows is not None:
        decided = pending_rows.with_columns(_unkept(pl.col("due"), end).alias("status")).select(
            table.columns
        )
        table = (
            pl.concat([table, decided])
            .group_by("promise", "team", "holder", "status")
            .agg(pl.col("n").sum())
        )
        keep = [specs[i].name for i in computed]
        facts["promises"] = table.filter(pl.col("promise").is_in(keep))
    return measures, facts, outcome


# ------------------------------------------------------------------ what outputs read


def _rates(table: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per ``keys``: made, kept, broken, open and the keeping rate (kept of those decided;
    null when none is decided yet), worst rate first."""
    status = pl.col("status")
    out = table.group_by(keys).agg(
        pl.col("n").sum().alias("made"),
        *[pl.col("n").filter(status == s).sum().alias(s) for s in STATUSES],
    )
    decided = pl.col("kept") + pl.col("broken")
    return out.with_columns(
        pl.when(decided > 0).then(pl.col("kept") / decided).alias("kept_share")
    ).sort(
        ["kept_share", "made", *keys],
        descending=[False, True, *[False] * len(keys)],
        nulls_last=True,
    )


_EMPTY_COUNTS: dict[str, Any] = {**dict.fromkeys(("made", *STATUSES), 0), "kept_share": None}


def _counts(row: dict[str, Any]) -> dict[str, Any]:
    """A row of :func:`_rates` as the summary writes it: whole counts, the rate rounded."""
    share = row["kept_share"]
    return {
        **{k: int(row[k]) for k in ("made", *STATUSES)},
        "kept_share": None if share is None else round(share, 4),
    }


def promise_summary(
    facts: dict[str, pl.DataFrame], outcome: PromiseOutcome, *, top: int = 10
) -> dict[str, Any]:
    """The JSON summary's ``promises``: per promise the counts and keeping rate, the teams
    (by the team that made it) and handoff pairs (made by one team, due at another) with
    the lowest rates, and what was not computed and why."""
    table = facts.get("promises")
    if table is None:
        table = pl.DataFrame(
            schema={
                "promise": pl.String,
                "team": pl.String,
                "holder": pl.String,
                "status": pl.String,
                "n": pl.Int64,
            }
        )

    def records(frame: pl.DataFrame, keys: list[str]) -> list[dict[str, Any]]:
        return [
            {**{k: row[k] for k in keys}, **_counts(row)}
            for row in frame.head(top).iter_rows(named=True)
        ]

    by_promise = {
        row["promise"]: _counts(row) for row in _rates(table, ["promise"]).iter_rows(named=True)
    }
    teams = _rates(table.filter(pl.col("team").is_not_null()), ["promise", "team"])
    pairs = _rates(
        table.filter(
            pl.col("team").is_not_null()
            & pl.col("holder").is_not_null()
            & (pl.col("team") != pl.col("holder"))
        ).rename({"team": "from", "holder": "to"}),
        ["promise", "from", "to"],
    )
    total = _rates(table.with_columns(pl.lit("all").alias("_all")), ["_all"])
    overall = _counts(total.row(0, named=True)) if total.height else dict(_EMPTY_COUNTS)
    return {
        **overall,
        "observed_until": None
        if outcome.observed_until is None
        else outcome.observed_until.isoformat(),
        "by_promise": {
            name: by_promise.get(name, dict(_EMPTY_COUNTS)) for name in outcome.computed
        },
        "not_computed": {name: list(roles) for name, roles in outcome.not_computed.items()},
        "teams": records(teams, ["promise", "team"]),
        "handoff_pairs": records(pairs, ["promise", "from", "to"]),
    }


def case_promise_rows(
    events: pl.DataFrame,
    settings: Settings,
    outcome: PromiseOutcome | None,
) -> pl.DataFrame:
    """One case's promises (``explain``): name, made_at, due, kept_at, status, team,
    holder; pending ones decided against ``outcome.observed_until``."""
    specs = promise_specs(settings)
    inst = promise_instances(events, settings, specs)
    end = None if outcome is None else outcome.observed_until
    keep = None if outcome is None else set(outcome.computed)
    names = pl.Series([s.name for s in specs], dtype=pl.String)
    out = inst.with_columns(
        pl.lit(names).gather(pl.col("promise")).alias("promise") if specs else pl.lit(None),
        pl.when(pl.col("status") == _PENDING)
        .then(_unkept(pl.col("due"), end))
        .otherwise(pl.col("status"))
        .alias("status"),
    )
    if keep is not None:
        out = out.filter(pl.col("promise").is_in(sorted(keep)))
    return out.drop(S.CASE)
