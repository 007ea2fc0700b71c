"""Scoring benchmark: frictionminer vs plain pandas and pm4py on ~1M and ~10M events.

Run on demand (``make bench-score``); never part of the test suite.  It builds, in a
temporary folder, one Parquet file per ``--events`` target by replicating the BPI
Challenge 2013 incidents log (65,533 events, 7,554 cases; activity = status/sub-status,
group = support team) with fresh case ids, each copy shifted by one day, in the log's
own trace order (so frictionminer has to sort).  Canonical columns: case_id, activity,
timestamp (UTC), resource, group.  Then, each in a fresh process, ``--repeat`` times
(medians; peak RSS from the child's rusage):

* ``frictionminer score FILE --format json -o OUT``, process start to JSON written;
* the library stages one after the other (load, classify, annotate, case_measures,
  score_cases, evaluate_flags, then the JSON output as the CLI writes it);
* :func:`pandas_measures`, a straightforward pandas version of seven core measures
  (interactions, customer_tasks, customer_wait_hours, silent_wait_max_hours, handoffs,
  ping_pongs, duration_hours); before timing, its output is checked against
  frictionminer's on the smallest input;
* pm4py's nearest functions (``get_all_case_durations``,
  ``discover_handover_of_work_network`` over the group column,
  ``get_rework_cases_per_activity``, ``get_variants``), fed a pandas frame after
  ``pm4py.format_dataframe`` and, where pm4py accepts one, a polars LazyFrame.  A function
  that runs longer than ``--pm4py-limit`` seconds is abandoned at that size.

Ratios are "time of the alternative / time of the frictionminer step it is compared
with" (named in the table): above 1 means frictionminer is faster.  Peak MB of a stage
is the process's peak RSS up to the end of that stage.  Usage::

    .venv/bin/python bench/bench_score.py [--events 1000000 10000000] [--repeat 3]
        [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SHARED = Path(os.environ.get("FRICTIONMINER_SHARED_LOGS", REPO.parent / "shared" / "logs"))
SOURCE = SHARED / "bpic2013" / "BPI_Challenge_2013_incidents.xes.gz"
BASE_OVERRIDES = {
    "columns": {"activity": ["concept:name", "lifecycle:transition"], "group": "org:group"}
}
DEFAULTS_TOML = REPO / "src" / "frictionminer" / "settings" / "defaults.toml"
CORE = (
    "interactions",
    "customer_tasks",
    "customer_wait_hours",
    "silent_wait_max_hours",
    "handoffs",
    "ping_pongs",
    "duration_hours",
)
"""The measures :func:`pandas_measures` reproduces (definitions: frictionminer.engine.measures)."""
PM4PY_FUNCTIONS = (
    "get_all_case_durations",
    "discover_handover_of_work_network",
    "get_rework_cases_per_activity",
    "get_variants",
)

# --------------------------------------------------------------------------- inputs


def build_inputs(folder: str, targets: list[int]) -> dict[str, Any]:
    """Write ``events_<target>.parquet`` into ``folder`` for each target (runs in a child)."""
    import polars as pl

    from frictionminer.io import load
    from frictionminer.settings.load import load_settings

    base = (
        load(SOURCE, load_settings(overrides=BASE_OVERRIDES))
        .events.select("case_id", "activity", "timestamp", "resource", "group")
        .lazy()
    )
    n = base.select(pl.len()).collect().item()
    out: dict[str, Any] = {}
    for target in targets:
        copies = max(1, round(target / n))
        parts = [
            base.with_columns(
                (pl.lit(f"c{k:03d}-") + pl.col("case_id")).alias("case_id"),
                pl.col("timestamp") + pl.duration(days=k),
            )
            for k in range(copies)
        ]
        path = Path(folder) / f"events_{target}.parquet"
        pl.concat(parts).sink_parquet(path)
        cases = pl.scan_parquet(path).select(pl.col("case_id").n_unique()).collect().item()
        out[str(target)] = {"path": str(path), "events": n * copies, "cases": cases}
    return out


# --------------------------------------------------------------------------- pandas


def role_patterns() -> dict[str, list[str]]:
    """frictionminer's default role regexes (the configuration both sides share)."""
    with DEFAULTS_TOML.open("rb") as fh:
        roles = tomllib.load(fh)["roles"]
    return {k: v for k, v in roles.items() if isinstance(v, list)}


