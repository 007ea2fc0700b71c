"""Filters: which whole cases are analysed (``[filters]``, ``--since/--until/--where/--case-type``).

A filter keeps or drops whole cases, never single events: cutting a case would invent
friction (a wait with no end, a task with no answer).  The cases kept are the log that is
analysed: the peers and the proportion are computed among them.

* ``since``/``until``: the case's first event lies in ``[since, until)``; a duration
  ("90d") is counted back from the log's last event;
* ``where``: a polars SQL condition; a case is kept when at least one of its events
  matches (a case attribute is on every event of its case, so a condition on it keeps or
  drops the whole case);
* ``case_type``: the case's category (``[columns] category``) is one of the values.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from frictionminer import schema as S
from frictionminer.errors import UsageError
from frictionminer.settings import FilterSettings, Settings, filter_bound


@dataclass(frozen=True)
class Filtered:
    """The events of the cases kept, and how many cases there were before."""

    events: pl.DataFrame
    cases_before: int
    cases_after: int


def _instant(text: str, option: str, end: datetime, *, until: bool) -> datetime:
    bound = filter_bound(text, option, end_of_day=until)
    return end - bound if isinstance(bound, timedelta) else bound


def _column(columns: list[str], name: str) -> str | None:
    for candidate in (name, f"{S.CASE_PREFIX}{name}", name.removeprefix(S.CASE_PREFIX)):
        if candidate in columns:
            return candidate
    return None


def where_expr(where: str, columns: list[str]) -> pl.Expr:
    """The condition as a polars expression, checked against the log's ``columns``: an
    unknown column or bad SQL is a UsageError naming it (with close matches)."""
    try:
        expr = pl.sql_expr(where)
        pl.DataFrame(schema={c: pl.String for c in columns}).lazy().filter(expr).collect_schema()
    except pl.exceptions.ColumnNotFoundError as err:
        missing = re.search(r'column "([^"]+)"', str(err))
        name = missing.group(1) if missing else str(err).splitlines()[0]
        close = difflib.get_close_matches(name, columns, n=3)
        raise UsageError(
            f"--where: no column {name!r} in the log",
            hint=f"did you mean {', '.join(repr(c) for c in close)}?"
            if close
            else "frictionminer info LOG lists the columns; quote names with spaces or "
            'colons in double quotes ("case:category")',
        ) from None
    except (pl.exceptions.SQLSyntaxError, pl.exceptions.SQLInterfaceError) as err:
        raise UsageError(
            f"--where {where!r}: {str(err).splitlines()[0]}",
            hint="a polars SQL condition such as \"channel = 'phone'\"",
        ) from None
    except pl.exceptions.PolarsError:
        pass  # a comparison of types the all-text schema cannot check: checked on the events
    return expr


def select_cases(events: pl.DataFrame, filters: FilterSettings, settings: Settings) -> Filtered:
    """The events of the cases that pass every filter (all of them when none is set)."""
    before = events.get_column(S.CASE).n_unique()
    if not filters.active or events.height == 0:
        return Filtered(events, before, before)
    starts = events.group_by(S.CASE).agg(pl.col(S.TIMESTAMP).min().alias("start"))
    keep = starts
    end = events.get_column(S.TIMESTAMP).max()
    assert isinstance(end, datetime)
    if filters.since is not None:
        since = _instant(filters.since, "--since", end, until=False)
        keep = keep.filter(pl.col("start") >= since)
    if filters.until is not None:
        until = _instant(filters.until, "--until", end, until=True)
        keep = keep.filter(pl.col("start") < until)
    if filters.case_type:
        name = settings.columns.category
        column = _column(events.columns, name) if name else None
        if column is None:
            raise UsageError(
                "--case-type needs a category column",
                hint="set [columns] category = COLUMN (a case attribute such as case:category)",
            )
        values = [str(v) for v in filters.case_type]
        typed = events.filter(pl.col(column).cast(pl.String).is_in(values))
        keep = keep.join(typed.select(S.CASE).unique(), on=S.CASE, how="semi")
    if filters.where is not None:
        expr = where_expr(filters.where, events.columns)
        try:
            matched = events.filter(expr).select(S.CASE).unique()
        except pl.exceptions.PolarsError as err:
            raise UsageError(
                f"--where {filters.where!r}: {str(err).splitlines()[0]}",
                hint="compare a column with a value of its type (text in single quotes)",
            ) from None
        keep = keep.join(matched, on=S.CASE, how="semi")
    after = keep.height
    if after == 0:
        raise UsageError(
            f"the filters leave no case of {before:,}",
            hint="widen --since/--until, check --where and --case-type "
            "(frictionminer info LOG shows the time span and the columns)",
        )
    kept = events.join(keep.select(S.CASE), on=S.CASE, how="semi", maintain_order="left")
    return Filtered(kept, before, after)
