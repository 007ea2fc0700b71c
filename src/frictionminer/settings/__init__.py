"""Settings: one typed object, loaded and validated once.

Layers, lowest first: the packaged ``defaults.toml`` < the project file (``--config
FILE`` if given, else ``frictionminer.toml`` in the working directory, else the
``[tool.frictionminer]`` table of ``pyproject.toml``) < command-line options.

Every table is a dataclass; its fields are the allowed keys.  An unknown key or a value
of the wrong type is a :class:`ConfigError` that names the file and the dotted key.
This package knows no other module of frictionminer: :mod:`frictionminer.settings.load`, above
it, adds the checks of ``[rules]`` and ``[audit]``, whose keys those modules define.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from frictionminer.errors import ConfigError

PROJECT_FILE = "frictionminer.toml"


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


@dataclass(frozen=True)
class IngestSettings:
    """How to read files: timezone for naive timestamps and CSV dialect overrides."""

    timezone: str = "UTC"
    timestamp_format: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    decimal_comma: bool | None = None
    null_values: list[str] = field(default_factory=list)
    """Placeholder texts read as empty in the case, resource, group and channel columns
    (e.g. "EMPTY" in Receipt's teams, "#MULTIVALUE" in BPIC 2014's incident links)."""


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
class RoleSettings:
    """What an event means for the customer: regular expressions per role.

    Python ``re.search`` semantics, case-insensitive, matched against the column named by
    ``match`` (the activity by default).  An event may have several roles or none.
    """

    contact: list[str] = field(default_factory=list)
    customer_task: list[str] = field(default_factory=list)
    customer_action: list[str] = field(default_factory=list)
    notice: list[str] = field(default_factory=list)
    resolution: list[str] = field(default_factory=list)
    match: str = "activity"


ROLE_NAMES = ("contact", "customer_task", "customer_action", "notice", "resolution")


@dataclass(frozen=True)
class MeasureSettings:
    """How case paths are read."""

    lifecycle: str = "auto"
    """Which lifecycle transition counts an activity instance: "auto" (the ``complete``
    events when the log has any, else all), "all", or a transition name."""
    organisation: str | None = None
    """Column naming the organisation that holds the case (for external handoffs)."""


@dataclass(frozen=True)
class EffortSettings:
    """Minutes of the customer's own time per occurrence (see docs/friction-model.md)."""

    contact: float = 8.0
    customer_task: float = 15.0
    channel_switch: float = 5.0
    reexplanation: float = 5.0


@dataclass(frozen=True)
class WeightSettings:
    """Weight of each measure in ``friction_score`` (points per unit)."""

    interactions: float = 1.0
    customer_tasks: float = 2.0
    repeat_requests: float = 3.0
    customer_wait_days: float = 0.5
    silent_wait_max_days: float = 1.0
    handoffs: float = 0.5
    ping_pongs: float = 2.0
    external_handoffs: float = 2.0
    channel_switches: float = 1.0
    unresolved: float = 3.0
    disproportion: float = 2.0


@dataclass(frozen=True)
class ProportionSettings:
    """Comparison of a case with its peers (same ``columns.category`` value)."""

    min_peers: int = 20
    """Peer groups smaller than this are compared with the whole log instead."""
    cap: float = 10.0
    """Largest robust z-score a case can contribute (keeps one outlier from dominating)."""