def role_hits(values: list[str], patterns: list[Any]) -> set[str]:
    """The ``values`` a role's patterns match: a pattern is a regex, or a ``{match,
    unless}`` table (matches ``match`` and not ``unless``); case-insensitive, searched
    anywhere in the value, as frictionminer's roles are."""
    hits = set()
    for item in patterns:
        scoped = isinstance(item, dict)
        match, unless = (item["match"], item.get("unless")) if scoped else (item, None)
        found = re.compile(match, re.IGNORECASE)
        refused = re.compile(unless, re.IGNORECASE) if unless else None
        hits |= {v for v in values if found.search(v) and not (refused and refused.search(v))}
    return hits


def polars_measures(df: Any, roles: dict[str, list[Any]]) -> Any:
    """The seven :data:`CORE` measures per case with plain polars (sorted by case_id).

    Written as a polars user would: one sort, then window expressions (``over``) and
    ``group_by`` -- the "plain polars pass" issue 19 compares ``score`` with.  Roles are
    matched on the distinct activity names (:func:`role_hits`), as frictionminer does.
    Definitions follow frictionminer.engine.measures / paths, like :func:`pandas_measures`.
    """
    import polars as pl

    us_per_hour = 3_600_000_000.0
    df = df.with_row_index("_idx").sort("case_id", "timestamp", "_idx")
    distinct = df.get_column("activity").drop_nulls().unique().to_list()
    role = {
        name: pl.col("activity").is_in(sorted(role_hits(distinct, patterns))).fill_null(False)
        for name, patterns in roles.items()
    }
    task, action = role["customer_task"], role["customer_action"]
    perceived = role["contact"] | task | action | role["notice"] | role["resolution"]
    ts, seq = pl.col("timestamp"), pl.col("seq")

    def hours(delta: Any) -> Any:
        return delta.dt.total_microseconds() / us_per_hour

    df = df.with_columns(
        pl.int_range(pl.len()).over("case_id").alias("seq"),
        role["contact"].alias("contact"),
        task.alias("task"),
        perceived.alias("perceived"),
        role["resolution"].alias("resolution"),
        pl.when(task).then(True).when(action).then(False).alias("_state"),
    )
    df = df.with_columns(
        # the end: the first resolution, else the last event
        seq.filter(pl.col("resolution"))
        .min()
        .over("case_id")
        .fill_null(pl.len().over("case_id") - 1)
        .alias("end_seq"),
        # ball in court: a task hands it to the customer, an action (or the start) back
        pl.when(seq == 0)
        .then(pl.col("_state").fill_null(False))
        .otherwise(pl.col("_state"))
        .forward_fill()
        .over("case_id")
        .alias("on_customer"),
        hours(ts.shift(-1).over("case_id") - ts).alias("gap"),
    )
    is_end, after_end = seq == pl.col("end_seq"), seq > pl.col("end_seq")
    df = df.with_columns(
        pl.when(~is_end & ~after_end & ~pl.col("on_customer")).then(pl.col("gap")).alias("wait"),
        ((pl.col("perceived") | (seq == 0) | is_end) & ~after_end).alias("boundary"),
    )
    # silences: time between consecutive boundaries while waiting on the company
    silences = (
        df.filter("boundary")
        .select(
            "case_id",
            pl.when(pl.col("on_customer"))
            .then(0.0)
            .otherwise(hours(ts.shift(-1).over("case_id") - ts).fill_null(0.0))
            .alias("silence"),
        )
        .group_by("case_id")
        .agg(pl.col("silence").max())
    )
    # handoffs between consecutive non-empty groups; ping-pong: back to a known group
    group = pl.col("group")
    teams = (
        df.filter(group.is_not_null() & (group.str.strip_chars() != ""))
        .select(
            "case_id",
            (group != group.shift(1).over("case_id")).fill_null(False).alias("handoff"),
            group.is_first_distinct().over("case_id").alias("new"),
        )
        .group_by("case_id")
        .agg(
            pl.col("handoff").sum().alias("handoffs"),
            (pl.col("handoff") & ~pl.col("new")).sum().alias("ping_pongs"),
        )
    )
    out = (
        df.group_by("case_id")
        .agg(
            pl.col("contact").sum().alias("interactions"),
            pl.col("task").sum().alias("customer_tasks"),
            pl.col("wait").sum().alias("customer_wait_hours"),
            hours(ts.max() - ts.min()).alias("duration_hours"),
        )
        .join(silences, on="case_id", how="left")
        .join(teams, on="case_id", how="left")
    )
    return out.select(
        "case_id",
        pl.col("interactions").cast(pl.Int64),
        pl.col("customer_tasks").cast(pl.Int64),
        "customer_wait_hours",
        pl.col("silence").fill_null(0.0).alias("silent_wait_max_hours"),
        pl.col("handoffs").fill_null(0).cast(pl.Int64),
        pl.col("ping_pongs").fill_null(0).cast(pl.Int64),
        "duration_hours",
    ).sort("case_id")


