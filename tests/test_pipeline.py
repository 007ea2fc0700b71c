"""One route into the analysis: every command and every strategy gives the same numbers.

``engine.pipeline.analyze`` is behind ``score``, ``explain``, ``report`` and ``audit``; it
runs the log in memory, in parallel parts or in case-hash shards (scale/executors.py).
These tests hold the commands to the in-memory result when the log is sharded, the
audit to the pipeline with ``censor_at`` (waits computed by hand), and the layers to
their order.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from conftest import REPO, SAMPLES, shared_log
from frictionminer import schema as S
from frictionminer.auditing.gates import run_audit
from frictionminer.auditing.window import Window
from frictionminer.cli import app
from frictionminer.engine.pipeline import WINDOW_END_ACTIVITY, analyze, score_and_flag_scored
from frictionminer.errors import UsageError
from frictionminer.io import load, read_raw
from frictionminer.settings.load import load_settings

runner = CliRunner()
MONDAY = datetime(2024, 5, 6, tzinfo=UTC)
_NOW = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?(\+00:00|Z| UTC)?")


def _invoke(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.stderr
    return res.stdout


@pytest.fixture(
    scope="module",
    params=["sample", "bpic2013"],
)
def parquet_log(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[str], str]:
    """A Parquet log, its config options and its worst case: a sample log with its
    scenario config, and BPIC 2013 incidents (real) as raw Parquet."""
    if request.param == "sample":
        path, config = SAMPLES / "sim_loan.parquet", SAMPLES / "sim_loan.toml"
    else:
        config = REPO / "docs" / "examples" / "bpic2013.toml"
        source = shared_log("bpic2013/BPI_Challenge_2013_incidents.xes.gz")
        path = tmp_path_factory.mktemp("bpic") / "incidents.parquet"
        read_raw(source, load_settings(config)).frame.collect().write_parquet(path)
    options = ["--config", str(config)]
    worst = analyze(path, load_settings(config)).cases["case_id"][0]
    return path, options, worst


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_explain_sharded_equals_memory(parquet_log: tuple[Path, list[str], str], fmt: str) -> None:
    path, options, case = parquet_log
    args = ["explain", str(path), case, *options, "--format", fmt]
    assert _invoke(*args, "--shards", "3") == _invoke(*args, "--shards", "1")


def test_explain_sharded_pseudonymised(parquet_log: tuple[Path, list[str], str]) -> None:
    """Pseudonymised, a sharded case is re-read by its real id: the same story."""
    path, options, case = parquet_log
    args = ["explain", str(path), case, *options, "--format", "json"]
    hidden = [*args, "--pseudonymize", "--pseudonym-key", "k"]
    memory = _invoke(*hidden, "--shards", "1")
    assert case not in memory and '"timeline": []' not in memory
    assert _invoke(*hidden, "--shards", "3") == memory


@pytest.mark.parametrize("hide", [[], ["--pseudonymize", "--pseudonym-key", "k"]])
def test_report_sharded_equals_memory(
    parquet_log: tuple[Path, list[str], str], tmp_path: Path, hide: list[str]
) -> None:
    """Causes and timelines come from the facts gathered per shard (no events held)."""
    path, options, _ = parquet_log
    pages = []
    for shards in ("1", "3"):
        out = tmp_path / f"report-{shards}.html"
        _invoke("report", str(path), *options, *hide, "-o", str(out), "-q", "--shards", shards)
        pages.append(_NOW.sub("<now>", out.read_text(encoding="utf-8")))
    assert pages[1] == pages[0]


def test_score_reads_a_path_as_load_does() -> None:
    settings = load_settings(SAMPLES / "sim_warranty.toml")
    path = SAMPLES / "sim_warranty.csv"
    by_path, loaded = analyze(path, settings), analyze(load(path, settings), settings)
    assert_frame_equal(by_path.cases, loaded.cases, check_exact=True)
    assert_frame_equal(by_path.events, loaded.events)
    assert by_path.as_json() == loaded.as_json()
    assert by_path.facts is not None


def test_a_loaded_log_cannot_be_sharded() -> None:
    settings = load_settings(SAMPLES / "sim_warranty.toml")
    log = load(SAMPLES / "sim_warranty.csv", settings)
    with pytest.raises(UsageError, match="--shards 3"):
        analyze(log, settings, shards=3)


# ------------------------------------------------------------------------- censoring


def _tiny_log(tmp_path: Path) -> Path:
    """Three cases, a window from Monday 00:00 to 24:00 (the log runs on to 30:00)."""
    h = lambda x: MONDAY + timedelta(hours=x)  # noqa: E731
    rows = [
        ("A", "Customer reports problem", h(0)),  # resolved inside: waits 0 → 6 h
        ("A", "Case resolved", h(6)),
        ("B", "Customer reports problem", h(10)),  # open at 24 h: waits 10 → 24 h
        ("B", "Check claim", h(12)),
        ("B", "Case resolved", h(30)),  # after the window
        ("C", "Customer reports problem", h(20)),  # open at 24 h: waits 20 → 24 h
    ]
    path = tmp_path / "tiny.csv"
    pl.DataFrame(rows, schema=["case_id", "activity", "timestamp"], orient="row").write_csv(path)
    return path


def test_audit_is_the_pipeline_with_censor_at(tmp_path: Path) -> None:
    settings = load_settings(cwd=Path("/nonexistent"))
    log = load(_tiny_log(tmp_path), settings)
    end = MONDAY + timedelta(hours=24)
    audited = run_audit(log, settings, window=Window(since=MONDAY, until=end))
    windowed = log.events.filter(pl.col("timestamp") < end)
    direct = analyze(dataclasses.replace(log, events=windowed), settings, censor_at=end)
    assert_frame_equal(audited.result.cases, direct.cases, check_exact=True)
    assert_frame_equal(audited.result.flags, direct.flags)
    assert_frame_equal(audited.result.events, direct.events)
    cases = {r["case_id"]: r for r in direct.cases.iter_rows(named=True)}
    waits = {c: cases[c]["customer_wait_hours"] for c in "ABC"}
    assert waits == pytest.approx({"A": 6.0, "B": 14.0, "C": 4.0})
    assert {c: cases[c]["events"] for c in "ABC"} == {"A": 2, "B": 2, "C": 1}
    assert [cases[c]["resolved"] for c in "ABC"] == [True, False, False]
    assert WINDOW_END_ACTIVITY not in direct.events["activity"].to_list()
    assert direct.events.height == windowed.height
    assert (audited.window.open_cases, audited.window.cases) == (2, 3)


def test_censoring_in_shards_equals_memory() -> None:
    """The per-case stage censors each part's open cases: shards give the same rows."""
    settings = load_settings(SAMPLES / "sim_loan.toml")
    path = SAMPLES / "sim_loan.parquet"
    end = pl.read_parquet(path)["timestamp"].max()
    assert isinstance(end, datetime)
    end = end.replace(tzinfo=UTC) if end.tzinfo is None else end
    memory = analyze(load(path, settings), settings, censor_at=end)
    sharded = analyze(path, settings, censor_at=end, shards=3)
    assert sharded.sharded is not None
    assert_frame_equal(sharded.cases, memory.cases, check_exact=True)
    assert_frame_equal(sharded.flags, memory.flags)
    assert not memory.cases["resolved"].all()  # some cases were censored
    case = memory.cases.filter(~pl.col("resolved"))["case_id"][0]
    assert_frame_equal(sharded.case(case)[0], memory.case(case)[0])


