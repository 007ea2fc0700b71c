"""``frictionminer report``: the consultant's HTML report, as a command.

polars, matplotlib and jinja2 are imported inside the command so that ``--help`` stays
instant.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from frictionminer.cli.options import (
    JourneyOpt,
    LogArg,
    QuietOpt,
    ShardsOpt,
    handle_errors,
    warn_unseen,
    with_engine_options,
    with_filter_options,
    with_log_options,
)
from frictionminer.settings import Settings


class ReportLang(StrEnum):
    en = "en"
    de = "de"


@handle_errors
@with_log_options
@with_engine_options
@with_filter_options
def report(
    log: LogArg,
    settings: Settings,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="The file to write: .html (one self-contained file) or .pdf (printed by "
            "headless Chromium).",
        ),
    ],
    lang: Annotated[
        ReportLang, typer.Option("--lang", help="Language of the report's texts.")
    ] = ReportLang.en,
    title: Annotated[
        str | None, typer.Option("--title", help="Title (default: 'Customer friction report').")
    ] = None,
    top: Annotated[
        int, typer.Option("--top", "-n", min=1, help="How many top cases to list.")
    ] = 20,
    timelines: Annotated[
        int,
        typer.Option("--timelines", min=0, help="How many of the top cases to tell in full."),
    ] = 5,
    pseudonymize: Annotated[
        bool,
        typer.Option(
            "--pseudonymize",
            help="Replace case ids, resources and identifying attributes by keyed hashes.",
        ),
    ] = False,
    pseudonym_key: Annotated[
        str | None,
        typer.Option(
            "--pseudonym-key",
            envvar="FRICTIONMINER_PSEUDONYM_KEY",
            help="Key for --pseudonymize (stable pseudonyms); default: a random key per run.",
            show_envvar=True,
        ),
    ] = None,
    quiet: QuietOpt = False,
    shards: ShardsOpt = None,
    journey: JourneyOpt = False,
) -> None:
    """A self-contained HTML report for consultants: summary, key figures, causes with
    charts, process map, top cases as the customer lived them, remedies, methods."""
    import time

    from frictionminer.api import analyze
    from frictionminer.api import report as write_report
    from frictionminer.io.outputs import check_writable

    started = time.perf_counter()
    check_writable(output)
    if pseudonymize and pseudonym_key is None and not quiet:
        sys.stderr.write(
            "note: pseudonyms use a random key and differ between runs "
            "(set --pseudonym-key or FRICTIONMINER_PSEUDONYM_KEY for stable ones)\n"
        )
    # the report reads the annotated events (timelines), never the log's own
    result = analyze(log, settings, shards=shards, journey=journey, keep_log_events=False)
    warn_unseen(result, quiet)
    html = write_report(
        result,
        output,
        lang=lang.value,
        title=title,
        top=top,
        timelines=timelines,
        pseudonymize=pseudonymize,
        pseudonym_key=pseudonym_key,
    )
    if not quiet:
        size = output.stat().st_size if output.suffix.lower() == ".pdf" else len(html.encode())
        sys.stderr.write(
            f"wrote {output} ({size / 1024:,.0f} KiB, {result.cases.height:,} cases) in "
            f"{time.perf_counter() - started:.1f} s\n"
        )
