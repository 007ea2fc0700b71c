"""Surveys: the survey role, FM013, the rating's relation to friction, survey-list."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from frictionminer.cli import app
from frictionminer.engine.classify import classify
from frictionminer.engine.surveys import (
    detect_scale,
    fisher_interval,
    rating_relation,
)
from frictionminer.settings import RoleSettings, Settings

runner = CliRunner()


def _ranks(values: list[float]) -> np.ndarray:
    """Average ranks (1-based), ties sharing their mean rank: by hand, with numpy."""
    a = np.asarray(values, dtype=float)
    order = np.argsort(a, kind="stable")
    ranks = np.empty(len(a))
    i = 0
    while i < len(a):
        j = i
        while j + 1 < len(a) and a[order[j + 1]] == a[order[i]]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


SCORES = [1.0, 2.0, 2.0, 4.0, 5.0, 7.0, 8.0, 9.0, 12.0, 20.0]
RATINGS = [5.0, 5.0, 4.0, 4.0, 3.0, 4.0, 2.0, 1.0, 2.0, 1.0]
CONTACTS = [1, 1, 2, 1, 2, 3, 2, 5, 4, 6]


def _cases() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "case_id": [f"c{i}" for i in range(10)],
            "friction_score": SCORES,
            "interactions": CONTACTS,
            "rating": RATINGS,
        }
    )


def test_spearman_interval_and_deciles_match_a_direct_computation() -> None:
    out = rating_relation(_cases(), Settings(columns={"rating": "rating"}), ["interactions"])
    assert out["scale"] == "csat"  # all within 1..5
    assert out["rated_cases"] == 10
    assert out["unhappy_cases"] == 4  # ratings 2, 1, 2, 1 (<= 2)
    rho = float(np.corrcoef(_ranks(SCORES), _ranks(RATINGS))[0, 1])
    assert out["friction_score"]["rho"] == pytest.approx(rho, abs=1e-4)
    assert rho == pytest.approx(-0.9163, abs=1e-4)  # strongly falling
    half = 1.959963984540054 * 1.06 / math.sqrt(10 - 3)
    low, high = math.tanh(math.atanh(rho) - half), math.tanh(math.atanh(rho) + half)
    assert out["friction_score"]["low"] == pytest.approx(low, abs=1e-4)
    assert out["friction_score"]["high"] == pytest.approx(high, abs=1e-4)
    assert -1 < low < rho < high < 0
    # Ten rated cases: one per decile, except the tie at 2.0 (ranks 2 and 3 -> decile 2).
    deciles = out["deciles"]
    assert [d["decile"] for d in deciles] == [1, 2, 4, 5, 6, 7, 8, 9, 10]
    assert [d["cases"] for d in deciles] == [1, 2, 1, 1, 1, 1, 1, 1, 1]
    assert deciles[1]["mean_rating"] == 4.5  # the two cases scoring 2.0 rated 5 and 4
    assert deciles[-1]["unhappy_share"] == 1.0
    # AUC of contacts for the unhappy (c6..c9: 2, 5, 4, 6) against the others
    # (1, 1, 2, 1, 2, 3): 2 beats three and ties two (4), 5, 4 and 6 beat all six (18).
    sad = [2, 5, 4, 6]
    happy = [1, 1, 2, 1, 2, 3]
    wins = sum((s > h) + 0.5 * (s == h) for s in sad for h in happy)
    assert wins == 22.0
    (contacts,) = out["measures"]
    assert contacts["auc"] == pytest.approx(wins / 24, abs=1e-4)
    assert contacts["rank_biserial"] == pytest.approx(2 * wins / 24 - 1, abs=1e-4)


def test_scales_are_detected_from_the_values() -> None:
    assert detect_scale(pl.Series([0.0, 1.0, 1.0]), "auto") == "complaint"
    assert detect_scale(pl.Series([1.0, 5.0, 3.0]), "auto") == "csat"
    assert detect_scale(pl.Series([0.0, 10.0, 7.0]), "auto") == "nps"
    assert detect_scale(pl.Series([3.0, 90.0]), "auto") == "other"
    assert detect_scale(pl.Series([3.0, 90.0]), "nps") == "nps"
    assert fisher_interval(0.5, 3) == (None, None)  # too few for an interval


def test_survey_role_matches_en_de_nl_and_leaves_contacts_alone() -> None:
    labels = [
        "Send satisfaction survey",
        "NPS request",
        "Kundenbefragung versenden",
        "Umfrage gesendet",
        "Klanttevredenheidsonderzoek verstuurd",
        "Enquête versturen",
        "Call customer",
        "Survey of the building site",  # a survey still (the pattern cannot tell)
        "Pursue vendor",
    ]
    out = classify(pl.DataFrame({"activity": labels}), RoleSettings())
    assert out["role_survey"].to_list() == [True] * 6 + [False, True, False]
    # A survey is a contact too: the survey role takes nothing from the other roles.
    without = classify(pl.DataFrame({"activity": labels}), RoleSettings(survey=[]))
    for role in ("contact", "customer_task", "customer_action", "notice", "resolution"):
        assert out[f"role_{role}"].to_list() == without[f"role_{role}"].to_list()


def _write_log(path: Path, cases: int = 20) -> Path:
    """``cases`` cases: case k has 2k+1 customer calls a minute apart, then a resolution;
    the even cases get a satisfaction survey last, with a CSAT falling with k."""
    rows = ["case,activity,time,csat"]
    for k in range(cases):
        for i in range(2 * k + 1):  # 2k+1 calls: a survey (a contact too) breaks no tie
            rows.append(f"k{k:02d},Customer calls,2024-01-01 {i // 60:02d}:{i % 60:02d}:00,")
        rows.append(f"k{k:02d},Resolved,2024-02-01 09:00:00,")
        if k % 2 == 0:
            rows.append(f"k{k:02d},Send satisfaction survey,2024-02-01 10:00:00,{5 - k // 4}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_fm013_flags_the_surveyed_cases_in_the_top_tenth(tmp_path: Path) -> None:
    log = _write_log(tmp_path / "s.csv")
    res = runner.invoke(app, ["score", str(log), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    flagged = sorted(
        c["case_id"] for c in doc["cases"] if any(f["rule"] == "FM013" for f in c["flags"])
    )
    # Friction rises with k: k18 and k19 are the top tenth of 20; only k18 was surveyed.
    assert flagged == ["k18"]
    assert doc["summary"]["flags"]["FM013"]["cases"] == 1
    surveys = doc["summary"]["surveys"]
    assert surveys["surveyed_cases"] == 10
    assert surveys["surveyed_after_friction"] == 1
    assert surveys["ratings"] is None  # no [columns] rating
    # min_percentile 0.8: the top fifth (k16..k19), of which k16 and k18 were surveyed
    cfg = tmp_path / "fm.toml"
    cfg.write_text("[rules.FM013]\nmin_percentile = 0.8\n", encoding="utf-8")
    res = runner.invoke(app, ["score", str(log), "--config", str(cfg), "--format", "json"])
    doc = json.loads(res.stdout)
    assert doc["summary"]["flags"]["FM013"]["cases"] == 2


def test_score_relates_the_rating_to_friction(tmp_path: Path) -> None:
    log = _write_log(tmp_path / "s.csv")
    cfg = tmp_path / "fm.toml"
    cfg.write_text('[columns]\nrating = "csat"\n', encoding="utf-8")
    res = runner.invoke(app, ["score", str(log), "--config", str(cfg), "--format", "json"])
    assert res.exit_code == 0, res.output
    ratings = json.loads(res.stdout)["summary"]["surveys"]["ratings"]
    assert ratings["scale"] == "csat"
    assert ratings["rated_cases"] == 10
    assert ratings["friction_score"]["rho"] < -0.9
    res = runner.invoke(app, ["score", str(log), "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    assert "Spearman" in res.stdout


def test_survey_list_is_deterministic_and_pseudonymised(tmp_path: Path) -> None:
    log = _write_log(tmp_path / "s.csv", cases=40)
    runs = []
    for name, seed in (("a.csv", "5"), ("b.csv", "5"), ("c.csv", "6")):
        out = tmp_path / name
        res = runner.invoke(
            app,
            [
                *("survey-list", str(log), "-o", str(out), "--size", "3", "--control", "4"),
                *("--seed", seed, "--pseudonym-key", "k"),
            ],
        )
        assert res.exit_code == 0, res.output
        runs.append(pl.read_csv(out))
    a, b, c = runs
    assert a.equals(b)  # same seed, same key: the same list
    assert a["chosen"].to_list() == ["high_friction"] * 3 + ["control"] * 4
    # the three worst cases not yet surveyed: k39, k37, k35 (the odd ones have no survey)
    assert a["friction_score"].head(3).to_list() == sorted(
        a["friction_score"].head(3).to_list(), reverse=True
    )
    assert a["reason"][0].startswith("friction score higher than 97% of the log's cases")
    assert a["reason"][3] == "random control sample (seed 5)"
    assert a.head(3).equals(c.head(3))  # the high-friction part does not depend on the seed
    assert not a.tail(4)["case"].equals(c.tail(4)["case"])
    text = (tmp_path / "a.csv").read_text(encoding="utf-8")
    assert "k3" not in text and "k1" not in text  # no real case id
    assert all(v.startswith("case-") for v in a["case"])
    from frictionminer.reporting.pseudonymize import Pseudonymizer

    ids = {Pseudonymizer(b"k").case_id(f"k{k:02d}"): k for k in range(40)}
    chosen = [ids[v] for v in a["case"]]
    assert chosen[:3] == [39, 37, 35]
    assert all(k % 2 == 1 for k in chosen)  # never a case already surveyed
    assert not list(tmp_path.glob("*.tmp*"))


SURVEY_RATES = {"survey-after-friction": 0.05, "vendor-wait": 0.05}


def test_simulated_surveys_after_friction_are_found() -> None:
    from frictionminer.simulation.quality import flag_quality

    (row,) = flag_quality("warranty", 2000, 1, rates=SURVEY_RATES, rules=("FM013",)).rows(
        named=True
    )
    assert row["labelled"] >= 50
    assert row["precision"] >= 0.9
    assert row["recall"] >= 0.9


def test_simulated_patterns_leave_other_logs_alone_and_carry_ratings() -> None:
    from frictionminer.simulation import simulate, simulate_with_truth

    plain = simulate("loan", 300, 4)
    assert "case:rating" not in plain.columns
    assert not plain["activity"].str.contains("survey|Vendor").any()
    assert plain.equals(simulate("loan", 300, 4, rates={"vendor-wait": 0.0}))
    sim = simulate_with_truth("loan", 1000, 4, rates=SURVEY_RATES)
    ratings = sim.events.group_by("case_id").agg(pl.col("case:rating").first())
    surveyed = sim.truth.filter(pl.col("surveys") > 0)
    rated = ratings.filter(pl.col("case:rating").is_not_null())
    assert rated.height == surveyed.height > 50  # every surveyed case, and only those
    assert set(rated["case:rating"]) <= {1, 2, 3, 4, 5}
    joined = surveyed.join(ratings, on="case_id")
    rho = float(
        np.corrcoef(
            _ranks(joined["friction_score"].to_list()),
            _ranks([float(v) for v in joined["case:rating"].to_list()]),
        )[0, 1]
    )
    assert rho < -0.5  # ratings fall with friction


def test_simulated_vendor_waits_are_waits_at_an_outside_party(tmp_path: Path) -> None:
    from frictionminer.api import analyze, load_settings
    from frictionminer.simulation import scenario_config, simulate_with_truth

    sim = simulate_with_truth("it-incident", 600, 2, rates={"*": 0.0, "vendor-wait": 0.1})
    log = tmp_path / "v.parquet"
    sim.events.write_parquet(log)
    cfg = tmp_path / "v.toml"
    cfg.write_text(scenario_config("it-incident"), encoding="utf-8")
    cases = analyze(str(log), load_settings(cfg)).cases
    waited = set(cases.filter(pl.col("wait_external_hours") > 0)["case_id"])
    vendor = set(sim.truth.filter(pl.col("pattern:vendor-wait"))["case_id"])
    assert len(vendor) > 30
    assert waited == vendor
    # 16-64 business hours at the vendor (calendar hours differ; a case on the customer's
    # side meanwhile keeps part of it there)
    assert cases.filter(pl.col("case_id").is_in(vendor))["wait_external_hours"].median() >= 8


def test_executions_agree_on_surveys_ratings_and_fm013(tmp_path: Path) -> None:
    """In memory, in threads and in shard files: the same surveys, percentiles, flags."""
    from frictionminer.api import analyze, load_settings
    from frictionminer.simulation import scenario_config, simulate

    log = tmp_path / "s.parquet"
    simulate("complaint", 800, 3, rates=SURVEY_RATES).write_parquet(log)
    cfg = tmp_path / "s.toml"
    cfg.write_text(
        scenario_config("complaint").replace(
            'value = "case:value"\n', 'value = "case:value"\nrating = "case:rating"\n'
        ),
        encoding="utf-8",
    )
    settings = load_settings(cfg)
    runs = [
        analyze(str(log), settings, shards=1),
        analyze(str(log), settings, shards=1, workers=2),
        analyze(str(log), settings, shards=3),
    ]
    columns = ["case_id", "surveys", "rating", "friction_score", "friction_percentile"]
    base = runs[0]
    assert base.cases["surveys"].sum() > 50
    assert base.flags.filter(pl.col("rule") == "FM013").height > 10
    for other in runs[1:]:
        assert other.cases.select(columns).equals(base.cases.select(columns))
        assert other.flags.equals(base.flags)
        assert other.summary()["surveys"] == base.summary()["surveys"]


def test_report_shows_the_ratings_section_in_english_and_german(tmp_path: Path) -> None:
    log = _write_log(tmp_path / "s.csv", cases=30)
    cfg = tmp_path / "fm.toml"
    cfg.write_text('[columns]\nrating = "csat"\n', encoding="utf-8")
    for lang, words in (
        ("en", ["Surveys and ratings", "Rating by friction decile", "Spearman"]),
        ("de", ["Umfragen und Bewertungen", "Bewertung nach Reibungsdezil", "Fisher-z"]),
    ):
        out = tmp_path / f"r-{lang}.html"
        res = runner.invoke(
            app, ["report", str(log), "--config", str(cfg), "-o", str(out), "--lang", lang]
        )
        assert res.exit_code == 0, res.output
        html = out.read_text(encoding="utf-8")
        assert 'id="surveys"' in html and '<a href="#surveys">' in html
        for word in words:
            assert word in html, (lang, word)
    plain = tmp_path / "plain.html"
    sample = Path(__file__).resolve().parents[1] / "sample_logs" / "shoelace.csv"
    assert runner.invoke(app, ["report", str(sample), "-o", str(plain)]).exit_code == 0
    assert 'id="surveys"' not in plain.read_text(encoding="utf-8")
    assert '<a href="#surveys">' not in plain.read_text(encoding="utf-8")
