"""The typer app: the root options and every command, in the order `--help` lists them."""

from __future__ import annotations

import inspect
import re
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from frictionminer.cli import (
    audit,
    classify,
    convert,
    explain,
    info,
    paths,
    report,
    rules,
    score,
    simulate,
    survey_list,
)
from frictionminer.cli.options import state

_MARKUP = re.compile(r"(?<!\\)\[(?=[a-z#/@])")
"""An opening bracket that rich would read as markup (``[journey]``), not yet escaped."""
_SINGLE_BREAK = re.compile(r"(?<=\S)\n(?=\S)")
_METAVARS = {"bool": "", "int": "N", "float": "NUMBER", "path": "PATH", "datetime": "DATE"}
_FILES = ("output", "config", "baseline", "write_baseline", "write_config")


def _metavar(param: TyperOption | TyperArgument, ctx: Any) -> str:
    """What ``--help`` shows for a parameter's value: nothing for a flag, a word otherwise
    (typer's own ``<bool>``, ``<str>`` and ``<int range>`` read as placeholders)."""
    name = param.name or "value"
    if isinstance(param, TyperArgument):
        return name.upper()
    shown = param.display_type(ctx).strip("<>")
    kind = shown.removeprefix("list[").removesuffix("]").removesuffix(" range")
    if kind in _METAVARS:
        return _METAVARS[kind]
    if "|" in kind:  # choices
        return kind
    if name.endswith("_col"):
        return "COLUMN"
    return "PATH" if name in _FILES else "TEXT"


def _tidy(command: Any, ctx: Any) -> None:
    """Help text as written: one paragraph per blank-line block (a docstring's line
    breaks are not sentence breaks), ``[section]`` names shown rather than read as markup,
    and each value named by a word; no styles under ``NO_COLOR``/``--no-color``.
    Idempotent: help may be asked for twice."""
    from typer import rich_utils

    from frictionminer.reporting.console import plain

    rich_utils.COLOR_SYSTEM = None if plain() else "auto"
    if command.help:
        paragraphs = inspect.cleandoc(command.help).split("\n\n")
        command.help = _MARKUP.sub(
            r"\\[", "\n\n".join(_SINGLE_BREAK.sub(" ", p) for p in paragraphs)
        )
    for param in command.params:
        if isinstance(param, TyperOption) and param.help:
            param.help = _MARKUP.sub(r"\\[", _SINGLE_BREAK.sub(" ", param.help))
        if isinstance(param, TyperOption | TyperArgument) and param.metavar is None:
            param.metavar = _metavar(param, ctx)
        if isinstance(param, TyperArgument):  # its name says what it is: no <str> beside it
            param.display_type_rich = _no_type  # type: ignore[method-assign]
    help_option = command.get_help_option(ctx)
    if help_option is not None:
        help_option.metavar = ""


def _no_type(ctx: Any) -> None:
    return None


class _Command(TyperCommand):
    def format_help(self, ctx: Any, formatter: Any) -> None:
        _tidy(self, ctx)
        super().format_help(ctx, formatter)


class _Group(TyperGroup):
    def format_help(self, ctx: Any, formatter: Any) -> None:
        _tidy(self, ctx)
        for name in self.list_commands(ctx):
            sub = self.get_command(ctx, name)
            if sub is not None and sub.help:  # the one-line summaries in the list
                _tidy(sub, ctx)
        super().format_help(ctx, formatter)


app = typer.Typer(
    name="frictionminer",
    cls=_Group,
    help="What a process costs the customer, read from event logs (XES, CSV, Parquet).",
    no_args_is_help=True,
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
    version: Annotated[
        bool, typer.Option("--version", "-V", help="Show the version and exit.")
    ] = False,
    no_color: Annotated[
        bool,
        typer.Option(
            "--no-color",
            help="No colours or styles (bold, dim) on the terminal; so does NO_COLOR.",
        ),
    ] = False,
) -> None:
    """What a process costs the customer, read from event logs (XES, CSV, Parquet)."""
    from frictionminer.reporting.console import set_plain

    state["debug"] = debug
    set_plain(no_color)
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
    paths.paths,
    rules.rules,
    classify.classify,
    convert.convert,
    simulate.simulate,
    report.report,
    audit.audit,
    survey_list.survey_list,
):
    app.command(cls=_Command)(command)


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
