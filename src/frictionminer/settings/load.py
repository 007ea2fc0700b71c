"""Load settings in layers: packaged defaults < project file < command-line values.

The project layer is ``config`` when given, else ``frictionminer.toml`` in the working
directory, else the ``[tool.frictionminer]`` table of its ``pyproject.toml``.  Layers are
merged key by key (a file that sets ``[rules.FM004] min_silent_hours`` keeps FM004's
other keywords), then every table is checked once, as :class:`~.model.Settings` checks
settings built in code; errors name the file and the dotted key.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from frictionminer.errors import ConfigError
from frictionminer.settings.defaults import packaged_defaults
from frictionminer.settings.model import DEFAULT_SOURCE, Settings, is_uri, settings_from_dict

PROJECT_FILE = "frictionminer.toml"


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
    except RecursionError:
        raise ConfigError(
            f"{path}: not valid TOML: arrays or tables nested too deeply",
            hint="a frictionminer config nests at most a few levels",
        ) from None


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


def load_settings(
    config: str | os.PathLike[str] | None = None,
    *,
    cwd: str | os.PathLike[str] | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
    extra_sources: list[dict[str, Any]] | None = None,
    extra_case_tables: list[dict[str, Any]] | None = None,
) -> Settings:
    """The layered settings, every table checked.

    Layers, lowest first: the packaged defaults < the project file (``config``, else
    ``frictionminer.toml`` in ``cwd``, else ``[tool.frictionminer]`` of its
    ``pyproject.toml``) < ``overrides`` (command-line values by table and key; ``None``
    values are ignored, so an option the user did not pass never hides a file's setting).
    ``extra_sources``/``extra_case_tables`` (from ``--source``/``--case-table``) are added
    to the config's ``[[sources]]``/``[[case_tables]]``; their paths must be absolute or
    relative to the working directory.  With no file, the result equals ``Settings()``.

    >>> load_settings("sample_logs/stories.toml").columns.group
    'team'
    """
    path = Path(config) if config is not None else None
    folder = Path(cwd) if cwd is not None else Path.cwd()
    data = packaged_defaults()
    source = DEFAULT_SOURCE
    base = folder if path is None else path.parent
    if path is not None:
        layer: Any = _read_toml(path)
        source = str(path)
        if path.name == "pyproject.toml":
            layer = layer.get("tool", {}).get("frictionminer", {})
    else:
        found = find_project_config(folder)
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
            absolute = [{**e, "path": _absolute(e["path"])} for e in extra]
            data[key] = [*data.get(key, []), *absolute]
    return settings_from_dict(data, source=source, base=base)


read_settings = load_settings
"""The same function under its earlier name (``frictionminer.io.load`` calls it)."""


def _absolute(path: str) -> str:
    """``path`` made absolute against the working directory; a URI stays as it is."""
    if is_uri(path):
        return path
    return str(Path(path).absolute())
