"""CI audit of a (weekly) log: gates, baselines and statistically significant drift.

``run_audit(log, settings, baseline=..., window=...)`` analyses the events of one time
window, evaluates the gates of the ``[audit]`` config table, compares the week with a saved
baseline and returns an :class:`AuditResult` whose ``status`` follows a worst-status rule
(``fail`` > ``warn`` > ``pass``).  Writers (``frictionminer.report.audit``) turn it into text,
JSON, JUnit, GitHub annotations or Markdown; only the CLI maps the status to an exit code.

Why statistics at all: a CI job audits small weekly samples.  A week of 40 cases in which
one case bounced between teams has a ping-pong share of 2.5%, and a baseline of 2% is not
"25% worse" in any sense that should wake anyone up.  Every limit on a *share* or a
*quantile* therefore needs evidence before it fails a build; counts and "never" rules are
exact and fail as soon as they are crossed.  See docs/ci.md for the full explanation.

Tests (all in pure Python; scipy is not a dependency and its import costs half a second):

* **Flagged share vs baseline** — two-proportion z-test (pooled), replaced by Fisher's exact
  test when any expected cell count is below 5, the usual validity rule for the normal
  approximation.  Tiny weeks therefore get an exact test and cannot alert on one case.
* **Quantile vs baseline** — the baseline holds no per-case values (no personal data, and it
  must stay small), so a Mann-Whitney test or a bootstrap is impossible.  Instead the baseline
  stores, for its median and p90, how many of its cases lay above and below that value.
  The week is compared at the same point: the share of this week's cases above the baseline's
  median is tested against the baseline's share above it (a two-proportion test as above;
  this is Mood's median test anchored at the baseline median).  Storing the counts on both
  sides makes it correct for count measures with many ties (most cases have exactly 2
  contacts), where "half above, half below" is false.
* **Absolute limits on shares and quantiles** — exact one-sided binomial tests: a rule's flag
  rate exceeds ``limit`` when ``P(X >= flagged | n, limit) < alpha``; a median exceeds ``L``
  when significantly more than half the cases lie above ``L`` (p90: more than 10%).
* **Multiplicity** — a run makes 30-40 tests; at 5% each, two weeks of the same process
  would "differ" somewhere most of the time.  All p-values of a run form one family and are
  adjusted with Holm's step-down method, so ``alpha`` is the chance that a run raises any
  false alarm.

Windows and censoring (exactly; docs/ci.md repeats it for users):

* ``--since`` is inclusive, ``--until`` exclusive; a date-only ``--until`` includes that whole
  day.  ``--window 7d`` is the 7 days up to the log's last event (or ending at ``--until``,
  or starting at ``--since``).  Events outside the window are dropped; a case that began
  before the window is seen from its first event inside it (counted as ``carried_in``).
  With ``--cases started`` only the cases that began inside the window are audited (a
  weekly cohort): no case is truncated at the start, which is what comparing weeks of a
  log with long-running cases needs.
* The window's *end* is ``--until``, capped at the log's last event (the log cannot know
  about time after its extraction), and the log's last event when there is no ``--until``.
* A case is **open** when it has no resolution event inside the window.  Its waits run up to
  the window's end: the engine appends an invisible, role-less "window end" event to each
  open case, so ``customer_wait_hours`` and ``silent_wait_max_hours`` include the time from
  its last event to the end when the ball is in the company's court (they are lower bounds:
  right-censored).  Counts (contacts, tasks, handoffs, effort) are those so far.  The
  synthetic event is not counted in ``events`` and does not appear in the result's events.
* ``duration_hours`` is a *completed* statistic: its quantiles use resolved cases only
  (for an open case it is its age at the window's end).  Every other measure's quantiles use
  all cases of the window.  Open cases raise FM009 as usual, so the open share is visible.
"""

from __future__ import annotations

import dataclasses
import difflib
import glob as globmod
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from frictionminer.errors import ConfigError, InputError, UsageError

if TYPE_CHECKING:
    import polars as pl

    from frictionminer.engine.result import Result
    from frictionminer.io.normalize import EventLog
    from frictionminer.settings import Settings

Status = Literal["pass", "warn", "fail"]
STATUS_ORDER: dict[str, int] = {"pass": 0, "warn": 1, "fail": 2}
"""Worst-status rule: the run's status is the worst of its gates' (none → pass)."""

Verdict = Literal["worse", "better", "no significant change"]

BASELINE_FORMAT = "frictionminer-baseline"
BASELINE_VERSION = 1
AUDIT_FORMAT = "frictionminer-audit"

AUDIT_MEASURES: tuple[str, ...] = (
    "interactions",
    "customer_tasks",
    "repeat_requests",
    "customer_wait_hours",
    "silent_wait_max_hours",
    "handoffs",
    "ping_pongs",
    "external_handoffs",
    "channel_switches",
    "reexplanations",
    "duration_hours",
    "effort_minutes",
    "friction_score",
)
"""Measures whose quantiles are gated and compared (higher is worse for all of them).
``events`` is left out: internal work is not customer burden."""
COMPLETED_ONLY: frozenset[str] = frozenset({"duration_hours"})
"""Measures whose quantiles use resolved cases only (an open case has no duration yet)."""
CENSORED: frozenset[str] = frozenset({"customer_wait_hours", "silent_wait_max_hours"})
"""Measures counted up to the window's end for open cases (right-censored lower bounds)."""
QUANTILES: dict[str, float] = {"median": 0.5, "p90": 0.9}

WINDOW_END_ACTIVITY = "(window end)"
_SYNTHETIC = "_audit_window_end"


# ====================================================================== config: [audit]


@dataclass(frozen=True)
class Limit:
    """A gate's limit: absolute, or relative to the baseline (``"+10%"``, ``"+1"``)."""

    absolute: float | None = None
    pct: float | None = None
    """``"+10%"``: the baseline value × 1.10."""
    add: float | None = None
    """``"+1"``: the baseline value + 1."""

    @property
    def relative(self) -> bool:
        return self.absolute is None

    def resolve(self, base: float | None) -> float:
        if self.absolute is not None:
            return self.absolute
        if base is None:
            raise UsageError("a relative limit needs a baseline")
        if self.pct is not None:
            return base * (1.0 + self.pct / 100.0)
        return base + (self.add or 0.0)

    def text(self) -> str:
        if self.absolute is not None:
            return f"{self.absolute:g}"
        if self.pct is not None:
            return f"baseline +{self.pct:g}%"
        return f"baseline +{self.add:g}"


