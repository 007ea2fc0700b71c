"""Record what the CLI says about every log we have, and show that a change left it alone.

    python bench/snapshot.py record out/snap-before      # on the old commit
    python bench/snapshot.py record out/snap-after       # on the new one
    python bench/snapshot.py compare out/snap-before out/snap-after

For every real log in ../shared/logs (defaults, and each case study's config), the bundled
samples (with their configs) and every file of pm4py's importer corpus, it runs through the
installed CLI, as a user would:

* ``score --format json``  (every case: measures, contributions, flags, summary)
* ``audit --format json``  (gates, window, summary)
* ``report -o FILE.html``  (the whole HTML, numbers, texts and charts; its
  "Configuration used" appendix hashed apart, since it lists settings, not results)
* ``explain CASE --format json`` for the case each case study explains

and stores, per run, the exit code, the first line of stderr, a SHA-256 of the output
(the report's generation time and the audit's creation time masked) and, for score, the
summary itself so that a difference can be read. ``compare`` lists every run whose record
differs and exits 1 if any does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_LOGS", REPO.parent / "shared" / "logs"))
FM = os.environ.get("FM", str(REPO / ".venv" / "bin" / "frictionminer"))
SUFFIXES = (".xes", ".xes.gz", ".csv", ".csv.gz", ".parquet")
_NOW = re.compile(
    r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?(\+00:00|Z| UTC)?|\d\d?\.\d\d?\.\d{4},? \d\d:\d\d( UTC)?"
)
_APPENDIX = re.compile(r'<pre class="config">.*?</pre>', re.S)
"""The report's "Configuration used" appendix: hashed on its own (settings, not results)."""
_CREATED = re.compile(r'"(created|generated|frictionminer_version|version)": "[^"]*"')


def _case_studies() -> Iterator[tuple[str, list[str], str | None]]:
    """(name, log and config arguments, case to explain) of each case study page."""
    pages = REPO / "docs" / "case-studies"
    for page in sorted(pages.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        explain = re.search(r"^frictionminer explain (\S+) (\"[^\"]+\"|\S+) (.*)$", text, re.M)
        if explain is None:
            continue
        log, case, rest = explain.groups()
        yield page.stem, [log, *rest.split()], case.strip('"')


def invocations() -> list[tuple[str, list[str]]]:
    """Every (name, argv) to run, in a stable order."""
    runs: list[tuple[str, list[str]]] = []

    def analyse(name: str, args: list[str], *, report: bool = True) -> None:
        runs.append((f"{name} :: score", ["score", *args, "--format", "json", "-o", "{out}.json"]))
        runs.append((f"{name} :: audit", ["audit", *args, "--format", "json", "-o", "{out}.json"]))
        if report:
            runs.append((f"{name} :: report", ["report", *args, "-o", "{out}.html"]))

    # Paths relative to the checkout (commands run in it), so that two checkouts in
    # different folders give the same "source" and "config" in their outputs.
    for log in sorted((REPO / "sample_logs").glob("*.csv")):
        config = f"sample_logs/{log.stem}.toml"
        if not (REPO / config).exists():
            config = "sample_logs/stories.toml"
        analyse(f"sample {log.name}", [f"sample_logs/{log.name}", "--config", config])
        analyse(f"sample {log.name} (defaults)", [f"sample_logs/{log.name}"], report=False)
    shoelace = ["sample_logs/shoelace.csv", "W-1001", "--config", "sample_logs/stories.toml"]
    runs.append(("sample shoelace.csv :: explain W-1001", ["explain", *shoelace, "-f", "json"]))
    if not SHARED.is_dir():
        return runs
    for name, args, case in _case_studies():
        analyse(f"case study {name}", args)
        if case:
            runs.append(
                (
                    f"case study {name} :: explain {case}",
                    ["explain", args[0], case, *args[1:], "--format", "json"],
                )
            )
    for log in sorted(SHARED.rglob("*")):
        if not log.name.endswith(SUFFIXES) or "ocel" in log.parts:
            continue
        rel = str(log.relative_to(SHARED))
        shown = f"../shared/logs/{rel}" if REPO.parent / "shared" / "logs" == SHARED else str(log)
        analyse(rel, [shown], report="pm4py-tests" not in log.parts)
    return runs


def _normalise(text: str) -> str:
    return _NOW.sub("<now>", _CREATED.sub(r'"\1": "<masked>"', text))


def run_one(name: str, argv: list[str], work: Path) -> dict[str, Any]:
    out = work / hashlib.sha1(name.encode()).hexdigest()[:16]
    argv = [a.replace("{out}", str(out)) for a in argv]
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    proc = subprocess.run(
        [FM, *argv], capture_output=True, text=True, env=env, cwd=REPO, check=False
    )
    written = next((Path(a) for a in argv if a.startswith(str(out))), None)
    text = proc.stdout
    if written is not None and written.exists():
        text = written.read_text(encoding="utf-8", errors="replace")
        written.unlink()
    text = _normalise(text)
    appendix = None
    if name.endswith(":: report"):
        found = _APPENDIX.search(text)
        appendix = hashlib.sha256(found.group(0).encode()).hexdigest() if found else None
        text = _APPENDIX.sub("<appendix>", text)
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error")]
    record: dict[str, Any] = {
        "argv": [a.replace(str(REPO.parent), "..") for a in argv],
        "exit": proc.returncode,
        "error": errors[0] if errors else None,
        "sha256": hashlib.sha256(text.encode()).hexdigest() if text else None,
    }
    if appendix is not None:
        record["appendix_sha256"] = appendix
    if proc.returncode != 0 and errors == []:
        record["stderr_tail"] = proc.stderr.strip().splitlines()[-1:]
    if name.endswith(":: score") and text.startswith("{"):
        record["summary"] = json.loads(text)["summary"]
    return record


def record(folder: Path, jobs: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    runs = invocations()
    with tempfile.TemporaryDirectory(prefix="fm-snap-") as tmp, ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(lambda r: (r[0], run_one(r[0], r[1], Path(tmp))), runs))
    data = dict(results)
    (folder / "snapshot.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    failed = sum(1 for r in data.values() if r["exit"] != 0)
    print(f"{len(data)} runs recorded in {folder} ({failed} ended with an error, as recorded)")


def compare(before: Path, after: Path) -> int:
    a = json.loads((before / "snapshot.json").read_text())
    b = json.loads((after / "snapshot.json").read_text())
    differ = appendices = 0
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            print(f"only in {'after' if name in b else 'before'}: {name}")
            differ += 1
            continue
        x, y = a[name], b[name]
        keys = [k for k in ("exit", "error", "sha256", "summary") if x.get(k) != y.get(k)]
        if x.get("appendix_sha256") != y.get("appendix_sha256"):
            appendices += 1
            print(f"appendix {name}: the report's configuration appendix differs")
        if keys:
            differ += 1
            print(f"DIFFERS {name}: {', '.join(keys)}")
            for k in keys:
                if k != "summary":
                    print(f"    before {k}: {x.get(k)}\n    after  {k}: {y.get(k)}")
    print(
        f"{len(set(a) & set(b))} runs compared, {differ} differ "
        f"(and {appendices} reports' configuration appendix)"
    )
    return 1 if differ else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="verb", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("folder", type=Path)
    rec.add_argument("--jobs", type=int, default=2)
    cmp_ = sub.add_parser("compare")
    cmp_.add_argument("before", type=Path)
    cmp_.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.verb == "record":
        record(args.folder, args.jobs)
    else:
        sys.exit(compare(args.before, args.after))


if __name__ == "__main__":
    main()
