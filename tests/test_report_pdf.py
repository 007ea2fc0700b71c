"""`report -o x.pdf`: the report printed by headless Chromium, read back with poppler."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SAMPLES
from frictionminer.cli import app
from frictionminer.reporting.pdf import find_browser, print_layout

runner = CliRunner()
SHOELACE = str(SAMPLES / "shoelace.csv")
STORIES = str(SAMPLES / "stories.toml")


def _needs(tool: str | None, what: str) -> None:
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is required in CI (.ci/run installs it)")
        pytest.skip(f"{what} not installed")


def _leftovers() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("frictionminer-pdf-*")}


def test_pdf_has_pages_with_the_log_name_and_page_numbers(tmp_path: Path) -> None:
    _needs(find_browser(), "chromium")
    _needs(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
    before = _leftovers()
    out = tmp_path / "shoelace.pdf"
    res = runner.invoke(app, ["report", SHOELACE, "--config", STORIES, "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:5] == b"%PDF-"
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
    assert pages >= 2 and "A4" in info.stdout
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    per_page = text.split("\f")[:pages]
    for n, page in enumerate(per_page, start=1):
        assert "shoelace.csv" in page.splitlines()[0] or "shoelace.csv" in page[:400]
        assert f"page {n} / {pages}" in page
    assert "Executive summary" in per_page[0]
    assert f"({out.stat().st_size / 1024:,.0f} KiB" in res.stderr
    assert _leftovers() <= before  # the page and the browser profile are gone
    assert not list(tmp_path.glob(".*tmp*"))


def test_pdf_in_german_says_seite(tmp_path: Path) -> None:
    _needs(find_browser(), "chromium")
    _needs(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
    out = tmp_path / "de.pdf"
    args = ["report", SHOELACE, "--config", STORIES, "--lang", "de", "-o", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "Seite 1 / " in text


def test_without_chromium_one_line_and_no_file(tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    res = runner.invoke(
        app,
        ["report", SHOELACE, "--config", STORIES, "-o", str(out)],
        env={"FRICTIONMINER_CHROMIUM": str(tmp_path / "no-such-browser")},
    )
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1
    assert "a PDF needs Chromium" in res.stderr and "apt-get install chromium" in res.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_print_layout_escapes_the_header() -> None:
    page = print_layout("<html><head><title>x</title></head><body></body></html>", 'a "b" \\ c')
    assert '@top-left { content: "a \\"b\\" \\\\ c"' in page
    assert page.index("@page") < page.index("</head>")