_RELATIVE = re.compile(r"^\s*(?:baseline\s*)?\+\s*(\d+(?:\.\d+)?)\s*(%?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class GateKind:
    """One kind of gate in the ``[audit]`` table: what it measures and how it may fail."""

    key: str
    subject: Literal["rule", "measure"]
    value: str
    """What the gate's value is, for docs and messages."""
    tested: bool
    """True: a breach needs statistical evidence (shares, quantiles); False: exact counts."""
    integer: bool = False
    share: bool = False
    doc: str = ""


GATE_KINDS: dict[str, GateKind] = {
    k.key: k
    for k in (
        GateKind(
            "max_flag_share",
            "rule",
            "share of cases flagged by the rule",
            tested=True,
            share=True,
            doc="Largest acceptable share (0..1) of cases a rule flags, e.g. FM005 = 0.10.",
        ),
        GateKind(
            "max_flag_cases",
            "rule",
            "number of cases flagged by the rule",
            tested=False,
            integer=True,
            doc="Largest acceptable number of cases a rule flags, e.g. FM009 = 25.",
        ),
        GateKind(
            "never",
            "rule",
            "number of cases flagged by the rule",
            tested=False,
            integer=True,
            doc="Rules that must never fire: one flagged case fails the audit.",
        ),
        GateKind(
            "max_median",
            "measure",
            "median of the measure",
            tested=True,
            doc="Largest acceptable median of a measure, e.g. silent_wait_max_hours = 48.",
        ),
        GateKind(
            "max_p90",
            "measure",
            "90th percentile of the measure",
            tested=True,
            doc="Largest acceptable 90th percentile of a measure, e.g. customer_wait_hours = 240.",
        ),
    )
}
"""The gate kinds, by config key.  Adding one means one entry here and one evaluator in
:data:`_EVALUATORS`."""


@dataclass(frozen=True)
class GateSpec:
    kind: str
    subject: str
    limit: Limit

    @property
    def name(self) -> str:
        return f"{self.kind}.{self.subject}"


@dataclass(frozen=True)
class BaselineGateSettings:
    """``[audit.baseline]``: the default gates that compare with ``--baseline``."""

    gates: Literal["auto", "always", "never"] = "auto"
    """auto: only when no other gate is configured; always; never."""
    max_worse_pct: float = 0.0
    """A significant worsening must also exceed this margin (percent of the baseline value)."""
    rules: tuple[str, ...] | None = None
    """Rules whose flagged share is gated (None: every enabled rule)."""
    measures: tuple[str, ...] | None = None
    """Measures whose median is gated (None: every audited measure)."""


@dataclass(frozen=True)
class AuditSettings:
    """The validated ``[audit]`` table."""

    alpha: float = 0.05
    significance: bool = True
    gates: tuple[GateSpec, ...] = ()
    baseline: BaselineGateSettings = field(default_factory=BaselineGateSettings)


_TOP_KEYS = ("alpha", "significance", *GATE_KINDS, "baseline")
_BASELINE_KEYS = ("gates", "max_worse_pct", "rules", "measures")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _unknown(source: str, key: str, known: Sequence[str], prefix: str) -> ConfigError:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"did you mean '{prefix}{close[0]}'?" if close else f"known: {', '.join(known)}"
    return ConfigError(f"{source}: unknown key '{prefix}{key}'", hint=hint)


def _check_subject(source: str, key: str, subject: str, kind: str) -> None:
    from frictionminer.engine.rules import RULES

    known = list(RULES) if kind == "rule" else list(AUDIT_MEASURES)
    if subject not in known:
        close = difflib.get_close_matches(subject, known, n=1)
        what = "rule" if kind == "rule" else "measure"
        hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
        raise ConfigError(f"{source}: key '{key}': unknown {what} {subject!r}", hint=hint)


def _parse_limit(source: str, key: str, value: Any, kind: GateKind) -> Limit:
    if isinstance(value, str):
        m = _RELATIVE.match(value)
        if not m:
            raise ConfigError(
                f"{source}: key '{key}': bad relative limit {value!r}",
                hint='write a number, or "+10%" / "+1" for the baseline value plus a margin',
            )
        number = float(m.group(1))
        return Limit(pct=number) if m.group(2) else Limit(add=number)
    if not _is_number(value):
        raise ConfigError(
            f"{source}: key '{key}' must be a number or a relative limit such as \"+10%\", "
            f"not {type(value).__name__} {value!r}"
        )
    if value < 0:
        raise ConfigError(f"{source}: key '{key}' must not be negative")
    if kind.share and value > 1:
        raise ConfigError(
            f"{source}: key '{key}' is a share between 0 and 1, not {value!r}",
            hint=f"for {value}% write {value / 100:g}",
        )
    if kind.integer and not isinstance(value, int):
        raise ConfigError(f"{source}: key '{key}' must be a whole number, not {value!r}")
    return Limit(absolute=float(value))


def _string_list(source: str, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: key '{key}' must be a list of strings, not {value!r}")
    return list(value)


def parse_audit_settings(table: Mapping[str, Any] | None, *, source: str) -> AuditSettings:
    """Validate the raw ``[audit]`` table; every error names the file and the dotted key."""
    table = dict(table or {})
    alpha, significance = 0.05, True
    gates: list[GateSpec] = []
    base = BaselineGateSettings()
    for key, value in table.items():
        dotted = f"audit.{key}"
        if key not in _TOP_KEYS:
            raise _unknown(source, key, _TOP_KEYS, "audit.")
        if key == "alpha":
            if not _is_number(value) or not 0 < value < 1:
                raise ConfigError(
                    f"{source}: key '{dotted}' must be a number between 0 and 1, not {value!r}",
                    hint="0.05 is usual; smaller means fewer, surer alarms",
                )
            alpha = float(value)
        elif key == "significance":
            if not isinstance(value, bool):
                raise ConfigError(f"{source}: key '{dotted}' must be true or false")
            significance = value
        elif key == "never":
            for subject in _string_list(source, dotted, value):
                _check_subject(source, dotted, subject, "rule")
                gates.append(GateSpec("never", subject, Limit(absolute=0.0)))
        elif key == "baseline":
            base = _parse_baseline_table(source, value)
        else:
            kind = GATE_KINDS[key]
            if not isinstance(value, dict):
                raise ConfigError(
                    f"{source}: key '{dotted}' must be a table such as "
                    f"{key} = {{ {'FM005' if kind.subject == 'rule' else 'interactions'} = ... }}"
                )
            for subject, limit in value.items():
                _check_subject(source, f"{dotted}.{subject}", subject, kind.subject)
                parsed = _parse_limit(source, f"{dotted}.{subject}", limit, kind)
                gates.append(GateSpec(key, subject, parsed))
    return AuditSettings(alpha=alpha, significance=significance, gates=tuple(gates), baseline=base)


def _parse_baseline_table(source: str, value: Any) -> BaselineGateSettings:
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: 'audit.baseline' must be a table ([audit.baseline])")
    out: dict[str, Any] = {}
    for key, item in value.items():
        dotted = f"audit.baseline.{key}"
        if key not in _BASELINE_KEYS:
            raise _unknown(source, key, _BASELINE_KEYS, "audit.baseline.")
        if key == "gates":
            if item not in ("auto", "always", "never"):
                raise ConfigError(
                    f'{source}: key \'{dotted}\' must be "auto", "always" or "never", not {item!r}'
                )
            out[key] = item
        elif key == "max_worse_pct":
            if not _is_number(item) or item < 0:
                raise ConfigError(f"{source}: key '{dotted}' must be a number >= 0, not {item!r}")
            out[key] = float(item)
        else:
            kind = "rule" if key == "rules" else "measure"
            items = _string_list(source, dotted, item)
            for subject in items:
                _check_subject(source, dotted, subject, kind)
            out[key] = tuple(items)
    return BaselineGateSettings(**out)


def audit_settings(settings: Settings) -> AuditSettings:
    """The ``[audit]`` table of ``settings`` (a raw table on ``Settings.audit``), validated."""
    raw = getattr(settings, "audit", None) or {}
    return parse_audit_settings(raw, source=settings.source)


# ====================================================================== statistics


def _norm_sf(z: float) -> float:
    """P(Z >= z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _tail(logpmf: Callable[[int], float], start: int, stop: int, step: int) -> float:
    """Sum pmf(k) for k = start, start+step, ... up to ``stop`` (inclusive).

    The pmfs used here (binomial, hypergeometric) are log-concave, so once the terms
    shrink they keep shrinking: the sum stops when a term no longer changes it.  This keeps
    exact tests of 100,000-case weeks to a few hundred terms.
    """
    total, k = 0.0, start
    peak = -math.inf
    while (k <= stop) if step > 0 else (k >= stop):
        lp = logpmf(k)
        term = math.exp(lp)
        total += term
        peak = max(peak, lp)
        if lp < peak and term < total * 1e-17:
            break
        k += step
    return min(total, 1.0)


def _lchoose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def binom_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), exactly."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    lp, lq = math.log(p), math.log1p(-p)

    def logpmf(j: int) -> float:
        return _lchoose(n, j) + j * lp + (n - j) * lq

    mode = int((n + 1) * p)
    if k > mode:
        return _tail(logpmf, k, n, 1)
    return max(0.0, 1.0 - _tail(logpmf, k - 1, 0, -1))


def _hypergeom_tails(x: int, n_draw: int, successes: int, total: int) -> tuple[float, float]:
    """(P(X >= x), P(X <= x)) for X ~ Hypergeometric(total, successes, n_draw)."""
    lo, hi = max(0, n_draw - (total - successes)), min(successes, n_draw)
    base = _lchoose(total, n_draw)

    def logpmf(j: int) -> float:
        return _lchoose(successes, j) + _lchoose(total - successes, n_draw - j) - base

    upper = _tail(logpmf, x, hi, 1) if x <= hi else 0.0
    lower = _tail(logpmf, x, lo, -1) if x >= lo else 0.0
    return min(upper, 1.0), min(lower, 1.0)


@dataclass(frozen=True)
class ProportionTest:
    """One-sided p-values of "the current share is higher" (worse) and "lower" (better)."""

    p_worse: float
    p_better: float
    test: str


def compare_proportions(x0: int, n0: int, x1: int, n1: int) -> ProportionTest:
    """Baseline ``x0/n0`` against current ``x1/n1``.

    Pooled two-proportion z-test; Fisher's exact test when an expected cell count is below 5
    (small weeks, rare flags), where the normal approximation is unreliable.
    """
    if n0 <= 0 or n1 <= 0:
        return ProportionTest(1.0, 1.0, "none")
    total, k = n0 + n1, x0 + x1
    expected = [n * k / total for n in (n0, n1)] + [n * (total - k) / total for n in (n0, n1)]
    if min(expected) < 5:
        upper, lower = _hypergeom_tails(x1, n1, k, total)
        return ProportionTest(upper, lower, "fisher-exact")
    pooled = k / total
    se = math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    if se == 0:
        return ProportionTest(1.0, 1.0, "two-proportion-z")
    z = (x1 / n1 - x0 / n0) / se
    return ProportionTest(_norm_sf(z), _norm_sf(-z), "two-proportion-z")


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error rate control)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


# ====================================================================== windows


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def _parse_instant(text: str, option: str, *, end_of_day: bool) -> datetime:
    raw = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            day = date.fromisoformat(raw)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end_of_day else moment
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise UsageError(
            f"{option} {text!r}: not an ISO date or date-time",
            hint="e.g. 2024-05-06 or 2024-05-06T08:00 (UTC unless an offset is given)",
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Window:
    """The time window asked for on the command line (before the log is known)."""

    since: datetime | None = None
    """Inclusive lower bound (UTC)."""
    until: datetime | None = None
    """Exclusive upper bound (UTC); a date-only ``--until`` is the end of that day."""
    length: timedelta | None = None
    """``--window``: the length, anchored at --since, --until or the log's last event."""
    cases: Literal["active", "started"] = "active"
    """``active``: every case with an event in the window (seen from its first event
    inside); ``started``: only the cases whose first event in the whole log lies in the
    window — a weekly cohort, free of cases truncated at the window's start."""

    @classmethod
    def parse(
        cls,
        since: str | None,
        until: str | None,
        window: str | None,
        cases: str = "active",
    ) -> Window:
        """From the command-line strings; UsageError naming the option when one is bad."""
        start = _parse_instant(since, "--since", end_of_day=False) if since else None
        stop = _parse_instant(until, "--until", end_of_day=True) if until else None
        length = None
        if window is not None:
            m = _DURATION.match(window)
            if not m or float(m.group(1)) <= 0:
                raise UsageError(
                    f"--window {window!r}: not a duration",
                    hint="a number and a unit: 7d, 36h or 2w",
                )
            length = float(m.group(1)) * _UNITS[m.group(2).lower()]
            if start is not None and stop is not None:
                raise UsageError(
                    "--window cannot be combined with both --since and --until",
                    hint="give two of the three",
                )
            if start is not None:
                stop, length = start + length, None
            elif stop is not None:
                start, length = stop - length, None
        if start is not None and stop is not None and start >= stop:
            raise UsageError(f"--since {since} is not before --until {until}")
        if cases not in ("active", "started"):
            raise UsageError(f"--cases {cases!r}: choose 'active' or 'started'")
        return cls(since=start, until=stop, length=length, cases=cases)  # type: ignore[arg-type]

    @property
    def given(self) -> bool:
        return self.since is not None or self.until is not None or self.length is not None


@dataclass(frozen=True)
class WindowReport:
    """The window as applied to the log, and what it did to the log's events and cases."""

    since: datetime | None
    until: datetime | None
    end: datetime
    """Where open cases' waits stop: --until capped at the log's last event."""
    log_first: datetime
    log_last: datetime
    events: int
    events_before: int
    events_after: int
    cases: int
    cohort: str
    open_cases: int
    carried_in: int
    """Cases with events before the window as well (seen from their first event inside)."""

    def as_record(self) -> dict[str, Any]:
        return {
            "since": _iso(self.since),
            "until": _iso(self.until),
            "end": _iso(self.end),
            "log_first_event": _iso(self.log_first),
            "log_last_event": _iso(self.log_last),
            "events": self.events,
            "events_before_window": self.events_before,
            "events_after_window": self.events_after,
            "cases": self.cases,
            "cohort": self.cohort,
            "open_cases": self.open_cases,
            "carried_in": self.carried_in,
        }


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# ====================================================================== loading several files

_LOG_SUFFIXES = (".xes", ".xes.gz", ".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet", ".pq")


def _log_files(spec: str) -> list[Path] | None:
    """The files a glob or directory names, or None when ``spec`` is a single file."""
    if any(ch in spec for ch in "*?["):
        files = sorted(Path(p) for p in globmod.glob(spec, recursive=True) if Path(p).is_file())
        if not files:
            raise InputError(f"{spec}: no file matches this pattern")
        return files
    path = Path(spec)
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and not p.name.startswith(".") and p.name.lower().endswith(_LOG_SUFFIXES)
        )
        if not files:
            raise InputError(
                f"{spec}: the folder holds no event log", hint="XES, CSV or Parquet files"
            )
        return files
    return None


def load_logs(spec: str | Path, settings: Settings, window: Window | None = None) -> EventLog:
    """Load a file, a directory or a glob of weekly exports as one log.

    A folder written by ``convert --partition-by`` is read through its manifest, and with
    a ``window`` only the partitions that can hold the window's audited cases are opened
    (:func:`frictionminer.io.partitions.select_partitions`).

    Parquet folders and globs go to :func:`frictionminer.io.load` as they are.  Several
    CSV or XES files (or a mix) are read one by one and concatenated in sorted path order
    with a fresh ``event_index`` (so ties keep file order); an event repeated in an
    overlapping export (same case, activity, time, resource, team, channel, lifecycle) is
    kept as often as the file with most copies has it, and the dropped copies are counted.
    """
    import polars as pl

    from frictionminer import schema as S
    from frictionminer.io import load
    from frictionminer.io.base import Finding

    text = str(spec)
    if window is not None and window.given and Path(text).is_dir():
        pruned = _load_pruned(text, settings, window)
        if pruned is not None:
            return pruned
    files = _log_files(text)
    if files is None or len(files) == 1:
        return load(files[0] if files else text, settings)
    if all(f.name.lower().endswith((".parquet", ".pq")) for f in files):
        return load(text, settings)
    logs = [load(f, settings) for f in files]
    frames, offset = [], 0
    for i, log in enumerate(logs):
        frames.append(
            log.events.with_columns(
                (pl.col(S.EVENT_INDEX) + offset).alias(S.EVENT_INDEX),
                pl.lit(i, dtype=pl.Int32).alias("_file"),
            )
        )
        offset += log.events.height
    events = pl.concat(frames, how="diagonal_relaxed")
    key = [c for c in S.CANONICAL if c in events.columns and c != S.EVENT_INDEX]
    occurrence = pl.int_range(pl.len()).over([*key, "_file"]).alias("_occ")
    deduped = (
        events.with_columns(occurrence)
        .unique(subset=[*key, "_occ"], keep="first", maintain_order=True)
        .drop("_occ", "_file")
    )
    findings = [f for log in logs for f in log.findings]
    dropped = events.height - deduped.height
    if dropped:
        findings.append(
            Finding(
                "duplicate-events-dropped",
                f"{dropped} events appeared in more than one file and were kept once",
                count=dropped,
            )
        )
    first = logs[0]
    return dataclasses.replace(
        first,
        events=deduped,
        source=f"{text} ({len(files)} files)",
        format="+".join(sorted({log.format for log in logs})),
        findings=findings,
        details={**first.details, "files": [str(f) for f in files]},
    )


def _load_pruned(directory: str, settings: Settings, window: Window) -> EventLog | None:
    """The partitions of a ``convert --partition-by`` folder that the window needs.

    None when the folder has no manifest (then every file is read).  The window is
    resolved against the manifest's last event exactly as :func:`analyze_window` resolves
    it against the log's, so both choose the same span.
    """
    from frictionminer.io import load
    from frictionminer.io.partitions import read_manifest, select_partitions

    manifest = read_manifest(directory)
    if manifest is None or not manifest.partitions:
        return None
    since, until = window.since, window.until
    if window.length is not None:
        since, until = manifest.last_event - window.length, None
    chosen = select_partitions(
        manifest, since, until, started_only=window.cases == "started" and since is not None
    )
    if not chosen:
        raise InputError(
            f"{directory}: no events in the window {_iso(since) or '…'} – {_iso(until) or '…'}",
            hint=f"the log runs from {_iso(manifest.first_event)} to {_iso(manifest.last_event)}",
        )
    return load(directory, settings, partitions=[p.key for p in chosen])


# ====================================================================== the windowed analysis


def analyze_window(
    log: EventLog, settings: Settings, window: Window
) -> tuple[Result, WindowReport]:
    """Analyse the events of ``window`` with open cases censored at the window's end.

    The same pipeline as :func:`frictionminer.engine.pipeline.analyze` (classify, paths, measures,
    score, flags), with one step between classify and paths: each case without a
    resolution gets a role-less event at the window's end, so its waits run to the end.
    """
    import polars as pl

    from frictionminer import schema as S
    from frictionminer.engine.classify import ROLE_COLUMNS, classify
    from frictionminer.engine.measures import case_measures
    from frictionminer.engine.paths import annotate, select_instances
    from frictionminer.engine.result import Result
    from frictionminer.engine.rules import evaluate_flags
    from frictionminer.engine.score import score_cases

    events = log.events
    if events.height == 0:
        raise InputError(f"{log.source}: the log has no events")
    ts = pl.col(S.TIMESTAMP)
    first_ts, last_ts = events.select(ts.min().alias("a"), ts.max().alias("b")).row(0)
    bounds = log.details.get("log_bounds")
    if isinstance(bounds, tuple) and log.details.get("partitions_read") != log.details.get(
        "partitions"
    ):
        # Only some partitions were read: the log's span comes from the manifest, so the
        # window (--window 7d: up to the log's last event) and its end are the same.
        first_ts, last_ts = bounds
    since, until = window.since, window.until
    if window.length is not None:  # the last N days up to the log's last event
        since, until = last_ts - window.length, None
    end = last_ts if until is None else min(until, last_ts)
    inside = pl.lit(True)
    if since is not None:
        inside = inside & (ts >= since)
    if until is not None:
        inside = inside & (ts < until)
    counts = events.select(
        (ts < since).sum().alias("before") if since is not None else pl.lit(0).alias("before"),
        (ts >= until).sum().alias("after") if until is not None else pl.lit(0).alias("after"),
    ).row(0, named=True)
    windowed = events.filter(inside)
    if window.cases == "started" and since is not None:
        starts = events.group_by(S.CASE).agg(ts.min().alias("_first"))
        cohort = starts.filter(pl.col("_first") >= since).select(S.CASE)
        windowed = windowed.join(cohort, on=S.CASE, how="semi", maintain_order="left")
    if windowed.height == 0:
        raise InputError(
            f"{log.source}: no events in the window {_iso(since) or '…'} – {_iso(until) or '…'}",
            hint=f"the log runs from {_iso(first_ts)} to {_iso(last_ts)}",
        )
    carried_in = 0
    if since is not None and counts["before"]:
        earlier = events.filter(ts < since).select(S.CASE).unique()
        carried_in = windowed.select(S.CASE).unique().join(earlier, on=S.CASE).height

    instances, described = select_instances(windowed, settings.measures)
    classified = classify(instances, settings.roles).with_columns(pl.lit(False).alias(_SYNTHETIC))
    resolution = ROLE_COLUMNS["resolution"]
    open_ids = classified.group_by(S.CASE).agg(pl.col(resolution).any().alias("_resolved"))
    open_ids = open_ids.filter(~pl.col("_resolved")).select(S.CASE)
    if open_ids.height:
        start_index = int(classified[S.EVENT_INDEX].max() or 0) + 1  # type: ignore[arg-type]
        tail = (
            classified.join(open_ids, on=S.CASE)
            .sort(S.CASE, S.TIMESTAMP, S.EVENT_INDEX)
            .group_by(S.CASE, maintain_order=True)
            .last()
            .select(classified.columns)
        )
        tail = tail.with_columns(
            pl.lit(end).cast(S.TIMESTAMP_DTYPE).alias(S.TIMESTAMP),
            (pl.int_range(pl.len(), dtype=pl.Int64) + start_index).alias(S.EVENT_INDEX),
            pl.lit(WINDOW_END_ACTIVITY).alias(S.ACTIVITY),
            *[pl.lit(False).alias(c) for c in ROLE_COLUMNS.values()],
            pl.lit(True).alias(_SYNTHETIC),
        )
        classified = pl.concat([classified, tail.select(classified.columns)])
    annotated = annotate(classified, settings)
    measures = case_measures(annotated, settings)
    synthetic = annotated.group_by(S.CASE).agg(pl.col(_SYNTHETIC).sum().cast(pl.Int64).alias("_s"))
    measures = (
        measures.join(synthetic, on=S.CASE, how="left")
        .with_columns((pl.col("events") - pl.col("_s")).alias("events"))
        .drop("_s")
    )
    scored = score_cases(measures, settings).sort(
        ["friction_score", S.CASE], descending=[True, False]
    )
    flags = evaluate_flags(scored, settings)
    real_events = annotated.filter(~pl.col(_SYNTHETIC)).drop(_SYNTHETIC)
    result = Result(
        log=dataclasses.replace(log, events=windowed),
        settings=settings,
        events=real_events,
        cases=scored,
        flags=flags,
        instances=described,
    )
    report = WindowReport(
        since=since,
        until=until,
        end=end,
        log_first=first_ts,
        log_last=last_ts,
        events=windowed.height,
        events_before=int(counts["before"]),
        events_after=int(counts["after"]),
        cases=scored.height,
        cohort=window.cases,
        open_cases=open_ids.height,
        carried_in=carried_in,
    )
    return result, report


# ====================================================================== summaries (baselines)


@dataclass(frozen=True)
class RuleStat:
    cases: int
    share: float


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
        }


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
        "rules": settings.rules,
    }
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _population(cases: pl.DataFrame, measure: str) -> pl.Series:
    import polars as pl

    frame = cases.filter(pl.col("resolved")) if measure in COMPLETED_ONLY else cases
    return frame.get_column(measure).cast(pl.Float64).drop_nulls()


