"""Robustness on real data: every main public log through the installed CLI.

For each main log of ``../shared/logs/README.md`` (section 1) this runs, as subprocesses of
the installed ``frictionminer`` in a temporary folder, one after the other:

* ``info LOG --format json`` (events, cases and the data-quality finding codes),
* ``score LOG --format json -o score.json`` (the top case is read from it),
* ``explain LOG <top case>``,
* ``report LOG -o report.html``,

each with the log's case-study config when one exists (``docs/case-studies/<name>.toml``,
else ``docs/examples/<name>.toml``; see ``LOGS`` for the names tried) and the column options
of ``tests/test_real_logs.py`` for the BPIC 2014 CSVs. It prints a Markdown table: log,
config, events, cases, seconds per command, peak RSS, exit codes and finding codes, then
every failure or slow command (over ``--slow`` seconds) with its stderr and a reproduction.
Never part of the test suite. Usage::

    .venv/bin/python bench/robustness.py [--only SUBSTRING ...] [--json out.json]
        [--slow 60] [--timeout 900]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_LOGS = Path(os.environ.get("FRICTIONMINER_SHARED_LOGS", REPO.parent / "shared" / "logs"))
CONFIG_DIRS = (REPO / "docs" / "case-studies", REPO / "docs" / "examples")
COMMANDS = ("info", "score", "explain", "report")

B14 = "bpic2014/"
ACTIVITY_LOG_OPTIONS = [
    "--case-col",
    "Incident ID",
    "--activity-col",
    "Detail Incident Activity.IncidentActivity_Type",
    "--timestamp-col",
    "Detail Incident Activity.DateStamp",
    "--group-col",
    "Detail Incident Activity.Assignment Group",
]
LOGS: list[tuple[str, list[str], tuple[str, ...]]] = [
    # (log relative to ../shared/logs, column options, config names tried in CONFIG_DIRS)
    ("bpic2013/BPI_Challenge_2013_incidents.xes.gz", [], ("bpic2013", "bpic2013-incidents")),
    ("bpic2013/BPI_Challenge_2013_closed_problems.xes.gz", [], ("bpic2013-closed-problems",)),
    ("bpic2013/BPI_Challenge_2013_open_problems.xes.gz", [], ("bpic2013-open-problems",)),
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
        ("bpic2014-interactions",),
    ),
    (
        B14 + "Detail_Incident.csv.gz",
        ["--case-col", "Incident ID", "--activity-col", "Status", "--timestamp-col", "Open Time"],
        ("bpic2014-incidents",),
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
        ("bpic2014-changes",),
    ),
    # bpic2014.toml is the case study of the activity log (plus interactions and incidents)
    (B14 + "Detail_Incident_Activity_joined.csv.gz", ACTIVITY_LOG_OPTIONS, ("bpic2014",)),
    ("helpdesk/helpdesk.xes.gz", [], ("helpdesk",)),
    # helpdesk.toml names XES keys (org:resource); the CSV export has other headers
    ("helpdesk/helpdesk.csv.gz", [], ("helpdesk-csv",)),
    ("bpic2012/BPI_Challenge_2012.xes.gz", [], ("bpic2012",)),
    ("bpic2017/BPI_Challenge_2017_W_Two_TS_filtered.xes.gz", [], ("bpic2017",)),
    (
        "road_traffic_fines/Road_Traffic_Fine_Management_Process.xes.gz",
        [],
        ("road-traffic", "road_traffic", "roadtraffic", "road-traffic-fines"),
    ),
    ("bpic2020/DomesticDeclarations_cleaned.xes.gz", [], ("bpic2020-domestic", "bpic2020")),
    ("bpic2020/InternationalDeclarations_cleaned.xes.gz", [], ("bpic2020-international",)),
    ("bpic2020/PermitLog_cleaned.xes.gz", [], ("bpic2020-permit",)),
    ("bpic2020/PrepaidTravelCost_cleaned.xes.gz", [], ("bpic2020-prepaid",)),
    ("bpic2020/RequestForPayment_cleaned.xes.gz", [], ("bpic2020-request-for-payment",)),
    ("sepsis/Sepsis_Cases-Event_Log.xes.gz", [], ("sepsis",)),
    ("receipt_wabo/receipt.xes.gz", [], ("receipt",)),
    ("bpic2015/BPIC15_1.xes.gz", [], ("bpic2015",)),
    ("other/ConsultaDataMining201618.xes.gz", [], ("consulta", "consulta-data-mining")),
    (
        "other/BPI2016_Complaints.csv.gz",
        [
            "--case-col",
            "CustomerID",
            "--activity-col",
            "ComplaintTopic_EN",
            "--timestamp-col",
            "ContactDate",
        ],
        ("bpic2016-complaints", "bpic2016"),
    ),
]


@dataclass
class Run:
    command: str
    argv: list[str]
    exit_code: int
    seconds: float
    peak_mb: float
    stderr_tail: str = ""


@dataclass
class LogResult:
    log: str
    config: str | None
    events: int | None = None
    cases: int | None = None
    findings: list[str] = field(default_factory=list)
    top_case: str | None = None
    runs: list[Run] = field(default_factory=list)


def cli() -> str:
    here = Path(sys.executable).parent / "frictionminer"
    return str(here) if here.exists() else "frictionminer"


def find_config(names: tuple[str, ...]) -> Path | None:
    for name in names:
        for folder in CONFIG_DIRS:
            path = folder / f"{name}.toml"
            if path.is_file():
                return path
    return None


def run(argv: list[str], cwd: Path, timeout: float) -> Run:
    """Run one command with stdout/stderr to files; wall time and the child's peak RSS."""
    out, err = cwd / "stdout.txt", cwd / "stderr.txt"
    with out.open("wb") as fo, err.open("wb") as fe:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=fo, stderr=fe)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                status = -1
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - start
    proc.returncode = 0  # reaped by wait4 above; keep Popen from waiting again
    code = os.waitstatus_to_exitcode(status) if status != -1 else -1
    tail = "" if code == 0 else err.read_text(errors="replace")[-2000:]
    return Run(argv[1], argv, code, seconds, usage.ru_maxrss / 1024, tail)


