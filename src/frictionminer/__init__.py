"""frictionminer: what a process costs the customer, read from event logs.

The library mirrors the command line, one function per command (see docs/library.md)::

    import frictionminer as fm
    settings = fm.load_settings("sample_logs/stories.toml")  # --config FILE
    log = fm.load("sample_logs/shoelace.csv", settings)       # a path, or a DataFrame
    result = fm.analyze(log, settings)                        # score
    result.cases.head()                                       # one row per case, ranked
    print(fm.explain(result, "W-1001"))                       # explain
    fm.report(result, "report.html")                          # report: self-contained HTML
    fm.audit(log, settings, window="7d").status               # audit: gates, baseline

Everything is imported on first use, so ``import frictionminer`` stays cheap (no polars).

``frictionminer.auditing``, ``.report`` and ``.simulate`` are the functions, not the
subpackages of the same names: import from those as usual (``from frictionminer.auditing
import gates``); ``import frictionminer.auditing.gates as gates`` does not work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from frictionminer.errors import (
    ConfigError,
    FrictionminerError,
    InputError,
    SchemaError,
    UsageError,
)

__all__ = [
    "ConfigError",
    "EventLog",
    "FrictionminerError",
    "InputError",
    "Result",
    "SchemaError",
    "Settings",
    "UsageError",
    "__version__",
    "analyze",
    "audit",
    "convert",
    "explain",
    "explain_customer",
    "load",
    "load_settings",
    "report",
    "simulate",
]

if TYPE_CHECKING:
    from frictionminer.api import (
        analyze,
        audit,
        convert,
        explain,
        explain_customer,
        load,
        load_settings,
        report,
        simulate,
    )
    from frictionminer.engine.result import Result
    from frictionminer.io.normalize import EventLog
    from frictionminer.settings import Settings

    __version__: str

_API = (
    "analyze",
    "audit",
    "convert",
    "explain",
    "explain_customer",
    "load",
    "load_settings",
    "report",
    "simulate",
)
_LAZY = {
    **dict.fromkeys(_API, "frictionminer.api"),
    "Result": "frictionminer.engine.result",
    "EventLog": "frictionminer.io.normalize",
    "Settings": "frictionminer.settings",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("frictionminer")
        except PackageNotFoundError:  # run from a source tree that was never installed
            value = "0+unknown"
    else:
        raise AttributeError(f"module 'frictionminer' has no attribute {name!r}")
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return list(__all__)