def _measure_stats(cases: pl.DataFrame) -> dict[str, MeasureStat]:
    out: dict[str, MeasureStat] = {}
    for m in AUDIT_MEASURES:
        if m not in cases.columns:
            continue
        values = _population(cases, m)
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
        window={"since": _iso(window.since), "until": _iso(window.until), "end": _iso(window.end)},
        rules=rules,
        measures=_measure_stats(result.cases),
        fingerprint=settings_fingerprint(result.settings),
        created=_iso(datetime.now(UTC).replace(microsecond=0)) or "",
        frictionminer=_version(),
    )


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
        "number": _is_number(value) and math.isfinite(value),
        "share": _is_number(value) and 0 <= value <= 1,
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
    rules: dict[str, RuleStat] = {}
    for rid, item in _field(source, data, "rules", "", "table").items():
        where = f"rules.{rid}"
        if not isinstance(item, dict):
            raise InputError(f"{source}: baseline key '{where}' must be an object", hint=_REMAKE)
        rules[rid] = RuleStat(
            cases=_field(source, item, "cases", where, "int"),
            share=float(_field(source, item, "share", where, "share")),
        )
        if rules[rid].cases > cases:
            raise InputError(f"{source}: baseline key '{where}.cases' exceeds 'cases'")
    measures: dict[str, MeasureStat] = {}
    for name, item in _field(source, data, "measures", "", "table").items():
        where = f"measures.{name}"
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
    window = data.get("window") if isinstance(data.get("window"), dict) else {}
    return Summary(
        cases=cases,
        open_cases=int(data.get("open_cases") or 0),
        events=int(data.get("events") or 0),
        window={k: (str(v) if v is not None else None) for k, v in (window or {}).items()},
        rules=rules,
        measures=measures,
        fingerprint=str(data.get("settings_fingerprint") or ""),
        created=str(data.get("created") or ""),
        frictionminer=str(data.get("frictionminer") or ""),
        source=source,
    )


