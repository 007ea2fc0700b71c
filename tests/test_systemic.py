"""Systemic versus exceptional friction (docs/friction-model.md §6): hand-computed norms,
the floor kept, the cap, a yes/no rule, and what the user sees on real logs."""

from __future__ import annotations

import json

import polars as pl
import pytest
from typer.testing import CliRunner

from conftest import shared_log
from frictionminer.cli import app
from frictionminer.engine.rules import RULES, evaluate_flags
from frictionminer.engine.rules.systemic import log_norms
from frictionminer.settings import Settings

runner = CliRunner()


def only(rule: str, **systemic: float) -> Settings:
    """Settings with every rule but ``rule`` off; these hand-made logs are tiny, so the
    20-case minimum for a systemic judgement is lowered to 1."""
    rules = {rid: {"enabled": rid == rule} for rid in RULES}
    return Settings(rules=rules, systemic={"min_cases": 1, **systemic})


def table(**columns: list[object]) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    return pl.DataFrame({"case_id": [f"c{i}" for i in range(n)], **columns})


def test_a_rule_holding_for_most_cases_is_systemic_and_flags_only_the_outlier() -> None:
    # all nine cases wait 72 h or more without news: FM004 holds for 100% of the log
    hours = [80.0, 90.0, 100.0, 110.0, 120.0, 130.0, 140.0, 150.0, 1000.0]
    scored = table(silent_wait_max_hours=hours)
    settings = only("FM004")
    norms = log_norms(scored, settings)
    norm = norms["FM004"]
    # sorted values, linear quantiles: Q1 = 100 (position 2), Q3 = 140 (position 6),
    # IQR 40, fence 140 + 1.5 x 40 = 200 > floor 72; median 120; p90 = 150 + 0.2 x 850
    assert (norm.cases, norm.share) == (9, 1.0)
    assert (norm.median, norm.floor, norm.threshold) == (120.0, 72.0, 200.0)
    assert norm.p90 == pytest.approx(320.0)
    flags = evaluate_flags(scored, settings, norms=norms)
    assert flags["case_id"].to_list() == ["c8"]
    without = evaluate_flags(scored, settings)  # the absolute threshold alone: every case
    assert without.height == 9


def test_a_small_log_is_judged_by_the_absolute_thresholds() -> None:
    scored = table(silent_wait_max_hours=[80.0] * 19)  # 100% hold it, but 19 < 20 cases
    settings = Settings(rules={rid: {"enabled": rid == "FM004"} for rid in RULES})
    assert log_norms(scored, settings) == {}
    assert evaluate_flags(scored, settings).height == 19


def test_a_rule_holding_for_few_cases_is_unchanged() -> None:
    scored = table(silent_wait_max_hours=[10.0, 20.0, 30.0, 80.0])  # 1 of 4 = 25% <= 33%
    settings = only("FM004")
    assert log_norms(scored, settings) == {}
    assert evaluate_flags(scored, settings)["case_id"].to_list() == ["c3"]


def test_the_floor_stays_when_the_fence_is_below_it() -> None:
    # handoffs 4..7 (all >= 4): Q1 4.75, Q3 6.25, fence 8.5; a fence of 0 gives Q3 6.25
    scored = table(handoffs=[4, 5, 6, 7])
    norm = log_norms(scored, only("FM006", fence=0.0))["FM006"]
    assert norm.threshold == 6.25
    # with floor 10 the absolute threshold wins over the fence: nothing holds the rule
    settings = Settings(
        rules={rid: {"enabled": rid == "FM006"} for rid in RULES} | {"FM006": {"min_handoffs": 3}},
        systemic={"min_cases": 1},
    )
    norm = log_norms(scored, settings)["FM006"]
    assert norm.floor == 3.0 and norm.threshold == pytest.approx(6.25 + 1.5 * 1.5)


def test_ties_never_flag_more_than_the_share() -> None:
    # ping-pongs 1..10, all >= 1; share 10%, fence 0: Q3 = 7.75 would flag 3 of 10 (30%),
    # so the threshold rises to the 90% quantile (higher: 10) and nothing is above it
    scored = table(ping_pongs=list(range(1, 11)))
    settings = only("FM005", share=0.1, fence=0.0)
    norm = log_norms(scored, settings)["FM005"]
    assert norm.threshold == 10.0
    assert evaluate_flags(scored, settings, norms={"FM005": norm}).height == 0


def test_a_yes_no_rule_is_reported_at_the_log_level_only() -> None:
    resolved = [False, False, False, False, False, True, True, True, True]
    scored = table(resolved=resolved, duration_hours=[1.0] * 9)
    settings = only("FM009")
    norm = log_norms(scored, settings)["FM009"]
    assert (norm.cases, norm.threshold, norm.measure) == (5, None, None)
    assert evaluate_flags(scored, settings, norms={"FM009": norm}).height == 0
    assert evaluate_flags(scored, settings).height == 5


def test_the_summary_and_the_table_say_it_first_on_a_real_log() -> None:
    log = str(shared_log("sepsis/Sepsis_Cases-Event_Log.xes.gz"))
    res = runner.invoke(app, ["score", log, "-f", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    summary = doc["summary"]
    systemic = {r["rule"]: r for r in summary["systemic"]}
    assert set(systemic) == {"FM005", "FM006"}
    # check FM006 against the cases' own measures: share >= 4 handoffs, Tukey's fence
    cases = pl.DataFrame([c["measures"] for c in doc["cases"]])
    handoffs = cases["handoffs"].cast(pl.Float64)
    share = float((handoffs >= 4).mean() or 0)
    q1, q3 = handoffs.quantile(0.25, "linear"), handoffs.quantile(0.75, "linear")
    assert q1 is not None and q3 is not None
    assert systemic["FM006"]["share"] == round(share, 4) and share > 0.33
    assert systemic["FM006"]["threshold"] == round(max(4.0, q3 + 1.5 * (q3 - q1)), 3)
    flagged = sum(1 for c in doc["cases"] if any(f["rule"] == "FM006" for f in c["flags"]))
    assert flagged == int((handoffs > systemic["FM006"]["threshold"]).sum())
    assert summary["flags"]["FM006"]["systemic"] is True
    assert summary["flags"]["FM006"]["share"] <= 0.33
    table_out = runner.invoke(app, ["score", log])
    text = " ".join(table_out.stdout.split())
    assert "Systemic on this log (a property of the process, not of single cases):" in text
    assert "FM006: 85.5% of cases changed team 4 or more times (median 7)" in text
