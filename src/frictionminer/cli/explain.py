"""`frictionminer explain`."""

from __future__ import annotations

from typing import Annotated

import typer

from frictionminer.cli.options import (
    InfoFormat,
    LogArg,
    OutputOpt,
    PseudoKeyOpt,
    PseudoOpt,
    ShardsOpt,
    emit,
    handle_errors,
    pseudonymized,
    warn_unseen,
    with_engine_options,
    with_log_options,
)
from frictionminer.settings import Settings


@handle_errors
@with_log_options
@with_engine_options
def explain(
    log: LogArg,
    case_id: Annotated[str, typer.Argument(help="The case to explain.", show_default=False)],
    settings: Settings,
    fmt: Annotated[
        InfoFormat, typer.Option("--format", "-f", help="Output format.")
    ] = InfoFormat.table,
    output: OutputOpt = None,
    pseudonymize: PseudoOpt = False,
    pseudonym_key: PseudoKeyOpt = None,
    shards: ShardsOpt = None,
    max_steps: Annotated[
        int,
        typer.Option(
            "--max-steps",
            min=0,
            help="Show at most this many steps of a long case, its first and last halves (0: all).",
        ),
    ] = 200,
) -> None:
    """The case as the customer lived it: each step, the waits, the handoffs, the flags."""
    from frictionminer.api import analyze, explain
    from frictionminer.reporting import explain as explain_report

    result, key = pseudonymized(analyze(log, settings, shards=shards), pseudonymize, pseudonym_key)
    warn_unseen(result)
    if key is not None and case_id not in set(result.cases["case_id"].to_list()):
        from frictionminer.reporting.pseudonymize import Pseudonymizer

        case_id = Pseudonymizer(key).case_id(case_id)  # the original id was given
    story = explain(result, case_id, max_steps=max_steps or None)
    if fmt is InfoFormat.json:
        emit(explain_report.render_json(story), output)
    elif output is None:
        from frictionminer.reporting.console import stdout

        explain_report.render_terminal(story, stdout())
    else:
        from frictionminer.reporting.console import render_to_text

        emit(render_to_text(lambda c: explain_report.render_terminal(story, c)), output)
