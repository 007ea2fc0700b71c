"""One table across all stages: frictionminer side by side with pm4py, pandas and DuckDB.

Run on demand (``make bench``); never part of the test suite.  Inputs are built in a
temporary folder, which is removed afterwards: for each ``--sizes`` target the BPI
Challenge 2013 incidents log replicated with fresh case ids (bench_score.build_inputs:
Parquet with the canonical columns, rows in trace order), and the same events written
as CSV and as plain XES.  Then, each in ``--repeat`` fresh processes (medians; the tools
compared in one stage take turns, so that a change of the machine's load hits them alike;
imports are timed separately and left out of every stage; peak MB is the process's
high-water RSS, ``VmHWM``, at the end of the stage):

* **ingest** of the XES, CSV and Parquet file: ``frictionminer.io.load`` against
  rustxes alone, ``pm4py.read_xes`` (default and ``variant="rustxes"``), polars, pandas
  and DuckDB readers;
* **frictionminer's stages** in one process, as ``analyze`` runs them: load; classify
  (timed alone); the per-case stage (``measure_cases_parallel``: classify, annotate,
  case_measures, in parallel parts from 1M events); score; rank + flags; then causes,
  the HTML report and the JSON output; plus ``frictionminer score --format json`` and
  ``frictionminer report`` as whole processes;
* the **seven core measures** of bench_score (interactions, customer_tasks,
  customer_wait_hours, silent_wait_max_hours, handoffs, ping_pongs, duration_hours) in
  plain pandas (``bench_score.pandas_measures``) and in DuckDB SQL
  (:func:`duckdb_measures`, window functions); before timing, both are checked equal to
  frictionminer's on every case of the smallest input;
* **four statistics pm4py computes** -- case durations, variants, handover of work
  between groups, rework per activity -- each in its own process, starting from the
  same Parquet file: frictionminer (``load`` + a polars query, :data:`FM_STATISTICS`)
  against pm4py fed a pandas frame (``pd.read_parquet``, XES column names; the file is
  in trace order, so ``format_dataframe`` is not needed and is timed apart) and a polars
  LazyFrame (``pl.scan_parquet``), the two inputs pm4py 2.7 accepts.  Before timing,
  the results are checked equal to pm4py's (smallest input).

``--scale-sizes`` (e.g. 100M) adds sizes at which only ``frictionminer score`` runs
(bench_scale.run_score; sharded above 20M events).  Ratios are "time of the alternative
/ time of frictionminer in the same stage": above 1 means frictionminer is faster.
Usage::

    .venv/bin/python bench/bench_all.py [--sizes 1M 10M] [--scale-sizes 100M]
        [--repeat 3] [--json out/bench.json] [--markdown out/bench.md]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from bench_score import (  # noqa: E402  (bench/ is not a package)
    PANDAS,
    POLARS,
    SOURCE,
    machine,
    merge_runs,
    run_process,
)

REPO = BENCH.parent
BIN = Path(sys.executable).parent
STATISTICS = ("case durations", "variants", "handover of work", "rework")
"""The statistics compared with pm4py, in table order."""
PM4PY_CALLS = {
    "case durations": "pm4py.get_all_case_durations(log)",
    "variants": "pm4py.get_variants(log)",
    "handover of work": "pm4py.discover_handover_of_work_network(log, resource_key='group')",
    "rework": "pm4py.get_rework_cases_per_activity(log)",
}
"""What pm4py is asked for each statistic (the group column is the 'resource' handed over)."""

# --------------------------------------------------------------------------- statistics


def fm_case_durations(events: Any) -> list[float]:
    """Seconds from first to last event of each case, sorted (pm4py's output).

    As frictionminer's engine does (paths.annotate): the events in path order
    (``in_path_order``: a linear check, a sort only when needed), then each case's first
    and last row found by comparing case ids with their neighbours -- no hashing.
    """
    import polars as pl

    from frictionminer.engine.paths import in_path_order

    ordered = in_path_order(events.select("case_id", "timestamp", "event_index"))
    case, ts = pl.col("case_id"), pl.col("timestamp")
    ends = ordered.select(
        ts.filter(case.ne_missing(case.shift(1))).alias("first"),
        ts.filter(case.ne_missing(case.shift(-1))).alias("last"),
    )
    seconds = (ends["last"] - ends["first"]).dt.total_microseconds().cast(pl.Float64) / 1e6
    return seconds.sort().to_list()


def fm_variants(events: Any) -> dict[tuple[str, ...], int]:
    """Cases per variant: the activities of a case in path order (time, then file order),
    grouped by the case's run number in path order rather than by the string case id."""
    import polars as pl

    from frictionminer.engine.paths import in_path_order

    ordered = in_path_order(events.select("case_id", "timestamp", "event_index", "activity"))
    case = pl.col("case_id")
    paths = ordered.group_by(case.ne_missing(case.shift(1)).cum_sum().alias("run")).agg("activity")
    return {tuple(v): n for v, n in paths.group_by("activity").len().iter_rows()}


def fm_handover(events: Any) -> dict[tuple[str, str], float]:
    """pm4py's handover of work (beta = 0) over the group column: every direct succession
    of two events of a case, self-successions included, as a share of all successions."""
    import polars as pl

    from frictionminer.engine.paths import in_path_order

    ordered = in_path_order(events.select("case_id", "timestamp", "event_index", "group"))
    case, group = pl.col("case_id"), pl.col("group")
    pairs = (
        ordered.select(group.alias("a"), group.shift(-1).alias("b"), case == case.shift(-1))
        .filter(pl.col("case_id"))
        .group_by("a", "b")
        .len()
    )
    total = pairs.get_column("len").sum()
    return {(a, b): n / total for a, b, n in pairs.iter_rows()}


def fm_rework(events: Any) -> dict[str, int]:
    """Cases in which an activity occurs more than once, per activity."""
    import polars as pl

    repeated = events.group_by("case_id", "activity").len().filter(pl.col("len") > 1)
    return dict(repeated.group_by("activity").len().iter_rows())


FM_STATISTICS = {
    "case durations": fm_case_durations,
    "variants": fm_variants,
    "handover of work": fm_handover,
    "rework": fm_rework,
}


def same_statistic(name: str, ours: Any, theirs: Any) -> bool:
    """Whether frictionminer's and pm4py's result of one statistic are the same."""
    import math

    if name == "case durations":
        return len(ours) == len(theirs) and all(
            math.isclose(a, b, abs_tol=1e-6) for a, b in zip(ours, sorted(theirs), strict=True)
        )
    if name == "handover of work":
        theirs = theirs.connections
        return set(ours) == set(theirs) and all(
            math.isclose(ours[k], theirs[k], rel_tol=1e-9) for k in ours
        )
    return bool(ours == dict(theirs))


# --------------------------------------------------------------------------- DuckDB

MEASURES_SQL = """
WITH e AS (
    SELECT ev.case_id, ev.ts, ev.grp, ev.idx,
           coalesce(r.contact, false) AS contact, coalesce(r.task, false) AS task,
           coalesce(r.action, false) AS action,
           coalesce(r.contact OR r.task OR r.action OR r.notice OR r.resolution, false)
               AS perceived,
           coalesce(r.resolution, false) AS resolution
    FROM ev LEFT JOIN roles r ON ev.activity = r.activity
),
s AS (
    SELECT *,
           row_number() OVER w - 1 AS seq,
           count(*) OVER (PARTITION BY case_id) AS size,
           lead(ts) OVER w AS next_ts
    FROM e
    WINDOW w AS (PARTITION BY case_id ORDER BY ts, idx)
),
p AS (
    SELECT *,
           coalesce(min(CASE WHEN resolution THEN seq END) OVER (PARTITION BY case_id),
                    size - 1) AS end_seq,
           -- the ball is with the customer after a task, back after an action (or start)
           coalesce(last_value(CASE WHEN task THEN true WHEN action OR seq = 0 THEN false END
                               IGNORE NULLS) OVER (PARTITION BY case_id ORDER BY seq
                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), false)
               AS on_customer
    FROM s
),
b AS (  -- silences: between consecutive boundaries while waiting on the company
    SELECT case_id,
           CASE WHEN on_customer THEN 0.0
                ELSE coalesce(epoch_us(lead(ts) OVER (PARTITION BY case_id ORDER BY seq))
                              - epoch_us(ts), 0) / 3.6e9 END AS silence
    FROM p
    WHERE (perceived OR seq = 0 OR seq = end_seq) AND seq <= end_seq
),
g AS (  -- handoffs between consecutive non-empty groups; ping-pong: back to a known one
    SELECT case_id, grp,
           lag(grp) OVER (PARTITION BY case_id ORDER BY seq) AS prev,
           row_number() OVER (PARTITION BY case_id, grp ORDER BY seq) AS occurrence
    FROM p
    WHERE grp IS NOT NULL AND trim(grp) <> ''
),
main AS (
    SELECT case_id,
           count(*) FILTER (WHERE contact) AS interactions,
           count(*) FILTER (WHERE task) AS customer_tasks,
           coalesce(sum(epoch_us(next_ts) - epoch_us(ts))
                    FILTER (WHERE seq < end_seq AND NOT on_customer), 0) / 3.6e9
               AS customer_wait_hours,
           (epoch_us(max(ts)) - epoch_us(min(ts))) / 3.6e9 AS duration_hours
    FROM p GROUP BY case_id
),
silent AS (SELECT case_id, max(silence) AS silent_wait_max_hours FROM b GROUP BY case_id),
hand AS (
    SELECT case_id,
           count(*) FILTER (WHERE grp <> prev) AS handoffs,
           count(*) FILTER (WHERE grp <> prev AND occurrence > 1) AS ping_pongs
    FROM g GROUP BY case_id
)
SELECT main.case_id, interactions, customer_tasks, customer_wait_hours,
       coalesce(silent_wait_max_hours, 0.0) AS silent_wait_max_hours,
       coalesce(handoffs, 0) AS handoffs, coalesce(ping_pongs, 0) AS ping_pongs,
       duration_hours
FROM main LEFT JOIN silent USING (case_id) LEFT JOIN hand USING (case_id)
ORDER BY main.case_id
"""


def duckdb_read(con: Any, path: str) -> None:
    """The Parquet file into a DuckDB table ``ev`` (file row number breaks ties in time)."""
    con.execute(
        "CREATE OR REPLACE TABLE ev AS SELECT case_id, activity, timestamp AS ts, "
        '"group" AS grp, file_row_number AS idx '
        "FROM read_parquet(?, file_row_number = true)",
        [path],
    )


def duckdb_measures(con: Any, roles: dict[str, list[str]]) -> Any:
    """The seven :data:`bench_score.CORE` measures per case in DuckDB SQL (a pyarrow table).

    The role regexes use look-aheads, which DuckDB's RE2 cannot run, so they are matched
    in Python against the *distinct* activities (as frictionminer and the pandas version
    do) into a small ``roles`` table; everything else is one SQL query of window
    functions over table ``ev`` (:func:`duckdb_read`).
    """
    from bench_score import role_hits

    names = ("contact", "customer_task", "customer_action", "notice", "resolution")
    distinct = [a for (a,) in con.execute("SELECT DISTINCT activity FROM ev").fetchall()]
    distinct = [a for a in distinct if a is not None]
    hits = {n: role_hits(distinct, roles[n]) for n in names}
    rows = [(a, *(a in hits[n] for n in names)) for a in distinct]
    con.execute(
        "CREATE OR REPLACE TABLE roles (activity VARCHAR, contact BOOLEAN, task BOOLEAN, "
        "action BOOLEAN, notice BOOLEAN, resolution BOOLEAN)"
    )
    if rows:
        con.executemany("INSERT INTO roles VALUES (?, ?, ?, ?, ?, ?)", rows)
    return con.execute(MEASURES_SQL).to_arrow_table()


# --------------------------------------------------------------------------- children

CHILD = """
import json, sys, time, warnings
warnings.filterwarnings("ignore")
sys.path.insert(0, {bench!r})
PATH, OUT = sys.argv[1], sys.argv[2]
ROWS, NOTES = [], {{}}
def _hwm():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0
_t = [time.perf_counter()]
def stage(name):
    now = time.perf_counter()
    ROWS.append([name, now - _t[0], _hwm()])
    _t[0] = now
{body}
print("\\n@@RESULT " + json.dumps({{"rows": ROWS, "notes": NOTES}}))
"""

DUCKDB_CONNECT = (
    # no progress bar: it is drawn on stdout after 2 s and would hide the result line
    'import duckdb\ncon = duckdb.connect(); con.execute("SET enable_progress_bar = false")'
)
FM_LOAD = (
    "from frictionminer.io import load\n"
    "from frictionminer.settings.load import load_settings\n"
    "settings = load_settings()\n"
)
READERS: dict[str, dict[str, tuple[str, str]]] = {
    # format -> reader -> (imports, expression giving the number of events read)
    "xes": {
        "frictionminer load()": (FM_LOAD, "load(PATH, settings).events.height"),
        "rustxes.import_xes (alone)": ("import rustxes", "rustxes.import_xes(PATH)[0].height"),
        "pm4py.read_xes() default": ("import pm4py", "len(pm4py.read_xes(PATH))"),
        "pm4py.read_xes(variant='rustxes')": (
            "import pm4py",
            "len(pm4py.read_xes(PATH, variant='rustxes'))",
        ),
    },
    "csv": {
        "frictionminer load()": (FM_LOAD, "load(PATH, settings).events.height"),
        "polars.read_csv(try_parse_dates)": (
            "import polars as pl",
            "pl.read_csv(PATH, try_parse_dates=True).height",
        ),
        "pandas.read_csv + to_datetime": (
            "import pandas as pd",
            "len(pd.read_csv(PATH).assign(timestamp=lambda d: pd.to_datetime("
            "d['timestamp'], utc=True, format='ISO8601')))",
        ),
        "duckdb read_csv → table": (
            DUCKDB_CONNECT,
            "con.execute('CREATE TABLE t AS SELECT * FROM read_csv(?)', [PATH]) and "
            "con.execute('SELECT count(*) FROM t').fetchone()[0]",
        ),
    },
    "parquet": {
        "frictionminer load()": (FM_LOAD, "load(PATH, settings).events.height"),
        "polars.read_parquet": ("import polars as pl", "pl.read_parquet(PATH).height"),
        "pandas.read_parquet": ("import pandas as pd", "len(pd.read_parquet(PATH))"),
        "duckdb read_parquet → table": (
            DUCKDB_CONNECT,
            "con.execute('CREATE TABLE t AS SELECT * FROM read_parquet(?)', [PATH]) and "
            "con.execute('SELECT count(*) FROM t').fetchone()[0]",
        ),
    },
}

STAGES = """
from pathlib import Path
from frictionminer.engine.pipeline import score_and_flag_scored
from frictionminer.engine.result import Result
try:  # the per-case stage as analyze() maps it over case-hash parts
    from functools import partial
    from frictionminer.engine.pipeline import case_stage
    from frictionminer.scale.executors import executor_for
    import polars as pl

    def measure_cases_parallel(log, settings):
        executor = executor_for(log, settings)
        transition = executor.lifecycle.transition
        run = executor.map_cases(partial(case_stage, settings=settings, transition=transition))
        return (pl.concat([p.events for p in run.parts], rechunk=False),
                pl.concat([p.measures for p in run.parts], rechunk=False).sort("case_id"))
except ImportError:
    measure_cases_parallel = None
from frictionminer.engine.causes import find_causes
from frictionminer.engine.classify import classify
from frictionminer.io import load
from frictionminer.engine.measures import case_measures
from frictionminer.io.outputs import write_text
from frictionminer.engine.paths import annotate, select_instances
from frictionminer.reporting.html import render_html
from frictionminer.reporting.score import WRITERS
from frictionminer.engine.score import score_cases
from frictionminer.settings.load import load_settings
settings = load_settings()
stage("import")
log = load(PATH, settings)
stage("load")
instances, described = select_instances(log.events, settings.measures)
if measure_cases_parallel is None:  # before the per-case stage ran in parallel parts
    classified = classify(instances, settings.roles)
    stage("classify")
    events = annotate(classified, settings)
    measures = case_measures(events, settings)
    stage("annotate + case_measures")
else:  # as analyze() runs it; classify is timed on its own first (and runs again inside)
    classify(instances, settings.roles)
    stage("classify")
    events, measures = measure_cases_parallel(log, settings)
    stage("measure_cases_parallel")
NOTES["measure_cases"] = "serial" if measure_cases_parallel is None else "parallel"
scored = score_cases(measures, settings)
stage("score")
ranked, flags = score_and_flag_scored(scored, settings)
stage("rank + flags")
result = Result(log=log, settings=settings, events=events, cases=ranked, flags=flags,
                instances=described)
causes = find_causes(result, settings)
stage("causes")
write_text(Path(OUT).with_suffix(".html"), render_html(result, causes, top=20, timelines=5))
stage("report HTML")
WRITERS["json"](result, top=None, output=Path(OUT), quiet=True)
stage("JSON output")
NOTES["cases"] = ranked.height
"""

DUCKDB = """
import duckdb
from bench_all import duckdb_measures, duckdb_read
from bench_score import role_patterns
roles = role_patterns()
con = duckdb.connect(); con.execute("SET enable_progress_bar = false")
stage("import")
duckdb_read(con, PATH)
stage("read_parquet")
out = duckdb_measures(con, roles)
stage("core measures")
NOTES["cases"] = out.num_rows
"""

FM_STAT = """
import os
from bench_all import FM_STATISTICS
from frictionminer.io import load
from frictionminer.settings.load import load_settings
name = os.environ["BENCH_STAT"]
settings = load_settings()
stage("import")
events = load(PATH, settings).events
stage("read")
FM_STATISTICS[name](events)
stage("compute")
"""

PM4PY_STAT = """
import os, signal
import pm4py
from bench_all import PM4PY_CALLS
name, feed = os.environ["BENCH_STAT"], os.environ["BENCH_FEED"]
LIMIT = int(os.environ["BENCH_PM4PY_LIMIT"])
XES_NAMES = {"case_id": "case:concept:name", "activity": "concept:name",
             "timestamp": "time:timestamp"}
def _alarm(signum, frame):
    raise TimeoutError
signal.signal(signal.SIGALRM, _alarm)
if feed == "pandas":
    import pandas as pd
else:
    import polars as pl
CALL = PM4PY_CALLS[name]
stage("import")
if feed == "pandas":
    log = pd.read_parquet(PATH).rename(columns=XES_NAMES)
else:
    log = pl.scan_parquet(PATH).rename(XES_NAMES)
stage("read")
signal.alarm(LIMIT)
try:
    eval(CALL)
except TimeoutError:
    NOTES["failed"] = f"abandoned after {LIMIT} s"
except Exception as exc:
    NOTES["failed"] = f"fails: {type(exc).__name__}: {str(exc).splitlines()[0][:80]}"
else:
    stage("compute")
finally:
    signal.alarm(0)
if feed == "pandas" and name == "case durations" and "failed" not in NOTES:
    pm4py.format_dataframe(log, case_id="case:concept:name", activity_key="concept:name",
                           timestamp_key="time:timestamp")
    stage("format_dataframe")
"""

CHECK = """
import numpy as np
import pandas as pd
import polars as pl
import duckdb, pm4py
from bench_all import FM_STATISTICS, PM4PY_CALLS, duckdb_measures, duckdb_read, same_statistic
from bench_score import CORE, pandas_measures, polars_measures, role_patterns
from frictionminer.engine.pipeline import analyze
from frictionminer.io import load
from frictionminer.settings.load import load_settings
settings = load_settings()
log = load(PATH, settings)
fm = analyze(log, settings).cases.select("case_id", *CORE).to_pandas()
fm = fm.set_index("case_id").sort_index()
con = duckdb.connect(); con.execute("SET enable_progress_bar = false")
duckdb_read(con, PATH)
others = {
    "pandas": pandas_measures(pd.read_parquet(PATH), role_patterns()),
    "polars": polars_measures(pl.read_parquet(PATH), role_patterns())
    .to_pandas()
    .set_index("case_id"),
    "duckdb": duckdb_measures(con, role_patterns()).to_pandas().set_index("case_id"),
}
for tool, out in others.items():
    assert list(fm.index) == list(out.index), f"{tool}: different cases"
    bad = {}
    for col in CORE:
        a, b = fm[col].to_numpy(), out[col].to_numpy()
        same = np.isclose(a, b, rtol=1e-9, atol=1e-6) if col.endswith("_hours") else a == b
        if not same.all():
            bad[col] = int((~same).sum())
    NOTES[f"{tool}_mismatches"] = bad
NOTES["measure_sums"] = {col: float(fm[col].sum()) for col in CORE}
NOTES["cases"] = len(fm)
XES = {"case_id": "case:concept:name", "activity": "concept:name", "timestamp": "time:timestamp"}
feeds = {"pandas": pd.read_parquet(PATH).rename(columns=XES),
         "polars": pl.scan_parquet(PATH).rename(XES)}
for name, fn in FM_STATISTICS.items():
    ours = fn(log.events)
    for feed, frame in feeds.items():
        try:
            theirs = eval(PM4PY_CALLS[name], {"pm4py": pm4py, "log": frame})
        except Exception as exc:
            NOTES[f"{name} / {feed}"] = f"fails: {type(exc).__name__}"
            continue
        NOTES[f"{name} / {feed}"] = "equal" if same_statistic(name, ours, theirs) else "DIFFERENT"
stage("check")
"""

BUILD = """
import polars as pl
from bench_score import build_inputs
from frictionminer.io.xes_write import write_xes
NOTES.update(build_inputs(OUT, [int(a) for a in PATH.split(",")]))
for spec in NOTES.values():
    events = pl.read_parquet(spec["path"])
    base = spec["path"].removesuffix(".parquet")
    events.write_csv(base + ".csv", datetime_format="%Y-%m-%dT%H:%M:%S%.6f%:z")
    write_xes(events, base + ".xes")
    del events
stage("build")
"""


XES_GB_PER_MILLION = 1.5
"""Memory an XES reader needs per million events, with a margin (1.1-1.3 GB measured)."""


def available_gb() -> float:
    """MemAvailable of the machine, GB (infinite when /proc/meminfo cannot be read)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return float("inf")


def run_child(body: str, path: str, out: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """``body`` in a fresh interpreter: stage rows, notes, wall time and peak RSS."""
    code = CHILD.format(bench=str(BENCH), body=body)
    return run_process([sys.executable, "-c", code, path, out], env)


Job = tuple[str, str, str, "dict[str, str] | None"]
"""(label, child body, input path, extra environment) of one measured process."""


def round_robin(jobs: list[Job], out: str, repeat: int, loads: list[float]) -> dict[str, Any]:
    """Each job ``repeat`` times, taking turns (all jobs once, then again), so that a change
    of the machine's load hits the tools compared in one stage alike; medians per job.

    A job whose process reports ``failed`` (a pm4py call that fails or is abandoned, a
    skipped reader) is not run again.
    """
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label, *_ in jobs}
    for i in range(repeat):
        for label, body, path, env in jobs:
            if runs[label] and runs[label][-1]["notes"].get("failed"):
                continue
            res = run_child(body, path, out, env)
            res["rows"] = {name: {"seconds": s, "peak_mb": p} for name, s, p in res["rows"]}
            res["rows"]["(whole process)"] = {"seconds": res["wall"], "peak_mb": res["peak_mb"]}
            runs[label].append(res)
            print(f"  {label} run {i + 1}/{repeat}: {res['wall']:.1f} s", flush=True)
            loads.append(os.getloadavg()[0])
    return {label: merge_runs(r) for label, r in runs.items()}


def repeat_cli(label: str, args: list[str], out: Path, repeat: int) -> dict[str, Any]:
    """A ``frictionminer`` command as a user runs it, process start to exit."""
    runs = []
    for i in range(repeat):
        res = run_process([str(BIN / "frictionminer"), *args, "-o", str(out), "-q"])
        if not out.is_file():
            raise SystemExit(f"frictionminer {args[0]} wrote no {out.name}")
        out.unlink()
        whole = {"seconds": res["wall"], "peak_mb": res["peak_mb"]}
        runs.append({"rows": {"(whole process)": whole}, "notes": {}})
        print(f"  {label} run {i + 1}/{repeat}: {res['wall']:.1f} s", flush=True)
    return merge_runs(runs)


# --------------------------------------------------------------------------- one size


def measure_size(spec: dict[str, Any], args: argparse.Namespace, tmp: str) -> dict[str, Any]:
    """Every process of the table for one input size."""
    parquet = spec["path"]
    base = parquet.removesuffix(".parquet")
    files = {"xes": base + ".xes", "csv": base + ".csv", "parquet": parquet}
    out = str(Path(tmp) / "out.json")
    rep = args.repeat
    loads: list[float] = [os.getloadavg()[0]]
    res: dict[str, Any] = {"loads": loads, "events": spec["events"], "cases": spec["cases"]}
    res["ingest"] = {}
    for fmt, readers in READERS.items():
        jobs: list[Job] = []
        for reader, (imports, expr) in readers.items():
            label = f"{fmt} {reader}"
            need = XES_GB_PER_MILLION * spec["events"] / 1e6 if fmt == "xes" else 0.0
            if need > available_gb():
                note = f"skipped: needs about {need:.0f} GB, {available_gb():.0f} GB available"
                res["ingest"][label] = {"rows": {}, "notes": {"failed": note}}
                print(f"  {label}: {note}", flush=True)
                continue
            body = f'{imports}\nstage("import")\nNOTES["events"] = {expr}\nstage("read")\n'
            jobs.append((label, body, files[fmt], None))
        res["ingest"].update(round_robin(jobs, out, rep, loads))
    jobs = [
        ("fm stages", STAGES, parquet, None),
        ("pandas", PANDAS, parquet, None),
        ("polars", POLARS, parquet, None),
        ("duckdb", DUCKDB, parquet, None),
    ]
    done = round_robin(jobs, out, rep, loads)
    res["stages"], res["pandas"], res["duckdb"] = done["fm stages"], done["pandas"], done["duckdb"]
    res["polars"] = done["polars"]
    res["cli_score"] = repeat_cli(
        "frictionminer score", ["score", parquet, "--format", "json"], Path(out), rep
    )
    res["cli_report"] = repeat_cli(
        "frictionminer report", ["report", parquet], Path(out).with_suffix(".html"), rep
    )
    res |= measure_weekly_audit(parquet, Path(tmp), Path(out), rep)
    loads.append(os.getloadavg()[0])
    res["statistics"] = {}
    for name in STATISTICS:
        jobs = [(f"fm {name}", FM_STAT, parquet, {"BENCH_STAT": name})]
        feeds = () if args.no_pm4py else ("pandas", "polars")
        for feed in feeds:
            env = {
                "BENCH_STAT": name,
                "BENCH_FEED": feed,
                "BENCH_PM4PY_LIMIT": str(args.pm4py_limit),
            }
            jobs.append((f"pm4py ({feed}) {name}", PM4PY_STAT, parquet, env))
        done = round_robin(jobs, out, rep, loads)
        stat = {"frictionminer": done[f"fm {name}"]}
        stat |= {feed: done[f"pm4py ({feed}) {name}"] for feed in feeds}
        res["statistics"][name] = stat
    return res


def measure_weekly_audit(parquet: str, tmp: Path, out: Path, repeat: int) -> dict[str, Any]:
    """Convert once, audit often: ``convert --partition-by week``, then ``audit --window 7d``
    on the partitions (only those that can hold the window's cases are read) against the
    same audit on the single Parquet file."""
    weeks = tmp / "weeks"
    fm = str(BIN / "frictionminer")
    once = run_process([fm, "convert", parquet, "-o", str(weeks), "--partition-by", "week", "-q"])
    print(f"  convert --partition-by week: {once['wall']:.1f} s", flush=True)
    audit = ["audit", "--window", "7d", "--format", "json"]
    res: dict[str, Any] = {
        "convert_weeks": {
            "rows": {"(whole process)": {"seconds": once["wall"], "peak_mb": once["peak_mb"]}},
            "notes": {},
        },
        "audit_weeks": repeat_cli("audit (weekly partitions)", [*audit, str(weeks)], out, repeat),
        "audit_file": repeat_cli("audit (one file)", [*audit, parquet], out, repeat),
    }
    # which partitions the audit opened, from its own notes
    run_process([fm, *audit, str(weeks), "-o", str(out), "-q"])
    notes = json.loads(out.read_text()).get("notes", [])
    out.unlink()
    read = next((n.split(" (")[0] for n in notes if n.startswith("read ")), "read all partitions")
    res["audit_weeks"]["notes"]["partitions"] = read
    shutil.rmtree(weeks, ignore_errors=True)
    return res


def measure_scale(target: int, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """``frictionminer score`` only, as bench_scale.py runs it (built, run, removed)."""
    from bench_scale import build, run_score

    folder = tmp / f"scale_{target}"
    folder.mkdir()
    info = build(folder, [target])[str(target)]
    samples, loads = [], [os.getloadavg()[0]]
    for i in range(args.scale_repeat):
        samples.append(run_score(info["path"], folder / "out.json"))
        loads.append(os.getloadavg()[0])
        print(f"  scale {info['events']:,} run {i + 1}: {samples[-1]['wall']:.1f} s", flush=True)
    Path(info["path"]).unlink()
    folder.rmdir()
    return {
        "events": info["events"],
        "cases": info["cases"],
        "loads": loads,
        "samples": samples,
        "cli_score": {
            "rows": {
                "(whole process)": {
                    "seconds": statistics.median(s["wall"] for s in samples),
                    "peak_mb": statistics.median(s["peak_bytes"] for s in samples) / 2**20,
                }
            }
        },
    }


# --------------------------------------------------------------------------- the table

Cell = tuple[float, float | None] | str | None
"""(seconds, peak MB), a note (failed, abandoned) or None (not measured)."""


def _row(block: dict[str, Any] | None, *stages: str) -> Cell:
    """Sum of ``stages`` of a measured block, with the largest peak among them."""
    if block is None:
        return None
    if block.get("notes", {}).get("failed"):
        return str(block["notes"]["failed"])
    rows = block["rows"]
    if any(s not in rows for s in stages):
        return None
    peaks = [rows[s]["peak_mb"] for s in stages if rows[s].get("peak_mb") is not None]
    return sum(rows[s]["seconds"] for s in stages), max(peaks, default=None)


def table_spec(res: dict[str, Any]) -> list[tuple[str, str, Cell, bool]]:
    """(stage, tool, cell, is_reference) rows for one size; ratios divide by the first
    reference (frictionminer) row of the same stage."""
    ingest, st = res.get("ingest", {}), res.get("stages")
    pdr, ddb, plr = res.get("pandas"), res.get("duckdb"), res.get("polars")
    parallel = bool(st and "measure_cases_parallel" in st["rows"])
    measures = ("measure_cases_parallel",) if parallel else ("classify", "annotate + case_measures")
    chain = "classify → case_measures" + (" (measure_cases_parallel)" if parallel else "")
    m7, rm = "measures (7 core; fm: all 14)", "read Parquet + measures"
    titles = {"xes": "ingest XES", "csv": "ingest CSV", "parquet": "ingest Parquet"}
    rows: list[tuple[str, str, Cell, bool]] = [
        (titles[fmt], reader, _row(ingest.get(f"{fmt} {reader}"), "read"), i == 0)
        for fmt, readers in READERS.items()
        for i, reader in enumerate(readers)
    ]
    rows += [
        ("classify", "frictionminer (roles of every event)", _row(st, "classify"), True),
        (m7, f"frictionminer {chain}", _row(st, *measures), True),
        (m7, "plain polars (one sort, `over` windows)", _row(plr, "core measures"), False),
        (m7, "pandas", _row(pdr, "core measures"), False),
        (m7, "DuckDB SQL", _row(ddb, "core measures"), False),
        (rm, f"frictionminer load + {chain}", _row(st, "load", *measures), True),
        (rm, "plain polars", _row(plr, "read_parquet", "core measures"), False),
        (rm, "pandas", _row(pdr, "read_parquet", "core measures"), False),
        (rm, "DuckDB SQL", _row(ddb, "read_parquet", "core measures"), False),
        ("score + flags", "frictionminer score, rank, flags",
         _row(st, "score", "rank + flags"), True),
        ("causes", "frictionminer find_causes", _row(st, "causes"), True),
        ("report", "frictionminer HTML report (render + write)", _row(st, "report HTML"), True),
        ("report", "`frictionminer report` (whole process)",
         _row(res.get("cli_report"), "(whole process)"), True),
        ("JSON output", "frictionminer, all cases", _row(st, "JSON output"), True),
        ("end to end", "`frictionminer score --format json` (whole process; shards > 20M)",
         _row(res.get("cli_score"), "(whole process)"), True),
        ("convert once", "`frictionminer convert --partition-by week`",
         _row(res.get("convert_weeks"), "(whole process)"), True),
        ("weekly audit", "`frictionminer audit DIR --window 7d` (weekly partitions; "
         + str((res.get("audit_weeks") or {}).get("notes", {}).get("partitions", "?")) + ")",
         _row(res.get("audit_weeks"), "(whole process)"), True),
        ("weekly audit", "`frictionminer audit FILE.parquet --window 7d` (one file)",
         _row(res.get("audit_file"), "(whole process)"), False),
    ]  # fmt: skip
    stats = res.get("statistics", {})
    for name in STATISTICS:
        stat, label = stats.get(name, {}), f"{name}: read Parquet + compute"
        ours = _row(stat.get("frictionminer"), "read", "compute")
        rows.append((label, "frictionminer load() + polars", ours, True))
        for feed in ("pandas", "polars"):
            tool = "pm4py, pandas frame" if feed == "pandas" else "pm4py, polars LazyFrame"
            rows.append((label, tool, _row(stat.get(feed), "read", "compute"), False))
    fmt_cell = _row(stats.get("case durations", {}).get("pandas"), "format_dataframe")
    rows.append(
        ("pm4py.format_dataframe (not needed here)", "pm4py, pandas frame", fmt_cell, False)
    )
    return rows


def best_pm4py(res: dict[str, Any], name: str) -> tuple[float, str] | None:
    """pm4py's fastest feed for a statistic: (seconds, feed)."""
    stat = res.get("statistics", {}).get(name, {})
    options = []
    for feed in ("pandas", "polars"):
        cell = _row(stat.get(feed), "read", "compute")
        if isinstance(cell, tuple):
            options.append((cell[0], feed))
    return min(options) if options else None


def render(report: dict[str, Any]) -> str:
    """The one table (Markdown): every stage and tool, sizes side by side."""
    sizes = [s for s in report["sizes"].values()]
    specs = [table_spec(s) for s in sizes]
    head = ["stage", "tool"]
    align = ["---", "---"]
    for s in sizes:
        tag = _short(s["events"])
        head += [f"{tag} s", f"{tag} events/s", f"{tag} peak MB", f"{tag} ratio"]
        align += ["--:", "--:", "--:", "--:"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    # union of rows over sizes, in the order of the largest spec
    order = max(specs, key=len)
    seen_stage = ""
    for i, (stage, tool, _, is_ref) in enumerate(order):
        cells = [f"**{stage}**" if stage != seen_stage else "", f"{tool}"]
        seen_stage = stage
        for s, spec in zip(sizes, specs, strict=True):
            cells += _cells(spec, i, stage, s["events"], is_ref)
        if all(c in ("", "—") for c in cells[2:]):
            continue
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cells(
    spec: list[tuple[str, str, Cell, bool]], i: int, stage: str, events: int, is_ref: bool
) -> list[str]:
    if i >= len(spec):
        return ["—"] * 4
    cell = spec[i][2]
    if cell is None:
        return ["—"] * 4
    if isinstance(cell, str):
        return [cell, "—", "—", "—"]
    seconds, peak = cell
    ref = next((c for st, _, c, r in spec if st == stage and r), None)
    if is_ref:
        ratio = "ref" if any(st == stage and not r for st, _, _, r in spec) else ""
    elif isinstance(ref, tuple) and ref[0] > 0:
        ratio = f"{seconds / ref[0]:.2f}×"
    else:
        ratio = "—"
    peak_text = f"{peak:,.0f}" if peak is not None else ""
    return [f"{seconds:.2f}", f"{events / seconds:,.0f}", peak_text, ratio]


def verdicts(report: dict[str, Any]) -> list[str]:
    """The ≥ 10× target per statistic and size (pm4py's faster feed / frictionminer), with
    where each side's time goes (read, compute)."""
    out = []
    for name in STATISTICS:
        parts = []
        for s in report["sizes"].values():
            stat = s.get("statistics", {}).get(name, {})
            ours = _row(stat.get("frictionminer"), "read", "compute")
            best = best_pm4py(s, name)
            if not isinstance(ours, tuple) or best is None:
                continue
            ratio = best[0] / ours[0]
            mark = "met" if ratio >= 10 else "MISSED"
            parts.append(
                f"{_short(s['events'])}: {ratio:.1f}× {mark} (frictionminer "
                f"{_split(stat['frictionminer'])}; pm4py {best[1]} {_split(stat[best[1]])})"
            )
        if parts:
            out.append(f"- {name}: " + "; ".join(parts))
    return out


def _split(block: dict[str, Any]) -> str:
    rows = block["rows"]
    return f"read {rows['read']['seconds']:.2f} s + compute {rows['compute']['seconds']:.2f} s"


def _short(n: int) -> str:
    for div, suffix in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if n >= div:
            return f"{n / div:.3g}{suffix}"
    return str(n)


def parse_size(text: str) -> int:
    """``1M``, ``10M``, ``200k``, ``1000000`` -> events."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmMgG]?)", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 1M, 200k, 1000000)")
    factor = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9}[m.group(2).lower()]
    return round(float(m.group(1)) * factor)


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=parse_size, nargs="+", default=[10**6, 10**7])
    ap.add_argument(
        "--scale-sizes",
        type=parse_size,
        nargs="*",
        default=[],
        help="sizes at which only `frictionminer score` runs (e.g. 100M; long)",
    )
    ap.add_argument("--repeat", type=int, default=3, help="processes per measurement")
    ap.add_argument("--scale-repeat", type=int, default=1)
    ap.add_argument("--json", type=Path, help="write every sample and the machine as JSON")
    ap.add_argument("--markdown", type=Path, help="write the table as Markdown")
    ap.add_argument("--pm4py-limit", type=int, default=300, help="abandon a pm4py call (s)")
    ap.add_argument("--no-pm4py", action="store_true")
    ap.add_argument("--no-check", action="store_true", help="skip the equality checks")
    args = ap.parse_args()
    if not SOURCE.exists():
        raise SystemExit(f"missing {SOURCE}: the shared logs must sit beside the repository")

    report: dict[str, Any] = {
        "machine": machine(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "argv": sys.argv[1:],
        "sizes": {},
    }
    for pkg in ("duckdb", "rustxes"):
        report["machine"][pkg] = _version(pkg)
    with tempfile.TemporaryDirectory(prefix="fm-bench-all-") as tmp:
        t0 = time.perf_counter()
        sizes = sorted(args.sizes)
        inputs = run_child(BUILD, ",".join(map(str, sizes)), tmp)["notes"]
        print(f"inputs built in {time.perf_counter() - t0:.0f} s: {json.dumps(inputs)}")
        if not args.no_check:
            check = run_child(CHECK, inputs[str(sizes[0])]["path"], tmp)["notes"]
            report["check"] = check
            print(f"check ({inputs[str(sizes[0])]['events']:,} events): {json.dumps(check)}")
            bad = {k: v for k, v in check.items() if k.endswith("_mismatches") and v}
            bad |= {k: v for k, v in check.items() if v == "DIFFERENT"}
            if bad:
                raise SystemExit(f"results differ from frictionminer's: {bad}")
        for target in sizes:
            spec = inputs[str(target)]
            print(f"\n== {spec['events']:,} events, {spec['cases']:,} cases", flush=True)
            report["sizes"][str(target)] = measure_size(spec, args, tmp)
            for suffix in (".parquet", ".csv", ".xes"):
                Path(spec["path"].removesuffix(".parquet") + suffix).unlink()
        for target in sorted(args.scale_sizes):
            print(f"\n== scale {target:,} events (frictionminer score only)", flush=True)
            report["sizes"][f"scale {target}"] = measure_scale(target, args, Path(tmp))
    report["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    text = document(report)
    print("\n" + text)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text, encoding="utf-8")
        print(f"wrote {args.markdown}")
    if args.json:
        report["table"] = text
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")


def document(report: dict[str, Any]) -> str:
    """The table with the machine, the load averages and the verdicts on the target."""
    m = report["machine"]
    loads = "; ".join(
        f"{_short(s['events'])}: {min(s['loads']):.1f}–{max(s['loads']):.1f}"
        for s in report["sizes"].values()
    )
    lines = [
        f"Run {report['started']} → {report['finished']}, commit {report['commit']}; "
        f"{m.get('nproc')} cores ({m.get('cpu')}), {m.get('ram_gib')} GiB, "
        f"Python {m.get('python')}, polars {m.get('polars')}, pandas {m.get('pandas')}, "
        f"pm4py {m.get('pm4py')}, rustxes {m.get('rustxes')}, duckdb {m.get('duckdb')}.",
        f"Load average (1 min, sampled between measurements) per size: {loads}.",
        "",
        render(report),
        "",
        "Target ≥ 10× pm4py per statistic (pm4py's faster feed / frictionminer, both "
        "from the same Parquet file):",
        *verdicts(report),
    ]
    return "\n".join(lines) + "\n"


def _version(pkg: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return None


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    main()
