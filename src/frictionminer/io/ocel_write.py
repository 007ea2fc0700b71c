"""Write a canonical event table as OCEL 2.0 JSON (``convert -o log.jsonocel``).

The cases become objects of one type (the log's OCEL case type when it was read from an
OCEL log, else ``case``) with their ``case:`` attributes; the ``ocel:customer`` column,
when present, becomes customer objects related to the events and (object-to-object) to
their cases.  Events keep their own attributes.  Rows that share an ``ocel:eid`` (an OCEL
event placed in several cases when it was read) are one event again, related to each of
its cases; its attributes are those of its first row.

Every event's JSON is built as one polars string column (values encoded by
``struct.json_encode``), so writing costs no Python work per event.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from frictionminer import schema as S
from frictionminer.io.ocel import CUSTOMER, EID

EPOCH = "1970-01-01T00:00:00Z"
_ISO = "%Y-%m-%dT%H:%M:%S%.6fZ"


def _ocel_type(dtype: pl.DataType) -> str:
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float():
        return "float"
    if isinstance(dtype, pl.Datetime | pl.Date):
        return "time"
    return "string"


def _plain(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Values JSON can hold: times as ISO text in UTC, enums and nested values as text."""
    fixes = []
    for name in columns:
        dtype = frame.schema[name]
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is None:
                col = col.dt.replace_time_zone("UTC")
            fixes.append(col.dt.convert_time_zone("UTC").dt.strftime(_ISO).alias(name))
        elif isinstance(dtype, pl.Date):
            fixes.append(col.dt.strftime("%Y-%m-%dT00:00:00Z").alias(name))
        elif isinstance(dtype, pl.Enum | pl.Categorical):
            fixes.append(col.cast(pl.String).alias(name))
    return frame.with_columns(fixes) if fixes else frame


def _attributes(columns: list[str], names: list[str], with_time: bool) -> pl.Expr:
    """A JSON array of ``{"name", "value"[, "time"]}`` for the non-null values of a row."""
    parts = []
    for col, name in zip(columns, names, strict=True):
        fields = [pl.lit(name).alias("name")]
        if with_time:
            fields.append(pl.lit(EPOCH).alias("time"))
        fields.append(pl.col(col).alias("value"))
        parts.append(
            pl.when(pl.col(col).is_not_null()).then(pl.struct(fields).struct.json_encode())
        )
    if not parts:
        return pl.lit("[]")
    return pl.lit("[") + pl.concat_str(parts, separator=",", ignore_nulls=True) + pl.lit("]")


def _relationship(column: str, qualifier: str) -> pl.Expr:
    return pl.struct(
        pl.col(column).alias("objectId"), pl.lit(qualifier).alias("qualifier")
    ).struct.json_encode()


