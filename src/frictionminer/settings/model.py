"""The typed settings: one dataclass per table, and :class:`Settings`, which holds them all.

Every field's default is read from the packaged ``defaults.toml`` (:func:`packaged`); a
field without a default there is unset (``None``: detect, or no such column).  Every table
is checked when a :class:`Settings` is built — from a config file by
:func:`frictionminer.settings.load.load_settings`, or in code by ``Settings(...)`` — so an
unknown key or a bad value is a :class:`ConfigError` naming the file (or ``Settings(...)``)
and the dotted key, whichever way the settings came in.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from math import isfinite
from pathlib import Path
from typing import Any, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from frictionminer.errors import ConfigError, UsageError
from frictionminer.settings.audit import ALL_PROMISES, AuditSettings, parse_audit_settings
from frictionminer.settings.defaults import packaged, packaged_factory
from frictionminer.settings.patterns import LOOKAROUND_HINT, RolePattern, item_problem
from frictionminer.settings.promises import (
    FIRST_RESPONSE,
    INTERIM_NOTICE,
    REQUIRED_KEYS,
    BuiltinPromiseSettings,
    CalendarSettings,
    PromiseSettings,
    check_promise,
    check_promise_tables,
)
from frictionminer.settings.rules import RuleSettings, parse_rules

DEFAULT_SOURCE = "built-in defaults"
"""``Settings.source`` when no config file was read."""
LIBRARY_SOURCE = "Settings(...)"
"""How errors name settings built in code (``Settings(rules=...)``) rather than read."""


@dataclass(frozen=True)
class ColumnSettings:
    """Which source column plays which role.  ``None`` means detect."""

    case: str | None = None
    activity: str | list[str] | None = None
    timestamp: str | None = None
    resource: str | None = None
    group: str | None = None
    channel: str | None = None
    lifecycle: str | None = None
    category: str | None = None
    value: str | None = None
    rating: str | None = None
    """The customer's own verdict on the case (survey rating or complaint marker)."""


NULL_COLUMN_ROLES = ("case", "resource", "group", "channel")
"""The id-like column roles ``[ingest] null_columns`` may name."""


@dataclass(frozen=True)
class IngestSettings:
    """How to read files: timezone for naive timestamps and CSV dialect overrides."""

    timezone: str = packaged("ingest", "timezone")
    timestamp_format: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    decimal_comma: bool | None = None
    null_values: list[str] = field(default_factory=packaged_factory("ingest", "null_values"))
    """Placeholder texts read as missing in the ``null_columns`` (compared without case and
    surrounding blanks; e.g. "?" for an unassigned team, "EMPTY" in Receipt's teams,
    "#MULTIVALUE" in BPIC 2014's incident links)."""
    null_columns: list[str] = field(default_factory=packaged_factory("ingest", "null_columns"))
    """The column roles whose placeholders are read as missing."""
    max_compression_ratio: float = packaged("ingest", "max_compression_ratio")
    """A gzip input that decompresses to more than this many times its size is refused."""
    max_columns: int = packaged("ingest", "max_columns")
    """A log with more columns than this is refused before its rows are read."""
    max_value_bytes: int = packaged("ingest", "max_value_bytes")
    """A case id, activity, resource, team or channel longer than this (bytes) is refused."""


@dataclass(frozen=True)
class SourceSettings:
    """One more event table of the log (``[[sources]]``), with its own column mapping.

    Its events are added to the log's events and joined on the case id, e.g. BPIC 2014's
    service-desk interactions (case = ``Related Incident``) beside the incident activities.
    ``path`` is relative to the config file's folder.
    """

    path: str
    columns: ColumnSettings = field(default_factory=ColumnSettings)
    activity_prefix: str | None = None
    """Text put before each activity (e.g. ``"Interaction: "``) to tell the tables apart."""
    timezone: str | None = None
    timestamp_format: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    null_values: list[str] | None = None
    table: str | None = None
    """When ``path`` is a database: the table of this source's events (``[database]``)."""
    query: str | None = None
    """When ``path`` is a database: a SELECT giving this source's events."""


@dataclass(frozen=True)
class CaseTableSettings:
    """A one-row-per-case table (``[[case_tables]]``) joined in as ``case:`` attributes."""

    path: str
    key: str
    """The column holding the case id."""
    columns: list[str] | None = None
    """Which columns to join (default: all but the key)."""
    prefix: str = "case:"
    delimiter: str | None = None
    encoding: str | None = None


