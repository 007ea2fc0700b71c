"""Logs assembled from several tables: [[sources]], [[case_tables]], --source, --case-table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import shared_log
from frictionminer.cli import app
from frictionminer.errors import ConfigError
from frictionminer.io import load
from frictionminer.settings.load import load_settings

pytestmark = pytest.mark.usefixtures("shared_parses")  # real logs parsed once
runner = CliRunner()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tables(tmp_path: Path) -> Path:
    write(
        tmp_path / "tickets.csv",
        "ticket,step,at,team\n"
        "T1,Ticket opened,2026-01-05 09:00,Desk\n"
        "T1,Ticket resolved,2026-01-07 09:00,Desk\n"
        "T2,Ticket opened,2026-01-05 10:00,Desk\n",
    )
    write(
        tmp_path / "calls.csv",
        "call_id;incident;topic;start\n"
        "C1;T1;Customer calls about status;06.01.2026 08:00\n"
        "C2;T1;Customer calls again;06.01.2026 15:00\n"
        "C3;;Customer calls, no ticket;06.01.2026 16:00\n",
    )
    write(tmp_path / "cases.csv", "ticket,product,price\nT1,shoelace,4.5\nT3,boots,120\n")
    write(
        tmp_path / "fm.toml",
        "[columns]\ncase = 'ticket'\nactivity = 'step'\ntimestamp = 'at'\ngroup = 'team'\n"
        "category = 'case:product'\n\n"
        "[[sources]]\npath = 'calls.csv'\nactivity_prefix = 'Call: '\n"
        "[sources.columns]\ncase = 'incident'\nactivity = 'topic'\ntimestamp = 'start'\n\n"
        "[[case_tables]]\npath = 'cases.csv'\nkey = 'ticket'\n",
    )
    return tmp_path


def test_sources_and_case_tables_from_config(tables: Path) -> None:
    settings = load_settings(tables / "fm.toml")  # paths relative to the config's folder
    log = load(tables / "tickets.csv", settings)
    ev = log.events.sort(["case_id", "timestamp"])
    assert ev["case_id"].to_list() == ["T1", "T1", "T1", "T1", "T2"]
    assert ev["activity"].to_list() == [
        "Ticket opened",
        "Call: Customer calls about status",
        "Call: Customer calls again",
        "Ticket resolved",
        "Ticket opened",
    ]
    assert ev["case:product"].to_list() == ["shoelace"] * 4 + [None]
    assert ev["case:price"].to_list()[0] == 4.5
    assert ev["event_index"].n_unique() == 5
    codes = {f.code: f for f in log.findings}
    assert codes["missing-case-id"].count == 1  # the call without a ticket, counted
    assert codes["case-table-unmatched"].count == 1  # T2 has no row
    assert codes["sources"].count == 2


def test_the_same_from_the_command_line(tables: Path) -> None:
    res = runner.invoke(
        app,
        [
            "score",
            str(tables / "tickets.csv"),
            "--case-col", "ticket", "--activity-col", "step", "--timestamp-col", "at",
            "--source", f"{tables / 'calls.csv'};case=incident;activity=topic;timestamp=start",
            "--case-table", f"{tables / 'cases.csv'};key=ticket;columns=product",
            "--format", "json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    by_id = {c["case_id"]: c for c in json.loads(res.stdout)["cases"]}
    assert by_id["T1"]["measures"]["interactions"] == 2  # the two calls
    assert by_id["T2"]["measures"]["interactions"] == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[sources]]\ncolumns = {}\n", r"key 'sources\[0\].path' is missing"),
        ("[[case_tables]]\npath = 'x.csv'\n", r"key 'case_tables\[0\].key' is missing"),
        ("[[sources]]\npath = 'x.csv'\ncolumn = {}\n", r"unknown key 'sources\[0\].column'"),
        ("sources = 3\n", r"'sources' must be an array of tables"),
    ],
)
def test_bad_table_config(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path / "c.toml", text))


def test_wrong_key_column_names_the_file(tables: Path) -> None:
    write(tables / "bad.toml", "[[case_tables]]\npath = 'cases.csv'\nkey = 'Ticket'\n")
    cols = ["--case-col", "ticket", "--activity-col", "step", "--timestamp-col", "at"]
    cfg = str(tables / "bad.toml")
    res = runner.invoke(app, ["info", str(tables / "tickets.csv"), "--config", cfg, *cols])
    assert res.exit_code == 2
    assert "cases.csv: no column 'Ticket'" in res.stderr and "did you mean 'ticket'" in res.stderr


def test_bad_source_spec_is_a_usage_error(tables: Path) -> None:
    res = runner.invoke(app, ["info", str(tables / "tickets.csv"), "--source", "calls.csv;case"])
    assert res.exit_code == 2
    assert "expected key=value after the path" in res.stderr


def test_bpic2014_interactions_join_incidents() -> None:
    base = shared_log("bpic2014/Detail_Incident_Activity_joined.csv.gz").parent
    res = runner.invoke(
        app,
        [
            "info", str(base / "Detail_Incident_Activity_joined.csv.gz"), "--format", "json",
            "--case-col", "Incident ID",
            "--activity-col", "Detail Incident Activity.IncidentActivity_Type",
            "--timestamp-col", "Detail Incident Activity.DateStamp",
            "--source", f"{base / 'Detail_Interaction.csv.gz'};case=Related Incident;"
            "activity=Category;timestamp=Open Time (First Touch);activity_prefix=Interaction: ",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    rec = json.loads(res.stdout)
    # 466,660 activity events + the 52,754 interactions that name an incident
    # (94,250 of 147,004 name none: counted and dropped, not hidden).
    assert rec["events"] == 466_660 + 52_754
    dropped = next(f for f in rec["findings"] if f["code"] == "missing-case-id")
    assert dropped["count"] == 94_250
