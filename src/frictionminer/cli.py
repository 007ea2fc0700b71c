"""The command line: a thin shell over the library.

Each command parses its options into :class:`~frictionminer.settings.Settings`, calls one
library function, hands the result to a reporter and maps the outcome to an exit code.
Heavy imports (polars, pm4py) happen inside the commands so that ``--help`` is instant.
"""

from __future__ import annotations

import functools
import inspect
import sys
import traceback
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from frictionminer.errors import EXIT_USAGE, FrictionminerError
from frictionminer.settings import Settings

if TYPE_CHECKING:
    from frictionminer.ingest import EventLog

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
        help="Config file (default: ./frictionminer.toml, else \\[tool.frictionminer] "
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
_MORE = "More tables"
SourceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        help="Another event table of the same log, joined on the case id: "
        "'PATH;case=COL;activity=COL;timestamp=COL[;group=COL;channel=COL;"
        "activity_prefix=TEXT]'. Repeatable; also [[sources]] in the config.",
        rich_help_panel=_MORE,
    ),
]
CaseTableOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--case-table",
        help="A one-row-per-case table joined in as case: attributes: "
        "'PATH;key=COL[;columns=A,B]'. Repeatable; also [[case_tables]] in the config.",
        rich_help_panel=_MORE,
    ),
]

_LOG_OPTIONS: dict[str, Any] = {
    "config": (ConfigOpt, None),
    "case_col": (CaseCol, None),
    "activity_col": (ActivityCol, None),
    "timestamp_col": (TimestampCol, None),
    "resource_col": (ResourceCol, None),
    "group_col": (GroupCol, None),
    "channel_col": (ChannelCol, None),
    "lifecycle_col": (LifecycleCol, None),
    "timezone": (TimezoneOpt, None),
    "timestamp_format": (TsFormatOpt, None),
    "delimiter": (DelimiterOpt, None),
    "encoding": (EncodingOpt, None),
    "source": (SourceOpt, None),
    "case_table": (CaseTableOpt, None),
}


_COLUMN_KEYS = ("case", "activity", "timestamp", "resource", "group", "channel", "lifecycle")


def _parse_table_spec(spec: str, option: str) -> dict[str, Any]:
    """``'PATH;key=value;...'`` into a ``[[sources]]``/``[[case_tables]]`` entry."""
    from frictionminer.errors import UsageError

    path, *pairs = spec.split(";")
    entry: dict[str, Any] = {"path": path.strip()}
    columns: dict[str, Any] = {}
    for pair in pairs:
        if not pair.strip():
            continue
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise UsageError(
                f"{option} {spec!r}: expected key=value after the path, got {pair!r}",
                hint=f"e.g. {option} 'interactions.csv;case=Incident;activity=Category'",
            )
        if option == "--source" and key in _COLUMN_KEYS:
            columns[key] = value
        elif option == "--case-table" and key == "columns":
            entry[key] = [c.strip() for c in value.split(",") if c.strip()]
        else:
            entry[key] = value
    if columns:
        entry["columns"] = columns
    return entry


def with_log_options(fn: F) -> F:
    """Add the shared config, column and reading options to a command.

    The command declares a ``settings: Settings`` parameter instead; the options are
    declared once here (as sqlite-utils does with its option bundles) and turned into
    validated settings before the command runs.
    """
    sig = inspect.signature(fn, eval_str=True)
    params = [p for p in sig.parameters.values() if p.name != "settings"]
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann)
        for name, (ann, default) in _LOG_OPTIONS.items()
    ]
    positional = [p for p in params if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    keyword = [p for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]
    positional = [p.replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in positional]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        opts = {name: kwargs.pop(name, default) for name, (_, default) in _LOG_OPTIONS.items()}
        kwargs["settings"] = _settings(**opts)
        return fn(*args, **kwargs)

    wrapper.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=[
            *positional,
            *[p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in keyword],
            *extra,
        ]
    )
    annotations = {k: v for k, v in fn.__annotations__.items() if k != "settings"}
    annotations.update({name: ann for name, (ann, _) in _LOG_OPTIONS.items()})
    wrapper.__annotations__ = annotations
    return wrapper  # type: ignore[return-value]


