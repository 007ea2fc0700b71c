"""Journeys: a customer's cases joined across tickets and organisations (``--journey``).

A *journey* is the cases of one customer (``[journey] customer``) that overlap or follow
each other within ``[journey] gap``.  It is measured over the customer's events across all
of its cases, the per-case measures kept; the definitions are in docs/friction-model.md
("Journeys"), and every one is computed here with whole-table polars expressions (sorts,
windows over the journey, an as-of join), never a Python loop per row.

Inputs: the annotated events and the scored cases of a
:class:`~frictionminer.engine.result.Result` (in memory: a sharded result holds no events).
Outputs, in :class:`Journeys`:

``cases``     one row per case with a customer: its journey and what the journey
              measures need of it (start, last event, resolution, came back, case type)
``table``     one row per journey (:data:`JOURNEY_MEASURES`), worst first
``flags``     the journey rules' flags (FM010, FM011): ``journey_id, customer, rule,
              name, severity, remedy, message``
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from frictionminer import schema as S
from frictionminer.engine.classify import ROLE_COLUMNS
from frictionminer.errors import ConfigError, UsageError
from frictionminer.settings import Settings

if TYPE_CHECKING:
    from frictionminer.engine.coverage import RoleCoverage

JOURNEY = "journey_id"
CUSTOMER = "customer"
JOURNEY_MEASURES: tuple[str, ...] = (
    "cases",
    "events",
    "start",
    "end",
    "interactions",
    "customer_tasks",
    "repeat_contacts",
    "resolved_cases",
    "parties",
    "party_handoffs",
    "handoff_wait_max_hours",
    "customer_wait_hours",
    "silent_wait_max_hours",
    "effort_minutes",
    "duration_hours",
    "contact_to_resolution_hours",
    "resolved",
    "friction_score",
)
"""The columns of a journey (docs/friction-model.md, "Journeys"), in output order."""
JOURNEY_FLAG_COLUMNS = (JOURNEY, CUSTOMER, "rule", "name", "severity", "remedy", "message")
CUSTOMER_HINTS = (
    "customer_id",
    "customer",
    "customerid",
    "client_id",
    "client",
    "account_id",
    "account",
    "caller_id",
    "caller",
    "contact_id",
    "requester_id",
    "requester",
    "user_id",
)
"""Column names (lower case, without ``case:``) that usually hold a customer id."""

HANDOFF_SCHEMA: dict[str, pl.DataType] = {
    JOURNEY: pl.String(),
    S.CASE: pl.String(),
    "time": S.TIMESTAMP_DTYPE,
    "from_party": pl.String(),
    "to_party": pl.String(),
    "wait_hours": pl.Float64(),
}
"""A handoff between parties: when, in which case, from whom to whom, after how long."""

_US_PER_HOUR = 3_600_000_000.0
_J, _ROW, _START = "_j", "_row", "_start"
_SEP = " → "


@dataclass(frozen=True)
class Journeys:
    """The journeys of a result: per case, per journey, and the journey flags."""

    customer_column: str
    """The column the customers were read from (as the events hold it)."""
    party_column: str | None
    """The column naming the parties (``[measures] organisation``, else ``group``)."""
    gap_hours: float
    repeat_within_hours: float
    cases: pl.DataFrame
    """One row per case with a customer: ``case_id, customer, journey_id, start, last,
    resolved, resolution, came_back, case_type``."""
    table: pl.DataFrame
    """One row per journey: ``journey_id, customer`` and :data:`JOURNEY_MEASURES`, worst
    (highest friction_score) first."""
    flags: pl.DataFrame
    """One row per raised journey flag (:data:`JOURNEY_FLAG_COLUMNS`)."""
    cases_without_customer: int
    silences: pl.DataFrame
    """The stretches the customer waited on the company without news, across the
    journey's cases: ``journey_id, start, end, hours``."""
    handoffs: pl.DataFrame
    """The handoffs between parties along each journey (:data:`HANDOFF_SCHEMA`)."""
    repeat_computed: bool = True
    """False when the log shows no resolution: repeat contacts are then not computed."""

    def of_customer(self, customer: str) -> pl.DataFrame:
        """The customer's journeys (rows of :attr:`table`), in time order."""
        return self.table.filter(pl.col(CUSTOMER) == customer).sort("start", JOURNEY)

    def summary(self, top: int = 5) -> dict[str, Any]:
        """The ``journeys`` block of the JSON summary (numbers and ids, no prose)."""
        from frictionminer.engine.rules import JOURNEY_RULES

        table = self.table
        n = table.height
        resolved = int(table["resolved_cases"].sum() or 0) if n else 0
        repeats = int(table["repeat_contacts"].sum() or 0) if n and self.repeat_computed else 0
        counts = dict(self.flags.group_by("rule").agg(pl.len()).iter_rows())
        numeric = [m for m in JOURNEY_MEASURES if table.schema[m].is_numeric()]
        stats = (
            table.select(
                *[pl.col(m).cast(pl.Float64).median().alias(f"{m}|median") for m in numeric],
                *[
                    pl.col(m).cast(pl.Float64).quantile(0.9, "linear").alias(f"{m}|p90")
                    for m in numeric
                ],
            ).row(0, named=True)
            if n
            else {}
        )
        return {
            "customer_column": self.customer_column,
            "party_column": self.party_column,
            "gap_hours": self.gap_hours,
            "repeat_within_hours": self.repeat_within_hours,
            "journeys": n,
            "customers": int(table[CUSTOMER].n_unique()) if n else 0,
            "cases": self.cases.height,
            "cases_without_customer": self.cases_without_customer,
            "multi_case_journeys": int((table["cases"] > 1).sum()) if n else 0,
            "resolved_cases": resolved,
            "repeat_contacts": repeats if self.repeat_computed else None,
            "repeat_contact_rate": (
                round(repeats / resolved, 4) if resolved and self.repeat_computed else None
            ),
            "flags": {
                rid: {
                    "name": r.name,
                    "journeys": int(counts.get(rid, 0)),
                    "share": round(counts.get(rid, 0) / n, 4) if n else 0.0,
                }
                for rid, r in JOURNEY_RULES.items()
            },
            "measures": {
                m: {
                    q: None if stats.get(f"{m}|{q}") is None else round(float(stats[f"{m}|{q}"]), 3)
                    for q in ("median", "p90")
                }
                for m in numeric
            },
            "worst": journey_records(table.head(top), self.flags),
        }

    def parties_handing_on(self) -> pl.DataFrame:
        """Parties that hand customers on: ``party, handoffs, journeys, median_wait_hours,
        to`` (the parties they hand to, most frequent first), most handoffs first."""
        h = self.handoffs
        per_target = (
            h.group_by("from_party", "to_party")
            .agg(pl.len().alias("_n"))
            .sort(["_n", "to_party"], descending=[True, False])
            .group_by("from_party", maintain_order=True)
            .agg(pl.col("to_party").str.join(", ").alias("to"))
        )
        return (
            h.group_by("from_party")
            .agg(
                pl.len().cast(pl.Int64).alias("handoffs"),
                pl.col(JOURNEY).n_unique().cast(pl.Int64).alias("journeys"),
                pl.col("wait_hours").median().alias("median_wait_hours"),
            )
            .join(per_target, on="from_party", how="left")
            .rename({"from_party": "party"})
            .sort(["handoffs", "party"], descending=[True, False])
        )

    def repeat_by_type(self) -> pl.DataFrame:
        """Repeat-contact rate by the type of the resolved case that preceded the return:
        ``case_type, resolved, came_back, rate``, highest rate first."""
        return (
            self.cases.filter(pl.col("resolved"))
            .group_by("case_type")
            .agg(
                pl.len().cast(pl.Int64).alias("resolved"),
                pl.col("came_back").sum().cast(pl.Int64).alias("came_back"),
            )
            .with_columns((pl.col("came_back") / pl.col("resolved")).alias("rate"))
            .sort(["rate", "resolved", "case_type"], descending=[True, True, False])
        )