# ------------------------------------------------------------------------- the gathered stage


def test_score_and_flag_scored_leaves_its_input_alone() -> None:
    settings = load_settings(SAMPLES / "sim_warranty.toml")
    result = analyze(SAMPLES / "sim_warranty.csv", settings)
    scored = result.cases.sample(fraction=1.0, shuffle=True, seed=3)
    before = scored.clone()
    ranked, flags = score_and_flag_scored(scored, settings)
    assert_frame_equal(scored, before)
    assert_frame_equal(ranked, result.cases)
    assert_frame_equal(flags, result.flags)


# ------------------------------------------------------------------------- layers


def _imports(folder: Path) -> list[tuple[str, str]]:
    """(file, module) of every frictionminer import under ``folder``, also inside functions."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.append((path.name, node.module))
            elif isinstance(node, ast.Import):
                found.extend((path.name, alias.name) for alias in node.names)
    return [(f, m) for f, m in found if m.startswith("frictionminer.")]


def test_scale_does_not_import_the_layers_above() -> None:
    """scale/ runs the per-case stage it is given; it never imports engine/ (or higher)."""
    above = ("engine", "audit", "report", "cli", "simulate")
    scale = REPO / "src" / "frictionminer" / "scale"
    upward = [(f, m) for f, m in _imports(scale) if m.split(".")[1] in above]
    assert upward == []


def test_summary_only_facts_change_nothing_score_shows(tmp_path: Path) -> None:
    """``score`` gathers only the summary's facts: the same cases, flags and summary as a
    full run; a report from such a result gathers the rest from its events."""
    from frictionminer.api import analyze as fm_analyze
    from frictionminer.api import load_settings, report
    from frictionminer.engine.facts import SUMMARY_TABLES

    settings = load_settings(REPO / "sample_logs" / "stories.toml")
    log = str(REPO / "sample_logs" / "shoelace.csv")
    full, lean = fm_analyze(log, settings), fm_analyze(log, settings, summary_only=True)
    assert lean.facts is not None and set(lean.facts.tables) == {
        *SUMMARY_TABLES,
        "promises",
        "promise_pending",
        "observed",
    } - {"promise_pending"}
    assert lean.cases.equals(full.cases) and lean.flags.equals(full.flags)
    assert lean.summary() == full.summary()
    assert _unstamped(report(lean, lang="en")) == _unstamped(report(full, lang="en"))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_without_events_scores_the_same(
    workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``keep_events=False`` (``score``): the log's events go to the stage and are not kept,
    in one part or in parallel parts; cases, flags, facts and summary are unchanged."""
    from frictionminer.api import analyze as fm_analyze
    from frictionminer.api import load_settings
    from frictionminer.scale import executors

    monkeypatch.setattr(executors, "PARALLEL_MIN_EVENTS", 1)
    settings = load_settings(REPO / "sample_logs" / "sim_warranty.toml")
    log = str(REPO / "sample_logs" / "sim_warranty.csv")
    kept = fm_analyze(log, settings, workers=workers)
    lean = fm_analyze(log, settings, workers=workers, keep_events=False)
    assert kept.events.height > 1000 and lean.events.height == 0
    assert lean.events.columns == kept.events.columns
    assert lean.log.events.height == 0 and lean.log.events.columns == kept.log.events.columns
    assert lean.event_count == kept.event_count == kept.log.events.height
    assert lean.cases.equals(kept.cases) and lean.flags.equals(kept.flags)
    assert lean.summary() == kept.summary()
    assert lean.facts is not None and kept.facts is not None
    assert lean.facts.sorted().tables.keys() == kept.facts.sorted().tables.keys()
    for name, table in kept.facts.sorted().tables.items():
        assert lean.facts.sorted().tables[name].equals(table), name


