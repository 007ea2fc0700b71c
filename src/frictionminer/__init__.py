"""frictionminer: what a process costs the customer, read from event logs.

The library mirrors the command line::

    import frictionminer as fm
    settings = fm.load_settings()            # frictionminer.toml / pyproject / defaults
    log = fm.load("sample_logs/shoelace.csv", settings)
    result = fm.analyze(log, settings)       # classify, paths, measures, score, flags
    result.cases.head()                      # one row per case, ranked by friction_score

Heavy modules are imported on first use, so ``import frictionminer`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["EventLog", "Result", "Settings", "analyze", "load", "load_settings"]

if TYPE_CHECKING:
    from frictionminer.engine.pipeline import analyze
    from frictionminer.engine.result import Result
    from frictionminer.io import EventLog, load
    from frictionminer.settings import Settings
    from frictionminer.settings.load import load_settings

_LAZY = {
    "analyze": "frictionminer.engine.pipeline",
    "Result": "frictionminer.engine.result",
    "load": "frictionminer.io",
    "EventLog": "frictionminer.io",
    "Settings": "frictionminer.settings",
    "load_settings": "frictionminer.settings.load",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'frictionminer' has no attribute {name!r}")
