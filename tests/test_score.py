"""score_cases: contributions, peers, robust z-score fallbacks, value ratio — hand-computed."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from frictionminer.engine.score import ALL_CASES, PROPORTION_COLUMNS, SCORE_TERMS, score_cases
from frictionminer.errors import SchemaError
from frictionminer.settings import ProportionSettings, Settings, WeightSettings

SETTINGS = Settings()


def case(case_id: str, **overrides: Any) -> dict[str, Any]:
    """One row of measures: a quiet, resolved case unless overridden."""
    row: dict[str, Any] = {
        "case_id": case_id,
        "events": 4,
        "interactions": 0,
        "customer_tasks": 0,
        "repeat_requests": 0,
        "customer_wait_hours": 0.0,
        "silent_wait_max_hours": 0.0,
        "handoffs": 0,
        "ping_pongs": 0,
        "external_handoffs": 0,
        "channel_switches": 0,
        "reexplanations": 0,
        "duration_hours": 24.0,
        "effort_minutes": 20.0,
        "resolved": True,
    }
    row.update(overrides)
    return row


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows)


def by_id(scored: pl.DataFrame, case_id: str) -> dict[str, Any]:
    return scored.filter(pl.col("case_id") == case_id).row(0, named=True)


def test_score_terms_are_the_weights_in_order() -> None:
    assert SCORE_TERMS == (
        "interactions",
        "customer_tasks",
        "repeat_requests",
        "customer_wait_days",
        "silent_wait_max_days",
        "handoffs",
        "ping_pongs",
        "external_handoffs",
        "channel_switches",
        "unresolved",
        "disproportion",
    )
    assert {f.name for f in dataclasses.fields(WeightSettings)} == set(SCORE_TERMS)
    scored = score_cases(frame([case("a")]), SETTINGS)
    assert scored.columns[-len(SCORE_TERMS) - 2 :] == [
        *(f"contrib_{t}" for t in SCORE_TERMS),
        "friction_score",
        "friction_percentile",
    ]


def test_contributions_are_weight_times_value_and_score_is_their_sum() -> None:
    busy = case(
        "busy",
        interactions=4,
        customer_tasks=2,
        repeat_requests=1,
        customer_wait_hours=48.0,
        silent_wait_max_hours=24.0,
        handoffs=3,
        ping_pongs=1,
        external_handoffs=1,
        channel_switches=2,
        resolved=False,
    )
    scored = score_cases(frame([busy, case("b"), case("c")]), SETTINGS)
    row = by_id(scored, "busy")
    expected = {
        "interactions": 4 * 1.0,
        "customer_tasks": 2 * 2.0,
        "repeat_requests": 1 * 3.0,
        "customer_wait_days": 2 * 0.5,
        "silent_wait_max_days": 1 * 1.0,
        "handoffs": 3 * 0.5,
        "ping_pongs": 1 * 2.0,
        "external_handoffs": 1 * 2.0,
        "channel_switches": 2 * 1.0,
        "unresolved": 1 * 3.0,
        "disproportion": 0.0,  # all three cases have the same effort
    }
    assert {t: row[f"contrib_{t}"] for t in SCORE_TERMS} == expected
    assert row["friction_score"] == 23.5
    assert by_id(scored, "b")["friction_score"] == 0.0
    assert scored.schema["friction_score"] == pl.Float64


def test_disproportion_contribution_and_rounding() -> None:
    # efforts 10, 20, 30: median 20, MAD 10, scale 14.826 -> z(30) = 10 / 14.826
    rows = [case("lo", effort_minutes=10.0), case("mid"), case("hi", effort_minutes=30.0)]
    scored = score_cases(frame(rows), SETTINGS)
    hi = by_id(scored, "hi")
    assert hi["effort_z"] == pytest.approx(10 / 14.826)
    assert hi["disproportion"] == pytest.approx(0.674491, abs=1e-6)
    assert hi["contrib_disproportion"] == pytest.approx(2 * 0.674491, abs=1e-6)
    assert hi["friction_score"] == 1.349
    lo = by_id(scored, "lo")
    assert lo["effort_z"] == pytest.approx(-10 / 14.826)
    assert lo["disproportion"] == 0.0  # less effort than peers is not friction


def test_configurable_weights_change_the_score() -> None:
    rows = [case("a", interactions=4, customer_tasks=1), case("b")]
    default = by_id(score_cases(frame(rows), SETTINGS), "a")
    heavy = Settings(weights=WeightSettings(interactions=5.0, customer_tasks=0.0))
    tuned = by_id(score_cases(frame(rows), heavy), "a")
    assert default["friction_score"] == 4 * 1.0 + 1 * 2.0
    assert tuned["contrib_interactions"] == 20.0
    assert tuned["contrib_customer_tasks"] == 0.0
    assert tuned["friction_score"] == 20.0


def shoes_and_mortgages() -> pl.DataFrame:
    rows = [
        case(f"s{i:02}", category="shoelace", interactions=2, effort_minutes=16.0)
        for i in range(30)
    ]
    rows.append(case("s-long", category="shoelace", interactions=10, effort_minutes=80.0))
    rows += [
        case(f"m{i:02}", category="mortgage", interactions=10, effort_minutes=80.0)
        for i in range(25)
    ]
    rows += [case(f"l{i}", category="laces", interactions=3, effort_minutes=24.0) for i in range(3)]
    rows.append(case("nocat", category=None, interactions=2, effort_minutes=16.0))
    return frame(rows)


def test_ten_interactions_stand_out_for_a_shoelace_not_for_a_mortgage() -> None:
    scored = score_cases(shoes_and_mortgages(), SETTINGS)
    shoe = by_id(scored, "s-long")
    assert shoe["peer_group"] == "shoelace"
    assert shoe["peer_cases"] == 31
    assert shoe["peer_effort_median"] == 16.0
    assert shoe["peer_interactions_median"] == 2.0
    # MAD is 0 and the mean absolute deviation (64/31 × 1.2533 = 2.59) is below the floor of
    # one contact (8 min), so the scale is 8: z = (80 - 16) / 8
    assert shoe["effort_z"] == 8.0
    assert shoe["disproportion"] == 8.0
    mortgage = by_id(scored, "m00")
    assert mortgage["peer_group"] == "mortgage"
    assert mortgage["peer_cases"] == 25
    assert mortgage["peer_interactions_median"] == 10.0
    assert mortgage["effort_z"] == 0.0
    assert mortgage["disproportion"] == 0.0
    assert by_id(scored, "s00")["disproportion"] == 0.0


def test_small_or_missing_categories_fall_back_to_the_whole_log() -> None:
    scored = score_cases(shoes_and_mortgages(), SETTINGS)
    for case_id in ("l0", "nocat"):
        row = by_id(scored, case_id)
        assert row["peer_group"] == ALL_CASES
        assert row["peer_cases"] == scored.height == 60
        # log-wide: 31 cases at 16 min (30 + nocat), 3 at 24, 1 + 25 at 80 -> median 16
        assert row["peer_effort_median"] == 16.0
    # min_peers = 40: the shoelaces (31) are now compared with the whole log as well
    wide = score_cases(shoes_and_mortgages(), Settings(proportion=ProportionSettings(min_peers=40)))
    assert set(wide["peer_group"]) == {ALL_CASES}


def test_without_category_every_case_is_compared_with_the_log() -> None:
    scored = score_cases(frame([case("a"), case("b")]), SETTINGS)
    assert scored["peer_group"].to_list() == [ALL_CASES, ALL_CASES]
    assert scored["peer_cases"].to_list() == [2, 2]


def test_mad_zero_falls_back_to_mean_absolute_deviation() -> None:
    efforts = [100.0, 100.0, 100.0, 100.0, 0.0, 400.0]
    rows = [case(f"c{i}", effort_minutes=e) for i, e in enumerate(efforts)]
    scored = score_cases(frame(rows), SETTINGS)
    # median 100; deviations 0,0,0,0,100,300: MAD 0, mean absolute deviation 400/6
    scale = math.sqrt(math.pi / 2) * 400 / 6  # 83.554
    assert by_id(scored, "c5")["effort_z"] == pytest.approx(300 / scale)
    assert by_id(scored, "c5")["effort_z"] == pytest.approx(3.5905, abs=1e-4)
    assert by_id(scored, "c4")["effort_z"] == pytest.approx(-100 / scale)


def test_scale_floor_and_cap() -> None:
    # ten cases at 20 min and one at 24: the spread is tiny, the floor (8 min) keeps z at 0.5
    rows = [case(f"c{i}") for i in range(10)] + [case("x", effort_minutes=24.0)]
    assert by_id(score_cases(frame(rows), SETTINGS), "x")["effort_z"] == 0.5
    # a huge outlier among 30 peers: the mean absolute deviation (1980/31 × 1.2533 = 80) gives
    # z = 24.8, capped at proportion.cap
    rows = [case(f"c{i}") for i in range(30)] + [case("x", effort_minutes=2000.0)]
    assert by_id(score_cases(frame(rows), SETTINGS), "x")["effort_z"] == 10.0
    capped = Settings(proportion=ProportionSettings(cap=3.0))
    assert by_id(score_cases(frame(rows), capped), "x")["disproportion"] == 3.0
    # identical efforts: every z is 0
    same = score_cases(frame([case(f"c{i}") for i in range(5)]), SETTINGS)
    assert same["effort_z"].to_list() == [0.0] * 5


def test_value_ratio_cheap_versus_expensive() -> None:
    rows = [
        case("cheap", effort_minutes=30.0, value=3.0),  # 10 min per EUR
        case("dear", effort_minutes=30.0, value=300.0),  # 0.1
        case("mid", effort_minutes=30.0, value=30.0),  # 1 -> the log median
        case("free", effort_minutes=30.0, value=0.0),
        case("unknown", effort_minutes=30.0, value=None),
    ]
    scored = score_cases(frame(rows), SETTINGS)
    cheap, dear = by_id(scored, "cheap"), by_id(scored, "dear")
    assert cheap["effort_per_value"] == 10.0
    assert cheap["value_ratio"] == 10.0
    assert cheap["disproportion"] == pytest.approx(math.log2(10))  # 3.32: z is 0
    assert cheap["contrib_disproportion"] == pytest.approx(2 * math.log2(10))
    assert dear["value_ratio"] == pytest.approx(0.1)
    assert dear["disproportion"] == 0.0
    assert by_id(scored, "mid")["value_ratio"] == 1.0
    for case_id in ("free", "unknown"):
        row = by_id(scored, case_id)
        assert row["effort_per_value"] is None
        assert row["value_ratio"] is None
        assert row["disproportion"] == 0.0


def test_without_value_the_value_columns_are_null() -> None:
    scored = score_cases(frame([case("a"), case("b")]), SETTINGS)
    assert scored["value_ratio"].null_count() == 2
    assert scored.schema["value_ratio"] == pl.Float64
    assert scored["disproportion"].to_list() == [0.0, 0.0]


def test_output_keeps_measures_and_does_not_mutate_input() -> None:
    measures = shoes_and_mortgages()
    before = measures.clone()
    scored = score_cases(measures, SETTINGS)
    assert_frame_equal(measures, before)
    assert_frame_equal(scored.select(measures.columns), measures)
    assert scored.columns[len(measures.columns) : len(measures.columns) + 8] == list(
        PROPORTION_COLUMNS
    )


def test_row_order_does_not_change_scores() -> None:
    measures = shoes_and_mortgages()
    a = score_cases(measures, SETTINGS).sort("case_id")
    b = score_cases(measures.reverse(), SETTINGS).sort("case_id")
    assert_frame_equal(a, b)


def test_empty_log_and_missing_columns() -> None:
    empty = score_cases(frame([case("a")]).head(0), SETTINGS)
    assert empty.height == 0
    assert "friction_score" in empty.columns
    with pytest.raises(SchemaError, match="effort_minutes"):
        score_cases(frame([case("a")]).drop("effort_minutes"), SETTINGS)
