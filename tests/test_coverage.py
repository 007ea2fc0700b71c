"""Say what the defaults could not see: unseen roles, the rules they silence, the warning.

Hand-made logs with hand-counted coverage, the pm4py test logs that match no default
role, every execution strategy, and the CLI through the runner.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from conftest import csv_log, shared_log
from frictionminer.cli import app
from frictionminer.engine.coverage import NEEDS, coverage_from_table
from frictionminer.engine.pipeline import analyze
from frictionminer.io import load
from frictionminer.scale import executors
from frictionminer.scale.executors import ThreadParts
from frictionminer.settings import Settings
from frictionminer.settings.load import load_settings

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture
def blind_log(tmp_path: Path) -> Path:
    """Two cases of internal steps only: no default role matches any event.

    Without the coverage check both cases would be flagged FM004 (5 days, then 1, of
    silence, threshold 72 h) and FM009 (no resolution)."""
    return csv_log(
        tmp_path / "blind.csv",
        [
            ("A", "Register", 0),
            ("A", "Review", 5),
            ("A", "Archive", 6),
            ("B", "Register", 0),
            ("B", "Review", 4),
            ("B", "Archive", 4.5),
        ],
    )


@pytest.fixture
def no_resolution_log(tmp_path: Path) -> Path:
    """Contacts but no resolution: case A waits 6 days between two calls (FM004)."""
    return csv_log(
        tmp_path / "calls.csv",
        [
            ("A", "Call customer", 0),
            ("A", "Review", 1),
            ("A", "Call customer", 6),
            ("B", "Call customer", 0),
            ("B", "Call customer", 1),
        ],
    )


def _rare_resolution(path: Path, resolved: int, cases: int = 200) -> Path:
    """``cases`` cases of Call customer → Review (10 days later); ``resolved`` of them end
    with "Problem resolved"."""
    rows: list[tuple[str, str, float]] = []
    for i in range(cases):
        case = f"C{i:03d}"
        rows += [(case, "Call customer", 0), (case, "Review", 10)]
        if i < resolved:
            rows.append((case, "Problem resolved", 11))
    return csv_log(path, rows)


def test_nothing_matched_suppresses_every_rule_built_on_a_role(blind_log: Path) -> None:
    settings = Settings()
    result = analyze(load(blind_log, settings), settings)
    summary = result.summary()
    unseen = [w["role"] for w in summary["warnings"]]
    assert unseen == ["resolution", "news", "contact", "customer_task", "customer_action"]
    assert all(w["cases"] == 0 and w["of_cases"] == 2 for w in summary["warnings"])
    assert summary["resolved_share"] is None and summary["reopened_share"] is None
    assert result.flags.height == 0 and summary["flagged_cases"] == 0
    for rid in ("FM001", "FM002", "FM003", "FM004", "FM007", "FM009"):
        assert summary["flags"][rid]["suppressed"] == "role_unseen"
    for rid in ("FM005", "FM006", "FM008"):
        assert summary["flags"][rid]["suppressed"] is None
    # their score terms contribute 0: the 5-day silence and "unresolved" count for nothing
    assert result.cases["contrib_silent_wait_max_days"].to_list() == [0.0, 0.0]
    assert result.cases["contrib_unresolved"].to_list() == [0.0, 0.0]
    assert summary["measures"]["silent_wait_max_hours"] == {"median": None, "p90": None}
    # the per-case measures themselves are kept as measured
    assert sorted(result.cases["silent_wait_max_hours"].to_list()) == [108.0, 144.0]


def test_contacts_without_resolution_silence_only_the_outcome(no_resolution_log: Path) -> None:
    settings = Settings()
    result = analyze(load(no_resolution_log, settings), settings)
    summary = result.summary()
    assert [w["role"] for w in summary["warnings"]] == [
        "resolution",
        "customer_task",
        "customer_action",
    ]
    resolution = summary["warnings"][0]
    assert (resolution["events"], resolution["cases"], resolution["rules"]) == (0, 0, ["FM009"])
    assert summary["flags"]["FM009"]["suppressed"] == "role_unseen"
    assert summary["flags"]["FM004"]["suppressed"] is None
    # case A: 6 days between its two calls, waiting on the company: FM004 fires
    assert result.flags.filter(pl.col("rule") == "FM004")["case_id"].to_list() == ["A"]
    assert summary["resolved_share"] is None


def test_a_role_below_the_threshold_is_unseen(tmp_path: Path) -> None:
    path = _rare_resolution(tmp_path / "rare.csv", resolved=1)
    settings = Settings()
    summary = analyze(load(path, settings), settings).summary()
    (resolution,) = [w for w in summary["warnings"] if w["role"] == "resolution"]
    assert (resolution["events"], resolution["cases"], resolution["threshold"]) == (1, 1, 0.01)
    assert summary["flags"]["FM009"]["cases"] == 0
    # with the share test off, the one resolution counts: FM009 flags the other 199 cases
    # (with systemic norms off: 199 of 200 would otherwise be a log-level finding, §6)
    config = tmp_path / "frictionminer.toml"
    config.write_text("[roles]\nmin_case_share = 0\n[systemic]\nshare = 1.0\n")
    settings = load_settings(config)
    summary = analyze(load(path, settings), settings).summary()
    assert [w["role"] for w in summary["warnings"]] == ["customer_task", "customer_action"]
    assert summary["flags"]["FM009"]["cases"] == 199
    assert summary["resolved_share"] == 0.005


def test_the_threshold_is_judged_on_the_whole_log_in_every_strategy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2 of 200 cases resolved is exactly 1%: seen.  A part or shard alone may hold 0 or
    2 of fewer cases; only the combined counts decide, the same in every strategy."""
    csv = _rare_resolution(tmp_path / "edge.csv", resolved=2)
    parquet = tmp_path / "edge.parquet"
    settings = Settings(systemic={"share": 1.0})  # FM009's 198 flags, not a log-level finding
    log = load(csv, settings)
    pl.read_csv(csv).write_parquet(parquet)
    serial = analyze(log, settings)
    assert not serial.coverage.is_unseen("resolution")  # type: ignore[union-attr]
    assert serial.summary()["flags"]["FM009"]["cases"] == 198
    monkeypatch.setattr(executors, "PARALLEL_MIN_EVENTS", 0)
    assert isinstance(executors.executor_for(log, settings, workers=3), ThreadParts)
    runs = [analyze(log, settings, workers=3)]
    runs += [analyze(parquet, settings, shards=k, workdir=tmp_path) for k in (3, 7)]
    for other in runs:
        assert other.coverage == serial.coverage
        assert_frame_equal(
            other.facts["roles"].sort("role"),  # type: ignore[index]
            serial.facts["roles"].sort("role"),  # type: ignore[index]
        )

        def judged(result: object) -> list[dict[str, object]]:  # the source path aside
            warnings = result.summary()["warnings"]  # type: ignore[attr-defined]
            return [{k: v for k, v in w.items() if k != "hint"} for w in warnings]

        assert judged(other) == judged(serial)
        assert_frame_equal(other.flags, serial.flags)


