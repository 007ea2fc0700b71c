"""The byte scan that decides whether rustxes may read an XES file (see ``xes.py``).

Kept free of polars and lxml so that it can run in a second process, in parallel with
rustxes (which holds the GIL while it parses): on two cores the scan then costs almost
nothing in wall time.  ``python -m frictionminer.io.xes_scan FILE`` prints the scan
as JSON.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import sys
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from frictionminer.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"

Data = bytes | bytearray
"""Decompressed XES bytes (the split reader fills a bytearray in place)."""

# Byte-level guards for the rustxes fast path (see _scan_body).
_UNEXPECTED_TAG = re.compile(
    rb"<(?!(?:trace|event|string|date|int|float|boolean|id)[\s/>]|/(?:trace|event|log)>)"
)
_NAIVE_DATE_END = re.compile(rb'T\d\d:\d\d:\d\d(?:\.\d+)?"')
GLOBAL_BLOCK = re.compile(rb"<global\b[^>]*/>|<global\b.*?</global\s*>", re.S)


MAX_RATIO = [200.0]
"""Largest decompressed-to-compressed size ratio read (``[ingest] max_compression_ratio``,
set by :func:`check_compression`). Real event logs compress 10 to 90 times (XES); a gzip
"bomb" of one repeated byte 230 (level 1) to 1,000 times (level 9)."""
_DEFLATE_MAX = 1100
"""Deflate cannot compress more than about 1,032 to 1: a trailer claiming more is not one."""
_SLACK = 64 << 20
"""Decompressed bytes always allowed, whatever the ratio (a tiny, very regular file)."""


def check_compression(path: Path, shown: str, max_ratio: float) -> None:
    """Refuse a gzip file whose trailer says it decompresses to more than ``max_ratio``
    times its size, before any reader (polars, rustxes, lxml) inflates it; and bound every
    stream :func:`open_binary` opens by the same ratio (a trailer can lie)."""
    MAX_RATIO[0] = max_ratio
    try:
        with path.open("rb") as fh:
            if fh.read(2) != GZIP_MAGIC:
                return
            fh.seek(-4, os.SEEK_END)
            isize = int.from_bytes(fh.read(4), "little")
            size = fh.tell()
    except OSError:
        return  # the reader reports the file it cannot read
    if isize > _DEFLATE_MAX * size:
        # not a size deflate can produce: the file is cut short (its last bytes are not a
        # trailer) or the trailer lies; inflate it once, bounded, to find out which
        try:
            with open_binary(path) as fh:
                while fh.read(1 << 20):
                    pass
        except GZIP_ERRORS as exc:
            raise gzip_error(shown, exc) from None
        return
    if isize > _SLACK and isize > max_ratio * size:
        raise InputError(
            f"{shown}: decompresses to {isize / size:,.0f} times its size "
            f"({isize / 2**30:.1f} GiB from {size / 2**20:.1f} MiB), above the limit of "
            f"{max_ratio:,.0f}: refusing a likely decompression bomb",
            hint="if the file is genuine, raise [ingest] max_compression_ratio",
        )


class _Bounded(io.RawIOBase):
    """A decompressing stream that stops past ``limit`` bytes (a trailer that lied)."""

    def __init__(self, inner: IO[bytes], limit: int, shown: str) -> None:
        self.inner, self.limit, self.shown, self.read_so_far = inner, limit, shown, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise InputError(
                f"{self.shown}: decompresses to more than {self.limit / 2**30:.1f} GiB "
                f"({MAX_RATIO[0]:,.0f} times its size): refusing a likely decompression bomb",
                hint="if the file is genuine, raise [ingest] max_compression_ratio",
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()


def open_binary(path: Path) -> IO[bytes]:
    """Open the file for reading, transparently decompressing gzip (by magic bytes), at
    most :data:`MAX_RATIO` times the file's size."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == GZIP_MAGIC:
        limit = int(MAX_RATIO[0] * path.stat().st_size) + _SLACK
        inner = cast(IO[bytes], gzip.open(path, "rb"))  # noqa: SIM115  (closed by _Bounded)
        return cast(IO[bytes], io.BufferedReader(_Bounded(inner, limit, str(path)), 1 << 20))
    return path.open("rb")


GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


def gzip_error(shown: str, exc: BaseException) -> InputError:
    return InputError(
        f"{shown}: corrupt or truncated gzip data ({exc})",
        hint="re-download or re-compress the file; `gzip -t` checks it",
    )


