"""The Dask engine against the local one: time and peak memory per process.

Run on demand (``make bench-dask``); never part of the test suite.  Inputs are built as
in bench_score.py (BPIC 2013 incidents replicated with fresh case ids; Parquet) in a
temporary folder, removed afterwards.  For each size, each mode runs in fresh processes:

* ``local``: ``frictionminer score FILE --format json -o OUT`` (in memory below 20M
  events; the default engine);
* ``dask files``: the same with ``--scheduler ADDRESS`` against a cluster started for
  the run (``dask scheduler`` and two ``dask worker --nthreads 1 --no-nanny``): the split
  by case on the workers into files per case-hash part (what ``--engine dask`` does);
* ``dask shuffle``: the alternative that was measured against it: ``dask.dataframe``
  reads the Parquet, Dask shuffles the rows on the case hash (``DataFrame.shuffle``,
  P2P), and the same per-case stage runs on each shuffled partition (converted to
  polars); the rest as for ``dask files``;
* ``dask local``: ``--engine dask`` without a scheduler: the LocalCluster frictionminer
  starts itself (two worker processes here), start-up and close included.

Wall time is process start to exit of the client (the cluster's start is not in it,
except for ``dask local``); peak memory is the client's (``os.wait4`` rusage) and each
cluster process's high-water mark (``VmHWM`` in /proc, Linux).  ``split s`` and
``stage s`` are the workers' busy seconds on the split tasks and on the per-part tasks
(the scheduler's task stream, summed over both workers); ``split bytes`` is what the
split wrote (files) -- the bytes every event crosses once.  Every Dask run's JSON output
is compared with the local one; ``load`` is the machine's 1-minute load average after
the run (other processes compete for the two cores when it is above 2).  Usage::

    .venv/bin/python bench/bench_dask.py [--events 1000000 10000000] [--repeat 1]
        [--modes local files shuffle dask-local] [--json out.json] [--markdown out.md]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
GIB = 1024**3
MODES = ("local", "files", "shuffle", "dask-local")


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


# --------------------------------------------------------------------------- the cluster


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _hwm(pid: int) -> float:
    """Peak resident memory of a running process (bytes; Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1]) * 1024
    return float("nan")


@contextlib.contextmanager
def cluster(workers: int = 2) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A scheduler and ``workers`` one-thread workers on localhost, killed on exit."""
    from dask.distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(BIN / "dask")
    quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            **quiet,
        )
    ]
    try:
        for _ in range(workers):
            procs.append(
                subprocess.Popen(
                    [
                        *(dask, "worker", address, "--host", "127.0.0.1", "--nthreads", "1"),
                        *("--no-nanny", "--no-dashboard", "--memory-limit", "0"),
                    ],
                    **quiet,
                )
            )
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=60)
            client.get_task_stream(start=time.time())  # installs the scheduler's task stream
        yield address, procs
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def task_seconds(address: str, since: float) -> dict[str, float]:
    """Busy seconds of the split and the per-part tasks since ``since`` (task stream)."""
    from dask.distributed import Client

    out = {"split": 0.0, "stage": 0.0}
    with Client(address, timeout="30s") as client:
        for task in client.get_task_stream(start=since):
            key = str(task["key"])
            seconds = sum(
                s["stop"] - s["start"] for s in task["startstops"] if s["action"] == "compute"
            )
            if "split" in key or "shuffle" in key or "read" in key or "keys" in key:
                out["split"] += seconds
            elif "part" in key or "stage" in key:
                out["stage"] += seconds
    return out


# --------------------------------------------------------------------------- one run


def run_child(cmd: list[str], out: Path) -> dict[str, float]:
    """One client process: wall, CPU seconds, peak RSS, and a digest of its JSON output."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tempfile.gettempdir()
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    said = proc.stdout.read().decode() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0 or not out.is_file():
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    out.unlink()
    row: dict[str, Any] = {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "client_peak": usage.ru_maxrss * 1024.0,
        "digest": digest,
    }
    with contextlib.suppress(ValueError, IndexError):
        row["split_bytes"] = float(json.loads(said.strip().splitlines()[-1])["split_bytes"])
    return row


def measure(mode: str, path: str, out: Path) -> dict[str, Any]:
    score = [str(BIN / "frictionminer"), "score", path, "--format", "json", "-o", str(out), "-q"]
    if mode == "local":
        return run_child(score, out)
    if mode == "dask-local":
        return run_child([*score, "--engine", "dask"], out)
    with cluster() as (address, procs):
        since = time.time()
        if mode == "files":
            cmd = [sys.executable, __file__, "--child-files", path, address, str(out)]
        else:
            cmd = [sys.executable, __file__, "--child-shuffle", path, address, str(out)]
        row = run_child(cmd, out)
        time.sleep(0.5)  # the task stream reaches the scheduler after the results
        row.update(task_seconds(address, since))
        row["scheduler_peak"] = _hwm(procs[0].pid)
        row["worker_peaks"] = [_hwm(p.pid) for p in procs[1:]]
    return row


# --------------------------------------------------------------------------- children


def _write_json(result: Any, out: str) -> None:
    from frictionminer.reporting.score import WRITERS

    WRITERS["json"](result, top=None, output=Path(out), quiet=True)


