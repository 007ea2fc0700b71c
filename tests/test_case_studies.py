"""The case studies in docs/case-studies/ run as written and print the numbers they state.

Each test runs every ``frictionminer`` command of a page on the real log (``-o`` goes to a
temporary folder), then checks the headline numbers against the JSON output, and checks
that the page states them.  A page's commands share one parse of its log (conftest's
``shared_parses``); only normalisation and analysis run per command.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import REPO, ROAD_TRAFFIC_FINES, shared_log
from frictionminer.cli import app

pytestmark = pytest.mark.usefixtures("shared_parses")
runner = CliRunner()
PAGES = REPO / "docs" / "case-studies"


def _commands(page: Path) -> list[list[str]]:
    """Arguments of the `frictionminer ...` lines in the page's bash blocks."""
    out: list[list[str]] = []
    for block in re.findall(r"```bash\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("frictionminer "):
                out.append(shlex.split(line)[1:])
    return out


def run_page(
    name: str, log: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], dict[str, str], str]:
    """Run the page's commands; return the score JSON, each command's stdout, the page text."""
    shared_log(log)  # skip when the real logs are absent
    page = PAGES / f"{name}.md"
    monkeypatch.chdir(REPO)
    outputs: dict[str, str] = {}
    record: dict[str, Any] = {}
    commands = _commands(page)
    assert {c[0] for c in commands} >= {"score", "explain"}, name
    for args in commands:
        assert f"../shared/logs/{log}" in args, args
        assert args[args.index("--config") + 1] == f"docs/case-studies/{name}.toml"
        json_out = None
        for i, a in enumerate(args[:-1]):
            if a in ("-o", "--output"):
                json_out = tmp_path / Path(args[i + 1]).name
                args = [*args[: i + 1], str(json_out), *args[i + 2 :]]
        res = runner.invoke(app, args, env={"COLUMNS": "160"})
        assert res.exit_code == 0, f"{args}\n{res.stderr}"
        if args[0] == "explain":
            key = f"explain {args[2]}"
        else:
            key = " ".join([args[0], *[a for a in args[2:] if a.startswith("--")][1:2]])
        outputs[key] = res.stdout
        if json_out is not None:
            record = json.loads(json_out.read_text())
    assert record, f"{name}: no score --format json command on the page"
    return record, outputs, page.read_text(encoding="utf-8")


def states(text: str, *numbers: str) -> None:
    """The page states each number (as written, e.g. '1,475' or '19.5%')."""
    flat = " ".join(text.split())
    for n in numbers:
        assert n in flat, f"the page does not state {n!r}"


def total(cases: list[dict[str, Any]], m: str) -> int:
    return int(sum(c["measures"][m] for c in cases))


def with_any(cases: list[dict[str, Any]], m: str) -> int:
    return sum(1 for c in cases if c["measures"][m] > 0)


def flag(rec: dict[str, Any], rule: str) -> tuple[int, str]:
    f = rec["summary"]["flags"][rule]
    return f["cases"], f"{f['share'] * 100:.1f}%"


def systemic(rec: dict[str, Any], rule: str) -> tuple[int, str]:
    """Cases meeting the rule's own threshold when it is systemic on the log (§6)."""
    found = {r["rule"]: r for r in rec["summary"]["systemic"]}[rule]
    return found["cases"], f"{found['share'] * 100:.1f}%"


