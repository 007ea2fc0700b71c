"""What every command shares: error handling, option bundles declared once, settings from options.

Each command parses its options into :class:`~frictionminer.settings.Settings`, calls one
library function, hands the result to a reporter and maps the outcome to an exit code.
Heavy imports (polars, pm4py) happen inside the commands so that ``--help`` is instant.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import inspect
import os
import re
import sys
import traceback
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from frictionminer.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    EXIT_USAGE,
    FrictionminerError,
    Terminated,
    check_signals,
    one_line,
)
from frictionminer.settings import DEFAULT_SOURCE, Settings, filter_bound, with_engine

if TYPE_CHECKING:
    from frictionminer.io import EventLog

state: dict[str, bool] = {"debug": False, "quiet": False}

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(fn: F) -> F:
    """Turn every failure of a command into one line on stderr and its exit code.

    Library errors (input, usage, config, output) exit 2; an OS error outside the library's
    own checks (permissions, a full disk) exits 2 too; Ctrl-C 130; SIGTERM 143; a closed
    stdout (``| head``) 141 without a word; anything else is a bug: exit 3, one line, and
    the traceback with ``--debug`` (docs/robustness.md).
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from frictionminer.cli.progress import shown

        try:
            try:
                with shown(bool(kwargs.get("quiet"))):
                    result = fn(*args, **kwargs)
            finally:
                _release_databases()
            check_signals()
            _flush_stdout()  # a full or closed stdout fails here, not at the interpreter's exit
            return result
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except FrictionminerError as exc:
            _fail(f"error: {exc}", EXIT_USAGE)
        except Terminated:
            _fail("terminated (SIGTERM)", EXIT_TERMINATED)
        except KeyboardInterrupt:
            _fail("interrupted", EXIT_INTERRUPTED)
        except OSError as exc:
            if _errno(exc) == errno.EPIPE:  # the reader of stdout left (| head): not an error
                _detach_stdout()
                raise typer.Exit(EXIT_BROKEN_PIPE) from None
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(f"error: {where}{exc.strerror or exc}", EXIT_USAGE)
        except Exception as exc:  # the one place where a bug becomes an exit code
            _fail(
                f"internal error: {type(exc).__name__}: {exc} (hint: this is a bug in "
                "frictionminer; rerun with --debug and report the traceback)",
                EXIT_INTERNAL,
            )

    return wrapper  # type: ignore[return-value]


def _release_databases() -> None:
    """Remove the Parquet parts a database log was staged in (kept for the command)."""
    if "frictionminer.io.database" in sys.modules:  # imported only when a database is read
        from frictionminer.io.database import release

        release()


def _fail(line: str, code: int) -> NoReturn:
    if state["debug"]:
        traceback.print_exc()
    sys.stderr.write(one_line(line) + "\n")
    raise typer.Exit(code) from None


def _errno(exc: OSError) -> int | None:
    """The errno of ``exc``; polars' OSErrors carry it only in the text, "(os error 32)"."""
    if exc.errno is not None:
        return exc.errno
    found = re.search(r"\(os error (\d+)\)", str(exc))
    return int(found.group(1)) if found else None


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except OSError as exc:
        _detach_stdout()
        if _errno(exc) == errno.EPIPE:
            raise
        raise OSError(exc.errno, exc.strerror, "standard output") from None


def _detach_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


# --- option bundles, declared once --------------------------------------------------
LogArg = Annotated[
    str,
    typer.Argument(
        help="Event log: .xes/.xes.gz, .csv/.csv.gz, .parquet, a directory or a glob; "
        "an object-centric log (.jsonocel, .xmlocel, .sqlite) with --ocel-case; a database "
        "(postgresql://…, sqlite:///….db, duckdb:///….duckdb, a .duckdb/.db file) with "
        "--table or --query.",
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
JourneyOpt = Annotated[
    bool,
    typer.Option(
        "--journey",
        help="Join each customer's cases into journeys ([journey] customer = COLUMN) and "
        "measure and flag them (FM010, FM011).",
    ),
]
ShardsOpt = Annotated[
    int | None,
    typer.Option(
        "--shards",
        min=1,
        help="Analyse a Parquet log in this many case-partitioned shards to bound memory "
        "(default: automatic above 20M events; 1 = in memory).",
    ),
]
_ENGINE = "Engine"


class EngineName(StrEnum):
    local = "local"
    dask = "dask"


EngineOpt = Annotated[
    EngineName | None,
    typer.Option(
        "--engine",
        help="Where the per-case stage runs: this process, or a Dask cluster "
        "(pip install 'frictionminer\\[dask]'; default: \\[engine] name, else local).",
        rich_help_panel=_ENGINE,
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help="A running Dask scheduler, e.g. tcp://host:8786 (implies --engine dask; "
        "default: a cluster on this machine, one worker per CPU).",
        rich_help_panel=_ENGINE,
    ),
]
_ENGINE_OPTIONS: dict[str, Any] = {"engine": (EngineOpt, None), "scheduler": (SchedulerOpt, None)}


def with_engine_options(fn: F) -> F:
    """Add ``--engine`` and ``--scheduler`` to a command that analyses a log; they are
    folded into its ``settings`` (put it below :func:`with_log_options`)."""
    sig = inspect.signature(fn, eval_str=True)
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann)
        for name, (ann, default) in _ENGINE_OPTIONS.items()
    ]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        engine, scheduler = kwargs.pop("engine", None), kwargs.pop("scheduler", None)
        kwargs["settings"] = with_engine(kwargs["settings"], engine, scheduler)
        return fn(*args, **kwargs)

    wrapper.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=[*sig.parameters.values(), *extra]
    )
    annotations = dict(fn.__annotations__)
    annotations.update({name: ann for name, (ann, _) in _ENGINE_OPTIONS.items()})
    wrapper.__annotations__ = annotations
    return wrapper  # type: ignore[return-value]


