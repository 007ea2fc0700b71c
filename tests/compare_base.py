"""Byte-compare this checkout's report, explain and markdown outputs with another checkout's.

Not a pytest module (it needs a second checkout and the shared logs; bench/snapshot.py is the
broad record of score/audit/report, this one adds German reports and Markdown): run it by hand when
a change must not alter any output, e.g. a refactoring of the text catalogue::

    .venv/bin/python tests/compare_base.py ../old-checkout/.venv/bin/frictionminer

For each log (the bundled stories, the simulated warranty log and two real logs) it runs
``report`` (``--lang en`` and ``de``), ``score --format markdown`` and ``explain`` (table and
JSON) for the documented case and the three top cases, with both executables, and prints
one line per output: ``same`` or ``DIFF``.  Only the report's generation time is masked.
Exit status 1 when anything differs.  With ``COMPARE_BASE_CACHE=DIR`` the other checkout's
outputs are kept in DIR and reused (it does not change while this one is worked on).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOGS = (REPO / ".." / "shared" / "logs").resolve()
SAMPLES = REPO / "sample_logs"
STORIES = str(SAMPLES / "stories.toml")

CASES: list[tuple[str, list[str], list[str]]] = [
    ("shoelace", [str(SAMPLES / "shoelace.csv"), "--config", STORIES], ["W-1001"]),
    ("complaint", [str(SAMPLES / "complaint.csv"), "--config", STORIES], []),
    (
        "sim_warranty",
        [str(SAMPLES / "sim_warranty.csv"), "--config", str(SAMPLES / "sim_warranty.toml")],
        [],
    ),
    (
        "helpdesk",
        [
            str(LOGS / "helpdesk" / "helpdesk.xes.gz"),
            "--config",
            str(REPO / "docs" / "case-studies" / "helpdesk.toml"),
        ],
        ["Case 383"],
    ),
    (
        "bpic2013",
        [
            str(LOGS / "bpic2013" / "BPI_Challenge_2013_incidents.xes.gz"),
            "--config",
            str(REPO / "docs" / "case-studies" / "bpic2013.toml"),
        ],
        ["1-506071646"],
    ),
]
_GENERATED = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}


def run(exe: str, argv: list[str]) -> bytes:
    proc = subprocess.run([exe, *argv], capture_output=True, env=ENV, cwd=REPO, check=False)
    return b"exit %d\n" % proc.returncode + proc.stdout + b"\n--stderr--\n" + proc.stderr


def outputs(exe: str, work: Path, name: str, args: list[str], cases: list[str]) -> dict[str, bytes]:
    """Every output of one executable for one log, by a readable key."""
    out: dict[str, bytes] = {}
    for lang in ("en", "de"):
        html = work / f"{name}-{lang}.html"
        ran = run(exe, ["report", *args, "-o", str(html), "--lang", lang, "--quiet"])
        page = html.read_text("utf-8") if html.exists() else ran.decode("utf-8", "replace")
        out[f"report --lang {lang}"] = _GENERATED.sub("<generated>", page).encode()
        html.unlink(missing_ok=True)
    out["score --format markdown"] = run(exe, ["score", *args, "--format", "markdown"])
    for case in cases:
        out[f"explain {case}"] = run(exe, ["explain", args[0], case, *args[1:]])
        out[f"explain {case} --format json"] = run(
            exe, ["explain", args[0], case, *args[1:], "--format", "json"]
        )
    return out


def top_cases(exe: str, args: list[str], n: int = 3) -> list[str]:
    text = subprocess.run(
        [exe, "score", *args, "--format", "json", "--top", str(n)],
        capture_output=True,
        env=ENV,
        cwd=REPO,
        check=True,
    ).stdout
    return [c["case_id"] for c in json.loads(text)["cases"]]


def base_outputs(
    exe: str, work: Path, name: str, args: list[str], documented: list[str]
) -> dict[str, bytes]:
    """:func:`outputs` of the other checkout, from ``$COMPARE_BASE_CACHE`` when kept there."""
    cache = os.environ.get("COMPARE_BASE_CACHE")
    kept = Path(cache) / f"{name}.json" if cache else None
    if kept is not None and kept.exists():
        return {k: v.encode("latin-1") for k, v in json.loads(kept.read_text()).items()}
    cases = list(dict.fromkeys([*documented, *top_cases(exe, args)]))
    found = outputs(exe, work, f"{name}-base", args, cases)
    if kept is not None:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps({k: v.decode("latin-1") for k, v in found.items()}))
    return found


def main(base_exe: str) -> int:
    ours = str(REPO / ".venv" / "bin" / "frictionminer")
    differ = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, args, documented in CASES:
            if not Path(args[0]).exists():
                print(f"{name}: log missing, skipped")
                continue
            before = base_outputs(base_exe, work, name, args, documented)
            cases = [k.removeprefix("explain ") for k in before if k.startswith("explain ")]
            cases = [c for c in cases if not c.endswith(" --format json")]
            after = outputs(ours, work, f"{name}-ours", args, cases)
            for key, old in before.items():
                same = old == after[key]
                differ += not same
                print(f"{'same' if same else 'DIFF'}  {name}: {key}  ({len(old):,} bytes)")
                if not same:
                    (work.parent / f"cmp-{name}-{key.replace(' ', '_')}.old").write_bytes(old)
                    (work.parent / f"cmp-{name}-{key.replace(' ', '_')}.new").write_bytes(
                        after[key]
                    )
    print(f"{differ} output(s) differ" if differ else "all outputs byte-identical")
    return 1 if differ else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/compare_base.py OTHER_CHECKOUT/.venv/bin/frictionminer")
    sys.exit(main(sys.argv[1]))
