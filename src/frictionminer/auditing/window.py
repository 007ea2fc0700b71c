"""The audited window: --since/--until/--window, loading several exports, censoring open cases."""

from __future__ import annotations

import dataclasses
import glob as globmod
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from frictionminer.errors import InputError, UsageError

if TYPE_CHECKING:
    from frictionminer.engine.result import Result
    from frictionminer.io.normalize import EventLog
    from frictionminer.settings import Settings


# ====================================================================== windows


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def _parse_instant(text: str, option: str, *, end_of_day: bool) -> datetime:
    """An ISO date or date-time (UTC unless it has an offset); the window's length is
    --window's, so a duration is refused here."""
    from frictionminer.settings import filter_bound

    bound = filter_bound(text, option, end_of_day=end_of_day)
    if isinstance(bound, timedelta):
        raise UsageError(
            f"{option} {text!r}: a date or date-time here",
            hint="give the window's length with --window (e.g. --window 7d)",
        )
    return bound


@dataclass(frozen=True)
class Window:
    """The time window asked for on the command line (before the log is known)."""

    since: datetime | None = None
    """Inclusive lower bound (UTC)."""
    until: datetime | None = None
    """Exclusive upper bound (UTC); a date-only ``--until`` is the end of that day."""
    length: timedelta | None = None
    """``--window``: the length, anchored at --since, --until or the log's last event."""
    cases: Literal["active", "started"] = "active"
    """``active``: every case with an event in the window (seen from its first event
    inside); ``started``: only the cases whose first event in the whole log lies in the
    window — a weekly cohort, free of cases truncated at the window's start."""

    @classmethod
    def parse(
        cls,
        since: str | None,
        until: str | None,
        window: str | None,
        cases: str = "active",
    ) -> Window:
        """From the command-line strings; UsageError naming the option when one is bad."""
        start = _parse_instant(since, "--since", end_of_day=False) if since else None
        stop = _parse_instant(until, "--until", end_of_day=True) if until else None
        length = None
        if window is not None:
            m = _DURATION.match(window)
            if not m or float(m.group(1)) <= 0:
                raise UsageError(
                    f"--window {window!r}: not a duration",
                    hint="a number and a unit: 7d, 36h or 2w",
                )
            length = float(m.group(1)) * _UNITS[m.group(2).lower()]
            if start is not None and stop is not None:
                raise UsageError(
                    "--window cannot be combined with both --since and --until",
                    hint="give two of the three",
                )
            if start is not None:
                stop, length = start + length, None
            elif stop is not None:
                start, length = stop - length, None
        if start is not None and stop is not None and start >= stop:
            raise UsageError(f"--since {since} is not before --until {until}")
        if cases not in ("active", "started"):
            raise UsageError(f"--cases {cases!r}: choose 'active' or 'started'")
        return cls(since=start, until=stop, length=length, cases=cases)  # type: ignore[arg-type]

    @property
    def given(self) -> bool:
        return self.since is not None or self.until is not None or self.length is not None


@dataclass(frozen=True)
class WindowReport:
    """The window as applied to the log, and what it did to the log's events and cases."""

    since: datetime | None
    until: datetime | None
    end: datetime
    """Where open cases' waits stop: --until capped at the log's last event."""
    log_first: datetime
    log_last: datetime
    events: int
    events_before: int
    events_after: int
    cases: int
    cohort: str
    open_cases: int
    carried_in: int
    """Cases with events before the window as well (seen from their first event inside)."""

    def as_record(self) -> dict[str, Any]:
        return {
            "since": iso(self.since),
            "until": iso(self.until),
            "end": iso(self.end),
            "log_first_event": iso(self.log_first),
            "log_last_event": iso(self.log_last),
            "events": self.events,
            "events_before_window": self.events_before,
            "events_after_window": self.events_after,
            "cases": self.cases,
            "cohort": self.cohort,
            "open_cases": self.open_cases,
            "carried_in": self.carried_in,
        }


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# ====================================================================== loading several files

_LOG_SUFFIXES = (".xes", ".xes.gz", ".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet", ".pq")


def _log_files(spec: str) -> list[Path] | None:
    """The files a glob or directory names, or None when ``spec`` is a single file."""
    if any(ch in spec for ch in "*?["):
        files = sorted(Path(p) for p in globmod.glob(spec, recursive=True) if Path(p).is_file())
        if not files:
            raise InputError(f"{spec}: no file matches this pattern")
        return files
    path = Path(spec)
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and not p.name.startswith(".") and p.name.lower().endswith(_LOG_SUFFIXES)
        )
        if not files:
            raise InputError(
                f"{spec}: the folder holds no event log", hint="XES, CSV or Parquet files"
            )
        return files
    return None