def journey_records(table: pl.DataFrame, flags: pl.DataFrame) -> list[dict[str, Any]]:
    """Journeys as plain records (floats to 3 decimals, times in ISO 8601 UTC), each with
    its flags' ``{rule, message}``."""
    by_journey: dict[str, list[dict[str, str]]] = {}
    for row in flags.select(JOURNEY, "rule", "message").iter_rows(named=True):
        by_journey.setdefault(row[JOURNEY], []).append(
            {"rule": row["rule"], "message": row["message"]}
        )
    out = []
    for row in table.iter_rows(named=True):
        record: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, float):
                value = round(value, 3)
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            record[key] = value
        record["flags"] = by_journey.get(row[JOURNEY], [])
        out.append(record)
    return out


def customer_column(columns: list[str], name: str | None) -> str:
    """The events' column holding the customer: ``name`` as given, or as a case attribute
    (``case:`` added or removed).  A ConfigError naming ``[journey] customer`` otherwise."""
    if name is None:
        raise ConfigError(
            "--journey needs a customer column: set [journey] customer = COLUMN",
            hint="the column holding a customer, caller or account id (an event or case attribute)",
        )
    prefix = S.CASE_PREFIX
    candidates = [name, f"{prefix}{name}"]
    if name.startswith(prefix):
        candidates.append(name[len(prefix) :])
    for candidate in candidates:
        if candidate in columns:
            return candidate
    hints = suggest_customer_column(columns)
    raise ConfigError(
        f"journey.customer: no column {name!r} in the log",
        hint=f"did you mean {hints[0]!r}?" if hints else "name an event or case attribute",
    )


