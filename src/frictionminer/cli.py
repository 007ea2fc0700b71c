"""The command line: a thin shell over the library.

Each command parses its options into :class:`~frictionminer.settings.Settings`, calls one
library function, hands the result to a reporter and maps the outcome to an exit code.
Heavy imports (polars, pm4py) happen inside the commands so that ``--help`` is instant.
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from frictionminer.errors import EXIT_USAGE, FrictionminerError

if TYPE_CHECKING:
    from frictionminer.ingest import EventLog
    from frictionminer.settings import Settings

app = typer.Typer(
    name="frictionminer",
    help="What a process costs the customer, read from event logs (XES, CSV, Parquet).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state: dict[str, bool] = {"debug": False, "quiet": False}

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(fn: F) -> F:
    """Turn library errors into one line on stderr and exit code 2 (traceback with --debug)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except FrictionminerError as exc:
            if _state["debug"]:
                traceback.print_exc()
            sys.stderr.write(f"error: {exc}\n")
            raise typer.Exit(EXIT_USAGE) from None
        except KeyboardInterrupt:
            sys.stderr.write("interrupted\n")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


# --- option bundles, declared once --------------------------------------------------
LogArg = Annotated[
    str,
    typer.Argument(
        help="Event log: .xes/.xes.gz, .csv/.csv.gz, .parquet, a directory or a glob.",
        show_default=False,
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (default: ./frictionminer.toml, else [tool.frictionminer] "
        "in ./pyproject.toml, else built-in defaults).",
        rich_help_panel="Config",
    ),
]
_COLS = "Columns"
CaseCol = Annotated[
    str | None, typer.Option("--case-col", help="Case id column.", rich_help_panel=_COLS)
]
ActivityCol = Annotated[
    list[str] | None,
    typer.Option(
        "--activity-col",
        help="Activity column; repeat to compose the activity from several columns "
        "(joined with '/', like an XES classifier).",
        rich_help_panel=_COLS,
    ),
]
TimestampCol = Annotated[
    str | None, typer.Option("--timestamp-col", help="Timestamp column.", rich_help_panel=_COLS)
]
ResourceCol = Annotated[
    str | None, typer.Option("--resource-col", help="Resource column.", rich_help_panel=_COLS)
]
GroupCol = Annotated[
    str | None,
    typer.Option("--group-col", help="Team/group column (for handoffs).", rich_help_panel=_COLS),
]
ChannelCol = Annotated[
    str | None, typer.Option("--channel-col", help="Contact channel column.", rich_help_panel=_COLS)
]
LifecycleCol = Annotated[
    str | None,
    typer.Option("--lifecycle-col", help="Lifecycle transition column.", rich_help_panel=_COLS),
]
_READ = "Reading"
TimezoneOpt = Annotated[
    str | None,
    typer.Option(
        "--timezone",
        help="Timezone of timestamps written without an offset (IANA name; default UTC).",
        rich_help_panel=_READ,
    ),
]
TsFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--timestamp-format",
        help="strftime format of the timestamp column, e.g. '%d.%m.%Y %H:%M' (default: detect).",
        rich_help_panel=_READ,
    ),
]
DelimiterOpt = Annotated[
    str | None,
    typer.Option("--delimiter", help="CSV delimiter (default: detect).", rich_help_panel=_READ),
]
EncodingOpt = Annotated[
    str | None,
    typer.Option("--encoding", help="CSV encoding (default: detect).", rich_help_panel=_READ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only results and errors.")]


class InfoFormat(str, Enum):
    table = "table"
    json = "json"


def _settings(
    config: Path | None,
    *,
    case_col: str | None = None,
    activity_col: list[str] | None = None,
    timestamp_col: str | None = None,
    resource_col: str | None = None,
    group_col: str | None = None,
    channel_col: str | None = None,
    lifecycle_col: str | None = None,
    timezone: str | None = None,
    timestamp_format: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> Settings:
    from frictionminer.settings import load_settings

    activity: str | list[str] | None = None
    if activity_col:
        activity = activity_col[0] if len(activity_col) == 1 else list(activity_col)
    if delimiter == "\\t":
        delimiter = "\t"
    return load_settings(
        config,
        overrides={
            "columns": {
                "case": case_col,
                "activity": activity,
                "timestamp": timestamp_col,
                "resource": resource_col,
                "group": group_col,
                "channel": channel_col,
                "lifecycle": lifecycle_col,
            },
            "ingest": {
                "timezone": timezone,
                "timestamp_format": timestamp_format,
                "delimiter": delimiter,
                "encoding": encoding,
            },
        },
    )


def _load(log: str, settings: Settings) -> EventLog:
    from frictionminer.ingest import load

    return load(log, settings)


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks for errors.", envvar="FRICTIONMINER_DEBUG")
    ] = False,
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    """What a process costs the customer, read from event logs (XES, CSV, Parquet)."""
    _state["debug"] = debug
    if version:
        from importlib.metadata import version as _v

        typer.echo(f"frictionminer {_v('frictionminer')}")
        raise typer.Exit(0)


@app.command()
@handle_errors
def info(
    log: LogArg,
    config: ConfigOpt = None,
    case_col: CaseCol = None,
    activity_col: ActivityCol = None,
    timestamp_col: TimestampCol = None,
    resource_col: ResourceCol = None,
    group_col: GroupCol = None,
    channel_col: ChannelCol = None,
    lifecycle_col: LifecycleCol = None,
    timezone: TimezoneOpt = None,
    timestamp_format: TsFormatOpt = None,
    delimiter: DelimiterOpt = None,
    encoding: EncodingOpt = None,
    fmt: Annotated[
        InfoFormat, typer.Option("--format", "-f", help="Output format.")
    ] = InfoFormat.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="How many activities to list.", min=1)] = 10,
    quiet: QuietOpt = False,
) -> None:
    """What is in the log: cases, events, activities, time span, columns and their roles,
    events per case, and data-quality findings."""
    settings = _settings(
        config,
        case_col=case_col,
        activity_col=activity_col,
        timestamp_col=timestamp_col,
        resource_col=resource_col,
        group_col=group_col,
        channel_col=channel_col,
        lifecycle_col=lifecycle_col,
        timezone=timezone,
        timestamp_format=timestamp_format,
        delimiter=delimiter,
        encoding=encoding,
    )
    if output is not None:
        from frictionminer.outputs import check_writable

        check_writable(output)
    from frictionminer.profile import profile_log
    from frictionminer.report import info as info_report

    profile = profile_log(_load(log, settings), top=top)
    if fmt is InfoFormat.json:
        text = info_report.render_json(profile)
        if output is None:
            sys.stdout.write(text)
        else:
            from frictionminer.outputs import write_text

            write_text(output, text)
        return
    from frictionminer.report.console import stdout

    if output is None:
        info_report.render_terminal(profile, stdout(quiet=quiet))
    else:
        from rich.console import Console

        from frictionminer.outputs import write_text

        rec = Console(record=True, width=120, file=open("/dev/null", "w"))  # noqa: SIM115
        info_report.render_terminal(profile, rec)
        write_text(output, rec.export_text())


