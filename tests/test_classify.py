"""Roles from rules: the built-in English/German defaults, errors, and suggestions."""

from __future__ import annotations

import re
import tomllib

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from frictionminer.engine.classify import ROLE_COLUMNS, classify, suggest_roles, toml_string
from frictionminer.errors import SchemaError
from frictionminer.settings import ROLE_NAMES, RoleSettings, build_table
from frictionminer.settings.load import load_settings


@pytest.fixture(scope="module")
def defaults(tmp_path_factory: pytest.TempPathFactory) -> RoleSettings:
    """The packaged defaults (an empty directory holds no project config)."""
    return load_settings(cwd=tmp_path_factory.mktemp("no-config")).roles


def roles_of(activity: str, roles: RoleSettings) -> set[str]:
    out = classify(pl.DataFrame({"activity": [activity]}), roles)
    return {role for role, col in ROLE_COLUMNS.items() if out[col][0]}


DEFAULT_CASES = [
    # English
    ("Customer calls", {"contact", "customer_action"}),
    ("Call customer", {"contact"}),
    ("Send e-mail to customer", {"contact"}),
    ("Incoming call", {"contact"}),
    ("Ask customer for receipt", {"contact", "customer_task"}),
    ("Reminder to customer", {"contact", "customer_task"}),
    ("Refer customer to manufacturer", {"contact", "customer_task"}),
    ("Request missing information", {"customer_task"}),
    ("Wait - Customer", {"customer_task"}),
    ("Wait - Vendor", set()),
    ("Customer sends photo", {"contact", "customer_action"}),
    ("Update from customer", {"contact", "customer_action"}),
    ("Received documents", {"customer_action"}),
    ("Interim notice", {"notice"}),
    ("Send status update", {"notice"}),
    ("Progress report", {"notice"}),
    ("Resolved", {"resolution"}),
    ("Unresolved", set()),
    ("Problem solved", {"resolution"}),
    ("Replacement shipped", {"resolution"}),
    ("Refund paid", {"resolution"}),
    ("Check stock", set()),
    ("Assign to team", set()),
    ("Communication with customer", {"contact"}),
    ("Callback Request", {"contact"}),
    # German
    ("Kunde ruft an", {"contact", "customer_action"}),
    ("Anruf Kunde", {"contact"}),
    ("Rückruf", {"contact"}),
    ("Unterlagen anfordern", {"contact", "customer_task"}),
    ("Nachforderung Unterlagen", {"contact", "customer_task"}),
    ("Rückfrage beim Kunden", {"contact", "customer_task"}),
    ("Warten auf Kunde", {"customer_task"}),
    ("Unterlagen vom Kunden erhalten", {"contact", "customer_action"}),
    ("Eingang Unterlagen", {"customer_action"}),
    ("Eingangsbestätigung", {"contact"}),
    ("Zwischenbescheid versandt", {"notice"}),
    ("Sachstandsmitteilung", {"notice"}),
    ("Erledigt", {"resolution"}),
    ("Reklamation gelöst", {"resolution"}),
    ("Ersatz versandt", {"resolution"}),
    ("Antrag prüfen", set()),
    # Formerly wrong defaults, fixed with negative look-aheads:
    ("Request documents from customer", {"contact", "customer_task"}),
    ("Kunde auffordern, Nachweis zu senden", {"contact", "customer_task"}),
    ("Wait - User", {"customer_task"}),
]


@pytest.mark.parametrize(("activity", "expected"), DEFAULT_CASES)
def test_default_patterns(activity: str, expected: set[str], defaults: RoleSettings) -> None:
    assert roles_of(activity, defaults) == expected


def test_patterns_and_unless_tables_on_distinct_values() -> None:
    roles = RoleSettings(
        contact=[r"\bcall\b"],
        customer_task=[],
        customer_action=[],
        notice=[{"match": "update", "unless": r"\bno update"}],  # a look-behind's rewrite
        resolution=[r"^done$"],
    )
    events = pl.DataFrame(
        {
            "activity": ["CALL back", "recall", "update", "no update", None, "DONE", "done!"],
            "n": range(7),
        }
    )
    before = events.clone()
    out = classify(events, roles)
    assert_frame_equal(events, before)  # the input is not changed
    assert out.columns == [
        "activity",
        "n",
        *ROLE_COLUMNS.values(),
        "role_queue",
        "role_external_wait",
        "role_survey",
    ]
    assert out["role_contact"].to_list() == [True, False, False, False, False, False, False]
    assert out["role_notice"].to_list() == [False, False, True, False, False, False, False]
    assert out["role_resolution"].to_list() == [False] * 5 + [True, False]
    assert out["role_customer_task"].to_list() == [False] * 7
    assert all(out.schema[c] == pl.Boolean for c in ROLE_COLUMNS.values())
    # Classifying again replaces the role columns.
    again = classify(out, RoleSettings(**{role: [] for role in ROLE_NAMES}))
    assert again.columns == out.columns
    assert not again["role_contact"].any()


