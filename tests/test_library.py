"""The library face (`import frictionminer as fm`): the API, its docs, its reprs, its errors."""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

import frictionminer as fm
from conftest import REPO, SAMPLES, shared_log
from frictionminer.cli import app

API = ["analyze", "audit", "convert", "explain", "load", "load_settings", "report", "simulate"]
STORIES = SAMPLES / "stories.toml"
SHOELACE = SAMPLES / "shoelace.csv"


def _blocks(path: Path) -> list[tuple[str, str | None]]:
    """The python blocks of a page, each with the ```text block right after it (if any)."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(r"```python\n(.*?)```\s*(?:```text\n(.*?)```)?", re.S)
    return [(m.group(1), m.group(2)) for m in pattern.finditer(text)]


def test_docs_library_runs_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every python block of docs/library.md runs, in order, in one namespace; where a
    text block follows, it is exactly what the block prints."""
    shutil.copytree(SAMPLES, tmp_path / "sample_logs")
    monkeypatch.chdir(tmp_path)
    blocks = _blocks(REPO / "docs" / "library.md")
    assert len(blocks) >= 6
    namespace: dict[str, object] = {"__name__": "docs_library"}
    for number, (code, expected) in enumerate(blocks, start=1):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"docs/library.md block {number}", "exec"), namespace)
        if expected is not None:
            assert out.getvalue().strip() == expected.strip(), f"block {number}:\n{code}"
    assert (tmp_path / "shoelace.html").exists()


def test_readme_links_the_library_page() -> None:
    assert "(docs/library.md)" in (REPO / "README.md").read_text(encoding="utf-8")


def _cli_scores() -> pl.DataFrame:
    res = CliRunner().invoke(
        app, ["score", str(SHOELACE), "--config", str(STORIES), "--format", "json"]
    )
    assert res.exit_code == 0, res.stderr
    cases = json.loads(res.stdout)["cases"]
    return pl.DataFrame(
        {
            "case_id": [c["case_id"] for c in cases],
            "friction_score": [c["friction_score"] for c in cases],
        }
    )


def _scores(result: fm.Result) -> pl.DataFrame:
    return result.cases.select("case_id", pl.col("friction_score").round(3))


def test_polars_frame_scores_like_the_cli() -> None:
    settings = fm.load_settings(STORIES)
    log = fm.load(pl.read_csv(SHOELACE), settings)
    assert log.source == "<polars.DataFrame>"
    assert_frame_equal(_scores(fm.analyze(log, settings)), _cli_scores())


def test_pandas_frame_scores_like_the_cli() -> None:
    pd = pytest.importorskip("pandas")
    settings = fm.load_settings(str(STORIES))
    frame = pd.read_csv(SHOELACE).rename(columns={"case_id": "Ticket", "activity": "Step"})
    log = fm.load(frame, settings, case="Ticket", activity="Step")
    assert log.source == "<pandas.DataFrame>"
    assert_frame_equal(_scores(fm.analyze(log, settings)), _cli_scores())


def test_analyze_takes_a_path_or_a_lazy_frame() -> None:
    settings = fm.load_settings(STORIES)
    expected = _cli_scores()
    assert_frame_equal(_scores(fm.analyze(str(SHOELACE), settings)), expected)
    assert_frame_equal(_scores(fm.analyze(pl.scan_csv(SHOELACE), settings)), expected)


def test_the_frame_is_not_changed() -> None:
    frame = pl.read_csv(SHOELACE)
    before = frame.clone()
    fm.load(frame, fm.load_settings(STORIES))
    assert_frame_equal(frame, before)


def test_dir_shows_the_api() -> None:
    names = set(dir(fm))
    assert set(API) <= names
    assert {"Settings", "Result", "EventLog", "__version__", "FrictionminerError"} <= names
    assert {"InputError", "SchemaError", "ConfigError", "UsageError"} <= names
    assert sorted(fm.__all__) == sorted(names)
    for name in fm.__all__:
        assert getattr(fm, name) is not None, name


def test_version_is_the_package_metadata() -> None:
    assert fm.__version__ == importlib.metadata.version("frictionminer")


def test_functions_keep_their_names_beside_the_subpackages() -> None:
    """Importing the subpackages (every way) does not hide the functions of the face."""
    import frictionminer.auditing.gates as gates
    import frictionminer.reporting.html  # noqa: F401
    from frictionminer.simulation import scenario_config

    assert callable(gates.run_audit) and callable(scenario_config)
    for name in ("audit", "report", "simulate"):
        assert getattr(fm, name).__module__ == "frictionminer.api", name


def test_import_stays_cheap() -> None:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import frictionminer"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines()}
    assert "frictionminer" in imported
    assert not {m for m in imported if m.split(".")[0] in ("polars", "typer", "rich", "numpy")}


def test_reprs_are_short_for_a_real_log() -> None:
    path = shared_log("helpdesk/helpdesk.xes.gz")
    settings = fm.load_settings()
    log = fm.load(path, settings)
    result = fm.analyze(log, settings)
    assert len(repr(log)) < 500 and repr(log).startswith("EventLog(")
    assert len(repr(result)) < 500 and repr(result).startswith("Result(")
    assert f"cases={result.cases.height:,}" in repr(result)
    html = result._repr_html_()
    assert html.count("<tr><td>") == 10  # the top 10 cases
    story = fm.explain(result, result.cases["case_id"][0])
    assert len(repr(story)) < 500