def suggest_customer_column(columns: list[str]) -> list[str]:
    """Columns whose name says they hold a customer id (:data:`CUSTOMER_HINTS`)."""

    def bare(column: str) -> str:
        low = column.lower()
        return low[len(S.CASE_PREFIX) :] if low.startswith(S.CASE_PREFIX) else low

    return [c for hint in CUSTOMER_HINTS for c in columns if bare(c) == hint]


def _hours(delta: pl.Expr) -> pl.Expr:
    return delta.dt.total_microseconds().cast(pl.Float64) / _US_PER_HOUR


def _text(column: str) -> pl.Expr:
    """The column as text with blank values as null."""
    value = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(value.str.len_chars() > 0).then(value)


def build_journeys(
    events: pl.DataFrame,
    cases: pl.DataFrame,
    settings: Settings,
    *,
    coverage: RoleCoverage | None = None,
    sharded: bool = False,
) -> Journeys:
    """The journeys of a result's annotated ``events`` and scored ``cases`` (a
    :class:`~frictionminer.engine.result.Result`'s tables; see the module docstring and
    docs/friction-model.md).  ``coverage``: which roles the log shows (no resolution: no
    repeat contacts); ``sharded``: the result holds no events."""
    if sharded:
        raise UsageError(
            "--journey needs the log in memory; this run was analysed in shards",
            hint="run with --shards 1 (journeys join cases across the whole log)",
        )
    scored_cases = cases
    column = customer_column(events.columns, settings.journey.customer)
    party = _party_column(events, settings)
    gap = settings.journey.gap_span
    within = settings.journey.repeat_span
    repeat_computed = coverage is None or not coverage.is_unseen("resolution")

    ts = pl.col(S.TIMESTAMP)
    ordered = events.sort(S.CASE, S.TIMESTAMP, S.EVENT_INDEX)
    per_case = ordered.group_by(S.CASE).agg(
        _text(column).drop_nulls().first().alias(CUSTOMER),
        ts.min().alias("start"),
        ts.max().alias("last"),
        pl.col(S.ACTIVITY).first().alias("_first_activity"),
        ts.filter(pl.col(ROLE_COLUMNS["customer_action"]) & pl.col("after_end"))
        .min()
        .alias("_reacted"),
    )
    scored = scored_cases.select(
        S.CASE,
        pl.col("resolved"),
        pl.when(pl.col("resolved")).then(pl.col("end")).alias("resolution"),
        *(
            [pl.col("category").cast(pl.String).alias("_category")]
            if "category" in scored_cases.columns
            else []
        ),
    )
    per_case = per_case.join(scored, on=S.CASE, how="left")
    without = int(per_case[CUSTOMER].null_count())
    cases = per_case.filter(pl.col(CUSTOMER).is_not_null())
    cases = _assign(cases, gap)
    cases = _came_back(cases, within)
    case_type = (
        pl.coalesce(pl.col("_category"), pl.col("_first_activity"))
        if "_category" in cases.columns
        else pl.col("_first_activity")
    )
    cases = cases.with_columns(case_type.alias("case_type")).select(
        S.CASE,
        CUSTOMER,
        JOURNEY,
        "start",
        "last",
        "resolved",
        "resolution",
        "came_back",
        "case_type",
        _J,
    )
    table, silences, handoffs = _measures(scored_cases, ordered, cases, party, settings)
    if not repeat_computed:
        table = table.with_columns(pl.lit(None, dtype=pl.Int64).alias("repeat_contacts"))
    flags = _flags(
        table.with_columns(pl.lit(within.total_seconds() / 3600.0).alias("repeat_within_hours")),
        settings,
        suppressed=() if repeat_computed else ("FM010",),
    )
    return Journeys(
        customer_column=column,
        party_column=party,
        gap_hours=gap.total_seconds() / 3600.0,
        repeat_within_hours=within.total_seconds() / 3600.0,
        cases=cases.sort(JOURNEY, "start", S.CASE).drop(_J),
        table=table,
        flags=flags,
        silences=silences,
        handoffs=handoffs,
        cases_without_customer=without,
        repeat_computed=repeat_computed,
    )


