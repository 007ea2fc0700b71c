"""Measure XES readers on real logs and a generated ~1M-event log (run on demand).

Each reader runs in a fresh subprocess (so imports, caches and peak RSS are per run);
prints seconds, events/s, peak RSS and the ratio to frictionminer's default path.

    .venv/bin/python bench/bench_xes_readers.py [--repeat 3] [--copies 4] [--skip-slow]

The 1M-event file is BPIC 2012 with its traces replicated ``--copies`` times under fresh
case ids, written (uncompressed) to a temporary directory, never into the repository.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

LOGS = Path(__file__).resolve().parents[2] / "shared" / "logs"
REAL = [
    LOGS / "bpic2012/BPI_Challenge_2012.xes.gz",
    LOGS / "bpic2013/BPI_Challenge_2013_incidents.xes.gz",
    LOGS / "helpdesk/helpdesk.xes.gz",
]

_CHILD = r"""
import json, resource, sys, time
reader, path = sys.argv[1], sys.argv[2]
# Imports happen before the clock starts: we measure reading, not start-up.
import polars, rustxes
if reader.startswith("frictionminer"):
    from frictionminer.io.xes import read_xes
elif reader.startswith("pm4py"):
    import pm4py
elif reader == "r4pm":
    import r4pm
t0 = time.perf_counter()
if reader == "rustxes":
    n = rustxes.import_xes(path)[0].height
elif reader in ("frictionminer", "frictionminer-lxml"):
    raw = read_xes(path, reader="lxml" if reader.endswith("lxml") else "auto")
    n = raw.frame.collect().height
elif reader.startswith("pm4py"):
    variant = reader.partition(":")[2] or None
    n = len(pm4py.read_xes(path, variant=variant) if variant else pm4py.read_xes(path))
elif reader == "r4pm":
    n = r4pm.df.import_xes(path)[0].height
else:
    raise SystemExit(f"unknown reader {reader}")
seconds = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"events": n, "seconds": seconds, "rss_mb": rss}))
"""


def replicate(source: Path, target: Path, copies: int) -> int:
    """Write ``copies`` copies of every trace of ``source`` with fresh case ids."""
    data = gzip.decompress(source.read_bytes()) if source.suffix == ".gz" else source.read_bytes()
    first = data.index(b"<trace")
    last = data.rindex(b"</trace>") + len(b"</trace>")
    header, body, footer = data[:first], data[first:last], data[last:]
    name = re.compile(rb'(<trace>\s*<string key="concept:name" value=")([^"]*)"')
    events = 0
    with target.open("wb") as out:
        out.write(header)
        for k in range(copies):
            out.write(name.sub(rb"\g<1>r" + str(k).encode() + rb'-\g<2>"', body))
            events += body.count(b"<event")
        out.write(footer)
    return events


def run(reader: str, path: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, reader, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print("    " + (proc.stderr.strip().splitlines() or ["?"])[-1][:160])
        return {"error": 1.0}
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--skip-slow", action="store_true", help="skip pm4py iterparse at 1M")
    args = parser.parse_args()

    readers = [
        "frictionminer",
        "frictionminer-lxml",
        "rustxes",
        "pm4py",
        "pm4py:iterparse",
        "pm4py:chunk_regex",
    ]
    if importlib.util.find_spec("r4pm") is None:
        print("r4pm: not installed, skipped")
    else:
        readers.append("r4pm")

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / f"bpic2012_x{args.copies}.xes"
        n = replicate(REAL[0], big, args.copies)
        print(f"generated {big.name}: {n} events, {big.stat().st_size / 1e6:.0f} MB")
        for path in [*REAL, big]:
            print(f"\n== {path.name}")
            base: float | None = None
            for reader in readers:
                slow = reader in ("pm4py:iterparse", "pm4py:chunk_regex")
                if path == big and slow and args.skip_slow:
                    continue
                repeat = 1 if (path == big and slow) else args.repeat
                runs = [run(reader, path) for _ in range(repeat)]
                if any("error" in r for r in runs):
                    print(f"  {reader:20s} failed")
                    continue
                sec = statistics.median(r["seconds"] for r in runs)
                rss = max(r["rss_mb"] for r in runs)
                events = int(runs[0]["events"])
                if base is None:
                    base = sec
                print(
                    f"  {reader:20s} {sec:7.2f} s  {events / sec:9,.0f} ev/s  "
                    f"peak {rss:6.0f} MB  x{sec / base:5.2f} of frictionminer"
                )


if __name__ == "__main__":
    main()