def load_logs(spec: str | Path, settings: Settings, window: Window | None = None) -> EventLog:
    """Load a file, a directory or a glob of weekly exports as one log.

    A folder written by ``convert --partition-by`` is read through its manifest, and with
    a ``window`` only the partitions that can hold the window's audited cases are opened
    (:func:`frictionminer.io.partitions.select_partitions`).

    Parquet folders and globs go to :func:`frictionminer.io.load` as they are.  Several
    CSV or XES files (or a mix) are read one by one and concatenated in sorted path order
    with a fresh ``event_index`` (so ties keep file order); an event repeated in an
    overlapping export (same case, activity, time, resource, team, channel, lifecycle) is
    kept as often as the file with most copies has it, and the dropped copies are counted.
    """
    import polars as pl

    from frictionminer import schema as S
    from frictionminer.io import load
    from frictionminer.io.base import Finding

    text = str(spec)
    if window is not None and window.given and Path(text).is_dir():
        pruned = _load_pruned(text, settings, window)
        if pruned is not None:
            return pruned
    files = _log_files(text)
    if files is None or len(files) == 1:
        return load(files[0] if files else text, settings)
    if all(f.name.lower().endswith((".parquet", ".pq")) for f in files):
        return load(text, settings)
    logs = [load(f, settings) for f in files]
    frames, offset = [], 0
    for i, log in enumerate(logs):
        frames.append(
            log.events.with_columns(
                (pl.col(S.EVENT_INDEX) + offset).alias(S.EVENT_INDEX),
                pl.lit(i, dtype=pl.Int32).alias("_file"),
            )
        )
        offset += log.events.height
    events = pl.concat(frames, how="diagonal_relaxed")
    key = [c for c in S.CANONICAL if c in events.columns and c != S.EVENT_INDEX]
    occurrence = pl.int_range(pl.len()).over([*key, "_file"]).alias("_occ")
    deduped = (
        events.with_columns(occurrence)
        .unique(subset=[*key, "_occ"], keep="first", maintain_order=True)
        .drop("_occ", "_file")
    )
    findings = [f for log in logs for f in log.findings]
    dropped = events.height - deduped.height
    if dropped:
        findings.append(
            Finding(
                "duplicate-events-dropped",
                f"{dropped} events appeared in more than one file and were kept once",
                count=dropped,
            )
        )
    first = logs[0]
    return dataclasses.replace(
        first,
        events=deduped,
        source=f"{text} ({len(files)} files)",
        format="+".join(sorted({log.format for log in logs})),
        findings=findings,
        details={**first.details, "files": [str(f) for f in files]},
    )


def _load_pruned(directory: str, settings: Settings, window: Window) -> EventLog | None:
    """The partitions of a ``convert --partition-by`` folder that the window needs.

    None when the folder has no manifest (then every file is read).  The window is
    resolved against the manifest's last event exactly as :func:`analyze_window` resolves
    it against the log's, so both choose the same span.
    """
    from frictionminer.io import load
    from frictionminer.io.partitions import read_manifest, select_partitions

    manifest = read_manifest(directory)
    if manifest is None or not manifest.partitions:
        return None
    since, until = window.since, window.until
    if window.length is not None:
        since, until = manifest.last_event - window.length, None
    chosen = select_partitions(
        manifest, since, until, started_only=window.cases == "started" and since is not None
    )
    if not chosen:
        raise InputError(
            f"{directory}: no events in the window {iso(since) or '…'} – {iso(until) or '…'}",
            hint=f"the log runs from {iso(manifest.first_event)} to {iso(manifest.last_event)}",
        )
    return load(directory, settings, partitions=[p.key for p in chosen])


# ====================================================================== the windowed analysis


@dataclass(frozen=True)
class Selection:
    """The events a window selects from a log, and where its open cases are censored."""

    log: EventLog
    """The log with only the window's (cohort's) events."""
    since: datetime | None
    until: datetime | None
    end: datetime
    log_first: datetime
    log_last: datetime
    events_before: int
    events_after: int
    carried_in: int


