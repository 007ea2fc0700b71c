"""Scaling benchmark: ``frictionminer score`` from 1M to 10M to 100M events.

Run on demand (``make bench-scale``); never part of the test suite.  Inputs are built as
in bench_score.py (the BPI Challenge 2013 incidents log replicated with fresh case ids,
one day apart, Parquet with the canonical columns) in a temporary folder, which is
removed afterwards (100M events: about 0.7 GB of Parquet and a 10 GB JSON output; check
``df -h`` first).  For each size, ``--repeat`` fresh processes run

    frictionminer score FILE --format json -o OUT

timed from process start to exit (wall, user and system CPU seconds) with the child's
peak resident memory (``os.wait4`` rusage).  Logs above 20M events are analysed in
case-partitioned shards automatically (frictionminer.scale.shards).

Writes a Markdown table (stdout, and ``--markdown FILE``), every sample as JSON
(``--json FILE``) and a PNG plot of time and peak memory against events
(``--plot``, default docs/img/scaling.png).  Usage::

    .venv/bin/python bench/bench_scale.py [--events 1000000 10000000 100000000]
        [--repeat 3] [--plot docs/img/scaling.png] [--json out.json] [--markdown out.md]
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
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
GIB = 1024**3


def build(folder: Path, targets: list[int]) -> dict[str, Any]:
    """Inputs as bench_score.py builds them, in a child process (its memory is freed)."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from bench_score import build_inputs;"
        "print(json.dumps(build_inputs(sys.argv[2], [int(a) for a in sys.argv[3:]])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(BENCH), str(folder), *map(str, targets)],
        check=True,
        capture_output=True,
        text=True,
    )
    inputs: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return inputs


def run_score(path: str, out: Path) -> dict[str, float]:
    """One ``frictionminer score`` process: wall, CPU seconds and peak RSS (bytes)."""
    cmd = [str(BIN / "frictionminer"), "score", path, "--format", "json", "-o", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tempfile.gettempdir()
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0 or not out.is_file():
        raise SystemExit(f"frictionminer score failed:\n{err[-3000:]}")
    size = out.stat().st_size
    out.unlink()
    return {
        "wall": wall,
        "user": usage.ru_utime,
        "sys": usage.ru_stime,
        "peak_bytes": usage.ru_maxrss * 1024.0,
        "json_bytes": float(size),
    }


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Time and peak memory against events, log-log, with a linear reference line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    events = [r["events"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(events, [r["wall"] for r in rows], "o-", label="wall (process start → JSON)")
    ax1.plot(events, [r["cpu"] for r in rows], "s--", label="CPU (user + sys)")
    base = rows[0]
    ax1.plot(
        events,
        [base["wall"] * e / base["events"] for e in events],
        ":",
        color="grey",
        label="linear from the smallest",
    )
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xlabel("events")
    ax1.set_ylabel("seconds")
    ax1.set_title("frictionminer score: time")
    ax1.legend(fontsize=8)
    ax2.plot(events, [r["peak_gib"] for r in rows], "o-", color="tab:red", label="peak RSS")
    ax2.axhline(4, color="grey", linestyle=":", label="4 GiB target (100M)")
    ax2.set_xscale("log")
    ax2.set_xlabel("events")
    ax2.set_ylabel("GiB")
    ax2.set_title("frictionminer score: peak memory")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| events | cases | mode | wall s | CPU s | events/s (wall) | peak GiB | JSON GB |",
        "|--:|--:|---|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['events']:,} | {r['cases']:,} | {r['mode']} | {r['wall']:.1f} | "
            f"{r['cpu']:.1f} | {r['events'] / r['wall']:,.0f} | {r['peak_gib']:.2f} | "
            f"{r['json_bytes'] / 1e9:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000, 100_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--plot", type=Path, default=REPO / "docs" / "img" / "scaling.png")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--inputs", type=Path, help="reuse this folder's inputs (not removed)")
    args = ap.parse_args()

    from frictionminer.scale.shards import SHARD_THRESHOLD, choose_shards

    with tempfile.TemporaryDirectory(prefix="fm-scale-") as tmp:
        folder = args.inputs or Path(tmp)
        existing = {
            str(t): folder / f"events_{t}.parquet"
            for t in args.events
            if (folder / f"events_{t}.parquet").is_file()
        }
        missing = [t for t in args.events if str(t) not in existing]
        inputs = build(folder, missing) if missing else {}
        import polars as pl

        for t, p in existing.items():
            scan = pl.scan_parquet(p)
            inputs[t] = {
                "path": str(p),
                "events": scan.select(pl.len()).collect().item(),
                "cases": scan.select(pl.col("case_id").n_unique()).collect().item(),
            }
        rows: list[dict[str, Any]] = []
        for t in args.events:
            info = inputs[str(t)]
            samples = []
            for i in range(args.repeat):
                s = run_score(info["path"], Path(tmp) / "out.json")
                samples.append(s)
                print(
                    f"{info['events']:>12,} events run {i + 1}: {s['wall']:.1f} s wall, "
                    f"{s['peak_bytes'] / GIB:.2f} GiB",
                    flush=True,
                )
            shards = choose_shards(info["events"]) if info["events"] > SHARD_THRESHOLD else 1
            rows.append(
                {
                    "events": info["events"],
                    "cases": info["cases"],
                    "mode": "in memory" if shards == 1 else f"{shards} shards",
                    "wall": statistics.median(s["wall"] for s in samples),
                    "cpu": statistics.median(s["user"] + s["sys"] for s in samples),
                    "peak_gib": statistics.median(s["peak_bytes"] for s in samples) / GIB,
                    "json_bytes": samples[0]["json_bytes"],
                    "samples": samples,
                }
            )
    table = markdown(rows)
    print(table)
    if args.markdown:
        args.markdown.write_text(table)
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "load": os.getloadavg()}, indent=2))
    plot(rows, args.plot)
    print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
