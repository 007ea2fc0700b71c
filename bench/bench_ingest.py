"""Ingest benchmark: frictionminer vs the alternatives on the same ~1M-event files.

Run on demand (``make bench``); never part of the test suite.  It builds, in a temporary
folder, an XES and a CSV file of about one million events by replicating the BPI
Challenge 2012 log (262,200 events) with fresh case ids, then times in separate
processes (median of ``--repeat`` runs, peak memory from the child's rusage):

* XES: ``frictionminer.io.load`` (read + normalise to the canonical UTC table),
  ``rustxes.import_xes`` alone, ``pm4py.read_xes`` (default backend) and
  ``pm4py.read_xes(variant="rustxes")``, and pm4py's pure-Python ``iterparse`` once;
* CSV: ``frictionminer.io.load``, ``polars.read_csv``, ``pandas.read_csv`` alone and
  followed by ``pandas.to_datetime`` of the timestamp column (what a user needs).

Ratios are "time of the alternative / time of frictionminer": above 1 means
frictionminer is faster.  Usage::

    .venv/bin/python bench/bench_ingest.py [--copies 4] [--repeat 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FRICTIONMINER_SHARED_LOGS", REPO.parent / "shared" / "logs"))
SOURCE = SHARED / "bpic2012" / "BPI_Challenge_2012.xes.gz"

RUNNERS = {
    "frictionminer": (
        "from frictionminer.io import load\n"
        "from frictionminer.settings.load import load_settings\n"
        "n = load(PATH, load_settings()).events.height\n"
    ),
    "rustxes": "import rustxes\nn = rustxes.import_xes(PATH)[0].height\n",
    "pm4py.read_xes (default)": ("import pm4py\nn = len(pm4py.read_xes(PATH))\n"),
    "pm4py.read_xes (rustxes)": (
        "import pm4py\nn = len(pm4py.read_xes(PATH, variant='rustxes'))\n"
    ),
    "pm4py.read_xes (iterparse)": (
        "import pm4py\nn = len(pm4py.read_xes(PATH, variant='iterparse'))\n"
    ),
    "polars.read_csv": "import polars as pl\nn = pl.read_csv(PATH).height\n",
    "pandas.read_csv": "import pandas as pd\nn = len(pd.read_csv(PATH))\n",
    "pandas.read_csv + to_datetime": (
        "import pandas as pd\ndf = pd.read_csv(PATH)\n"
        "df['timestamp'] = pd.to_datetime(df['timestamp'], utc=True, format='ISO8601')\n"
        "n = len(df)\n"
    ),
}

CHILD = """
import resource, sys, time, warnings
warnings.filterwarnings("ignore")
PATH = sys.argv[1]
t0 = time.perf_counter()
{body}
dt = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        peak = int(line.split()[1]) / 1024  # this process only (ru_maxrss may carry the parent's)
print(f"{{dt}} {{n}} {{peak}}")
"""


def build_inputs(folder: Path, copies: int) -> tuple[Path, Path, int]:
    """Replicate BPIC 2012 ``copies`` times with fresh case ids; write XES and CSV."""
    import polars as pl

    from frictionminer.io import load
    from frictionminer.io.xes_write import write_xes
    from frictionminer.settings.load import load_settings

    base = load(SOURCE, load_settings()).events
    parts = []
    for k in range(copies):
        parts.append(
            base.with_columns(
                (pl.lit(f"r{k}-") + pl.col("case_id")).alias("case_id"),
                (pl.col("event_index") + k * base.height).alias("event_index"),
            )
        )
    big = pl.concat(parts)
    xes = folder / "bench.xes.gz"
    csv = folder / "bench.csv"
    write_xes(big, xes)
    big.drop("event_index").write_csv(csv, datetime_format="%Y-%m-%dT%H:%M:%S%.3f%:z")
    return xes, csv, big.height


def measure(name: str, path: Path, repeat: int) -> dict[str, float]:
    code = CHILD.format(body=RUNNERS[name])
    times, peaks, n = [], [], 0
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", code, str(path)],
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        if out.returncode != 0:
            raise SystemExit(f"{name} failed:\n{out.stderr[-2000:]}")
        dt, n_s, peak = out.stdout.strip().splitlines()[-1].split()
        times.append(float(dt))
        peaks.append(float(peak))
        n = int(n_s)
    t = statistics.median(times)
    return {"seconds": t, "events": n, "events_per_s": n / t, "peak_mb": max(peaks)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=4, help="copies of BPIC 2012 (4 = 1.05M events)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-iterparse", action="store_true", help="skip pm4py's slow iterparse")
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    ap.add_argument("--only", choices=("xes", "csv"), help="measure one input kind only")
    args = ap.parse_args()
    if not SOURCE.exists():
        raise SystemExit(f"missing {SOURCE}: the shared logs must sit beside the repository")

    with tempfile.TemporaryDirectory(prefix="fm-bench-") as tmp:
        t0 = time.perf_counter()
        xes, csv, n = build_inputs(Path(tmp), args.copies)
        print(
            f"inputs: {n:,} events ({time.perf_counter() - t0:.1f} s to build); "
            f"XES {xes.stat().st_size / 1e6:.0f} MB gz, CSV {csv.stat().st_size / 1e6:.0f} MB"
        )
        plan = [
            (
                "xes",
                xes,
                ["frictionminer", "rustxes", "pm4py.read_xes (default)", "pm4py.read_xes (rustxes)"]
                + ([] if args.skip_iterparse else ["pm4py.read_xes (iterparse)"]),
            ),
            (
                "csv",
                csv,
                [
                    "frictionminer",
                    "polars.read_csv",
                    "pandas.read_csv",
                    "pandas.read_csv + to_datetime",
                ],
            ),
        ]
        results: dict[str, dict[str, dict[str, float]]] = {}
        for kind, path, names in plan:
            if args.only and kind != args.only:
                continue
            results[kind] = {}
            for name in names:
                rep = 1 if "iterparse" in name else args.repeat
                results[kind][name] = measure(name, path, rep)
                r = results[kind][name]
                print(
                    f"  {kind} {name:32s} {r['seconds']:7.2f} s  "
                    f"{r['events_per_s']:>11,.0f} ev/s  {r['peak_mb']:7.0f} MB",
                    flush=True,
                )

    print()
    print(
        "| input | reader | seconds | events/s | peak MB | alternative time / frictionminer time |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for kind, rows in results.items():
        ours = rows["frictionminer"]["seconds"]
        for name, r in rows.items():
            ratio = r["seconds"] / ours
            print(
                f"| {kind} | {name} | {r['seconds']:.2f} | {r['events_per_s']:,.0f} | "
                f"{r['peak_mb']:.0f} | {ratio:.2f} |"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
