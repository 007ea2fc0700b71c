"""`frictionminer paths`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from frictionminer.cli.options import (
    LogArg,
    OutputOpt,
    QuietOpt,
    ShardsOpt,
    handle_errors,
    warn_unseen,
    with_engine_options,
    with_filter_options,
    with_log_options,
)
from frictionminer.settings import Settings


class PathFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class PathSort(StrEnum):
    total = "total"
    mean = "mean"
    cases = "cases"
    flagged = "flagged"


@handle_errors
@with_log_options
@with_engine_options
@with_filter_options
def paths(
    log: LogArg,
    settings: Settings,
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            "-n",
            min=1,
            help="How many paths to list (default: 20 in the table; every path in "
            "json/csv/markdown).",
        ),
    ] = None,
    sort: Annotated[
        PathSort,
        typer.Option(
            "--sort",
            help="Rank by the friction a path carries (total), its mean score per case, "
            "its cases, or its share of flagged cases.",
        ),
    ] = PathSort.total,
    fmt: Annotated[
        PathFormat | None,
        typer.Option(
            "--format", "-f", help="Output format (default: from -o's suffix, else table)."
        ),
    ] = None,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    shards: ShardsOpt = None,
) -> None:
    """The paths (variants) ranked by the friction they carry: cases, scores, flags."""
    from frictionminer.reporting import paths as writer

    chosen = fmt.value if fmt is not None else writer.infer_format(output)
    if output is not None:
        from frictionminer.io.outputs import check_writable

        check_writable(output)
    from frictionminer.api import analyze
    from frictionminer.api import paths as ranked_paths

    result = analyze(log, settings, shards=shards)
    warn_unseen(result, quiet)
    every = ranked_paths(result, sort=sort.value)
    n_paths, n_cases = every.height, result.cases.height
    limit = top if top is not None else (20 if chosen == "table" else None)
    table = every if limit is None else every.head(limit)
    if chosen == "table":
        from frictionminer.reporting.console import render_to_text, stdout

        if output is None:
            writer.render_terminal(table, stdout(quiet=quiet), n_paths, n_cases)
            return
        text = render_to_text(lambda c: writer.render_terminal(table, c, n_paths, n_cases), 160)
    elif chosen == "json":
        text = writer.render_json(table, n_paths, n_cases)
    elif chosen == "csv":
        text = writer.render_csv(table)
    else:
        text = writer.render_markdown(table, n_paths, n_cases)
    from frictionminer.io.outputs import write_stdout, write_text

    if output is None:
        write_stdout(text)
    else:
        write_text(output, text)
        if not quiet:
            import sys

            sys.stderr.write(f"wrote {output} ({chosen}, {table.height} paths)\n")
