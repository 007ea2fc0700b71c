"""Shared fixtures: the real public logs live in ../shared/logs beside the repository.

The big real logs are parsed once per test session (per worker under pytest-xdist):
:class:`ParsedLogs` keeps what :func:`frictionminer.io.read_raw` returned for each of them,
and the ``shared_parses`` fixture routes ``read_raw`` through it, so every test that
loads a real log — through ``load()``, ``analyze_path()`` or the CLI — gets the same raw
table without parsing the XML or CSV again.  Normalisation, analysis and output still run
in each test.  Only files under ``SHARED_LOGS`` are kept: they are read-only, unlike the
files tests write into their temporary folders.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from frictionminer.io.base import RawLog
    from frictionminer.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SHARED_LOGS = Path(os.environ.get("FRICTIONMINER_SHARED_LOGS", REPO.parent / "shared" / "logs"))
SAMPLES = REPO / "sample_logs"

ROAD_TRAFFIC_FINES = "road_traffic_fines/Road_Traffic_Fine_Management_Process.xes.gz"
"""The largest real log (150k cases, 561k events), read by four tests: test_real_logs (two),
test_ingest_xes and test_case_studies share one parse through ``parsed_logs``."""


def shared_log(relative: str) -> Path:
    """Path of a real log; the test is skipped (loudly, with -ra) when it is absent."""
    path = SHARED_LOGS / relative
    if not path.exists():
        if os.environ.get("CI"):
            raise FileNotFoundError(f"{path} missing in CI: ../shared/logs must be present")
        pytest.skip(f"real log not available: {path}")
    return path


ReadRaw = Callable[..., "RawLog"]


class ParsedLogs:
    """``read_raw`` results of real logs, kept for the session.

    The key is what the reader depends on: the file, and for CSV the ``[ingest]`` and
    ``[columns]`` settings (delimiter, encoding, which columns stay text).  XES is parsed
    without settings.  Each caller gets its own copy of the lists and dicts around the
    (immutable) polars frame, with ``source`` as that caller spelled the path.
    """

    def __init__(self) -> None:
        self._raw: dict[tuple[str, ...], RawLog] = {}
        self.parses: Counter[str] = Counter()
        """How often each file was actually parsed (1 each, unless the key differs)."""

    def key(self, path: str | Path, settings: Settings) -> tuple[str, ...] | None:
        """The cache key, or None for what is not a shared real log file."""
        from frictionminer.io import detect_format

        text = str(path)
        if any(ch in text for ch in "*?["):
            return None
        resolved = Path(text).resolve()
        if not resolved.is_file() or not resolved.is_relative_to(SHARED_LOGS.resolve()):
            return None
        fmt = detect_format(resolved)
        if fmt == "xes":
            return (str(resolved),)
        if fmt == "csv":
            return (str(resolved), repr(settings.ingest), repr(settings.columns))
        return None  # Parquet is scanned lazily: nothing to keep

    def read_raw(
        self,
        original: ReadRaw,
        path: str | Path,
        settings: Settings,
        partitions: Sequence[str] | None = None,
    ) -> RawLog:
        key = None if partitions is not None else self.key(path, settings)
        if key is None:
            return original(path, settings, partitions)
        if key not in self._raw:
            raw = original(path, settings)
            self._raw[key] = dataclasses.replace(raw, frame=raw.frame.collect().lazy())
            self.parses[key[0]] += 1
        raw = self._raw[key]
        return dataclasses.replace(
            raw,
            source=str(path),
            classifiers={k: list(v) for k, v in raw.classifiers.items()},
            findings=list(raw.findings),
            details=dict(raw.details),
        )

    def xes(self, relative: str) -> RawLog:
        """A real XES log as ``read_xes`` reads it (skipped when absent)."""
        from frictionminer.io import read_raw
        from frictionminer.settings import Settings

        return self.read_raw(read_raw, shared_log(relative), Settings())


@pytest.fixture(scope="session")
def parsed_logs() -> ParsedLogs:
    """The session's store of parsed real logs (one per xdist worker)."""
    return ParsedLogs()


@pytest.fixture
def shared_parses(parsed_logs: ParsedLogs, monkeypatch: pytest.MonkeyPatch) -> ParsedLogs:
    """For this test, ``frictionminer.io.read_raw`` keeps real logs in ``parsed_logs``.

    ``load()`` looks ``read_raw`` up in its module at each call, as do the CLI commands
    through it, so patching the module attribute reaches them all.
    """
    import frictionminer.io as io

    original = io.read_raw

    def read_raw(
        path: str | Path, settings: Settings, partitions: Sequence[str] | None = None
    ) -> RawLog:
        return parsed_logs.read_raw(original, path, settings, partitions)

    monkeypatch.setattr(io, "read_raw", read_raw)
    return parsed_logs


CSV_T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
"""Start of the hand-made CSV logs of :func:`csv_log`."""


def csv_log(path: Path, rows: list[tuple[str, str, float]]) -> Path:
    """A hand-made log of (case, activity, days after :data:`CSV_T0`) rows, written as CSV."""
    import polars as pl

    pl.DataFrame(
        {
            "Case ID": [c for c, _, _ in rows],
            "Activity": [a for _, a, _ in rows],
            "Complete Timestamp": [
                (CSV_T0 + timedelta(days=d)).strftime("%Y-%m-%d %H:%M:%S") for _, _, d in rows
            ],
        }
    ).write_csv(path)
    return path


def cli(*args: str) -> tuple[int, str, str]:
    """Run the command line in-process: exit code, stdout, stderr."""
    from typer.testing import CliRunner

    from frictionminer.cli import app

    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def one_error(err: str) -> str:
    """The one ``error: …`` line of stderr (and nothing else, no traceback)."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


def scores(*log: str) -> dict[str, object]:
    """``score LOG --format json`` with the log's name replaced by LOG (the same scores
    read from two places compare equal)."""
    import json

    code, out, err = cli("score", *log, "--format", "json", "-q")
    assert code == 0, err
    source = json.loads(out)["summary"]["source"]
    return dict(json.loads(out.replace(json.dumps(source)[1:-1], "LOG")))
