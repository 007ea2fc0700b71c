"""Promises and the business calendar: ``[[promises]]``, ``[builtin_promises]``, ``[calendar]``.

A promise is made by an event and kept by a later one within a time (docs/friction-model.md,
"Promises").  ``[[promises]]`` declares the company's own promises; ``[builtin_promises]``
switches the ones that need no configuration on or off; ``[calendar]`` says what a business
hour is for a promise whose ``clock`` is ``"business"``.  Parsed and checked here, once, so
a bad span, pattern, weekday or date names its key when the settings are read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from math import isfinite
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from frictionminer.errors import ConfigError
from frictionminer.settings.defaults import packaged, packaged_factory
from frictionminer.settings.patterns import LOOKAROUND_HINT, item_problem

CLOCKS = ("calendar", "business")
"""How a promise's time is counted: calendar time, or the ``[calendar]``'s working time."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ROLE_PREFIX = "role:"
"""``after = "role:contact"``: the events of a role rather than an activity pattern."""
PROMISE_ROLES = ("contact", "customer_task", "customer_action", "notice", "resolution")
FIRST_RESPONSE = "first response"
INTERIM_NOTICE = "interim notice"
"""The names of the built-in promises (a ``[[promises]]`` entry may not take them)."""

_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True)
class PromiseSettings:
    """One ``[[promises]]`` entry: made by ``after``, kept by ``before`` within ``within``."""

    name: str
    """How the promise is named in every output ("callback within 2 days")."""
    after: str
    """The events that make the promise: a pattern on ``[roles] match`` (the activity), or
    ``"role:NAME"`` for a role's events."""
    before: str
    """The events that keep it: the first such event after the promise, or ``"role:NAME"``."""
    within: str
    """How long the company has: "2d", "24h", "90m", "1w" (calendar time), or working time
    of the ``[calendar]`` with ``clock = "business"`` (a day is one working day's hours)."""
    clock: str = "calendar"
    """``"calendar"`` or ``"business"``."""


@dataclass(frozen=True)
class BuiltinPromiseSettings:
    """Promises that need no configuration, kept where the log shows what they need."""

    first_response: str = packaged("builtin_promises", "first_response")
    """The customer hears from the company within this time after the case opens ("" off)."""
    interim_notice: str = packaged("builtin_promises", "interim_notice")
    """While the case waits on the company, news at least this often ("" off)."""
    clock: str = packaged("builtin_promises", "clock")
    """``"calendar"`` or ``"business"`` for both built-in promises."""
    min_news_share: float = packaged("builtin_promises", "min_news_share")
    """The first response is evaluated only where notices or tasks reach this share of
    the cases."""


@dataclass(frozen=True)
class CalendarSettings:
    """Working time for promises kept in business time (``[calendar]``)."""

    weekdays: list[str] = field(default_factory=packaged_factory("calendar", "weekdays"))
    """Working days ("mon" … "sun")."""
    opens: str = packaged("calendar", "opens")
    """Opening time on a working day, "HH:MM" local time."""
    closes: str = packaged("calendar", "closes")
    """Closing time, "HH:MM" local time, after ``opens``."""
    holidays: list[str] = field(default_factory=packaged_factory("calendar", "holidays"))
    """Days off, as ISO dates ("2024-12-25")."""
    timezone: str = packaged("calendar", "timezone")
    """The IANA timezone of the opening hours ("Europe/Berlin")."""


def span_seconds(text: str) -> float:
    """``"2d"``, ``"36h"``, ``"90m"``, ``"1w"`` as seconds (ValueError otherwise)."""
    value = text.strip().lower()
    unit = value[-1:] if value else ""
    try:
        number = float(value[:-1]) if unit in _UNITS else float("nan")
    except ValueError:
        number = float("nan")
    if not isfinite(number) or number <= 0:
        raise ValueError(f"{text!r} is not a positive length such as 2d, 24h, 90m or 1w")
    return number * _UNITS[unit]


def business_span_seconds(text: str, cal: CalendarSettings) -> float:
    """A length of working time in seconds: minutes and hours as they are, a day one
    working day of the calendar (``closes`` - ``opens``), a week its working days."""
    seconds = span_seconds(text)
    unit = text.strip().lower()[-1:]
    day = (clock_time(cal.closes) - clock_time(cal.opens)) * 3600.0
    if unit == "d":
        return seconds / 86400.0 * day
    if unit == "w":
        return seconds / (7 * 86400.0) * day * len({d.lower() for d in cal.weekdays})
    return seconds