_FILTERS = "Filters (whole cases)"
_FILTER_OPTIONS: dict[str, Any] = {
    "since": (
        Annotated[
            str | None,
            typer.Option(
                "--since",
                help="Only cases that started at or after this: a date or date-time "
                "(UTC unless an offset is given), or a duration such as 90d, 12w or 36h "
                "counted back from the log's last event.",
                rich_help_panel=_FILTERS,
            ),
        ],
        None,
    ),
    "until": (
        Annotated[
            str | None,
            typer.Option(
                "--until",
                help="Only cases that started before this (a date alone: the end of that "
                "day), or a duration counted back from the log's last event.",
                rich_help_panel=_FILTERS,
            ),
        ],
        None,
    ),
    "where": (
        Annotated[
            str | None,
            typer.Option(
                "--where",
                help="Only cases with at least one event matching this polars SQL condition, "
                'e.g. "channel = \'phone\'" (quote names with colons: "case:category").',
                rich_help_panel=_FILTERS,
            ),
        ],
        None,
    ),
    "case_type": (
        Annotated[
            list[str] | None,
            typer.Option(
                "--case-type",
                help="Only cases of this category ([columns] category); repeatable.",
                rich_help_panel=_FILTERS,
            ),
        ],
        None,
    ),
}


def with_filter_options(fn: F) -> F:
    """Add ``--since/--until/--where/--case-type`` to a command that analyses a log; they
    are folded into its ``settings``' ``[filters]`` (put it below :func:`with_log_options`)."""
    sig = inspect.signature(fn, eval_str=True)
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann)
        for name, (ann, default) in _FILTER_OPTIONS.items()
    ]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name, None) for name in _FILTER_OPTIONS}
        settings: Settings = kwargs["settings"]
        changes = {k: v for k, v in given.items() if v not in (None, [])}
        for key in ("since", "until"):
            if key in changes:  # named as the option, not as the config key it replaces
                filter_bound(changes[key], f"--{key}", end_of_day=key == "until")
        if changes:
            table = dataclasses.replace(settings.filters, **changes)
            kwargs["settings"] = dataclasses.replace(settings, filters=table)
        return fn(*args, **kwargs)

    wrapper.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=[*sig.parameters.values(), *extra]
    )
    annotations = dict(fn.__annotations__)
    annotations.update({name: ann for name, (ann, _) in _FILTER_OPTIONS.items()})
    wrapper.__annotations__ = annotations
    return wrapper  # type: ignore[return-value]


_MORE = "More tables"
SourceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        help="Another event table of the same log, joined on the case id: "
        "'PATH;case=COL;activity=COL;timestamp=COL[;group=COL;channel=COL;"
        "activity_prefix=TEXT]'; PATH may be a database with ';table=NAME'. Repeatable; "
        "also [[sources]] in the config.",
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
_OCEL = "Object-centric logs (OCEL)"
OcelCaseOpt = Annotated[
    str | None,
    typer.Option(
        "--ocel-case",
        help="OCEL log: the object type whose objects are the cases (e.g. orders); "
        "\\[ocel] case_type.",
        rich_help_panel=_OCEL,
    ),
]
OcelCustomerOpt = Annotated[
    str | None,
    typer.Option(
        "--ocel-customer",
        help="OCEL log: the object type that is the customer; its id goes into the column "
        "ocel:customer. \\[ocel] customer_type.",
        rich_help_panel=_OCEL,
    ),
]

