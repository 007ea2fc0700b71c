"""Quality of the flags, measured: precision and recall of each flag against ``injected``.

The simulated log is written to Parquet with its scenario's config, read back and scored
exactly as ``frictionminer score LOG --config CONFIG`` would at default settings; every
flag raised is compared with the case's ``case:injected`` labels.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from frictionminer.simulation.api import scenario_config, simulate

RULE_IDS = tuple(f"FM00{i}" for i in range(1, 10))


def score_simulated(
    scenario: str, cases: int, seed: int, rates: float | Mapping[str, float] | None = None
) -> pl.DataFrame:
    """One row per case: ``case_id``, ``injected`` (labels) and ``flagged`` (raised ids)."""
    from frictionminer.engine.pipeline import analyze
    from frictionminer.io import load
    from frictionminer.settings.load import load_settings

    events = simulate(scenario, cases, seed, rates)
    with tempfile.TemporaryDirectory() as tmp:
        log, config = Path(tmp) / "log.parquet", Path(tmp) / "config.toml"
        events.write_parquet(log)
        config.write_text(scenario_config(scenario), encoding="utf-8")
        settings = load_settings(config)
        result = analyze(load(str(log), settings), settings)
    labels = events.group_by("case_id").agg(pl.col("case:injected").first().alias("injected"))
    raised = result.flags.group_by("case_id").agg(
        pl.col("rule").unique().sort().str.join(";").alias("flagged")
    )
    return (
        labels.join(raised, on="case_id", how="left")
        .with_columns(pl.col("flagged").fill_null(""))
        .sort("case_id")
    )


def flag_quality(
    scenario: str,
    cases: int,
    seed: int,
    rates: float | Mapping[str, float] | None = None,
    rules: tuple[str, ...] = RULE_IDS,
) -> pl.DataFrame:
    """Per rule: labelled and flagged cases, true positives, precision and recall.

    Precision is 1.0 when nothing was flagged and recall 1.0 when nothing was labelled
    (nothing to get wrong); ``labelled`` says how much evidence a row has.  ``rules``:
    FM001-FM009 by default; FM013 needs the ``survey-after-friction`` pattern.
    """
    scored = score_simulated(scenario, cases, seed, rates)
    rows = []
    for rid in rules:
        lab = scored["injected"].str.contains(rid, literal=True)
        got = scored["flagged"].str.contains(rid, literal=True)
        tp, n_lab, n_got = int((lab & got).sum()), int(lab.sum()), int(got.sum())
        rows.append(
            {
                "scenario": scenario,
                "rule": rid,
                "labelled": n_lab,
                "flagged": n_got,
                "true_positives": tp,
                "precision": tp / n_got if n_got else 1.0,
                "recall": tp / n_lab if n_lab else 1.0,
            }
        )
    return pl.DataFrame(rows)
