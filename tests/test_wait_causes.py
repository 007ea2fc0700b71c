"""Waiting by cause (issue 17, point 3): ``customer_wait_hours`` split into queue, handoff,
outside party and in work, the customer's own turn apart (docs/friction-model.md,
"Waiting by cause").

A hand-computed log checks every part per case, per team, per handoff pair, in the JSON
summary and in ``explain``; random logs check the parts against the plain reference and
that they add up; every real log the tests use checks that they add up exactly.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

import frictionminer as fm
from conftest import ROAD_TRAFFIC_FINES, shared_log
from frictionminer import schema as S
from frictionminer.cli import app
from frictionminer.engine.causes import find_causes, result_facts
from frictionminer.engine.classify import classify
from frictionminer.engine.measures import CUSTOMER_SIDE, WAIT_PARTS, case_measures
from frictionminer.engine.paths import annotate
from frictionminer.engine.waits import wait_totals
from frictionminer.settings import RoleSettings, Settings
from reference import reference_measures

runner = CliRunner()
T0 = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
US = 3_600_000_000

# (case, hours after T0, activity, team)
HAND_LOG: list[tuple[str, float, str, str | None]] = [
    # A: in work at T1, a queue at T1, handed to T2, a vendor, the customer's turn, solved
    ("A", 0, "Ticket opened", "T1"),  # in_work 2 h (T1: the first team, no handoff)
    ("A", 2, "Queued", "T1"),  # queue 3 h
    ("A", 5, "Start work", "T1"),  # in_work 1 h
    ("A", 6, "Transfer", "T2"),  # handoff 4 h: T2 holds it, has not acted yet
    ("A", 10, "Wait - Vendor", "T2"),  # external 10 h (T2 acted: the handoff is over)
    ("A", 20, "Ask customer for receipt", "T2"),  # the customer's turn 10 h
    ("A", 30, "Customer sent receipt", "T2"),  # in_work 1 h
    ("A", 31, "Problem resolved", "T2"),  # the end
    ("A", 33, "Closed", "T2"),  # after the end: no wait counts
    # B: precedence: a queue event that is also a handoff is a queue; a note without a
    # team leaves the handoff pending
    ("B", 0, "Opened", "T1"),  # in_work 1 h
    ("B", 1, "Awaiting Assignment", "T2"),  # handoff and queue: queue 3 h
    ("B", 4, "Note", None),  # no team: the new team still has not acted, handoff 2 h
    ("B", 6, "Pending vendor", "T2"),  # external 2 h
    ("B", 8, "Resolved", "T2"),
]
EXPECTED: dict[str, dict[str, float]] = {
    "A": {"queue": 3, "handoff": 4, "external": 10, "in_work": 4, "customer": 10},
    "B": {"queue": 3, "handoff": 2, "external": 2, "in_work": 1, "customer": 0},
}


def _frame(rows: list[tuple[str, float, str, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "case": [r[0] for r in rows],
            "time": [(T0 + timedelta(hours=r[1])).isoformat() for r in rows],
            "activity": [r[2] for r in rows],
            "team": [r[3] for r in rows],
        }
    )


def _result(rows: list[tuple[str, float, str, str | None]] = HAND_LOG) -> Any:
    s = Settings()
    log = fm.load(_frame(rows), s, case="case", activity="activity", timestamp="time", group="team")
    return fm.analyze(log, s)


@pytest.fixture(scope="module")
def hand() -> Any:
    return _result()


def test_roles_match_the_default_vocabulary() -> None:
    events = pl.DataFrame(
        {
            "activity": [
                "Queued",
                "Awaiting Assignment",
                "Unassigned",
                "In Warteschlange",
                "In de wachtrij",
                "Wait - Vendor",
                "Pending vendor",
                "Awaiting third party",
                "Wacht op leverancier",
                "Warten auf Lieferant",
                "Wait - User",
                "In Progress",
            ]
        }
    )
    out = classify(events, RoleSettings())
    assert out["role_queue"].to_list() == [True] * 5 + [False] * 7
    assert out["role_external_wait"].to_list() == [False] * 5 + [True] * 5 + [False] * 2
    # the five roles are unchanged by the new ones: "Wait - User" is still a task
    assert out["role_customer_task"].to_list()[10]


def test_case_parts_by_hand(hand: Any) -> None:
    cases = hand.cases.sort(S.CASE)
    for row in cases.iter_rows(named=True):
        expected = EXPECTED[row[S.CASE]]
        for cause, column in WAIT_PARTS.items():
            assert row[column] == expected[cause], (row[S.CASE], cause)
        assert row[CUSTOMER_SIDE] == expected["customer"]
        company = sum(v for k, v in expected.items() if k != "customer")
        assert row["customer_wait_hours"] == company


def test_each_gap_has_its_cause(hand: Any) -> None:
    a = hand.events.filter(pl.col(S.CASE) == "A")
    assert a["wait_cause"].cast(pl.String).to_list() == [
        "in_work",
        "queue",
        "in_work",
        "handoff",
        "external",
        "customer",
        "in_work",
        "in_work",  # the gap after the resolution: a cause, but not counted
        None,
    ]


def test_teams_and_handoff_pairs_by_hand(hand: Any) -> None:
    causes = find_causes(hand)
    teams = {r["team"]: r for r in causes.waits_by_team.iter_rows(named=True)}
    assert set(teams) == {"T1", "T2"}
    assert (teams["T1"]["queue_hours"], teams["T1"]["in_work_hours"]) == (3, 4)
    assert teams["T1"]["customer_wait_hours"] == 7
    t2 = teams["T2"]
    assert (t2["queue_hours"], t2["handoff_hours"], t2["external_hours"]) == (3, 6, 12)
    assert (t2["in_work_hours"], t2["on_customer_hours"]) == (1, 10)
    pairs = causes.waits_by_pair.to_dicts()
    assert len(pairs) == 1
    pair = pairs[0]
    assert (pair["from"], pair["to"], pair["handoff_hours"]) == ("T1", "T2", 6)
    assert pair["customer_wait_hours"] == 3 + 6 + 12 + 1
    # the log's parts, by team and in total, add up to the log's customer_wait_hours
    total = hand.cases["customer_wait_hours"].sum()
    assert causes.waits_by_team["customer_wait_hours"].sum() == total
    assert causes.waits["customer_wait_hours"] == total == 29


def test_json_summary_names_the_parts_and_teams(hand: Any) -> None:
    waits = json.loads(hand.as_json())["summary"]["waits"]
    by = waits["by_cause"]
    assert {c: by[c]["hours"] for c in by} == {
        "queue": 6,
        "handoff": 6,
        "external": 12,
        "in_work": 5,
    }
    assert sum(by[c]["microseconds"] for c in by) == waits["microseconds"] == 29 * US
    assert by["external"]["teams"] == [{"team": "T2", "hours": 12.0, "cases": 2}]
    assert by["queue"]["share"] == round(6 / 29, 4)
    assert waits["customer_side"]["hours"] == 10


def test_explain_labels_each_wait(tmp_path: Any) -> None:
    path = tmp_path / "hand.csv"
    _frame(HAND_LOG).write_csv(path)
    args = ["explain", str(path), "A", "--case-col", "case", "--activity-col", "activity"]
    args += ["--timestamp-col", "time", "--group-col", "team"]
    out = runner.invoke(app, [*args, "--format", "json"])
    assert out.exit_code == 0, out.output
    steps = json.loads(out.stdout)["timeline"]
    causes = [(s["activity"], s["wait_cause"]) for s in steps]
    assert causes[4] == ("Wait - Vendor", {"cause": "external", "hours": 10.0, "team": "T2"})
    assert causes[3][1] == {"cause": "handoff", "hours": 4.0, "team": "T2"}
    assert causes[-2][1] is None and causes[-1][1] is None  # the end and after it
    counted = [s["wait_cause"] for s in steps if s["wait_cause"]]
    company = sum(c["hours"] for c in counted if c["cause"] != "customer")
    assert company == 21
    text = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert text.exit_code == 0, text.output
    assert "at an outside party (team T2)" in text.stdout
    assert "in a queue, unassigned (team T1)" in text.stdout


def test_report_has_the_waits_section(hand: Any) -> None:
    from frictionminer.reporting.html import render_html

    page = render_html(hand, find_causes(hand))
    assert "Waiting by cause" in page and "T1 → T2" in page
    assert "21% in a queue, unassigned (0.2 days)" in page  # 6 of 29 hours
    german = render_html(hand, find_causes(hand), lang="de")
    assert "Warten nach Ursache" in german


# ---------------------------------------------------------------- random and real logs

ROLE_CODES = {"t": "role_customer_task", "a": "role_customer_action", "r": "role_resolution"}


@st.composite
def random_logs(draw: st.DrawFn) -> pl.DataFrame:
    """Classified events with random roles, wait roles, teams (some missing) and ties."""
    rows: dict[str, list[Any]] = {
        k: [] for k in (S.CASE, S.ACTIVITY, S.TIMESTAMP, S.EVENT_INDEX, S.GROUP, S.CHANNEL)
    }
    roles: dict[str, list[bool]] = {
        c: []
        for c in (
            "role_contact",
            "role_customer_task",
            "role_customer_action",
            "role_notice",
            "role_resolution",
            "role_queue",
            "role_external_wait",
        )
    }
    index = 0
    for c in range(draw(st.integers(1, 4))):
        for _ in range(draw(st.integers(1, 9))):
            rows[S.CASE].append(f"case{c}")
            rows[S.ACTIVITY].append("step")
            rows[S.TIMESTAMP].append(T0 + timedelta(minutes=draw(st.integers(0, 3000))))
            rows[S.EVENT_INDEX].append(index)
            rows[S.GROUP].append(draw(st.sampled_from(["A", "B", "C", None, ""])))
            rows[S.CHANNEL].append(None)
            for column in roles:
                roles[column].append(draw(st.integers(0, 4)) == 0)
            index += 1
    frame = pl.DataFrame({**rows, **roles})
    return frame.with_columns(pl.col(S.TIMESTAMP).cast(S.TIMESTAMP_DTYPE))


def _measures(events: pl.DataFrame) -> pl.DataFrame:
    s = Settings()
    return case_measures(annotate(events, s), s)


def _assert_parts_add_up(cases: pl.DataFrame) -> None:
    """Per case, the four parts' microseconds sum to the total's; nothing negative."""
    micros = [(pl.col(c) * US).round().cast(pl.Int64) for c in WAIT_PARTS.values()]
    check = cases.select(
        (pl.sum_horizontal(micros) == (pl.col("customer_wait_hours") * US).round().cast(pl.Int64))
        .all()
        .alias("exact"),
        (pl.sum_horizontal(*WAIT_PARTS.values()) - pl.col("customer_wait_hours"))
        .abs()
        .max()
        .alias("float_gap"),
        pl.min_horizontal(*WAIT_PARTS.values(), CUSTOMER_SIDE).min().alias("least"),
    ).row(0, named=True)
    assert check["exact"], "the parts do not add up to customer_wait_hours"
    assert (check["float_gap"] or 0.0) <= 1e-9 * max(1.0, cases["customer_wait_hours"].max() or 0)
    assert (check["least"] or 0.0) >= 0.0


@settings(max_examples=150, deadline=None)
@given(random_logs())
def test_random_logs_match_the_reference_and_add_up(events: pl.DataFrame) -> None:
    ours = _measures(events)
    assert_frame_equal(ours.drop("surveys"), reference_measures(events, Settings()))
    _assert_parts_add_up(ours)


@settings(max_examples=60, deadline=None)
@given(random_logs(), st.integers(1, 3))
def test_facts_of_parts_add_up_to_the_whole(events: pl.DataFrame, parts: int) -> None:
    from frictionminer.engine.facts import combine_facts, gather_facts

    s = Settings()
    annotated = annotate(events, s)
    whole = gather_facts(annotated, s)
    ids = sorted(set(events[S.CASE]))
    split = [
        gather_facts(annotated.filter(pl.col(S.CASE).is_in(ids[i::parts])), s) for i in range(parts)
    ]
    combined = combine_facts(split).sorted()
    for name in ("wait_teams", "wait_pairs"):
        assert_frame_equal(combined[name], whole.sorted()[name], check_row_order=False)
    cases = case_measures(annotated, s)
    by_team = whole["wait_teams"].filter(pl.col("cause") != "customer")["us"].sum()
    assert by_team == wait_totals(cases)["microseconds"]


CASE_STUDIES = "docs/case-studies/"
REAL_LOGS: list[tuple[str, str | None, dict[str, str]]] = [
    # (log, config, columns): every real log the tests read, as they read it
    ("bpic2013/BPI_Challenge_2013_incidents.xes.gz", "bpic2013.toml", {}),
    ("bpic2013/BPI_Challenge_2013_closed_problems.xes.gz", None, {}),
    ("bpic2013/BPI_Challenge_2013_open_problems.xes.gz", None, {}),
    ("bpic2012/BPI_Challenge_2012.xes.gz", "bpic2012.toml", {}),
    ("bpic2014/Detail_Incident_Activity_joined.csv.gz", "bpic2014.toml", {}),
    ("bpic2015/BPIC15_1.xes.gz", None, {"activity": "activityNameEN"}),
    ("bpic2017/BPI_Challenge_2017_W_Two_TS_filtered.xes.gz", None, {}),
    ("bpic2020/DomesticDeclarations_cleaned.xes.gz", "bpic2020-domestic.toml", {}),
    ("bpic2020/InternationalDeclarations_cleaned.xes.gz", None, {}),
    ("bpic2020/PermitLog_cleaned.xes.gz", None, {}),
    ("bpic2020/PrepaidTravelCost_cleaned.xes.gz", None, {}),
    ("bpic2020/RequestForPayment_cleaned.xes.gz", None, {}),
    ("helpdesk/helpdesk.xes.gz", "helpdesk.toml", {}),
    ("sepsis/Sepsis_Cases-Event_Log.xes.gz", None, {}),
    ("receipt_wabo/receipt.xes.gz", "receipt.toml", {}),
    ("other/ConsultaDataMining201618.xes.gz", None, {}),
    ("pm4py-tests/input_data/running-example.xes", None, {}),
    (ROAD_TRAFFIC_FINES, "road-traffic-fines.toml", {}),
]
SLOW = {
    "bpic2012/BPI_Challenge_2012.xes.gz",
    "bpic2014/Detail_Incident_Activity_joined.csv.gz",
    ROAD_TRAFFIC_FINES,
}


def _real(log: str, config: str | None, columns: dict[str, str]) -> Any:
    marks: list[Any] = []
    if log in SLOW:
        marks.append(pytest.mark.slow)
    if log == ROAD_TRAFFIC_FINES:
        marks.append(pytest.mark.xdist_group("road_traffic_fines"))
    return pytest.param(log, config, columns, id=log, marks=marks)


@pytest.mark.usefixtures("shared_parses")
@pytest.mark.parametrize(("log", "config", "columns"), [_real(*c) for c in REAL_LOGS])
def test_parts_add_up_exactly_on_real_logs(
    log: str, config: str | None, columns: dict[str, str]
) -> None:
    from conftest import REPO

    s = fm.load_settings(str(REPO / CASE_STUDIES / config) if config else None)
    result = fm.analyze(fm.load(str(shared_log(log)), s, **columns), s)
    _assert_parts_add_up(result.cases)
    waits = result.summary()["waits"]
    assert sum(p["microseconds"] for p in waits["by_cause"].values()) == waits["microseconds"]
    total = (result.cases["customer_wait_hours"] * US).round().cast(pl.Int64).sum()
    assert waits["microseconds"] == total
    # per team and per handoff pair (facts gathered in the per-case stage): the same whole
    facts = result_facts(result)
    company = pl.col("cause") != "customer"
    assert facts["wait_teams"].filter(company)["us"].sum() == total
    handoff_us = facts["wait_pairs"].filter(pl.col("cause") == "handoff")["us"].sum()
    assert handoff_us == waits["by_cause"]["handoff"]["microseconds"]


def test_score_table_shows_the_parts(tmp_path: Any) -> None:
    path = tmp_path / "hand.csv"
    _frame(HAND_LOG).write_csv(path)
    args = ["score", str(path), "--case-col", "case", "--activity-col", "activity"]
    args += ["--timestamp-col", "time", "--group-col", "team"]
    out = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    lines = {line.split("│")[1].strip(): line for line in out.stdout.splitlines() if "│" in line}
    assert "41.4%" in lines["at an outside party"] and "T2 12" in lines["at an outside party"]
    assert "29.0" in lines["waiting on the company"]
