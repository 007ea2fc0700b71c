"""Pieces of the rules' one-line messages, as polars expressions (shared by the themes)."""

from __future__ import annotations

from typing import Any

import polars as pl

from frictionminer.engine.score import ALL_CASES


def param_text(value: Any) -> str:
    """A parameter as text: 72.0 → '72', 2.5 → '2.5'."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def number_text(expr: pl.Expr, decimals: int = 1) -> pl.Expr:
    """A number as short text: 4.0 → '4', 4.25 → '4.3' (one decimal by default)."""
    text = expr.cast(pl.Float64).round(decimals).cast(pl.String)
    return text.str.replace(r"\.0+$", "")


def count_text(expr: pl.Expr, singular: str, plural: str) -> pl.Expr:
    """'1 handoff' / '3 handoffs'."""
    return (
        pl.when(expr == 1)
        .then(pl.format("{} " + singular, expr))
        .otherwise(pl.format("{} " + plural, expr))
    )


def peers_text() -> pl.Expr:
    """Who the case is compared with, for messages: "'shoelace' cases" or the whole log."""
    return (
        pl.when(pl.col("peer_group") == ALL_CASES)
        .then(pl.lit("cases in this log"))
        .otherwise(pl.format("'{}' cases", pl.col("peer_group")))
    )
