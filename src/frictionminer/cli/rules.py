"""`frictionminer rules`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from frictionminer.cli.options import ConfigOpt, InfoFormat, handle_errors, settings_from_options


@handle_errors
def rules(
    config: ConfigOpt = None,
    fmt: Annotated[
        InfoFormat, typer.Option("--format", "-f", help="Output format.")
    ] = InfoFormat.table,
) -> None:
    """List the flag rules (FM001...) with their settings as configured."""
    from frictionminer.reporting import rules as rules_report

    settings = settings_from_options(config)
    if fmt is InfoFormat.json:
        sys.stdout.write(rules_report.render_json(settings))
    else:
        from frictionminer.reporting.console import stdout

        rules_report.render_terminal(settings, stdout())