@given(
    scores=st.lists(st.sampled_from([0.0, 1.5, 2.0, float("nan"), -1.0]), max_size=60),
    seed=st.integers(0, 10),
)
@settings(max_examples=60, deadline=None)
def test_ranking_by_score_alone_on_case_order_equals_the_two_key_sort(
    scores: list[float], seed: int
) -> None:
    """The ranking's stable sort on the score, over rows in case-id order, gives the order
    of (score descending, case id): ties (many here) go to the smaller case id."""
    from frictionminer.engine.pipeline import _sort_draining

    ids = [f"c{i:03d}" for i in range(len(scores))]
    frame = pl.DataFrame({S.CASE: ids, "friction_score": scores}).sample(
        fraction=1.0, shuffle=True, seed=seed
    )
    expected = frame.sort(["friction_score", S.CASE], descending=[True, False])
    in_case_order = frame.sort(S.CASE)
    ranked = _sort_draining(in_case_order, ["friction_score"], [True], stable=True)
    assert ranked.equals(expected)
    assert in_case_order.width == 0  # drained


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_without_the_logs_own_events_keeps_the_annotated_ones(
    workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``keep_log_events=False`` (``report``): the annotated events stay, the log's own
    events are not kept, and nothing the report reads changes."""
    from frictionminer.api import analyze as fm_analyze
    from frictionminer.api import load_settings, report
    from frictionminer.scale import executors

    monkeypatch.setattr(executors, "PARALLEL_MIN_EVENTS", 1)
    settings = load_settings(REPO / "sample_logs" / "sim_warranty.toml")
    log = str(REPO / "sample_logs" / "sim_warranty.csv")
    kept = fm_analyze(log, settings, workers=workers)
    lean = fm_analyze(log, settings, workers=workers, keep_log_events=False)
    assert lean.events.equals(kept.events)
    assert lean.log.events.height == 0 and lean.log.events.columns == kept.log.events.columns
    assert lean.event_count == kept.event_count
    assert lean.cases.equals(kept.cases) and lean.flags.equals(kept.flags)
    assert _unstamped(report(lean, lang="en")) == _unstamped(report(kept, lang="en"))


def _unstamped(html: str) -> str:
    """The report without its generation time (two reports a minute apart differ there)."""
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "<generated>", html)
