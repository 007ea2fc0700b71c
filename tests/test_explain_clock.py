"""explain shows times in the log's clock: --timezone, or dates for date-only logs."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from frictionminer.cli import app

XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0">
<trace><string key="concept:name" value="A1"/>
<event><string key="concept:name" value="Create Fine"/>
<date key="time:timestamp" value="2006-07-24T00:00:00.000+02:00"/></event>
<event><string key="concept:name" value="Send Fine"/>
<date key="time:timestamp" value="2006-12-05T00:00:00.000+01:00"/></event>
</trace>
</log>
"""

CSV = "case,activity,time\nC1,Call received,2024-03-30 23:30\nC1,Call back,2024-03-31 09:15\n"


def timeline(path: Path, case: str, *options: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["explain", str(path), case, "--format", "json", *options])
    assert result.exit_code == 0, result.output
    story: dict[str, object] = json.loads(result.stdout)
    return story


def test_date_only_log_shows_the_local_dates(tmp_path: Path) -> None:
    # Local midnights at +02:00 and +01:00 are 22:00 and 23:00 UTC the day before.
    path = tmp_path / "fines.xes"
    path.write_text(XES, encoding="utf-8")
    story = timeline(path, "A1")
    assert story["clock"] == "date"
    assert [s["time"] for s in story["timeline"]] == ["2006-07-24", "2006-12-05"]  # type: ignore[attr-defined]


def test_naive_times_are_shown_in_the_zone_they_were_read_in(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(CSV, encoding="utf-8")
    columns = ["--case-col", "case", "--activity-col", "activity", "--timestamp-col", "time"]
    berlin = timeline(path, "C1", *columns, "--timezone", "Europe/Berlin")
    assert berlin["clock"] == "Europe/Berlin"
    # the night of the switch to summer time: 23:30 CET, then 09:15 CEST, shown as written
    assert [s["time"] for s in berlin["timeline"]] == ["2024-03-30 23:30", "2024-03-31 09:15"]  # type: ignore[attr-defined]
    utc = timeline(path, "C1", *columns)
    assert utc["clock"] == "UTC"
    assert [s["time"] for s in utc["timeline"]] == ["2024-03-30 23:30", "2024-03-31 09:15"]  # type: ignore[attr-defined]
