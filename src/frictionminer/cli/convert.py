"""`frictionminer convert`."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from frictionminer.cli.options import (
    LogArg,
    PseudoKeyOpt,
    PseudoOpt,
    QuietOpt,
    handle_errors,
    with_log_options,
)
from frictionminer.settings import Settings


class PartitionBy(StrEnum):
    week = "week"
    month = "month"
    day = "day"


@handle_errors
@with_log_options
def convert(
    log: LogArg,
    settings: Settings,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Output file: .parquet, .csv, .csv.gz, .xes, .xes.gz or .jsonocel (OCEL 2.0 "
            "JSON; format from the suffix); with --partition-by, a folder of Parquet files.",
        ),
    ],
    partition_by: Annotated[
        PartitionBy | None,
        typer.Option(
            "--partition-by",
            help="Write a folder of Parquet files, one per ISO week (month, day) in which "
            "each case began: a case is never split; audit --window then reads only the "
            "partitions it needs.",
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace a non-empty --partition-by folder."),
    ] = False,
    verbatim: Annotated[
        bool,
        typer.Option(
            "--verbatim",
            help="Write CSV cells as they are; by default a cell a spreadsheet would run as a "
            "formula (=, +, -, @ first) gets a leading '.",
        ),
    ] = False,
    annotate: Annotated[
        bool | None,
        typer.Option(
            "--annotate/--no-annotate",
            help="Score the log and write the analysis as attributes: each event's customer "
            "roles, wait to the next event and whom it was on; each case's score and flags "
            "(default: on for .jsonocel, off otherwise).",
            show_default=False,
        ),
    ] = None,
    pseudonymize: PseudoOpt = False,
    pseudonym_key: PseudoKeyOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Convert a log to the canonical table as Parquet, CSV, XES or OCEL 2.0 JSON.

    --annotate writes the friction analysis into the log (roles, waits, flags as
    attributes) for pm4py, ProM, Disco or Celonis.

    Big XES files (over about 1 GB decompressed) are converted to Parquet chunk by chunk,
    in bounded memory.
    """
    from frictionminer import api

    key: bytes | None = None
    if pseudonymize:
        from frictionminer.reporting.pseudonymize import resolve_key

        key, stable = resolve_key(pseudonym_key)
        if not stable and not quiet:
            sys.stderr.write(
                "note: pseudonyms use a random key and differ between runs "
                "(set --pseudonym-key or FRICTIONMINER_PSEUDONYM_KEY for stable ones)\n"
            )
    summary = api.convert(
        log,
        output,
        settings,
        partition_by.value if partition_by is not None else None,
        overwrite=overwrite,
        verbatim=verbatim,
        pseudonym_key=key,
        annotate=annotate,
    )
    if not quiet:
        how = f", {summary.chunks} chunks streamed" if summary.streamed else ""
        where = f", {summary.partitions} partitions" if partition_by is not None else ""
        sys.stderr.write(
            f"wrote {output} ({summary.format}{where}): {summary.events:,} events, "
            f"{summary.cases:,} cases{how}\n"
        )
