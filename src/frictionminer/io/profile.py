"""What is in a log: counts, time span, attributes and data-quality findings (``info``).

Computation only; rendering lives in :mod:`frictionminer.reporting`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from frictionminer import schema as S
from frictionminer.io.base import Finding
from frictionminer.io.normalize import EventLog


@dataclass(frozen=True)
class Attribute:
    name: str
    dtype: str
    role: str | None
    source: str | None
    non_null: int
    distinct: int
    level: str  # "event" or "case"


@dataclass
class LogProfile:
    source: str
    format: str
    cases: int
    events: int
    activities: int
    top_activities: list[tuple[str, int]]
    start: datetime
    end: datetime
    events_per_case: dict[str, float]
    attributes: list[Attribute]
    classifiers: dict[str, list[str]]
    findings: list[Finding] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    roles: dict[str, int] = field(default_factory=dict)
    """Events each customer role matched with the settings' ``[roles]`` (filled by
    ``info``: classifying is the engine's work, this module only reads the log)."""
    role_cases: dict[str, int] = field(default_factory=dict)
    """Cases with at least one event of each role (filled by ``info``)."""
    warnings: list[dict[str, Any]] = field(default_factory=list)
    """The roles the log does not show, as ``score``'s summary has them (filled by ``info``)."""

    def as_record(self) -> dict[str, Any]:
        """Plain builtins only: the JSON contract of ``info --format json``."""
        return {
            "source": self.source,
            "format": self.format,
            "cases": self.cases,
            "events": self.events,
            "activities": self.activities,
            "top_activities": [{"activity": a, "events": n} for a, n in self.top_activities],
            "time_span": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "events_per_case": self.events_per_case,
            "attributes": [
                {
                    "name": a.name,
                    "type": a.dtype,
                    "role": a.role,
                    "source_column": a.source,
                    "level": a.level,
                    "non_null": a.non_null,
                    "distinct": a.distinct,
                }
                for a in self.attributes
            ],
            "classifiers": self.classifiers,
            "roles": dict(self.roles),
            "role_cases": dict(self.role_cases),
            "warnings": list(self.warnings),
            "findings": [f.as_record() for f in self.findings],
            "reader": {
                k: v for k, v in self.details.items() if isinstance(v, str | int | float | bool)
            },
        }


def short_dtype(dtype: pl.DataType) -> str:
    """``datetime[us, UTC]``, ``str``, ``i64``: the names polars prints in table headers."""
    if isinstance(dtype, pl.Datetime):
        tz = f", {dtype.time_zone}" if dtype.time_zone else ""
        return f"datetime[{dtype.time_unit}{tz}]"
    names = {
        pl.String: "str",
        pl.Int64: "i64",
        pl.Int32: "i32",
        pl.Float64: "f64",
        pl.Boolean: "bool",
        pl.Date: "date",
        pl.Float32: "f32",
        pl.UInt32: "u32",
    }
    for cls, name in names.items():
        if dtype == cls:
            return name
    return str(dtype).lower()


