"""Systemic versus exceptional friction: a rule that holds for much of a log is a finding
about the process, and its case flags then mark the cases that stand out from that log.

A flag on nine cases in ten ranks nothing: when a rule's condition (its absolute threshold,
e.g. FM004's 72 hours without news) holds for more than ``[systemic] share`` of a log's
cases, the rule is *systemic* on that log.  It is reported once, at the log level, with
the share and the measure's median and 90th percentile ("93% of cases wait more than 72 h
without news, median 41 days"), and its case flags keep only the cases above the log's
norm: the measure above Tukey's upper fence of the log, ``Q3 + [systemic] fence x IQR``,
and never below the absolute threshold (the floor).  Should that still flag more than
``share`` of the cases (counts with many ties), the threshold rises to the log's
``1 - share`` quantile, so that no rule flags more than ``share`` of a log.  A yes/no rule
(FM009) has no measure to rank cases by: when systemic it is reported at the log level
only, and flags no case.  On a log where a rule holds for few cases nothing changes.

The norms are computed over the whole gathered table of cases (every execution strategy
gives the same), before the flags are evaluated in slices (docs/friction-model.md §8).
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from frictionminer.engine.rules.registry import (
    RULES,
    Norm,
    Params,
    Rule,
    effective_params,
    is_enabled,
)
from frictionminer.settings import Settings


def log_norms(
    scored: pl.DataFrame, settings: Settings, *, suppressed: Collection[str] = ()
) -> dict[str, Norm]:
    """The rules that are systemic on ``scored`` (every case of the log), by id."""
    n = scored.height
    limit = settings.systemic.share
    cfg = settings.rules
    active = [
        (r, effective_params(r, cfg))
        for r in RULES.values()
        if is_enabled(r, cfg) and r.id not in suppressed
    ]
    if n < max(settings.systemic.min_cases, 1) or not active:
        return {}
    optional = {
        name: dtype
        for r, _ in active
        for name, dtype in r.optional_columns.items()
        if name not in scored.columns
    }
    frame = scored.lazy().with_columns(pl.lit(None, dtype=d).alias(k) for k, d in optional.items())
    held = (
        frame.select([r.when(p).fill_null(False).sum().alias(r.id) for r, p in active])
        .collect()
        .row(0, named=True)
    )
    norms: dict[str, Norm] = {}
    for r, p in active:
        cases = int(held[r.id] or 0)
        share = cases / n
        if share <= limit:
            continue
        if r.measure is None:
            norms[r.id] = Norm(r.id, cases, share, None, None, None, None, None)
            continue
        norms[r.id] = _measured_norm(scored, r, p, cases, share, settings)
    return norms


def _measured_norm(
    scored: pl.DataFrame, rule: Rule, params: Params, cases: int, share: float, settings: Settings
) -> Norm:
    assert rule.measure is not None
    limit, k = settings.systemic.share, settings.systemic.fence
    col = pl.col(rule.measure).cast(pl.Float64)
    q = scored.select(
        col.quantile(0.25, "linear").alias("q1"),
        col.quantile(0.75, "linear").alias("q3"),
        col.median().alias("median"),
        col.quantile(0.9, "linear").alias("p90"),
        col.quantile(1.0 - limit, "higher").alias("cap"),
    ).row(0, named=True)
    if q["q3"] is None:  # the measure is empty on this log: nothing stands out
        return Norm(rule.id, cases, share, rule.measure, None, None, None, None)
    floor = params.get(rule.floor) if rule.floor else None
    floor_value = float(floor) if isinstance(floor, int | float) else None
    fence = q["q3"] + k * (q["q3"] - q["q1"])
    threshold = max(fence, floor_value) if floor_value is not None else fence
    above = scored.select((rule.when(params).fill_null(False) & (col > threshold)).mean()).item()
    if above is not None and above > limit:
        threshold = max(threshold, q["cap"])
    return Norm(
        rule.id,
        cases,
        share,
        rule.measure,
        None if q["median"] is None else float(q["median"]),
        None if q["p90"] is None else float(q["p90"]),
        floor_value,
        float(threshold),
    )