# ====================================================================== comparisons and gates


@dataclass
class Comparison:
    """This run against the baseline for one rule's flagged share or one measure's quantile."""

    metric: Literal["flag_share", "median", "p90"]
    subject: str
    baseline: float
    current: float
    baseline_n: int
    current_n: int
    baseline_count: int
    """Flagged cases (share) or cases above the baseline quantile, in the baseline."""
    current_count: int
    """The same count in this run (for quantiles: cases above the *baseline's* quantile)."""
    test: str
    p_worse: float
    p_better: float
    p_value: float = 1.0
    """Two-sided: twice the smaller one-sided p-value, at most 1."""
    p_adjusted: float = 1.0
    """Holm-adjusted over every test of the run."""
    verdict: Verdict = "no significant change"

    @property
    def name(self) -> str:
        return f"{self.metric}.{self.subject}"

    def as_record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "metric": self.metric,
            "subject": self.subject,
            "baseline": _r(self.baseline),
            "current": _r(self.current),
            "baseline_n": self.baseline_n,
            "current_n": self.current_n,
            "baseline_count": self.baseline_count,
            "current_count": self.current_count,
            "test": self.test,
            "p_value": _r(self.p_value, 6),
            "p_adjusted": _r(self.p_adjusted, 6),
            "verdict": self.verdict,
        }


