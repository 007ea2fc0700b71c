"""Waiting by cause: whose clock it is, per log, per team and per handoff pair.

Every gap between two consecutive events of a case, from its first event to its end, has
one cause (``wait_cause``, :mod:`frictionminer.engine.paths`): the company's four —
``queue``, ``handoff``, ``external``, ``in_work`` — whose sum is ``customer_wait_hours``,
and ``customer``, the customer's own turn, kept apart.  The per-case parts are measures
(:data:`frictionminer.engine.measures.WAIT_PARTS`); this module adds them up for the log
(:func:`wait_totals`, from the cases) and splits them by team and handoff pair
(:func:`wait_tables`, from the facts' ``wait_teams`` and ``wait_pairs``).

Everything is summed in whole microseconds and divided once, so the parts add up to the
whole exactly in any table, however the cases were split into parts or shards.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from frictionminer.engine.facts import Facts
from frictionminer.engine.measures import CUSTOMER_SIDE, WAIT_PARTS
from frictionminer.engine.paths import WAIT_CAUSES

__all__ = ["COMPANY_CAUSES", "wait_tables", "wait_totals"]

COMPANY_CAUSES: tuple[str, ...] = tuple(WAIT_PARTS)
"""The causes that make up ``customer_wait_hours``, in report order."""

_US_PER_HOUR = 3_600_000_000.0
_TEAMS_PER_CAUSE = 3


def _micros(column: str) -> pl.Expr:
    """A measure in hours back to its whole microseconds (each is an integer / 3.6e9)."""
    return (pl.col(column) * _US_PER_HOUR).round().cast(pl.Int64)


def _pivot(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per ``keys``: hours by cause (``<cause>_hours``), ``customer_wait_hours`` (the
    company's four, summed in microseconds), ``on_customer_hours`` and the gaps counted;
    largest ``customer_wait_hours`` first (ties by the keys)."""
    cause = pl.col("cause")
    company = cause.is_in(list(COMPANY_CAUSES))
    out = frame.group_by(keys).agg(
        *[
            (pl.col("us").filter(cause == c).sum() / _US_PER_HOUR).alias(f"{c}_hours")
            for c in COMPANY_CAUSES
        ],
        (pl.col("us").filter(company).sum() / _US_PER_HOUR).alias("customer_wait_hours"),
        (pl.col("us").filter(cause == "customer").sum() / _US_PER_HOUR).alias(CUSTOMER_SIDE),
        pl.col("gaps").filter(company).sum().alias("company_gaps"),
    )
    return out.sort(
        ["customer_wait_hours", *keys], descending=[True, *[False] * len(keys)], nulls_last=True
    )


def _empty(keys: list[str]) -> pl.DataFrame:
    schema: dict[str, Any] = {k: pl.String for k in keys}
    schema.update({"cause": pl.String, "gaps": pl.Int64, "cases": pl.Int64, "us": pl.Int64})
    return pl.DataFrame(schema=schema)


def wait_tables(facts: Facts) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(by_team, by_pair)``: the waits of :func:`_pivot` per team holding the case
    (``team``; null: before any team is named) and per handoff pair (``from``, ``to``:
    the gaps while ``to`` held the case after the handoff, until the next handoff)."""
    teams = facts.tables.get("wait_teams")
    pairs = facts.tables.get("wait_pairs")
    teams = _empty(["team"]) if teams is None else teams
    pairs = _empty(["from", "to"]) if pairs is None else pairs
    return _pivot(teams, ["team"]), _pivot(pairs, ["from", "to"])


def wait_totals(cases: pl.DataFrame, facts: Facts | None = None) -> dict[str, Any]:
    """The log's waits by cause: hours, share of ``customer_wait_hours`` and cases per
    company cause (and, with ``facts``, the teams holding most of it), the total, and the
    customer's own turn.  Empty when the cases have no wait parts.

    ``microseconds`` are exact: the parts' add up to the total's; ``hours`` are those
    divided by 3.6e9 (not rounded, so they add up to within a float's last digit)."""
    if any(c not in cases.columns for c in (*WAIT_PARTS.values(), CUSTOMER_SIDE)):
        return {}
    row = cases.select(
        *[_micros(m).sum().alias(c) for c, m in WAIT_PARTS.items()],
        *[(pl.col(m) > 0).sum().alias(f"{c}|cases") for c, m in WAIT_PARTS.items()],
        _micros(CUSTOMER_SIDE).sum().alias("customer"),
        (pl.col(CUSTOMER_SIDE) > 0).sum().alias("customer|cases"),
    ).row(0, named=True)
    total_us = sum(int(row[c] or 0) for c in COMPANY_CAUSES)
    top: dict[str, list[dict[str, Any]]] = {}
    if facts is not None and "wait_teams" in facts.tables:
        by_team = facts["wait_teams"].filter(pl.col("team").is_not_null())
        for c in (*COMPANY_CAUSES, "customer"):
            best = (
                by_team.filter((pl.col("cause") == c) & (pl.col("us") > 0))
                .sort(["us", "team"], descending=[True, False])
                .head(_TEAMS_PER_CAUSE)
            )
            top[c] = [
                {"team": t, "hours": round(us / _US_PER_HOUR, 3), "cases": int(n)}
                for t, us, n in best.select("team", "us", "cases").iter_rows()
            ]

    def part(cause: str) -> dict[str, Any]:
        us = int(row[cause] or 0)
        record: dict[str, Any] = {
            "hours": us / _US_PER_HOUR,
            "microseconds": us,
            "share": round(us / total_us, 4) if total_us and cause != "customer" else None,
            "cases": int(row[f"{cause}|cases"] or 0),
        }
        if facts is not None and cause in top:
            record["teams"] = top[cause]
        return record

    return {
        "customer_wait_hours": total_us / _US_PER_HOUR,
        "microseconds": total_us,
        "by_cause": {c: part(c) for c in COMPANY_CAUSES},
        "customer_side": part("customer"),
        "causes": list(WAIT_CAUSES),
    }
