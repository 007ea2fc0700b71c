"""What a new user sees on every real log with the built-in defaults (column options only).

    python bench/defaults_survey.py                       # prints the Markdown table
    python bench/defaults_survey.py --json out/after.json  # also keeps the figures
    python bench/defaults_survey.py --compare out/before.json  # before | after per cell
    python bench/defaults_survey.py --roles                # events (cases) per role and log
    python bench/defaults_survey.py --roles --config bench/roles_before_issue13.toml \
        --json out/roles-before.json                        # the vocabulary before issue 13
    python bench/defaults_survey.py --roles --compare out/roles-before.json  # before → after

For every real event log in ../shared/logs (the main logs and pm4py's real-log samples;
not its malformed importer tests) it runs ``score --format json`` through the installed CLI,
as a user would, with only the column options the log needs and no ``[roles]``, and shows:
the cases, the share of cases flagged, each rule's share, the log-level (systemic) findings
and the warnings on stderr. The closing notes of issue 13 quote its tables.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from robustness import LOGS as ROBUSTNESS_LOGS  # bench/ is the script's folder

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_LOGS", REPO.parent / "shared" / "logs"))
FM = os.environ.get("FM", str(REPO / ".venv" / "bin" / "frictionminer"))


def _columns_of(study: str) -> list[str]:
    """The column options of a case study's config (its [columns], nothing else)."""
    with (REPO / "docs" / "case-studies" / f"{study}.toml").open("rb") as f:
        columns = tomllib.load(f)["columns"]
    keys = ("case", "activity", "timestamp", "group")
    return [a for k in keys if k in columns for a in (f"--{k}-col", columns[k])]


_BPIC14 = _columns_of("bpic2014")
# BPIC 2016's complaints table: the column options bench/robustness.py gives it
_BPIC16 = dict((rel, opts) for rel, opts, _ in ROBUSTNESS_LOGS)["other/BPI2016_Complaints.csv.gz"]
LOGS: dict[str, list[str]] = {
    "bpic2012/BPI_Challenge_2012.xes.gz": [],
    "bpic2013/BPI_Challenge_2013_incidents.xes.gz": [],
    "bpic2013/BPI_Challenge_2013_closed_problems.xes.gz": [],
    "bpic2013/BPI_Challenge_2013_open_problems.xes.gz": [],
    "bpic2014/Detail_Incident_Activity_joined.csv.gz": _BPIC14,
    "bpic2015/BPIC15_1.xes.gz": ["--activity-col", "activityNameEN"],
    "bpic2017/BPI_Challenge_2017_W_Two_TS_filtered.xes.gz": [],
    "bpic2020/DomesticDeclarations_cleaned.xes.gz": [],
    "bpic2020/InternationalDeclarations_cleaned.xes.gz": [],
    "bpic2020/PermitLog_cleaned.xes.gz": [],
    "bpic2020/PrepaidTravelCost_cleaned.xes.gz": [],
    "bpic2020/RequestForPayment_cleaned.xes.gz": [],
    "helpdesk/helpdesk.xes.gz": [],
    "helpdesk/helpdesk.csv.gz": [],
    "other/BPI2016_Complaints.csv.gz": _BPIC16,
    "other/ConsultaDataMining201618.xes.gz": [],
    "receipt_wabo/receipt.xes.gz": [],
    "road_traffic_fines/Road_Traffic_Fine_Management_Process.xes.gz": [],
    "sepsis/Sepsis_Cases-Event_Log.xes.gz": [],
    "pm4py-tests/compressed_input_data/01_running-example.xes.gz": [],
    "pm4py-tests/compressed_input_data/02_teleclaims.xes.gz": [],
    "pm4py-tests/compressed_input_data/03_repairExample.xes.gz": [],
    "pm4py-tests/compressed_input_data/04_reviewing.xes.gz": [],
    "pm4py-tests/compressed_input_data/10_orders.xes.gz": [],
    "pm4py-tests/compressed_input_data/11_tickets.xes.gz": [],
    "pm4py-tests/compressed_input_data/13_SEPSIS_1t_per_variant.xes.gz": [],
    "pm4py-tests/compressed_input_data/14_Billing_1t_per_variant.xes.gz": [],
    "pm4py-tests/input_data/interval_event_log.xes.gz": [],
    "pm4py-tests/input_data/roadtraffic100traces.xes": [],
}
"""Each real log and the column options it needs (none: detected)."""

SMALL = 50
"""Logs with fewer cases are listed, but "a third of the cases" means little there."""