@dataclass(frozen=True)
class OcelSettings:
    """How an object-centric log (OCEL 1.0/2.0) becomes one event table.

    ``case_type`` names the object type whose objects are the cases (e.g. ``orders``);
    ``customer_type`` the object type that is the customer, whose id each event gets in
    the ``ocel:customer`` column (docs/ingest.md gives the rule).
    """

    case_type: str | None = None
    customer_type: str | None = None


@dataclass(frozen=True)
class RoleSettings:
    """What an event means for the customer: regular expressions per role.

    Searched case-insensitively in the column named by ``match`` (the activity by
    default) by a linear-time engine; an item is a regex or ``{match, unless}``
    (:mod:`frictionminer.settings.patterns`).  An event may have several roles or none.
    """

    contact: list[RolePattern] = field(default_factory=packaged_factory("roles", "contact"))
    customer_task: list[RolePattern] = field(
        default_factory=packaged_factory("roles", "customer_task")
    )
    customer_action: list[RolePattern] = field(
        default_factory=packaged_factory("roles", "customer_action")
    )
    notice: list[RolePattern] = field(default_factory=packaged_factory("roles", "notice"))
    resolution: list[RolePattern] = field(default_factory=packaged_factory("roles", "resolution"))
    queue: list[RolePattern] = field(default_factory=packaged_factory("roles", "queue"))
    """The case waits in a queue nobody has picked up (waiting by cause, not a role the
    customer notices)."""
    external_wait: list[RolePattern] = field(
        default_factory=packaged_factory("roles", "external_wait")
    )
    """The case waits on an outside party: vendor, third party, grid operator."""
    survey: list[RolePattern] = field(default_factory=packaged_factory("roles", "survey"))
    """The company asks the customer for a rating or feedback (a contact as well; FM013)."""
    match: str = packaged("roles", "match")
    min_case_share: float = packaged("roles", "min_case_share")
    """A role matched in fewer than this share of the cases is unseen: what depends on
    it is not computed (:mod:`frictionminer.engine.coverage`)."""


@dataclass(frozen=True)
class EngineSettings:
    """Where the per-case stage runs: this process, or a Dask cluster."""

    name: str = packaged("engine", "name")
    """``"local"`` or ``"dask"``."""
    scheduler: str | None = None
    """Address of a running Dask scheduler (None: a cluster on this machine)."""
    parts: int | None = None
    """Case-hash parts on the cluster (None: two per worker, at least one per 5M events)."""
    workdir: str | None = None
    """Folder for the parts' files, the same for every worker (None: the temp folder)."""


ENGINES = ("local", "dask")


@dataclass(frozen=True)
class DatabaseSettings:
    """A log read from a database: which table or query gives its events."""

    table: str | None = None
    """Table or view with one row per event (``schema.table`` names the schema); quoted as
    an identifier."""
    query: str | None = None
    """A SELECT returning one row per event (instead of ``table``)."""
    batch_rows: int = packaged("database", "batch_rows")
    """Rows per Parquet part while the result streams in."""


ROLE_NAMES = ("contact", "customer_task", "customer_action", "notice", "resolution")
WAIT_ROLE_NAMES = ("queue", "external_wait")
"""Roles that only say why the customer waits on the company (docs/friction-model.md,
"Waiting by cause"): the customer does not notice them, so they neither break a silence
nor count as news."""
SIGNAL_ROLE_NAMES = ("survey",)
"""Roles that mark a kind of contact for a rule or a report (``survey``: FM013, the
survey list) without changing the measures: the contact role still counts the event."""


@dataclass(frozen=True)
class MeasureSettings:
    """How case paths are read."""

    lifecycle: str = packaged("measures", "lifecycle")
    """Which lifecycle transition counts an activity instance: "auto" (the ``complete``
    events when the log has any, else all), "all", or a transition name."""
    organisation: str | None = None
    """Column naming the organisation that holds the case (for external handoffs)."""
    state_runs: str = packaged("measures", "state_runs")
    """A state log's repeated activity: "auto" (collapse when the activity column's name
    says state or status), "collapse" (one occurrence per run), "keep" (every event)."""


@dataclass(frozen=True)
class EffortSettings:
    """Minutes of the customer's own time per occurrence (see docs/friction-model.md)."""

    contact: float = packaged("effort", "contact")
    customer_task: float = packaged("effort", "customer_task")
    channel_switch: float = packaged("effort", "channel_switch")
    reexplanation: float = packaged("effort", "reexplanation")


