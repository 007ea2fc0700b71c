"""`frictionminer paths`: the variants ranked by friction, hand-counted and on a real log."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from conftest import SAMPLES, shared_log
from frictionminer.cli import app

runner = CliRunner()
SHOELACE = str(SAMPLES / "shoelace.csv")
STORIES = str(SAMPLES / "stories.toml")


def run(*args: str, **env: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args), env=env or None)
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture(scope="module")
def two_paths(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three cases A → B → C and one A → C (a day between steps)."""
    rows = ["case,activity,timestamp"]
    for case, acts in (("c1", "ABC"), ("c2", "ABC"), ("c3", "ABC"), ("c4", "AC")):
        rows += [f"{case},{a},2024-01-0{i + 1}T09:00:00" for i, a in enumerate(acts)]
    path = tmp_path_factory.mktemp("paths") / "two.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_hand_counted_variants(two_paths: Path) -> None:
    code, out, _ = run("paths", str(two_paths), "-f", "json", "--sort", "cases")
    assert code == 0
    doc = json.loads(out)
    assert (doc["paths"], doc["cases"], doc["shown"]) == (2, 4, 2)
    first, second = doc["variants"]
    assert (first["activities"], first["cases"], first["case_share"]) == (["A", "B", "C"], 3, 0.75)
    assert (second["activities"], second["cases"], second["case_share"]) == (["A", "C"], 1, 0.25)
    assert [first["rank"], second["rank"]] == [1, 2]
    assert (first["steps"], second["steps"]) == (3, 2)


def test_shoelace_paths_carry_their_cases_flags() -> None:
    code, out, _ = run("paths", SHOELACE, "--config", STORIES, "-f", "json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["paths"], doc["cases"]) == (5, 5)
    scores = [v["total_score"] for v in doc["variants"]]
    assert scores == sorted(scores, reverse=True)
    worst = doc["variants"][0]
    assert worst["activities"][0] == "Customer reports broken shoelace"
    assert worst["activities"][-1] == "Case closed"
    assert len(worst["activities"]) == worst["steps"] == 18
    # W-1001's flags, as `score` raises them (FM001 FM002 FM005 FM006 FM007 FM008)
    assert worst["flags"] == {f"FM00{n}": 1 for n in (1, 2, 5, 6, 7, 8)}
    assert worst["flagged_share"] == 1.0
    assert (worst["interactions_per_case"], worst["tasks_per_case"]) == (14.0, 6.0)


def test_real_log_paths_add_up_and_shards_agree(tmp_path: Path) -> None:
    log = shared_log("helpdesk/helpdesk.csv.gz")
    code, out, _ = run("paths", str(log), "-f", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["cases"] == 4580
    assert sum(v["cases"] for v in doc["variants"]) == 4580
    assert doc["paths"] == len(doc["variants"]) > 100
    # the Helpdesk log shows no customer contact: contacts per path are unknown, not 0
    assert {v["interactions_per_case"] for v in doc["variants"]} == {None}
    assert all(v["wait_hours_per_case"] is not None for v in doc["variants"])
    parquet = tmp_path / "h.parquet"
    assert run("convert", str(log), "-o", str(parquet))[0] == 0
    code, sharded, _ = run("paths", str(parquet), "-f", "json", "--shards", "3")
    assert code == 0
    assert json.loads(sharded) == doc


def test_top_sort_formats_and_errors(tmp_path: Path) -> None:
    code, out, _ = run("paths", SHOELACE, "--config", STORIES, "--top", "2", "-f", "markdown")
    assert code == 0
    assert out.count("\n| ") == 3 and "2 of 5 paths" in out  # header row + 2 paths
    csv = tmp_path / "p.csv"
    assert run("paths", SHOELACE, "--config", STORIES, "-o", str(csv))[0] == 0
    table = pl.read_csv(csv)
    assert table.height == 5 and table["rank"].to_list() == [1, 2, 3, 4, 5]
    code, _, err = run("paths", SHOELACE, "--config", STORIES, "-o", str(tmp_path / "p.xyz"))
    assert code == 2 and err.count("\n") == 1 and "p.xyz" in err
    assert not (tmp_path / "p.xyz").exists()


@pytest.mark.parametrize("columns", [50, 80])
def test_terminal_table_fits_and_keeps_the_path(columns: int) -> None:
    code, out, _ = run("paths", SHOELACE, "--config", STORIES, COLUMNS=str(columns))
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns
    header = next(line for line in lines if line.rstrip().endswith("path"))
    at = header.rindex("path")
    column = "".join(line[at:] for line in lines[lines.index(header) + 2 :])
    squeezed = "".join(column.split())
    worst = (
        "Customer reports broken shoelace → Shop refers customer to manufacturer → Customer "
        "writes to manufacturer → Automated acknowledgement"
    )
    assert "".join(worst.split()) in squeezed  # wrapped, never cut