def _party_column(events: pl.DataFrame, settings: Settings) -> str | None:
    org = settings.measures.organisation
    if org is not None and org in events.columns:
        return org
    return S.GROUP if S.GROUP in events.columns else None


def _assign(cases: pl.DataFrame, gap: Any) -> pl.DataFrame:
    """Journey ids: per customer, cases by start; a new journey begins when a case starts
    more than ``gap`` after the latest last event of the customer's cases before it."""
    ordered = cases.sort(CUSTOMER, "start", S.CASE)
    reach = pl.col("last").cum_max().shift(1).over(CUSTOMER)
    new = reach.is_null() | (pl.col("start") > reach + gap)
    number = new.cast(pl.Int64).cum_sum().over(CUSTOMER)
    return ordered.with_columns(
        pl.format("{}#{}", pl.col(CUSTOMER), number).alias(JOURNEY),
        # a number per journey, in (customer, start) order: sorting by it is cheap
        new.cast(pl.Int64).cum_sum().alias(_J),
    )


def _came_back(cases: pl.DataFrame, within: Any) -> pl.DataFrame:
    """``came_back``: the case was resolved and, within ``within`` after its (first)
    resolution, another case of its journey started or the customer acted again on it."""
    starts = cases.select(JOURNEY, pl.col("start").alias("_next_start")).sort("_next_start")
    resolved = (
        cases.filter(pl.col("resolution").is_not_null())
        .select(S.CASE, JOURNEY, "resolution")
        .sort("resolution")
    )
    nxt = resolved.join_asof(
        starts,
        left_on="resolution",
        right_on="_next_start",
        by=JOURNEY,
        strategy="forward",
        allow_exact_matches=False,
        check_sortedness=False,  # sorted by the key; the by-groups keep that order
    ).select(S.CASE, "_next_start")
    out = cases.join(nxt, on=S.CASE, how="left")
    limit = pl.col("resolution") + within
    back = (pl.col("_next_start") <= limit).fill_null(False) | (
        pl.col("_reacted") <= limit
    ).fill_null(False)
    return out.with_columns((pl.col("resolution").is_not_null() & back).alias("came_back"))