@dataclass(frozen=True)
class WeightSettings:
    """Weight of each measure in ``friction_score`` (points per unit)."""

    interactions: float = packaged("weights", "interactions")
    customer_tasks: float = packaged("weights", "customer_tasks")
    repeat_requests: float = packaged("weights", "repeat_requests")
    customer_wait_days: float = packaged("weights", "customer_wait_days")
    silent_wait_max_days: float = packaged("weights", "silent_wait_max_days")
    handoffs: float = packaged("weights", "handoffs")
    ping_pongs: float = packaged("weights", "ping_pongs")
    external_handoffs: float = packaged("weights", "external_handoffs")
    channel_switches: float = packaged("weights", "channel_switches")
    unresolved: float = packaged("weights", "unresolved")
    disproportion: float = packaged("weights", "disproportion")


@dataclass(frozen=True)
class ProportionSettings:
    """Comparison of a case with its peers (same ``columns.category`` value)."""

    min_peers: int = packaged("proportion", "min_peers")
    """Peer groups smaller than this are compared with the whole log instead."""
    cap: float = packaged("proportion", "cap")
    """Largest robust z-score a case can contribute (keeps one outlier from dominating)."""


@dataclass(frozen=True)
class SystemicSettings:
    """When a rule is a property of the process on a log, not of single cases."""

    share: float = packaged("systemic", "share")
    """A rule whose condition holds for more than this share of the cases is systemic."""
    fence: float = packaged("systemic", "fence")
    """A systemic rule flags cases above Q3 + fence x IQR of the log (Tukey's fence)."""
    min_cases: int = packaged("systemic", "min_cases")
    """Logs with fewer cases are judged by the rules' own thresholds only."""


@dataclass(frozen=True)
class SurveySettings:
    """Surveys and ratings (docs/friction-model.md, "Surveys"): the rating's scale, who
    counts as unhappy, and the size of ``survey-list``'s sample."""

    rating_scale: str = packaged("surveys", "rating_scale")
    """``"auto"``, ``"csat"`` (1-5), ``"nps"`` (0-10) or ``"complaint"`` (1/yes: complained)."""
    csat_unhappy_at_most: float = packaged("surveys", "csat_unhappy_at_most")
    """A CSAT rating at most this is an unhappy customer."""
    nps_unhappy_at_most: float = packaged("surveys", "nps_unhappy_at_most")
    """An NPS rating at most this is an unhappy customer (a detractor)."""
    list_size: int = packaged("surveys", "list_size")
    """``survey-list``: high-friction cases not yet surveyed."""
    control_size: int = packaged("surveys", "control_size")
    """``survey-list``: cases drawn at random from the rest, as a control."""
    seed: int = packaged("surveys", "seed")
    """``survey-list``: the seed of the control sample."""


RATING_SCALES = ("auto", "csat", "nps", "complaint")


_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([hdw])\s*$", re.IGNORECASE)
_SPAN_HOURS = {"h": 1.0, "d": 24.0, "w": 168.0}


