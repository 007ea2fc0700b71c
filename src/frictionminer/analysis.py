"""The whole friction pipeline behind ``score`` and ``explain``: one call, one result.

``analyze(log, settings)`` runs classify -> paths -> measures -> score -> flags and
returns a :class:`Result` that every output reads and none recomputes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

import polars as pl

from frictionminer import schema as S
from frictionminer.errors import UsageError
from frictionminer.ingest.normalize import EventLog
from frictionminer.settings import Settings

_FLAG_FIELDS = ("rule", "name", "severity", "remedy", "message")
_FLAG_LIST = pl.List(pl.Struct({k: pl.String for k in _FLAG_FIELDS}))
SUMMARY_QUANTILES = (("median", 0.5), ("p90", 0.9))


@dataclass
class Result:
    """Scored cases, their flags and the annotated events they came from."""

    log: EventLog
    settings: Settings
    events: pl.DataFrame
    """Annotated instance events (roles, states, handoffs), sorted by case and time."""
    cases: pl.DataFrame
    """One row per case: measures, contributions, friction_score; ranked."""
    flags: pl.DataFrame
    """One row per raised flag: case_id, rule, name, severity, remedy, message."""
    instances: str
    """Which events counted as activity instances (lifecycle selection)."""

    @property
    def measure_names(self) -> tuple[str, ...]:
        from frictionminer.measures import MEASURES

        return tuple(m for m in MEASURES if m in self.cases.columns)

    def summary(self) -> dict[str, Any]:
        """Counts, share of cases flagged per rule, median and p90 of each measure."""
        from frictionminer.rules import RULES

        n = self.cases.height
        per_rule = (
            self.flags.group_by("rule").agg(pl.col(S.CASE).n_unique().alias("cases"))
            if self.flags.height
            else pl.DataFrame(
                {"rule": [], "cases": []}, schema={"rule": pl.String, "cases": pl.UInt32}
            )
        )
        counts = dict(per_rule.iter_rows())
        flagged = {
            rid: {"cases": int(counts.get(rid, 0)), "share": round(counts.get(rid, 0) / n, 4)}
            for rid in RULES
        }
        numeric = [
            m for m in (*self.measure_names, "friction_score") if self.cases.schema[m].is_numeric()
        ]
        stats = self.cases.select(
            *[pl.col(m).cast(pl.Float64).median().alias(f"{m}|median") for m in numeric],
            *[
                pl.col(m).cast(pl.Float64).quantile(0.9, "linear").alias(f"{m}|p90")
                for m in numeric
            ],
        ).row(0, named=True)
        measures = {
            m: {q: round(float(stats[f"{m}|{q}"] or 0.0), 3) for q, _ in SUMMARY_QUANTILES}
            for m in numeric
        }
        any_flag = self.flags[S.CASE].n_unique() if self.flags.height else 0
        return {
            "source": self.log.source,
            "cases": n,
            "events": self.log.events.height,
            "instances": self.instances,
            "resolved_share": round(float(self.cases["resolved"].mean() or 0.0), 4),  # type: ignore[arg-type]
            "flagged_cases": int(any_flag),
            "flagged_share": round(any_flag / n, 4) if n else 0.0,
            "flags": flagged,
            "measures": measures,
            "config": self.settings.source,
        }

    def ranked(self, top: int | None = None) -> pl.DataFrame:
        return self.cases if top is None else self.cases.head(top)

    def records_frame(self, top: int | None = None) -> pl.DataFrame:
        """The ``cases`` of the JSON contract as a frame of structs, ready to serialise.

        Built with whole-table expressions (no Python loop per case), so that
        ``--format json`` stays fast for hundreds of thousands of cases.
        """
        from frictionminer.score import SCORE_TERMS

        cases = self.ranked(top)

        def plain(name: str) -> pl.Expr:
            dtype = cases.schema[name]
            if dtype.is_float():
                return pl.col(name).round(3)
            if isinstance(dtype, pl.Datetime):
                return pl.col(name).dt.to_string("%Y-%m-%dT%H:%M:%S%.6f+00:00")
            return pl.col(name)

        flags = (
            self.flags.join(cases.select(S.CASE), on=S.CASE, how="semi")
            .sort([S.CASE, "rule"])
            .group_by(S.CASE, maintain_order=True)
            .agg(pl.struct(*_FLAG_FIELDS).alias("flags"))
        )
        extras = [
            plain(c)
            for c in ("category", "value", "peer_group", "effort_z", "value_ratio")
            if c in cases.columns
        ]
        return (
            cases.select(
                pl.col(S.CASE),
                pl.col("friction_score"),
                pl.struct([plain(m) for m in self.measure_names]).alias("measures"),
                pl.struct([pl.col(f"contrib_{t}").round(3).alias(t) for t in SCORE_TERMS]).alias(
                    "contributions"
                ),
                *extras,
            )
            .join(flags, on=S.CASE, how="left", maintain_order="left")
            .with_columns(pl.col("flags").fill_null(pl.lit([], dtype=_FLAG_LIST)))
        )

    def case_records(self, top: int | None = None) -> list[dict[str, Any]]:
        """The ``cases`` list of the JSON contract (plain builtins)."""
        return self.records_frame(top).to_dicts()

    def as_record(self, top: int | None = None) -> dict[str, Any]:
        return {"summary": self.summary(), "cases": self.case_records(top)}

    def write_json(self, fh: BinaryIO, top: int | None = None) -> None:
        """Write ``as_record`` as JSON to ``fh``; polars streams the (possibly huge) case
        list straight into the file, so no copy of it is held in memory as text."""
        import json

        summary = json.dumps(self.summary(), indent=2, ensure_ascii=False, default=str)
        fh.write(f'{{"summary": {summary},\n"cases": '.encode())
        self.records_frame(top).write_json(cast(io.IOBase, fh))
        fh.write(b"}\n")

    def as_json(self, top: int | None = None) -> str:
        """``as_record`` serialised (small results; files use :meth:`write_json`)."""
        buf = io.BytesIO()
        self.write_json(buf, top)
        return buf.getvalue().decode()

    def flat_table(self, top: int | None = None) -> pl.DataFrame:
        """One row per case for CSV/Parquet: measures, contributions, flags as ids."""
        flag_ids = self.flags.group_by(S.CASE).agg(
            pl.col("rule").sort().str.join(";").alias("flags")
        )
        cases = self.ranked(top).with_row_index("rank", offset=1)
        return cases.join(flag_ids, on=S.CASE, how="left", maintain_order="left").with_columns(
            pl.col("flags").fill_null("")
        )

    def case(self, case_id: str) -> tuple[pl.DataFrame, dict[str, Any], pl.DataFrame]:
        """Events, scored row and flags of one case; UsageError when unknown."""
        row = self.cases.filter(pl.col(S.CASE) == case_id)
        if row.height == 0:
            import difflib

            near = difflib.get_close_matches(case_id, self.cases[S.CASE].to_list(), n=1)
            hint = f"did you mean '{near[0]}'?" if near else "list cases with `frictionminer score`"
            raise UsageError(f"{self.log.source}: no case {case_id!r}", hint=hint)
        events = self.events.filter(pl.col(S.CASE) == case_id)
        flags = self.flags.filter(pl.col(S.CASE) == case_id)
        return events, row.row(0, named=True), flags


def analyze(log: EventLog, settings: Settings) -> Result:
    """Classify, reconstruct paths, measure, score and flag every case of ``log``."""
    from frictionminer.classify import classify
    from frictionminer.measures import case_measures
    from frictionminer.paths import annotate, select_instances
    from frictionminer.rules import evaluate_flags
    from frictionminer.score import score_cases

    instances, described = select_instances(log.events, settings.measures)
    events = annotate(classify(instances, settings.roles), settings)
    measures = case_measures(events, settings)
    scored = score_cases(measures, settings).sort(
        ["friction_score", S.CASE], descending=[True, False]
    )
    flags = evaluate_flags(scored, settings)
    return Result(
        log=log, settings=settings, events=events, cases=scored, flags=flags, instances=described
    )
