"""The configuration reference of docs/configuration.md, generated from the settings schema.

Keys and types come from the dataclasses (:mod:`.model`, :mod:`.audit`) and the rule ids
and keywords from the ``[rules]`` tables of ``defaults.toml``; default values and
descriptions come from ``defaults.toml`` itself: the comment lines directly above a key
(or above a commented-out key, which is shown as an example) describe it.  A key without
such a comment is an error, so a new key cannot go undocumented.

Regenerate the block between the markers of docs/configuration.md with::

    python -m frictionminer.settings.reference --write docs/configuration.md
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import types
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Union

from frictionminer.settings.audit import (
    AUDIT_MEASURES,
    GATE_KINDS,
    AuditSettings,
    BaselineGateSettings,
    HorizonSettings,
)
from frictionminer.settings.defaults import FILE, PACKAGE, rule_defaults
from frictionminer.settings.model import TABLES, CaseTableSettings, ColumnSettings, SourceSettings
from frictionminer.settings.promises import PromiseSettings
from frictionminer.settings.rules import CONTROL_KEYWORDS, SEVERITIES

BEGIN = (
    "<!-- BEGIN generated reference "
    "(python -m frictionminer.settings.reference --write docs/configuration.md) -->"
)
END = "<!-- END generated reference -->"
COMMAND = "python -m frictionminer.settings.reference --write docs/configuration.md"
_INLINE_MAX = 60
"""Longer defaults are shown as a TOML block under the key."""


# ====================================================================== defaults.toml text


@dataclass
class KeyDoc:
    comment: list[str]
    example: str | None = None
    """The value of a commented-out key (an example; the key has no default)."""


@dataclass
class TableDoc:
    title: str = ""
    """The comment on the header line (``[rules.FM001]  # friction.excessive_interactions``)."""
    intro: list[str] = field(default_factory=list)
    keys: dict[str, KeyDoc] = field(default_factory=dict)


_HEADER = re.compile(r"^(?:# )?\[\[?([\w.]+)\]\]?\s*(?:#\s*(.*))?$")
_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*=\s*(.*)$")
_COMMENTED_KEY = re.compile(r"^# ([A-Za-z_][\w-]*) = (.+)$")


def parse_comments(text: str) -> dict[str, TableDoc]:
    """The comments of ``defaults.toml``, by table and key.

    A comment block right under a table header and followed by a blank line introduces the
    table; the block right above a key (or a commented-out ``# key = value``) describes it.
    Indented lines are inside a multi-line array and ignored.
    """
    tables: dict[str, TableDoc] = {}
    current: TableDoc | None = None
    pending: list[str] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line:
            if current is not None and not current.keys and not current.intro:
                current.intro = pending
            pending = []
            continue
        if line[0] in " \t]":
            continue
        header = _HEADER.match(line)
        if header and (not line.startswith("#") or line.startswith("# [[")):
            current = tables.setdefault(header.group(1), TableDoc(title=header.group(2) or ""))
            pending = []
            continue
        key = _KEY.match(line) or _COMMENTED_KEY.match(line)
        if key and current is not None:
            example = key.group(2) if line.startswith("#") else None
            current.keys[key.group(1)] = KeyDoc(pending, example)
            pending = []
        elif line.startswith("#"):
            body = line[1:]
            if not body.startswith("   "):  # indented: an example inside the prose
                pending.append(body.strip())
            elif pending and pending[-1].endswith(", as in"):
                pending[-1] = pending[-1].removesuffix(", as in") + "."
    return tables


def _packaged_text() -> str:
    return resources.files(PACKAGE).joinpath(FILE).read_text(encoding="utf-8")


# ====================================================================== values and types


def toml_value(value: Any) -> str:
    """``value`` written as TOML (literal strings where possible: readable regexes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        if "'" not in value and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            return f"'{value}'" if "\\" in value else f'"{value}"'
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        escaped = "".join(
            c if ord(c) >= 0x20 and ord(c) != 0x7F else f"\\u{ord(c):04X}" for c in escaped
        )
        return f'"{escaped}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML for {value!r}")


_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean"}


def type_text(annotation: Any) -> str:
    """A field's type in TOML terms (``None`` left out: it means unset)."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        parts = [a for a in typing.get_args(annotation) if a is not type(None)]
        return " or ".join(type_text(a) for a in parts)
    if origin is Literal:
        return " | ".join(f'"{a}"' for a in typing.get_args(annotation))
    if origin in (list, tuple):
        return f"array of {type_text(typing.get_args(annotation)[0])}s"
    if annotation is ColumnSettings:
        return "table (the keys of `[columns]`)"
    return _NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


@dataclass(frozen=True)
class KeyRef:
    """One documented key."""

    key: str
    type: str
    default: Any
    """The default value; :data:`UNSET` or :data:`REQUIRED` when it has none."""
    description: str
    example: str | None = None


UNSET: Any = object()
REQUIRED: Any = object()


@dataclass(frozen=True)
class TableRef:
    heading: str
    """``[ingest]``, ``[[sources]]``, ``[rules.FM001]``."""
    intro: str
    keys: tuple[KeyRef, ...]


# ====================================================================== the schema


def _field_default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return UNSET if f.default is None else f.default
    if f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
        return UNSET if dataclasses.is_dataclass(value) else value
    return REQUIRED


def _description(doc: TableDoc | None, key: str, where: str, missing: list[str]) -> KeyDoc:
    found = doc.keys.get(key) if doc is not None else None
    if found is None or not found.comment:
        missing.append(f"{where} {key}")
        return KeyDoc([], found.example if found else None)
    return found


def _dataclass_keys(
    cls: type[Any], table: str, doc: TableDoc | None, missing: list[str], skip: tuple[str, ...] = ()
) -> tuple[KeyRef, ...]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        kd = _description(doc, f.name, f"[{table}]", missing)
        out.append(
            KeyRef(
                f.name,
                type_text(hints[f.name]),
                _field_default(f),
                " ".join(kd.comment),
                kd.example,
            )
        )
    return tuple(out)


def _intro(doc: TableDoc | None) -> str:
    return " ".join(doc.intro) if doc is not None else ""


def tables() -> tuple[TableRef, ...]:
    """Every table of a config file with its keys, in the order of the reference.

    Raises ValueError naming every key that ``defaults.toml`` does not describe.
    """
    docs = parse_comments(_packaged_text())
    missing: list[str] = []
    out: list[TableRef] = []
    for name, cls in TABLES.items():
        doc = docs.get(name)
        out.append(TableRef(f"[{name}]", _intro(doc), _dataclass_keys(cls, name, doc, missing)))
    rules_doc = docs.get("rules")
    for rule_id, params in rule_defaults().items():
        doc = docs.get(f"rules.{rule_id}")
        keys = []
        for key, value in params.items():
            kd = _description(doc, key, f"[rules.{rule_id}]", missing)
            keys.append(KeyRef(key, type_text(type(value)), value, " ".join(kd.comment)))
        severity = KeyRef(
            "severity",
            " | ".join(f'"{s}"' for s in SEVERITIES),
            UNSET,
            "How the rule's flags are reported; unset: the rule's own severity (docs/rules.md).",
        )
        assert CONTROL_KEYWORDS == ("enabled", "severity")
        keys.insert(1 if "enabled" in params else 0, severity)
        title = f" — {doc.title}" if doc is not None and doc.title else ""
        intro = _intro(rules_doc) if rule_id == next(iter(rule_defaults())) else ""
        out.append(TableRef(f"[rules.{rule_id}]{title}", intro, tuple(keys)))
    audit_doc = docs.get("audit")
    audit_keys = list(
        _dataclass_keys(
            AuditSettings, "audit", audit_doc, missing, ("gates", "baseline", "horizon")
        )
    )
    for key, kind in GATE_KINDS.items():
        kd = _description(audit_doc, key, "[audit]", missing)
        what = "rule id" if kind.subject == "rule" else "measure"
        if key == "never":
            type_ = "array of rule ids"
        elif kind.minimum:
            type_ = 'table of promise name (or "all") = share'
        else:
            type_ = f'table of {what} = number, or "+N%" / "+N" relative to --baseline'
        text = " ".join(kd.comment) or kind.doc
        audit_keys.append(
            KeyRef(key, type_, UNSET, f"{text} Gate on the {kind.value}.", kd.example)
        )
    measures = ", ".join(f"`{m}`" for m in AUDIT_MEASURES)
    out.append(
        TableRef(
            "[audit]",
            f"{_intro(audit_doc)} Gate measures: {measures}.",
            tuple(audit_keys),
        )
    )
    base_doc = docs.get("audit.baseline")
    out.append(
        TableRef(
            "[audit.baseline]",
            _intro(base_doc),
            _dataclass_keys(BaselineGateSettings, "audit.baseline", base_doc, missing),
        )
    )
    horizon_doc = docs.get("audit.horizon")
    out.append(
        TableRef(
            "[audit.horizon]",
            _intro(horizon_doc),
            _dataclass_keys(HorizonSettings, "audit.horizon", horizon_doc, missing),
        )
    )
    arrays = (
        ("sources", SourceSettings),
        ("case_tables", CaseTableSettings),
        ("promises", PromiseSettings),
    )
    for name, cls in arrays:
        doc = docs.get(name)
        out.append(TableRef(f"[[{name}]]", _intro(doc), _dataclass_keys(cls, name, doc, missing)))
    if missing:
        raise ValueError(
            f"{FILE} describes no key {', '.join(missing)}: "
            "write a comment line above each (a commented-out example for a key with no default)"
        )
    return tuple(out)


# ====================================================================== rendering


def _render_key(ref: KeyRef) -> list[str]:
    block: list[str] = []
    if ref.default is REQUIRED:
        default = "required"
    elif ref.default is UNSET:
        default = "unset" + (f", e.g. {_code(ref.example)}" if ref.example else "")
    else:
        text = toml_value(ref.default)
        if len(text) <= _INLINE_MAX:
            default = f"default {_code(text)}"
        else:
            default = "default below"
            items = "".join(f"    {toml_value(v)},\n" for v in ref.default)
            block = ["", "  ```toml", *f"{ref.key} = [\n{items}]".splitlines(), "  ```"]
            block = block[:2] + [f"  {line}" for line in block[2:-1]] + block[-1:]
    head = f"- `{ref.key}` ({ref.type}; {default}): {ref.description}"
    return [head, *block]


def render_reference() -> str:
    """The reference section: every table and key, with type, default and description."""
    lines = [
        "Generated from the settings dataclasses and `src/frictionminer/settings/defaults.toml`;",
        f"do not edit by hand. Regenerate with `{COMMAND}`.",
    ]
    for table in tables():
        lines += ["", f"### `{table.heading.split(' — ')[0]}`" + _title(table.heading), ""]
        if table.intro:
            lines += [table.intro, ""]
        for key in table.keys:
            lines += _render_key(key)
    return "\n".join(lines) + "\n"


def _title(heading: str) -> str:
    parts = heading.split(" — ", 1)
    return f" — `{parts[1]}`" if len(parts) == 2 else ""


def replace_block(page: str, block: str) -> str:
    """``page`` with the text between :data:`BEGIN` and :data:`END` replaced by ``block``."""
    start, end = page.find(BEGIN), page.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the page has no '{BEGIN}' ... '{END}' markers")
    return page[: start + len(BEGIN)] + "\n" + block + page[end:]


def committed_block(page: str) -> str:
    """The text between the markers of ``page``."""
    start, end = page.find(BEGIN), page.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the page has no '{BEGIN}' ... '{END}' markers")
    return page[start + len(BEGIN) + 1 : end]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m frictionminer.settings.reference",
        description="Print the configuration reference, or write it into a page's markers.",
    )
    parser.add_argument("--write", type=Path, metavar="PAGE", help="rewrite PAGE's block")
    args = parser.parse_args(argv)
    block = render_reference()
    if args.write is None:
        sys.stdout.write(block)
        return 0
    page = args.write.read_text(encoding="utf-8")
    args.write.write_text(replace_block(page, block), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
