"""Timestamp detection and normalisation to UTC.

Logs write time in many ways: ISO 8601 with offsets (XES, modern exports), naive local
wall-clock times (`2010/01/13 08:40:25.000` in Disco exports), day-first dates in German
and Dutch exports (`02.03.2026 14:05`, `1-9-2013 9:05`), dates without a time of day.
We detect one format per column from a sample of distinct values, parse the whole column
with that format in one vectorised pass, and convert to UTC:

* values with an offset (``+01:00``, ``Z``) are converted exactly;
* naive values are interpreted in the user's ``--timezone`` (default UTC).

A value the chosen format cannot parse is an error that names its row and value: a
guessed timestamp is worse than none.  Day-first and month-first are ambiguous when
every sampled day is <= 12; we then prefer day-first (the European exports this tool is
built for) and say so in a finding.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from frictionminer.errors import SchemaError
from frictionminer.io.base import Finding
from frictionminer.schema import TIMESTAMP_DTYPE

# Tried in order; the first format that parses every sampled value wins.
_ISO_OFFSET = ("%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M%:z")
_ISO_NAIVE = (
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y%m%d%H%M%S",
)
_DAY_FIRST = tuple(
    f"%d{sep}%m{sep}%Y{time}" for sep in (".", "-", "/") for time in (" %H:%M:%S%.f", " %H:%M", "")
)
_MONTH_FIRST = tuple(
    f"%m{sep}%d{sep}%Y{time}" for sep in ("/", "-") for time in (" %H:%M:%S%.f", " %H:%M", "")
)
# Both AM/PM variants appear in US exports.
_MONTH_FIRST_12H = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p")
CANDIDATE_FORMATS: tuple[str, ...] = (
    _ISO_OFFSET + _ISO_NAIVE + _DAY_FIRST + _MONTH_FIRST + _MONTH_FIRST_12H
)

_SAMPLE = 2000
_OFFSET_RE = r"(Z|[+-]\d\d:?\d\d)$"


@dataclass(frozen=True)
class ParsedTimestamps:
    """A parsed timestamp column and what was learned about it."""

    values: pl.Series
    format: str | None
    findings: list[Finding]


def _prepare(s: pl.Series) -> pl.Series:
    """Trim and write a trailing ``Z`` (Zulu, UTC) as ``+00:00`` so ``%:z`` accepts it."""
    s = s.str.strip_chars()
    return s.str.replace(r"Z$", "+00:00").str.replace(r"([+-]\d\d)(\d\d)$", "$1:$2")


def _parse(s: pl.Series, fmt: str, timezone: str) -> pl.Series:
    if "%:z" in fmt:
        return s.str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC")
    naive = s.str.to_datetime(fmt, strict=False, time_unit="us")
    return localize(naive, timezone)


def localize(naive: pl.Series, timezone: str) -> pl.Series:
    """Local wall-clock times in ``timezone`` as UTC, by one rule for the clock changes.

    A time the clock skipped (02:30 on the spring-forward night in Europe/Berlin) is read
    with the offset before the change, as a clock not yet moved forward would mean it
    (02:30 -> 01:30 UTC); a time the clock showed twice (02:30 on the fall-back night) is
    read as the first of the two.  :func:`clock_change_counts` counts both for a finding.
    """
    earliest = naive.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
    gap = earliest.is_null() & naive.is_not_null()
    if gap.any():
        hour = pl.duration(hours=1)
        before = pl.select(
            (pl.lit(naive) - hour).dt.replace_time_zone(
                timezone, ambiguous="earliest", non_existent="null"
            )
            + hour
        ).to_series()
        earliest = pl.select(pl.when(gap).then(before).otherwise(earliest)).to_series()
    return earliest.dt.convert_time_zone("UTC").alias(naive.name)


def clock_change_counts(naive: pl.Series, timezone: str) -> tuple[int, int]:
    """How many of ``naive`` fall in a spring-forward gap, and how many are ambiguous."""
    first = naive.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
    last = naive.dt.replace_time_zone(timezone, ambiguous="latest", non_existent="null")
    gap = int((first.is_null() & naive.is_not_null()).sum())
    ambiguous = int((first != last).fill_null(False).sum())
    return gap, ambiguous


def detect_format(sample: pl.Series) -> tuple[str | None, list[str]]:
    """The candidate format that parses the most values of ``sample`` (ties: list order).

    Returns that format (None if no candidate parses any value) and the other candidates
    that parse exactly as many values (to spot day/month ambiguity).  A format that parses
    most but not all values still wins, so that the full parse can report the first bad
    row instead of a vague "unknown format".
    """
    best: str | None = None
    best_ok = 0
    ties: list[str] = []
    for fmt in CANDIDATE_FORMATS:
        if "%:z" in fmt:
            parsed = sample.str.to_datetime(fmt, strict=False, time_zone="UTC")
        else:
            parsed = sample.str.to_datetime(fmt, strict=False, time_unit="us")
        ok = sample.len() - parsed.null_count()
        if ok > best_ok:
            best, best_ok, ties = fmt, ok, []
        elif ok == best_ok and ok > 0:
            ties.append(fmt)
    return best, ties


def parse_timestamps(
    raw: pl.Series,
    *,
    column: str,
    source: str,
    timezone: str = "UTC",
    fmt: str | None = None,
) -> ParsedTimestamps:
    """Parse ``raw`` (any dtype) into ``Datetime('us', 'UTC')``.

    Raises :class:`SchemaError` naming the first row (1-based, in input order) and value
    that cannot be parsed, or whose year lies outside 1..9999 (what every output can hold).
    """
    parsed = _parse_column(raw, column=column, source=source, timezone=timezone, fmt=fmt)
    years = parsed.values.dt.year()
    outside = (years < 1) | (years > 9999)
    if outside.any():
        idx = int(outside.fill_null(False).arg_true()[0])
        raise SchemaError(
            f"{source}: data row {idx + 1}, column '{column}': timestamp {raw[idx]!r} has year "
            f"{years[idx]}, outside 1..9999",
            hint="fix or remove that row, or choose another column with --timestamp-col",
        )
    if timezone != "UTC":  # UTC has no clock changes
        parsed.findings.extend(_clock_change_findings(raw, parsed, column, timezone))
    return parsed


def _clock_change_findings(
    raw: pl.Series, parsed: ParsedTimestamps, column: str, timezone: str
) -> list[Finding]:
    if isinstance(raw.dtype, pl.Datetime) and raw.dtype.time_zone is None:
        naive = raw.cast(pl.Datetime("us"))
    elif raw.dtype == pl.String and parsed.format and "%:z" not in parsed.format:
        naive = raw.str.strip_chars().str.to_datetime(parsed.format, strict=False, time_unit="us")
    else:
        return []
    gap, ambiguous = clock_change_counts(naive, timezone)
    out = []
    if gap:
        out.append(
            Finding(
                "nonexistent-local-times",
                f"'{column}': {gap:,} time(s) fall in the hour the clock skipped in {timezone} "
                "(spring forward); read with the offset before the change",
                gap,
            )
        )
    if ambiguous:
        out.append(
            Finding(
                "ambiguous-local-times",
                f"'{column}': {ambiguous:,} time(s) fall in the hour the clock showed twice in "
                f"{timezone} (fall back); read as the first of the two",
                ambiguous,
                "info",
            )
        )
    return out


def _parse_column(
    raw: pl.Series, *, column: str, source: str, timezone: str, fmt: str | None
) -> ParsedTimestamps:
    findings: list[Finding] = []
    dtype = raw.dtype
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            values = localize(raw.cast(pl.Datetime("us")), timezone)
        else:
            values = raw.dt.convert_time_zone("UTC")
        return ParsedTimestamps(values.cast(TIMESTAMP_DTYPE), None, findings)
    if dtype == pl.Date:
        values = raw.cast(pl.Datetime("us")).dt.replace_time_zone(timezone)
        findings.append(
            Finding(
                "date-only-timestamps",
                f"'{column}' holds dates without a time of day; durations are in whole days",
                raw.len() - raw.null_count(),
                "info",
            )
        )
        return ParsedTimestamps(values.dt.convert_time_zone("UTC"), None, findings)
    if dtype != pl.String:
        raise SchemaError(
            f"{source}: column '{column}' has type {dtype}, not a timestamp",
            hint="choose another column with --timestamp-col",
        )

    # Most columns need no repair: parse them as they are and repair (trim, Z -> +00:00)
    # only when something does not parse -- the repair costs a full pass of regexes.
    prepared = raw
    if fmt is None:
        present = raw.drop_nulls()
        sample = _prepare(present.filter(present != "").head(50_000).unique().head(_SAMPLE))
        if sample.len() == 0:
            raise SchemaError(
                f"{source}: column '{column}' has no timestamps (all values are empty)",
                hint="choose the timestamp column with --timestamp-col",
            )
        fmt, others = detect_format(sample)
        if fmt is None:
            bad = sample[0]
            raise SchemaError(
                f"{source}: column '{column}': cannot recognise the timestamp format of "
                f"values such as {bad!r}",
                hint="give it with --timestamp-format, e.g. '%d.%m.%Y %H:%M'",
            )
        if fmt in _DAY_FIRST and any(o in _MONTH_FIRST for o in others):
            findings.append(
                Finding(
                    "ambiguous-date-format",
                    f"'{column}' could be day-first or month-first; read as {fmt!r} "
                    "(day-first). Pass --timestamp-format to override",
                    0,
                    "warning",
                )
            )
    else:
        # Accept Python strftime-style %z for user-given formats as well.
        fmt = fmt.replace("%z", "%:z") if "%:z" not in fmt else fmt

    values = _parse(prepared, fmt, timezone)
    empty = prepared.is_null() | (prepared == "")
    bad_mask = values.is_null() & ~empty
    n_bad = int(bad_mask.sum())
    if n_bad:
        prepared = _prepare(raw)
        values = _parse(prepared, fmt, timezone)
        empty = prepared.is_null() | (prepared == "")
        bad_mask = values.is_null() & ~empty
        n_bad = int(bad_mask.sum())
    if n_bad:
        idx = int(bad_mask.arg_true()[0])
        raise SchemaError(
            f"{source}: data row {idx + 1}, column '{column}': cannot parse timestamp "
            f"{raw[idx]!r} as {fmt!r} ({n_bad} such value{'s' if n_bad > 1 else ''})",
            hint="give the format with --timestamp-format",
        )
    if "%:z" in fmt:
        offsets = prepared.drop_nulls().str.slice(-6).unique()
        offsets = offsets.filter(offsets.str.contains(r"^[+-]\d\d:\d\d$"))
        if offsets.len() > 1:
            findings.append(
                Finding(
                    "mixed-offsets",
                    f"'{column}' mixes UTC offsets ({', '.join(sorted(offsets.to_list())[:5])}); "
                    "all converted to UTC",
                    offsets.len(),
                    "info",
                )
            )
    elif "%H" not in fmt and "%I" not in fmt:
        findings.append(
            Finding(
                "date-only-timestamps",
                f"'{column}' holds dates without a time of day; durations are in whole days",
                raw.len() - int(empty.sum()),
                "info",
            )
        )
    return ParsedTimestamps(values.cast(TIMESTAMP_DTYPE), fmt, findings)
