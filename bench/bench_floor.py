"""The performance floor: every row of issue 19's table, measured side by side.

Run on demand (``make bench``, and with 100M events ``make bench-scale``); never part of
the test suite.  Inputs are built in a temporary folder, removed afterwards, as
bench_score.py builds them (the BPI Challenge 2013 incidents log replicated with fresh
case ids, Parquet with the canonical columns, rows in trace order), plus an XES copy of
the smallest file (1M by default) and a 1k-event file (its first whole cases).  Each row is
measured in ``--repeat`` fresh processes, the tools of one row taking turns (medians;
peak RSS from the child's rusage, or ``VmHWM`` at the end of an in-process stage):

* ``score`` Parquet in and out at every ``--sizes`` (``frictionminer score FILE -f parquet
  -o OUT``) against the **plain polars pass**: the same file read, the seven core
  measures of bench_score.polars_measures (one sort, ``over`` windows, ``group_by``;
  checked equal to frictionminer's on the smallest file before timing) and the result written
  as Parquet;
* ``score --format json`` at 100M (only when 100M is among the sizes);
* ``report`` at 10M, whole process;
* the causes at 10M: ``find_causes`` in a process that ran ``analyze`` first;
* XES ingest of the smallest size (1M events): ``frictionminer.io.load`` against
  ``rustxes.import_xes`` alone;
* ``frictionminer --help`` and ``score`` of the 1k-event file, whole processes.

It prints one table with the targets of issue 19 and writes it (``--markdown``) with the
machine, the load averages and every sample (``--json``).  Usage::

    .venv/bin/python bench/bench_floor.py [--sizes 1M 10M [100M]] [--repeat 3]
        [--markdown out/floor.md] [--json out/floor.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from bench_all import parse_size, run_child  # noqa: E402  (bench/ is not a package)
from bench_score import machine, run_process  # noqa: E402

BIN = Path(sys.executable).parent
FM = str(BIN / "frictionminer")
GIB = 1024.0

POLARS_PASS = """
import polars as pl
from bench_score import polars_measures, role_patterns
roles = role_patterns()
stage("import")
polars_measures(pl.read_parquet(PATH), roles).write_parquet(OUT)
stage("pass")
"""

CAUSES = """
from frictionminer.engine.causes import find_causes
from frictionminer.engine.pipeline import analyze
from frictionminer.settings.load import load_settings
settings = load_settings()
stage("import")
result = analyze(PATH, settings)
stage("analyze")
find_causes(result, settings)
stage("causes")
"""

XES_FM = """
from frictionminer.io import load
from frictionminer.settings.load import load_settings
settings = load_settings()
stage("import")
NOTES["events"] = load(PATH, settings).events.height
stage("read")
"""

XES_RUSTXES = """
import rustxes
stage("import")
NOTES["events"] = rustxes.import_xes(PATH)[0].height
stage("read")
"""

CHECK = """
import polars as pl
from bench_score import CORE, polars_measures, role_patterns
from frictionminer.engine.pipeline import analyze
from frictionminer.settings.load import load_settings
settings = load_settings()
ours = analyze(PATH, settings).cases.select("case_id", *CORE).sort("case_id")
theirs = polars_measures(pl.read_parquet(PATH), role_patterns())
NOTES["differ"] = {
    c: int(((ours[c].cast(pl.Float64) - theirs[c].cast(pl.Float64)).abs() > 1e-6).sum())
    for c in CORE
}
stage("check")
"""

BUILD = """
import polars as pl
from bench_score import build_inputs
from frictionminer.io.xes_write import write_xes
NOTES.update(build_inputs(OUT, [int(a) for a in PATH.split(",")]))
small = NOTES[min(NOTES, key=int)]["path"]
events = pl.read_parquet(small)
write_xes(events, OUT + "/events_xes.xes")
counts = events.group_by("case_id", maintain_order=True).len()
keep = counts.filter(pl.col("len").cum_sum() <= 1000).get_column("case_id")
events.filter(pl.col("case_id").is_in(keep.implode())).write_parquet(OUT + "/events_1k.parquet")
stage("build")
"""

TARGETS = {
    "score": "no slower than the plain polars pass, ≤ 3 GiB (10M)",
    "report": "≤ 8 s, ≤ 3 GiB",
    "causes": "≤ 3 s",
    "score100": "≤ 4 GiB, time linear in events",
    "xes": "≥ rustxes alone (ratio ≥ 1)",
    "help": "keep (0.14-0.19 s)",
    "small": "keep (~0.5 s)",
}


def cli(args: list[str], out: Path | None = None) -> dict[str, float]:
    """One ``frictionminer`` process: wall seconds and peak MB; with ``out``, it writes
    there quietly and the file is checked and removed."""
    res = run_process([FM, *args, *(["-o", str(out), "-q"] if out else [])])
    if out is not None:
        if not out.is_file():
            raise SystemExit(f"frictionminer {args[0]} wrote no {out.name}")
        out.unlink()
    return {"seconds": res["wall"], "peak_mb": res["peak_mb"]}


def child(body: str, path: str, out: str, stage: str | None = None) -> dict[str, float]:
    """A child process; with ``stage``, that stage's seconds and the peak up to it."""
    res = run_child(body, path, out)
    if stage is None:
        return {"seconds": res["wall"], "peak_mb": res["peak_mb"]}
    rows = {name: (s, p) for name, s, p in res["rows"]}
    return {"seconds": rows[stage][0], "peak_mb": rows[stage][1]}


