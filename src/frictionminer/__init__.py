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
    from frictionminer.analysis import Result, analyze
    from frictionminer.config import load_settings
    from frictionminer.ingest import EventLog, load
    from frictionminer.settings import Settings

_LAZY = {
    "analyze": "frictionminer.analysis",
    "Result": "frictionminer.analysis",
    "load": "frictionminer.ingest",
    "EventLog": "frictionminer.ingest",
    "Settings": "frictionminer.settings",
    "load_settings": "frictionminer.config",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'frictionminer' has no attribute {name!r}")
