"""The FM rule table: golden cases per rule, messages, config, documentation."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from frictionminer.engine.rules import (
    FLAG_COLUMNS,
    JOURNEY_RULES,
    REMEDIES,
    RULES,
    SEVERITIES,
    all_rules,
    effective_params,
    evaluate_flags,
    render_markdown,
    rule_records,
)
from frictionminer.engine.score import score_cases
from frictionminer.errors import ConfigError, SchemaError
from frictionminer.settings import LIBRARY_SOURCE, Settings
from frictionminer.settings.defaults import RULE_IDS, rule_defaults
from frictionminer.settings.load import load_settings
from frictionminer.settings.rules import parse_rules

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
SETTINGS = Settings()


def case(case_id: str, **overrides: Any) -> dict[str, Any]:
    """One row of measures: an ordinary 'shoe' case unless overridden."""
    row: dict[str, Any] = {
        "case_id": case_id,
        "events": 6,
        "interactions": 2,
        "customer_tasks": 0,
        "repeat_requests": 0,
        "customer_wait_hours": 20.0,
        "silent_wait_max_hours": 5.0,
        "handoffs": 1,
        "ping_pongs": 0,
        "external_handoffs": 0,
        "channel_switches": 0,
        "reexplanations": 0,
        "duration_hours": 30.0,
        "effort_minutes": 16.0,
        "resolved": True,
        "category": "shoe",
        "value": 50.0,
    }
    row.update(overrides)
    return row


def flags_for(golden: dict[str, Any], settings: Settings = SETTINGS) -> pl.DataFrame:
    """Flags of the golden case, scored among 30 ordinary 'shoe' peers."""
    rows = [case(f"peer-{i:02}") for i in range(30)] + [golden]
    flags = evaluate_flags(score_cases(pl.DataFrame(rows), settings), settings)
    assert flags.filter(pl.col("case_id").str.starts_with("peer-")).is_empty()
    return flags.filter(pl.col("case_id") == golden["case_id"])


GOLDEN: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    # rule, measures that must raise it, measures that must not
    ("FM001", {"interactions": 10}, {"interactions": 5}),
    ("FM002", {"customer_tasks": 3}, {"customer_tasks": 2}),
    ("FM003", {"repeat_requests": 1}, {"repeat_requests": 0}),
    ("FM004", {"silent_wait_max_hours": 72.0}, {"silent_wait_max_hours": 71.9}),
    ("FM005", {"ping_pongs": 1}, {"ping_pongs": 0}),
    ("FM006", {"handoffs": 4}, {"handoffs": 3}),
    ("FM007", {"channel_switches": 2}, {"channel_switches": 1}),
    # z = (80 - 16) / 8 = 8; the miss has z = 4.25 but under an hour of effort
    ("FM008", {"effort_minutes": 80.0}, {"effort_minutes": 50.0}),
    ("FM009", {"resolved": False}, {"resolved": True}),
    # one promise of two broken; peers without promise columns read them as null
    ("FM012", {"promises_broken": 1, "promises_made": 2}, {"promises_broken": 0}),
    # 4 contacts score above all 30 peers (percentile 30/31); without a survey, no flag
    ("FM013", {"surveys": 1, "interactions": 4}, {"surveys": 0, "interactions": 4}),
]


def test_golden_table_covers_every_rule() -> None:
    assert [rule_id for rule_id, _, _ in GOLDEN] == list(RULES)


@pytest.mark.parametrize(("rule_id", "hit", "miss"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_rule_fires_on_golden_case_only(
    rule_id: str, hit: dict[str, Any], miss: dict[str, Any]
) -> None:
    assert rule_id in flags_for(case("golden", **hit))["rule"].to_list()
    assert rule_id not in flags_for(case("golden", **miss))["rule"].to_list()


def test_flag_rows_carry_the_rule_declaration() -> None:
    flags = flags_for(case("golden", ping_pongs=2))
    assert flags.columns == list(FLAG_COLUMNS)
    assert flags.row(0, named=True) == {
        "case_id": "golden",
        "rule": "FM005",
        "name": "friction.ping_pong",
        "severity": "warning",
        "remedy": "qualification",
        "message": "2 ping-pongs: the case went back to a team that had already handled it",
    }


@pytest.mark.parametrize(
    ("rule_id", "measures", "message"),
    [
        ("FM001", {"interactions": 10}, "10 interactions where 'shoe' cases need 2 (median)"),
        ("FM002", {"customer_tasks": 5}, "5 tasks pushed to the customer (threshold 3)"),
        (
            "FM003",
            {"repeat_requests": 1},
            "1 repeated request: the customer was asked again for something already asked for",
        ),
        (
            "FM004",
            {"silent_wait_max_hours": 101.0},
            "101 h (4.2 days) waiting on the company without news (threshold 72 h)",
        ),
        ("FM006", {"handoffs": 4}, "4 handoffs between teams (threshold 4)"),
        (
            "FM006",
            {"handoffs": 5, "external_handoffs": 2},
            "5 handoffs between teams, 2 of them to another organisation (threshold 4)",
        ),
        (
            "FM007",
            {"channel_switches": 3},
            "3 channel switches forced on the customer (threshold 2)",
        ),
        (
            "FM008",
            {"effort_minutes": 80.0},
            # effort per EUR 1.6 vs the log's median 0.32
            "80 min of customer effort where 'shoe' cases need 16 (median; robust z 8); "
            "5× the log's median effort per unit of value",
        ),
        (
            "FM009",
            {"resolved": False, "duration_hours": 300.0},
            "not resolved for the customer after 12.5 days",
        ),
    ],
)
def test_messages_are_case_specific(rule_id: str, measures: dict[str, Any], message: str) -> None:
    flags = flags_for(case("golden", **measures)).filter(pl.col("rule") == rule_id)
    assert flags["message"].to_list() == [message]


def test_fm001_quiet_where_ten_interactions_are_normal() -> None:
    rows = [case(f"m{i:02}", category="mortgage", interactions=10) for i in range(25)]
    rows.append(case("golden", category="mortgage", interactions=11))
    flags = evaluate_flags(score_cases(pl.DataFrame(rows), SETTINGS), SETTINGS)
    assert flags.is_empty()


def test_fm001_message_names_the_whole_log_when_there_are_no_peers() -> None:
    rows = [case(f"c{i}", category=None) for i in range(5)]
    rows.append(case("golden", category=None, interactions=7))
    flags = evaluate_flags(score_cases(pl.DataFrame(rows), SETTINGS), SETTINGS)
    assert flags.filter(pl.col("rule") == "FM001")["message"].to_list() == [
        "7 interactions where cases in this log need 2 (median)"
    ]


def test_fm008_fires_on_value_alone() -> None:
    # z is switched off; 60 min for a 2-EUR item is 30 min/EUR vs the log median 0.32
    settings = Settings(rules={"FM008": {"min_effort_z": 1000}})
    flags = flags_for(case("golden", effort_minutes=60.0, value=2.0), settings)
    assert "FM008" in flags["rule"].to_list()
    flags = flags_for(case("golden", effort_minutes=60.0, value=50.0), settings)
    assert "FM008" not in flags["rule"].to_list()


def test_fm009_reopened_only_when_the_column_exists_and_is_enabled() -> None:
    rows = [case(f"c{i}", reopened=False) for i in range(5)]
    rows.append(case("golden", reopened=True))
    scored = score_cases(pl.DataFrame(rows), SETTINGS)
    flags = evaluate_flags(scored, SETTINGS)
    assert flags.select("case_id", "rule", "message").rows() == [
        ("golden", "FM009", "reopened after a resolution")
    ]
    off = Settings(rules={"FM009": {"reopened": False}})
    assert evaluate_flags(scored, off).is_empty()
    # without the column, resolved cases are never FM009
    assert evaluate_flags(scored.drop("reopened"), SETTINGS).is_empty()


def test_disabled_rules_never_fire() -> None:
    golden = case("golden", repeat_requests=2, resolved=False)
    settings = Settings(rules={"FM003": {"enabled": False}})
    assert flags_for(golden, settings)["rule"].to_list() == ["FM009"]
    everything_off = Settings(rules={rule_id: {"enabled": False} for rule_id in RULES})
    flags = flags_for(golden, everything_off)
    assert flags.is_empty()
    assert flags.schema == pl.Schema({c: pl.String for c in FLAG_COLUMNS})


def test_severity_and_thresholds_from_config() -> None:
    settings = Settings(rules={"FM007": {"severity": "error"}, "FM002": {"min_customer_tasks": 1}})
    flags = flags_for(case("golden", channel_switches=2, customer_tasks=1), settings)
    assert flags.select("rule", "severity", "message").rows() == [
        ("FM002", "warning", "1 task pushed to the customer (threshold 1)"),
        ("FM007", "error", "2 channel switches forced on the customer (threshold 2)"),
    ]


def test_flags_follow_the_rows_then_the_rule() -> None:
    # "b" comes before "a" in the table: flags keep the table's row order (a ranked
    # table gives them worst case first), and within a case they are sorted by rule.
    rows = [case(f"peer-{i:02}") for i in range(30)]
    rows += [
        case("b", resolved=False, ping_pongs=1),
        case("a", channel_switches=2, customer_tasks=4),
    ]
    scored = score_cases(pl.DataFrame(rows), SETTINGS)
    flags = evaluate_flags(scored, SETTINGS)
    assert flags.select("case_id", "rule").rows() == [
        ("b", "FM005"),
        ("b", "FM009"),
        ("a", "FM002"),
        ("a", "FM007"),
    ]
    # reversed rows, reversed cases; the rules stay in order within each case
    backwards = evaluate_flags(scored.reverse(), SETTINGS)
    assert backwards.select("case_id", "rule").rows() == [
        ("a", "FM002"),
        ("a", "FM007"),
        ("b", "FM005"),
        ("b", "FM009"),
    ]


def test_ordinary_cases_raise_no_flags() -> None:
    rng = random.Random(7)
    rows = []
    for i in range(200):
        interactions = rng.randint(1, 4)
        tasks = rng.randint(0, 1)
        switches = rng.randint(0, 1)
        rows.append(
            case(
                f"c{i:03}",
                category=rng.choice(["shoe", "boot", "sandal"]),
                value=rng.uniform(20.0, 200.0),
                interactions=interactions,
                customer_tasks=tasks,
                channel_switches=switches,
                handoffs=rng.randint(0, 2),
                customer_wait_hours=rng.uniform(1.0, 48.0),
                silent_wait_max_hours=rng.uniform(0.0, 30.0),
                effort_minutes=8.0 * interactions + 15.0 * tasks + 5.0 * switches,
                duration_hours=rng.uniform(1.0, 96.0),
            )
        )
    flags = evaluate_flags(score_cases(pl.DataFrame(rows), SETTINGS), SETTINGS)
    assert flags.is_empty(), flags


def test_evaluate_needs_the_scored_table() -> None:
    measures = pl.DataFrame([case("a")])
    with pytest.raises(SchemaError, match="peer_interactions_median"):
        evaluate_flags(measures, SETTINGS)
    assert evaluate_flags(score_cases(measures.head(0), SETTINGS), SETTINGS).is_empty()


# ------------------------------------------------------------------------------ configuration


def validate(rules: dict[str, Any], source: str) -> None:
    parse_rules(rules, source=source)


def test_unknown_rule_suggests_the_closest() -> None:
    with pytest.raises(ConfigError) as info:
        validate({"FM0099": {"enabled": False}}, source="frictionminer.toml")
    assert info.value.message == "frictionminer.toml: unknown rule [rules.FM0099]"
    assert info.value.hint == "did you mean [rules.FM009]?"
    with pytest.raises(ConfigError) as info:
        validate({"silent_wait": {}}, source="x.toml")
    assert info.value.hint is not None
    assert info.value.hint.startswith("rules are set by id (`frictionminer rules` lists them)")


def test_unknown_keyword_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        validate({"FM001": {"min_interaction": 3}}, source="f.toml")
    assert info.value.message == "f.toml: unknown key 'rules.FM001.min_interaction'"
    assert info.value.hint == (
        "did you mean 'min_interactions'? known: enabled, severity, min_interactions, peer_factor"
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"min_interactions": "6"}, "must be an integer, not str '6'"),
        ({"min_interactions": 6.5}, "must be an integer, not float 6.5"),
        ({"min_interactions": True}, "must be an integer, not bool True"),
        ({"enabled": "no"}, "must be a boolean, not str 'no'"),
        ({"peer_factor": "2"}, "must be a number, not str '2'"),
        ({"severity": "fatal"}, "must be one of error, warning, info, not 'fatal'"),
        ({"peer_factor": -1.0}, "must not be negative"),
    ],
)
def test_wrong_values_name_the_key(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        validate({"FM001": table}, source="f.toml")
    key = next(iter(table))
    assert info.value.message == f"f.toml: key 'rules.FM001.{key}' {message}"
    # the library checks exactly as a file does, naming Settings(...) instead of the file
    with pytest.raises(ConfigError) as info:
        Settings(rules={"FM001": table})
    assert info.value.message == f"{LIBRARY_SOURCE}: key 'rules.FM001.{key}' {message}"


def test_int_accepted_where_float_expected() -> None:
    settings = Settings(rules={"FM001": {"peer_factor": 3, "enabled": False}})
    params = effective_params(RULES["FM001"], settings.rules)
    assert params == {"min_interactions": 6, "peer_factor": 3.0}
    assert isinstance(params["peer_factor"], float)
    assert not settings.rules["FM001"].enabled
    assert settings.rules["FM002"] == Settings().rules["FM002"]  # the others keep defaults


def test_rule_settings_validated_when_loading_a_file(tmp_path: Path) -> None:
    config = tmp_path / "frictionminer.toml"
    config.write_text('[rules.FM004]\nmin_silent_hours = 48\nseverity = "error"\n')
    settings = load_settings(config)
    assert effective_params(RULES["FM004"], settings.rules) == {"min_silent_hours": 48.0}
    assert settings.rules["FM004"].severity == "error"
    assert settings == Settings(rules={"FM004": {"min_silent_hours": 48.0, "severity": "error"}})
    config.write_text("[rules.FM099]\nenabled = false\n")
    with pytest.raises(ConfigError, match=re.escape(f"{config}: unknown rule [rules.FM099]")):
        load_settings(config)


def test_the_rule_table_and_defaults_toml_declare_the_same_rules() -> None:
    """Ids and keywords: the settings check [rules] against defaults.toml, the engine
    evaluates the declarations; the registry refuses to load when they differ."""
    rules = all_rules()  # the case rules, then the journey rules (FM010, FM011)
    assert tuple(rules) == RULE_IDS == tuple(sorted(RULE_IDS))
    assert tuple(sorted((*RULES, *JOURNEY_RULES))) == RULE_IDS
    for rule_id, table in rule_defaults().items():
        assert table["enabled"] is True
        assert dict(rules[rule_id].defaults) == {k: v for k, v in table.items() if k != "enabled"}
        assert Settings().rules[rule_id].params == rules[rule_id].defaults


def test_rule_records() -> None:
    records = rule_records(Settings(rules={"FM007": {"enabled": False, "severity": "error"}}))
    assert [r["id"] for r in records] == sorted((*RULES, *JOURNEY_RULES))
    fm007 = records[6]
    assert fm007 == {
        "id": "FM007",
        "name": "friction.channel_switch",
        "severity": "error",
        "remedy": "automation",
        "enabled": False,
        "params": {"min_channel_switches": 2},
        "summary": "The customer had to change channel again and again.",
    }
    assert all(r["enabled"] for r in rule_records() if r["id"] != "FM007")


# ------------------------------------------------------------------------------ documentation


@pytest.mark.parametrize("rule_id", list(RULES))
def test_every_rule_is_documented(rule_id: str) -> None:
    r = RULES[rule_id]
    assert re.fullmatch(r"FM\d{3}", r.id)
    assert re.fullmatch(r"friction\.[a-z_]+", r.name)
    assert r.severity in SEVERITIES
    assert r.remedy in REMEDIES
    assert "Customer harm:" in r.doc
    assert "Example:" in r.doc
    assert r.summary.endswith(".")
    for keyword in r.defaults:
        assert f"``{keyword}``" in r.doc, f"{rule_id} does not document {keyword}"


def test_rule_names_are_unique() -> None:
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names))


def test_docs_rules_md_is_generated_from_the_table() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_markdown(), (
        "docs/rules.md is stale: regenerate it with "
        "python -c 'from frictionminer.engine.rules import render_markdown as r; "
        'print(r(), end="")\' > docs/rules.md'
    )
