"""The typer app: the root options and every command, in the order `--help` lists them."""

from __future__ import annotations

import sys
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
    survey_list,
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
    survey_list.survey_list,
):
    app.command()(command)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: usage errors in one line, SIGTERM as an exception.

    Commands handle their own failures (:func:`~frictionminer.cli.options.handle_errors`);
    what is left here is what happens before a command runs: an unknown option, a missing
    argument, a bad value (exit 2, one line, a hint), and signals.
    """
    import signal

    from frictionminer.errors import (
        EXIT_INTERRUPTED,
        EXIT_TERMINATED,
        EXIT_USAGE,
        Terminated,
        note_signal,
        one_line,
    )

    def _stop(signum: int, frame: object) -> None:
        note_signal(terminate=signum == signal.SIGTERM)
        raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # nohup and `&` ignore it
        signal.signal(signal.SIGINT, _stop)
    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="frictionminer", standalone_mode=False)
    except typer.TyperException as exc:
        format_message = getattr(exc, "format_message", None)
        message = format_message() if callable(format_message) else str(exc)
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "frictionminer"
        sys.stderr.write(one_line(f"error: {message} (hint: {where} --help)") + "\n")
        code = EXIT_USAGE
    except Terminated:
        code = EXIT_TERMINATED
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("interrupted\n")
        code = EXIT_INTERRUPTED
    sys.exit(code if isinstance(code, int) else 0)
