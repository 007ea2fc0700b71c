"""`frictionminer info` on every main public log: the counts of ../shared/logs/README.md,
with only the column options a user would pass.

Each log is parsed once per session (conftest's ``shared_parses``); Road Traffic Fines'
tests are grouped for one xdist worker (a group pytest 9.2 + xdist 3.8 still ignore:
pytest-dev/pytest-xdist#1386).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conftest import ROAD_TRAFFIC_FINES, shared_log
from frictionminer.cli import app

pytestmark = pytest.mark.usefixtures("shared_parses")
runner = CliRunner()
ON_RTF_WORKER = pytest.mark.xdist_group("road_traffic_fines")

B14 = "bpic2014/"
CASES = [
    # (log, options, cases, events)
    ("bpic2012/BPI_Challenge_2012.xes.gz", [], 13_087, 262_200),
    ("bpic2013/BPI_Challenge_2013_incidents.xes.gz", [], 7_554, 65_533),
    ("bpic2013/BPI_Challenge_2013_closed_problems.xes.gz", [], 1_487, 6_660),
    ("bpic2013/BPI_Challenge_2013_open_problems.xes.gz", [], 819, 2_351),
    ("bpic2015/BPIC15_1.xes.gz", [], 1_199, 52_217),
    ("bpic2017/BPI_Challenge_2017_W_Two_TS_filtered.xes.gz", [], 8_941, 127_528),
    ("bpic2020/DomesticDeclarations_cleaned.xes.gz", [], 10_357, 55_628),
    ("bpic2020/InternationalDeclarations_cleaned.xes.gz", [], 6_323, 70_727),
    ("bpic2020/PermitLog_cleaned.xes.gz", [], 6_426, 81_092),
    ("bpic2020/PrepaidTravelCost_cleaned.xes.gz", [], 2_007, 17_507),
    ("bpic2020/RequestForPayment_cleaned.xes.gz", [], 6_760, 36_072),
    ("helpdesk/helpdesk.xes.gz", [], 4_580, 21_348),
    ("helpdesk/helpdesk.csv.gz", [], 4_580, 21_348),
    (ROAD_TRAFFIC_FINES, [], 150_370, 561_470),
    ("sepsis/Sepsis_Cases-Event_Log.xes.gz", [], 1_050, 15_214),
    ("receipt_wabo/receipt.xes.gz", [], 1_434, 8_577),
    ("other/ConsultaDataMining201618.xes.gz", [], 954, 13_740),
    (
        B14 + "Detail_Incident_Activity_joined.csv.gz",
        [
            "--case-col",
            "Incident ID",
            "--activity-col",
            "Detail Incident Activity.IncidentActivity_Type",
            "--timestamp-col",
            "Detail Incident Activity.DateStamp",
            "--group-col",
            "Detail Incident Activity.Assignment Group",
        ],
        46_629,
        466_660,
    ),
    (
        B14 + "Detail_Interaction.csv.gz",
        [
            "--case-col",
            "Interaction ID",
            "--activity-col",
            "Category",
            "--timestamp-col",
            "Open Time (First Touch)",
        ],
        147_004,
        147_004,
    ),
    (
        B14 + "Detail_Incident.csv.gz",
        ["--case-col", "Incident ID", "--activity-col", "Status", "--timestamp-col", "Open Time"],
        46_606,
        46_606,
    ),
    (
        B14 + "Detail_Change.csv.gz",
        [
            "--case-col",
            "Change ID",
            "--activity-col",
            "Change Type",
            "--timestamp-col",
            "Change record Open Time",
        ],
        18_000,
        30_275,
    ),
    ("pm4py-tests/input_data/running-example.csv", [], 6, 42),
    ("pm4py-tests/input_data/running-example.xes", [], 6, 42),
    ("pm4py-tests/input_data/running-example.parquet", [], 6, 42),
    ("pm4py-tests/input_data/receipt.parquet", [], 1_434, 8_577),
    ("pm4py-tests/input_data/receipt.csv.gz", [], 1_434, 8_577),
]


def on_its_worker(log: str, *values: object) -> object:
    """The parameter set, with its id; Road Traffic Fines' on the worker that parsed it."""
    marks = [ON_RTF_WORKER] if log == ROAD_TRAFFIC_FINES else []
    return pytest.param(log, *values, id=log, marks=marks)


@pytest.mark.parametrize(("log", "options", "cases", "events"), [on_its_worker(*c) for c in CASES])
def test_info_counts(log: str, options: list[str], cases: int, events: int) -> None:
    path = shared_log(log)
    res = runner.invoke(app, ["info", str(path), "--format", "json", *options])
    assert res.exit_code == 0, res.stderr
    rec = json.loads(res.stdout)
    assert (rec["cases"], rec["events"]) == (cases, events)


def test_bpic2013_status_and_sub_status_compose_the_activity() -> None:
    path = shared_log("bpic2013/BPI_Challenge_2013_incidents.xes.gz")
    res = runner.invoke(
        app,
        [
            "info",
            str(path),
            "--format",
            "json",
            "--top",
            "50",
            "--activity-col",
            "concept:name",
            "--activity-col",
            "lifecycle:transition",
        ],
    )
    assert res.exit_code == 0, res.stderr
    acts = {a["activity"]: a["events"] for a in json.loads(res.stdout)["top_activities"]}
    # README: "Wait - User" occurs in 4,217 events; status "Accepted" carries it.
    assert sum(n for a, n in acts.items() if a.endswith("/Wait - User")) == 4_217


@pytest.mark.parametrize(
    ("log", "code", "count"),
    [
        on_its_worker(
            "bpic2017/BPI_Challenge_2017_W_Two_TS_filtered.xes.gz", "single-offset", 127_528
        ),
        on_its_worker(ROAD_TRAFFIC_FINES, "date-only-timestamps", 561_470),  # every event
        on_its_worker("receipt_wabo/receipt.xes.gz", "mixed-offsets", 2),
    ],
)
def test_data_quality_findings_are_reported(log: str, code: str, count: int) -> None:
    """BPIC 2017's +03:00 export artefact, Road Traffic's dates without times, Receipt's
    daylight-saving offsets: reported by info, not hidden by the conversion to UTC."""
    res = runner.invoke(app, ["info", str(shared_log(log)), "--format", "json"])
    assert res.exit_code == 0, res.stderr
    found = {f["code"]: f["count"] for f in json.loads(res.stdout)["findings"]}
    assert found[code] == count


def test_bpic2014_empty_rows_are_reported() -> None:
    path = shared_log("bpic2014/Detail_Incident.csv.gz")
    cols = ["--case-col", "Incident ID", "--activity-col", "Status", "--timestamp-col", "Open Time"]
    res = runner.invoke(app, ["info", str(path), "--format", "json", *cols])
    assert res.exit_code == 0, res.stderr
    found = {f["code"]: f["count"] for f in json.loads(res.stdout)["findings"]}
    assert found["empty-rows-dropped"] == 203