def _measures(
    scored_cases: pl.DataFrame,
    ordered: pl.DataFrame,
    cases: pl.DataFrame,
    party: str | None,
    settings: Settings,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The journeys table, the silences (``journey_id, start, end, hours``) and the
    handoffs between parties (:data:`HANDOFF_SCHEMA`)."""
    ts = pl.col(S.TIMESTAMP)
    mapping = cases.select(S.CASE, JOURNEY, CUSTOMER, _J)
    ev = ordered.join(mapping, on=S.CASE, how="inner").sort(_J, S.TIMESTAMP, S.EVENT_INDEX)
    # Windows over an integer journey number and segmented scans over the sorted rows:
    # a window keyed by the string id hashes it again for every column (3x slower).
    jid = pl.col(_J)
    ev = ev.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias(_ROW)).with_columns(
        pl.when(jid.ne_missing(jid.shift(1))).then(pl.col(_ROW)).forward_fill().alias(_START)
    )

    # Waiting on the company: each event's interval to the next event of its case, before
    # the case's end, with the ball in the company's court; overlapping intervals once.
    waits = (
        ev.filter(
            (pl.col("waiting_on") == "company")
            & ~pl.col("is_end")
            & ~pl.col("after_end")
            & pl.col("gap_hours").is_not_null()
        )
        .select(
            JOURNEY,
            _J,
            ts.alias("_a"),
            (
                ts
                + pl.duration(
                    microseconds=(pl.col("gap_hours") * _US_PER_HOUR).round().cast(pl.Int64)
                )
            ).alias("_b"),
        )
        .sort(_J, "_a", "_b")
    )
    reach = pl.col("_b").cum_max().shift(1).over(_J)
    waits = waits.with_columns(
        # block numbers unique across journeys: a journey's first interval starts a block
        (reach.is_null() | (pl.col("_a") > reach)).cast(pl.Int64).cum_sum().alias("_block")
    )
    blocks = (
        waits.group_by(JOURNEY, "_block").agg(pl.col("_a").min(), pl.col("_b").max()).sort("_block")
    )
    wait = blocks.group_by(JOURNEY).agg(
        # summed as whole microseconds: the same bits in any order of summation
        (
            (pl.col("_b") - pl.col("_a")).dt.total_microseconds().sum().cast(pl.Float64)
            / _US_PER_HOUR
        ).alias("customer_wait_hours")
    )
    # Silence: inside a block of waiting, the stretches between news the customer got
    # (perceived events of any case of the journey, up to that case's end).
    perceived = (
        ev.filter(pl.col("perceived") & ~pl.col("after_end"))
        .select(JOURNEY, ts.alias("_t"))
        .sort("_t")
    )
    placed = (
        perceived.join_asof(
            blocks.select(JOURNEY, "_block", pl.col("_a"), pl.col("_b")).sort("_a"),
            left_on="_t",
            right_on="_a",
            by=JOURNEY,
            strategy="backward",
            check_sortedness=False,  # sorted by the key; the by-groups keep that order
        )
        .filter(pl.col("_b").is_not_null() & (pl.col("_t") <= pl.col("_b")))
        .select(JOURNEY, "_block", "_t")
    )
    points = pl.concat(
        [
            blocks.select(JOURNEY, "_block", pl.col("_a").alias("_t")),
            blocks.select(JOURNEY, "_block", pl.col("_b").alias("_t")),
            placed,
        ]
    ).sort("_block", "_t")  # block numbers are unique across journeys
    stretches = points.with_columns(
        # (sorted by block: the previous point of the block is the previous row)
        pl.when(pl.col("_block") == pl.col("_block").shift(1))
        .then(pl.col("_t").shift(1))
        .alias("_from"),
        _hours(
            pl.when(pl.col("_block") == pl.col("_block").shift(1)).then(pl.col("_t").diff())
        ).alias("_s"),
    )
    silence = stretches.group_by(JOURNEY).agg(
        pl.col("_s").max().fill_null(0.0).alias("silent_wait_max_hours")
    )
    silences = stretches.filter(pl.col("_s") > 0).select(
        JOURNEY,
        pl.col("_from").alias("start"),
        pl.col("_t").alias("end"),
        pl.col("_s").alias("hours"),
    )

    # Parties and the handoffs between them, along the journey's events in time order.
    if party is not None:
        value = _text(party)
        ev = ev.with_columns(value.alias("_party"))
        known = pl.col("_party").is_not_null()
        # the last row with a party strictly before this one, if it is in this journey
        seen = pl.when(known).then(pl.col(_ROW)).forward_fill().shift(1) >= pl.col(_START)
        prev_party = pl.when(seen).then(pl.col("_party").forward_fill().shift(1))
        prev_time = pl.when(seen).then(pl.when(known).then(ts).forward_fill().shift(1))
        ev = ev.with_columns(
            (known & (pl.col("_party") != prev_party).fill_null(False)).alias("_handoff"),
            prev_time.alias("_prev_party_time"),
            prev_party.alias("_prev_party"),
        )
        handoffs = ev.filter(pl.col("_handoff")).select(
            JOURNEY,
            S.CASE,
            ts.alias("time"),
            pl.col("_prev_party").alias("from_party"),
            pl.col("_party").alias("to_party"),
            _hours(ts - pl.col("_prev_party_time")).alias("wait_hours"),
        )
        party_aggs = [
            pl.col("_party").drop_nulls().n_unique().cast(pl.Int64).alias("parties"),
            pl.col("_handoff").sum().cast(pl.Int64).alias("party_handoffs"),
            _hours(ts - pl.col("_prev_party_time"))
            .filter(pl.col("_handoff"))
            .max()
            .fill_null(0.0)
            .alias("handoff_wait_max_hours"),
            pl.col("_party")
            .filter(pl.col("_handoff") | (known & pl.col("_prev_party_time").is_null()))
            .str.join(_SEP)
            .alias("party_path"),
        ]
    else:
        handoffs = pl.DataFrame(schema=HANDOFF_SCHEMA)
        party_aggs = [
            pl.lit(0, dtype=pl.Int64).alias("parties"),
            pl.lit(0, dtype=pl.Int64).alias("party_handoffs"),
            pl.lit(0.0).alias("handoff_wait_max_hours"),
            pl.lit("").alias("party_path"),
        ]
    by_events = ev.group_by(JOURNEY).agg(
        pl.col(CUSTOMER).first(),
        pl.len().cast(pl.Int64).alias("events"),
        ts.min().alias("start"),
        ts.max().alias("end"),
        ts.filter(pl.col(ROLE_COLUMNS["contact"])).min().alias("_first_contact"),
        ts.filter(pl.col(ROLE_COLUMNS["resolution"])).max().alias("_last_resolution"),
        *party_aggs,
    )
    measures = scored_cases.select(
        S.CASE, "interactions", "customer_tasks", "effort_minutes", "friction_score"
    )
    by_cases = (
        cases.join(measures, on=S.CASE, how="left")
        .group_by(JOURNEY)
        .agg(
            pl.len().cast(pl.Int64).alias("cases"),
            pl.col("interactions").sum().cast(pl.Int64),
            pl.col("customer_tasks").sum().cast(pl.Int64),
            pl.col("came_back").sum().cast(pl.Int64).alias("repeat_contacts"),
            pl.col("resolved").fill_null(False).sum().cast(pl.Int64).alias("resolved_cases"),
            pl.col("resolved").fill_null(False).sort_by("last", S.CASE).last().alias("resolved"),
            pl.col("effort_minutes").sum().cast(pl.Float64).alias("_effort"),
            pl.col("friction_score").sum().cast(pl.Float64).alias("friction_score"),
        )
    )
    reexplain = settings.effort.reexplanation
    first_contact = pl.coalesce(pl.col("_first_contact"), pl.col("start"))
    table = (
        by_events.join(by_cases, on=JOURNEY, how="left")
        .join(wait, on=JOURNEY, how="left")
        .join(silence, on=JOURNEY, how="left")
        .with_columns(
            pl.col("customer_wait_hours").fill_null(0.0),
            pl.col("silent_wait_max_hours").fill_null(0.0),
            (pl.col("_effort") + reexplain * (pl.col("cases") - 1)).alias("effort_minutes"),
            _hours(pl.col("end") - pl.col("start")).alias("duration_hours"),
            pl.when(pl.col("resolved"))
            .then(_hours(pl.col("_last_resolution") - first_contact))
            .alias("contact_to_resolution_hours"),
            pl.col("friction_score").round(3),
        )
    )
    table = table.select(JOURNEY, CUSTOMER, *JOURNEY_MEASURES, "party_path").sort(
        ["friction_score", JOURNEY], descending=[True, False]
    )
    handoffs = handoffs.cast(pl.Schema(HANDOFF_SCHEMA)).sort(JOURNEY, "time")
    return table, silences.sort(JOURNEY, "start"), handoffs


def _flags(
    table: pl.DataFrame, settings: Settings, *, suppressed: tuple[str, ...] = ()
) -> pl.DataFrame:
    """The journey rules' flags over ``table``, in its row order, then by rule."""
    from frictionminer.engine.rules import (
        JOURNEY_RULES,
        effective_params,
        effective_severity,
        is_enabled,
    )

    schema = {c: pl.String() for c in JOURNEY_FLAG_COLUMNS}
    cfg = settings.rules
    active = [
        (r, effective_params(r, cfg))
        for r in JOURNEY_RULES.values()
        if is_enabled(r, cfg) and r.id not in suppressed
    ]
    if not active or table.is_empty():
        return pl.DataFrame(schema=schema)
    frame = table.lazy().with_row_index("_row")
    fired = pl.concat(
        [
            frame.filter(r.when(p).fill_null(False)).select(
                "_row",
                pl.col(JOURNEY),
                pl.col(CUSTOMER),
                pl.lit(r.id).alias("rule"),
                pl.lit(r.name).alias("name"),
                pl.lit(effective_severity(r, cfg)).alias("severity"),
                pl.lit(r.remedy).alias("remedy"),
                r.message(p).fill_null(pl.lit(r.name)).cast(pl.String).alias("message"),
            )
            for r, p in active
        ]
    )
    return fired.sort("_row", "rule").select(JOURNEY_FLAG_COLUMNS).collect().cast(schema)  # type: ignore[arg-type]
