"""CSV and Parquet ingest: read the tables people actually export, quickly and without surprises.

Event logs arrive as CSV from ticketing tools, spreadsheets and BI exports, and every exporter has
its own habits: German Excel writes ``;`` and decimal commas, old Windows tools write cp1252,
Power BI and Excel write a UTF-8 BOM, Disco writes the same column twice, Rabobank's BPIC 2014
export pads its header with fifty empty names.  This module turns all of that into one polars
table with the source's column names, and reports what it repaired as :class:`Finding` objects
instead of repairing silently.

How a CSV file is read
----------------------
1. **Sample.**  Only the first 64 KiB (decompressed, for ``.gz``) are examined for detection.
   The file is then parsed once, in full, by polars' native reader.
2. **Encoding.**  A UTF-8 or UTF-16 byte-order mark decides.  Otherwise the sample must decode as
   UTF-8; if it does not, the file is taken as Windows-1252 (a superset of the printable part of
   ISO-8859-1), or ISO-8859-1 if it contains bytes undefined in cp1252.  Non-UTF-8 files are
   decoded in Python once and handed to polars as UTF-8 bytes.  If a stray non-UTF-8 byte only
   appears after the sample, polars reports it and the file is re-read as cp1252 (the one case
   that reads a file twice; a Finding says so).  NUL bytes or many control characters in the
   sample mean "binary", which is an error.
3. **Delimiter.**  Each of ``,`` ``;`` tab ``|`` is tried on the sample with a real CSV parser
   (quotes respected); the winner splits the header into more than one field and gives the most
   records with the header's field count.  Quoting is RFC 4180 with ``"`` unless told otherwise
   (``quote_char=None`` disables quoting).
4. **Header.**  Names are kept as written (a BOM is stripped).  Repeated names get ``_2``, ``_3``
   (Finding ``duplicate-columns``).  Columns with an empty name are dropped when they hold no
   value at all (Finding ``empty-columns-dropped``), otherwise named ``column_N`` after their
   1-based position (Finding ``unnamed-columns``).
5. **Rows.**  Rows with no value at all (nothing but delimiters, or blank lines) are dropped and
   counted (Finding ``empty-rows-dropped``).  A quoted empty string ``""`` is a value, so a row of
   ``"";""`` is kept.  Rows with *more* fields than the header are an :class:`InputError` naming
   the line.  Rows with *fewer* fields are padded with nulls, as every CSV reader does; those
   inside the sample are counted (Finding ``short-rows-padded``) — beyond the sample a short row
   cannot be told from one with empty trailing fields without a second full pass.
6. **Types.**  Everything is parsed as text first, then each column is typed by whole-column
   polars expressions, so the answer depends on every value (polars' default inference looks
   at the first 100 rows and raises on a later value that does not fit):

   * ``true``/``false`` (any case) → Boolean; integers → Int64; other numbers → Float64;
   * numbers written with a decimal comma (``3,75``, ``1.234,5``) → Float64, when every value of
     the column has that form and at least one has a comma (``decimal_comma=True`` forces the
     reading, so ``1.234`` means 1234; ``False`` never converts);
   * a numeric-looking column where any value has a leading zero (``007``, ``-01``) stays
     String: such columns are identifiers (customer numbers, postcodes), and turning ``007``
     into ``7`` would silently merge distinct keys (Finding ``leading-zeros-kept``, info);
   * a column of integers too large for Int64 stays String rather than becoming lossy floats;
   * dates and times are **not** parsed: a separate normaliser recognises their formats
     (``02.03.2026 14:05``, ``d-m-yyyy H:MM`` …), which a generic guesser gets wrong.

   To stay within a small factor of plain ``polars.read_csv``, all checks run on the first
   2,000 rows only; a column with a non-numeric value there is settled as String.  For the
   others the conversion the first rows suggest runs over the whole column and is kept only if
   it creates no null and passes one targeted check (leading zeros, boolean spellings); the
   rare rest (all-null in the first rows, or a failed conversion) get every check in full.
7. **Details.**  ``RawLog.details`` holds ``delimiter``, ``quote_char``, ``encoding`` (the
   Python codec used: ``utf-8``, ``utf-8-sig``, ``cp1252``, …), ``decimal_comma`` (whether any
   column was read with decimal commas) and ``decimal_comma_columns``, ``rows_read`` (data
   rows parsed), ``rows`` (rows kept) and ``columns``.

Parquet
-------
:func:`read_parquet` accepts a file, a directory (every ``*.parquet`` below it, with hive
partitions) or a glob, and scans lazily; files are read in sorted path order.
"""

from __future__ import annotations

import codecs
import csv
import glob as globmod
import gzip
import io
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import polars as pl
import polars.exceptions as plexc

from frictionminer.errors import InputError
from frictionminer.io.base import Finding, RawLog, display_path, is_url, read_error

if TYPE_CHECKING:
    import _csv

__all__ = ["CsvOptions", "read_csv", "read_parquet"]

SAMPLE_BYTES = 64 * 1024
"""How much of the (decompressed) file detection looks at, after the header line."""
MAX_HEADER_BYTES = 8 << 20
"""A header line longer than this is refused (a file that is not CSV, or has no newline)."""

DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
"""Candidate delimiters, in order of preference when the sample cannot tell them apart."""

_HEAD_ROWS = 2000
"""Rows used to rule out column types before checking survivors over the whole column."""

GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_PARQUET_MAGIC = b"PAR1"

_LEADING_ZERO = r"^[+-]?0\d"
_DIGITS_ONLY = r"^[+-]?\d+$"
_DECIMAL_COMMA = r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$"
_GLOB_CHARS = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class CsvOptions:
    """How to read a CSV file; ``None`` means "detect from the file".

    ``quote_char`` defaults to ``"`` (RFC 4180); ``None`` there disables quoting altogether.
    ``encoding`` takes any Python codec name (``utf-8``, ``cp1252``, ``latin-1``, ``utf-16``).
    """

    delimiter: str | None = None
    encoding: str | None = None
    quote_char: str | None = '"'
    decimal_comma: bool | None = None
    max_columns: int | None = None
    """Refuse a header with more columns than this before the rows are read."""


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


def read_csv(
    path: str | Path,
    options: CsvOptions = CsvOptions(),
    *,
    keep_text: Callable[[list[str]], Iterable[str]] | None = None,
) -> RawLog:
    """Read a CSV (or ``.csv.gz``) event log into a :class:`RawLog` with format ``"csv"``.

    Detection looks only at the first 64 KiB; the full parse is one pass of polars' reader,
    and every later step is a whole-column polars expression.  See the module docstring for
    the rules.  Raises :class:`InputError` (``"<path>: <what>"``) for anything unreadable.
    """
    shown = display_path(path)
    p = Path(path)
    _check_file(p, shown)
    _validate_options(options, shown)

    sample, complete = _read_sample(p, shown)
    if not sample.removeprefix(codecs.BOM_UTF8).strip(b" \t\r\n"):
        raise InputError(
            f"{shown}: file is empty (no header, no rows)",
            hint="an event log needs a header line and at least one event",
        )
    if sample.startswith(_ZIP_MAGIC):
        raise InputError(f"{shown}: is a zip archive, not CSV", hint="unzip it first")
    if sample.startswith(_ZSTD_MAGIC):
        raise InputError(f"{shown}: is zstd-compressed", hint="decompress it, or use gzip")

    findings: list[Finding] = []
    encoding, auto_encoding = _choose_encoding(sample, complete, options.encoding, shown)
    text = _decode_sample(sample, complete, encoding, shown)
    quote = options.quote_char
    delimiter = options.delimiter or _detect_delimiter(text, quote, complete)
    records = _sample_records(text, delimiter, quote, complete)
    if not records or not any(f.strip() for f in records[0]):
        raise InputError(
            f"{shown}: line 1: no header (the first line names no column)",
            hint="the first line must name the columns",
        )
    header = records[0]
    if header:
        header[0] = header[0].removeprefix("\ufeff")
    if options.max_columns is not None and len(header) > options.max_columns:
        raise InputError(
            f"{shown}: {len(header):,} columns, more than the limit of "
            f"{options.max_columns:,} ([ingest] max_columns)",
            hint="keep the columns the analysis needs, or raise [ingest] max_columns",
        )
    names, empty_positions, dup_count = _column_names(header)

    # Lines ended by CR alone (Excel's "CSV (Macintosh)"): polars splits lines at one byte.
    eol = "\r" if "\r" in text and "\n" not in text else "\n"
    frame, encoding = _parse(
        p, shown, encoding, auto_encoding, delimiter, quote, names, findings, eol
    )
    if frame.width != len(names):  # pragma: no cover - header parsers disagree; be explicit
        raise InputError(
            f"{shown}: header has {frame.width} fields for polars but {len(names)} here",
            hint="pass the delimiter and quote character explicitly",
        )
    rows_read = frame.height
    if rows_read == 0:
        raise InputError(
            f"{shown}: empty log: header only, no data rows",
            hint="the file has column names but no events",
        )

    if dup_count:
        renamed = [n for i, n in enumerate(names) if header[i] != n and i not in empty_positions]
        findings.append(
            Finding(
                "duplicate-columns",
                f"repeated column names renamed: {', '.join(renamed)}",
                count=dup_count,
            )
        )
    frame, n_empty_rows = _drop_empty(frame, names, empty_positions, findings)
    if n_empty_rows:
        findings.append(
            Finding(
                "empty-rows-dropped",
                f"{n_empty_rows} rows without any value (only delimiters, or blank) dropped",
                count=n_empty_rows,
            )
        )
    if frame.height == 0:
        raise InputError(
            f"{shown}: empty log: all {rows_read} data rows are empty",
            hint="the file has column names but no events",
        )
    short = sum(1 for r in records[1:] if 0 < len(r) < len(header))
    if short:
        findings.append(
            Finding(
                "short-rows-padded",
                f"{short} rows in the first {SAMPLE_BYTES // 1024} KiB have fewer fields than "
                "the header; missing fields read as empty (later rows are not counted)",
                count=short,
            )
        )

    # Identifier columns (case id, activity, team, ...) keep the text as written: a case
    # id "FALSE" or "007" must not come back as "false" or 7.
    keep: set[str] = set(keep_text(frame.columns)) if keep_text is not None else set()
    order = frame.columns
    typed, dc_columns, lz_columns = _infer_types(
        frame.select([c for c in order if c not in keep]), options.decimal_comma
    )
    frame = pl.concat([typed, frame.select([c for c in order if c in keep])], how="horizontal")
    frame = frame.select(order)
    lz_columns = [c for c in lz_columns if c not in keep]
    if dc_columns:
        findings.append(
            Finding(
                "decimal-comma",
                f"decimal-comma numbers read as Float64 in: {', '.join(dc_columns)}",
                count=len(dc_columns),
                severity="info",
            )
        )
    if lz_columns:
        findings.append(
            Finding(
                "leading-zeros-kept",
                f"numbers with leading zeros kept as text (identifiers): {', '.join(lz_columns)}",
                count=len(lz_columns),
                severity="info",
            )
        )
    if encoding not in ("utf-8", "utf-8-sig", "utf-8+cp1252"):
        findings.append(
            Finding(
                "encoding",
                f"file is not UTF-8; decoded as {encoding}",
                severity="info",
            )
        )

    details: dict[str, object] = {
        "delimiter": delimiter,
        "quote_char": quote,
        "encoding": encoding,
        "decimal_comma": bool(dc_columns),
        "decimal_comma_columns": dc_columns,
        "rows_read": rows_read,
        "rows": frame.height,
        "columns": frame.width,
    }
    return RawLog(
        frame=frame.lazy(),
        source=shown,
        format="csv",
        findings=findings,
        details=details,
    )


