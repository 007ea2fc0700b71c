"""The packaged ``defaults.toml``: the one place where a default value is written.

Every settings dataclass takes its field defaults from here (:func:`packaged`), the
layered loader starts from here (:func:`packaged_defaults`), and the ``[rules]`` and
``[audit]`` tables are checked against the rule ids and keywords declared here.  So
``Settings()`` in the library is the command line's configuration without a config file,
and a new default is one line in ``defaults.toml``, nowhere else.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

PACKAGE = "frictionminer.settings"
FILE = "defaults.toml"


@cache
def _parsed() -> dict[str, Any]:
    text = resources.files(PACKAGE).joinpath(FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


def packaged_defaults() -> dict[str, Any]:
    """The parsed ``defaults.toml`` (a fresh copy: callers may merge into it)."""
    return copy.deepcopy(_parsed())


def packaged_value(table: str, key: str) -> Any:
    """The default of ``[table] key`` (a copy); KeyError when the file has none."""
    node: Any = _parsed()
    for part in table.split("."):
        node = node[part]
    return copy.deepcopy(node[key])


def packaged(table: str, key: str) -> Any:
    """``[table] key`` of ``defaults.toml`` as a dataclass field default.

    Written next to each field, so the dataclass still declares the key and its type while
    the value lives in the file::

        contact: float = packaged("effort", "contact")
    """
    return packaged_value(table, key)


def packaged_factory(table: str, key: str) -> Callable[[], Any]:
    """A ``default_factory`` for a list default: each instance gets its own copy::

    contact: list[str] = field(default_factory=packaged_factory("roles", "contact"))
    """
    value = packaged_value(table, key)
    return lambda: copy.deepcopy(value)


def rule_defaults() -> dict[str, dict[str, Any]]:
    """``[rules.<id>]`` tables of ``defaults.toml``, by id in file order (copies)."""
    rules: dict[str, dict[str, Any]] = copy.deepcopy(_parsed().get("rules", {}))
    return rules


RULE_IDS: tuple[str, ...] = tuple(_parsed().get("rules", {}))
"""Every rule id, in the order of ``defaults.toml`` (the rule table must declare each)."""
