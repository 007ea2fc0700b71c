"""``score --format json``: the streamed writer against a plain reconstruction.

The writer places each case's flags by position (flags come in ranking order) and
encodes chunks in a worker thread; these tests rebuild the document the slow, obvious
way (a dict per case, flags looked up by case id) and compare.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from frictionminer.engine import result as analysis
from frictionminer.engine.pipeline import analyze
from frictionminer.engine.result import Result
from frictionminer.engine.rules import RULES
from frictionminer.io import load
from frictionminer.settings.load import load_settings

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"


@pytest.fixture(scope="module")
def warranty() -> Result:
    settings = load_settings(SAMPLES / "sim_warranty.toml")
    return analyze(load(SAMPLES / "sim_warranty.csv", settings), settings)


def document(result: Result, top: int | None = None) -> dict[str, Any]:
    buf = io.BytesIO()
    result.write_json(buf, top)
    parsed: dict[str, Any] = json.loads(buf.getvalue())
    return parsed


def expected_flags(result: Result) -> dict[str, list[dict[str, str]]]:
    by_case: dict[str, list[dict[str, str]]] = {}
    for row in result.flags.sort("case_id", "rule").iter_rows(named=True):
        by_case.setdefault(row["case_id"], []).append(
            {"rule": row["rule"], "message": row["message"]}
        )
    return by_case


def test_every_case_in_rank_order_with_its_own_flags(warranty: Result) -> None:
    doc = document(warranty)
    assert warranty.flags.height > 50  # the sample raises flags on many cases
    ranked = warranty.cases
    assert [c["case_id"] for c in doc["cases"]] == ranked["case_id"].to_list()
    flags = expected_flags(warranty)
    for rec, row in zip(doc["cases"], ranked.iter_rows(named=True), strict=True):
        assert rec["flags"] == flags.get(rec["case_id"], [])
        assert rec["friction_score"] == pytest.approx(row["friction_score"], abs=1e-3)
        assert rec["measures"]["handoffs"] == row["handoffs"]
        assert rec["measures"]["customer_wait_hours"] == pytest.approx(
            row["customer_wait_hours"], abs=1e-3
        )
        start = row["start"].strftime("%Y-%m-%dT%H:%M:%S")
        assert rec["measures"]["start"].startswith(start)
        assert rec["measures"]["start"].endswith("+00:00")


def test_rule_metadata_is_stated_once_in_the_summary(warranty: Result) -> None:
    summary = document(warranty)["summary"]
    fm005 = summary["flags"]["FM005"]
    assert fm005["name"] == "friction.ping_pong"
    assert fm005["severity"] == RULES["FM005"].severity == "warning"
    assert fm005["cases"] == warranty.flags.filter(pl.col("rule") == "FM005").height
    assert math.isclose(fm005["share"], round(fm005["cases"] / warranty.cases.height, 4))


def test_flags_in_another_order_take_the_general_path(warranty: Result) -> None:
    shuffled = dataclasses.replace(
        warranty, flags=warranty.flags.sample(fraction=1.0, shuffle=True, seed=3)
    )
    assert document(shuffled) == document(warranty)


def test_chunks_and_top_give_the_same_cases(
    warranty: Result, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = document(warranty)
    monkeypatch.setattr(analysis, "JSON_CHUNK", 7)
    chunked = document(warranty)
    assert chunked == whole
    for top in (1, 7, 8, 29):
        assert document(warranty, top)["cases"] == whole["cases"][:top]


def test_no_cases_and_no_flags_still_give_valid_json(warranty: Result) -> None:
    none = dataclasses.replace(warranty, flags=warranty.flags.head(0))
    doc = document(none)
    assert all(c["flags"] == [] for c in doc["cases"])
    empty = dataclasses.replace(
        warranty, cases=warranty.cases.head(0), flags=warranty.flags.head(0)
    )
    assert document(empty)["cases"] == []


def expected_rule_ids(result: Result, top: int | None = None) -> list[str]:
    """The ``flags`` column of CSV/Parquet, the obvious way: rule ids by case id."""
    joined = {case: ";".join(sorted(rules)) for case, rules in _rules_by_case(result).items()}
    return [joined.get(c, "") for c in result.ranked(top)["case_id"].to_list()]


def _rules_by_case(result: Result) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for case, rule in result.flags.select("case_id", "rule").iter_rows():
        out.setdefault(case, []).append(rule)
    return out


@pytest.mark.parametrize("top", [None, 1, 8, 29])
def test_flat_table_flags_are_each_cases_rule_ids(warranty: Result, top: int | None) -> None:
    table = warranty.flat_table(top)
    assert table["rank"].to_list() == list(range(1, table.height + 1))
    assert table["flags"].to_list() == expected_rule_ids(warranty, top)
    assert any(";" in f for f in table["flags"].to_list())  # cases with several rules
    shuffled = dataclasses.replace(
        warranty, flags=warranty.flags.sample(fraction=1.0, shuffle=True, seed=5)
    )
    assert shuffled.flat_table(top)["flags"].to_list() == table["flags"].to_list()
    none = dataclasses.replace(warranty, flags=warranty.flags.head(0))
    assert set(none.flat_table(top)["flags"].to_list()) == {""}


def test_flat_table_of_a_head_without_flags(warranty: Result) -> None:
    """The top case without flags (removed here): the head of one case has none to place."""
    first = warranty.cases["case_id"][0]
    unflagged = dataclasses.replace(
        warranty, flags=warranty.flags.filter(pl.col("case_id") != first)
    )
    assert unflagged.flat_table(1)["flags"].to_list() == [""]
    assert unflagged.flat_table(5)["flags"].to_list() == expected_rule_ids(unflagged, 5)


def test_flags_without_texts_give_the_same_flat_table(warranty: Result) -> None:
    """``flag_texts=False`` (``score`` to CSV or Parquet): the same flags, rule for rule,
    with empty texts, and the same CSV/Parquet table."""
    settings = load_settings(SAMPLES / "sim_warranty.toml")
    lean = analyze(load(SAMPLES / "sim_warranty.csv", settings), settings, flag_texts=False)
    assert lean.flags.select("case_id", "rule").equals(warranty.flags.select("case_id", "rule"))
    for column in ("name", "severity", "remedy", "message"):
        assert set(lean.flags[column].to_list()) == {""}
        assert "" not in set(warranty.flags[column].to_list())
    assert lean.flat_table().equals(warranty.flat_table())
    assert lean.summary()["flags"] == warranty.summary()["flags"]
