"""Read XES event logs (plain or gzip) into a :class:`RawLog`, fast and safely.

Two readers produce the same table:

* **rustxes** (``rustxes.import_xes``), about 2x faster than any Python XML loop, is the
  main path.  It is not trusted blindly, because measurement showed it is *silently* wrong
  on some inputs: an ``<int>`` that does not parse becomes ``0``, a bad ``<id>`` becomes the
  nil UUID, a bad ``<boolean>`` becomes ``false``, events outside a trace are dropped, empty
  traces vanish without a count, ``<list>`` values become Rust debug strings, and many
  malformed files end in a ``PanicException`` plus a Rust backtrace on stderr.  So it only
  runs after a cheap byte scan of the decompressed file has shown that the body holds
  nothing but ``trace``/``event``/simple-attribute tags, its stderr is captured (anything
  it prints means it repaired something), and its row count is checked.  Big files are
  cut at a trace boundary and read as two parts by two processes (``xes_split``).
* a streaming **lxml** parser (``iterparse``, no DTD, no entities, no network, no huge
  trees) is the fallback whenever rustxes is not trusted.  It gives precise
  ``InputError`` messages with line numbers, reports every repair as a
  :class:`Finding`, and frees each trace as soon as it is read (the bounded-memory path).

Before either parser sees a byte, :func:`_check_prolog` refuses ``<!DOCTYPE``/
``<!ENTITY`` (XES never needs a DTD; this blocks billion-laughs and XXE), empty files,
non-XML content, non-``<log>`` roots and broken gzip streams.

Output conventions (see ``docs/xes-reader.md``): event attributes under their XES keys,
trace attributes prefixed ``case:``, rows in file order, ``date`` → ``Datetime("us",
"UTC")`` (offsets applied; a date without offset is taken as UTC and counted), ``int`` →
Int64, ``float`` → Float64, ``boolean`` → Boolean, ``string``/``id`` → String.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn

import polars as pl
from lxml import etree

from frictionminer.errors import InputError
from frictionminer.io.base import Finding, RawLog, Severity, display_path, read_error
from frictionminer.io.timestamps import localize
from frictionminer.io.xes_rustxes import UTC_OFFSETS, run_rustxes
from frictionminer.io.xes_scan import (
    GLOBAL_BLOCK,
    GZIP_ERRORS,
    Scan,
    date_stats,
    first_unexpected_tag,
    gzip_error,
    open_binary,
    read_header,
    scan_body,
    scan_bytes,
)

Reader = Literal["auto", "rustxes", "lxml"]

MAX_XML_DEPTH = 256
"""Deepest element nesting read: libxml2's own limit without ``huge_tree`` (checked in C,
before Python sees an element).  XES needs about six levels."""

CASE_PREFIX = "case:"
DATE_DTYPE = pl.Datetime("us", "UTC")

_SIMPLE_TYPES = ("string", "date", "int", "float", "boolean", "id")
_NESTED_TYPES = ("list", "container")
_NO_DTD_HINT = (
    "XES never needs a DTD or entity declarations; remove the <!DOCTYPE ...> block "
    "(it can expand to gigabytes or read local files)"
)
_PROLOG_LIMIT = 1 << 20
"""How many decompressed bytes may precede the root element before we give up."""

_CHUNK = 1 << 16

_OFFSET_RE = r"(?:Z|z|[+-]\d\d:?\d\d)$"
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%z"
_BOOL_TRUE = ("true", "1")
_BOOL_FALSE = ("false", "0")

_CLASSIFIER_KEYS = re.compile(r"'([^']*)'|(\S+)")

_STD_EVENT_KEYS = (
    "concept:name",
    "time:timestamp",
    "lifecycle:transition",
    "org:resource",
    "org:group",
    "org:role",
)


# --------------------------------------------------------------------------- public API


def read_xes(path: str | Path, *, reader: Reader = "auto", timezone: str = "UTC") -> RawLog:
    """Read an XES file (``.xes`` or gzip-compressed, detected by content) into a RawLog.

    ``reader="auto"`` uses rustxes when the file passes the fast-path guards and falls
    back to the lxml parser otherwise; ``"rustxes"``/``"lxml"`` force one reader (for
    tests and benchmarks; a forced rustxes still refuses output it cannot trust).
    Dates written without an offset are read in ``timezone`` (rustxes cannot tell them
    apart from the others, so such a file is read with lxml when ``timezone`` is not UTC).
    """
    p = Path(path)
    shown = display_path(path)
    if not p.exists():
        raise InputError(f"{shown}: no such file", hint="check the path")
    if not p.is_file():
        raise InputError(f"{shown}: not a regular file", hint="give the path of a .xes file")
    _check_prolog(p, shown)

    if reader == "lxml":
        return _read_with_lxml(p, shown, reason=None, timezone=timezone)

    scan, result = _scan_and_run_rustxes(p, shown)
    if scan.unexpected is not None and reader == "auto":
        return _read_with_lxml(p, shown, reason=scan.unexpected, timezone=timezone)
    if isinstance(result, RawLog):
        naive = any(f.code == "date-without-offset" for f in result.findings)
        if naive and timezone != "UTC":
            why = f"dates without an offset are read in {timezone}"
            return _read_with_lxml(p, shown, reason=why, timezone=timezone)
        return result
    if reader == "rustxes":
        _read_with_lxml(p, shown, reason=result)  # raises the precise error, if any
        raise InputError(
            f"{shown}: rustxes output cannot be trusted ({result})",
            hint="read it with the lxml reader for a precise message",
        )
    return _read_with_lxml(p, shown, reason=result, timezone=timezone)


# --------------------------------------------------------------------------- file access


def _check_prolog(path: Path, shown: str) -> None:
    """Refuse hostile or non-XES files before any XML parser sees them.

    Reads (and decompresses) only the bytes before the root element.  A DTD is the
    only way to declare entities, and XES never needs one, so any ``<!DOCTYPE`` or
    ``<!ENTITY`` is refused outright rather than trusting every parser's settings.
    """
    head = b""
    try:
        with open_binary(path) as fh:
            while len(head) < _PROLOG_LIMIT:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                head += chunk
                if _root_start(head) is not None:
                    break
    except GZIP_ERRORS as exc:
        raise gzip_error(shown, exc) from None
    except OSError as exc:
        raise read_error(shown, exc) from None
    if not head.strip():
        raise InputError(f"{shown}: empty file", hint="an XES file starts with <log ...>")
    text = _decode_head(head)
    root_pos = _root_start_text(text)
    prolog = (text if root_pos is None else text[:root_pos]).upper()
    if "<!DOCTYPE" in prolog or "<!ENTITY" in prolog:
        raise InputError(
            f"{shown}: refusing a file with a <!DOCTYPE> or <!ENTITY> declaration",
            hint=_NO_DTD_HINT,
        )
    if root_pos is None:
        if not text.lstrip().startswith("<"):
            raise InputError(
                f"{shown}: not an XML file (XES is XML and starts with '<')",
                hint="is this CSV, YAML or JSON? only XES 1849-2016 XML is read here",
            )
        raise InputError(
            f"{shown}: no root element found in the first {_PROLOG_LIMIT} bytes",
            hint="the file is not XES or is truncated",
        )
    m = re.match(r"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)", text[root_pos:])
    name = m.group(2) if m else "?"
    if name != "log":
        raise InputError(
            f"{shown}: root element is <{name}>, not <log>: not an XES file",
            hint="XES files have a <log> root element",
        )


def _decode_head(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


_PROLOG_ITEM = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)


def _root_start_text(text: str) -> int | None:
    """Index of the root element's ``<`` in ``text``, skipping the XML prolog."""
    pos = 0
    while True:
        m = _PROLOG_ITEM.match(text, pos)
        if m is None or m.end() == pos:
            break
        pos = m.end()
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if text.startswith("<!", pos):
        return None  # DOCTYPE (refused by the caller) or an unterminated comment
    if pos < len(text) and text[pos] == "<" and pos + 1 < len(text):
        return pos
    return None