def select_window(log: EventLog, window: Window) -> Selection:
    """The window's events (its span and cohort) and its end; InputError when empty."""
    import polars as pl

    from frictionminer import schema as S

    events = log.events
    if events.height == 0:
        raise InputError(f"{log.source}: the log has no events")
    ts = pl.col(S.TIMESTAMP)
    first_ts, last_ts = events.select(ts.min().alias("a"), ts.max().alias("b")).row(0)
    bounds = log.details.get("log_bounds")
    if isinstance(bounds, tuple) and log.details.get("partitions_read") != log.details.get(
        "partitions"
    ):
        # Only some partitions were read: the log's span comes from the manifest, so the
        # window (--window 7d: up to the log's last event) and its end are the same.
        first_ts, last_ts = bounds
    since, until = window.since, window.until
    if window.length is not None:  # the last N days up to the log's last event
        since, until = last_ts - window.length, None
    end = last_ts if until is None else min(until, last_ts)
    inside = pl.lit(True)
    if since is not None:
        inside = inside & (ts >= since)
    if until is not None:
        inside = inside & (ts < until)
    counts = events.select(
        (ts < since).sum().alias("before") if since is not None else pl.lit(0).alias("before"),
        (ts >= until).sum().alias("after") if until is not None else pl.lit(0).alias("after"),
    ).row(0, named=True)
    windowed = events.filter(inside)
    if window.cases == "started" and since is not None:
        starts = events.group_by(S.CASE).agg(ts.min().alias("_first"))
        cohort = starts.filter(pl.col("_first") >= since).select(S.CASE)
        windowed = windowed.join(cohort, on=S.CASE, how="semi", maintain_order="left")
    if windowed.height == 0:
        raise InputError(
            f"{log.source}: no events in the window {iso(since) or '…'} – {iso(until) or '…'}",
            hint=f"the log runs from {iso(first_ts)} to {iso(last_ts)}",
        )
    carried_in = 0
    if since is not None and counts["before"]:
        earlier = events.filter(ts < since).select(S.CASE).unique()
        carried_in = windowed.select(S.CASE).unique().join(earlier, on=S.CASE).height
    return Selection(
        log=dataclasses.replace(log, events=windowed),
        since=since,
        until=until,
        end=end,
        log_first=first_ts,
        log_last=last_ts,
        events_before=int(counts["before"]),
        events_after=int(counts["after"]),
        carried_in=carried_in,
    )


def _fixed_norms(settings: Settings) -> Settings:
    # Gates and baselines compare windows with one yardstick: each rule's own threshold.
    # A systemic norm (docs/friction-model.md §6) moves with the window it is computed on,
    # so a share flagged against it could not be compared with last week's.
    return dataclasses.replace(settings, systemic=dataclasses.replace(settings.systemic, share=1.0))


def analyze_window(
    log: EventLog, settings: Settings, window: Window, *, selection: Selection | None = None
) -> tuple[Result, WindowReport]:
    """Analyse the events of ``window`` with open cases censored at the window's end.

    Only the window is chosen here (its span, the cohort, what it leaves out); the
    analysis is :func:`frictionminer.engine.pipeline.analyze` with ``censor_at`` the
    window's end: each case without a resolution gets a role-less event there, so its
    waits run to the end.  The open cases are those the result counts as unresolved.
    """

    from frictionminer.engine.pipeline import analyze

    sel = selection or select_window(log, window)
    result = analyze(sel.log, _fixed_norms(settings), censor_at=sel.end)
    return result, _report(sel, result, sel.log.events.height, window.cases)


def _report(sel: Selection, result: Result, events: int, cohort: str) -> WindowReport:
    import polars as pl

    open_cases = result.cases.select((~pl.col("resolved")).sum()).item()
    return WindowReport(
        since=sel.since,
        until=sel.until,
        end=sel.end,
        log_first=sel.log_first,
        log_last=sel.log_last,
        events=events,
        events_before=sel.events_before,
        events_after=sel.events_after,
        cases=result.cases.height,
        cohort=cohort,
        open_cases=int(open_cases or 0),
        carried_in=sel.carried_in,
    )


# ====================================================================== common horizons


def horizon_counts(sel: Selection, hours: tuple[float, ...]) -> dict[float, int]:
    """For each horizon H (hours): how many of the window's cases began at least H before
    its end, i.e. can be observed for their first H in full."""
    import polars as pl

    from frictionminer import schema as S

    starts = sel.log.events.group_by(S.CASE).agg(pl.col(S.TIMESTAMP).min().alias("_s"))
    row = starts.select(
        *[
            (pl.col("_s") <= sel.end - timedelta(hours=h)).sum().alias(str(i))
            for i, h in enumerate(hours)
        ]
    ).row(0)
    return {h: int(n or 0) for h, n in zip(hours, row, strict=True)}


def analyze_horizon(
    sel: Selection, settings: Settings, hours: float, window: Result
) -> tuple[Result, WindowReport]:
    """The window's cases that began at least ``hours`` before its end, each observed for
    its first ``hours`` only: events from its first event + H on are left out, and a case
    without a resolution by then is censored there (open at the horizon).  Which roles
    the log shows (rules suppressed, score terms zeroed) is taken from ``window``, the
    whole window's result."""
    import polars as pl

    from frictionminer import schema as S
    from frictionminer.engine.pipeline import analyze

    h = timedelta(hours=hours)
    ts = pl.col(S.TIMESTAMP)
    first = ts.min().over(S.CASE)
    events = sel.log.events.filter((first <= sel.end - h) & (ts < first + h))
    log = dataclasses.replace(sel.log, events=events)
    # Which roles the log shows is judged on the whole window: cut at H, a log may hold
    # no resolution yet although it has them.
    result = analyze(log, _fixed_norms(settings), censor_at=h, coverage=window.coverage)
    return result, _report(sel, result, events.height, "horizon")
