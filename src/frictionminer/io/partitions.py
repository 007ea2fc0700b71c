"""Parquet directories partitioned by the week (month, day) in which each case began.

``frictionminer convert LOG -o DIR --partition-by week`` writes Hive-style folders
(``DIR/week=2026-W03/part-00000.parquet``) and a manifest ``DIR/_partitions.json`` with,
per partition, its event and case counts and the span of its case starts and events.

Why the *case's first event* decides the partition, not each event's own time: a case is
never split across files, so per-case measures (waits, handoffs, ping-pongs) read from one
partition are complete, and a weekly cohort (``audit --cases started``) is exactly one
partition.  The price is that a partition holds events later than its key (a case begun
in week 3 may end in week 9); the manifest's ``last_event`` per partition says how late,
which is what lets ``audit --window`` skip partitions without opening them
(:func:`select_partitions`).

The partition key is kept out of the files and out of the events: the directory is read
without Hive partitioning (the manifest lists the files), so no bogus ``week`` attribute
appears next to the canonical columns.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from frictionminer import schema as S
from frictionminer.errors import InputError, UsageError

PARTITION_BYS = ("week", "month", "day")
MANIFEST = "_partitions.json"
FORMAT = "frictionminer-partitions"
VERSION = 1
_KEY_FORMAT = {"week": "%G-W%V", "month": "%Y-%m", "day": "%Y-%m-%d"}
_KEY_COL = "_partition"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _lo(a: datetime | None, b: datetime) -> datetime:
    return b if a is None else min(a, b)


def _hi(a: datetime | None, b: datetime) -> datetime:
    return b if a is None else max(a, b)


@dataclass
class Partition:
    """One partition's files and the spans the pruning needs (all times UTC)."""

    key: str
    files: list[str] = field(default_factory=list)
    events: int = 0
    cases: int = 0
    first_start: datetime | None = None
    last_start: datetime | None = None
    first_event: datetime | None = None
    last_event: datetime | None = None

    def merge(self, events: int, cases: int, spans: tuple[datetime, ...]) -> None:
        first_start, last_start, first_event, last_event = spans
        self.events += events
        self.cases += cases
        self.first_start = _lo(self.first_start, first_start)
        self.last_start = _hi(self.last_start, last_start)
        self.first_event = _lo(self.first_event, first_event)
        self.last_event = _hi(self.last_event, last_event)

    def as_record(self) -> dict[str, Any]:
        assert self.first_start and self.last_start and self.first_event and self.last_event
        return {
            "key": self.key,
            "files": self.files,
            "events": self.events,
            "cases": self.cases,
            "first_start": _iso(self.first_start),
            "last_start": _iso(self.last_start),
            "first_event": _iso(self.first_event),
            "last_event": _iso(self.last_event),
        }


@dataclass
class Manifest:
    """``_partitions.json``: how a directory was partitioned, and each partition's spans."""

    partition_by: str
    partitions: list[Partition]
    source: str = ""

    @property
    def events(self) -> int:
        return sum(p.events for p in self.partitions)

    @property
    def first_event(self) -> datetime:
        return min(p.first_event for p in self.partitions if p.first_event)

    @property
    def last_event(self) -> datetime:
        return max(p.last_event for p in self.partitions if p.last_event)

    def as_record(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "partition_by": self.partition_by,
            "rule": "first event of the case",
            "source": self.source,
            "events": self.events,
            "cases": sum(p.cases for p in self.partitions),
            "first_event": _iso(self.first_event) if self.partitions else None,
            "last_event": _iso(self.last_event) if self.partitions else None,
            "partitions": [p.as_record() for p in self.partitions],
        }


class PartitionWriter:
    """Write canonical event tables, chunk by chunk, into partition folders under ``root``.

    Each ``add`` writes one file per partition the chunk touches (``part-{chunk}``), so a
    streamed conversion never holds more than one chunk.  A case's partition is decided
    from its first event *within the chunk*: exact as long as a case lies in one chunk
    (always true in memory; true for XES streaming unless two traces share a case id).
    """

    def __init__(self, root: Path, by: str) -> None:
        if by not in PARTITION_BYS:
            raise UsageError(f"--partition-by {by!r}: choose week, month or day")
        self.root = root
        self.by = by
        self.parts: dict[str, Partition] = {}
        self.chunks = 0

    def add(self, events: pl.DataFrame) -> None:
        """Write one chunk of canonical events (``event_index`` is dropped)."""
        if events.height == 0:
            return
        ts = pl.col(S.TIMESTAMP)
        start = ts.min().over(S.CASE)
        keyed = events.with_columns(start.dt.strftime(_KEY_FORMAT[self.by]).alias(_KEY_COL))
        stats = keyed.group_by(_KEY_COL).agg(
            pl.len().alias("events"),
            pl.col(S.CASE).n_unique().alias("cases"),
            ts.min().alias("first_event"),
            ts.max().alias("last_event"),
        )
        starts = (
            keyed.group_by(_KEY_COL, S.CASE)
            .agg(ts.min().alias("s"))
            .group_by(_KEY_COL)
            .agg(pl.col("s").min().alias("first_start"), pl.col("s").max().alias("last_start"))
        )
        stats = stats.join(starts, on=_KEY_COL).sort(_KEY_COL)
        drop = [c for c in (S.EVENT_INDEX, _KEY_COL) if c in keyed.columns]
        for row in stats.iter_rows(named=True):
            key = row[_KEY_COL]
            folder = self.root / f"{self.by}={key}"
            folder.mkdir(exist_ok=True)
            name = f"part-{self.chunks:05d}.parquet"
            keyed.filter(pl.col(_KEY_COL) == key).drop(drop).write_parquet(folder / name)
            part = self.parts.setdefault(key, Partition(key))
            part.files.append(f"{self.by}={key}/{name}")
            part.merge(
                row["events"],
                row["cases"],
                (row["first_start"], row["last_start"], row["first_event"], row["last_event"]),
            )
        self.chunks += 1

    def finish(self, source: str) -> Manifest:
        """Write ``_partitions.json`` and return it."""
        if not self.parts:
            raise InputError(f"{source}: no events to write")
        manifest = Manifest(self.by, [self.parts[k] for k in sorted(self.parts)], source)
        text = json.dumps(manifest.as_record(), indent=1)
        (self.root / MANIFEST).write_text(text + "\n", encoding="utf-8")
        return manifest