def test_bpic2013(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec, out, page = run_page(
        "bpic2013", "bpic2013/BPI_Challenge_2013_incidents.xes.gz", tmp_path, monkeypatch
    )
    cases = rec["cases"]
    assert (rec["summary"]["cases"], rec["summary"]["events"]) == (7_554, 65_533)
    assert total(cases, "handoffs") == 9_454
    assert (total(cases, "ping_pongs"), with_any(cases, "ping_pongs")) == (3_286, 1_258)
    assert (total(cases, "external_handoffs"), with_any(cases, "external_handoffs")) == (
        4_350,
        2_034,
    )
    assert (total(cases, "customer_tasks"), with_any(cases, "customer_tasks")) == (4_318, 2_550)
    assert (total(cases, "interactions"), with_any(cases, "interactions")) == (2_035, 2_018)
    assert flag(rec, "FM005") == (1_258, "16.7%")
    assert flag(rec, "FM006") == (727, "9.6%")
    assert flag(rec, "FM003") == (916, "12.1%")
    assert flag(rec, "FM002") == (410, "5.4%")
    assert flag(rec, "FM004") == (1_475, "19.5%")
    top = cases[0]
    assert top["case_id"] == "1-506071646" and top["category"] == "PROD542"
    m = top["measures"]
    assert (m["handoffs"], m["ping_pongs"], m["external_handoffs"], m["customer_tasks"]) == (
        20,
        18,
        19,
        8,
    )
    assert round(m["duration_hours"] / 24) == 432
    assert "1-506071646" in out["score --top"]
    states(page, "3,286 in 1,258", "4,350 in 2,034", "4,318 in 2,550", "2,035 in 2,018")
    states(page, "1,258, 16.7%", "727 (9.6%)", "916 (12.1%)", "410 (5.4%)", "1,475 incidents")
    states(page, "2,550, 33.8%", "19.5%", "432 days")


def test_bpic2014_interactions_per_incident(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec, out, page = run_page(
        "bpic2014", "bpic2014/Detail_Incident_Activity_joined.csv.gz", tmp_path, monkeypatch
    )
    cases = rec["cases"]
    s = rec["summary"]
    # The 873 interactions naming "#MULTIVALUE" are read as having no incident: dropped.
    info = " ".join(out["info"].split())
    assert "'Related Incident' (case): 873 placeholder cell(s) ('#MULTIVALUE')" in info
    assert re.search(r"missing-case-id: .*?95,?123 events without a case id", info)
    assert all(c["case_id"] != "#MULTIVALUE" for c in cases)
    assert (s["cases"], s["events"]) == (47_080, 518_541)
    assert (total(cases, "interactions"), with_any(cases, "interactions")) == (65_776, 46_181)
    assert s["measures"]["interactions"] == {"median": 1.0, "p90": 2.0}
    assert total(cases, "handoffs") == 106_812
    assert (total(cases, "ping_pongs"), with_any(cases, "ping_pongs")) == (39_068, 14_885)
    assert sum(1 for c in cases if c["measures"]["reopened"]) == 2_202
    assert flag(rec, "FM005") == (14_885, "31.6%")
    assert flag(rec, "FM006") == (8_040, "17.1%")
    assert flag(rec, "FM001") == (464, "1.0%")
    assert flag(rec, "FM009") == (3_124, "6.6%")

    # The incidents with the most customer contacts on top: the score ranking and the
    # ranking by interactions agree at the top.
    by_score = [(c["case_id"], c["measures"]["interactions"]) for c in cases[:5]]
    assert by_score == [
        ("IM0000220", 284),
        ("IM0016639", 76),
        ("IM0031184", 85),
        ("IM0000005", 3),
        ("IM0000004", 2),
    ]
    by_contacts = sorted(cases, key=lambda c: -c["measures"]["interactions"])
    assert [c["case_id"] for c in by_contacts[:3]] == ["IM0000220", "IM0031184", "IM0016639"]
    top = cases[0]["measures"]
    assert (top["handoffs"], top["ping_pongs"]) == (78, 70)
    assert f"{top['customer_wait_hours'] / 24:.1f}" == "2.7"
    assert round(cases[2]["measures"]["customer_wait_hours"]) == 30
    assert all(round(c["measures"]["silent_wait_max_hours"] / 24) >= 630 for c in cases[3:5])
    table = out["score --top"]
    assert "#MULTIVALUE" not in table
    assert table.index("IM0000220") < table.index("IM0016639") < table.index("IM0031184")

    # First-call resolution is visible in the composed interaction activity.
    classify = out["classify"]
    assert re.search(r"Interaction: incident/N\s*│\s*40,878", classify)
    assert re.search(r"Interaction: incident/Y\s*│\s*14", classify)
    assert re.search(r"Interaction: request for information/Y\s*│\s*22", classify)

    states(page, "47,080 / 518,541", "65,776 in 46,181", "51,881", "13,895", "106,812")
    states(page, "39,068 in 14,885", "2,202", "3,124 (6.6%)", "14,885 incidents (31.6%)")
    states(page, "8,040 (17.1%)", "464 incidents (1.0%)", "284 contacts", "873", "95,123")
    states(page, "45,257 of 46,492", "36 of 51,881", "52,749", "451 with interactions only")
    states(page, 'null_values = ["#MULTIVALUE"]', "1,177 of the 1,235", "2,270")


def test_bpic2014_joined_tables_reconcile() -> None:
    """Interactions per incident agree with the incident record's own count."""
    import polars as pl

    from frictionminer.io import load
    from frictionminer.settings.load import load_settings

    log = shared_log("bpic2014/Detail_Incident_Activity_joined.csv.gz")
    ev = load(log, load_settings(PAGES / "bpic2014.toml")).events
    inter = ev.filter(pl.col("activity").str.starts_with("Interaction: "))
    assert inter.height == 52_754 - 873  # without the "#MULTIVALUE" interactions
    assert inter.filter(pl.col("activity").str.ends_with("/Y")).height == 36
    assert ev.filter(~pl.col("activity").str.starts_with("Interaction: "))[
        "case_id"
    ].n_unique() == (46_629)
    per = inter.group_by("case_id").len()
    rec = ev.group_by("case_id").agg(pl.col("case:# Related Interactions").first()).drop_nulls()
    j = rec.join(per, on="case_id", how="left").with_columns(pl.col("len").fill_null(0))
    agree = j.filter(pl.col("len") == pl.col("case:# Related Interactions")).height
    assert (agree, j.height) == (45_257, 46_492)
    diff = j.select(pl.col("case:# Related Interactions") - pl.col("len")).to_series()
    assert (int((diff > 0).sum()), int(diff.clip(lower_bound=0).sum())) == (1_177, 2_270)
    reassign = ev.group_by("case_id").agg(pl.col("case:# Reassignments").first())
    assert reassign["case:# Reassignments"].sum() == 52_749
    assert per.filter(pl.col("case_id") == "IM0000220")["len"].item() == 239


def test_helpdesk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec, out, page = run_page("helpdesk", "helpdesk/helpdesk.xes.gz", tmp_path, monkeypatch)
    cases = rec["cases"]
    assert (rec["summary"]["cases"], rec["summary"]["events"]) == (4_580, 21_348)
    assert (total(cases, "customer_tasks"), with_any(cases, "customer_tasks")) == (1_582, 1_319)
    assert total(cases, "handoffs") == 8_648
    assert (total(cases, "ping_pongs"), with_any(cases, "ping_pongs")) == (332, 291)
    assert total(cases, "interactions") == 0
    assert sum(1 for c in cases if c["measures"]["reopened"]) == 149
    # half the tickets wait 3 days without news: systemic; flagged: the 168 above 692.8 h
    assert systemic(rec, "FM004") == (2_334, "51.0%")
    assert flag(rec, "FM004") == (168, "3.7%")
    assert flag(rec, "FM003") == (209, "4.6%")
    assert flag(rec, "FM009") == (160, "3.5%")
    med = rec["summary"]["measures"]
    assert round(med["customer_wait_hours"]["median"]) == 90
    assert round(med["duration_hours"]["median"]) == 957
    top = cases[0]
    assert top["case_id"] == "Case 383" and not top["measures"]["resolved"]
    assert round(top["measures"]["customer_wait_hours"] / 24) == 46
    assert "Case 383" in out["score --top"]
    classify = out["classify"]
    assert re.search(r"Wait\s*│\s*1,463", classify)
    assert re.search(r"Require upgrade\s*│\s*119", classify)
    states(page, "1,582 in 1,319", "1,463", "119", "1,236", "83", "8,648", "332 in 291")
    states(page, "2,334, 51.0%", "209 tickets (4.6%)", "149", "160", "(3.5%)", "90 hours")
    states(page, "957 hours", "46 days")


def test_bpic2012(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec, _, page = run_page("bpic2012", "bpic2012/BPI_Challenge_2012.xes.gz", tmp_path, monkeypatch)
    cases = rec["cases"]
    s = rec["summary"]
    assert (s["cases"], s["events"]) == (13_087, 262_200)
    assert "164506 of 262200" in s["instances"]
    assert (total(cases, "customer_tasks"), with_any(cases, "customer_tasks")) == (11_407, 1_647)
    assert (total(cases, "repeat_requests"), with_any(cases, "repeat_requests")) == (9_760, 1_474)
    assert s["measures"]["interactions"] == {"median": 1.0, "p90": 11.0}
    assert flag(rec, "FM009") == (3_206, "24.5%")
    assert flag(rec, "FM003") == (1_474, "11.3%")
    assert flag(rec, "FM001") == (3_426, "26.2%")
    assert flag(rec, "FM008") == (2_005, "15.3%")
    assert flag(rec, "FM002")[0] == 1_281
    assert any(c["value_ratio"] is not None for c in cases[:5])  # AMOUNT_REQ read as a number
    top = cases[0]
    m = top["measures"]
    assert top["case_id"] == "191797"
    assert (m["customer_tasks"], m["interactions"], m["resolved"]) == (60, 67, False)
    assert round(m["duration_hours"] / 24) == 70
    states(page, "164,506", "11,407", "**1,647**", "9,760 in 1,474", "3,206 (24.5%)", "12.6%")
    states(page, "3,426 applications (26.2%)", "2,005 (15.3%)", "1,281", "60 calls", "70 days")


def test_bpic2020_domestic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec, _, page = run_page(
        "bpic2020-domestic",
        "bpic2020/DomesticDeclarations_cleaned.xes.gz",
        tmp_path,
        monkeypatch,
    )
    cases = rec["cases"]
    assert (rec["summary"]["cases"], rec["summary"]["events"]) == (10_357, 55_628)
    assert (total(cases, "customer_tasks"), with_any(cases, "customer_tasks")) == (1_454, 1_278)
    assert (total(cases, "repeat_requests"), with_any(cases, "repeat_requests")) == (128, 114)
    assert total(cases, "handoffs") == 34_287
    assert (total(cases, "ping_pongs"), with_any(cases, "ping_pongs")) == (2_796, 1_252)
    assert flag(rec, "FM009") == (445, "4.3%")
    assert systemic(rec, "FM004") == (9_618, "92.9%")
    assert flag(rec, "FM004") == (768, "7.4%")  # above 477.2 h, the log's upper fence
    assert round(rec["summary"]["measures"]["customer_wait_hours"]["median"]) == 173
    assert any(c["value_ratio"] is not None for c in cases[:5])  # (case)_Amount as a number
    ex = next(c for c in cases if c["case_id"] == "declaration103881")["measures"]
    assert (ex["customer_tasks"], ex["repeat_requests"], ex["handoffs"], ex["ping_pongs"]) == (
        2,
        1,
        7,
        4,
    )
    assert round(ex["customer_wait_hours"] / 24) == 227 and ex["resolved"]
    states(page, "1,454 in 1,278", "128 in 114", "34,287", "2,796 in 1,252", "445 (4.3%)")
    states(page, "9,618 declarations (92.9%)", "173 hours", "12.3%", "227 days")


@pytest.mark.xdist_group("road_traffic_fines")
def test_road_traffic_fines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec, out, page = run_page("road-traffic-fines", ROAD_TRAFFIC_FINES, tmp_path, monkeypatch)
    cases = rec["cases"]
    assert (rec["summary"]["cases"], rec["summary"]["events"]) == (150_370, 561_470)
    resolved = sum(1 for c in cases if c["measures"]["resolved"])
    reopened = sum(1 for c in cases if c["measures"]["reopened"])
    assert (resolved, reopened) == (69_715, 14)
    # both hold for most fines: log-level findings; FM009 (yes/no) then flags no fine
    assert systemic(rec, "FM009") == (80_669, "53.6%")
    assert systemic(rec, "FM004") == (132_718, "88.3%")
    assert flag(rec, "FM009") == (0, "0.0%")
    assert flag(rec, "FM004") == (560, "0.4%")  # above 6,192 h (258 days)
    assert (total(cases, "interactions"), with_any(cases, "interactions")) == (104_883, 103_987)
    assert total(cases, "customer_tasks") == 183_847
    assert rec["summary"]["measures"]["customer_wait_hours"]["median"] == 1_392
    assert cases[0]["case_id"] == "V5141"
    assert round(cases[0]["measures"]["silent_wait_max_hours"] / 24) == 4_106
    explain = out["explain V5141"]
    assert "Insert Date Appeal to Prefecture" in explain and "4106.0 d" in explain
    states(page, "69,715 (46.4%)", "80,655", "80,669 (53.6%)", "104,883 in 103,987")
    states(page, "183,847", "58 days (1,392 hours)", "132,718 fines (88.3%)", "4,106 days")


def test_receipt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec, out, page = run_page("receipt", "receipt_wabo/receipt.xes.gz", tmp_path, monkeypatch)
    cases = rec["cases"]
    assert (rec["summary"]["cases"], rec["summary"]["events"]) == (1_434, 8_577)
    assert (total(cases, "customer_tasks"), with_any(cases, "customer_tasks")) == (39, 39)
    assert (total(cases, "interactions"), with_any(cases, "interactions")) == (1_359, 1_300)
    # "EMPTY" in org:group is read as no group: no team, no handoff.
    assert "1,936 placeholder cell(s) ('EMPTY')" in " ".join(out["info"].split())
    assert total(cases, "handoffs") == 3_853
    assert (total(cases, "ping_pongs"), with_any(cases, "ping_pongs")) == (537, 360)
    assert total(cases, "repeat_requests") == 0
    assert flag(rec, "FM004") == (431, "30.1%")
    # Raised thresholds: 5 handoffs (FM006), 2 ping-pongs (FM005). The defaults would flag
    # mostly the designed paths (exactly 4 handoffs, exactly 1 ping-pong).
    assert flag(rec, "FM006") == (85, "5.9%")
    assert flag(rec, "FM005") == (83, "5.8%")
    handoffs = [c["measures"]["handoffs"] for c in cases]
    ping_pongs = [c["measures"]["ping_pongs"] for c in cases]
    assert (sum(h >= 4 for h in handoffs), sum(h == 4 for h in handoffs)) == (288, 203)
    assert (sum(p >= 1 for p in ping_pongs), sum(p == 1 for p in ping_pongs)) == (360, 277)
    assert flag(rec, "FM009")[0] == 0  # disabled: the log is only the receipt phase
    med = rec["summary"]["measures"]["duration_hours"]
    assert (f"{med['median']:.1f}", round(med["p90"])) == ("0.8", 338)
    top = cases[0]
    assert top["case_id"] == "case-4601"
    m = top["measures"]
    assert (round(m["customer_wait_hours"] / 24), round(m["silent_wait_max_hours"] / 24)) == (
        276,
        269,
    )
    classify = out["classify"]
    assert re.search(r"T15 Print document X request unlicensed\s*│\s*39", classify)
    states(page, "39 in 39", "1,359 in 1,300", "3,853", "537 in 360", "431 applications (30.1%)")
    states(page, "0.8 hours", "338 hours", "276 days", "269", "1,936", "5,440", "951")
    states(page, "85 applications (5.9%)", "83 (5.8%)", "288 cases (20.1%)", "360 (25.1%)")
    states(page, "203 of the 288", "277 of the 360", 'null_values = ["EMPTY"]')


def test_receipt_groups_reconcile() -> None:
    """The README's handoffs and direct A→B→A returns count "EMPTY" as a group."""
    from dataclasses import replace

    import polars as pl

    from frictionminer.io import load
    from frictionminer.settings.load import load_settings

    log = shared_log("receipt_wabo/receipt.xes.gz")
    settings = load_settings(PAGES / "receipt.toml")
    assert settings.ingest.null_values == ["EMPTY"]

    def paths(s: Any) -> list[list[str]]:
        """Each case's groups in time order, consecutive repeats and empty groups dropped."""
        ev = load(log, s).events.sort("case_id", "timestamp", maintain_order=True)
        seqs = ev.group_by("case_id", maintain_order=True).agg(pl.col("group").drop_nulls())
        return [[g for i, g in enumerate(q) if i == 0 or q[i - 1] != g] for q in seqs["group"]]

    def returns(p: list[list[str]]) -> tuple[int, int]:
        aba = [sum(q[i] == q[i + 2] for i in range(len(q) - 2)) for q in p]
        return sum(aba), sum(1 for n in aba if n)

    with_empty = paths(replace(settings, ingest=replace(settings.ingest, null_values=[])))
    assert sum(max(len(q) - 1, 0) for q in with_empty) == 5_440
    assert returns(with_empty) == (439, 269)
    assert sum(1 for q in with_empty if q and q[0] == "EMPTY") == 1_136
    without = paths(settings)
    assert sum(max(len(q) - 1, 0) for q in without) == 3_853
    assert returns(without) == (165, 103)
    g = [f"Group {n}" for n in (1, 4, 3, 2, 1)]
    assert (sum(q == g[1:] for q in without), sum(q == g for q in without)) == (492, 128)
