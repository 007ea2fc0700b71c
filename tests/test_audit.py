"""``audit``: statistics, gates, baselines, windows and censoring, writers and exit codes.

Weekly logs are simulated here with a small vectorised generator (one warranty-like
process whose activity names the default roles recognise), so that two weeks can be drawn
from the same process, or one with extra friction injected.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from conftest import shared_log
from frictionminer.auditing.baseline import load_baseline, save_baseline
from frictionminer.auditing.gates import run_audit
from frictionminer.auditing.statistics import binom_sf, compare_proportions, holm
from frictionminer.auditing.window import Window, load_logs
from frictionminer.cli import app
from frictionminer.errors import EXIT_BREACH, EXIT_OK, EXIT_USAGE, ConfigError, InputError
from frictionminer.errors import UsageError as FMUsageError
from frictionminer.io import load
from frictionminer.reporting.audit import WRITERS, infer_format
from frictionminer.settings.audit import AuditSettings, parse_audit_settings
from frictionminer.settings.load import load_settings

runner = CliRunner()
MONDAY = datetime(2024, 5, 6, tzinfo=UTC)
SETTINGS = load_settings(cwd=Path("/nonexistent"))


# ------------------------------------------------------------------------- simulated weeks


def week(
    n: int,
    seed: int,
    *,
    start: datetime = MONDAY,
    ping_pong: float = 0.15,
    photo: float = 0.4,
    resolve: float = 0.9,
) -> pl.DataFrame:
    """``n`` cases of one warranty process starting within the week from ``start``.

    Every case: report (contact) → check → [photo requested and sent] → warehouse review
    (a handoff) → [back to frontline and again to the warehouse: ping-pong] → [resolved].
    """
    rng = np.random.default_rng(seed)
    hours = rng.uniform(0, 7 * 24, n)
    ids = np.array([f"W{seed}-{i:05d}" for i in range(n)])
    resources = np.array([f"agent {name}" for name in ("Alice", "Bob", "Chen", "Dana")])
    parts: list[pl.DataFrame] = []

    def step(mask: np.ndarray, activity: str, group: str, mean_hours: float) -> None:
        nonlocal hours
        hours = np.where(mask, hours + rng.exponential(mean_hours, n), hours)
        parts.append(
            pl.DataFrame(
                {
                    "case_id": ids[mask],
                    "activity": activity,
                    "group": group,
                    "resource": rng.choice(resources, int(mask.sum())),
                    "hours": hours[mask],
                }
            )
        )

    everyone = np.ones(n, dtype=bool)
    step(everyone, "Customer reports problem", "Frontline", 0.0)
    step(everyone, "Check claim", "Frontline", 3)
    asked = rng.random(n) < photo
    step(asked, "Request photo from customer", "Frontline", 2)
    step(asked, "Customer sends photo", "Frontline", 20)
    step(everyone, "Review claim", "Warehouse", 10)
    bounced = rng.random(n) < ping_pong
    step(bounced, "Return claim to frontline", "Frontline", 8)
    step(bounced, "Review claim again", "Warehouse", 8)
    step(rng.random(n) < resolve, "Case resolved", "Warehouse", 12)
    offset = (pl.col("hours") * 3.6e9).cast(pl.Int64)
    return (
        pl.concat(parts)
        .with_columns((pl.lit(start) + pl.duration(microseconds=offset)).alias("timestamp"))
        .drop("hours")
        .sort("case_id", "timestamp")
    )


def write(frame: pl.DataFrame, path: Path) -> Path:
    frame.write_csv(path)
    return path


@pytest.fixture(scope="module")
def weeks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("weeks")
    return {
        "base": write(week(600, 1), d / "base.csv"),
        "same": write(week(600, 2), d / "same.csv"),
        "pingpong": write(week(600, 3, ping_pong=0.30), d / "pingpong.csv"),
    }


def audit(path: Path, **kwargs: object) -> object:
    return run_audit(load(path, SETTINGS), SETTINGS, **kwargs)  # type: ignore[arg-type]


def run(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "frictionminer.toml"
    path.write_text(text)
    return path


# ------------------------------------------------------------------------------ statistics


def test_exact_binomial_tail_matches_brute_force() -> None:
    for n, (a, b) in ((10, (1, 10)), (37, (1, 2)), (200, (3, 100)), (1500, (1, 5))):
        for k in (0, 1, 2, n // 10, n // 5, n // 4, n // 2, n):
            # exact rational arithmetic: p = a / b
            tail = sum(math.comb(n, j) * a**j * (b - a) ** (n - j) for j in range(k, n + 1))
            brute = float(Fraction(tail, b**n))
            assert binom_sf(k, n, a / b) == pytest.approx(brute, rel=1e-9, abs=1e-300)


def test_proportion_test_is_exact_for_small_weeks_and_agrees_with_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    small = compare_proportions(50, 500, 1, 5)
    assert small.test == "fisher-exact"
    expected = stats.fisher_exact([[1, 4], [50, 450]], alternative="greater").pvalue
    assert small.p_worse == pytest.approx(expected, rel=1e-9)
    big = compare_proportions(100, 1000, 200, 1000)
    assert big.test == "two-proportion-z"
    assert big.p_worse < 1e-8 < big.p_better


def test_holm_adjustment() -> None:
    assert holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])


# -------------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        ({"max_flag_shares": {}}, "unknown key 'audit.max_flag_shares'"),
        ({"max_flag_share": {"FM005": 1.5}}, "'audit.max_flag_share.FM005' is a share"),
        ({"max_flag_share": {"FM055": 0.1}}, "unknown rule 'FM055'"),
        ({"max_median": {"waiting": 48}}, "unknown measure 'waiting'"),
        ({"max_median": {"interactions": "10% worse"}}, "bad relative limit"),
        ({"never": "FM009"}, "'audit.never' must be a list"),
        ({"alpha": 5}, "'audit.alpha' must be a number between 0 and 1"),
        ({"baseline": {"gates": "sometimes"}}, "'audit.baseline.gates'"),
        ({"max_flag_cases": {"FM009": 2.5}}, "whole number"),
    ],
)
def test_bad_audit_config_names_file_and_key(table: dict[str, object], needle: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_audit_settings(table, source="ci.toml")
    assert str(exc.value).startswith("ci.toml: ")
    assert needle in str(exc.value)


def test_audit_config_syntax() -> None:
    cfg = parse_audit_settings(
        {
            "alpha": 0.01,
            "never": ["FM003"],
            "max_flag_share": {"FM005": 0.1, "FM004": "+10%"},
            "max_median": {"silent_wait_max_hours": 48, "interactions": "+1"},
            "max_p90": {"customer_wait_hours": 240},
            "max_flag_cases": {"FM009": 25},
            "baseline": {"gates": "always", "max_worse_pct": 5},
        },
        source="x",
    )
    names = {g.name: g.limit.text() for g in cfg.gates}
    assert names["max_flag_share.FM004"] == "baseline +10%"
    assert names["max_median.interactions"] == "baseline +1"
    assert names["never.FM003"] == "0"
    assert cfg.alpha == 0.01 and cfg.baseline.gates == "always"


# ------------------------------------------------------------------- baselines and drift


def test_two_weeks_of_the_same_process_pass(weeks: dict[str, Path]) -> None:
    base = audit(weeks["base"]).current  # type: ignore[attr-defined]
    result = audit(weeks["same"], baseline=base)
    assert result.status == "pass", [g.message for g in result.gates if g.status != "pass"]  # type: ignore[attr-defined]
    assert len(result.gates) == 11 + 13  # type: ignore[attr-defined]  # default: rules + medians


def test_a_week_with_doubled_ping_pong_fails_on_ping_pong(weeks: dict[str, Path]) -> None:
    base = audit(weeks["base"]).current  # type: ignore[attr-defined]
    result = audit(weeks["pingpong"], baseline=base)
    assert result.status == "fail"  # type: ignore[attr-defined]
    failed = [g.name for g in result.gates if g.status == "fail"]  # type: ignore[attr-defined]
    assert failed == ["baseline.flag_share.FM005"]
    verdicts = {c.name: c.verdict for c in result.comparisons}  # type: ignore[attr-defined]
    assert verdicts["flag_share.FM005"] == "worse"
    assert verdicts["flag_share.FM001"] == "no significant change"


def test_a_tiny_week_with_one_bad_case_does_not_alert_on_shares(
    weeks: dict[str, Path], tmp_path: Path
) -> None:
    tiny = week(5, 7, ping_pong=0.0)
    bad = week(1, 8, ping_pong=1.0)
    path = write(pl.concat([tiny, bad]), tmp_path / "tiny.csv")
    base = audit(weeks["base"]).current  # type: ignore[attr-defined]
    cfg = parse_audit_settings(
        {"max_flag_share": {"FM005": 0.10}, "baseline": {"gates": "always"}}, source="t"
    )
    result = audit(path, baseline=base, audit=cfg)
    gate = next(g for g in result.gates if g.name == "max_flag_share.FM005")  # type: ignore[attr-defined]
    assert gate.value == pytest.approx(1 / 6)
    assert gate.status == "warn"  # above 10%, but one case in six is no evidence
    assert result.status == "warn"  # type: ignore[attr-defined]
    assert any("only 6 cases" in n for n in result.notes)  # type: ignore[attr-defined]


def test_without_significance_a_limit_is_a_plain_threshold(tmp_path: Path) -> None:
    path = write(
        pl.concat([week(5, 7, ping_pong=0.0), week(1, 8, ping_pong=1.0)]), tmp_path / "t.csv"
    )
    cfg = parse_audit_settings(
        {"max_flag_share": {"FM005": 0.10}, "significance": False}, source="t"
    )
    assert audit(path, audit=cfg).status == "fail"  # type: ignore[attr-defined]


def test_absolute_gates(weeks: dict[str, Path]) -> None:
    cfg = parse_audit_settings(
        {
            "never": ["FM003"],
            "max_flag_cases": {"FM005": 10},
            "max_flag_share": {"FM005": 0.5},
            "max_median": {"silent_wait_max_hours": 48, "interactions": 0.5},
            "max_p90": {"customer_wait_hours": 1000},
        },
        source="t",
    )
    result = audit(weeks["base"], audit=cfg)
    status = {g.name: g.status for g in result.gates}  # type: ignore[attr-defined]
    assert status == {
        "never.FM003": "pass",
        "max_flag_cases.FM005": "fail",
        "max_flag_share.FM005": "pass",
        "max_median.silent_wait_max_hours": "pass",
        "max_median.interactions": "fail",
        "max_p90.customer_wait_hours": "pass",
    }
    assert result.status == "fail"  # type: ignore[attr-defined]


def test_relative_gate_needs_a_baseline(weeks: dict[str, Path]) -> None:
    cfg = parse_audit_settings({"max_flag_share": {"FM005": "+10%"}}, source="t")
    with pytest.raises(FMUsageError, match="relative to the baseline"):
        audit(weeks["base"], audit=cfg)


def test_baseline_round_trip_and_no_personal_data(weeks: dict[str, Path], tmp_path: Path) -> None:
    first = audit(weeks["base"])
    path = tmp_path / "baseline.json"
    save_baseline(first.current, path)  # type: ignore[attr-defined]
    loaded = load_baseline(path)
    assert loaded.as_record() == first.current.as_record()  # type: ignore[attr-defined]
    data = json.loads(path.read_text())
    assert data["format"] == "frictionminer-baseline" and data["version"] == 1
    text = path.read_text()
    frame = pl.read_csv(weeks["base"])
    for value in [*frame["case_id"].unique().to_list(), *frame["resource"].unique().to_list()]:
        assert value not in text
    assert "W1-" not in text and "agent" not in text and "Frontline" not in text
    # comparing a week with its own baseline: nothing changes
    again = audit(weeks["base"], baseline=loaded)
    assert again.status == "pass"  # type: ignore[attr-defined]
    assert {c.verdict for c in again.comparisons} == {"no significant change"}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{not json", "invalid JSON"),
        ('{"format": "other"}', "not a frictionminer baseline"),
        ('{"format": "frictionminer-baseline", "version": 7}', "version 7 is not supported"),
        ('{"format": "frictionminer-baseline", "version": 1, "cases": 3}', "lacks key 'rules'"),
        (
            '{"format": "frictionminer-baseline", "version": 1, "cases": 3, "rules": '
            '{"FM001": {"cases": 1, "share": 7}}, "measures": {}}',
            "'rules.FM001.share' must be a share",
        ),
    ],
)
def test_bad_baseline_is_an_input_error_naming_the_file(
    tmp_path: Path, content: str, needle: str
) -> None:
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(InputError) as exc:
        load_baseline(path)
    assert str(exc.value).startswith(str(path)) and needle in str(exc.value)


# ------------------------------------------------------------------ windows and censoring


def test_window_parsing() -> None:
    w = Window.parse("2024-05-06", "2024-05-12", None)
    assert w.since == MONDAY and w.until == MONDAY + timedelta(days=7)  # the 12th included
    w = Window.parse(None, "2024-05-13T00:00:00+02:00", "7d")
    assert w.until == datetime(2024, 5, 12, 22, tzinfo=UTC)
    assert w.since == w.until - timedelta(days=7)
    assert Window.parse(None, None, "2w").length == timedelta(days=14)
    for args in (("x", None, None), (None, None, "7 days"), ("2024-05-07", "2024-05-06", None)):
        with pytest.raises(FMUsageError):
            Window.parse(*args)
    with pytest.raises(FMUsageError, match="both --since and --until"):
        Window.parse("2024-05-01", "2024-05-08", "7d")


def _story(tmp_path: Path) -> Path:
    """Three cases around a window ending 2024-05-08 00:00 (from 2024-05-06)."""
    h = lambda x: MONDAY + timedelta(hours=x)  # noqa: E731
    rows = [
        # resolved inside the window
        ("A", "Customer reports problem", h(1), "Frontline"),
        ("A", "Case resolved", h(5), "Frontline"),
        # open at the window's end: reported at 38 h, checked at 39 h, resolved after the end
        ("B", "Customer reports problem", h(38), "Frontline"),
        ("B", "Check claim", h(39), "Frontline"),
        ("B", "Case resolved", h(60), "Frontline"),
        # began before the window
        ("C", "Customer reports problem", h(-30), "Frontline"),
        ("C", "Check claim", h(2), "Frontline"),
        ("C", "Case resolved", h(4), "Frontline"),
    ]
    frame = pl.DataFrame(rows, schema=["case_id", "activity", "timestamp", "group"], orient="row")
    return write(frame, tmp_path / "story.csv")


def test_window_excludes_events_and_censors_open_cases(tmp_path: Path) -> None:
    path = _story(tmp_path)
    result = audit(path, window=Window.parse("2024-05-06", "2024-05-07", None))
    w = result.window  # type: ignore[attr-defined]
    assert (w.events, w.events_before, w.events_after) == (6, 1, 1)
    assert (w.cases, w.open_cases, w.carried_in) == (3, 1, 1)
    assert w.end == MONDAY + timedelta(days=2)
    cases = {r["case_id"]: r for r in result.result.cases.iter_rows(named=True)}  # type: ignore[attr-defined]
    b = cases["B"]
    assert b["resolved"] is False and b["events"] == 2  # the window-end event is not counted
    assert b["customer_wait_hours"] == pytest.approx(10.0)  # 38 h → window end at 48 h
    assert b["silent_wait_max_hours"] == pytest.approx(10.0)
    assert cases["C"]["customer_wait_hours"] == pytest.approx(2.0)  # seen from 2 h on
    assert WINDOW_END not in result.result.events["activity"].to_list()  # type: ignore[attr-defined]
    durations = result.current.measures["duration_hours"]  # type: ignore[attr-defined]
    assert durations.n == 2 and durations.population == "completed"  # B is not completed
    assert result.current.measures["customer_wait_hours"].n == 3  # type: ignore[attr-defined]
    assert any("open at the window's end" in n for n in result.notes)  # type: ignore[attr-defined]


WINDOW_END = "(window end)"


def test_until_beyond_the_log_is_capped_at_its_last_event(tmp_path: Path) -> None:
    path = _story(tmp_path)
    result = audit(path, window=Window.parse("2024-05-06", "2024-06-30", None))
    assert result.window.end == MONDAY + timedelta(hours=60)  # type: ignore[attr-defined]
    assert result.window.open_cases == 0  # type: ignore[attr-defined]


def test_window_with_no_events_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no events in the window"):
        audit(_story(tmp_path), window=Window.parse("2023-01-01", "2023-01-07", None))


def test_window_of_the_last_days(tmp_path: Path) -> None:
    two = pl.concat([week(200, 1), week(200, 2, start=MONDAY + timedelta(days=7))])
    path = write(two, tmp_path / "two.csv")
    result = audit(path, window=Window.parse(None, None, "7d"))
    w = result.window  # type: ignore[attr-defined]
    assert w.since == w.log_last - timedelta(days=7) and w.until is None
    assert 0 < w.events < two.height


def test_a_glob_of_weekly_csv_exports_is_one_log(tmp_path: Path) -> None:
    a, b = week(50, 1), week(50, 2, start=MONDAY + timedelta(days=7))
    write(a, tmp_path / "week1.csv")
    write(pl.concat([b, a.head(10)]), tmp_path / "week2.csv")  # overlaps week 1 by 10 events
    log = load_logs(str(tmp_path / "week*.csv"), SETTINGS)
    assert log.events.height == a.height + b.height
    assert log.events["event_index"].n_unique() == log.events.height
    assert any(f.code == "duplicate-events-dropped" and f.count == 10 for f in log.findings)
    assert load_logs(str(tmp_path), SETTINGS).events.height == log.events.height


# ------------------------------------------------------------------------- CLI and formats


GATES = """
[audit]
never = ["FM005"]
max_median = { silent_wait_max_hours = 240 }
"""


def _junit_cases(text: str) -> list[ET.Element]:
    """Check the JUnit shape CI test tabs read (the Jenkins/junit-10 schema) and return
    the test cases."""
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    for attr in ("name", "tests", "failures", "errors", "skipped", "time", "timestamp"):
        assert attr in suite.attrib
    cases = suite.findall("testcase")
    assert int(suite.attrib["tests"]) == len(cases)
    failures = [c for c in cases if c.find("failure") is not None]
    assert int(suite.attrib["failures"]) == len(failures)
    for case in cases:
        assert case.attrib["name"] and case.attrib["classname"]
        float(case.attrib["time"])
        assert set(child.tag for child in case) <= {"failure", "system-out"}
    return cases


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "github", "markdown"])
def test_breached_gate_exits_1_in_every_format_and_names_the_gate(
    weeks: dict[str, Path], tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    cfg = config(tmp_path, GATES)
    code, out, err = run("audit", str(weeks["pingpong"]), "--config", str(cfg), "--format", fmt)
    assert code == EXIT_BREACH, err
    assert "never.FM005" in out
    if fmt == "junit":
        cases = _junit_cases(out)
        failed = [c.attrib["name"] for c in cases if c.find("failure") is not None]
        assert failed == ["never.FM005"]
    elif fmt == "github":
        assert "::error title=frictionminer audit%3A never.FM005::" in out
        assert "::error" not in out.replace("::error title=frictionminer audit%3A never", "")
    elif fmt == "json":
        data = json.loads(out)
        assert data["status"] == "fail" and data["counts"]["fail"] == 1
    assert "never.FM005" in summary.read_text()  # the step summary, whatever the format


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "github", "markdown"])
def test_passing_gates_exit_0_in_every_format(
    weeks: dict[str, Path], tmp_path: Path, fmt: str
) -> None:
    cfg = config(tmp_path, '[audit]\nnever = ["FM003"]\nmax_flag_share = { FM005 = 0.5 }\n')
    code, out, err = run("audit", str(weeks["base"]), "--config", str(cfg), "-f", fmt)
    assert code == EXIT_OK, err
    if fmt == "junit":
        assert len(_junit_cases(out)) == 2
    if fmt == "github":
        assert "::error" not in out and "::notice" in out


def test_cli_baseline_round_trip_with_outputs(weeks: dict[str, Path], tmp_path: Path) -> None:
    base = tmp_path / "baseline.json"
    code, _, err = run("audit", str(weeks["base"]), "--save-baseline", str(base), "-q")
    assert code == EXIT_OK, err
    assert json.loads(base.read_text())["format"] == "frictionminer-baseline"
    code, _, _ = run("audit", str(weeks["same"]), "--baseline", str(base))
    assert code == EXIT_OK
    report = tmp_path / "audit.xml"
    code, _, err = run("audit", str(weeks["pingpong"]), "--baseline", str(base), "-o", str(report))
    assert code == EXIT_BREACH
    cases = _junit_cases(report.read_text())
    failed = [c.attrib["name"] for c in cases if c.find("failure") is not None]
    assert failed == ["baseline.flag_share.FM005"]
    assert "audit fail" in err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--config", "BAD"), "audit.max_flag_share.FM005"),
        (("--baseline", "MISSING"), "no such baseline file"),
        (("--since", "yesterday"), "--since 'yesterday'"),
        (("-o", "out.pdf"), "cannot tell the output format"),
    ],
)
def test_errors_exit_2_with_one_line(
    weeks: dict[str, Path], tmp_path: Path, args: tuple[str, str], needle: str
) -> None:
    bad = config(tmp_path, "[audit]\nmax_flag_share = { FM005 = 15 }\n")
    values = [
        str(bad) if a == "BAD" else str(tmp_path / "nope.json") if a == "MISSING" else a
        for a in args
    ]
    code, _, err = run("audit", str(weeks["base"]), *values)
    assert code == EXIT_USAGE
    assert err.startswith("error: ") and err.count("\n") == 1 and needle in err


def test_writers_registry_and_suffixes() -> None:
    assert set(WRITERS) == {"text", "json", "junit", "github", "markdown"}
    assert infer_format(Path("a.xml")) == "junit" and infer_format(None) == "text"
    assert infer_format(Path("s.md")) == "markdown"


def test_no_gates_passes_with_a_note(weeks: dict[str, Path]) -> None:
    result = audit(weeks["base"], audit=AuditSettings())
    assert result.status == "pass" and result.gates == []  # type: ignore[attr-defined]
    assert any("no gates" in n for n in result.notes)  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ a real log


def test_two_real_weekly_slices_give_a_readable_verdict(tmp_path: Path) -> None:
    """BPIC 2013 incidents: the cases begun in the week of 2012-04-30 against the week before."""
    log = shared_log("bpic2013/BPI_Challenge_2013_incidents.xes.gz")
    settings = load_settings(Path(__file__).parents[1] / "docs/examples/bpic2013.toml")
    events = load(log, settings)
    window = Window.parse("2012-04-23", "2012-04-29", None, "started")
    before = run_audit(events, settings, window=window)
    assert before.current.cases > 1000 and before.window.carried_in == 0
    path = tmp_path / "baseline.json"
    save_baseline(before.current, path)
    window = Window.parse("2012-04-30", "2012-05-06", None, "started")
    after = run_audit(events, settings, load_baseline(path), window)
    # Measured on this log: 1,196 cases begun in the first week, 5,469 in the second, whose
    # median effort is significantly higher: the one default baseline gate that fails.
    assert (before.current.cases, after.current.cases) == (1196, 5469)
    assert after.status == "fail"
    assert [g.name for g in after.gates if g.status != "pass"] == ["baseline.median.effort_minutes"]
    text = WRITERS["text"](after)
    assert "against the baseline" in text and "audit " in text
    assert len(after.comparisons) == 11 + 2 * 13


def test_audit_measures_follow_the_measure_table() -> None:
    """audit.py keeps its own list (it must not import polars to validate a config);
    this keeps it from drifting away from the measures the engine produces."""
    from frictionminer.engine.measures import MEASURES, WAIT_MEASURES
    from frictionminer.settings.audit import AUDIT_MEASURES

    not_gated = {"events", "start", "end", "resolved", "reopened", *WAIT_MEASURES}
    assert (*(m for m in MEASURES if m not in not_gated), "friction_score") == AUDIT_MEASURES
