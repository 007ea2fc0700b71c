"""Business-hours calendar: hand-computed weekend/holiday cases and additivity (hypothesis)."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from frictionminer.engine.calendar import Calendar, business_hours_between

UTC = dt.UTC
NEW_YEAR = Calendar(holidays=(dt.date(2024, 1, 1),))


def _hours(pairs: list[tuple[dt.datetime, dt.datetime]], cal: Calendar) -> list[float]:
    df = pl.DataFrame(
        {"a": [p[0] for p in pairs], "b": [p[1] for p in pairs]},
        schema={"a": pl.Datetime("us", "UTC"), "b": pl.Datetime("us", "UTC")},
    )
    out = df.select(h=business_hours_between(pl.col("a"), pl.col("b"), cal))
    return [float(v) for v in out["h"]]


def test_weekend_and_holiday_hand_computed() -> None:
    pairs = [
        # Fri 16:00 → Tue 09:00 over a weekend and New Year's Day: 1 h + 1 h
        (dt.datetime(2023, 12, 29, 16, tzinfo=UTC), dt.datetime(2024, 1, 2, 9, tzinfo=UTC)),
        # Fri 12:00 → Mon 10:00: 5 h + 2 h
        (dt.datetime(2024, 1, 5, 12, tzinfo=UTC), dt.datetime(2024, 1, 8, 10, tzinfo=UTC)),
        # Saturday to Sunday: nothing
        (dt.datetime(2024, 1, 6, 10, tzinfo=UTC), dt.datetime(2024, 1, 7, 18, tzinfo=UTC)),
        # night before opening to after closing on a Wednesday: 9 h
        (dt.datetime(2024, 1, 10, 3, tzinfo=UTC), dt.datetime(2024, 1, 10, 23, tzinfo=UTC)),
    ]
    assert _hours(pairs, NEW_YEAR) == [2.0, 7.0, 0.0, 9.0]
    # without the holiday, Monday 1 January is a full 9-hour day
    assert _hours(pairs[:1], Calendar())[0] == 11.0


def test_timezone_shifts_opening_hours() -> None:
    # 07:00-08:00 UTC is 08:00-09:00 in Berlin (winter): one working hour there, none in UTC
    pair = [(dt.datetime(2024, 1, 10, 7, tzinfo=UTC), dt.datetime(2024, 1, 10, 8, tzinfo=UTC))]
    assert _hours(pair, Calendar()) == [0.0]
    assert _hours(pair, Calendar(timezone="Europe/Berlin")) == [1.0]


_times = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2026, 12, 31)).map(
    lambda t: t.replace(microsecond=0, tzinfo=UTC)
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_times, min_size=3, max_size=3))
def test_additive_and_never_more_than_calendar_time(ts: list[dt.datetime]) -> None:
    a, b, c = sorted(ts)
    ab, bc, ac = _hours([(a, b), (b, c), (a, c)], NEW_YEAR)
    # whole seconds in, so the sum is exact up to float rounding of the /3600
    assert abs((ab + bc) - ac) < 1e-9
    assert 0.0 <= ac <= (c - a).total_seconds() / 3600.0
