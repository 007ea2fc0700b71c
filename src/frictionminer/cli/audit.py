"""The ``audit`` command: gates, baselines and drift for CI, with stable exit codes.

Thin, like every command: parse options → settings and window → load the log(s) → one
library call (:func:`frictionminer.auditing.gates.run_audit`) → a writer → the exit code.  The exit
code comes from ``AuditResult.status`` only (0 pass or warn, 1 fail), after the output is
written, and is the same in every format; errors of input, usage or config exit 2 through
``handle_errors``.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from frictionminer import progress
from frictionminer.cli.options import (
    JourneyOpt,
    LogArg,
    OutputOpt,
    QuietOpt,
    handle_errors,
    warn_unseen,
    with_engine_options,
    with_log_options,
)
from frictionminer.settings import Settings


class AuditFormat(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"
    github = "github"
    markdown = "markdown"


_WIN = "Window"


@handle_errors
@with_log_options
@with_engine_options
def audit(
    log: LogArg,
    settings: Settings,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            "-b",
            help="Compare with this baseline (saved by --save-baseline); a significant "
            "worsening fails unless \\[audit] gates say otherwise.",
        ),
    ] = None,
    save_baseline: Annotated[
        Path | None,
        typer.Option(
            "--save-baseline",
            help="Write this run's summary as a baseline (JSON; no case ids or names).",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Window start, inclusive: ISO date or date-time (UTC unless an offset).",
            rich_help_panel=_WIN,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help="Window end, exclusive; a date alone includes that whole day.",
            rich_help_panel=_WIN,
        ),
    ] = None,
    window: Annotated[
        str | None,
        typer.Option(
            "--window",
            help="Window length (7d, 36h, 2w): the last N up to the log's last event, or "
            "from --since / up to --until.",
            rich_help_panel=_WIN,
        ),
    ] = None,
    cases: Annotated[
        str,
        typer.Option(
            "--cases",
            help="Which cases: 'active' (any event in the window) or 'started' (began "
            "in the window: a weekly cohort, none truncated at the window's start).",
            rich_help_panel=_WIN,
        ),
    ] = "active",
    fmt: Annotated[
        AuditFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: from -o's suffix — .json, .xml, .md, .txt — else text).",
        ),
    ] = None,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    journey: JourneyOpt = False,
) -> None:
    """Audit a log in CI: gates from \\[audit], comparison with a baseline, exit codes
    0 (gates pass), 1 (a gate is breached), 2 (input, usage or config error).

    LOG may be a file, a directory or a glob of weekly exports (quote the glob).
    $GITHUB_STEP_SUMMARY, when set, receives a Markdown summary.
    """
    from frictionminer.api import audit as run_audit
    from frictionminer.auditing.window import Window
    from frictionminer.errors import EXIT_BREACH, EXIT_OK
    from frictionminer.io.outputs import check_writable, write_text
    from frictionminer.reporting.audit import WRITERS, infer_format, render_markdown

    chosen = fmt.value if fmt is not None else infer_format(output)
    span = Window.parse(since, until, window, cases)
    if output is not None:
        check_writable(output)
    result = run_audit(log, settings, baseline, span, save_baseline=save_baseline, journey=journey)
    warn_unseen(result.result, quiet)

    text = WRITERS[chosen](result)
    if output is None:
        progress.finish()
        sys.stdout.write(text)
    else:
        write_text(output, text)
        if not quiet:
            sys.stderr.write(f"wrote {output} ({chosen})\n")
    if save_baseline is not None and not quiet:
        sys.stderr.write(f"wrote baseline {save_baseline}\n")
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        _append(Path(summary_file), render_markdown(result))
    if not quiet and (output is not None or chosen != "text"):
        counts = result.counts()
        sys.stderr.write(
            f"audit {result.status}: {counts['fail']} failed, {counts['warn']} warned, "
            f"{counts['pass']} passed\n"
        )
    raise typer.Exit(EXIT_BREACH if result.status == "fail" else EXIT_OK)


def _append(path: Path, text: str) -> None:
    """Append to the step summary file (GitHub concatenates what each step appends)."""
    from frictionminer.errors import InputError

    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise InputError(f"{path}: cannot write the step summary: {exc}") from None
