"""Causes: burden by activity, team, path and category, with findings that carry remedies."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from frictionminer.engine.causes import END, START, find_causes
from frictionminer.engine.pipeline import analyze
from frictionminer.engine.result import Result
from frictionminer.io import load
from frictionminer.report.pseudonymize import (
    Pseudonymizer,
    identifying_columns,
    pseudonymize_result,
)
from frictionminer.settings.load import load_settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_logs"


@pytest.fixture(scope="module")
def shoelace() -> Result:
    settings = load_settings(SAMPLES / "stories.toml")
    return analyze(load(str(SAMPLES / "shoelace.csv"), settings), settings)


def _tiny(tmp_path: Path) -> Result:
    """Three cases: A→B→A ping-pong with two tasks, a clean case, a silent one."""
    rows = [
        ("c1", "Customer reports problem", "2024-01-01T09:00:00", "Desk"),
        ("c1", "Request receipt from customer", "2024-01-01T10:00:00", "Desk"),
        ("c1", "Customer sends receipt", "2024-01-01T12:00:00", "Desk"),
        ("c1", "Forward to expert", "2024-01-01T13:00:00", "Expert"),
        ("c1", "Request receipt from customer", "2024-01-02T10:00:00", "Desk"),
        ("c1", "Customer sends receipt", "2024-01-02T12:00:00", "Desk"),
        ("c1", "Problem resolved", "2024-01-03T12:00:00", "Expert"),
        ("c2", "Customer reports problem", "2024-01-01T09:00:00", "Desk"),
        ("c2", "Problem resolved", "2024-01-01T10:00:00", "Desk"),
        ("c3", "Customer reports problem", "2024-01-01T09:00:00", "Desk"),
        ("c3", "Problem resolved", "2024-01-09T09:00:00", "Desk"),
    ]
    path = tmp_path / "tiny.csv"
    pl.DataFrame(rows, schema=["case_id", "activity", "timestamp", "team"], orient="row").write_csv(
        path
    )
    settings = load_settings(None, overrides={"columns": {"group": "team"}})
    return analyze(load(str(path), settings), settings)


def test_activity_table_counts_tasks_repeats_and_silence(tmp_path: Path) -> None:
    result = _tiny(tmp_path)
    causes = find_causes(result)
    act = {r["activity"]: r for r in causes.by_activity.iter_rows(named=True)}
    req = act["Request receipt from customer"]
    assert (req["task_events"], req["task_cases"], req["repeat_events"]) == (2, 1, 1)
    assert req["piecemeal_share"] == 1.0  # the case got more than one request
    # c3 waited 8 days without news after its first event (FM004 threshold: 72 h)
    first = act["Customer reports problem"]
    assert first["silent_cases"] == 1
    assert first["silent_median_hours"] == pytest.approx(192.0)


def test_team_tables_and_ping_pong_pairs(tmp_path: Path) -> None:
    causes = find_causes(_tiny(tmp_path))
    teams = {r["team"]: r for r in causes.by_team.iter_rows(named=True)}
    assert teams["Desk"]["handoffs_out"] == 2 and teams["Expert"]["handoffs_out"] == 1
    assert teams["Desk"]["ping_pong_in"] == 1
    pairs = causes.ping_pong_pairs.to_dicts()
    assert pairs == [{"team_a": "Desk", "team_b": "Expert", "returns": 2, "cases": 1}]
    directed = {(r["from"], r["to"]): r["handoffs"] for r in causes.handoff_pairs.to_dicts()}
    assert directed == {("Desk", "Expert"): 2, ("Expert", "Desk"): 1}


def test_variants_and_flows_cover_every_case(tmp_path: Path) -> None:
    result = _tiny(tmp_path)
    causes = find_causes(result)
    assert causes.by_variant["cases"].sum() == result.cases.height
    assert causes.by_variant["case_share"].sum() == pytest.approx(1.0)
    starts = causes.flows.filter(pl.col("source") == START)["transitions"].sum()
    ends = causes.flows.filter(pl.col("target") == END)["transitions"].sum()
    assert starts == ends == result.cases.height
    # every event has exactly one outgoing edge
    assert causes.flows.filter(pl.col("source") != START)["transitions"].sum() == (
        result.events.height
    )


def test_findings_have_remedies_numbers_and_both_languages(shoelace: Result) -> None:
    causes = find_causes(shoelace)
    assert causes.findings, "the shoelace story must produce findings"
    impacts = [f.impact for f in causes.findings]
    assert impacts == sorted(impacts, reverse=True)
    for f in causes.findings:
        assert f.remedy in ("operational", "automation", "redesign", "qualification")
        assert 0 <= f.impact_share <= 1
        en, de = f.text("en"), f.text("de")
        assert en == (f.title, f.suggestion)
        assert de != en and all(de)
    kinds = {f.kind for f in causes.findings}
    assert {"task_activity", "ping_pong_pair", "handoff_team"} <= kinds
    record = causes.as_record()
    assert json.loads(json.dumps(record)) == record  # plain builtins
    grouped = causes.by_remedy()
    assert sum(len(v) for v in grouped.values()) == len(causes.findings)


def test_piecemeal_requests_suggest_a_checklist(shoelace: Result) -> None:
    causes = find_causes(shoelace)
    piecemeal = [
        f
        for f in causes.findings
        if f.kind == "task_activity" and f.numbers["piecemeal_share"] >= 0.2
    ]
    assert piecemeal
    assert "checklist" in piecemeal[0].suggestion
    assert "one thing at a time" in piecemeal[0].suggestion


def test_pseudonyms_are_keyed_stable_and_prefixed() -> None:
    a, b = Pseudonymizer(b"k1"), Pseudonymizer(b"k2")
    assert a.case_id("W-1001") == a.case_id("W-1001")
    assert a.case_id("W-1001") != b.case_id("W-1001")
    assert a.case_id("W-1001").startswith("case-") and len(a.case_id("W-1001")) == 17


def test_pseudonymize_result_replaces_ids_and_resources(shoelace: Result) -> None:
    pseudo = pseudonymize_result(shoelace, b"secret")
    originals = set(shoelace.cases["case_id"].to_list())
    people = set(shoelace.events["resource"].drop_nulls().to_list())
    assert not originals & set(pseudo.cases["case_id"].to_list())
    assert not originals & set(pseudo.flags["case_id"].to_list())
    assert not people & set(pseudo.events["resource"].drop_nulls().to_list())
    # ranking and measures are unchanged
    assert pseudo.cases["friction_score"].to_list() == shoelace.cases["friction_score"].to_list()
    assert pseudo.cases["case_id"].to_list() == [
        Pseudonymizer(b"secret").case_id(c) for c in shoelace.cases["case_id"].to_list()
    ]
    assert "resource" in identifying_columns(shoelace.events)
