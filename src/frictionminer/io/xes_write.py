"""Write a canonical event table as XES 1849-2016 (plain, or gzip when the path ends in .gz).

Every event's XML fragment is built as one polars string column (one expression per
attribute, escaped and typed in bulk), so writing costs no Python work per event; only
the trace wrappers are joined in Python, once per case.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import IO, cast

import polars as pl

from frictionminer import schema

_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">\n'
    '\t<extension name="Concept" prefix="concept" '
    'uri="http://www.xes-standard.org/concept.xesext"/>\n'
    '\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>\n'
    '\t<extension name="Organizational" prefix="org" '
    'uri="http://www.xes-standard.org/org.xesext"/>\n'
    '\t<extension name="Lifecycle" prefix="lifecycle" '
    'uri="http://www.xes-standard.org/lifecycle.xesext"/>\n'
    '\t<classifier name="Activity" keys="concept:name"/>\n'
)
_FOOTER = "</log>\n"

_KEY_FOR = {
    schema.ACTIVITY: "concept:name",
    schema.TIMESTAMP: "time:timestamp",
    schema.RESOURCE: "org:resource",
    schema.GROUP: "org:group",
    schema.LIFECYCLE: "lifecycle:transition",
}
_SKIP = {schema.CASE, schema.EVENT_INDEX}

# XML 1.0 forbids most C0 control characters even as character references.
_INVALID_XML_CHARS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]"


def _escape(expr: pl.Expr) -> pl.Expr:
    """Escape a string expression for use inside a double-quoted XML attribute."""
    return (
        expr.str.replace_all(_INVALID_XML_CHARS, "\ufffd")
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
        .str.replace_all('"', "&quot;", literal=True)
        .str.replace_all("\n", "&#10;", literal=True)
        .str.replace_all("\r", "&#13;", literal=True)
        .str.replace_all("\t", "&#9;", literal=True)
    )


def _escape_text(text: str) -> str:
    text = re.sub(_INVALID_XML_CHARS, "\ufffd", text)
    pairs = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("\n", "&#10;"))
    for old, new in pairs:
        text = text.replace(old, new)
    return text


def _attribute(column: str, key: str, dtype: pl.DataType, indent: str) -> pl.Expr:
    """One typed XES attribute element per row, or an empty string where the value is null."""
    col = pl.col(column)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            col = col.dt.replace_time_zone("UTC")
        value = col.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        tag = "date"
    elif isinstance(dtype, pl.Date):
        value = col.dt.strftime("%Y-%m-%dT00:00:00.000000+00:00")
        tag = "date"
    elif dtype == pl.Boolean:
        value = pl.when(col).then(pl.lit("true")).otherwise(pl.lit("false"))
        tag = "boolean"
    elif dtype.is_integer():
        value = col.cast(pl.String)
        tag = "int"
    elif dtype.is_float():
        value = col.cast(pl.String)
        tag = "float"
    else:
        value = _escape(col.cast(pl.String))
        tag = "string"
    prefix = f'{indent}<{tag} key="{_escape_text(key)}" value="'
    return (
        pl.when(pl.col(column).is_not_null())
        .then(pl.lit(prefix) + value + pl.lit('"/>\n'))
        .otherwise(pl.lit(""))
    )


def _fragment(parts: list[pl.Expr]) -> pl.Expr:
    if not parts:
        return pl.lit("")
    return pl.concat_str(parts, separator="")


def _open_for_writing(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "wb", compresslevel=6))
    return path.open("wb")


def write_xes(events: pl.DataFrame, path: Path) -> None:
    """Write ``events`` (canonical table) to ``path`` as XES; gzip when it ends in ``.gz``.

    Traces appear in order of first appearance, events in ``event_index`` order; nulls
    are skipped; ``case:`` columns become trace attributes (first value per case).
    """
    path = Path(path)
    frame = events
    if schema.EVENT_INDEX not in frame.columns:
        frame = frame.with_row_index(schema.EVENT_INDEX)
    frame = frame.with_columns(pl.col(schema.CASE).cast(pl.String))
    case_cols = [c for c in frame.columns if c.startswith(schema.CASE_PREFIX)]
    event_cols = [c for c in frame.columns if c not in _SKIP and c not in case_cols]

    # group_by(maintain_order=True) below keeps traces in order of first appearance and
    # each trace's events in this (event_index) order.
    ordered = frame.sort(schema.EVENT_INDEX, maintain_order=True)

    event_parts = [_attribute(c, _KEY_FOR.get(c, c), frame.schema[c], "\t\t\t") for c in event_cols]
    event_xml = pl.concat_str(
        [pl.lit("\t\t<event>\n"), _fragment(event_parts), pl.lit("\t\t</event>\n")],
        separator="",
    )
    trace_parts = [
        _attribute(schema.CASE, "concept:name", pl.String(), "\t\t"),
        *[_attribute(c, c[len(schema.CASE_PREFIX) :], frame.schema[c], "\t\t") for c in case_cols],
    ]
    per_case = (
        ordered.with_columns(event_xml.alias("__xml"))
        .group_by(schema.CASE, maintain_order=True)
        .agg(
            pl.col("__xml").str.join(""),
            *[pl.col(c).first() for c in case_cols],
        )
        .select(
            pl.concat_str(
                [
                    pl.lit("\t<trace>\n"),
                    _fragment(trace_parts),
                    pl.col("__xml"),
                    pl.lit("\t</trace>\n"),
                ],
                separator="",
            ).alias("__trace")
        )
    )

    with _open_for_writing(path) as fh:
        fh.write(_HEADER.encode())
        chunk: list[str] = []
        size = 0
        for text in per_case.get_column("__trace"):
            chunk.append(text)
            size += len(text)
            if size > 1 << 22:
                fh.write("".join(chunk).encode("utf-8"))
                chunk, size = [], 0
        fh.write("".join(chunk).encode("utf-8"))
        fh.write(_FOOTER.encode())
