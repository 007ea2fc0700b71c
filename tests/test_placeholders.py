"""Placeholders in id-like columns are missing values (issue 13, point 5): counted by
``info`` per column, and never a team, a person or a handoff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frictionminer.cli import app
from frictionminer.errors import ConfigError
from frictionminer.settings import Settings

DATA = Path(__file__).parent / "data" / "placeholders.csv"
COLUMNS = [
    "--case-col", "number", "--activity-col", "incident_state",
    "--timestamp-col", "sys_updated_at", "--group-col", "assignment_group",
    "--resource-col", "assigned_to",
]  # fmt: skip
runner = CliRunner()


def score(*extra: str) -> dict[str, dict[str, int]]:
    res = runner.invoke(app, ["score", str(DATA), *COLUMNS, "-f", "json", *extra])
    assert res.exit_code == 0, res.output
    return {c["case_id"]: c["measures"] for c in json.loads(res.stdout)["cases"]}


def test_placeholders_never_make_a_handoff() -> None:
    # INC1: teams ?, Group A, ?, Group A, " N/A " -> only Group A: no handoff, no ping-pong
    # INC2: Group B, #n/a, Group C -> one handoff B -> C
    cases = score()
    assert (cases["INC1"]["handoffs"], cases["INC1"]["ping_pongs"]) == (0, 0)
    assert (cases["INC2"]["handoffs"], cases["INC2"]["ping_pongs"]) == (1, 0)


def test_without_the_placeholders_each_is_a_team(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[ingest]\nnull_values = []\n")
    cases = score("--config", str(config))
    # A -> ? -> A -> ? -> " N/A ": 4 handoffs, 2 of them back to an earlier team (? and A)
    assert cases["INC1"]["handoffs"] == 4 and cases["INC1"]["ping_pongs"] >= 1
    assert cases["INC2"]["handoffs"] == 2


def test_info_counts_placeholders_per_column() -> None:
    res = runner.invoke(app, ["info", str(DATA), *COLUMNS, "-f", "json"])
    assert res.exit_code == 0, res.output
    found = [f for f in json.loads(res.stdout)["findings"] if f["code"] == "null-values"]
    assert [(f["count"], f["message"]) for f in found] == [
        (4, "'assigned_to' (resource): 4 placeholder cell(s) ('?', '-', 'NULL') read as missing"),
        (
            4,
            "'assignment_group' (group): 4 placeholder cell(s) ('?', ' N/A ', '#n/a') "
            "read as missing",
        ),
    ]


def test_null_columns_are_checked() -> None:
    with pytest.raises(ConfigError, match="unknown role"):
        Settings(ingest={"null_columns": ["team"]})
    only_groups = Settings(ingest={"null_columns": ["group"]})
    assert only_groups.ingest.null_columns == ["group"]
