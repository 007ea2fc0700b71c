"""The worked examples in docs/ run as written and print the numbers they state."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from conftest import REPO, shared_log
from frictionminer.cli import app
from frictionminer.io import load
from frictionminer.settings.load import load_settings

pytestmark = pytest.mark.usefixtures("shared_parses")  # real logs parsed once
runner = CliRunner()
BPIC13_CONFIG = REPO / "docs" / "examples" / "bpic2013.toml"


def _direct_returns(events: pl.DataFrame) -> pl.DataFrame:
    """A->B->A returns on the sequence of distinct consecutive teams (the README's count)."""
    return (
        events.sort(["case_id", "timestamp", "event_index"])
        .filter(pl.col("group").is_not_null() & (pl.col("group") != ""))
        .with_columns(prev=pl.col("group").shift(1).over("case_id"))
        .filter(pl.col("prev").is_null() | (pl.col("group") != pl.col("prev")))
        .with_columns(prev2=pl.col("group").shift(2).over("case_id"))
        .filter(pl.col("group") == pl.col("prev2"))
    )


def test_bpic2013_worked_example(tmp_path: Path) -> None:
    log = shared_log("bpic2013/BPI_Challenge_2013_incidents.xes.gz")
    out = tmp_path / "b13.json"
    res = runner.invoke(
        app, ["score", str(log), "--config", str(BPIC13_CONFIG), "--format", "json", "-o", str(out)]
    )
    assert res.exit_code == 0, res.stderr
    rec = json.loads(out.read_text())
    cases = rec["cases"]
    assert (rec["summary"]["cases"], rec["summary"]["events"]) == (7_554, 65_533)

    def total(m: str) -> int:
        return sum(c["measures"][m] for c in cases)

    def with_any(m: str) -> int:
        return sum(1 for c in cases if c["measures"][m] > 0)

    assert total("handoffs") == 9_454
    assert (total("ping_pongs"), with_any("ping_pongs")) == (3_286, 1_258)
    assert (total("customer_tasks"), with_any("customer_tasks")) == (4_318, 2_550)
    flags = rec["summary"]["flags"]
    assert flags["FM004"]["cases"] == 1_475
    assert flags["FM003"]["cases"] == 916
    assert flags["FM006"]["cases"] == 727
    assert cases[0]["case_id"] == "1-506071646"
    top = cases[0]["measures"]
    assert (top["handoffs"], top["ping_pongs"], top["customer_tasks"]) == (20, 18, 8)

    # The README's narrower count, reproduced from the same event table.
    events = load(log, load_settings(BPIC13_CONFIG)).events
    direct = _direct_returns(events)
    assert (direct.height, direct["case_id"].n_unique()) == (2_394, 1_177)
