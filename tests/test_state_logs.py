"""State logs (issue 13, point 3): a ticketing export with one row per update, the activity
being the ticket's state. Hand-computed on tests/data/state_log.csv:

INC1 states New, Active, Awaiting User Info x3 (an assignee and then the team change inside
the run), Active, Awaiting User Info (a re-entry), Active, Resolved, Closed; INC2 New x2,
Active, Resolved.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frictionminer.cli import app
from frictionminer.scale.plan import STATE_NAME

DATA = Path(__file__).parent / "data" / "state_log.csv"
COLUMNS = [
    "--case-col", "number", "--timestamp-col", "sys_updated_at",
    "--group-col", "assignment_group", "--resource-col", "assigned_to",
]  # fmt: skip
MAPPING = {
    "case": "number",
    "activity": "incident_state",
    "timestamp": "sys_updated_at",
    "group": "assignment_group",
}
runner = CliRunner()


def cases(*extra: str) -> dict[str, dict[str, object]]:
    res = runner.invoke(
        app,
        ["score", str(DATA), *COLUMNS, "--activity-col", "incident_state", "-f", "json", *extra],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    return {c["case_id"]: c["measures"] for c in doc["cases"]} | {"_summary": doc["summary"]}


def test_runs_collapse_by_the_column_name() -> None:
    got = cases()
    inc1 = got["INC1"]
    # two entries into "Awaiting User Info" (rows 3 and 7): two tasks, one asked again;
    # the rows 4 and 5 only repeat the state. The team change at row 5 is still a handoff.
    assert (inc1["customer_tasks"], inc1["repeat_requests"], inc1["handoffs"]) == (2, 1, 1)
    assert inc1["events"] == 10 and inc1["resolved"] is True
    summary = got["_summary"]
    assert "runs of the same activity are one occurrence" in summary["instances"]
    assert "'incident_state' names a state" in summary["instances"]


def test_keep_counts_every_row(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[measures]\nstate_runs = "keep"\n')
    inc1 = cases("--config", str(config))["INC1"]
    # every "Awaiting User Info" row is a task: 4 tasks, 3 of them "again"
    assert (inc1["customer_tasks"], inc1["repeat_requests"], inc1["handoffs"]) == (4, 3, 1)


def test_paths_collapse_runs() -> None:
    from frictionminer.api import analyze, load, load_settings

    settings = load_settings(columns=MAPPING)
    result = analyze(load(str(DATA), settings), settings)
    assert result.facts is not None
    paths = dict(result.facts["paths"].select("case_id", "variant").iter_rows())
    assert paths["INC2"] == "New → Active → Resolved"
    assert paths["INC1"] == (
        "New → Active → Awaiting User Info → Active → Awaiting User Info → Active → Resolved"
        " → Closed"
    )


def test_a_plain_activity_column_is_not_collapsed_but_info_says_what_it_sees(
    tmp_path: Path,
) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text(DATA.read_text().replace("incident_state", "what"))
    args = ["--activity-col", "what", "--case-col", "number", "--timestamp-col", "sys_updated_at"]
    res = runner.invoke(app, ["score", str(plain), *args, "-f", "json"])
    doc = json.loads(res.stdout)
    inc1 = next(c for c in doc["cases"] if c["case_id"] == "INC1")["measures"]
    assert inc1["customer_tasks"] == 4  # not a state log by its name: every row counts
    info = runner.invoke(app, ["info", str(plain), *args, "-f", "json"])
    found = {f["code"]: f for f in json.loads(info.stdout)["findings"]}
    # 3 of 14 events repeat their case's previous activity (INC1 rows 4, 5; INC2 row 2)
    assert found["repeated-activities"]["count"] == 3
    assert "state_runs = 'collapse'" in found["repeated-activities"]["message"]
    named = runner.invoke(
        app, ["info", str(DATA), *COLUMNS, "--activity-col", "incident_state", "-f", "json"]
    )
    codes = {f["code"]: f["count"] for f in json.loads(named.stdout)["findings"]}
    assert codes["state-log"] == 3


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("incident_state", True),
        ("Status", True),
        ("sub_status", True),
        ("caseStatus", True),
        ("ticket state", True),
        ("concept:name", False),
        ("statement", False),
        ("Estate", False),
        ("lifecycle:transition", False),
    ],
)
def test_which_names_say_state(name: str, state: bool) -> None:
    assert bool(STATE_NAME.search(name)) is state


def test_every_strategy_collapses_alike(tmp_path: Path) -> None:
    import polars as pl

    from frictionminer.api import analyze, load_settings

    parquet = tmp_path / "s.parquet"
    pl.read_csv(DATA).write_parquet(parquet)
    settings = load_settings(columns=MAPPING)
    memory = analyze(str(parquet), settings).cases.sort("case_id")
    sharded = analyze(str(parquet), settings, shards=2, workdir=tmp_path).cases.sort("case_id")
    assert memory.select("customer_tasks", "repeat_requests", "handoffs").rows() == [
        (2, 1, 1),
        (0, 0, 0),
    ]
    assert sharded.equals(memory)