def test_coverage_counts_cases_not_events() -> None:
    table = pl.DataFrame(
        {"role": ["resolution"], "events": [50], "cases": [1]},
        schema={"role": pl.String, "events": pl.Int64, "cases": pl.Int64},
    )
    coverage = coverage_from_table(table, 200, 0.01)
    assert coverage.is_unseen("resolution")  # 50 events, but in 1 case of 200
    assert coverage_from_table(table, 200, 0.0).is_unseen("resolution") is False
    assert coverage_from_table(None, 0, 0.01).unseen == ()  # an empty log: nothing to say


def test_every_need_names_measures_and_known_rules() -> None:
    from frictionminer.engine.measures import MEASURES
    from frictionminer.engine.rules import RULES
    from frictionminer.engine.score import SCORE_TERMS

    for need in NEEDS:
        assert set(need.measures) <= set(MEASURES), need
        assert set(need.rules) <= set(RULES), need
        assert set(need.terms) <= set(SCORE_TERMS), need


def test_pm4py_logs_with_no_default_role_say_so() -> None:
    """The journal-review log: no default role matches, so nothing is flagged on
    FM004/FM009 any more and the summary says why."""
    log = shared_log("pm4py-tests/compressed_input_data/04_reviewing.xes.gz")
    code, out, err = _run("score", str(log), "-f", "json", "-n", "1")
    assert code == 0
    summary = json.loads(out)["summary"]
    assert {w["role"] for w in summary["warnings"]} >= {"resolution", "news"}
    assert summary["flags"]["FM004"]["cases"] == 0 and summary["flags"]["FM009"]["cases"] == 0
    assert summary["resolved_share"] is None
    lines = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1
    assert "rules FM009, FM004" in lines[0] and "fewer than 1% of the" in lines[0]
    assert f"frictionminer classify {log} --suggest" in lines[0]


