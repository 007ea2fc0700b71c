"""Object-centric logs (OCEL 1.0/2.0) via pm4py: one row per event and case object.

OCEL 2.0 JSON, XML and SQLite and OCEL 1.0 JSON, XML and SQLite are read; one object type
is the case.

pm4py (imported here, inside the reader: about 2 s) parses the file into pandas frames:
events, objects, event-to-object relations (E2O) and object-to-object relations (O2O).
Each is converted once with :func:`polars.from_pandas`; the flattening is polars over
whole tables:

* one row per (event, case object) for every event related to an object of
  ``[ocel] case_type``; an event related to two cases of the type is in both (each case's
  measures need it), counted in the ``ocel-events-in-several-cases`` finding;
* an event related to no case object is dropped and counted (``ocel-events-without-case``);
* the case object's attributes are kept as ``case:`` columns (an attribute that only
  changes over time, in the object-changes table, with its first value), the event's as
  they are, and its id as ``ocel:eid``;
* with ``[ocel] customer_type``, ``ocel:customer`` holds the customer object of the row:
  the customer objects related to the event itself if there are any, else those linked to
  the case object (O2O, either direction) or to any other event of the same case.  When
  a row reaches several, the smallest id is kept and the rows are counted
  (``ocel-several-customers``).
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import sqlite3
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from frictionminer.errors import InputError, UsageError
from frictionminer.io.base import Finding, RawLog, read_error
from frictionminer.io.xes_scan import GZIP_ERRORS, gzip_error, open_binary
from frictionminer.settings import OCEL_CUSTOMER, OcelSettings

EID, OID, TYPE, ACTIVITY, TIME = (
    "ocel:eid",
    "ocel:oid",
    "ocel:type",
    "ocel:activity",
    "ocel:timestamp",
)
CUSTOMER = OCEL_CUSTOMER
"""The column holding the customer object's id (name it in ``[journey] customer``)."""

OCEL_SUFFIXES = (".jsonocel", ".jsonocel.gz", ".xmlocel", ".xmlocel.gz", ".sqlite", ".sqlite3")
"""Suffixes that are always an object-centric log."""
MAYBE_SUFFIXES = (".json", ".json.gz", ".xml", ".xml.gz")
"""Suffixes that are an OCEL log when the content says so."""
_SQLITE_MAGIC = b"SQLite format 3\x00"
_HEAD = 1 << 16

KINDS = {
    "ocel2-json": "OCEL 2.0 JSON",
    "ocel2-xml": "OCEL 2.0 XML",
    "ocel2-sqlite": "OCEL 2.0 SQLite",
    "ocel1-json": "OCEL 1.0 JSON",
    "ocel1-xml": "OCEL 1.0 XML",
    "ocel1-sqlite": "OCEL 1.0 SQLite",
}


def _head(path: Path, shown: str) -> bytes:
    try:
        with open_binary(path) as fh:
            return fh.read(_HEAD)
    except GZIP_ERRORS as exc:
        raise gzip_error(shown, exc) from None
    except OSError as exc:
        raise read_error(shown, exc) from None


def _sqlite_kind(path: Path, shown: str) -> str | None:
    try:
        con = sqlite3.connect(f"file:{path.absolute()}?mode=ro", uri=True)
        try:
            rows = con.execute("select name from sqlite_master where type = 'table'").fetchall()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise InputError(f"{shown}: not a readable SQLite database ({exc})") from None
    tables = {str(r[0]).lower() for r in rows}
    if {"event", "object", "event_object"} <= tables:
        return "ocel2-sqlite"
    if {"events", "objects", "relations"} <= tables:
        return "ocel1-sqlite"
    return None


def sniff(path: str | Path) -> str | None:
    """The OCEL kind (a key of :data:`KINDS`) of the file, or None when it is not OCEL.

    By content: an SQLite file with OCEL's tables; JSON whose keys are OCEL 1.0's
    (``ocel:global-log``, ``ocel:events``) or OCEL 2.0's (``objectTypes``, ``eventTypes``,
    ``events``, ``objects``); XML whose root ``<log>`` holds ``<object-types>`` or
    ``<event-types>`` (2.0) or ``<global>`` (1.0).
    """
    p = Path(path)
    shown = str(path)
    lower = p.name.lower()
    if not lower.endswith(OCEL_SUFFIXES + MAYBE_SUFFIXES) or not p.is_file():
        return None
    with p.open("rb") as fh:
        magic = fh.read(len(_SQLITE_MAGIC))
    if magic == _SQLITE_MAGIC:
        return _sqlite_kind(p, shown)
    text = _head(p, shown).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        if re.search(r'"ocel:(global-log|events|objects)"', text):
            return "ocel1-json"
        if re.search(r'"(objectTypes|eventTypes|events|objects)"\s*:', text):
            return "ocel2-json"
        return None
    if text.startswith("<"):
        root = re.search(r"<log[\s>]", text)
        if root is None:
            return None
        body = text[root.start() :]
        if "xes-standard" in body[:300]:
            return None
        if re.search(r"<(object-types|event-types)[\s/>]", body):
            return "ocel2-xml"
        if re.search(r"<global[\s>]", body):
            return "ocel1-xml"
    return None


