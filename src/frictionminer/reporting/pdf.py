"""The report as PDF: the HTML report printed by headless Chromium, in a print layout.

The print layout adds to the report's own print styles: A4 pages, a header with the
report's log name and a footer with "page N of M" (CSS page margin boxes, which Chromium
draws), no table row split across pages, no heading left alone at a page's foot.
Chromium is found on PATH (``chromium``, ``chromium-browser``, ``google-chrome``) or named
by ``FRICTIONMINER_CHROMIUM``; without it, ``-o report.pdf`` is one line with a hint.
Nothing leaves the machine: the page is a local file, the browser runs with its
networking off, in a throwaway profile removed afterwards with the page.
"""

from __future__ import annotations

import html as html_escape
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from frictionminer.errors import OutputError, UsageError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
OFFLINE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
)
"""Chromium headless with its own networking off (no updates, sync or extensions)."""
TIMEOUT_SECONDS = 300
"""A report of a large log prints in seconds; a browser that hangs is stopped."""

_PRINT_CSS = """
<style>
@page {{ size: A4; margin: 18mm 12mm 16mm 12mm;
  @top-left {{ content: "{header}"; font: 8.5pt sans-serif; color: #555; }}
  @bottom-right {{ content: "{page} " counter(page) " / " counter(pages);
    font: 8.5pt sans-serif; color: #555; }} }}
@media print {{
  tr, .kpi, .finding, figure {{ break-inside: avoid; }}
  h2, h3 {{ break-after: avoid; }}
  main .wrap > section {{ break-before: page; }}
  main .wrap > section:first-of-type {{ break-before: auto; }}
  details > * {{ display: block; }}
}}
</style>
"""


def find_browser() -> str | None:
    """The Chromium to print with: ``FRICTIONMINER_CHROMIUM``, else the first on PATH."""
    named = os.environ.get("FRICTIONMINER_CHROMIUM")
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def print_layout(html: str, header: str, page_word: str = "page") -> str:
    """``html`` with the print layout's styles added before ``</head>``."""
    css = _PRINT_CSS.format(header=_css_string(header), page=_css_string(page_word))
    head_end = html.find("</head>")
    return html[:head_end] + css + html[head_end:] if head_end >= 0 else css + html


def write_pdf(html: str, target: Path, header: str, page_word: str = "page") -> int:
    """Print ``html`` to ``target`` (atomically); the PDF's size in bytes."""
    browser = find_browser()
    if browser is None:
        raise UsageError(
            f"{target}: a PDF needs Chromium, which is not installed",
            hint="apt-get install chromium (or set FRICTIONMINER_CHROMIUM), or write "
            "-o report.html and print it from a browser",
        )
    from frictionminer.io.outputs import write_with

    with tempfile.TemporaryDirectory(prefix="frictionminer-pdf-") as folder:
        page = Path(folder) / "report.html"
        page.write_text(print_layout(html, header, page_word), encoding="utf-8")
        printed = Path(folder) / "report.pdf"
        command = [
            browser,
            *OFFLINE_FLAGS,
            f"--user-data-dir={Path(folder) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={printed}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired:
            raise OutputError(
                f"{target}: Chromium did not print the report within {TIMEOUT_SECONDS} s",
                hint="write -o report.html and print it from a browser",
            ) from None
        if done.returncode != 0 or not printed.is_file() or printed.stat().st_size == 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise OutputError(
                f"{target}: Chromium could not print the report (exit {done.returncode}"
                + (f": {html_escape.unescape(said[-1])[:200]}" if said else "")
                + ")",
                hint="write -o report.html and print it from a browser",
            )
        data = printed.read_bytes()

    def save(tmp: Path) -> None:
        Path(tmp).write_bytes(data)

    write_with(target, save)
    return len(data)
