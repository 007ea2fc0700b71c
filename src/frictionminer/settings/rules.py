"""The ``[rules]`` table: per rule ``enabled``, ``severity`` and its own keywords, typed.

The rule ids and keywords, and the keywords' defaults and types, are those of the
``[rules.<id>]`` tables in ``defaults.toml``; the rule table
(:mod:`frictionminer.engine.rules`) declares the same ids and keywords and checks at import
that they match.  So the settings check a project's ``[rules]`` table without knowing the
engine, in the library exactly as on the command line.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from math import isfinite
from typing import Any, Literal, get_args

from frictionminer.errors import ConfigError
from frictionminer.settings.defaults import RULE_IDS, rule_defaults

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
RuleParam = bool | int | float | str
"""A rule keyword's value: the type of its default in ``defaults.toml``."""
CONTROL_KEYWORDS = ("enabled", "severity")
"""Keywords every rule accepts besides its own."""


@dataclass(frozen=True)
class RuleSettings:
    """One rule's validated ``[rules.<id>]`` table, defaults filled in."""

    enabled: bool
    severity: Severity | None
    """``None``: the severity the rule declares (docs/rules.md)."""
    params: dict[str, RuleParam]
    """Every keyword of the rule, in ``defaults.toml`` order; an int given for a float
    keyword is a float."""

    def as_table(self) -> dict[str, RuleParam]:
        """The table a config file would hold for these settings."""
        table: dict[str, RuleParam] = {"enabled": self.enabled}
        if self.severity is not None:
            table["severity"] = self.severity
        return {**table, **self.params}


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}.get(
        type(value), type(value).__name__
    )


def _value_ok(value: Any, default: Any) -> bool:
    """Same type as the default; an int is fine where a float is expected, a bool never is."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    return type(value) is type(default)


def _unknown_rule(rule_id: str, source: str) -> ConfigError:
    close = difflib.get_close_matches(rule_id.upper(), list(RULE_IDS), n=1)
    hint = (
        f"did you mean [rules.{close[0]}]?"
        if close
        else f"rules are set by id (`frictionminer rules` lists them): {', '.join(RULE_IDS)}"
    )
    return ConfigError(f"{source}: unknown rule [rules.{rule_id}]", hint=hint)


def _check_table(
    rule_id: str, table: Mapping[str, Any], default: dict[str, Any], source: str
) -> None:
    known = {"enabled": default["enabled"], "severity": "warning"}
    known |= {k: v for k, v in default.items() if k not in CONTROL_KEYWORDS}
    for key, value in table.items():
        dotted = f"rules.{rule_id}.{key}"
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f"known: {', '.join(known)}"
            if close:
                hint = f"did you mean '{close[0]}'? {hint}"
            raise ConfigError(f"{source}: unknown key '{dotted}'", hint=hint)
        if not _value_ok(value, known[key]):
            raise ConfigError(
                f"{source}: key '{dotted}' must be {_type_name(known[key])}, "
                f"not {type(value).__name__} {value!r}"
            )
        if key == "severity" and value not in SEVERITIES:
            raise ConfigError(
                f"{source}: key '{dotted}' must be one of {', '.join(SEVERITIES)}, not {value!r}"
            )
        if isinstance(value, float) and not isfinite(value):  # nan fails every threshold
            raise ConfigError(f"{source}: key '{dotted}' must be a finite number, not {value!r}")
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise ConfigError(f"{source}: key '{dotted}' must not be negative")


def parse_rules(
    rules: Mapping[str, RuleSettings | Mapping[str, Any]] | None, *, source: str
) -> dict[str, RuleSettings]:
    """Every rule's settings: ``rules`` (tables by rule id, possibly partial) over the defaults.

    A :class:`ConfigError` names ``source`` and the dotted key (``rules.FM001.min_interaction``)
    with the closest id or keyword as a hint.  The result has one entry per rule id of
    ``defaults.toml``, in its order.
    """
    if rules is None:
        rules = {}
    if not isinstance(rules, Mapping):
        raise ConfigError(f"{source}: 'rules' must hold tables such as [rules.FM001]")
    defaults = rule_defaults()
    given: dict[str, Mapping[str, Any]] = {}
    for rule_id, table in rules.items():
        if rule_id not in defaults:
            raise _unknown_rule(str(rule_id), source)
        if isinstance(table, RuleSettings):
            table = table.as_table()
        if not isinstance(table, Mapping):
            raise ConfigError(f"{source}: 'rules.{rule_id}' must be a table ([rules.{rule_id}])")
        _check_table(rule_id, table, defaults[rule_id], source)
        given[rule_id] = table
    out: dict[str, RuleSettings] = {}
    for rule_id, default in defaults.items():
        table = {**default, **given.get(rule_id, {})}
        params: dict[str, RuleParam] = {}
        for key, value in default.items():
            if key not in CONTROL_KEYWORDS:
                params[key] = float(table[key]) if isinstance(value, float) else table[key]
        out[rule_id] = RuleSettings(
            enabled=bool(table["enabled"]), severity=table.get("severity"), params=params
        )
    return out


def rule_overrides(rules: Mapping[str, RuleSettings]) -> dict[str, dict[str, RuleParam]]:
    """What ``rules`` changes from the defaults, as ``[rules.<id>]`` tables (none: ``{}``).

    Used where settings are compared across runs (the audit baseline's fingerprint): the
    packaged defaults are not part of what a project configured.
    """
    defaults = parse_rules(None, source="defaults.toml")
    out: dict[str, dict[str, RuleParam]] = {}
    for rule_id, cfg in rules.items():
        base = defaults[rule_id].as_table()
        changed = {
            # A whole number as TOML writes it (48, not 48.0): fingerprints made before
            # the values were typed hashed the table as written.
            k: int(v) if isinstance(v, float) and v.is_integer() else v
            for k, v in cfg.as_table().items()
            if base.get(k) != v
        }
        if changed:
            out[rule_id] = changed
    return out
