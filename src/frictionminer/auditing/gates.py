"""Comparisons with the baseline, gates, and the audit run with its worst-status rule."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from frictionminer.auditing.baseline import (
    MeasureStat,
    PromiseStat,
    RuleStat,
    Summary,
    population,
    summarize,
)
from frictionminer.auditing.statistics import binom_sf, compare_proportions, holm
from frictionminer.auditing.window import (
    Selection,
    Window,
    WindowReport,
    analyze_horizon,
    analyze_window,
    horizon_counts,
    iso,
    select_window,
)
from frictionminer.errors import InputError, UsageError
from frictionminer.settings.audit import (
    AUDIT_MEASURES,
    COMPLETED_ONLY,
    GATE_KINDS,
    QUANTILES,
    AuditSettings,
    GateSpec,
    HorizonSettings,
    Limit,
)

if TYPE_CHECKING:
    import polars as pl

    from frictionminer.engine.result import Result
    from frictionminer.io.normalize import EventLog
    from frictionminer.settings import Settings


Status = Literal["pass", "warn", "fail"]
STATUS_ORDER: dict[str, int] = {"pass": 0, "warn": 1, "fail": 2}
"""Worst-status rule: the run's status is the worst of its gates' (none → pass)."""

Verdict = Literal["worse", "better", "no significant change"]


AUDIT_FORMAT = "frictionminer-audit"


# ====================================================================== comparisons and gates


@dataclass
class Comparison:
    """This run against the baseline for one rule's flagged share or one measure's quantile."""

    metric: Literal["flag_share", "median", "p90", "promise_broken_share"]
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
    shift: Literal["up", "down"] | None = None
    """A quantile that did not move although the test is significant: the cases moved
    across the baseline's quantile (``up``: more above it), the quantile itself did not."""

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
            "shift": self.shift,
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
    n: int = 0
    """Cases the value is computed over (completed ones for completed statistics)."""
    skipped: str | None = None
    """Why a gate relative to the baseline could not be evaluated (value and limit None)."""

    def as_record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "subject": self.subject,
            "value": None if self.skipped else _r(self.value),
            "limit": None if self.skipped else _r(self.limit),
            "n": self.n,
            "limit_text": self.limit_text,
            "status": self.status,
            "p_value": None if self.p_value is None else _r(self.p_value, 6),
            "p_adjusted": None if self.p_adjusted is None else _r(self.p_adjusted, 6),
            "test": self.test,
            "message": self.message,
            "from_baseline": self.baseline,
            "not_compared": self.skipped,
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
    promises: dict[str, PromiseStat] = field(default_factory=dict)


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
    gate.n = ctx.n
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
    gate.n = ctx.n
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
    gate.n = stat.n if stat else 0
    who = "completed cases" if spec.subject in COMPLETED_ONLY else "cases"
    unit = _unit(spec.subject)
    gate.message = f"{q} {spec.subject} {_fmt(value, unit)} over {stat.n if stat else 0} {who}"
    if spec.limit.relative:
        gate.comparison = ctx.comparisons.get(f"{q}.{spec.subject}")
    elif stat is not None:
        values = population(ctx.cases, spec.subject)
        above = int((values > limit).sum())
        gate.p_value = binom_sf(above, stat.n, 1.0 - QUANTILES[q])
        gate.test = "exact binomial (cases above the limit)"
        gate.message += f"; {above} of {stat.n} above {_fmt(limit, unit)}"
    return gate


def _gate_promise_kept(ctx: _Context, spec: GateSpec) -> GateResult:
    """Kept share of a promise (of those kept or broken) against a floor: absolute (an
    exact binomial test that the broken share is above 1 - floor), or the baseline's share
    less ``max_worse_pct`` (the default gate of a baseline comparison)."""
    stat = ctx.promises.get(spec.subject)
    kept, broken = (stat.kept, stat.broken) if stat else (0, 0)
    decided = kept + broken
    value = kept / decided if decided else 1.0
    if spec.limit.relative:
        base = ctx.baseline.promises.get(spec.subject) if ctx.baseline else None
        base_share = base.kept_share if base is not None else None
        if base_share is None:
            raise _missing_in_baseline(ctx, spec, "promise")
        limit = base_share * (1.0 - (spec.limit.pct or 0.0) / 100.0)
        text = f"baseline -{spec.limit.pct or 0.0:g}%"
    else:
        limit = spec.limit.resolve(None)
        text = spec.limit.text()
    gate = GateResult(spec.name, spec.kind, spec.subject, value, limit, text)
    gate.n = decided
    if decided == 0:
        gate.message = f"promise {spec.subject!r}: none kept or broken yet"
        return gate
    gate.message = (
        f"promise {spec.subject!r} kept {kept} of {decided} ({_share_text(value)}; "
        f"{stat.open if stat else 0} still open)"
    )
    if spec.limit.relative:
        gate.comparison = ctx.comparisons.get(f"promise_broken_share.{spec.subject}")
    else:
        gate.p_value = binom_sf(broken, decided, 1.0 - limit)
        gate.test = "exact binomial (promises broken)"
    return gate


