"""`frictionminer info`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from frictionminer.cli.options import (
    InfoFormat,
    LogArg,
    OutputOpt,
    QuietOpt,
    emit,
    handle_errors,
    load_log,
    with_log_options,
)
from frictionminer.settings import Settings

if TYPE_CHECKING:
    from frictionminer.io import EventLog
    from frictionminer.io.base import Finding


@handle_errors
@with_log_options
def info(
    log: LogArg,
    settings: Settings,
    fmt: Annotated[
        InfoFormat, typer.Option("--format", "-f", help="Output format.")
    ] = InfoFormat.table,
    output: OutputOpt = None,
    top: Annotated[int, typer.Option("--top", help="How many activities to list.", min=1)] = 10,
    quiet: QuietOpt = False,
) -> None:
    """What is in the log: cases, events, activities, time span, columns and their roles,
    events per case, and data-quality findings."""
    if output is not None:
        from frictionminer.io.outputs import check_writable

        check_writable(output)
    import dataclasses

    from frictionminer import schema as S
    from frictionminer.engine.classify import classify
    from frictionminer.engine.coverage import coverage_of_events
    from frictionminer.io.profile import profile_log
    from frictionminer.reporting import info as info_report
    from frictionminer.settings import ROLE_NAMES

    event_log = load_log(log, settings)
    coverage = coverage_of_events(
        classify(event_log.events, settings.roles), S.CASE, settings.roles.min_case_share
    )
    base = profile_log(event_log, top=top)
    profile = dataclasses.replace(
        base,
        findings=[
            *base.findings,
            *_state_findings(event_log, settings),
            *_journey_findings(event_log, settings),
        ],
        roles={role: coverage.events[role] for role in ROLE_NAMES},
        role_cases={role: coverage.matched_cases[role] for role in ROLE_NAMES},
        warnings=coverage.warnings(event_log.source),
    )
    if fmt is InfoFormat.json:
        emit(info_report.render_json(profile), output)
    elif output is None:
        from frictionminer.reporting.console import stdout

        info_report.render_terminal(profile, stdout(quiet=quiet))
    else:
        from frictionminer.reporting.console import render_to_text

        emit(render_to_text(lambda c: info_report.render_terminal(profile, c)), output)


def _state_findings(event_log: EventLog, settings: Settings) -> list[Finding]:
    """Whether the log reads as a state log: said as a finding, with the repeat share."""
    from frictionminer.io.base import Finding
    from frictionminer.scale.plan import Lifecycle, repeat_count

    events = event_log.events
    repeats = repeat_count(events)
    share = repeats / events.height if events.height else 0.0
    decided = Lifecycle("all", False).with_state_runs(
        event_log.columns.get("activity"), settings.measures.state_runs
    )
    if decided.collapse_runs:
        return [
            Finding(
                "state-log",
                f"{repeats:,} events ({share:.1%}) repeat their case's previous activity; "
                f"runs of the same activity are one occurrence for the roles and paths "
                f"({decided.runs_reason}; [measures] state_runs = 'keep' counts every event)",
                repeats,
                "info",
            )
        ]
    if share >= 0.2:
        return [
            Finding(
                "repeated-activities",
                f"{repeats:,} events ({share:.1%}) repeat their case's previous activity; if "
                "the activity is a status written on every update, set [measures] state_runs "
                "= 'collapse' (docs/friction-model.md §2)",
                repeats,
                "info",
            )
        ]
    return []


def _journey_findings(event_log: EventLog, settings: Settings) -> list[Finding]:
    """A column that looks like a customer id, with customers of several cases, when
    ``[journey] customer`` is unset: said once, with the setting that follows them."""
    import polars as pl

    from frictionminer import schema as S
    from frictionminer.engine.journeys import suggest_customer_column
    from frictionminer.io.base import Finding

    if settings.journey.customer is not None:
        return []
    events = event_log.events
    for column in suggest_customer_column(events.columns):
        per_customer = (
            events.select(pl.col(column).cast(pl.String).alias("c"), pl.col(S.CASE))
            .drop_nulls()
            .group_by("c")
            .agg(pl.col(S.CASE).n_unique().alias("n"))
        )
        several = per_customer.filter(pl.col("n") > 1).height
        if several:
            name = column.removeprefix(S.CASE_PREFIX)
            return [
                Finding(
                    "customer-column",
                    f"column {column!r} looks like a customer id ({per_customer.height:,} "
                    f"customers, {several:,} with several cases): set [journey] customer = "
                    f'"{name}" and add --journey to follow each customer across cases',
                    several,
                    "info",
                )
            ]
    return []
