"""`frictionminer explain`."""

from __future__ import annotations

from pathlib import Path
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
    with_filter_options,
    with_log_options,
)
from frictionminer.settings import Settings


@handle_errors
@with_log_options
@with_engine_options
@with_filter_options
def explain(
    log: LogArg,
    settings: Settings,
    case_id: Annotated[
        str | None, typer.Argument(help="The case to explain.", show_default=False)
    ] = None,
    customer: Annotated[
        str | None,
        typer.Option(
            "--customer",
            help="Explain a customer's journeys instead of one case: one timeline across "
            "cases and parties ([journey] customer = COLUMN).",
        ),
    ] = None,
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
    from frictionminer.errors import UsageError
    from frictionminer.reporting import explain as explain_report

    if (case_id is None) == (customer is None):
        raise UsageError(
            "give a CASE_ID or --customer ID (one of them)",
            hint="frictionminer explain LOG CASE_ID, or frictionminer explain LOG --customer ID",
        )
    if customer is not None:
        _explain_customer(log, settings, customer, fmt, output, shards, pseudonymize, pseudonym_key)
        return
    assert case_id is not None
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


def _explain_customer(
    log: str,
    settings: Settings,
    customer: str,
    fmt: InfoFormat,
    output: Path | None,
    shards: int | None,
    pseudonymize: bool,
    pseudonym_key: str | None,
) -> None:
    """``explain --customer``: the customer's journeys (:mod:`frictionminer.reporting.journey`)."""
    from frictionminer.api import analyze, explain_customer, require_customer, with_journeys
    from frictionminer.reporting import journey as journey_report

    require_customer(settings)
    result, key = pseudonymized(analyze(log, settings, shards=shards), pseudonymize, pseudonym_key)
    result = with_journeys(result)
    warn_unseen(result)
    journeys = result.journeys
    assert journeys is not None
    if key is not None and customer not in set(journeys.table["customer"].to_list()):
        from frictionminer.reporting.pseudonymize import Pseudonymizer

        # the original id was given: its pseudonym, as the customer column was given one
        customer = Pseudonymizer(key).one(journeys.customer_column, customer)
    story = explain_customer(result, customer)
    if fmt is InfoFormat.json:
        emit(journey_report.render_json(story), output)
    elif output is None:
        from frictionminer.reporting.console import stdout

        journey_report.render_terminal(story, stdout())
    else:
        from frictionminer.reporting.console import render_to_text

        emit(render_to_text(lambda c: journey_report.render_terminal(story, c)), output)