def pandas_measures(df: Any, roles: dict[str, list[str]]) -> Any:
    """The seven :data:`CORE` measures per case with plain pandas (sorted by case_id).

    Written as a pandas user would: one sort, then ``groupby`` with ``cumcount``,
    ``shift``, ``ffill``, ``transform`` and ``sum``/``max`` -- no per-case Python loop.
    The only Python loop is over the *distinct* activity names to match the role regexes
    (as frictionminer does).  Definitions follow frictionminer.engine.measures / paths.
    """
    import numpy as np
    import pandas as pd

    hour = pd.Timedelta(hours=1)
    df = df.assign(_idx=np.arange(len(df)))  # input order breaks ties in time
    df = df.sort_values(["case_id", "timestamp", "_idx"], ignore_index=True)
    activity = df["activity"]
    distinct = activity.dropna().unique()
    role = {}
    for name, patterns in roles.items():
        role[name] = activity.isin(role_hits(list(distinct), patterns))
    contact, task, action = role["contact"], role["customer_task"], role["customer_action"]
    perceived = contact | task | action | role["notice"] | role["resolution"]

    case, ts = df["case_id"], df["timestamp"]
    by_case = df.groupby("case_id", sort=False)
    seq = by_case.cumcount()
    size = by_case["case_id"].transform("size")
    first = seq == 0
    # the end: first resolution, else the last event
    end_seq = seq.where(role["resolution"]).groupby(case).transform("min").fillna(size - 1)
    is_end, after_end = seq == end_seq, seq > end_seq
    # ball in court: a task hands it to the customer, an action (or the start) back
    state = pd.Series(np.select([task, action, first], [1.0, 0.0, 0.0], np.nan))
    on_customer = state.groupby(case).ffill().astype(bool)
    gap = (ts.groupby(case).shift(-1) - ts) / hour
    wait = gap.where(~is_end & ~after_end & ~on_customer)
    # silences: time between consecutive boundaries while waiting on the company
    boundary = (perceived | first | is_end) & ~after_end
    b_case, b_ts = case[boundary], ts[boundary]
    silence = ((b_ts.groupby(b_case).shift(-1) - b_ts) / hour).fillna(0.0)
    silence = silence.where(~on_customer[boundary], 0.0)
    # handoffs between consecutive non-empty groups; ping-pong: back to a known group
    group = df["group"]
    known = group.notna() & group.str.strip().ne("")
    g_case, g = case[known], group[known]
    previous = g.groupby(g_case).shift(1)
    handoff = previous.notna() & (g != previous)
    ping_pong = handoff & df.loc[known, ["case_id", "group"]].duplicated()

    parts = pd.DataFrame(
        {
            "case_id": case,
            "interactions": contact,
            "customer_tasks": task,
            "customer_wait_hours": wait,
            "silence": silence.reindex(df.index),
            "handoffs": handoff.reindex(df.index, fill_value=False),
            "ping_pongs": ping_pong.reindex(df.index, fill_value=False),
            "ts": ts,
        }
    )
    out = parts.groupby("case_id", sort=True).agg(
        interactions=("interactions", "sum"),
        customer_tasks=("customer_tasks", "sum"),
        customer_wait_hours=("customer_wait_hours", "sum"),
        silent_wait_max_hours=("silence", "max"),
        handoffs=("handoffs", "sum"),
        ping_pongs=("ping_pongs", "sum"),
        start=("ts", "min"),
        stop=("ts", "max"),
    )
    out["silent_wait_max_hours"] = out["silent_wait_max_hours"].fillna(0.0)
    out["duration_hours"] = (out["stop"] - out["start"]) / hour
    return out[list(CORE)].astype({c: "int64" for c in CORE if not c.endswith("_hours")})


