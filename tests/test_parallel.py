"""The per-case stage in parallel case-hash parts equals the serial stage."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from frictionminer.engine import pipeline as analysis
from frictionminer.engine.paths import select_instances
from frictionminer.engine.pipeline import analyze, measure_cases, measure_cases_parallel
from frictionminer.io import load
from frictionminer.settings.load import load_settings

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"
PATH_ORDER = ["case_id", "timestamp", "event_index"]


@pytest.mark.parametrize("scenario", ["warranty", "it_incident", "loan"])
@pytest.mark.parametrize("workers", [2, 3, 7])
def test_parts_give_the_serial_rows(
    scenario: str, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = SAMPLES / f"sim_{scenario}.toml"
    log_file = next(p for p in SAMPLES.glob(f"sim_{scenario}.*") if p.suffix != ".toml")
    settings = load_settings(config)
    instances, _ = select_instances(load(log_file, settings).events, settings.measures)
    events, measures = measure_cases(instances, settings)
    monkeypatch.setattr(analysis, "PARALLEL_MIN_EVENTS", 0)
    p_events, p_measures = measure_cases_parallel(instances, settings, workers=workers)
    assert_frame_equal(p_measures.sort("case_id"), measures.sort("case_id"), check_exact=True)
    assert_frame_equal(p_events.sort(PATH_ORDER), events.sort(PATH_ORDER))
    # each case's events stay together and in path order within the parallel result
    runs = p_events.select(pl.col("case_id").rle_id().max() + 1).item()
    assert runs == measures.height
    assert p_events.select(pl.col("seq").diff().over("case_id").drop_nulls().min()).item() == 1


def test_analyze_ranks_and_flags_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(SAMPLES / "sim_warranty.toml")
    log = load(SAMPLES / "sim_warranty.csv", settings)
    serial = analyze(log, settings)
    monkeypatch.setattr(analysis, "PARALLEL_MIN_EVENTS", 0)
    monkeypatch.setattr(analysis, "MAX_WORKERS", 3)
    parallel = analyze(log, settings)
    assert_frame_equal(parallel.cases, serial.cases, check_exact=True)
    assert_frame_equal(parallel.flags, serial.flags)
    assert parallel.as_json() == serial.as_json()
