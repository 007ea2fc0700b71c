"""Cross-checks against pm4py on real public logs (docs/pm4py-crosscheck.md).

pm4py gets exactly the events frictionminer measured: ``analyze(...).events`` (the activity
instances, after the lifecycle selection), in frictionminer's order (case, time, input
position), as a pandas frame with the XES column names. Then

- case durations (``get_cases_description`` / ``get_all_case_durations``) equal
  ``duration_hours`` per case;
- the variants (``get_variants``) equal the ordered activity lists of frictionminer's events,
  and their number equals the rows of ``find_causes(...).by_variant``;
- the handover-of-work network (``discover_handover_of_work_network``, ``beta=0``, the group
  as ``resource_key``) on the events with a non-empty group, minus its self-loops, equals the
  handoffs per (previous non-empty group, group) pair;
- rework per activity (``get_rework_cases_per_activity``) equals a polars count of cases in
  which the activity occurs more than once; ``repeat_requests`` is that rework restricted to
  customer tasks.

The deliberate differences (self-handovers, empty groups, lifecycle transitions, rework of
internal work) are tested with their exact sizes.
"""

from __future__ import annotations

import contextlib
import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from conftest import REPO, shared_log
from frictionminer.engine.causes import find_causes
from frictionminer.engine.pipeline import analyze
from frictionminer.engine.result import Result
from frictionminer.io import load
from frictionminer.settings.load import load_settings

pytestmark = pytest.mark.usefixtures("shared_parses")  # real logs parsed once
HERE = Path(__file__).resolve().parent
TOL_HOURS = 1e-6
PM4PY_COLUMNS = {
    "case_id": "case:concept:name",
    "activity": "concept:name",
    "timestamp": "time:timestamp",
    "resource": "org:resource",
    "group": "org:group",
}


@dataclass(frozen=True)
class Log:
    name: str
    path: str
    config: str | None
    group: str | None  # [columns] group override (None: the config's or detected)
    cases: int
    instances: int  # events frictionminer measured (after the lifecycle selection)
    variants: int
    handoffs: int  # frictionminer: sum of handoffs = non-self pm4py handovers
    self_handovers: int  # pm4py only: consecutive events of the same group
    handover_pairs: int  # distinct directed pairs in pm4py's network, self-loops included
    rework_activities: int  # activities with rework in at least one case


LOGS = [
    Log(
        "helpdesk", "helpdesk/helpdesk.xes.gz", None, "org:resource",
        4_580, 21_348, 226, 8_648, 8_120, 265, 8,
    ),
    Log(
        "bpic2013-incidents", "bpic2013/BPI_Challenge_2013_incidents.xes.gz",
        "docs/examples/bpic2013.toml", None,
        7_554, 65_533, 2_278, 9_454, 48_525, 3_087, 11,
    ),
    Log(
        "receipt", "receipt_wabo/receipt.xes.gz", None, "org:group",
        1_434, 8_577, 116, 5_440, 1_703, 47, 13,
    ),
    Log(
        "sepsis", "sepsis/Sepsis_Cases-Event_Log.xes.gz", None, "org:group",
        1_050, 15_214, 846, 7_048, 7_116, 210, 6,
    ),
    Log(
        "bpic2012", "bpic2012/BPI_Challenge_2012.xes.gz", None, "org:resource",
        13_087, 164_506, 4_336, 51_684, 91_593, 2_662, 11,
    ),
]  # fmt: skip
BY_NAME = {spec.name: spec for spec in LOGS}
NAMES = [spec.name for spec in LOGS]


@pytest.fixture(scope="module")
def pm4py() -> Any:
    """pm4py, imported once per module (about 2 s; its licence banner is swallowed)."""
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        import pm4py as module
    return module


def _settings(config: str | None, group: str | None) -> Any:
    # pm4py takes every value as a resource, "?" included (294 Sepsis events): compare like
    # with like, without frictionminer's placeholders (read as missing by default)
    overrides: dict[str, dict[str, Any]] = {"ingest": {"null_values": []}}
    if group:
        overrides["columns"] = {"group": group}
    return load_settings(REPO / config if config else None, cwd=HERE, overrides=overrides)