_EVALUATORS: dict[str, Callable[[_Context, GateSpec], GateResult]] = {
    "min_promise_kept": _gate_promise_kept,
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
    for name, base_p in baseline.promises.items():
        cur_p = current.promises.get(name)
        if cur_p is None or not cur_p.decided or not base_p.decided:
            continue
        t = compare_proportions(base_p.broken, base_p.decided, cur_p.broken, cur_p.decided)
        out.append(
            Comparison(
                "promise_broken_share",
                name,
                base_p.broken / base_p.decided,
                cur_p.broken / cur_p.decided,
                base_p.decided,
                cur_p.decided,
                base_p.broken,
                cur_p.broken,
                t.test,
                t.p_worse,
                t.p_better,
            )
        )
    for m, base_stat in baseline.measures.items():
        stat = current.measures.get(m)
        if stat is None or m not in cases.columns or base_stat.n == 0:
            continue
        values = population(cases, m)
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


# ====================================================================== common horizons

Method = Literal["common_horizon", "whole_windows", "none"]


@dataclass(frozen=True)
class HorizonChoice:
    """How this window was compared with the baseline (docs/ci.md, "Windows of different
    lengths"): at a common follow-up horizon, as whole windows, or not at all."""

    method: Method
    hours: float | None
    """The common horizon H (``common_horizon``), else None."""
    current_cases: int
    """Cases of this window compared (began at least H before its end)."""
    current_window_cases: int
    baseline_cases: int
    baseline_window_cases: int
    reason: str | None = None
    """``horizon_off`` ([audit.horizon] mode), ``baseline_without_horizons`` (an older
    baseline file) or ``no_common_horizon``; None for ``common_horizon``."""
    tried_hours: float | None = None
    """``no_common_horizon``: the shortest horizon tried, whose counts are given."""
    min_cases: int = 0
    min_share: float = 0.0

    def as_record(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "hours": self.hours,
            "current_cases": self.current_cases,
            "current_window_cases": self.current_window_cases,
            "baseline_cases": self.baseline_cases,
            "baseline_window_cases": self.baseline_window_cases,
            "reason": self.reason,
            "tried_hours": self.tried_hours,
            "min_cases": self.min_cases,
            "min_share": self.min_share,
        }


def _affordable(cfg: HorizonSettings, n: int, total: int) -> bool:
    return n >= cfg.min_cases and n >= cfg.min_share * total


def choose_horizon(
    cfg: HorizonSettings, counts: dict[float, int], total: int, baseline: Summary
) -> HorizonChoice:
    """The longest horizon of ``cfg.hours`` at which both this window (``counts`` of
    cases observable for H, of ``total``) and the baseline keep ``min_cases`` cases and
    ``min_share`` of their window's cases."""
    if cfg.mode == "off" or not baseline.horizons:
        reason = "horizon_off" if cfg.mode == "off" else "baseline_without_horizons"
        return HorizonChoice(
            "whole_windows", None, total, total, baseline.cases, baseline.cases, reason
        )
    best: float | None = None
    for h in cfg.hours:
        base = baseline.horizons.get(h)
        if base is None:
            continue
        if _affordable(cfg, counts.get(h, 0), total) and _affordable(
            cfg, base.cases, baseline.cases
        ):
            best = h
    if best is None:
        common = [h for h in cfg.hours if h in baseline.horizons] or list(cfg.hours)
        tried = common[0]
        base_n = baseline.horizons[tried].cases if tried in baseline.horizons else 0
        return HorizonChoice(
            "none",
            None,
            counts.get(tried, 0),
            total,
            base_n,
            baseline.cases,
            "no_common_horizon",
            tried,
            cfg.min_cases,
            cfg.min_share,
        )
    return HorizonChoice(
        "common_horizon",
        best,
        counts[best],
        total,
        baseline.horizons[best].cases,
        baseline.cases,
        min_cases=cfg.min_cases,
        min_share=cfg.min_share,
    )


def horizon_summary(
    sel: Selection, settings: Settings, hours: float, window: Result
) -> tuple[Summary, pl.DataFrame]:
    """The window's summary at one horizon, and its cases (roles judged on ``window``)."""
    result, report = analyze_horizon(sel, settings, hours, window)
    return summarize(result, report), result.cases


def horizon_summaries(
    sel: Selection,
    settings: Settings,
    cfg: HorizonSettings,
    window: Result,
    counts: dict[float, int],
    done: dict[float, Summary],
) -> dict[float, Summary]:
    """The window's summary at every horizon it can afford (for a baseline file)."""
    out: dict[float, Summary] = {}
    for h in cfg.hours:
        if h in done:
            out[h] = done[h]
        elif _affordable(cfg, counts.get(h, 0), window.cases.height):
            out[h] = horizon_summary(sel, settings, h, window)[0]
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
    horizon: HorizonChoice | None = None
    """How the window was compared with the baseline (None: no baseline)."""

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

    def warnings(self) -> list[dict[str, Any]]:
        """What the roles could not see in the window (as ``score``'s summary says it)."""
        coverage = self.result.coverage
        return [] if coverage is None else coverage.warnings(self.source)

    def counts(self) -> dict[str, int]:
        out = {"pass": 0, "warn": 0, "fail": 0}
        for gate in self.gates:
            out[gate.status] += 1
        return out

    def __repr__(self) -> str:
        """One line for a notebook: the verdict, the gates' counts, the window's size."""
        counts = self.counts()
        failed = [g.name for g in self.gates if g.status == "fail"]
        return (
            f"AuditResult(status={self.status!r}, source={self.source!r}, "
            f"cases={self.window.cases}, open={self.window.open_cases}, "
            f"gates={counts}, baseline={self.baseline is not None}"
            + (f", failed={failed[:5]}" if failed else "")
            + ")"
        )

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
            "horizon": None if self.horizon is None else self.horizon.as_record(),
            "summary": self.current.as_record(),
            "notes": list(self.notes),
            "warnings": self.warnings(),
            **({"journeys": self.journeys_record()} if self.result.journeys is not None else {}),
        }

    def journeys_record(self) -> dict[str, Any] | None:
        """The window's journeys (``audit --journey``) without ids: counts, repeat-contact
        rate, journey flags, measures; None without journeys."""
        journeys = self.result.journeys
        if journeys is None:
            return None
        return {k: v for k, v in journeys.summary().items() if k != "worst"}


