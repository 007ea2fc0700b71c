"""Read a big XES file with two rustxes calls in parallel, cut at a trace boundary.

rustxes parses on about one core and holds the GIL, so the only way to use a second core is a
second process.  :func:`read_split` cuts the decompressed file after a ``</trace>`` near
its middle into two small XES files (each with the log header, ``<global>`` blocks
removed, so rustxes cannot fill missing attributes with their defaults; the first part
gets a closing ``</log>``).  A child process (``python -m
frictionminer.io.xes_split``, started first so that its imports overlap the cutting)
scans and parses the first part and hands its table back as an Arrow IPC file; this
process scans and parses the second.  Both parts pass the same guards as a whole file
(``xes_scan.scan_structure``, fd 2 captured around rustxes, row counts), and every count
the findings use is additive over parts; the UTC offsets are sampled in the same three
windows of the whole body as :func:`xes_scan.date_stats`.  So the result is the table
and findings a whole-file read gives.

Anything unusual (a part that fails a guard, attribute types that differ between the
parts, no trace boundary to cut at, a failed child) returns ``None`` and the caller reads
the whole file the usual way, which then gives the precise reason or error.

Protocol with the child, one JSON object per line: the parent sends ``{"part", "out",
"body_start"}`` as soon as the first part is written, then ``{"offsets": [...],
"midnight": n}`` once the whole file has been seen (the offsets whose counts a finding
shows, and the second part's ``T00:00:00`` count: ``<date`` tags are only counted when
some date may be at midnight); the child answers with one line of counts (or the reason
it does not trust its part).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from frictionminer.io.xes_rustxes import offset_counts_matter, run_rustxes
from frictionminer.io.xes_scan import (
    GLOBAL_BLOCK,
    GZIP_ERRORS,
    GZIP_MAGIC,
    Data,
    Scan,
    count_offsets,
    find_offsets,
    gzip_error,
    offset_windows,
    open_binary,
    scan_structure,
)

if TYPE_CHECKING:
    import polars as pl


SPLIT_MIN_BYTES = 96 << 20
"""Decompressed size from which two processes beat one (measured: BPIC 2012, 74 MB, reads
faster whole; PermitLog, 124 MB, and the 273 MB benchmark file faster in two parts)."""

CHILD_SHARE = 0.5
"""Fraction of the body the child parses (it starts later but this process cuts the file)."""
CHILD_SHARE_GZIP = 0.53
"""The same for gzip files, which this process decompresses before its own part."""

_BLOCK = 8 << 20
_CUT = re.compile(rb"</trace>(?=\s*<trace[\s>/])")
_LOG_END = b"</log>\n"


def decompressed_size(path: Path) -> int:
    """The file's decompressed size: exact for plain files, gzip's ISIZE field otherwise.

    ISIZE is the size modulo 4 GiB (and only the last member's), so it is a guess that
    only balances the two halves; a guess past the end just means no cut (whole-file read).
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        if fh.read(2) != GZIP_MAGIC or size < 18:
            return size
        fh.seek(-4, os.SEEK_END)
        isize = int.from_bytes(fh.read(4), "little")
    return isize if isize >= size else size * 8


def worth_splitting(path: Path) -> bool:
    """Big enough for two processes to pay, and a second CPU to run them on."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return cpus >= 2 and decompressed_size(path) >= SPLIT_MIN_BYTES


def _scratch_dir(size: int) -> str | None:
    """RAM-backed /dev/shm when it has room for both parts, else the default temp dir."""
    shm = "/dev/shm"
    try:
        st = os.statvfs(shm)
    except OSError:
        return None
    if os.access(shm, os.W_OK) and st.f_bavail * st.f_frsize > 3 * size:
        return shm
    return None


def read_split(path: Path, shown: str, header: bytes) -> tuple[Scan, pl.DataFrame] | None:
    """The whole file's rustxes table and its scan, read in two parts in parallel; or None.

    The caller checks the table against the scan and types it (as for a whole-file run).

    ``header`` is the decompressed bytes before the first ``<trace`` (``read_header``).
    Raises InputError only for a corrupt gzip stream (what a whole-file read raises too).
    """
    size = decompressed_size(path)
    workdir = Path(tempfile.mkdtemp(prefix="frictionminer-xes-", dir=_scratch_dir(size)))
    child = subprocess.Popen(
        [sys.executable, "-m", "frictionminer.io.xes_split"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        return _read_parts(path, shown, header, size, workdir, child)
    except GZIP_ERRORS as exc:
        raise gzip_error(shown, exc) from None
    finally:
        if child.stdin is not None:
            with contextlib.suppress(OSError):
                child.stdin.close()
        if child.poll() is None:
            child.kill()  # it has answered (or is no longer needed)
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
        shutil.rmtree(workdir, ignore_errors=True)


def write_stripped(path: Path, shown: str, header: bytes) -> Path:
    """A decompressed copy of the file without its ``<global>`` blocks, for rustxes.

    ``header`` is the decompressed bytes before the first ``<trace``; the caller deletes
    the copy.  A corrupt gzip stream raises the InputError a scan would raise.
    """
    size = decompressed_size(path)
    fd, name = tempfile.mkstemp(prefix="frictionminer-", suffix=".xes", dir=_scratch_dir(size))
    copy = Path(name)
    try:
        with os.fdopen(fd, "wb") as out, path.open("rb") as probe:
            out.write(GLOBAL_BLOCK.sub(b"", header))
            if probe.read(2) != GZIP_MAGIC:
                _copy_range(probe, out, len(header), os.fstat(probe.fileno()).st_size - len(header))
            else:
                with open_binary(path) as fh:
                    skip = len(header)
                    while block := fh.read(_BLOCK):
                        if skip:
                            taken = min(skip, len(block))
                            block, skip = block[taken:], skip - taken
                        out.write(block)
    except GZIP_ERRORS as exc:
        copy.unlink(missing_ok=True)
        raise gzip_error(shown, exc) from None
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return copy


def _send(child: subprocess.Popen[bytes], message: dict[str, Any]) -> bool:
    """Send one line to the child; False when it is gone."""
    assert child.stdin is not None
    try:
        child.stdin.write(json.dumps(message).encode() + b"\n")
        child.stdin.flush()
    except OSError:  # BrokenPipeError: the child died
        return False
    return True


def _child_result(child: subprocess.Popen[bytes], *, wait: bool) -> dict[str, Any] | None:
    """The child's answer; ``wait=False`` only takes one that is already there."""
    assert child.stdout is not None
    if not wait:
        try:
            if not select.select([child.stdout], [], [], 0)[0]:
                return None
        except (OSError, ValueError):  # no select() on pipes (Windows)
            return None
    line = child.stdout.readline()
    try:
        rec = json.loads(line)
    except ValueError:
        return {"failure": "the part reader stopped without an answer"}
    return rec if isinstance(rec, dict) else {"failure": "unexpected answer"}


def _read_parts(
    path: Path,
    shown: str,
    header: bytes,
    size: int,
    workdir: Path,
    child: subprocess.Popen[bytes],
) -> tuple[Scan, pl.DataFrame] | None:
    stripped = GLOBAL_BLOCK.sub(b"", header)
    part_a, part_b, table_a = workdir / "a.xes", workdir / "b.xes", workdir / "a.arrow"
    start = len(header)  # the body (first <trace) in the original file
    with path.open("rb") as probe:
        plain = probe.read(2) != GZIP_MAGIC
    target = start + int((size - start) * (CHILD_SHARE if plain else CHILD_SHARE_GZIP))
    job = {"part": str(part_a), "out": str(table_a), "body_start": len(stripped)}
    if plain:
        cut = _cut_plain(path, part_a, stripped, start, target)
        if cut < 0 or not _send(child, job):
            return None
        data_b = _read_from(path, cut, stripped)
        if data_b is None:
            return None
    else:
        with open_binary(path) as fh:
            cut, rest = _write_first_part(fh, part_a, stripped, start, target)
            if cut < 0 or not _send(child, job):
                return None
            blocks = [stripped, rest]
            while block := fh.read(_BLOCK):
                blocks.append(block)
        data_b = b"".join(blocks)
        del blocks, rest
    part_b.write_bytes(data_b)
    end = cut + len(data_b) - len(stripped)  # the decompressed size of the whole file

    # The offsets are sampled in the windows a whole-file scan uses; a window may
    # straddle the cut, so its bytes come from both parts.
    seen: set[str] = set()
    with part_a.open("rb") as fa:
        for lo, hi in offset_windows(start, end):
            region = b""
            if lo < cut:
                fa.seek(len(stripped) + lo - start)
                region = fa.read(min(hi, cut) - lo)
            if hi > cut:
                b_lo = len(stripped) + max(lo, cut) - cut
                region += data_b[b_lo : len(stripped) + hi - cut]
            seen |= find_offsets(region)
    # With one UTC offset only, no finding shows a count: skip the counting passes.
    counted = sorted(seen) if offset_counts_matter(seen) else []
    midnight_b = data_b.count(b"T00:00:00", len(stripped))
    if not _send(child, {"offsets": counted, "midnight": midnight_b}):
        return None

    scan_b = scan_structure(data_b, len(stripped))
    if scan_b.unexpected is not None:
        return None
    # The dates are only counted when some date may be at midnight: the count only
    # matters to the "date-only-timestamps" finding (every date at 00:00:00).
    dates_b = data_b.count(b"<date", len(stripped)) if midnight_b else -1
    offsets_b = count_offsets(data_b, len(stripped), counted)
    del data_b
    early = _child_result(child, wait=False)
    if early is not None and "failure" in early:
        return None  # the first part is not trusted: the whole-file read says why
    ran = run_rustxes(part_b)
    if isinstance(ran, str):
        return None
    df_b = ran[0]
    rec = early if early is not None else _child_result(child, wait=True)
    if rec is None or "failure" in rec or df_b.height != scan_b.events:
        return None
    import polars as pl

    df_a = pl.read_ipc(table_a)
    if df_a.height != rec["events"]:
        return None
    common = set(df_a.columns) & set(df_b.columns)
    if any(df_a.schema[c] != df_b.schema[c] for c in common):
        return None  # e.g. an attribute typed int in one part and string in the other
    frame: pl.DataFrame = pl.concat([df_a, df_b], how="diagonal")
    midnight = rec["midnight"] + midnight_b
    dates = 0  # no "T00:00:00" anywhere: no date is at midnight, the count is moot
    if midnight:
        if dates_b < 0:
            dates_b = part_b.read_bytes().count(b"<date", len(stripped))
        dates = rec["dates"] + dates_b
    offsets = {o: rec["offsets"].get(o, 0) + offsets_b.get(o, 0) for o in counted}
    if not counted:
        offsets = dict.fromkeys(seen, 1)  # found in a window, so it occurs
    scan = Scan(
        header=header,
        body_start=start,
        traces=rec["traces"] + scan_b.traces,
        events=rec["events"] + scan_b.events,
        empty_traces=rec["empty_traces"] + scan_b.empty_traces,
        naive_dates=rec["naive_dates"] + scan_b.naive_dates,
        dates=dates,
        midnight_dates=min(dates, midnight),
        offsets={o: c for o, c in offsets.items() if c},
    )
    return scan, frame


def _cut_plain(path: Path, part: Path, stripped: bytes, start: int, target: int) -> int:
    """Cut an uncompressed file and write its first part (copied by the kernel with
    ``sendfile``); the cut, or -1 when there is no trace boundary after ``target``."""
    with path.open("rb") as src:
        cut = _find_cut(src, target)
        if cut < 0:
            return -1
        with part.open("wb") as out:
            out.write(stripped)
            out.flush()
            _copy_range(src, out, start, cut - start)
            out.write(_LOG_END)
    return cut


def _read_from(path: Path, cut: int, stripped: bytes) -> Data | None:
    """The second part in memory (this process scans it): header, then the file from
    ``cut``; None if the file shrank meanwhile."""
    with path.open("rb") as src:
        size = os.fstat(src.fileno()).st_size
        data = bytearray(len(stripped) + size - cut)
        data[: len(stripped)] = stripped
        src.seek(cut)
        view = memoryview(data)[len(stripped) :]
        while view:
            got = src.readinto(view)
            if not got:
                return None
            view = view[got:]
    return data


def _find_cut(src: IO[bytes], target: int) -> int:
    """Offset just after the first ``</trace>`` at or after ``target`` that a ``<trace``
    follows; -1 at the end of the file."""
    src.seek(target)
    pos, carry = target, b""
    while block := src.read(1 << 20):
        probe = carry + block
        m = _CUT.search(probe)
        if m is not None:
            return pos + m.end()
        keep = min(64, len(probe))  # a cut may straddle two blocks
        pos += len(probe) - keep
        carry = probe[len(probe) - keep :]
    return -1


def _copy_range(src: IO[bytes], out: IO[bytes], offset: int, count: int) -> None:
    """Copy ``count`` bytes of ``src`` from ``offset`` to the end of ``out``."""
    out.flush()
    try:
        while count:
            sent = os.sendfile(out.fileno(), src.fileno(), offset, min(count, 1 << 30))
            if not sent:
                raise OSError("short copy")
            offset += sent
            count -= sent
        out.seek(0, os.SEEK_END)
    except (AttributeError, OSError):  # no sendfile here: copy through memory
        out.seek(0, os.SEEK_END)
        src.seek(offset)
        while count:
            block = src.read(min(count, _BLOCK))
            if not block:
                raise OSError("the file shrank while it was read") from None
            out.write(block)
            count -= len(block)


def _write_first_part(
    fh: IO[bytes], part: Path, stripped: bytes, start: int, target: int
) -> tuple[int, bytes]:
    """Write the header and the body up to the first trace end at or after ``target``.

    Returns the cut (an offset in the decompressed file, just after a ``</trace>`` that
    is followed by another ``<trace``) and the bytes already read beyond it; ``(-1,
    b"")`` when the file ends first.
    """
    skip = start  # the original header is replaced by the stripped one
    pos = start  # decompressed offset of block[0]
    carry = b""
    with part.open("wb") as out:
        out.write(stripped)
        while True:
            block = fh.read(_BLOCK)
            if not block:
                return -1, b""
            if skip:
                taken = min(skip, len(block))
                block = block[taken:]
                skip -= taken
            if carry:
                block = carry + block
                carry = b""
            if pos + len(block) <= target:
                out.write(block)
                pos += len(block)
                continue
            m = _CUT.search(block, max(0, target - pos))
            if m is None:
                keep = min(64, len(block))  # a cut may straddle two blocks
                out.write(memoryview(block)[: len(block) - keep])
                pos += len(block) - keep
                carry = block[len(block) - keep :]
                continue
            out.write(memoryview(block)[: m.end()])
            out.write(_LOG_END)
            return pos + m.end(), block[m.end() :]


# --------------------------------------------------------------------------- child side


def _child() -> int:
    """Scan and parse one part (see the module docstring); answer on stdout."""
    job_line = sys.stdin.buffer.readline()
    if not job_line:
        return 0
    job = json.loads(job_line)
    part = Path(job["part"])
    first = int(job["body_start"])
    data = part.read_bytes()
    scan = scan_structure(data, first)
    if scan.unexpected is not None:
        _answer({"failure": scan.unexpected})
        return 0
    midnight = data.count(b"T00:00:00", first)
    offsets_line = sys.stdin.buffer.readline()
    if not offsets_line:
        return 0  # the parent gave up
    told = json.loads(offsets_line)
    dates = data.count(b"<date", first) if midnight + told["midnight"] else -1
    offsets = count_offsets(data, first, told["offsets"])
    del data
    ran = run_rustxes(part)
    part.unlink(missing_ok=True)
    if isinstance(ran, str):
        _answer({"failure": ran})
        return 0
    df = ran[0]
    if df.height != scan.events:
        _answer({"failure": f"rustxes returned {df.height} events, the part has {scan.events}"})
        return 0
    df.write_ipc(job["out"], compression="uncompressed")
    answer: dict[str, Any] = {
        "events": scan.events,
        "traces": scan.traces,
        "empty_traces": scan.empty_traces,
        "naive_dates": scan.naive_dates,
        "dates": dates,
        "midnight": midnight,
        "offsets": offsets,
    }
    _answer(answer)
    return 0


def _answer(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(_child())