@functools.cache
def _result(name: str) -> Result:
    spec = BY_NAME[name]
    settings = _settings(spec.config, spec.group)
    return analyze(load(shared_log(spec.path), settings), settings)


def to_pm4py(events: pl.DataFrame) -> Any:
    """frictionminer's events as the pandas frame pm4py reads, rows in frictionminer's order."""
    ordered = events.sort(["case_id", "seq"])
    cols = {k: v for k, v in PM4PY_COLUMNS.items() if k in ordered.columns}
    return ordered.select(list(cols)).rename(cols).to_pandas()


def non_empty_group() -> pl.Expr:
    group = pl.col("group").cast(pl.String)
    return pl.when(group.str.strip_chars() != "").then(group)


def fm_variants(events: pl.DataFrame) -> dict[tuple[str, ...], int]:
    """Ordered activity list per case -> number of cases (the order is stated, not assumed)."""
    paths = events.group_by("case_id").agg(pl.col("activity").sort_by("seq").alias("variant"))
    counts = paths.group_by("variant").len()
    return {tuple(v): n for v, n in counts.iter_rows()}


def fm_handoff_pairs(events: pl.DataFrame) -> dict[tuple[str, str], int]:
    """Handoffs per (previous non-empty group, group), from the annotated events."""
    prev = non_empty_group().shift(1).forward_fill().over("case_id", order_by="seq")
    pairs = (
        events.with_columns(prev.alias("from"))
        .filter(pl.col("handoff"))
        .group_by("from", "group")
        .len()
    )
    return {(a, b): n for a, b, n in pairs.iter_rows()}


def pm4py_handover_counts(pm4py: Any, frame: Any) -> dict[tuple[str, str], int]:
    """pm4py's handover-of-work network (beta=0) turned back into counts.

    pm4py divides every pair's count by the number of direct successions in the frame
    (consecutive rows of a case); multiplying by that number gives integers back.
    """
    net = pm4py.discover_handover_of_work_network(frame, beta=0, resource_key="org:group")
    total = len(frame) - frame["case:concept:name"].nunique()
    counts = {pair: value * total for pair, value in net.connections.items()}
    assert all(abs(c - round(c)) < 1e-6 for c in counts.values())
    out = {pair: round(c) for pair, c in counts.items()}
    assert sum(out.values()) == total
    return out


def fm_rework(events: pl.DataFrame) -> dict[str, int]:
    """Activity -> cases in which it occurs more than once."""
    per_case = events.group_by("case_id", "activity").len().filter(pl.col("len") > 1)
    return dict(per_case.group_by("activity").len().iter_rows())


# --- case durations -------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_case_durations_equal_pm4py(pm4py: Any, name: str) -> None:
    from pm4py.statistics.traces.generic.pandas import case_statistics

    spec, result = BY_NAME[name], _result(name)
    assert (result.cases.height, result.events.height) == (spec.cases, spec.instances)
    frame = to_pm4py(result.events)
    ours = dict(result.cases.select("case_id", "duration_hours").iter_rows())

    per_case = case_statistics.get_cases_description(frame)
    theirs = {case: d["caseDuration"] / 3600 for case, d in per_case.items()}
    assert theirs.keys() == ours.keys()
    worst = max(abs(theirs[c] - ours[c]) for c in ours)
    assert worst <= TOL_HOURS

    listed = pm4py.get_all_case_durations(frame)  # sorted seconds, no case ids
    assert len(listed) == spec.cases
    pairs = zip(listed, sorted(ours.values()), strict=True)
    assert max(abs(a / 3600 - b) for a, b in pairs) <= TOL_HOURS


def test_bpic2012_lifecycle_transitions_lengthen_seven_cases(pm4py: Any) -> None:
    """Fed every lifecycle event (SCHEDULE/START/COMPLETE) instead of the instances
    frictionminer measures, pm4py ends 7 cases at a START or SCHEDULE that never completed."""
    from pm4py.statistics.traces.generic.pandas import case_statistics

    result = _result("bpic2012")
    raw = result.log.events
    assert raw.height == 262_200
    frame = to_pm4py(raw.sort("case_id", "timestamp", "event_index").with_row_index("seq"))
    per_case = case_statistics.get_cases_description(frame)
    ours = dict(result.cases.select("case_id", "duration_hours").iter_rows())
    longer = {c: d["caseDuration"] / 3600 - ours[c] for c, d in per_case.items()}
    longer = {c: x for c, x in longer.items() if abs(x) > TOL_HOURS}
    assert len(longer) == 7
    assert min(longer.values()) > 0  # never shorter: the extra events are later, not earlier
    assert round(max(longer.values()), 1) == 2468.4
    # variants over concept:name alone: 30 more than over the COMPLETE instances
    assert len(pm4py.get_variants(frame)) == 4_366