@dataclass
class GateResult:
    """One gate's line: name, value, limit, status — and the evidence behind the status."""

    name: str
    kind: str
    subject: str
    value: float
    limit: float
    limit_text: str
    status: Status = "pass"
    p_value: float | None = None
    """One-sided p-value of "above the limit" (None for exact gates)."""
    p_adjusted: float | None = None
    test: str = "exact count"
    message: str = ""
    baseline: bool = False
    """A default gate created by the baseline comparison (``[audit.baseline]``)."""
    comparison: Comparison | None = None

    def as_record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "subject": self.subject,
            "value": _r(self.value),
            "limit": _r(self.limit),
            "limit_text": self.limit_text,
            "status": self.status,
            "p_value": None if self.p_value is None else _r(self.p_value, 6),
            "p_adjusted": None if self.p_adjusted is None else _r(self.p_adjusted, 6),
            "test": self.test,
            "message": self.message,
            "from_baseline": self.baseline,
        }


def _r(value: float, digits: int = 4) -> float:
    return round(float(value), digits)


@dataclass
class _Context:
    result: Result
    cases: pl.DataFrame
    n: int
    flagged: dict[str, int]
    stats: dict[str, MeasureStat]
    baseline: Summary | None
    comparisons: dict[str, Comparison]
    significance: bool