def _check_xml(path: Path, shown: str) -> None:
    """No DTD or entity declaration reaches pm4py's XML parser (billion laughs, XXE)."""
    text = _head(path, shown).decode("utf-8", errors="replace").upper()
    root = re.search(r"<LOG[\s>]", text)
    prolog = text if root is None else text[: root.start()]
    if "<!DOCTYPE" in prolog or "<!ENTITY" in prolog:
        raise InputError(
            f"{shown}: refusing a file with a <!DOCTYPE> or <!ENTITY> declaration",
            hint="OCEL XML never needs a DTD; remove the <!DOCTYPE ...> block",
        )


@dataclass
class OcelTables:
    """The tables of an object-centric log, as polars frames."""

    events: pl.DataFrame
    objects: pl.DataFrame
    relations: pl.DataFrame
    o2o: pl.DataFrame
    changes: pl.DataFrame
    kind: str


def _polars(frame: Any) -> pl.DataFrame:
    """One pandas frame as polars; datetimes in UTC (pm4py's naive ones are UTC)."""
    out = pl.from_pandas(frame)
    fixes = []
    for name, dtype in out.schema.items():
        if isinstance(dtype, pl.Datetime):
            col = pl.col(name)
            col = (
                col.dt.replace_time_zone("UTC")
                if dtype.time_zone is None
                else col.dt.convert_time_zone("UTC")
            )
            fixes.append(col.dt.cast_time_unit("us").alias(name))
        elif dtype == pl.Object:
            fixes.append(pl.col(name).map_elements(str, return_dtype=pl.String).alias(name))
    return out.with_columns(fixes) if fixes else out


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 while pm4py reads: rustxes, under pm4py's JSON reader,
    prints a Rust panic's backtrace there before the exception reaches us (which says it
    in one line), and pm4py warns about optional backends the user need not install."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (embedded): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def read_tables(path: str | Path, kind: str) -> OcelTables:
    """Read the file with pm4py's reader for ``kind``."""
    shown = str(path)
    p = Path(path)
    if kind.endswith("xml"):
        _check_xml(p, shown)
    import pm4py  # about 2 s: only here

    readers = {
        "ocel2-json": pm4py.read_ocel2_json,
        "ocel2-xml": pm4py.read_ocel2_xml,
        "ocel2-sqlite": pm4py.read_ocel2_sqlite,
        "ocel1-json": pm4py.read_ocel_json,
        "ocel1-xml": pm4py.read_ocel_xml,
        "ocel1-sqlite": pm4py.read_ocel_sqlite,
    }
    try:
        with _quiet_stderr():
            ocel = readers[kind](str(p))
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:  # pm4py and rustxes under it fail in any way (even a Rust
        # panic, a BaseException) on a malformed file: one line, not a traceback
        detail = (str(exc).strip().splitlines() or [""])[0][:200]
        raise InputError(
            f"{shown}: pm4py could not read this {KINDS[kind]} file "
            f"({type(exc).__name__}: {detail})",
            hint="check that the file is complete and follows the OCEL standard",
        ) from None
    events = _polars(ocel.events)
    objects = _polars(ocel.objects)
    relations = _polars(ocel.relations)
    o2o = _polars(ocel.o2o)
    changes = _polars(ocel.object_changes)
    for name, frame, need in (
        ("events", events, (EID, ACTIVITY, TIME)),
        ("objects", objects, (OID, TYPE)),
        ("relations", relations, (EID, OID, TYPE)),
    ):
        missing = [c for c in need if c not in frame.columns]
        if missing:
            raise InputError(f"{shown}: the OCEL {name} table has no {', '.join(missing)}")
    return OcelTables(events, objects, relations, o2o, changes, kind)


def _type_counts(tables: OcelTables) -> list[tuple[str, int]]:
    counts = tables.objects.group_by(TYPE).len().sort(["len", TYPE], descending=[True, False])
    return [(str(t), int(n)) for t, n in counts.iter_rows()]