# --------------------------------------------------------------------------- runners

CHILD = """
import json, resource, sys, time, warnings
warnings.filterwarnings("ignore")
sys.path.insert(0, {bench!r})
PATH, OUT = sys.argv[1], sys.argv[2]
ROWS, NOTES = [], {{}}
_t = [time.perf_counter()]
def stage(name):
    now = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ROWS.append([name, now - _t[0], peak])
    _t[0] = now
{body}
print("@@RESULT " + json.dumps({{"rows": ROWS, "notes": NOTES}}))
"""

STAGES = """
from pathlib import Path
import polars as pl
from frictionminer import schema as S
from frictionminer.engine.result import Result
from frictionminer.engine.classify import classify
from frictionminer.io import load
from frictionminer.engine.measures import case_measures
from frictionminer.engine.paths import annotate, select_instances
from frictionminer.reporting.score import WRITERS
from frictionminer.engine.rules import evaluate_flags
from frictionminer.engine.score import score_cases
from frictionminer.settings.load import load_settings
settings = load_settings()
stage("import")
log = load(PATH, settings)
stage("load")
instances, described = select_instances(log.events, settings.measures)
classified = classify(instances, settings.roles)
stage("classify")
events = annotate(classified, settings)
stage("annotate")
measures = case_measures(events, settings)
stage("case_measures")
scored = score_cases(measures, settings).sort(["friction_score", S.CASE], descending=[True, False])
stage("score_cases (+ rank)")
flags = evaluate_flags(scored, settings)
stage("evaluate_flags")
result = Result(log=log, settings=settings, events=events, cases=scored, flags=flags,
                instances=described)
WRITERS["json"](result, top=None, output=Path(OUT), quiet=True)
stage("JSON output (as the CLI writes it)")
NOTES["cases"] = scored.height
NOTES["json_mb"] = round(Path(OUT).stat().st_size / 1e6, 1)
"""


def measures_child(module: str, alias: str) -> str:
    """A child body: the Parquet file read by ``module`` (pandas or polars), then the
    core measures of ``<module>_measures``; stages "read_parquet" and "core measures"."""
    return f"""
import {module} as {alias}
from bench_score import {module}_measures, role_patterns
roles = role_patterns()
stage("import")
df = {alias}.read_parquet(PATH)
stage("read_parquet")
out = {module}_measures(df, roles)
stage("core measures")
NOTES["cases"] = len(out)
"""


PANDAS = measures_child("pandas", "pd")
POLARS = measures_child("polars", "pl")

PM4PY = """
import os, signal
import pm4py
LIMIT = int(os.environ["BENCH_PM4PY_LIMIT"])
SKIP = set(filter(None, os.environ.get("BENCH_PM4PY_SKIP", "").split(",")))
FEED = os.environ["BENCH_PM4PY_FEED"]
def _alarm(signum, frame):
    raise TimeoutError
signal.signal(signal.SIGALRM, _alarm)
stage("import")
if FEED == "pandas":
    import pandas as pd
    log = pd.read_parquet(PATH)
    stage("read_parquet")
    log = pm4py.format_dataframe(log, case_id="case_id", activity_key="activity",
                                 timestamp_key="timestamp")
    stage("format_dataframe")
else:
    import polars as pl
    log = pl.read_parquet(PATH).rename({"case_id": "case:concept:name",
        "activity": "concept:name", "timestamp": "time:timestamp"}).lazy()
    stage("read_parquet")
calls = {
    "get_all_case_durations": lambda: pm4py.get_all_case_durations(log),
    "discover_handover_of_work_network":
        lambda: pm4py.discover_handover_of_work_network(log, resource_key="group"),
    "get_rework_cases_per_activity": lambda: pm4py.get_rework_cases_per_activity(log),
    "get_variants": lambda: pm4py.get_variants(log),
}
for name, call in calls.items():
    if name in SKIP:
        continue
    _t[0] = time.perf_counter()
    signal.alarm(LIMIT)
    try:
        call()
    except TimeoutError:
        NOTES[name] = f"abandoned after {LIMIT} s"
        continue
    except Exception as exc:
        NOTES[name] = f"fails: {type(exc).__name__}: {str(exc).splitlines()[0][:100]}"
        continue
    finally:
        signal.alarm(0)
    stage(name)
"""