def test_match_another_column() -> None:
    events = pl.DataFrame(
        {"activity": ["Accepted", "Accepted"], "lifecycle": ["Wait - User", None]}
    )
    out = classify(events, RoleSettings(customer_task=[r"^wait - user$"], match="lifecycle"))
    assert out["role_customer_task"].to_list() == [True, False]


def test_missing_match_column() -> None:
    events = pl.DataFrame({"activity": ["x"]})
    with pytest.raises(SchemaError, match=r"roles.match: no column 'status'"):
        classify(events, RoleSettings(match="status"))
    with pytest.raises(SchemaError, match=r"roles.match"):
        suggest_roles(events, RoleSettings(match="status"))


def test_empty_log() -> None:
    events = pl.DataFrame({"activity": []}, schema={"activity": pl.String})
    assert classify(events, RoleSettings(contact=["x"])).height == 0


EVENTS = pl.DataFrame(
    {
        "activity": ["Call customer"] * 5
        + ["Check stock"] * 4
        + ["Ask for photo (lace)"] * 3
        + ["Customer's reply"] * 2
        + ["Case closed"] * 2
        + ["Resolved"]
    }
)


def test_suggest_roles_counts_and_hints() -> None:
    roles = RoleSettings(
        contact=[r"\bcall\b"],
        customer_task=[],
        customer_action=[],
        notice=[],
        resolution=[r"^resolved$"],
    )
    s = suggest_roles(EVENTS, roles, top=3)
    assert s.matched["contact"] == [("Call customer", 5)]
    assert s.matched["resolution"] == [("Resolved", 1)]
    assert s.matched["notice"] == []
    # most frequent first, then by name; only the top 3 of 4
    assert s.unmatched == [("Check stock", 4), ("Ask for photo (lace)", 3), ("Case closed", 2)]
    assert s.unmatched_total == 4
    assert s.hints == {
        "Check stock": None,
        "Ask for photo (lace)": "customer_task",
        "Case closed": "resolution",
    }
    record = s.as_record()
    assert record["roles"]["contact"]["matches"] == [{"value": "Call customer", "events": 5}]
    assert record["unmatched"][1] == {
        "value": "Ask for photo (lace)",
        "events": 3,
        "suggested_role": "customer_task",
    }
    assert record["events"] == EVENTS.height


def test_suggested_toml_round_trips(defaults: RoleSettings) -> None:
    s = suggest_roles(EVENTS, defaults, top=30)
    parsed = tomllib.loads(s.toml)
    rebuilt = build_table(RoleSettings, parsed["roles"], source="suggestion", prefix="roles.")
    assert rebuilt == defaults
    # Uncommenting the suggestions gives working exact-match rules (a quote included).
    few = RoleSettings(
        contact=[r"\bcall\b"], customer_task=[], customer_action=[], notice=[], resolution=[]
    )
    toml = suggest_roles(EVENTS, few).toml
    assert tomllib.loads(toml)["roles"]["contact"] == [r"\bcall\b"]
    uncommented = re.sub(r"(?m)^    # (['\"]\^)", r"    \1", toml)
    role_table = tomllib.loads(uncommented)["roles"]
    assert role_table["customer_action"] == ["^Customer's reply$"]
    assert role_table["customer_task"] == [r"^Ask for photo \(lace\)$"]
    assert role_table["resolution"] == ["^Case closed$", "^Resolved$"]
    assert "#   '^Check stock$',  # 4 events" in toml  # no role suggested
    widened = build_table(RoleSettings, role_table, source="suggestion", prefix="roles.")
    out = classify(EVENTS, widened)
    for col in ROLE_COLUMNS.values():
        assert out[col].any() or col == "role_notice"
    assert (
        not out.filter(pl.col("activity") == "Check stock")
        .select(pl.any_horizontal(list(ROLE_COLUMNS.values())))
        .to_series()
        .any()
    )


def test_toml_string_quoting() -> None:
    for text in [r"\bcall\b", "it's", 'say "hi"', "tab\there", "^Ask\\ for$", "ümlaut"]:
        assert tomllib.loads(f"x = {toml_string(text)}")["x"] == text
    assert toml_string(r"\bcall\b") == r"'\bcall\b'"


def test_every_role_has_a_column() -> None:
    assert tuple(ROLE_COLUMNS) == ROLE_NAMES
