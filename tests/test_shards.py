"""Sharded analysis gives exactly the in-memory result, whatever the shard count.

The per-case stage is a pure function of whole cases (DESIGN §5); these tests hold the
implementation to it on a real log and on a simulated one, for several ``K``.  The log
is split once into temporary shard files (shards.split); the tests also check that the
split is a partition of the rows by case and that its folder is removed, on success and
on failure.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from conftest import REPO, shared_log
from frictionminer.engine.pipeline import analyze
from frictionminer.engine.result import Result
from frictionminer.errors import UsageError
from frictionminer.io import load, read_raw
from frictionminer.scale.plan import ShardPlan
from frictionminer.scale.shards import choose_shards, plan, split
from frictionminer.settings import Settings
from frictionminer.settings.load import load_settings
from frictionminer.simulation import simulate
from frictionminer.simulation.api import scenario_config


def _same(sharded: Result, memory: Result) -> None:
    assert sharded.sharded is not None and memory.sharded is None
    assert_frame_equal(sharded.cases, memory.cases, check_exact=True)
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
    return path, settings, analyze(path, settings, shards=1)


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
    return path, settings, analyze(path, settings, shards=1)


@pytest.mark.parametrize("k", [2, 3, 7])
def test_bpic2013_sharded_equals_memory(bpic2013: tuple[Path, Settings, Result], k: int) -> None:
    path, settings, memory = bpic2013
    sharded = analyze(path, settings, shards=k)
    assert sharded.sharded is not None and sharded.sharded.shards == k
    _same(sharded, memory)


@pytest.mark.parametrize("k", [2, 5, 16])
@pytest.mark.parametrize("workers", [1, 2])
def test_simulated_sharded_equals_memory(
    warranty: tuple[Path, Settings, Result], k: int, workers: int
) -> None:
    """Shards measured one after the other or two at a time (threads): same result."""
    path, settings, memory = warranty
    _same(analyze(path, settings, shards=k, workers=workers), memory)


def test_shard_count_does_not_change_results(warranty: tuple[Path, Settings, Result]) -> None:
    """A property over K: every K gives one and the same cases and flags table."""
    path, settings, _ = warranty
    results = [analyze(path, settings, shards=k) for k in (2, 4, 9, 64)]
    for other in results[1:]:
        assert_frame_equal(other.cases, results[0].cases, check_exact=True)
        assert_frame_equal(other.flags, results[0].flags)


def test_explain_rereads_the_case(warranty: tuple[Path, Settings, Result]) -> None:
    path, settings, memory = warranty
    sharded = analyze(path, settings, shards=3)
    case_id = memory.cases["case_id"][0]
    events, row, flags = sharded.case(case_id)
    want_events, want_row, want_flags = memory.case(case_id)
    assert_frame_equal(events.select(want_events.columns), want_events)
    assert row == want_row
    assert_frame_equal(flags, want_flags)


def test_json_output_is_the_same(warranty: tuple[Path, Settings, Result]) -> None:
    path, settings, memory = warranty
    sharded = analyze(path, settings, shards=4)
    assert json.loads(sharded.as_json()) == json.loads(memory.as_json())


def test_plan_thresholds(warranty: tuple[Path, Settings, Result], tmp_path: Path) -> None:
    path, settings, memory = warranty
    rows = memory.event_count
    assert plan(path, settings) is None  # small: in memory
    assert plan(path, settings, shards=1) is None
    auto = plan(path, settings, threshold=rows - 1)
    assert auto is not None and auto.shards == 1 and auto.rows == rows
    assert choose_shards(100_000_000) == 20 and choose_shards(1) == 1
    assert choose_shards(100_000_000, 10_000_000) == 10
    csv = tmp_path / "log.csv"
    pl.read_parquet(path).write_csv(csv)
    assert plan(csv, settings) is None
    with pytest.raises(UsageError):
        plan(csv, settings, shards=3)


def test_flags_in_slices_equal_flags_at_once(
    warranty: tuple[Path, Settings, Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large tables evaluate the rules slice by slice (analysis.FLAG_CHUNK): same flags."""
    import frictionminer.engine.pipeline as analysis

    path, settings, memory = warranty
    monkeypatch.setattr(analysis, "FLAG_CHUNK", 500)
    sliced = analyze(load(path, settings), settings)
    assert_frame_equal(sliced.cases, memory.cases, check_exact=True)
    assert_frame_equal(sliced.flags, memory.flags)