def filter_bound(text: str, where: str, *, end_of_day: bool) -> datetime | timedelta:
    """``--since``/``--until``: an instant (UTC; a date alone is its start, or with
    ``end_of_day`` its end) or a duration ("90d", "12w", "36h") to count back from the
    log's last event.  A UsageError naming ``where`` otherwise."""
    found = _SPAN.match(text)
    if found:
        return timedelta(hours=float(found.group(1)) * _SPAN_HOURS[found.group(2).lower()])
    raw = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            day = date.fromisoformat(raw)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end_of_day else moment
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise UsageError(
            f"{where} {text!r}: not an ISO date or date-time, nor a duration",
            hint="e.g. 2024-05-06, 2024-05-06T08:00 (UTC unless an offset is given), or 90d, "
            "12w, 36h counted back from the log's last event",
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class FilterSettings:
    """Which cases are analysed (``[filters]``, docs/filters.md): whole cases, never parts."""

    since: str | None = None
    """Cases that started at or after this: ISO date/date-time, or "90d" back from the
    log's last event."""
    until: str | None = None
    """Cases that started before this (a date alone: the end of that day), or a duration."""
    where: str | None = None
    """A polars SQL condition; a case is kept when at least one of its events matches."""
    case_type: list[str] = field(default_factory=packaged_factory("filters", "case_type"))
    """Keep only the cases of these categories (``[columns] category``)."""

    @property
    def active(self) -> bool:
        return bool(self.since or self.until or self.where or self.case_type)


@dataclass(frozen=True)
class JourneySettings:
    """A customer's cases joined into journeys (``--journey``; docs/friction-model.md)."""

    customer: str | None = None
    """Column naming the customer: an event attribute or a case attribute (with or without
    its ``case:`` prefix).  Unset: no journeys."""
    gap: str = packaged("journey", "gap")
    """A customer's cases that overlap or follow each other within this gap form one
    journey ("30d"; d, h, w or m)."""
    repeat_within: str = packaged("journey", "repeat_within")
    """A new case, or the customer acting again, within this time after a case was
    resolved is a repeat contact ("7d")."""

    @property
    def gap_span(self) -> timedelta:
        return parse_span(self.gap)

    @property
    def repeat_span(self) -> timedelta:
        return parse_span(self.repeat_within)


_SPAN_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_span(text: str) -> timedelta:
    """A length such as ``"30d"``, ``"36h"``, ``"2w"`` or ``"90m"`` as a timedelta.

    >>> parse_span("7d")
    datetime.timedelta(days=7)
    """
    value = text.strip().lower()
    unit = value[-1:] if value else ""
    try:
        number = float(value[:-1]) if unit in _SPAN_UNITS else float("nan")
    except ValueError:
        number = float("nan")
    if not isfinite(number) or number < 0:
        raise ValueError(f"{text!r} is not a length such as 30d, 36h, 2w or 90m")
    return timedelta(seconds=number * _SPAN_UNITS[unit])


ROLE_NAMES = ("contact", "customer_task", "customer_action", "notice", "resolution")


def _type_ok(value: Any, annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(_type_ok(value, arg) for arg in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if origin is list:
        (item,) = typing.get_args(annotation)
        return isinstance(value, list) and all(_type_ok(v, item) for v in value)
    if origin is dict:
        _, item = typing.get_args(annotation)
        return isinstance(value, dict) and all(
            isinstance(k, str) and _type_ok(v, item) for k, v in value.items()
        )
    if annotation is float:  # nan and inf would make every score nan or inf
        return isinstance(value, int | float) and not isinstance(value, bool) and isfinite(value)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, annotation)


def _describe(annotation: Any) -> str:
    if annotation is float:
        return "a finite number"
    text = str(annotation).replace("typing.", "").replace("NoneType", "None")
    return text.replace("<class '", "").replace("'>", "")


def build_table(cls: type[Any], data: Mapping[str, Any], *, source: str, prefix: str) -> Any:
    """Validate ``data`` against dataclass ``cls``; unknown keys and bad types name the key.

    Keys missing from ``data`` keep the field's default (``defaults.toml``), as a project
    file's table overrides the packaged one key by key.
    """
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f"did you mean '{prefix}{close[0]}'?" if close else f"known: {', '.join(names)}"
            raise ConfigError(f"{source}: unknown key '{prefix}{key}'", hint=hint)
        if not _type_ok(value, hints[key]):
            raise ConfigError(
                f"{source}: key '{prefix}{key}' must be {_describe(hints[key])}, "
                f"not {type(value).__name__} {value!r}"
            )
        values[key] = value
    return cls(**values)


def _fields(obj: Any) -> dict[str, Any]:
    """A dataclass instance as the table it was built from (one level deep)."""
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


TABLES: dict[str, type[Any]] = {
    "columns": ColumnSettings,
    "ingest": IngestSettings,
    "ocel": OcelSettings,
    "roles": RoleSettings,
    "measures": MeasureSettings,
    "effort": EffortSettings,
    "weights": WeightSettings,
    "proportion": ProportionSettings,
    "systemic": SystemicSettings,
    "engine": EngineSettings,
    "database": DatabaseSettings,
    "journey": JourneySettings,
    "surveys": SurveySettings,
    "filters": FilterSettings,
    "builtin_promises": BuiltinPromiseSettings,
    "calendar": CalendarSettings,
}
"""Top-level config tables and the dataclass that validates each."""
ARRAYS = ("sources", "case_tables", "promises")
"""Arrays of tables (``[[sources]]``)."""
KNOWN_TABLES = (*TABLES, "rules", "audit", *ARRAYS)


def _table(name: str, value: Any, *, source: str) -> Any:
    """A top-level table from a mapping or its dataclass, checked either way."""
    cls = TABLES[name]
    if isinstance(value, cls):
        value = _fields(value)
    if not isinstance(value, Mapping):
        raise ConfigError(f"{source}: '{name}' must be a table ([{name}])")
    return build_table(cls, value, source=source, prefix=f"{name}.")


_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_uri(path: str) -> bool:
    """``scheme://…``: a database or a URL, never resolved against a folder."""
    return bool(_URI.match(path))


def _resolve(path: str, base: Path | None) -> str:
    """``path`` relative to the config file's folder (absolute paths and URIs such as
    ``postgresql://…`` stay as they are)."""
    if is_uri(path):
        return path
    p = Path(path).expanduser()
    return str(p) if base is None or p.is_absolute() else str(base / p)


def _promise_array(value: Any, *, source: str) -> list[PromiseSettings]:
    """``[[promises]]``: an array of tables, each checked and named in errors by index."""
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ConfigError(f"{source}: 'promises' must be an array of tables ([[promises]])")
    out: list[PromiseSettings] = []
    taken: set[str] = set()
    for i, entry in enumerate(value):
        prefix = f"promises[{i}]."
        if isinstance(entry, PromiseSettings):
            entry = _fields(entry)
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{source}: 'promises' must be an array of tables ([[promises]])")
        for key in REQUIRED_KEYS:
            if key not in entry:
                raise ConfigError(
                    f"{source}: key '{prefix}{key}' is missing",
                    hint='a promise needs name, after, before and within, e.g. within = "2d"',
                )
        item = build_table(PromiseSettings, entry, source=source, prefix=prefix)
        check_promise(item, prefix, source, taken)
        out.append(item)
    return out


def _table_array(
    key: str, value: Any, *, source: str, base: Path | None
) -> list[SourceSettings] | list[CaseTableSettings]:
    """Validate ``[[sources]]`` / ``[[case_tables]]``: arrays of tables (or their dataclasses).

    Paths of tables read from a file are resolved against ``base``, its folder; a dataclass
    keeps its path as it is.
    """
    kind = SourceSettings if key == "sources" else CaseTableSettings
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ConfigError(f"{source}: '{key}' must be an array of tables ([[{key}]])")
    out: list[Any] = []
    for i, entry in enumerate(value):
        prefix = f"{key}[{i}]."
        where = base
        if isinstance(entry, kind):
            entry, where = _fields(entry), None
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{source}: '{key}' must be an array of tables ([[{key}]])")
        entry = dict(entry)
        if "path" not in entry:
            raise ConfigError(f"{source}: key '{prefix}path' is missing")
        if kind is SourceSettings:
            cols = entry.pop("columns", {})
            if isinstance(cols, ColumnSettings):
                cols = _fields(cols)
            if not isinstance(cols, Mapping):
                raise ConfigError(f"{source}: '{prefix}columns' must be a table")
            columns = build_table(ColumnSettings, cols, source=source, prefix=f"{prefix}columns.")
            item = build_table(SourceSettings, entry, source=source, prefix=prefix)
            item = dataclasses.replace(item, columns=columns)
            if item.table is not None and item.query is not None:
                raise ConfigError(
                    f"{source}: keys '{prefix}table' and '{prefix}query' exclude each other"
                )
        else:
            if "key" not in entry:
                raise ConfigError(
                    f"{source}: key '{prefix}key' is missing",
                    hint="name the column that holds the case id",
                )
            item = build_table(CaseTableSettings, entry, source=source, prefix=prefix)
        out.append(dataclasses.replace(item, path=_resolve(item.path, where)))
    return out


def _check_values(tables: Mapping[str, Any], source: str) -> None:
    """The checks a type cannot express: timezones, regular expressions, ranges."""
    ingest, roles = tables["ingest"], tables["roles"]
    try:
        ZoneInfo(ingest.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{source}: key 'ingest.timezone': unknown timezone {ingest.timezone!r}",
            hint="use an IANA name such as 'Europe/Berlin' or 'UTC'",
        ) from None
    delim = ingest.delimiter
    if delim is not None and len(delim) != 1:
        raise ConfigError(
            f"{source}: key 'ingest.delimiter' must be one character, not {delim!r}",
            hint=r"write a tab as '\t'",
        )
    if ingest.max_compression_ratio <= 0:  # would refuse every gzip input past the slack
        raise ConfigError(
            f"{source}: key 'ingest.max_compression_ratio' must be greater than 0",
            hint="real logs compress 10 to 90 times; the default is 200",
        )
    for role in (*ROLE_NAMES, *WAIT_ROLE_NAMES, *SIGNAL_ROLE_NAMES):
        built_in = packaged_factory("roles", role)()  # tested; skipping them keeps
        for i, item in enumerate(getattr(roles, role)):  # polars out of a plain load
            if item in built_in:
                continue
            found = item_problem(item)
            if found is not None:
                problem, lookaround = found
                raise ConfigError(
                    f"{source}: key 'roles.{role}' [{i}]: {problem}",
                    hint=LOOKAROUND_HINT
                    if lookaround
                    else "escape special characters such as ( ) [ ] . with \\",
                )
    for key in ("max_columns", "max_value_bytes"):
        if getattr(ingest, key) < 1:
            raise ConfigError(
                f"{source}: key 'ingest.{key}' must be at least 1",
                hint="a limit; the default is in docs/configuration.md",
            )
    if not 0.0 <= roles.min_case_share <= 1.0:
        raise ConfigError(
            f"{source}: key 'roles.min_case_share' must be between 0 and 1",
            hint="a share of the cases, e.g. 0.01 for 1%",
        )
    bad_roles = sorted(set(tables["ingest"].null_columns) - set(NULL_COLUMN_ROLES))
    if bad_roles:
        raise ConfigError(
            f"{source}: key 'ingest.null_columns': unknown role(s) {', '.join(bad_roles)}",
            hint=f"choose from {', '.join(NULL_COLUMN_ROLES)}",
        )
    if tables["measures"].state_runs not in ("auto", "collapse", "keep"):
        raise ConfigError(
            f'{source}: key \'measures.state_runs\' must be "auto", "collapse" or "keep"',
            hint="collapse: consecutive events with the same activity are one occurrence",
        )
    proportion = tables["proportion"]
    if proportion.min_peers < 1:
        raise ConfigError(f"{source}: key 'proportion.min_peers' must be at least 1")
    if proportion.cap <= 0:
        raise ConfigError(f"{source}: key 'proportion.cap' must be greater than 0")
    systemic = tables["systemic"]
    if not 0.0 < systemic.share <= 1.0:
        raise ConfigError(
            f"{source}: key 'systemic.share' must be above 0 and at most 1",
            hint="a share of the cases, e.g. 0.33; 1 turns log-level findings off",
        )
    engine = tables["engine"]
    if engine.name not in ENGINES:
        raise ConfigError(
            f'{source}: key \'engine.name\' must be "local" or "dask", not {engine.name!r}'
        )
    if engine.parts is not None and engine.parts < 1:
        raise ConfigError(f"{source}: key 'engine.parts' must be at least 1")
    database = tables["database"]
    if database.batch_rows < 1:
        raise ConfigError(f"{source}: key 'database.batch_rows' must be at least 1")
    if database.table is not None and database.query is not None:
        raise ConfigError(
            f"{source}: keys 'database.table' and 'database.query' exclude each other",
            hint="give the table, or a query that selects from it",
        )
    for key in ("table", "query"):
        text = getattr(database, key)
        if text is not None and not text.strip():
            raise ConfigError(f"{source}: key 'database.{key}' must not be empty")
    journey = tables["journey"]
    for key in ("gap", "repeat_within"):
        try:
            parse_span(getattr(journey, key))
        except ValueError as exc:
            raise ConfigError(
                f"{source}: key 'journey.{key}': {exc}", hint='e.g. "30d", "36h", "2w"'
            ) from None
    if journey.customer is not None and not journey.customer.strip():
        raise ConfigError(f"{source}: key 'journey.customer' must name a column")
    filters = tables["filters"]
    for key in ("since", "until"):
        text = getattr(filters, key)
        if text is not None:
            filter_bound(text, f"{source}: key 'filters.{key}'", end_of_day=key == "until")
    if filters.where is not None and not filters.where.strip():
        raise ConfigError(f"{source}: key 'filters.where' must be a condition, not empty")
    surveys = tables["surveys"]
    if surveys.rating_scale not in RATING_SCALES:
        raise ConfigError(
            f"{source}: key 'surveys.rating_scale' must be one of "
            f"{', '.join(RATING_SCALES)}, not {surveys.rating_scale!r}"
        )
    for key in ("csat_unhappy_at_most", "nps_unhappy_at_most"):
        if not isfinite(getattr(surveys, key)):
            raise ConfigError(f"{source}: key 'surveys.{key}' must be a finite number")
    for key in ("list_size", "control_size"):
        if getattr(surveys, key) < 0:
            raise ConfigError(f"{source}: key 'surveys.{key}' must not be negative")
    if systemic.fence < 0:
        raise ConfigError(f"{source}: key 'systemic.fence' must not be negative")
    for table in ("weights", "effort"):
        for name, number in _fields(tables[table]).items():
            if number < 0:
                raise ConfigError(f"{source}: key '{table}.{name}' must not be negative")
    check_promise_tables(tables["builtin_promises"], tables["calendar"], source)
    named = {FIRST_RESPONSE, INTERIM_NOTICE, ALL_PROMISES, *(p.name for p in tables["promises"])}
    for gate in tables["audit"].gates:
        if gate.kind == "min_promise_kept" and gate.subject not in named:
            close = difflib.get_close_matches(gate.subject, sorted(named), n=1)
            raise ConfigError(
                f"{source}: key 'audit.min_promise_kept.{gate.subject}': no such promise",
                hint=f"did you mean {close[0]!r}?"
                if close
                else f"known: {', '.join(sorted(named))}",
            )
    act = tables["columns"].activity
    if isinstance(act, list) and not act:
        raise ConfigError(f"{source}: key 'columns.activity' must name at least one column")


def _checked(given: Mapping[str, Any], *, source: str, base: Path | None) -> dict[str, Any]:
    """Every table of ``given`` (mappings or dataclasses) checked, the rest defaulted."""
    out: dict[str, Any] = {}
    for key, value in given.items():
        if key in TABLES:
            out[key] = _table(key, value, source=source)
        elif key == "promises":
            out[key] = _promise_array(value, source=source)
        elif key in ARRAYS:
            out[key] = _table_array(key, value, source=source, base=base)
        elif key == "rules":
            out[key] = parse_rules(value, source=source)
        elif key == "audit" and isinstance(value, AuditSettings):
            out[key] = value  # built by parse_audit_settings, already checked
        elif key == "audit":
            out[key] = parse_audit_settings(value, source=source)
        else:
            close = difflib.get_close_matches(key, KNOWN_TABLES, n=1)
            hint = f"did you mean [{close[0]}]?" if close else f"known: {', '.join(KNOWN_TABLES)}"
            raise ConfigError(f"{source}: unknown table [{key}]", hint=hint)
    for key, cls in TABLES.items():
        out.setdefault(key, cls())
    for key in ARRAYS:
        out.setdefault(key, [])
    if "rules" not in out:
        out["rules"] = parse_rules(None, source=source)
    if "audit" not in out:
        out["audit"] = AuditSettings()
    _check_values(out, source)
    return out


TableInput = Mapping[str, Any]
"""A table as a config file holds it (``{"contact": [...]}``); missing keys keep defaults."""


OCEL_CUSTOMER = "ocel:customer"
"""The column an OCEL log's customer object ends up in (``[ocel] customer_type``)."""


@dataclass(frozen=True, init=False)
class Settings:
    """Everything a run needs, typed and validated when built.

    ``Settings()`` is the built-in configuration — exactly what the command line uses
    without a config file.  Each table may be given as its dataclass or as a mapping like
    the file's table, whose missing keys keep their defaults::

        Settings(rules={"FM004": {"min_silent_hours": 48}}, roles={"notice": [r"\\bupdate\\b"]})

    A bad key or value is a :class:`ConfigError` naming ``Settings(...)`` and the key.
    """

    columns: ColumnSettings
    ingest: IngestSettings
    ocel: OcelSettings
    """The ``[ocel]`` table: which object types are the cases and the customer."""
    roles: RoleSettings
    measures: MeasureSettings
    effort: EffortSettings
    weights: WeightSettings
    proportion: ProportionSettings
    systemic: SystemicSettings
    engine: EngineSettings
    """Where the per-case stage runs (``[engine]``)."""
    database: DatabaseSettings
    """The ``[database]`` table: the table or query a database log is read from."""
    journey: JourneySettings
    """The ``[journey]`` table: the customer column, the gap and the repeat window."""
    surveys: SurveySettings
    """The ``[surveys]`` table: the rating's scale and the survey list."""
    filters: FilterSettings
    """The ``[filters]`` table: which cases are analysed."""
    builtin_promises: BuiltinPromiseSettings
    """The ``[builtin_promises]`` table: the promises that need no configuration."""
    calendar: CalendarSettings
    """The ``[calendar]`` table: working time for promises kept in business time."""
    rules: dict[str, RuleSettings]
    """Every rule's settings by id (``[rules.FM001]``), defaults filled in."""
    sources: list[SourceSettings]
    """More event tables of the same log (``[[sources]]``)."""
    case_tables: list[CaseTableSettings]
    """One-row-per-case tables joined in as case attributes (``[[case_tables]]``)."""
    promises: list[PromiseSettings]
    """The company's own promises (``[[promises]]``)."""
    audit: AuditSettings
    """The ``[audit]`` table (CI gates, baseline comparison)."""
    source: str = field(default=DEFAULT_SOURCE, compare=False)
    """Where the project layer came from (a path, or 'built-in defaults'); not compared."""

    def __init__(
        self,
        *,
        columns: ColumnSettings | TableInput | None = None,
        ingest: IngestSettings | TableInput | None = None,
        ocel: OcelSettings | TableInput | None = None,
        roles: RoleSettings | TableInput | None = None,
        measures: MeasureSettings | TableInput | None = None,
        effort: EffortSettings | TableInput | None = None,
        weights: WeightSettings | TableInput | None = None,
        proportion: ProportionSettings | TableInput | None = None,
        systemic: SystemicSettings | TableInput | None = None,
        engine: EngineSettings | TableInput | None = None,
        database: DatabaseSettings | TableInput | None = None,
        journey: JourneySettings | TableInput | None = None,
        surveys: SurveySettings | TableInput | None = None,
        filters: FilterSettings | TableInput | None = None,
        builtin_promises: BuiltinPromiseSettings | TableInput | None = None,
        calendar: CalendarSettings | TableInput | None = None,
        rules: Mapping[str, RuleSettings | TableInput] | None = None,
        sources: Sequence[SourceSettings | TableInput] | None = None,
        case_tables: Sequence[CaseTableSettings | TableInput] | None = None,
        promises: Sequence[PromiseSettings | TableInput] | None = None,
        audit: AuditSettings | TableInput | None = None,
        source: str = DEFAULT_SOURCE,
    ) -> None:
        """Check every table given, fill in the others' defaults.

        Written by hand, not generated: the generated ``__init__`` would take a table only
        as its dataclass, and check nothing.  ``dataclasses.replace`` comes through here too.
        """
        given = {
            "columns": columns,
            "ingest": ingest,
            "ocel": ocel,
            "roles": roles,
            "measures": measures,
            "effort": effort,
            "weights": weights,
            "proportion": proportion,
            "systemic": systemic,
            "engine": engine,
            "database": database,
            "journey": journey,
            "surveys": surveys,
            "filters": filters,
            "builtin_promises": builtin_promises,
            "calendar": calendar,
            "rules": rules,
            "sources": sources,
            "case_tables": case_tables,
            "promises": promises,
            "audit": audit,
        }
        label = LIBRARY_SOURCE if source == DEFAULT_SOURCE else source
        checked = _checked(
            {k: v for k, v in given.items() if v is not None}, source=label, base=None
        )
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "source", source)
        journey_of = self.journey
        if self.ocel.customer_type is not None and journey_of.customer is None:
            # an OCEL log read with a customer type carries it in its own column: the
            # journeys' customer unless [journey] customer names another
            journey_of = dataclasses.replace(journey_of, customer=OCEL_CUSTOMER)
            object.__setattr__(self, "journey", journey_of)


def settings_from_dict(
    data: Mapping[str, Any], *, source: str, base: Path | None = None
) -> Settings:
    """Validate a whole config mapping (a file's tables, merged over the defaults).

    Errors name ``source``; ``base`` is the config file's folder, against which relative
    ``path`` keys are resolved.
    """
    return Settings(**_checked(data, source=source, base=base), source=source)


def with_engine(settings: Settings, engine: str | None, scheduler: str | None) -> Settings:
    """``settings`` with ``--engine``/``--scheduler`` (or the library's keywords of the same
    names) over its ``[engine]`` table; None keeps the table's value.

    A scheduler alone means the Dask engine; with ``engine="local"`` it is a UsageError.
    """
    if engine is None and scheduler is None:
        return settings
    name = str(engine) if engine is not None else "dask"
    if name not in ENGINES:
        raise UsageError(f"engine {name!r}: choose local or dask")
    if scheduler is not None and name == "local":
        raise UsageError("--scheduler needs --engine dask (it names a Dask scheduler)")
    table = dataclasses.replace(
        settings.engine,
        name=name,
        scheduler=scheduler if scheduler is not None else settings.engine.scheduler,
    )
    return dataclasses.replace(settings, engine=table)