_DB = "Databases"
TableOpt = Annotated[
    str | None,
    typer.Option(
        "--table",
        help="LOG is a database: read this table or view (schema.table for another schema); "
        "\\[database] table.",
        rich_help_panel=_DB,
    ),
]
QueryOpt = Annotated[
    str | None,
    typer.Option(
        "--query",
        help="LOG is a database: read the rows of this SELECT, one row per event; "
        "\\[database] query.",
        rich_help_panel=_DB,
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
    "ocel_case": (OcelCaseOpt, None),
    "ocel_customer": (OcelCustomerOpt, None),
    "table": (TableOpt, None),
    "query": (QueryOpt, None),
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
        settings = kwargs["settings"] = settings_from_options(**opts)
        if opts["table"] is not None or opts["query"] is not None:
            _require_database(kwargs.get("log"), "--table" if opts["table"] else "--query")
        _protect_inputs(kwargs.get("log"), settings)
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


def _require_database(log: object, option: str) -> None:
    """``--table``/``--query`` with a LOG that is no database is a mistake: say so."""
    from frictionminer.errors import UsageError
    from frictionminer.io.database import file_kind, uri_kind

    if isinstance(log, str) and uri_kind(log) is None and file_kind(log) is None:
        raise UsageError(
            f"{log}: {option} reads from a database, and this is not one",
            hint="a database is a URI (postgresql://…, sqlite:///….db, duckdb:///….duckdb) "
            "or a .duckdb, .db or .sqlite file",
        )


def _protect_inputs(log: object, settings: Settings) -> None:
    """No output of this run may replace the log, its config or a joined table."""
    from frictionminer.io.outputs import protect_input

    for path in (
        log,
        None if settings.source == DEFAULT_SOURCE else settings.source,
        *(s.path for s in settings.sources),  # already resolved against the config's folder
        *(t.path for t in settings.case_tables),
    ):
        if isinstance(path, str | Path):
            protect_input(path)


class InfoFormat(StrEnum):
    table = "table"
    json = "json"


def settings_from_options(
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
    ocel_case: str | None = None,
    ocel_customer: str | None = None,
    table: str | None = None,
    query: str | None = None,
) -> Settings:
    from frictionminer.settings.load import load_settings

    activity: str | list[str] | None = None
    if activity_col:
        activity = activity_col[0] if len(activity_col) == 1 else list(activity_col)
    if delimiter == "\\t":
        delimiter = "\t"
    settings = load_settings(
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
            "ocel": {"case_type": ocel_case, "customer_type": ocel_customer},
        },
        extra_sources=[_parse_table_spec(s, "--source") for s in source or []],
        extra_case_tables=[_parse_table_spec(s, "--case-table") for s in case_table or []],
    )
    return _with_database(settings, table, query)


def _with_database(settings: Settings, table: str | None, query: str | None) -> Settings:
    """``--table``/``--query`` over the config's ``[database]`` table (one replaces the other)."""
    if table is None and query is None:
        return settings
    if table is not None and query is not None:
        from frictionminer.errors import UsageError

        raise UsageError(
            "--table and --query exclude each other",
            hint="give the table, or a query that selects from it",
        )
    database = dataclasses.replace(settings.database, table=table, query=query)
    return dataclasses.replace(settings, database=database)


def warn_unseen(result: Any, quiet: bool = False) -> None:
    """One line on stderr when a role the measures need is unseen on this log.

    ``--quiet`` drops the line (it prints only results and errors); the results keep
    saying it: the JSON summary's ``warnings``, the report's caveat, the table's summary.
    """
    coverage = getattr(result, "coverage", None)
    if quiet or coverage is None:
        return
    from frictionminer.reporting.catalogue import unseen_line

    line = unseen_line(coverage.warnings(result.log.source))
    if line:
        sys.stderr.write(f"warning: {one_line(line)}\n")


def load_log(log: str, settings: Settings) -> EventLog:
    from frictionminer.io import load

    return load(log, settings)


def emit(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` atomically, or to stdout."""
    if output is None:
        if sys.stdout.isatty():  # a log's control characters never reach a terminal
            from frictionminer.reporting.console import printable

            text = printable(text)
        from frictionminer.io.outputs import write_stdout

        write_stdout(text)
    else:
        from frictionminer.io.outputs import write_text

        write_text(output, text)


OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file instead of stdout (atomically)."),
]


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


def pseudonymized(result: Any, enabled: bool, key_opt: str | None) -> tuple[Any, bytes | None]:
    """The result with identifiers replaced when asked, and the key used."""
    if not enabled:
        return result, None
    from frictionminer.reporting.pseudonymize import pseudonymize_result, resolve_key

    key, _stable = resolve_key(key_opt)
    return pseudonymize_result(result, key), key