# --- variants -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_variants_equal_pm4py(pm4py: Any, name: str) -> None:
    spec, result = BY_NAME[name], _result(name)
    theirs = pm4py.get_variants(to_pm4py(result.events))
    ours = fm_variants(result.events)
    assert len(theirs) == len(ours) == spec.variants
    assert {tuple(k): v for k, v in theirs.items()} == ours
    assert find_causes(result).by_variant.height == spec.variants


# --- handover of work -----------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_handover_network_equals_handoffs_per_pair(pm4py: Any, name: str) -> None:
    """Matching definition: pm4py on the events with a non-empty group, self-loops removed."""
    spec, result = BY_NAME[name], _result(name)
    events = result.events
    with_group = events.filter(non_empty_group().is_not_null())
    counts = pm4py_handover_counts(pm4py, to_pm4py(with_group))
    assert len(counts) == spec.handover_pairs

    handovers = {p: n for p, n in counts.items() if p[0] != p[1]}
    self_loops = sum(n for p, n in counts.items() if p[0] == p[1])
    ours = fm_handoff_pairs(events)
    assert handovers == ours
    assert sum(ours.values()) == int(result.cases["handoffs"].sum()) == spec.handoffs
    causes = find_causes(result).handoff_pairs
    assert {(a, b): n for a, b, n in causes.select("from", "to", "handoffs").iter_rows()} == ours

    # pm4py's self-loops: every direct succession within a group, which frictionminer never
    # counts (a team keeping its case is no handoff for the customer)
    assert self_loops == spec.self_handovers
    successions = with_group.height - with_group["case_id"].n_unique()
    assert self_loops == successions - spec.handoffs


def test_handover_empty_groups_pm4py_fails_or_counts_them(pm4py: Any) -> None:
    """BPIC 2012 with org:resource as the group: 8,142 measured events have no resource.
    pm4py cannot sort a null among the resource names; with the nulls made a value it
    counts handovers to and from 'nobody', and A, -, A becomes two handovers."""
    result = _result("bpic2012")
    frame = to_pm4py(result.events)
    assert int(frame["org:group"].isna().sum()) == 8_142
    with pytest.raises(TypeError, match="not supported between instances"):
        pm4py.discover_handover_of_work_network(frame, beta=0, resource_key="org:group")

    frame["org:group"] = frame["org:group"].fillna("(none)")
    counts = pm4py_handover_counts(pm4py, frame)
    via_none = sum(n for p, n in counts.items() if "(none)" in p and p[0] != p[1])
    between_named = sum(n for p, n in counts.items() if "(none)" not in p and p[0] != p[1])
    assert (via_none, between_named) == (11_387, 46_781)
    # the 4,903 handoffs frictionminer sees across a gap (A, -, B) are, for pm4py, two
    # handovers through "(none)"; the rest are between named resources in both
    gap_before = pl.col("group").shift(1).over("case_id", order_by="seq").is_null()
    across_gap = result.events.filter(pl.col("handoff") & gap_before).height
    assert across_gap == 4_903
    assert between_named + across_gap == result.cases["handoffs"].sum() == 51_684


