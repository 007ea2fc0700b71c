"""Promises: made, kept, broken and open, counted by hand on a small log, through every
execution, the CLI, the audit gate, the baseline, and the simulator's broken-promise
pattern."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from frictionminer.api import analyze, load_settings
from frictionminer.cli.app import app
from frictionminer.errors import ConfigError
from frictionminer.settings import Settings

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
SHOELACE = ROOT / "sample_logs" / "shoelace.csv"
STORIES = ROOT / "sample_logs" / "stories.toml"

# A: promise kept in a day.  B: handed from T1 to T2, called back after four days (late).
# C: never called back, due 2024-01-03, before the log's end: broken.  D: promised on
# 2024-01-09, due 2024-01-11, after the log's last event (2024-01-10 10:00): open.
LOG = """case_id,activity,timestamp,group
A,Customer calls,2024-01-01 09:00:00,T1
A,Callback promised,2024-01-01 10:00:00,T1
A,Called back,2024-01-02 10:00:00,T1
A,Solved,2024-01-02 11:00:00,T1
B,Customer calls,2024-01-01 09:00:00,T1
B,Callback promised,2024-01-01 10:00:00,T1
B,Forwarded,2024-01-02 10:00:00,T2
B,Called back,2024-01-05 10:00:00,T2
B,Solved,2024-01-05 11:00:00,T2
C,Customer calls,2024-01-01 09:00:00,T1
C,Callback promised,2024-01-01 10:00:00,T1
C,Solved,2024-01-02 10:00:00,T1
D,Customer calls,2024-01-09 09:00:00,T1
D,Callback promised,2024-01-09 10:00:00,T1
D,Waiting,2024-01-10 10:00:00,T1
"""
CONFIG = """[roles]
contact = ["^Customer calls$"]
resolution = ["^Solved$"]
[builtin_promises]
first_response = ""
[[promises]]
name = "callback"
after = "Callback promised"
before = "^Called back$"
within = "2d"
"""
BY_CASE = {"A": (1, 1, 0, 0), "B": (1, 0, 1, 0), "C": (1, 0, 1, 0), "D": (1, 0, 0, 1)}
"""made, kept, broken, open per case, by hand (see LOG)."""


@pytest.fixture
def promise_log(tmp_path: Path) -> tuple[Path, Path]:
    log, cfg = tmp_path / "p.csv", tmp_path / "p.toml"
    log.write_text(LOG, encoding="utf-8")
    cfg.write_text(CONFIG, encoding="utf-8")
    return log, cfg


def _per_case(cases: pl.DataFrame) -> dict[str, tuple[int, ...]]:
    cols = ["promises_made", "promises_kept", "promises_broken", "promises_open"]
    return {r[0]: tuple(r[1:]) for r in cases.select("case_id", *cols).iter_rows()}


def test_made_kept_broken_open_by_hand(promise_log: tuple[Path, Path]) -> None:
    log, cfg = promise_log
    result = analyze(str(log), load_settings(cfg))
    assert _per_case(result.cases) == BY_CASE
    block = result.summary()["promises"]
    assert (block["made"], block["kept"], block["broken"], block["open"]) == (4, 1, 2, 1)
    assert block["kept_share"] == pytest.approx(1 / 3, abs=1e-4)
    assert block["observed_until"] == "2024-01-10T10:00:00+00:00"
    assert block["teams"] == [
        {
            "promise": "callback",
            "team": "T1",
            "made": 4,
            "kept": 1,
            "broken": 2,
            "open": 1,
            "kept_share": 0.3333,
        }
    ]
    # only B changed hands between the promise and its deadline
    assert block["handoff_pairs"] == [
        {
            "promise": "callback",
            "from": "T1",
            "to": "T2",
            "made": 1,
            "kept": 0,
            "broken": 1,
            "open": 0,
            "kept_share": 0.0,
        }
    ]
    flagged = set(result.flags.filter(pl.col("rule") == "FM012")["case_id"])
    assert flagged == {"B", "C"}


def test_every_execution_decides_alike(promise_log: tuple[Path, Path], tmp_path: Path) -> None:
    """Pending promises are decided against the whole log's end after the parts are
    gathered: case D's shard alone ends on 2024-01-10, case C's on 2024-01-02."""
    log, cfg = promise_log
    settings = load_settings(cfg)
    parquet = tmp_path / "p.parquet"
    pl.read_csv(log).write_parquet(parquet)
    memory = analyze(str(parquet), settings)
    for shards in (2, 4):
        sharded = analyze(str(parquet), settings, shards=shards, workdir=tmp_path)
        assert _per_case(sharded.cases) == BY_CASE
        assert sharded.summary()["promises"] == memory.summary()["promises"]


def test_censored_at_a_horizon_promises_after_it_stay_open(promise_log: tuple[Path, Path]) -> None:
    """Observed for two days after each case's first event (until 2024-01-03 09:00), C's
    deadline (2024-01-03 10:00) has not passed: open, not broken; A was kept in time."""
    from frictionminer.engine.pipeline import analyze as run

    log, cfg = promise_log
    settings = load_settings(cfg)
    events = analyze(str(log), settings).log
    result = run(events, settings, censor_at=dt.timedelta(days=2))
    per_case = _per_case(result.cases)
    assert per_case["A"] == (1, 1, 0, 0)
    assert per_case["C"] == (1, 0, 0, 1)


def test_business_clock_counts_working_days(tmp_path: Path) -> None:
    """Friday 16:00 + 2 business days (18 working hours, Mon-Fri 08-17) is due Tuesday 16:00;
    a callback on Tuesday 15:00 keeps it, one on Wednesday breaks it."""
    log = tmp_path / "b.csv"
    log.write_text(
        "case_id,activity,timestamp\n"
        "K,Callback promised,2024-01-05 16:00:00\nK,Called back,2024-01-09 15:00:00\n"
        "L,Callback promised,2024-01-05 16:00:00\nL,Called back,2024-01-10 09:00:00\n",
        encoding="utf-8",
    )
    promise = {"name": "cb", "after": "promised", "before": "back", "within": "2d"}
    business = Settings(
        builtin_promises={"first_response": ""}, promises=[{**promise, "clock": "business"}]
    )
    calendar = Settings(builtin_promises={"first_response": ""}, promises=[promise])
    assert _per_case(analyze(str(log), business).cases) == {
        "K": (1, 1, 0, 0),
        "L": (1, 0, 1, 0),
    }
    # in calendar time both callbacks are late (Friday 16:00 + 48 h is Sunday 16:00)
    assert _per_case(analyze(str(log), calendar).cases) == {
        "K": (1, 0, 1, 0),
        "L": (1, 0, 1, 0),
    }


def test_first_response_needs_news_in_the_log() -> None:
    """The shoelace sample records notices and tasks: every case opens with the
    customer's contact and hears back within a day.  BPIC 2013-like logs without
    notices and with tasks in few cases say 'not computed' instead of guessing."""
    result = analyze(str(SHOELACE), load_settings(STORIES))
    block = result.summary()["promises"]
    assert block["by_promise"]["first response"]["made"] == result.cases.height == 5
    assert block["not_computed"] == {}
    bare = pl.DataFrame(
        {
            "case_id": ["a", "a", "b", "b"],
            "activity": ["Customer calls", "Solved", "Customer calls", "Solved"],
            "timestamp": [dt.datetime(2024, 1, d, 9) for d in (1, 5, 1, 2)],
        }
    )
    settings = Settings(roles={"contact": ["calls"], "resolution": ["Solved"]})
    block = analyze(bare, settings).summary()["promises"]
    assert block["not_computed"] == {"first response": ["notice", "customer_task"]}
    assert block["by_promise"] == {}
    assert analyze(bare, settings).cases["promises_broken"].to_list() == [None, None]
    # no promise evaluated: FM012 is "not computed", not a confident 0
    summary = analyze(bare, settings).summary()
    assert summary["flags"]["FM012"]["suppressed"] == "no_promise"
    shoelace = analyze(str(SHOELACE), load_settings(STORIES)).summary()
    assert shoelace["flags"]["FM012"]["suppressed"] is None


@pytest.mark.parametrize(
    ("promise", "key"),
    [
        ({"within": "2x"}, "promises[0].within"),
        ({"within": "-1d"}, "promises[0].within"),
        ({"after": "role:nobody"}, "promises[0].after"),
        ({"before": "(?<=x)y"}, "promises[0].before"),
        ({"clock": "lunar"}, "promises[0].clock"),
        ({"name": "first response"}, "promises[0].name"),
    ],
)
def test_bad_promises_name_their_key(promise: dict[str, str], key: str) -> None:
    base = {"name": "cb", "after": "a", "before": "b", "within": "2d"}
    with pytest.raises(ConfigError, match=re.escape(f"key '{key}'")):
        Settings(promises=[{**base, **promise}])


def test_bad_calendar_and_gate_subject(promise_log: tuple[Path, Path], tmp_path: Path) -> None:
    log, _cfg = promise_log
    bad = tmp_path / "bad.toml"
    for extra, needle in (
        ('[calendar]\nweekdays = ["mon", "fri", "funday"]\n', "calendar.weekdays"),
        ('[calendar]\nopens = "18:00"\ncloses = "09:00"\n', "calendar.closes"),
        ('[calendar]\nholidays = ["2024-13-01"]\n', "calendar.holidays"),
        ("[audit]\nmin_promise_kept = { callbak = 0.9 }\n", "did you mean 'callback'"),
    ):
        bad.write_text(CONFIG + extra, encoding="utf-8")
        res = runner.invoke(app, ["score", str(log), "--config", str(bad)])
        assert res.exit_code == 2, res.output
        assert needle in res.stderr and "Traceback" not in res.stderr


def test_cli_score_explain_report(promise_log: tuple[Path, Path], tmp_path: Path) -> None:
    log, cfg = promise_log
    res = runner.invoke(app, ["score", str(log), "--config", str(cfg)])
    assert res.exit_code == 0, res.stderr
    assert "4 promises made: 1 kept, 2 broken, 1 still open at the log's end" in res.stdout
    assert "T1 → T2" in res.stdout
    res = runner.invoke(app, ["explain", str(log), "B", "--config", str(cfg)])
    assert res.exit_code == 0, res.stderr
    assert "callback, due 2024-01-03 10:00 — broken: kept late, 2024-01-05 10:00 [T1 → T2]" in (
        " ".join(res.stdout.split())
    )
    res = runner.invoke(app, ["explain", str(log), "B", "--config", str(cfg), "-f", "json"])
    (record,) = json.loads(res.stdout)["promises"]
    assert record["status"] == "broken" and record["holder"] == "T2"
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(log), "--config", str(cfg), "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    html = out.read_text(encoding="utf-8")
    assert '<section id="promises">' in html and 'href="#promises"' in html


def test_audit_gate_and_baseline_drift(promise_log: tuple[Path, Path], tmp_path: Path) -> None:
    log, cfg = promise_log
    gated = tmp_path / "g.toml"
    gated.write_text(CONFIG + "[audit]\nmin_promise_kept = { callback = 0.9 }\n", "utf-8")
    res = runner.invoke(app, ["audit", str(log), "--config", str(gated), "--format", "json"])
    assert res.exit_code == 1, res.output
    (gate,) = json.loads(res.stdout)["gates"]
    assert gate["name"] == "min_promise_kept.callback" and gate["status"] == "fail"
    # kept 1 of 3 decided; P(2 or more of 3 broken | broken rate 0.1) = 0.028
    assert gate["value"] == pytest.approx(1 / 3, abs=1e-4)
    assert gate["p_value"] == pytest.approx(0.028, abs=1e-6)
    loose = tmp_path / "l.toml"
    loose.write_text(CONFIG + "[audit]\nmin_promise_kept = { all = 0.3 }\n", "utf-8")
    res = runner.invoke(app, ["audit", str(log), "--config", str(loose)])
    assert res.exit_code == 0, res.output
    base = tmp_path / "b.json"
    res = runner.invoke(
        app, ["audit", str(log), "--config", str(cfg), "--save-baseline", str(base)]
    )
    saved = json.loads(base.read_text(encoding="utf-8"))["promises"]
    assert saved["callback"] == {"made": 4, "kept": 1, "broken": 2, "open": 1}
    res = runner.invoke(
        app, ["audit", str(log), "--config", str(cfg), "--baseline", str(base), "-f", "json"]
    )
    assert res.exit_code == 0, res.output
    record = json.loads(res.stdout)
    names = {g["name"] for g in record["gates"]}
    assert {"baseline.promise_kept.callback", "baseline.promise_kept.all"} <= names
    (drift,) = [c for c in record["comparisons"] if c["name"] == "promise_broken_share.callback"]
    assert drift["verdict"] == "no significant change"


def test_simulated_broken_promises_are_found() -> None:
    from frictionminer.simulation.quality import flag_quality

    (row,) = flag_quality(
        "warranty", 2000, 1, rates={"broken-promise": 0.05}, rules=("FM012",)
    ).rows(named=True)
    assert row["labelled"] >= 50
    assert row["precision"] >= 0.9
    assert row["recall"] >= 0.9


def test_broken_promise_pattern_leaves_other_logs_alone() -> None:
    from frictionminer.simulation import simulate

    plain = simulate("loan", 300, 4)
    assert not plain["activity"].str.contains("Callback promised").any()
    assert plain.equals(simulate("loan", 300, 4, rates={"broken-promise": 0.0}))


def test_interim_notice_counts_each_silence(promise_log: tuple[Path, Path]) -> None:
    """Each case opens with the customer's call and then hears nothing until its end:
    A 26 h, B 98 h, C 25 h, D 25 h (to its last event) of silence; with news due every
    48 hours only B's promise is broken."""
    log, _ = promise_log
    settings = Settings(
        roles={"contact": ["^Customer calls$"], "resolution": ["^Solved$"]},
        builtin_promises={"first_response": "", "interim_notice": "48h"},
    )
    result = analyze(str(log), settings)
    assert _per_case(result.cases) == {
        "A": (1, 1, 0, 0),
        "B": (1, 0, 1, 0),
        "C": (1, 1, 0, 0),
        "D": (1, 1, 0, 0),
    }
    assert set(result.summary()["promises"]["by_promise"]) == {"interim notice"}
