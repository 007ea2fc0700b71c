"""`frictionminer classify`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from frictionminer.cli.options import (
    InfoFormat,
    LogArg,
    OutputOpt,
    emit,
    handle_errors,
    load_log,
    with_log_options,
)
from frictionminer.settings import Settings


@handle_errors
@with_log_options
def classify(
    log: LogArg,
    settings: Settings,
    suggest: Annotated[
        bool,
        typer.Option(
            "--suggest",
            help="Propose role rules: what each role matches, frequent activities that match "
            "none, and a [roles] table to paste into a config. Redirected (not a terminal) "
            "or with -o, only the [roles] TOML is written.",
        ),
    ] = False,
    top: Annotated[int, typer.Option("--top", min=1, help="How many unmatched activities.")] = 30,
    fmt: Annotated[
        InfoFormat, typer.Option("--format", "-f", help="Output format.")
    ] = InfoFormat.table,
    output: OutputOpt = None,
) -> None:
    """Show what each event means for the customer (roles), and propose role rules."""
    from frictionminer.engine.classify import suggest_roles
    from frictionminer.reporting import classify as classify_report

    event_log = load_log(log, settings)
    suggestion = suggest_roles(event_log.events, settings.roles, top=top)
    if fmt is InfoFormat.json:
        emit(classify_report.render_json(suggestion), output)
    elif suggest and (output is not None or not classify_report.is_terminal(sys.stdout)):
        # Redirected or written to a file: only the [roles] table, valid TOML to paste.
        emit(classify_report.render_toml(suggestion), output)
    elif output is None:
        from frictionminer.reporting.console import stdout

        classify_report.render_terminal(suggestion, stdout(), show_toml=suggest)
    else:
        emit(classify_report.render_text(suggestion), output)
