"""Summaries of a run and the baselines saved from them (no case ids, no names)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from frictionminer.auditing.window import WindowReport, iso
from frictionminer.errors import InputError
from frictionminer.settings.audit import ALL_PROMISES, AUDIT_MEASURES, COMPLETED_ONLY, is_number
from frictionminer.settings.rules import rule_overrides

if TYPE_CHECKING:
    import polars as pl

    from frictionminer.engine.result import Result
    from frictionminer.settings import Settings


BASELINE_FORMAT = "frictionminer-baseline"
BASELINE_VERSION = 1


# ====================================================================== summaries (baselines)


@dataclass(frozen=True)
class RuleStat:
    cases: int
    share: float


@dataclass(frozen=True)
class PromiseStat:
    """Promises of one kind made in a run, by outcome (``open``: not decided yet)."""

    made: int
    kept: int
    broken: int
    open: int

    @property
    def decided(self) -> int:
        return self.kept + self.broken

    @property
    def kept_share(self) -> float | None:
        return self.kept / self.decided if self.decided else None


@dataclass(frozen=True)
class MeasureStat:
    """Quantiles of one measure and how many cases lie on either side of them.

    The side counts are what makes a test against this summary possible without keeping
    any case's value.
    """

    population: Literal["all", "completed"]
    n: int
    median: float
    p90: float
    above_median: int
    below_median: int
    above_p90: int
    below_p90: int

    def quantile(self, name: str) -> float:
        return float(getattr(self, name))

    def above(self, name: str) -> int:
        return int(getattr(self, f"above_{name}"))

    def below(self, name: str) -> int:
        return int(getattr(self, f"below_{name}"))


@dataclass(frozen=True)
class Summary:
    """A compact, non-identifying summary of one run: what a baseline file holds.

    No case ids, resource names, team names or activity names; only counts, shares and
    quantiles.
    """

    cases: int
    open_cases: int
    events: int
    window: dict[str, str | None]
    rules: dict[str, RuleStat]
    measures: dict[str, MeasureStat]
    fingerprint: str
    created: str
    frictionminer: str
    source: str | None = None
    """Where the summary was read from (a baseline file), not written to it."""
    promises: dict[str, PromiseStat] = dataclasses.field(default_factory=dict)
    """Promises by name (``all``: every promise together), where any was evaluated."""
    horizons: dict[float, Summary] = dataclasses.field(default_factory=dict)
    """The same figures at common follow-up horizons (hours → the cases that began at
    least H before the window's end, each observed for its first H; docs/ci.md)."""

    def horizon_record(self) -> dict[str, Any]:
        """The figures of one horizon in a baseline file."""
        return {
            "cases": self.cases,
            "open_cases": self.open_cases,
            "events": self.events,
            "rules": {k: dataclasses.asdict(v) for k, v in self.rules.items()},
            "measures": {k: dataclasses.asdict(v) for k, v in self.measures.items()},
            "promises": {k: dataclasses.asdict(v) for k, v in self.promises.items()},
        }

    def as_record(self) -> dict[str, Any]:
        return {
            "format": BASELINE_FORMAT,
            "version": BASELINE_VERSION,
            "created": self.created,
            "frictionminer": self.frictionminer,
            "settings_fingerprint": self.fingerprint,
            "window": dict(self.window),
            "cases": self.cases,
            "open_cases": self.open_cases,
            "events": self.events,
            "rules": {k: dataclasses.asdict(v) for k, v in self.rules.items()},
            "measures": {k: dataclasses.asdict(v) for k, v in self.measures.items()},
            "promises": {k: dataclasses.asdict(v) for k, v in self.promises.items()},
            "horizons": {
                hours_key(h): s.horizon_record() for h, s in sorted(self.horizons.items())
            },
        }


def hours_key(hours: float) -> str:
    """A horizon as a JSON key: ``"72"``, ``"1.5"``."""
    return f"{hours:g}"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("frictionminer")
    except PackageNotFoundError:
        return "unknown"


def settings_fingerprint(settings: Settings) -> str:
    """A short hash of everything that decides measures and flags (not columns or I/O).

    A baseline made with other roles, rules or weights measures something else; the audit
    notes the mismatch instead of reporting it as drift of the process.
    """
    parts = {
        "roles": dataclasses.asdict(settings.roles),
        "measures": dataclasses.asdict(settings.measures),
        "effort": dataclasses.asdict(settings.effort),
        "weights": dataclasses.asdict(settings.weights),
        "proportion": dataclasses.asdict(settings.proportion),
        "rules": rule_overrides(settings.rules),
    }
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def population(cases: pl.DataFrame, measure: str) -> pl.Series:
    import polars as pl

    frame = cases.filter(pl.col("resolved")) if measure in COMPLETED_ONLY else cases
    return frame.get_column(measure).cast(pl.Float64).drop_nulls()


def _measure_stats(cases: pl.DataFrame) -> dict[str, MeasureStat]:
    out: dict[str, MeasureStat] = {}
    for m in AUDIT_MEASURES:
        if m not in cases.columns:
            continue
        values = population(cases, m)
        n = values.len()
        if n == 0:
            continue
        med = float(values.quantile(0.5, "linear") or 0.0)
        p90 = float(values.quantile(0.9, "linear") or 0.0)
        out[m] = MeasureStat(
            population="completed" if m in COMPLETED_ONLY else "all",
            n=n,
            median=round(med, 6),
            p90=round(p90, 6),
            above_median=int((values > med).sum()),
            below_median=int((values < med).sum()),
            above_p90=int((values > p90).sum()),
            below_p90=int((values < p90).sum()),
        )
    return out


def summarize(result: Result, window: WindowReport) -> Summary:
    """The baseline summary of an analysed window."""
    import polars as pl

    from frictionminer.engine.rules import RULES, is_enabled

    n = result.cases.height
    per_rule: dict[str, int] = {}
    if result.flags.height:
        grouped = result.flags.group_by("rule").agg(pl.col("case_id").n_unique().alias("n"))
        per_rule = {str(r): int(c) for r, c in grouped.iter_rows()}
    rules = {
        rid: RuleStat(per_rule.get(rid, 0), round(per_rule.get(rid, 0) / n, 6) if n else 0.0)
        for rid, r in RULES.items()
        if is_enabled(r, result.settings.rules)
    }
    return Summary(
        cases=n,
        open_cases=window.open_cases,
        events=window.events,
        window={"since": iso(window.since), "until": iso(window.until), "end": iso(window.end)},
        rules=rules,
        measures=_measure_stats(result.cases),
        promises=promise_stats(result),
        fingerprint=settings_fingerprint(result.settings),
        created=iso(datetime.now(UTC).replace(microsecond=0)) or "",
        frictionminer=_version(),
    )


def promise_stats(result: Result) -> dict[str, PromiseStat]:
    """Each promise evaluated in ``result`` by outcome, and ``all`` of them together."""
    from frictionminer.engine.promises import promise_summary

    if result.promises is None or result.facts is None or not result.promises.computed:
        return {}
    summary = promise_summary(result.facts.tables, result.promises)
    keys = ("made", "kept", "broken", "open")
    out = {
        str(name): PromiseStat(*(int(record[k]) for k in keys))
        for name, record in summary["by_promise"].items()
    }
    if out:
        out[ALL_PROMISES] = PromiseStat(*(int(summary[k]) for k in keys))
    return out


def save_baseline(summary: Summary, path: Path) -> None:
    """Write the summary as a versioned JSON baseline (atomically)."""
    from frictionminer.io.outputs import write_text

    write_text(path, json.dumps(summary.as_record(), indent=2) + "\n")


def _field(source: str, data: Mapping[str, Any], key: str, where: str, kind: str) -> Any:
    dotted = f"{where}.{key}" if where else key
    if key not in data:
        raise InputError(f"{source}: baseline lacks key '{dotted}'", hint=_REMAKE)
    value = data[key]
    ok = {
        "int": isinstance(value, int) and not isinstance(value, bool) and value >= 0,
        "number": is_number(value) and math.isfinite(value),
        "share": is_number(value) and 0 <= value <= 1,
        "str": isinstance(value, str),
        "table": isinstance(value, dict),
    }[kind]
    if not ok:
        raise InputError(
            f"{source}: baseline key '{dotted}' must be {_KIND_TEXT[kind]}, not {value!r}",
            hint=_REMAKE,
        )
    return value


_REMAKE = "make a new one with `frictionminer audit LOG --save-baseline FILE`"
_KIND_TEXT = {
    "int": "a whole number >= 0",
    "number": "a number",
    "share": "a share between 0 and 1",
    "str": "a string",
    "table": "an object",
}


def load_baseline(path: Path) -> Summary:
    """Read and validate a baseline file; InputError naming the file (and key) otherwise."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{source}: no such baseline file", hint=_REMAKE) from None
    except IsADirectoryError:
        raise InputError(f"{source}: is a directory, not a baseline file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{source}: cannot read the baseline: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not a frictionminer baseline: invalid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
        raise InputError(
            f'{source}: not a frictionminer baseline (no "format": "{BASELINE_FORMAT}")',
            hint=_REMAKE,
        )
    version = data.get("version")
    if version != BASELINE_VERSION:
        raise InputError(
            f"{source}: baseline version {version!r} is not supported "
            f"(this frictionminer reads version {BASELINE_VERSION})",
            hint=_REMAKE,
        )
    cases = _field(source, data, "cases", "", "int")
    if cases == 0:
        raise InputError(f"{source}: the baseline has no cases", hint=_REMAKE)
    rules, measures = _parse_figures(source, data, cases, "")
    promises = _parse_promises(source, data, "")
    horizons: dict[float, Summary] = {}
    for key, item in (data.get("horizons") or {}).items():
        where = f"horizons.{key}"
        try:
            hours = float(key)
        except ValueError:
            raise InputError(f"{source}: baseline key '{where}' is not a number of hours") from None
        if not isinstance(item, dict):
            raise InputError(f"{source}: baseline key '{where}' must be an object", hint=_REMAKE)
        n = _field(source, item, "cases", where, "int")
        h_rules, h_measures = _parse_figures(source, item, n, where)
        h_promises = _parse_promises(source, item, where)
        horizons[hours] = Summary(
            cases=n,
            open_cases=_field(source, item, "open_cases", where, "int"),
            events=_field(source, item, "events", where, "int"),
            window={},
            rules=h_rules,
            measures=h_measures,
            promises=h_promises,
            fingerprint="",
            created="",
            frictionminer="",
        )
    window = data.get("window") if isinstance(data.get("window"), dict) else {}
    return Summary(
        cases=cases,
        open_cases=int(data.get("open_cases") or 0),
        events=int(data.get("events") or 0),
        window={k: (str(v) if v is not None else None) for k, v in (window or {}).items()},
        rules=rules,
        measures=measures,
        promises=promises,
        fingerprint=str(data.get("settings_fingerprint") or ""),
        created=str(data.get("created") or ""),
        frictionminer=str(data.get("frictionminer") or ""),
        source=source,
        horizons=horizons,
    )


def _parse_figures(
    source: str, data: Mapping[str, Any], cases: int, prefix: str
) -> tuple[dict[str, RuleStat], dict[str, MeasureStat]]:
    """The ``rules`` and ``measures`` of a baseline (or of one of its horizons)."""
    dot = f"{prefix}." if prefix else ""
    rules: dict[str, RuleStat] = {}
    for rid, item in _field(source, data, "rules", prefix, "table").items():
        where = f"{dot}rules.{rid}"
        if not isinstance(item, dict):
            raise InputError(f"{source}: baseline key '{where}' must be an object", hint=_REMAKE)
        rules[rid] = RuleStat(
            cases=_field(source, item, "cases", where, "int"),
            share=float(_field(source, item, "share", where, "share")),
        )
        if rules[rid].cases > cases:
            raise InputError(f"{source}: baseline key '{where}.cases' exceeds '{dot}cases'")
    measures: dict[str, MeasureStat] = {}
    for name, item in _field(source, data, "measures", prefix, "table").items():
        where = f"{dot}measures.{name}"
        if not isinstance(item, dict):
            raise InputError(f"{source}: baseline key '{where}' must be an object", hint=_REMAKE)
        population = _field(source, item, "population", where, "str")
        if population not in ("all", "completed"):
            raise InputError(
                f"{source}: baseline key '{where}.population' must be 'all' or 'completed'"
            )
        stat = MeasureStat(
            population=population,
            n=_field(source, item, "n", where, "int"),
            median=float(_field(source, item, "median", where, "number")),
            p90=float(_field(source, item, "p90", where, "number")),
            above_median=_field(source, item, "above_median", where, "int"),
            below_median=_field(source, item, "below_median", where, "int"),
            above_p90=_field(source, item, "above_p90", where, "int"),
            below_p90=_field(source, item, "below_p90", where, "int"),
        )
        for side in ("above_median", "below_median", "above_p90", "below_p90"):
            if getattr(stat, side) > stat.n:
                raise InputError(f"{source}: baseline key '{where}.{side}' exceeds '{where}.n'")
        measures[name] = stat
    return rules, measures


def _parse_promises(source: str, data: Mapping[str, Any], prefix: str) -> dict[str, PromiseStat]:
    """The ``promises`` of a baseline (absent in baselines saved before promises: none)."""
    if "promises" not in data:
        return {}
    dot = f"{prefix}." if prefix else ""
    out: dict[str, PromiseStat] = {}
    for name, item in _field(source, data, "promises", prefix, "table").items():
        where = f"{dot}promises.{name}"
        if not isinstance(item, dict):
            raise InputError(f"{source}: baseline key '{where}' must be an object", hint=_REMAKE)
        stat = PromiseStat(*(_field(source, item, k, where, "int") for k in _PROMISE_KEYS))
        if stat.kept + stat.broken + stat.open != stat.made:
            raise InputError(
                f"{source}: baseline key '{where}': kept, broken and open do not add up to made",
                hint=_REMAKE,
            )
        out[str(name)] = stat
    return out


_PROMISE_KEYS = ("made", "kept", "broken", "open")