def read_manifest(directory: str | Path) -> Manifest | None:
    """The directory's manifest, None when it has none; InputError when it is broken."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            raise ValueError(f"not a {FORMAT} version {VERSION} manifest")
        parts = [
            Partition(
                key=str(p["key"]),
                files=[str(f) for f in p["files"]],
                events=int(p["events"]),
                cases=int(p["cases"]),
                first_start=datetime.fromisoformat(p["first_start"]),
                last_start=datetime.fromisoformat(p["last_start"]),
                first_event=datetime.fromisoformat(p["first_event"]),
                last_event=datetime.fromisoformat(p["last_event"]),
            )
            for p in data["partitions"]
        ]
        return Manifest(str(data["partition_by"]), parts, str(data.get("source", "")))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            f"{path}: broken partition manifest ({exc})",
            hint="convert the log again, or delete the manifest to read every file",
        ) from None


def select_partitions(
    manifest: Manifest,
    since: datetime | None,
    until: datetime | None,
    *,
    started_only: bool,
) -> list[Partition]:
    """The partitions that can hold events the window audits.

    ``started_only`` (``--cases started`` with a start): cases that began in
    ``[since, until)`` — partitions whose span of case starts meets the window.
    Otherwise (``--cases active``): cases with any event in the window — partitions whose
    span ``[first event, last event]`` meets it, which includes earlier partitions whose
    cases were still running.  Cases never span partitions, so nothing is lost.
    """
    out = []
    for p in manifest.partitions:
        lo, hi = (p.first_start, p.last_start) if started_only else (p.first_event, p.last_event)
        assert lo is not None and hi is not None
        if since is not None and hi < since:
            continue
        if until is not None and lo >= until:
            continue
        out.append(p)
    return out


def scan_partitions(directory: str | Path, partitions: Sequence[Partition]) -> pl.LazyFrame:
    """The files of ``partitions``, in manifest order, without Hive columns."""
    root = Path(directory)
    files = [str(root / f) for p in partitions for f in p.files]
    return pl.scan_parquet(files, hive_partitioning=False, glob=False)


def check_output_dir(target: Path, overwrite: bool) -> None:
    """Refuse a target that is a file, or a non-empty folder unless ``overwrite``."""
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{target}: folder '{parent}' does not exist", hint="create it first")
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target}: exists and is not a folder", hint="give a folder with -o")
    if target.is_dir() and Path.cwd().resolve().is_relative_to(target.resolve()):
        raise UsageError(
            f"{target}: is the current folder or one that holds it",
            hint="give a new folder with -o, e.g. -o weekly",
        )
    if target.is_dir() and any(target.iterdir()):
        if not overwrite:
            raise UsageError(
                f"{target}: folder exists and is not empty",
                hint="pass --overwrite to replace it, or choose another folder",
            )
        foreign = _foreign_files(target)
        if foreign:
            raise UsageError(
                f"{target}: --overwrite replaces only a folder frictionminer wrote, and this "
                f"one holds other files ({', '.join(foreign[:3])}"
                f"{', ...' if len(foreign) > 3 else ''})",
                hint="choose another folder, or move those files away first",
            )


def _foreign_files(target: Path) -> list[str]:
    """Files in ``target`` that its manifest does not list (all of them when it has none)."""
    try:
        manifest = read_manifest(target)
    except InputError:
        manifest = None
    ours = {MANIFEST} | {f for p in (manifest.partitions if manifest else []) for f in p.files}
    if manifest is None:
        ours = set()
    found = sorted(str(f.relative_to(target)) for f in target.rglob("*") if not f.is_dir())
    return [f for f in found if f not in ours]


@contextmanager
def atomic_directory(target: Path, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; rename it onto ``target`` on success.

    Readers never see a half-written dataset: the folder appears complete or not at all.
    An existing target (empty, or any with ``overwrite``) is moved aside first and
    removed only after the rename, so a crash leaves either the old or the new data.
    """
    check_output_dir(target, overwrite)
    parent = target.parent if str(target.parent) else Path(".")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
        os.replace(target, old / "data")
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
