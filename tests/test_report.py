"""The HTML report: numbers as in ``score --format json``, escaping, languages, offline
rendering in a real browser, pseudonymisation; and the Markdown summary."""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from frictionminer.cli import app
from frictionminer.engine.causes import find_causes
from frictionminer.engine.pipeline import analyze
from frictionminer.engine.result import Result
from frictionminer.engine.rules import RULES
from frictionminer.io import load
from frictionminer.reporting import catalogue as C
from frictionminer.reporting.catalogue import Lang
from frictionminer.reporting.explain import StepKind
from frictionminer.reporting.html import CSP, SCRIPT, render_html
from frictionminer.reporting.markdown import render_score_markdown
from frictionminer.reporting.pdf import OFFLINE_FLAGS
from frictionminer.settings.load import load_settings

ROOT = Path(__file__).resolve().parents[1]
SHOELACE = str(ROOT / "sample_logs" / "shoelace.csv")
STORIES = str(ROOT / "sample_logs" / "stories.toml")
XSS = "<script>alert(1)</script>"

runner = CliRunner()


def _data(page: str) -> dict[str, object]:
    m = re.search(r'<script type="application/json" id="frictionminer-data">(.*?)</script>', page)
    assert m, "the report embeds its numbers as JSON"
    return json.loads(m.group(1))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def hostile_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shoelace log with an activity and a team named like an XSS payload."""
    df = pl.read_csv(SHOELACE, infer_schema=False)
    df = df.with_columns(
        pl.when(pl.col("activity") == "Request receipt from customer")
        .then(pl.lit(f"Request receipt from customer {XSS}"))
        .otherwise(pl.col("activity"))
        .alias("activity"),
        pl.when(pl.col("team") == "Logistics")
        .then(pl.lit(f"Logistics {XSS}"))
        .otherwise(pl.col("team"))
        .alias("team"),
    )
    path = tmp_path_factory.mktemp("hostile") / "shoelace.csv"
    df.write_csv(path)
    return path


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory, hostile_log: Path) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    res = runner.invoke(
        app, ["report", str(hostile_log), "--config", STORIES, "-o", str(out), "--quiet"]
    )
    assert res.exit_code == 0, res.output
    return out


def test_report_numbers_equal_score_json(report_file: Path, hostile_log: Path) -> None:
    res = runner.invoke(app, ["score", str(hostile_log), "--config", STORIES, "-f", "json"])
    assert res.exit_code == 0, res.output
    scored = json.loads(res.stdout)
    page = report_file.read_text(encoding="utf-8")
    data = _data(page)
    expected = dict(scored["summary"])
    got = dict(data["summary"])  # type: ignore[arg-type]
    assert got == expected
    assert data["top_cases"] == [c["case_id"] for c in scored["cases"][:20]]
    # and the visible tables say the same
    for rid, stats in expected["flags"].items():
        row = re.search(rf'<tr data-rule="{rid}">(.*?)</tr>', page, re.S)
        assert row, rid
        assert f"{stats['share']:.1%}" in row.group(1)
        assert f">{stats['cases']:,}<" in row.group(1)
    for name, q in expected["measures"].items():
        row = re.search(rf'<tr data-measure="{name}">(.*?)</tr>', page, re.S)
        assert row, name
        assert f">{q['median']:g}<" in row.group(1) and f">{q['p90']:g}<" in row.group(1)
    top = scored["cases"][0]
    assert f">{top['case_id']}<" in page and f"{top['friction_score']:.1f}" in page


def test_untrusted_names_are_escaped(report_file: Path) -> None:
    page = report_file.read_text(encoding="utf-8")
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # two <script> elements: the static script (nothing from the log in it, allowed by its
    # hash) and the JSON data block, which is not executable
    assert page.count("<script") == 2
    assert f"<script>{SCRIPT}</script>" in page
    assert '<script type="application/json"' in page


def test_report_is_self_contained(report_file: Path) -> None:
    page = report_file.read_text(encoding="utf-8")
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
    assert "default-src 'none'" in CSP
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in CSP and "unsafe-inline'; base" not in CSP
    external = re.findall(r'(?:src|href)\s*=\s*"(?!#|data:)([^"]+)"', page)
    assert external == []
    assert not re.search(r"url\(\s*['\"]?(?!#|data:)", page)
    assert "@import" not in page


@pytest.mark.parametrize("lang", ["en", "de"])
def test_both_languages_render(tmp_path: Path, lang: Lang) -> None:
    out = tmp_path / f"report-{lang}.html"
    res = runner.invoke(
        app,
        ["report", SHOELACE, "--config", STORIES, "-o", str(out), "--lang", lang, "-q"],
    )
    assert res.exit_code == 0, res.output
    page = html_lib.unescape(out.read_text(encoding="utf-8"))
    assert f'<html lang="{lang}">' in page
    other: Lang = "de" if lang == "en" else "en"
    for key in ("exec", "causes", "map", "methods", "remedy_automation"):
        assert C.PAGE[key][lang] in page and C.PAGE[key][other] not in page, key
    # the timelines are told in the page's language, from the same catalogue
    task = C.STEPS[StepKind.CUSTOMER_TASK]
    assert task[lang] in page and task[other] not in page
    title, _ = C.finding_text(find_causes(_shoelace()).findings[0], lang)
    assert title in page


def _shoelace() -> Result:
    settings = load_settings(Path(STORIES))
    return analyze(load(SHOELACE, settings), settings)


def test_title_option_and_process_map_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frictionminer.reporting import charts

    monkeypatch.setattr(charts, "dot_available", lambda: False)
    settings = load_settings(Path(STORIES))
    result = analyze(load(SHOELACE, settings), settings)
    page = render_html(result, find_causes(result), title="Acme & Co <review>")
    assert "<title>Acme &amp; Co &lt;review&gt;</title>" in page
    assert 'class="note nodot"' in page and "Graphviz" in page
    assert '<table class="flows">' in page


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
def test_process_map_drawn_with_graphviz(report_file: Path) -> None:
    page = report_file.read_text(encoding="utf-8")
    assert 'class="chart pmap"' in page and "nodot" not in page


def test_pseudonymized_report_hides_ids_and_names(tmp_path: Path) -> None:
    settings = load_settings(Path(STORIES))
    result = analyze(load(SHOELACE, settings), settings)
    case_ids = result.cases["case_id"].to_list()
    people = [  # the named employees, not the generic "customer" / "system"
        p
        for p in result.events["resource"].drop_nulls().unique().to_list()
        if p not in ("customer", "system")
    ]
    assert people
    out = tmp_path / "pseudo.html"
    res = runner.invoke(
        app,
        [
            "report",
            SHOELACE,
            "--config",
            STORIES,
            "-o",
            str(out),
            "--pseudonymize",
            "--pseudonym-key",
            "k",
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    for value in [*case_ids, *people]:
        assert not re.search(rf"\b{re.escape(value)}\b", page), value
    assert "case-" in page and "HMAC-SHA256" in page
    # stable: the same key gives the same report ids
    again = tmp_path / "again.html"
    env = {"FRICTIONMINER_PSEUDONYM_KEY": "k"}
    res = runner.invoke(
        app,
        ["report", SHOELACE, "--config", STORIES, "-o", str(again), "--pseudonymize", "-q"],
        env=env,
    )
    assert res.exit_code == 0, res.output
    assert _data(page)["top_cases"] == _data(again.read_text(encoding="utf-8"))["top_cases"]


def test_markdown_summary(tmp_path: Path) -> None:
    settings = load_settings(Path(STORIES))
    result = analyze(load(SHOELACE, settings), settings)
    causes = find_causes(result)
    text = render_score_markdown(result, 3, causes)
    summary = result.summary()
    assert text.startswith(C.MARKDOWN["title"].en)
    assert f"{summary['flagged_share']:.1%}" in text
    rows = [line for line in text.splitlines() if line.startswith("| FM")]
    assert [r.split(" | ")[0] for r in rows] == [f"| {rid}" for rid in RULES]
    causes_at = text.splitlines().index(C.MARKDOWN["causes"].en)
    told = [line for line in text.splitlines()[causes_at:] if line.startswith("1. ")]
    assert len(told) == min(3, len(causes.findings))
    assert text.count("\n| ") >= len(RULES) + 3
    from frictionminer.reporting.markdown import escape_md

    assert escape_md("a|b <x> @team") == r"a\|b \<x\> \@team"


# ------------------------------------------------------------------ real browser


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


_BACKGROUND = re.compile(r"^https?://([a-z0-9.-]+\.)?(google\.com|googleapis\.com|gvt1\.com)/")
"""Chromium's own background traffic (updates, time), not requests of the page."""


def test_report_opens_in_chromium_offline(report_file: Path, tmp_path: Path) -> None:
    exe = _chromium()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    shot = tmp_path / "report.png"
    netlog = tmp_path / "netlog.json"
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        f"--log-net-log={netlog}",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        report_file.resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert shot.exists() and shot.stat().st_size > 20_000, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
    urls = set(re.findall(r'"url":"([^"]+)"', netlog.read_text(errors="replace")))
    page_requests = [u for u in urls if not u.startswith("file:") and not _BACKGROUND.match(u)]
    assert page_requests == []


def test_report_script_runs_under_its_csp(report_file: Path, tmp_path: Path) -> None:
    """In Chromium the script runs (the CSP hash matches): tables get a sort on their
    headers, long ones a filter box, the contents a case-id search; nothing is blocked."""
    exe = _chromium()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    cmd = [
        exe,
        *OFFLINE_FLAGS,
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
        report_file.resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    dom = proc.stdout
    assert 'class="fm-find"' in dom
    assert dom.count('class="fm-sort"') >= 5
    blocked = [line for line in proc.stderr.splitlines() if "Content Security Policy" in line]
    assert blocked == []
