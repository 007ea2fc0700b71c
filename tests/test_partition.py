"""``convert --partition-by`` and ``audit --window`` reading only the partitions it needs."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from conftest import shared_log
from frictionminer import schema as S
from frictionminer.auditing.gates import run_audit
from frictionminer.auditing.window import Window, load_logs
from frictionminer.cli import app
from frictionminer.io import load
from frictionminer.io.partitions import MANIFEST, read_manifest
from frictionminer.settings.load import load_settings

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture(scope="module")
def helpdesk_weeks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("p") / "weeks"
    code, _, err = run(
        "convert",
        str(shared_log("helpdesk/helpdesk.xes.gz")),
        "-o",
        str(out),
        "--partition-by",
        "week",
    )
    assert code == 0, err
    return out


def _canonical(df: pl.DataFrame) -> pl.DataFrame:
    """Rows per case in their order (partitions reorder cases, never a case's events)."""
    return df.drop(S.EVENT_INDEX).with_row_index("_i").sort(S.CASE, "_i").drop("_i")


def test_round_trip_equals_the_input(helpdesk_weeks: Path) -> None:
    settings = load_settings(None)
    original = load(shared_log("helpdesk/helpdesk.xes.gz"), settings).events
    back = load(helpdesk_weeks, settings).events
    assert "week" not in back.columns  # the partition key is not an attribute
    assert back.columns == original.columns
    assert _canonical(back).equals(_canonical(original))


def test_layout_and_manifest(helpdesk_weeks: Path) -> None:
    dirs = sorted(p.name for p in helpdesk_weeks.iterdir() if p.is_dir())
    assert dirs[0] == "week=2010-W02" and all(d.startswith("week=") for d in dirs)
    manifest = read_manifest(helpdesk_weeks)
    assert manifest is not None and manifest.events == 21_348
    assert sum(p.cases for p in manifest.partitions) == 4_580  # no case split
    for p in manifest.partitions:
        df = pl.read_parquet(helpdesk_weeks / p.files[0])
        starts = df.group_by(S.CASE).agg(pl.col(S.TIMESTAMP).min())[S.TIMESTAMP]
        assert {s.strftime("%G-W%V") for s in starts} == {p.key}
        assert df[S.TIMESTAMP].max() == p.last_event


def test_refuses_a_non_empty_folder_and_overwrites_atomically(tmp_path: Path) -> None:
    src = str(shared_log("helpdesk/helpdesk.xes.gz"))
    out = tmp_path / "m"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    code, _, err = run("convert", src, "-o", str(out), "--partition-by", "month")
    assert code == 2 and "not empty" in err and (out / "keep.txt").exists()
    # --overwrite replaces only what frictionminer wrote: a foreign file is never deleted
    code, _, err = run("convert", src, "-o", str(out), "--partition-by", "month", "--overwrite")
    assert code == 2 and "holds other files (keep.txt)" in err, err
    assert (out / "keep.txt").read_text() == "x"
    (out / "keep.txt").unlink()
    code, _, err = run("convert", src, "-o", str(out), "--partition-by", "month")
    assert code == 0, err
    first = read_manifest(out)
    code, _, err = run("convert", src, "-o", str(out), "--partition-by", "week", "--overwrite")
    assert code == 0, err
    second = read_manifest(out)
    assert first is not None and second is not None
    assert (first.partition_by, second.partition_by) == ("month", "week")
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary folder left
    # a file added to a folder frictionminer wrote is foreign too
    (out / "notes.txt").write_text("mine")
    code, _, err = run("convert", src, "-o", str(out), "--partition-by", "day", "--overwrite")
    assert code == 2 and "notes.txt" in err and (out / "notes.txt").exists()


def test_never_replaces_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = str(shared_log("helpdesk/helpdesk.xes.gz"))
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    for target in (".", str(tmp_path)):
        code, _, err = run("convert", src, "-o", target, "--partition-by", "week", "--overwrite")
        assert code == 2 and "is the current folder or one that holds it" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"]


def test_failure_leaves_no_folder(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("case,activity,timestamp\n1,a,later\n")
    out = tmp_path / "o"
    code, _, _ = run("convert", str(bad), "-o", str(out), "--partition-by", "day")
    assert code == 2
    assert list(tmp_path.iterdir()) == [bad]


@pytest.mark.parametrize("cases", ["active", "started"])
def test_window_reads_only_needed_partitions(
    helpdesk_weeks: Path, tmp_path: Path, cases: str
) -> None:
    """A pruned audit equals the full one, and out-of-window files are never opened."""
    import shutil

    settings = load_settings(None)
    window = Window.parse("2012-03-05", "2012-03-11", None, cases)
    full = run_audit(load(helpdesk_weeks, settings), settings, None, window)
    # the window is not empty (counted on the log itself): equality below means something
    assert (full.current.cases, full.current.events) == {"active": (106, 166), "started": (30, 77)}[
        cases
    ]
    pruned_dir = tmp_path / "weeks"
    shutil.copytree(helpdesk_weeks, pruned_dir)
    manifest = json.loads((pruned_dir / MANIFEST).read_text())
    since = "2012-03-05"
    corrupted = 0
    for p in manifest["partitions"]:
        needed = p["last_start" if cases == "started" else "last_event"] >= since
        needed = needed and p["first_start"] < "2012-03-12"
        if not needed:
            for f in p["files"]:
                (pruned_dir / f).write_bytes(b"not parquet")  # opening it would fail
            corrupted += 1
    assert corrupted > len(manifest["partitions"]) // 2
    log = load_logs(pruned_dir, settings, window)
    assert log.details["partitions_read"] < log.details["partitions"]
    pruned = run_audit(log, settings, None, window)
    assert pruned.current.cases == full.current.cases
    assert pruned.current.events == full.current.events
    assert pruned.current.rules == full.current.rules
    assert pruned.current.measures == full.current.measures
    assert pruned.window.end == full.window.end
    assert any("partitions" in n for n in pruned.notes)


def test_relative_window_uses_the_manifest_end(helpdesk_weeks: Path) -> None:
    settings = load_settings(None)
    window = Window.parse(None, None, "14d", "active")
    log = load_logs(helpdesk_weeks, settings, window)
    full = run_audit(load(helpdesk_weeks, settings), settings, None, window)
    pruned = run_audit(log, settings, None, window)
    assert log.details["partitions_read"] < 10
    assert pruned.window.since == full.window.since
    assert pruned.current.cases == full.current.cases
