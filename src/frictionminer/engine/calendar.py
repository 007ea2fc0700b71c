"""Business-hours calendar: working seconds between two timestamp columns, vectorised.

A :class:`Calendar` names the working weekdays (Monday = 0), the daily opening hours (wall
time in ``timezone``) and holidays (ISO dates).  :func:`business_seconds` maps a timestamp
column to a *business-time coordinate* (working seconds since 1970-01-01 local time), so
the business time between ``a`` and ``b`` is the difference of two coordinates: additive
(a→b plus b→c equals a→c) and never more than calendar time.  Whole columns, no row loops.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from frictionminer.settings import CalendarSettings

_DAY = 86_400
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday


@dataclass(frozen=True)
class Calendar:
    """Working weekdays (0 = Monday), opening hours [open_hour, close_hour), holidays."""

    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    open_hour: float = 8.0
    close_hour: float = 17.0
    timezone: str = "UTC"
    holidays: tuple[dt.date, ...] = ()


def _working_days_before(day: pl.Expr, cal: Calendar) -> pl.Expr:
    """Number of working days in [epoch, day): whole weeks plus a looked-up remainder."""
    per_week = len(set(cal.weekdays))
    cum = [0]
    for k in range(7):
        cum.append(cum[-1] + ((_EPOCH_WEEKDAY + k) % 7 in cal.weekdays))
    rem = day.mod(7)
    partial = rem.replace_strict(dict(enumerate(cum[:7])), return_dtype=pl.Int64)
    count = day.floordiv(7) * per_week + partial
    epoch = dt.date(1970, 1, 1)
    hol = sorted({(h - epoch).days for h in cal.holidays if h.weekday() in cal.weekdays})
    if hol:
        count = count - pl.lit(pl.Series(hol, dtype=pl.Int64)).search_sorted(day)
    return count


def business_seconds(ts: pl.Expr, cal: Calendar) -> pl.Expr:
    """Working seconds since the local epoch, as Int64 (nulls stay null)."""
    local = ts.dt.convert_time_zone(cal.timezone).dt.replace_time_zone(None)
    secs = local.dt.epoch("s")
    day = secs.floordiv(_DAY)
    in_day = secs - day * _DAY
    open_s = int(cal.open_hour * 3600)
    close_s = int(cal.close_hour * 3600)
    hol = [h for h in cal.holidays]
    working = ((day + _EPOCH_WEEKDAY).mod(7)).is_in(list(cal.weekdays))
    if hol:
        working = working & ~local.dt.date().is_in(hol)
    today = pl.when(working).then(in_day.clip(open_s, close_s) - open_s).otherwise(0)
    return _working_days_before(day, cal) * (close_s - open_s) + today


def business_hours_between(start: pl.Expr, end: pl.Expr, cal: Calendar) -> pl.Expr:
    """Working hours from ``start`` to ``end`` (negative when end precedes start)."""
    return (business_seconds(end, cal) - business_seconds(start, cal)) / 3600.0


_WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def calendar_of(settings: CalendarSettings) -> Calendar:
    """The :class:`Calendar` of a checked ``[calendar]`` table."""
    from frictionminer.settings.promises import clock_time

    return Calendar(
        weekdays=tuple(sorted({_WEEKDAY_NAMES.index(d.lower()) for d in settings.weekdays})),
        open_hour=clock_time(settings.opens),
        close_hour=clock_time(settings.closes),
        timezone=settings.timezone,
        holidays=tuple(sorted({dt.date.fromisoformat(d) for d in settings.holidays})),
    )


def business_deadline(start: pl.Series, seconds: float, cal: Calendar) -> pl.Series:
    """The first moment at which ``seconds`` of working time have passed since each
    ``start`` (UTC timestamps; nulls stay null): the inverse of :func:`business_seconds`.

    The target coordinate is split into whole working days and the seconds into the
    last one; numpy's ``busday_offset`` finds that working day's date over the whole
    column at once (the same weekdays and holidays as :func:`business_seconds` counts).
    A deadline that falls exactly at a day's end is that day's closing time, not the next
    day's opening.
    """
    import numpy as np

    open_s = int(cal.open_hour * 3600)
    day_len = int(cal.close_hour * 3600) - open_s
    frame = pl.DataFrame({"t": start}).select(
        (business_seconds(pl.col("t"), cal) + round(seconds)).alias("b")
    )
    target = frame.get_column("b")
    valid = target.is_not_null().to_numpy()
    b = target.fill_null(1).to_numpy().astype(np.int64)
    day = (b - 1) // day_len
    into = b - day * day_len
    mask = [1 if k in cal.weekdays else 0 for k in range(7)]
    dates = np.busday_offset(
        np.datetime64("1970-01-01", "D"),
        day,
        roll="forward",
        weekmask=mask,
        holidays=np.array([np.datetime64(h, "D") for h in cal.holidays], dtype="datetime64[D]"),
    )
    local_us = dates.astype("datetime64[us]").astype(np.int64) + (open_s + into) * 1_000_000
    out = (
        pl.Series("due", local_us, dtype=pl.Int64)
        .cast(pl.Datetime("us"))
        .dt.replace_time_zone(cal.timezone, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )
    return pl.select(pl.when(pl.lit(pl.Series(valid))).then(out)).to_series().alias("due")