@app.command()
@handle_errors
def convert(
    log: LogArg,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Output file: .parquet, .csv, .csv.gz, .xes or .xes.gz (format from the suffix).",
        ),
    ],
    config: ConfigOpt = None,
    case_col: CaseCol = None,
    activity_col: ActivityCol = None,
    timestamp_col: TimestampCol = None,
    resource_col: ResourceCol = None,
    group_col: GroupCol = None,
    channel_col: ChannelCol = None,
    lifecycle_col: LifecycleCol = None,
    timezone: TimezoneOpt = None,
    timestamp_format: TsFormatOpt = None,
    delimiter: DelimiterOpt = None,
    encoding: EncodingOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Convert a log to the canonical table as Parquet, CSV or XES."""
    from frictionminer.convert import output_format, write_log

    out_fmt = output_format(output)
    settings = _settings(
        config,
        case_col=case_col,
        activity_col=activity_col,
        timestamp_col=timestamp_col,
        resource_col=resource_col,
        group_col=group_col,
        channel_col=channel_col,
        lifecycle_col=lifecycle_col,
        timezone=timezone,
        timestamp_format=timestamp_format,
        delimiter=delimiter,
        encoding=encoding,
    )
    from frictionminer.outputs import check_writable

    check_writable(output)
    event_log = _load(log, settings)
    write_log(event_log, output, out_fmt)
    if not quiet:
        n_cases = event_log.events["case_id"].n_unique()
        sys.stderr.write(
            f"wrote {output} ({out_fmt}): {event_log.events.height:,} events, {n_cases:,} cases\n"
        )


def main() -> None:
    """Console-script entry point."""
    app(prog_name="frictionminer")
