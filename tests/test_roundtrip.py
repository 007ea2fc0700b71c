"""Random logs written in each output format read back equal (hypothesis)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from frictionminer.io import load
from frictionminer.io.base import RawLog
from frictionminer.io.convert import write_log
from frictionminer.io.normalize import normalize
from frictionminer.settings import Settings
from frictionminer.settings.load import load_settings

# Awkward but printable text: delimiters, quotes, markup, umlauts; no control characters
# (XML 1.0 cannot carry them), no leading/trailing blanks (CSV readers may trim) and no
# default placeholder ("?", "N/A": [ingest] null_values reads them as missing on purpose).
_PLACEHOLDERS = {n.strip().casefold() for n in Settings().ingest.null_values}
TEXT = (
    st.text(
        alphabet=st.characters(
            codec="utf-8", categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x00"
        ),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(lambda s: bool(s) and s.casefold() not in _PLACEHOLDERS)
)

MOMENTS = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)


@st.composite
def logs(draw: st.DrawFn) -> pl.DataFrame:
    n = draw(st.integers(min_value=1, max_value=25))
    cases = draw(st.lists(TEXT, min_size=1, max_size=5, unique=True))
    rows = {
        "case_id": [draw(st.sampled_from(cases)) for _ in range(n)],
        "activity": [draw(TEXT) for _ in range(n)],
        "timestamp": [draw(MOMENTS) for _ in range(n)],
        "resource": [draw(st.none() | TEXT) for _ in range(n)],
        "group": [draw(st.none() | TEXT) for _ in range(n)],
    }
    df = pl.DataFrame(rows).with_columns(pl.col("timestamp").dt.cast_time_unit("us"))
    return df


COLS = ["case_id", "activity", "timestamp", "resource", "group"]


def _round_trip(df: pl.DataFrame, suffix: str, fmt: str) -> None:
    s = load_settings(overrides={"columns": {"resource": "resource", "group": "group"}})
    log = normalize(RawLog(df.lazy(), "generated", "parquet"), s.columns, s.ingest)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"log{suffix}"
        write_log(log, out, fmt, verbatim=True)  # a data round trip keeps every value
        back = load(out, load_settings()).events
    want = log.events.select(COLS).with_columns(
        pl.col("resource").fill_null(""), pl.col("group").fill_null("")
    )
    got = back.select([c for c in COLS if c in back.columns])
    for c in ("resource", "group"):
        got = got.with_columns(
            (pl.col(c) if c in got.columns else pl.lit(None, pl.String)).fill_null("").alias(c)
        )
    got = got.select(COLS)
    if fmt == "xes":
        # XES groups events by trace: order across cases is not kept, within a case it is.
        got = got.sort("case_id", maintain_order=True)
        want = want.sort("case_id", maintain_order=True)
    assert_frame_equal(got, want)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs())
def test_parquet_round_trip(df: pl.DataFrame) -> None:
    _round_trip(df, ".parquet", "parquet")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs())
def test_csv_round_trip(df: pl.DataFrame) -> None:
    _round_trip(df, ".csv", "csv")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs())
def test_xes_round_trip(df: pl.DataFrame) -> None:
    _round_trip(df, ".xes", "xes")