def top_case(score_json: Path) -> str | None:
    """The first case of ``score --format json`` output, without loading the whole file:
    the children's peak RSS is measured with ``wait4``, and a child started by (v)fork
    inherits this process's peak, so this process must stay small."""
    decoder = json.JSONDecoder()
    with score_json.open(encoding="utf-8") as fh:
        head = fh.read(1 << 20)
    start = head.find('"cases":')
    if start < 0:
        return None
    at = head.index("[", start) + 1
    while head[at].isspace():
        at += 1
    if head[at] == "]":
        return None
    first, _ = decoder.raw_decode(head, at)
    return str(first["case_id"])


def check_log(rel: str, options: list[str], names: tuple[str, ...], timeout: float) -> LogResult:
    path = SHARED_LOGS / rel
    config = find_config(names)
    conf = ["--config", str(config)] if config else []
    res = LogResult(rel, str(config.relative_to(REPO)) if config else None)
    exe = cli()
    with tempfile.TemporaryDirectory(prefix="fm-robust-") as tmp:
        work = Path(tmp)
        info = run([exe, "info", str(path), "--format", "json", *options, *conf], work, timeout)
        res.runs.append(info)
        if info.exit_code == 0:
            rec = json.loads((work / "stdout.txt").read_text())
            res.events, res.cases = rec["events"], rec["cases"]
            res.findings = [f"{f['code']} ({f['count']:,})" for f in rec.get("findings", [])]
        score_json = work / "score.json"
        score = run(
            [exe, "score", str(path), "--format", "json", "-o", str(score_json), *options, *conf],
            work,
            timeout,
        )
        res.runs.append(score)
        if score.exit_code == 0 and score_json.exists():
            res.top_case = top_case(score_json)
        if res.top_case is not None:
            res.runs.append(
                run([exe, "explain", str(path), res.top_case, *options, *conf], work, timeout)
            )
        report_html = work / "report.html"
        res.runs.append(
            run([exe, "report", str(path), "-o", str(report_html), *options, *conf], work, timeout)
        )
    return res


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024**2:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    version = subprocess.run([cli(), "--version"], capture_output=True, text=True).stdout.strip()
    return (
        f"{cpu}, {os.cpu_count()} CPUs{mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; {version}"
    )


def fmt_int(n: int | None) -> str:
    return "—" if n is None else f"{n:,}"


def table(results: list[LogResult]) -> str:
    head = (
        "| log | config | events | cases | info s | score s | explain s | report s "
        "| peak MB | exit codes | findings (`info`) |"
    )
    lines = [head, "|" + "---|" * 2 + "---:|" * 7 + "---|" * 2]
    for r in results:
        by = {x.command: x for x in r.runs}
        secs = [f"{by[c].seconds:.1f}" if c in by else "—" for c in COMMANDS]
        codes = "/".join(str(by[c].exit_code) if c in by else "—" for c in COMMANDS)
        peak = max((x.peak_mb for x in r.runs), default=0.0)
        lines.append(
            f"| `{r.log}` | {f'`{r.config}`' if r.config else '—'} | {fmt_int(r.events)} "
            f"| {fmt_int(r.cases)} | {' | '.join(secs)} | {peak:,.0f} | {codes} "
            f"| {', '.join(f'`{f}`' for f in r.findings) or '—'} |"
        )
    return "\n".join(lines)


def problems(results: list[LogResult], slow: float) -> str:
    out: list[str] = []
    for r in results:
        for x in r.runs:
            if x.exit_code != 0 or x.seconds > slow:
                what = f"exit {x.exit_code}" if x.exit_code != 0 else f"{x.seconds:.1f} s"
                repro = " ".join(shlex.quote(a) for a in ["frictionminer", *x.argv[1:]])
                out.append(f"- `{r.log}` `{x.command}`: {what}\n\n  ```\n  {repro}\n  ```")
                if x.stderr_tail:
                    out.append("  ```\n" + x.stderr_tail.rstrip() + "\n  ```")
        if r.top_case is None:
            out.append(f"- `{r.log}`: no top case (score failed or empty): explain not run")
    return "\n".join(out) or f"none (every command exited 0 within {slow:.0f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="logs whose path contains these")
    parser.add_argument("--json", type=Path, help="also write the raw results as JSON")
    parser.add_argument("--slow", type=float, default=60.0, help="seconds that count as slow")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per command")
    args = parser.parse_args()

    selected = [x for x in LOGS if not args.only or any(s in x[0] for s in args.only)]
    results: list[LogResult] = []
    total = time.perf_counter()
    for rel, options, names in selected:
        if not (SHARED_LOGS / rel).exists():
            print(f"skipped (missing): {rel}", file=sys.stderr)
            continue
        res = check_log(rel, options, names, args.timeout)
        secs = ", ".join(f"{x.command} {x.seconds:.1f}s/{x.exit_code}" for x in res.runs)
        print(f"{rel}: {secs}", file=sys.stderr, flush=True)
        results.append(res)
    print(f"Machine: {machine()}\n")
    print(table(results))
    print(f"\nTotal {time.perf_counter() - total:.0f} s.\n\nFailures and slow commands:\n")
    print(problems(results, args.slow))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")


if __name__ == "__main__":
    main()