def _root_start(head: bytes) -> int | None:
    return _root_start_text(_decode_head(head))


# --------------------------------------------------------------------------- fast path


_PARALLEL_MIN_BYTES = 512 << 10
"""Files smaller than this are scanned in-process: a second process costs more."""


def _scan_and_run_rustxes(path: Path, shown: str) -> tuple[Scan, RawLog | str]:
    """Scan the body and run rustxes: in two parts for big files, else whole.

    rustxes holds the GIL while parsing, so a thread would not help.  From
    ``xes_split.SPLIT_MIN_BYTES`` (decompressed) on, the file is cut at a trace boundary
    and a child process scans and parses the first part while this one does the second
    (``xes_split.read_split``): two cores, one rustxes run.  Medium files run rustxes on
    the whole file while a child process scans it; small ones are scanned here first.
    rustxes fills missing attributes with ``<global>`` defaults, so when the header
    declares any it reads a copy without them (``xes_split.write_stripped``).
    """
    header = read_header(path, shown)
    from frictionminer.io import xes_split

    splitting = xes_split.worth_splitting(path)
    small = path.stat().st_size < _PARALLEL_MIN_BYTES
    if small and not splitting:
        return _scan_then_rustxes(path, shown)
    if splitting:
        # each part is scanned (tags included) before rustxes reads it, in its process
        split = xes_split.read_split(path, shown, header)
        if split is not None:
            scan, frame = split
            finished = _finish_rustxes(path, scan, frame, "", stripped=True)
            if not isinstance(finished, str):
                finished.details["parts"] = 2
                return Scan(header=header), finished
    # Checked here, not before the split: the parts' own scans do it in parallel (0.57 s
    # of 3.7 s at 1M events when it ran first, alone).
    unexpected = first_unexpected_tag(path, shown, len(header))
    if unexpected is not None:  # rustxes must not see it (see first_unexpected_tag)
        return Scan(header=header, unexpected=unexpected), unexpected
    if small:
        return _scan_then_rustxes(path, shown)
    import subprocess

    child = subprocess.Popen(
        [sys.executable, "-m", "frictionminer.io.xes_scan", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    copy: Path | None = None
    try:
        if GLOBAL_BLOCK.search(header):
            copy = xes_split.write_stripped(path, shown, header)
        ran = run_rustxes(copy or path)
        out, _ = child.communicate()
    except BaseException:
        child.kill()
        child.wait()
        raise
    finally:
        if copy is not None:
            copy.unlink(missing_ok=True)
    try:
        rec = json.loads(out)
    except ValueError:
        scan = scan_body(path, shown)  # the child failed: scan here instead
    else:
        if "error" in rec:
            raise InputError(rec["error"])
        scan = Scan(**rec, header=header)
    if scan.unexpected is not None:
        return scan, scan.unexpected
    if isinstance(ran, str):
        return scan, ran
    df, meta = ran
    result = _finish_rustxes(path, scan, df, meta, stripped=copy is not None)
    if result is _GLOBALS_MAY_BE_FILLED:
        return _scan_then_rustxes(path, shown)
    return scan, result


def _scan_then_rustxes(path: Path, shown: str) -> tuple[Scan, RawLog | str]:
    """In-process scan, then rustxes (on a copy without <global> blocks if needed)."""
    scan = scan_body(path, shown)
    if scan.unexpected is not None:
        return scan, scan.unexpected
    return scan, _try_rustxes(path, scan)


_GLOBALS_MAY_BE_FILLED = "rustxes may have filled missing attributes with <global> defaults"


def _defaults_present(frame: pl.DataFrame, globals_: dict[str, dict[str, str]]) -> bool:
    """Whether any value equals a <global> default (so rustxes may have invented it).

    rustxes fills every missing attribute with its global default.  When no value in
    the table equals a default, nothing can have been filled and the table is exact;
    otherwise the caller re-reads a copy without the globals.
    """
    checks: list[pl.Expr] = []
    for scope, keys in globals_.items():
        for key, raw in keys.items():
            name = f"{CASE_PREFIX}{key}" if scope == "trace" else key
            if name not in frame.columns:
                continue
            dtype = frame.schema[name]
            col = pl.col(name)
            if dtype == pl.String:
                checks.append((col == raw).any())
            elif isinstance(dtype, pl.Datetime):
                text = re.sub(r"Z$", "+00:00", raw.strip())
                value = pl.Series([text]).str.to_datetime(
                    "%Y-%m-%dT%H:%M:%S%.f%:z", strict=False, time_zone="UTC"
                )
                if value.null_count():
                    value = pl.Series([text]).str.to_datetime(strict=False, time_zone="UTC")
                if value.null_count():
                    return True  # an unparseable default: cannot rule out filling
                checks.append((col == value.dt.cast_time_unit("us")[0]).any())
            else:
                checks.append((col.cast(pl.String) == raw).any())
    if not checks:
        return False
    return bool(frame.select(pl.any_horizontal(checks)).item())


def _try_rustxes(path: Path, scan: Scan) -> RawLog | str:
    """Run rustxes after an in-process scan; the RawLog, or why it is not trusted."""
    if scan.unexpected is not None:
        return scan.unexpected
    target = path
    stripped: Path | None = None
    if scan.data is not None:
        # rustxes fills every missing attribute with its <global> default (fake
        # "UNKNOWN" roles, 1970 end dates).  Give it a copy without the globals.
        with tempfile.NamedTemporaryFile(suffix=".xes", delete=False) as tmp:
            tmp.write(GLOBAL_BLOCK.sub(b"", scan.header))
            tmp.write(memoryview(scan.data)[scan.body_start :])
        scan.data = None
        stripped = target = Path(tmp.name)
    try:
        ran = run_rustxes(target)
    finally:
        if stripped is not None:
            stripped.unlink(missing_ok=True)
    if isinstance(ran, str):
        return ran
    df, meta = ran
    result = _finish_rustxes(path, scan, df, meta, stripped=stripped is not None)
    assert result is not _GLOBALS_MAY_BE_FILLED
    return result


def _finish_rustxes(
    path: Path, scan: Scan, df: pl.DataFrame, meta: str, *, stripped: bool
) -> RawLog | str:
    """Check rustxes' table against the scan and give it the documented types."""
    shown = display_path(path)
    if df.height != scan.events:
        return f"rustxes returned {df.height} events, the file has {scan.events}"

    header = _header_from_bytes(scan.header, shown)
    if header is None:
        return "the log header could not be parsed on its own"
    findings = list(header.findings)
    frame = _normalise_rustxes(df)
    if "case:concept:name" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("case:concept:name"))
    frame = frame.select(ordered_columns(frame.columns))
    if header.globals and not stripped and _defaults_present(frame, header.globals):
        return _GLOBALS_MAY_BE_FILLED
    findings += _table_findings(frame, empty_traces=scan.empty_traces, naive_dates=scan.naive_dates)
    findings += _date_findings(scan.dates, scan.midnight_dates, scan.offsets)
    details: dict[str, Any] = {
        "reader": "rustxes",
        "traces": scan.traces,
        "events": frame.height,
        **header.details(),
    }
    return RawLog(
        frame=frame.lazy(),
        source=shown,
        format="xes",
        classifiers=header.classifiers,
        findings=findings,
        details=details,
    )


def _normalise_rustxes(df: pl.DataFrame) -> pl.DataFrame:
    """Give rustxes' columns the documented dtypes (its datetimes are naive ns in UTC)."""
    exprs: list[pl.Expr] = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is None:
                col = col.dt.replace_time_zone("UTC")
            exprs.append(col.dt.convert_time_zone("UTC").dt.cast_time_unit("us"))
        elif dtype == pl.Null:
            exprs.append(col.cast(pl.String))
        elif dtype.is_integer():
            exprs.append(col.cast(pl.Int64))
        elif dtype.is_float():
            exprs.append(col.cast(pl.Float64))
        elif dtype in (pl.Boolean, pl.String):
            exprs.append(col)
        else:
            exprs.append(col.cast(pl.String))
    return df.select(exprs)


def ordered_columns(columns: list[str]) -> list[str]:
    """A reader-independent column order: case id, standard keys, others sorted."""
    present = set(columns)
    head = [c for c in ("case:concept:name", *_STD_EVENT_KEYS) if c in present]
    events = sorted(c for c in present - set(head) if not c.startswith(CASE_PREFIX))
    cases = sorted(c for c in present - set(head) if c.startswith(CASE_PREFIX))
    return head + events + cases


def _file_date_stats(path: Path) -> tuple[int, int, dict[str, int]]:
    """:func:`date_stats` of a whole file (the lxml path reads it once more for this)."""
    with open_binary(path) as fh:
        data = fh.read()
    first = data.find(b"<trace")
    return date_stats(data, first) if first >= 0 else (0, 0, {})


def _date_findings(dates: int, midnight: int, offsets: dict[str, int]) -> list[Finding]:
    """What the written form of the dates says, before conversion to UTC hides it."""
    out: list[Finding] = []
    if dates and midnight == dates:
        out.append(
            Finding(
                "date-only-timestamps",
                "every date is at 00:00:00 local time: the log records days, not times, "
                "so waits and durations are in whole days",
                dates,
                "info",
            )
        )
    named = {o: n for o, n in offsets.items() if o != "none"}
    if len(named) > 1:
        shown = ", ".join(f"{o} ({n:,})" for o, n in sorted(named.items()))
        out.append(
            Finding(
                "mixed-offsets",
                f"dates are written with {len(named)} UTC offsets ({shown}); all converted "
                "to UTC (a change at daylight saving time is normal)",
                len(named),
                "info",
            )
        )
    elif len(named) == 1:
        (offset,) = named
        if offset not in UTC_OFFSETS:
            out.append(
                Finding(
                    "single-offset",
                    f"every date carries the offset {offset}, with no daylight-saving change: "
                    "converted to UTC as written; if the process ran elsewhere, the offset "
                    "may be an export artefact",
                    named[offset],
                    "info",
                )
            )
    return out


def _table_findings(
    frame: pl.DataFrame, *, empty_traces: int, naive_dates: int, timezone: str = "UTC"
) -> list[Finding]:
    findings: list[Finding] = []
    if frame.height == 0:
        findings.append(Finding("no-events", "the log contains no events", 0, "warning"))
    if empty_traces:
        findings.append(
            Finding(
                "empty-traces",
                f"{empty_traces} trace(s) without events produce no rows",
                empty_traces,
                "info",
            )
        )
    if naive_dates:
        findings.append(
            Finding(
                "date-without-offset",
                f"{naive_dates} date value(s) without a UTC offset were "
                + ("taken as UTC" if timezone == "UTC" else f"read in {timezone}"),
                naive_dates,
            )
        )
    if frame.height:
        missing = frame.get_column("case:concept:name").null_count()
        if missing:
            findings.append(
                Finding(
                    "missing-case-id",
                    f"{missing} event(s) belong to traces without a concept:name "
                    "(case:concept:name is null)",
                    missing,
                )
            )
    return findings


# --------------------------------------------------------------------------- header


@dataclass
class _Header:
    """Log-level content: everything that is not a trace."""

    xes_version: str | None = None
    xes_features: str | None = None
    extensions: dict[str, str] = field(default_factory=dict)
    globals: dict[str, dict[str, str]] = field(default_factory=dict)
    classifiers: dict[str, list[str]] = field(default_factory=dict)
    log_attributes: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def details(self) -> dict[str, Any]:
        return {
            "xes_version": self.xes_version,
            "xes_features": self.xes_features,
            "extensions": self.extensions,
            "globals": self.globals,
            "log_attributes": self.log_attributes,
        }


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _header_from_bytes(header: bytes, shown: str) -> _Header | None:
    """Parse the bytes before the first ``<trace`` (plus ``</log>``) as the header."""
    try:
        root = etree.fromstring(header + b"</log>", _safe_parser())
    except etree.XMLSyntaxError:
        return None
    try:
        return _header_from_root(root, shown)
    except InputError:
        return None


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _header_from_root(root: etree._Element, shown: str) -> _Header:
    """Interpret the root's non-trace children (extensions, globals, classifiers, attributes)."""
    h = _Header(xes_version=root.get("xes.version"), xes_features=root.get("xes.features"))
    bad_classifiers = 0
    bad_globals = 0
    for child in root:
        tag = _local(child.tag)
        if tag in ("", "trace"):
            continue
        if tag == "extension":
            prefix, uri = child.get("prefix"), child.get("uri")
            if prefix and uri:
                h.extensions[prefix] = uri
        elif tag == "global":
            scope = child.get("scope", "event")
            if scope not in ("event", "trace"):
                bad_globals += 1
                continue
            slot = h.globals.setdefault(scope, {})
            for attr in child:
                key = attr.get("key")
                if _local(attr.tag) in _SIMPLE_TYPES and key:
                    slot[key] = attr.get("value", "")
                else:
                    bad_globals += 1
        elif tag == "classifier":
            name, keys = child.get("name"), child.get("keys")
            parsed = [a or b for a, b in _CLASSIFIER_KEYS.findall(keys or "")]
            if not name or not parsed:
                bad_classifiers += 1
            elif name in h.classifiers:
                h.findings.append(
                    Finding(
                        "duplicate-classifier",
                        f"classifier {name!r} is declared twice; the first is kept",
                        1,
                        "info",
                    )
                )
            else:
                h.classifiers[name] = parsed
        elif tag in _SIMPLE_TYPES:
            key = _required_key(child, tag, shown)
            raw = _required_value(child, tag, key, shown)
            value, naive = _convert_scalar(tag, key, raw, shown, _line(child))
            h.log_attributes[key] = value
            if naive:
                h.findings.append(
                    Finding(
                        "date-without-offset",
                        f"log attribute {key!r} is a date without a UTC offset; taken as UTC",
                        1,
                    )
                )
        elif tag in _NESTED_TYPES:
            continue  # log-level lists/containers are metadata we do not use
        elif tag == "event":
            raise InputError(f"{shown}: line {child.sourceline}: <event> outside a <trace>")
        else:
            raise InputError(
                f"{shown}: line {child.sourceline}: unknown element <{tag}> in <log>",
                hint="XES allows extension, global, classifier, attributes and trace here",
            )
    if bad_classifiers:
        h.findings.append(
            Finding(
                "bad-classifier",
                f"{bad_classifiers} classifier(s) without a name or keys were ignored",
                bad_classifiers,
            )
        )
    if bad_globals:
        h.findings.append(
            Finding(
                "bad-global",
                f"{bad_globals} malformed global declaration(s) were ignored",
                bad_globals,
                "info",
            )
        )
    return h


def _line(elem: etree._Element) -> int | None:
    line = getattr(elem, "sourceline", None)
    return line if isinstance(line, int) else None


def _required_key(elem: etree._Element, tag: str, shown: str) -> str:
    key = elem.get("key")
    if key is None:
        raise InputError(f"{shown}: line {elem.sourceline}: <{tag}> attribute without a key")
    return key


def _required_value(elem: etree._Element, tag: str, key: str, shown: str) -> str:
    value = elem.get("value")
    if value is None:
        raise InputError(f"{shown}: line {elem.sourceline}: <{tag} key={key!r}> has no value")
    return value


def _convert_scalar(tag: str, key: str, raw: str, shown: str, line: int | None) -> tuple[Any, int]:
    """Convert one log-level value with the same rules as the vectorised columns."""
    series = pl.Series("v", [raw], dtype=pl.String)
    converted, naive = _convert_column(series, tag)
    value = converted[0]
    if value is None:
        raise _bad_value(shown, line, tag, key, raw)
    return value, naive


def _bad_value(shown: str, line: int | None, tag: str, key: str, raw: str) -> InputError:
    where = f"line {line}: " if line is not None else ""
    return InputError(
        f"{shown}: {where}<{tag} key={key!r}> has value {raw!r}, which is not a valid {tag}",
        hint="fix the value or declare the attribute as <string>",
    )


# --------------------------------------------------------------------------- conversion


def _convert_column(raw: pl.Series, tag: str, timezone: str = "UTC") -> tuple[pl.Series, int]:
    """Convert XES value strings of one declared type; failures become null.

    Returns the converted series and the number of dates without an offset.  Callers
    compare nulls before/after to find values that do not parse.
    """
    if tag in ("string", "id"):
        return raw, 0
    if tag == "int":
        return raw.str.strip_chars().cast(pl.Int64, strict=False), 0
    if tag == "float":
        return raw.str.strip_chars().cast(pl.Float64, strict=False), 0
    if tag == "boolean":
        low = raw.str.strip_chars().str.to_lowercase()
        out = (
            pl.select(
                pl.when(low.is_in(_BOOL_TRUE))
                .then(True)
                .when(low.is_in(_BOOL_FALSE))
                .then(False)
                .otherwise(None)
            )
            .to_series()
            .alias(raw.name)
        )
        return out, 0
    if tag == "date":
        stripped = raw.str.strip_chars()
        has_offset = stripped.str.contains(_OFFSET_RE)
        naive = int((~has_offset).sum() or 0)
        fixed = pl.select(
            pl.when(has_offset)
            .then(stripped.str.replace(r"[Zz]$", "+00:00"))
            .otherwise(stripped + "+00:00")
        ).to_series()
        parsed = fixed.str.to_datetime(
            _DATE_FORMAT, time_unit="us", time_zone="UTC", strict=False
        ).alias(raw.name)
        if naive and timezone != "UTC":  # local wall-clock times of --timezone
            local = localize(parsed.dt.replace_time_zone(None).cast(pl.Datetime("us")), timezone)
            parsed = pl.select(pl.when(has_offset).then(parsed).otherwise(local)).to_series()
            parsed = parsed.alias(raw.name)
        return parsed, naive
    raise AssertionError(tag)


# --------------------------------------------------------------------------- lxml path


class _Column:
    """Raw string values of one (key, type) pair, with the row each belongs to."""

    __slots__ = ("key", "rows", "tag", "vals")

    def __init__(self, key: str, tag: str) -> None:
        self.key = key
        self.tag = tag
        self.rows: list[int] = []
        self.vals: list[str] = []


@dataclass
class _Stats:
    nested: int = 0
    meta: int = 0
    duplicates: int = 0


def _read_with_lxml(path: Path, shown: str, *, reason: str | None, timezone: str = "UTC") -> RawLog:
    """Stream the file with lxml ``iterparse``; precise errors, bounded memory."""
    event_cols: dict[str, _Column] = {}
    event_extra: dict[tuple[str, str], _Column] = {}
    trace_cols: dict[str, _Column] = {}
    trace_extra: dict[tuple[str, str], _Column] = {}
    event_trace: list[int] = []
    event_line: list[int] = []
    trace_line: list[int] = []
    stats = _Stats()
    kinds: dict[Any, str] = {}
    n_events = 0
    n_traces = 0
    empty_traces = 0
    trace_first_event = 0
    root: etree._Element | None = None

    def kind_of(tag: object) -> str:
        k = kinds.get(tag)
        if k is None:
            k = _local(tag)
            if isinstance(tag, str):
                kinds[tag] = k
        return k

    simple = frozenset(_SIMPLE_TYPES)

    def read_attributes(
        elem: etree._Element,
        owner: str,
        row: int,
        cols: dict[str, _Column],
        extra: dict[tuple[str, str], _Column],
    ) -> None:
        # The hot loop of the lxml path: one iteration per attribute, so keep it lean.
        kinds_get = kinds.get
        cols_get = cols.get
        for child in elem:
            tag = kinds_get(child.tag)
            if tag is None:
                tag = kind_of(child.tag)
            if tag in simple:
                key = child.get("key")
                value = child.get("value")
                if key is None or value is None:
                    _missing(shown, child, tag, key, owner)
                col = cols_get(key)
                if col is None:
                    col = cols[key] = _Column(key, tag)
                elif col.tag != tag:
                    col = extra.get((key, tag)) or extra.setdefault((key, tag), _Column(key, tag))
                rows = col.rows
                if rows and rows[-1] == row:
                    stats.duplicates += 1
                    col.vals[-1] = value
                else:
                    rows.append(row)
                    col.vals.append(value)
                if len(child):
                    stats.meta += 1
            elif tag in _NESTED_TYPES:
                stats.nested += 1
            elif tag:
                _unexpected_child(shown, child, tag, owner)

    try:
        with open_binary(path) as fh:
            context = etree.iterparse(
                fh,
                events=("end",),
                tag=("{*}event", "{*}trace", "{*}log"),
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
                remove_comments=True,
                remove_pis=True,
            )
            for _action, elem in context:
                tag = kind_of(elem.tag)
                parent = elem.getparent()
                ptag = kind_of(parent.tag) if parent is not None else ""
                if tag == "event":
                    if ptag != "trace":
                        where = "outside a <trace>" if ptag == "log" else f"inside <{ptag}>"
                        raise InputError(f"{shown}: line {elem.sourceline}: <event> {where}")
                    read_attributes(elem, "event", n_events, event_cols, event_extra)
                    event_trace.append(n_traces)
                    event_line.append(elem.sourceline or 0)
                    n_events += 1
                    elem.clear()
                    assert parent is not None
                    parent.remove(elem)
                elif tag == "trace":
                    if ptag != "log":
                        raise InputError(
                            f"{shown}: line {elem.sourceline}: <trace> inside <{ptag}>"
                            if ptag
                            else f"{shown}: line {elem.sourceline}: <trace> is the root element"
                        )
                    read_attributes(elem, "trace", n_traces, trace_cols, trace_extra)
                    trace_line.append(elem.sourceline or 0)
                    if n_events == trace_first_event:
                        empty_traces += 1
                    trace_first_event = n_events
                    n_traces += 1
                    elem.clear()
                    assert parent is not None
                    parent.remove(elem)
                elif tag == "log":
                    if parent is not None:
                        raise InputError(f"{shown}: line {elem.sourceline}: <log> inside <{ptag}>")
                    root = elem
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else "?"
        msg = exc.msg or str(exc)
        if "Excessive depth" in msg:
            raise InputError(
                f"{shown}: line {line}: elements nested more than {MAX_XML_DEPTH} levels deep "
                f"(the XML reader's limit)",
                hint="an XES log nests a few levels (log, trace, event, attribute, list); "
                "the file is damaged or was made to crash readers",
            ) from None
        raise InputError(
            f"{shown}: line {line}: not well-formed XML: {msg}",
            hint="the file is damaged or not XES",
        ) from None
    except GZIP_ERRORS as exc:
        raise gzip_error(shown, exc) from None

    if root is None:
        raise InputError(f"{shown}: no <log> root element", hint="this is not an XES file")
    header = _header_from_root(root, shown)

    findings = list(header.findings)
    columns: dict[str, pl.Series] = {}
    naive_dates = 0
    mixed: list[str] = []

    def build(
        cols: dict[str, _Column],
        extra: dict[tuple[str, str], _Column],
        length: int,
        lines: list[int],
        owner: str,
    ) -> dict[str, pl.Series]:
        nonlocal naive_dates
        out: dict[str, pl.Series] = {}
        groups: dict[str, list[_Column]] = {key: [col] for key, col in cols.items()}
        for (key, _tag), col in extra.items():
            groups[key].append(col)
        for key, group in groups.items():
            parts: list[pl.Series] = []
            for col in group:
                raw = _scatter(col, length)
                conv, naive = _convert_column(raw, col.tag, timezone)
                if conv.null_count() != raw.null_count():
                    bad_row = int(
                        pl.select(pl.arg_where(conv.is_null() & raw.is_not_null())).item(0, 0)
                    )
                    line = _locate_attribute_line(path, owner, lines[bad_row], key)
                    raise _bad_value(shown, line, col.tag, key, str(raw[bad_row]))
                naive_dates += naive
                parts.append(conv)
            if len(parts) == 1:
                out[key] = parts[0].alias(key)
                continue
            dtypes = {p.dtype for p in parts}
            if dtypes <= {pl.Int64(), pl.Float64()}:
                target: pl.DataType = pl.Float64()
            else:
                target = pl.String()
                parts = [_scatter(col, length) for col in group]
                mixed.append(key)
            merged = pl.select(pl.coalesce([p.cast(target) for p in reversed(parts)])).to_series()
            out[key] = merged.alias(key)
        return out

    columns.update(build(event_cols, event_extra, n_events, event_line, "event"))
    trace_columns = build(trace_cols, trace_extra, n_traces, trace_line, "trace")
    index = pl.Series("trace", event_trace, dtype=pl.UInt32)
    for key, series in trace_columns.items():
        columns[CASE_PREFIX + key] = series.gather(index).alias(CASE_PREFIX + key)
    if "case:concept:name" not in columns:
        columns["case:concept:name"] = pl.Series(
            "case:concept:name", [None] * n_events, dtype=pl.String
        )
    frame = pl.DataFrame(list(columns.values()))
    frame = frame.select(ordered_columns(frame.columns))

    findings += _table_findings(
        frame, empty_traces=empty_traces, naive_dates=naive_dates, timezone=timezone
    )
    findings += _date_findings(*_file_date_stats(path))
    if stats.nested:
        findings.append(
            Finding(
                "nested-attributes-ignored",
                f"{stats.nested} list/container attribute(s) in traces/events were ignored",
                stats.nested,
            )
        )
    if stats.meta:
        findings.append(
            Finding(
                "meta-attributes-ignored",
                f"{stats.meta} attribute(s) carry nested meta-attributes; only their own "
                "value was kept",
                stats.meta,
                "info",
            )
        )
    if stats.duplicates:
        findings.append(
            Finding(
                "duplicate-attributes",
                f"{stats.duplicates} attribute(s) repeat a key within one trace/event; "
                "the last value was kept",
                stats.duplicates,
            )
        )
    if mixed:
        findings.append(
            Finding(
                "mixed-attribute-types",
                "attribute(s) declared with different types were kept as text: "
                + ", ".join(sorted(mixed)),
                len(mixed),
            )
        )
    details: dict[str, Any] = {
        "reader": "lxml",
        "traces": n_traces,
        "events": n_events,
        **header.details(),
    }
    if reason is not None:
        details["rustxes_skipped"] = reason
    return RawLog(
        frame=frame.lazy(),
        source=shown,
        format="xes",
        classifiers=header.classifiers,
        findings=findings,
        details=details,
    )


def _missing(shown: str, child: etree._Element, tag: str, key: str | None, owner: str) -> NoReturn:
    if key is None:
        raise InputError(f"{shown}: line {child.sourceline}: <{tag}> in <{owner}> without a key")
    raise InputError(f"{shown}: line {child.sourceline}: <{tag} key={key!r}> has no value")


def _unexpected_child(shown: str, child: etree._Element, tag: str, owner: str) -> NoReturn:
    if tag in ("trace", "log", "event"):
        raise InputError(f"{shown}: line {child.sourceline}: <{tag}> inside <{owner}>")
    raise InputError(
        f"{shown}: line {child.sourceline}: unknown element <{tag}> in <{owner}>",
        hint="XES attributes are string, date, int, float, boolean, id, list and container",
    )


def _scatter(col: _Column, length: int) -> pl.Series:
    """The column's raw strings placed at their rows in a length-``length`` series."""
    values = pl.Series(col.key, col.vals, dtype=pl.String)
    if len(col.rows) == length:
        return values
    full = pl.Series(col.key, [None] * length, dtype=pl.String)
    if col.rows:
        full.scatter(col.rows, values)
    return full


def _locate_attribute_line(path: Path, owner: str, owner_line: int, key: str) -> int | None:
    """Line of the attribute ``key`` inside the ``owner`` element starting at ``owner_line``.

    Only used to word an error message, so a second pass over the file is fine.
    """
    try:
        with open_binary(path) as fh:
            for _action, elem in etree.iterparse(
                fh,
                events=("end",),
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
            ):
                line = elem.sourceline or 0
                parent = elem.getparent()
                if (
                    line >= owner_line
                    and elem.get("key") == key
                    and parent is not None
                    and _local(parent.tag) == owner
                ):
                    return line
                if _local(elem.tag) in ("event", "trace") and line > owner_line:
                    elem.clear()
    except (etree.XMLSyntaxError, *GZIP_ERRORS):
        pass
    return owner_line or None


# --------------------------------------------------------------------------- streaming path

STREAM_CHUNK_EVENTS = 500_000
"""Events per chunk of the streaming reader: about 0.5 GB of rustxes memory per worker."""

_BLOCK = 8 << 20
_HEADER_FINDING_CODES = frozenset({"duplicate-classifier", "bad-classifier", "bad-global"})
_DATE_FINDING_CODES = frozenset({"date-only-timestamps", "mixed-offsets", "single-offset"})


class NotStreamable(Exception):
    """The file cannot be cut at ``</trace>`` safely; the caller reads it in memory."""


@dataclass(frozen=True)
class ChunkJob:
    """One chunk of traces written as a small XES file of its own (picklable for workers)."""

    index: int
    path: Path
    part: Path
    shown: str
    header: bytes
    """The stripped header the chunk file starts with (no <global> blocks)."""
    first_line: int
    """Line of the original file where this chunk's first trace byte lies."""
    header_findings: int
    """How many findings the chunk's header produces (they are reported once, not per chunk)."""


@dataclass
class ChunkResult:
    """What one chunk produced: a raw Parquet part and the counts the findings need."""

    index: int
    part: Path
    events: int
    traces: int
    reader: str
    schema: dict[str, str]
    findings: list[tuple[str, str, int, Severity]]
    dates: int
    midnight: int
    offsets: dict[str, int]


@dataclass
class StreamedXes:
    """The header of a streamed XES file and its chunks, in file order."""

    shown: str
    header: _Header
    chunks: list[ChunkResult]

    def findings(self) -> list[Finding]:
        """The findings of the whole file: header ones once, chunk counts summed."""
        out = list(self.header.findings)
        merged: dict[str, list[Any]] = {}
        for chunk in self.chunks:
            for code, message, count, severity in chunk.findings:
                slot = merged.setdefault(code, [message, 0, severity, 0])
                slot[1] += count
                slot[3] += 1
        for code, (message, count, severity, n) in merged.items():
            if n > 1:
                message = f"{message} [first chunk; {count:,} in {n} chunks]"
            out.append(Finding(code, message, count, severity))
        events = sum(c.events for c in self.chunks)
        if events == 0:
            out.append(Finding("no-events", "the log contains no events", 0, "warning"))
        offsets: dict[str, int] = {}
        for c in self.chunks:
            for k, v in c.offsets.items():
                offsets[k] = offsets.get(k, 0) + v
        out += _date_findings(
            sum(c.dates for c in self.chunks), sum(c.midnight for c in self.chunks), offsets
        )
        return out

    def details(self) -> dict[str, Any]:
        readers = sorted({c.reader for c in self.chunks})
        return {
            "reader": "+".join(readers) + " (streamed)",
            "chunks": len(self.chunks),
            "traces": sum(c.traces for c in self.chunks),
            "events": sum(c.events for c in self.chunks),
            **self.header.details(),
        }


def split_xes(path: Path, shown: str, workdir: Path, chunk_events: int) -> Iterator[ChunkJob]:
    """Cut the decompressed file at ``</trace>`` into chunk files of about ``chunk_events``.

    Each chunk file is the log header without its ``<global>`` blocks (rustxes would fill
    missing attributes with their defaults), the chunk's traces and ``</log>``; a trace
    never spans two chunks, so case attributes stay with their events.  Only two chunks'
    worth of bytes are in memory at a time.  A comment or CDATA section in the body could
    hide a ``</trace>``; then :class:`NotStreamable` sends the caller to the in-memory path.
    """
    buf = bytearray()
    with open_binary(path) as fh:
        header: bytes | None = None
        while header is None:
            block = fh.read(_BLOCK)
            if not block:
                raise NotStreamable("the log has no <trace> element")
            start = max(0, len(buf) - 8)
            buf += block
            pos = buf.find(b"<trace", start)
            if pos >= 0:
                header = bytes(buf[:pos])
                del buf[:pos]
        stripped = GLOBAL_BLOCK.sub(b"", header)
        parsed = _header_from_bytes(stripped, shown)
        if parsed is None:
            raise NotStreamable("the log header could not be parsed on its own")
        line = header.count(b"\n") + 1
        index = 0
        events = 0
        counted = 0
        eof = False

        def emit(end: int, last: bool) -> ChunkJob:
            nonlocal line, index
            body = bytes(buf[:end])
            del buf[:end]
            job = ChunkJob(
                index=index,
                path=workdir / f"chunk-{index:05d}.xes",
                part=workdir / f"raw-{index:05d}.parquet",
                shown=shown,
                header=stripped,
                first_line=line,
                header_findings=len(parsed.findings),
            )
            with job.path.open("wb") as out:
                out.write(stripped)
                out.write(body)
                if not last:
                    out.write(b"</log>\n")
            line += body.count(b"\n")
            index += 1
            return job

        block = b""
        while not eof:
            if buf and counted == 0:
                start = 0  # what the header's block read beyond the header
            else:
                block = fh.read(_BLOCK)
                eof = not block
                start = max(0, len(buf) - 12)
                buf += block
            if not eof:
                if buf.find(b"<!--", start) >= 0 or buf.find(b"<![CDATA[", start) >= 0:
                    raise NotStreamable("comments or CDATA in the trace section")
                events += buf.count(b"<event", max(0, counted - 5))
                counted = len(buf)
                # Cut where about chunk_events events have passed, at the next </trace>
                # (block boundaries do not matter: a block may yield several chunks).
                while events >= chunk_events:
                    target = int(len(buf) * chunk_events / events)
                    cut = buf.find(b"</trace>", max(0, target - 8))
                    if cut < 0:
                        break  # the trace goes on in the next block
                    yield emit(cut + len(b"</trace>"), last=False)
                    events = buf.count(b"<event")
                    counted = len(buf)
                continue
            tail = bytes(buf).strip()
            if tail == b"</log>":
                break
            if not tail:
                raise InputError(
                    f"{shown}: line {line}: the file ends without </log>",
                    hint="the file is truncated; export or download it again",
                )
            yield emit(len(buf), last=True)


def read_chunk(job: ChunkJob) -> ChunkResult:
    """Read one chunk file with the same guards as :func:`read_xes`; write its raw part.

    Runs in a worker process.  When rustxes is not trusted for the chunk, the lxml parser
    reads a copy padded with newlines so that its line numbers are the original file's.
    """
    data = job.path.read_bytes()
    scan = scan_bytes(data)
    result: RawLog | str
    if scan.unexpected is None:
        ran = run_rustxes(job.path)
        if isinstance(ran, str):
            result = ran
        else:
            df, meta = ran
            result = _finish_rustxes(job.path, scan, df, meta, stripped=True)
        dates, midnight, offsets = scan.dates, scan.midnight_dates, scan.offsets
    else:
        result = scan.unexpected
        dates, midnight, offsets = date_stats(bytes(data), len(job.header))
    del data
    if isinstance(result, str):
        padded = job.path.with_suffix(".padded.xes")
        pad = max(0, job.first_line - 1 - job.header.count(b"\n"))
        with job.path.open("rb") as src, padded.open("wb") as dst:
            dst.write(src.read(len(job.header)))
            dst.write(b"\n" * pad)
            while block := src.read(_BLOCK):
                dst.write(block)
        try:
            raw = _read_with_lxml(padded, job.shown, reason=result)
        finally:
            padded.unlink(missing_ok=True)
    else:
        raw = result
    job.path.unlink(missing_ok=True)
    frame = raw.frame.collect()
    frame.write_parquet(job.part)
    findings = [
        (f.code, f.message, f.count, f.severity)
        for f in raw.findings[job.header_findings :]
        if f.code not in _DATE_FINDING_CODES and f.code != "no-events"
    ]
    return ChunkResult(
        index=job.index,
        part=job.part,
        events=frame.height,
        traces=int(raw.details.get("traces", 0)),
        reader=str(raw.details.get("reader", "?")),
        schema={name: str(dtype) for name, dtype in frame.schema.items()},
        findings=findings,
        dates=dates,
        midnight=midnight,
        offsets=offsets,
    )


def stream_xes(
    path: str | Path,
    workdir: Path,
    *,
    chunk_events: int = STREAM_CHUNK_EVENTS,
    workers: int = 2,
) -> StreamedXes:
    """Read a big XES file chunk by chunk into raw Parquet parts under ``workdir``.

    The main process decompresses and cuts the file; ``workers`` processes (0: in this
    process) run the guarded rustxes reader on each chunk.  At most ``workers + 1`` chunk
    files wait on disk, so memory stays at a few chunks whatever the file's size.  The
    parts keep the raw XES columns: their dtypes may differ from chunk to chunk, which the
    caller reconciles once all are known (see ``frictionminer.io.convert``).
    """
    p = Path(path)
    shown = display_path(path)
    if not p.is_file():
        raise InputError(f"{shown}: no such file", hint="check the path")
    _check_prolog(p, shown)
    header = _header_from_bytes(read_header(p, shown), shown)
    if header is None:
        raise NotStreamable("the log header could not be parsed on its own")
    results: list[ChunkResult] = []
    try:
        if workers <= 0:
            for job in split_xes(p, shown, workdir, chunk_events):
                results.append(read_chunk(job))
        else:
            import multiprocessing
            from collections import deque
            from concurrent.futures import Future, ProcessPoolExecutor

            # spawn, not fork: forking a process that runs polars' thread pool can deadlock
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                waiting: deque[Future[ChunkResult]] = deque()
                try:
                    for job in split_xes(p, shown, workdir, chunk_events):
                        waiting.append(pool.submit(read_chunk, job))
                        while len(waiting) > workers:
                            results.append(waiting.popleft().result())
                    while waiting:
                        results.append(waiting.popleft().result())
                except BaseException:
                    for fut in waiting:
                        fut.cancel()
                    raise
    except GZIP_ERRORS as exc:
        raise gzip_error(shown, exc) from None
    return StreamedXes(shown=shown, header=header, chunks=results)
