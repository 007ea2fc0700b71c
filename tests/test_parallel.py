"""The per-case stage in parallel case-hash parts equals the serial stage."""

from __future__ import annotations

import functools
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from frictionminer.engine.pipeline import analyze, case_stage
from frictionminer.io import load
from frictionminer.scale import executors
from frictionminer.scale.executors import Serial, ThreadParts
from frictionminer.settings.load import load_settings

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"
PATH_ORDER = ["case_id", "timestamp", "event_index"]


@pytest.mark.parametrize("scenario", ["warranty", "it_incident", "loan"])
@pytest.mark.parametrize("workers", [2, 3, 7])
def test_parts_give_the_serial_rows(scenario: str, workers: int) -> None:
    config = SAMPLES / f"sim_{scenario}.toml"
    log_file = next(p for p in SAMPLES.glob(f"sim_{scenario}.*") if p.suffix != ".toml")
    settings = load_settings(config)
    log = load(log_file, settings)
    serial, parts = Serial(log, settings.measures), ThreadParts(log, settings.measures, workers)
    assert serial.lifecycle == parts.lifecycle
    stage = functools.partial(case_stage, settings=settings, transition=serial.lifecycle.transition)
    (whole,) = serial.map_cases(stage).parts
    run = parts.map_cases(stage)
    assert len(run.parts) == workers and run.log is log
    assert sum(p.kept for p in run.parts) == whole.kept
    p_events = pl.concat([p.events for p in run.parts if p.events is not None])
    p_measures = pl.concat([p.measures for p in run.parts])
    assert_frame_equal(p_measures.sort("case_id"), whole.measures, check_exact=True)
    assert whole.events is not None
    assert_frame_equal(p_events.sort(PATH_ORDER), whole.events.sort(PATH_ORDER))
    # each case's events stay together and in path order within the parallel result
    runs = p_events.select(pl.col("case_id").rle_id().max() + 1).item()
    assert runs == whole.measures.height
    assert p_events.select(pl.col("seq").diff().over("case_id").drop_nulls().min()).item() == 1


def test_analyze_ranks_and_flags_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(SAMPLES / "sim_warranty.toml")
    log = load(SAMPLES / "sim_warranty.csv", settings)
    serial = analyze(log, settings)
    monkeypatch.setattr(executors, "PARALLEL_MIN_EVENTS", 0)
    assert isinstance(executors.executor_for(log, settings, workers=3), ThreadParts)
    parallel = analyze(log, settings, workers=3)
    assert_frame_equal(parallel.cases, serial.cases, check_exact=True)
    assert_frame_equal(parallel.flags, serial.flags)
    assert parallel.instances == serial.instances
    assert parallel.as_json() == serial.as_json()


def test_one_worker_is_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(SAMPLES / "sim_warranty.toml")
    log = load(SAMPLES / "sim_warranty.csv", settings)
    monkeypatch.setattr(executors, "PARALLEL_MIN_EVENTS", 0)
    assert type(executors.executor_for(log, settings, workers=1)) is Serial