@dataclass
class Scan:
    """What a byte scan of the decompressed file learned, for the rustxes path."""

    unexpected: str | None = None
    traces: int = 0
    events: int = 0
    empty_traces: int = 0
    naive_dates: int = 0
    header: bytes = b""
    data: bytes | None = None
    body_start: int = 0
    dates: int = 0
    midnight_dates: int = 0
    offsets: dict[str, int] = field(default_factory=dict)


_OFFSET_AFTER_TIME = re.compile(rb'T\d\d:\d\d:\d\d(?:\.\d+)?([+-]\d\d:?\d\d|Z)"')
_SAMPLE_WINDOW = 4 << 20


def date_stats(data: bytes, start: int = 0) -> tuple[int, int, dict[str, int]]:
    """How many ``<date>`` values, how many at 00:00:00 wall-clock, and their UTC offsets.

    The wall clock and the offset are lost once dates are converted to UTC, but they tell
    a log that records days only (every time 00:00:00) and an export that stamped one
    offset on everything (BPIC 2017's +03:00).  Counting uses ``bytes.count`` (memchr
    speed): the distinct offsets are found in three 4 MiB windows (start, middle, end)
    and each is then counted over the whole body; an offset that appears in none of the
    windows is not reported.
    """
    dates, midnight = date_counts(data, start)
    seen: set[str] = set()
    for lo, hi in offset_windows(start, len(data)):
        seen |= find_offsets(data, lo, hi)
    offsets = count_offsets(data, start, seen)
    return dates, min(dates, midnight), offsets


def date_counts(data: Data, start: int = 0) -> tuple[int, int]:
    """``<date`` tags and ``T00:00:00`` occurrences from ``start`` (additive over parts)."""
    return data.count(b"<date", start), data.count(b"T00:00:00", start)


def offset_windows(start: int, end: int) -> list[tuple[int, int]]:
    """The byte ranges (start, middle, end of the body) where offsets are sampled."""
    mid = start + (end - start) // 2 - _SAMPLE_WINDOW // 2
    lows = sorted({start, max(start, mid), max(start, end - _SAMPLE_WINDOW)})
    return [(lo, lo + _SAMPLE_WINDOW) for lo in lows]


def find_offsets(data: Data, lo: int = 0, hi: int | None = None) -> set[str]:
    """The distinct UTC offsets written after a time of day in ``data[lo:hi]``."""
    end = len(data) if hi is None else hi
    return {o.decode() for o in _OFFSET_AFTER_TIME.findall(data, lo, end)}


def count_offsets(data: Data, start: int, offsets: set[str] | list[str]) -> dict[str, int]:
    """How often each offset ends a value from ``start`` on (zero counts left out)."""
    counts = {o: data.count(o.encode() + b'"', start) for o in offsets}
    return {o: c for o, c in counts.items() if c}


def scan_body(path: Path, shown: str) -> Scan:
    """Check that rustxes cannot silently mangle this file, and count what it hides.

    Reads the whole decompressed file (about 0.4 s per 260k events, a third of what
    rustxes itself needs).  The body (from the first ``<trace``) may contain only
    trace/event tags and self-closing simple attributes; comments, CDATA, lists,
    containers, meta-attributes or unknown elements send the file to the lxml parser.
    """
    try:
        with open_binary(path) as fh:
            data = fh.read()
    except GZIP_ERRORS as exc:
        raise gzip_error(shown, exc) from None
    return scan_bytes(data)