def test_html_reprs_escape_case_ids() -> None:
    frame = pl.read_csv(SHOELACE).with_columns(
        pl.col("case_id").str.replace("W-1001", "<b>W&1001</b>")
    )
    settings = fm.load_settings(STORIES)
    log = fm.load(frame, settings)
    result = fm.analyze(log, settings)
    html = result._repr_html_()
    assert "<b>W&1001</b>" not in html
    assert "&lt;b&gt;W&amp;1001&lt;/b&gt;" in html
    assert "<b>W&1001</b>" not in log._repr_html_()
    assert "<b>W&1001</b>" not in fm.explain(result, "<b>W&1001</b>")._repr_html_()


def test_explain_renders_text_and_json() -> None:
    settings = fm.load_settings(STORIES)
    result = fm.analyze(SHOELACE, settings)
    story = fm.explain(result, "W-1001")
    assert "W-1001" in story.as_text() and str(story) == story.as_text()
    assert json.loads(story.as_json())["case_id"] == "W-1001"
    res = CliRunner().invoke(
        app, ["explain", str(SHOELACE), "W-1001", "--config", str(STORIES), "-f", "json"]
    )
    assert res.exit_code == 0
    assert json.loads(res.stdout) == json.loads(story.as_json())


def test_report_returns_and_writes_the_same_html(tmp_path: Path) -> None:
    settings = fm.load_settings(STORIES)
    result = fm.analyze(SHOELACE, settings)
    target = tmp_path / "r.html"
    html = fm.report(result, target, lang="de", top=3, timelines=1)
    assert target.read_text(encoding="utf-8") == html
    assert not list(tmp_path.glob(".*.part"))
    with pytest.raises(fm.UsageError, match="lang 'fr'"):
        fm.report(result, lang="fr")


def test_audit_window_and_baseline(tmp_path: Path) -> None:
    settings = fm.load_settings(STORIES, audit={"max_median": {"interactions": 10}})
    baseline = tmp_path / "b.json"
    first = fm.audit(SHOELACE, settings, until="2026-03-06", save_baseline=baseline)
    assert baseline.exists() and first.status == "pass"
    week = fm.audit(str(SHOELACE), settings, baseline=baseline, window="7d")
    assert week.window.cases == 3 and week.baseline is not None
    with pytest.raises(fm.UsageError, match="--window"):
        fm.audit(SHOELACE, settings, window="seven days")


def test_simulate_and_convert_match_the_cli(tmp_path: Path) -> None:
    events = fm.simulate("warranty", cases=30, seed=3, output=tmp_path / "a.csv")
    res = CliRunner().invoke(
        app, ["simulate", "warranty", "-n", "30", "-s", "3", "-o", str(tmp_path / "b.csv")]
    )
    assert res.exit_code == 0, res.stderr
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert events["case_id"].n_unique() == 30
    summary = fm.convert(tmp_path / "a.csv", tmp_path / "a.parquet")
    assert (summary.format, summary.cases) == ("parquet", 30)
    with pytest.raises(fm.UsageError, match="partition_by 'year'"):
        fm.convert(tmp_path / "a.csv", tmp_path / "p", partition_by="year")


@pytest.mark.parametrize(
    "call",
    [
        lambda: fm.load(SHOELACE, cas="case_id"),
        lambda: fm.load(SHOELACE, category="product"),
        lambda: fm.load_settings(colums={"case": "x"}),
        lambda: fm.load_settings(columns="case_id"),
        lambda: fm.analyze(SHOELACE, None, shard=2),
        lambda: fm.report(None, "x.html", language="de"),
        lambda: fm.explain(None, "W-1001", verbose=True),
        lambda: fm.simulate("warranty", case=10),
    ],
    ids=[
        "load",
        "load-category",
        "settings-table",
        "settings-value",
        "analyze",
        "report",
        "explain",
        "simulate",
    ],
)
def test_unknown_arguments_raise_type_error(call: object) -> None:
    with pytest.raises(TypeError):
        call()


def test_load_rejects_what_is_not_a_log() -> None:
    with pytest.raises(fm.UsageError, match=r"cannot read a log from int 123") as info:
        fm.load(123)
    assert "polars or pandas DataFrame" in str(info.value)
    assert isinstance(info.value, fm.FrictionminerError)
    with pytest.raises(fm.InputError, match="no such file"):
        fm.load("missing.csv")
    with pytest.raises(fm.ConfigError, match=r"columns\.cas"):
        fm.load_settings(columns={"cas": "x"})


def test_audit_result_repr_is_one_line_with_the_verdict() -> None:
    settings = fm.load_settings(
        SAMPLES / "sim_warranty.toml", audit={"max_flag_share": {"FM001": 0.01}}
    )
    week = fm.audit(SAMPLES / "sim_warranty.csv", settings, window="30d")
    text = repr(week)
    assert "\n" not in text and len(text) < 300
    assert (
        text.startswith("AuditResult(status='fail'") and "failed=['max_flag_share.FM001']" in text
    )
