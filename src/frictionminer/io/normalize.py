"""From a raw table to the canonical event table (see :mod:`frictionminer.schema`).

Column roles come from settings (config or command line) or are detected from the
source's column names.  Normalising happens once, here, at the boundary: later stages
trust the canonical names and dtypes.  Rows are never dropped silently — rows without a
case id, an activity or a timestamp are removed and counted in a finding.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from frictionminer import schema as S
from frictionminer.errors import SchemaError
from frictionminer.io.base import Finding, RawLog
from frictionminer.io.timestamps import parse_timestamps
from frictionminer.settings import ColumnSettings, IngestSettings

ROLES = ("case", "activity", "timestamp", "resource", "group", "channel", "lifecycle")
"""Roles mapped onto canonical columns (``category`` and ``value`` stay attributes)."""

CANONICAL_OF = S.CANONICAL_OF_ROLE

# Candidate source names per role, compared after lower-casing and dropping everything
# but letters and digits ("Case ID", "case_id" and "CaseID" are all "caseid").
CANDIDATES: dict[str, tuple[str, ...]] = {
    "case": ("case:concept:name", "case_id", "case", "caseid", "case_concept_name", "trace_id"),
    "activity": (
        "concept:name",
        "activity",
        "activity_name",
        "activityname",
        "event",
        "event_name",
        "task",
    ),
    "timestamp": (
        "time:timestamp",
        "timestamp",
        "complete_timestamp",
        "end_timestamp",
        "event_time",
        "time",
        "datetime",
        "date",
    ),
    "resource": ("org:resource", "resource", "user", "agent", "performer"),
    "group": ("org:group", "group", "team", "assignment_group", "department"),
    "channel": ("channel", "contact_channel", "medium"),
    "lifecycle": ("lifecycle:transition", "lifecycle", "transition", "event_type"),
}
OPTION_OF_ROLE = {role: f"--{role}-col" for role in ROLES}


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


@dataclass
class EventLog:
    """A normalised log: the canonical event table and how it was obtained."""

    events: pl.DataFrame
    source: str
    format: str
    columns: dict[str, str | list[str]]
    """Role -> source column(s) actually used."""
    detected: dict[str, bool]
    """Role -> True when the column was detected rather than given."""
    classifiers: dict[str, list[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    details: dict[str, object] = field(default_factory=dict)
    timestamp_format: str | None = None

    # --- display: short, for the REPL and notebooks (the tables stay out of it) ---------
    def __repr__(self) -> str:
        """``EventLog(source=..., format=..., events=..., cases=..., findings=...)``."""
        return (
            f"EventLog(source={self.source!r}, format={self.format!r}, "
            f"events={self.events.height:,}, cases={self.events[S.CASE].n_unique():,}, "
            f"findings={len(self.findings)})"
        )

    def _repr_html_(self) -> str:
        """The overview and the first five events, as a notebook shows them."""
        import html

        ts = pl.col(S.TIMESTAMP)
        first, last = self.events.select(ts.min().alias("first"), ts.max().alias("last")).row(0)
        overview: dict[str, object] = {
            "source": self.source,
            "format": self.format,
            "events": self.events.height,
            "cases": self.events[S.CASE].n_unique(),
            "first event": first,
            "last event": last,
            "findings": len(self.findings),
        }
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(f'{v:,}' if isinstance(v, int) else str(v))}"
            "</td></tr>"
            for k, v in overview.items()
        )
        head = self.events.head(5).drop(S.EVENT_INDEX, strict=False)._repr_html_()
        return f"<div><b>EventLog</b><table>{rows}</table>{head}</div>"


def _suggest(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    if not close:
        by_key = {_key(n): n for n in names}
        close = [by_key[k] for k in difflib.get_close_matches(_key(name), list(by_key), n=1)]
    return f"did you mean '{close[0]}'?" if close else ""


def missing_column(source: str, role: str, name: str, names: list[str]) -> SchemaError:
    shown = ", ".join(repr(n) for n in names[:25]) + (" ..." if len(names) > 25 else "")
    hint = _suggest(name, names)
    option = OPTION_OF_ROLE.get(role)
    return SchemaError(
        f"{source}: no column {name!r} for {option or role} (columns: {shown})",
        hint=hint
        or (
            f"pass the right name with {option}" if option else f"set {role} to an existing column"
        ),
    )


def resolve_columns(
    names: list[str], given: ColumnSettings, source: str
) -> tuple[dict[str, str | list[str]], dict[str, bool]]:
    """Map roles to source columns: given names are checked, missing ones detected."""
    mapping: dict[str, str | list[str]] = {}
    detected: dict[str, bool] = {}
    by_key: dict[str, str] = {}
    for n in names:
        by_key.setdefault(_key(n), n)
    for role in ROLES:
        want = getattr(given, role)
        if want is not None:
            wanted = want if isinstance(want, list) else [want]
            for w in wanted:
                if w not in names:
                    raise missing_column(source, role, w, names)
            mapping[role] = want
            detected[role] = False
            continue
        for cand in CANDIDATES[role]:
            hit = cand if cand in names else by_key.get(_key(cand))
            if hit is not None and hit not in _used(mapping):
                mapping[role] = hit
                detected[role] = True
                break
    for role in ("case", "activity", "timestamp"):
        if role not in mapping:
            shown = ", ".join(repr(n) for n in names[:25]) + (" ..." if len(names) > 25 else "")
            raise SchemaError(
                f"{source}: cannot tell which column is the {role} (columns: {shown})",
                hint=f"name it with {OPTION_OF_ROLE[role]} or [columns] {role} in the config",
            )
    return mapping, detected


def check_extra_columns(
    names: list[str], given: ColumnSettings, source: str, more: dict[str, str | None] | None = None
) -> None:
    """``[columns] category``/``value`` (and the columns ``more`` names by key, such as
    ``[roles] match``) must exist once all tables are joined."""
    wanted = {
        "[columns] category": given.category,
        "[columns] value": given.value,
        "[columns] rating": given.rating,
    }
    wanted |= more or {}
    for extra, want in wanted.items():
        if want is not None and want not in names:
            raise missing_column(source, extra, want, names)


def _used(mapping: dict[str, str | list[str]]) -> set[str]:
    out: set[str] = set()
    for v in mapping.values():
        out.update(v if isinstance(v, list) else [v])
    return out


def _as_string(frame: pl.DataFrame, col: str, found: list[str] | None = None) -> pl.Expr:
    """The column as text; the values in ``found`` (its placeholders, from
    :func:`_placeholders`) become null, so they are neither a case nor a team, and never
    make a handoff."""
    expr = _as_text(frame, col)
    if found:
        expr = pl.when(expr.is_in(found)).then(None).otherwise(expr)
    return expr


def _is_placeholder(text: pl.Expr, nulls: list[str]) -> pl.Expr:
    """Blank, or one of ``nulls`` once trimmed and lower-cased."""
    key = text.str.strip_chars().str.to_lowercase()
    return (key == "") | key.is_in(sorted({n.strip().lower() for n in nulls}))


def _placeholders(frame: pl.DataFrame, col: str, nulls: list[str]) -> list[str]:
    """The distinct values of ``col`` that are placeholders ("?", "N/A", blank, ...;
    compared without case and surrounding blanks).

    Judged on the distinct values, not on every cell: trimming and lower-casing 10M cells
    took about 0.6 s per column (twice: for the values and for the findings), a column's
    distinct values a tenth of that."""
    values = frame.select(_as_text(frame, col).unique().alias("v")).to_series()
    found = values.filter(pl.select(_is_placeholder(pl.lit(values), nulls)).to_series())
    return [v for v in found.to_list() if v is not None]


def _as_text(frame: pl.DataFrame, col: str) -> pl.Expr:
    dtype = frame.schema[col]
    if dtype == pl.String:
        return pl.col(col)
    if isinstance(dtype, pl.Datetime):
        return pl.col(col).dt.to_string("%Y-%m-%dT%H:%M:%S%.f")
    return pl.col(col).cast(pl.String)


def _check_value_length(frame: pl.DataFrame, col: str, role: str, source: str, limit: int) -> None:
    """Refuse a value of an id or label column longer than ``limit`` bytes: such values
    are printed, matched and written into every output (``[ingest] max_value_bytes``)."""
    lengths = frame.get_column(col).str.len_bytes()  # from the offsets: no pass over text
    longest = lengths.max()
    if longest is None or int(longest) <= limit:  # type: ignore[arg-type]
        return
    row = int(lengths.arg_max() or 0) + 1
    raise SchemaError(
        f"{source}: data row {row:,}, column '{col}' ({role}): a value of {int(longest):,} "  # type: ignore[arg-type]
        f"bytes, more than the limit of {limit:,} ([ingest] max_value_bytes)",
        hint="an id or a name is short: is it the right column? Else raise the limit",
    )


def normalize(
    raw: RawLog,
    columns: ColumnSettings,
    ingest: IngestSettings,
    keep: Sequence[str | None] = (),
) -> EventLog:
    """Map, type and clean ``raw`` into an :class:`EventLog`.

    A source column that a role consumes is also kept under its own name when ``[columns]``
    ``category``/``value`` or a name in ``keep`` (``[measures] organisation``) refers to it,
    e.g. ``category = "team"`` while "team" is the group."""
    frame = raw.frame.collect()
    names = frame.columns
    if frame.height == 0:
        raise SchemaError(
            f"{raw.source}: the log is empty (no events)",
            hint="check the file, or the filter that produced it",
        )
    mapping, detected = resolve_columns(names, columns, raw.source)
    findings = list(raw.findings)

    frame = frame.with_row_index(S.EVENT_INDEX).with_columns(pl.col(S.EVENT_INDEX).cast(pl.Int64))
    for role, cols in mapping.items():
        for col in [cols] if isinstance(cols, str) else cols:
            dtype = frame.schema[col]
            if dtype.is_nested() or dtype == pl.Object:
                raise SchemaError(
                    f"{raw.source}: column '{col}' ({role}) holds {dtype} values, not text",
                    hint=f"name a column of plain values as [columns] {role} in the config",
                )
            if role != "timestamp" and dtype == pl.String:
                _check_value_length(frame, col, role, raw.source, ingest.max_value_bytes)
    act = mapping["activity"]
    act_cols = act if isinstance(act, list) else [act]
    nulls = ingest.null_values
    null_roles = set(ingest.null_columns)
    placeholders = {
        role: _placeholders(frame, col, nulls)
        for role, col in mapping.items()
        if role in null_roles and isinstance(col, str) and col in frame.columns
    }

    def ids(role: str) -> list[str] | None:
        return placeholders.get(role)

    exprs: list[pl.Expr] = [_as_string(frame, mapping["case"], ids("case")).alias(S.CASE)]  # type: ignore[arg-type]
    if len(act_cols) == 1:
        exprs.append(_as_string(frame, act_cols[0]).alias(S.ACTIVITY))
    else:
        exprs.append(
            pl.concat_str(
                [_as_string(frame, c) for c in act_cols], separator="/", ignore_nulls=True
            ).alias(S.ACTIVITY)
        )
    for role in ("resource", "group", "channel", "lifecycle"):
        if role in mapping:
            exprs.append(_as_string(frame, mapping[role], ids(role)).alias(CANONICAL_OF[role]))  # type: ignore[arg-type]

    ts_col = mapping["timestamp"]
    assert isinstance(ts_col, str)
    parsed = parse_timestamps(
        frame[ts_col],
        column=ts_col,
        source=raw.source,
        timezone=ingest.timezone,
        fmt=ingest.timestamp_format,
    )
    findings.extend(parsed.findings)

    # Source columns consumed by a role disappear under their own name, except the
    # parts of a composed activity (kept: they are useful attributes on their own).
    consumed = {
        mapping[r]
        for r in ("case", "timestamp", "resource", "group", "channel")
        if r in mapping and isinstance(mapping[r], str)
    }
    if "lifecycle" in mapping and len(act_cols) == 1:
        consumed.add(mapping["lifecycle"])
    if len(act_cols) == 1:
        consumed.add(act_cols[0])
    consumed -= {
        c for c in (columns.category, columns.value, columns.rating, *keep) if c not in S.CANONICAL
    }
    rest = [c for c in names if c not in consumed]
    renamed = {c: f"attr:{c}" for c in rest if c in S.CANONICAL}
    out = frame.select(
        *exprs,
        parsed.values.alias(S.TIMESTAMP),
        pl.col(S.EVENT_INDEX),
        *[pl.col(c).alias(renamed.get(c, c)) for c in rest],
    )
    if renamed:
        findings.append(
            Finding(
                "renamed-columns",
                "source columns named like canonical ones were kept as "
                + ", ".join(f"'{c}' -> '{n}'" for c, n in renamed.items()),
                len(renamed),
                "info",
            )
        )
    findings += _placeholder_findings(frame, mapping, placeholders)
    ordered = [c for c in S.CANONICAL if c in out.columns]
    # Reordered as Series, not by a ``select``: the columns come in chunks of different
    # sizes (the file's row groups, one-piece computed columns), which a ``select``
    # re-chunks into fresh copies (0.6 GB more at 10M events).
    out = pl.DataFrame(
        [out.get_column(c) for c in (*ordered, *(c for c in out.columns if c not in ordered))]
    )

    for col, what in (
        (S.CASE, "a case id"),
        (S.ACTIVITY, "an activity"),
        (S.TIMESTAMP, "a timestamp"),
    ):
        missing = out[col].is_null() | (out[col] == "" if out.schema[col] == pl.String else False)
        n = int(missing.sum())
        if n:
            out = out.filter(~missing)
            findings.append(
                Finding(
                    f"missing-{col.replace('_', '-')}", f"{n} events without {what} were dropped", n
                )
            )
    if out.height == 0:
        raise SchemaError(
            f"{raw.source}: no event has a case id, an activity and a timestamp",
            hint="check the column options",
        )
    return EventLog(
        events=out,
        source=raw.source,
        format=raw.format,
        columns=mapping,
        detected=detected,
        classifiers=raw.classifiers,
        findings=findings,
        details=dict(raw.details),
        timestamp_format=parsed.format,
    )


def _placeholder_findings(
    frame: pl.DataFrame,
    mapping: dict[str, str | list[str]],
    placeholders: dict[str, list[str]],
) -> list[Finding]:
    """One finding per column whose placeholder cells were read as missing (blank cells
    are not counted: a blank is missing anyway)."""
    marked = {role: [v for v in found if v.strip() != ""] for role, found in placeholders.items()}
    marked = {role: found for role, found in marked.items() if found}
    if not marked:
        return []
    out = []
    for role, found in marked.items():
        col = mapping[role]
        assert isinstance(col, str)
        counts = (
            frame.select(_as_text(frame, col).alias("v"))
            .filter(pl.col("v").is_in(found))
            .group_by("v")
            .agg(pl.len().alias("n"))
            .sort(["n", "v"], descending=[True, False])
        )
        n = int(counts.get_column("n").sum())
        seen = counts.get_column("v").head(3).to_list()
        out.append(
            Finding(
                "null-values",
                f"'{col}' ({role}): {n:,} placeholder cell(s) "
                f"({', '.join(repr(v) for v in seen)}) read as missing",
                n,
                "info",
            )
        )
    return out
