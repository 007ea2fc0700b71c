"""Causes: burden by activity, team, path and category; structured findings with remedies;
facts gathered over parts of whole cases combine exactly."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from frictionminer.engine.causes import (
    END,
    HANDS_ON_SHARE,
    PIECEMEAL_SHARE,
    REMEDY_ORDER,
    START,
    Advice,
    Causes,
    FindingKind,
    find_causes,
    log_level_rules,
    median_of_multiset,
)
from frictionminer.engine.facts import combine_facts, gather_facts
from frictionminer.engine.pipeline import analyze
from frictionminer.engine.result import Result
from frictionminer.engine.rules import RULES
from frictionminer.engine.score import SCORE_TERMS
from frictionminer.io import load
from frictionminer.reporting.pseudonymize import (
    Pseudonymizer,
    identifying_columns,
    pseudonymize_result,
)
from frictionminer.settings.load import load_settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_logs"
HELPDESK = ROOT.parent / "shared" / "logs" / "helpdesk" / "helpdesk.xes.gz"


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


def test_findings_are_structured_and_ranked(shoelace: Result) -> None:
    causes = find_causes(shoelace)
    assert causes.findings, "the shoelace story must produce findings"
    impacts = [f.impact for f in causes.findings]
    assert impacts == sorted(impacts, reverse=True)
    for f in causes.findings:
        assert f.remedy in REMEDY_ORDER
        assert isinstance(f.kind, FindingKind) and isinstance(f.advice, Advice)
        assert 0 <= f.impact_share <= 1
        # numbers are numbers, ids are names: no sentence anywhere in a finding
        assert all(isinstance(v, int | float) for v in f.numbers.values()), f.numbers
        assert all(v is None or isinstance(v, str) for v in f.ids.values()), f.ids
    kinds = {f.kind for f in causes.findings}
    assert {
        FindingKind.TASK_ACTIVITY,
        FindingKind.PING_PONG_PAIR,
        FindingKind.HANDOFF_TEAM,
    } <= kinds
    task = next(f for f in causes.findings if f.kind is FindingKind.TASK_ACTIVITY)
    assert set(task.ids) == {"activity"} and task.numbers["task_cases"] >= 1
    record = causes.as_record()
    assert json.loads(json.dumps(record)) == record  # plain builtins
    assert {"kind", "advice", "numbers", "ids"} <= set(record["findings"][0])
    grouped = causes.by_remedy()
    assert sum(len(v) for v in grouped.values()) == len(causes.findings)


def test_advice_follows_the_numbers(shoelace: Result) -> None:
    """Asking piecemeal (≥ 20 % of the cases get more than one request) calls for one request
    with a checklist; a team that hands nearly everything on is a qualification issue."""
    causes = find_causes(shoelace)
    for f in causes.findings:
        if f.kind is FindingKind.TASK_ACTIVITY:
            piecemeal = f.numbers["piecemeal_share"] >= PIECEMEAL_SHARE
            assert f.advice is (Advice.ASK_ONCE if piecemeal else Advice.AVOID_TASK)
        if f.kind is FindingKind.HANDOFF_TEAM:
            always = f.numbers["handed_on_share"] >= HANDS_ON_SHARE
            assert (f.advice, f.remedy) == (
                (Advice.BUILD_SKILLS, "qualification")
                if always
                else (Advice.QUALITY_GATE, "redesign")
            )
    assert any(f.advice is Advice.ASK_ONCE for f in causes.findings)


def test_log_level_rules_come_from_the_rule_table() -> None:
    rules = log_level_rules()
    assert rules  # channel switches and unresolved cases have no activity to point at
    for rid, term in rules.items():
        assert rid in RULES and term in SCORE_TERMS


# ----------------------------------------------------------------- facts, not events


def _parts(events: pl.DataFrame, n: int) -> list[pl.DataFrame]:
    """Disjoint sets of whole cases, by case hash, each in path order."""
    part = (pl.col("case_id").cast(pl.String).hash(seed=7) % n).alias("_part")
    return events.with_columns(part).partition_by("_part", include_key=False, maintain_order=True)


def _assert_same_causes(a: Causes, b: Causes) -> None:
    assert (a.cases, a.friction_points, a.silent_hours) == (
        b.cases,
        b.friction_points,
        b.silent_hours,
    )
    for name in (
        "by_activity",
        "by_team",
        "handoff_pairs",
        "ping_pong_pairs",
        "by_variant",
        "flows",
    ):
        assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    if a.by_category is None or b.by_category is None:
        assert a.by_category is b.by_category is None
    else:
        assert_frame_equal(a.by_category, b.by_category, check_exact=True)
    assert a.findings == b.findings


def _exact_over_parts(result: Result) -> None:
    whole = gather_facts(result.events, result.settings)
    parts = [gather_facts(p, result.settings) for p in _parts(result.events, 3)]
    assert len(parts) == 3 and sum(p.cases for p in parts) == whole.cases
    parts.append(gather_facts(result.events.clear(), result.settings))  # a part with no cases
    combined = combine_facts(parts)
    assert combined.tables.keys() == whole.tables.keys()
    for name, table in whole.sorted().tables.items():
        assert_frame_equal(combined.sorted()[name], table, check_exact=True)
    # causes read the facts only: the events may be gone
    eventless = dataclasses.replace(result, events=result.events.clear())
    _assert_same_causes(find_causes(eventless, facts=combined), find_causes(result))


def test_facts_over_parts_give_the_same_causes_simulated() -> None:
    settings = load_settings(SAMPLES / "sim_warranty.toml")
    _exact_over_parts(analyze(load(str(SAMPLES / "sim_warranty.csv"), settings), settings))


@pytest.mark.skipif(not HELPDESK.exists(), reason="shared logs not available")
def test_facts_over_parts_give_the_same_causes_helpdesk() -> None:
    settings = load_settings(ROOT / "docs" / "case-studies" / "helpdesk.toml")
    _exact_over_parts(analyze(load(str(HELPDESK), settings), settings))


def test_eventless_result_without_facts_is_refused(tmp_path: Path) -> None:
    result = _tiny(tmp_path)
    with pytest.raises(ValueError, match="no events"):
        find_causes(dataclasses.replace(result, events=result.events.clear(), facts=None))


def test_facts_of_other_case_ids_are_gathered_again(shoelace: Result) -> None:
    """Facts that do not cover the result's cases (ids pseudonymised after gathering) are
    not used: the causes come from the result's own events."""
    facts = gather_facts(shoelace.events, shoelace.settings)
    pseudo = pseudonymize_result(shoelace, b"k")
    _assert_same_causes(find_causes(pseudo, facts=facts), find_causes(pseudo))


def test_weighted_median_equals_polars_median() -> None:
    rng = random.Random(3)
    for _ in range(200):
        values = [
            rng.choice([rng.random() * 500, rng.randint(0, 4) / 3])
            for _ in range(rng.randint(1, 25))
        ]
        counts = (
            pl.DataFrame({"k": ["a"] * len(values), "hours": values})
            .group_by("k", "hours")
            .len("n")
        )
        got = median_of_multiset(counts, ["k"])["median"].item()
        assert got == pl.Series(values).median()


def test_pseudonyms_are_keyed_stable_and_prefixed() -> None:
    a, b = Pseudonymizer(b"k1"), Pseudonymizer(b"k2")
    # HMAC-SHA256(key, "case_id" NUL value), first 12 hex digits, computed by hand
    assert a.case_id("W-1001") == "case-d1e0d528eeab"
    assert Pseudonymizer(b"k1").case_id("W-1001") == a.case_id("W-1001")  # stable
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