def _choose_type(
    tables: OcelTables, wanted: str | None, what: str, option: str, key: str, shown: str
) -> str:
    counts = _type_counts(tables)
    if not counts or tables.events.height == 0:
        raise InputError(
            f"{shown}: no {'objects' if not counts else 'events'} in this {KINDS[tables.kind]} log",
            hint="the file is empty or cut short",
        )
    listing = ", ".join(f"{t} ({n:,})" for t, n in counts)
    if wanted is None:
        first = counts[0][0] if counts else "TYPE"
        raise UsageError(
            f"{shown}: an object-centric log needs the object type whose objects are the "
            f"{what}; object types: {listing}",
            hint=f"give {option} TYPE (e.g. {option} {first!r}) or [ocel] {key}",
        )
    names = [t for t, _ in counts]
    if wanted not in names:
        close = difflib.get_close_matches(wanted, names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"object types: {listing}"
        raise UsageError(f"{shown}: no object of type '{wanted}' ({option})", hint=hint)
    return wanted


def _non_null_columns(frame: pl.DataFrame, skip: tuple[str, ...]) -> list[str]:
    """Columns (except ``skip``) with at least one value: pm4py gives every type's
    attributes to every row."""
    names = [c for c in frame.columns if c not in skip]
    if not names or frame.height == 0:
        return []
    counts = frame.select(pl.col(names).count()).row(0)
    return [n for n, k in zip(names, counts, strict=True) if k]


def _case_attributes(tables: OcelTables, case_type: str) -> pl.DataFrame:
    """One row per case object: ``case_id`` plus its attributes as ``case:NAME``.

    An attribute held in the object-changes table (OCEL 2.0 attributes that change over
    time) contributes its first value, where the objects table has none.
    """
    objs = tables.objects.filter(pl.col(TYPE) == case_type)
    keep = _non_null_columns(objs, (OID, TYPE))
    attrs = objs.select(pl.col(OID).cast(pl.String), *keep)
    changes = tables.changes
    if changes.height and {OID, TYPE, "ocel:field", TIME} <= set(changes.columns):
        ch = changes.filter(pl.col(TYPE) == case_type)
        fields = [
            f
            for f in ch.get_column("ocel:field").unique().sort().to_list()
            if f in ch.columns and f not in (OID, TYPE, TIME)
        ]
        if fields:
            first = (
                ch.sort(TIME, maintain_order=True)
                .group_by(OID, maintain_order=True)
                .agg(pl.col(f).drop_nulls().first() for f in fields)
                .with_columns(pl.col(OID).cast(pl.String))
            )
            present = [f for f in fields if f in attrs.columns]
            attrs = attrs.join(first, on=OID, how="left", suffix="__first").with_columns(
                pl.coalesce(f, f"{f}__first").alias(f) for f in present
            )
            attrs = attrs.drop([f"{f}__first" for f in present])
    return attrs.rename({c: f"case:{c}" for c in attrs.columns if c != OID}).rename(
        {OID: "case:concept:name"}
    )


def flatten(
    tables: OcelTables, ocel: OcelSettings, shown: str
) -> tuple[pl.DataFrame, list[Finding], dict[str, Any]]:
    """The event table of the chosen case type (see the module's docstring)."""
    case_type = _choose_type(tables, ocel.case_type, "cases", "--ocel-case", "case_type", shown)
    customer_type = None
    if ocel.customer_type is not None:
        customer_type = _choose_type(
            tables, ocel.customer_type, "customer", "--ocel-customer", "customer_type", shown
        )
    events = tables.events.with_columns(pl.col(EID).cast(pl.String))
    rel = tables.relations.select(
        pl.col(EID).cast(pl.String), pl.col(OID).cast(pl.String), pl.col(TYPE).cast(pl.String)
    ).unique()
    case_rel = rel.filter(pl.col(TYPE) == case_type).select(
        EID, pl.col(OID).alias("case:concept:name")
    )
    in_case = events.join(case_rel.select(EID).unique(), on=EID, how="semi")
    dropped = events.height - in_case.height
    per_event = case_rel.group_by(EID).len()
    several = per_event.filter(pl.col("len") > 1)
    n_cases = case_rel.get_column("case:concept:name").n_unique()
    findings = [
        Finding(
            "ocel-flattened",
            f"{KINDS[tables.kind]}: {events.height:,} events, {tables.objects.height:,} "
            f"objects; cases: the {n_cases:,} '{case_type}' objects related to events, one "
            "row per event and case",
            n_cases,
            "info",
        )
    ]
    if dropped:
        findings.append(
            Finding(
                "ocel-events-without-case",
                f"{dropped:,} of {events.height:,} events are related to no '{case_type}' "
                "object: dropped",
                dropped,
            )
        )
    if several.height:
        rows = int(several.get_column("len").sum())
        findings.append(
            Finding(
                "ocel-events-in-several-cases",
                f"{several.height:,} event(s) related to several '{case_type}' objects and "
                f"appear once in each of their cases ({rows:,} rows)",
                several.height,
                "info",
            )
        )
    keep = sorted(_non_null_columns(events, (EID, ACTIVITY, TIME)))
    frame = (
        events.select(
            EID,
            pl.col(ACTIVITY).cast(pl.String).alias("concept:name"),
            pl.col(TIME).alias("time:timestamp"),
            *keep,
        )
        .with_row_index("__order")
        .join(case_rel, on=EID, how="inner")
    )
    if customer_type is not None:
        frame, more = _customers(frame, rel, tables, case_type, customer_type)
        findings += more
    frame = frame.sort(["time:timestamp", "__order", "case:concept:name"]).drop("__order")
    case_attrs = _case_attributes(tables, case_type)
    clash = [c for c in case_attrs.columns[1:] if c in frame.columns]
    frame = frame.join(
        case_attrs.drop(clash), on="case:concept:name", how="left", maintain_order="left"
    )
    details = {
        "reader": f"pm4py, {KINDS[tables.kind]}",
        "ocel_kind": KINDS[tables.kind],
        "ocel_case_type": case_type,
        "ocel_customer_type": customer_type,
        "ocel_events": events.height,
        "ocel_objects": tables.objects.height,
        "ocel_object_types": dict(_type_counts(tables)),
    }
    return frame, findings, details


def _customers(
    frame: pl.DataFrame,
    rel: pl.DataFrame,
    tables: OcelTables,
    case_type: str,
    customer_type: str,
) -> tuple[pl.DataFrame, list[Finding]]:
    """Add ``ocel:customer`` to the (event, case) rows; findings for rows with several or
    no customer."""
    case = "case:concept:name"
    direct = rel.filter(pl.col(TYPE) == customer_type).select(EID, pl.col(OID).alias(CUSTOMER))
    rows = frame.select(EID, case).unique()
    pairs: list[pl.DataFrame] = [
        rows.join(direct, on=EID).select(case, CUSTOMER)  # via any event of the case
    ]
    o2o = tables.o2o
    if o2o.height and {OID, "ocel:oid_2"} <= set(o2o.columns):
        types = tables.objects.select(pl.col(OID).cast(pl.String), pl.col(TYPE).cast(pl.String))
        cases = types.filter(pl.col(TYPE) == case_type).select(OID)
        custs = types.filter(pl.col(TYPE) == customer_type).select(OID)
        links = o2o.select(pl.col(OID).cast(pl.String), pl.col("ocel:oid_2").cast(pl.String))
        both = pl.concat(
            [
                links.select(pl.col(OID).alias(case), pl.col("ocel:oid_2").alias(CUSTOMER)),
                links.select(pl.col("ocel:oid_2").alias(case), pl.col(OID).alias(CUSTOMER)),
            ]
        )
        pairs.append(
            both.join(cases.rename({OID: case}), on=case, how="semi").join(
                custs.rename({OID: CUSTOMER}), on=CUSTOMER, how="semi"
            )
        )
    of_case = pl.concat(pairs).unique()
    own = rows.join(direct, on=EID)
    rest = rows.join(own.select(EID, case), on=[EID, case], how="anti").join(of_case, on=case)
    chosen = (
        pl.concat([own.select(EID, case, CUSTOMER), rest.select(EID, case, CUSTOMER)])
        .group_by(EID, case)
        .agg(pl.col(CUSTOMER).min(), pl.col(CUSTOMER).n_unique().alias("__n"))
    )
    out = frame.join(chosen, on=[EID, case], how="left")
    findings: list[Finding] = []
    multi = chosen.filter(pl.col("__n") > 1)
    if multi.height:
        findings.append(
            Finding(
                "ocel-several-customers",
                f"{multi.height:,} rows ({multi.get_column(case).n_unique():,} cases) reach "
                f"several '{customer_type}' objects; the smallest id was kept in {CUSTOMER}",
                multi.height,
            )
        )
    missing = out.filter(pl.col(CUSTOMER).is_null())
    if missing.height:
        findings.append(
            Finding(
                "ocel-no-customer",
                f"{missing.height:,} rows ({missing.get_column(case).n_unique():,} cases) "
                f"reach no '{customer_type}' object ({CUSTOMER} is empty there)",
                missing.height,
                "info",
            )
        )
    return out.drop("__n"), findings


def read_ocel(path: str | Path, ocel: OcelSettings) -> RawLog:
    """Read an object-centric log and flatten it to a raw event table (XES key names)."""
    shown = str(path)
    kind = sniff(path)
    if kind is None:
        raise InputError(
            f"{shown}: not an object-centric log (OCEL 1.0 or 2.0)",
            hint="OCEL JSON starts with objectTypes/eventTypes (2.0) or ocel:global-log (1.0)",
        )
    tables = read_tables(path, kind)
    frame, findings, details = flatten(tables, ocel, shown)
    return RawLog(
        frame=frame.lazy(), source=shown, format="ocel", findings=findings, details=details
    )
