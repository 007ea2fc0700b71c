"""`frictionminer score`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from frictionminer.cli.options import (
    JourneyOpt,
    LogArg,
    OutputOpt,
    PseudoKeyOpt,
    PseudoOpt,
    QuietOpt,
    ShardsOpt,
    handle_errors,
    pseudonymized,
    warn_unseen,
    with_engine_options,
    with_filter_options,
    with_log_options,
)
from frictionminer.settings import Settings


class ScoreFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    parquet = "parquet"
    markdown = "markdown"


@handle_errors
@with_log_options
@with_engine_options
@with_filter_options
def score(
    log: LogArg,
    settings: Settings,
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            "-n",
            min=1,
            help="How many cases to list, by friction score (default: 20 in the table; "
            "every case in json/csv/parquet).",
        ),
    ] = None,
    fmt: Annotated[
        ScoreFormat | None,
        typer.Option(
            "--format", "-f", help="Output format (default: from -o's suffix, else table)."
        ),
    ] = None,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    pseudonymize: PseudoOpt = False,
    pseudonym_key: PseudoKeyOpt = None,
    shards: ShardsOpt = None,
    journey: JourneyOpt = False,
) -> None:
    """Score every case by the customer's burden and flag the disproportionate ones."""
    from frictionminer.reporting.score import WRITERS, infer_format

    chosen = fmt.value if fmt is not None else infer_format(output)
    if output is not None:
        from frictionminer.io.outputs import check_writable

        check_writable(output)
    from frictionminer.api import analyze, require_customer, with_journeys

    if journey:
        require_customer(settings)
    # the causes are read only by the Markdown summary: the other formats need no more facts
    summary_only = chosen != "markdown"
    # nor do they read events, unless journeys are built from them
    lean = summary_only and not journey
    result, _ = pseudonymized(
        analyze(
            log,
            settings,
            shards=shards,
            summary_only=summary_only,
            keep_events=not lean,
            flag_texts=chosen not in ("csv", "parquet"),  # they hold rule ids only
        ),
        pseudonymize,
        pseudonym_key,
    )
    if journey:
        result = with_journeys(result)
    warn_unseen(result, quiet)
    WRITERS[chosen](result, top=top, output=output, quiet=quiet)
