"""``audit`` on windows of different lengths: the common follow-up horizon, and lines whose
words agree with their figures (issue 13, point 8).

The fixture is one clockwork process, so every figure is counted by hand: each case is a
customer report and, a fixed time later, a resolution.  The baseline window holds 20 days
of cases begun every 4 hours; the current window 3 days of cases begun every hour.  Cases
begun less than the resolution time before a window's end are still open there.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from conftest import shared_log
from frictionminer.auditing.gates import Comparison
from frictionminer.cli import app
from frictionminer.errors import EXIT_BREACH, EXIT_OK
from frictionminer.reporting.audit import comparison_line, verdict_text

runner = CliRunner()
T0 = datetime(2024, 5, 1, tzinfo=UTC)
BASE = ("--since", "2024-05-01", "--until", "2024-05-20", "--cases", "started")
"""20 days (480 h): cases begun at 0, 4, …, 476 h — 120 cases."""
CURRENT = ("--since", "2024-05-22", "--until", "2024-05-24", "--cases", "started")
"""3 days (504 h to 576 h): cases begun at 504, 505, …, 575 h — 72 cases."""


def _cases(prefix: str, starts: range, resolve_after: float) -> pl.DataFrame:
    rows = []
    for i, h in enumerate(starts):
        start = T0 + timedelta(hours=h)
        rows.append((f"{prefix}{i:03d}", "Customer reports problem", start))
        rows.append((f"{prefix}{i:03d}", "Case resolved", start + timedelta(hours=resolve_after)))
    return pl.DataFrame(rows, schema=["case_id", "activity", "timestamp"], orient="row")


def _log(tmp_path: Path, current_resolve_after: float = 20.0, current_hours: int = 72) -> Path:
    frame = pl.concat(
        [
            _cases("B", range(0, 480, 4), 20.0),
            _cases("C", range(504, 504 + current_hours), current_resolve_after),
        ]
    )
    path = tmp_path / "clockwork.csv"
    frame.write_csv(path)
    return path


def _run(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def _baseline(tmp_path: Path, log: Path) -> Path:
    target = tmp_path / "baseline.json"
    code, _, err = _run("audit", str(log), *BASE, "--save-baseline", str(target), "-q")
    assert code == EXIT_OK, err
    return target


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "frictionminer.toml"
    path.write_text(text)
    return path


def test_the_baseline_stores_its_figures_at_each_affordable_horizon(tmp_path: Path) -> None:
    data = json.loads(_baseline(tmp_path, _log(tmp_path)).read_text())
    assert data["cases"] == 120 and data["open_cases"] == 5  # begun at 460 h or later
    horizons = data["horizons"]
    # A case is observable for H when it began at least H before the end (480 h):
    # 4 h: 0..476 → 120; 24 h: 0..456 → 115; 168 h: 0..312 → 79; 336 h: 0..144 → 37
    # (37 < 60, half of 120: not stored); no case is open at any of them (resolved at 20 h
    # after its start), except at 4 h and 12 h where none is resolved yet.
    assert {k: v["cases"] for k, v in horizons.items()} == {
        "4": 120,
        "12": 118,
        "24": 115,
        "48": 109,
        "72": 103,
        "168": 79,
    }
    assert horizons["24"]["open_cases"] == 0 and horizons["4"]["open_cases"] == 120
    assert horizons["24"]["rules"]["FM009"] == {"cases": 0, "share": 0.0}


def test_a_short_window_no_longer_reads_open_cases_as_a_worsening(tmp_path: Path) -> None:
    log = _log(tmp_path)
    baseline = _baseline(tmp_path, log)
    # Before: whole windows compared. 20 of 72 cases (begun at 556 h or later) are open at the
    # current window's end against 5 of 120 in the baseline: a false worsening of FM009.
    off = _config(tmp_path, '[audit.horizon]\nmode = "off"\n')
    code, out, _ = _run(
        "audit", str(log), *CURRENT, "--baseline", str(baseline), "--config", str(off)
    )
    assert code == EXIT_BREACH
    assert "FAIL  baseline.flag_share.FM009" in out
    assert "FM009 flagged share: 4.2% → 27.8%: worse" in out
    assert '[audit.horizon] mode = "off"' in out
    # After (the default): both sides at 24 h, the longest horizon at which the current
    # window keeps 20 cases and half of its 72 (begun by 552 h: 49; at 48 h only 25).
    code, out, _ = _run("audit", str(log), *CURRENT, "--baseline", str(baseline), "-f", "json")
    assert code == EXIT_OK
    data = json.loads(out)
    assert data["status"] == "pass"
    assert data["horizon"] == {
        "method": "common_horizon",
        "hours": 24.0,
        "current_cases": 49,
        "current_window_cases": 72,
        "baseline_cases": 115,
        "baseline_window_cases": 120,
        "reason": None,
        "tried_hours": None,
        "min_cases": 20,
        "min_share": 0.5,
    }
    fm009 = next(c for c in data["comparisons"] if c["name"] == "flag_share.FM009")
    assert (fm009["baseline"], fm009["current"], fm009["current_n"]) == (0.0, 0.0, 49)
    assert all(c["verdict"] == "no significant change" for c in data["comparisons"])
    assert data["open_cases"] == 20  # the window itself still says what is open
    code, out, _ = _run("audit", str(log), *CURRENT, "--baseline", str(baseline))
    assert (
        "compared at a common horizon of 24 h: the 49 of 72 cases of this window and 115 of "
        "120 of the baseline that began at least 24 h before their window's end" in out
    )


def test_a_real_worsening_is_still_detected_at_the_horizon(tmp_path: Path) -> None:
    log = _log(tmp_path, current_resolve_after=40.0)  # resolved after 40 h instead of 20 h
    baseline = _baseline(tmp_path, log)
    code, out, _ = _run("audit", str(log), *CURRENT, "--baseline", str(baseline), "-f", "json")
    assert code == EXIT_BREACH
    data = json.loads(out)
    assert data["horizon"]["hours"] == 24.0
    fm009 = next(g for g in data["gates"] if g["name"] == "baseline.flag_share.FM009")
    # at 24 h all 49 current cases are still open, none of the baseline's 115
    assert (fm009["status"], fm009["value"], fm009["limit"], fm009["n"]) == ("fail", 1.0, 0.0, 49)


def test_windows_too_short_for_a_common_horizon_say_so(tmp_path: Path) -> None:
    log = _log(tmp_path, current_hours=18)  # 18 cases: fewer than 20 at any horizon
    baseline = _baseline(tmp_path, log)
    cfg = _config(tmp_path, '[audit]\nmax_flag_share = { FM009 = "+0%" }\n')
    args = ("audit", str(log), *CURRENT, "--baseline", str(baseline), "--config", str(cfg))
    code, out, _ = _run(*args)
    assert code == EXIT_OK  # a warning, not a breach
    # the window ends at the log's last event (521 h + 20 h = 541 h): at 4 h, the cases
    # begun by 537 h — all 18
    assert (
        "no comparison with the baseline: no horizon of [audit.horizon] keeps 20 cases and "
        "50% of each window (at the shortest, 4 h: this window 18 of 18 cases, the baseline "
        "120 of 120)" in out
    )
    assert "WARN  max_flag_share.FM009  not compared with the baseline" in out
    data = json.loads(_run(*args, "-f", "json")[1])
    assert data["status"] == "warn" and data["comparisons"] == []
    assert data["horizon"]["method"] == "none"
    assert data["horizon"]["reason"] == "no_common_horizon"
    gate = data["gates"][0]
    assert (gate["value"], gate["limit"], gate["not_compared"]) == (None, None, "no_common_horizon")


def test_a_limit_exceeded_without_significance_says_so_in_words(tmp_path: Path) -> None:
    # 10 cases begun every 4 h; 3 of them still open at the end (FM009: 30%).
    frame = pl.concat([_cases("A", range(0, 28, 4), 6.0), _cases("X", range(28, 40, 4), 99)])
    log = tmp_path / "ten.csv"
    frame.filter(pl.col("timestamp") <= T0 + timedelta(hours=40)).write_csv(log)
    cfg = _config(tmp_path, "[audit]\nmax_flag_share = { FM009 = 0.2 }\n")
    code, out, _ = _run("audit", str(log), "--config", str(cfg))
    assert code == EXIT_OK
    # P(X >= 3 | n = 10, p = 0.2) = 1 - (0.8^10 + 10·0.2·0.8^9 + 45·0.2²·0.8^8) = 0.3222
    assert (
        "WARN  max_flag_share.FM009  30.0%, above the limit 20.0%, but not significant "
        "(p=0.322 adjusted, n=10)" in out
    )


def test_the_helpdesk_log_with_a_long_earlier_baseline_and_a_short_window(
    tmp_path: Path,
) -> None:
    """The reproduction of the issue on a real log (docs/ci.md quotes these lines)."""
    log = shared_log("helpdesk/helpdesk.xes.gz")
    cfg = Path(__file__).parent.parent / "docs/case-studies/helpdesk.toml"
    base = tmp_path / "h1.json"
    window = ("--config", str(cfg), "--cases", "started")
    code, _, err = _run(
        "audit", str(log), *window, "--since", "2012-01-01", "--until", "2012-06-30",
        "--save-baseline", str(base), "-q",
    )  # fmt: skip
    assert code == EXIT_OK, err
    current = ("audit", str(log), *window, "--since", "2012-07-01", "--until", "2012-07-14")
    off = tmp_path / "off.toml"
    off.write_text(cfg.read_text() + '\n[audit.horizon]\nmode = "off"\n')
    code, out, _ = _run(*current[:2], "--config", str(off), *current[4:], "--baseline", str(base))
    assert code == EXIT_BREACH
    assert "FM009 flagged share: 4.9% → 27.3%: worse (p<0.0001 adjusted" in out
    code, out, _ = _run(*current, "--baseline", str(base))
    assert code == EXIT_OK
    assert "compared at a common horizon of 3 d: the 49 of 55 cases of this window and 962" in out
    assert "FM009 flagged share: 46.7% → 32.7%: no significant change" in out
    assert "p=<" not in out
    for line in out.splitlines():  # no PASS line shows a value above its limit unexplained
        if line.startswith("  PASS") and "above the limit" in line:
            assert "but not significantly worse than the baseline (p=" in line


def _median_shift(p_adjusted: float) -> Comparison:
    return Comparison(
        "median", "interactions", 2.0, 2.0, 400, 400, 120, 200, "two-proportion-z",
        p_worse=1e-6, p_better=0.9, p_value=2e-6, p_adjusted=p_adjusted,
    )  # fmt: skip


def test_a_quantile_that_stays_while_the_cases_move_is_not_called_unchanged() -> None:
    c = _median_shift(3e-5)
    c.shift = "up"  # what run_audit sets for a significant test with an unmoved median
    line = comparison_line(c)
    assert line == (
        "interactions median: 2 → 2, unchanged; cases above 2: 120/400 (30.0%) → 200/400 "
        "(50.0%), significantly more (p<0.0001 adjusted, two-proportion-z)"
    )
    assert "no significant change" not in line
    assert verdict_text(c) == "median unchanged, but significantly more cases above it"
    quiet = _median_shift(0.4)
    assert comparison_line(quiet).endswith(
        "2 → 2: no significant change (p=0.4 adjusted, two-proportion-z; above the baseline "
        "median: 120/400 → 200/400)"
    )


@pytest.mark.parametrize("table", ['mode = "sometimes"', "hours = []", "min_share = 2"])
def test_bad_horizon_settings_name_the_key(tmp_path: Path, table: str) -> None:
    cfg = _config(tmp_path, f"[audit.horizon]\n{table}\n")
    code, _, err = _run("audit", str(_log(tmp_path)), "--config", str(cfg))
    assert code == 2
    assert f"audit.horizon.{table.split()[0]}" in err