def clock_time(text: str) -> float:
    """``"08:30"`` as hours after midnight (ValueError otherwise)."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"{text!r} is not a time such as 08:00")
    h, m = int(hours), int(minutes)
    if h > 24 or m > 59 or (h == 24 and m):
        raise ValueError(f"{text!r} is not a time of day")
    return h + m / 60.0


def check_promise(item: PromiseSettings, prefix: str, source: str, taken: set[str]) -> None:
    """The checks of one ``[[promises]]`` entry a type cannot express; ``taken`` holds the
    names (lower case) used so far, and gets this one."""
    name = item.name.strip().lower()
    if not name or name in taken or name in (FIRST_RESPONSE, INTERIM_NOTICE):
        raise ConfigError(
            f"{source}: key '{prefix}name': {item.name!r} is empty or taken",
            hint="give each promise its own name (the built-in ones are "
            f"{FIRST_RESPONSE!r} and {INTERIM_NOTICE!r})",
        )
    taken.add(name)
    _check_span(item.within, f"{prefix}within", source)
    _check_clock(item.clock, f"{prefix}clock", source)
    for key in ("after", "before"):
        _check_matcher(getattr(item, key), f"{prefix}{key}", source)


REQUIRED_KEYS = ("name", "after", "before", "within")
"""The keys every ``[[promises]]`` entry must have."""


def _check_span(text: str, key: str, source: str, *, may_be_off: bool = False) -> None:
    if may_be_off and not text.strip():
        return
    try:
        span_seconds(text)
    except ValueError as exc:
        hint = 'e.g. "2d", "24h", "90m"' + (' ("" switches it off)' if may_be_off else "")
        raise ConfigError(f"{source}: key '{key}': {exc}", hint=hint) from None


def _check_clock(text: str, key: str, source: str) -> None:
    if text not in CLOCKS:
        raise ConfigError(
            f'{source}: key \'{key}\' must be "calendar" or "business", not {text!r}',
            hint="business counts the [calendar]'s working hours only",
        )


def _check_matcher(text: str, key: str, source: str) -> None:
    if text.startswith(ROLE_PREFIX):
        role = text[len(ROLE_PREFIX) :]
        if role not in PROMISE_ROLES:
            raise ConfigError(
                f"{source}: key '{key}': unknown role {role!r}",
                hint=f"choose from {', '.join(PROMISE_ROLES)}",
            )
        return
    if not text.strip():
        raise ConfigError(f"{source}: key '{key}' must be a pattern, not empty")
    found = item_problem(text)
    if found is not None:
        problem, lookaround = found
        raise ConfigError(
            f"{source}: key '{key}': {problem}",
            hint=LOOKAROUND_HINT if lookaround else "escape special characters with \\",
        )


def check_promise_tables(
    builtin: BuiltinPromiseSettings, cal: CalendarSettings, source: str
) -> None:
    """The checks a type cannot express, for ``[builtin_promises]`` and ``[calendar]``."""
    for key in ("first_response", "interim_notice"):
        _check_span(getattr(builtin, key), f"builtin_promises.{key}", source, may_be_off=True)
    _check_clock(builtin.clock, "builtin_promises.clock", source)
    if not 0.0 <= builtin.min_news_share <= 1.0:
        raise ConfigError(
            f"{source}: key 'builtin_promises.min_news_share' must be between 0 and 1",
            hint="a share of the cases, e.g. 0.5",
        )
    bad = [d for d in cal.weekdays if d.lower() not in WEEKDAYS]
    if bad or not cal.weekdays:
        raise ConfigError(
            f"{source}: key 'calendar.weekdays': {', '.join(map(repr, bad)) or 'empty'}",
            hint=f"working days among {', '.join(WEEKDAYS)}",
        )
    try:
        opens, closes = clock_time(cal.opens), clock_time(cal.closes)
    except ValueError as exc:
        raise ConfigError(f"{source}: key 'calendar.opens/closes': {exc}") from None
    if closes <= opens:
        raise ConfigError(
            f"{source}: key 'calendar.closes' must be after 'calendar.opens'",
            hint='e.g. opens = "08:00", closes = "17:00"',
        )
    for i, day in enumerate(cal.holidays):
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            raise ConfigError(
                f"{source}: key 'calendar.holidays' [{i}]: {day!r} is not an ISO date",
                hint='e.g. "2024-12-25"',
            ) from None
    try:
        ZoneInfo(cal.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{source}: key 'calendar.timezone': unknown timezone {cal.timezone!r}",
            hint="use an IANA name such as 'Europe/Berlin' or 'UTC'",
        ) from None