def _check_file(p: Path, shown: str) -> None:
    """Fail early, with a readable message, on paths that cannot be a CSV file."""
    if not p.exists():
        raise InputError(f"{shown}: no such file", hint="check the path")
    if p.is_dir():
        raise InputError(
            f"{shown}: is a directory, not a CSV file",
            hint="give one CSV file; directories are only read as Parquet datasets",
        )
    if not p.is_file():
        raise InputError(f"{shown}: not a regular file")


def _validate_options(options: CsvOptions, shown: str) -> None:
    """Reject options polars cannot honour (multi-character delimiters, for one)."""
    if options.delimiter is not None and len(options.delimiter) != 1:
        raise InputError(
            f"{shown}: delimiter must be one character, got {options.delimiter!r}",
            hint=r"use one of , ; | or \t",
        )
    if options.quote_char is not None and len(options.quote_char) != 1:
        raise InputError(f"{shown}: quote character must be one character")
    if options.quote_char is not None and options.quote_char == options.delimiter:
        raise InputError(f"{shown}: quote character and delimiter are the same")


def _is_gzip(p: Path) -> bool:
    """Recognise gzip by its magic bytes, not its suffix (``.csv.gz`` renamed ``.csv`` happens)."""
    with p.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def _read_head(p: Path, shown: str, size: int) -> tuple[bytes, bool]:
    """The first ``size`` bytes (decompressed) and whether that is the whole file."""
    try:
        if _is_gzip(p):
            with gzip.open(p, "rb") as gz:
                data = gz.read(size + 1)
        else:
            with p.open("rb") as fh:
                data = fh.read(size + 1)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        from frictionminer.io.xes_scan import gzip_error

        raise gzip_error(shown, exc) from None
    except OSError as exc:
        raise read_error(shown, exc) from None
    if len(data) > size:
        return data[:size], False
    return data, True


def _read_sample(p: Path, shown: str) -> tuple[bytes, bool]:
    """The header line and :data:`SAMPLE_BYTES` bytes after it (decompressed; the header
    up to :data:`MAX_HEADER_BYTES`), and whether that is the whole file."""
    data, complete = _read_head(p, shown, SAMPLE_BYTES)
    if complete or b"\n" in data or b"\r" in data:  # CR alone: "CSV (Macintosh)"
        return data, complete
    data, complete = _read_head(p, shown, MAX_HEADER_BYTES + SAMPLE_BYTES)
    end = data.find(b"\n")
    if end < 0 and not complete:
        raise InputError(
            f"{shown}: line 1 (the header) is longer than {MAX_HEADER_BYTES >> 20} MiB",
            hint="is it a CSV file? A header names the columns on one line",
        )
    return (data, complete) if complete else (data[: end + 1 + SAMPLE_BYTES], False)


def _read_all(p: Path, shown: str) -> bytes:
    """The whole file, decompressed: used only when Python must decode a non-UTF-8 file."""
    from frictionminer.io.xes_scan import open_binary

    try:
        if _is_gzip(p):  # bounded by [ingest] max_compression_ratio: a trailer can lie
            with open_binary(p) as gz:
                return gz.read()
        return p.read_bytes()
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        from frictionminer.io.xes_scan import gzip_error

        raise gzip_error(shown, exc) from None
    except OSError as exc:
        raise read_error(shown, exc) from None


