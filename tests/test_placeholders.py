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


def _measures(log: Path, *options: str) -> dict[str, dict[str, int]]:
    res = runner.invoke(app, ["score", str(log), *options, "-f", "json"])
    assert res.exit_code == 0, res.output
    return {c["case_id"]: c["measures"] for c in json.loads(res.stdout)["cases"]}


def _placeholder_counts(log: Path, *options: str) -> dict[str, int]:
    res = runner.invoke(app, ["info", str(log), *options, "-f", "json"])
    assert res.exit_code == 0, res.output
    found = json.loads(res.stdout)["findings"]
    return {f["message"].split("'")[1]: f["count"] for f in found if f["code"] == "null-values"}


def test_parquet_placeholders_are_missing_too(tmp_path: Path) -> None:
    """The same fixture as Parquet (the team a Categorical, as exports often type it):
    the same handoffs and the same counts as from the CSV."""
    import polars as pl

    frame = pl.read_csv(DATA, infer_schema=False).with_columns(
        pl.col("assignment_group").cast(pl.Categorical)
    )
    parquet = tmp_path / "placeholders.parquet"
    frame.write_parquet(parquet)
    cases = _measures(parquet, *COLUMNS)
    assert (cases["INC1"]["handoffs"], cases["INC1"]["ping_pongs"]) == (0, 0)
    assert cases["INC2"]["handoffs"] == 1
    assert _placeholder_counts(parquet, *COLUMNS) == {"assigned_to": 4, "assignment_group": 4}


XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0">
{traces}
</log>
"""
EVENT = (
    '<event><string key="concept:name" value="{act}"/><string key="org:group" value="{group}"/>'
    '<string key="org:resource" value="{person}"/>'
    '<date key="time:timestamp" value="2020-01-0{day}T{hour:02d}:00:00+00:00"/></event>'
)


def _xes(rows: list[tuple[str, str, str, str, int, int]]) -> str:
    """An XES log of (case, activity, org:group, org:resource, day, hour) rows."""
    traces = []
    for case in dict.fromkeys(r[0] for r in rows):
        body = "".join(
            EVENT.format(act=a, group=g, person=p, day=d, hour=h)
            for c, a, g, p, d, h in rows
            if c == case
        )
        traces.append(f'<trace><string key="concept:name" value="{case}"/>{body}</trace>')
    return XES.format(traces="\n".join(traces))


def test_xes_placeholders_never_make_a_handoff(tmp_path: Path) -> None:
    """XES attributes written as "?" or "N/A" by an export (org:group, org:resource):
    T1 ? -> Team A -> none -> Team A: one holder, no handoff, no ping-pong;
    T2 Team B -> "-" -> Team C -> Team B: the missing team keeps Team B, so two
    handoffs (B -> C -> B) and one ping-pong; counted per column by info."""
    log = tmp_path / "placeholders.xes"
    rows = [
        ("T1", "New", "?", "N/A", 1, 9),
        ("T1", "Active", "Team A", "Ann", 1, 10),
        ("T1", "Active", "none", "?", 1, 11),
        ("T1", "Resolved", "Team A", "Ann", 2, 9),
        ("T2", "New", "Team B", "Bob", 1, 9),
        ("T2", "Active", "-", "Bob", 1, 10),
        ("T2", "Active", "Team C", "Cy", 1, 11),
        ("T2", "Resolved", "Team B", "Bob", 2, 9),
    ]
    log.write_text(_xes(rows), encoding="utf-8")
    cases = _measures(log)
    assert (cases["T1"]["handoffs"], cases["T1"]["ping_pongs"]) == (0, 0)
    assert (cases["T2"]["handoffs"], cases["T2"]["ping_pongs"]) == (2, 1)
    assert _placeholder_counts(log) == {"org:group": 3, "org:resource": 2}


def test_info_table_names_the_placeholders() -> None:
    res = runner.invoke(app, ["info", str(DATA), *COLUMNS])
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "4 placeholder cell(s) ('?', ' N/A ', '#n/a') read as missing" in text