def child_files(path: str, address: str, out: str) -> None:
    """``score --scheduler`` as the CLI runs it, with the split's bytes counted."""
    from frictionminer import api
    from frictionminer.scale import shards

    written = {"bytes": 0}
    slice_files = shards.slice_files

    def counted(folder: Any, done: Any, count: int) -> list[list[Path]]:
        files = slice_files(folder, done, count)
        written["bytes"] += sum(f.stat().st_size for part in files for f in part)
        return files

    shards.slice_files = counted  # type: ignore[assignment]
    _write_json(api.analyze(path, scheduler=address), out)
    print(json.dumps({"split_bytes": written["bytes"]}))


def child_shuffle(path: str, address: str, out: str) -> None:
    """The same analysis with the split done by ``dask.dataframe``'s shuffle instead."""
    import dask
    import dask.dataframe as dd
    import polars as pl
    from dask.distributed import Client

    from frictionminer.engine import pipeline
    from frictionminer.scale import shards
    from frictionminer.scale.plan import case_part
    from frictionminer.scale.runs import Shard, sharded_run
    from frictionminer.settings import Settings

    settings = Settings()
    shard_plan = shards.plan(path, settings, shards=2)
    assert shard_plan is not None
    case = shard_plan.columns.case
    assert isinstance(case, str)

    class Shuffled:
        keeps_events = False
        lifecycle = shard_plan.lifecycle

        def map_cases(self, stage: Any) -> Any:
            with Client(address) as client:
                count = 2 * len(client.scheduler_info()["workers"])
                plan = dataclasses.replace(shard_plan, shards=count)
                frame = dd.read_parquet(path, columns=list(plan.scan))
                lengths = frame.map_partitions(len).compute().tolist()
                offsets = [sum(lengths[:i]) for i in range(len(lengths))]

                def keys(pdf: Any, partition_info: Any = None) -> Any:
                    number = partition_info["number"] if partition_info else 0
                    rows = pl.from_pandas(pdf).with_row_index("__fm_row", offset=offsets[number])
                    key = case_part(pl.col(case), count).cast(pl.Int64).alias("__fm_shard")
                    return rows.with_columns(key).to_pandas(use_pyarrow_extension_array=True)

                meta = keys(frame._meta)
                keyed = frame.map_partitions(keys, meta=meta)
                shuffled = keyed.shuffle(on="__fm_shard", npartitions=count)
                raw = shards.source(plan)

                def stage_part(pdf: Any) -> Any:
                    rows = pl.from_pandas(pdf).drop("__fm_shard").sort("__fm_row")
                    if rows.height == 0:
                        return None
                    rows = rows.with_columns(pl.col("__fm_row").cast(pl.UInt32))
                    log = shards._normalized(raw, rows, plan, settings)
                    events = log.events.height
                    return Shard(log, events, stage(log.events))

                parts = [dask.delayed(stage_part)(p) for p in shuffled.to_delayed()]
                done = [d for d in client.gather(client.compute(parts)) if d is not None]
            return sharded_run(plan, settings, done)

    pipeline.executor_for = lambda *a, **k: Shuffled()  # type: ignore[assignment]
    _write_json(pipeline.analyze(path, settings), out)


# --------------------------------------------------------------------------- table


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| events | mode | wall s | client CPU s | client peak GiB | scheduler peak GiB "
        "| worker peaks GiB | split s | stage s | split bytes | same JSON | load |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:

        def gib(value: float | None) -> str:
            return "" if value is None else f"{value / GIB:.2f}"

        workers = " / ".join(gib(w) for w in r.get("worker_peaks", []))
        split_bytes = f"{r['split_bytes'] / 1e6:,.0f} MB" if r.get("split_bytes") else ""
        lines.append(
            f"| {r['events']:,} | {r['mode']} | {r['wall']:.1f} | {r['cpu']:.1f} | "
            f"{gib(r['client_peak'])} | {gib(r.get('scheduler_peak'))} | {workers} | "
            f"{r['split']:.1f} | {r['stage']:.1f} | {split_bytes} | {r['same']} | "
            f"{r['load_after']:.1f} |"
            if "split" in r
            else f"| {r['events']:,} | {r['mode']} | {r['wall']:.1f} | {r['cpu']:.1f} | "
            f"{gib(r['client_peak'])} |  |  |  |  |  | {r['same']} | {r['load_after']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] in ("--child-files", "--child-shuffle"):
        child = child_files if sys.argv[1] == "--child-files" else child_shuffle
        child(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="fm-bench-dask-") as tmp:
        folder = Path(tmp)
        inputs = build(folder, args.events)
        for target in args.events:
            info = inputs[str(target)]
            reference: str | None = None
            for mode in sorted(args.modes, key=MODES.index):  # local first: the reference
                samples = [
                    measure(mode, info["path"], folder / "out.json") for _ in range(args.repeat)
                ]
                row: dict[str, Any] = {"events": info["events"], "mode": mode}
                row["load_after"] = os.getloadavg()[0]  # other processes on the machine
                for key in samples[0]:
                    values = [s[key] for s in samples]
                    row[key] = (
                        statistics.median(values)
                        if isinstance(values[0], float)
                        else values[len(values) // 2]
                    )
                if mode == "local":
                    reference = row["digest"]
                row["same"] = "" if reference is None else str(row["digest"] == reference)
                rows.append(row)
                print(markdown([row]).splitlines()[-1], flush=True)
    table = markdown(rows)
    print(table)
    if args.markdown:
        args.markdown.write_text(table)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str))


if __name__ == "__main__":
    main()