def write_ocel2_json(
    events: pl.DataFrame,
    path: Path,
    *,
    case_type: str = "case",
    customer_type: str = "customer",
) -> None:
    """Write ``events`` (canonical table) to ``path`` as OCEL 2.0 JSON."""
    frame = events
    if S.EVENT_INDEX not in frame.columns:
        frame = frame.with_row_index(S.EVENT_INDEX)
    frame = frame.sort(S.EVENT_INDEX).with_columns(pl.col(S.CASE).cast(pl.String))
    if EID not in frame.columns:
        frame = frame.with_columns((pl.lit("e") + pl.col(S.EVENT_INDEX).cast(pl.String)).alias(EID))
    has_customer = CUSTOMER in frame.columns
    case_cols = [
        c for c in frame.columns if c.startswith(S.CASE_PREFIX) and c != "case:concept:name"
    ]
    skip = {S.CASE, S.EVENT_INDEX, S.ACTIVITY, S.TIMESTAMP, EID, CUSTOMER, *case_cols}
    event_cols = [c for c in frame.columns if c not in skip]
    schema = frame.schema
    frame = _plain(frame, [S.TIMESTAMP, *event_cols, *case_cols]).with_columns(
        pl.col(EID).cast(pl.String), pl.col(S.ACTIVITY).cast(pl.String)
    )
    case_names = [c[len(S.CASE_PREFIX) :] for c in case_cols]

    rel_parts = [_relationship(S.CASE, "case")]
    if has_customer:
        rel_parts.append(
            pl.when(pl.col(CUSTOMER).is_not_null()).then(_relationship(CUSTOMER, "customer"))
        )
    rows = frame.with_columns(
        _attributes(event_cols, event_cols, with_time=False).alias("__attrs"),
        pl.concat_list(rel_parts).alias("__rels"),
        pl.struct(
            pl.col(EID).alias("id"),
            pl.col(S.ACTIVITY).alias("type"),
            pl.col(S.TIMESTAMP).alias("time"),
        )
        .struct.json_encode()
        .str.strip_suffix("}")
        .alias("__head"),
    )
    event_json = (
        rows.group_by(EID, maintain_order=True)
        .agg(
            pl.col("__head").first(),
            pl.col("__attrs").first(),
            pl.col("__rels")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .drop_nulls()
            .unique(maintain_order=True)
            .str.join(","),
        )
        .select(
            pl.concat_str(
                [
                    pl.col("__head"),
                    pl.lit(',"attributes":'),
                    pl.col("__attrs"),
                    pl.lit(',"relationships":['),
                    pl.col("__rels"),
                    pl.lit("]}"),
                ]
            )
        )
        .to_series()
    )
    per_case = frame.group_by(S.CASE, maintain_order=True).agg(
        *[pl.col(c).drop_nulls().first() for c in case_cols]
    )
    case_json = per_case.select(
        pl.struct(pl.col(S.CASE).alias("id"), pl.lit(case_type).alias("type"))
        .struct.json_encode()
        .str.strip_suffix("}")
        + pl.lit(',"attributes":')
        + _attributes(case_cols, case_names, with_time=True)
        + pl.lit(',"relationships":[]}')
    ).to_series()
    objects = [case_json]
    object_types = [
        {
            "name": case_type,
            "attributes": [
                {"name": n, "type": _ocel_type(schema[c])}
                for c, n in zip(case_cols, case_names, strict=True)
            ],
        }
    ]
    if has_customer:
        links = (
            frame.filter(pl.col(CUSTOMER).is_not_null())
            .select(pl.col(CUSTOMER).cast(pl.String), S.CASE)
            .unique(maintain_order=True)
            .with_columns(_relationship(S.CASE, "case").alias("__rel"))
            .group_by(CUSTOMER, maintain_order=True)
            .agg(pl.col("__rel").str.join(","))
        )
        objects.append(
            links.select(
                pl.struct(pl.col(CUSTOMER).alias("id"), pl.lit(customer_type).alias("type"))
                .struct.json_encode()
                .str.strip_suffix("}")
                + pl.lit(',"attributes":[],"relationships":[')
                + pl.col("__rel")
                + pl.lit("]}")
            ).to_series()
        )
        object_types.append({"name": customer_type, "attributes": []})
    event_attrs = [{"name": c, "type": _ocel_type(schema[c])} for c in event_cols]
    activities = frame.get_column(S.ACTIVITY).unique(maintain_order=True).to_list()
    event_types = [{"name": a, "attributes": event_attrs} for a in activities]

    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"objectTypes":' + json.dumps(object_types, ensure_ascii=False))
        fh.write(',"eventTypes":' + json.dumps(event_types, ensure_ascii=False))
        fh.write(',"objects":[')
        first = True
        for series in objects:
            for text in _chunks(series):
                fh.write(("" if first else ",") + text)
                first = False
        fh.write('],"events":[')
        first = True
        for text in _chunks(event_json):
            fh.write(("" if first else ",") + text)
            first = False
        fh.write("]}\n")


def _chunks(series: pl.Series, size: int = 50_000) -> list[str]:
    """The series' strings joined in chunks of ``size`` (few writes, bounded strings)."""
    return [
        series.slice(start, size).str.join(",").item() for start in range(0, series.len(), size)
    ]