CHECK = """
import numpy as np
import pandas as pd
import polars as pl
from bench_score import CORE, pandas_measures, role_patterns
from frictionminer.engine.pipeline import analyze
from frictionminer.io import load
from frictionminer.settings.load import load_settings
settings = load_settings()
fm = analyze(load(PATH, settings), settings).cases.select("case_id", *CORE).to_pandas()
fm = fm.set_index("case_id").sort_index()
pd_out = pandas_measures(pd.read_parquet(PATH), role_patterns())
assert list(fm.index) == list(pd_out.index), "different cases"
bad = {}
for col in CORE:
    a, b = fm[col].to_numpy(), pd_out[col].to_numpy()
    same = np.isclose(a, b, rtol=1e-9, atol=1e-6) if col.endswith("_hours") else a == b
    if not same.all():
        bad[col] = int((~same).sum())
    NOTES[col] = {"fm_sum": float(a.sum()), "pandas_sum": float(b.sum())}
NOTES["mismatches"] = bad
import pm4py
log = pm4py.format_dataframe(pd.read_parquet(PATH), case_id="case_id", activity_key="activity",
                             timestamp_key="timestamp")
durations = np.array(pm4py.get_all_case_durations(log)) / 3600.0
NOTES["pm4py_durations_equal"] = bool(
    len(durations) == len(fm)
    and np.allclose(np.sort(durations), np.sort(fm["duration_hours"].to_numpy()), atol=1e-6)
)
stage("check")
"""


