"""`frictionminer survey-list`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from frictionminer.cli.options import (
    LogArg,
    PseudoKeyOpt,
    QuietOpt,
    handle_errors,
    warn_unseen,
    with_engine_options,
    with_filter_options,
    with_log_options,
)
from frictionminer.settings import Settings


@handle_errors
@with_log_options
@with_engine_options
@with_filter_options
def survey_list(
    log: LogArg,
    settings: Settings,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="The CSV file to write (atomically)."),
    ],
    size: Annotated[
        int | None,
        typer.Option(
            "--size",
            min=0,
            help="High-friction cases not yet surveyed (default: [surveys] list_size).",
        ),
    ] = None,
    control: Annotated[
        int | None,
        typer.Option(
            "--control",
            min=0,
            help="Other cases not yet surveyed, drawn at random as a control "
            "(default: [surveys] control_size).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", min=0, help="Seed of the control sample (default: [surveys] seed)."),
    ] = None,
    pseudonym_key: PseudoKeyOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Write the cases to survey next, pseudonymised: high friction not yet surveyed,
    plus a random control sample, each with why it was chosen."""
    from frictionminer.io.outputs import check_writable

    check_writable(output)
    from frictionminer.api import analyze
    from frictionminer.api import survey_list as run
    from frictionminer.reporting.catalogue import SURVEY_WORDS

    result = analyze(log, settings)
    warn_unseen(result, quiet)
    table = run(
        result,
        size=size,
        control=control,
        seed=seed,
        pseudonym_key=pseudonym_key,
        output=output,
    )
    if not quiet:
        high = int((table.get_column("chosen") == "high_friction").sum())
        typer.echo(
            SURVEY_WORDS["list_chosen"]["en"].format(
                high=high, control=table.height - high, path=output
            ),
            err=True,
        )
        if pseudonym_key is None:
            typer.echo(SURVEY_WORDS["random_key"]["en"], err=True)