def test_handover_null_groups_between_equal_groups(pm4py: Any, tmp_path: Path) -> None:
    """A, -, A is no handoff for frictionminer; pm4py sees A->(none)->A once the gap has
    a value, or A->A (a self-loop) once the empty rows are dropped."""
    rows = [
        ("c1", "A", "t1", "2024-01-01 09:00"),
        ("c1", "", "t2", "2024-01-01 10:00"),
        ("c1", "A", "t3", "2024-01-01 11:00"),
        ("c1", "B", "t4", "2024-01-01 12:00"),
        ("c1", "  ", "t5", "2024-01-01 13:00"),
        ("c1", "B", "t6", "2024-01-01 14:00"),
        ("c1", "A", "t7", "2024-01-01 15:00"),
        ("c2", "X", "t1", "2024-01-02 09:00"),
        ("c2", "X", "t2", "2024-01-02 10:00"),
        ("c2", "", "t3", "2024-01-02 11:00"),
        ("c2", "Y", "t4", "2024-01-02 12:00"),
    ]
    csv = tmp_path / "teams.csv"
    csv.write_text(
        "case,team,activity,time\n" + "".join(f"{c},{g},{a},{t}\n" for c, g, a, t in rows)
    )
    cols = {"case": "case", "activity": "activity", "timestamp": "time", "group": "team"}
    settings = load_settings(None, cwd=tmp_path, overrides={"columns": cols})
    result = analyze(load(csv, settings), settings)
    cases = dict(result.cases.select("case_id", "handoffs").iter_rows())
    assert cases == {"c1": 2, "c2": 1}
    assert dict(result.cases.select("case_id", "ping_pongs").iter_rows()) == {"c1": 1, "c2": 0}
    assert fm_handoff_pairs(result.events) == {("A", "B"): 1, ("B", "A"): 1, ("X", "Y"): 1}

    with_group = result.events.filter(non_empty_group().is_not_null())
    assert pm4py_handover_counts(pm4py, to_pm4py(with_group)) == {
        ("A", "A"): 1,
        ("A", "B"): 1,
        ("B", "B"): 1,
        ("B", "A"): 1,
        ("X", "X"): 1,
        ("X", "Y"): 1,
    }
    frame = to_pm4py(result.events)
    frame["org:group"] = frame["org:group"].fillna("-").str.strip().replace("", "-")
    assert pm4py_handover_counts(pm4py, frame) == {
        ("A", "-"): 1,
        ("-", "A"): 1,
        ("A", "B"): 1,
        ("B", "-"): 1,
        ("-", "B"): 1,
        ("B", "A"): 1,
        ("X", "X"): 1,
        ("X", "-"): 1,
        ("-", "Y"): 1,
    }


# --- rework ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_rework_per_activity_equals_pm4py(pm4py: Any, name: str) -> None:
    spec, result = BY_NAME[name], _result(name)
    theirs = pm4py.get_rework_cases_per_activity(to_pm4py(result.events))
    ours = fm_rework(result.events)
    assert theirs == ours
    assert len(ours) == spec.rework_activities


def test_repeat_requests_are_rework_of_customer_tasks(pm4py: Any) -> None:
    """BPIC 2013: the customer tasks are Wait - User and Wait - Customer. pm4py's rework of
    each task activity is the number of cases with a repeat_request of that activity; the
    rework of internal statuses (In Progress: 7,109 cases) is not customer friction."""
    result = _result("bpic2013-incidents")
    events = result.events
    rework = pm4py.get_rework_cases_per_activity(to_pm4py(events))
    tasks = set(events.filter(pl.col("role_customer_task"))["activity"].unique())
    assert tasks == {"Accepted/Wait - User", "Accepted/Wait - Customer"}
    repeated = (
        events.filter(pl.col("repeat_request"))
        .group_by("activity")
        .agg(pl.col("case_id").n_unique())
    )
    assert {a: rework[a] for a in tasks} == dict(repeated.iter_rows())
    assert {a: rework[a] for a in tasks} == {
        "Accepted/Wait - User": 911,
        "Accepted/Wait - Customer": 10,
    }
    # 5 incidents repeat both: 911 + 10 - 5 = 916 cases with repeat_requests (FM003)
    cases = result.cases
    assert int((cases["repeat_requests"] > 0).sum()) == 916
    # every occurrence of a task activity after its first in the case is one repeat_request
    task_events = events.filter(pl.col("role_customer_task"))
    firsts = task_events.select("case_id", "activity").unique().height
    assert int(cases["repeat_requests"].sum()) == task_events.height - firsts == 1_737
    assert rework["Accepted/In Progress"] == 7_109
    assert "Accepted/In Progress" not in tasks