class InfoFormat(StrEnum):
    table = "table"
    json = "json"


def _settings(
    config: Path | None = None,
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
    source: list[str] | None = None,
    case_table: list[str] | None = None,
) -> Settings:
    from frictionminer.config import load_settings

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
        extra_sources=[_parse_table_spec(s, "--source") for s in source or []],
        extra_case_tables=[_parse_table_spec(s, "--case-table") for s in case_table or []],
    )


def _load(log: str, settings: Settings) -> EventLog:
    from frictionminer.ingest import load

    return load(log, settings)


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
    _state["debug"] = debug
    if version:
        from importlib.metadata import version as _v

        typer.echo(f"frictionminer {_v('frictionminer')}")
        raise typer.Exit(0)
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)


def _emit(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` atomically, or to stdout."""
    if output is None:
        sys.stdout.write(text)
    else:
        from frictionminer.outputs import write_text

        write_text(output, text)


OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file instead of stdout (atomically)."),
]


@app.command()
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
        from frictionminer.outputs import check_writable

        check_writable(output)
    from frictionminer.profile import profile_log
    from frictionminer.report import info as info_report

    profile = profile_log(_load(log, settings), top=top)
    if fmt is InfoFormat.json:
        _emit(info_report.render_json(profile), output)
    elif output is None:
        from frictionminer.report.console import stdout

        info_report.render_terminal(profile, stdout(quiet=quiet))
    else:
        from frictionminer.report.console import render_to_text

        _emit(render_to_text(lambda c: info_report.render_terminal(profile, c)), output)


class ScoreFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    parquet = "parquet"
    markdown = "markdown"


PseudoOpt = Annotated[
    bool,
    typer.Option(
        "--pseudonymize",
        help="Replace case ids, resources and identifying attributes by keyed hashes (GDPR).",
    ),
]
PseudoKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--pseudonym-key",
        envvar="FRICTIONMINER_PSEUDONYM_KEY",
        show_envvar=True,
        help="Key for --pseudonymize; the same key gives the same pseudonyms "
        "(default: a random key per run).",
    ),
]


def _pseudonymized(result: Any, enabled: bool, key_opt: str | None) -> tuple[Any, bytes | None]:
    """The result with identifiers replaced when asked, and the key used."""
    if not enabled:
        return result, None
    from frictionminer.pseudonymize import pseudonymize_result, resolve_key

    key, _stable = resolve_key(key_opt)
    return pseudonymize_result(result, key), key


@app.command()
@handle_errors
@with_log_options
def score(
    log: LogArg,
    settings: Settings,
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            "-n",
            min=1,
            help="How many cases to list, by friction score (default: 20 in the table; "
            "every case in json/csv/parquet).",
        ),
    ] = None,
    fmt: Annotated[
        ScoreFormat | None,
        typer.Option(
            "--format", "-f", help="Output format (default: from -o's suffix, else table)."
        ),
    ] = None,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    pseudonymize: PseudoOpt = False,
    pseudonym_key: PseudoKeyOpt = None,
    shards: Annotated[
        int | None,
        typer.Option(
            "--shards",
            min=1,
            help="Analyse a Parquet log in this many case-partitioned shards to bound memory "
            "(default: automatic above 20M events; 1 = in memory).",
        ),
    ] = None,
) -> None:
    """Score every case by the customer's burden and flag the disproportionate ones."""
    from frictionminer.report.score import WRITERS, infer_format

    chosen = fmt.value if fmt is not None else infer_format(output)
    if output is not None:
        from frictionminer.outputs import check_writable

        check_writable(output)
    from frictionminer.shards import analyze_path

    result, _ = _pseudonymized(
        analyze_path(log, settings, shards=shards), pseudonymize, pseudonym_key
    )
    WRITERS[chosen](result, top=top, output=output, quiet=quiet)


@app.command()
@handle_errors
@with_log_options
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
) -> None:
    """The case as the customer lived it: each step, the waits, the handoffs, the flags."""
    from frictionminer.analysis import analyze
    from frictionminer.report import explain as explain_report

    result, key = _pseudonymized(
        analyze(_load(log, settings), settings), pseudonymize, pseudonym_key
    )
    if key is not None and case_id not in set(result.cases["case_id"].to_list()):
        from frictionminer.pseudonymize import Pseudonymizer

        case_id = Pseudonymizer(key).case_id(case_id)  # the original id was given
    story = explain_report.build_story(result, case_id)
    if fmt is InfoFormat.json:
        _emit(explain_report.render_json(story), output)
    elif output is None:
        from frictionminer.report.console import stdout

        explain_report.render_terminal(story, stdout())
    else:
        from frictionminer.report.console import render_to_text

        _emit(render_to_text(lambda c: explain_report.render_terminal(story, c)), output)


@app.command()
@handle_errors
def rules(
    config: ConfigOpt = None,
    fmt: Annotated[
        InfoFormat, typer.Option("--format", "-f", help="Output format.")
    ] = InfoFormat.table,
) -> None:
    """List the flag rules (FM001...) with their settings as configured."""
    from frictionminer.report import rules as rules_report

    settings = _settings(config)
    if fmt is InfoFormat.json:
        sys.stdout.write(rules_report.render_json(settings))
    else:
        from frictionminer.report.console import stdout

        rules_report.render_terminal(settings, stdout())


@app.command()
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
            "none, and a [roles] table to paste into a config.",
        ),
    ] = False,
    top: Annotated[int, typer.Option("--top", min=1, help="How many unmatched activities.")] = 30,
    fmt: Annotated[
        InfoFormat, typer.Option("--format", "-f", help="Output format.")
    ] = InfoFormat.table,
    output: OutputOpt = None,
) -> None:
    """Show what each event means for the customer (roles), and propose role rules."""
    from frictionminer.classify import suggest_roles
    from frictionminer.report import classify as classify_report

    event_log = _load(log, settings)
    suggestion = suggest_roles(event_log.events, settings.roles, top=top)
    if fmt is InfoFormat.json:
        _emit(classify_report.render_json(suggestion), output)
    elif output is None:
        from frictionminer.report.console import stdout

        classify_report.render_terminal(suggestion, stdout(), show_toml=suggest)
    else:
        _emit(suggestion.toml if suggest else classify_report.render_text(suggestion), output)


class PartitionBy(StrEnum):
    week = "week"
    month = "month"
    day = "day"


@app.command()
@handle_errors
@with_log_options
def convert(
    log: LogArg,
    settings: Settings,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Output file: .parquet, .csv, .csv.gz, .xes or .xes.gz (format from the "
            "suffix); with --partition-by, a folder of Parquet files.",
        ),
    ],
    partition_by: Annotated[
        PartitionBy | None,
        typer.Option(
            "--partition-by",
            help="Write a folder of Parquet files, one per ISO week (month, day) in which "
            "each case began: a case is never split; audit --window then reads only the "
            "partitions it needs.",
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace a non-empty --partition-by folder."),
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Convert a log to the canonical table as Parquet, CSV or XES.

    Big XES files (over about 1 GB decompressed) are converted to Parquet chunk by chunk,
    in bounded memory.
    """
    from frictionminer.convert import convert as run_convert

    summary = run_convert(
        log,
        output,
        settings,
        partition_by=partition_by.value if partition_by is not None else None,
        overwrite=overwrite,
    )
    if not quiet:
        how = f", {summary.chunks} chunks streamed" if summary.streamed else ""
        where = f", {summary.partitions} partitions" if partition_by is not None else ""
        sys.stderr.write(
            f"wrote {output} ({summary.format}{where}): {summary.events:,} events, "
            f"{summary.cases:,} cases{how}\n"
        )


# Commands that live in their own modules register themselves here; each module's
# ``register(app)`` defines its commands with the option bundles above (imported from
# this module) and keeps its heavy imports inside the command functions.
_COMMAND_MODULES: tuple[str, ...] = (
    "frictionminer.simulate.command",
    "frictionminer.report.command",
    "frictionminer.audit_command",
)


def _register_commands() -> None:
    import importlib

    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(app)


_register_commands()


def main() -> None:
    """Console-script entry point."""
    app(prog_name="frictionminer")