def _baseline_gates(cfg: AuditSettings, current: Summary, baseline: Summary) -> list[GateSpec]:
    mode = cfg.baseline.gates
    if mode == "never" or (mode == "auto" and cfg.gates):
        return []
    pct = Limit(pct=cfg.baseline.max_worse_pct)
    rules = cfg.baseline.rules or tuple(r for r in baseline.rules if r in current.rules)
    measures = cfg.baseline.measures or tuple(
        m for m in AUDIT_MEASURES if m in baseline.measures and m in current.measures
    )
    promises = [
        name
        for name, base in baseline.promises.items()
        if base.decided and name in current.promises and current.promises[name].decided
    ]
    return (
        [GateSpec("max_flag_share", r, pct) for r in rules]
        + [GateSpec("max_median", m, pct) for m in measures]
        + [GateSpec("min_promise_kept", p, pct) for p in promises]
    )


def run_audit(
    log: EventLog,
    settings: Settings,
    baseline: Summary | None = None,
    window: Window | None = None,
    audit: AuditSettings | None = None,
    *,
    save: bool = False,
) -> AuditResult:
    """Analyse the window, compare with the baseline, evaluate the gates.

    ``audit`` defaults to the ``[audit]`` table of ``settings``.  A gate relative to the
    baseline without a baseline is a UsageError.  The baseline is compared at the longest
    common follow-up horizon (:func:`choose_horizon`); ``save`` also summarises the window
    at every horizon it affords, for ``--save-baseline``.
    """
    cfg = audit if audit is not None else settings.audit
    window = window or Window()
    sel = select_window(log, window)
    result, report = analyze_window(log, settings, window, selection=sel)
    current = summarize(result, report)
    notes: list[str] = []
    relative = [g.name for g in cfg.gates if g.limit.relative]
    if relative and baseline is None:
        raise UsageError(
            f"gate(s) {', '.join(relative)} are relative to the baseline",
            hint="pass --baseline FILE (saved by an earlier run with --save-baseline)",
        )
    hcfg = cfg.horizon
    counts = horizon_counts(sel, hcfg.hours) if hcfg.mode == "auto" else {}
    choice: HorizonChoice | None = None
    done: dict[float, Summary] = {}
    compared, compared_cases, base_side = current, result.cases, baseline
    comparisons: list[Comparison] = []
    if baseline is not None:
        choice = choose_horizon(hcfg, counts, current.cases, baseline)
        if choice.method == "common_horizon" and choice.hours is not None:
            compared, compared_cases = horizon_summary(sel, settings, choice.hours, result)
            base_side = baseline.horizons[choice.hours]
            done[choice.hours] = compared
        if choice.method != "none" and base_side is not None:
            comparisons = _compare(compared_cases, compared, base_side)
    if save and hcfg.mode == "auto":
        horizons = horizon_summaries(sel, settings, hcfg, result, counts, done)
        current = dataclasses.replace(current, horizons=horizons)
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
        promises=current.promises,
    )
    rel_ctx = dataclasses.replace(
        ctx,
        cases=compared_cases,
        n=compared.cases,
        flagged={r: s.cases for r, s in compared.rules.items()},
        stats=compared.measures,
        baseline=base_side,
        promises=compared.promises,
    )
    from frictionminer.engine.rules import RULES, is_enabled

    specs = list(cfg.gates)
    default_specs: list[GateSpec] = []
    if baseline is not None and base_side is not None and choice and choice.method != "none":
        default_specs = _baseline_gates(cfg, compared, base_side)
    if (
        baseline is not None
        and baseline.fingerprint
        and baseline.fingerprint != current.fingerprint
    ):
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
        if spec.limit.relative and choice is not None and choice.method == "none":
            gate = GateResult(spec.name, spec.kind, spec.subject, 0.0, 0.0, spec.limit.text())
            gate.status, gate.skipped = "warn", "no_common_horizon"
            gate.message = "not compared with the baseline: the windows have no common horizon"
            gates.append(gate)
            continue
        gate = _EVALUATORS[spec.kind](rel_ctx if spec.limit.relative else ctx, spec)
        if is_default:
            label = {"max_flag_share": "flag_share", "min_promise_kept": "promise_kept"}
            gate.name = f"baseline.{label.get(spec.kind, 'median')}.{spec.subject}"
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
        if c.verdict == "no significant change" and c.p_adjusted < cfg.alpha:
            c.shift = "up" if c.p_worse <= c.p_better else "down"
    for gate in gates:
        if gate.skipped is None:
            _decide(gate, cfg)
    if not gates and (choice is None or choice.method != "none"):
        notes.append(
            "no gates: configure [audit] (docs/ci.md) or pass --baseline to gate on "
            "significant worsening"
        )
    if report.open_cases:
        notes.append(
            f"{report.open_cases} of {report.cases} cases were open at the window's end "
            f"({iso(report.end)}): waits counted up to it, not in completed statistics"
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
    if comparisons and compared.cases < 30:
        notes.append(
            f"only {compared.cases} cases compared with the baseline: only large changes can "
            "be significant"
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
        horizon=choice,
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
    if kind.minimum:
        above = gate.n > 0 and gate.value < gate.limit - 1e-12
        side = "below"
    else:
        above = gate.value > gate.limit + 1e-12
        side = "above"
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
        gate.message += f" — {side} the limit {limit}"
        return
    if gate.comparison is not None or gate.limit_text.startswith("baseline"):
        c = gate.comparison
        if c is not None and c.verdict == "worse":
            gate.status = "fail"
            gate.message += (
                f" — {side} the limit {limit} ({gate.limit_text}), significantly worse than "
                f"the baseline (p={c.p_adjusted:.2g} adjusted)"
            )
        else:
            gate.status = "pass"
            p = c.p_adjusted if c is not None else 1.0
            gate.message += (
                f" — {side} the limit {limit} ({gate.limit_text}), but not significantly worse "
                f"than the baseline (p={p:.2g} adjusted, n={gate.n}): passes"
            )
        return
    p = gate.p_adjusted if gate.p_adjusted is not None else 1.0
    if p < cfg.alpha:
        gate.status = "fail"
        gate.message += f" — significantly {side} the limit {limit} (p={p:.2g} adjusted)"
    else:
        gate.status = "warn"
        gate.message += (
            f" — {side} the limit {limit}, but not significantly (p={p:.2g} adjusted): "
            "too few cases to tell"
        )