def survey_one(
    rel: str, options: list[str], work: Path, config: list[str], roles_only: bool
) -> dict[str, Any]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    record: dict[str, Any] = {"options": options}
    if not roles_only:
        record.update(_flags(rel, [*options, *config], work, env))
        if record["exit"] != 0:
            return record
    info = subprocess.run(
        [FM, "info", str(SHARED / rel), *options, *config, "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if info.returncode == 0:
        doc = json.loads(info.stdout)
        cases = doc["cases"] or 1
        record["roles"] = {
            role: [events, doc.get("role_cases", {}).get(role, 0) / cases]
            for role, events in doc["roles"].items()
        }
    return record


def _flags(rel: str, options: list[str], work: Path, env: dict[str, str]) -> dict[str, Any]:
    """``score --format json`` on one log: the flagged share, rules, systemic, warnings."""
    out = work / (rel.replace("/", "_") + ".json")
    argv = [FM, "score", str(SHARED / rel), *options, "--format", "json", "-o", str(out)]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    stderr = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    record: dict[str, Any] = {"exit": proc.returncode, "stderr": stderr}
    if proc.returncode == 0 and out.exists():
        summary = json.loads(out.read_text(encoding="utf-8"))["summary"]
        record["cases"] = summary["cases"]
        record["flagged_share"] = summary["flagged_share"]
        record["rules"] = {
            rid: flag["share"] for rid, flag in summary["flags"].items() if flag.get("share")
        }
        record["systemic"] = [s.get("rule") for s in summary.get("systemic", [])]
        record["warnings"] = [w.get("role", w.get("code")) for w in summary.get("warnings", [])]
    return record


def survey(jobs: int, config: list[str], roles_only: bool) -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="fm-survey-") as tmp, ThreadPoolExecutor(jobs) as ex:
        found = [(rel, opts) for rel, opts in LOGS.items() if (SHARED / rel).exists()]
        results = ex.map(
            lambda item: (item[0], survey_one(*item, Path(tmp), config, roles_only)), found
        )
        return dict(results)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def _rules(rec: dict[str, Any]) -> str:
    shares = rec.get("rules", {})
    return ", ".join(f"{rid} {_pct(s)}" for rid, s in sorted(shares.items()) if s >= 0.005)


def table(now: dict[str, dict[str, Any]], before: dict[str, dict[str, Any]] | None) -> str:
    head = "| log | cases | flagged | rules (share of cases) | systemic | cannot see |"
    if before is not None:
        head = (
            "| log | cases | flagged before → after | rules before | rules after "
            "| systemic | cannot see |"
        )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for rel, rec in now.items():
        name = rel.split("/", 1)[1] if rel.startswith("pm4py-tests/") else rel
        if rec["exit"] != 0:
            lines.append(f"| {name} | error | {rec['stderr'][-1:]} |")
            continue
        small = " (small)" if rec["cases"] < SMALL else ""
        systemic = ", ".join(rec.get("systemic", [])) or "–"
        unseen = ", ".join(rec.get("warnings", [])) or "–"
        if before is None:
            cells = [_pct(rec["flagged_share"]), _rules(rec)]
        else:
            old = before.get(rel, {})
            cells = [
                f"{_pct(old.get('flagged_share'))} → {_pct(rec['flagged_share'])}",
                _rules(old),
                _rules(rec),
            ]
        row = [name, f"{rec['cases']:,}{small}", *cells, systemic, unseen]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def roles_table(now: dict[str, dict[str, Any]], before: dict[str, dict[str, Any]] | None) -> str:
    """Events matched and share of cases per role, per log (``--roles``)."""
    names = ("contact", "customer_task", "customer_action", "notice", "resolution")
    lines = ["| log | " + " | ".join(names) + " |", "|---|" + "--:|" * len(names)]
    for rel, rec in now.items():
        if "roles" not in rec:
            continue
        old = (before or {}).get(rel, {}).get("roles", {})
        cells = []
        for role in names:
            events, share = rec["roles"].get(role, [0, 0.0])
            cell = f"{events:,} ({_pct(share)})"
            if role in old and old[role] != [events, share]:
                cell = f"{old[role][0]:,} ({_pct(old[role][1])}) → {cell}"
            cells.append(cell)
        lines.append(f"| {rel} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--compare", type=Path, help="a --json file of an earlier run")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--roles", action="store_true", help="the roles' coverage instead of the flags"
    )
    parser.add_argument("--config", type=Path, help="a config for every log (default: none)")
    args = parser.parse_args()
    now = survey(args.jobs, ["--config", str(args.config)] if args.config else [], args.roles)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(now, indent=1) + "\n", encoding="utf-8")
    before = json.loads(args.compare.read_text(encoding="utf-8")) if args.compare else None
    print(roles_table(now, before) if args.roles else table(now, before))
    worst = max((s for r in now.values() for s in r.get("rules", {}).values()), default=0.0)
    print(f"\nlargest share of cases any rule flags on any log: {_pct(worst)}", file=sys.stderr)


if __name__ == "__main__":
    main()