def scan_bytes(data: bytes) -> Scan:
    """:func:`scan_body` of bytes already in memory (one chunk of the streaming path)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Scan(unexpected="UTF-16 encoded file")
    first = data.find(b"<trace")
    if first < 0:
        return Scan(unexpected="the log has no <trace> element")
    scan = scan_structure(data, first)
    if scan.unexpected is not None:
        return scan
    scan.dates, scan.midnight_dates, scan.offsets = date_stats(data, first)
    if GLOBAL_BLOCK.search(scan.header):
        scan.data = data
    return scan


def scan_structure(data: Data, first: int) -> Scan:
    """The tag check and the counts of :func:`scan_bytes` for the body ``data[first:]``.

    Everything counted here is additive, so a file cut at trace boundaries can be
    scanned part by part (see ``xes_split``).  Date statistics are left at zero.
    """
    scan = Scan(header=bytes(data[:first]), body_start=first)
    body = memoryview(data)[first:]
    bad = _UNEXPECTED_TAG.search(body)
    if bad is not None:
        line = data.count(b"\n", 0, first + bad.start()) + 1
        scan.unexpected = _not_plain(line, bytes(body[bad.start() : bad.start() + 12]))
        return scan
    if not data[max(first, len(data) - 4096) :].rstrip().endswith(b"</log>"):
        # rustxes reads a file cut after a </trace> without a word: a truncated log.
        scan.unexpected = "the file does not end with </log>"
        return scan
    scan.events = data.count(b"<event", first)
    scan.traces, scan.empty_traces = count_traces(data, first)
    for m in _NAIVE_DATE_END.finditer(body):
        tag_start = data.rfind(b"<", 0, first + m.start())
        if data.startswith(b"<date", tag_start):
            scan.naive_dates += 1
    return scan


_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def count_traces(data: Data, first: int) -> tuple[int, int]:
    """Trace start tags (``<trace\\b[^>]*>``) from ``first``, and how many hold no event.

    A trace is empty when its tag closes itself or its first ``</trace>`` comes before
    any ``<event``; the ``</trace>`` is only looked for up to the next ``<event``, so
    each byte is searched about once.
    """
    traces = empty = 0
    find = data.find
    n = len(data)
    pos = find(b"<trace", first)
    while pos >= 0:
        after = pos + 6
        if after < n and data[after] in _WORD_BYTES:
            pos = find(b"<trace", pos + 1)  # <traces ...>: another name
            continue
        gt = find(b">", after)
        if gt < 0:
            break
        traces += 1
        if data[gt - 1] == 0x2F:  # "/>": closes itself
            empty += 1
        else:
            event = find(b"<event", gt + 1)
            if event < 0 or find(b"</trace>", gt + 1, event) >= 0:
                empty += 1
        pos = find(b"<trace", gt + 1)
    return traces, empty


def _not_plain(line: int, snippet: bytes) -> str:
    shown = snippet.decode("utf-8", "replace")
    return f"line {line}: {shown!r} is not a plain trace/event/attribute tag"


_TAG_CHUNK = 16 << 20
"""Bytes read at a time by :func:`first_unexpected_tag`."""


def first_unexpected_tag(path: Path, shown: str, first: int) -> str | None:
    """Where the body (from byte ``first``) has a tag rustxes must not see, or None.

    The tag check of :func:`scan_structure`, streamed in chunks (bounded memory), run
    *before* rustxes when the full scan runs beside it: nested elements (lists,
    containers, meta-attributes) are sent to the lxml reader, which refuses nesting past
    its limit in one line, whereas rustxes recurses on them and 30,000 nested
    ``<list>`` elements overflowed its stack (a segmentation fault).  About 0.08 s per
    70 MiB.
    """
    base = 0  # the file offset of data[0]
    lines = 1  # the line data[0] is on
    data = b""
    try:
        with open_binary(path) as fh:
            while True:
                chunk = fh.read(_TAG_CHUNK)
                data += chunk
                bad = _UNEXPECTED_TAG.search(data, max(0, first - base))
                # a match needs the next few bytes to be sure: unless at the end of the
                # file, one in the last 32 bytes is looked at again with the next chunk
                if bad is not None and (not chunk or bad.start() + 32 <= len(data)):
                    line = lines + data.count(b"\n", 0, bad.start())
                    return _not_plain(line, data[bad.start() : bad.start() + 12])
                if not chunk:
                    return None
                keep = min(32, len(data))
                lines += data.count(b"\n", 0, len(data) - keep)
                base += len(data) - keep
                data = data[len(data) - keep :]
    except GZIP_ERRORS as exc:
        raise gzip_error(shown, exc) from None


def read_header(path: Path, shown: str, limit: int = 1 << 26) -> bytes:
    """The decompressed bytes before the first ``<trace`` (the log header), streamed."""
    buf = b""
    try:
        with open_binary(path) as fh:
            while len(buf) < limit:
                chunk = fh.read(1 << 16)
                if not chunk:
                    break
                start = max(0, len(buf) - 8)
                buf += chunk
                pos = buf.find(b"<trace", start)
                if pos >= 0:
                    return buf[:pos]
    except GZIP_ERRORS as exc:
        raise gzip_error(shown, exc) from None
    return buf


def main(argv: list[str]) -> int:
    """Scan one file and print the result as JSON (for the parallel fast path)."""
    path = Path(argv[0])
    try:
        scan = scan_body(path, argv[0])
    except InputError as exc:
        print(json.dumps({"error": str(exc)}))
        return 0
    rec = asdict(scan)
    rec.pop("header")
    rec.pop("data")
    print(json.dumps(rec))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
