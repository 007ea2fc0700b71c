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
    return precision_recall(scenario, scored, rules)


def precision_recall(scenario: str, scored: pl.DataFrame, rules: tuple[str, ...]) -> pl.DataFrame:
    """Per rule over ``scored`` (``injected`` and ``flagged``, ``;``-joined ids per row):
    labelled and flagged rows, true positives, precision and recall."""
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


def journey_quality(
    scenario: str, customers: int, seed: int, rates: float | Mapping[str, float] | None = None
) -> pl.DataFrame:
    """Per journey rule (FM010, FM011): labelled and flagged journeys, precision, recall.

    The journey scenario's log is written and scored as ``frictionminer score LOG --config
    CONFIG --journey`` would; a journey's label is its cases' ``case:journey_injected``
    (the true journey ``case:journey``); a raised flag counts for the journey the engine
    formed.  A journey the engine forms differently from the truth counts as a miss for
    its label and a false alarm for its flag.
    """
    from frictionminer.engine.journeys import build_journeys
    from frictionminer.engine.pipeline import analyze
    from frictionminer.io import load
    from frictionminer.settings.load import load_settings
    from frictionminer.simulation.journeys import JOURNEY_RULE_IDS

    events = simulate(scenario, customers, seed, rates)
    with tempfile.TemporaryDirectory() as tmp:
        log, config = Path(tmp) / "log.parquet", Path(tmp) / "config.toml"
        events.write_parquet(log)
        config.write_text(scenario_config(scenario), encoding="utf-8")
        settings = load_settings(config)
        result = analyze(load(str(log), settings), settings)
    journeys = build_journeys(result.events, result.cases, settings, coverage=result.coverage)
    labels = events.group_by("case:journey").agg(
        pl.col("case:journey_injected").first().alias("injected")
    )
    raised = journeys.flags.group_by("journey_id").agg(
        pl.col("rule").unique().sort().str.join(";").alias("flagged")
    )
    scored = labels.join(
        raised, left_on="case:journey", right_on="journey_id", how="full", coalesce=True
    ).with_columns(pl.col("injected").fill_null(""), pl.col("flagged").fill_null(""))
    table = precision_recall(scenario, scored, JOURNEY_RULE_IDS)
    return table.insert_column(2, pl.Series("journeys", [labels.height] * table.height))