def _quality(ev: pl.DataFrame, known: set[str] | None = None) -> list[Finding]:
    """Data-quality checks over the canonical table, each one vectorised pass."""
    out: list[Finding] = []
    keys = [
        c for c in (S.CASE, S.ACTIVITY, S.TIMESTAMP, S.RESOURCE, S.LIFECYCLE) if c in ev.columns
    ]
    dup = ev.height - ev.select(keys).n_unique()
    if dup:
        out.append(
            Finding(
                "duplicate-events",
                f"{dup} events repeat another event of the same case exactly "
                f"({', '.join(keys[1:])})",
                dup,
            )
        )
    # File order only means something within one table of a multi-table log.
    within = [S.CASE, "source_table"] if "source_table" in ev.columns else [S.CASE]
    order = ev.sort(S.EVENT_INDEX).select(
        (pl.col(S.TIMESTAMP) < pl.col(S.TIMESTAMP).shift(1).over(within)).alias("back"),
        pl.col(S.CASE),
    )
    back = order.filter(pl.col("back"))
    if back.height:
        out.append(
            Finding(
                "events-out-of-order",
                f"{back.height} events in {back[S.CASE].n_unique()} cases are earlier than "
                "the event before them in the file; cases are ordered by timestamp",
                back.height,
                "info",
            )
        )
    sizes = ev.group_by(S.CASE).len()
    singles = sizes.filter(pl.col("len") == 1).height
    if singles:
        out.append(
            Finding(
                "one-event-cases",
                f"{singles} cases have a single event (no path, no waiting time)",
                singles,
                "info",
            )
        )
    early = ev.filter(pl.col(S.TIMESTAMP).dt.year() < 1980).height
    if early:
        out.append(
            Finding(
                "implausible-timestamps",
                f"{early} events are dated before 1980 (often a missing date exported as 0)",
                early,
            )
        )
    tod = ev.select(pl.col(S.TIMESTAMP).dt.time().n_unique()).item()
    if tod == 1 and ev.height > 1 and "date-only-timestamps" not in (known or set()):
        out.append(
            Finding(
                "constant-time-of-day",
                "every timestamp has the same time of day: the log probably records dates "
                "only, so waits and durations are in whole days",
                ev.height,
                "info",
            )
        )
    return out


def profile_log(log: EventLog, *, top: int = 10) -> LogProfile:
    """Summarise ``log`` (counts, span, attributes, findings)."""
    ev = log.events
    cases = ev[S.CASE].n_unique()
    acts = ev.group_by(S.ACTIVITY).len().sort(["len", S.ACTIVITY], descending=[True, False])
    per_case = ev.group_by(S.CASE).len()["len"]
    epc = {
        "min": float(per_case.min()),  # type: ignore[arg-type]
        "p25": float(per_case.quantile(0.25) or 0),
        "median": float(per_case.median() or 0),  # type: ignore[arg-type]
        "p75": float(per_case.quantile(0.75) or 0),
        "p90": float(per_case.quantile(0.9) or 0),
        "max": float(per_case.max()),  # type: ignore[arg-type]
        "mean": round(float(per_case.mean() or 0), 3),  # type: ignore[arg-type]
    }
    role_of = {S.CANONICAL_OF_ROLE.get(r, r): r for r in log.columns}
    stats = ev.select(
        *[pl.col(c).count().alias(f"n:{c}") for c in ev.columns],
        *[pl.col(c).n_unique().alias(f"u:{c}") for c in ev.columns],
    ).row(0, named=True)
    attrs = []
    for name, dtype in ev.schema.items():
        if name == S.EVENT_INDEX:
            continue
        role = role_of.get(name)
        src = log.columns.get(role) if role else None
        attrs.append(
            Attribute(
                name=name,
                dtype=short_dtype(dtype),
                role=role,
                source="/".join(src) if isinstance(src, list) else src,
                non_null=int(stats[f"n:{name}"]),
                distinct=int(stats[f"u:{name}"]),
                level="case" if name.startswith(S.CASE_PREFIX) or name == S.CASE else "event",
            )
        )
    span = ev.select(pl.col(S.TIMESTAMP).min().alias("a"), pl.col(S.TIMESTAMP).max().alias("b"))
    return LogProfile(
        source=log.source,
        format=log.format,
        cases=cases,
        events=ev.height,
        activities=acts.height,
        top_activities=[(r[0], r[1]) for r in acts.head(top).iter_rows()],
        start=span["a"][0],
        end=span["b"][0],
        events_per_case=epc,
        attributes=attrs,
        classifiers=log.classifiers,
        findings=log.findings + _quality(ev, {f.code for f in log.findings}),
        details={**log.details, "timestamp_format": log.timestamp_format or "typed"},
    )