def test_split_partitions_the_rows_by_case(
    warranty: tuple[Path, Settings, Result], tmp_path: Path
) -> None:
    """One pass writes every row once, each case whole into one shard, with its global
    row index, in input order within the shard."""
    path, settings, _ = warranty
    shard_plan = plan(path, settings, shards=5)
    assert shard_plan is not None
    files = split(shard_plan, tmp_path)
    assert len(files) == 5 and all(files)
    shards = [pl.read_parquet(f, hive_partitioning=False) for f in files]
    source = pl.read_parquet(path).with_row_index("__fm_row")
    whole = pl.concat(shards).sort("__fm_row")
    assert_frame_equal(whole, source.select(whole.columns))
    assert all(s["__fm_row"].is_sorted() for s in shards)
    case = shard_plan.columns.case
    assert isinstance(case, str)
    owners = pl.concat(
        [s.select(case).unique().with_columns(pl.lit(k).alias("k")) for k, s in enumerate(shards)]
    )
    assert owners[case].is_unique().all()


def test_shard_files_are_removed(warranty: tuple[Path, Settings, Result], tmp_path: Path) -> None:
    """The shard files live in a temporary folder inside ``workdir``, gone afterwards."""
    import frictionminer.scale.shards as shards

    path, settings, memory = warranty
    seen: list[list[Path]] = []
    real_split = shards.split

    def spy(shard_plan: ShardPlan, folder: str | Path) -> list[list[Path]]:
        files = real_split(shard_plan, folder)
        seen.append([f for fs in files for f in fs])
        assert Path(folder).parent == tmp_path
        return files

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(shards, "split", spy)
        _same(analyze(path, settings, shards=3, workdir=tmp_path), memory)
    assert seen and len(seen[0]) == 3
    assert not any(f.exists() for f in seen[0])
    assert list(tmp_path.iterdir()) == []


def test_shard_files_are_removed_on_failure(
    warranty: tuple[Path, Settings, Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import frictionminer.engine.pipeline as analysis

    path, settings, _ = warranty
    calls = 0
    real = analysis.case_stage

    def fail_on_second_shard(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("shard failed")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis, "case_stage", fail_on_second_shard)
    with pytest.raises(RuntimeError, match="shard failed"):
        analyze(path, settings, shards=8, workdir=tmp_path, workers=2)
    assert calls >= 2
    assert list(tmp_path.iterdir()) == []


def test_empty_log_is_a_usage_error(tmp_path: Path) -> None:
    settings = load_settings()
    path = tmp_path / "empty.parquet"
    pl.DataFrame(
        {"case_id": [], "activity": [], "timestamp": []},
        schema={"case_id": pl.String, "activity": pl.String, "timestamp": pl.Datetime("us")},
    ).write_parquet(path)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(UsageError, match="empty"):
        analyze(path, settings, shards=2, workdir=work)
    assert list(work.iterdir()) == []


def test_split_without_partitioned_sink(
    warranty: tuple[Path, Settings, Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """polars without ``PartitionBy`` (< 2): one filtered sink per shard, same result."""
    path, settings, memory = warranty
    monkeypatch.delattr(pl, "PartitionBy")
    _same(analyze(path, settings, shards=3), memory)


def test_plan_carries_its_case_reader(warranty: tuple[Path, Settings, Result]) -> None:
    """``Result.case`` re-reads through the plan the pipeline returns; a plan without a
    reader (as :func:`plan` makes it) says so."""
    import dataclasses

    path, settings, _ = warranty
    shard_plan = analyze(path, settings, shards=2).sharded
    assert shard_plan is not None and shard_plan.reread is not None
    bare = dataclasses.replace(shard_plan, reread=None)
    assert bare == shard_plan  # the reader is not part of the plan's identity
    with pytest.raises(RuntimeError, match="re-reader"):
        bare.case_events(settings, "x")
