"""Sharded analysis (shards.py) gives exactly the in-memory result, whatever the shard count.

The per-case stage is a pure function of whole cases (DESIGN §5); these tests hold the
implementation to it on a real log and on a simulated one, for several ``K``.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from conftest import REPO, shared_log
from frictionminer.analysis import Result, analyze
from frictionminer.ingest import load, read_raw
from frictionminer.settings import Settings, load_settings
from frictionminer.shards import analyze_path, choose_shards, plan
from frictionminer.simulate import simulate
from frictionminer.simulate.api import scenario_config


def _same(sharded: Result, memory: Result) -> None:
    assert sharded.sharded is not None and memory.sharded is None
    assert_frame_equal(sharded.cases, memory.cases)
    assert_frame_equal(sharded.flags, memory.flags)
    assert sharded.instances == memory.instances
    assert sharded.summary() == memory.summary()
    assert sharded.events.height == 0
    assert sharded.events.columns == memory.events.columns


@pytest.fixture(scope="module")
def bpic2013(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Settings, Result]:
    """BPIC 2013 incidents as raw Parquet, with the worked example's config."""
    settings = load_settings(REPO / "docs" / "examples" / "bpic2013.toml")
    source = shared_log("bpic2013/BPI_Challenge_2013_incidents.xes.gz")
    path = tmp_path_factory.mktemp("bpic") / "incidents.parquet"
    read_raw(source, settings).frame.collect().write_parquet(path)
    return path, settings, analyze(load(path, settings), settings)


@pytest.fixture(scope="module")
def warranty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Settings, Result]:
    """A simulated warranty log (3,000 cases) with its scenario config."""
    folder = tmp_path_factory.mktemp("warranty")
    config = folder / "warranty.toml"
    config.write_text(scenario_config("warranty"))
    settings = load_settings(config)
    path = folder / "warranty.parquet"
    # Shuffle the rows: shards must not depend on the input order.
    simulate("warranty", 3000, 1).sample(fraction=1.0, shuffle=True, seed=7).write_parquet(path)
    return path, settings, analyze(load(path, settings), settings)


@pytest.mark.parametrize("k", [2, 3, 7])
def test_bpic2013_sharded_equals_memory(bpic2013: tuple[Path, Settings, Result], k: int) -> None:
    path, settings, memory = bpic2013
    sharded = analyze_path(path, settings, shards=k)
    assert sharded.sharded is not None and sharded.sharded.shards == k
    _same(sharded, memory)


@pytest.mark.parametrize("k", [2, 5, 16])
def test_simulated_sharded_equals_memory(warranty: tuple[Path, Settings, Result], k: int) -> None:
    path, settings, memory = warranty
    _same(analyze_path(path, settings, shards=k), memory)


def test_shard_count_does_not_change_results(warranty: tuple[Path, Settings, Result]) -> None:
    """A property over K: every K gives one and the same cases and flags table."""
    path, settings, _ = warranty
    results = [analyze_path(path, settings, shards=k) for k in (2, 4, 9, 64)]
    for other in results[1:]:
        assert_frame_equal(other.cases, results[0].cases)
        assert_frame_equal(other.flags, results[0].flags)


def test_explain_rereads_the_case(warranty: tuple[Path, Settings, Result]) -> None:
    path, settings, memory = warranty
    sharded = analyze_path(path, settings, shards=3)
    case_id = memory.cases["case_id"][0]
    events, row, flags = sharded.case(case_id)
    want_events, want_row, want_flags = memory.case(case_id)
    assert_frame_equal(events.select(want_events.columns), want_events)
    assert row == want_row
    assert_frame_equal(flags, want_flags)


def test_json_output_is_the_same(warranty: tuple[Path, Settings, Result]) -> None:
    path, settings, memory = warranty
    sharded = analyze_path(path, settings, shards=4)
    assert json.loads(sharded.as_json()) == json.loads(memory.as_json())


def test_plan_thresholds(warranty: tuple[Path, Settings, Result], tmp_path: Path) -> None:
    path, settings, memory = warranty
    rows = memory.event_count
    assert plan(path, settings) is None  # small: in memory
    assert plan(path, settings, shards=1) is None
    auto = plan(path, settings, threshold=rows - 1)
    assert auto is not None and auto.shards == 1 and auto.rows == rows
    assert choose_shards(100_000_000) == 10 and choose_shards(1) == 1
    csv = tmp_path / "log.csv"
    pl.read_parquet(path).write_csv(csv)
    assert plan(csv, settings) is None
    from frictionminer.errors import UsageError

    with pytest.raises(UsageError):
        plan(csv, settings, shards=3)


def test_flags_in_slices_equal_flags_at_once(
    warranty: tuple[Path, Settings, Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large tables evaluate the rules slice by slice (analysis.FLAG_CHUNK): same flags."""
    import frictionminer.analysis as analysis

    path, settings, memory = warranty
    monkeypatch.setattr(analysis, "FLAG_CHUNK", 500)
    sliced = analyze(load(path, settings), settings)
    assert_frame_equal(sliced.cases, memory.cases)
    assert_frame_equal(sliced.flags, memory.flags)