def turns(jobs: dict[str, Any], repeat: int, loads: list[float]) -> dict[str, dict[str, Any]]:
    """Each job ``repeat`` times, taking turns; medians and samples per job."""
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in jobs}
    for i in range(repeat):
        for name, job in jobs.items():
            samples[name].append(job())
            loads.append(os.getloadavg()[0])
            print(
                f"  {name} run {i + 1}/{repeat}: {samples[name][-1]['seconds']:.2f} s", flush=True
            )
    return {
        name: {
            "seconds": statistics.median(s["seconds"] for s in runs),
            "peak_mb": statistics.median(s["peak_mb"] for s in runs),
            "samples": [round(s["seconds"], 3) for s in runs],
        }
        for name, runs in samples.items()
    }


def measure(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    sizes = sorted(args.sizes)
    built = run_child(BUILD, ",".join(map(str, sizes)), str(tmp))["notes"]
    loads = [os.getloadavg()[0]]
    rows: dict[str, Any] = {"loads": loads, "inputs": built}
    small = built[str(sizes[0])]["path"]
    rows["check"] = run_child(CHECK, small, str(tmp / "x"))["notes"]["differ"]
    print(f"plain polars pass vs frictionminer on {small}: {rows['check']}", flush=True)
    out = tmp / "out.parquet"
    for size in sizes:
        path = built[str(size)]["path"]
        jobs = {
            "frictionminer score -f parquet": lambda p=path: cli(
                ["score", p, "-f", "parquet"], out
            ),
            "plain polars pass": lambda p=path: child(POLARS_PASS, p, str(out)),
        }
        if size >= 100_000_000:
            jobs["frictionminer score -f json"] = lambda p=path: cli(
                ["score", p, "-f", "json"], tmp / "out.json"
            )
        rows[f"score {size}"] = turns(jobs, args.repeat, loads)
        if size == 10_000_000:
            rows["report"] = turns(
                {"frictionminer report": lambda p=path: cli(["report", p], tmp / "r.html")},
                args.repeat,
                loads,
            )
            rows["causes"] = turns(
                {"find_causes": lambda p=path: child(CAUSES, p, str(out), "causes")},
                args.repeat,
                loads,
            )
    xes = str(tmp / "events_xes.xes")
    rows["xes"] = turns(
        {
            "frictionminer load()": lambda: child(XES_FM, xes, str(out), "read"),
            "rustxes.import_xes alone": lambda: child(XES_RUSTXES, xes, str(out), "read"),
        },
        args.repeat,
        loads,
    )
    one_k = str(tmp / "events_1k.parquet")
    rows["small"] = turns(
        {
            "frictionminer --help": lambda: cli(["--help"]),
            "frictionminer score (1k events)": lambda: cli(["score", one_k]),
        },
        args.repeat,
        loads,
    )
    return rows


def _millions(events: int) -> str:
    return f"{events / 1e6:.3g}M"


def _cell(block: dict[str, Any]) -> str:
    return f"{block['seconds']:.2f} s, {block['peak_mb'] / GIB:.2f} GiB"


def table(rows: dict[str, Any]) -> str:
    lines = [
        "| work | frictionminer | alternative | ratio (alt / fm) | target |",
        "|---|---|---|--:|---|",
    ]

    def line(work: str, fm: dict[str, Any], alt: tuple[str, dict[str, Any]] | None, t: str) -> None:
        other = f"{alt[0]}: {_cell(alt[1])}" if alt else ""
        ratio = f"{alt[1]['seconds'] / fm['seconds']:.2f}" if alt else ""
        lines.append(f"| {work} | {_cell(fm)} | {other} | {ratio} | {t} |")

    for key in sorted((k for k in rows if k.startswith("score ")), key=lambda k: int(k.split()[1])):
        block, n = rows[key], int(key.split()[1])
        events = rows["inputs"][str(n)]["events"]
        work = f"`score` {_millions(events)} events, Parquet in and out"
        target = TARGETS["score"] if n < 100_000_000 else TARGETS["score100"]
        polars = ("plain polars pass", block["plain polars pass"])
        line(work, block["frictionminer score -f parquet"], polars, target)
        if "frictionminer score -f json" in block:
            line(
                f"`score` {_millions(events)} events, JSON out",
                block["frictionminer score -f json"],
                None,
                TARGETS["score100"],
            )
    if "report" in rows:
        line("`report` 10M events", rows["report"]["frictionminer report"], None, TARGETS["report"])
        line(
            "causes at 10M (`find_causes`)", rows["causes"]["find_causes"], None, TARGETS["causes"]
        )
    xes = rows["xes"]
    rustxes = ("rustxes alone", xes["rustxes.import_xes alone"])
    smallest = rows["inputs"][min(rows["inputs"], key=int)]["events"]
    work = f"XES ingest, {_millions(smallest)} events"
    line(work, xes["frictionminer load()"], rustxes, TARGETS["xes"])
    small = rows["small"]
    line("`--help`", small["frictionminer --help"], None, TARGETS["help"])
    line("`score` of 1k events", small["frictionminer score (1k events)"], None, TARGETS["small"])
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", type=parse_size, default=[1_000_000, 10_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="fm-floor-"))
    try:
        rows = measure(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    info = machine()
    head = (
        f"{info.get('cpu')}, {info.get('nproc')} CPUs, {info.get('ram_gib')} GiB; "
        f"polars {info.get('polars')}, Python {info.get('python')}; load average "
        f"{min(rows['loads']):.2f}-{max(rows['loads']):.2f} during the runs; medians of "
        f"{args.repeat} fresh processes\n\n"
    )
    text = head + table(rows)
    print(text)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": info, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