@dataclass(frozen=True)
class Settings:
    """Everything a run needs, validated."""

    columns: ColumnSettings = field(default_factory=ColumnSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    roles: RoleSettings = field(default_factory=RoleSettings)
    measures: MeasureSettings = field(default_factory=MeasureSettings)
    effort: EffortSettings = field(default_factory=EffortSettings)
    weights: WeightSettings = field(default_factory=WeightSettings)
    proportion: ProportionSettings = field(default_factory=ProportionSettings)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per-rule settings (``[rules.FM001]``), validated against the rule table by
    :func:`frictionminer.settings.load.load_settings`."""
    sources: list[SourceSettings] = field(default_factory=list)
    """More event tables of the same log (``[[sources]]``)."""
    case_tables: list[CaseTableSettings] = field(default_factory=list)
    """One-row-per-case tables joined in as case attributes (``[[case_tables]]``)."""
    audit: dict[str, Any] = field(default_factory=dict)
    """The ``[audit]`` table (CI gates, baseline comparison), validated by
    :func:`frictionminer.settings.audit.parse_audit_settings`."""
    source: str = "built-in defaults"
    """Where the project layer came from (a path, or 'built-in defaults')."""


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
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, annotation)


def _describe(annotation: Any) -> str:
    text = str(annotation).replace("typing.", "").replace("NoneType", "None")
    return text.replace("<class '", "").replace("'>", "")


def build_table(cls: type[Any], data: dict[str, Any], *, source: str, prefix: str) -> Any:
    """Validate ``data`` against dataclass ``cls``; unknown keys and bad types name the key."""
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


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8 text") from None


def _defaults() -> dict[str, Any]:
    text = resources.files("frictionminer.settings").joinpath("defaults.toml").read_text()
    return tomllib.loads(text)


def find_project_config(cwd: Path) -> tuple[dict[str, Any], str] | None:
    """The project layer: ``frictionminer.toml`` or ``[tool.frictionminer]`` in cwd."""
    own = cwd / PROJECT_FILE
    if own.is_file():
        return _read_toml(own), str(own)
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get("frictionminer")
        if table is not None:
            if not isinstance(table, dict):
                raise ConfigError(f"{pyproject}: [tool.frictionminer] must be a table")
            return table, f"{pyproject} [tool.frictionminer]"
    return None


TABLES: dict[str, type[Any]] = {
    "columns": ColumnSettings,
    "ingest": IngestSettings,
    "roles": RoleSettings,
    "measures": MeasureSettings,
    "effort": EffortSettings,
    "weights": WeightSettings,
    "proportion": ProportionSettings,
}
"""Top-level config tables and the dataclass that validates each."""


def _resolve(path: str, base: Path | None) -> str:
    """``path`` relative to the config file's folder (absolute paths stay as they are)."""
    p = Path(path).expanduser()
    return str(p) if base is None or p.is_absolute() else str(base / p)


def _table_array(
    key: str, value: Any, *, source: str, base: Path | None
) -> list[SourceSettings] | list[CaseTableSettings]:
    """Validate ``[[sources]]`` / ``[[case_tables]]``: arrays of tables."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{source}: '{key}' must be an array of tables ([[{key}]])")
    out: list[Any] = []
    for i, entry in enumerate(value):
        prefix = f"{key}[{i}]."
        entry = dict(entry)
        if "path" not in entry:
            raise ConfigError(f"{source}: key '{prefix}path' is missing")
        if key == "sources":
            cols = entry.pop("columns", {})
            if not isinstance(cols, dict):
                raise ConfigError(f"{source}: '{prefix}columns' must be a table")
            columns = build_table(ColumnSettings, cols, source=source, prefix=f"{prefix}columns.")
            item = build_table(SourceSettings, entry, source=source, prefix=prefix)
            item = dataclasses.replace(item, columns=columns)
        else:
            if "key" not in entry:
                raise ConfigError(
                    f"{source}: key '{prefix}key' is missing",
                    hint="name the column that holds the case id",
                )
            item = build_table(CaseTableSettings, entry, source=source, prefix=prefix)
        out.append(dataclasses.replace(item, path=_resolve(item.path, base)))
    return out


def settings_from_dict(data: dict[str, Any], *, source: str, base: Path | None = None) -> Settings:
    """Validate a whole config mapping (defaults already merged in).

    ``base`` is the config file's folder: relative ``path`` keys are resolved against it.
    """
    tables: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("sources", "case_tables"):
            tables[key] = _table_array(key, value, source=source, base=base)
            continue
        if key == "audit":
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: 'audit' must be a table ([audit])")
            tables["audit"] = value
            continue
        if key == "rules":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise ConfigError(f"{source}: 'rules' must hold tables such as [rules.FM001]")
            tables["rules"] = value
            continue
        if key not in TABLES:
            known = [*TABLES, "rules", "audit", "sources", "case_tables"]
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean [{close[0]}]?" if close else f"known: {', '.join(known)}"
            raise ConfigError(f"{source}: unknown table [{key}]", hint=hint)
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: '{key}' must be a table ([{key}])")
        tables[key] = build_table(TABLES[key], value, source=source, prefix=f"{key}.")
    settings = Settings(**tables, source=source)
    _check_values(settings)
    return settings


def _check_values(settings: Settings) -> None:
    src = settings.source
    try:
        ZoneInfo(settings.ingest.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{src}: key 'ingest.timezone': unknown timezone {settings.ingest.timezone!r}",
            hint="use an IANA name such as 'Europe/Berlin' or 'UTC'",
        ) from None
    delim = settings.ingest.delimiter
    if delim is not None and len(delim) != 1:
        raise ConfigError(
            f"{src}: key 'ingest.delimiter' must be one character, not {delim!r}",
            hint=r"write a tab as '\t'",
        )
    for role in ROLE_NAMES:
        for i, pattern in enumerate(getattr(settings.roles, role)):
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ConfigError(
                    f"{src}: key 'roles.{role}' [{i}]: bad regular expression {pattern!r}: {exc}",
                    hint="Python re syntax; escape special characters such as ( ) [ ] . with \\",
                ) from None
    for key in ("min_peers",):
        if getattr(settings.proportion, key) < 1:
            raise ConfigError(f"{src}: key 'proportion.{key}' must be at least 1")
    for name, weight in dataclasses.asdict(settings.weights).items():
        if weight < 0:
            raise ConfigError(f"{src}: key 'weights.{name}' must not be negative")
    for name, minutes in dataclasses.asdict(settings.effort).items():
        if minutes < 0:
            raise ConfigError(f"{src}: key 'effort.{name}' must not be negative")
    act = settings.columns.activity
    if isinstance(act, list) and not act:
        raise ConfigError(f"{src}: key 'columns.activity' must name at least one column")


def read_settings(
    config: Path | None = None,
    *,
    cwd: Path | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
    extra_sources: list[dict[str, Any]] | None = None,
    extra_case_tables: list[dict[str, Any]] | None = None,
) -> Settings:
    """Read the layered settings and check every table this package owns.

    The ``[rules]`` and ``[audit]`` tables are kept as read: their keys belong to the rule
    table and to the audit, which check them in
    :func:`frictionminer.settings.load.load_settings` — use that, unless the caller needs
    neither (reading a log does not).
    ``overrides`` are command-line values by table and key; ``None`` values are ignored
    so that an option the user did not pass never hides a file's setting.
    ``extra_sources``/``extra_case_tables`` (from ``--source``/``--case-table``) are added
    to the config's ``[[sources]]``/``[[case_tables]]``; their paths must be absolute or
    relative to the working directory.
    """
    data = _defaults()
    source = "built-in defaults"
    base = (cwd or Path.cwd()) if config is None else config.parent
    if config is not None:
        layer = _read_toml(config)
        source = str(config)
        if config.name == "pyproject.toml":
            layer = layer.get("tool", {}).get("frictionminer", {})
    else:
        found = find_project_config(cwd or Path.cwd())
        layer, source = found if found else ({}, source)
    if not isinstance(layer, dict):
        raise ConfigError(f"{source}: expected a table of settings")
    data = _merge(data, layer)
    for table, values in (overrides or {}).items():
        clean = {k: v for k, v in values.items() if v is not None}
        if clean:
            data = _merge(data, {table: clean})
    for key, extra in (("sources", extra_sources), ("case_tables", extra_case_tables)):
        if extra:
            absolute = [{**e, "path": str(Path(e["path"]).absolute())} for e in extra]
            data[key] = [*data.get(key, []), *absolute]
    return settings_from_dict(data, source=source, base=base)
