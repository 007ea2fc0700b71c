"""Journeys: a customer's cases joined across tickets and organisations (``--journey``).

The hand-computed log is tests/data/journeys/contact_centre.csv (config journeys.toml):
seven customers, fourteen tickets, all times UTC in March 2024 unless said otherwise.
Roles from the built-in patterns: "Customer calls"/"Customer mails" are a contact and a
customer action, "Letter to customer"/"Fallback tariff letter" a contact, "Ticket
resolved" a resolution; "Internal check", "Switch request sent to grid" and "Meter data
check" are internal.  Gap 30 days, repeat window 7 days, parties = the organisation column.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import frictionminer as fm
from frictionminer.cli import app
from frictionminer.engine.journeys import JOURNEY_MEASURES, suggest_customer_column
from frictionminer.engine.rules import JOURNEY_RULES, RULES
from frictionminer.errors import ConfigError
from frictionminer.settings import Settings

DATA = Path(__file__).parent / "data" / "journeys"
LOG = DATA / "contact_centre.csv"
CONFIG = DATA / "journeys.toml"
runner = CliRunner()


@pytest.fixture(scope="module")
def result() -> Any:
    return fm.analyze(LOG, fm.load_settings(CONFIG), journey=True)


def journey(result: Any, jid: str) -> dict[str, Any]:
    assert result.journeys is not None
    rows = result.journeys.table.filter(pl.col("journey_id") == jid).to_dicts()
    assert len(rows) == 1, jid
    return dict(rows[0])


def test_journey_ids_join_cases_within_the_gap(result: Any) -> None:
    cases = result.journeys.cases
    of = dict(zip(cases["case_id"].to_list(), cases["journey_id"].to_list(), strict=True))
    # C1: T1 (1-2 Mar) and T2 (5 Mar) are 3 days apart, within 30 days: one journey.
    assert of["T1"] == of["T2"] == "C1#1"
    # C2: T3, T4, T5 at three organisations, each within 30 days of the one before.
    assert of["T3"] == of["T4"] == of["T5"] == "C2#1"
    # C6: T10 on 1 Feb, T11 on 15 Mar: 43 days apart, more than the gap: two journeys.
    assert (of["T10"], of["T11"]) == ("C6#1", "C6#2")
    # T12 has no customer: in no journey, and counted as such.
    assert "T12" not in of
    assert result.journeys.cases_without_customer == 1
    assert result.journeys.table.height == 8  # C1, C2, C3, C4, C5, C6 (two), C7


def test_repeat_contacts_by_hand(result: Any) -> None:
    # C1: T1 resolved 2 Mar 09:00, T2 opened 5 Mar 09:00 (3 days later <= 7 days): 1.
    assert journey(result, "C1#1")["repeat_contacts"] == 1
    # C4: T7 resolved 3 Mar 12:00, the customer calls again on it 5 Mar 09:00 (45 h): 1.
    assert journey(result, "C4#1")["repeat_contacts"] == 1
    # C5: T8 resolved 1 Mar 10:00, T9 opened 11 Mar 09:00: 239 h > 168 h: not a repeat.
    assert journey(result, "C5#1")["repeat_contacts"] == 0
    # C7: T14 was opened (2 Mar) before T13 was resolved (3 Mar): a parallel ticket,
    # not a return; T14's resolution (4 Mar) is followed by nothing: 0.
    assert journey(result, "C7#1")["repeat_contacts"] == 0
    # C2: T3 and T4 were never resolved, T5 resolved last: 0.
    assert journey(result, "C2#1")["repeat_contacts"] == 0
    block = result.summary()["journeys"]
    # 2 repeats after 11 resolutions (T1, T2, T5-T11, T13, T14; T12 has no customer).
    assert (block["repeat_contacts"], block["resolved_cases"]) == (2, 11)
    assert block["repeat_contact_rate"] == round(2 / 11, 4)


def test_waiting_across_overlapping_cases_counts_once(result: Any) -> None:
    c7 = journey(result, "C7#1")
    # T13 waits 1 Mar 09:00 -> 3 Mar 09:00 (48 h), T14 2 Mar 09:00 -> 4 Mar 09:00 (48 h);
    # the union is 1 Mar 09:00 -> 4 Mar 09:00 = 72 h, not 96 h.
    assert c7["customer_wait_hours"] == 72.0
    # News at 1 Mar 09:00 (T13 call), 2 Mar 09:00 (T14 mail), 3 Mar 09:00 (T13 resolved),
    # 4 Mar 09:00 (T14 resolved): the longest silence across the journey is 24 h,
    # although each ticket alone was silent for 48 h.
    assert c7["silent_wait_max_hours"] == 24.0
    cases = result.cases.filter(pl.col("case_id").is_in(["T13", "T14"]))
    assert cases["silent_wait_max_hours"].to_list() == [48.0, 48.0]
    # first contact 1 Mar 09:00 to last resolution 4 Mar 09:00
    assert c7["contact_to_resolution_hours"] == 72.0


def test_passed_between_three_organisations(result: Any) -> None:
    c2 = journey(result, "C2#1")
    # SupplierA (1 Mar 10:00-10:30) -> GridNet (4 Mar 10:30 - 6 Mar 10:00)
    # -> FallbackCo (10 Mar 10:00 - 12 Mar 11:00)
    assert (c2["parties"], c2["party_handoffs"]) == (3, 2)
    assert c2["party_path"] == "SupplierA → GridNet → FallbackCo"
    # waits at the handoffs: 1 Mar 10:30 -> 4 Mar 10:30 = 72 h; 6 Mar 10:00 -> 10 Mar
    # 10:00 = 96 h: the longest is 96 h
    assert c2["handoff_wait_max_hours"] == 96.0
    # waiting on the company: T3 0.5 h + T4 47.5 h + T5 49 h = 97 h (no overlap)
    assert c2["customer_wait_hours"] == 97.0
    # longest silence: T5 10 Mar 10:00 (letter) -> 12 Mar 10:00 (call) = 48 h
    assert c2["silent_wait_max_hours"] == 48.0
    # effort: 8 (T3: 1 contact) + 8 (T4) + 16 (T5: 2 contacts) + 5 x 2 further cases = 42
    assert c2["effort_minutes"] == 42.0
    # first contact 1 Mar 10:00 to the last resolution 12 Mar 11:00 = 265 h; the journey
    # counts as resolved: its last case (T5) was
    assert (c2["contact_to_resolution_hours"], c2["resolved"]) == (265.0, True)
    assert (c2["cases"], c2["events"], c2["interactions"]) == (3, 7, 4)


def test_flags_fire_on_the_stories_and_stay_quiet_on_ordinary_journeys(result: Any) -> None:
    flags = result.journeys.flags
    fired = sorted(zip(flags["journey_id"].to_list(), flags["rule"].to_list(), strict=True))
    assert fired == [("C1#1", "FM010"), ("C2#1", "FM011"), ("C4#1", "FM010")]
    message = flags.filter(pl.col("rule") == "FM011")["message"].item()
    assert message == (
        "customer C2 was passed between 3 parties (SupplierA → GridNet → FallbackCo), "
        "waiting up to 4 days at a handoff"
    )
    assert flags.filter(pl.col("journey_id") == "C1#1")["message"].item() == (
        "customer C1 came back 1 time within 7 days of a resolution (journey of 2 cases)"
    )


def test_journey_rule_thresholds_are_configurable() -> None:
    s = fm.load_settings(
        CONFIG, rules={"FM011": {"min_parties": 4}, "FM010": {"min_repeat_contacts": 2}}
    )
    quiet = fm.analyze(LOG, s, journey=True)
    assert quiet.journeys is not None and quiet.journeys.flags.height == 0
    off = fm.analyze(
        LOG, fm.load_settings(CONFIG, rules={"FM010": {"enabled": False}}), journey=True
    )
    assert off.journeys is not None
    assert off.journeys.flags["rule"].to_list() == ["FM011"]


def test_shorter_window_and_gap() -> None:
    # repeat_within 2 days: C1's return after 3 days no longer counts; C4's after 45 h does
    s = fm.load_settings(CONFIG, journey={"repeat_within": "2d"})
    r = fm.analyze(LOG, s, journey=True)
    assert r.journeys is not None
    assert r.summary()["journeys"]["repeat_contacts"] == 1
    # gap 2 days: C2's three cases (72 h and 96 h apart) become three journeys
    g = fm.analyze(LOG, fm.load_settings(CONFIG, journey={"gap": "2d"}), journey=True)
    assert g.journeys is not None
    assert g.journeys.of_customer("C2").height == 3


def test_repeat_by_case_type(result: Any) -> None:
    rows = {r["case_type"]: r for r in result.journeys.repeat_by_type().to_dicts()}
    # internet outage: T1, T2, T8, T9, T13 resolved, T1 came back
    assert (rows["internet outage"]["resolved"], rows["internet outage"]["came_back"]) == (5, 1)
    # billing: T6, T7, T10, T11, T14 resolved, T7 came back (reopened)
    assert (rows["billing"]["resolved"], rows["billing"]["came_back"]) == (5, 1)
    assert rows["energy switch"]["came_back"] == 0


def test_without_journey_nothing_changes() -> None:
    s = fm.load_settings(CONFIG)
    plain = fm.analyze(LOG, s)
    assert plain.journeys is None
    summary = plain.summary()
    assert "journeys" not in summary
    assert set(summary["flags"]) == set(RULES)
    assert not set(JOURNEY_RULES) & set(summary["flags"])


def test_customer_column_may_be_a_case_attribute() -> None:
    s = fm.load_settings(CONFIG, journey={"customer": "case:customer_id"})
    r = fm.analyze(LOG, s, journey=True)
    assert r.journeys is not None and r.journeys.customer_column == "customer_id"
    frame = pl.read_csv(LOG).rename({"customer_id": "case:customer_id"})
    by_case = fm.analyze(
        fm.load(frame, fm.load_settings(CONFIG)),
        fm.load_settings(CONFIG),
        journey=True,
    )
    assert by_case.journeys is not None
    assert by_case.journeys.customer_column == "case:customer_id"
    assert by_case.summary()["journeys"]["repeat_contacts"] == 2


def test_errors_name_the_setting() -> None:
    with pytest.raises(ConfigError, match=r"\[journey\] customer"):
        fm.analyze(LOG, Settings(), journey=True)
    with pytest.raises(ConfigError, match=r"journey\.customer: no column 'client'"):
        fm.analyze(LOG, fm.load_settings(CONFIG, journey={"customer": "client"}), journey=True)
    with pytest.raises(ConfigError, match=r"journey\.gap"):
        Settings(journey={"gap": "soon"})
    assert suggest_customer_column(["ticket", "case:Customer_ID", "x"]) == ["case:Customer_ID"]


# --------------------------------------------------------------------------- the CLI


def test_cli_score_journey_json() -> None:
    res = runner.invoke(
        app, ["score", str(LOG), "--config", str(CONFIG), "--journey", "-f", "json", "-q"]
    )
    assert res.exit_code == 0, res.output
    block = json.loads(res.stdout)["summary"]["journeys"]
    assert block["repeat_contacts"] == 2
    assert block["flags"]["FM010"]["journeys"] == 2
    assert block["worst"][0]["journey_id"] == "C2#1"
    assert block["worst"][0]["flags"][0]["rule"] == "FM011"


def test_cli_journey_without_customer_is_one_line() -> None:
    res = runner.invoke(app, ["score", str(LOG), "--journey", "-q"])
    assert res.exit_code == 2
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "[journey] customer" in lines[0]


def test_cli_rules_lists_the_journey_rules() -> None:
    res = runner.invoke(app, ["rules"])
    assert res.exit_code == 0
    assert "FM010" in res.stdout and "FM011" in res.stdout


# ------------------------------------------------------------------------ properties

T0 = datetime(2024, 3, 1, tzinfo=UTC)
ACTIVITIES = [
    "Customer calls",
    "Ask customer for a photo",
    "Customer sends photo",
    "Internal check",
    "Status update to customer",
    "Ticket resolved",
]


@st.composite
def logs(draw: st.DrawFn) -> pl.DataFrame:
    """A few customers with a few tickets each; times distinct (no ties to break)."""
    n_cases = draw(st.integers(1, 7))
    rows: list[dict[str, Any]] = []
    minutes = draw(
        st.lists(
            st.integers(0, 60 * 24 * 40), min_size=n_cases * 5, max_size=n_cases * 5, unique=True
        )
    )
    for c in range(n_cases):
        customer = draw(st.sampled_from(["A", "B", "C"]))
        n = draw(st.integers(1, 5))
        for k in range(n):
            rows.append(
                {
                    "ticket": f"T{c}",
                    "customer": customer,
                    "activity": draw(st.sampled_from(ACTIVITIES)),
                    "time": T0 + timedelta(minutes=minutes[c * 5 + k]),
                    "team": draw(st.sampled_from(["front", "back", "field"])),
                    "org": draw(st.sampled_from(["Shop", "Maker", "Courier"])),
                }
            )
    return pl.DataFrame(rows)


def _settings() -> Settings:
    return fm.load_settings(
        None,
        columns={"case": "ticket", "activity": "activity", "timestamp": "time", "group": "team"},
        measures={"organisation": "org"},
        journey={"customer": "customer", "gap": "5d", "repeat_within": "3d"},
    )


def _journeys(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    s = _settings()
    r = fm.analyze(fm.load(frame, s), s, journey=True)
    assert r.journeys is not None
    return r.journeys.table.sort("journey_id"), r.cases


@settings(max_examples=30, deadline=None)
@given(logs(), st.randoms(use_true_random=False))
def test_shuffled_rows_and_renamed_cases_change_no_journey(frame: pl.DataFrame, rnd: Any) -> None:
    before, _ = _journeys(frame)
    ids = frame["ticket"].unique().to_list()
    renamed = dict(zip(ids, rnd.sample([f"X{i}" for i in range(100)], len(ids)), strict=True))
    order = list(range(frame.height))
    rnd.shuffle(order)
    shuffled = frame[order].with_columns(pl.col("ticket").replace_strict(renamed))
    after, _ = _journeys(shuffled)
    assert before.to_dicts() == after.to_dicts()


@settings(max_examples=30, deadline=None)
@given(logs())
def test_a_journey_of_one_case_is_that_case(frame: pl.DataFrame) -> None:
    table, cases = _journeys(frame)
    mapping = fm.analyze(fm.load(frame, _settings()), _settings(), journey=True).journeys
    assert mapping is not None
    single = table.filter(pl.col("cases") == 1).join(
        mapping.cases.select("journey_id", "case_id"), on="journey_id"
    )
    joined = single.join(cases, on="case_id", suffix="_case")
    for row in joined.iter_rows(named=True):
        for name in (
            "events",
            "interactions",
            "customer_wait_hours",
            "silent_wait_max_hours",
            "effort_minutes",
            "duration_hours",
            "friction_score",
        ):
            assert row[name] == pytest.approx(row[f"{name}_case"], abs=1e-6), name
        assert row["party_handoffs"] == row["external_handoffs"]
        assert row["start"] == row["start_case"]


@settings(max_examples=30, deadline=None)
@given(logs())
def test_journey_measures_fit_together(frame: pl.DataFrame) -> None:
    s = _settings()
    r = fm.analyze(fm.load(frame, s), s, journey=True)
    assert r.journeys is not None
    per_case = (
        r.journeys.cases.join(r.cases, on="case_id")
        .group_by("journey_id")
        .agg(
            pl.col("customer_wait_hours").sum().alias("wait_sum"),
            pl.col("customer_wait_hours").max().alias("wait_max"),
        )
    )
    table = r.journeys.table.join(per_case, on="journey_id")
    for row in table.iter_rows(named=True):
        # overlapping waits count once: at most the sum, at least the longest case's wait
        assert row["wait_max"] - 1e-9 <= row["customer_wait_hours"] <= row["wait_sum"] + 1e-9
        assert row["silent_wait_max_hours"] <= row["customer_wait_hours"] + 1e-9
        assert row["customer_wait_hours"] <= row["duration_hours"] + 1e-9
        # (null when no case of the log shows a resolution: not computed)
        assert row["repeat_contacts"] is None or row["repeat_contacts"] <= row["resolved_cases"]
        assert row["party_handoffs"] >= row["parties"] - 1
    assert set(JOURNEY_MEASURES) <= set(r.journeys.table.columns)


# ------------------------------------------------------------------ explain --customer


def test_cli_explain_customer_tells_the_journey(tmp_path: Path) -> None:
    target = tmp_path / "c2.txt"
    res = runner.invoke(
        app,
        ["explain", str(LOG), "--config", str(CONFIG), "--customer", "C2", "-o", str(target)],
    )
    assert res.exit_code == 0, res.output
    out = target.read_text(encoding="utf-8")
    assert "Customer C2: 3 cases in 1 journey(s)" in out
    # (the table wraps long cells: compare the words in order, without the borders)
    words = " ".join(w for w in out.split() if w not in "│┃")
    assert "handed from SupplierA to" in words and "GridNet after 3.0 d" in words
    assert "handed from GridNet to" in words and "FallbackCo after 4.0 d" in words
    # the longest silence across the journey: 10 Mar 10:00 -> 12 Mar 10:00
    assert "2.0 d, no news" in words
    assert "FM011" in out


def test_cli_explain_customer_json() -> None:
    res = runner.invoke(
        app, ["explain", str(LOG), "--config", str(CONFIG), "--customer", "C1", "-f", "json"]
    )
    assert res.exit_code == 0, res.output
    story = json.loads(res.stdout)
    assert story["customer"] == "C1"
    (j,) = story["journeys"]
    assert [c["case_id"] for c in j["cases"]] == ["T1", "T2"]
    assert j["measures"]["repeat_contacts"] == 1
    assert [s["case_id"] for s in j["timeline"]] == ["T1", "T1", "T1", "T2", "T2"]
    assert j["flags"][0]["rule"] == "FM010"


def test_cli_explain_needs_a_case_or_a_customer() -> None:
    res = runner.invoke(app, ["explain", str(LOG), "--config", str(CONFIG)])
    assert res.exit_code == 2
    res = runner.invoke(app, ["explain", str(LOG), "--config", str(CONFIG), "--customer", "C22"])
    assert res.exit_code == 2
    assert "no customer 'C22'" in res.stderr
    res = runner.invoke(app, ["explain", str(LOG), "--customer", "C2"])
    assert res.exit_code == 2
    assert "[journey] customer" in res.stderr


# ------------------------------------------------------------------- report, markdown


def _text_of(section: str) -> str:
    import html
    import re

    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", section)))


def test_cli_report_has_a_journeys_section(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    res = runner.invoke(
        app,
        ["report", str(LOG), "--config", str(CONFIG), "--journey", "-o", str(target), "-q"],
    )
    assert res.exit_code == 0, res.output
    page = target.read_text(encoding="utf-8")
    start = page.index('<section id="journeys">')
    text = _text_of(page[start : page.index("</section>", start)])
    assert "2 repeat contacts after 11 resolutions (18.2%)" in text
    assert "C2#1 C2 3 0 SupplierA → GridNet → FallbackCo" in text
    # repeat-contact rate by the type of the case that preceded it
    assert "billing 5 1 20.0%" in text and "internet outage 5 1 20.0%" in text
    # parties that hand customers on: GridNet handed C2 to FallbackCo after 4 days
    assert "GridNet 1 1 4.0 days FallbackCo" in text
    plain = tmp_path / "plain.html"
    res = runner.invoke(app, ["report", str(LOG), "--config", str(CONFIG), "-o", str(plain), "-q"])
    assert res.exit_code == 0, res.output
    assert 'id="journeys"' not in plain.read_text(encoding="utf-8")


def test_cli_score_markdown_lists_journeys() -> None:
    res = runner.invoke(
        app, ["score", str(LOG), "--config", str(CONFIG), "--journey", "-f", "markdown", "-q"]
    )
    assert res.exit_code == 0, res.output
    assert "### Journeys" in res.stdout
    assert "| C2\\#1 | 3 | 0 | SupplierA → GridNet → FallbackCo | 4.0 d | 18.0 | FM011 |" in (
        res.stdout
    )


def test_cli_audit_journey_reports_the_window_journeys_without_ids() -> None:
    res = runner.invoke(
        app, ["audit", str(LOG), "--config", str(CONFIG), "--journey", "-f", "json", "-q"]
    )
    assert res.exit_code == 0, res.output
    record = json.loads(res.stdout)
    block = record["journeys"]
    assert (block["repeat_contacts"], block["resolved_cases"]) == (2, 11)
    assert block["flags"]["FM011"]["journeys"] == 1
    assert "worst" not in block  # audit output carries no case or customer ids
    assert "C2" not in json.dumps(block)
    plain = runner.invoke(app, ["audit", str(LOG), "--config", str(CONFIG), "-f", "json", "-q"])
    assert "journeys" not in json.loads(plain.stdout)


def test_info_mentions_an_obvious_customer_column() -> None:
    res = runner.invoke(app, ["info", str(LOG), "--case-col", "ticket_id", "-f", "json"])
    assert res.exit_code == 0, res.output
    found = [f for f in json.loads(res.stdout)["findings"] if f["code"] == "customer-column"]
    assert len(found) == 1
    assert '[journey] customer = "customer_id"' in found[0]["message"]
    assert found[0]["count"] == 5  # C1, C2, C5, C6, C7 have several tickets
    configured = runner.invoke(app, ["info", str(LOG), "--config", str(CONFIG), "-f", "json"])
    codes = [f["code"] for f in json.loads(configured.stdout)["findings"]]
    assert "customer-column" not in codes


def test_pseudonymized_journeys_hide_the_customer_ids(tmp_path: Path) -> None:
    # a customer column whose name says nothing personal is pseudonymised too
    renamed = tmp_path / "cc.csv"
    pl.read_csv(LOG).rename({"customer_id": "cid"}).write_csv(renamed)
    config = tmp_path / "cc.toml"
    config.write_text(
        CONFIG.read_text(encoding="utf-8").replace('customer = "customer_id"', 'customer = "cid"'),
        encoding="utf-8",
    )
    args = ["score", str(renamed), "--config", str(config), "--journey", "-f", "json", "-q"]
    res = runner.invoke(app, [*args, "--pseudonymize", "--pseudonym-key", "k"])
    assert res.exit_code == 0, res.output
    block = json.loads(res.stdout)["summary"]["journeys"]
    customers = {j["customer"] for j in block["worst"]}
    assert customers and not customers & {f"C{i}" for i in range(1, 8)}
    assert block["repeat_contacts"] == 2


def test_cli_explain_customer_pseudonymized() -> None:
    args = ["explain", str(LOG), "--config", str(CONFIG), "--customer", "C2", "-f", "json"]
    res = runner.invoke(app, [*args, "--pseudonymize", "--pseudonym-key", "k"])
    assert res.exit_code == 0, res.output
    story = json.loads(res.stdout)
    assert story["customer"] != "C2"
    (j,) = story["journeys"]
    assert j["party_path"] == "SupplierA → GridNet → FallbackCo"
    assert not {c["case_id"] for c in j["cases"]} & {"T3", "T4", "T5"}
    assert "C2" not in json.dumps(story)