def run_child(body: str, path: str, out: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``body`` in a fresh interpreter; its stage rows, notes, wall time and peak RSS."""
    return run_process(
        [sys.executable, "-c", CHILD.format(bench=str(BENCH), body=body), path, out], env
    )


def run_process(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tempfile.gettempdir(),  # no project config file is picked up
        env={**os.environ, **(env or {})},
    )
    # wait4 gives this child's own rusage: its peak RSS, whatever ran before
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed ({proc.returncode}):\n{stderr[-3000:]}")
    result: dict[str, Any] = {"rows": [], "notes": {}}
    for line in stdout.splitlines():
        if line.startswith("@@RESULT "):
            result = json.loads(line[len("@@RESULT ") :])
    result["wall"] = wall
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def repeated(
    label: str,
    body: str | None,
    path: str,
    out: str,
    repeat: int,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Median seconds and peak MB per stage over ``repeat`` fresh processes."""
    samples: dict[str, list[tuple[float, float]]] = {}
    notes: dict[str, Any] = {}
    for i in range(repeat):
        if body is None:  # the command line, as a user runs it
            cmd = [str(BIN / "frictionminer"), "score", path, "--format", "json", "-o", out]
            res = run_process(cmd, env)
            if not Path(out).is_file():
                raise SystemExit("frictionminer score wrote no JSON")
            Path(out).unlink()
        else:
            res = run_child(body, path, out, env)
        for name, seconds, peak in res["rows"]:
            samples.setdefault(name, []).append((seconds, peak))
        samples.setdefault("(whole process)", []).append((res["wall"], res["peak_mb"]))
        notes.update(res["notes"])
        print(f"  {label} run {i + 1}/{repeat}: {res['wall']:.1f} s", flush=True)
    rows = {
        name: {
            "seconds": statistics.median(s for s, _ in vals),
            "samples": [s for s, _ in vals],
            "peak_mb": statistics.median(p for _, p in vals),
        }
        for name, vals in samples.items()
    }
    return {"rows": rows, "notes": notes}


# --------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    for pkg in ("polars", "pandas", "pyarrow", "pm4py", "frictionminer"):
        try:
            info[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            info[pkg] = None
    try:
        mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
        info["ram_gib"] = round(int(mem) / 1024**2, 1)
        cpu = [ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln]
        info["cpu"] = cpu[0].split(":", 1)[1].strip() if cpu else None
    except OSError:
        pass
    return info


def table_rows(res: dict[str, Any], events: int) -> list[list[str]]:
    """Rows of one size's table: (stage/tool, seconds, events/s, peak MB, ratio)."""
    fm = res["stages"]["rows"]
    measures_s = sum(fm[s]["seconds"] for s in ("classify", "annotate", "case_measures"))
    load_s = fm["load"]["seconds"]
    refs = {
        "fm load": load_s,
        "fm measures": measures_s,
        "fm load→measures": load_s + measures_s,
        "fm score CLI": res["cli"]["rows"]["(whole process)"]["seconds"],
    }
    lines: list[list[str]] = []

    def add(name: str, seconds: float | None, peak: float | None, ref: str | None = None) -> None:
        if seconds is None:
            lines.append([name, "—", "—", "—", "—"])
            return
        ratio = f"{seconds / refs[ref]:.2f}× vs {ref}" if ref else ""
        peak_text = f"{peak:,.0f}" if peak is not None else ""
        rate = "—" if name.endswith("import") else f"{events / seconds:,.0f}"
        lines.append([name, f"{seconds:.2f}", rate, peak_text, ratio])

    cli = res["cli"]["rows"]["(whole process)"]
    add("**frictionminer score --format json (CLI, process start → JSON written)**", **_sp(cli))
    for stage in ("import", "load", "classify", "annotate", "case_measures"):
        add(f"fm {stage}", **_sp(fm[stage]))
    add("fm measures = classify + annotate + case_measures", measures_s, None)
    for stage in ("score_cases (+ rank)", "evaluate_flags", "JSON output (as the CLI writes it)"):
        add(f"fm {stage}", **_sp(fm[stage]))
    pdr = res["pandas"]["rows"]
    add("pandas read_parquet", **_sp(pdr["read_parquet"]), ref="fm load")
    add("pandas core measures (7)", **_sp(pdr["core measures"]), ref="fm measures")
    both = pdr["read_parquet"]["seconds"] + pdr["core measures"]["seconds"]
    add("pandas read + core measures", both, pdr["core measures"]["peak_mb"], "fm load→measures")
    add("pandas whole process", **_sp(pdr["(whole process)"]), ref="fm score CLI")
    for feed in ("pandas", "polars"):
        key = f"pm4py_{feed}"
        if key not in res:
            continue
        rows, notes = res[key]["rows"], res[key]["notes"]
        tag = f"pm4py ({feed})"
        add(f"{tag} read_parquet", **_sp(rows["read_parquet"]), ref="fm load")
        total = rows["read_parquet"]["seconds"]
        if "format_dataframe" in rows:
            add(f"{tag} format_dataframe", **_sp(rows["format_dataframe"]), ref="fm measures")
            total += rows["format_dataframe"]["seconds"]
        fsum, done = 0.0, []
        for fn in PM4PY_FUNCTIONS:
            if fn in rows:
                add(f"{tag} {fn}", **_sp(rows[fn]), ref="fm measures")
                fsum += rows[fn]["seconds"]
                done.append(fn)
            else:
                lines.append([f"{tag} {fn}", notes.get(fn, "skipped"), "—", "—", "—"])
        peak = max((rows[fn]["peak_mb"] for fn in done), default=None)
        label = "4 functions" if len(done) == 4 else f"{len(done)} of 4 functions"
        add(f"{tag} {label}", fsum, peak, "fm measures")
        add(f"{tag} read (+ format) + {label}", total + fsum, peak, "fm load→measures")
        add(f"{tag} whole process", **_sp(rows["(whole process)"]), ref="fm score CLI")
    if "pm4py_pandas" in res and "pm4py_polars" in res:
        add_best_mix(res, add)
    return lines


def add_best_mix(res: dict[str, Any], add: Any) -> None:
    """Each pm4py function on its faster feed; reads (and format) of the feeds used."""
    pdr, plr = res["pm4py_pandas"]["rows"], res["pm4py_polars"]["rows"]
    total, feeds, peak = 0.0, set(), 0.0
    for fn in PM4PY_FUNCTIONS:
        options = [
            (rows[fn]["seconds"], feed, rows[fn]["peak_mb"])
            for feed, rows in (("pandas", pdr), ("polars", plr))
            if fn in rows
        ]
        if not options:
            return
        seconds, feed, p = min(options)
        total += seconds
        feeds.add(feed)
        peak = max(peak, p)
    prep = plr["read_parquet"]["seconds"] if "polars" in feeds else 0.0
    if "pandas" in feeds:
        prep += pdr["read_parquet"]["seconds"] + pdr["format_dataframe"]["seconds"]
    add("pm4py best feed per function: 4 functions", total, None, "fm measures")
    add("pm4py best feed per function: read (+ format) + 4", prep + total, peak, "fm load→measures")


def _sp(row: dict[str, Any]) -> dict[str, Any]:
    return {"seconds": row["seconds"], "peak": row["peak_mb"]}


def markdown(lines: list[list[str]]) -> str:
    head = ["stage / tool", "seconds", "events/s", "peak MB", "ratio (alternative / fm)"]
    out = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---", "--:", "--:", "--:", "---"]) + "|",
    ]
    out += ["| " + " | ".join(row) + " |" for row in lines]
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    ap.add_argument(
        "--pm4py-limit", type=int, default=300, help="abandon a pm4py function after this (s)"
    )
    ap.add_argument("--no-pm4py", action="store_true", help="skip pm4py altogether")
    ap.add_argument("--no-check", action="store_true", help="skip the pandas == fm check")
    args = ap.parse_args()
    if not SOURCE.exists():
        raise SystemExit(f"missing {SOURCE}: the shared logs must sit beside the repository")

    report: dict[str, Any] = {"machine": machine(), "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="fm-bench-score-") as tmp:
        t0 = time.perf_counter()
        build = "import json\nfrom bench_score import build_inputs\n"
        build += f"NOTES.update(build_inputs(OUT, {sorted(args.events)!r}))\nstage('build')\n"
        inputs = run_child(build, "", tmp)["notes"]
        print(f"inputs built in {time.perf_counter() - t0:.1f} s: {json.dumps(inputs)}")
        out = str(Path(tmp) / "out.json")
        for i, target in enumerate(sorted(args.events)):
            spec = inputs[str(target)]
            path, events = spec["path"], spec["events"]
            print(f"\n== {events:,} events, {spec['cases']:,} cases", flush=True)
            res: dict[str, Any] = {"events": events, "cases": spec["cases"]}
            if i == 0 and not args.no_check:
                check = run_child(CHECK, path, out)["notes"]
                res["check"] = check
                print(f"  check: {json.dumps(check)}")
                if check["mismatches"]:
                    raise SystemExit(f"pandas and frictionminer disagree: {check['mismatches']}")
            res["cli"] = repeated("frictionminer score", None, path, out, args.repeat)
            res["stages"] = repeated("fm stages", STAGES, path, out, args.repeat)
            res["pandas"] = repeated("pandas", PANDAS, path, out, args.repeat)
            if not args.no_pm4py:
                for feed in ("pandas", "polars"):
                    skip: list[str] = []
                    runs: list[dict[str, Any]] = []
                    for _ in range(args.repeat):
                        env = {
                            "BENCH_PM4PY_LIMIT": str(args.pm4py_limit),
                            "BENCH_PM4PY_SKIP": ",".join(skip),
                            "BENCH_PM4PY_FEED": feed,
                        }
                        runs.append(repeated(f"pm4py ({feed})", PM4PY, path, out, 1, env))
                        # a function that failed or was abandoned is not retried
                        skip = sorted(set(skip) | set(runs[-1]["notes"]))
                    res[f"pm4py_{feed}"] = merge_runs(runs)
            lines = table_rows(res, events)
            res["table"] = lines
            report["sizes"][str(target)] = res
            print(f"\n### {events:,} events ({spec['cases']:,} cases)\n")
            print(markdown(lines), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")


def merge_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over single-run results (a stage missing from a run is left out)."""
    names = {name for run in runs for name in run["rows"]}
    rows = {}
    for name in names:
        vals = [run["rows"][name] for run in runs if name in run["rows"]]
        rows[name] = {
            "seconds": statistics.median(v["seconds"] for v in vals),
            "samples": [v["seconds"] for v in vals],
            "peak_mb": statistics.median(v["peak_mb"] for v in vals),
        }
    notes: dict[str, Any] = {}
    for run in runs:
        notes.update(run["notes"])
    return {"rows": rows, "notes": notes}


if __name__ == "__main__":
    main()
