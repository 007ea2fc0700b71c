"""The ``[audit]`` table: gates, limits and the baseline comparison, parsed and checked once.

Gate subjects are checked against names known at this level: the rule ids of
``defaults.toml`` and :data:`AUDIT_MEASURES` (a test keeps that list equal to the measures
the engine produces), so reading a config never imports the engine.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from math import isfinite
from typing import Any, Literal

from frictionminer.errors import ConfigError, UsageError
from frictionminer.settings.defaults import RULE_IDS, packaged

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
    subject: Literal["rule", "measure", "promise"]
    value: str
    """What the gate's value is, for docs and messages."""
    tested: bool
    """True: a breach needs statistical evidence (shares, quantiles); False: exact counts."""
    integer: bool = False
    share: bool = False
    doc: str = ""
    minimum: bool = False
    """The limit is a floor: the gate fails when the value is below it."""


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
        GateKind(
            "min_promise_kept",
            "promise",
            "share of promises kept, of those kept or broken",
            tested=True,
            share=True,
            minimum=True,
            doc='Smallest acceptable share of a promise kept, e.g. "first response" = 0.9 '
            '("all": every promise together).',
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

    gates: Literal["auto", "always", "never"] = packaged("audit.baseline", "gates")
    """auto: only when no other gate is configured; always; never."""
    max_worse_pct: float = packaged("audit.baseline", "max_worse_pct")
    """A significant worsening must also exceed this margin (percent of the baseline value)."""
    rules: tuple[str, ...] | None = None
    """Rules whose flagged share is gated (None: every enabled rule)."""
    measures: tuple[str, ...] | None = None
    """Measures whose median is gated (None: every audited measure)."""


@dataclass(frozen=True)
class HorizonSettings:
    """``[audit.horizon]``: how a baseline is compared with a window of another length."""

    mode: Literal["auto", "off"] = packaged("audit.horizon", "mode")
    """auto: at the longest common follow-up horizon; off: the whole windows."""
    hours: tuple[float, ...] = tuple(float(h) for h in packaged("audit.horizon", "hours"))
    """The horizons tried, in hours, ascending."""
    min_cases: int = packaged("audit.horizon", "min_cases")
    """Fewest cases each side must keep at a horizon."""
    min_share: float = packaged("audit.horizon", "min_share")
    """Smallest share of its window's cases each side must keep at a horizon."""


@dataclass(frozen=True)
class AuditSettings:
    """The validated ``[audit]`` table."""

    alpha: float = packaged("audit", "alpha")
    significance: bool = packaged("audit", "significance")
    gates: tuple[GateSpec, ...] = ()
    baseline: BaselineGateSettings = field(default_factory=BaselineGateSettings)
    horizon: HorizonSettings = field(default_factory=HorizonSettings)


_TOP_KEYS = ("alpha", "significance", *GATE_KINDS, "baseline", "horizon")
_BASELINE_KEYS = ("gates", "max_worse_pct", "rules", "measures")
_HORIZON_KEYS = ("mode", "hours", "min_cases", "min_share")


def is_number(value: Any) -> bool:
    """A finite number (not a boolean): nan passes every comparison below, inf most."""
    return isinstance(value, int | float) and not isinstance(value, bool) and isfinite(value)


def _unknown(source: str, key: str, known: Sequence[str], prefix: str) -> ConfigError:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"did you mean '{prefix}{close[0]}'?" if close else f"known: {', '.join(known)}"
    return ConfigError(f"{source}: unknown key '{prefix}{key}'", hint=hint)


ALL_PROMISES = "all"
"""The subject of a promise gate on every promise together."""


def _check_subject(source: str, key: str, subject: str, kind: str) -> None:
    if kind == "promise":  # the names come from [[promises]]: checked with the whole file
        return
    known = list(RULE_IDS) if kind == "rule" else list(AUDIT_MEASURES)
    if subject not in known:
        close = difflib.get_close_matches(subject, known, n=1)
        what = "rule" if kind == "rule" else "measure"
        hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
        raise ConfigError(f"{source}: key '{key}': unknown {what} {subject!r}", hint=hint)


def _parse_limit(source: str, key: str, value: Any, kind: GateKind) -> Limit:
    if isinstance(value, str) and kind.minimum:
        raise ConfigError(
            f"{source}: key '{key}' must be a share between 0 and 1, not {value!r}",
            hint="a drop against --baseline is gated by [audit.baseline] already",
        )
    if isinstance(value, str):
        m = _RELATIVE.match(value)
        if not m:
            raise ConfigError(
                f"{source}: key '{key}': bad relative limit {value!r}",
                hint='write a number, or "+10%" / "+1" for the baseline value plus a margin',
            )
        number = float(m.group(1))
        return Limit(pct=number) if m.group(2) else Limit(add=number)
    if not is_number(value):
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
    """Validate the raw ``[audit]`` table; every error names the file and the dotted key.

    Keys not in ``table`` keep their defaults (``defaults.toml``)."""
    if table is not None and not isinstance(table, Mapping):
        raise ConfigError(f"{source}: 'audit' must be a table ([audit])")
    table = dict(table or {})
    start = AuditSettings()
    alpha, significance = start.alpha, start.significance
    gates: list[GateSpec] = []
    base = BaselineGateSettings()
    horizon = HorizonSettings()
    for key, value in table.items():
        dotted = f"audit.{key}"
        if key not in _TOP_KEYS:
            raise _unknown(source, key, _TOP_KEYS, "audit.")
        if key == "alpha":
            if not is_number(value) or not 0 < value < 1:
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
        elif key == "horizon":
            horizon = _parse_horizon_table(source, value)
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
    return AuditSettings(
        alpha=alpha, significance=significance, gates=tuple(gates), baseline=base, horizon=horizon
    )


def _parse_horizon_table(source: str, value: Any) -> HorizonSettings:
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: 'audit.horizon' must be a table ([audit.horizon])")
    out: dict[str, Any] = {}
    for key, item in value.items():
        dotted = f"audit.horizon.{key}"
        if key not in _HORIZON_KEYS:
            raise _unknown(source, key, _HORIZON_KEYS, "audit.horizon.")
        if key == "mode":
            if item not in ("auto", "off"):
                raise ConfigError(
                    f'{source}: key \'{dotted}\' must be "auto" or "off", not {item!r}'
                )
            out[key] = item
        elif key == "hours":
            if (
                not isinstance(item, list)
                or not item
                or not all(is_number(h) and h > 0 for h in item)
            ):
                raise ConfigError(
                    f"{source}: key '{dotted}' must be a non-empty list of hours > 0, not {item!r}",
                    hint="e.g. hours = [24, 72, 168]",
                )
            out[key] = tuple(sorted({float(h) for h in item}))
        elif key == "min_cases":
            if not isinstance(item, int) or isinstance(item, bool) or item < 1:
                raise ConfigError(f"{source}: key '{dotted}' must be a whole number >= 1")
            out[key] = item
        else:
            if not is_number(item) or not 0 <= item <= 1:
                raise ConfigError(f"{source}: key '{dotted}' must be a share between 0 and 1")
            out[key] = float(item)
    return HorizonSettings(**out)


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
            if not is_number(item) or item < 0:
                raise ConfigError(f"{source}: key '{dotted}' must be a number >= 0, not {item!r}")
            out[key] = float(item)
        else:
            kind = "rule" if key == "rules" else "measure"
            items = _string_list(source, dotted, item)
            for subject in items:
                _check_subject(source, dotted, subject, kind)
            out[key] = tuple(items)
    return BaselineGateSettings(**out)
