"""Settings: one typed object, loaded and validated once.

Layers, lowest first: the packaged ``defaults.toml`` < the project file (``--config
FILE`` if given, else ``frictionminer.toml`` in the working directory, else the
``[tool.frictionminer]`` table of ``pyproject.toml``) < command-line options.

``defaults.toml`` is the only place a default is written: ``Settings()`` in the library is
the command line's configuration without a file.  Every table is a dataclass whose fields
are the allowed keys; ``[rules]`` is one :class:`RuleSettings` per rule and ``[audit]`` an
:class:`AuditSettings`.  An unknown key or a bad value is a :class:`ConfigError` naming the
file (or ``Settings(...)``) and the dotted key.

This package is the lowest layer above :mod:`frictionminer.errors`: it imports nothing else
of frictionminer.  Rule ids and keywords come from ``defaults.toml``, gate measures from
:data:`frictionminer.settings.audit.AUDIT_MEASURES`; tests keep both equal to the engine's.

Modules: :mod:`.defaults` (the packaged file), :mod:`.model` (the dataclasses),
:mod:`.rules` and :mod:`.audit` (the two structured tables), :mod:`.load` (the layers).
"""

from __future__ import annotations

from frictionminer.settings.audit import AuditSettings
from frictionminer.settings.load import (
    PROJECT_FILE,
    find_project_config,
    load_settings,
    read_settings,
)
from frictionminer.settings.model import (
    DEFAULT_SOURCE,
    LIBRARY_SOURCE,
    OCEL_CUSTOMER,
    ROLE_NAMES,
    SIGNAL_ROLE_NAMES,
    TABLES,
    WAIT_ROLE_NAMES,
    CaseTableSettings,
    ColumnSettings,
    DatabaseSettings,
    EffortSettings,
    EngineSettings,
    FilterSettings,
    IngestSettings,
    JourneySettings,
    MeasureSettings,
    OcelSettings,
    ProportionSettings,
    RoleSettings,
    Settings,
    SourceSettings,
    SystemicSettings,
    WeightSettings,
    build_table,
    filter_bound,
    settings_from_dict,
    with_engine,
)
from frictionminer.settings.promises import (
    CLOCKS,
    FIRST_RESPONSE,
    INTERIM_NOTICE,
    ROLE_PREFIX,
    BuiltinPromiseSettings,
    CalendarSettings,
    PromiseSettings,
    business_span_seconds,
    span_seconds,
)
from frictionminer.settings.rules import SEVERITIES, RuleSettings, Severity

__all__ = [
    "CLOCKS",
    "DEFAULT_SOURCE",
    "FIRST_RESPONSE",
    "INTERIM_NOTICE",
    "LIBRARY_SOURCE",
    "OCEL_CUSTOMER",
    "PROJECT_FILE",
    "ROLE_NAMES",
    "ROLE_PREFIX",
    "SEVERITIES",
    "SIGNAL_ROLE_NAMES",
    "TABLES",
    "WAIT_ROLE_NAMES",
    "AuditSettings",
    "BuiltinPromiseSettings",
    "CalendarSettings",
    "CaseTableSettings",
    "ColumnSettings",
    "DatabaseSettings",
    "EffortSettings",
    "EngineSettings",
    "FilterSettings",
    "IngestSettings",
    "JourneySettings",
    "MeasureSettings",
    "OcelSettings",
    "PromiseSettings",
    "ProportionSettings",
    "RoleSettings",
    "RuleSettings",
    "Settings",
    "Severity",
    "SourceSettings",
    "SystemicSettings",
    "WeightSettings",
    "build_table",
    "business_span_seconds",
    "filter_bound",
    "find_project_config",
    "load_settings",
    "read_settings",
    "settings_from_dict",
    "span_seconds",
    "with_engine",
]