def _fmt(value: float, unit: str = "") -> str:
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return text + unit


def _unit(measure: str) -> str:
    return " h" if measure.endswith("_hours") else " min" if measure.endswith("_minutes") else ""


def _share_text(value: float) -> str:
    return f"{value:.1%}"


def _missing_in_baseline(ctx: _Context, spec: GateSpec, what: str) -> InputError:
    source = ctx.baseline.source if ctx.baseline else "baseline"
    return InputError(
        f"{source}: the baseline has no {what} {spec.subject!r} for the relative gate {spec.name}",
        hint="save a new baseline with the same settings, or give the gate an absolute limit",
    )


def _base_rule(ctx: _Context, spec: GateSpec) -> RuleStat | None:
    base = ctx.baseline.rules.get(spec.subject) if ctx.baseline else None
    if base is None and spec.limit.relative:
        raise _missing_in_baseline(ctx, spec, "rule")
    return base


def _gate_flag_share(ctx: _Context, spec: GateSpec) -> GateResult:
    k = ctx.flagged.get(spec.subject, 0)
    value = k / ctx.n
    base = _base_rule(ctx, spec)
    limit = spec.limit.resolve(base.share if base else None)
    gate = GateResult(spec.name, spec.kind, spec.subject, value, limit, spec.limit.text())
    gate.message = f"{spec.subject} flagged {k} of {ctx.n} cases ({_share_text(value)})"
    if spec.limit.relative:
        gate.comparison = ctx.comparisons.get(f"flag_share.{spec.subject}")
    else:
        gate.p_value = binom_sf(k, ctx.n, limit)
        gate.test = "exact binomial"
    return gate