def test_the_claims_log_shows_contacts_but_no_resolution() -> None:
    """The insurance-claims log: "advise claimant on reimbursement" is a contact (a
    claimant is a customer), so news is seen and FM004 is computed; no resolution is
    named, so FM009 stays off and the warning says so."""
    log = shared_log("pm4py-tests/compressed_input_data/02_teleclaims.xes.gz")
    code, out, err = _run("score", str(log), "-f", "json", "-n", "1")
    assert code == 0
    summary = json.loads(out)["summary"]
    unseen = {w["role"] for w in summary["warnings"]}
    assert "resolution" in unseen and "news" not in unseen and "contact" not in unseen
    assert summary["flags"]["FM009"]["cases"] == 0 and summary["resolved_share"] is None
    lines = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1 and "rules FM009" in lines[0] and "FM004" not in lines[0]


def test_every_analysing_command_warns_once_and_quiet_drops_it(
    blind_log: Path, tmp_path: Path
) -> None:
    commands = {
        "score": ["score", str(blind_log)],
        "json": ["score", str(blind_log), "-f", "json"],
        "report": ["report", str(blind_log), "-o", str(tmp_path / "r.html")],
        "explain": ["explain", str(blind_log), "A"],
        "audit": ["audit", str(blind_log), "-f", "json"],
    }
    for name, args in commands.items():
        code, out, err = _run(*args)
        assert code == 0, (name, err)
        warnings = [line for line in err.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1, (name, err)
        assert "resolution (0 cases)" in warnings[0]
        assert "Not computed: resolved, reopened, silent_wait_max_hours" in warnings[0]
    for args in (commands["json"], commands["report"], commands["audit"]):
        code, out, err = _run(*args, "--quiet")
        assert "warning:" not in err
    # quiet drops the line, not the fact: the JSON still carries it
    code, out, _ = _run(*commands["audit"], "--quiet")
    assert [w["role"] for w in json.loads(out)["warnings"]][:2] == ["resolution", "news"]


def test_nothing_to_say_is_an_empty_list(tmp_path: Path) -> None:
    path = _rare_resolution(tmp_path / "all.csv", resolved=200, cases=20)
    code, out, err = _run("score", str(path), "-f", "json", "--config", str(_all_roles(tmp_path)))
    assert code == 0 and "warning:" not in err
    assert json.loads(out)["summary"]["warnings"] == []


def _all_roles(tmp_path: Path) -> Path:
    config = tmp_path / "roles.toml"
    config.write_text(
        "[roles]\ncustomer_task = ['^Review$']\ncustomer_action = ['^Problem resolved$']\n"
    )
    return config


def test_report_and_markdown_put_the_caveat_first(blind_log: Path, tmp_path: Path) -> None:
    page = tmp_path / "blind.html"
    code, _, _ = _run("report", str(blind_log), "-o", str(page), "-q")
    assert code == 0
    html = page.read_text()
    caveat = html.index('<aside class="caveat"')
    assert caveat < html.index('<section id="summary"')
    assert "What this log does not show" in html
    # no interim-notice advice built on silences the log cannot show
    assert "interim notice" not in html.lower()
    code, out, _ = _run("score", str(blind_log), "-f", "markdown", "-q")
    lines = out.splitlines()
    assert lines[2].startswith("> **Warning:** \\[roles\\] matched in fewer than 1% of the 2 cases")
    assert "| FM009 | unresolved | — | not computed |" in out
    code, out, _ = _run("score", str(blind_log))
    flat = " ".join(out.split())
    assert "resolution not seen in the log (resolved share not computed)" in flat
    assert "unseen roles: resolution, any news" in flat
