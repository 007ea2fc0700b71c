"""Timestamp detection and UTC normalisation, hand-computed."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from frictionminer.errors import SchemaError
from frictionminer.io.timestamps import parse_timestamps


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def parse(
    values: list[str | None], tz: str = "UTC", fmt: str | None = None
) -> list[datetime | None]:
    return parse_timestamps(
        pl.Series(values, dtype=pl.String), column="t", source="f.csv", timezone=tz, fmt=fmt
    ).values.to_list()


def test_iso_with_mixed_offsets_and_zulu() -> None:
    got = parse(
        ["2010-12-30T14:32:00.000+01:00", "2011-04-13T14:02:31.199+02:00", "2011-04-13T12:00:00Z"]
    )
    assert got == [
        utc(2010, 12, 30, 13, 32),
        utc(2011, 4, 13, 12, 2, 31, 199000),
        utc(2011, 4, 13, 12),
    ]


def test_mixed_offsets_are_reported() -> None:
    res = parse_timestamps(
        pl.Series(["2010-03-28T10:00:00+01:00", "2010-04-01T10:00:00+02:00"]),
        column="t",
        source="f",
    )
    assert [f.code for f in res.findings] == ["mixed-offsets"]


def test_german_export_day_first_in_local_time() -> None:
    # 02.03.2026 14:05 in Berlin (CET, UTC+1) is 13:05 UTC; in summer (CEST) UTC+2.
    got = parse(["02.03.2026 14:05", "15.07.2026 08:00"], tz="Europe/Berlin")
    assert got == [utc(2026, 3, 2, 13, 5), utc(2026, 7, 15, 6, 0)]


def test_bpic2014_style_unpadded_day_first() -> None:
    assert parse(["1-9-2013 9:05", "13-10-2013 13:05"]) == [
        utc(2013, 9, 1, 9, 5),
        utc(2013, 10, 13, 13, 5),
    ]


def test_disco_export_with_slashes_and_millis() -> None:
    assert parse(["2010/01/13 08:40:25.000"]) == [utc(2010, 1, 13, 8, 40, 25)]


def test_ambiguous_day_month_prefers_day_first_and_says_so() -> None:
    res = parse_timestamps(
        pl.Series(["01/02/2020 10:00", "03/04/2020 11:00"]), column="t", source="f"
    )
    assert res.values.to_list()[0] == utc(2020, 2, 1, 10)
    assert "ambiguous-date-format" in [f.code for f in res.findings]


def test_month_first_when_day_exceeds_twelve() -> None:
    assert parse(["12/31/2020 10:00", "01/02/2021 10:00"])[0] == utc(2020, 12, 31, 10)


def test_date_only_is_reported() -> None:
    res = parse_timestamps(pl.Series(["2020-01-01", "2020-01-03"]), column="t", source="f")
    assert res.values.to_list() == [utc(2020, 1, 1), utc(2020, 1, 3)]
    assert [f.code for f in res.findings] == ["date-only-timestamps"]


def test_empty_values_stay_null_for_the_caller_to_count() -> None:
    assert parse(["2020-01-01 10:00", None, ""]) == [utc(2020, 1, 1, 10), None, None]


def test_unparseable_value_names_row_and_value() -> None:
    with pytest.raises(
        SchemaError, match=r"f.csv: data row 3, column 't': cannot parse timestamp 'soon'"
    ):
        parse(["2020-01-01 10:00", "2020-01-02 10:00", "soon"])


def test_unknown_format_everywhere() -> None:
    with pytest.raises(SchemaError, match="cannot recognise the timestamp format"):
        parse(["yesterday", "today"])


def test_explicit_format_wins_over_detection() -> None:
    # Detection would read day-first; the user says month-first.
    assert parse(["01/02/2020 10:00"], fmt="%m/%d/%Y %H:%M") == [utc(2020, 1, 2, 10)]


def test_typed_naive_datetimes_are_localised() -> None:
    s = pl.Series([datetime(2020, 6, 1, 12)], dtype=pl.Datetime("ns"))
    res = parse_timestamps(s, column="t", source="f", timezone="Europe/Amsterdam")
    assert res.values.to_list() == [utc(2020, 6, 1, 10)]
    assert res.values.dtype == pl.Datetime("us", "UTC")


def test_dst_gap_is_read_with_the_offset_before_the_change_and_said() -> None:
    # 02:30 on 2026-03-29 does not exist in Berlin (02:00 -> 03:00): read as +01:00, as a
    # clock not yet moved forward means it, and never silently.
    res = parse_timestamps(
        pl.Series(["2026-03-29 01:59", "2026-03-29 02:30", "2026-03-29 03:00"]),
        column="t",
        source="f",
        timezone="Europe/Berlin",
    )
    assert res.values.to_list() == [
        utc(2026, 3, 29, 0, 59),
        utc(2026, 3, 29, 1, 30),
        utc(2026, 3, 29, 1),
    ]
    assert [(f.code, f.count) for f in res.findings] == [("nonexistent-local-times", 1)]


def test_dst_overlap_is_read_as_the_first_of_the_two() -> None:
    res = parse_timestamps(
        pl.Series(["2026-10-25 02:30"]), column="t", source="f", timezone="Europe/Berlin"
    )
    assert res.values.to_list() == [utc(2026, 10, 25, 0, 30)]  # CEST, +02:00
    assert [(f.code, f.count) for f in res.findings] == [("ambiguous-local-times", 1)]


@given(
    st.datetimes(
        min_value=datetime(1980, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    )
)
def test_iso_round_trip(moment: datetime) -> None:
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    text = moment.isoformat(timespec="milliseconds")
    assert parse([text]) == [moment]