def _gate_flag_cases(ctx: _Context, spec: GateSpec) -> GateResult:
    k = ctx.flagged.get(spec.subject, 0)
    base = _base_rule(ctx, spec)
    limit = spec.limit.resolve(float(base.cases) if base else None)
    gate = GateResult(spec.name, spec.kind, spec.subject, float(k), limit, spec.limit.text())
    gate.message = f"{spec.subject} flagged {k} cases"
    return gate


def _gate_quantile(ctx: _Context, spec: GateSpec) -> GateResult:
    q = "median" if spec.kind == "max_median" else "p90"
    stat = ctx.stats.get(spec.subject)
    base = ctx.baseline.measures.get(spec.subject) if ctx.baseline else None
    if base is None and spec.limit.relative:
        raise _missing_in_baseline(ctx, spec, "measure")
    limit = spec.limit.resolve(base.quantile(q) if base else None)
    value = stat.quantile(q) if stat else 0.0
    gate = GateResult(spec.name, spec.kind, spec.subject, value, limit, spec.limit.text())
    who = "completed cases" if spec.subject in COMPLETED_ONLY else "cases"
    unit = _unit(spec.subject)
    gate.message = f"{q} {spec.subject} {_fmt(value, unit)} over {stat.n if stat else 0} {who}"
    if spec.limit.relative:
        gate.comparison = ctx.comparisons.get(f"{q}.{spec.subject}")
    elif stat is not None:
        values = _population(ctx.cases, spec.subject)
        above = int((values > limit).sum())
        gate.p_value = binom_sf(above, stat.n, 1.0 - QUANTILES[q])
        gate.test = "exact binomial (cases above the limit)"
        gate.message += f"; {above} of {stat.n} above {_fmt(limit, unit)}"
    return gate


_EVALUATORS: dict[str, Callable[[_Context, GateSpec], GateResult]] = {
    "max_flag_share": _gate_flag_share,
    "max_flag_cases": _gate_flag_cases,
    "never": _gate_flag_cases,
    "max_median": _gate_quantile,
    "max_p90": _gate_quantile,
}


def _compare(cases: pl.DataFrame, current: Summary, baseline: Summary) -> list[Comparison]:
    out: list[Comparison] = []
    n1 = current.cases
    for rid, base in baseline.rules.items():
        cur = current.rules.get(rid)
        if cur is None:
            continue
        t = compare_proportions(base.cases, baseline.cases, cur.cases, n1)
        out.append(
            Comparison(
                "flag_share",
                rid,
                base.share,
                cur.share,
                baseline.cases,
                n1,
                base.cases,
                cur.cases,
                t.test,
                t.p_worse,
                t.p_better,
            )
        )
    for m, base_stat in baseline.measures.items():
        stat = current.measures.get(m)
        if stat is None or m not in cases.columns or base_stat.n == 0:
            continue
        values = _population(cases, m)
        for q in QUANTILES:
            anchor = base_stat.quantile(q)
            above, below = int((values > anchor).sum()), int((values < anchor).sum())
            worse = compare_proportions(base_stat.above(q), base_stat.n, above, stat.n)
            better = compare_proportions(base_stat.below(q), base_stat.n, below, stat.n)
            out.append(
                Comparison(
                    q,  # type: ignore[arg-type]
                    m,
                    anchor,
                    stat.quantile(q),
                    base_stat.n,
                    stat.n,
                    base_stat.above(q),
                    above,
                    worse.test,
                    worse.p_worse,
                    better.p_worse,
                )
            )
    return out


@dataclass
class AuditResult:
    """Everything an audit found; writers read it, none recomputes."""

    result: Result
    window: WindowReport
    current: Summary
    gates: list[GateResult]
    comparisons: list[Comparison]
    baseline: Summary | None
    alpha: float
    significance: bool
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> Status:
        """The worst status of any gate (``pass`` when there is none)."""
        worst: Status = "pass"
        for gate in self.gates:
            if STATUS_ORDER[gate.status] > STATUS_ORDER[worst]:
                worst = gate.status
        return worst

    @property
    def source(self) -> str:
        return self.result.log.source

    def counts(self) -> dict[str, int]:
        out = {"pass": 0, "warn": 0, "fail": 0}
        for gate in self.gates:
            out[gate.status] += 1
        return out

    def as_record(self) -> dict[str, Any]:
        """The JSON contract of ``audit --format json`` (plain builtins, no case ids)."""
        base = None
        if self.baseline is not None:
            base = {
                "source": self.baseline.source,
                "created": self.baseline.created,
                "window": self.baseline.window,
                "cases": self.baseline.cases,
                "settings_match": self.baseline.fingerprint == self.current.fingerprint,
            }
        return {
            "format": AUDIT_FORMAT,
            "version": 1,
            "status": self.status,
            "counts": self.counts(),
            "source": self.source,
            "config": self.result.settings.source,
            "alpha": self.alpha,
            "significance": self.significance,
            "window": self.window.as_record(),
            "cases": self.current.cases,
            "open_cases": self.current.open_cases,
            "events": self.current.events,
            "gates": [g.as_record() for g in self.gates],
            "comparisons": [c.as_record() for c in self.comparisons],
            "baseline": base,
            "summary": self.current.as_record(),
            "notes": list(self.notes),
        }


def _baseline_gates(cfg: AuditSettings, current: Summary, baseline: Summary) -> list[GateSpec]:
    mode = cfg.baseline.gates
    if mode == "never" or (mode == "auto" and cfg.gates):
        return []
    pct = Limit(pct=cfg.baseline.max_worse_pct)
    rules = cfg.baseline.rules or tuple(r for r in baseline.rules if r in current.rules)
    measures = cfg.baseline.measures or tuple(
        m for m in AUDIT_MEASURES if m in baseline.measures and m in current.measures
    )
    return [GateSpec("max_flag_share", r, pct) for r in rules] + [
        GateSpec("max_median", m, pct) for m in measures
    ]


