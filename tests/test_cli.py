"""The CLI through typer's runner: exit codes, output, errors as one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from conftest import SAMPLES, shared_log
from frictionminer.cli import app

runner = CliRunner()
SHOELACE = str(SAMPLES / "shoelace.csv")
STORIES = str(SAMPLES / "stories.toml")


def run(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def test_cli_start_up_imports_no_heavy_library() -> None:
    code = (
        "import sys, frictionminer.cli\n"
        "heavy = ('polars', 'pm4py', 'pandas', 'lxml', 'rustxes')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_command_imports_pm4py(tmp_path: Path) -> None:
    """pm4py is for tests and benchmarks only (AGPL, ~2 s, a banner on import): every
    command runs to the end without loading it."""
    commands = [
        ["info", SHOELACE],
        ["score", SHOELACE, "--config", STORIES, "-o", str(tmp_path / "s.json")],
        ["explain", SHOELACE, "W-1001", "--config", STORIES],
        ["rules"],
        ["classify", SHOELACE, "--suggest"],
        ["convert", SHOELACE, "-o", str(tmp_path / "s.xes")],
        ["report", SHOELACE, "--config", STORIES, "-o", str(tmp_path / "r.html"), "-q"],
        ["simulate", "loan", "-n", "50", "-o", str(tmp_path / "l.csv"), "-q"],
        ["audit", SHOELACE, "--config", STORIES],
    ]
    code = (
        "import json, sys\n"
        "from typer.testing import CliRunner\n"
        "from frictionminer.cli import app\n"
        "codes = [CliRunner().invoke(app, a).exit_code for a in json.loads(sys.argv[1])]\n"
        "print(json.dumps([codes, 'pm4py' in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(commands)],
        capture_output=True,
        text=True,
        check=True,
    )
    codes, imported = json.loads(out.stdout)
    assert codes == [0] * len(commands)
    assert imported is False


def test_python_dash_m_works() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "frictionminer", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert out.stdout.startswith("frictionminer ")


def test_info_on_the_sample() -> None:
    code, out, err = run("info", SHOELACE, "--group-col", "team")
    assert code == 0, err
    assert "cases            5" in out
    assert "events           41" in out
    assert "Automated acknowledgement" in out


def test_info_json_contract() -> None:
    code, out, _ = run("info", SHOELACE, "--format", "json", "--group-col", "team")
    assert code == 0
    rec = json.loads(out)
    assert rec["cases"] == 5 and rec["events"] == 41 and rec["activities"] == 27
    assert rec["time_span"] == {
        "start": "2026-03-02T08:14:00+00:00",
        "end": "2026-03-13T10:01:00+00:00",
    }
    roles = {a["name"]: (a["role"], a["source_column"]) for a in rec["attributes"]}
    assert roles["group"] == ("group", "team")
    assert roles["case_id"] == ("case", "case_id")
    assert rec["events_per_case"]["max"] == 18


def test_info_json_to_file(tmp_path: Path) -> None:
    out = tmp_path / "info.json"
    code, _, _ = run("info", SHOELACE, "--format", "json", "-o", str(out))
    assert code == 0
    assert json.loads(out.read_text())["events"] == 41


# --- errors: one line, exit 2, nothing left behind -----------------------------------


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    for n in needles:
        assert n in lines[0], lines[0]


def test_missing_file() -> None:
    code, _, err = run("info", "no/such/log.csv")
    assert_one_line_error(code, err, "no/such/log.csv: no such file")


def test_wrong_column_lists_columns_and_suggests() -> None:
    code, _, err = run("info", SHOELACE, "--case-col", "Case Id")
    assert_one_line_error(
        code, err, "no column 'Case Id' for --case-col", "'case_id'", "did you mean 'case_id'"
    )


def test_bad_timestamp_names_row_and_value(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(
        "case_id,activity,timestamp\n1,a,2020-01-01 10:00\n1,b,2020-01-01 11:00\n1,c,later\n"
    )
    code, _, err = run("info", str(f))
    assert_one_line_error(code, err, "bad.csv: data row 3, column 'timestamp'", "'later'")


def test_empty_log(tmp_path: Path) -> None:
    f = tmp_path / "empty.csv"
    f.write_text("case_id,activity,timestamp\n")
    code, _, err = run("info", str(f))
    assert_one_line_error(code, err, "empty.csv", "empty")


def test_unsupported_format() -> None:
    path = shared_log("pm4py-tests/input_data/running-example.xes.yaml")
    code, _, err = run("info", str(path))
    assert_one_line_error(code, err, "unsupported file type")


def test_bad_config_exits_2(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[columns]\ncase = 1\n")
    code, _, err = run("info", SHOELACE, "--config", str(cfg))
    assert_one_line_error(code, err, "c.toml: key 'columns.case'")


def test_debug_shows_the_traceback() -> None:
    res = runner.invoke(app, ["--debug", "info", "no/such/log.csv"])
    assert res.exit_code == 2
    assert "Traceback" in res.stderr


def test_hostile_xml_is_refused_and_no_output_is_left(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xes"
    bomb.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE log [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        '<log><trace><string key="concept:name" value="&b;"/></trace></log>\n'
    )
    out = tmp_path / "out.parquet"
    code, _, err = run("convert", str(bomb), "-o", str(out))
    assert_one_line_error(code, err, "bomb.xes")
    assert list(tmp_path.iterdir()) == [bomb]


def test_failed_convert_leaves_no_file(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("case_id,activity,timestamp\n1,a,nonsense\n")
    out = tmp_path / "out.csv"
    code, _, _ = run("convert", str(f), "-o", str(out))
    assert code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_unknown_output_suffix() -> None:
    code, _, err = run("convert", SHOELACE, "-o", "out.xlsx")
    assert_one_line_error(code, err, "out.xlsx: cannot tell the output format")


# --- convert round trips ------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".csv.gz", ".xes", ".xes.gz"])
def test_convert_round_trip(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"shoelace{suffix}"
    code, _, err = run("convert", SHOELACE, "--group-col", "team", "-o", str(out))
    assert code == 0, err
    assert "wrote" in err and "41 events, 5 cases" in err
    from frictionminer.io import load

    orig = load(SHOELACE, _settings(group="team")).events
    back = load(str(out), _settings()).events
    cols = ["case_id", "activity", "timestamp", "resource", "group", "channel"]
    assert back.select(cols).equals(orig.select(cols))


def _settings(**columns: str) -> object:
    from frictionminer.settings.load import load_settings

    return load_settings(overrides={"columns": dict(columns)})


def test_convert_keeps_other_attributes_in_parquet(tmp_path: Path) -> None:
    out = tmp_path / "s.parquet"
    assert run("convert", SHOELACE, "-o", str(out))[0] == 0
    df = pl.read_parquet(out)
    assert "product" in df.columns and "value_eur" in df.columns and "organisation" in df.columns
    assert df.schema["timestamp"] == pl.Datetime("us", "UTC")


# --- the friction engine through the CLI --------------------------------------------


def test_score_ranks_the_shoelace_first_with_its_reasons() -> None:
    code, out, err = run("score", SHOELACE, "--config", STORIES, "--format", "json")
    assert code == 0, err
    rec = json.loads(out)
    top = rec["cases"][0]
    assert top["case_id"] == "W-1001"
    assert [c["case_id"] for c in rec["cases"]][-1] == "W-1005"  # fixed on the spot
    # The reasons a reader of the story gives: many contacts, tasks pushed one at a time,
    # passed between teams and companies, effort out of all proportion to a 4.50 lace.
    rules = {f["rule"] for f in top["flags"]}
    assert {"FM001", "FM002", "FM006", "FM008"} <= rules
    assert top["measures"]["customer_tasks"] == 6
    assert top["measures"]["interactions"] == 14
    assert top["measures"]["external_handoffs"] == 1
    assert rec["summary"]["cases"] == 5


def test_score_table_and_summary() -> None:
    code, out, _ = run("score", SHOELACE, "--config", STORIES, "--top", "3")
    assert code == 0
    assert "Top 3 of 5 cases by friction score" in out
    assert "W-1001" in out and "W-1005" not in out
    assert "Cases flagged per rule" in out and "Measures per case" in out


@pytest.mark.parametrize(
    ("suffix", "reader"), [(".csv", pl.read_csv), (".parquet", pl.read_parquet)]
)
def test_score_to_file_infers_the_format(tmp_path: Path, suffix: str, reader: object) -> None:
    out = tmp_path / f"cases{suffix}"
    code, _, err = run("score", SHOELACE, "--config", STORIES, "-o", str(out))
    assert code == 0, err
    df = reader(out)  # type: ignore[operator]
    assert df.height == 5
    assert df["case_id"][0] == "W-1001" and df["rank"][0] == 1
    assert "FM002" in df["flags"][0]


def test_explain_tells_the_story_back() -> None:
    res = runner.invoke(
        app, ["explain", SHOELACE, "W-1001", "--config", STORIES], env={"COLUMNS": "200"}
    )
    assert res.exit_code == 0, res.stderr
    text = " ".join(res.stdout.split())
    for needle in (
        "Case W-1001",
        "the customer is asked to act",
        "waiting on the company",
        "no news",
        "back to Service Desk, which had the case before (ping-pong)",
        "handed to Logistics (4th team)",
        "solved, as the customer sees it",
        "FM002",
    ):
        assert needle in text, needle


def test_explain_json_has_the_timeline() -> None:
    code, out, _ = run("explain", SHOELACE, "W-1001", "--config", STORIES, "--format", "json")
    assert code == 0
    rec = json.loads(out)
    assert rec["rank"] == 1 and len(rec["timeline"]) == 18
    assert rec["timeline"][4]["meaning"] == ["the customer is asked to act"]


def test_explain_unknown_case_suggests() -> None:
    code, _, err = run("explain", SHOELACE, "W-1010", "--config", STORIES)
    assert_one_line_error(code, err, "no case 'W-1010'", "did you mean")


def test_rules_lists_every_rule() -> None:
    code, out, _ = run("rules", "--format", "json")
    assert code == 0
    ids = [r["id"] for r in json.loads(out)["rules"]]
    # FM010, FM011: journey rules; FM012: broken promise; FM013: survey after friction
    assert ids == [f"FM{i:03d}" for i in range(1, 14)]


def test_rules_respects_config(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[rules.FM004]\nmin_silent_hours = 24\nenabled = false\n")
    code, out, _ = run("rules", "--config", str(cfg), "--format", "json")
    fm004 = next(r for r in json.loads(out)["rules"] if r["id"] == "FM004")
    assert code == 0 and fm004["enabled"] is False and fm004["params"]["min_silent_hours"] == 24


def test_classify_suggest_prints_a_roles_table(tmp_path: Path) -> None:
    out = tmp_path / "roles.toml"
    code, _, err = run("classify", SHOELACE, "--suggest", "-o", str(out))
    assert code == 0, err
    import tomllib

    roles = tomllib.loads(out.read_text())["roles"]
    assert set(roles) >= {"contact", "customer_task", "customer_action", "notice", "resolution"}


def test_bad_role_regex_names_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[roles]\ncontact = ['(unclosed']\n")
    code, _, err = run("score", SHOELACE, "--config", str(cfg))
    assert_one_line_error(code, err, "c.toml: key 'roles.contact' [0]: bad regular expression")


@pytest.mark.parametrize(
    ("name", "cases", "events"),
    [("shoelace.csv", 5, 41), ("energy_switch.csv", 4, 38), ("complaint.csv", 3, 27)],
)  # distinct case_id values and data rows of each file
def test_every_sample_log_is_read_and_scored(name: str, cases: int, events: int) -> None:
    path = str(SAMPLES / name)
    code, out, err = run("info", path, "--config", STORIES, "--format", "json")
    assert code == 0, err
    assert (json.loads(out)["cases"], json.loads(out)["events"]) == (cases, events)
    code, out, err = run("score", path, "--config", STORIES, "--format", "json")
    assert code == 0, err
    summary = json.loads(out)["summary"]
    assert (summary["cases"], summary["events"]) == (cases, events)
    assert len(json.loads(out)["cases"]) == cases


def test_energy_switch_story() -> None:
    code, out, _ = run(
        "score", str(SAMPLES / "energy_switch.csv"), "--config", STORIES, "-f", "json"
    )
    assert code == 0
    top = json.loads(out)["cases"][0]
    assert top["case_id"] == "E-2001"
    # Passed between three organisations, in time order: NewPower, GridCo, CityUtility,
    # GridCo, CityUtility, NewPower, GridCo, CityUtility, NewPower, GridCo, NewPower.
    assert top["measures"]["external_handoffs"] == 10


def test_complaint_story_silence_versus_interim_notices() -> None:
    code, out, _ = run("score", str(SAMPLES / "complaint.csv"), "--config", STORIES, "-f", "json")
    assert code == 0
    by_id = {c["case_id"]: c for c in json.loads(out)["cases"]}
    silent, informed = by_id["C-3001"], by_id["C-3002"]
    # Similar handling; only C-3002 keeps the customer informed with interim notices.
    assert (
        silent["measures"]["silent_wait_max_hours"]
        > 3 * informed["measures"]["silent_wait_max_hours"]
    )
    assert "FM004" in {f["rule"] for f in silent["flags"]}
    assert "FM004" not in {f["rule"] for f in informed["flags"]}


def test_identifier_columns_keep_their_text(tmp_path: Path) -> None:
    # Found by hypothesis: a case id "FALSE" came back as "false", "007" as 7.
    f = tmp_path / "ids.csv"
    f.write_text(
        "case_id,activity,timestamp,n\nFALSE,007,2020-01-01 10:00,1\nFALSE,1.5,2020-01-01 11:00,2\n"
    )
    code, out, _ = run("info", str(f), "--format", "json", "--top", "5")
    assert code == 0
    rec = json.loads(out)
    assert {a["activity"] for a in rec["top_activities"]} == {"007", "1.5"}
    types = {a["name"]: a["type"] for a in rec["attributes"]}
    assert types["n"] == "i64"  # other columns are still typed


def test_null_values_are_neither_cases_nor_teams(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text(
        "case_id,activity,timestamp,team\n"
        "1,Case opened,2020-01-01 10:00,A\n1,Checked,2020-01-01 11:00,EMPTY\n"
        "1,Case resolved,2020-01-01 12:00,A\n#MULTI,Customer calls,2020-01-01 12:00,A\n"
    )
    cfg = tmp_path / "c.toml"
    cfg.write_text("[columns]\ngroup = 'team'\n[ingest]\nnull_values = ['EMPTY', '#MULTI']\n")
    code, out, err = run("score", str(f), "--config", str(cfg), "--format", "json")
    assert code == 0, err
    rec = json.loads(out)
    assert [c["case_id"] for c in rec["cases"]] == ["1"]  # the placeholder case is dropped
    assert rec["cases"][0]["measures"]["handoffs"] == 0  # A, EMPTY, A is no handoff
    code, out, _ = run("info", str(f), "--config", str(cfg), "--format", "json")
    findings = json.loads(out)["findings"]
    placeholders = [x["count"] for x in findings if x["code"] == "null-values"]
    assert placeholders == [1, 1]  # one finding per column: case_id and team
    assert {x["code"]: x["count"] for x in findings}["missing-case-id"] == 1


def test_info_counts_the_events_of_each_customer_role() -> None:
    """shoelace.csv with stories.toml: 24 contacts (the 24 interactions `score` counts),
    8 requests to the customer, 13 customer actions, 1 interim notice, 5 resolutions."""
    code, out, _ = run(
        "info",
        str(SAMPLES / "shoelace.csv"),
        "--config",
        str(SAMPLES / "stories.toml"),
        "-f",
        "json",
    )
    assert code == 0
    assert json.loads(out)["roles"] == {
        "contact": 24,
        "customer_task": 8,
        "customer_action": 13,
        "notice": 1,
        "resolution": 5,
    }
    code, out, _ = run(
        "score",
        str(SAMPLES / "shoelace.csv"),
        "--config",
        str(SAMPLES / "stories.toml"),
        "-f",
        "json",
    )
    cases = json.loads(out)["cases"]
    assert sum(c["measures"]["interactions"] for c in cases) == 24


def test_info_says_when_the_defaults_see_no_customer() -> None:
    """Sepsis pathways (clinical activity names): the built-in patterns match nothing."""
    log = shared_log("sepsis/Sepsis_Cases-Event_Log.xes.gz")
    code, out, _ = run("info", str(log), "-f", "json")
    assert code == 0 and set(json.loads(out)["roles"].values()) == {0}
    code, out, _ = run("info", str(log))
    flat = " ".join(out.split())
    assert "[roles] matched in fewer than 1% of the 1,050 cases: resolution (0 cases)" in flat
    assert f"frictionminer classify {log} --suggest" in flat
