"""The typer app: the root options and every command, in the order `--help` lists them."""

from __future__ import annotations

from typing import Annotated

import typer

from frictionminer.cli import (
    audit,
    classify,
    convert,
    explain,
    info,
    report,
    rules,
    score,
    simulate,
)
from frictionminer.cli.options import state

app = typer.Typer(
    name="frictionminer",
    help="What a process costs the customer, read from event logs (XES, CSV, Parquet).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show tracebacks for errors.", envvar="FRICTIONMINER_DEBUG"),
    ] = False,
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    """What a process costs the customer, read from event logs (XES, CSV, Parquet)."""
    state["debug"] = debug
    if version:
        from importlib.metadata import version as _v

        typer.echo(f"frictionminer {_v('frictionminer')}")
        raise typer.Exit(0)
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)


for command in (
    info.info,
    score.score,
    explain.explain,
    rules.rules,
    classify.classify,
    convert.convert,
    simulate.simulate,
    report.report,
    audit.audit,
):
    app.command()(command)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="frictionminer")
