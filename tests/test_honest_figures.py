"""Numbers that agree with each other: resolved, reopened and FM009; report headline
figures that read right on real logs (issue 13, point 6)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from conftest import csv_log, shared_log
from frictionminer.cli import app
from frictionminer.engine.causes import find_causes
from frictionminer.engine.pipeline import analyze
from frictionminer.io import load
from frictionminer.reporting import charts
from frictionminer.reporting.catalogue import short_number
from frictionminer.settings import Settings

runner = CliRunner()


@pytest.fixture
def outcome_log(tmp_path: Path) -> Path:
    """A and D resolved; B resolved, then the customer acts again (reopened); C never
    resolved.  By hand: resolved 3/4, reopened 1/4, FM009 2/4 = 1 unresolved + 1 reopened."""
    return csv_log(
        tmp_path / "outcome.csv",
        [
            ("A", "Call customer", 0),
            ("A", "Problem resolved", 1),
            ("B", "Call customer", 0),
            ("B", "Problem resolved", 1),
            ("B", "Customer replies", 2),
            ("C", "Call customer", 0),
            ("C", "Review", 1),
            ("D", "Call customer", 0),
            ("D", "Problem resolved", 0.5),
        ],
    )


def test_resolved_reopened_and_fm009_add_up(outcome_log: Path) -> None:
    res = runner.invoke(app, ["score", str(outcome_log), "-f", "json"])
    summary = json.loads(res.stdout)["summary"]
    assert (summary["resolved_share"], summary["reopened_share"]) == (0.75, 0.25)
    fm009 = summary["flags"]["FM009"]
    assert (fm009["cases"], fm009["share"]) == (2, 0.5)
    assert fm009["reasons"] == {
        "unresolved": {"cases": 1, "share": 0.25},
        "reopened": {"cases": 1, "share": 0.25},
    }
    # FM009's share is the share never resolved plus the share reopened
    assert fm009["share"] == round(1 - summary["resolved_share"] + summary["reopened_share"], 4)
    flat = " ".join(runner.invoke(app, ["score", str(outcome_log)]).stdout.split())
    assert (
        "75.0% reached a resolution, 25.0% were reopened after it; FM009 flags 50.0%: "
        "25.0% never resolved and 25.0% reopened after a resolution"
    ) in flat
    markdown = runner.invoke(app, ["score", str(outcome_log), "-f", "markdown"]).stdout
    assert "FM009 flags 50.0%: 25.0% never resolved and 25.0% reopened" in markdown


def test_report_says_the_outcome_in_one_sentence(outcome_log: Path, tmp_path: Path) -> None:
    page = tmp_path / "outcome.html"
    runner.invoke(app, ["report", str(outcome_log), "-o", str(page), "-q"])
    html = page.read_text()
    assert re.search(r'<p class="outcome">75.0% reached a resolution, 25.0% were reopened', html)


def test_numbers_for_people() -> None:
    assert charts.human_number(2380.4) == "2,380"
    assert charts.human_number(54.5) == "54.5"
    assert charts.human_number(3.25) == "3.25"
    assert charts.human_number(0.25) == "0.25"
    assert short_number(2_380_000.0, "en") == "2,380,000"
    assert short_number(2_380_000.0, "de") == "2.380.000"
    assert short_number(2.5, "de") == "2,5"


def test_effort_headline_when_the_median_case_costs_nothing(tmp_path: Path) -> None:
    """8 cases, 2 with a call (8 min each, then 16 min): the median is 0 minutes."""
    rows: list[tuple[str, str, float]] = []
    for i in range(8):
        rows += [(f"C{i}", "Register", 0), (f"C{i}", "Problem resolved", 1)]
    rows += [
        ("C0", "Call customer", 0.5),
        ("C1", "Call customer", 0.5),
        ("C1", "Mail customer", 0.7),
    ]
    log = csv_log(tmp_path / "quiet.csv", rows)
    page = tmp_path / "quiet.html"
    runner.invoke(app, ["report", str(log), "-o", str(page), "-q"])
    html = page.read_text()
    lead = re.search(r'<p class="lead">(.*?)</p>', html, re.S)
    assert lead is not None
    assert "cost the customer 0 minutes" not in lead.group(1)
    assert "25.0% did, and the costliest tenth 15 minutes or more" in lead.group(1)
    assert '<div class="v">25.0%</div><div class="l">cases costing the customer own time' in html


def test_one_case_paths_are_no_finding(tmp_path: Path) -> None:
    """Three cases, three different paths: the report counts them instead of ranking them."""
    log = csv_log(
        tmp_path / "paths.csv",
        [
            ("A", "Call customer", 0),
            ("A", "Problem resolved", 1),
            ("B", "Call customer", 0),
            ("B", "Check", 1),
            ("B", "Problem resolved", 2),
            ("C", "Check", 0),
            ("C", "Problem resolved", 1),
        ],
    )
    page = tmp_path / "paths.html"
    runner.invoke(app, ["report", str(log), "-o", str(page), "-q"])
    html = page.read_text()
    assert "The 3 cases took 3 distinct paths; no path is shared by two or more cases" in html
    assert '<td class="path"' not in html  # no table of one-case paths


def test_process_map_does_not_colour_the_close_after_the_resolution() -> None:
    """Helpdesk: "Resolve ticket → Closed" takes a median 30 days (an automatic close), the
    longest step of the log; the customer no longer waits then, so its edge stays grey."""
    settings = Settings()
    result = analyze(load(shared_log("helpdesk/helpdesk.xes.gz"), settings), settings)
    flows = find_causes(result).flows
    close = flows.filter((pl.col("source") == "Resolve ticket") & (pl.col("target") == "Closed"))
    assert close["median_wait_hours"].item() > 24 * 29
    assert close["customer_wait_hours"].item() == 0.0
    assert close["company_wait_share"].item() == 0.0
    dot = charts.process_map_dot(flows, find_causes(result).by_activity, 10, 20)
    (edge,) = [line for line in dot.splitlines() if '"Resolve ticket" -> "Closed"' in line]
    assert 'color="#9aa5b1"' in edge
    # a wait before the resolution is coloured: the one the customer lives
    coloured = [line for line in dot.splitlines() if "->" in line and "#9aa5b1" not in line]
    assert coloured


def test_real_report_has_no_scientific_numbers(tmp_path: Path) -> None:
    page = tmp_path / "b13.html"
    log = shared_log("bpic2013/BPI_Challenge_2013_incidents.xes.gz")
    res = runner.invoke(app, ["report", str(log), "-o", str(page), "-q"])
    assert res.exit_code == 0
    html = page.read_text()
    assert not re.findall(r"\d\.\d+e[+-]\d+", html)
    assert "median case cost the customer 0 minutes" not in html