def _normalise_codec(name: str, shown: str) -> str:
    """The canonical Python codec name for a user-given encoding, or an InputError."""
    try:
        info = codecs.lookup(name)
    except LookupError as exc:
        raise InputError(
            f"{shown}: unknown encoding {name!r}", hint="try utf-8, cp1252 or latin-1"
        ) from exc
    if not getattr(info, "_is_text_encoding", True):  # hex, base64, zlib, rot13 ...
        raise InputError(
            f"{shown}: {name!r} is not a text encoding", hint="try utf-8, cp1252 or latin-1"
        )
    codec = info.name
    return {"utf-8": "utf-8", "utf_8": "utf-8", "iso8859-1": "latin-1"}.get(codec, codec)


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def _looks_binary(sample: bytes) -> bool:
    """NUL bytes or more than 1 % control characters: not a text table."""
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > max(8, len(sample) // 100)


def _choose_encoding(
    sample: bytes, complete: bool, explicit: str | None, shown: str
) -> tuple[str, bool]:
    """Pick the codec: explicit, else BOM, else UTF-8 if the sample decodes, else cp1252.

    Returns the codec name and whether it was detected (a detected UTF-8 may still fall back
    to cp1252 if polars finds a bad byte after the sample).
    """
    if explicit is not None:
        codec = _normalise_codec(explicit, shown)
        if codec == "utf-8" and sample.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
        return codec, False
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", True
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", True
    if _looks_binary(sample):
        raise InputError(
            f"{shown}: binary data, not a CSV text file",
            hint="is this really a CSV export? Parquet and XES have their own readers",
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8", True
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252", True
    except UnicodeDecodeError:
        return "latin-1", True


def _decode_sample(sample: bytes, complete: bool, encoding: str, shown: str) -> str:
    """Decode the sample (tolerating a character cut in half at its end), BOM removed."""
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(sample, final=complete)
    except UnicodeDecodeError as exc:
        raise _decode_error(shown, encoding, sample, exc) from exc
    if _looks_binary(text.encode("utf-8", "surrogatepass")):
        raise InputError(f"{shown}: binary data, not a CSV text file")
    return text.removeprefix("\ufeff")


def _decode_error(shown: str, encoding: str, data: bytes, exc: UnicodeDecodeError) -> InputError:
    """An InputError locating the first undecodable byte by line and column."""
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    bad = data[exc.start : exc.start + 1].hex()
    hint = "try --encoding cp1252" if encoding.startswith("utf") else "try --encoding utf-8"
    return InputError(
        f"{shown}: line {line}, column {column}: byte 0x{bad} is not valid {encoding}", hint=hint
    )


def _reader(text: Iterable[str], delimiter: str, quote: str | None) -> _csv.Reader:
    """Python's CSV parser configured like the polars parse, for detection and diagnostics."""
    if quote is None:
        return csv.reader(text, delimiter=delimiter, quoting=csv.QUOTE_NONE)
    return csv.reader(text, delimiter=delimiter, quotechar=quote, doublequote=True, strict=False)


def _sample_records(
    text: str, delimiter: str, quote: str | None, complete: bool, limit: int | None = None
) -> list[list[str]]:
    """Parse the sample (at most ``limit`` records); a record the sample cut short is dropped."""
    records: list[list[str]] = []
    reader = _reader(io.StringIO(text, newline=""), delimiter, quote)
    try:
        for record in reader:
            records.append(record)
            if limit is not None and len(records) > limit:
                return records[:limit]  # the cut record, if any, is the one past the limit
    except csv.Error:
        complete = False  # keep what parsed; the record that failed is not trusted
    if not complete and len(records) > 1:
        records.pop()
    return records


def _detect_delimiter(text: str, quote: str | None, complete: bool) -> str:
    """Choose the delimiter that splits the header and keeps the most rows at its width.

    Ranking: header split into more than one field, then the share of the first 200 records
    with exactly the header's field count, then the number of fields; ties go to the order of
    :data:`DELIMITERS`.
    """
    best: tuple[bool, float, int, int] | None = None
    chosen = DELIMITERS[0]
    for order, candidate in enumerate(DELIMITERS):
        records = _sample_records(text, candidate, quote, complete, limit=200)
        if not records:
            continue
        width = len(records[0])
        body = [r for r in records[1:] if r]
        share = sum(len(r) == width for r in body) / len(body) if body else 1.0
        key = (width > 1, share, width, -order)
        if best is None or key > best:
            best, chosen = key, candidate
    return chosen


def _unique(name: str, taken: set[str]) -> str:
    """``name_2``, ``name_3``, … : the first suffix not already taken."""
    k = 2
    while f"{name}_{k}" in taken:
        k += 1
    return f"{name}_{k}"


def _column_names(header: Sequence[str]) -> tuple[list[str], set[int], int]:
    """Final column names, the positions whose header name was empty, and the duplicate count.

    Empty names become ``column_N`` (1-based position) for now; all-empty such columns are
    dropped later.  The first occurrence of a name keeps it; later ones get ``_2``, ``_3``, …
    """
    originals = {h for h in header if h.strip()}
    taken: set[str] = set()
    names: list[str] = []
    empty: set[int] = set()
    dups = 0
    for i, raw in enumerate(header):
        if not raw.strip():
            empty.add(i)
            name = f"column_{i + 1}"
            if name in originals or name in taken:
                name = _unique(name, originals | taken)
        elif raw in taken:
            dups += 1
            name = _unique(raw, originals | taken)
        else:
            name = raw
        taken.add(name)
        names.append(name)
    return names, empty, dups


def _parse(
    p: Path,
    shown: str,
    encoding: str,
    auto_encoding: bool,
    delimiter: str,
    quote: str | None,
    names: list[str],
    findings: list[Finding],
    eol: str = "\n",
) -> tuple[pl.DataFrame, str]:
    """The one full parse: polars reads every field as text (types are decided afterwards).

    Returns the frame and the encoding finally used.
    """
    if encoding in ("utf-8", "utf-8-sig"):
        # a gzip file is inflated here, bounded, not by polars (which trusts the trailer)
        source = _read_all(p, shown) if _is_gzip(p) else str(p)
        try:
            frame = _polars_read(source, p, shown, "utf-8", delimiter, quote, names, eol)
            return frame, encoding
        except _Utf8Error as exc:
            if not auto_encoding:
                raise _locate_utf8_error(p, shown, encoding) from exc
            text, foreign = _decode_mixed(
                source if isinstance(source, bytes) else _read_all(p, shown)
            )
            findings.append(
                Finding(
                    "mixed-encoding",
                    f"the file is UTF-8 but {foreign:,} byte sequence(s) were not; they were "
                    "read as cp1252 (Windows-1252), every valid UTF-8 sequence as UTF-8",
                    foreign,
                )
            )
            encoding = "utf-8+cp1252"
            frame = _polars_read(
                text.encode("utf-8"), p, shown, encoding, delimiter, quote, names, eol
            )
            return frame, encoding
    data = _read_all(p, shown)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if not auto_encoding:
            raise _decode_error(shown, encoding, data, exc) from exc
        encoding = "latin-1"
        text = data.decode(encoding)
    frame = _polars_read(text.encode("utf-8"), p, shown, encoding, delimiter, quote, names, eol)
    return frame, encoding


def _decode_mixed(data: bytes) -> tuple[str, int]:
    """``data`` as UTF-8 where it is valid UTF-8 and as cp1252 elsewhere (a file appended to
    by two systems: "Müller" in UTF-8 beside "Rückruf" in Windows-1252), and how many byte
    sequences were not UTF-8. Each invalid run is decoded once, not byte by byte."""
    out: list[str] = []
    foreign = 0
    pos = 0
    while pos < len(data):
        try:
            out.append(data[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            out.append(data[pos : pos + exc.start].decode("utf-8"))
            bad_end = pos + exc.end
            while bad_end < len(data) and data[bad_end] >= 0x80:  # the rest of a non-UTF-8 run
                try:
                    data[bad_end : bad_end + 4].decode("utf-8")
                    break
                except UnicodeDecodeError as more:
                    if more.start > 0:
                        break
                    bad_end += 1
            out.append(data[pos + exc.start : bad_end].decode("cp1252", errors="replace"))
            foreign += 1
            pos = bad_end
    return "".join(out), foreign


class _Utf8Error(Exception):
    """polars found invalid UTF-8 (it does not say where)."""


def _polars_read(
    source: str | bytes,
    p: Path,
    shown: str,
    encoding: str,
    delimiter: str,
    quote: str | None,
    names: list[str],
    eol: str = "\n",
) -> pl.DataFrame:
    """Call polars with everything decided; translate its errors into InputErrors."""
    try:
        return pl.read_csv(
            source,
            separator=delimiter,
            quote_char=quote,
            has_header=True,
            new_columns=names,
            infer_schema=False,
            raise_if_empty=False,
            glob=False,
            eol_char=eol,
        )
    except plexc.PolarsError as exc:
        message = str(exc)
        if "invalid utf-8" in message:
            raise _Utf8Error(message) from exc
        if "more fields" in message:
            raise _ragged_error(p, shown, encoding, delimiter, quote, len(names)) from exc
        raise _malformed_error(p, shown, encoding, delimiter, quote, message) from exc
    except OSError as exc:  # polars' own gzip reader: a truncated or corrupt stream
        if isinstance(source, str) and _is_gzip(p):
            from frictionminer.io.xes_scan import gzip_error

            raise gzip_error(shown, exc) from None
        raise


def _open_text(p: Path, encoding: str) -> TextIO:
    """A text stream over the (possibly gzipped) file, for error-path diagnostics only."""
    if _is_gzip(p):
        return gzip.open(p, "rt", encoding=encoding, errors="replace", newline="")
    return p.open(encoding=encoding, errors="replace", newline="")


def _ragged_error(
    p: Path, shown: str, encoding: str, delimiter: str, quote: str | None, width: int
) -> InputError:
    """Find the first record with more fields than the header (error path: a second read)."""
    hint = "check the delimiter and quoting, or fix that line"
    with _open_text(p, encoding) as fh:
        reader = _reader(fh, delimiter, quote)
        start = 1
        try:
            for record in reader:
                if len(record) > width:
                    return InputError(
                        f"{shown}: line {start}: {len(record)} fields, but the header has {width}",
                        hint=hint,
                    )
                start = reader.line_num + 1
        except csv.Error:
            pass
    return InputError(f"{shown}: a row has more fields than the header ({width})", hint=hint)


def _malformed_error(
    p: Path, shown: str, encoding: str, delimiter: str, quote: str | None, message: str
) -> InputError:
    """polars rejected the file: locate the fault with a strict parser (error path only).

    Unbalanced quotes are the usual cause; polars also rejects a quote inside an unquoted
    field (``5" monitor``), which Python's parser accepts, hence the hint.
    """
    hint = (
        "check the quoting: an unclosed quote, or a quote inside an unquoted field"
        if quote
        else None
    )
    with _open_text(p, encoding) as fh:
        if quote is not None:
            reader = csv.reader(fh, delimiter=delimiter, quotechar=quote, strict=True)
            start = 1
            try:
                for _ in reader:
                    start = reader.line_num + 1
            except csv.Error as err:
                return InputError(f"{shown}: line {start}: malformed CSV: {err}", hint=hint)
            fh.seek(0)
            for number, line in enumerate(fh, start=1):
                for field in line.rstrip("\r\n").split(delimiter):
                    inner = field.strip()
                    if quote in inner and not inner.startswith(quote) and not inner.endswith(quote):
                        return InputError(
                            f"{shown}: line {number}: quote character inside an unquoted field",
                            hint=f"quote the whole field, or pass quote_char=None ({field!r})",
                        )
    detail = " ".join(message.split())[:160]
    return InputError(f"{shown}: malformed CSV: {detail}", hint=hint)


def _locate_utf8_error(p: Path, shown: str, encoding: str) -> InputError:
    """Find the first invalid UTF-8 byte (error path only)."""
    data = _read_all(p, shown)
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return _decode_error(shown, "utf-8", data, exc)
    return InputError(f"{shown}: not valid UTF-8", hint="try --encoding cp1252")  # pragma: no cover


def _drop_empty(
    frame: pl.DataFrame, names: list[str], empty_positions: set[int], findings: list[Finding]
) -> tuple[pl.DataFrame, int]:
    """Drop value-less unnamed columns and value-less rows, recording both as findings."""
    unnamed = [names[i] for i in sorted(empty_positions)]
    stats = frame.select(
        pl.all_horizontal(pl.all().is_null()).sum().alias("__empty_rows__"),
        *[pl.col(n).null_count().alias(n) for n in unnamed],
    ).row(0, named=True)
    drop = [n for n in unnamed if stats[n] == frame.height]
    kept = [n for n in unnamed if n not in drop]
    if drop:
        findings.append(
            Finding(
                "empty-columns-dropped",
                f"{len(drop)} columns without a name and without any value dropped",
                count=len(drop),
            )
        )
        frame = frame.drop(drop)
    if kept:
        findings.append(
            Finding(
                "unnamed-columns",
                f"columns without a name kept as {', '.join(kept)}",
                count=len(kept),
            )
        )
    n_empty = int(stats["__empty_rows__"])
    if n_empty:
        frame = frame.filter(~pl.all_horizontal(pl.all().is_null()))
    return frame, n_empty


def _type_checks(frame: pl.DataFrame, columns: Sequence[str]) -> dict[str, dict[str, bool]]:
    """Per column: which typed readings fit *every* non-null value (one parallel select)."""
    exprs: list[pl.Expr] = []
    for i, name in enumerate(columns):
        c = pl.col(name)
        n = c.count()
        exprs += [
            (n == 0).alias(f"{i}:allnull"),
            c.str.to_lowercase().is_in(["true", "false"]).all().alias(f"{i}:bool"),
            (c.str.to_integer(strict=False).count() == n).alias(f"{i}:int"),
            (c.cast(pl.Float64, strict=False).count() == n).alias(f"{i}:float"),
            c.str.contains(_DIGITS_ONLY).all().alias(f"{i}:digits"),
            _leading_zero_expr(name).alias(f"{i}:lz"),
            c.str.contains(_DECIMAL_COMMA).all().alias(f"{i}:dc"),
            c.str.contains(",", literal=True).any().alias(f"{i}:comma"),
        ]
    if not exprs:
        return {}
    row = frame.select(exprs).row(0, named=True)
    out: dict[str, dict[str, bool]] = {}
    for key, value in row.items():
        idx, check = key.split(":")
        out.setdefault(columns[int(idx)], {})[check] = bool(value)
    return out


def _decide(checks: dict[str, bool], decimal_comma: bool | None) -> str:
    """The dtype for one column: "bool", "int", "float", "dc" (decimal comma), "lz" or "str"."""
    if checks["allnull"]:
        return "str"
    if checks["bool"]:
        return "bool"
    numeric = checks["int"] or checks["float"] or (decimal_comma is not False and checks["dc"])
    if numeric and checks["lz"]:
        return "lz"
    if checks["int"]:
        return "int"
    if checks["digits"]:
        return "str"  # an integer beyond Int64: keep every digit
    if decimal_comma is True and checks["dc"]:
        return "dc"
    if checks["float"]:
        return "float"
    if decimal_comma is None and checks["dc"] and checks["comma"]:
        return "dc"
    return "str"


_BOOL_SPELLINGS = frozenset({"true", "false", "True", "False", "TRUE", "FALSE"})


def _convert(kind: str, name: str, *, strict: bool) -> pl.Expr:
    """The expression turning text column ``name`` into ``kind``; non-strict gives nulls.

    Booleans: used only once every value is a known spelling of true/false, so the byte
    length tells them apart (``true`` 4, ``false`` 5) at a fraction of a string compare.
    """
    c = pl.col(name)
    if kind == "bool":
        return c.str.len_bytes().eq(4).alias(name)
    if kind == "int":
        return c.str.to_integer(strict=strict).alias(name)
    if kind == "float":
        return c.cast(pl.Float64, strict=strict).alias(name)
    if kind == "dc":
        return (
            c.str.replace_all(".", "", literal=True)
            .str.replace(",", ".", literal=True)
            .cast(pl.Float64, strict=strict)
            .alias(name)
        )
    raise AssertionError(kind)  # pragma: no cover


def _leading_zero_expr(name: str) -> pl.Expr:
    """Whether any value is a number written with a leading zero (``007``, ``-01``, ``00.5``).

    Only values sorting before ``"1"`` can start with ``0``, ``+`` or ``-``, so the regex runs
    on that (usually tiny) subset instead of the whole column.
    """
    c = pl.col(name)
    return c.filter(c < "1").str.contains(_LEADING_ZERO).any()


def _verify_expr(kind: str, name: str, index: int) -> pl.Expr:
    """The whole-column check that goes with :func:`_convert` (which must add no nulls).

    Booleans: the distinct values (checked against :data:`_BOOL_SPELLINGS` in Python).
    Numbers: no leading zero.  Decimal commas also: the exact pattern (the conversion alone
    would accept ``1.2.3,4``).
    """
    c = pl.col(name)
    if kind == "bool":
        check = c.drop_nulls().unique().implode()
    elif kind == "dc":
        check = (c.str.contains(_DECIMAL_COMMA).all() & ~_leading_zero_expr(name)).implode()
    else:
        check = (~_leading_zero_expr(name)).implode()
    return check.alias(f"{index}:ok")


def _verified(kind: str, result: object) -> bool:
    """Interpret one :func:`_verify_expr` result."""
    values = result if isinstance(result, list) else [result]
    if kind == "bool":
        return set(values) <= _BOOL_SPELLINGS
    return bool(values[0])


def _readable_as_number(checks: dict[str, bool], decimal_comma: bool | None) -> bool:
    """Whether every value has *some* numeric reading, so that more rows could still decide."""
    return checks["int"] or checks["float"] or (decimal_comma is not False and checks["dc"])


def _infer_types(
    frame: pl.DataFrame, decimal_comma: bool | None
) -> tuple[pl.DataFrame, list[str], list[str]]:
    """Type the text columns; returns the frame, decimal-comma columns, leading-zero columns.

    Every check is exact over the whole column, but cheap: the full set of checks runs on the
    first rows only.  A column with a non-fitting value there cannot fit as a whole and stays
    String without further work; a column with a leading-zero number there stays String too.
    For the others, the conversion the first rows suggest is run over the whole column (it
    *is* the check: it must not create nulls), plus one targeted check.  Only columns that
    fail that, or are all-null in the first rows, get the full set of checks on all rows.
    """
    kinds: dict[str, str] = {}
    head_checks = _type_checks(frame.head(_HEAD_ROWS), frame.columns)
    generic: list[str] = []
    if frame.height <= _HEAD_ROWS:
        kinds = {name: _decide(ch, decimal_comma) for name, ch in head_checks.items()}
    else:
        candidates: dict[str, str] = {}
        for name, ch in head_checks.items():
            kind = _decide(ch, decimal_comma)
            if ch["allnull"] or (kind == "str" and _readable_as_number(ch, decimal_comma)):
                generic.append(name)  # e.g. a 20-digit integer: a later "2.5" makes it Float64
            elif kind in ("str", "lz"):
                kinds[name] = kind  # String whatever the other rows hold
            else:
                candidates[name] = kind
        if candidates:
            names = list(candidates)
            converted = frame.select([_convert(candidates[n], n, strict=False) for n in names])
            verdicts = frame.select(
                [_verify_expr(candidates[n], n, i) for i, n in enumerate(names)]
            ).row(0)
            keep: list[pl.Series] = []
            for i, name in enumerate(names):
                fits = converted[name].null_count() == frame[name].null_count()
                if fits and _verified(candidates[name], verdicts[i]):
                    keep.append(converted[name])
                    kinds[name] = "done:" + candidates[name]
                else:
                    generic.append(name)
            if keep:
                frame = frame.with_columns(keep)
        if generic:
            for name, ch in _type_checks(frame, generic).items():
                kinds[name] = _decide(ch, decimal_comma)

    casts: list[pl.Expr] = []
    dc_columns: list[str] = []
    lz_columns: list[str] = []
    for name in frame.columns:
        kind = kinds.get(name, "str")
        if kind in ("bool", "int", "float", "dc"):
            casts.append(_bool_or_convert(kind, name))
        if kind.endswith("dc"):
            dc_columns.append(name)
        elif kind == "lz":
            lz_columns.append(name)
    if casts:
        frame = frame.with_columns(casts)
    return frame, dc_columns, lz_columns


def _bool_or_convert(kind: str, name: str) -> pl.Expr:
    """Strict conversion; booleans compare case-insensitively (any spelling of true/false)."""
    if kind == "bool":
        return pl.col(name).str.to_lowercase().eq("true").alias(name)
    return _convert(kind, name, strict=True)


# --------------------------------------------------------------------------------------------
# Parquet
# --------------------------------------------------------------------------------------------


def read_parquet(source: str | Path) -> RawLog:
    """Scan a Parquet file, a directory of them (recursively, hive-partitioned) or a glob.

    The result is lazy: only metadata is read here (to fail early on non-Parquet input).
    Files are concatenated in sorted path order, each file's rows in order; typed columns
    (datetimes above all) keep their types.
    """
    shown = display_path(source)
    if is_url(source):
        return _read_parquet_url(str(source), shown)
    files = _parquet_files(source, shown)
    for f in files:
        _check_parquet_magic(f, shown)
    p = Path(source)
    hive = p.is_dir()
    unified, findings = _unified_schema(files, shown) if len(files) > 1 else (None, [])
    try:
        if unified is None:
            frame = pl.scan_parquet([str(f) for f in files], hive_partitioning=hive, glob=False)
        else:
            frame = pl.scan_parquet(
                [str(f) for f in files],
                hive_partitioning=hive,
                glob=False,
                schema=unified,
                missing_columns="insert",
                cast_options=pl.ScanCastOptions(
                    integer_cast=["upcast", "allow-float"], float_cast="upcast"
                ),
            )
        schema = frame.collect_schema()
    except plexc.PolarsError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{shown}: cannot read as Parquet: {first}") from exc
    except OSError as exc:
        raise read_error(shown, exc) from None
    details: dict[str, object] = {
        "files": len(files),
        "paths": [str(f) for f in files],
        "hive_partitioning": hive,
        "columns": len(schema),
    }
    return RawLog(frame=frame, source=shown, format="parquet", details=details, findings=findings)


def _read_parquet_url(url: str, shown: str) -> RawLog:
    """A Parquet URL (a file, a folder ending in ``/``, or a glob) scanned by polars itself:
    ``s3://``, ``gs://``, ``az://``/``abfs://``, ``https://`` and ``file://``, with the
    credentials polars finds in the environment.  Files are not listed or checked here;
    a folder is read with Hive partitioning, as a local one."""
    hive = url.endswith("/")
    try:
        frame = pl.scan_parquet(url, hive_partitioning=hive)
        schema = frame.collect_schema()
    except (plexc.PolarsError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{shown}: cannot read as Parquet: {first}") from exc
    details: dict[str, object] = {
        "files": None,
        "paths": [url],
        "hive_partitioning": hive,
        "columns": len(schema),
    }
    return RawLog(frame=frame, source=shown, format="parquet", details=details)


def _unified_schema(files: list[Path], shown: str) -> tuple[pl.Schema | None, list[Finding]]:
    """One schema for files that disagree (weekly exports whose column turned from Int64 to
    Float64, or gained a column): numbers widen to the widest type (Float64 when any file
    has floats), a column missing from some files is empty there; any other disagreement
    (a number in one file, text in another) is refused naming the column and two files.
    None when every file has the same schema."""
    try:
        schemas = [(f, pl.read_parquet_schema(f)) for f in files]
    except (plexc.PolarsError, OSError):
        return None, []  # the scan below reports the unreadable file
    if all(s == schemas[0][1] for _, s in schemas):
        return None, []
    types: dict[str, dict[pl.DataType, list[Path]]] = {}
    for f, schema in schemas:
        for name, dtype in schema.items():
            types.setdefault(name, {}).setdefault(dtype, []).append(f)
    unified: dict[str, pl.DataType] = {}
    changed: list[str] = []
    for name, seen in types.items():
        kinds = list(seen)
        if len(kinds) == 1:
            unified[name] = kinds[0]
        elif all(k.is_numeric() for k in kinds):
            floats = any(k.is_float() for k in kinds)
            unified[name] = pl.Float64() if floats else pl.Int64()
            changed.append(f"'{name}' ({', '.join(sorted(map(str, kinds)))} -> {unified[name]})")
        else:
            pairs = [
                (x, y) for x in kinds for y in kinds if not (x.is_numeric() and y.is_numeric())
            ]
            a, b = next((x, y) for x, y in pairs if x != y)
            fa, fb = seen[a], seen[b]
            raise InputError(
                f"{shown}: column '{name}' is {a} in {fa[0].name} but {b} in {fb[0].name}",
                hint="export the files with one type for that column, or read them apart",
            )
    missing = [n for n, seen in types.items() if sum(map(len, seen.values())) < len(files)]
    findings = []
    if changed:
        findings.append(
            Finding(
                "schema-unified",
                f"files disagree on types, widened: {', '.join(changed)}",
                len(changed),
                "warning",
            )
        )
    if missing:
        findings.append(
            Finding(
                "columns-missing-in-some-files",
                f"columns missing from some files are empty there: {', '.join(missing)}",
                len(missing),
                "warning",
            )
        )
    return pl.Schema(unified), findings


def _parquet_files(source: str | Path, shown: str) -> list[Path]:
    """Resolve a file, directory or glob to a sorted list of Parquet files."""
    p = Path(source)
    if p.is_file():
        return [p]
    if p.is_dir():
        files = sorted(f for f in p.rglob("*.parquet") if f.is_file())
        if not files:
            raise InputError(f"{shown}: directory contains no *.parquet files")
        return files
    if _GLOB_CHARS.search(str(source)):
        files = sorted(Path(f) for f in globmod.glob(str(source), recursive=True))
        files = [f for f in files if f.is_file()]
        if not files:
            raise InputError(f"{shown}: no file matches this pattern", hint="check the glob")
        return files
    raise InputError(f"{shown}: no such file or directory", hint="check the path")


def _check_parquet_magic(f: Path, shown: str) -> None:
    """A Parquet file starts and ends with ``PAR1``; anything else gets a clear error now."""
    try:
        size = f.stat().st_size
        with f.open("rb") as fh:
            head = fh.read(4)
            if size >= 8:
                fh.seek(-4, io.SEEK_END)
            tail = fh.read(4)
    except OSError as exc:
        raise read_error(str(f), exc) from None
    if size < 12 or head != _PARQUET_MAGIC or tail != _PARQUET_MAGIC:
        where = str(f) if str(f) == shown else f"{shown}: {f}"
        raise InputError(
            f"{where}: not a Parquet file",
            hint="Parquet files start and end with 'PAR1'; is it a CSV?",
        )
