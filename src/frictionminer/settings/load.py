"""Load settings for a run: read every layer, then check every table.

:mod:`frictionminer.settings` reads and checks the tables it defines; the keys of
``[rules]`` belong to the rule table (:mod:`frictionminer.engine.rules`) and those of ``[audit]``
to the audit (:mod:`frictionminer.settings.audit`).  This module sits above all three, so that
settings, the lowest layer, imports none of the modules that use it.  The two checks
import their modules only when the table is present (``rules`` needs polars, which the
CLI imports only when it has work to do).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from frictionminer.settings import Settings, read_settings


def check_tables(settings: Settings) -> Settings:
    """``settings`` after checking ``[rules]`` and ``[audit]``; ConfigError names the key."""
    if settings.rules:
        from frictionminer.engine.rules import validate_rule_settings

        validate_rule_settings(settings.rules, source=settings.source)
    if settings.audit:
        from frictionminer.settings.audit import parse_audit_settings

        parse_audit_settings(settings.audit, source=settings.source)
    return settings


def load_settings(
    config: Path | None = None,
    *,
    cwd: Path | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
    extra_sources: list[dict[str, Any]] | None = None,
    extra_case_tables: list[dict[str, Any]] | None = None,
) -> Settings:
    """The layered settings, every table checked (read by :func:`~.settings.read_settings`).

    Layers, lowest first: the packaged defaults < the project file (``config``, else
    ``frictionminer.toml`` in ``cwd``, else ``[tool.frictionminer]`` of its
    ``pyproject.toml``) < ``overrides`` (command-line values by table and key).
    """
    return check_tables(
        read_settings(
            config,
            cwd=cwd,
            overrides=overrides,
            extra_sources=extra_sources,
            extra_case_tables=extra_case_tables,
        )
    )