def run_audit(
    log: EventLog,
    settings: Settings,
    baseline: Summary | None = None,
    window: Window | None = None,
    audit: AuditSettings | None = None,
) -> AuditResult:
    """Analyse the window, compare with the baseline, evaluate the gates.

    ``audit`` defaults to the ``[audit]`` table of ``settings``.  A gate relative to the
    baseline without a baseline is a UsageError.
    """
    cfg = audit if audit is not None else audit_settings(settings)
    window = window or Window()
    result, report = analyze_window(log, settings, window)
    current = summarize(result, report)
    notes: list[str] = []
    relative = [g.name for g in cfg.gates if g.limit.relative]
    if relative and baseline is None:
        raise UsageError(
            f"gate(s) {', '.join(relative)} are relative to the baseline",
            hint="pass --baseline FILE (saved by an earlier run with --save-baseline)",
        )
    comparisons = _compare(result.cases, current, baseline) if baseline else []
    by_name = {c.name: c for c in comparisons}
    ctx = _Context(
        result=result,
        cases=result.cases,
        n=current.cases,
        flagged=({r: s.cases for r, s in current.rules.items()}),
        stats=current.measures,
        baseline=baseline,
        comparisons=by_name,
        significance=cfg.significance,
    )
    from frictionminer.engine.rules import RULES, is_enabled

    specs = list(cfg.gates)
    default_specs: list[GateSpec] = []
    if baseline is not None:
        default_specs = _baseline_gates(cfg, current, baseline)
        if baseline.fingerprint and baseline.fingerprint != current.fingerprint:
            notes.append(
                "the baseline was made with other settings (roles, rules, weights, ...): "
                "differences may come from the settings, not the process"
            )
    gates: list[GateResult] = []
    for spec, is_default in [(s, False) for s in specs] + [(s, True) for s in default_specs]:
        if spec.kind in ("never", "max_flag_cases", "max_flag_share") and not is_enabled(
            RULES[spec.subject], settings.rules
        ):
            notes.append(f"gate {spec.name}: rule {spec.subject} is disabled and never fires")
        gate = _EVALUATORS[spec.kind](ctx, spec)
        if is_default:
            gate.name = f"baseline.{'flag_share' if spec.kind == 'max_flag_share' else 'median'}"
            gate.name += f".{spec.subject}"
            gate.baseline = True
        gates.append(gate)

    # One family of tests per run: Holm over comparisons and absolute tested gates.
    family: list[tuple[Any, float]] = [
        (c, min(1.0, 2.0 * min(c.p_worse, c.p_better))) for c in comparisons
    ]
    family += [(g, g.p_value) for g in gates if g.p_value is not None and cfg.significance]
    adjusted = holm([p for _, p in family])
    for (item, p), adj in zip(family, adjusted, strict=True):
        if isinstance(item, Comparison):
            item.p_value, item.p_adjusted = p, adj
        else:
            item.p_adjusted = adj
    for c in comparisons:
        c.verdict = _verdict(c, cfg.alpha)
    for gate in gates:
        _decide(gate, cfg)
    if not gates:
        notes.append(
            "no gates: configure [audit] (docs/ci.md) or pass --baseline to gate on "
            "significant worsening"
        )
    if report.open_cases:
        notes.append(
            f"{report.open_cases} of {report.cases} cases were open at the window's end "
            f"({_iso(report.end)}): waits counted up to it, not in completed statistics"
        )
    if report.carried_in:
        notes.append(
            f"{report.carried_in} cases began before the window: only their events inside it "
            "count (--cases started audits only the cases that began inside it)"
        )
    read, total = (log.details.get(k) for k in ("partitions_read", "partitions"))
    if isinstance(read, int) and isinstance(total, int) and read < total:
        notes.append(
            f"read {read} of {total} partitions (the others hold no case of the window); "
            "events before/after the window are counted in those read"
        )
    if baseline is not None and current.cases < 30:
        notes.append(
            f"only {current.cases} cases in this window: only large changes can be significant"
        )
    return AuditResult(
        result=result,
        window=report,
        current=current,
        gates=gates,
        comparisons=comparisons,
        baseline=baseline,
        alpha=cfg.alpha,
        significance=cfg.significance,
        notes=notes,
    )


def _verdict(c: Comparison, alpha: float) -> Verdict:
    """Significant after Holm, and the point estimate moved the same way.

    For quantiles of count measures the test may detect a shift of the distribution
    around the baseline quantile while the quantile itself stays put (most cases still
    have 2 contacts); that is not a change *of the quantile*, so it reads "no significant
    change" — the counts in the record still show the shift.
    """
    if c.p_adjusted >= alpha:
        return "no significant change"
    if c.p_worse <= c.p_better and c.current > c.baseline:
        return "worse"
    if c.p_better < c.p_worse and c.current < c.baseline:
        return "better"
    if c.metric == "flag_share":  # a significant share change always moves the share
        return "worse" if c.current > c.baseline else "better"
    return "no significant change"


def _decide(gate: GateResult, cfg: AuditSettings) -> None:
    """Set the gate's status (and finish its message) from value, limit and evidence."""
    kind = GATE_KINDS[gate.kind]
    above = gate.value > gate.limit + 1e-12
    limit = _share_text(gate.limit) if kind.share else _fmt(gate.limit, _unit(gate.subject))
    if gate.comparison is not None:
        cmp = gate.comparison
        gate.p_value, gate.p_adjusted, gate.test = cmp.p_worse, cmp.p_adjusted, cmp.test
    if not above:
        gate.status = "pass"
        gate.message += f" — within the limit {limit}"
        return
    if not kind.tested or not cfg.significance:
        gate.status = "fail"
        gate.message += f" — above the limit {limit}"
        return
    if gate.comparison is not None or gate.limit_text.startswith("baseline"):
        c = gate.comparison
        if c is not None and c.verdict == "worse":
            gate.status = "fail"
            gate.message += (
                f" — above the limit {limit} ({gate.limit_text}), significantly worse than "
                f"the baseline (p={c.p_adjusted:.2g} adjusted)"
            )
        else:
            gate.status = "pass"
            gate.message += (
                f" — above {limit} ({gate.limit_text}) but no significant change from the baseline"
            )
        return
    p = gate.p_adjusted if gate.p_adjusted is not None else 1.0
    if p < cfg.alpha:
        gate.status = "fail"
        gate.message += f" — significantly above the limit {limit} (p={p:.2g} adjusted)"
    else:
        gate.status = "warn"
        gate.message += (
            f" — above the limit {limit}, but not significantly (p={p:.2g} adjusted): "
            "too few cases to tell"
        )
